//! Results of vertices: what an output of an op is.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fsutil::pattern::PathFilter;
use crate::store::Snapshot;

/// A directory on the host seen through BuildKit's local-source filters
/// (nothing is copied until something needs a real tree).
#[derive(Debug, Clone)]
pub struct LocalView {
    /// The `local://<name>`.
    pub name: String,
    /// The host directory.
    pub dir: PathBuf,
    /// Include/exclude patterns.
    pub filter: PathFilter,
    /// Content digest of the filtered view (owners read as 0:0).
    pub digest: String,
}

/// One output of a vertex.
#[derive(Debug, Clone)]
pub enum Ref {
    /// The empty filesystem (scratch).
    Empty,
    /// A committed snapshot.
    Snapshot(Arc<Snapshot>),
    /// A filtered host directory.
    Local(Arc<LocalView>),
}

impl Ref {
    /// The snapshot, if this is one.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        match self {
            Ref::Snapshot(s) => Some(s),
            _ => None,
        }
    }

    /// A directory holding the tree when one exists without copying
    /// (snapshots, and local views without filters).
    pub fn direct_dir(&self) -> Option<&Path> {
        match self {
            Ref::Snapshot(s) => Some(&s.dir),
            Ref::Local(l) if l.filter.is_noop() => Some(&l.dir),
            _ => None,
        }
    }

    /// Whether this is the empty filesystem.
    pub fn is_empty(&self) -> bool {
        matches!(self, Ref::Empty)
    }

    /// A short description for messages.
    pub fn describe(&self) -> String {
        match self {
            Ref::Empty => "scratch".to_string(),
            Ref::Snapshot(s) => format!("snapshot {}", &s.id[..12.min(s.id.len())]),
            Ref::Local(l) => format!("local://{}", l.name),
        }
    }
}
