//! Exec ops: [`Exec`] (the builder [`State::exec`] returns), its
//! [`Mount`]s, [`Secret`]s, [`SshSocket`]s and [`CdiDevice`]s, and the
//! resulting [`ExecState`].
//!
//! Marshalling follows Go's `client/llb` `ExecOp`:
//! - mounts (the root `/` mount first among them) are sorted by target;
//!   every mount that is not read-only, tmpfs, cache or no-output gets the
//!   next output index; inputs are deduplicated by `(digest, index)`;
//!   secret mounts then ssh mounts follow, in the order added;
//! - `Meta` takes args, env, cwd, user, hostname, cgroup parent, valid exit
//!   codes, extra hosts, ulimits and proxy env from the State;
//!   `removeMountStubsRecursive` is always set;
//! - ssh sockets without a target get `/run/buildkit/ssh_agent.<n>`, and
//!   `SSH_AUTH_SOCK` is added unless set;
//! - with a daemon [`CapSet`](super::CapSet) lacking
//!   `exec.meta.setsdefaultpath`, a default `PATH` is added (not for
//!   Windows); with one having it, the cap is recorded instead;
//! - caps are recorded per feature used (`exec.meta.base`,
//!   `exec.mount.bind`, `exec.mount.cache(.sharing)`, `exec.mount.selector`,
//!   `exec.mount.tmpfs(.size)`, `exec.mount.secret`, `exec.secretenv`,
//!   `exec.mount.ssh`, `exec.meta.network`, `exec.meta.security`,
//!   `exec.meta.proxyenv`, `exec.meta.ulimit`, `exec.meta.cdi`,
//!   `exec.validexitcode`, `exec.mount.cache.content`,
//!   `exec.meta.linux.resources`).

use std::net::IpAddr;
use std::sync::Arc;

use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint};

use crate::marshal::{MarshalError, OP_EXEC, OpContext, OpInput, OpParts, wire};
use crate::pb;

use super::State;
use super::caps;
use super::constraints::Constraints;
use super::meta::{StateMeta, default_path_env};
use super::node::{OpKind, OpNode, Output};

/// The target of the root mount.
pub const ROOT_MOUNT: &str = "/";

/// What kind of filesystem a [`Mount`] provides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MountKind {
    /// The source State's filesystem (a read-write layer unless read-only).
    Bind,
    /// A persistent cache directory (seeded from the source, if any).
    Cache {
        /// Cache id; an empty id makes the mount a plain bind, as upstream.
        id: String,
        /// How concurrent builds share it.
        sharing: pb::CacheSharingOpt,
    },
    /// An in-memory filesystem; must not have a source.
    Tmpfs {
        /// Size limit in bytes; 0 = default.
        size: i64,
    },
}

/// A filesystem mounted into an exec.
#[derive(Clone, Debug)]
pub struct Mount {
    source: Option<Output>,
    kind: MountKind,
    readonly: bool,
    selector: String,
    no_output: bool,
    content_cache: pb::MountContentCache,
}

impl Mount {
    fn with_kind(kind: MountKind) -> Mount {
        Mount {
            source: None,
            kind,
            readonly: false,
            selector: String::new(),
            no_output: false,
            content_cache: pb::MountContentCache::Default,
        }
    }

    /// Mounts `source`'s filesystem (scratch mounts an empty directory).
    pub fn bind(source: &State) -> Mount {
        Mount::with_kind(MountKind::Bind).source(source)
    }

    /// A cache mount (Go's `AsPersistentCacheDir`), empty on first use.
    pub fn cache(id: impl Into<String>, sharing: pb::CacheSharingOpt) -> Mount {
        Mount::with_kind(MountKind::Cache {
            id: id.into(),
            sharing,
        })
    }

    /// A tmpfs mount (Go's `Tmpfs`); `size` in bytes, 0 for the default.
    pub fn tmpfs(size: i64) -> Mount {
        Mount::with_kind(MountKind::Tmpfs { size })
    }

