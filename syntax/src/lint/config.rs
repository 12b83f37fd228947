//! Which rules run and what a finding means: the `# check=` directive, the
//! `BUILDKIT_DOCKERFILE_CHECK` build argument and per-instruction `# check=` comments, as
//! upstream's `linter.ParseLintOptions` and `WithMergedConfig*`.
//!
//! The option string is `skip=<rules|all>;error=<bool>;experimental=<rules|all>` (any order,
//! each part optional). It is split on `;` into at most three parts, so a fourth part stays
//! glued to the third one's value, as upstream.

use std::collections::BTreeSet;

use crate::parser::gostr::trim_space;
use crate::shell::gocompat::quote::go_quote;
use crate::shell::gocompat::strconv::parse_bool;

/// Why a check option string was refused. `Display` is upstream's text; callers prefix it
/// (`failed to parse check options: …` for the directive, `failed to parse
/// build-arg:BUILDKIT_DOCKERFILE_CHECK: …` for the build argument).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A part without `=`, or an unknown key; holds the offending text.
    #[error("invalid check option {}", go_quote(.0))]
    InvalidOption(String),
    /// `error=` with a value `strconv.ParseBool` refuses.
    #[error(
        "failed to parse check option {}: strconv.ParseBool: parsing {}: invalid syntax",
        go_quote(.part),
        go_quote(.value)
    )]
    InvalidBool {
        /// The whole `error=…` part.
        part: String,
        /// The value, trimmed.
        value: String,
    },
}

/// Lint configuration (upstream's `linter.Config` without the callback).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintConfig {
    /// `skip=all`: no non-experimental rule runs.
    pub skip_all: bool,
    /// `skip=A,B`: these non-experimental rules do not run.
    pub skip: BTreeSet<String>,
    /// `experimental=all`: every experimental rule runs.
    pub experimental_all: bool,
    /// `experimental=A,B`: these experimental rules run.
    pub experimental: BTreeSet<String>,
    /// `error=true`: findings fail the build (`lint violation found for rules: …`).
    pub error: bool,
}

impl LintConfig {
    /// Parses a check option string (upstream's `ParseLintOptions`). Blank means defaults.
    ///
    /// ```
    /// use syntax::lint::LintConfig;
    /// let c = LintConfig::parse("skip=StageNameCasing, FromAsCasing;error=true").unwrap();
    /// assert!(c.skip.contains("FromAsCasing") && c.error);
    /// assert_eq!(
    ///     LintConfig::parse("bogus").unwrap_err().to_string(),
    ///     r#"invalid check option "bogus""#
    /// );
    /// ```
    pub fn parse(options: &str) -> Result<LintConfig, ConfigError> {
        let options = trim_space(options);
        let mut config = LintConfig::default();
        if options.is_empty() {
            return Ok(config);
        }
        for part in options.splitn(3, ';') {
            let Some((key, value)) = part.split_once('=') else {
                return Err(ConfigError::InvalidOption(part.to_string()));
            };
            match trim_space(key) {
                "skip" => match rule_list(value) {
                    None => config.skip_all = true,
                    Some(rules) => config.skip = rules,
                },
                "experimental" => match rule_list(value) {
                    None => config.experimental_all = true,
                    Some(rules) => config.experimental = rules,
                },
                "error" => {
                    let value = trim_space(value);
                    config.error = parse_bool(value).ok_or_else(|| ConfigError::InvalidBool {
                        part: part.to_string(),
                        value: value.to_string(),
                    })?;
                }
                other => return Err(ConfigError::InvalidOption(other.to_string())),
            }
        }
        Ok(config)
    }

    /// This configuration with `other`'s skips and experimental rules added (upstream's
    /// `WithMergedConfig`; `error` is not merged).
    pub fn merged(&self, other: &LintConfig) -> LintConfig {
        let mut out = self.clone();
        out.skip_all |= other.skip_all;
        out.experimental_all |= other.experimental_all;
        out.skip.extend(other.skip.iter().cloned());
        out.experimental.extend(other.experimental.iter().cloned());
        out
    }

