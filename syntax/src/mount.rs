//! `RUN --mount` values parsed into typed mounts, as upstream's
//! `frontend/dockerfile/instructions/commands_runmount.go` does.
//!
//! A value is one CSV record (`type=cache,target=/root/.cache,"id=a,b"`) of `key=value` fields
//! and a few bare flags (`ro`, `rw`, `readonly`, `readwrite`, `required`). Keys are
//! case-insensitive; values are expanded with the instruction's environment; fields are applied
//! in order, so `required` and `size` must come after the `type` they need.
//!
//! Upstream parses each value twice, and [`parse_mount`] supports both passes:
//! - at parse time without an expander (`expander = None`): bare flags and every key except
//!   `from` are skipped, and `from` may not contain `$` (except as its last character) —
//!   "'from' doesn't support variable expansion, define alias stage instead". The result only
//!   carries [`Mount::from`], which the compiler uses to find stage dependencies;
//! - at dispatch time with an expander (upstream's `ProcessWord` over the stage env + args):
//!   every value (not key) is expanded first, then interpreted and validated.
//!
//! Defaults applied here (parser side, as upstream): type `bind`; `read_only` is `true` for
//! bind/secret/ssh and `false` for cache/tmpfs unless `ro`/`rw` was given. Defaults applied by
//! upstream's converter (`dockerfile2llb/convert_runmount.go`, `convert_secrets.go`,
//! `convert_ssh.go`) are left to the compiler; the helpers [`Mount::cache_id_or_target`],
//! [`Mount::secret_id`], [`Mount::secret_target`], [`Mount::ssh_id`] and
//! [`Mount::default_file_mode`] compute them. The compiler still does: cache-id namespacing
//! (`<namespace>/<id>`), cache `from` defaulting to the empty image, making a relative target
//! absolute against the working directory and rejecting a target of `/`, and the sharing
//! default (`shared`).

use crate::shell::ShellError;
use crate::shell::gocompat::csv::{self, CsvError};
use crate::shell::gocompat::quote::go_quote;
use crate::shell::gocompat::strconv::{parse_bool, parse_u32};
use crate::shell::gocompat::suggest;
use crate::shell::gocompat::unicode::to_lower;
use crate::shell::gocompat::units::ram_in_bytes;
use std::fmt;

/// The kind of a mount (`type=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum MountType {
    /// `bind` (the default): a directory of the build context, a stage or an image.
    #[default]
    Bind,
    /// `cache`: a persistent cache directory.
    Cache,
    /// `tmpfs`: an in-memory filesystem.
    Tmpfs,
    /// `secret`: a secret as a file or an environment variable.
    Secret,
    /// `ssh`: an SSH agent socket.
    Ssh,
}

impl MountType {
    /// All types, in upstream's declaration order (also the order suggestions are searched).
    pub const ALL: [MountType; 5] = [
        MountType::Bind,
        MountType::Cache,
        MountType::Tmpfs,
        MountType::Secret,
        MountType::Ssh,
    ];

