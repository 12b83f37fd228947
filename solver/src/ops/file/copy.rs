//! `FileActionCopy` with BuildKit's semantics (fsutil's `copy.Copy`):
//! wildcards, `followSymlink` (of the source path itself),
//! `dirCopyContents`, `createDestPath`, include/exclude patterns (with
//! lazily created parent directories, which is what `COPY --parents`
//! relies on), numeric `mode` or symbolic `modeStr`, owner, timestamp,
//! `alwaysReplaceExistingDestPaths`, `requiredPaths`, and ADD's archive
//! unpacking. Every path resolves inside its root.

use std::collections::HashMap;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use llb::pb;

use super::mkdir::mkdir_all;
use super::{FileError, SourceTree, clean_keep_slash, timestamp};
use crate::error::SolveError;
use crate::fsutil::chmod::ModeSet;
use crate::fsutil::meta::{Times, copy_xattrs, lchown, mknod_like, set_mode, set_times};
use crate::fsutil::pattern::{PatternMatcher, contains_wildcards, glob_match};
use crate::fsutil::safepath::{clean_abs, resolve_in_root};
use crate::fsutil::tree::copy_file_data;
use crate::ops::Selector;
use crate::refs::Ref;

/// Resolves a source path with wildcards to the matching paths (absolute,
/// relative to `root`), like fsutil's `ResolveWildcards`.
pub fn resolve_wildcards(root: &Path, src: &str, follow: bool) -> io::Result<Vec<String>> {
    let clean = clean_abs(src);
    let parts: Vec<&str> = clean.split('/').filter(|s| !s.is_empty()).collect();
    let Some(first_wild) = parts.iter().position(|p| contains_wildcards(p)) else {
        return Ok(vec![clean]);
    };
    let d1 = format!("/{}", parts[..first_wild].join("/"));
    let d2 = parts[first_wild..].join("/");
    let base = root_path(root, &d1, follow).map_err(|e| io::Error::other(e.to_string()))?;
    let mut out = Vec::new();
    walk_match(&base, "", &d2, &mut out)?;
    let mut res = Vec::new();
    for p in out {
        let full = base.join(&p);
        let rel = full
            .strip_prefix(root)
            .map(|r| format!("/{}", r.to_string_lossy()))
            .unwrap_or_else(|_| format!("/{p}"));
        res.push(rel);
    }
    Ok(res)
}

fn walk_match(base: &Path, rel: &str, pattern: &str, out: &mut Vec<String>) -> io::Result<()> {
    let dir = if rel.is_empty() {
        base.to_path_buf()
    } else {
        base.join(rel)
    };
    let mut names: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?,
        Err(e)
            if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) =>
        {
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    names.sort();
    for name in names {
        let child = if rel.is_empty() {
            name.to_string_lossy().into_owned()
        } else {
            format!("{rel}/{}", name.to_string_lossy())
        };
        let meta = std::fs::symlink_metadata(base.join(&child))?;
        if glob_match(pattern, &child) {
            out.push(child);
            continue;
        }
        if meta.is_dir() {
            walk_match(base, &child, pattern, out)?;
        }
    }
    Ok(())
}

/// Resolves `p` in `root`; the last component is followed only when
/// `follow` (fsutil's `rootPath`).
pub fn root_path(root: &Path, p: &str, follow: bool) -> Result<PathBuf, FileError> {
    let clean = clean_abs(p);
    if clean == "/" {
        return Ok(root.to_path_buf());
    }
    if follow {
        return Ok(resolve_in_root(root, &clean, true)?);
    }
    let (d, f) = clean.rsplit_once('/').unwrap_or(("", &clean));
    let parent = resolve_in_root(root, if d.is_empty() { "/" } else { d }, true)?;
    Ok(parent.join(f))
}

/// For cache keys: a non-wildcard source that does not exist is an error
/// (BuildKit fails while computing the checksum).
pub fn check_source_exists(r: &Ref, sel: &Selector) -> crate::error::Result<()> {
    if sel.wildcard && contains_wildcards(&sel.path) {
        return Ok(());
    }
    let root = match r {
        Ref::Empty => None,
        Ref::Snapshot(s) => Some(s.dir.clone()),
        Ref::Local(l) => Some(l.dir.clone()),
    };
    let exists = match &root {
        Some(root) => root_path(root, &sel.path, sel.follow)
            .ok()
            .is_some_and(|p| std::fs::symlink_metadata(p).is_ok()),
        None => clean_abs(&sel.path) == "/",
    };
    let visible = match r {
        Ref::Local(l) if exists && !l.filter.is_noop() => {
            let rel = clean_abs(&sel.path).trim_start_matches('/').to_string();
            rel.is_empty() || {
                let d = l.filter.decide(&rel, true);
                d.include || d.descend
            }
        }
        _ => exists,
    };
    if !visible {
        return Err(SolveError::Op(format!(
            "failed to calculate checksum of ref: \"{}\": not found",
            clean_abs(&sel.path)
        )));
    }
    Ok(())
}

