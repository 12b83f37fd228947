//! Docker image reference normalization, as `distribution/reference`'s
//! `ParseNormalizedNamed` + `TagNameOnly` do it for `llb.Image`:
//! `alpine` → `docker.io/library/alpine:latest`,
//! `localhost:5000/x` → `localhost:5000/x:latest`; a digest-only reference
//! keeps no tag. Error messages are upstream's.

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
    /// `domain/path` (`path` alone when there is no domain, as [`parse_reference`] may
    /// give).
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            return self.path.clone();
        }
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
        // Piece by piece: `write!` would run the formatting machinery for plain strings.
        if !self.domain.is_empty() {
            f.write_str(&self.domain)?;
            f.write_str("/")?;
        }
        f.write_str(&self.path)?;
        if let Some(tag) = &self.tag {
            f.write_str(":")?;
            f.write_str(tag)?;
        }
        if let Some(digest) = &self.digest {
            f.write_str("@")?;
            f.write_str(digest)?;
        }
        Ok(())
    }
}

/// `reference.ReferenceRegexp` matched by hand (the grammar of distribution/reference's
/// `regexp.go`): `name [":" tag] ["@" digest]`, where the name is `[domain "/"] path`. The
/// grammar is unambiguous — a name holds `:` only in its domain, before its first `/`, and a
/// tag never holds `/` — so the captures the regular expression would give are found by
/// splitting. Returns (name, tag, digest).
fn match_reference(s: &str) -> Option<Matched<'_>> {
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !is_digest(d.as_bytes())) {
        return None;
    }
    let last_slash = rest.rfind('/');
    let (name, tag) = match rest.rfind(':') {
        Some(i) if last_slash.is_none_or(|j| i > j) => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t.as_bytes())) {
        return None;
    }
    let (domain, path) = split_name(name)?;
    Some(Matched {
        domain,
        path,
        tag,
        digest,
    })
}

/// The parts of a reference [`match_reference`] found.
struct Matched<'a> {
    /// The domain, empty when there is none.
    domain: &'a str,
    /// The repository path.
    path: &'a str,
    /// The tag, if any.
    tag: Option<&'a str>,
    /// The digest, if any.
    digest: Option<&'a str>,
}

/// Whether Go's `strings.ToLower(s) != s`, without lowering ASCII text.
fn has_upper(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        s.to_lowercase() != s
    }
}

