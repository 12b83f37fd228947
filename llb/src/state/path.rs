//! Slash-separated path arithmetic with the exact semantics of Go's `path`
//! package (`Clean`, `Join`, `IsAbs`), which `client/llb` uses to resolve
//! working directories and file-action paths. Digests depend on the
//! resulting strings, so these must not be replaced by `std::path`.

/// Go's `path.IsAbs`: the path starts with `/`.
pub(crate) fn is_abs(p: &str) -> bool {
    p.starts_with('/')
}

/// Go's `path.Clean`: the shortest equivalent path, lexically.
///
/// Collapses repeated slashes, drops `.` elements, resolves `..` against the
/// preceding element (never above the root of a rooted path), strips a
/// trailing slash, and turns an empty result into `.` (or `/` if rooted).
pub(crate) fn clean(p: &str) -> String {
    if is_clean(p) {
        return p.to_string();
    }
    clean_elements(p)
}

/// [`clean`] element by element.
fn clean_elements(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = is_abs(p);
    let mut parts: Vec<&str> = Vec::new();
    // Number of leading `..` elements that cannot be resolved (unrooted only).
    let mut fixed = 0usize;
    for elem in p.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if parts.len() > fixed {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                    fixed += 1;
                }
            }
            other => parts.push(other),
        }
    }
    let mut out = String::with_capacity(p.len() + 1);
    if rooted {
        out.push('/');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Whether `p` is already what [`clean`] makes of it: `/`, or elements that are neither
/// empty, `.` nor `..`, with no trailing slash.
fn is_clean(p: &str) -> bool {
    if p == "/" {
        return true;
    }
    let body = p.strip_prefix('/').unwrap_or(p).as_bytes();
    if body.is_empty() {
        return false;
    }
    // Byte by byte: most paths are short, and this runs for every path an op names.
    let mut start = 0;
    for end in (0..body.len())
        .filter(|&i| body[i] == b'/')
        .chain([body.len()])
    {
        if matches!(&body[start..end], b"" | b"." | b"..") {
            return false;
        }
        start = end + 1;
    }
    true
}

/// Go's `path.Join`: the non-empty elements joined by `/`, then cleaned;
/// the empty string when every element is empty.
pub(crate) fn join(elems: &[&str]) -> String {
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
    clean_elements(&joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            ("/", "/"),
            ("abc", "abc"),
            ("abc/", "abc"),
            ("/abc/", "/abc"),
            ("a//b", "a/b"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("../../a/..", "../.."),
            ("/../a", "/a"),
            ("a/b/../../..", ".."),
            ("./", "."),
            ("/./", "/"),
            ("abc/def/../ghi/./", "abc/ghi"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn paths_found_clean_are_what_cleaning_gives() {
        // Every path of up to 7 characters over `a`, `.` and `/`.
        let mut paths = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..7 {
            paths = paths
                .iter()
                .flat_map(|p| ["a", ".", "/"].map(|c| format!("{p}{c}")))
                .collect();
            all.extend(paths.iter().cloned());
        }
        let mut found_clean = 0;
        for p in &all {
            let slow = clean_elements(p);
            assert_eq!(clean(p), slow, "clean({p:?})");
            assert!(
                is_clean(&slow) || slow == "." || slow.starts_with(".."),
                "{p:?}"
            );
            if is_clean(p) {
                found_clean += 1;
                assert_eq!(&slow, p);
            }
        }
        assert!(found_clean > 100);
    }

    #[test]
    fn join_is_cleaning_the_joined_elements() {
        // Every list of up to three elements out of a few awkward ones.
        let pieces = ["", "/", ".", "..", "a", "b/", "/c/..", "d//e"];
        let mut lists: Vec<Vec<&str>> = vec![vec![]];
        for _ in 0..3 {
            let longer: Vec<Vec<&str>> = lists
                .iter()
                .flat_map(|l| {
                    pieces.iter().map(move |p| {
                        let mut l = l.clone();
                        l.push(p);
                        l
                    })
                })
                .collect();
            lists.extend(longer);
        }
        for elems in &lists {
            let non_empty: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
            let want = if non_empty.is_empty() {
                String::new()
            } else {
                clean_elements(&non_empty.join("/"))
            };
            assert_eq!(join(elems), want, "join({elems:?})");
        }
    }

    #[test]
    fn join_matches_go() {
        assert_eq!(join(&["", ""]), "");
        assert_eq!(join(&["/", "a"]), "/a");
        assert_eq!(join(&["/a/b", "../c"]), "/a/c");
        assert_eq!(join(&["a", ""]), "a");
        assert_eq!(join(&["", "a/"]), "a");
        assert_eq!(join(&["/", "", "x"]), "/x");
    }
}
