//! Shell wildcard patterns of `${v#p}`, `${v%p}` and `${v/p/r}`: `*` (any run of characters),
//! `?` (one character), `\` escapes, everything else literal. Like upstream they are turned into
//! regular expressions (leftmost-first semantics; `.` does not match a newline), so that which
//! text is removed or replaced is exactly upstream's.

use super::error::ShellErrorKind;
use super::gocompat::unicode::{is_digit, is_letter, rune_or_replacement};
use regex::{Regex, RegexBuilder};

/// Translates a pattern into a regex: `*` becomes `.*` (greedy) or `.*?`, `?` becomes `.`,
/// `\*`, `\?`, `\\` stay escaped, `\}` and `\/` drop the backslash, other escapes are errors.
/// `anchored` matches only at the start.
fn compile(pattern: &str, greedy: bool, anchored: bool) -> Result<Regex, ShellErrorKind> {
    let invalid = |reason: String| ShellErrorKind::InvalidPattern {
        pattern: pattern.to_owned(),
        reason,
    };
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    // Upstream reads the pattern with Go's text/scanner, which drops a leading BOM.
    let text = pattern.strip_prefix('\u{feff}').unwrap_or(pattern);
    let mut chars = text.chars().peekable();
    while let Some(tok) = chars.next() {
        match tok {
            '*' => out.push_str(star),
            '?' => out.push('.'),
            '\\' => {
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                let next = chars.next();
                match next {
                    Some(c @ ('*' | '?' | '\\')) => {
                        out.push('\\');
                        out.push(c);
                    }
                    other => {
                        return Err(invalid(format!(
                            "invalid escape '\\{}'",
                            rune_or_replacement(other)
                        )));
                    }
                }
            }
            '[' | ']' | '{' | '}' | '.' | '+' | '(' | ')' | '|' | '^' | '$' => {
                out.push('\\');
                out.push(tok);
            }
            _ => out.push(tok),
        }
    }
    RegexBuilder::new(&out)
        .size_limit(1 << 28)
        .build()
        .map_err(|e| invalid(e.to_string()))
}

/// `${v#p}` / `${v##p}`: removes the shortest (or longest) matching prefix.
pub(super) fn trim_prefix(
    pattern: &str,
    value: &str,
    greedy: bool,
) -> Result<String, ShellErrorKind> {
    let re = compile(pattern, greedy, true)?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_owned(),
        None => value.to_owned(),
    })
}

