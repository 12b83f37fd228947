//! Source ops: [`Image`], [`Local`], [`Git`], [`Http`], [`OciLayout`] and
//! the raw [`Source`]; each builder's `build()` gives a [`State`].
//!
//! Attributes and caps are those Go's `client/llb` writes: only options
//! that are set produce attributes, and each records its capability.
//! `local://` sources without `local.session` get `local.unique` (from the
//! op's or the marshal options' `local_unique_id`) when marshalled. Only
//! `docker-image://` and `oci-layout://` ops carry a platform.

use std::collections::BTreeMap;

use prost::Message;

use crate::marshal::{MarshalError, OP_SOURCE, OpContext, OpParts};
use crate::pb;

use super::State;
use super::caps;
use super::constraints::Constraints;
use super::git_url::{self, GitUrlError};
use super::image_ref::{self, ReferenceError};
use super::node::{OpKind, OpNode, Output};
use super::path;
use super::platform::Platform;

/// `local.session`.
pub const ATTR_LOCAL_SESSION_ID: &str = "local.session";
/// `local.unique`.
pub const ATTR_LOCAL_UNIQUE_ID: &str = "local.unique";
/// `local.includepattern`.
pub const ATTR_INCLUDE_PATTERNS: &str = "local.includepattern";
/// `local.followpaths`.
pub const ATTR_FOLLOW_PATHS: &str = "local.followpaths";
/// `local.excludepatterns`.
pub const ATTR_EXCLUDE_PATTERNS: &str = "local.excludepatterns";
/// `local.sharedkeyhint`.
pub const ATTR_SHARED_KEY_HINT: &str = "local.sharedkeyhint";
/// `local.differ`.
pub const ATTR_LOCAL_DIFFER: &str = "local.differ";
/// `local.metadatatransfer`.
pub const ATTR_METADATA_TRANSFER: &str = "local.metadatatransfer";
/// `local.metadatatransferexclude`.
pub const ATTR_METADATA_TRANSFER_EXCLUDE: &str = "local.metadatatransferexclude";
/// `image.resolvemode`.
pub const ATTR_IMAGE_RESOLVE_MODE: &str = "image.resolvemode";
/// `image.recordtype`.
pub const ATTR_IMAGE_RECORD_TYPE: &str = "image.recordtype";
/// `image.layerlimit`.
pub const ATTR_IMAGE_LAYER_LIMIT: &str = "image.layerlimit";
/// `image.checksum`.
pub const ATTR_IMAGE_CHECKSUM: &str = "image.checksum";
/// `git.keepgitdir`.
pub const ATTR_KEEP_GIT_DIR: &str = "git.keepgitdir";
/// `git.fullurl`.
pub const ATTR_FULL_REMOTE_URL: &str = "git.fullurl";
/// `git.authheadersecret`.
pub const ATTR_AUTH_HEADER_SECRET: &str = "git.authheadersecret";
/// `git.authtokensecret`.
pub const ATTR_AUTH_TOKEN_SECRET: &str = "git.authtokensecret";
/// `git.knownsshhosts`.
pub const ATTR_KNOWN_SSH_HOSTS: &str = "git.knownsshhosts";
/// `git.mountsshsock`.
pub const ATTR_MOUNT_SSH_SOCK: &str = "git.mountsshsock";
/// `git.checksum`.
pub const ATTR_GIT_CHECKSUM: &str = "git.checksum";
/// `git.skipsubmodules`.
pub const ATTR_GIT_SKIP_SUBMODULES: &str = "git.skipsubmodules";
/// `git.mtime`.
pub const ATTR_GIT_MTIME: &str = "git.mtime";
/// `git.fetchbycommit`.
pub const ATTR_GIT_FETCH_BY_COMMIT: &str = "git.fetchbycommit";
/// `git.bundle`.
pub const ATTR_GIT_BUNDLE: &str = "git.bundle";
/// `git.checkoutbundle`.
pub const ATTR_GIT_CHECKOUT_BUNDLE: &str = "git.checkoutbundle";
/// `http.checksum`.
pub const ATTR_HTTP_CHECKSUM: &str = "http.checksum";
/// `http.filename`.
pub const ATTR_HTTP_FILENAME: &str = "http.filename";
/// `http.perm`.
pub const ATTR_HTTP_PERM: &str = "http.perm";
/// `http.uid`.
pub const ATTR_HTTP_UID: &str = "http.uid";
/// `http.gid`.
pub const ATTR_HTTP_GID: &str = "http.gid";
/// `http.authheadersecret`.
pub const ATTR_HTTP_AUTH_HEADER_SECRET: &str = "http.authheadersecret";
/// Prefix of `http.header.<name>`.
pub const ATTR_HTTP_HEADER_PREFIX: &str = "http.header.";
/// `http.sig.pubkey`.
pub const ATTR_HTTP_SIGNATURE_VERIFY_PUB_KEY: &str = "http.sig.pubkey";
/// `http.sig.signature`.
pub const ATTR_HTTP_SIGNATURE_VERIFY: &str = "http.sig.signature";
/// `oci.session`.
pub const ATTR_OCI_LAYOUT_SESSION_ID: &str = "oci.session";
/// `oci.store`.
pub const ATTR_OCI_LAYOUT_STORE_ID: &str = "oci.store";
/// `oci.layerlimit`.
pub const ATTR_OCI_LAYOUT_LAYER_LIMIT: &str = "oci.layerlimit";