    /// The name as written in a Dockerfile.
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Cache => "cache",
            MountType::Tmpfs => "tmpfs",
            MountType::Secret => "secret",
            MountType::Ssh => "ssh",
        }
    }

    fn from_lowercase(s: &str) -> Option<Self> {
        MountType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for MountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How concurrent builds share a cache mount (`sharing=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ShareMode {
    /// `shared`: concurrent writers use the same directory (the converter's default).
    Shared,
    /// `private`: a concurrent writer gets a new directory.
    Private,
    /// `locked`: a concurrent writer waits.
    Locked,
}

impl ShareMode {
    /// All modes, in upstream's declaration order.
    pub const ALL: [ShareMode; 3] = [ShareMode::Shared, ShareMode::Private, ShareMode::Locked];

    /// The name as written in a Dockerfile.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareMode::Shared => "shared",
            ShareMode::Private => "private",
            ShareMode::Locked => "locked",
        }
    }
}

impl fmt::Display for ShareMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parsed `--mount` value. String fields are empty when not given (upstream does not
/// distinguish `src=` from no `src`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mount {
    /// `type=` (default [`MountType::Bind`]).
    pub kind: MountType,
    /// `from=`: stage, context or image name.
    pub from: String,
    /// `source=` / `src=`: path inside `from` (bind/cache), or secret id (secret).
    pub source: String,
    /// `target=` / `dst=` / `destination=`: mount path (may be relative; resolved by the compiler).
    pub target: String,
    /// `ro`/`readonly`/`rw`/`readwrite`, or the type's default.
    pub read_only: bool,
    /// `size=` of a tmpfs in bytes (0 when not given).
    pub size_limit: i64,
    /// `id=`: cache id, secret id or ssh id.
    pub cache_id: String,
    /// `sharing=` (cache only); `None` means the converter's default, shared.
    pub cache_sharing: Option<ShareMode>,
    /// `required` (secret and ssh only).
    pub required: bool,
    /// `env=` (secret): expose the secret as this environment variable. `Some("")` was given
    /// explicitly empty; then, as with `None`, the converter's default target is used.
    pub env: Option<String>,
    /// `mode=` in octal (cache/secret/ssh).
    pub mode: Option<u32>,
    /// `uid=` (cache/secret/ssh).
    pub uid: Option<u32>,
    /// `gid=` (cache/secret/ssh).
    pub gid: Option<u32>,
}

/// Why a `--mount` value was rejected. Display texts are upstream's, word for word
/// (suggestions print as ` (did you mean X?)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MountError {
    /// The value is not one CSV record.
    #[error("failed to parse csv mounts: {0}")]
    Csv(String),
    /// A bare word that is not a known flag.
    #[error("invalid field '{0}' must be a key=value pair")]
    NotKeyValue(String),
    /// A key that exists but not for the mount type set so far.
    #[error("unexpected key '{key}' for mount type '{kind}'")]
    KeyNotForType {
        /// The (lowercased) key.
        key: String,
        /// The type in effect when the key was read.
        kind: MountType,
    },
    /// `from=` containing `$` (checked at parse time).
    #[error("'from' doesn't support variable expansion, define alias stage instead")]
    FromExpansion,
    /// `type=` with an unknown type.
    #[error(
        "unsupported mount type {}{}",
        go_quote(value),
        did_you_mean(suggestion)
    )]
    UnsupportedType {
        /// The value as given (after expansion).
        value: String,
        /// The closest type, if any is close.
        suggestion: Option<String>,
    },
    /// `sharing=` with an unknown mode.
    #[error(
        "unsupported sharing value {}{}",
        go_quote(value),
        did_you_mean(suggestion)
    )]
    UnsupportedSharing {
        /// The value as given (after expansion).
        value: String,
        /// The closest mode, if any is close.
        suggestion: Option<String>,
    },
    /// An unknown key.
    #[error("unexpected key '{key}' in '{field}'{}", did_you_mean(suggestion))]
    UnknownKey {
        /// The (lowercased) key.
        key: String,
        /// The whole field as written.
        field: String,
        /// The closest known key, if any is close.
        suggestion: Option<String>,
    },
    /// A boolean or size value that does not parse (`ro`, `rw`, `readonly`, `readwrite`,
    /// `required`, `size`).
    #[error("invalid value for {key}: {value}")]
    InvalidValue {
        /// The (lowercased) key.
        key: String,
        /// The value (after expansion).
        value: String,
    },
    /// A `mode`, `uid` or `gid` value that is not a 32-bit number (octal for mode).
    #[error("invalid value {value} for {key}")]
    InvalidNumber {
        /// `mode`, `uid` or `gid`.
        key: &'static str,
        /// The value (after expansion).
        value: String,
    },
    /// `mode`, `uid` or `gid` on a bind or tmpfs mount.
    #[error("{key} not allowed for {} type mounts", go_quote(kind.as_str()))]
    FileInfoNotAllowed {
        /// `mode`, `uid` or `gid`.
        key: &'static str,
        /// The mount type.
        kind: MountType,
    },
    /// A secret mount with `from=`.
    #[error("secret mount should not have a from")]
    SecretWithFrom,
    /// A secret mount with `sharing=`.
    #[error("secret mount should not define sharing")]
    SecretWithSharing,
    /// A secret mount with none of `source`, `target`, `id`.
    #[error("invalid secret mount. one of source, target required")]
    SecretWithoutSourceOrTarget,
    /// A secret mount with both `source` and `id`.
    #[error("both source and id can't be set")]
    SecretSourceAndId,
    /// `sharing=` on a mount that is not a cache.
    #[error("invalid cache sharing set for {0} mount")]
    SharingNotCache(MountType),
    /// Converter side: a secret without id and target (see [`Mount::secret_id`]).
    #[error("one of source, target required")]
    SecretIdRequired,
    /// Converter side: an ssh mount with `source=` (see [`Mount::ssh_id`]).
    #[error("ssh does not support source")]
    SshWithSource,
    /// Expanding a value failed; upstream returns the expander's error unchanged.
    #[error(transparent)]
    Expand(#[from] ShellError),
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean {s}?)"),
        None => String::new(),
    }
}