    /// Sets the source State (for a cache: its initial contents).
    pub fn source(mut self, source: &State) -> Mount {
        self.source = source.output().cloned();
        self
    }

    /// Mounts read-only (Go's `Readonly`); the mount has no output.
    pub fn readonly(mut self) -> Mount {
        self.readonly = true;
        self
    }

    /// Mounts only this path of the source (Go's `SourcePath`).
    pub fn selector(mut self, path: impl Into<String>) -> Mount {
        self.selector = path.into();
        self
    }

    /// A writable mount whose changes are discarded (Go's
    /// `ForceNoOutput`); the mount has no output.
    pub fn force_no_output(mut self) -> Mount {
        self.no_output = true;
        self
    }

    /// Sets the content-cache mode (Go's `ContentCache`).
    pub fn content_cache(mut self, mode: pb::MountContentCache) -> Mount {
        self.content_cache = mode;
        self
    }

    /// The kind of mount.
    pub fn kind(&self) -> &MountKind {
        &self.kind
    }

    fn cache_id(&self) -> Option<(&str, pb::CacheSharingOpt)> {
        match &self.kind {
            MountKind::Cache { id, sharing } if !id.is_empty() => Some((id, *sharing)),
            _ => None,
        }
    }

    fn tmpfs_size(&self) -> Option<i64> {
        match self.kind {
            MountKind::Tmpfs { size } => Some(size),
            _ => None,
        }
    }

    /// Whether the mount gets an output index.
    fn has_output(&self) -> bool {
        !self.no_output
            && !self.readonly
            && self.cache_id().is_none()
            && self.tmpfs_size().is_none()
    }
}

/// A secret exposed to an exec as a file and/or an environment variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    /// Secret id in the client's secret store.
    pub id: String,
    /// File to mount it at.
    pub target: Option<String>,
    /// Environment variable to expose it as.
    pub env: Option<String>,
    /// Owner uid of the file.
    pub uid: u32,
    /// Owner gid of the file.
    pub gid: u32,
    /// File mode (default `0o400`).
    pub mode: u32,
    /// Do not fail when the secret is missing.
    pub optional: bool,
}

impl Secret {
    /// Secret `id` mounted as a file at `target`, mode `0400` (Go's
    /// `AddSecretWithDest`).
    pub fn file(id: impl Into<String>, target: impl Into<String>) -> Secret {
        Secret {
            id: id.into(),
            target: Some(target.into()),
            env: None,
            uid: 0,
            gid: 0,
            mode: 0o400,
            optional: false,
        }
    }

    /// Secret `id` exposed as environment variable `name` (Go's
    /// `SecretAsEnvName`).
    pub fn env(id: impl Into<String>, name: impl Into<String>) -> Secret {
        Secret {
            target: None,
            env: Some(name.into()),
            ..Secret::file(id, "")
        }
    }

    /// Sets the file's owner and mode (Go's `SecretFileOpt`).
    pub fn file_opt(mut self, uid: u32, gid: u32, mode: u32) -> Secret {
        self.uid = uid;
        self.gid = gid;
        self.mode = mode;
        self
    }

    /// Marks the secret optional (Go's `SecretOptional`).
    pub fn optional(mut self) -> Secret {
        self.optional = true;
        self
    }
}

/// An SSH agent socket forwarded into an exec (Go's `AddSSHSocket`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshSocket {
    /// SSH agent id in the client (empty = `default`).
    pub id: String,
    /// Socket path; empty = `/run/buildkit/ssh_agent.<n>`.
    pub target: String,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Socket mode (default `0o600`).
    pub mode: u32,
    /// Do not fail when the agent is missing.
    pub optional: bool,
}

impl Default for SshSocket {
    fn default() -> SshSocket {
        SshSocket {
            id: String::new(),
            target: String::new(),
            uid: 0,
            gid: 0,
            mode: 0o600,
            optional: false,
        }
    }
}

impl SshSocket {
    /// The default agent, default target, mode `0600`.
    pub fn new() -> SshSocket {
        SshSocket::default()
    }