/// Default secret name for a git auth token.
pub const GIT_AUTH_TOKEN_KEY: &str = "GIT_AUTH_TOKEN";
/// Default secret name for a git auth header.
pub const GIT_AUTH_HEADER_KEY: &str = "GIT_AUTH_HEADER";

/// The source payload of an op node.
#[derive(Debug)]
pub(crate) struct SourceOp {
    pub(crate) identifier: String,
    attrs: BTreeMap<String, String>,
    error: Option<ReferenceError>,
}

impl SourceOp {
    /// The `pb.SourceOp`.
    pub(crate) fn marshal<'c>(
        &'c self,
        constraints: &'c Constraints,
        ctx: &OpContext<'c>,
        body: &mut Vec<u8>,
    ) -> Result<OpParts<'c>, MarshalError> {
        if let Some(err) = &self.error {
            return Err(MarshalError::Reference(err.clone()));
        }
        if self.identifier.is_empty() {
            return Err(MarshalError::EmptySourceIdentifier);
        }
        let mut attrs = self.attrs.clone();
        let mut caps = Vec::new();
        if self.identifier.starts_with("local://") && !attrs.contains_key(ATTR_LOCAL_SESSION_ID) {
            let uid = constraints
                .local_unique_id
                .clone()
                .filter(|u| !u.is_empty())
                .or_else(|| ctx.options.constraints.local_unique_id.clone())
                .unwrap_or_default();
            attrs.insert(ATTR_LOCAL_UNIQUE_ID.to_string(), uid);
            caps.push(caps::SOURCE_LOCAL_UNIQUE);
        }
        let keep_platform = self.identifier.starts_with("docker-image://")
            || self.identifier.starts_with("oci-layout://");
        pb::SourceOp {
            identifier: self.identifier.clone(),
            attrs,
        }
        .encode_raw(body);
        Ok(OpParts {
            inputs: Vec::new(),
            tag: OP_SOURCE,
            platform: constraints.platform.as_ref(),
            keep_platform,
            caps,
        })
    }
}

fn source_state(
    identifier: String,
    attrs: BTreeMap<String, String>,
    error: Option<ReferenceError>,
    constraints: Constraints,
) -> State {
    let op = SourceOp {
        identifier,
        attrs,
        error,
    };
    let node = OpNode::new(OpKind::Source(op), constraints);
    State::from_output(Some(Output::new(&node, 0)))
}

/// A source op with an arbitrary identifier and attributes (Go's
/// `llb.NewSource`).
#[derive(Clone, Debug)]
pub struct Source {
    identifier: String,
    attrs: BTreeMap<String, String>,
    constraints: Constraints,
}

impl Source {
    /// A source with no attributes.
    pub fn new(identifier: impl Into<String>) -> Source {
        Source {
            identifier: identifier.into(),
            attrs: BTreeMap::new(),
            constraints: Constraints::default(),
        }
    }

    /// Sets an attribute.
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Source {
        self.attrs.insert(key.into(), value.into());
        self
    }

    /// Sets the op's constraints.
    pub fn constraints(mut self, constraints: Constraints) -> Source {
        self.constraints = constraints;
        self
    }

    /// The State of the source.
    pub fn build(self) -> State {
        source_state(self.identifier, self.attrs, None, self.constraints)
    }
}

