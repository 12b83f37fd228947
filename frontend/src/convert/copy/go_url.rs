//! The subset of Go's `net/url` that git-ref detection in `ADD`/`COPY` relies on: parsing an
//! absolute URL into scheme, user info, host, path, query and fragment, printing it back
//! without query and fragment (`URL.String()` after clearing them), and `ParseQuery`.
//!
//! Only what decides whether a source is a git remote, and what the remote string looks
//! like, is modelled; errors carry no text (callers only need "does not parse").

use std::collections::BTreeMap;

/// A parsed URL with an authority (`scheme://…`), or a relative reference.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct GoUrl {
    /// Lower-cased scheme; empty for a relative reference.
    pub scheme: String,
    /// `user[:password]`, decoded.
    pub user: Option<(String, Option<String>)>,
    /// Host (with port), decoded.
    pub host: String,
    /// Path, decoded.
    pub path: String,
    /// Path as written (used for printing when it is a valid encoding).
    raw_path: String,
    /// Whether the authority was written (`//`).
    has_authority: bool,
    /// Query as written, without `?`.
    pub raw_query: String,
    /// Fragment, decoded.
    pub fragment: String,
}

/// Why a URL does not parse (Go's `url.Error`; the text is not needed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct UrlError;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Path,
    Host,
    UserPassword,
    QueryComponent,
    Fragment,
}

/// Go's `url.Parse`.
pub(super) fn parse(raw: &str) -> Result<GoUrl, UrlError> {
    let (u, frag) = match raw.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (raw, None),
    };
    let mut url = parse_no_fragment(u)?;
    if let Some(f) = frag
        && !f.is_empty()
    {
        url.fragment = unescape(f, Encoding::Fragment)?;
    }
    Ok(url)
}

fn parse_no_fragment(raw: &str) -> Result<GoUrl, UrlError> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(UrlError);
    }
    let mut url = GoUrl::default();
    if raw == "*" {
        url.path = "*".to_string();
        return Ok(url);
    }
    let (scheme, rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest.to_string();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest.pop();
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = r.to_string();
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // An opaque URL (`scheme:opaque`); callers only see `scheme://` forms, so it is
            // reported as not parsing.
            return Err(UrlError);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err(UrlError);
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let (user, host) = parse_authority(authority)?;
        url.user = user;
        url.host = host;
        url.has_authority = true;
        rest = path.to_string();
    }
    url.path = unescape(&rest, Encoding::Path)?;
    url.raw_path = rest;
    Ok(url)
}

/// Go's `getScheme`.
fn get_scheme(raw: &str) -> Result<(&str, &str), UrlError> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err(UrlError);
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

type UserInfo = Option<(String, Option<String>)>;

/// Go's `parseAuthority`.
fn parse_authority(authority: &str) -> Result<(UserInfo, String), UrlError> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let host = parse_host(host)?;
    let Some(userinfo) = userinfo else {
        return Ok((None, host));
    };
    if !valid_userinfo(userinfo) {
        return Err(UrlError);
    }
    let user = match userinfo.split_once(':') {
        None => (unescape(userinfo, Encoding::UserPassword)?, None),
        Some((u, p)) => (
            unescape(u, Encoding::UserPassword)?,
            Some(unescape(p, Encoding::UserPassword)?),
        ),
    };
    Ok((Some(user), host))
}

/// Go's `parseHost` (IPv6 zones are not special-cased).
fn parse_host(host: &str) -> Result<String, UrlError> {
    if host.starts_with('[') {
        let i = host.rfind(']').ok_or(UrlError)?;
        if !valid_optional_port(&host[i + 1..]) {
            return Err(UrlError);
        }
    } else if let Some(i) = host.rfind(':')
        && !valid_optional_port(&host[i..])
    {
        return Err(UrlError);
    }
    unescape(host, Encoding::Host)
}

fn valid_optional_port(port: &str) -> bool {
    if port.is_empty() {
        return true;
    }
    match port.strip_prefix(':') {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

fn valid_userinfo(s: &str) -> bool {
    s.bytes().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b':'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
                    | b'@'
            )
    })
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Encoding) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Encoding::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Encoding::Path => c == b'?',
                Encoding::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Encoding::QueryComponent => true,
                Encoding::Fragment => false,
                Encoding::Host => true,
            };
        }
        _ => {}
    }
    if mode == Encoding::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Go's `unescape`.
