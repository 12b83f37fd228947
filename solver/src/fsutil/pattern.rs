//! Path patterns with the semantics of `.dockerignore` files and BuildKit's
//! include/exclude filters: `*` and `?` stay within one path segment, `**`
//! spans segments, `[...]` is a character class, `\` escapes, a leading `!`
//! makes an exception. A pattern matches a path when it matches the path or
//! any of its parent directories. Later patterns override earlier ones.

use regex::Regex;

/// A pattern that failed to compile.
#[derive(Debug, thiserror::Error)]
#[error("invalid pattern {pattern:?}: {reason}")]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: String,
}

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    exclusion: bool,
    regex: Regex,
}

impl Pattern {
    /// Compiles one pattern (a leading `!` makes it an exception).
    pub fn new(raw: &str) -> Result<Pattern, PatternError> {
        let (exclusion, body) = match raw.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        let mut cleaned = clean_relative(body);
        if cleaned.is_empty() {
            cleaned = ".".to_string();
        }
        let regex = translate(&cleaned).map_err(|reason| PatternError {
            pattern: raw.to_string(),
            reason,
        })?;
        Ok(Pattern {
            text: cleaned,
            exclusion,
            regex,
        })
    }

    /// The cleaned pattern text (without `!`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether this is an exception (`!pattern`).
    pub fn is_exclusion(&self) -> bool {
        self.exclusion
    }

    /// Whether the pattern matches `path` itself (no parent matching).
    pub fn matches_exact(&self, path: &str) -> bool {
        self.text == "." || self.regex.is_match(path)
    }

    /// Whether the pattern matches `path` or one of its parent directories.
    pub fn matches_or_parent(&self, path: &str) -> bool {
        if self.matches_exact(path) {
            return true;
        }
        let mut p = path;
        while let Some(i) = p.rfind('/') {
            p = &p[..i];
            if self.regex.is_match(p) {
                return true;
            }
        }
        false
    }

    /// Whether some path below directory `dir` could match this pattern
    /// (used to decide whether a walk must descend into `dir`).
    pub fn could_match_below(&self, dir: &str) -> bool {
        if self.text == "." || self.text.contains("**") {
            return true;
        }
        let pat_segs: Vec<&str> = self.text.split('/').collect();
        let dir_segs: Vec<&str> = if dir.is_empty() {
            Vec::new()
        } else {
            dir.split('/').collect()
        };
        if dir_segs.len() >= pat_segs.len() {
            return false;
        }
        dir_segs
            .iter()
            .zip(pat_segs.iter())
            .all(|(d, p)| translate(p).map(|r| r.is_match(d)).unwrap_or(false))
    }
}

/// An ordered list of patterns evaluated like `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct PatternMatcher {
    patterns: Vec<Pattern>,
}

impl PatternMatcher {
    /// Compiles a list of patterns; empty entries are skipped.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<PatternMatcher, PatternError> {
        let mut out = Vec::new();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() || p == "!" {
                continue;
            }
            out.push(Pattern::new(p)?);
        }
        Ok(PatternMatcher { patterns: out })
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether any pattern is an exception.
    pub fn has_exclusions(&self) -> bool {
        self.patterns.iter().any(|p| p.exclusion)
    }

    /// The patterns in order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Whether `path` (relative, `/`-separated) is matched: the last pattern
    /// that matches the path or a parent decides.
    pub fn matches(&self, path: &str) -> bool {
        let mut matched = false;
        for p in &self.patterns {
            if matched != p.exclusion {
                // Only a pattern of the other polarity can change the result.
                continue;
            }
            if p.matches_or_parent(path) {
                matched = !p.exclusion;
            }
        }
        matched
    }

    /// Whether any pattern could match something below directory `dir`.
    pub fn could_match_below(&self, dir: &str) -> bool {
        self.patterns
            .iter()
            .any(|p| !p.exclusion && p.could_match_below(dir))
    }
}

/// Include and exclude pattern lists applied together, as BuildKit's local
/// source and copy filters do.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    include: Option<PatternMatcher>,
    exclude: Option<PatternMatcher>,
}

/// What a walk should do with one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterDecision {
    /// The path itself is selected.
    pub include: bool,
    /// For directories: children may be selected, so walk into it.
    pub descend: bool,
}

impl PathFilter {
    /// Builds a filter; empty lists mean "no filter".
    pub fn new<S: AsRef<str>>(include: &[S], exclude: &[S]) -> Result<PathFilter, PatternError> {
        let include = PatternMatcher::new(include)?;
        let exclude = PatternMatcher::new(exclude)?;
        Ok(PathFilter {
            include: (!include.is_empty()).then_some(include),
            exclude: (!exclude.is_empty()).then_some(exclude),
        })
    }

    /// Whether the filter lets everything through.
    pub fn is_noop(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }

    /// Decides for a relative path (no leading `/`).
    pub fn decide(&self, path: &str, is_dir: bool) -> FilterDecision {
        let included = self.include.as_ref().is_none_or(|m| m.matches(path));
        let excluded = self.exclude.as_ref().is_some_and(|m| m.matches(path));
        let include = included && !excluded;
        let descend = is_dir
            && (include
                || (!excluded
                    && self
                        .include
                        .as_ref()
                        .is_some_and(|m| m.could_match_below(path)))
                || (excluded
                    && self.exclude.as_ref().is_some_and(|m| m.has_exclusions())
                    && self
                        .include
                        .as_ref()
                        .is_none_or(|m| m.matches(path) || m.could_match_below(path))));
        FilterDecision { include, descend }
    }
}

