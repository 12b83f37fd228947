//! Op kinds: cache-key derivation and execution, one module per kind.
//!
//! Cache keys follow BuildKit's `CacheMap` idea (PROTOCOL-FACTS §4): the
//! op's own definition with fields that do not affect the result removed,
//! plus, per input, either the input's cache key (with the selector) or the
//! content hash of what the op actually reads from it.

pub mod diff;
pub mod exec;
pub mod file;
pub mod merge;
pub mod source;

use std::sync::Arc;

use llb::pb;
use sha2::{Digest as _, Sha256};

use crate::error::{Result, SolveError};
use crate::fsutil::hash::{HashOptions, hash_tree};
use crate::fsutil::pattern::PathFilter;
use crate::fsutil::safepath::resolve_in_root;
use crate::progress::Event;
use crate::refs::Ref;
use crate::sandbox::Stream;
use crate::solve::scheduler::Job;
use crate::solve::{SolverInner, VertexStatus};
use crate::store::{Snapshot, SnapshotMeta, Store};

/// A vertex's cache key, and for sources whose resolution already produced
/// the result, that result.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    /// `sha256:…` key.
    pub key: String,
    /// Result produced while computing the key (local sources).
    pub resolved: Option<Vec<Ref>>,
    /// How to report a pre-resolved result.
    pub resolved_status: VertexStatus,
}

impl KeyInfo {
    /// A plain key.
    pub fn key(key: String) -> KeyInfo {
        KeyInfo {
            key,
            resolved: None,
            resolved_status: VertexStatus::Executed,
        }
    }
}

/// Accumulates cache-key material.
pub struct KeyBuilder(Sha256);

impl KeyBuilder {
    /// Starts a key of one op kind.
    pub fn new(kind: &str) -> KeyBuilder {
        let mut h = Sha256::new();
        h.update(b"rfront-cache-v1\0");
        h.update(kind.as_bytes());
        h.update([0]);
        KeyBuilder(h)
    }

    /// Adds labelled bytes (length-prefixed, so fields never run together).
    pub fn add(&mut self, label: &str, data: &[u8]) -> &mut Self {
        self.0.update(label.as_bytes());
        self.0.update((data.len() as u64).to_le_bytes());
        self.0.update(data);
        self
    }

    /// The key.
    pub fn finish(self) -> String {
        format!("sha256:{}", hex::encode(self.0.finalize()))
    }
}

/// What an op implementation may use while running (on a blocking thread).
#[derive(Clone)]
pub struct OpCtx {
    /// The cache store.
    pub store: Arc<Store>,
    pub(crate) solver: Arc<SolverInner>,
    /// Vertex digest.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The op's platform (or the default).
    pub platform: pb::Platform,
}

impl OpCtx {
    /// Sends process output to progress.
    pub fn log(&self, stream: Stream, data: &[u8]) {
        self.solver.progress.event(Event::Log {
            id: self.id.clone(),
            name: self.name.clone(),
            stream,
            data: data.to_vec(),
        });
    }

    /// Sends a status line to progress.
    pub fn status(&self, message: impl Into<String>) {
        self.solver.progress.event(Event::Status {
            id: self.id.clone(),
            name: self.name.clone(),
            message: message.into(),
        });
    }
}

/// The encoded platform for keys.
pub fn platform_bytes(p: &pb::Platform) -> Vec<u8> {
    format!(
        "{}/{}/{}/{}/{}",
        p.os,
        p.architecture,
        p.variant,
        p.os_version,
        p.os_features.join(",")
    )
    .into_bytes()
}

/// Computes the cache key of node `n`.
pub(crate) async fn cache_key(job: Arc<Job>, n: usize) -> Result<KeyInfo> {
    use pb::op::Op as O;
    let node = &job.nodes[n];
    match &node.op.op {
        Some(O::Source(_)) => source::cache_key(job.clone(), n).await,
        Some(O::Exec(_)) => exec::cache_key(job.clone(), n).await,
        Some(O::File(_)) => file::cache_key(job.clone(), n).await,
        Some(O::Merge(_)) => merge::cache_key(job.clone(), n).await,
        Some(O::Diff(_)) => diff::cache_key(job.clone(), n).await,
        Some(O::Build(_)) => Err(SolveError::Unsupported("BuildOp (nested builds)".into())),
        Some(O::Passthrough(_)) => Err(SolveError::Unsupported("PassthroughOp".into())),
        None => Err(SolveError::Op("op without payload used as a vertex".into())),
    }
}

/// Runs node `n` with its input results.
pub(crate) fn run(
    ctx: &OpCtx,
    job: &Arc<Job>,
    n: usize,
    op: &pb::Op,
    inputs: Vec<Ref>,
) -> Result<Vec<Ref>> {
    use pb::op::Op as O;
    match &op.op {
        Some(O::Source(s)) => source::run(ctx, job, n, s),
        Some(O::Exec(e)) => exec::run(ctx, e, inputs),
        Some(O::File(f)) => file::run(ctx, f, inputs),
        Some(O::Merge(m)) => merge::run(ctx, m, inputs),
        Some(O::Diff(d)) => diff::run(ctx, d, inputs),
        _ => Err(SolveError::Unsupported("op kind".into())),
    }
}

