//! Slash-separated path helpers with Go's semantics.

/// Go's `path.Clean` (and `filepath.Clean` on Unix): the shortest equivalent path, lexically.
pub fn clean(path: &str) -> String {
    if is_clean(path) {
        return path.to_string();
    }
    clean_in_buffer(path)
}

/// [`clean`] for a path that is not clean already, built in one buffer.
fn clean_in_buffer(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut out = String::with_capacity(path.len() + 1);
    if rooted {
        out.push('/');
    }
    // `out[..base]` is the root; `out[..fixed]` ends with the `..` elements that cannot be
    // resolved (unrooted paths only): a later `..` removes an element after them.
    let base = out.len();
    let mut fixed = base;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if out.len() > fixed => {
                // Drop the last element and the separator before it.
                let last = out[fixed..].rfind('/').map_or(fixed, |i| fixed + i);
                out.truncate(last.max(base));
            }
            ".." if rooted => {}
            p => {
                if out.len() > base {
                    out.push('/');
                }
                out.push_str(p);
                if p == ".." {
                    fixed = out.len();
                }
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Go's `path.Join`: the non-empty elements joined with `/`, cleaned; empty when all are.
/// Built in one buffer, cleaned only when it is not clean already.
pub fn join(elems: &[&str]) -> String {
    let mut joined = String::with_capacity(elems.iter().map(|e| e.len() + 1).sum());
    for e in elems.iter().filter(|e| !e.is_empty()) {
        // Go's strings.Join would give `//a` for `/` then `a`: cleaning collapses the
        // slashes, so the separator is left out after one already there.
        if !joined.is_empty() && !joined.ends_with('/') {
            joined.push('/');
        }
        joined.push_str(e);
    }
    if joined.is_empty() || is_clean(&joined) {
        return joined;
    }
    clean_in_buffer(&joined)
}

/// Whether `path` is already what [`clean`] makes of it: `/`, or elements that are neither
/// empty, `.` nor `..`, with no trailing slash.
fn is_clean(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let body = path.strip_prefix('/').unwrap_or(path).as_bytes();
    !body.is_empty()
        && body
            .split(|&b| b == b'/')
            .all(|e| !matches!(e, b"" | b"." | b".."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Go's `path.Clean`, element by element (the definition [`clean`] is checked against).
    fn reference(path: &str) -> String {
        if path.is_empty() {
            return ".".to_string();
        }
        let rooted = path.starts_with('/');
        let mut parts: Vec<&str> = Vec::new();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if parts.last().is_some_and(|p| *p != "..") {
                        parts.pop();
                    } else if !rooted {
                        parts.push("..");
                    }
                }
                p => parts.push(p),
            }
        }
        let joined = parts.join("/");
        match (rooted, joined.is_empty()) {
            (true, _) => format!("/{joined}"),
            (false, true) => ".".to_string(),
            (false, false) => joined,
        }
    }

    /// Go's own `path.Clean` test table.
    #[test]
    fn go_vectors() {
        for (input, want) in [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("a/b/c/", "a/b/c"),
            ("./", "."),
            ("../", ".."),
            ("../../", "../.."),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("//abc//", "/abc"),
            ("abc//", "abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
        ] {
            assert_eq!(clean(input), want, "{input:?}");
        }
    }

    proptest! {
        /// Paths of `/`, `.`, `..` and short names: the same as the element-by-element
        /// definition.
        #[test]
        fn matches_reference(parts in proptest::collection::vec(
            prop_oneof![Just(""), Just("."), Just(".."), Just("a"), Just("bc"), Just("..."), Just(".x")],
            0..8,
        ), rooted in any::<bool>(), trailing in any::<bool>()) {
            let mut path = parts.join("/");
            if rooted {
                path.insert(0, '/');
            }
            if trailing {
                path.push('/');
            }
            prop_assert_eq!(clean(&path), reference(&path), "{:?}", path);
        }

        /// `join` is Go's: the non-empty elements joined with `/`, then cleaned.
        #[test]
        fn join_matches_go(elems in proptest::collection::vec(
            prop_oneof![Just(""), Just("/"), Just("."), Just(".."), Just("a"), Just("b/"), Just("/c/.."), Just("d//e")],
            0..5,
        )) {
            let non_empty: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
            let want = if non_empty.is_empty() { String::new() } else { reference(&non_empty.join("/")) };
            prop_assert_eq!(join(&elems), want, "{:?}", elems);
        }
    }
}
