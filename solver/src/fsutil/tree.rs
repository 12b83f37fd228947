//! Whole-tree operations: hard-link clones (cheap copy-on-write children of
//! immutable snapshots), deep copies with an optional filter, removal.
//!
//! Invariant that makes hard-link clones safe: nothing in the solver ever
//! opens an existing non-directory of a tree for writing or changes its
//! metadata in place — files are always replaced (unlink + create), and
//! processes only see trees through overlayfs.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::meta::{Times, apply_meta, copy_xattrs, mknod_like, set_times};
use super::pattern::PathFilter;

/// Clones `src` into the not yet existing `dst`: directories are created
/// with the same metadata, everything else is hard-linked.
pub fn clone_hardlinked(src: &Path, dst: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(src)?;
    if !meta.is_dir() {
        return std::fs::hard_link(src, dst);
    }
    std::fs::create_dir(dst)?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let name = entry.file_name();
        clone_hardlinked(&src.join(&name), &dst.join(&name))?;
    }
    apply_meta(dst, &meta)?;
    copy_xattrs(src, dst);
    Ok(())
}

/// Options for [`copy_deep`].
#[derive(Debug, Clone, Default)]
pub struct DeepCopy<'a> {
    /// Only paths the filter selects (relative to `src`).
    pub filter: Option<&'a PathFilter>,
    /// Replace owners with this uid/gid.
    pub owner: Option<(u32, u32)>,
}

/// Copies the tree `src` into `dst` (created if missing) with real data
/// copies, preserving metadata and hard links within the tree.
pub fn copy_deep(src: &Path, dst: &Path, opts: &DeepCopy<'_>) -> io::Result<()> {
    let mut inodes = std::collections::HashMap::new();
    if !dst.exists() {
        std::fs::create_dir_all(dst)?;
    }
    let root_meta = std::fs::symlink_metadata(src)?;
    if !root_meta.is_dir() {
        return copy_entry(src, dst, &root_meta, opts.owner, &mut inodes);
    }
    copy_children(src, dst, "", opts, &mut inodes)?;
    finish_dir(src, dst, &root_meta, opts.owner)
}

fn finish_dir(
    src: &Path,
    dst: &Path,
    meta: &std::fs::Metadata,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    super::meta::set_mode(dst, meta.mode())?;
    let (uid, gid) = owner.unwrap_or((meta.uid(), meta.gid()));
    super::meta::lchown(dst, uid, gid)?;
    copy_xattrs(src, dst);
    set_times(dst, Times::of(meta))
}

fn copy_children(
    src: &Path,
    dst: &Path,
    rel: &str,
    opts: &DeepCopy<'_>,
    inodes: &mut std::collections::HashMap<(u64, u64), std::path::PathBuf>,
) -> io::Result<bool> {
    let mut names: Vec<_> = std::fs::read_dir(src)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    let mut any = false;
    for name in names {
        let child_rel = if rel.is_empty() {
            name.to_string_lossy().into_owned()
        } else {
            format!("{rel}/{}", name.to_string_lossy())
        };
        let s = src.join(&name);
        let d = dst.join(&name);
        let meta = std::fs::symlink_metadata(&s)?;
        let decision = opts
            .filter
            .map(|f| f.decide(&child_rel, meta.is_dir()))
            .unwrap_or(super::pattern::FilterDecision {
                include: true,
                descend: true,
            });
        if meta.is_dir() {
            if !decision.include && !decision.descend {
                continue;
            }
            let existed = d.exists();
            if !existed {
                std::fs::create_dir(&d)?;
            }
            let sub = copy_children(&s, &d, &child_rel, opts, inodes)?;
            if decision.include || sub {
                finish_dir(&s, &d, &meta, opts.owner)?;
                any = true;
            } else if !existed {
                std::fs::remove_dir(&d)?;
            }
        } else if decision.include {
            copy_entry(&s, &d, &meta, opts.owner, inodes)?;
            any = true;
        }
    }
    Ok(any)
}

