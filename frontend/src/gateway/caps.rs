//! Capabilities: the gateway and LLB cap sets Ping returns (with the Go client's fallbacks for
//! an old daemon that sends none), and the check of a Definition's required LLB caps, whose error
//! names the missing capability, what needs it, and the BuildKit release that added it.

use std::collections::BTreeSet;

use llb::apicaps::ApiCap;
use llb::pb;

/// Gateway (frontend API) caps this client looks at.
pub mod gateway {
    /// `Return` is available (else results go through a final Solve).
    pub const RETURN: &str = "return";
    /// Results may carry `Ref` messages (else string ids).
    pub const PROTO_REF_ARRAY: &str = "proto.refarray";
    /// `Inputs` is available.
    pub const FRONTEND_INPUTS: &str = "frontend.inputs";
    /// `Warn` is available.
    pub const WARNINGS: &str = "gateway.warnings";
    /// Cache imports in `SolveRequest`.
    pub const IMPORT_CACHES: &str = "importcaches";
    /// `ReadFile`.
    pub const READ_FILE: &str = "readfile";
    /// `SolveRequest.Evaluate`.
    pub const SOLVE_EVALUATE: &str = "gateway.solve.evaluate";
}

/// The gateway caps an old daemon that sends an empty list is assumed to have.
const DEFAULT_GATEWAY_CAPS: &[&str] = &[
    "solve.base",
    "solve.inlinereturn",
    "resolveimage",
    "readfile",
];

/// The LLB caps an old daemon that sends an empty list is assumed to have.
const DEFAULT_LLB_CAPS: &[&str] = &[
    "source.image",
    "source.local",
    "source.local.unique",
    "source.local.sessionid",
    "source.local.includepatterns",
    "source.local.followpaths",
    "source.local.excludepatterns",
    "source.local.sharedkeyhint",
    "source.git",
    "source.git.keepgitdir",
    "source.git.fullurl",
    "source.http",
    "source.http.checksum",
    "source.http.perm",
    "soruce.http.uidgid",
    "source.buildop.llbfilename",
    "exec.meta.base",
    "exec.meta.proxyenv",
    "exec.mount.bind",
    "exec.mount.cache",
    "exec.mount.cache.sharing",
    "exec.mount.selector",
    "exec.mount.tmpfs",
    "exec.mount.secret",
    "constraints",
    "platform",
    "meta.ignorecache",
    "meta.description",
    "meta.exportcache",
];

/// What the server said about one cap it knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapState {
    /// Enabled on the server.
    pub enabled: bool,
    /// Why it is disabled (`DisabledReasonMsg`).
    pub disabled_reason: String,
}

/// The caps a server announced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapSet {
    caps: std::collections::BTreeMap<String, CapState>,
}

impl CapSet {
    /// From Ping's list; an empty list stands for `fallback` (the frozen early set).
    fn from_pong(list: &[ApiCap], fallback: &[&str]) -> Self {
        let caps = if list.is_empty() {
            fallback
                .iter()
                .map(|id| {
                    (
                        id.to_string(),
                        CapState {
                            enabled: true,
                            disabled_reason: String::new(),
                        },
                    )
                })
                .collect()
        } else {
            list.iter()
                .map(|c| {
                    (
                        c.id.clone(),
                        CapState {
                            enabled: c.enabled,
                            disabled_reason: c.disabled_reason_msg.clone(),
                        },
                    )
                })
                .collect()
        };
        CapSet { caps }
    }

    /// Gateway caps from Ping (`FrontendAPICaps`).
    pub fn gateway_from_pong(list: &[ApiCap]) -> Self {
        Self::from_pong(list, DEFAULT_GATEWAY_CAPS)
    }

    /// LLB caps from Ping (`LLBCaps`).
    pub fn llb_from_pong(list: &[ApiCap]) -> Self {
        Self::from_pong(list, DEFAULT_LLB_CAPS)
    }

    /// Every cap enabled, by id (for tests and offline use).
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Self {
        CapSet {
            caps: ids
                .into_iter()
                .map(|id| {
                    (
                        id.to_string(),
                        CapState {
                            enabled: true,
                            disabled_reason: String::new(),
                        },
                    )
                })
                .collect(),
        }
    }

    /// Whether the server has `id` enabled.
    pub fn supports(&self, id: &str) -> bool {
        self.caps.get(id).is_some_and(|s| s.enabled)
    }