    /// The configuration of a `# check=…` comment among the comments directly above an
    /// instruction (upstream's `WithMergedConfigFromComments`): the first comment that reads
    /// as a `check` directive decides; when its value does not parse, `None` (the
    /// surrounding configuration stays in force), as upstream.
    pub fn from_comments<S: AsRef<str>>(comments: &[S]) -> Option<LintConfig> {
        comments.iter().find_map(|c| {
            let value = check_directive_value(c.as_ref())?;
            let first = value.split(' ').next().unwrap_or_default();
            Some(LintConfig::parse(first).ok())
        })?
    }

    /// Whether `rule` runs under this configuration (upstream's `Linter.Run` gate).
    pub fn enables(&self, rule: &super::RuleMeta) -> bool {
        if rule.deprecated {
            return false;
        }
        if rule.experimental {
            self.experimental_all || self.experimental.contains(rule.name)
        } else {
            !(self.skip_all || self.skip.contains(rule.name))
        }
    }
}

/// `all` → `None`; otherwise the comma-separated names, each trimmed.
fn rule_list(value: &str) -> Option<BTreeSet<String>> {
    let value = trim_space(value);
    if value == "all" {
        return None;
    }
    Some(
        value
            .split(',')
            .map(|r| trim_space(r).to_string())
            .collect(),
    )
}

/// Go regexp's `\s`.
fn is_re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// The value of `comment` read as a `check=` directive line without comment prefix
/// (upstream's `DirectiveParser` with an empty prefix: `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
/// after leading blanks), or `None`.
fn check_directive_value(comment: &str) -> Option<&str> {
    let line = comment.trim_start();
    let key_len = line
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(line.len(), |(i, _)| i);
    if key_len == 0 || !line[..key_len].eq_ignore_ascii_case("check") {
        return None;
    }
    let rest = line[key_len..].trim_start_matches(is_re_space);
    let rest = rest.strip_prefix('=')?;
    let trimmed = rest.trim_start_matches(is_re_space);
    if trimmed.is_empty() {
        // `.+?` still takes one character: the last blank.
        return rest.char_indices().last().map(|(i, _)| &rest[i..]);
    }
    Some(trimmed.trim_end_matches(is_re_space))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_options() {
        assert_eq!(LintConfig::parse("  ").unwrap(), LintConfig::default());
        let c = LintConfig::parse("skip=all;error=1;experimental=all").unwrap();
        assert!(c.skip_all && c.error && c.experimental_all);
        let c = LintConfig::parse(" skip = A , B ; experimental=C").unwrap();
        assert_eq!(c.skip, set(&["A", "B"]));
        assert_eq!(c.experimental, set(&["C"]));
        // At most three parts: the rest stays in the third value.
        let c = LintConfig::parse("error=false;skip=A;experimental=B;skip=C").unwrap();
        assert_eq!(c.experimental, set(&["B;skip=C"]));
    }

    #[test]
    fn option_errors() {
        assert_eq!(
            LintConfig::parse("skip=A;nope").unwrap_err().to_string(),
            r#"invalid check option "nope""#
        );
        assert_eq!(
            LintConfig::parse("foo=bar").unwrap_err().to_string(),
            r#"invalid check option "foo""#
        );
        assert_eq!(
            LintConfig::parse("error=yes").unwrap_err().to_string(),
            r#"failed to parse check option "error=yes": strconv.ParseBool: parsing "yes": invalid syntax"#
        );
    }

    #[test]
    fn comment_directives() {
        let c = LintConfig::from_comments(&["check=skip=A // why"]).unwrap();
        assert_eq!(c.skip, set(&["A"]));
        let c = LintConfig::from_comments(&["just words", " CHECK = skip=all"]).unwrap();
        assert!(c.skip_all);
        assert!(LintConfig::from_comments(&["check=bogus"]).is_none());
        assert!(LintConfig::from_comments(&["checks=skip=all", "syntax=x"]).is_none());
        assert!(LintConfig::from_comments::<&str>(&[]).is_none());
    }

    #[test]
    fn merge_keeps_error_flag() {
        let base = LintConfig::parse("skip=A;error=true").unwrap();
        let other = LintConfig::parse("skip=B;experimental=all;error=false").unwrap();
        let m = base.merged(&other);
        assert_eq!(m.skip, set(&["A", "B"]));
        assert!(m.error && m.experimental_all);
    }
}
