//! Turning an overlayfs upper directory into a snapshot: the lower tree is
//! hard-link cloned, then the upper's entries are moved in (whiteout
//! character devices delete, opaque directories replace), and mount stubs
//! the sandbox created are removed first if they stayed empty.

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use crate::fsutil::meta::{apply_meta, copy_xattrs, get_xattr};
use crate::fsutil::tree::remove_any;

/// Removes stub paths (relative, parents first in `stubs`) from `upper`
/// when they are still an empty directory or an empty file, and gives the
/// parent directory back the timestamps it has in `lower` (creating the
/// stub touched it).
pub fn remove_stubs(upper: &Path, lower: &Path, stubs: &[(String, bool)]) {
    for (rel, _) in stubs.iter().rev() {
        let rel = rel.trim_start_matches('/');
        let p = upper.join(rel);
        let removed = match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => std::fs::remove_dir(&p).is_ok(),
            Ok(m) if m.is_file() && m.len() == 0 => std::fs::remove_file(&p).is_ok(),
            _ => false,
        };
        if removed
            && let Some(parent) = Path::new(rel).parent()
            && let Ok(lm) = std::fs::symlink_metadata(lower.join(parent))
            && upper.join(parent).is_dir()
        {
            let _ = crate::fsutil::meta::set_times(
                &upper.join(parent),
                crate::fsutil::meta::Times::of(&lm),
            );
        }
    }
}

fn is_whiteout(meta: &std::fs::Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

fn is_opaque(path: &Path) -> bool {
    matches!(get_xattr(path, b"trusted.overlay.opaque"), Ok(Some(v)) if v == b"y")
        || matches!(get_xattr(path, b"user.overlay.opaque"), Ok(Some(v)) if v == b"y")
}

/// Applies the overlay upper directory `upper` onto `dst` (a clone of the
/// lower tree), moving files out of `upper`.
pub fn apply_upper(upper: &Path, dst: &Path) -> io::Result<()> {
    let mut names: Vec<_> = std::fs::read_dir(upper)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    for name in names {
        let up = upper.join(&name);
        let target = dst.join(&name);
        let meta = std::fs::symlink_metadata(&up)?;
        if is_whiteout(&meta) {
            remove_any(&target)?;
            continue;
        }
        if meta.is_dir() {
            let existing = std::fs::symlink_metadata(&target).ok();
            let keep = existing.as_ref().is_some_and(|m| m.is_dir()) && !is_opaque(&up);
            if !keep {
                remove_any(&target)?;
                std::fs::create_dir(&target)?;
            }
            apply_upper(&up, &target)?;
            apply_meta(&target, &meta)?;
            copy_xattrs(&up, &target);
        } else {
            remove_any(&target)?;
            std::fs::rename(&up, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_moves_in_and_stubs_go() {
        let d = tempfile::tempdir().unwrap();
        let lower = d.path().join("lower");
        std::fs::create_dir_all(lower.join("etc")).unwrap();
        std::fs::write(lower.join("etc/a"), "a").unwrap();
        std::fs::write(lower.join("etc/b"), "b").unwrap();
        let upper = d.path().join("upper");
        std::fs::create_dir_all(upper.join("etc")).unwrap();
        std::fs::write(upper.join("etc/b"), "changed").unwrap();
        std::fs::create_dir_all(upper.join("run/secrets")).unwrap();
        std::fs::write(upper.join("run/secrets/s"), "").unwrap();
        std::fs::create_dir_all(upper.join("keepme")).unwrap();
        std::fs::write(upper.join("keepme/x"), "x").unwrap();
        remove_stubs(
            &upper,
            &lower,
            &[
                ("run".into(), true),
                ("run/secrets".into(), true),
                ("run/secrets/s".into(), false),
                ("keepme".into(), true),
            ],
        );
        assert!(!upper.join("run").exists());
        assert!(upper.join("keepme/x").exists());
        let dst = d.path().join("dst");
        crate::fsutil::tree::clone_hardlinked(&lower, &dst).unwrap();
        apply_upper(&upper, &dst).unwrap();
        assert_eq!(
            std::fs::read_to_string(dst.join("etc/b")).unwrap(),
            "changed"
        );
        assert_eq!(std::fs::read_to_string(lower.join("etc/b")).unwrap(), "b");
        assert_eq!(std::fs::read_to_string(dst.join("etc/a")).unwrap(), "a");
        assert!(dst.join("keepme/x").exists());
    }
}
