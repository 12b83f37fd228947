//! Parser directives (`# syntax=`, `# escape=`, `# check=`): recognised only in the leading
//! comment block, keys case-insensitive, each at most once — as upstream's `DirectiveParser`.
//! Also upstream's `DetectSyntax` / `ParseDirective` look-ups.

use nom::bytes::complete::take_while;
use nom::character::complete::{char, satisfy};
use nom::combinator::recognize;
use nom::{IResult, Parser};

use super::error::ParseErrorKind;
use super::gostr::trim_left_space;
use super::json::object_string_value;

/// The directive keys upstream knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirectiveKey {
    /// `# syntax=<frontend image>`.
    Syntax,
    /// `# escape=<\ or `>`.
    Escape,
    /// `# check=<lint options>`.
    Check,
}

impl DirectiveKey {
    /// The lower-case key as written in a Dockerfile.
    pub fn as_str(self) -> &'static str {
        match self {
            DirectiveKey::Syntax => "syntax",
            DirectiveKey::Escape => "escape",
            DirectiveKey::Check => "check",
        }
    }

    fn from_lower(s: &str) -> Option<Self> {
        match s {
            "syntax" => Some(DirectiveKey::Syntax),
            "escape" => Some(DirectiveKey::Escape),
            "check" => Some(DirectiveKey::Check),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        match self {
            DirectiveKey::Syntax => 1,
            DirectiveKey::Escape => 2,
            DirectiveKey::Check => 4,
        }
    }
}

/// One parser directive found in a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Which directive.
    pub key: DirectiveKey,
    /// The value, trimmed (`docker/dockerfile:1`).
    pub value: String,
    /// 1-based line it was found on.
    pub line: usize,
}

/// Is `c` in Go regexp's `\s` (`[\t\n\f\r ]`)?
fn is_re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// `key \s* = \s* value`: the grammar of upstream's
/// `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`. Returns (key, value).
fn directive_body(input: &str) -> IResult<&str, (&str, &str)> {
    let (rest, (key, _, _)) = (
        recognize((
            satisfy(|c| c.is_ascii_alphabetic()),
            take_while(|c: char| c.is_ascii_alphanumeric()),
        )),
        take_while(is_re_space),
        char('='),
    )
        .parse(input)?;
    let trimmed = rest.trim_start_matches(is_re_space);
    let value = if trimmed.is_empty() {
        // `.+?` still needs one character: it takes the last blank.
        match rest.char_indices().last() {
            Some((i, _)) => &rest[i..],
            None => {
                return Err(nom::Err::Error(nom::error::Error::new(
                    rest,
                    nom::error::ErrorKind::NonEmpty,
                )));
            }
        }
    } else {
        trimmed.trim_end_matches(is_re_space)
    };
    Ok(("", (key, value)))
}

/// Upstream's `DirectiveParser`: feeds lines one at a time, stops at the first line that is
/// not a directive.
#[derive(Debug, Clone)]
pub(crate) struct DirectiveParser {
    line: usize,
    prefix: &'static str,
    seen: u8,
    pub(crate) done: bool,
}

impl DirectiveParser {
    pub(crate) fn new(prefix: &'static str, first_line: usize) -> Self {
        DirectiveParser {
            line: first_line,
            prefix,
            seen: 0,
            done: false,
        }
    }

    /// Upstream's `ParseLine`.
    pub(crate) fn parse_line(&mut self, line: &str) -> Result<Option<Directive>, ParseErrorKind> {
        self.line += 1;
        if self.done {
            return Ok(None);
        }
        let Some(rest) = line.strip_prefix(self.prefix) else {
            self.done = true;
            return Ok(None);
        };
        let rest = trim_left_space(rest);
        let Ok((_, (key, value))) = directive_body(rest) else {
            self.done = true;
            return Ok(None);
        };
        let lower = key.to_ascii_lowercase();
        let Some(key) = DirectiveKey::from_lower(&lower) else {
            self.done = true;
            return Ok(None);
        };
        if self.seen & key.bit() != 0 {
            return Err(ParseErrorKind::DuplicateDirective { name: lower });
        }
        self.seen |= key.bit();
        Ok(Some(Directive {
            key,
            value: value.to_string(),
            line: self.line,
        }))
    }

    /// Upstream's `ParseAll` (lines split as Go's `bufio.ScanLines`).
    fn parse_all(&mut self, data: &str) -> Vec<Directive> {
        let mut out = Vec::new();
        let mut lines = data.split_inclusive('\n');
        for raw in &mut lines {
            if self.done {
                break;
            }
            let l = raw.strip_suffix('\n').unwrap_or(raw);
            let l = l.strip_suffix('\r').unwrap_or(l);
            match self.parse_line(l) {
                Ok(Some(d)) => out.push(d),
                Ok(None) => {}
                Err(_) => break,
            }
        }
        out
    }
}

/// A directive found by [`detect_syntax`] or [`parse_directive`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectedDirective {
    /// The value up to its first space (`docker/dockerfile:1` of `docker/dockerfile:1 // x`).
    pub value: String,
    /// The whole value.
    pub cmdline: String,
    /// 1-based line (counting a skipped shebang line); 0 for the JSON form.
    pub line: usize,
}

