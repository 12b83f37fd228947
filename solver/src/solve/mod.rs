//! The public face of the solver: options, [`Solver::solve`] and the report
//! of what ran.

pub mod graph;
pub mod scheduler;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use llb::definition::DecodedDefinition;
use llb::pb;

use crate::error::{Result, SolveError};
use crate::progress::ProgressSink;
use crate::refs::Ref;
use crate::registry::RegistryConfig;
use crate::sandbox::Executor;
use crate::store::Store;

/// Where a secret's bytes come from.
#[derive(Clone, PartialEq)]
pub enum SecretSource {
    /// A file's content.
    File(PathBuf),
    /// An environment variable of the solver process.
    Env(String),
    /// Literal bytes (tests).
    Value(Vec<u8>),
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::File(p) => write!(f, "File({p:?})"),
            SecretSource::Env(v) => write!(f, "Env({v:?})"),
            SecretSource::Value(_) => write!(f, "Value(<redacted>)"),
        }
    }
}

impl SecretSource {
    /// Reads the secret; `None` when the file / variable does not exist.
    pub fn read(&self) -> Option<Vec<u8>> {
        match self {
            SecretSource::File(p) => std::fs::read(p).ok(),
            SecretSource::Env(v) => std::env::var_os(v).map(|s| s.into_encoded_bytes()),
            SecretSource::Value(b) => Some(b.clone()),
        }
    }
}

/// How `NetMode::UNSET` ("sandbox") is run when there is no CNI: BuildKit's
/// standalone daemon with `--oci-worker-net=auto` falls back to host
/// networking without CNI, and so do we by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SandboxNetwork {
    /// Share the host network (default, like buildkitd without CNI).
    #[default]
    Host,
    /// No network (loopback only).
    None,
}

/// Everything a solve needs besides the Definition.
#[derive(Debug, Clone)]
pub struct SolveOptions {
    /// The cache directory.
    pub cache_dir: PathBuf,
    /// Ignore existing cache records (new results are still recorded).
    pub no_cache: bool,
    /// `local://<name>` → host directory.
    pub locals: BTreeMap<String, PathBuf>,
    /// Secret id → source.
    pub secrets: BTreeMap<String, SecretSource>,
    /// SSH id → agent socket path.
    pub ssh: BTreeMap<String, PathBuf>,
    /// Registry access (mirrors, insecure hosts).
    pub registry: RegistryConfig,
    /// OCI layout store name → directory (for `oci-layout://`).
    pub oci_layouts: BTreeMap<String, PathBuf>,
    /// The platform for ops that do not name one.
    pub platform: pb::Platform,
    /// CDI spec directories.
    pub cdi_dirs: Vec<PathBuf>,
    /// How many ops run at once.
    pub max_parallel: usize,
    /// Network for `NetMode::UNSET`.
    pub sandbox_network: SandboxNetwork,
}

impl SolveOptions {
    /// Defaults with the given cache directory.
    pub fn new(cache_dir: impl Into<PathBuf>) -> SolveOptions {
        SolveOptions {
            cache_dir: cache_dir.into(),
            no_cache: false,
            locals: BTreeMap::new(),
            secrets: BTreeMap::new(),
            ssh: BTreeMap::new(),
            registry: RegistryConfig::default(),
            oci_layouts: BTreeMap::new(),
            platform: host_platform(),
            cdi_dirs: vec![PathBuf::from("/etc/cdi"), PathBuf::from("/var/run/cdi")],
            max_parallel: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .max(2),
            sandbox_network: SandboxNetwork::default(),
        }
    }
}

/// The default cache directory: `$XDG_CACHE_HOME/rfront` or
/// `~/.cache/rfront`.
pub fn default_cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return PathBuf::from(x).join("rfront");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cache/rfront")
}

/// This machine's platform in OCI terms.
pub fn host_platform() -> pb::Platform {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        "powerpc64" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => other,
    };
    pb::Platform {
        architecture: arch.to_string(),
        os: "linux".to_string(),
        ..Default::default()
    }
}