/// Cleans a pattern like Go's `filepath.Clean`, dropping a leading `/`.
fn clean_relative(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for comp in p.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !p.starts_with('/') {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Translates a cleaned pattern into an anchored regex.
fn translate(pattern: &str) -> Result<Regex, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    i += 1;
                    // Skip any further stars.
                    while chars.get(i + 1) == Some(&'*') {
                        i += 1;
                    }
                    if chars.get(i + 1) == Some(&'/') {
                        // `**/` matches zero or more directories.
                        i += 1;
                        re.push_str("(?:.*/)?");
                    } else {
                        re.push_str(".*");
                    }
                } else {
                    re.push_str("[^/]*");
                }
            }
            '?' => re.push_str("[^/]"),
            '\\' => {
                i += 1;
                match chars.get(i) {
                    Some(n) => re.push_str(&regex::escape(&n.to_string())),
                    None => return Err("trailing backslash".to_string()),
                }
            }
            '[' => {
                let mut j = i + 1;
                let mut class = String::from("[");
                if matches!(chars.get(j), Some('!') | Some('^')) {
                    class.push('^');
                    j += 1;
                }
                let mut closed = false;
                let mut first = true;
                while j < chars.len() {
                    let d = chars[j];
                    if d == ']' && !first {
                        closed = true;
                        break;
                    }
                    first = false;
                    match d {
                        '\\' => {
                            j += 1;
                            let Some(n) = chars.get(j) else {
                                return Err("unterminated character class".to_string());
                            };
                            class.push('\\');
                            class.push(*n);
                        }
                        '-' => class.push('-'),
                        '[' | ']' | '&' | '~' | '^' => {
                            class.push('\\');
                            class.push(d);
                        }
                        _ => class.push(d),
                    }
                    j += 1;
                }
                if !closed {
                    return Err("unterminated character class".to_string());
                }
                class.push(']');
                re.push_str(&class);
                i = j;
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    re.push('$');
    Regex::new(&re).map_err(|e| e.to_string())
}

/// Whether a path segment contains glob metacharacters (`*`, `?`, `[`),
/// honouring `\` escapes.
pub fn contains_wildcards(s: &str) -> bool {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// Go's `filepath.Match` for one name against one pattern (no `**`).
pub fn glob_match(pattern: &str, name: &str) -> bool {
    translate(pattern)
        .map(|r| r.is_match(name))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_parents() {
        let m = PatternMatcher::new(&["*.txt", "build"]).unwrap();
        assert!(m.matches("a.txt"));
        assert!(!m.matches("dir/a.txt"));
        assert!(m.matches("build/x/y"));
        assert!(!m.matches("builds"));
    }

    #[test]
    fn double_star() {
        let m = PatternMatcher::new(&["**/*.go"]).unwrap();
        assert!(m.matches("a.go"));
        assert!(m.matches("x/y/a.go"));
        assert!(!m.matches("x/y/a.rs"));
        let m = PatternMatcher::new(&["a/**/b"]).unwrap();
        assert!(m.matches("a/b"));
        assert!(m.matches("a/x/y/b"));
        assert!(m.matches("a/x/b/c"));
    }

    #[test]
    fn exceptions_in_order() {
        let m = PatternMatcher::new(&["*.md", "!README.md"]).unwrap();
        assert!(m.matches("CHANGES.md"));
        assert!(!m.matches("README.md"));
        let m = PatternMatcher::new(&["!README.md", "*.md"]).unwrap();
        assert!(m.matches("README.md"));
    }

    #[test]
    fn classes_question_and_escapes() {
        let m = PatternMatcher::new(&["f[0-9]?", "lit\\*"]).unwrap();
        assert!(m.matches("f1a"));
        assert!(!m.matches("fxa"));
        assert!(m.matches("lit*"));
        assert!(!m.matches("litx"));
        let m = PatternMatcher::new(&["[!a]*"]).unwrap();
        assert!(m.matches("b"));
        assert!(!m.matches("a"));
    }

    #[test]
    fn leading_slash_and_dots_are_cleaned() {
        let m = PatternMatcher::new(&["/foo/./bar/"]).unwrap();
        assert!(m.matches("foo/bar"));
        assert!(m.matches("foo/bar/baz"));
    }

    #[test]
    fn filter_descends_toward_includes() {
        let f = PathFilter::new(&["a/*/c"], &[]).unwrap();
        let d = f.decide("a", true);
        assert!(!d.include && d.descend);
        let d = f.decide("a/b", true);
        assert!(!d.include && d.descend);
        assert!(f.decide("a/b/c", false).include);
        let d = f.decide("z", true);
        assert!(!d.include && !d.descend);
    }

    #[test]
    fn filter_excluded_dir_with_exception_is_walked() {
        let f = PathFilter::new::<&str>(&[], &["vendor", "!vendor/keep"]).unwrap();
        let d = f.decide("vendor", true);
        assert!(!d.include && d.descend);
        assert!(f.decide("vendor/keep", false).include);
        assert!(!f.decide("vendor/drop", false).include);
        let f = PathFilter::new::<&str>(&[], &["vendor"]).unwrap();
        let d = f.decide("vendor", true);
        assert!(!d.include && !d.descend);
    }

    #[test]
    fn wildcard_detection() {
        assert!(contains_wildcards("*.txt"));
        assert!(!contains_wildcards("a\\*b"));
        assert!(glob_match("*.txt", "a.txt"));
        assert!(!glob_match("*.txt", "d/a.txt"));
    }
}