    /// Sets the agent id (Go's `SSHID`).
    pub fn id(mut self, id: impl Into<String>) -> SshSocket {
        self.id = id.into();
        self
    }

    /// Sets the socket path (Go's `SSHSocketTarget`).
    pub fn target(mut self, target: impl Into<String>) -> SshSocket {
        self.target = target.into();
        self
    }

    /// Sets path, owner and mode (Go's `SSHSocketOpt`).
    pub fn socket_opt(
        mut self,
        target: impl Into<String>,
        uid: u32,
        gid: u32,
        mode: u32,
    ) -> SshSocket {
        self.target = target.into();
        self.uid = uid;
        self.gid = gid;
        self.mode = mode;
        self
    }

    /// Marks the socket optional (Go's `SSHOptional`).
    pub fn optional(mut self) -> SshSocket {
        self.optional = true;
        self
    }
}

/// A CDI device requested by an exec (Go's `AddCDIDevice`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CdiDevice {
    /// Fully qualified device name, e.g. `vendor.com/class=name`.
    pub name: String,
    /// Do not fail when the device is unavailable.
    pub optional: bool,
}

/// Why [`ExecState::get_mount`] has no State to give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// tmpfs mounts have no output.
    #[error("tmpfs mount for {0} can't be used as a parent")]
    TmpfsParent(String),
    /// `force_no_output` mounts have no output.
    #[error("mount marked no-output and {0} can't be used as a parent")]
    NoOutputParent(String),
    /// Cache mounts have no output.
    #[error("invalid mount: {0}")]
    InvalidMount(String),
    /// No mount has this target.
    #[error("no mount at {0}")]
    NoSuchMount(String),
}

/// Builder of an exec op; see [`State::exec`] and [`Exec::run`].
///
/// Value setters (`args`, `add_env`, `dir`, `user`, …) affect this exec
/// only, as Go's run options do: the resulting State keeps the values of
/// the State the exec started from.
#[derive(Clone, Debug)]
pub struct Exec {
    start: State,
    base: State,
    mounts: Vec<(String, Mount)>,
    readonly_rootfs: bool,
    proxy_env: Option<pb::ProxyEnv>,
    secrets: Vec<Secret>,
    ssh: Vec<SshSocket>,
    cdi_devices: Vec<CdiDevice>,
    constraints: Constraints,
}

impl Exec {
    /// An exec on `state`'s filesystem and values.
    pub fn new(state: &State) -> Exec {
        Exec {
            start: state.clone(),
            base: state.clone(),
            mounts: Vec::new(),
            readonly_rootfs: false,
            proxy_env: None,
            secrets: Vec::new(),
            ssh: Vec::new(),
            cdi_devices: Vec::new(),
            constraints: Constraints::default(),
        }
    }

    /// Changes the exec's values with any State method (Go's `With`).
    pub fn with(mut self, f: impl FnOnce(State) -> State) -> Exec {
        self.base = f(self.base);
        self
    }

