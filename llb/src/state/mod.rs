//! The immutable LLB graph builder: [`State`] and the ops that produce it.
//!
//! A [`State`] is a value: an optional [`Output`] (an output of an op node,
//! `None` for scratch) plus [`StateMeta`] — environment, working directory,
//! user, platform, network/security mode, … as Go's `client/llb` keeps
//! them. Every method returns a new State; op nodes are shared through
//! `Arc`, so cloning a State is cheap and a graph can branch freely.
//!
//! Building:
//! - sources ([`source`]): [`Image`], [`Local`], [`Git`], [`Http`],
//!   [`OciLayout`], a raw [`Source`], and [`State::scratch`];
//! - execs ([`exec`]): [`State::exec`] gives an [`Exec`] builder (args,
//!   env, mounts, secrets, ssh, devices, …); [`Exec::run`] gives an
//!   [`ExecState`] whose [`root`](ExecState::root) is the result and whose
//!   [`get_mount`](ExecState::get_mount) gives a mount's output;
//! - file ops ([`file`](mod@file)): a chain of [`FileAction`]s applied with
//!   [`State::file`];
//! - [`merge()`] and [`diff()`];
//! - an already marshalled Definition ([`State::from_definition`]);
//! - per-op [`Constraints`] (platform, custom name, descriptions, progress
//!   group, source locations, …).
//!
//! Marshalling: [`State::marshal`] (see [`crate::marshal`]) turns the graph
//! into a `pb::Definition` whose op bytes — and so digests — equal what
//! Go's `client/llb` produces for the same graph.
//!
//! ```
//! use llb::marshal::MarshalOptions;
//! use llb::state::{Constraints, Image, Platform, State};
//!
//! let base = Image::new("alpine")
//!     .constraints(Constraints::new().platform(Platform::linux_amd64()))
//!     .build();
//! let built = base
//!     .dir("/src")
//!     .exec()
//!     .args(["/bin/sh", "-c", "echo hi > out"])
//!     .run()
//!     .root();
//! let def = built
//!     .marshal(&MarshalOptions::new().platform(Platform::linux_amd64()))
//!     .unwrap();
//! assert_eq!(def.def.len(), 3); // image, exec, output-only root
//! ```

pub mod caps;
pub mod constraints;
pub mod definition;
pub mod diff;
pub mod exec;
pub mod file;
pub mod git_url;
pub mod image_ref;
pub mod merge;
pub mod meta;
pub(crate) mod node;
pub(crate) mod path;
pub mod platform;
pub mod source;

use std::net::IpAddr;
use std::sync::Arc;

pub use caps::CapSet;
pub use constraints::Constraints;
pub use diff::diff;
pub use exec::{CdiDevice, Exec, ExecError, ExecState, Mount, MountKind, Secret, SshSocket};
pub use file::{
    ChmodOpt, ChownOpt, CopyOptions, CopySource, FileAction, MkdirOptions, MkfileOptions,
    RmOptions, SymlinkOptions, UserOpt,
};
pub use merge::merge;
pub use meta::{EnvList, HostIp, StateMeta};
pub use node::Output;
pub use platform::Platform;
pub use source::{Git, Http, Image, Local, OciLayout, ResolveMode, Source};

use crate::marshal::{MarshalError, MarshalOptions};
use crate::pb;

/// An immutable point in an LLB graph: an op output plus the values
/// (env, dir, user, …) later ops inherit. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct State {
    output: Option<Output>,
    meta: Arc<StateMeta>,
}

impl Default for State {
    fn default() -> State {
        State::scratch()
    }
}

impl State {
    /// The empty filesystem (Go's `llb.Scratch()`), working directory `/`.
    pub fn scratch() -> State {
        State::from_output(None)
    }

    /// A fresh State on `output` (Go's `llb.NewState`): working directory
    /// `/`, platform from the output if it has one, nothing else set.
    pub fn from_output(output: Option<Output>) -> State {
        // What `.dir("/")` then `.with_output(output)` give, in one metadata value.
        let mut meta = StateMeta::default();
        meta.set_dir("/");
        if let Some(p) = output.as_ref().and_then(Output::platform) {
            meta.platform = Some(p.clone().normalize());
        }
        State {
            output,
            meta: Arc::new(meta),
        }
    }

