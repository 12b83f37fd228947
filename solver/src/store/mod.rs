//! The on-disk cache directory: immutable snapshots, layer blobs, cache-key
//! records, cache mounts and per-build scratch space.
//!
//! ```text
//! <cache-dir>/
//!   lock                      shared by every running build (exclusive: prune)
//!   tmp/<build>/ + <build>.lock   scratch of one running build
//!   snapshots/<id>/fs/        a committed tree (never modified afterwards)
//!   snapshots/<id>/meta.json  parent / explicit layers / description
//!   snapshots/<id>/layer.json its own diff against its parent (lazy)
//!   blobs/sha256/<hex>        uncompressed layer tars and other blobs
//!   keys/<hh>/<hex>.json      cache key -> snapshot ids of every output
//!   keylocks/<hex>.lock       held while a key is being computed
//!   mounts/<hex>/...          persistent `type=cache` mounts
//! ```
//!
//! Every entry appears by `rename(2)` of a complete temporary, so a killed
//! build leaves only scratch (removed by the next build) and never a
//! half-written entry. Concurrent builds coordinate through `flock`.

pub mod layer;
pub mod lock;

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use lock::{FileLock, LockKind};

/// A failure of the cache store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O error on a path.
    #[error("cache store: {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A metadata file that does not parse.
    #[error("cache store: corrupt {path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

/// Attaches a path to an I/O error.
pub(crate) fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a snapshot is made of, for layer export.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SnapshotMeta {
    /// The snapshot this one was made from; its own layer is the diff
    /// against it (absent: diff against the empty tree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// An explicit layer chain (diff ids), used instead of parent + diff
    /// (images, merges, diffs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<String>>,
    /// What made it (for humans).
    #[serde(default)]
    pub description: String,
}

/// A committed, immutable snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Its id (directory name).
    pub id: String,
    /// The tree.
    pub dir: PathBuf,
    /// How it was made.
    pub meta: SnapshotMeta,
}

/// A cache-key record: the snapshot of every output (None = empty).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CacheRecord {
    /// One entry per output index.
    pub outputs: Vec<Option<String>>,
}

/// A directory being filled that becomes a snapshot on commit.
#[derive(Debug)]
pub struct WorkDir {
    /// Scratch directory holding `fs/`.
    pub base: PathBuf,
    /// The tree to fill.
    pub fs: PathBuf,
}

/// The cache directory of one running build.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    build_tmp: PathBuf,
    counter: AtomicU64,
    _root_lock: FileLock,
    _build_lock: FileLock,
}

/// A random lowercase hex id of `bytes` bytes.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok();
    if !ok {
        // Fall back on time and pid; uniqueness is all that matters.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let seed = format!("{t}-{}", std::process::id());
        let h = sha2::Sha256::digest(seed.as_bytes());
        buf.iter_mut()
            .zip(h.iter().cycle())
            .for_each(|(b, s)| *b = *s);
    }
    hex::encode(buf)
}

use sha2::Digest as _;

/// Writes `data` to `path` atomically (temp file in the same directory,
/// fsync, rename).
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_at(dir))?;
    let tmp = dir.join(format!(".tmp-{}", random_hex(8)));
    let mut f = std::fs::File::create(&tmp).map_err(io_at(&tmp))?;
    f.write_all(data).map_err(io_at(&tmp))?;
    f.sync_all().map_err(io_at(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io_at(path))
}

impl Store {
    /// Opens (creating) a cache directory for one build: takes the shared
    /// root lock, creates this build's scratch and removes scratch left by
    /// dead builds.
    pub fn open(root: &Path) -> Result<Arc<Store>, StoreError> {
        for sub in [
            "tmp",
            "snapshots",
            "blobs/sha256",
            "keys",
            "keylocks",
            "mounts",
        ] {
            let p = root.join(sub);
            std::fs::create_dir_all(&p).map_err(io_at(&p))?;
        }
        let root_lock = FileLock::acquire(&root.join("lock"), LockKind::Shared)
            .map_err(io_at(&root.join("lock")))?;
        let tmp = root.join("tmp");
        Self::clean_stale(&tmp);
        let id = format!("{}-{}", std::process::id(), random_hex(6));
        let lock_path = tmp.join(format!("{id}.lock"));
        let build_lock =
            FileLock::acquire(&lock_path, LockKind::Exclusive).map_err(io_at(&lock_path))?;
        let build_tmp = tmp.join(&id);
        std::fs::create_dir_all(&build_tmp).map_err(io_at(&build_tmp))?;
        Ok(Arc::new(Store {
            root: root.to_path_buf(),
            build_tmp,
            counter: AtomicU64::new(0),
            _root_lock: root_lock,
            _build_lock: build_lock,
        }))
    }

