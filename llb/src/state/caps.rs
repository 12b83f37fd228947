//! LLB capability ids (`solver/pb/caps.go`) and [`CapSet`], the set of
//! capabilities a BuildKit daemon reports as enabled.
//!
//! Ops record the capabilities they need in their metadata (`caps`), so a
//! daemon can refuse LLB it cannot run. A [`CapSet`] passed to the
//! marshaller ([`MarshalOptions::caps`](crate::marshal::MarshalOptions))
//! changes one thing, as upstream: whether an exec relies on the daemon
//! setting a default `PATH` (`exec.meta.setsdefaultpath`).

use std::collections::BTreeSet;

use crate::apicaps::ApiCap;

macro_rules! caps {
    ($($(#[$doc:meta])* $name:ident = $id:literal;)*) => {
        $( $(#[$doc])* pub const $name: &str = $id; )*
        /// Every capability id this crate knows, in declaration order.
        pub const ALL: &[&str] = &[$($id),*];
    };
}

caps! {
    /// `docker-image://` sources.
    SOURCE_IMAGE = "source.image";
    /// `image.resolvemode=pull`.
    SOURCE_IMAGE_RESOLVE_MODE = "source.image.resolvemode";
    /// `image.layerlimit`.
    SOURCE_IMAGE_LAYER_LIMIT = "source.image.layerlimit";
    /// `image.checksum`.
    SOURCE_IMAGE_CHECKSUM = "source.image.checksum";
    /// `local://` sources.
    SOURCE_LOCAL = "source.local";
    /// `local.unique`.
    SOURCE_LOCAL_UNIQUE = "source.local.unique";
    /// `local.session`.
    SOURCE_LOCAL_SESSION_ID = "source.local.sessionid";
    /// `local.includepattern`.
    SOURCE_LOCAL_INCLUDE_PATTERNS = "source.local.includepatterns";
    /// `local.followpaths`.
    SOURCE_LOCAL_FOLLOW_PATHS = "source.local.followpaths";
    /// `local.excludepatterns`.
    SOURCE_LOCAL_EXCLUDE_PATTERNS = "source.local.excludepatterns";
    /// `local.sharedkeyhint`.
    SOURCE_LOCAL_SHARED_KEY_HINT = "source.local.sharedkeyhint";
    /// A required `local.differ`.
    SOURCE_LOCAL_DIFFER = "source.local.differ";
    /// `local.metadatatransfer`.
    SOURCE_METADATA_TRANSFER = "source.local.metadatatransfer";
    /// `git://` sources.
    SOURCE_GIT = "source.git";
    /// `git.keepgitdir`.
    SOURCE_GIT_KEEP_DIR = "source.git.keepgitdir";
    /// `git.fullurl`.
    SOURCE_GIT_FULL_URL = "source.git.fullurl";
    /// Explicitly named git auth secrets.
    SOURCE_GIT_HTTP_AUTH = "source.git.httpauth";
    /// `git.knownsshhosts`.
    SOURCE_GIT_KNOWN_SSH_HOSTS = "source.git.knownsshhosts";
    /// `git.mountsshsock`.
    SOURCE_GIT_MOUNT_SSH_SOCK = "source.git.mountsshsock";
    /// A `:subdir` in the git fragment.
    SOURCE_GIT_SUBDIR = "source.git.subdir";
    /// `git.checksum`.
    SOURCE_GIT_CHECKSUM = "source.git.checksum";
    /// `git.skipsubmodules`.
    SOURCE_GIT_SKIP_SUBMODULES = "source.git.skipsubmodules";
    /// Git signature verification.
    SOURCE_GIT_SIGNATURE_VERIFY = "source.git.signatureverify";
    /// `git.mtime`.
    SOURCE_GIT_MTIME = "source.git.mtime";
    /// `git.fetchbycommit`.
    SOURCE_GIT_FETCH_BY_COMMIT = "source.git.fetchbycommit";
    /// `git.bundle`.
    SOURCE_GIT_BUNDLE = "source.git.bundle";
    /// `git.checkoutbundle`.
    SOURCE_GIT_CHECKOUT_BUNDLE = "source.git.checkoutbundle";
    /// `http://` and `https://` sources.
    SOURCE_HTTP = "source.http";
    /// `http.authheadersecret`.
    SOURCE_HTTP_AUTH = "source.http.auth";
    /// `http.checksum`.
    SOURCE_HTTP_CHECKSUM = "source.http.checksum";
    /// `http.perm`.
    SOURCE_HTTP_PERM = "source.http.perm";
    /// `http.uid` / `http.gid` (misspelled upstream, kept for compatibility).
    SOURCE_HTTP_UID_GID = "soruce.http.uidgid";
    /// `http.header.*`.
    SOURCE_HTTP_HEADER = "source.http.header";
    /// HTTP signature verification.
    SOURCE_HTTP_SIGNATURE_VERIFY = "source.http.signatureverify";
    /// `docker-image+blob://` and `oci-layout+blob://` sources.
    SOURCE_IMAGE_BLOB = "source.imageblob";
    /// `oci-layout://` sources.
    SOURCE_OCI_LAYOUT = "source.ocilayout";
    /// Build ops with a custom LLB file name.
    BUILD_OP_LLB_FILE_NAME = "source.buildop.llbfilename";
    /// Every exec.
    EXEC_META_BASE = "exec.meta.base";
    /// `cgroupParent`.
    EXEC_META_CGROUP_PARENT = "exec.meta.cgroup.parent";
    /// A network mode other than sandbox.
    EXEC_META_NETWORK = "exec.meta.network";
    /// Network proxy.
    EXEC_META_NETWORK_PROXY = "exec.meta.network.proxy";
    /// `proxy_env`.
    EXEC_META_PROXY = "exec.meta.proxyenv";
    /// `security = INSECURE`.
    EXEC_META_SECURITY = "exec.meta.security";
    /// The daemon sets a default `PATH` when the exec has none.
    EXEC_META_SETS_DEFAULT_PATH = "exec.meta.setsdefaultpath";
    /// `ulimit`.
    EXEC_META_ULIMIT = "exec.meta.ulimit";
    /// `cdiDevices`.
    EXEC_META_CDI = "exec.meta.cdi";
    /// `removeMountStubsRecursive`.
    EXEC_META_REMOVE_MOUNT_STUBS_RECURSIVE = "exec.meta.removemountstubs.recursive";
    /// Linux resource limits in op metadata.
    EXEC_META_LINUX_RESOURCES = "exec.meta.linux.resources";
    /// Bind mounts (including the root mount).
    EXEC_MOUNT_BIND = "exec.mount.bind";
    /// Read-write bind mounts without an output.
    EXEC_MOUNT_BIND_READ_WRITE_NO_OUTPUT = "exec.mount.bind.readwrite-nooutput";
    /// Cache mounts.
    EXEC_MOUNT_CACHE = "exec.mount.cache";
    /// Cache mount sharing modes.
    EXEC_MOUNT_CACHE_SHARING = "exec.mount.cache.sharing";
    /// Mount selectors.
    EXEC_MOUNT_SELECTOR = "exec.mount.selector";
    /// tmpfs mounts.
    EXEC_MOUNT_TMPFS = "exec.mount.tmpfs";
    /// tmpfs size.
    EXEC_MOUNT_TMPFS_SIZE = "exec.mount.tmpfs.size";
    /// Secret mounts (and secret env).
    EXEC_MOUNT_SECRET = "exec.mount.secret";
    /// SSH agent sockets.
    EXEC_MOUNT_SSH = "exec.mount.ssh";
    /// A mount content-cache mode other than default.
    EXEC_MOUNT_CONTENT_CACHE = "exec.mount.cache.content";
    /// cgroups mounted in the container.
    EXEC_CGROUPS_MOUNTED = "exec.cgroup";
    /// Secrets as environment variables.
    EXEC_SECRET_ENV = "exec.secretenv";
    /// `validExitCodes`.
    EXEC_VALID_EXIT_CODE = "exec.validexitcode";
    /// Every file op.
    FILE_BASE = "file.base";
    /// `rm` with wildcards.
    FILE_RM_WILDCARD = "file.rm.wildcard";
    /// Copy include/exclude patterns.
    FILE_COPY_INCLUDE_EXCLUDE_PATTERNS = "file.copy.includeexcludepatterns";
    /// Copy required paths.
    FILE_COPY_REQUIRED_PATHS = "file.copy.requiredpaths";
    /// `rm` without following symlinks.
    FILE_RM_NO_FOLLOW_SYMLINK = "file.rm.nofollowsymlink";
    /// Copy `alwaysReplaceExistingDestPaths`.
    FILE_COPY_ALWAYS_REPLACE_EXISTING_DEST_PATHS = "file.copy.alwaysreplaceexistingdestpaths";
    /// Symbolic copy modes (`modeStr`).
    FILE_COPY_MODE_STRING_FORMAT = "file.copy.modestring";
    /// Symlink actions.
    FILE_SYMLINK_CREATE = "file.symlink.create";
    /// Worker constraints on ops.
    CONSTRAINTS = "constraints";
    /// Platforms on ops.
    PLATFORM = "platform";
    /// `ignore_cache` metadata.
    META_IGNORE_CACHE = "meta.ignorecache";
    /// `description` metadata.
    META_DESCRIPTION = "meta.description";
    /// `export_cache` metadata.
    META_EXPORT_CACHE = "meta.exportcache";
    /// Merge ops.
    MERGE_OP = "mergeop";
    /// Diff ops.
    DIFF_OP = "diffop";
    /// Passthrough ops.
    PASSTHROUGH_OP = "passthroughop";
}

/// The capabilities a daemon supports (its enabled LLB caps).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapSet {
    enabled: BTreeSet<String>,
}

impl CapSet {
    /// An empty set: the daemon supports nothing.
    pub fn new() -> CapSet {
        CapSet::default()
    }

    /// Every capability this crate knows ([`ALL`]), as a current BuildKit
    /// reports them.
    pub fn all() -> CapSet {
        ALL.iter().copied().collect()
    }

    /// The enabled caps of a gateway Ping answer (`LLBCaps`).
    pub fn from_api_caps(caps: &[ApiCap]) -> CapSet {
        caps.iter()
            .filter(|c| c.enabled)
            .map(|c| c.id.as_str())
            .collect()
    }

    /// Adds a capability.
    pub fn insert(&mut self, id: &str) {
        self.enabled.insert(id.to_string());
    }

    /// Removes a capability.
    pub fn remove(&mut self, id: &str) {
        self.enabled.remove(id);
    }

    /// Whether the daemon supports `id`.
    pub fn supports(&self, id: &str) -> bool {
        self.enabled.contains(id)
    }

    /// The enabled ids, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.enabled.iter().map(String::as_str)
    }
}

impl<'a> FromIterator<&'a str> for CapSet {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> CapSet {
        CapSet {
            enabled: iter.into_iter().map(str::to_string).collect(),
        }
    }
}
