//! Frontend options: reading `BUILDKIT_FRONTEND_OPT_<i>=key=value` from the environment and
//! parsing them into a [`BuildConfig`] with the Dockerfile frontend's keys, defaults and error
//! messages (`frontend/dockerui/config.go`, `attr.go`, `context.go`, `namedcontext.go`).

use std::collections::{BTreeMap, BTreeSet};

use llb::pb;

use crate::convert::{NamedContext, Platform, ResolveMode};

use super::platform;

mod values;

use values::{
    is_git_url, parse_cache_imports, parse_extra_hosts, parse_go_int, parse_linux_resources,
    parse_named_contexts, parse_ulimits,
};
pub use values::{parse_go_bool, parse_named_context};

/// The prefix of the environment variables that carry the frontend options.
pub const OPT_ENV_PREFIX: &str = "BUILDKIT_FRONTEND_OPT_";

/// The frontend caps this frontend implements (the image label lists the same set).
pub const SUPPORTED_FRONTEND_CAPS: &[&str] = &[
    "moby.buildkit.frontend.inputs",
    "moby.buildkit.frontend.subrequests",
    "moby.buildkit.frontend.contexts",
];

/// The raw frontend options, key → value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontendOpts {
    map: BTreeMap<String, String>,
}

impl FrontendOpts {
    /// Reads the options from this process's environment.
    pub fn from_env() -> Self {
        Self::from_env_vars(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// Keeps the variables named `BUILDKIT_FRONTEND_OPT_*` and splits each value at its first
    /// `=` into key and value (a value without `=` is a key with an empty value).
    pub fn from_env_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut map = BTreeMap::new();
        for (name, value) in vars {
            if !name.starts_with(OPT_ENV_PREFIX) {
                continue;
            }
            let (k, v) = value.split_once('=').unwrap_or((value.as_str(), ""));
            map.insert(k.to_string(), v.to_string());
        }
        FrontendOpts { map }
    }

    /// Options from key/value pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        FrontendOpts {
            map: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// One option.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// Whether `key` is present (even with an empty value).
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// All options, sorted by key.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.map
    }

    /// The options whose key starts with `prefix`, keyed by the rest of the key.
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, String> {
        self.map
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?.to_string(), v.clone())))
            .collect()
    }
}

/// A malformed or unsupported option. The texts follow the Dockerfile frontend's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptsError {
    /// `platform`.
    #[error("failed to parse target platform {spec}: {reason}")]
    Platform {
        /// The offending specifier.
        spec: String,
        /// Why.
        reason: platform::PlatformError,
    },
    /// `image-resolve-mode`.
    #[error("invalid image-resolve-mode: {0}")]
    ResolveMode(String),
    /// `add-hosts`.
    #[error("failed to parse additional hosts: {0}")]
    AddHosts(String),
    /// `shm-size`.
    #[error("failed to parse shm size: {0}")]
    ShmSize(String),
    /// `memory`, `cpu*` and friends.
    #[error("failed to parse resource limits: {0}")]
    Resources(String),
    /// `ulimit`.
    #[error("failed to parse ulimit: {0}")]
    Ulimit(String),
    /// `force-network-mode`.
    #[error("invalid netmode {0}")]
    NetMode(String),
    /// `multi-platform` or `build-arg:BUILDKIT_MULTI_PLATFORM` is not a boolean.
    #[error("invalid boolean value for multi-platform: {0}")]
    MultiPlatform(String),
    /// `multi-platform=false` with several platforms.
    #[error("conflicting config: returning multiple target platforms is not allowed")]
    MultiPlatformConflict,
    /// `cache-imports` is not the expected JSON.
    #[error("failed to unmarshal cache-imports ({value:?}): {reason}")]
    CacheImports {
        /// The option value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A `context:NAME` value.
    #[error("{0}")]
    NamedContext(String),
    /// An option that was removed from BuildKit.
    #[error("{0}")]
    Removed(&'static str),
    /// An option this frontend does not implement; failing beats silently ignoring it.
    #[error("the option {key}={value:?} is not supported by rfront: {why}")]
    Unsupported {
        /// The option key.
        key: String,
        /// Its value.
        value: String,
        /// What is missing.
        why: &'static str,
    },
    /// A required frontend cap (opt `frontend.caps`) this frontend lacks.
    #[error("unsupported frontend capability {0}")]
    FrontendCap(String),
}

/// One `cache-imports` entry (`{"Type":…,"Attrs":{…}}`) or `cache-from` ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheImport {
    /// e.g. `registry`, `local`, `gha`.
    pub kind: String,
    /// Exporter attributes, e.g. `ref`.
    pub attrs: BTreeMap<String, String>,
}