/// The key material of input `i`: the input vertex's key and output index.
pub(crate) async fn input_key(job: &Arc<Job>, n: usize, i: usize) -> Result<String> {
    let (node, output) = *job.nodes[n]
        .inputs
        .get(i)
        .ok_or_else(|| SolveError::Op(format!("no input {i}")))?;
    let k = job.clone().key(node).await?;
    Ok(format!("{}#{output}", k.key))
}

/// How to select content of an input for a content-based key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector {
    /// Path inside the input (absolute or relative).
    pub path: String,
    /// Follow a final symlink.
    pub follow: bool,
    /// `path` may contain wildcards.
    pub wildcard: bool,
    /// Include patterns (relative to the selected path).
    pub include: Vec<String>,
    /// Exclude patterns.
    pub exclude: Vec<String>,
}

/// The content hash of what `sel` selects in `r` (memoized per snapshot).
pub(crate) fn content_hash(solver: &SolverInner, r: &Ref, sel: &Selector) -> Result<String> {
    let (identity, root, owner, view_filter) = match r {
        Ref::Empty => return Ok("empty".to_string()),
        Ref::Snapshot(s) => (s.id.clone(), s.dir.clone(), None, None),
        Ref::Local(l) => (
            l.digest.clone(),
            l.dir.clone(),
            Some((0, 0)),
            (!l.filter.is_noop()).then_some(&l.filter),
        ),
    };
    let memo_key = format!("{identity}\0{sel:?}");
    if let Ok(m) = solver.hash_memo.lock()
        && let Some(v) = m.get(&memo_key)
    {
        return Ok(v.clone());
    }
    let filter =
        PathFilter::new(&sel.include, &sel.exclude).map_err(|e| SolveError::Op(e.to_string()))?;
    let mut h = Sha256::new();
    let paths = if sel.wildcard {
        file::copy::resolve_wildcards(&root, &sel.path, sel.follow)
            .map_err(SolveError::io(format!("resolve {}", sel.path)))?
    } else {
        vec![sel.path.clone()]
    };
    for p in paths {
        let resolved =
            resolve_in_root(&root, &p, sel.follow).map_err(|e| SolveError::Op(e.to_string()))?;
        let rel = resolved
            .strip_prefix(&root)
            .map(|r| r.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(vf) = view_filter
            && !rel.is_empty()
        {
            let d = vf.decide(&rel, resolved.is_dir());
            if !d.include && !d.descend {
                h.update(p.as_bytes());
                h.update(b"\0<filtered>\0");
                continue;
            }
        }
        let opts = HashOptions {
            filter: (!filter.is_noop()).then_some(&filter),
            owner,
            outer: view_filter.map(|vf| (vf, rel.clone())),
        };
        let d = hash_tree(&resolved, &opts).map_err(SolveError::io(format!("hash {p}")))?;
        h.update(p.as_bytes());
        h.update([0]);
        h.update(d.as_bytes());
    }
    let out = format!("sha256:{}", hex::encode(h.finalize()));
    if let Ok(mut m) = solver.hash_memo.lock() {
        m.insert(memo_key, out.clone());
    }
    Ok(out)
}

/// Turns any result into a snapshot (or Empty): local views are copied
/// through their filter into the store (once per content digest).
pub fn materialize(store: &Store, r: &Ref) -> Result<Ref> {
    match r {
        Ref::Local(l) => {
            let key = KeyBuilder::new("local-materialized")
                .add("digest", l.digest.as_bytes())
                .to_owned()
                .finish();
            if let Some(outs) = store.lookup(&key)?
                && let Some(Some(s)) = outs.into_iter().next()
            {
                return Ok(Ref::Snapshot(Arc::new(s)));
            }
            let _lock = store.lock_key(&key)?;
            if let Some(outs) = store.lookup(&key)?
                && let Some(Some(s)) = outs.into_iter().next()
            {
                return Ok(Ref::Snapshot(Arc::new(s)));
            }
            let work = store.new_work_dir()?;
            crate::fsutil::tree::copy_deep(
                &l.dir,
                &work.fs,
                &crate::fsutil::tree::DeepCopy {
                    filter: if l.filter.is_noop() {
                        None
                    } else {
                        Some(&l.filter)
                    },
                    owner: Some((0, 0)),
                },
            )
            .map_err(SolveError::io(format!("copy local://{}", l.name)))?;
            let snap = store.commit(
                work,
                SnapshotMeta {
                    description: format!("local://{}", l.name),
                    ..Default::default()
                },
            )?;
            store.record(&key, &[Some(&snap)])?;
            Ok(Ref::Snapshot(Arc::new(snap)))
        }
        other => Ok(other.clone()),
    }
}

/// A snapshot of `r` usable as a read-only tree (None for Empty).
pub fn tree_of(store: &Store, r: &Ref) -> Result<Option<Arc<Snapshot>>> {
    match materialize(store, r)? {
        Ref::Snapshot(s) => Ok(Some(s)),
        _ => Ok(None),
    }
}

impl Clone for KeyBuilder {
    fn clone(&self) -> Self {
        KeyBuilder(self.0.clone())
    }
}

impl KeyBuilder {
    /// A copy of the builder (for chained `add` on a temporary).
    pub fn to_owned(&mut self) -> KeyBuilder {
        self.clone()
    }
}
