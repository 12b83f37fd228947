//! Layers as tar diffs: computing the changes between two trees as an OCI
//! layer tar (with `.wh.` whiteouts), applying such a tar onto a tree, and
//! the layer chain of a snapshot.

use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::{Snapshot, Store, StoreError, io_at, write_atomic};
use crate::fsutil::meta::{Times, lchown, set_mode, set_times, set_xattr};
use crate::fsutil::safepath::{clean_abs, resolve_in_root};
use crate::fsutil::tree::remove_any;

/// One layer of a snapshot's chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerDesc {
    /// `sha256:` of the uncompressed tar.
    pub diff_id: String,
    /// Size of the uncompressed tar.
    pub size: u64,
}

/// A writer that hashes and counts what passes through.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    count: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps a writer.
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// The `sha256:` digest and byte count so far, and the inner writer.
    pub fn finish(self) -> (String, u64, W) {
        (
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
            self.inner,
        )
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Options for writing tar entries.
#[derive(Debug, Clone, Copy, Default)]
pub struct TarOptions {
    /// Clamp every mtime to at most this (seconds), for reproducible output.
    pub clamp_mtime: Option<i64>,
}

struct DiffWriter<'a, W: Write> {
    tar: tar::Builder<W>,
    /// Directory headers waiting until something below them is written.
    pending_dirs: Vec<(String, PathBuf, bool)>,
    inodes: HashMap<(u64, u64), String>,
    opts: &'a TarOptions,
}