/// The parsed options of one build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildConfig {
    /// `filename`: the Dockerfile path inside its local (`Dockerfile`).
    pub filename: String,
    /// The local that holds the Dockerfile (`dockerfile`, or `dockerfilekey`).
    pub dockerfile_local: String,
    /// `dockerfilekey` was given: read the Dockerfile from that local even when an input has one.
    pub force_local_dockerfile: bool,
    /// The local that holds the build context (`context`).
    pub context_local: String,
    /// The value of the opt named by `contextkey` (default `context`): a git or http URL.
    pub remote_context: Option<String>,
    /// `target`.
    pub target: Option<String>,
    /// `build-arg:NAME`.
    pub build_args: BTreeMap<String, String>,
    /// `label:NAME`.
    pub labels: BTreeMap<String, String>,
    /// `platform`, normalised; empty means the default platform.
    pub target_platforms: Vec<Platform>,
    /// Map-shaped results (more than one platform, `multi-platform` or
    /// `BUILDKIT_MULTI_PLATFORM`).
    pub multi_platform: bool,
    /// `no-cache`: `Some(empty)` means every stage.
    pub no_cache: Option<BTreeSet<String>>,
    /// `image-resolve-mode`.
    pub resolve_mode: ResolveMode,
    /// `add-hosts`, host lower-cased.
    pub extra_hosts: Vec<(String, String)>,
    /// `hostname` (or `build-arg:BUILDKIT_SANDBOX_HOSTNAME`).
    pub hostname: Option<String>,
    /// `shm-size`.
    pub shm_size: Option<i64>,
    /// `ulimit` entries, normalised to `name=soft:hard`.
    pub ulimits: Vec<String>,
    /// `cgroup-parent`.
    pub cgroup_parent: Option<String>,
    /// `force-network-mode`.
    pub force_network_mode: Option<String>,
    /// `memory`, `memswap`, `cpushares`, `cpuperiod`, `cpuquota`, `cpusetcpus`, `cpusetmems`.
    pub linux_resources: Option<pb::LinuxResources>,
    /// `cache-imports` and `cache-from`.
    pub cache_imports: Vec<CacheImport>,
    /// `requestid`: a subrequest name.
    pub request_id: Option<String>,
    /// `context:NAME` named contexts.
    pub named_contexts: BTreeMap<String, NamedContext>,
    /// `local-sessionid:NAME` overrides.
    pub local_session_ids: BTreeMap<String, String>,
    /// `input-metadata:NAME`: JSON metadata of frontend input `NAME`.
    pub input_metadata: BTreeMap<String, String>,
    /// `build-arg:BUILDKIT_SYNTAX`.
    pub syntax_arg: Option<String>,
    /// `cmdline`: set when this frontend was started for a `# syntax` forward.
    pub cmdline: Option<String>,
    /// `source`: the image this frontend was started from.
    pub source: Option<String>,
}