    /// The command and its arguments (Go's `Args`).
    pub fn args<I, S>(self, args: I) -> Exec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.with(|s| s.args(args))
    }

    /// Sets an environment variable for this exec.
    pub fn add_env(self, key: &str, value: &str) -> Exec {
        self.with(|s| s.add_env(key, value))
    }

    /// Sets the working directory for this exec.
    pub fn dir(self, dir: &str) -> Exec {
        self.with(|s| s.dir(dir))
    }

    /// Sets the user for this exec.
    pub fn user(self, user: &str) -> Exec {
        self.with(|s| s.user(user))
    }

    /// Sets the hostname for this exec.
    pub fn hostname(self, hostname: &str) -> Exec {
        self.with(|s| s.hostname(hostname))
    }

    /// Sets the network mode for this exec.
    pub fn network(self, mode: pb::NetMode) -> Exec {
        self.with(|s| s.network(mode))
    }

    /// Sets the security mode for this exec.
    pub fn security(self, mode: pb::SecurityMode) -> Exec {
        self.with(|s| s.security(mode))
    }

    /// Adds an `/etc/hosts` entry (Go's `AddExtraHost`).
    pub fn add_extra_host(self, host: &str, ip: IpAddr) -> Exec {
        self.with(|s| s.add_extra_host(host, ip))
    }

    /// Adds a ulimit (Go's `AddUlimit`).
    pub fn add_ulimit(self, name: &str, soft: i64, hard: i64) -> Exec {
        self.with(|s| s.add_ulimit(name, soft, hard))
    }

    /// Sets the parent cgroup (Go's `WithCgroupParent`).
    pub fn cgroup_parent(self, parent: &str) -> Exec {
        self.with(|s| s.cgroup_parent(parent))
    }

    /// Sets the exit codes treated as success (Go's `ValidExitCodes`).
    pub fn valid_exit_codes(self, codes: &[i32]) -> Exec {
        self.with(|s| s.valid_exit_codes(codes))
    }

    /// Mounts `mount` at `target` (Go's `AddMount`).
    pub fn mount(mut self, target: impl Into<String>, mount: Mount) -> Exec {
        self.mounts.push((target.into(), mount));
        self
    }

    /// Mounts the root filesystem read-only (Go's `ReadonlyRootFS`); the
    /// result State is then the unchanged input.
    pub fn readonly_rootfs(mut self) -> Exec {
        self.readonly_rootfs = true;
        self
    }

    /// Sets proxy variables (Go's `WithProxy`).
    pub fn proxy_env(mut self, proxy: pb::ProxyEnv) -> Exec {
        self.proxy_env = Some(proxy);
        self
    }

    /// Adds a secret (Go's `AddSecret` / `AddSecretWithDest`).
    pub fn secret(mut self, secret: Secret) -> Exec {
        self.secrets.push(secret);
        self
    }

    /// Adds an SSH agent socket (Go's `AddSSHSocket`).
    pub fn ssh(mut self, socket: SshSocket) -> Exec {
        self.ssh.push(socket);
        self
    }

    /// Requests a CDI device (Go's `AddCDIDevice`).
    pub fn cdi_device(mut self, name: impl Into<String>, optional: bool) -> Exec {
        self.cdi_devices.push(CdiDevice {
            name: name.into(),
            optional,
        });
        self
    }

    /// Sets the op's constraints (custom name, platform, progress group,
    /// ignore cache, source locations, Linux resources, …).
    pub fn constraints(mut self, constraints: Constraints) -> Exec {
        self.constraints = constraints;
        self
    }

    /// Creates the exec op (Go's `Run`).
    pub fn run(self) -> ExecState {
        let root_source = self.base.output().cloned();
        let mut entries: Vec<MountEntry> = Vec::with_capacity(self.mounts.len() + 1);
        let mut root = Mount::with_kind(MountKind::Bind);
        root.source = root_source.clone();
        root.readonly = self.readonly_rootfs;
        entries.push(MountEntry {
            target: ROOT_MOUNT.to_string(),
            mount: root,
            output: None,
        });
        entries.extend(self.mounts.into_iter().map(|(target, mount)| MountEntry {
            target,
            mount,
            output: None,
        }));
        entries.sort_by(|a, b| a.target.cmp(&b.target));
        let mut next = 0i64;
        for e in &mut entries {
            if e.mount.has_output() {
                e.output = Some(next);
                next += 1;
            }
        }
        let root_index = entries
            .iter()
            .find(|e| e.target == ROOT_MOUNT)
            .and_then(|e| e.output);
        let op = ExecOp {
            meta: Arc::clone(&self.base.meta),
            mounts: entries,
            proxy_env: self.proxy_env,
            secrets: self.secrets,
            ssh: self.ssh,
            cdi_devices: self.cdi_devices,
        };
        let node = OpNode::new(OpKind::Exec(op), self.constraints);
        let root_output = match root_index {
            Some(index) if !self.readonly_rootfs => Some(Output::new(&node, index)),
            _ => root_source,
        };
        ExecState {
            root: self.start.with_output(root_output),
            node,
        }
    }
}