struct Copier<'a> {
    owner: Option<(u32, u32)>,
    src_owner: Option<(u32, u32)>,
    utime: Option<Times>,
    mode: Option<u32>,
    mode_set: Option<ModeSet>,
    include: Option<PatternMatcher>,
    exclude: Option<PatternMatcher>,
    always_replace: bool,
    inodes: HashMap<(u64, u64), PathBuf>,
    /// (src dir, dst dir, copied) for lazily created parents.
    parents: Vec<(PathBuf, PathBuf, bool)>,
    _a: std::marker::PhantomData<&'a ()>,
}

impl Copier<'_> {
    fn file_mode(&self, meta: &std::fs::Metadata) -> u32 {
        let orig = meta.mode() & 0o7777;
        if let Some(ms) = &self.mode_set {
            return ms.apply(orig, meta.is_dir());
        }
        if let Some(m) = self.mode {
            return m & 0o7777;
        }
        orig
    }

    fn copy_file_info(&self, meta: &std::fs::Metadata, target: &Path) -> io::Result<()> {
        let (uid, gid) = self
            .owner
            .or(self.src_owner)
            .unwrap_or((meta.uid(), meta.gid()));
        lchown(target, uid, gid)?;
        if !meta.file_type().is_symlink() {
            set_mode(target, self.file_mode(meta))?;
        }
        self.copy_times(meta, target)
    }

    fn copy_times(&self, meta: &std::fs::Metadata, target: &Path) -> io::Result<()> {
        set_times(target, self.utime.unwrap_or_else(|| Times::of(meta)))
    }

    fn included(&self, comps: &str) -> bool {
        self.include.as_ref().is_none_or(|m| m.matches(comps))
    }

    fn excluded(&self, comps: &str) -> bool {
        self.exclude.as_ref().is_some_and(|m| m.matches(comps))
    }

    fn exclusions(&self) -> bool {
        self.exclude.as_ref().is_some_and(|m| m.has_exclusions())
    }

    fn create_parents(&mut self, overwrite: bool) -> Result<(), FileError> {
        for i in 0..self.parents.len() {
            if self.parents[i].2 {
                continue;
            }
            let (src, dst, _) = self.parents[i].clone();
            let meta = std::fs::metadata(&src)?;
            if !meta.is_dir() {
                return Err(FileError::Message(format!(
                    "{} is not a directory",
                    src.display()
                )));
            }
            let created = copy_directory_only(&dst, &meta, overwrite, self)?;
            if created {
                self.copy_file_info(&meta, &dst)?;
                copy_xattrs(&src, &dst);
            }
            self.parents[i].2 = true;
        }
        Ok(())
    }

    fn copy(
        &mut self,
        src: &Path,
        comps: &str,
        target: &Path,
        overwrite: bool,
    ) -> Result<(), FileError> {
        let mut include = true;
        let mut excluded = false;
        if !comps.is_empty() {
            include = self.included(comps);
            if self.excluded(comps) {
                include = false;
                excluded = true;
            }
            if !include && self.include.is_none() && !self.exclusions() {
                return Ok(());
            }
        }
        let meta = std::fs::symlink_metadata(src)
            .map_err(|e| FileError::Message(format!("failed to stat {}: {e}", src.display())))?;
        if !include && !meta.is_dir() {
            return Ok(());
        }
        let target_meta = std::fs::symlink_metadata(target).ok();
        if include {
            if self.always_replace
                && let Some(tm) = &target_meta
                && !(meta.is_dir() && tm.is_dir())
            {
                crate::fsutil::tree::remove_any(target)?;
            }
            self.create_parents(overwrite)?;
        }
        if !meta.is_dir() {
            // ensureEmptyFileTarget
            if let Ok(tm) = std::fs::symlink_metadata(target) {
                if tm.is_dir() {
                    return Err(FileError::Message(format!(
                        "cannot replace to directory {} with file",
                        target.display()
                    )));
                }
                std::fs::remove_file(target)?;
            }
        }
        let mut copy_info = include;
        let mut restore_ts = false;
        let ft = meta.file_type();
        if ft.is_dir() {
            let created =
                self.copy_directory(src, comps, target, &meta, overwrite, include, excluded)?;
            if !overwrite {
                copy_info = created;
                restore_ts = !created;
            }
        } else if ft.is_file() {
            let key = (meta.dev(), meta.ino());
            match (meta.nlink() > 1)
                .then(|| self.inodes.get(&key).cloned())
                .flatten()
            {
                Some(first) => std::fs::hard_link(first, target)?,
                None => {
                    copy_file_data(src, target)?;
                    if meta.nlink() > 1 {
                        self.inodes.insert(key, target.to_path_buf());
                    }
                }
            }
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(src)?, target)?;
        } else {
            mknod_like(target, &meta)?;
        }
        if copy_info {
            self.copy_file_info(&meta, target)?;
            if !ft.is_symlink() {
                copy_xattrs(src, target);
            }
        } else if restore_ts && target_meta.is_some() {
            self.copy_times(&meta, target)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn copy_directory(
        &mut self,
        src: &Path,
        comps: &str,
        dst: &Path,
        meta: &std::fs::Metadata,
        overwrite: bool,
        include: bool,
        excluded: bool,
    ) -> Result<bool, FileError> {
        let mut created = false;
        let mut copied = false;
        if include {
            created = copy_directory_only(dst, meta, overwrite, self)?;
            copied = true;
        }
        self.parents
            .push((src.to_path_buf(), dst.to_path_buf(), copied));
        let result = (|| {
            if excluded && !self.exclusions() {
                return Ok(());
            }
            let mut names: Vec<_> = std::fs::read_dir(src)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<Result<_, _>>()?;
            names.sort();
            for name in names {
                let child_comps = if comps.is_empty() {
                    name.to_string_lossy().into_owned()
                } else {
                    format!("{comps}/{}", name.to_string_lossy())
                };
                self.copy(&src.join(&name), &child_comps, &dst.join(&name), true)?;
            }
            Ok::<(), FileError>(())
        })();
        self.parents.pop();
        result?;
        Ok(created)
    }
}