    /// This State's values on another output (Go's `WithOutput`); the
    /// platform becomes the output's if it has one.
    pub fn with_output(&self, output: Option<Output>) -> State {
        let mut st = State {
            output,
            meta: Arc::clone(&self.meta),
        };
        if let Some(p) = st.output.as_ref().and_then(Output::platform) {
            let p = p.clone();
            st = st.platform(p);
        }
        st
    }

    /// The op output this State stands for; `None` for scratch.
    pub fn output(&self) -> Option<&Output> {
        self.output.as_ref()
    }

    /// Whether this is the empty filesystem.
    pub fn is_scratch(&self) -> bool {
        self.output.is_none()
    }

    /// All values at once.
    pub fn meta(&self) -> &StateMeta {
        &self.meta
    }

    /// Applies `f` to a copy of the values.
    pub fn with_meta(&self, f: impl FnOnce(&mut StateMeta)) -> State {
        let mut st = self.clone();
        f(Arc::make_mut(&mut st.meta));
        st
    }

    /// This State's metadata, to change in place: copied first only when another State
    /// shares it. Several changes in a row (say, one `add_env` per variable) then copy it
    /// once, not once each.
    pub fn meta_mut(&mut self) -> &mut StateMeta {
        Arc::make_mut(&mut self.meta)
    }

    /// Applies a function to this State (Go's `With`), for reusable
    /// option sets.
    pub fn with(self, f: impl FnOnce(State) -> State) -> State {
        f(self)
    }

    /// Sets an environment variable (Go's `AddEnv`); an existing key moves
    /// to the end.
    pub fn add_env(&self, key: &str, value: &str) -> State {
        self.with_meta(|m| m.env.add_or_replace(key, value))
    }

    /// Removes an environment variable.
    pub fn del_env(&self, key: &str) -> State {
        self.with_meta(|m| m.env.delete(key))
    }

    /// The value of an environment variable (Go's `GetEnv`).
    pub fn get_env(&self, key: &str) -> Option<&str> {
        self.meta.env.get(key)
    }

    /// The environment (Go's `Env`).
    pub fn env(&self) -> &EnvList {
        &self.meta.env
    }

    /// Sets the working directory (Go's `Dir`); a relative path is resolved
    /// against the current one.
    pub fn dir(&self, dir: &str) -> State {
        // Unchanged values keep sharing the values (no copy).
        if self.meta.dir == dir && dir.starts_with('/') {
            return self.clone();
        }
        self.with_meta(|m| m.set_dir(dir))
    }

    /// The working directory (Go's `GetDir`).
    pub fn get_dir(&self) -> &str {
        &self.meta.dir
    }