/// The result of [`Exec::run`]: the root filesystem after the exec, and
/// access to the other mounts' outputs.
#[derive(Clone, Debug)]
pub struct ExecState {
    root: State,
    node: Arc<OpNode>,
}

impl ExecState {
    /// The State after the exec (its root mount's output, with the values
    /// of the State the exec started from).
    pub fn root(&self) -> State {
        self.root.clone()
    }

    /// Consumes self, giving [`root`](Self::root).
    pub fn into_root(self) -> State {
        self.root
    }

    /// The output of the mount at `target` as a fresh State (Go's
    /// `GetMount`): a read-only mount gives its source back; tmpfs, cache
    /// and no-output mounts have no output.
    pub fn get_mount(&self, target: &str) -> Result<State, ExecError> {
        let OpKind::Exec(op) = &self.node.kind else {
            return Err(ExecError::NoSuchMount(target.to_string()));
        };
        let Some(entry) = op.mounts.iter().find(|e| e.target == target) else {
            return Err(ExecError::NoSuchMount(target.to_string()));
        };
        let m = &entry.mount;
        if m.readonly {
            return Ok(State::from_output(m.source.clone()));
        }
        if m.tmpfs_size().is_some() {
            return Err(ExecError::TmpfsParent(target.to_string()));
        }
        if m.no_output {
            return Err(ExecError::NoOutputParent(target.to_string()));
        }
        match entry.output {
            Some(index) => Ok(State::from_output(Some(Output::new(&self.node, index)))),
            None => Err(ExecError::InvalidMount(target.to_string())),
        }
    }
}

/// One mount of an exec, with its precomputed output index.
#[derive(Debug)]
struct MountEntry {
    target: String,
    mount: Mount,
    output: Option<i64>,
}

/// The exec payload of an op node.
#[derive(Debug)]
pub(crate) struct ExecOp {
    meta: Arc<StateMeta>,
    mounts: Vec<MountEntry>,
    proxy_env: Option<pb::ProxyEnv>,
    secrets: Vec<Secret>,
    ssh: Vec<SshSocket>,
    cdi_devices: Vec<CdiDevice>,
}

impl ExecOp {
    /// Calls `f` with each mount source, in mount order (the marshal visiting order).
    pub(crate) fn for_each_dependency<'a>(&'a self, f: impl FnMut(&'a Output)) {
        self.mounts
            .iter()
            .filter_map(|e| e.mount.source.as_ref())
            .for_each(f);
    }