/// Every key upstream accepts, in the order it searches them for suggestions.
const ALL_KEYS: [&str; 19] = [
    "type",
    "from",
    "source",
    "target",
    "readonly",
    "id",
    "sharing",
    "required",
    "size",
    "mode",
    "uid",
    "gid",
    "src",
    "dst",
    "destination",
    "ro",
    "rw",
    "readwrite",
    "env",
];

/// Expands one mount value (upstream's `SingleWordExpander`). `FnMut` so the caller can record
/// unmatched variables for lint rules.
pub type Expander<'a> = dyn FnMut(&str) -> Result<String, ShellError> + 'a;

/// Parses one `--mount` value. See the module documentation for the two passes
/// (`expander = None` at parse time, `Some` at dispatch time).
pub fn parse_mount(
    value: &str,
    mut expander: Option<&mut Expander<'_>>,
) -> Result<Mount, MountError> {
    let fields = csv::fields(value).map_err(|e: CsvError| MountError::Csv(e.to_string()))?;
    let mut m = Mount::default();
    let mut read_only_auto = true;

    for field in &fields {
        let (raw_key, raw_value) = match field.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (&**field, None),
        };
        let key = to_lower(raw_key);

        let Some(raw_value) = raw_value else {
            if expander.is_none() {
                continue; // evaluated in the second pass
            }
            match &*key {
                "readonly" | "ro" => {
                    m.read_only = true;
                    read_only_auto = false;
                }
                "readwrite" | "rw" => {
                    m.read_only = false;
                    read_only_auto = false;
                }
                "required" => {
                    if !matches!(m.kind, MountType::Secret | MountType::Ssh) {
                        return Err(MountError::KeyNotForType {
                            key: key.into_owned(),
                            kind: m.kind,
                        });
                    }
                    m.required = true;
                }
                _ => return Err(MountError::NotKeyValue(field.to_string())),
            }
            continue;
        };

        let value = match expander.as_deref_mut() {
            Some(expand) => expand(raw_value)?,
            None if key == "from" => {
                if raw_value
                    .find('$')
                    .is_some_and(|i| i != raw_value.len() - 1)
                {
                    return Err(MountError::FromExpansion);
                }
                raw_value.to_owned()
            }
            None => continue, // evaluated in the second pass
        };

        let invalid_value = |key: &str, value: &str| MountError::InvalidValue {
            key: key.to_owned(),
            value: value.to_owned(),
        };
        match &*key {
            "type" => {
                m.kind = MountType::from_lowercase(&to_lower(&value)).ok_or_else(|| {
                    let options = MountType::ALL.map(MountType::as_str);
                    MountError::UnsupportedType {
                        suggestion: suggest::search(&value, &options),
                        value: value.clone(),
                    }
                })?;
            }
            "from" => m.from = value,
            "source" | "src" => m.source = value,
            "target" | "dst" | "destination" => m.target = value,
            "readonly" | "ro" => {
                m.read_only = parse_bool(&value).ok_or_else(|| invalid_value(&key, &value))?;
                read_only_auto = false;
            }
            "readwrite" | "rw" => {
                let rw = parse_bool(&value).ok_or_else(|| invalid_value(&key, &value))?;
                m.read_only = !rw;
                read_only_auto = false;
            }
            "required" => {
                if !matches!(m.kind, MountType::Secret | MountType::Ssh) {
                    return Err(MountError::KeyNotForType {
                        key: key.into_owned(),
                        kind: m.kind,
                    });
                }
                m.required = parse_bool(&value).ok_or_else(|| invalid_value(&key, &value))?;
            }
            "size" => {
                if m.kind != MountType::Tmpfs {
                    return Err(MountError::KeyNotForType {
                        key: key.into_owned(),
                        kind: m.kind,
                    });
                }
                m.size_limit = ram_in_bytes(&value).ok_or_else(|| invalid_value(&key, &value))?;
            }
            "id" => m.cache_id = value,
            "sharing" => {
                let lower = to_lower(&value);
                let mode = ShareMode::ALL.into_iter().find(|s| s.as_str() == lower);
                m.cache_sharing = Some(mode.ok_or_else(|| {
                    let options = ShareMode::ALL.map(ShareMode::as_str);
                    MountError::UnsupportedSharing {
                        suggestion: suggest::search(&value, &options),
                        value: value.clone(),
                    }
                })?);
            }
            "mode" => m.mode = Some(parse_number("mode", &value, 8)?),
            "uid" => m.uid = Some(parse_number("uid", &value, 10)?),
            "gid" => m.gid = Some(parse_number("gid", &value, 10)?),
            "env" => m.env = Some(value),
            _ => {
                return Err(MountError::UnknownKey {
                    suggestion: suggest::search(&key, &ALL_KEYS),
                    key: key.into_owned(),
                    field: field.to_string(),
                });
            }
        }
    }

    validate(&mut m, read_only_auto)?;
    Ok(m)
}

