//! Path rules for stages whose platform OS is `windows` (upstream's `util/system` path
//! helpers as the Dockerfile frontend uses them). For any other OS every function here
//! leaves the path alone, so Linux targets keep plain slash-path semantics.
//!
//! On Windows a path may use `\` or `/`, may start with the system drive (`C:` or `c:`,
//! which is dropped) and is cleaned lexically on the way; other drives, a bare drive
//! (`C:`) and UNC paths (`\\server\share`, `//x`) are refused. Inside the LLB every path is
//! slash-separated; only the image config's `WorkingDir` is written with `\`.

use std::borrow::Cow;

use super::history::go_quote;
use super::paths::clean;

/// The platform OS these rules apply to.
pub(crate) const WINDOWS: &str = "windows";

/// Why a Windows path cannot be used (upstream's messages, word for word).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DriveError {
    /// A drive letter and nothing else (`C:`).
    #[error("No relative path specified in {}", go_quote(.0))]
    BareDrive(String),
    /// A UNC path (starts with two separators).
    #[error("UNC paths are not supported")]
    Unc,
    /// A drive other than `C:`.
    #[error("The specified path is not on the system drive (C:)")]
    NotSystemDrive,
}

/// `\` turned into `/` for Windows; other OSes unchanged (not copied, as is a Windows path
/// without `\`).
pub(crate) fn to_slash<'a>(p: impl Into<Cow<'a, str>>, os: &str) -> Cow<'a, str> {
    replace_separator(p.into(), os, '\\', "/")
}

/// `/` turned into `\` for Windows; other OSes unchanged (not copied).
pub(crate) fn from_slash<'a>(p: impl Into<Cow<'a, str>>, os: &str) -> Cow<'a, str> {
    replace_separator(p.into(), os, '/', "\\")
}

/// `p` with every `from` replaced by `to` for Windows, else as given.
fn replace_separator<'a>(p: Cow<'a, str>, os: &str, from: char, to: &str) -> Cow<'a, str> {
    if os == WINDOWS && p.contains(from) {
        Cow::Owned(p.replace(from, to))
    } else {
        p
    }
}

/// Upstream's `CheckSystemDriveAndRemoveDriveLetter`: for Windows, `p` with `/`
/// separators, cleaned, without its `C:` prefix (a trailing separator kept when
/// `keep_slash` and the cleaned path is longer than one byte). Other OSes: `p` unchanged
/// (borrowed).
pub(crate) fn strip_drive_letter<'a>(
    p: &'a str,
    os: &str,
    keep_slash: bool,
) -> Result<Cow<'a, str>, DriveError> {
    if os != WINDOWS {
        return Ok(Cow::Borrowed(p));
    }
    let b = p.as_bytes();
    if b.len() == 2 && b[1] == b':' {
        return Err(DriveError::BareDrive(p.to_string()));
    }
    let is_sep = |c: u8| c == b'/' || c == b'\\';
    if b.len() >= 2 && is_sep(b[0]) && is_sep(b[1]) {
        return Err(DriveError::Unc);
    }
    let rest = match p.split_once(':') {
        None => p,
        Some((drive, rest)) if drive.eq_ignore_ascii_case("c") => rest,
        Some(_) => return Err(DriveError::NotSystemDrive),
    };
    Ok(Cow::Owned(clean_keeping_slash(
        &to_slash(rest, os),
        keep_slash,
    )))
}

/// Upstream's `IsAbs`: for Windows, whether `p` (drive letter dropped) starts with a
/// separator; a path with an invalid drive is not absolute. Other OSes: starts with `/`.
pub(crate) fn is_abs(p: &str, os: &str) -> bool {
    if os != WINDOWS {
        return p.starts_with('/');
    }
    // The stripped path is already slash-separated.
    strip_drive_letter(p, os, false).is_ok_and(|stripped| stripped.starts_with('/'))
}

/// Go's `path.Clean` of a slash path, keeping one trailing `/` when `keep_slash` and the
/// cleaned path is longer than one byte (so `b/` becomes `b`, `ab/` stays `ab/`).
fn clean_keeping_slash(p: &str, keep_slash: bool) -> String {
    let cleaned = clean(p);
    if keep_slash && cleaned.len() > 1 && p.ends_with('/') {
        cleaned + "/"
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_letters() {
        let strip = |p: &'static str, keep| strip_drive_letter(p, WINDOWS, keep);
        assert_eq!(strip("C:\\foo\\..\\bar", false).as_deref(), Ok("/bar"));
        assert_eq!(strip("c:rel\\", true).as_deref(), Ok("rel/"));
        assert_eq!(strip("b/", true).as_deref(), Ok("b"));
        assert_eq!(strip("ab/", true).as_deref(), Ok("ab/"));
        assert_eq!(strip("", true).as_deref(), Ok("."));
        assert_eq!(strip("C:", false), Err(DriveError::BareDrive("C:".into())));
        assert_eq!(strip("\\\\srv\\share", false), Err(DriveError::Unc));
        assert_eq!(strip("D:\\x", false), Err(DriveError::NotSystemDrive));
        assert_eq!(
            DriveError::BareDrive("d:".into()).to_string(),
            "No relative path specified in \"d:\""
        );
        assert_eq!(
            strip_drive_letter("C:\\x/", "linux", true).as_deref(),
            Ok("C:\\x/")
        );
    }

    #[test]
    fn absolute_and_separators() {
        assert!(is_abs("C:\\x", WINDOWS));
        assert!(is_abs("\\x", WINDOWS));
        assert!(!is_abs("C:x", WINDOWS));
        assert!(!is_abs("D:\\x", WINDOWS));
        assert!(!is_abs("\\\\srv\\share", WINDOWS));
        assert!(!is_abs("/a:b", WINDOWS));
        assert!(is_abs("/a:b", "linux"));
        assert!(!is_abs("\\x", "linux"));
        assert_eq!(to_slash("a\\b", WINDOWS), "a/b");
        assert_eq!(from_slash("/a/b", WINDOWS), "\\a\\b");
        assert_eq!(from_slash("/a/b", "linux"), "/a/b");
    }
}