    /// The server's state of `id`, if it knows it.
    pub fn state(&self, id: &str) -> Option<&CapState> {
        self.caps.get(id)
    }

    /// The enabled caps, for `ConvertOptions::llb_caps`.
    pub fn enabled(&self) -> BTreeSet<String> {
        self.caps
            .iter()
            .filter(|(_, s)| s.enabled)
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// An LLB cap: its id, the first BuildKit release that has it, and what uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LlbCapInfo {
    /// The cap id, e.g. `file.copy.modestring`.
    pub id: &'static str,
    /// The first BuildKit release with it, e.g. `v0.17`.
    pub since: &'static str,
    /// What needs it, in Dockerfile terms.
    pub feature: &'static str,
}

const fn cap(id: &'static str, since: &'static str, feature: &'static str) -> LlbCapInfo {
    LlbCapInfo { id, since, feature }
}

/// Every LLB cap with the release that introduced it (`solver/pb/caps.go` across tags).
pub const LLB_CAPS: &[LlbCapInfo] = &[
    cap("source.image", "v0.3", "image sources (FROM)"),
    cap("source.image.resolvemode", "v0.3", "image resolve mode"),
    cap("source.local", "v0.3", "local sources (the build context)"),
    cap(
        "source.local.unique",
        "v0.3",
        "local sources without a session",
    ),
    cap("source.local.sessionid", "v0.3", "local sources"),
    cap(
        "source.local.includepatterns",
        "v0.3",
        "local include patterns",
    ),
    cap("source.local.followpaths", "v0.3", "local follow paths"),
    cap("source.local.excludepatterns", "v0.3", ".dockerignore"),
    cap("source.local.sharedkeyhint", "v0.3", "local shared keys"),
    cap("source.git", "v0.3", "git sources"),
    cap("source.git.keepgitdir", "v0.3", "git sources keeping .git"),
    cap("source.git.fullurl", "v0.3", "git sources"),
    cap("source.http", "v0.3", "ADD from a URL"),
    cap("source.http.checksum", "v0.3", "ADD --checksum"),
    cap("source.http.perm", "v0.3", "ADD --chmod from a URL"),
    cap("soruce.http.uidgid", "v0.3", "ADD --chown from a URL"),
    cap("source.buildop.llbfilename", "v0.3", "nested builds"),
    cap("exec.meta.base", "v0.3", "RUN"),
    cap("exec.meta.network", "v0.3", "RUN --network"),
    cap("exec.meta.proxyenv", "v0.3", "proxy build args"),
    cap("exec.meta.setsdefaultpath", "v0.3", "RUN default PATH"),
    cap("exec.mount.bind", "v0.3", "RUN --mount=type=bind"),
    cap("exec.mount.cache", "v0.3", "RUN --mount=type=cache"),
    cap(
        "exec.mount.cache.sharing",
        "v0.3",
        "RUN --mount=type=cache,sharing=",
    ),
    cap("exec.mount.selector", "v0.3", "RUN --mount=…,source="),
    cap("exec.mount.tmpfs", "v0.3", "RUN --mount=type=tmpfs"),
    cap("exec.mount.secret", "v0.3", "RUN --mount=type=secret"),
    cap("exec.mount.ssh", "v0.3", "RUN --mount=type=ssh"),
    cap("exec.cgroup", "v0.3", "cgroup parent"),
    cap("constraints", "v0.3", "worker constraints"),
    cap("platform", "v0.3", "platforms"),
    cap("meta.ignorecache", "v0.3", "--no-cache"),
    cap("meta.description", "v0.3", "step names"),
    cap("meta.exportcache", "v0.3", "cache export"),
    cap("file.base", "v0.5", "COPY, ADD, WORKDIR (file operations)"),
    cap("exec.meta.security", "v0.5", "RUN --security"),
    cap(
        "exec.meta.security.devices.v1",
        "v0.7",
        "RUN --security=insecure devices",
    ),
    cap(
        "exec.mount.bind.readwrite-nooutput",
        "v0.7",
        "RUN --mount=type=bind,rw",
    ),
    cap("file.rm.wildcard", "v0.7", "removing with wildcards"),
    cap("source.git.httpauth", "v0.8", "git sources with HTTP auth"),
    cap(
        "source.git.knownsshhosts",
        "v0.8",
        "ADD --keep-git-dir with SSH known hosts",
    ),
    cap("source.git.mountsshsock", "v0.8", "git over SSH"),
    cap("source.local.differ", "v0.9", "local source differ"),
    cap("source.git.subdir", "v0.9", "git subdirectories"),
    cap("file.copy.includeexcludepatterns", "v0.9", "COPY --exclude"),
    cap("cache.gha", "v0.9", "GitHub Actions cache"),
    cap("exec.meta.cgroup.parent", "v0.10", "cgroup-parent"),
    cap("exec.meta.ulimit", "v0.10", "ulimit"),
    cap(
        "exec.mount.tmpfs.size",
        "v0.10",
        "RUN --mount=type=tmpfs,size=",
    ),
    cap("exec.secretenv", "v0.10", "RUN --mount=type=secret,env="),
    cap("file.rm.nofollowsymlink", "v0.10", "removing symlinks"),
    cap("mergeop", "v0.10", "COPY --link"),
    cap("diffop", "v0.10", "diff operations"),
    cap("source.image.layerlimit", "v0.11", "image layer limits"),
    cap("source.ocilayout", "v0.11", "oci-layout:// contexts"),
    cap(
        "exec.meta.removemountstubs.recursive",
        "v0.11",
        "RUN mount stub cleanup",
    ),
    cap("cache.s3", "v0.11", "S3 cache"),
    cap("cache.azblob", "v0.11", "Azure blob cache"),
    cap("exporter.image.annotations", "v0.11", "image annotations"),
    cap("exporter.image.attestations", "v0.11", "attestations"),
    cap("exporter.sourcedateepoch", "v0.11", "SOURCE_DATE_EPOCH"),
    cap("source.policy", "v0.11", "source policies"),
    cap("exec.mount.cache.content", "v0.13", "cache mount content"),
    cap("exporter.multiple", "v0.13", "multiple exporters"),
    cap(
        "file.copy.alwaysreplaceexistingdestpaths",
        "v0.14",
        "COPY replacing existing paths",
    ),
    cap(
        "file.copy.modestring",
        "v0.17",
        "COPY/ADD --chmod with a symbolic mode",
    ),
    cap("exec.validexitcode", "v0.17", "valid exit codes"),
    cap("gc.freespacefilter", "v0.17", "GC free space filter"),
    cap("file.symlink.create", "v0.19", "symlink creation"),
    cap("exec.meta.cdi", "v0.20", "RUN --device (CDI devices)"),
    cap("history.filter", "v0.20", "history filters"),
    cap(
        "source.local.metadatatransfer",
        "v0.21",
        "metadata-only local transfer",
    ),
    cap("source.http.auth", "v0.21", "ADD from a URL with auth"),
    cap("source.http.header", "v0.21", "ADD from a URL with headers"),
    cap("exporter.session", "v0.21", "session exporters"),
    cap("source.git.checksum", "v0.22", "ADD --checksum for git"),
    cap(
        "source.git.skipsubmodules",
        "v0.24",
        "git without submodules",
    ),
    cap("source.image.checksum", "v0.25", "image checksums"),
    cap(
        "source.git.signatureverify",
        "v0.26",
        "git signature verification",
    ),
    cap("file.copy.requiredpaths", "v0.26", "COPY required paths"),
    cap("source.policy.session", "v0.26", "session source policies"),
    cap(
        "source.http.signatureverify",
        "v0.28",
        "HTTP signature verification",
    ),
    cap("source.imageblob", "v0.28", "image blob sources"),
    cap("source.git.mtime", "v0.29", "git mtime"),
    cap("source.git.fetchbycommit", "v0.30", "git fetch by commit"),
    cap("source.git.bundle", "v0.30", "git bundles"),
    cap("source.git.checkoutbundle", "v0.30", "git checkout bundles"),
    cap("exec.meta.network.proxy", "v0.31", "proxy networking"),
    cap("exec.meta.linux.resources", "v0.31", "resource limits"),
    cap("passthroughop", "v0.31", "passthrough operations"),
];

/// LLB caps that no BuildKit release registers in its cap table (so Ping never lists them,
/// through v0.32), although the feature exists from the given release: the solver handles
/// `FileActionCopy.modeStr` since v0.17 and `Meta.removeMountStubsRecursive` since v0.11.
/// Whether a server has them is decided by its version (see [`version_at_least`]).
pub const UNANNOUNCED_LLB_CAPS: &[(&str, &str)] = &[
    ("exec.meta.removemountstubs.recursive", "v0.11"),
    ("file.copy.modestring", "v0.17"),
];

/// Whether a BuildKit `version` (e.g. `v0.25.1`) is at least `since` (e.g. `v0.17`). A version
/// that is not a release number, or is `v0.0.0…` (development and distribution builds report
/// `v0.0.0+unknown`), counts as current.
pub fn version_at_least(version: Option<&str>, since: &str) -> bool {
    fn parse(v: &str) -> Option<(u64, u64, u64)> {
        let v = v.strip_prefix('v').unwrap_or(v);
        let core = v.split(['-', '+']).next()?;
        let mut it = core.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = it.next()?.parse().ok()?;
        let patch = it.next().map_or(Some(0), |p| p.parse().ok())?;
        Some((major, minor, patch))
    }
    match (version.and_then(parse), parse(since)) {
        (Some((0, 0, _)), _) | (None, _) | (_, None) => true,
        (Some(have), Some(want)) => have >= want,
    }
}

/// The LLB caps to compile against: the server's enabled caps plus the unannounced ones its
/// version has.
pub fn effective_llb_caps(caps: &CapSet, server: &ServerInfo) -> BTreeSet<String> {
    let mut out = caps.enabled();
    for (id, since) in UNANNOUNCED_LLB_CAPS {
        if version_at_least(server.buildkit_version.as_deref(), since) {
            out.insert(id.to_string());
        }
    }
    out
}

/// The table entry of an LLB cap.
pub fn llb_cap_info(id: &str) -> Option<&'static LlbCapInfo> {
    LLB_CAPS.iter().find(|c| c.id == id)
}

