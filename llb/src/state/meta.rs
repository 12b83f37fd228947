//! The values a [`State`](super::State) carries besides its output — what
//! Go's `client/llb` keeps as state values: environment, working directory,
//! args, user, hostname, platform, network and security mode, extra hosts,
//! ulimits, cgroup parent and valid exit codes. An exec
//! ([`State::exec`](super::State::exec)) turns them into its `Meta`; file
//! actions resolve relative paths against the working directory.

use std::net::IpAddr;

use crate::pb;

use super::path;
use super::platform::Platform;

/// `PATH` for Unix-like platforms when the daemon does not set one
/// (`system.DefaultPathEnvUnix`).
pub const DEFAULT_PATH_ENV_UNIX: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// `PATH` for Windows (`system.DefaultPathEnvWindows`).
pub const DEFAULT_PATH_ENV_WINDOWS: &str =
    "c:\\Windows\\System32;c:\\Windows;C:\\Windows\\System32\\WindowsPowerShell\\v1.0";

/// The default `PATH` for an OS (`system.DefaultPathEnv`).
pub fn default_path_env(os: &str) -> &'static str {
    if os == "windows" {
        DEFAULT_PATH_ENV_WINDOWS
    } else {
        DEFAULT_PATH_ENV_UNIX
    }
}

/// An ordered environment (Go's `llb.EnvList`).
///
/// Order is that of the last assignment: setting a key that exists moves it
/// to the end, as upstream computes it. Keys are compared exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvList {
    entries: Vec<(String, String)>,
}

impl EnvList {
    /// An empty environment.
    pub fn new() -> EnvList {
        EnvList::default()
    }

    /// Sets `key` (Go's `AddOrReplace`): removed from its old position and
    /// appended.
    pub fn add_or_replace(&mut self, key: &str, value: &str) {
        self.entries.retain(|(k, _)| k != key);
        self.entries.push((key.to_string(), value.to_string()));
    }

    /// Sets `key` only when it is not set (Go's `SetDefault`).
    pub fn set_default(&mut self, key: &str, value: &str) {
        if self.get(key).is_none() {
            self.add_or_replace(key, value);
        }
    }

    /// Removes `key` (Go's `Delete`).
    pub fn delete(&mut self, key: &str) {
        self.entries.retain(|(k, _)| k != key);
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// `(key, value)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `KEY=value` strings, in order (Go's `ToArray`), as written to an
    /// exec's `Meta.env`.
    pub fn to_array(&self) -> Vec<String> {
        self.entries
            .iter()
            .map(|(k, v)| [k.as_str(), "=", v.as_str()].concat())
            .collect()
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no variable is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A host name to IP mapping added to `/etc/hosts` of execs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostIp {
    /// The host name.
    pub host: String,
    /// Its address.
    pub ip: IpAddr,
}

impl HostIp {
    /// The `pb.HostIP`, with the address formatted as Go's `net.IP.String`
    /// does (IPv4-mapped IPv6 addresses print as IPv4).
    pub fn to_pb(&self) -> pb::HostIp {
        let ip = match self.ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => v6.to_string(),
            },
            IpAddr::V4(v4) => v4.to_string(),
        };
        pb::HostIp {
            host: self.host.clone(),
            ip,
        }
    }
}

/// The values of a State (see the module docs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateMeta {
    /// Environment for execs.
    pub env: EnvList,
    /// Working directory; empty when never set.
    pub dir: String,
    /// Arguments for execs (`None` when never set).
    pub args: Option<Vec<String>>,
    /// User for execs; empty = image default.
    pub user: String,
    /// Hostname for execs.
    pub hostname: String,
    /// The platform, normalized.
    pub platform: Option<Platform>,
    /// Network mode for execs.
    pub network: pb::NetMode,
    /// Security mode for execs.
    pub security: pb::SecurityMode,
    /// Extra `/etc/hosts` entries, in order added.
    pub extra_hosts: Vec<HostIp>,
    /// Ulimits, in order added.
    pub ulimits: Vec<pb::Ulimit>,
    /// Parent cgroup for execs.
    pub cgroup_parent: String,
    /// Exit codes counted as success (`None` = only 0).
    pub valid_exit_codes: Option<Vec<i32>>,
}

impl StateMeta {
    /// Go's `Dir`: an absolute path is taken as is; a relative one is
    /// joined (and cleaned) onto the current directory, or `/` if none.
    pub(crate) fn set_dir(&mut self, dir: &str) {
        if path::is_abs(dir) {
            self.dir = dir.to_string();
        } else {
            let prev = if self.dir.is_empty() { "/" } else { &self.dir };
            self.dir = path::join(&[prev, dir]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaced_keys_move_to_the_end() {
        let mut env = EnvList::new();
        env.add_or_replace("A", "1");
        env.add_or_replace("B", "2");
        env.add_or_replace("A", "3");
        assert_eq!(env.to_array(), ["B=2", "A=3"]);
        env.set_default("B", "x");
        env.set_default("C", "4");
        assert_eq!(env.to_array(), ["B=2", "A=3", "C=4"]);
        env.delete("B");
        assert_eq!(env.to_array(), ["A=3", "C=4"]);
        assert_eq!(env.get("C"), Some("4"));
    }

    #[test]
    fn dir_resolution() {
        let mut m = StateMeta::default();
        m.set_dir("app");
        assert_eq!(m.dir, "/app");
        m.set_dir("sub/../x");
        assert_eq!(m.dir, "/app/x");
        m.set_dir("/abs/");
        assert_eq!(m.dir, "/abs/");
        m.set_dir("");
        assert_eq!(m.dir, "/abs");
    }

    #[test]
    fn host_ip_formats_like_go() {
        let h = HostIp {
            host: "h".into(),
            ip: "::ffff:10.0.0.1".parse().unwrap(),
        };
        assert_eq!(h.to_pb().ip, "10.0.0.1");
    }
}
