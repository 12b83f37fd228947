//! The contract between the conversion and its callers (CLI, gateway, subrequests).

use std::collections::{BTreeMap, BTreeSet};

use llb::pb;

use crate::image::Image;

/// A target or build platform, as `os/arch[/variant]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// e.g. `linux`.
    pub os: String,
    /// e.g. `amd64`.
    pub architecture: String,
    /// e.g. `v7`; empty when none.
    pub variant: String,
    /// Windows OS version; empty when none.
    pub os_version: String,
}

/// How base images are resolved (`image-resolve-mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResolveMode {
    /// Use a local image when there is one, else pull.
    #[default]
    Default,
    /// Always pull.
    Pull,
    /// Only local images.
    Local,
}

/// What a named context (`--build-context NAME=…`, opt `context:NAME`) points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedContext {
    /// `docker-image://REF`.
    Image(String),
    /// `local:NAME`: a local source sent by the client.
    Local(String),
    /// `git://…`, `git@…` or a git URL.
    Git(String),
    /// `http(s)://…` (an archive or a file).
    Http(String),
    /// `oci-layout://STORE@DIGEST`.
    OciLayout(String),
    /// `input:NAME`: a frontend input Definition.
    Input(String),
}

/// Everything a conversion takes besides the Dockerfile bytes.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// The stage to build; the last one when `None`.
    pub target: Option<String>,
    /// `--build-arg K=V`.
    pub build_args: BTreeMap<String, String>,
    /// `label:K` opts, merged into the final image's labels.
    pub labels: BTreeMap<String, String>,
    /// Target platforms; the build platform when empty.
    pub target_platforms: Vec<Platform>,
    /// The worker's platforms; the first is the build platform. `linux/amd64` when empty.
    pub build_platforms: Vec<Platform>,
    /// The Dockerfile's name as shown in source maps and errors (`Dockerfile` by default).
    pub dockerfile_name: String,
    /// The client session id for `local.session`; when `None`, `local.unique` is used instead.
    pub session_id: Option<String>,
    /// The value of `local.unique` when there is no session (`--local-unique-id`).
    pub local_unique_id: Option<String>,
    /// Patterns from `.dockerignore`, sent as `local.excludepatterns` on the context.
    pub excludes: Vec<String>,
    /// Named contexts, by name.
    pub named_contexts: BTreeMap<String, NamedContext>,
    /// `no-cache`: `Some(empty)` disables the cache for every stage; otherwise for the named ones.
    pub no_cache: Option<BTreeSet<String>>,
    /// `image-resolve-mode`.
    pub resolve_mode: ResolveMode,
    /// `add-hosts`: host name → IP.
    pub extra_hosts: Vec<(String, String)>,
    /// `hostname`.
    pub hostname: Option<String>,
    /// `shm-size` in bytes.
    pub shm_size: Option<i64>,
    /// `ulimit` entries as `name=soft[:hard]`.
    pub ulimits: Vec<String>,
    /// `cgroup-parent`.
    pub cgroup_parent: Option<String>,
    /// `force-network-mode`.
    pub force_network_mode: Option<String>,
    /// The LLB caps the server has; `None` means every cap (offline compilation).
    pub llb_caps: Option<BTreeSet<String>>,
    /// More than one platform was requested (`multi-platform`): progress names carry the
    /// platform.
    pub multi_platform: bool,
    /// The Dockerfile as a source map (`llb.SourceMap`: file name, contents and the State it
    /// was read with); ops then carry their source locations. `None`: no locations.
    pub source_map: Option<llb::source_map::SourceMap>,
    /// The `.dockerignore` patterns of each named `local:` context, by local name.
    pub named_local_excludes: BTreeMap<String, Vec<String>>,
    /// Resource limits for RUN (`memory`, `cpu-*` opts).
    pub linux_resources: Option<pb::LinuxResources>,
    /// The process ends right after this conversion (a command-line run): the compiler's
    /// working state (stage graph, LLB states) is left for the exit to reclaim instead of
    /// being freed piece by piece. Off for long-lived callers.
    pub skip_teardown: bool,
    /// The build's client session (`BUILDKIT_SESSION_ID`, not a local's override): the
    /// session `oci-layout://` named contexts are read through.
    pub build_session_id: Option<String>,
    /// The frontend's inputs (the gateway's `Inputs`), for `input:NAME` named contexts;
    /// empty without a gateway.
    pub inputs: BTreeMap<String, pb::Definition>,
    /// `input-metadata:NAME` options: JSON metadata of input `NAME` (its
    /// `containerimage.config`, base64, is the input's image config).
    pub input_metadata: BTreeMap<String, String>,
}

/// A base image's config as a resolver found it.
#[derive(Debug, Clone, Default)]
pub struct ResolvedImage {
    /// The reference to use in the source op (may be pinned `name:tag@sha256:…`).
    pub reference: String,
    /// The manifest digest, when known.
    pub digest: Option<String>,
    /// The image config JSON bytes.
    pub config: Vec<u8>,
}

/// Why an image could not be resolved.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ResolveError(pub String);

/// Where an image config is looked up (upstream's `sourceresolver` resolver types, the
/// `ResolverType` of a `ResolveImageConfig` request).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResolverKind {
    /// A registry or the daemon's image store (`ResolverType` 0).
    #[default]
    Registry,
    /// An OCI layout store the client exposes through its session (`ResolverType` 1).
    OciLayout {
        /// The client session holding the store.
        session_id: String,
        /// The store's name in that session.
        store_id: String,
    },
}

/// One image config lookup with everything upstream's `sourceresolver.Opt` carries.
#[derive(Debug, Clone, Default)]
pub struct ResolveRequest {
    /// The reference to resolve.
    pub reference: String,
    /// The platform wanted.
    pub platform: Platform,
    /// `image-resolve-mode` (registry lookups only).
    pub mode: ResolveMode,
    /// Where to look.
    pub kind: ResolverKind,
    /// The progress line naming the lookup; the resolver's own when `None`.
    pub log_name: Option<String>,
}

/// Resolves image references to their configs.
pub trait ImageResolver: Send + Sync {
    /// Resolves `reference` (already normalised, e.g. `docker.io/library/alpine:latest`) for
    /// `platform`.
    fn resolve(
        &self,
        reference: &str,
        platform: &Platform,
        mode: ResolveMode,
    ) -> Result<ResolvedImage, ResolveError>;

    /// Resolves a [`ResolveRequest`]. By default registry lookups go to
    /// [`resolve`](ImageResolver::resolve) and OCI layout stores are not supported.
    fn resolve_request(&self, request: &ResolveRequest) -> Result<ResolvedImage, ResolveError> {
        match &request.kind {
            ResolverKind::Registry => {
                self.resolve(&request.reference, &request.platform, request.mode)
            }
            ResolverKind::OciLayout { .. } => Err(ResolveError(format!(
                "{}: this resolver cannot read OCI layout stores",
                request.reference
            ))),
        }
    }
}

/// What a conversion produces; `D` is the marshalled LLB: a `pb::Definition`, or its bytes
/// ([`convert_to_bytes`](super::convert_to_bytes)).
#[derive(Debug, Clone)]
pub struct ConvertResult<D = pb::Definition> {
    /// The LLB, marshalled.
    pub definition: D,
    /// The image config of the target stage.
    pub image: Image,
    /// The base image config of the target stage, when it has one (`containerimage.base.config`).
    pub base_image: Option<Image>,
    /// The platform the result is for.
    pub platform: Platform,
}