impl<W: Write> DiffWriter<'_, W> {
    fn flush_parents(&mut self) -> io::Result<()> {
        let pending: Vec<_> = self
            .pending_dirs
            .iter_mut()
            .filter(|(_, _, written)| !*written)
            .map(|(rel, path, written)| {
                *written = true;
                (rel.clone(), path.clone())
            })
            .collect();
        for (rel, path) in pending {
            let meta = std::fs::symlink_metadata(&path)?;
            self.write_entry(&rel, &path, &meta)?;
        }
        Ok(())
    }

    fn header(&self, meta: &std::fs::Metadata) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_mode(meta.mode() & 0o7777);
        h.set_uid(meta.uid() as u64);
        h.set_gid(meta.gid() as u64);
        let mut mtime = meta.mtime().max(0);
        if let Some(c) = self.opts.clamp_mtime {
            mtime = mtime.min(c.max(0));
        }
        h.set_mtime(mtime as u64);
        h.set_size(0);
        h
    }

    fn write_xattrs(&mut self, path: &Path) -> io::Result<()> {
        let list = crate::fsutil::meta::list_xattrs(path).unwrap_or_default();
        let wanted: Vec<(String, Vec<u8>)> = list
            .into_iter()
            .filter(|(n, _)| n.starts_with(b"user.") || n == b"security.capability")
            .map(|(n, v)| (format!("SCHILY.xattr.{}", String::from_utf8_lossy(&n)), v))
            .collect();
        if !wanted.is_empty() {
            self.tar
                .append_pax_extensions(wanted.iter().map(|(k, v)| (k.as_str(), v.as_slice())))?;
        }
        Ok(())
    }

    fn write_entry(&mut self, rel: &str, path: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
        let ft = meta.file_type();
        let mut h = self.header(meta);
        if ft.is_dir() {
            self.write_xattrs(path)?;
            h.set_entry_type(tar::EntryType::Directory);
            self.tar
                .append_data(&mut h, format!("{rel}/"), io::empty())?;
            return Ok(());
        }
        if meta.nlink() > 1 {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = self.inodes.get(&key).cloned() {
                h.set_entry_type(tar::EntryType::Link);
                self.tar.append_link(&mut h, rel, first)?;
                return Ok(());
            }
            self.inodes.insert(key, rel.to_string());
        }
        if ft.is_symlink() {
            h.set_entry_type(tar::EntryType::Symlink);
            let target = std::fs::read_link(path)?;
            self.tar.append_link(&mut h, rel, target)?;
        } else if ft.is_file() {
            self.write_xattrs(path)?;
            h.set_entry_type(tar::EntryType::Regular);
            h.set_size(meta.len());
            let f = std::fs::File::open(path)?;
            self.tar.append_data(&mut h, rel, f.take(meta.len()))?;
        } else {
            let kind = if ft.is_char_device() {
                tar::EntryType::Char
            } else if ft.is_block_device() {
                tar::EntryType::Block
            } else if ft.is_fifo() {
                tar::EntryType::Fifo
            } else {
                // Sockets have no tar representation.
                return Ok(());
            };
            h.set_entry_type(kind);
            let rdev = meta.rdev();
            h.set_device_major(libc::major(rdev))?;
            h.set_device_minor(libc::minor(rdev))?;
            self.tar.append_data(&mut h, rel, io::empty())?;
        }
        Ok(())
    }

    fn whiteout(&mut self, rel_dir: &str, name: &str) -> io::Result<()> {
        self.flush_parents()?;
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(0);
        h.set_mtime(0);
        let p = join_rel(rel_dir, &format!(".wh.{name}"));
        self.tar.append_data(&mut h, p, io::empty())
    }

    fn add_full(&mut self, rel: &str, path: &Path) -> io::Result<()> {
        self.flush_parents()?;
        let meta = std::fs::symlink_metadata(path)?;
        self.write_entry(rel, path, &meta)?;
        if meta.is_dir() {
            for name in sorted_names(path)? {
                let n = name.to_string_lossy().into_owned();
                self.add_full(&join_rel(rel, &n), &path.join(&name))?;
            }
        }
        Ok(())
    }

    fn diff_dir(&mut self, lower: Option<&Path>, upper: &Path, rel: &str) -> io::Result<()> {
        let up_names = sorted_names(upper)?;
        let lo_names = match lower {
            Some(l) => sorted_names(l).unwrap_or_default(),
            None => Vec::new(),
        };
        let mut all: Vec<std::ffi::OsString> =
            up_names.iter().chain(lo_names.iter()).cloned().collect();
        all.sort();
        all.dedup();
        let up_set: HashSet<_> = up_names.into_iter().collect();
        let lo_set: HashSet<_> = lo_names.into_iter().collect();
        for name in all {
            let n = name.to_string_lossy().into_owned();
            let child_rel = join_rel(rel, &n);
            let up = upper.join(&name);
            match (lo_set.contains(&name), up_set.contains(&name)) {
                (true, false) => self.whiteout(rel, &n)?,
                (false, true) => self.add_full(&child_rel, &up)?,
                (true, true) => {
                    let lo = lower.map(|l| l.join(&name)).unwrap_or_default();
                    let lm = std::fs::symlink_metadata(&lo)?;
                    let um = std::fs::symlink_metadata(&up)?;
                    if lm.is_dir() && um.is_dir() {
                        let changed = dir_meta_differs(&lm, &um);
                        self.pending_dirs
                            .push((child_rel.clone(), up.clone(), false));
                        if changed {
                            self.flush_parents()?;
                        }
                        self.diff_dir(Some(&lo), &up, &child_rel)?;
                        self.pending_dirs.pop();
                    } else if !same_entry(&lo, &lm, &up, &um)? {
                        self.add_full(&child_rel, &up)?;
                    }
                }
                (false, false) => {}
            }
        }
        Ok(())
    }
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn sorted_names(dir: &Path) -> io::Result<Vec<std::ffi::OsString>> {
    let mut v: Vec<_> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    v.sort();
    Ok(v)
}

fn dir_meta_differs(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    a.mode() != b.mode()
        || a.uid() != b.uid()
        || a.gid() != b.gid()
        || Times::of(a).mtime_ns != Times::of(b).mtime_ns
}

fn same_entry(
    lo: &Path,
    lm: &std::fs::Metadata,
    up: &Path,
    um: &std::fs::Metadata,
) -> io::Result<bool> {
    if lm.dev() == um.dev() && lm.ino() == um.ino() {
        return Ok(true);
    }
    if lm.file_type() != um.file_type()
        || lm.mode() != um.mode()
        || lm.uid() != um.uid()
        || lm.gid() != um.gid()
        || lm.len() != um.len()
        || Times::of(lm).mtime_ns != Times::of(um).mtime_ns
    {
        return Ok(false);
    }
    let ft = um.file_type();
    if ft.is_symlink() {
        return Ok(std::fs::read_link(lo)? == std::fs::read_link(up)?);
    }
    if ft.is_file() {
        return files_equal(lo, up);
    }
    Ok(lm.rdev() == um.rdev())
}

