//! `FileActionMkDir`.

use std::path::Path;

use llb::pb;

use super::{FileError, timestamp};
use crate::fsutil::meta::{lchown, set_mode, set_times};
use crate::fsutil::safepath::resolve_in_root;

/// Creates directories (`makeParents` like `mkdir -p`, each created one
/// getting the owner and timestamp); an existing directory is fine.
pub fn mkdir(
    root: &Path,
    a: &pb::FileActionMkDir,
    owner: Option<(u32, u32)>,
) -> Result<(), FileError> {
    let mode = (a.mode as u32) & 0o777;
    let p = resolve_in_root(root, &a.path, true)?;
    if a.make_parents {
        mkdir_all(&p, mode, owner, timestamp(a.timestamp))?;
        return Ok(());
    }
    match std::fs::create_dir(&p) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(e.into()),
    }
    finish(&p, mode, owner, timestamp(a.timestamp))?;
    Ok(())
}

fn finish(
    p: &Path,
    mode: u32,
    owner: Option<(u32, u32)>,
    ts: Option<crate::fsutil::meta::Times>,
) -> std::io::Result<()> {
    set_mode(p, mode)?;
    if let Some((u, g)) = owner {
        lchown(p, u, g)?;
    }
    if let Some(t) = ts {
        set_times(p, t)?;
    }
    Ok(())
}

/// `mkdir -p` with mode/owner/timestamp on every created directory;
/// returns the created ones (outermost first). A non-directory in the way
/// is an error.
pub fn mkdir_all(
    p: &Path,
    mode: u32,
    owner: Option<(u32, u32)>,
    ts: Option<crate::fsutil::meta::Times>,
) -> Result<Vec<std::path::PathBuf>, FileError> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => return Ok(Vec::new()),
        Ok(_) => {
            return Err(FileError::Message(format!(
                "mkdir {}: not a directory",
                p.display()
            )));
        }
        Err(_) => {}
    }
    let mut created = match p.parent() {
        Some(parent) if parent != p => mkdir_all(parent, mode, owner, ts)?,
        _ => Vec::new(),
    };
    match std::fs::create_dir(p) {
        Ok(()) => {
            finish(p, mode, owner, ts)?;
            created.push(p.to_path_buf());
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && p.is_dir() => {}
        Err(e) => return Err(e.into()),
    }
    Ok(created)
}