    /// Writes the `pb.ExecOp` body to `body` (straight from the State, field by field, as the
    /// message would encode) and returns what the op needs recorded.
    pub(crate) fn marshal<'c>(
        &'c self,
        constraints: &'c Constraints,
        ctx: &OpContext<'c>,
        body: &mut Vec<u8>,
    ) -> Result<OpParts<'c>, MarshalError> {
        let meta = &self.meta;
        let args = meta.args.as_deref().unwrap_or_default();
        if args.is_empty() {
            return Err(MarshalError::NoArgs);
        }
        if meta.dir.is_empty() {
            return Err(MarshalError::NoWorkingDir);
        }
        let mut caps: Vec<&'static str> = Vec::new();
        // Copied only when the exec's env differs from the State's.
        let mut env = std::borrow::Cow::Borrowed(&meta.env);
        if let Some(first) = self.ssh.first()
            && env.get("SSH_AUTH_SOCK").is_none()
        {
            env.to_mut()
                .add_or_replace("SSH_AUTH_SOCK", &ssh_target(0, first));
        }
        if let Some(daemon_caps) = &ctx.options.caps {
            if daemon_caps.supports(caps::EXEC_META_SETS_DEFAULT_PATH) {
                caps.push(caps::EXEC_META_SETS_DEFAULT_PATH);
            } else {
                let os = ctx
                    .options
                    .constraints
                    .platform
                    .as_ref()
                    .or(constraints.platform.as_ref())
                    .map_or("linux", |p| p.os.as_str());
                if os != "windows" && env.get("PATH").is_none() {
                    env.to_mut().set_default("PATH", default_path_env(os));
                }
            }
        }

        if meta.valid_exit_codes.is_some() {
            caps.push(caps::EXEC_VALID_EXIT_CODE);
        }
        if !meta.ulimits.is_empty() {
            caps.push(caps::EXEC_META_ULIMIT);
        }
        if constraints.metadata.linux_resources.is_some() {
            caps.push(caps::EXEC_META_LINUX_RESOURCES);
        }
        if meta.network != pb::NetMode::Unset {
            caps.push(caps::EXEC_META_NETWORK);
        }
        if meta.security == pb::SecurityMode::Insecure {
            caps.push(caps::EXEC_META_SECURITY);
        }
        if self.proxy_env.is_some() {
            caps.push(caps::EXEC_META_PROXY);
        }
        caps.push(caps::EXEC_META_BASE);
        for e in &self.mounts {
            let m = &e.mount;
            if !m.selector.is_empty() {
                caps.push(caps::EXEC_MOUNT_SELECTOR);
            }
            if m.cache_id().is_some() {
                caps.push(caps::EXEC_MOUNT_CACHE);
                caps.push(caps::EXEC_MOUNT_CACHE_SHARING);
            } else if let Some(size) = m.tmpfs_size() {
                caps.push(caps::EXEC_MOUNT_TMPFS);
                if size > 0 {
                    caps.push(caps::EXEC_MOUNT_TMPFS_SIZE);
                }
            } else if m.source.is_some() {
                caps.push(caps::EXEC_MOUNT_BIND);
            }
            if m.content_cache != pb::MountContentCache::Default {
                caps.push(caps::EXEC_MOUNT_CONTENT_CACHE);
            }
        }
        if !self.secrets.is_empty() {
            caps.push(caps::EXEC_MOUNT_SECRET);
            if self.secrets.iter().any(|s| s.env.is_some()) {
                caps.push(caps::EXEC_SECRET_ENV);
            }
        }
        if !self.ssh.is_empty() {
            caps.push(caps::EXEC_MOUNT_SSH);
        }
        if !self.cdi_devices.is_empty() {
            caps.push(caps::EXEC_META_CDI);
        }

        // ExecOp.meta (1).
        wire::message(body, 1, |b| {
            wire::strings(b, 1, args);
            for (k, v) in env.iter() {
                encode_key(2, WireType::LengthDelimited, b);
                encode_varint((k.len() + 1 + v.len()) as u64, b);
                b.extend_from_slice(k.as_bytes());
                b.push(b'=');
                b.extend_from_slice(v.as_bytes());
            }
            wire::string(b, 3, &meta.dir);
            wire::string(b, 4, &meta.user);
            if let Some(proxy) = &self.proxy_env {
                wire::message(b, 5, |b| proxy.encode_raw(b));
            }
            for h in &meta.extra_hosts {
                let h = h.to_pb();
                wire::message(b, 6, |b| h.encode_raw(b));
            }
            wire::string(b, 7, &meta.hostname);
            for u in &meta.ulimits {
                wire::message(b, 9, |b| u.encode_raw(b));
            }
            wire::string(b, 10, &meta.cgroup_parent);
            wire::boolean(b, 11, true);
            if let Some(codes) = &meta.valid_exit_codes {
                wire::packed_int32(b, 12, codes);
            }
        });

        // ExecOp.mounts (2): the exec's mounts, then secret files, then SSH sockets.
        let mut inputs: Vec<OpInput<'c>> = Vec::new();
        for e in &self.mounts {
            let m = &e.mount;
            let input = match &m.source {
                Some(source) => {
                    if m.tmpfs_size().is_some() {
                        return Err(MarshalError::TmpfsWithSource);
                    }
                    ctx.input_index(&mut inputs, source)?
                }
                None => -1,
            };
            wire::message(body, 2, |b| {
                wire::int64(b, 1, input);
                wire::string(b, 2, &m.selector);
                wire::string(b, 3, &e.target);
                wire::int64(b, 4, e.output.unwrap_or(-1));
                wire::boolean(b, 5, m.readonly);
                if let Some((id, sharing)) = m.cache_id() {
                    wire::int32(b, 6, pb::MountType::Cache as i32);
                    wire::message(b, 20, |b| {
                        wire::string(b, 1, id);
                        wire::int32(b, 2, sharing as i32);
                    });
                } else if let Some(size) = m.tmpfs_size() {
                    wire::int32(b, 6, pb::MountType::Tmpfs as i32);
                    wire::message(b, 19, |b| wire::int64(b, 1, size));
                }
                wire::int32(b, 24, m.content_cache as i32);
            });
        }
        for s in &self.secrets {
            if let Some(target) = &s.target {
                ClientMountOpt::new(&s.id, s.uid, s.gid, s.mode, s.optional).write_mount(
                    body,
                    target,
                    pb::MountType::Secret,
                    21,
                );
            }
        }
        for (i, s) in self.ssh.iter().enumerate() {
            ClientMountOpt::new(&s.id, s.uid, s.gid, s.mode, s.optional).write_mount(
                body,
                &ssh_target(i, s),
                pb::MountType::Ssh,
                22,
            );
        }
        wire::int32(body, 3, meta.network as i32);
        wire::int32(body, 4, meta.security as i32);
        for s in &self.secrets {
            if let Some(name) = &s.env {
                wire::message(body, 5, |b| {
                    wire::string(b, 1, &s.id);
                    wire::string(b, 2, name);
                    wire::boolean(b, 3, s.optional);
                });
            }
        }
        for d in &self.cdi_devices {
            wire::message(body, 6, |b| {
                wire::string(b, 1, &d.name);
                wire::boolean(b, 2, d.optional);
            });
        }

        Ok(OpParts {
            inputs,
            tag: OP_EXEC,
            platform: constraints.platform.as_ref().or(meta.platform.as_ref()),
            keep_platform: true,
            caps,
        })
    }
}