fn files_equal(a: &Path, b: &Path) -> io::Result<bool> {
    let mut fa = std::fs::File::open(a)?;
    let mut fb = std::fs::File::open(b)?;
    let mut ba = vec![0u8; 64 * 1024];
    let mut bb = vec![0u8; 64 * 1024];
    loop {
        let na = read_full(&mut fa, &mut ba)?;
        let nb = read_full(&mut fb, &mut bb)?;
        if na != nb || ba[..na] != bb[..nb] {
            return Ok(false);
        }
        if na == 0 {
            return Ok(true);
        }
    }
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        let r = f.read(&mut buf[n..])?;
        if r == 0 {
            break;
        }
        n += r;
    }
    Ok(n)
}

/// Writes the changes that turn `lower` (None: empty) into `upper` as a
/// layer tar. With `lower` None this is simply a tar of `upper`.
pub fn write_diff<W: Write>(
    lower: Option<&Path>,
    upper: &Path,
    out: W,
    opts: &TarOptions,
) -> io::Result<W> {
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Complete);
    tar.follow_symlinks(false);
    let mut w = DiffWriter {
        tar,
        pending_dirs: Vec::new(),
        inodes: HashMap::new(),
        opts,
    };
    w.diff_dir(lower, upper, "")?;
    w.tar.into_inner()
}

/// Applies a layer tar onto the tree at `root`: whiteouts delete, opaque
/// markers clear a directory's older content, entries replace what is
/// there. No entry can write outside `root`. Returns the entry count.
pub fn apply_tar<R: Read>(root: &Path, reader: R) -> io::Result<u64> {
    let mut archive = tar::Archive::new(reader);
    let mut added: HashSet<PathBuf> = HashSet::new();
    let mut dir_times: Vec<(PathBuf, i64)> = Vec::new();
    let mut count = 0;
    for entry in archive.entries()? {
        let mut entry = entry?;
        count += 1;
        let raw = entry.path()?.to_string_lossy().into_owned();
        let clean = clean_abs(&raw);
        if clean == "/" {
            // The root directory entry: apply its metadata only.
            apply_header_meta(root, entry.header(), false)?;
            continue;
        }
        let (parent_rel, base) = match clean.rsplit_once('/') {
            Some((p, b)) => (if p.is_empty() { "/" } else { p }, b.to_string()),
            None => ("/", clean.clone()),
        };
        let parent =
            resolve_in_root(root, parent_rel, true).map_err(|e| io::Error::other(e.to_string()))?;
        if base == ".wh..wh..opq" {
            if let Ok(rd) = std::fs::read_dir(&parent) {
                for e in rd.flatten() {
                    if !added.contains(&e.path()) {
                        remove_any(&e.path())?;
                    }
                }
            }
            continue;
        }
        if let Some(victim) = base.strip_prefix(".wh.") {
            remove_any(&parent.join(victim))?;
            continue;
        }
        if !parent.exists() {
            std::fs::create_dir_all(&parent)?;
        }
        let target = parent.join(&base);
        let kind = entry.header().entry_type();
        let existing = std::fs::symlink_metadata(&target).ok();
        let keep_dir =
            kind == tar::EntryType::Directory && existing.as_ref().is_some_and(|m| m.is_dir());
        if existing.is_some() && !keep_dir {
            remove_any(&target)?;
        }
        let header = entry.header().clone();
        match kind {
            tar::EntryType::Directory => {
                if !keep_dir {
                    std::fs::create_dir(&target)?;
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&target)?;
                io::copy(&mut entry, &mut f)?;
            }
            tar::EntryType::Symlink => {
                let link = entry
                    .link_name()?
                    .ok_or_else(|| io::Error::other(format!("symlink {raw} without target")))?;
                std::os::unix::fs::symlink(link.as_ref(), &target)?;
            }
            tar::EntryType::Link => {
                let link = entry
                    .link_name()?
                    .ok_or_else(|| io::Error::other(format!("hardlink {raw} without target")))?;
                let src = resolve_in_root(root, &link.to_string_lossy(), false)
                    .map_err(|e| io::Error::other(e.to_string()))?;
                std::fs::hard_link(&src, &target)?;
                added.insert(target);
                continue;
            }
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                let fmt = match kind {
                    tar::EntryType::Char => libc::S_IFCHR,
                    tar::EntryType::Block => libc::S_IFBLK,
                    _ => libc::S_IFIFO,
                };
                let major = header.device_major()?.unwrap_or(0);
                let minor = header.device_minor()?.unwrap_or(0);
                let c = std::ffi::CString::new(target.as_os_str().as_encoded_bytes())
                    .map_err(|_| io::Error::other("NUL in path"))?;
                let mode = fmt | (header.mode()? & 0o7777) as libc::mode_t;
                // SAFETY: valid C string, plain mknod.
                let r = unsafe { libc::mknod(c.as_ptr(), mode, libc::makedev(major, minor)) };
                if r < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            _ => continue,
        }
        if let Some(exts) = entry.pax_extensions()? {
            for ext in exts.flatten() {
                if let Ok(k) = ext.key()
                    && let Some(name) = k.strip_prefix("SCHILY.xattr.")
                {
                    let _ = set_xattr(&target, name.as_bytes(), ext.value_bytes());
                }
            }
        }
        let is_dir = kind == tar::EntryType::Directory;
        apply_header_meta(&target, &header, kind == tar::EntryType::Symlink)?;
        if is_dir {
            dir_times.push((target.clone(), header.mtime().unwrap_or(0) as i64));
        }
        added.insert(target);
    }
    for (dir, mtime) in dir_times.into_iter().rev() {
        set_times(&dir, Times::both(mtime * 1_000_000_000))?;
    }
    Ok(count)
}

