//! The DAG scheduler. Each vertex has two lazily computed, memoized values:
//! its cache key and its result. A result first needs the key; when the
//! cache holds the key, the inputs are never computed (so a fully cached
//! rebuild runs nothing below the cached vertices). Otherwise every input
//! is computed concurrently, then the op runs on a blocking thread, its
//! outputs become snapshots and the key is recorded. A per-key file lock
//! makes concurrent builds on one cache directory compute each key once.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use llb::definition::DecodedDefinition;
use llb::pb;
use tokio::sync::{OnceCell, Semaphore};

use super::graph::{vertex_location, vertex_name};
use super::{SolveOutcome, SolveReport, SolverInner, VertexReport, VertexStatus};
use crate::error::{Result, SolveError};
use crate::ops::{self, KeyInfo, OpCtx};
use crate::progress::Event;
use crate::refs::Ref;

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One vertex of the job.
pub(crate) struct Node {
    /// Op digest.
    pub digest: String,
    /// The op.
    pub op: pb::Op,
    /// Display name.
    pub name: String,
    /// `ignore_cache` from the metadata.
    pub ignore_cache: bool,
    /// (node index, output index) per op input.
    pub inputs: Vec<(usize, usize)>,
    key: OnceCell<Arc<KeyInfo>>,
    result: OnceCell<Arc<Vec<Ref>>>,
}

/// One solve of one Definition.
pub(crate) struct Job {
    pub solver: Arc<SolverInner>,
    pub def: DecodedDefinition,
    pub nodes: Vec<Node>,
    root: (usize, usize),
    failed: AtomicBool,
    slots: Semaphore,
    report: Mutex<SolveReport>,
}

impl Job {
    /// Builds the job's nodes from a Definition.
    pub fn new(solver: Arc<SolverInner>, def: &DecodedDefinition) -> Result<Arc<Job>> {
        let mut nodes: Vec<Node> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for v in &def.vertices {
            if index.contains_key(v.digest.as_str()) {
                continue;
            }
            index.insert(v.digest.as_str().to_string(), nodes.len());
            nodes.push(Node {
                digest: v.digest.as_str().to_string(),
                op: v.op.clone(),
                name: vertex_name(def, v.digest.as_str(), &v.op),
                ignore_cache: def
                    .metadata(v.digest.as_str())
                    .is_some_and(|m| m.ignore_cache),
                inputs: Vec::new(),
                key: OnceCell::new(),
                result: OnceCell::new(),
            });
        }
        for n in nodes.iter_mut() {
            let mut ins = Vec::new();
            for i in &n.op.inputs {
                let idx = *index
                    .get(i.digest.as_str())
                    .ok_or_else(|| SolveError::Op(format!("missing input {}", i.digest)))?;
                ins.push((idx, usize::try_from(i.index).unwrap_or(0)));
            }
            n.inputs = ins;
        }
        let root_vertex = def.root();
        let root_node = *index
            .get(root_vertex.digest.as_str())
            .ok_or_else(|| SolveError::Op("missing root".into()))?;
        let root = *nodes[root_node]
            .inputs
            .first()
            .ok_or(SolveError::Definition(
                llb::definition::DefinitionError::NoRootInput,
            ))?;
        let slots = Semaphore::new(solver.opts.max_parallel.max(1));
        Ok(Arc::new(Job {
            solver,
            def: def.clone(),
            nodes,
            root,
            failed: AtomicBool::new(false),
            slots,
            report: Mutex::new(SolveReport::default()),
        }))
    }

    /// Solves the root and returns its result.
    pub async fn run(self: Arc<Self>) -> Result<SolveOutcome> {
        let (node, output) = self.root;
        let refs = self.clone().result(node).await;
        let refs = refs?;
        // Vertices never visited sit below a cache hit: they are satisfied
        // by the cache too (BuildKit reports them CACHED as well).
        for (i, n) in self.nodes.iter().enumerate() {
            if i == node || n.op.op.is_none() || n.result.initialized() {
                continue;
            }
            self.solver.progress.event(Event::Cached {
                id: n.digest.clone(),
                name: n.name.clone(),
            });
            self.push_report(i, VertexStatus::Cached, Instant::now());
        }
        let result = refs.get(output).cloned().ok_or_else(|| {
            SolveError::Op(format!("{}: no output {output}", self.nodes[node].name))
        })?;
        let report = self.report.lock().map(|r| r.clone()).unwrap_or_default();
        Ok(SolveOutcome { result, report })
    }

    fn ctx(&self, n: usize) -> OpCtx {
        let node = &self.nodes[n];
        OpCtx {
            store: self.solver.store.clone(),
            solver: self.solver.clone(),
            id: node.digest.clone(),
            name: node.name.clone(),
            platform: node
                .op
                .platform
                .clone()
                .unwrap_or_else(|| self.solver.opts.platform.clone()),
        }
    }

    fn push_report(&self, n: usize, status: VertexStatus, started: Instant) {
        if let Ok(mut r) = self.report.lock() {
            r.vertices.push(VertexReport {
                digest: self.nodes[n].digest.clone(),
                name: self.nodes[n].name.clone(),
                status,
                duration: started.elapsed(),
            });
        }
    }

    fn wrap(&self, n: usize, e: SolveError) -> SolveError {
        if matches!(e, SolveError::Vertex { .. } | SolveError::Cancelled) {
            return e;
        }
        let node = &self.nodes[n];
        SolveError::Vertex {
            digest: node.digest.clone(),
            name: node.name.clone(),
            location: vertex_location(&self.def, &node.digest).map(|l| l.to_string()),
            source: Box::new(e),
        }
    }