/// What happened to one vertex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VertexStatus {
    /// Its result came from the cache.
    Cached,
    /// It ran.
    Executed,
    /// A source resolved without work worth caching (local directories).
    Resolved,
}

/// One vertex of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct VertexReport {
    /// Op digest.
    pub digest: String,
    /// Display name.
    pub name: String,
    /// What happened.
    pub status: VertexStatus,
    /// How long it took.
    pub duration: Duration,
}

/// Which vertices ran and which came from the cache (vertices never needed
/// because something above them was cached are absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SolveReport {
    /// In completion order.
    pub vertices: Vec<VertexReport>,
}

impl SolveReport {
    /// The vertices that ran.
    pub fn executed(&self) -> Vec<&VertexReport> {
        self.vertices
            .iter()
            .filter(|v| v.status == VertexStatus::Executed)
            .collect()
    }

    /// Names of the vertices that ran.
    pub fn executed_names(&self) -> Vec<String> {
        self.executed()
            .into_iter()
            .map(|v| v.name.clone())
            .collect()
    }

    /// The vertices that came from the cache.
    pub fn cached(&self) -> Vec<&VertexReport> {
        self.vertices
            .iter()
            .filter(|v| v.status == VertexStatus::Cached)
            .collect()
    }
}

/// The result of a solve.
#[derive(Debug, Clone)]
pub struct SolveOutcome {
    /// The final state's filesystem.
    pub result: Ref,
    /// What ran.
    pub report: SolveReport,
}

/// Shared state of a solver.
pub(crate) struct SolverInner {
    pub store: Arc<Store>,
    pub opts: SolveOptions,
    pub executor: Arc<dyn Executor>,
    pub progress: Arc<dyn ProgressSink>,
    pub registry: crate::registry::RegistryClient,
    /// Memo of content hashes: (snapshot id or local digest, selector spec) → digest.
    pub hash_memo: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

/// Runs Definitions against a cache directory.
pub struct Solver {
    inner: Arc<SolverInner>,
}

impl Solver {
    /// Opens the cache directory and prepares a solver.
    pub fn new(
        opts: SolveOptions,
        executor: Arc<dyn Executor>,
        progress: Arc<dyn ProgressSink>,
    ) -> Result<Solver> {
        let store = Store::open(&opts.cache_dir)?;
        let registry = crate::registry::RegistryClient::new(opts.registry.clone());
        Ok(Solver {
            inner: Arc::new(SolverInner {
                store,
                opts,
                executor,
                progress,
                registry,
                hash_memo: Default::default(),
            }),
        })
    }

    /// The cache store.
    pub fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// The progress sink.
    pub fn progress(&self) -> &Arc<dyn ProgressSink> {
        &self.inner.progress
    }

    /// Solves a decoded Definition: runs what is not cached, returns the
    /// root's filesystem and the report.
    pub fn solve(&self, def: &DecodedDefinition) -> Result<SolveOutcome> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(self.inner.opts.max_parallel.max(2) * 4)
            .enable_all()
            .build()
            .map_err(SolveError::io("start runtime"))?;
        let job = scheduler::Job::new(self.inner.clone(), def)?;
        rt.block_on(job.run())
    }

    /// Solves serialized Definition bytes.
    pub fn solve_bytes(&self, bytes: &[u8]) -> Result<SolveOutcome> {
        let def = llb::definition::decode_definition(bytes)?;
        self.solve(&def)
    }

    /// Turns a result into a plain snapshot (materializing local views).
    pub fn materialize(&self, r: &Ref) -> Result<Ref> {
        crate::ops::materialize(&self.inner.store, r)
    }

    /// Exports a result (see [`crate::export`]).
    pub fn export(
        &self,
        result: &Ref,
        exporter: &crate::export::ExportSpec,
        image_config: Option<&[u8]>,
    ) -> Result<()> {
        let r = self.materialize(result)?;
        crate::export::export(&self.inner.store, &r, exporter, image_config)
    }
}