/// When to pull an image (Go's `ResolveMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResolveMode {
    /// The daemon's default (no attribute written).
    #[default]
    Default,
    /// Always pull (`pull`; needs `source.image.resolvemode`).
    ForcePull,
    /// Prefer a local image (`local`).
    PreferLocal,
}

impl ResolveMode {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolveMode::Default => "default",
            ResolveMode::ForcePull => "pull",
            ResolveMode::PreferLocal => "local",
        }
    }
}

/// A container image from a registry (Go's `llb.Image`): identifier
/// `docker-image://<normalized ref>`, cap `source.image`.
#[derive(Clone, Debug)]
pub struct Image {
    reference: String,
    resolve_mode: ResolveMode,
    record_type: String,
    layer_limit: Option<i64>,
    checksum: String,
    constraints: Constraints,
}

impl Image {
    /// An image by reference; `alpine` becomes
    /// `docker.io/library/alpine:latest`. An invalid reference makes
    /// marshalling fail with upstream's message.
    pub fn new(reference: impl Into<String>) -> Image {
        Image {
            reference: reference.into(),
            resolve_mode: ResolveMode::Default,
            record_type: String::new(),
            layer_limit: None,
            checksum: String::new(),
            constraints: Constraints::default(),
        }
    }

    /// Sets the resolve mode (`image.resolvemode`).
    pub fn resolve_mode(mut self, mode: ResolveMode) -> Image {
        self.resolve_mode = mode;
        self
    }

    /// Sets `image.recordtype`.
    pub fn record_type(mut self, record_type: impl Into<String>) -> Image {
        self.record_type = record_type.into();
        self
    }

    /// Marks the image internal (Go's `MarkImageInternal`).
    pub fn mark_internal(self) -> Image {
        self.record_type("internal")
    }

    /// Uses only the first `n` layers (`image.layerlimit`).
    pub fn layer_limit(mut self, n: i64) -> Image {
        self.layer_limit = Some(n);
        self
    }

    /// Requires the image to have this digest (`image.checksum`).
    pub fn checksum(mut self, digest: impl Into<String>) -> Image {
        self.checksum = digest.into();
        self
    }

    /// Sets the platform constraint.
    pub fn platform(mut self, platform: Platform) -> Image {
        self.constraints.platform = Some(platform);
        self
    }

    /// Sets the op's constraints (keeps a platform set before unless the
    /// new constraints have one).
    pub fn constraints(mut self, constraints: Constraints) -> Image {
        let platform = self.constraints.platform.take();
        self.constraints = constraints;
        if self.constraints.platform.is_none() {
            self.constraints.platform = platform;
        }
        self
    }

    /// The State of the image.
    pub fn build(self) -> State {
        let (reference, error) = match image_ref::normalize(&self.reference) {
            Ok(r) => (r, None),
            Err(e) => (self.reference.clone(), Some(e)),
        };
        let mut c = self.constraints;
        c.add_cap(caps::SOURCE_IMAGE);
        let mut attrs = BTreeMap::new();
        if self.resolve_mode != ResolveMode::Default {
            attrs.insert(
                ATTR_IMAGE_RESOLVE_MODE.to_string(),
                self.resolve_mode.as_str().to_string(),
            );
            if self.resolve_mode == ResolveMode::ForcePull {
                c.add_cap(caps::SOURCE_IMAGE_RESOLVE_MODE);
            }
        }
        if !self.record_type.is_empty() {
            attrs.insert(ATTR_IMAGE_RECORD_TYPE.to_string(), self.record_type);
        }
        if let Some(n) = self.layer_limit {
            attrs.insert(ATTR_IMAGE_LAYER_LIMIT.to_string(), n.to_string());
            c.add_cap(caps::SOURCE_IMAGE_LAYER_LIMIT);
        }
        if !self.checksum.is_empty() {
            attrs.insert(ATTR_IMAGE_CHECKSUM.to_string(), self.checksum);
            c.add_cap(caps::SOURCE_IMAGE_CHECKSUM);
        }
        source_state(format!("docker-image://{reference}"), attrs, error, c)
    }
}

/// How a local source decides which files changed (`local.differ`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalDiffer {
    /// Resend everything (`none`).
    None,
    /// Compare metadata (`metadata`, the default behaviour).
    Metadata,
}

