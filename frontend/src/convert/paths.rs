//! Slash-separated path helpers with Go's semantics (`path.Clean`, `path.Join`) and
//! upstream's `system.NormalizePath` / `NormalizeWorkdir` / `pathRelativeToWorkingDir`
//! (OS-aware: Windows targets follow [`windows_paths`]).

use std::borrow::Cow;

use llb::state::State;

use super::error::{ConvertError, Result};
use super::windows_paths;

pub(crate) use syntax::paths::{clean, join};

/// Go's `path.Base`.
pub(crate) fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// Upstream's `system.NormalizePath`: `new_path` resolved against `parent` for a stage
/// whose platform OS is `os` (Windows rules in [`windows_paths`]), slash-separated, with
/// a trailing `/` or `/.` kept when `keep_slash`. Fails (`removing drive letter: …`) on a
/// Windows path upstream refuses.
pub(crate) fn normalize_path(
    parent: &str,
    new_path: &str,
    os: &str,
    keep_slash: bool,
) -> Result<String> {
    let orig = windows_paths::to_slash(new_path, os);
    // strip_drive_letter takes either separator and returns `/` ones.
    let parent = strip_drive_letter(if parent.is_empty() { "/" } else { parent }, os, keep_slash)?;
    let parent = if windows_paths::is_abs(&parent, os) {
        parent
    } else {
        Cow::Owned(join(&["/", &parent]))
    };
    let p = strip_drive_letter(
        if orig.is_empty() { &parent } else { &orig },
        os,
        keep_slash,
    )?;
    let mut p = if windows_paths::is_abs(&p, os) {
        p.into_owned()
    } else {
        join(&[&parent, &p])
    };
    if keep_slash {
        if orig.ends_with('/') && !p.ends_with('/') {
            p.push('/');
        } else if orig.ends_with("/.") {
            if p != "/" {
                p.push('/');
            }
            p.push('.');
        }
    }
    // Already slash-separated: both sides went through strip_drive_letter, which leaves no
    // `\` on Windows.
    Ok(p)
}

/// [`windows_paths::strip_drive_letter`] with upstream's `removing drive letter: ` prefix on
/// its error.
pub(crate) fn strip_drive_letter<'a>(
    p: &'a str,
    os: &str,
    keep_slash: bool,
) -> Result<Cow<'a, str>> {
    windows_paths::strip_drive_letter(p, os, keep_slash)
        .map_err(|e| ConvertError::msg(format!("removing drive letter: {e}")))
}

/// Upstream's `system.NormalizeWorkdir`: the new working directory, with the OS's
/// separators (`\` for Windows, as the image config stores it).
pub(crate) fn normalize_workdir(current: &str, wd: &str, os: &str) -> Result<String> {
    let wd = normalize_path(current, wd, os, false)
        .map_err(|e| e.wrap("normalizing working directory"))?;
    Ok(windows_paths::from_slash(wd, os).into_owned())
}

/// Upstream's `pathRelativeToWorkingDir`: `p` made absolute against the State's working
/// directory, a trailing slash kept, for a stage whose platform OS is `os`.
pub(crate) fn path_relative_to_working_dir(st: &State, p: &str, os: &str) -> Result<String> {
    let p = strip_drive_letter(p, os, true)?;
    if windows_paths::is_abs(&p, os) {
        return normalize_path("/", &p, os, true);
    }
    let p = if p == "." || p.is_empty() { "./" } else { &p };
    normalize_path(st.get_dir(), p, os, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_like_go() {
        assert_eq!(clean("a/../../b/./c/"), "../b/c");
        assert_eq!(clean("/../a//b"), "/a/b");
        assert_eq!(clean(""), ".");
        assert_eq!(join(&["/", "x", "../y"]), "/y");
        assert_eq!(join(&["", ""]), "");
        assert_eq!(base("/a/b/"), "b");
        assert_eq!(base("/"), "/");
    }

    #[test]
    fn normalizes() {
        let linux = |parent: &str, p: &str, keep| normalize_path(parent, p, "linux", keep).ok();
        assert_eq!(linux("/app", "sub/", true).as_deref(), Some("/app/sub/"));
        assert_eq!(linux("/app", "./", true).as_deref(), Some("/app/"));
        assert_eq!(linux("/", "./", true).as_deref(), Some("/"));
        assert_eq!(linux("/app", "x/.", true).as_deref(), Some("/app/x/."));
        assert_eq!(
            linux("/app", "/abs/../y", false).as_deref(),
            Some("/abs/../y")
        );
        assert_eq!(linux("/app", "C:\\x", false).as_deref(), Some("/app/C:\\x"));
        assert_eq!(
            normalize_workdir("/app", "sub", "linux").ok().as_deref(),
            Some("/app/sub")
        );
        assert_eq!(
            normalize_workdir("", "rel", "").ok().as_deref(),
            Some("/rel")
        );
    }

    #[test]
    fn normalizes_windows() {
        let win = |parent: &str, p: &str, keep| normalize_path(parent, p, "windows", keep).ok();
        assert_eq!(win("\\app", "sub\\", true).as_deref(), Some("/app/sub/"));
        assert_eq!(win("/", "C:\\a\\..\\b", false).as_deref(), Some("/b"));
        assert_eq!(
            normalize_workdir("/", "/", "windows").ok().as_deref(),
            Some("\\")
        );
        assert_eq!(
            normalize_workdir("\\w", "C:x", "windows").ok().as_deref(),
            Some("\\w\\x")
        );
        assert_eq!(
            normalize_workdir("/", "D:\\x", "windows").map_err(|e| e.to_string()),
            Err("normalizing working directory: removing drive letter: \
                 The specified path is not on the system drive (C:)"
                .to_string())
        );
    }
}