fn copy_directory_only(
    dst: &Path,
    meta: &std::fs::Metadata,
    overwrite: bool,
    c: &Copier<'_>,
) -> Result<bool, FileError> {
    match std::fs::symlink_metadata(dst) {
        Err(_) => {
            std::fs::create_dir(dst).map_err(|e| {
                FileError::Message(format!("failed to mkdir {}: {e}", dst.display()))
            })?;
            set_mode(dst, meta.mode() & 0o7777)?;
            Ok(true)
        }
        Ok(st) if !st.is_dir() => Err(FileError::Message(format!(
            "cannot copy to non-directory: {}",
            dst.display()
        ))),
        Ok(_) => {
            if overwrite {
                set_mode(dst, meta.mode() & 0o7777)?;
            }
            let _ = c;
            Ok(false)
        }
    }
}

/// Whether a file looks like a tar archive (plain, gzip or zstd).
fn is_archive(path: &Path) -> bool {
    let Ok(reader) = crate::ops::source::layers::decompressing_reader(path) else {
        return false;
    };
    let mut a = tar::Archive::new(reader);
    match a.entries() {
        Ok(mut entries) => matches!(entries.next(), Some(Ok(_))),
        Err(_) => false,
    }
}

/// Copies per the action; `owner` is the resolved `--chown`.
pub fn copy(
    src: &SourceTree,
    dest_root: &Path,
    c: &pb::FileActionCopy,
    owner: Option<(u32, u32)>,
) -> Result<(), FileError> {
    /// Removes the stand-in empty source directory of a scratch source.
    struct Cleanup(Option<PathBuf>);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            if let Some(p) = &self.0 {
                let _ = std::fs::remove_dir_all(p);
            }
        }
    }
    let mut cleanup = Cleanup(None);
    let src_root: PathBuf = match &src.dir {
        Some(d) => d.clone(),
        None => {
            let empty_dir = dest_root
                .parent()
                .unwrap_or(dest_root)
                .join(format!("empty-{}", crate::store::random_hex(4)));
            std::fs::create_dir_all(&empty_dir)?;
            cleanup.0 = Some(empty_dir.clone());
            empty_dir
        }
    };
    let src_root: &Path = &src_root;
    let src_path = clean_keep_slash(&c.src);
    let dest_path = clean_keep_slash(&c.dest);
    if !c.create_dest_path {
        let p = resolve_in_root(dest_root, &clean_abs(&c.dest), true)?;
        let parent = p.parent().unwrap_or(dest_root);
        if let Err(e) = std::fs::symlink_metadata(parent) {
            return Err(FileError::Message(format!(
                "failed to stat {}: {e}",
                c.dest
            )));
        }
    }
    for req in &c.required_paths {
        let p = root_path(src_root, req, true)?;
        if std::fs::symlink_metadata(&p).is_err() {
            return Err(FileError::Message(format!("{}: not found", clean_abs(req))));
        }
    }
    let matches = if c.allow_wildcard {
        let m = resolve_wildcards(src_root, &src_path, c.follow_symlink)?;
        if m.is_empty() {
            if c.allow_empty_wildcard {
                return Ok(());
            }
            return Err(FileError::Message(format!("{src_path} not found")));
        }
        m
    } else {
        vec![src_path.clone()]
    };
    let mode_set = if c.mode_str.is_empty() {
        None
    } else {
        Some(ModeSet::parse(&c.mode_str).map_err(|e| FileError::Message(e.to_string()))?)
    };
    // A symbolic mode takes priority; the numeric one is then ignored.
    let mode = (c.mode >= 0 && mode_set.is_none()).then_some(c.mode as u32);
    let include = if c.include_patterns.is_empty() {
        None
    } else {
        Some(
            PatternMatcher::new(&c.include_patterns)
                .map_err(|e| FileError::Message(format!("invalid includepatterns: {e}")))?,
        )
    };
    let exclude = if c.exclude_patterns.is_empty() {
        None
    } else {
        Some(
            PatternMatcher::new(&c.exclude_patterns)
                .map_err(|e| FileError::Message(format!("invalid excludepatterns: {e}")))?,
        )
    };
    let utime = timestamp(c.timestamp);
    let dir_mode = mode.map(|m| m & 0o7777).unwrap_or(0o755);
    for s in matches {
        let s_followed = root_path(src_root, &s, c.follow_symlink)?;
        if c.attempt_unpack_docker_compatibility
            && std::fs::symlink_metadata(&s_followed).is_ok_and(|m| m.is_file())
            && is_archive(&s_followed)
        {
            let dest = resolve_in_root(dest_root, &clean_abs(&dest_path), true)?;
            mkdir_all(&dest, 0o755, owner, utime)?;
            let tmp = dest_root
                .parent()
                .unwrap_or(dest_root)
                .join(format!("unpack-{}", crate::store::random_hex(4)));
            std::fs::create_dir_all(&tmp)?;
            let reader = crate::ops::source::layers::decompressing_reader(&s_followed)?;
            crate::store::layer::apply_tar(&tmp, reader)?;
            crate::fsutil::tree::copy_deep(
                &tmp,
                &dest,
                &crate::fsutil::tree::DeepCopy {
                    filter: None,
                    owner,
                },
            )?;
            let _ = crate::store::force_remove(&tmp);
            continue;
        }
        // Copy(): make sure the destination's directory exists.
        let ensure = match dest_path.rsplit_once('/') {
            Some((d, f)) if !f.is_empty() && f != "." => {
                if d.is_empty() {
                    "/".to_string()
                } else {
                    d.to_string()
                }
            }
            _ => dest_path.clone(),
        };
        let ensure_p = resolve_in_root(dest_root, &ensure, true)?;
        let created = mkdir_all(&ensure_p, dir_mode, owner, utime)?;
        let mut dst = resolve_in_root(dest_root, &clean_abs(&dest_path), true)?;
        let mut copier = Copier {
            owner,
            src_owner: src.owner,
            utime,
            mode,
            mode_set: mode_set.clone(),
            include: include.clone(),
            exclude: exclude.clone(),
            always_replace: c.always_replace_existing_dest_paths,
            inodes: HashMap::new(),
            parents: Vec::new(),
            _a: std::marker::PhantomData,
        };
        // prepareTargetDir
        let src_meta = std::fs::symlink_metadata(&s_followed)
            .map_err(|e| FileError::Message(format!("failed to stat {s}: {e}")))?;
        let dest_meta = std::fs::metadata(&dst).ok();
        let src_is_dir = src_meta.is_dir();
        if (!c.dir_copy_contents && src_is_dir && dest_meta.is_some())
            || (!src_is_dir && dest_meta.as_ref().is_some_and(|m| m.is_dir()))
        {
            let base = clean_abs(&s).rsplit('/').next().unwrap_or("").to_string();
            dst = dst.join(base);
        }
        let target = if c.dir_copy_contents && src_is_dir && dest_meta.is_none() {
            dst.clone()
        } else {
            dst.parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dest_root.to_path_buf())
        };
        let created2 = mkdir_all(&target, dir_mode, owner, utime)?;
        copier.copy(&s_followed, "", &dst, false)?;
        if let Some(t) = utime {
            for d in created.iter().chain(created2.iter()).rev() {
                set_times(d, t)?;
            }
        }
    }
    drop(cleanup);
    Ok(())
}