/// A directory of the client (Go's `llb.Local`): identifier
/// `local://<name>`, cap `source.local`.
#[derive(Clone, Debug)]
pub struct Local {
    name: String,
    session_id: String,
    include_patterns: Vec<String>,
    follow_paths: Vec<String>,
    exclude_patterns: Vec<String>,
    shared_key_hint: String,
    differ: Option<(LocalDiffer, bool)>,
    metadata_only: Option<Vec<String>>,
    constraints: Constraints,
}

impl Local {
    /// The client directory named `name` (e.g. `context`).
    pub fn new(name: impl Into<String>) -> Local {
        Local {
            name: name.into(),
            session_id: String::new(),
            include_patterns: Vec::new(),
            follow_paths: Vec::new(),
            exclude_patterns: Vec::new(),
            shared_key_hint: String::new(),
            differ: None,
            metadata_only: None,
            constraints: Constraints::default(),
        }
    }

    /// Reads from this client session (`local.session`); without one the
    /// op gets `local.unique` when marshalled.
    pub fn session_id(mut self, id: impl Into<String>) -> Local {
        self.session_id = id.into();
        self
    }

    /// Transfers only matching paths (`local.includepattern`, JSON list).
    pub fn include_patterns<I, S>(mut self, patterns: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.include_patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Transfers these paths, following symlinks (`local.followpaths`).
    pub fn follow_paths<I, S>(mut self, paths: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.follow_paths = paths.into_iter().map(Into::into).collect();
        self
    }

    /// Skips matching paths (`local.excludepatterns`).
    pub fn exclude_patterns<I, S>(mut self, patterns: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude_patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// Shares transfer state between sources with this hint
    /// (`local.sharedkeyhint`).
    pub fn shared_key_hint(mut self, hint: impl Into<String>) -> Local {
        self.shared_key_hint = hint.into();
        self
    }

    /// Sets the differ; `required` records `source.local.differ`.
    pub fn differ(mut self, differ: LocalDiffer, required: bool) -> Local {
        self.differ = Some((differ, required));
        self
    }

    /// Transfers metadata only, except for `exceptions`
    /// (`local.metadatatransfer`).
    pub fn metadata_only_transfer<I, S>(mut self, exceptions: I) -> Local
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.metadata_only = Some(exceptions.into_iter().map(Into::into).collect());
        self
    }

    /// Sets the op's constraints.
    pub fn constraints(mut self, constraints: Constraints) -> Local {
        self.constraints = constraints;
        self
    }

    /// The State of the directory.
    pub fn build(self) -> State {
        let mut c = self.constraints;
        let mut attrs = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            attrs.insert(k.to_string(), v);
        };
        if !self.session_id.is_empty() {
            set(ATTR_LOCAL_SESSION_ID, self.session_id);
            c.add_cap(caps::SOURCE_LOCAL_SESSION_ID);
        }
        if !self.include_patterns.is_empty() {
            set(
                ATTR_INCLUDE_PATTERNS,
                crate::dump::json::go_string_list(&self.include_patterns),
            );
            c.add_cap(caps::SOURCE_LOCAL_INCLUDE_PATTERNS);
        }
        if !self.follow_paths.is_empty() {
            set(
                ATTR_FOLLOW_PATHS,
                crate::dump::json::go_string_list(&self.follow_paths),
            );
            c.add_cap(caps::SOURCE_LOCAL_FOLLOW_PATHS);
        }
        if !self.exclude_patterns.is_empty() {
            set(
                ATTR_EXCLUDE_PATTERNS,
                crate::dump::json::go_string_list(&self.exclude_patterns),
            );
            c.add_cap(caps::SOURCE_LOCAL_EXCLUDE_PATTERNS);
        }
        if !self.shared_key_hint.is_empty() {
            set(ATTR_SHARED_KEY_HINT, self.shared_key_hint);
            c.add_cap(caps::SOURCE_LOCAL_SHARED_KEY_HINT);
        }
        if let Some((differ, required)) = self.differ {
            let v = match differ {
                LocalDiffer::None => "none",
                LocalDiffer::Metadata => "metadata",
            };
            set(ATTR_LOCAL_DIFFER, v.to_string());
            if required {
                c.add_cap(caps::SOURCE_LOCAL_DIFFER);
            }
        }
        if let Some(exceptions) = self.metadata_only {
            set(ATTR_METADATA_TRANSFER, "true".to_string());
            if !exceptions.is_empty() {
                set(
                    ATTR_METADATA_TRANSFER_EXCLUDE,
                    crate::dump::json::go_string_list(&exceptions),
                );
            }
            c.add_cap(caps::SOURCE_METADATA_TRANSFER);
        }
        c.add_cap(caps::SOURCE_LOCAL);
        source_state(format!("local://{}", self.name), attrs, None, c)
    }
}