    /// Removes scratch directories whose build lock nobody holds.
    fn clean_stale(tmp: &Path) {
        let Ok(entries) = std::fs::read_dir(tmp) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".lock") else {
                continue;
            };
            if let Ok(Some(_held)) = FileLock::try_acquire(&e.path(), LockKind::Exclusive) {
                let dir = tmp.join(id);
                let _ = force_remove(&dir);
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A fresh scratch directory of this build.
    pub fn scratch_dir(&self, hint: &str) -> Result<PathBuf, StoreError> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let p = self.build_tmp.join(format!("{n}-{hint}"));
        std::fs::create_dir_all(&p).map_err(io_at(&p))?;
        Ok(p)
    }

    /// A new work directory with an empty `fs/`.
    pub fn new_work_dir(&self) -> Result<WorkDir, StoreError> {
        let base = self.scratch_dir("snap")?;
        let fs = base.join("fs");
        std::fs::create_dir(&fs).map_err(io_at(&fs))?;
        Ok(WorkDir { base, fs })
    }

    /// A new work directory whose `fs/` is a hard-link clone of `from`
    /// (or empty for `None`).
    pub fn work_dir_from(&self, from: Option<&Path>) -> Result<WorkDir, StoreError> {
        match from {
            None => self.new_work_dir(),
            Some(src) => {
                let base = self.scratch_dir("snap")?;
                let fs = base.join("fs");
                crate::fsutil::tree::clone_hardlinked(src, &fs).map_err(io_at(&fs))?;
                Ok(WorkDir { base, fs })
            }
        }
    }

    /// Turns a work directory into an immutable snapshot.
    pub fn commit(&self, work: WorkDir, meta: SnapshotMeta) -> Result<Snapshot, StoreError> {
        let id = random_hex(16);
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| StoreError::Corrupt {
            path: work.base.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&work.base.join("meta.json"), &json)?;
        let dest = self.root.join("snapshots").join(&id);
        std::fs::rename(&work.base, &dest).map_err(io_at(&dest))?;
        Ok(Snapshot {
            dir: dest.join("fs"),
            id,
            meta,
        })
    }

