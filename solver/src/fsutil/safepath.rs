//! Resolving a path inside a root directory so that no `..` and no symlink
//! (absolute or relative, however nested) ever leads outside the root.
//!
//! Symlinks are interpreted as if `root` were `/`: an absolute target
//! restarts at the root, `..` at the root stays at the root. Components that
//! do not exist are taken literally. The result is always `root` joined with
//! a relative path free of `.`, `..` and (except possibly the last component
//! when `follow_final` is false) symlinks.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// How many symlinks one resolution may follow before giving up (Linux's
/// limit is 40; we allow more since links inside images chain).
const MAX_LINKS: usize = 255;

/// Why a path could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum SafePathError {
    /// Too many symlinks (a loop).
    #[error("{path}: too many levels of symbolic links")]
    Loop {
        /// The path as given.
        path: String,
    },
    /// Reading a component failed for another reason than "not found".
    #[error("{path}: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Resolves `path` (absolute or relative; both are taken from `root`) inside
/// `root`, following symlinks in every component, and the last one too when
/// `follow_final` is set.
pub fn resolve_in_root(
    root: &Path,
    path: &str,
    follow_final: bool,
) -> Result<PathBuf, SafePathError> {
    let rel = resolve_relative(root, path, follow_final)?;
    Ok(root.join(rel))
}

/// Like [`resolve_in_root`] but returns the resolved path relative to
/// `root` (empty for the root itself).
pub fn resolve_relative(
    root: &Path,
    path: &str,
    follow_final: bool,
) -> Result<PathBuf, SafePathError> {
    let mut resolved: Vec<std::ffi::OsString> = Vec::new();
    // Pending components, last element is the next to process.
    let mut pending: Vec<std::ffi::OsString> = split_reversed(Path::new(path));
    let mut links = 0usize;
    while let Some(comp) = pending.pop() {
        if comp == OsStr::new("..") {
            resolved.pop();
            continue;
        }
        let is_final = pending.is_empty();
        let mut candidate = root.to_path_buf();
        candidate.extend(resolved.iter());
        candidate.push(&comp);
        match std::fs::symlink_metadata(&candidate) {
            Ok(meta) if meta.file_type().is_symlink() && (!is_final || follow_final) => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(SafePathError::Loop {
                        path: path.to_string(),
                    });
                }
                let target =
                    std::fs::read_link(&candidate).map_err(|source| SafePathError::Io {
                        path: path.to_string(),
                        source,
                    })?;
                if target.is_absolute() {
                    resolved.clear();
                }
                pending.extend(split_reversed(&target));
            }
            Ok(_) => resolved.push(comp),
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(libc::ENOTDIR) =>
            {
                resolved.push(comp)
            }
            Err(source) => {
                return Err(SafePathError::Io {
                    path: path.to_string(),
                    source,
                });
            }
        }
    }
    Ok(resolved.iter().collect())
}

/// The normal and `..` components of a path, in reverse order (so `pop`
/// yields them first to last). `.` and root markers are dropped.
fn split_reversed(path: &Path) -> Vec<std::ffi::OsString> {
    let mut out: Vec<std::ffi::OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    out.reverse();
    out
}

/// Lexically cleans a path the way Go's `path.Clean` does, always returning
/// an absolute path (`/` for empty input).
pub fn clean_abs(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Joins a possibly relative `path` onto `cwd` (absolute) and cleans it.
pub fn join_abs(cwd: &str, path: &str) -> String {
    if path.starts_with('/') {
        clean_abs(path)
    } else {
        clean_abs(&format!("{cwd}/{path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("a/b")).unwrap();
        std::fs::write(r.join("a/b/f"), "x").unwrap();
        symlink("/etc", r.join("abs")).unwrap();
        symlink("../../..", r.join("a/b/up")).unwrap();
        symlink("b", r.join("a/rel")).unwrap();
        symlink("loop2", r.join("loop1")).unwrap();
        symlink("loop1", r.join("loop2")).unwrap();
        symlink("/a/b/f", r.join("tofile")).unwrap();
        d
    }

    #[test]
    fn plain_paths_and_dotdot_stay_inside() {
        let d = tree();
        let r = d.path();
        assert_eq!(resolve_in_root(r, "/a/b/f", true).unwrap(), r.join("a/b/f"));
        assert_eq!(
            resolve_in_root(r, "../../../../etc/passwd", true).unwrap(),
            r.join("etc/passwd")
        );
        assert_eq!(
            resolve_in_root(r, "a/./b/../b/f", true).unwrap(),
            r.join("a/b/f")
        );
        assert_eq!(resolve_in_root(r, "/", true).unwrap(), r.to_path_buf());
    }

    #[test]
    fn absolute_symlinks_restart_at_root() {
        let d = tree();
        let r = d.path();
        assert_eq!(
            resolve_in_root(r, "/abs/passwd", true).unwrap(),
            r.join("etc/passwd")
        );
        assert_eq!(
            resolve_in_root(r, "/tofile", true).unwrap(),
            r.join("a/b/f")
        );
        assert_eq!(
            resolve_in_root(r, "/tofile", false).unwrap(),
            r.join("tofile")
        );
    }

    #[test]
    fn relative_symlinks_with_dotdot_are_clamped() {
        let d = tree();
        let r = d.path();
        assert_eq!(resolve_in_root(r, "/a/b/up/x", true).unwrap(), r.join("x"));
        assert_eq!(
            resolve_in_root(r, "/a/rel/f", true).unwrap(),
            r.join("a/b/f")
        );
        assert_eq!(
            resolve_in_root(r, "/a/b/up", false).unwrap(),
            r.join("a/b/up")
        );
    }

    #[test]
    fn loops_are_errors() {
        let d = tree();
        assert!(matches!(
            resolve_in_root(d.path(), "/loop1/x", true),
            Err(SafePathError::Loop { .. })
        ));
    }

    #[test]
    fn through_a_file_is_literal() {
        let d = tree();
        let r = d.path();
        assert_eq!(
            resolve_in_root(r, "/a/b/f/g", true).unwrap(),
            r.join("a/b/f/g")
        );
    }

    #[test]
    fn clean_like_go() {
        assert_eq!(clean_abs(""), "/");
        assert_eq!(clean_abs("a//b/../c/."), "/a/c");
        assert_eq!(clean_abs("/../x"), "/x");
        assert_eq!(join_abs("/work", "sub/../f"), "/work/f");
        assert_eq!(join_abs("/work", "/abs"), "/abs");
    }
}