/// A git repository (Go's `llb.Git`): identifier
/// `git://<host>/<path>[#<ref>[:<subdir>]]`, `git.fullurl` the remote,
/// the auth secret names always written, cap `source.git`.
#[derive(Clone, Debug)]
pub struct Git {
    url: String,
    git_ref: String,
    subdir: String,
    keep_git_dir: bool,
    auth_token_secret: String,
    auth_header_secret: String,
    add_auth_cap: bool,
    known_ssh_hosts: String,
    mount_ssh_sock: String,
    checksum: String,
    skip_submodules: bool,
    mtime: String,
    fetch_by_commit: bool,
    bundle: String,
    bundle_oci_session: String,
    bundle_oci_store: String,
    checkout_bundle: bool,
    constraints: Constraints,
}

impl Git {
    /// The repository at `url` (any form `gitutil.ParseURL` accepts; a
    /// bare `host/path` gets `https://`).
    pub fn new(url: impl Into<String>) -> Git {
        Git {
            url: url.into(),
            git_ref: String::new(),
            subdir: String::new(),
            keep_git_dir: false,
            auth_token_secret: GIT_AUTH_TOKEN_KEY.to_string(),
            auth_header_secret: GIT_AUTH_HEADER_KEY.to_string(),
            add_auth_cap: false,
            known_ssh_hosts: String::new(),
            mount_ssh_sock: String::new(),
            checksum: String::new(),
            skip_submodules: false,
            mtime: String::new(),
            fetch_by_commit: false,
            bundle: String::new(),
            bundle_oci_session: String::new(),
            bundle_oci_store: String::new(),
            checkout_bundle: false,
            constraints: Constraints::default(),
        }
    }

    /// `Git(url, fragment)`: `fragment` is the old `ref[:subdir]` form.
    pub fn with_fragment(url: impl Into<String>, fragment: &str) -> Git {
        let mut g = Git::new(url);
        let (git_ref, subdir) = match fragment.split_once(':') {
            Some((r, s)) => (r, Some(s)),
            None => (fragment, None),
        };
        if !git_ref.is_empty() {
            g.git_ref = git_ref.to_string();
        }
        if let Some(subdir) = subdir {
            let joined = path::join(&["/", subdir]);
            let subdir = joined.trim_start_matches('/');
            if !subdir.is_empty() {
                g.subdir = subdir.to_string();
            }
        }
        g
    }

    /// The branch, tag or commit (Go's `GitRef`).
    pub fn git_ref(mut self, r: impl Into<String>) -> Git {
        self.git_ref = r.into();
        self
    }

    /// Only this subdirectory (Go's `GitSubDir`).
    pub fn subdir(mut self, dir: impl Into<String>) -> Git {
        self.subdir = dir.into();
        self
    }

    /// Keeps `.git` (Go's `KeepGitDir`).
    pub fn keep_git_dir(mut self) -> Git {
        self.keep_git_dir = true;
        self
    }

    /// Names the token secret (Go's `AuthTokenSecret`; records
    /// `source.git.httpauth`).
    pub fn auth_token_secret(mut self, name: impl Into<String>) -> Git {
        self.auth_token_secret = name.into();
        self.add_auth_cap = true;
        self
    }

    /// Names the header secret (Go's `AuthHeaderSecret`; records
    /// `source.git.httpauth`).
    pub fn auth_header_secret(mut self, name: impl Into<String>) -> Git {
        self.auth_header_secret = name.into();
        self.add_auth_cap = true;
        self
    }

    /// Adds known SSH host keys (Go's `KnownSSHHosts`). Unlike upstream,
    /// nothing is looked up over the network when none are given.
    pub fn known_ssh_hosts(mut self, keys: &str) -> Git {
        self.known_ssh_hosts
            .push_str(keys.strip_suffix('\n').unwrap_or(keys));
        self.known_ssh_hosts.push('\n');
        self
    }

    /// The SSH agent id for SSH remotes (Go's `MountSSHSock`; default
    /// `default`).
    pub fn mount_ssh_sock(mut self, id: impl Into<String>) -> Git {
        self.mount_ssh_sock = id.into();
        self
    }