/// Copies one non-directory entry (data, symlink, device), replacing `dst`.
pub fn copy_entry(
    src: &Path,
    dst: &Path,
    meta: &std::fs::Metadata,
    owner: Option<(u32, u32)>,
    inodes: &mut std::collections::HashMap<(u64, u64), std::path::PathBuf>,
) -> io::Result<()> {
    match std::fs::symlink_metadata(dst) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(dst)?,
        Ok(_) => std::fs::remove_file(dst)?,
        Err(_) => {}
    }
    let ft = meta.file_type();
    if meta.nlink() > 1
        && !ft.is_dir()
        && let Some(first) = inodes.get(&(meta.dev(), meta.ino()))
    {
        return std::fs::hard_link(first, dst);
    }
    if ft.is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(src)?, dst)?;
    } else if ft.is_file() {
        copy_file_data(src, dst)?;
    } else {
        mknod_like(dst, meta)?;
    }
    let (uid, gid) = owner.unwrap_or((meta.uid(), meta.gid()));
    super::meta::lchown(dst, uid, gid)?;
    if !ft.is_symlink() {
        super::meta::set_mode(dst, meta.mode())?;
        copy_xattrs(src, dst);
    }
    set_times(dst, Times::of(meta))?;
    if meta.nlink() > 1 {
        inodes.insert((meta.dev(), meta.ino()), dst.to_path_buf());
    }
    Ok(())
}

/// Copies file contents into a new file (no metadata).
pub fn copy_file_data(src: &Path, dst: &Path) -> io::Result<()> {
    let mut from = std::fs::File::open(src)?;
    let mut to = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dst)?;
    io::copy(&mut from, &mut to)?;
    Ok(())
}

/// Removes a path of any type; a missing path is fine.
pub fn remove_any(path: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Copies the metadata of `src` onto an existing `dst` without touching
/// data (used for directories).
pub fn copy_dir_meta(src: &Path, dst: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(src)?;
    apply_meta(dst, &meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn hardlink_clone_shares_inodes_and_keeps_dir_meta() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        std::fs::create_dir_all(src.join("a")).unwrap();
        std::fs::write(src.join("a/f"), "data").unwrap();
        symlink("a/f", src.join("l")).unwrap();
        super::super::meta::set_mode(&src.join("a"), 0o711).unwrap();
        let dst = d.path().join("dst");
        clone_hardlinked(&src, &dst).unwrap();
        let m1 = std::fs::metadata(src.join("a/f")).unwrap();
        let m2 = std::fs::metadata(dst.join("a/f")).unwrap();
        assert_eq!(m1.ino(), m2.ino());
        assert_eq!(std::fs::read_link(dst.join("l")).unwrap(), Path::new("a/f"));
        assert_eq!(
            std::fs::metadata(dst.join("a")).unwrap().mode() & 0o7777,
            0o711
        );
    }

    #[test]
    fn deep_copy_with_filter_and_owner() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("src");
        std::fs::create_dir_all(src.join("keep/sub")).unwrap();
        std::fs::create_dir_all(src.join("drop")).unwrap();
        std::fs::write(src.join("keep/sub/x.txt"), "x").unwrap();
        std::fs::write(src.join("keep/y.log"), "y").unwrap();
        std::fs::write(src.join("drop/z.txt"), "z").unwrap();
        let filter = PathFilter::new(&["**/*.txt"], &["drop"]).unwrap();
        let dst = d.path().join("dst");
        copy_deep(
            &src,
            &dst,
            &DeepCopy {
                filter: Some(&filter),
                owner: Some((0, 0)),
            },
        )
        .unwrap();
        assert!(dst.join("keep/sub/x.txt").exists());
        assert!(!dst.join("keep/y.log").exists());
        assert!(!dst.join("drop").exists());
        let m = std::fs::metadata(dst.join("keep/sub/x.txt")).unwrap();
        assert_ne!(
            m.ino(),
            std::fs::metadata(src.join("keep/sub/x.txt")).unwrap().ino()
        );
    }
}