/// `${v%p}` / `${v%%p}`: removes the shortest (or longest) matching suffix, by reversing both
/// pattern and value and trimming a prefix (as upstream does, errors name the reversed pattern).
pub(super) fn trim_suffix(
    pattern: &str,
    value: &str,
    greedy: bool,
) -> Result<String, ShellErrorKind> {
    let reversed_pattern = reverse_pattern(pattern);
    let reversed_value: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reversed_pattern, &reversed_value, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

/// Reverses a pattern rune by rune, keeping each `\x` escape pair in order.
fn reverse_pattern(pattern: &str) -> String {
    let runes: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; runes.len()];
    let last = runes.len().wrapping_sub(1);
    let mut i = 0;
    while i < runes.len() {
        let tok = runes[i];
        let out_idx = last - i;
        if tok == '\\' && i != last {
            out[out_idx - 1] = tok;
            out[out_idx] = runes[i + 1];
            i += 2;
        } else {
            out[out_idx] = tok;
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// `${v/p/r}`: replaces the first match of `pattern` (greedy wildcards) with `replacement`,
/// taken literally.
pub(super) fn replace_first(
    pattern: &str,
    value: &str,
    replacement: &str,
) -> Result<String, ShellErrorKind> {
    let re = compile(pattern, true, false)?;
    Ok(match re.find(value) {
        Some(m) => format!(
            "{}{}{}",
            &value[..m.start()],
            replacement,
            &value[m.end()..]
        ),
        None => value.to_owned(),
    })
}

/// `${v//p/r}`: replaces every match like Go's `Regexp.ReplaceAllString`, including its
/// handling of empty matches and its `$`-template expansion of `replacement` (`$0`/`${0}` is
/// the match, `$$` a dollar, other references expand to nothing).
pub(super) fn replace_all(
    pattern: &str,
    value: &str,
    replacement: &str,
) -> Result<String, ShellErrorKind> {
    let re = compile(pattern, true, false)?;
    let mut out = String::with_capacity(value.len());
    let mut last_match_end = 0;
    let mut search_pos = 0;
    while search_pos <= value.len() {
        let Some(m) = re.find_at(value, search_pos) else {
            break;
        };
        out.push_str(&value[last_match_end..m.start()]);
        // No replacement for an empty match right after the previous match.
        if m.end() > last_match_end || m.start() == 0 {
            expand_template(&mut out, replacement, m.as_str());
        }
        last_match_end = m.end();
        let width = value[search_pos..].chars().next().map_or(0, char::len_utf8);
        if search_pos + width > m.end() {
            search_pos += width;
        } else if search_pos + 1 > m.end() {
            search_pos += 1;
        } else {
            search_pos = m.end();
        }
    }
    if last_match_end <= value.len() {
        out.push_str(&value[last_match_end..]);
    }
    Ok(out)
}

/// Go's `Regexp.expand` for a regex without capture groups.
fn expand_template(out: &mut String, template: &str, whole: &str) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match extract_reference(rest) {
            Some((name, after)) => {
                if name == "0" {
                    out.push_str(whole);
                }
                rest = after;
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
}

/// Go's `extract`: a leading `name` or `{name}` (letters, digits, `_`), and the text after it.
fn extract_reference(s: &str) -> Option<(&str, &str)> {
    let (body, braced) = match s.strip_prefix('{') {
        Some(b) => (b, true),
        None => (s, false),
    };
    let end = body
        .char_indices()
        .find(|&(_, c)| !(is_letter(c) || is_digit(c) || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if end == 0 {
        return None;
    }
    let name = &body[..end];
    let after = if braced {
        body[end..].strip_prefix('}')?
    } else {
        &body[end..]
    };
    Some((name, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regex_text(p: &str) -> String {
        compile(p, true, true)
            .map(|r| r.as_str().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn converts_like_upstream() {
        assert_eq!(regex_text("*"), "^.*");
        assert_eq!(regex_text("?"), "^.");
        assert_eq!(regex_text("\\*"), "^\\*");
        assert_eq!(
            regex_text("(()[]{\\}^$.\\*\\?|\\\\"),
            "^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\"
        );
        for bad in ["\\", "\\x", "\\\\\\"] {
            assert!(compile(bad, true, true).is_err(), "{bad}");
        }
        let err = compile("\\", true, true).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid pattern (\\) in substitution: invalid escape '\\\u{fffd}'")
        );
    }

    #[test]
    fn reverses_patterns() {
        for (p, want) in [
            ("a\\*c", "c\\*a"),
            ("\\\\\\ab", "b\\a\\\\"),
            ("ab\\", "\\ba"),
            ("👽\\🚀🖖", "🖖\\🚀👽"),
            ("\\\\b", "b\\\\"),
            ("", ""),
        ] {
            assert_eq!(reverse_pattern(p), want, "{p}");
        }
    }

    #[test]
    fn replace_all_matches_go() {
        assert_eq!(replace_all("*", "ab", "x").ok().as_deref(), Some("x"));
        assert_eq!(replace_all("*", "a\nb", "x").ok().as_deref(), Some("x\nx"));
        assert_eq!(replace_all("", "ab", "-").ok().as_deref(), Some("-a-b-"));
        assert_eq!(
            replace_all("b", "abcb", "[$0]").ok().as_deref(),
            Some("a[b]c[b]")
        );
        assert_eq!(
            replace_all("b", "ab", "$$1${0}$1x$").ok().as_deref(),
            Some("a$1b$")
        );
        assert_eq!(replace_all("b", "ab", "${0").ok().as_deref(), Some("a${0"));
        assert_eq!(
            replace_first("b", "abb", "$0").ok().as_deref(),
            Some("a$0b")
        );
    }
}
