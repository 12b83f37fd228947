//! Slash-separated path helpers with Go's semantics (`path.Clean`, `path.Join`) and
//! upstream's `system.NormalizePath` / `NormalizeWorkdir` / `pathRelativeToWorkingDir`
//! for Unix-style targets.

use llb::state::State;

pub(crate) use syntax::paths::clean;

/// Go's `path.Join`: the non-empty elements joined with `/`, cleaned; empty when all are.
pub(crate) fn join(elems: &[&str]) -> String {
    let nonempty: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if nonempty.is_empty() {
        return String::new();
    }
    clean(&nonempty.join("/"))
}

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

/// Upstream's `system.NormalizePath` for a Unix target: `new_path` resolved against
/// `parent`, with a trailing `/` or `/.` kept when `keep_slash`.
pub(crate) fn normalize_path(parent: &str, new_path: &str, keep_slash: bool) -> String {
    let orig = new_path;
    let mut parent = if parent.is_empty() {
        "/".to_string()
    } else {
        parent.to_string()
    };
    if !parent.starts_with('/') {
        parent = join(&["/", &parent]);
    }
    let mut p = if new_path.is_empty() {
        parent.clone()
    } else {
        new_path.to_string()
    };
    if !p.starts_with('/') {
        p = join(&[&parent, &p]);
    }
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
    p
}

/// Upstream's `system.NormalizeWorkdir`: the new working directory.
pub(crate) fn normalize_workdir(current: &str, wd: &str) -> String {
    normalize_path(current, wd, false)
}

/// Upstream's `pathRelativeToWorkingDir`: `p` made absolute against the State's working
/// directory, a trailing slash kept.
pub(crate) fn path_relative_to_working_dir(st: &State, p: &str) -> String {
    if p.starts_with('/') {
        return normalize_path("/", p, true);
    }
    let p = if p == "." || p.is_empty() { "./" } else { p };
    normalize_path(st.get_dir(), p, true)
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
        assert_eq!(normalize_path("/app", "sub/", true), "/app/sub/");
        assert_eq!(normalize_path("/app", "./", true), "/app/");
        assert_eq!(normalize_path("/", "./", true), "/");
        assert_eq!(normalize_path("/app", "x/.", true), "/app/x/.");
        assert_eq!(normalize_path("/app", "/abs/../y", false), "/abs/../y");
        assert_eq!(normalize_workdir("/app", "sub"), "/app/sub");
        assert_eq!(normalize_workdir("", "rel"), "/rel");
    }
}