/// A Definition needs an LLB cap the server lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapsError {
    /// The server does not know the cap.
    #[error(
        "requested feature {id} ({feature}) is not supported by build server{server} (added in BuildKit {since}), please update {product}"
    )]
    Missing {
        /// The cap.
        id: String,
        /// What needs it.
        feature: String,
        /// The first BuildKit release with it (`unknown` when not in the table).
        since: String,
        /// ` (BuildKit vX.Y.Z)` when Ping said which, else empty.
        server: String,
        /// The product to update (`BUILDKIT_EXPORTEDPRODUCT`, default `buildkit`).
        product: String,
    },
    /// The server knows the cap but has disabled it.
    #[error("requested feature {id} ({feature}) has been disabled on the build server{reason}")]
    Disabled {
        /// The cap.
        id: String,
        /// What needs it.
        feature: String,
        /// `: <reason>` or empty.
        reason: String,
    },
}

/// Who the server is, for error messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerInfo {
    /// The BuildKit version from Ping's first worker, e.g. `v0.25.1`.
    pub buildkit_version: Option<String>,
    /// `BUILDKIT_EXPORTEDPRODUCT`, e.g. `buildkit` or `docker`.
    pub product: String,
}

/// Checks `id` against `caps`.
pub fn require_llb_cap(caps: &CapSet, id: &str, server: &ServerInfo) -> Result<(), CapsError> {
    let info = llb_cap_info(id);
    let feature = info.map_or_else(|| id.to_string(), |i| i.feature.to_string());
    if let Some((_, since)) = UNANNOUNCED_LLB_CAPS.iter().find(|(c, _)| *c == id)
        && version_at_least(server.buildkit_version.as_deref(), since)
    {
        return Ok(());
    }
    match caps.state(id) {
        Some(s) if s.enabled => Ok(()),
        Some(s) => Err(CapsError::Disabled {
            id: id.to_string(),
            feature,
            reason: if s.disabled_reason.is_empty() {
                String::new()
            } else {
                format!(": {}", s.disabled_reason)
            },
        }),
        None => Err(CapsError::Missing {
            id: id.to_string(),
            feature,
            since: info.map_or_else(|| "unknown".to_string(), |i| i.since.to_string()),
            server: server
                .buildkit_version
                .as_ref()
                .map(|v| format!(" (BuildKit {v})"))
                .unwrap_or_default(),
            product: if server.product.is_empty() {
                "buildkit".to_string()
            } else {
                server.product.clone()
            },
        }),
    }
}

