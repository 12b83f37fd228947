//! The OS boundary for running processes: an [`Executor`] gets a fully
//! resolved [`ExecSpec`] (every host path decided, every in-container path
//! already resolved against the root filesystem) and runs it.
//!
//! Implementations:
//! - [`linux::NamespaceExecutor`]: the embedded sandbox (fork, unshare of
//!   mount/pid/ipc/uts (and net) namespaces, overlayfs root, pivot_root,
//!   exec) — no runc needed.
//! - [`runc::RuncExecutor`]: the same spec handed to an OCI runtime binary.
//! - [`fake::FakeExecutor`]: records specs and runs a scripted closure that
//!   writes into the root's upper directory; used by unit tests without
//!   root.
//!
//! Why not youki's `libcontainer`: it is a whole OCI runtime (cgroup
//! managers, seccomp through the system libseccomp, systemd integration,
//! a bundle/state-directory model), which costs a lot of compile time on a
//! 2-core machine, needs `libseccomp-dev`, and still leaves us to build the
//! overlay root, stubs and commit logic. A build step needs far less: the
//! ~400 lines in `linux.rs`.

pub mod fake;
pub mod linux;
pub mod runc;

use std::path::PathBuf;

/// A failure to set up or run the sandbox (not a non-zero exit).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A setup step failed.
    #[error("sandbox: {step}: {source}")]
    Setup {
        /// What was being done.
        step: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The process could not be started (e.g. executable not found).
    #[error("failed to start process {program:?}: {source}")]
    Spawn {
        /// argv[0].
        program: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The runtime binary failed.
    #[error("runtime {runtime}: {message}")]
    Runtime {
        /// Which runtime.
        runtime: String,
        /// Its complaint.
        message: String,
    },
}

/// Network namespace choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Share the host's network.
    Host,
    /// A fresh network namespace with only loopback.
    None,
}

/// An overlayfs whose merged view the process sees.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// The read-only lower tree.
    pub lower: PathBuf,
    /// Where changes go (empty at start).
    pub upper: PathBuf,
    /// overlayfs work directory (same filesystem as `upper`).
    pub work: PathBuf,
}

/// What is mounted at one destination.
#[derive(Debug, Clone, PartialEq)]
pub enum MountKind {
    /// A host path bind-mounted.
    Bind {
        /// Host path.
        src: PathBuf,
        /// Mount read-only.
        readonly: bool,
    },
    /// A copy-on-write view of a tree; `subpath` (relative, already
    /// resolved inside the tree) is what gets mounted.
    Overlay {
        /// The layers.
        overlay: Overlay,
        /// Sub-directory of the merged view to mount.
        subpath: PathBuf,
    },
    /// An empty tmpfs.
    Tmpfs {
        /// Size limit in bytes.
        size: Option<u64>,
    },
}

/// One mount inside the container.
#[derive(Debug, Clone, PartialEq)]
pub struct MountSpec {
    /// Absolute, symlink-free path inside the root filesystem.
    pub dest: String,
    /// What to mount.
    pub kind: MountKind,
    /// The destination is a file (bind of a file), not a directory.
    pub file: bool,
}

/// A device node to expose (bind-mounted from the host).
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSpec {
    /// Host device path.
    pub host_path: PathBuf,
    /// Path inside the container.
    pub path: String,
}

/// Everything needed to run one process.
#[derive(Clone, PartialEq)]
pub struct ExecSpec {
    /// The root filesystem (`readonly` roots still get an overlay whose
    /// upper stays untouched).
    pub rootfs: Overlay,
    /// Mount the root read-only.
    pub readonly_root: bool,
    /// Paths to create in the root before mounting (relative, parents
    /// first; `true` = directory, `false` = empty file). Removed again
    /// after the run if still empty.
    pub stubs: Vec<(String, bool)>,
    /// Mounts in order.
    pub mounts: Vec<MountSpec>,
    /// Device nodes.
    pub devices: Vec<DeviceSpec>,
    /// argv.
    pub args: Vec<String>,
    /// Environment (`K=V`).
    pub env: Vec<String>,
    /// Working directory (absolute; created if missing).
    pub cwd: String,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
    /// Supplementary groups.
    pub additional_gids: Vec<u32>,
    /// Hostname.
    pub hostname: String,
    /// Network mode.
    pub network: Network,
    /// Scratch directory for the executor (staging mount points, bundle).
    pub scratch: PathBuf,
}

impl std::fmt::Debug for ExecSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Environment values may hold secrets: print names only.
        let env_names: Vec<&str> = self
            .env
            .iter()
            .map(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k))
            .collect();
        f.debug_struct("ExecSpec")
            .field("rootfs", &self.rootfs)
            .field("readonly_root", &self.readonly_root)
            .field("stubs", &self.stubs)
            .field("mounts", &self.mounts)
            .field("devices", &self.devices)
            .field("args", &self.args)
            .field("env", &env_names)
            .field("cwd", &self.cwd)
            .field("uid", &self.uid)
            .field("gid", &self.gid)
            .field("hostname", &self.hostname)
            .field("network", &self.network)
            .finish()
    }
}

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// stdout.
    Stdout,
    /// stderr.
    Stderr,
}

/// Receives process output as it arrives.
pub type OutputFn<'a> = &'a (dyn Fn(Stream, &[u8]) + Sync);

/// Runs processes in a sandbox.
pub trait Executor: Send + Sync {
    /// Runs the process to completion; returns its exit code (128+signal
    /// when killed by a signal).
    fn run(&self, spec: &ExecSpec, output: OutputFn<'_>) -> Result<i32, SandboxError>;

    /// A short name for messages.
    fn name(&self) -> &str;
}
