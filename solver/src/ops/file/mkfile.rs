//! `FileActionMkFile`: always a fresh file (an existing one is replaced,
//! never written in place — it may be a hard link into a parent snapshot).

use std::io::Write;
use std::path::Path;

use llb::pb;

use super::{FileError, timestamp};
use crate::fsutil::meta::{lchown, set_mode, set_times};
use crate::fsutil::safepath::resolve_in_root;

/// Writes the file.
pub fn mkfile(
    root: &Path,
    a: &pb::FileActionMkFile,
    owner: Option<(u32, u32)>,
) -> Result<(), FileError> {
    let p = resolve_in_root(root, &a.path, true)?;
    match std::fs::symlink_metadata(&p) {
        Ok(m) if m.is_dir() => {
            return Err(FileError::Message(format!(
                "open {}: is a directory",
                a.path
            )));
        }
        Ok(_) => std::fs::remove_file(&p)?,
        Err(_) => {}
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)?;
    f.write_all(&a.data)?;
    drop(f);
    set_mode(&p, (a.mode as u32) & 0o777)?;
    if let Some((u, g)) = owner {
        lchown(&p, u, g)?;
    }
    if let Some(t) = timestamp(a.timestamp) {
        set_times(&p, t)?;
    }
    Ok(())
}
