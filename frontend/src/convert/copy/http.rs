//! `ADD <url>`: which sources are downloaded, the name the file gets, and the `--checksum`
//! digest check (go-digest's `Parse`).

use super::git_ref::parse_git_ref;
use super::go_url;
use crate::convert::error::{ConvertError, Result};
use crate::convert::paths;

/// Upstream's `isHTTPSource`: an `http(s)://` URL that is not a git remote.
pub(super) fn is_http_source(src: &str) -> bool {
    (src.starts_with("http://") || src.starts_with("https://"))
        && !parse_git_ref(src).is_git_source()
}

/// The downloaded file's name: the URL path's last element, `__unnamed__` when it has none.
pub(super) fn download_filename(src: &str) -> String {
    if let Ok(u) = go_url::parse(src) {
        let base = paths::base(&u.path);
        if base != "." && base != "/" {
            return base;
        }
    }
    "__unnamed__".to_string()
}

/// go-digest's `Parse`: `algorithm:hex` with a known algorithm and the right length.
pub(super) fn validate_digest(s: &str) -> Result<()> {
    let invalid_format = || ConvertError::msg("invalid checksum digest format");
    let i = match s.find(':') {
        Some(i) if i > 0 && i + 1 < s.len() => i,
        _ => return Err(invalid_format()),
    };
    let (algorithm, encoded) = (&s[..i], &s[i + 1..]);
    let size = match algorithm {
        "sha256" => 32,
        "sha384" => 48,
        "sha512" => 64,
        _ => {
            if !matches_digest_grammar(s) {
                return Err(invalid_format());
            }
            return Err(ConvertError::msg("unsupported digest algorithm"));
        }
    };
    if encoded.len() != size * 2 {
        return Err(ConvertError::msg("invalid checksum digest length"));
    }
    if !encoded
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(invalid_format());
    }
    Ok(())
}

/// go-digest's `DigestRegexpAnchored`:
/// `^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`.
fn matches_digest_grammar(s: &str) -> bool {
    let Some((alg, enc)) = s.split_once(':') else {
        return false;
    };
    let alg_ok = alg.split(['.', '+', '_', '-']).all(|part| {
        !part.is_empty() && part.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'))
    });
    let enc_ok = !enc.is_empty()
        && enc
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
    alg_ok && enc_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_urls() {
        assert!(is_http_source("https://example.com/file.txt"));
        assert!(!is_http_source("https://github.com/moby/buildkit.git#v1"));
        assert!(!is_http_source("file.txt"));
        assert_eq!(
            download_filename("https://example.com/a/b.tgz?x=1"),
            "b.tgz"
        );
        assert_eq!(download_filename("https://example.com/"), "__unnamed__");
        assert_eq!(download_filename("https://example.com"), "__unnamed__");
        assert_eq!(download_filename("https://example.com/%20x"), " x");
    }

    #[test]
    fn validates_digests() {
        let hex = "24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d";
        assert!(validate_digest(&format!("sha256:{hex}")).is_ok());
        let err = |s: &str| validate_digest(s).unwrap_err().to_string();
        assert_eq!(err("sha256"), "invalid checksum digest format");
        assert_eq!(err("md5:abc"), "unsupported digest algorithm");
        assert_eq!(err("MD5:abc"), "invalid checksum digest format");
        assert_eq!(err("sha256:abc"), "invalid checksum digest length");
        assert_eq!(
            err(&format!("sha256:{}", hex.to_uppercase())),
            "invalid checksum digest format"
        );
    }
}