    /// The cache key of node `n`.
    pub fn key(self: Arc<Self>, n: usize) -> BoxFut<'static, Result<Arc<KeyInfo>>> {
        Box::pin(async move {
            let job = self.clone();
            let info = self.nodes[n]
                .key
                .get_or_try_init(|| async move {
                    let r = ops::cache_key(job.clone(), n).await;
                    r.map(Arc::new).map_err(|e| job.wrap(n, e))
                })
                .await?;
            Ok(info.clone())
        })
    }

    /// The result of input `i` of node `n`.
    pub async fn input_ref(self: Arc<Self>, n: usize, i: usize) -> Result<Ref> {
        let (node, output) = *self.nodes[n]
            .inputs
            .get(i)
            .ok_or_else(|| SolveError::Op(format!("{}: no input {i}", self.nodes[n].name)))?;
        let refs = self.clone().result(node).await?;
        refs.get(output)
            .cloned()
            .ok_or_else(|| SolveError::Op(format!("{}: no output {output}", self.nodes[node].name)))
    }

    /// The result (every output) of node `n`.
    pub fn result(self: Arc<Self>, n: usize) -> BoxFut<'static, Result<Arc<Vec<Ref>>>> {
        Box::pin(async move {
            let job = self.clone();
            let refs = self.nodes[n]
                .result
                .get_or_try_init(|| async move {
                    let r = job.clone().compute(n).await;
                    if r.is_err() {
                        job.failed.store(true, Ordering::SeqCst);
                    }
                    r.map_err(|e| job.wrap(n, e))
                })
                .await?;
            Ok(refs.clone())
        })
    }

    async fn compute(self: Arc<Self>, n: usize) -> Result<Arc<Vec<Ref>>> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(SolveError::Cancelled);
        }
        let started = Instant::now();
        let key = self.clone().key(n).await?;
        let node = &self.nodes[n];
        let progress = self.solver.progress.clone();
        if let Some(resolved) = &key.resolved {
            let status = key.resolved_status;
            if status == VertexStatus::Cached {
                progress.event(Event::Cached {
                    id: node.digest.clone(),
                    name: node.name.clone(),
                });
            }
            self.push_report(n, status, started);
            return Ok(Arc::new(resolved.clone()));
        }
        let cacheable = !self.solver.opts.no_cache && !node.ignore_cache;
        if cacheable && let Some(refs) = self.lookup(&key.key)? {
            progress.event(Event::Cached {
                id: node.digest.clone(),
                name: node.name.clone(),
            });
            self.push_report(n, VertexStatus::Cached, started);
            return Ok(Arc::new(refs));
        }
        // Compute every input concurrently.
        let mut handles = Vec::new();
        for i in 0..node.inputs.len() {
            let job = self.clone();
            handles.push(tokio::spawn(async move { job.input_ref(n, i).await }));
        }
        let mut inputs = Vec::with_capacity(handles.len());
        let mut first_err = None;
        for h in handles {
            match h.await {
                Ok(Ok(r)) => inputs.push(r),
                Ok(Err(e)) => {
                    if first_err.is_none() || matches!(first_err, Some(SolveError::Cancelled)) {
                        first_err = Some(e);
                    }
                }
                Err(e) => first_err = Some(SolveError::Op(format!("task failed: {e}"))),
            }
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        if self.failed.load(Ordering::SeqCst) {
            return Err(SolveError::Cancelled);
        }
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| SolveError::Cancelled)?;
        let store = self.solver.store.clone();
        let key_str = key.key.clone();
        let lock = tokio::task::spawn_blocking(move || store.lock_key(&key_str))
            .await
            .map_err(|e| SolveError::Op(format!("task failed: {e}")))??;
        // Another build may have finished it while we waited for the lock.
        if cacheable && let Some(refs) = self.lookup(&key.key)? {
            drop(lock);
            progress.event(Event::Cached {
                id: node.digest.clone(),
                name: node.name.clone(),
            });
            self.push_report(n, VertexStatus::Cached, started);
            return Ok(Arc::new(refs));
        }
        progress.event(Event::Started {
            id: node.digest.clone(),
            name: node.name.clone(),
        });
        let ctx = self.ctx(n);
        let op = node.op.clone();
        let job = self.clone();
        let run_started = Instant::now();
        let outcome = tokio::task::spawn_blocking(move || ops::run(&ctx, &job, n, &op, inputs))
            .await
            .map_err(|e| SolveError::Op(format!("task failed: {e}")))?;
        match outcome {
            Ok(refs) => {
                let records: Vec<Option<&crate::store::Snapshot>> =
                    refs.iter().map(|r| r.snapshot()).collect();
                let recordable = refs.iter().all(|r| !matches!(r, Ref::Local(_)));
                if recordable {
                    self.solver.store.record(&key.key, &records)?;
                }
                drop(lock);
                progress.event(Event::Done {
                    id: node.digest.clone(),
                    name: node.name.clone(),
                    elapsed: run_started.elapsed(),
                });
                self.push_report(n, VertexStatus::Executed, started);
                Ok(Arc::new(refs))
            }
            Err(e) => {
                drop(lock);
                progress.event(Event::Failed {
                    id: node.digest.clone(),
                    name: node.name.clone(),
                    error: e.to_string(),
                });
                Err(e)
            }
        }
    }

    fn lookup(&self, key: &str) -> Result<Option<Vec<Ref>>> {
        Ok(self.solver.store.lookup(key)?.map(|outs| {
            outs.into_iter()
                .map(|o| match o {
                    Some(s) => Ref::Snapshot(Arc::new(s)),
                    None => Ref::Empty,
                })
                .collect()
        }))
    }
}
