//! Git remote parsing as BuildKit's `gitutil.ParseURL` does it, for the
//! parts `llb.Git` uses: the scheme, host, path, and the remote without
//! query and fragment (`git.fullurl`).
//!
//! Standard URLs (`https://`, `http://`, `ssh://`, `git://`) are split
//! lexically like Go's `net/url`; SCP-like remotes (`git@host:path`) follow
//! `sshutil.ParseSCPStyleURL`. Percent-escapes in paths are decoded for the
//! path and kept as written in the remote.

/// A parsed git remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitUrl {
    /// `https`, `http`, `ssh` or `git` (SCP-like remotes are `ssh`).
    pub scheme: String,
    /// Host, with port if any.
    pub host: String,
    /// Path on the host (decoded).
    pub path: String,
    /// The remote without query and fragment.
    pub remote: String,
}

/// Why a remote does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GitUrlError {
    /// No `scheme://` and not SCP-like.
    UnknownProtocol,
    /// A scheme other than http, https, ssh, git.
    InvalidProtocol,
    /// A URL that Go's `net/url` would refuse.
    Malformed,
}

/// The scheme of a remote starting `[a-zA-Z0-9]+://` (gitutil's protocol regexp).
pub fn url_scheme(remote: &str) -> Option<&str> {
    let end = remote
        .bytes()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(remote.len());
    (end > 0 && remote[end..].starts_with("://")).then(|| &remote[..end])
}

/// The parts of an SCP-style remote, `user@host:path[?query][#fragment]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScpRemote<'a> {
    /// `[a-zA-Z0-9_-]+`.
    pub user: &'a str,
    /// `[a-zA-Z0-9.-]+`.
    pub host: &'a str,
    /// Up to the first `?` or `#`.
    pub path: &'a str,
    /// After `?`, up to the first `#` (empty when absent).
    pub query: &'a str,
    /// After `#` (empty when absent).
    pub fragment: &'a str,
}

/// `sshutil`'s SCP-style remote (its regexp, matched by hand): no newline anywhere.
pub fn scp_style(remote: &str) -> Option<ScpRemote<'_>> {
    let (user, rest) = remote.split_once('@')?;
    let (host, rest) = rest.split_once(':')?;
    let user_ok = !user.is_empty()
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !user_ok || !host_ok || rest.contains('\n') {
        return None;
    }
    let (path, query, fragment) = match rest.find(['?', '#']) {
        None => (rest, "", ""),
        Some(i) if rest.as_bytes()[i] == b'#' => (&rest[..i], "", &rest[i + 1..]),
        Some(i) => {
            let after = &rest[i + 1..];
            match after.split_once('#') {
                Some((q, f)) => (&rest[..i], q, f),
                None => (&rest[..i], after, ""),
            }
        }
    };
    Some(ScpRemote {
        user,
        host,
        path,
        query,
        fragment,
    })
}

/// `gitutil.ParseURL`.
pub(crate) fn parse(remote: &str) -> Result<GitUrl, GitUrlError> {
    if let Some(proto) = url_scheme(remote) {
        let proto = proto.to_lowercase();
        if !matches!(proto.as_str(), "http" | "https" | "ssh" | "git") {
            return Err(GitUrlError::InvalidProtocol);
        }
        return parse_standard(remote, &proto);
    }
    if let Some(ScpRemote {
        user, host, path, ..
    }) = scp_style(remote)
    {
        return Ok(GitUrl {
            scheme: "ssh".to_string(),
            host: host.to_string(),
            path: path.to_string(),
            remote: format!("{user}@{host}:{path}"),
        });
    }
    Err(GitUrlError::UnknownProtocol)
}

/// `scheme://[userinfo@]host[/path][?query][#fragment]`.
fn parse_standard(raw: &str, scheme: &str) -> Result<GitUrl, GitUrlError> {
    let without_fragment = raw.split_once('#').map_or(raw, |(a, _)| a);
    let without_query = without_fragment
        .split_once('?')
        .map_or(without_fragment, |(a, _)| a);
    let rest = &without_query[scheme.len() + 3..];
    let (authority, raw_path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    validate_host(host)?;
    let path = percent_decode(raw_path).ok_or(GitUrlError::Malformed)?;
    Ok(GitUrl {
        scheme: scheme.to_string(),
        host: host.to_string(),
        path,
        remote: format!("{scheme}://{authority}{raw_path}"),
    })
}

/// The checks of Go's `parseHost` that matter for git remotes: a port must
/// be numeric, brackets must close.
fn validate_host(host: &str) -> Result<(), GitUrlError> {
    let port = if let Some(rest) = host.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err(GitUrlError::Malformed);
        };
        let after = &rest[end + 1..];
        if after.is_empty() {
            None
        } else {
            Some(after.strip_prefix(':').ok_or(GitUrlError::Malformed)?)
        }
    } else {
        host.rsplit_once(':').map(|(_, p)| p)
    };
    match port {
        Some(p) if !p.bytes().all(|b| b.is_ascii_digit()) => Err(GitUrlError::Malformed),
        _ => Ok(()),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_standard_urls() {
        let u = parse("https://github.com/moby/buildkit.git#v0.10.1").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "github.com");
        assert_eq!(u.path, "/moby/buildkit.git");
        assert_eq!(u.remote, "https://github.com/moby/buildkit.git");
        let u = parse("ssh://git@host:2222/a/b.git?x=1").unwrap();
        assert_eq!(u.host, "host:2222");
        assert_eq!(u.remote, "ssh://git@host:2222/a/b.git");
    }

    #[test]
    fn parses_scp_style() {
        let u = parse("git@github.com:moby/buildkit.git#main").unwrap();
        assert_eq!(u.scheme, "ssh");
        assert_eq!(u.host, "github.com");
        assert_eq!(u.path, "moby/buildkit.git");
        assert_eq!(u.remote, "git@github.com:moby/buildkit.git");
    }

    /// The regular expressions of BuildKit's `gitutil`/`sshutil`, as the oracle.
    type Parts = (String, String, String, String, String);

    fn oracle(remote: &str) -> (Option<String>, Option<Parts>) {
        let proto = regex::Regex::new("^[a-zA-Z0-9]+://").unwrap();
        let scp =
            regex::Regex::new(r"^([a-zA-Z0-9_-]+)@([a-zA-Z0-9.-]+):(.*?)(?:\?(.*?))?(?:#(.*))?$")
                .unwrap();
        let p = proto
            .find(remote)
            .map(|m| m.as_str().trim_end_matches("://").to_string());
        let c = scp.captures(remote).map(|c| {
            let g = |i| {
                c.get(i)
                    .map_or("", |m: regex::Match<'_>| m.as_str())
                    .to_string()
            };
            (g(1), g(2), g(3), g(4), g(5))
        });
        (p, c)
    }

    proptest::proptest! {
        #[test]
        fn hand_matchers_agree_with_the_regexps(remote in "[aZ9_.@:/?#\n-]{0,16}") {
            let got = (
                url_scheme(&remote).map(str::to_string),
                scp_style(&remote).map(|r| {
                    let s = |x: &str| x.to_string();
                    (s(r.user), s(r.host), s(r.path), s(r.query), s(r.fragment))
                }),
            );
            proptest::prop_assert_eq!(got, oracle(&remote));
        }
    }

    #[test]
    fn rejects() {
        assert_eq!(parse("github.com/a/b"), Err(GitUrlError::UnknownProtocol));
        assert_eq!(parse("ftp://x/y"), Err(GitUrlError::InvalidProtocol));
        assert_eq!(parse("https://h:abc/x"), Err(GitUrlError::Malformed));
    }
}