    /// Requires this commit (Go's `GitChecksum`).
    pub fn checksum(mut self, commit: impl Into<String>) -> Git {
        self.checksum = commit.into();
        self
    }

    /// Skips submodules (Go's `GitSkipSubmodules`).
    pub fn skip_submodules(mut self) -> Git {
        self.skip_submodules = true;
        self
    }

    /// File modification time policy, `checkout` or `commit` (Go's
    /// `GitMTime`).
    pub fn mtime(mut self, policy: impl Into<String>) -> Git {
        self.mtime = policy.into();
        self
    }

    /// Fetches the checksum commit directly (Go's `GitFetchByCommit`).
    pub fn fetch_by_commit(mut self) -> Git {
        self.fetch_by_commit = true;
        self
    }

    /// Imports history from a bundle (Go's `GitBundleURL`), optionally
    /// with an OCI-layout session and store.
    pub fn bundle(mut self, locator: impl Into<String>, oci_session: &str, oci_store: &str) -> Git {
        self.bundle = locator.into();
        self.bundle_oci_session = oci_session.to_string();
        self.bundle_oci_store = oci_store.to_string();
        self
    }

    /// Produces a bundle instead of a worktree (Go's `GitCheckoutBundle`).
    pub fn checkout_bundle(mut self) -> Git {
        self.checkout_bundle = true;
        self
    }

    /// Sets the op's constraints.
    pub fn constraints(mut self, constraints: Constraints) -> Git {
        self.constraints = constraints;
        self
    }

    /// The State of the repository.
    pub fn build(self) -> State {
        let mut url = self.url.clone();
        let mut parsed = git_url::parse(&url);
        if parsed == Err(GitUrlError::UnknownProtocol) {
            url = format!("https://{url}");
            parsed = git_url::parse(&url);
        }
        if let Ok(remote) = &parsed {
            url = remote.remote.clone();
        }
        let id = match &parsed {
            Err(_) => url.clone(),
            Ok(remote) => {
                let mut id = format!("{}{}", remote.host, path::join(&["/", &remote.path]));
                if !self.git_ref.is_empty() || !self.subdir.is_empty() {
                    id.push('#');
                    id.push_str(&self.git_ref);
                    if !self.subdir.is_empty() {
                        id.push(':');
                        id.push_str(&self.subdir);
                    }
                }
                id
            }
        };
        let mut c = self.constraints;
        let mut attrs = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            attrs.insert(k.to_string(), v.to_string());
        };
        if self.keep_git_dir {
            set(ATTR_KEEP_GIT_DIR, "true");
            c.add_cap(caps::SOURCE_GIT_KEEP_DIR);
        }
        if !url.is_empty() {
            set(ATTR_FULL_REMOTE_URL, &url);
            c.add_cap(caps::SOURCE_GIT_FULL_URL);
        }
        if !self.auth_token_secret.is_empty() {
            set(ATTR_AUTH_TOKEN_SECRET, &self.auth_token_secret);
            if self.add_auth_cap {
                c.add_cap(caps::SOURCE_GIT_HTTP_AUTH);
            }
        }
        if !self.auth_header_secret.is_empty() {
            set(ATTR_AUTH_HEADER_SECRET, &self.auth_header_secret);
            if self.add_auth_cap {
                c.add_cap(caps::SOURCE_GIT_HTTP_AUTH);
            }
        }
        if parsed.as_ref().is_ok_and(|r| r.scheme == "ssh") {
            if !self.known_ssh_hosts.is_empty() {
                set(ATTR_KNOWN_SSH_HOSTS, &self.known_ssh_hosts);
            }
            c.add_cap(caps::SOURCE_GIT_KNOWN_SSH_HOSTS);
            let sock = if self.mount_ssh_sock.is_empty() {
                "default"
            } else {
                &self.mount_ssh_sock
            };
            set(ATTR_MOUNT_SSH_SOCK, sock);
            c.add_cap(caps::SOURCE_GIT_MOUNT_SSH_SOCK);
        }
        if !self.checksum.is_empty() {
            set(ATTR_GIT_CHECKSUM, &self.checksum);
            c.add_cap(caps::SOURCE_GIT_CHECKSUM);
        }
        if self.skip_submodules {
            set(ATTR_GIT_SKIP_SUBMODULES, "true");
            c.add_cap(caps::SOURCE_GIT_SKIP_SUBMODULES);
        }
        if !self.mtime.is_empty() {
            set(ATTR_GIT_MTIME, &self.mtime);
            c.add_cap(caps::SOURCE_GIT_MTIME);
        }
        if self.fetch_by_commit {
            set(ATTR_GIT_FETCH_BY_COMMIT, "true");
            c.add_cap(caps::SOURCE_GIT_FETCH_BY_COMMIT);
        }
        if !self.bundle.is_empty() {
            set(ATTR_GIT_BUNDLE, &self.bundle);
            c.add_cap(caps::SOURCE_GIT_BUNDLE);
        }
        if !self.bundle_oci_session.is_empty() {
            set(ATTR_OCI_LAYOUT_SESSION_ID, &self.bundle_oci_session);
        }
        if !self.bundle_oci_store.is_empty() {
            set(ATTR_OCI_LAYOUT_STORE_ID, &self.bundle_oci_store);
        }
        if self.checkout_bundle {
            set(ATTR_GIT_CHECKOUT_BUNDLE, "true");
            c.add_cap(caps::SOURCE_GIT_CHECKOUT_BUNDLE);
        }
        c.add_cap(caps::SOURCE_GIT);
        source_state(format!("git://{id}"), attrs, None, c)
    }
}

