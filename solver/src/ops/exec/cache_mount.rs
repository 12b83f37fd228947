//! Persistent `type=cache` mounts, kept in `<cache-dir>/mounts/<sha(id)>/`.
//! Sharing modes: `shared` (one directory, concurrent use), `locked` (one
//! directory, exclusive flock while a process uses it), `private` (the
//! first instance nobody holds; a new one if all are busy).

use std::path::PathBuf;

use sha2::{Digest as _, Sha256};

use crate::error::{Result, SolveError};
use crate::fsutil::tree::{DeepCopy, copy_deep};
use crate::store::Store;
use crate::store::lock::{FileLock, LockKind};

/// A cache directory in use; the lock (if any) is released on drop.
#[derive(Debug)]
pub struct CacheMount {
    /// The directory to bind-mount.
    pub dir: PathBuf,
    _lock: Option<FileLock>,
}

/// Sharing mode (`pb::CacheSharingOpt` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// SHARED = 0.
    Shared,
    /// PRIVATE = 1.
    Private,
    /// LOCKED = 2.
    Locked,
}

impl Sharing {
    /// From the protobuf value.
    pub fn from_pb(v: i32) -> Sharing {
        match v {
            1 => Sharing::Private,
            2 => Sharing::Locked,
            _ => Sharing::Shared,
        }
    }
}

/// Gets the cache directory for `id`; a newly created one is seeded from
/// `base` (the mount's input, e.g. the frontend's uid/gid/mode `/cache`).
pub fn acquire(
    store: &Store,
    id: &str,
    sharing: Sharing,
    base: Option<&std::path::Path>,
) -> Result<CacheMount> {
    let hash = hex::encode(Sha256::digest(id.as_bytes()));
    let root = store.mounts_dir().join(&hash);
    std::fs::create_dir_all(&root).map_err(SolveError::io("create cache mount dir"))?;
    let _ = std::fs::write(root.join("id"), id);
    let (instance, lock) = match sharing {
        Sharing::Shared => (0usize, None),
        Sharing::Locked => {
            let l = FileLock::acquire(&root.join("0.lock"), LockKind::Exclusive)
                .map_err(SolveError::io("lock cache mount"))?;
            (0, Some(l))
        }
        Sharing::Private => {
            let mut n = 0usize;
            loop {
                if let Some(l) =
                    FileLock::try_acquire(&root.join(format!("{n}.lock")), LockKind::Exclusive)
                        .map_err(SolveError::io("lock cache mount"))?
                {
                    break (n, Some(l));
                }
                n += 1;
            }
        }
    };
    let dir = root.join(instance.to_string());
    if !dir.exists() {
        let tmp = root.join(format!(".new-{}", crate::store::random_hex(6)));
        std::fs::create_dir_all(&tmp).map_err(SolveError::io("create cache mount"))?;
        if let Some(b) = base {
            copy_deep(b, &tmp, &DeepCopy::default()).map_err(SolveError::io("seed cache mount"))?;
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            // Someone else created it first.
            let _ = crate::store::force_remove(&tmp);
        }
    }
    Ok(CacheMount { dir, _lock: lock })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_instances_differ_while_held_and_persist() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(d.path()).unwrap();
        let a = acquire(&store, "x", Sharing::Private, None).unwrap();
        let b = acquire(&store, "x", Sharing::Private, None).unwrap();
        assert_ne!(a.dir, b.dir);
        std::fs::write(a.dir.join("f"), "1").unwrap();
        drop(a);
        let c = acquire(&store, "x", Sharing::Private, None).unwrap();
        assert!(c.dir.join("f").exists());
        let s1 = acquire(&store, "x", Sharing::Shared, None).unwrap();
        assert!(s1.dir.join("f").exists());
    }

    #[test]
    fn seeded_from_base_once() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(d.path()).unwrap();
        let base = d.path().join("base");
        std::fs::create_dir(&base).unwrap();
        crate::fsutil::meta::set_mode(&base, 0o777).unwrap();
        let m = acquire(&store, "seeded", Sharing::Shared, Some(&base)).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(std::fs::metadata(&m.dir).unwrap().mode() & 0o777, 0o777);
    }
}