/// Where SSH socket `i` is mounted: its target, else `/run/buildkit/ssh_agent.<i>`.
fn ssh_target(i: usize, s: &SshSocket) -> std::borrow::Cow<'_, str> {
    if s.target.is_empty() {
        format!("/run/buildkit/ssh_agent.{i}").into()
    } else {
        s.target.as_str().into()
    }
}

/// What a secret file or SSH socket mount carries: `pb.SecretOpt` and `pb.SSHOpt` have the
/// same fields.
struct ClientMountOpt<'a> {
    id: &'a str,
    uid: u32,
    gid: u32,
    mode: u32,
    optional: bool,
}

impl<'a> ClientMountOpt<'a> {
    /// The options of a secret or socket `id` owned by `uid`:`gid` with `mode`.
    fn new(id: &'a str, uid: u32, gid: u32, mode: u32, optional: bool) -> ClientMountOpt<'a> {
        ClientMountOpt {
            id,
            uid,
            gid,
            mode,
            optional,
        }
    }

    /// Writes the `pb.Mount` (field 2 of `pb.ExecOp`) at `dest`: no input, mount type `kind`,
    /// these options in field `opt_tag` (21 for a secret, 22 for SSH).
    fn write_mount(&self, body: &mut Vec<u8>, dest: &str, kind: pb::MountType, opt_tag: u32) {
        wire::message(body, 2, |b| {
            wire::int64(b, 1, -1);
            wire::string(b, 3, dest);
            wire::int32(b, 6, kind as i32);
            wire::message(b, opt_tag, |b| {
                wire::string(b, 1, self.id);
                wire::uint32(b, 2, self.uid);
                wire::uint32(b, 3, self.gid);
                wire::uint32(b, 4, self.mode);
                wire::boolean(b, 5, self.optional);
            });
        });
    }
}