/// Checks every cap recorded in the Definition's op metadata against the server's LLB caps
/// (what the Go client does before each Solve), in sorted order so the first failure is
/// deterministic.
pub fn check_definition(
    def: &pb::Definition,
    caps: &CapSet,
    server: &ServerInfo,
) -> Result<(), CapsError> {
    let needed: BTreeSet<&str> = def
        .metadata
        .values()
        .flat_map(|md| md.caps.keys().map(String::as_str))
        .collect();
    for id in needed {
        require_llb_cap(caps, id, server)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn def_with_caps(caps: &[&str]) -> pb::Definition {
        let md = pb::OpMetadata {
            caps: caps.iter().map(|c| (c.to_string(), true)).collect(),
            ..Default::default()
        };
        pb::Definition {
            metadata: BTreeMap::from([("sha256:aa".to_string(), md)]),
            ..Default::default()
        }
    }

    #[test]
    fn empty_pong_lists_fall_back_to_the_frozen_sets() {
        let g = CapSet::gateway_from_pong(&[]);
        assert!(g.supports("readfile"));
        assert!(!g.supports("return"));
        let l = CapSet::llb_from_pong(&[]);
        assert!(l.supports("exec.mount.secret"));
        assert!(!l.supports("file.base"));
    }

    #[test]
    fn symbolic_chmod_on_an_old_buildkit_names_cap_and_version() {
        let old = CapSet::from_ids(DEFAULT_LLB_CAPS.iter().copied().chain(["file.base"]));
        let server = ServerInfo {
            buildkit_version: Some("v0.16.0".into()),
            product: String::new(),
        };
        let err = check_definition(
            &def_with_caps(&["file.base", "file.copy.modestring"]),
            &old,
            &server,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "requested feature file.copy.modestring (COPY/ADD --chmod with a symbolic mode) is not supported by build server (BuildKit v0.16.0) (added in BuildKit v0.17), please update buildkit"
        );
    }

    #[test]
    fn devices_need_cdi() {
        let caps = CapSet::from_ids(["exec.meta.base"]);
        let err = check_definition(
            &def_with_caps(&["exec.meta.cdi"]),
            &caps,
            &ServerInfo {
                buildkit_version: None,
                product: "docker".into(),
            },
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("exec.meta.cdi"), "{msg}");
        assert!(msg.contains("BuildKit v0.20"), "{msg}");
        assert!(msg.ends_with("please update docker"), "{msg}");
    }

    #[test]
    fn disabled_caps_say_why() {
        let caps = CapSet::llb_from_pong(&[ApiCap {
            id: "exec.meta.cdi".into(),
            enabled: false,
            disabled_reason_msg: "no CDI".into(),
            ..Default::default()
        }]);
        let err = check_definition(
            &def_with_caps(&["exec.meta.cdi"]),
            &caps,
            &ServerInfo::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "requested feature exec.meta.cdi (RUN --device (CDI devices)) has been disabled on the build server: no CDI"
        );
    }

    #[test]
    fn supported_definitions_pass() {
        let caps = CapSet::from_ids(LLB_CAPS.iter().map(|c| c.id));
        assert!(
            check_definition(
                &def_with_caps(&["file.copy.modestring", "exec.meta.cdi", "mergeop"]),
                &caps,
                &ServerInfo::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn unannounced_caps_go_by_version() {
        let caps = CapSet::from_ids(["file.base"]);
        let at = |v: &str| ServerInfo {
            buildkit_version: Some(v.into()),
            product: String::new(),
        };
        let def = def_with_caps(&["file.copy.modestring"]);
        assert!(check_definition(&def, &caps, &at("v0.17.0")).is_ok());
        assert!(check_definition(&def, &caps, &at("v0.25.1")).is_ok());
        assert!(check_definition(&def, &caps, &at("v0.0.0+unknown")).is_ok());
        assert!(check_definition(&def, &caps, &ServerInfo::default()).is_ok());
        let err = check_definition(&def, &caps, &at("v0.16.2"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("file.copy.modestring") && err.contains("v0.17"),
            "{err}"
        );
        assert!(effective_llb_caps(&caps, &at("v0.20.0")).contains("file.copy.modestring"));
        assert!(!effective_llb_caps(&caps, &at("v0.12.0")).contains("file.copy.modestring"));
        assert!(
            effective_llb_caps(&caps, &at("v0.12.0"))
                .contains("exec.meta.removemountstubs.recursive")
        );
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least(Some("v0.9.3"), "v0.9"));
        assert!(!version_at_least(Some("v0.9.3"), "v0.10"));
        assert!(version_at_least(Some("v1.0.0-rc1"), "v0.31"));
        assert!(version_at_least(Some("weird"), "v0.31"));
    }

    #[test]
    fn table_has_no_duplicates() {
        let ids: BTreeSet<&str> = LLB_CAPS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), LLB_CAPS.len());
    }
}
