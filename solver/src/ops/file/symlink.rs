//! `FileActionSymlink`: creates `newpath` pointing at `oldpath` (the
//! target is stored verbatim; only `newpath`'s parents resolve in-root).

use std::path::Path;

use llb::pb;

use super::{FileError, timestamp};
use crate::fsutil::meta::{lchown, set_times};
use crate::fsutil::safepath::{clean_abs, resolve_in_root};

/// Creates the link.
pub fn symlink(
    root: &Path,
    a: &pb::FileActionSymlink,
    owner: Option<(u32, u32)>,
) -> Result<(), FileError> {
    let clean = clean_abs(&a.newpath);
    let (dir, base) = clean.rsplit_once('/').unwrap_or(("", &clean));
    if base.is_empty() {
        return Err(FileError::Message("symlink: invalid empty path".into()));
    }
    let parent = resolve_in_root(root, if dir.is_empty() { "/" } else { dir }, true)?;
    let p = parent.join(base);
    std::os::unix::fs::symlink(&a.oldpath, &p)?;
    if let Some((u, g)) = owner {
        lchown(&p, u, g)?;
    }
    if let Some(t) = timestamp(a.timestamp) {
        set_times(&p, t)?;
    }
    Ok(())
}