fn apply_header_meta(target: &Path, h: &tar::Header, symlink: bool) -> io::Result<()> {
    let uid = h.uid().unwrap_or(0) as u32;
    let gid = h.gid().unwrap_or(0) as u32;
    lchown(target, uid, gid)?;
    if !symlink {
        set_mode(target, h.mode().unwrap_or(0o644))?;
    }
    let mtime = h.mtime().unwrap_or(0) as i64;
    set_times(target, Times::both(mtime * 1_000_000_000))
}

impl Store {
    /// The snapshot's own layer: its diff against its parent (or the empty
    /// tree), computed once and kept as a blob.
    pub fn own_layer(&self, snap: &Snapshot) -> Result<LayerDesc, StoreError> {
        let side = self.snapshot_base(&snap.id).join("layer.json");
        if let Ok(bytes) = std::fs::read(&side)
            && let Ok(desc) = serde_json::from_slice::<LayerDesc>(&bytes)
            && self.blob_path(&desc.diff_id).exists()
        {
            return Ok(desc);
        }
        let parent = match &snap.meta.parent {
            Some(p) => self.snapshot(p)?,
            None => None,
        };
        let scratch = self.scratch_dir("layer")?;
        let tmp = scratch.join("layer.tar");
        let f = std::fs::File::create(&tmp).map_err(io_at(&tmp))?;
        let w = write_diff(
            parent.as_ref().map(|p| p.dir.as_path()),
            &snap.dir,
            HashingWriter::new(io::BufWriter::new(f)),
            &TarOptions::default(),
        )
        .map_err(io_at(&snap.dir))?;
        let (diff_id, size, mut inner) = w.finish();
        inner.flush().map_err(io_at(&tmp))?;
        drop(inner);
        self.put_blob(&tmp, &diff_id)?;
        let desc = LayerDesc { diff_id, size };
        let json = serde_json::to_vec(&desc).map_err(|e| StoreError::Corrupt {
            path: side.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&side, &json)?;
        Ok(desc)
    }

    /// Every layer of a snapshot, base first.
    pub fn layer_chain(&self, snap: &Snapshot) -> Result<Vec<LayerDesc>, StoreError> {
        if let Some(ids) = &snap.meta.layers {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let p = self.blob_path(id);
                let size = std::fs::metadata(&p).map_err(io_at(&p))?.len();
                out.push(LayerDesc {
                    diff_id: id.clone(),
                    size,
                });
            }
            return Ok(out);
        }
        let mut chain = match &snap.meta.parent {
            Some(p) => match self.snapshot(p)? {
                Some(ps) => self.layer_chain(&ps)?,
                None => Vec::new(),
            },
            None => Vec::new(),
        };
        chain.push(self.own_layer(snap)?);
        Ok(chain)
    }