    /// Sets exec arguments (Go's `llb.Args` as a state value).
    pub fn args<I, S>(&self, args: I) -> State
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let args: Vec<String> = args.into_iter().map(Into::into).collect();
        self.with_meta(|m| m.args = Some(args))
    }

    /// Exec arguments, if set (Go's `GetArgs`).
    pub fn get_args(&self) -> Option<&[String]> {
        self.meta.args.as_deref()
    }

    /// Sets the user execs run as (Go's `User`).
    pub fn user(&self, user: &str) -> State {
        if self.meta.user == user {
            return self.clone();
        }
        self.with_meta(|m| m.user = user.to_string())
    }

    /// The user (Go's `getUser`); empty when unset.
    pub fn get_user(&self) -> &str {
        &self.meta.user
    }

    /// Sets the hostname of execs (Go's `Hostname`).
    pub fn hostname(&self, hostname: &str) -> State {
        if self.meta.hostname == hostname {
            return self.clone();
        }
        self.with_meta(|m| m.hostname = hostname.to_string())
    }

    /// The hostname (Go's `GetHostname`).
    pub fn get_hostname(&self) -> &str {
        &self.meta.hostname
    }

    /// Sets the platform, normalized (Go's `Platform`).
    pub fn platform(&self, platform: Platform) -> State {
        let p = platform.normalize();
        self.with_meta(|m| m.platform = Some(p))
    }

    /// The platform, if set (Go's `GetPlatform`).
    pub fn get_platform(&self) -> Option<&Platform> {
        self.meta.platform.as_ref()
    }

    /// Sets the network mode of execs (Go's `Network`).
    pub fn network(&self, mode: pb::NetMode) -> State {
        if self.meta.network == mode {
            return self.clone();
        }
        self.with_meta(|m| m.network = mode)
    }

    /// The network mode (Go's `GetNetwork`); sandbox (`UNSET`) by default.
    pub fn get_network(&self) -> pb::NetMode {
        self.meta.network
    }

    /// Sets the security mode of execs (Go's `Security`).
    pub fn security(&self, mode: pb::SecurityMode) -> State {
        if self.meta.security == mode {
            return self.clone();
        }
        self.with_meta(|m| m.security = mode)
    }

    /// The security mode (Go's `GetSecurity`); sandbox by default.
    pub fn get_security(&self) -> pb::SecurityMode {
        self.meta.security
    }

    /// Adds an `/etc/hosts` entry for execs (Go's `AddExtraHost`).
    pub fn add_extra_host(&self, host: &str, ip: IpAddr) -> State {
        let entry = HostIp {
            host: host.to_string(),
            ip,
        };
        self.with_meta(|m| m.extra_hosts.push(entry))
    }

    /// Adds a ulimit for execs (Go's `AddUlimit`), e.g. `nofile`.
    pub fn add_ulimit(&self, name: &str, soft: i64, hard: i64) -> State {
        let u = pb::Ulimit {
            name: name.to_string(),
            soft,
            hard,
        };
        self.with_meta(|m| m.ulimits.push(u))
    }

    /// Sets the parent cgroup of execs (Go's `WithCgroupParent`).
    pub fn cgroup_parent(&self, parent: &str) -> State {
        self.with_meta(|m| m.cgroup_parent = parent.to_string())
    }

    /// Sets the exit codes execs treat as success (Go's `ValidExitCodes`);
    /// an empty list means "only 0", as upstream.
    pub fn valid_exit_codes(&self, codes: &[i32]) -> State {
        let codes = (!codes.is_empty()).then(|| codes.to_vec());
        self.with_meta(|m| m.valid_exit_codes = codes)
    }

    /// This State's output with `other`'s values (Go's `Reset`). As
    /// upstream: when the output has a platform, that platform replaces
    /// `other`'s and `other`'s working directory stays; otherwise the
    /// working directory is reset to `/`.
    pub fn reset(&self, other: &State) -> State {
        let mut st = State {
            output: self.output.clone(),
            meta: Arc::clone(&other.meta),
        };
        match self.output.as_ref().and_then(Output::platform) {
            Some(p) => st = st.platform(p.clone()),
            None => st = st.dir("/"),
        }
        st
    }

    /// Applies an image config (Go's `WithImageConfig`): its `Env`
    /// entries, `WorkingDir` and platform (when both OS and architecture
    /// are set).
    pub fn with_image_config(&self, config: &[u8]) -> Result<State, serde_json::Error> {
        let img: serde_json::Value = serde_json::from_slice(config)?;
        let mut st = self.clone();
        let cfg = &img["config"];
        if let Some(env) = cfg["Env"].as_array() {
            for entry in env.iter().filter_map(|e| e.as_str()) {
                let (k, v) = entry.split_once('=').unwrap_or((entry, ""));
                if !k.is_empty() {
                    st = st.add_env(k, v);
                }
            }
        }
        st = st.dir(cfg["WorkingDir"].as_str().unwrap_or(""));
        let text = |key: &str| img[key].as_str().unwrap_or("").to_string();
        let (os, arch) = (text("os"), text("architecture"));
        if !os.is_empty() && !arch.is_empty() {
            let features = img["os.features"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            st = st.platform(Platform {
                os,
                architecture: arch,
                variant: text("variant"),
                os_version: text("os.version"),
                os_features: features,
            });
        }
        Ok(st)
    }

    /// Starts an exec on this State (Go's `Run`); see [`Exec`].
    pub fn exec(&self) -> Exec {
        Exec::new(self)
    }

    /// Applies a chain of file actions to this State (Go's `File`).
    pub fn file(&self, action: FileAction, constraints: Constraints) -> State {
        let output = file::file_op_output(self, action, constraints);
        self.with_output(Some(output))
    }

    /// Marshals this State and everything it depends on (see
    /// [`crate::marshal::marshal`]).
    pub fn marshal(&self, options: &MarshalOptions) -> Result<pb::Definition, MarshalError> {
        crate::marshal::marshal(self, options)
    }
}
