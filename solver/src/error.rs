//! The solver's error type.

use crate::sandbox::SandboxError;
use crate::store::StoreError;

/// Why a solve failed.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The Definition is invalid.
    #[error(transparent)]
    Definition(#[from] llb::definition::DefinitionError),
    /// The cache store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A process exited non-zero (BuildKit's wording).
    #[error("process {args:?} did not complete successfully: exit code: {code}")]
    ExitCode {
        /// The joined argv.
        args: String,
        /// Exit code.
        code: i32,
    },
    /// The sandbox could not run the process.
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    /// A vertex failed; `name` is the op's progress name and `location`
    /// the Dockerfile lines from the Definition's source map.
    #[error("{}{name}: {source}", location.as_ref().map(|l| format!("{l}: ")).unwrap_or_default())]
    Vertex {
        /// Digest of the vertex.
        digest: String,
        /// Progress name of the vertex.
        name: String,
        /// `Dockerfile:3` style location, if known.
        location: Option<String>,
        /// The underlying failure.
        #[source]
        source: Box<SolveError>,
    },
    /// An op failed for a reason described by the message.
    #[error("{0}")]
    Op(String),
    /// An I/O failure with context.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Something this solver does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Registry access failed.
    #[error("{0}")]
    Registry(String),
    /// The build was cancelled because another vertex failed.
    #[error("cancelled")]
    Cancelled,
}

impl SolveError {
    /// An I/O error with context.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> SolveError {
        let context = context.into();
        move |source| SolveError::Io { context, source }
    }

    /// The innermost error (under `Vertex` wrappers).
    pub fn root_cause(&self) -> &SolveError {
        match self {
            SolveError::Vertex { source, .. } => source.root_cause(),
            e => e,
        }
    }
}

/// Short alias.
pub type Result<T, E = SolveError> = std::result::Result<T, E>;
