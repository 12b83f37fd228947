//! Standalone LLB executor: runs a BuildKit `pb.Definition` on this machine
//! — DAG scheduler with a content-addressed cache, sandboxed exec, file
//! ops, merge/diff, sources (local, registry images, OCI layouts, http,
//! git) and exporters (local, tar, OCI, docker). Never imports `syntax` or
//! `frontend`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use solver::{SolveOptions, Solver, progress::QuietProgress, sandbox::linux::NamespaceExecutor};
//! # fn main() -> Result<(), solver::SolveError> {
//! # let def_bytes: Vec<u8> = Vec::new();
//! let opts = SolveOptions::new("/tmp/cache");
//! let solver = Solver::new(opts, Arc::new(NamespaceExecutor::new()), Arc::new(QuietProgress))?;
//! let out = solver.solve_bytes(&def_bytes)?;
//! solver.export(&out.result, &solver::export::ExportSpec::Local { dest: "out".into() }, None)?;
//! # Ok(()) }
//! ```

pub mod error;
pub mod export;
pub mod fsutil;
pub mod ops;
pub mod progress;
pub mod refs;
pub mod registry;
pub mod sandbox;
pub mod solve;
pub mod store;

pub use error::SolveError;
pub use refs::Ref;
pub use solve::{
    SandboxNetwork, SecretSource, SolveOptions, SolveOutcome, SolveReport, Solver, VertexReport,
    VertexStatus, default_cache_dir, host_platform,
};