fn search(
    key: DirectiveKey,
    data: &str,
    prefix: &'static str,
    line: usize,
) -> Option<DetectedDirective> {
    let mut p = DirectiveParser::new(prefix, line);
    p.parse_all(data)
        .into_iter()
        .find(|d| d.key == key)
        .map(|d| DetectedDirective {
            value: d.value.split(' ').next().unwrap_or_default().to_string(),
            cmdline: d.value,
            line: d.line,
        })
}

fn detect(key: &str, src: &str, any_format: bool) -> Option<DetectedDirective> {
    let data = src.strip_prefix('\u{feff}').unwrap_or(src);
    let (first, rest) = data.split_once('\n').unwrap_or((data, ""));
    let (data, line) = if first.starts_with("#!") {
        (rest, 1)
    } else {
        (data, 0)
    };
    // Directive names are matched lower-case: another spelling never matches a comment.
    let known = DirectiveKey::from_lower(key);
    if let Some(d) = known.and_then(|k| search(k, data, "#", line)) {
        return Some(d);
    }
    if !any_format {
        return None;
    }
    if let Some(d) = known.and_then(|k| search(k, data, "//", line)) {
        return Some(d);
    }
    object_string_value(data, key).map(|v| DetectedDirective {
        value: v.clone(),
        cmdline: v,
        line,
    })
}

/// Upstream's `DetectSyntax`: the `syntax` directive as `# syntax=`, `// syntax=` or a JSON
/// `{"syntax": "..."}` document; a leading `#!` line is skipped.
pub fn detect_syntax(src: &str) -> Option<DetectedDirective> {
    detect("syntax", src, true)
}

/// Upstream's `ParseDirective`: the `# key=` directive (only the `#` form).
pub fn parse_directive(key: &str, src: &str) -> Option<DetectedDirective> {
    detect(key, src, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_grammar() {
        assert_eq!(directive_body("syntax=x").unwrap().1, ("syntax", "x"));
        assert_eq!(
            directive_body("syntax = a b  ").unwrap().1,
            ("syntax", "a b")
        );
        assert_eq!(directive_body("escape=   ").unwrap().1, ("escape", " "));
        assert!(directive_body("escape=").is_err());
        assert!(directive_body("1x=y").is_err());
        assert!(directive_body("key value").is_err());
    }

    #[test]
    fn parse_all_stops_at_first_non_directive() {
        let mut p = DirectiveParser::new("#", 0);
        let d = p.parse_all("#escape=\\\n# key = FOO bar\n\n# smth\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, DirectiveKey::Escape);
        assert_eq!(d[0].value, "\\");
        let mut p = DirectiveParser::new("#", 0);
        let d = p.parse_all("# EScape=\\\n# KEY = FOO bar\n");
        assert_eq!(d[0].key, DirectiveKey::Escape);
    }

    #[test]
    fn duplicate_is_an_error() {
        let mut p = DirectiveParser::new("#", 0);
        assert!(p.parse_line("# syntax=a").unwrap().is_some());
        assert_eq!(
            p.parse_line("# SYNTAX=b").unwrap_err().to_string(),
            "only one syntax parser directive can be used"
        );
    }

    #[test]
    fn detect_syntax_forms() {
        let d =
            detect_syntax("# syntax = dockerfile:experimental // opts\nFROM busybox\n").unwrap();
        assert_eq!(d.value, "dockerfile:experimental");
        assert_eq!(d.cmdline, "dockerfile:experimental // opts");
        assert_eq!(d.line, 1);
        let d =
            detect_syntax("#!/bin/sh\n# syntax = dockerfile:experimental\nFROM busybox\n").unwrap();
        assert_eq!((d.value.as_str(), d.line), ("dockerfile:experimental", 2));
        assert!(detect_syntax("#!/bin/sh\n\n# syntax = dockerfile:experimental\n").is_none());
        assert!(detect_syntax("FROM busybox\nRUN ls\n").is_none());
        assert_eq!(
            detect_syntax("//syntax=foo\n//key=value").unwrap().value,
            "foo"
        );
        assert_eq!(detect_syntax("#!/bin/sh\n//syntax=x").unwrap().value, "x");
        assert_eq!(
            detect_syntax(r#"{"syntax": "foo", "bar": ["abc"]}"#)
                .unwrap()
                .value,
            "foo"
        );
        assert!(detect_syntax(r#"{"syntax": "foo""#).is_none());
        assert!(detect_syntax("{\"syntax\": \"foo\"}\n# syntax=bar").is_none());
        let bom = "\u{feff}# syntax = myfrontend\nFROM busybox\n";
        let d = detect_syntax(bom).unwrap();
        assert_eq!(
            (d.value.as_str(), d.cmdline.as_str(), d.line),
            ("myfrontend", "myfrontend", 1)
        );
    }

    #[test]
    fn parse_directive_forms() {
        let d = parse_directive("check", "#check = skip=all // opts\nFROM busybox\n").unwrap();
        assert_eq!(
            (d.value.as_str(), d.cmdline.as_str()),
            ("skip=all", "skip=all // opts")
        );
        let d = parse_directive("check", "#!/bin/sh\n# check = skip=all\nFROM busybox\n").unwrap();
        assert_eq!(d.line, 2);
        assert!(parse_directive("check", "#!/bin/sh\n\n# check = skip=all\n").is_none());
        assert!(parse_directive("check", "//check=skip=all\n//key=value").is_none());
    }
}
