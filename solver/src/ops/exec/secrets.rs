//! Secret files for `type=secret` mounts. They are written to a private
//! directory on a memory filesystem (`/dev/shm` when present), bind-mounted
//! read-only, and deleted when the process ends — never into a snapshot,
//! layer, cache key or log.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Result, SolveError};
use crate::fsutil::meta::{lchown, set_mode};

/// A directory of secret files, removed on drop.
#[derive(Debug)]
pub struct SecretDir {
    dir: PathBuf,
    count: usize,
}

impl SecretDir {
    /// Creates the directory (mode 0700) under `/dev/shm`, else `fallback`.
    pub fn new(fallback: &Path) -> Result<SecretDir> {
        let name = format!("rfront-secrets-{}", crate::store::random_hex(8));
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() { shm } else { fallback };
        let dir = base.join(name);
        std::fs::create_dir(&dir).map_err(SolveError::io("create secret dir"))?;
        set_mode(&dir, 0o700).map_err(SolveError::io("chmod secret dir"))?;
        Ok(SecretDir { dir, count: 0 })
    }

    /// Writes one secret file with owner and mode; returns its path.
    pub fn write(&mut self, data: &[u8], uid: u32, gid: u32, mode: u32) -> Result<PathBuf> {
        self.count += 1;
        let p = self.dir.join(self.count.to_string());
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&p)
            .map_err(SolveError::io("create secret file"))?;
        f.write_all(data)
            .map_err(SolveError::io("write secret file"))?;
        drop(f);
        lchown(&p, uid, gid).map_err(SolveError::io("chown secret file"))?;
        set_mode(&p, mode).map_err(SolveError::io("chmod secret file"))?;
        Ok(p)
    }
}

impl Drop for SecretDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
