//! `.dockerignore` parsing as moby's `patternmatcher/ignorefile.ReadAll` does it. The patterns
//! are not applied here: they travel as `local.excludepatterns` on the context source and the
//! daemon filters the transfer.

/// Reads the patterns: strip a UTF-8 BOM from the first line, skip lines starting with `#`,
/// trim, skip empty lines, keep a `!` prefix, clean the path and drop a leading `/`.
pub fn parse(data: &[u8]) -> Vec<String> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = clean(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        if invert {
            cleaned.insert(0, '!');
        }
        out.push(cleaned);
    }
    out
}

pub use syntax::paths::clean;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_ignorefile() {
        let input = b"\xEF\xBB\xBF# comment\n*.log\n  /abs/dir/  \n!keep.log\n! spaced\n\n./x/../y\r\n  # not a comment\n/\n!\n";
        assert_eq!(
            parse(input),
            vec![
                "*.log",
                "abs/dir",
                "!keep.log",
                "!spaced",
                "y",
                "# not a comment",
                "/",
                "!"
            ]
        );
    }

    #[test]
    fn empty_and_missing_final_newline() {
        assert!(parse(b"").is_empty());
        assert_eq!(parse(b"a\nb"), vec!["a", "b"]);
    }

    #[test]
    fn go_path_clean() {
        for (i, o) in [
            ("", "."),
            ("a/b/../c", "a/c"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("a//b/./", "a/b"),
            ("/", "/"),
            ("..", ".."),
            ("a/..", "."),
            ("a/../../b", "../b"),
        ] {
            assert_eq!(clean(i), o, "{i}");
        }
    }
}