    /// Applies every layer of `layers` in order onto `root`.
    pub fn apply_layers(&self, root: &Path, layers: &[LayerDesc]) -> Result<(), StoreError> {
        for l in layers {
            let p = self.blob_path(&l.diff_id);
            let f = std::fs::File::open(&p).map_err(io_at(&p))?;
            apply_tar(root, io::BufReader::new(f)).map_err(io_at(&p))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names_in_tar(bytes: &[u8]) -> Vec<String> {
        let mut a = tar::Archive::new(bytes);
        a.entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn diff_of_hardlink_clone_has_only_changes_and_whiteouts() {
        let d = tempfile::tempdir().unwrap();
        let lower = d.path().join("lower");
        std::fs::create_dir_all(lower.join("etc")).unwrap();
        std::fs::write(lower.join("etc/keep"), "k").unwrap();
        std::fs::write(lower.join("etc/gone"), "g").unwrap();
        std::fs::write(lower.join("etc/mod"), "m").unwrap();
        let upper = d.path().join("upper");
        crate::fsutil::tree::clone_hardlinked(&lower, &upper).unwrap();
        std::fs::remove_file(upper.join("etc/gone")).unwrap();
        std::fs::remove_file(upper.join("etc/mod")).unwrap();
        std::fs::write(upper.join("etc/mod"), "changed").unwrap();
        std::fs::write(upper.join("new"), "n").unwrap();
        let out = write_diff(Some(&lower), &upper, Vec::new(), &TarOptions::default()).unwrap();
        let names = names_in_tar(&out);
        assert!(names.contains(&"etc/.wh.gone".to_string()), "{names:?}");
        assert!(names.contains(&"etc/mod".to_string()));
        assert!(names.contains(&"new".to_string()));
        assert!(!names.contains(&"etc/keep".to_string()));
        assert!(
            names.contains(&"etc/".to_string()),
            "parent dir header: {names:?}"
        );
    }

    #[test]
    fn apply_roundtrip_with_whiteouts_opaque_and_links() {
        let d = tempfile::tempdir().unwrap();
        let lower = d.path().join("lower");
        std::fs::create_dir_all(lower.join("d/sub")).unwrap();
        std::fs::write(lower.join("d/sub/x"), "x").unwrap();
        std::fs::write(lower.join("f"), "f").unwrap();
        let upper = d.path().join("upper");
        crate::fsutil::tree::clone_hardlinked(&lower, &upper).unwrap();
        std::fs::remove_file(upper.join("f")).unwrap();
        symlink("/d/sub/x", upper.join("link")).unwrap();
        std::fs::write(upper.join("h1"), "hard").unwrap();
        std::fs::hard_link(upper.join("h1"), upper.join("h2")).unwrap();
        let layer = write_diff(Some(&lower), &upper, Vec::new(), &TarOptions::default()).unwrap();
        // Apply onto a copy of lower.
        let target = d.path().join("target");
        crate::fsutil::tree::copy_deep(&lower, &target, &Default::default()).unwrap();
        apply_tar(&target, layer.as_slice()).unwrap();
        assert!(!target.join("f").exists());
        assert_eq!(
            std::fs::read_link(target.join("link")).unwrap(),
            Path::new("/d/sub/x")
        );
        let i1 = std::fs::metadata(target.join("h1")).unwrap().ino();
        let i2 = std::fs::metadata(target.join("h2")).unwrap().ino();
        assert_eq!(i1, i2);
        // Opaque marker clears older content but keeps this layer's entries.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        b.append_data(&mut h, "d/", io::empty()).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(1);
        b.append_data(&mut h, "d/new", &b"n"[..]).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        b.append_data(&mut h, "d/.wh..wh..opq", io::empty())
            .unwrap();
        apply_tar(&target, b.into_inner().unwrap().as_slice()).unwrap();
        assert!(!target.join("d/sub").exists());
        assert!(target.join("d/new").exists());
    }

    #[test]
    fn apply_never_escapes_root() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let outside = d.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "esc", outside.to_str().unwrap())
            .unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(1);
        b.append_data(&mut h, "esc/pwned", &b"x"[..]).unwrap();
        let mut raw = b.into_inner().unwrap();
        // A `../` path written byte-wise (the builder refuses it).
        let mut h = tar::Header::new_old();
        h.as_old_mut().name[..12].copy_from_slice(b"../../escape");
        h.set_mode(0o644);
        h.set_size(0);
        h.set_cksum();
        raw.truncate(raw.len() - 1024);
        raw.extend_from_slice(h.as_bytes());
        raw.extend_from_slice(&[0u8; 1024]);
        apply_tar(&root, raw.as_slice()).unwrap();
        assert!(!outside.join("pwned").exists());
        assert!(
            root.join(outside.strip_prefix("/").unwrap())
                .join("pwned")
                .exists()
        );
        assert!(root.join("escape").exists());
        assert!(!d.path().join("escape").exists());
    }
}
