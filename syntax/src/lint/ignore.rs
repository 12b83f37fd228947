//! `.dockerignore` pattern matching for the `CopyIgnoredFile` rule, as moby's
//! `patternmatcher` matches (`MatchesOrParentMatches`): `*` and `?` stay inside one path
//! element, `**` crosses elements, `[…]` classes and `\` escapes as in Go's
//! `filepath.Match`, a pattern also excludes everything below a matched directory, and a
//! later `!pattern` re-includes.

use regex::Regex;

/// A pattern `filepath.Match` refuses (upstream's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnorePatternError {
    /// A lone `!`.
    #[error("illegal exclusion pattern: \"!\"")]
    LoneExclusion,
    /// Malformed class or escape.
    #[error("syntax error in pattern")]
    Syntax,
}

/// How one pattern matches (upstream's `matchType`).
#[derive(Debug, Clone)]
enum Matcher {
    Exact,
    /// `prefix**`: the cleaned pattern minus the trailing `**`.
    Prefix(String),
    /// `**suffix`: the cleaned pattern minus the leading `**`.
    Suffix(String),
    Regex(Regex),
}

/// One `.dockerignore` line.
#[derive(Debug, Clone)]
struct Pattern {
    cleaned: String,
    exclusion: bool,
    matcher: Matcher,
}

/// The patterns of a `.dockerignore`, in order.
#[derive(Debug, Clone, Default)]
pub struct IgnoreMatcher {
    patterns: Vec<Pattern>,
    exclusions: bool,
}

impl IgnoreMatcher {
    /// Compiles `patterns` (as read from `.dockerignore`; blank ones are skipped).
    ///
    /// ```
    /// use syntax::lint::IgnoreMatcher;
    /// let m = IgnoreMatcher::new(["*/tmp/*", "**/*.log"]).unwrap();
    /// assert!(m.matches_or_parent_matches("a/tmp/x"));
    /// assert!(m.matches_or_parent_matches("deep/er/debug.log"));
    /// assert!(m.matches_or_parent_matches("debug.log/inside"));
    /// assert!(!m.matches_or_parent_matches("tmp/x"));
    /// ```
    pub fn new<I, S>(patterns: I) -> Result<Self, IgnorePatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = IgnoreMatcher::default();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            let mut p = clean(p);
            let exclusion = p.starts_with('!');
            if exclusion {
                if p.len() == 1 {
                    return Err(IgnorePatternError::LoneExclusion);
                }
                p.remove(0);
                out.exclusions = true;
            }
            validate(&p)?;
            let matcher = compile(&p)?;
            out.patterns.push(Pattern {
                cleaned: p,
                exclusion,
                matcher,
            });
        }
        Ok(out)
    }

    /// Whether any pattern is an exclusion (`!pattern`).
    pub fn has_exclusions(&self) -> bool {
        self.exclusions
    }

    /// The cleaned text of the patterns that are not exclusions.
    pub fn inclusion_patterns(&self) -> impl Iterator<Item = &str> {
        self.patterns
            .iter()
            .filter(|p| !p.exclusion)
            .map(|p| p.cleaned.as_str())
    }

    /// Whether `path` (slash-separated, relative to the context) or one of its parent
    /// directories is excluded, and not re-included by a later exclusion pattern.
    pub fn matches_or_parent_matches(&self, path: &str) -> bool {
        let parent = dir(path);
        let parent_dirs: Vec<&str> = parent.split('/').collect();
        let mut matched = false;
        for p in &self.patterns {
            if p.exclusion != matched {
                continue;
            }
            let mut hit = p.matches(path);
            if !hit && parent != "." {
                hit = (1..=parent_dirs.len()).any(|i| p.matches(&parent_dirs[..i].join("/")));
            }
            if hit {
                matched = !p.exclusion;
            }
        }
        matched
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact => path == self.cleaned,
            Matcher::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Matcher::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|s| path == s)
            }
            Matcher::Regex(re) => re.is_match(path),
        }
    }
}

pub(crate) use crate::paths::clean;