/// Parses and validates every option the Dockerfile frontend reads.
pub fn parse_config(opts: &FrontendOpts) -> Result<BuildConfig, OptsError> {
    check_removed(opts)?;
    check_frontend_caps(opts.get("frontend.caps").unwrap_or(""))?;
    check_unsupported(opts)?;

    let mut cfg = BuildConfig {
        filename: opts.get("filename").unwrap_or("Dockerfile").to_string(),
        dockerfile_local: "dockerfile".to_string(),
        context_local: "context".to_string(),
        ..Default::default()
    };
    if let Some(key) = opts.get("dockerfilekey") {
        cfg.dockerfile_local = key.to_string();
        cfg.force_local_dockerfile = true;
    }
    let context_key = opts.get("contextkey").unwrap_or("context");
    cfg.remote_context = opts
        .get(context_key)
        .filter(|v| is_git_url(v) || v.starts_with("http://") || v.starts_with("https://"))
        .map(str::to_string);

    cfg.target = opts
        .get("target")
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    cfg.build_args = opts.with_prefix("build-arg:");
    cfg.labels = opts.with_prefix("label:");

    if let Some(list) = opts.get("platform").filter(|v| !v.is_empty()) {
        cfg.target_platforms = platform::parse_list(list)
            .map_err(|(spec, reason)| OptsError::Platform { spec, reason })?;
    }
    cfg.multi_platform = cfg.target_platforms.len() > 1;
    let multi = opts
        .get("build-arg:BUILDKIT_MULTI_PLATFORM")
        .filter(|v| !v.is_empty())
        .or_else(|| opts.get("multi-platform").filter(|v| !v.is_empty()));
    if let Some(v) = multi {
        let b = parse_go_bool(v).ok_or_else(|| OptsError::MultiPlatform(v.to_string()))?;
        if !b && cfg.multi_platform {
            return Err(OptsError::MultiPlatformConflict);
        }
        cfg.multi_platform = b;
    }

    if let Some(v) = opts.get("no-cache") {
        cfg.no_cache = Some(if v.is_empty() {
            BTreeSet::new()
        } else {
            v.split(',').map(str::to_string).collect()
        });
    }
    cfg.resolve_mode = match opts.get("image-resolve-mode").unwrap_or("") {
        "" | "default" => ResolveMode::Default,
        "pull" => ResolveMode::Pull,
        "local" => ResolveMode::Local,
        other => return Err(OptsError::ResolveMode(other.to_string())),
    };
    cfg.extra_hosts = parse_extra_hosts(opts.get("add-hosts").unwrap_or(""))?;
    cfg.hostname = opts
        .get("build-arg:BUILDKIT_SANDBOX_HOSTNAME")
        .filter(|v| !v.is_empty())
        .or_else(|| opts.get("hostname"))
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    if let Some(v) = opts.get("shm-size").filter(|v| !v.is_empty()) {
        cfg.shm_size = Some(parse_go_int(v).map_err(OptsError::ShmSize)?);
    }
    cfg.ulimits = parse_ulimits(opts.get("ulimit").unwrap_or(""))?;
    cfg.cgroup_parent = opts
        .get("cgroup-parent")
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    cfg.force_network_mode = match opts.get("force-network-mode").unwrap_or("") {
        "" => None,
        m @ ("none" | "host" | "sandbox") => Some(m.to_string()),
        other => return Err(OptsError::NetMode(other.to_string())),
    };
    cfg.linux_resources = parse_linux_resources(opts)?;
    cfg.cache_imports = parse_cache_imports(opts)?;
    cfg.request_id = opts.get("requestid").map(str::to_string);
    cfg.named_contexts = parse_named_contexts(opts)?;
    cfg.local_session_ids = opts.with_prefix("local-sessionid:");
    cfg.input_metadata = opts.with_prefix("input-metadata:");
    cfg.syntax_arg = opts.get("build-arg:BUILDKIT_SYNTAX").map(str::to_string);
    cfg.cmdline = opts.get("cmdline").map(str::to_string);
    cfg.source = opts.get("source").map(str::to_string);
    Ok(cfg)
}

fn check_removed(opts: &FrontendOpts) -> Result<(), OptsError> {
    if opts
        .get("override-copy-image")
        .is_some_and(|v| !v.is_empty())
    {
        return Err(OptsError::Removed(
            "support for \"override-copy-image\" was removed in BuildKit 0.11",
        ));
    }
    if opts
        .get("build-arg:BUILDKIT_DISABLE_FILEOP")
        .and_then(parse_go_bool)
        == Some(true)
    {
        return Err(OptsError::Removed(
            "support for \"BUILDKIT_DISABLE_FILEOP\" build-arg was removed in BuildKit 0.11",
        ));
    }
    Ok(())
}

/// Options whose feature is not implemented yet: refusing them is clearer than building
/// something else than was asked for.
fn check_unsupported(opts: &FrontendOpts) -> Result<(), OptsError> {
    if let Some(v) = opts.get("attest:sbom").filter(|v| !v.is_empty()) {
        return Err(OptsError::Unsupported {
            key: "attest:sbom".into(),
            value: v.to_string(),
            why: "SBOM scanning is not implemented",
        });
    }
    Ok(())
}