/// `anchoredNameRegexp`: `[domain "/"] path`, as (domain, path); the domain is empty when
/// the first component cannot be one (the optional group is tried first, as Go does).
fn split_name(name: &str) -> Option<(&str, &str)> {
    if let Some((domain, path)) = name.split_once('/')
        && is_domain_and_port(domain.as_bytes())
        && is_remote_name(path.as_bytes())
    {
        return Some((domain, path));
    }
    is_remote_name(name.as_bytes()).then_some(("", name))
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` components joined by `/`.
fn is_remote_name(s: &[u8]) -> bool {
    s.split(|&b| b == b'/').all(is_path_component)
}

fn is_path_component(s: &[u8]) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    loop {
        let start = i;
        while i < s.len() && alnum(&s[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        if i == s.len() {
            return true;
        }
        let sep = i;
        while i < s.len() && !alnum(&s[i]) {
            i += 1;
        }
        match &s[sep..i] {
            b"." | b"_" | b"__" => {}
            run if run.iter().all(|&b| b == b'-') => {}
            _ => return false,
        }
    }
}

/// `domainAndPort`: a host name (`.`-separated components of letters, digits and inner
/// `-`) or a bracketed IPv6 address, then an optional `:port`.
fn is_domain_and_port(s: &[u8]) -> bool {
    let (host, port) = match s.first() {
        Some(b'[') => match s.iter().position(|&b| b == b']') {
            Some(end) => {
                let inner = &s[1..end];
                if inner.is_empty() || !inner.iter().all(|b| b.is_ascii_hexdigit() || *b == b':') {
                    return false;
                }
                (&s[..=end], &s[end + 1..])
            }
            None => return false,
        },
        _ => match s.iter().position(|&b| b == b':') {
            Some(i) => (&s[..i], &s[i..]),
            None => (s, &s[s.len()..]),
        },
    };
    let port_ok = match port.split_first() {
        None => true,
        Some((b':', digits)) => !digits.is_empty() && digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    };
    port_ok && (host.first() == Some(&b'[') || host.split(|&b| b == b'.').all(is_domain_component))
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn is_domain_component(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

/// `[\w][\w.-]{0,127}`.
fn is_tag(s: &[u8]) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    matches!(s.first(), Some(b) if word(b))
        && s.len() <= 128
        && s.iter().all(|b| word(b) || *b == b'.' || *b == b'-')
}

/// `digestRegexp`: `algorithm ":" hex{32,}`, the algorithm being `[A-Za-z][A-Za-z0-9]*`
/// components joined by one of `-_+.`.
fn is_digest(s: &[u8]) -> bool {
    let Some(colon) = s.iter().position(|&b| b == b':') else {
        return false;
    };
    let (algorithm, hex) = (&s[..colon], &s[colon + 1..]);
    let algorithm_ok = algorithm
        .split(|b| matches!(b, b'-' | b'_' | b'+' | b'.'))
        .all(|c| {
            matches!(c.first(), Some(b) if b.is_ascii_alphabetic())
                && c.iter().all(u8::is_ascii_alphanumeric)
        });
    algorithm_ok && hex.len() >= 32 && hex.iter().all(u8::is_ascii_hexdigit)
}

/// `anchoredIdentifierRegexp`: 64 lowercase hex digits, which would be ambiguous with an
/// image id.
fn is_identifier(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `ParseNormalizedNamed`: parses a familiar or full reference into its
/// canonical parts (Docker Hub domain and `library/` filled in).
pub fn parse_normalized_named(s: &str) -> Result<ImageRef, ReferenceError> {
    thread_local! {
        static LAST: Memo<Result<ImageRef, ReferenceError>> = const { Memo::new() };
    }
    LAST.with(|memo| memo.get_or(s, parse_normalized_named_uncached))
}

fn parse_normalized_named_uncached(s: &str) -> Result<ImageRef, ReferenceError> {
    if is_identifier(s) {
        return Err(ReferenceError::HexIdentifier(s.to_string()));
    }
    let (full, start) = with_docker_domain(s);
    let remainder = &full[start..];
    let remote = match remainder.find(':') {
        Some(i) => &remainder[..i],
        None => remainder,
    };
    if has_upper(remote) {
        return Err(ReferenceError::UppercaseRemote(remote.to_string()));
    }
    parse(&full)
}

/// `ParseNormalizedNamed` then `TagNameOnly`, formatted: the identifier
/// `llb.Image` writes after `docker-image://`.
pub fn normalize(s: &str) -> Result<String, ReferenceError> {
    thread_local! {
        static LAST: Memo<Result<String, ReferenceError>> = const { Memo::new() };
    }
    LAST.with(|memo| {
        memo.get_or(s, |s| {
            Ok(parse_normalized_named_uncached(s)?
                .tag_name_only()
                .to_string())
        })
    })
}

/// The last input of a pure function and its result. A Dockerfile's stages mostly name the
/// same base image, and each reference is parsed again at several steps (the resolver's key,
/// the stage's base, the source op's identifier): the repeats cost a comparison and a clone.
struct Memo<T> {
    last: std::cell::RefCell<Option<(String, T)>>,
}

impl<T: Clone> Memo<T> {
    const fn new() -> Memo<T> {
        Memo {
            last: std::cell::RefCell::new(None),
        }
    }

    /// `f(s)`, computed unless `s` was the last input.
    fn get_or(&self, s: &str, f: impl FnOnce(&str) -> T) -> T {
        if let Some((input, value)) = &*self.last.borrow()
            && input == s
        {
            return value.clone();
        }
        let value = f(s);
        *self.last.borrow_mut() = Some((s.to_string(), value.clone()));
        value
    }
}

/// Go's `splitDockerDomain`, joined back as `domain/remainder` in one string, with where the
/// remainder starts: a name without a domain gets `docker.io`, an official image (no `/` in
/// its Docker Hub path) gets `library/`.
fn with_docker_domain(name: &str) -> (String, usize) {
    let (domain, remote) = match name.split_once('/') {
        None => (DEFAULT_DOMAIN, name),
        Some((d, r)) if d == "localhost" => (d, r),
        Some((d, r)) if d == LEGACY_DEFAULT_DOMAIN => (DEFAULT_DOMAIN, r),
        Some((d, r)) if d.contains(['.', ':']) || has_upper(d) => (d, r),
        Some(_) => (DEFAULT_DOMAIN, name),
    };
    let official = domain == DEFAULT_DOMAIN && !remote.contains('/');
    let mut full =
        String::with_capacity(domain.len() + 1 + OFFICIAL_REPO_PREFIX.len() + remote.len());
    full.push_str(domain);
    full.push('/');
    let start = full.len();
    if official {
        full.push_str(OFFICIAL_REPO_PREFIX);
    }
    full.push_str(remote);
    (full, start)
}

/// `reference.Parse`: a reference as written, not normalized (no Docker Hub domain or
/// `library/` added; the domain is empty when the name has none).
pub fn parse_reference(s: &str) -> Result<ImageRef, ReferenceError> {
    parse(s)
}

/// `reference.Parse` of a full reference.
fn parse(s: &str) -> Result<ImageRef, ReferenceError> {
    let Some(Matched {
        domain,
        path,
        tag,
        digest,
        ..
    }) = match_reference(s)
    else {
        if s.is_empty() {
            return Err(ReferenceError::NameEmpty);
        }
        if match_reference(&s.to_lowercase()).is_some() {
            return Err(ReferenceError::NameContainsUppercase);
        }
        return Err(ReferenceError::InvalidFormat);
    };
    if path.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(ReferenceError::NameTooLong);
    }
    let digest = match digest {
        Some(d) => Some(validate_digest(d)?),
        None => None,
    };
    if path.is_empty() {
        return Err(ReferenceError::NameEmpty);
    }
    Ok(ImageRef {
        domain: domain.to_string(),
        path: path.to_string(),
        tag: tag.map(str::to_string),
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
            return Err(if is_digest(s.as_bytes()) {
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

    /// Repeated and alternating inputs, valid and not, give what a fresh parse gives.
    #[test]
    fn memoized_results_equal_fresh_ones() {
        let inputs = [
            "alpine", "alpine", "Alpine", "Alpine", "alpine", "a/b:1", "alpine:3", "a/b:1", "",
        ];
        for s in inputs {
            assert_eq!(
                parse_normalized_named(s),
                parse_normalized_named_uncached(s),
                "{s:?}"
            );
            let fresh = parse_normalized_named_uncached(s).map(|r| r.tag_name_only().to_string());
            assert_eq!(normalize(s), fresh, "{s:?}");
        }
    }

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
            ("user/app", "docker.io/user/app:latest".to_string()),
            (
                "index.docker.io/user/app:1",
                "docker.io/user/app:1".to_string(),
            ),
            (
                "Registry.Example/x",
                "Registry.Example/x:latest".to_string(),
            ),
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

    /// The regular expressions of distribution/reference, as the oracle of the hand matcher.
    mod oracle {
        use regex::Regex;
        use std::sync::LazyLock;

        const DOMAIN_COMPONENT: &str = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        const PATH_COMPONENT: &str = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
        const TAG: &str = "[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}";
        const DIGEST: &str =
            "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";

        fn name() -> (String, String) {
            let domain = format!(
                r"(?:{DOMAIN_COMPONENT}(?:\.{DOMAIN_COMPONENT})*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?"
            );
            (domain, format!("{PATH_COMPONENT}(?:/{PATH_COMPONENT})*"))
        }

        static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
            let (domain, remote) = name();
            Regex::new(&format!(
                "^((?:{domain}/)?{remote})(?::({TAG}))?(?:@({DIGEST}))?$"
            ))
            .unwrap()
        });
        static NAME: LazyLock<Regex> = LazyLock::new(|| {
            let (domain, remote) = name();
            Regex::new(&format!("^(?:({domain})/)?({remote})$")).unwrap()
        });

        /// (name, tag, digest) when `s` is a reference.
        pub fn reference(s: &str) -> Option<(String, Option<String>, Option<String>)> {
            let c = REFERENCE.captures(s)?;
            let get = |i| c.get(i).map(|m: regex::Match<'_>| m.as_str().to_string());
            Some((get(1).unwrap(), get(2), get(3)))
        }

        /// (domain, path) of a name.
        pub fn split(s: &str) -> Option<(String, String)> {
            let c = NAME.captures(s)?;
            Some((
                c.get(1).map_or("", |m| m.as_str()).to_string(),
                c.get(2).unwrap().as_str().to_string(),
            ))
        }
    }

    fn hand(s: &str) -> Option<(String, Option<String>, Option<String>)> {
        let Matched {
            domain,
            path,
            tag: t,
            digest: d,
        } = match_reference(s)?;
        let n = if domain.is_empty() {
            path.to_string()
        } else {
            format!("{domain}/{path}")
        };
        Some((n.to_string(), t.map(str::to_string), d.map(str::to_string)))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn hand_matcher_agrees_with_the_regexps(
            s in "[aZ0f_.:/@\\-\\[\\]]{0,14}(:[0-9a-f]{30,34})?"
        ) {
            proptest::prop_assert_eq!(hand(&s), oracle::reference(&s), "{:?}", s);
            let hand_split = split_name(&s).map(|(d, p)| (d.to_string(), p.to_string()));
            proptest::prop_assert_eq!(hand_split, oracle::split(&s), "{:?}", s);
        }
    }

    #[test]
    fn hand_matcher_agrees_on_edge_cases() {
        let hex = "0123456789abcdef".repeat(4);
        let cases = [
            "localhost:5000/x:1".to_string(),
            "[::1]:5000/x".to_string(),
            "[::1]/x".to_string(),
            "[]/x".to_string(),
            "a-/b".to_string(),
            "-a/b".to_string(),
            "a.b-c.d:80/e__f/g---h:T_a.g-".to_string(),
            "a___b".to_string(),
            "a._b".to_string(),
            "A/b".to_string(),
            "a/B".to_string(),
            format!("a@sha256:{hex}"),
            format!("a:t@sha256+x.y:{hex}"),
            format!("a@1sha:{hex}"),
            format!("a@sha256:{}", &hex[..31]),
            format!("a:{}", "t".repeat(128)),
            format!("a:{}", "t".repeat(129)),
            "a:".to_string(),
            "a@".to_string(),
            "a/b:c/d".to_string(),
            "".to_string(),
        ];
        for s in &cases {
            assert_eq!(hand(s), oracle::reference(s), "{s:?}");
            let hand_split = split_name(s).map(|(d, p)| (d.to_string(), p.to_string()));
            assert_eq!(hand_split, oracle::split(s), "{s:?}");
        }
    }

    #[test]
    fn familiar_names() {
        let r = parse_normalized_named("alpine").unwrap();
        assert_eq!(r.familiar_name(), "alpine");
        let r = parse_normalized_named("ghcr.io/a/b").unwrap();
        assert_eq!(r.familiar_name(), "ghcr.io/a/b");
    }
}