/// Go's `filepath.Dir` (slash-separated).
fn dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".to_string(),
    }
}

/// The syntax check `filepath.Match(pattern, ".")` performs: classes must close and not
/// start with `]` or `-`, escapes must escape something.
fn validate(pattern: &str) -> Result<(), IgnorePatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '[' => {
                i += 1;
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                let mut ranges = 0;
                loop {
                    match chars.get(i) {
                        None | Some('-') => return Err(IgnorePatternError::Syntax),
                        Some(']') if ranges > 0 => break,
                        Some(']') => return Err(IgnorePatternError::Syntax),
                        Some('\\') => i += 2,
                        Some(_) => i += 1,
                    }
                    if chars.get(i) == Some(&'-') {
                        i += 1;
                        match chars.get(i) {
                            None | Some(']') | Some('-') => return Err(IgnorePatternError::Syntax),
                            Some('\\') => i += 2,
                            Some(_) => i += 1,
                        }
                    }
                    ranges += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
        if i > chars.len() {
            return Err(IgnorePatternError::Syntax);
        }
    }
    Ok(())
}

/// Upstream's `Pattern.compile`: the pattern as an exact, prefix, suffix or regexp match.
fn compile(pattern: &str) -> Result<Matcher, IgnorePatternError> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut re = String::from("^");
    let mut kind = Kind::Exact;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut index = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = Kind::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = Kind::Regex;
                }
                if index == 0 {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = Kind::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                kind = Kind::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(c);
            }
            '\\' => {
                if let Some(&next) = chars.get(i) {
                    i += 1;
                    re.push('\\');
                    re.push(next);
                    kind = Kind::Regex;
                } else {
                    re.push_str("\\\\");
                }
            }
            '[' | ']' => {
                re.push(c);
                kind = Kind::Regex;
            }
            _ => re.push(c),
        }
        index += 1;
    }
    Ok(match kind {
        Kind::Exact => Matcher::Exact,
        Kind::Prefix => Matcher::Prefix(pattern[..pattern.len() - 2].to_string()),
        Kind::Suffix => Matcher::Suffix(pattern[2..].to_string()),
        Kind::Regex => {
            re.push('$');
            Matcher::Regex(Regex::new(&re).map_err(|_| IgnorePatternError::Syntax)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(patterns: &[&str], path: &str) -> bool {
        IgnoreMatcher::new(patterns)
            .unwrap()
            .matches_or_parent_matches(path)
    }

    #[test]
    fn matching() {
        assert!(m(&["Dockerfile"], "Dockerfile"));
        assert!(!m(&["Dockerfile"], "Dockerfile2"));
        assert!(m(&["dir"], "dir/a/b"));
        assert!(m(&["**"], "anything/at/all"));
        assert!(m(&["*"], "."));
        assert!(m(&[".*"], "."), "the root gate is copy_source's business");
        assert!(m(&["**/foo"], "foo"));
        assert!(m(&["**/foo"], "a/b/foo"));
        assert!(m(&["a/**/b"], "a/b"));
        assert!(m(&["a/**/b"], "a/x/y/b"));
        assert!(m(&["*.go"], "main.go"));
        assert!(!m(&["*.go"], "cmd/main.go"));
        assert!(m(&["f?o"], "foo"));
        assert!(m(&["[a-c]at"], "bat"));
        assert!(m(&["a+b"], "a+b"));
        assert!(!m(&["**", "!Dockerfile"], "Dockerfile"));
        assert!(m(&["**", "!Dockerfile"], "other"));
    }

    #[test]
    fn bad_patterns() {
        assert_eq!(
            IgnoreMatcher::new(["!"]).unwrap_err(),
            IgnorePatternError::LoneExclusion
        );
        assert!(IgnoreMatcher::new(["[abc"]).is_err());
        assert!(IgnoreMatcher::new(["abc\\"]).is_err());
        assert!(IgnoreMatcher::new(["[a]b"]).is_ok());
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("/.."), "/");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean(""), ".");
        assert_eq!(dir("a/b"), "a");
        assert_eq!(dir("a"), ".");
    }
}