fn parse_number(key: &'static str, value: &str, radix: u32) -> Result<u32, MountError> {
    parse_u32(value, radix).ok_or_else(|| MountError::InvalidNumber {
        key,
        value: value.to_owned(),
    })
}

/// Upstream's checks after all fields are read, and the read-only default.
fn validate(m: &mut Mount, read_only_auto: bool) -> Result<(), MountError> {
    let file_info_allowed = matches!(
        m.kind,
        MountType::Secret | MountType::Ssh | MountType::Cache
    );
    if !file_info_allowed {
        for (key, set) in [
            ("mode", m.mode.is_some()),
            ("uid", m.uid.is_some()),
            ("gid", m.gid.is_some()),
        ] {
            if set {
                return Err(MountError::FileInfoNotAllowed { key, kind: m.kind });
            }
        }
    }
    if read_only_auto {
        m.read_only = !matches!(m.kind, MountType::Cache | MountType::Tmpfs);
    }
    if m.kind == MountType::Secret {
        if !m.from.is_empty() {
            return Err(MountError::SecretWithFrom);
        }
        if m.cache_sharing.is_some() {
            return Err(MountError::SecretWithSharing);
        }
        if m.source.is_empty() && m.target.is_empty() && m.cache_id.is_empty() {
            return Err(MountError::SecretWithoutSourceOrTarget);
        }
        if !m.source.is_empty() && !m.cache_id.is_empty() {
            return Err(MountError::SecretSourceAndId);
        }
    }
    if m.cache_sharing.is_some() && m.kind != MountType::Cache {
        return Err(MountError::SharingNotCache(m.kind));
    }
    Ok(())
}

impl Mount {
    /// Converter default for a cache id: `id=` if given, else the cleaned target
    /// (Go `path.Clean`). The compiler prefixes its cache namespace.
    pub fn cache_id_or_target(&self) -> String {
        if self.cache_id.is_empty() {
            crate::paths::clean(&self.target)
        } else {
            self.cache_id.clone()
        }
    }

    /// Converter default for a secret id: `source=`, else `id=`, else the last element of the
    /// target; error "one of source, target required" when none is set.
    pub fn secret_id(&self) -> Result<String, MountError> {
        let id = if self.source.is_empty() {
            &self.cache_id
        } else {
            &self.source
        };
        if !id.is_empty() {
            return Ok(id.clone());
        }
        if self.target.is_empty() {
            return Err(MountError::SecretIdRequired);
        }
        Ok(path_base(&self.target))
    }

    /// Converter default for where a secret file appears: the target if given; with no `env=`
    /// and no target, `/run/secrets/<base of id>`; with `env=` and no target, no file (`None`).
    pub fn secret_target(&self) -> Result<Option<String>, MountError> {
        if !self.target.is_empty() {
            return Ok(Some(self.target.clone()));
        }
        if self.env.is_some() {
            return Ok(None);
        }
        Ok(Some(format!(
            "/run/secrets/{}",
            path_base(&self.secret_id()?)
        )))
    }

    /// Converter default for an ssh id (`default` when `id=` is not set); error "ssh does not
    /// support source" when `source=` was given. (Upstream's LLB op receives the raw `id`.)
    pub fn ssh_id(&self) -> Result<String, MountError> {
        if !self.source.is_empty() {
            return Err(MountError::SshWithSource);
        }
        Ok(if self.cache_id.is_empty() {
            "default".to_owned()
        } else {
            self.cache_id.clone()
        })
    }

    /// Converter default for `mode` when `uid`/`gid`/`mode` customise the file: `0o400` for a
    /// secret, `0o600` for an ssh socket, `0o755` for a cache directory; `None` otherwise.
    pub fn default_file_mode(&self) -> Option<u32> {
        match self.kind {
            MountType::Secret => Some(0o400),
            MountType::Ssh => Some(0o600),
            MountType::Cache => Some(0o755),
            MountType::Bind | MountType::Tmpfs => None,
        }
    }
}

/// Go's `path.Base`: the last element, trailing slashes removed; `.` for empty, `/` for root.
fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_owned();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_owned();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_owned(),
        None => trimmed.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_paths() {
        for (p, want) in [
            ("", "."),
            ("/", "/"),
            ("a/../..", ".."),
            ("/a/../..", "/"),
            ("//x//y/./", "/x/y"),
            ("../a/b/..", "../a"),
        ] {
            assert_eq!(crate::paths::clean(p), want, "{p}");
        }
        for (p, want) in [("", "."), ("///", "/"), ("/a/b/", "b"), ("c", "c")] {
            assert_eq!(path_base(p), want, "{p}");
        }
    }
}
