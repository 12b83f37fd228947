//! Advisory file locks (`flock(2)`), released when the guard drops or the
//! process dies — so a SIGKILLed build never leaves a lock behind.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// A held lock on a file.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

/// Shared or exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// Many holders.
    Shared,
    /// One holder.
    Exclusive,
}

fn open(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
}

fn op(kind: LockKind) -> libc::c_int {
    match kind {
        LockKind::Shared => libc::LOCK_SH,
        LockKind::Exclusive => libc::LOCK_EX,
    }
}

impl FileLock {
    /// Blocks until the lock is held (creating the file if needed).
    pub fn acquire(path: &Path, kind: LockKind) -> io::Result<FileLock> {
        let file = open(path)?;
        loop {
            // SAFETY: flock on an fd we own.
            let r = unsafe { libc::flock(file.as_raw_fd(), op(kind)) };
            if r == 0 {
                break;
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        Ok(FileLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Takes the lock if nobody holds a conflicting one.
    pub fn try_acquire(path: &Path, kind: LockKind) -> io::Result<Option<FileLock>> {
        let file = open(path)?;
        // SAFETY: flock on an fd we own.
        let r = unsafe { libc::flock(file.as_raw_fd(), op(kind) | libc::LOCK_NB) };
        if r == 0 {
            return Ok(Some(FileLock {
                file,
                path: path.to_path_buf(),
            }));
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(None)
        } else {
            Err(e)
        }
    }

    /// The locked file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying file.
    pub fn file(&self) -> &File {
        &self.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_and_releases_on_drop() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("l");
        let a = FileLock::acquire(&p, LockKind::Exclusive).unwrap();
        assert!(
            FileLock::try_acquire(&p, LockKind::Shared)
                .unwrap()
                .is_none()
        );
        drop(a);
        let s1 = FileLock::try_acquire(&p, LockKind::Shared).unwrap();
        let s2 = FileLock::try_acquire(&p, LockKind::Shared).unwrap();
        assert!(s1.is_some() && s2.is_some());
        assert!(
            FileLock::try_acquire(&p, LockKind::Exclusive)
                .unwrap()
                .is_none()
        );
    }
}
