//! Docker image reference normalization, as `distribution/reference`'s
//! `ParseNormalizedNamed` + `TagNameOnly` do it for `llb.Image`:
//! `alpine` → `docker.io/library/alpine:latest`,
//! `localhost:5000/x` → `localhost:5000/x:latest`; a digest-only reference
//! keeps no tag. Error messages are upstream's.

use std::sync::LazyLock;

use regex::Regex;

/// Docker Hub's canonical domain.
const DEFAULT_DOMAIN: &str = "docker.io";
/// Docker Hub's legacy domain, rewritten to [`DEFAULT_DOMAIN`].
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// Namespace of official images.
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// Tag added to name-only references.
const DEFAULT_TAG: &str = "latest";
/// Longest accepted repository path.
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// Why an image reference is invalid (messages are upstream's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// A 64-hex string, which would be ambiguous with an image id.
    #[error("invalid repository name ({0}), cannot specify 64-byte hexadecimal strings")]
    HexIdentifier(String),
    /// Uppercase letters in the repository path.
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    UppercaseRemote(String),
    /// Does not match the reference grammar.
    #[error("invalid reference format")]
    InvalidFormat,
    /// Uppercase letters where the grammar allows only lowercase.
    #[error("repository name must be lowercase")]
    NameContainsUppercase,
    /// Nothing to name.
    #[error("repository name must have at least one component")]
    NameEmpty,
    /// Longer than 255 characters.
    #[error("repository name must not be more than 255 characters")]
    NameTooLong,
    /// The digest is malformed.
    #[error("invalid checksum digest format")]
    DigestFormat,
    /// The digest hex has the wrong length.
    #[error("invalid checksum digest length")]
    DigestLength,
    /// The digest algorithm is not sha256/sha384/sha512.
    #[error("unsupported digest algorithm")]
    DigestUnsupported,
}

/// A parsed, normalized reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry domain, e.g. `docker.io`.
    pub domain: String,
    /// Repository path, e.g. `library/alpine`.
    pub path: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// Digest, if any.
    pub digest: Option<String>,
}

impl ImageRef {
    /// `domain/path`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The familiar name shown to users: `alpine` for
    /// `docker.io/library/alpine`, `user/app` for `docker.io/user/app`.
    pub fn familiar_name(&self) -> String {
        if self.domain != DEFAULT_DOMAIN {
            return self.name();
        }
        match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(rest) if !rest.contains('/') => rest.to_string(),
            _ => self.path.clone(),
        }
    }

    /// Adds the `latest` tag when there is neither tag nor digest.
    pub fn tag_name_only(mut self) -> ImageRef {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some(DEFAULT_TAG.to_string());
        }
        self
    }
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

const DOMAIN_COMPONENT: &str = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const PATH_COMPONENT: &str = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const TAG: &str = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
const DIGEST: &str = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";

fn domain_and_port() -> String {
    format!(r"(?:{DOMAIN_COMPONENT}(?:\.{DOMAIN_COMPONENT})*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?")
}

fn remote_name() -> String {
    format!("{PATH_COMPONENT}(?:/{PATH_COMPONENT})*")
}

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let name = format!("(?:{}/)?{}", domain_and_port(), remote_name());
    Regex::new(&format!("^({name})(?::({TAG}))?(?:@({DIGEST}))?$")).expect("static regex")
});

static ANCHORED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "^(?:({})/)?({})$",
        domain_and_port(),
        remote_name()
    ))
    .expect("static regex")
});

static ANCHORED_DIGEST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{DIGEST}$")).expect("static regex"));

static ANCHORED_IDENTIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("^[a-f0-9]{64}$").expect("static regex"));

/// `ParseNormalizedNamed`: parses a familiar or full reference into its
/// canonical parts (Docker Hub domain and `library/` filled in).
pub fn parse_normalized_named(s: &str) -> Result<ImageRef, ReferenceError> {
    if ANCHORED_IDENTIFIER.is_match(s) {
        return Err(ReferenceError::HexIdentifier(s.to_string()));
    }
    let (domain, remainder) = split_docker_domain(s);
    let remote = match remainder.find(':') {
        Some(i) => &remainder[..i],
        None => &remainder[..],
    };
    if remote.to_lowercase() != remote {
        return Err(ReferenceError::UppercaseRemote(remote.to_string()));
    }
    parse(&format!("{domain}/{remainder}"))
}

/// `ParseNormalizedNamed` then `TagNameOnly`, formatted: the identifier
/// `llb.Image` writes after `docker-image://`.
pub fn normalize(s: &str) -> Result<String, ReferenceError> {
    Ok(parse_normalized_named(s)?.tag_name_only().to_string())
}