/// `frontend.caps`: every required cap (before any `+suffix`) must be one this frontend has.
fn check_frontend_caps(required: &str) -> Result<(), OptsError> {
    if required.is_empty() {
        return Ok(());
    }
    for cap in required.split(',') {
        let name = cap.split('+').next().unwrap_or(cap);
        if !SUPPORTED_FRONTEND_CAPS.contains(&name) {
            return Err(OptsError::FrontendCap(name.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<BuildConfig, OptsError> {
        parse_config(&FrontendOpts::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn env_vars_split_at_first_equals() {
        let o = FrontendOpts::from_env_vars([
            (
                "BUILDKIT_FRONTEND_OPT_0".to_string(),
                "build-arg:A=x=y".to_string(),
            ),
            (
                "BUILDKIT_FRONTEND_OPT_1".to_string(),
                "no-cache".to_string(),
            ),
            ("BUILDKIT_SESSION_ID".to_string(), "abc".to_string()),
            ("PATH".to_string(), "/bin".to_string()),
        ]);
        assert_eq!(o.get("build-arg:A"), Some("x=y"));
        assert_eq!(o.get("no-cache"), Some(""));
        assert_eq!(o.as_map().len(), 2);
    }

    #[test]
    fn defaults() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.filename, "Dockerfile");
        assert_eq!(c.dockerfile_local, "dockerfile");
        assert_eq!(c.context_local, "context");
        assert!(c.target_platforms.is_empty());
        assert!(!c.multi_platform);
        assert_eq!(c.no_cache, None);
        assert_eq!(c.resolve_mode, ResolveMode::Default);
    }

    #[test]
    fn basic_keys() {
        let c = cfg(&[
            ("filename", "sub/Dockerfile.dev"),
            ("target", "build"),
            ("build-arg:FOO", "bar"),
            ("label:org.x", "y"),
            ("platform", "linux/amd64,linux/arm64"),
            ("no-cache", "a,b"),
            ("image-resolve-mode", "pull"),
            ("add-hosts", "Foo=1.2.3.4,bar=::1"),
            ("hostname", "box"),
            ("shm-size", "1024"),
            ("ulimit", "nofile=1024:2048,nproc=10"),
            ("context:base", "docker-image://busybox:local"),
            ("context:src", "local:other"),
            ("requestid", "frontend.outline"),
        ])
        .unwrap();
        assert_eq!(c.filename, "sub/Dockerfile.dev");
        assert_eq!(c.target.as_deref(), Some("build"));
        assert_eq!(c.build_args["FOO"], "bar");
        assert_eq!(c.labels["org.x"], "y");
        assert_eq!(c.target_platforms.len(), 2);
        assert!(c.multi_platform);
        assert_eq!(
            c.no_cache,
            Some(BTreeSet::from(["a".to_string(), "b".to_string()]))
        );
        assert_eq!(c.resolve_mode, ResolveMode::Pull);
        assert_eq!(
            c.extra_hosts,
            vec![
                ("foo".into(), "1.2.3.4".into()),
                ("bar".into(), "::1".into())
            ]
        );
        assert_eq!(c.hostname.as_deref(), Some("box"));
        assert_eq!(c.shm_size, Some(1024));
        assert_eq!(c.ulimits, vec!["nofile=1024:2048", "nproc=10:10"]);
        assert_eq!(
            c.named_contexts["base"],
            NamedContext::Image("busybox:local".into())
        );
        assert_eq!(c.named_contexts["src"], NamedContext::Local("other".into()));
        assert_eq!(c.request_id.as_deref(), Some("frontend.outline"));
    }

    #[test]
    fn resource_limits() {
        assert_eq!(cfg(&[]).unwrap().linux_resources, None);
        let r = cfg(&[
            ("memory", "1000000"),
            ("memswap", "-1"),
            ("cpushares", "512"),
            ("cpuperiod", "100000"),
            ("cpuquota", "50000"),
            ("cpusetcpus", "0-1,3"),
            ("cpusetmems", "0"),
        ])
        .unwrap()
        .linux_resources
        .unwrap();
        assert_eq!(r.memory, 1_000_000);
        assert_eq!(r.memory_swap, -1);
        assert_eq!(r.cpu_shares, 512);
        assert_eq!(r.cpu_quota, 50_000);
        assert_eq!(r.cpuset_cpus, "0-1,3");
    }

    #[test]
    fn no_cache_empty_means_all() {
        assert_eq!(
            cfg(&[("no-cache", "")]).unwrap().no_cache,
            Some(BTreeSet::new())
        );
    }

    #[test]
    fn multi_platform_flags() {
        assert!(cfg(&[("multi-platform", "true")]).unwrap().multi_platform);
        assert!(
            cfg(&[("build-arg:BUILDKIT_MULTI_PLATFORM", "1")])
                .unwrap()
                .multi_platform
        );
        assert_eq!(
            cfg(&[("multi-platform", "maybe")]).unwrap_err().to_string(),
            "invalid boolean value for multi-platform: maybe"
        );
        assert_eq!(
            cfg(&[
                ("platform", "linux/amd64,linux/arm64"),
                ("multi-platform", "false")
            ])
            .unwrap_err(),
            OptsError::MultiPlatformConflict
        );
    }

    #[test]
    fn hostname_build_arg_wins() {
        let c = cfg(&[
            ("hostname", "a"),
            ("build-arg:BUILDKIT_SANDBOX_HOSTNAME", "b"),
        ])
        .unwrap();
        assert_eq!(c.hostname.as_deref(), Some("b"));
    }

    #[test]
    fn malformed_options_have_clear_messages() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "image-resolve-mode",
                "sometimes",
                "invalid image-resolve-mode: sometimes",
            ),
            (
                "platform",
                "linux/bogus",
                "failed to parse target platform linux/bogus: \"linux/bogus\": unknown operating system or architecture: invalid argument",
            ),
            (
                "add-hosts",
                "nohost",
                "failed to parse additional hosts: invalid key-value pair nohost",
            ),
            (
                "add-hosts",
                "h=1.2.3",
                "failed to parse additional hosts: failed to parse IP 1.2.3",
            ),
            (
                "shm-size",
                "1g",
                "failed to parse shm size: strconv.ParseInt: parsing \"1g\": invalid syntax",
            ),
            (
                "ulimit",
                "nofile",
                "failed to parse ulimit: invalid ulimit argument: nofile",
            ),
            (
                "ulimit",
                "bogus=1",
                "failed to parse ulimit: invalid ulimit type: bogus",
            ),
            (
                "ulimit",
                "nofile=10:5",
                "failed to parse ulimit: ulimit soft limit must be less than or equal to hard limit: 10 > 5",
            ),
            ("force-network-mode", "bridge", "invalid netmode bridge"),
            (
                "context:x",
                "ftp://host/x",
                "unsupported context source ftp for x",
            ),
            (
                "context:x",
                "nocolon",
                "invalid context specifier nocolon for x",
            ),
            (
                "frontend.caps",
                "moby.buildkit.frontend.magic",
                "unsupported frontend capability moby.buildkit.frontend.magic",
            ),
            (
                "override-copy-image",
                "x",
                "support for \"override-copy-image\" was removed in BuildKit 0.11",
            ),
            (
                "build-arg:BUILDKIT_DISABLE_FILEOP",
                "true",
                "support for \"BUILDKIT_DISABLE_FILEOP\" build-arg was removed in BuildKit 0.11",
            ),
        ];
        for (k, v, want) in cases {
            let got = cfg(&[(k, v)]).map(|_| ()).unwrap_err().to_string();
            assert_eq!(&got, want, "{k}={v}");
        }
        assert!(
            cfg(&[("cache-imports", "{bad")])
                .unwrap_err()
                .to_string()
                .starts_with("failed to unmarshal cache-imports (\"{bad\"): ")
        );
        assert_eq!(
            cfg(&[("memory", "0")]).unwrap_err().to_string(),
            "failed to parse resource limits: invalid memory value: 0: must be > 0"
        );
        assert_eq!(
            cfg(&[("cpushares", "x")]).unwrap_err().to_string(),
            "failed to parse resource limits: invalid cpushares value: x: strconv.ParseUint: parsing \"x\": invalid syntax"
        );
        assert!(cfg(&[("cpusetcpus", "3-1")]).is_err());
        assert!(matches!(
            cfg(&[("attest:sbom", "generator=x")]).unwrap_err(),
            OptsError::Unsupported { .. }
        ));
    }

    #[test]
    fn frontend_caps_accepts_ours_with_suffixes() {
        assert!(
            cfg(&[(
                "frontend.caps",
                "moby.buildkit.frontend.subrequests,moby.buildkit.frontend.inputs+forward"
            )])
            .is_ok()
        );
    }

    #[test]
    fn cache_imports_json_and_cache_from() {
        let c = cfg(&[
            (
                "cache-imports",
                r#"[{"Type":"local","Attrs":{"src":"/c"}},{"type":"gha"}]"#,
            ),
            ("cache-from", "r1,r2"),
        ])
        .unwrap();
        assert_eq!(c.cache_imports.len(), 4);
        assert_eq!(c.cache_imports[0].kind, "local");
        assert_eq!(c.cache_imports[0].attrs["src"], "/c");
        assert_eq!(c.cache_imports[1].kind, "gha");
        assert_eq!(c.cache_imports[3].attrs["ref"], "r2");
    }

    #[test]
    fn remote_contexts_are_detected() {
        let c = cfg(&[("context", "https://example.com/repo.git#main")]).unwrap();
        assert!(c.remote_context.is_some());
        let c = cfg(&[("context", "https://example.com/ctx.tar.gz")]).unwrap();
        assert!(c.remote_context.is_some());
        assert!(cfg(&[]).unwrap().remote_context.is_none());
    }
}