fn unescape(s: &str, mode: Encoding) -> Result<String, UrlError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = b.get(i + 1).copied().and_then(unhex);
                let lo = b.get(i + 2).copied().and_then(unhex);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(UrlError);
                };
                if mode == Encoding::Host && hi < 8 && &s[i..i + 3] != "%25" {
                    return Err(UrlError);
                }
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if mode == Encoding::QueryComponent => {
                out.push(b' ');
                i += 1;
            }
            c => {
                if mode == Encoding::Host && c < 0x80 && should_escape(c, mode) {
                    return Err(UrlError);
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `escape`.
fn escape(s: &str, mode: Encoding) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            if c == b' ' && mode == Encoding::QueryComponent {
                out.push('+');
            } else {
                out.push_str(&format!("%{c:02X}"));
            }
        } else {
            out.push(c as char);
        }
    }
    out
}

/// Go's `validEncoded` for paths.
fn valid_encoded_path(s: &str) -> bool {
    s.bytes().all(|c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape(c, Encoding::Path)
    })
}

impl GoUrl {
    /// Go's `URL.EscapedPath`.
    fn escaped_path(&self) -> String {
        if self.raw_path != escape(&self.path, Encoding::Path) && valid_encoded_path(&self.raw_path)
        {
            return self.raw_path.clone();
        }
        if self.path == "*" {
            return "*".to_string();
        }
        escape(&self.path, Encoding::Path)
    }

    /// Go's `URL.String()` with query and fragment cleared (the git remote).
    pub(super) fn without_query_and_fragment(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some() {
            let omit_host = !self.has_authority && self.raw_path.starts_with('/');
            if !(omit_host && self.host.is_empty() && self.user.is_none()) {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some((user, password)) = &self.user {
                    buf.push_str(&escape(user, Encoding::UserPassword));
                    if let Some(p) = password {
                        buf.push(':');
                        buf.push_str(&escape(p, Encoding::UserPassword));
                    }
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Encoding::Host));
                }
            }
        }
        let path = self.escaped_path();
        if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
            buf.push('/');
        }
        buf.push_str(&path);
        buf
    }

    /// Go's `URL.Query()`: the parsed query, pairs that do not decode skipped.
    pub(super) fn query(&self) -> BTreeMap<String, Vec<String>> {
        parse_query(&self.raw_query).0
    }
}

/// Go's `url.ParseQuery`: the values, and whether some pair failed to decode.
pub(super) fn parse_query(query: &str) -> (BTreeMap<String, Vec<String>>, bool) {
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut failed = false;
    for pair in query.split('&') {
        if pair.contains(';') {
            failed = true;
            continue;
        }
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match (
            unescape(k, Encoding::QueryComponent),
            unescape(v, Encoding::QueryComponent),
        ) {
            (Ok(k), Ok(v)) => values.entry(k).or_default().push(v),
            _ => failed = true,
        }
    }
    (values, failed)
}

/// Go's `url.User(name).String()`: the user name escaped for a URL.
pub(super) fn escape_user(name: &str) -> String {
    escape(name, Encoding::UserPassword)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let u = parse("https://github.com/moby/buildkit.git#v0.10.1:sub").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "github.com");
        assert_eq!(u.path, "/moby/buildkit.git");
        assert_eq!(u.fragment, "v0.10.1:sub");
        assert_eq!(
            u.without_query_and_fragment(),
            "https://github.com/moby/buildkit.git"
        );
        let u = parse("HTTPS://user:p%40ss@host:8080/a%20b/c d?ref=x").unwrap();
        assert_eq!(u.path, "/a b/c d");
        assert_eq!(u.user, Some(("user".into(), Some("p@ss".into()))));
        assert_eq!(
            u.without_query_and_fragment(),
            "https://user:p%40ss@host:8080/a%20b/c%20d"
        );
        assert_eq!(u.query().get("ref"), Some(&vec!["x".to_string()]));
        assert!(parse("https://host:port/x").is_err());
        assert!(parse("https://host/%zz").is_err());
    }

    #[test]
    fn parses_queries() {
        let (q, failed) = parse_query("a=1&a=2&b=&c&d=%zz&e;f=1");
        assert!(failed);
        assert_eq!(q.get("a").map(Vec::len), Some(2));
        assert_eq!(q.get("b"), Some(&vec![String::new()]));
        assert_eq!(q.get("c"), Some(&vec![String::new()]));
        assert!(!q.contains_key("d"));
    }
}