fn split_docker_domain(name: &str) -> (String, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (
            DEFAULT_DOMAIN.to_string(),
            format!("{OFFICIAL_REPO_PREFIX}{name}"),
        );
    };
    let (domain, remote) = if maybe_domain == "localhost" {
        (maybe_domain.to_string(), maybe_remote.to_string())
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN.to_string(), maybe_remote.to_string())
    } else if maybe_domain.contains(['.', ':']) || maybe_domain.to_lowercase() != maybe_domain {
        (maybe_domain.to_string(), maybe_remote.to_string())
    } else {
        (DEFAULT_DOMAIN.to_string(), name.to_string())
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        return (domain, format!("{OFFICIAL_REPO_PREFIX}{remote}"));
    }
    (domain, remote)
}

/// `reference.Parse` of a full reference.
fn parse(s: &str) -> Result<ImageRef, ReferenceError> {
    let Some(caps) = REFERENCE.captures(s) else {
        if s.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if REFERENCE.is_match(&s.to_lowercase()) {
            return Err(ReferenceError::NameContainsUppercase);
        }
        return Err(ReferenceError::InvalidFormat);
    };
    let name = caps.get(1).map_or("", |m| m.as_str());
    let (domain, path) = match ANCHORED_NAME.captures(name) {
        Some(n) => (
            n.get(1).map_or("", |m| m.as_str()).to_string(),
            n.get(2).map_or("", |m| m.as_str()).to_string(),
        ),
        None => (String::new(), name.to_string()),
    };
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::NameTooLong);
    }
    let tag = caps.get(2).map(|m| m.as_str().to_string());
    let digest = match caps.get(3) {
        Some(m) => Some(validate_digest(m.as_str())?),
        None => None,
    };
    if path.is_empty() {
        return Err(ReferenceError::NameEmpty);
    }
    Ok(ImageRef {
        domain,
        path,
        tag,
        digest,
    })
}

/// go-digest's `Digest.Validate`.
pub(crate) fn validate_digest(s: &str) -> Result<String, ReferenceError> {
    let Some(i) = s.find(':').filter(|&i| i > 0 && i + 1 < s.len()) else {
        return Err(ReferenceError::DigestFormat);
    };
    let (algorithm, encoded) = (&s[..i], &s[i + 1..]);
    let hex_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(if ANCHORED_DIGEST.is_match(s) {
                ReferenceError::DigestUnsupported
            } else {
                ReferenceError::DigestFormat
            });
        }
    };
    if encoded.len() != hex_len {
        return Err(ReferenceError::DigestLength);
    }
    if !encoded
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(ReferenceError::DigestFormat);
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_distribution_reference() {
        let zero = "0".repeat(64);
        let cases = [
            ("alpine", "docker.io/library/alpine:latest".to_string()),
            ("alpine:3.19", "docker.io/library/alpine:3.19".to_string()),
            (
                "docker.io/library/alpine:3.19",
                "docker.io/library/alpine:3.19".to_string(),
            ),
            (
                "index.docker.io/foo",
                "docker.io/library/foo:latest".to_string(),
            ),
            ("user/app", "docker.io/user/app:latest".to_string()),
            ("ghcr.io/org/image:tag", "ghcr.io/org/image:tag".to_string()),
            ("localhost:5000/x", "localhost:5000/x:latest".to_string()),
            ("localhost/x", "localhost/x:latest".to_string()),
            (
                &*format!("alpine@sha256:{zero}"),
                format!("docker.io/library/alpine@sha256:{zero}"),
            ),
            (
                &*format!("alpine:3@sha256:{zero}"),
                format!("docker.io/library/alpine:3@sha256:{zero}"),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input).as_deref(), Ok(want.as_str()), "{input}");
        }
    }

    #[test]
    fn rejects_like_upstream() {
        assert_eq!(
            normalize("Alpine").unwrap_err().to_string(),
            "invalid reference format: repository name (library/Alpine) must be lowercase"
        );
        assert_eq!(normalize("a b").unwrap_err(), ReferenceError::InvalidFormat);
        assert_eq!(normalize("").unwrap_err(), ReferenceError::InvalidFormat);
        assert!(matches!(
            normalize(&"a".repeat(64).replace('a', "f")),
            Err(ReferenceError::HexIdentifier(_))
        ));
        assert_eq!(
            normalize("alpine@sha256:abc").unwrap_err(),
            ReferenceError::InvalidFormat
        );
        assert_eq!(
            normalize(&format!("alpine@sha256:{}", "0".repeat(63) + "00")).unwrap_err(),
            ReferenceError::DigestLength
        );
    }

    #[test]
    fn familiar_names() {
        let r = parse_normalized_named("alpine").unwrap();
        assert_eq!(r.familiar_name(), "alpine");
        let r = parse_normalized_named("ghcr.io/a/b").unwrap();
        assert_eq!(r.familiar_name(), "ghcr.io/a/b");
    }
}