    /// Loads a committed snapshot.
    pub fn snapshot(&self, id: &str) -> Result<Option<Snapshot>, StoreError> {
        if id.is_empty() || id.contains('/') || id.starts_with('.') {
            return Ok(None);
        }
        let base = self.root.join("snapshots").join(id);
        let meta_path = base.join("meta.json");
        let bytes = match std::fs::read(&meta_path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_at(&meta_path)(e)),
        };
        let meta: SnapshotMeta =
            serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                path: meta_path.clone(),
                reason: e.to_string(),
            })?;
        Ok(Some(Snapshot {
            id: id.to_string(),
            dir: base.join("fs"),
            meta,
        }))
    }

    /// The directory of a snapshot's side files.
    pub fn snapshot_base(&self, id: &str) -> PathBuf {
        self.root.join("snapshots").join(id)
    }

    fn key_path(&self, key: &str) -> PathBuf {
        let hex = key.trim_start_matches("sha256:");
        let prefix = hex.get(..2).unwrap_or("00");
        self.root
            .join("keys")
            .join(prefix)
            .join(format!("{hex}.json"))
    }

    /// The record of a cache key, if every snapshot it names still exists.
    pub fn lookup(&self, key: &str) -> Result<Option<Vec<Option<Snapshot>>>, StoreError> {
        let path = self.key_path(key);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_at(&path)(e)),
        };
        let Ok(rec) = serde_json::from_slice::<CacheRecord>(&bytes) else {
            // A record that does not parse is treated as absent and rewritten.
            return Ok(None);
        };
        let mut out = Vec::with_capacity(rec.outputs.len());
        for o in rec.outputs {
            match o {
                None => out.push(None),
                Some(id) => match self.snapshot(&id)? {
                    Some(s) => out.push(Some(s)),
                    None => return Ok(None),
                },
            }
        }
        Ok(Some(out))
    }

    /// Records the outputs of a cache key (atomically).
    pub fn record(&self, key: &str, outputs: &[Option<&Snapshot>]) -> Result<(), StoreError> {
        let rec = CacheRecord {
            outputs: outputs.iter().map(|o| o.map(|s| s.id.clone())).collect(),
        };
        let json = serde_json::to_vec(&rec).map_err(|e| StoreError::Corrupt {
            path: self.key_path(key),
            reason: e.to_string(),
        })?;
        write_atomic(&self.key_path(key), &json)
    }

    /// Takes the per-key lock (blocking) so only one build computes a key.
    pub fn lock_key(&self, key: &str) -> Result<FileLock, StoreError> {
        let hex = key.trim_start_matches("sha256:");
        let p = self.root.join("keylocks").join(format!("{hex}.lock"));
        FileLock::acquire(&p, LockKind::Exclusive).map_err(io_at(&p))
    }

    /// The path of a blob (`sha256:<hex>`).
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.root
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    }

    /// Moves a finished temporary file into the blob store under `digest`.
    pub fn put_blob(&self, tmp: &Path, digest: &str) -> Result<PathBuf, StoreError> {
        let dest = self.blob_path(digest);
        if dest.exists() {
            let _ = std::fs::remove_file(tmp);
            return Ok(dest);
        }
        std::fs::rename(tmp, &dest).map_err(io_at(&dest))?;
        Ok(dest)
    }

    /// The directory holding persistent cache mounts.
    pub fn mounts_dir(&self) -> PathBuf {
        self.root.join("mounts")
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = force_remove(&self.build_tmp);
    }
}

/// Removes a tree even if some directories lack write permission.
pub fn force_remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) => {
            make_writable(path);
            match std::fs::remove_dir_all(path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                r => r,
            }
        }
    }
}

fn make_writable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::symlink_metadata(path)
        && m.is_dir()
    {
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700));
        if let Ok(rd) = std::fs::read_dir(path) {
            for e in rd.flatten() {
                make_writable(&e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_lookup_record_roundtrip() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(d.path()).unwrap();
        let w = store.new_work_dir().unwrap();
        std::fs::write(w.fs.join("f"), "x").unwrap();
        let snap = store.commit(w, SnapshotMeta::default()).unwrap();
        assert!(snap.dir.join("f").exists());
        assert!(store.lookup("sha256:abcd").unwrap().is_none());
        store.record("sha256:abcd", &[Some(&snap), None]).unwrap();
        let got = store.lookup("sha256:abcd").unwrap().unwrap();
        assert_eq!(got[0].as_ref().unwrap().id, snap.id);
        assert!(got[1].is_none());
    }

    #[test]
    fn stale_scratch_of_dead_builds_is_removed() {
        let d = tempfile::tempdir().unwrap();
        let stale = d.path().join("tmp/999-dead");
        std::fs::create_dir_all(stale.join("x")).unwrap();
        std::fs::write(d.path().join("tmp/999-dead.lock"), "").unwrap();
        let s = Store::open(d.path()).unwrap();
        assert!(!stale.exists());
        // Our own scratch survives a second opener.
        let mine = s.scratch_dir("t").unwrap();
        let _s2 = Store::open(d.path()).unwrap();
        assert!(mine.exists());
    }

    #[test]
    fn record_naming_a_missing_snapshot_is_a_miss() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(d.path()).unwrap();
        write_atomic(
            &store.key_path("sha256:ff00"),
            br#"{"outputs":["doesnotexist"]}"#,
        )
        .unwrap();
        assert!(store.lookup("sha256:ff00").unwrap().is_none());
        write_atomic(&store.key_path("sha256:ff01"), b"{garbage").unwrap();
        assert!(store.lookup("sha256:ff01").unwrap().is_none());
    }
}