/// A file downloaded over HTTP(S) (Go's `llb.HTTP`): the URL is the
/// identifier, cap `source.http`.
#[derive(Clone, Debug)]
pub struct Http {
    url: String,
    checksum: String,
    filename: String,
    perm: u32,
    uid: i64,
    gid: i64,
    auth_header_secret: String,
    header: Option<(String, String)>,
    signature: Option<(String, String)>,
    constraints: Constraints,
}

impl Http {
    /// The resource at `url`.
    pub fn new(url: impl Into<String>) -> Http {
        Http {
            url: url.into(),
            checksum: String::new(),
            filename: String::new(),
            perm: 0,
            uid: 0,
            gid: 0,
            auth_header_secret: String::new(),
            header: None,
            signature: None,
            constraints: Constraints::default(),
        }
    }

    /// Requires this content digest (`http.checksum`).
    pub fn checksum(mut self, digest: impl Into<String>) -> Http {
        self.checksum = digest.into();
        self
    }

    /// Names the downloaded file (`http.filename`).
    pub fn filename(mut self, name: impl Into<String>) -> Http {
        self.filename = name.into();
        self
    }

    /// Sets the file's permission bits (`http.perm`, written in octal).
    pub fn chmod(mut self, perm: u32) -> Http {
        self.perm = perm & 0o777;
        self
    }

    /// Sets the file's owner (`http.uid` / `http.gid`).
    pub fn chown(mut self, uid: i64, gid: i64) -> Http {
        self.uid = uid;
        self.gid = gid;
        self
    }

    /// Names the secret holding an `Authorization` header
    /// (`http.authheadersecret`).
    pub fn auth_header_secret(mut self, name: impl Into<String>) -> Http {
        self.auth_header_secret = name.into();
        self
    }

    /// Sends `Accept` and `User-Agent` headers (empty = not sent); records
    /// `source.http.header`.
    pub fn header(mut self, accept: impl Into<String>, user_agent: impl Into<String>) -> Http {
        self.header = Some((accept.into(), user_agent.into()));
        self
    }

    /// Verifies an armored detached OpenPGP signature
    /// (`http.sig.pubkey` / `http.sig.signature`).
    pub fn verify_pgp_signature(
        mut self,
        pub_key: impl Into<String>,
        signature: impl Into<String>,
    ) -> Http {
        self.signature = Some((pub_key.into(), signature.into()));
        self
    }

    /// Sets the op's constraints.
    pub fn constraints(mut self, constraints: Constraints) -> Http {
        self.constraints = constraints;
        self
    }

