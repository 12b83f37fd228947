//! `FileActionRm`: the parent path resolves inside the root, the last
//! component is removed without following it (a symlink is removed, not
//! its target).

use std::path::Path;

use llb::pb;

use super::FileError;
use super::copy::resolve_wildcards;
use crate::fsutil::safepath::{clean_abs, resolve_in_root};
use crate::fsutil::tree::remove_any;

/// Removes the path(s).
pub fn rm(root: &Path, a: &pb::FileActionRm) -> Result<(), FileError> {
    if a.allow_wildcard {
        for m in resolve_wildcards(root, &a.path, false)? {
            rm_path(root, &m, a.allow_not_found)?;
        }
        return Ok(());
    }
    rm_path(root, &a.path, a.allow_not_found)
}

fn rm_path(root: &Path, path: &str, allow_not_found: bool) -> Result<(), FileError> {
    let clean = clean_abs(path);
    let (dir, base) = clean.rsplit_once('/').unwrap_or(("", &clean));
    if base.is_empty() {
        return Err(FileError::Message("rmPath: invalid empty path".into()));
    }
    let parent = resolve_in_root(root, if dir.is_empty() { "/" } else { dir }, true)?;
    let p = parent.join(base);
    if !allow_not_found && std::fs::symlink_metadata(&p).is_err() {
        return Err(FileError::Message(format!(
            "lstat {clean}: no such file or directory"
        )));
    }
    remove_any(&p)?;
    Ok(())
}
