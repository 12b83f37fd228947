//! Content hashes of (parts of) trees, used as cache-key material: the same
//! bytes, names, modes, owners and link targets give the same digest,
//! wherever the tree lives. Timestamps are not part of the hash.

use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::pattern::{FilterDecision, PathFilter};

/// What to hash and how.
#[derive(Debug, Clone, Default)]
pub struct HashOptions<'a> {
    /// Only entries the filter selects (paths relative to the hashed path).
    pub filter: Option<&'a PathFilter>,
    /// Hash these owners instead of the real ones.
    pub owner: Option<(u32, u32)>,
    /// A second filter whose paths are `prefix/<relative path>` (a local
    /// view's own filter, when hashing a path inside the view).
    pub outer: Option<(&'a PathFilter, String)>,
}

/// The sha256 of a file's bytes, as lowercase hex.
pub fn file_sha256(path: &Path) -> io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Hashes the entry at `path` (recursively for directories). A missing
/// path hashes to a fixed marker so that its appearance changes the key.
pub fn hash_tree(path: &Path, opts: &HashOptions<'_>) -> io::Result<String> {
    let mut h = Sha256::new();
    match std::fs::symlink_metadata(path) {
        Ok(meta) => {
            feed_entry(&mut h, "", path, &meta, opts)?;
            if meta.is_dir() {
                feed_children(&mut h, path, "", opts)?;
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => h.update(b"<missing>"),
        Err(e) => return Err(e),
    }
    Ok(format!("sha256:{}", hex::encode(h.finalize())))
}

fn feed_children(h: &mut Sha256, dir: &Path, rel: &str, opts: &HashOptions<'_>) -> io::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    for name in names {
        let child_rel = if rel.is_empty() {
            name.to_string_lossy().into_owned()
        } else {
            format!("{rel}/{}", name.to_string_lossy())
        };
        let p = dir.join(&name);
        let meta = std::fs::symlink_metadata(&p)?;
        let mut d = opts
            .filter
            .map(|f| f.decide(&child_rel, meta.is_dir()))
            .unwrap_or(FilterDecision {
                include: true,
                descend: true,
            });
        if let Some((outer, prefix)) = &opts.outer {
            let full = if prefix.is_empty() {
                child_rel.clone()
            } else {
                format!("{prefix}/{child_rel}")
            };
            let o = outer.decide(&full, meta.is_dir());
            d.include &= o.include;
            d.descend &= o.descend;
        }
        if d.include {
            feed_entry(h, &child_rel, &p, &meta, opts)?;
        }
        if meta.is_dir() && d.descend {
            feed_children(h, &p, &child_rel, opts)?;
        }
    }
    Ok(())
}

fn feed_entry(
    h: &mut Sha256,
    rel: &str,
    path: &Path,
    meta: &std::fs::Metadata,
    opts: &HashOptions<'_>,
) -> io::Result<()> {
    let (uid, gid) = opts.owner.unwrap_or((meta.uid(), meta.gid()));
    let ft = meta.file_type();
    h.update(rel.as_bytes());
    h.update([0]);
    h.update(format!("{:o}:{uid}:{gid}:", meta.mode()).as_bytes());
    if ft.is_file() {
        h.update(file_sha256(path)?.as_bytes());
    } else if ft.is_symlink() {
        h.update(std::fs::read_link(path)?.as_os_str().as_encoded_bytes());
    } else if !ft.is_dir() {
        h.update(meta.rdev().to_string().as_bytes());
    }
    h.update([0]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_same_hash_anywhere() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for d in [a.path(), b.path()] {
            std::fs::create_dir(d.join("x")).unwrap();
            std::fs::write(d.join("x/f"), "hello").unwrap();
        }
        let o = HashOptions::default();
        assert_eq!(
            hash_tree(&a.path().join("x"), &o).unwrap(),
            hash_tree(&b.path().join("x"), &o).unwrap()
        );
        std::fs::write(b.path().join("x/g"), "new").unwrap();
        assert_ne!(
            hash_tree(&a.path().join("x"), &o).unwrap(),
            hash_tree(&b.path().join("x"), &o).unwrap()
        );
    }

    #[test]
    fn filter_limits_what_counts() {
        let a = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join("keep.txt"), "1").unwrap();
        std::fs::write(a.path().join("other.log"), "2").unwrap();
        let f = PathFilter::new(&["*.txt"], &[]).unwrap();
        let o = HashOptions {
            filter: Some(&f),
            owner: None,
            outer: None,
        };
        let before = hash_tree(a.path(), &o).unwrap();
        std::fs::write(a.path().join("other.log"), "changed").unwrap();
        assert_eq!(before, hash_tree(a.path(), &o).unwrap());
        std::fs::write(a.path().join("keep.txt"), "changed").unwrap();
        assert_ne!(before, hash_tree(a.path(), &o).unwrap());
    }

    #[test]
    fn missing_is_stable() {
        let a = tempfile::tempdir().unwrap();
        let o = HashOptions::default();
        assert_eq!(
            hash_tree(&a.path().join("nope"), &o).unwrap(),
            hash_tree(&a.path().join("nope2"), &o).unwrap()
        );
    }
}