    /// The State holding the downloaded file.
    pub fn build(self) -> State {
        let mut c = self.constraints;
        let mut attrs = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            attrs.insert(k.to_string(), v);
        };
        if !self.checksum.is_empty() {
            set(ATTR_HTTP_CHECKSUM, self.checksum);
            c.add_cap(caps::SOURCE_HTTP_CHECKSUM);
        }
        if !self.filename.is_empty() {
            set(ATTR_HTTP_FILENAME, self.filename);
        }
        if self.perm != 0 {
            set(ATTR_HTTP_PERM, format!("0{:o}", self.perm));
            c.add_cap(caps::SOURCE_HTTP_PERM);
        }
        if self.uid != 0 {
            set(ATTR_HTTP_UID, self.uid.to_string());
            c.add_cap(caps::SOURCE_HTTP_UID_GID);
        }
        if self.gid != 0 {
            set(ATTR_HTTP_GID, self.gid.to_string());
            c.add_cap(caps::SOURCE_HTTP_UID_GID);
        }
        if !self.auth_header_secret.is_empty() {
            set(ATTR_HTTP_AUTH_HEADER_SECRET, self.auth_header_secret);
            c.add_cap(caps::SOURCE_HTTP_AUTH);
        }
        if let Some((accept, user_agent)) = self.header {
            if !accept.is_empty() {
                set(&format!("{ATTR_HTTP_HEADER_PREFIX}accept"), accept);
            }
            if !user_agent.is_empty() {
                set(&format!("{ATTR_HTTP_HEADER_PREFIX}user-agent"), user_agent);
            }
            c.add_cap(caps::SOURCE_HTTP_HEADER);
        }
        if let Some((pub_key, signature)) = self.signature {
            if !pub_key.is_empty() {
                set(ATTR_HTTP_SIGNATURE_VERIFY_PUB_KEY, pub_key);
            }
            if !signature.is_empty() {
                set(ATTR_HTTP_SIGNATURE_VERIFY, signature);
            }
            c.add_cap(caps::SOURCE_HTTP_SIGNATURE_VERIFY);
        }
        c.add_cap(caps::SOURCE_HTTP);
        source_state(self.url, attrs, None, c)
    }
}

/// An image from an OCI layout store of the client (Go's
/// `llb.OCILayout`): identifier `oci-layout://<ref>`, cap
/// `source.ocilayout`.
#[derive(Clone, Debug)]
pub struct OciLayout {
    reference: String,
    session_id: String,
    store_id: String,
    layer_limit: Option<i64>,
    constraints: Constraints,
}

impl OciLayout {
    /// The image `reference` (`<store>@sha256:…`).
    pub fn new(reference: impl Into<String>) -> OciLayout {
        OciLayout {
            reference: reference.into(),
            session_id: String::new(),
            store_id: String::new(),
            layer_limit: None,
            constraints: Constraints::default(),
        }
    }

    /// Reads from this session and store (`oci.session`, `oci.store`).
    pub fn store(
        mut self,
        session_id: impl Into<String>,
        store_id: impl Into<String>,
    ) -> OciLayout {
        self.session_id = session_id.into();
        self.store_id = store_id.into();
        self
    }

    /// Uses only the first `n` layers (`oci.layerlimit`).
    pub fn layer_limit(mut self, n: i64) -> OciLayout {
        self.layer_limit = Some(n);
        self
    }

    /// Sets the platform constraint.
    pub fn platform(mut self, platform: Platform) -> OciLayout {
        self.constraints.platform = Some(platform);
        self
    }

    /// Sets the op's constraints.
    pub fn constraints(mut self, constraints: Constraints) -> OciLayout {
        self.constraints = constraints;
        self
    }

    /// The State of the image.
    pub fn build(self) -> State {
        let mut c = self.constraints;
        let mut attrs = BTreeMap::new();
        if !self.session_id.is_empty() {
            attrs.insert(ATTR_OCI_LAYOUT_SESSION_ID.to_string(), self.session_id);
        }
        if !self.store_id.is_empty() {
            attrs.insert(ATTR_OCI_LAYOUT_STORE_ID.to_string(), self.store_id);
        }
        if let Some(n) = self.layer_limit {
            attrs.insert(ATTR_OCI_LAYOUT_LAYER_LIMIT.to_string(), n.to_string());
        }
        c.add_cap(caps::SOURCE_OCI_LAYOUT);
        source_state(format!("oci-layout://{}", self.reference), attrs, None, c)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_like_go() {
        let items = vec![
            "a".to_string(),
            "with space.txt".to_string(),
            "<&>\"\\\n\u{1}".to_string(),
        ];
        assert_eq!(
            crate::dump::json::go_string_list(&items),
            r#"["a","with space.txt","\u003c\u0026\u003e\"\\\n\u0001"]"#
        );
    }
}
