//! Shell wildcard patterns of `${v#p}`, `${v%p}` and `${v/p/r}`: `*` (any run of characters),
//! `?` (one character), `\` escapes, everything else literal. Upstream turns them into regular
//! expressions (leftmost-first semantics; `.` does not match a newline). Compiling a regex per
//! expansion costs more than the whole expansion, so patterns are matched by a backtracking
//! matcher that explores the same alternatives in the same priority order, and so selects the
//! same text; the regex translation stays for patterns too long to match by recursion.

use super::error::ShellErrorKind;
use super::gocompat::unicode::{is_digit, is_letter, rune_or_replacement};
use regex::{Regex, RegexBuilder};

/// One element of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// This character.
    Lit(char),
    /// `?`: one character other than a newline.
    Any,
    /// `*`: a run of characters other than newlines.
    Star,
}

/// Patterns with more elements than this are matched with the regex translation (the
/// matcher recurses once per element).
const MAX_MATCHER_TOKENS: usize = 512;

/// Reads a pattern: `\*`, `\?`, `\\` are literal, `\}` and `\/` drop the backslash, other
/// escapes are errors (upstream's messages).
fn tokens(pattern: &str) -> Result<Vec<Tok>, ShellErrorKind> {
    let invalid = |reason: String| ShellErrorKind::InvalidPattern {
        pattern: pattern.to_owned(),
        reason,
    };
    // Upstream reads the pattern with Go's text/scanner, which drops a leading BOM.
    let text = pattern.strip_prefix('\u{feff}').unwrap_or(pattern);
    let mut out = Vec::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(tok) = chars.next() {
        match tok {
            '*' => out.push(Tok::Star),
            '?' => out.push(Tok::Any),
            '\\' => {
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                match chars.next() {
                    Some(c @ ('*' | '?' | '\\')) => out.push(Tok::Lit(c)),
                    other => {
                        return Err(invalid(format!(
                            "invalid escape '\\{}'",
                            rune_or_replacement(other)
                        )));
                    }
                }
            }
            c => out.push(Tok::Lit(c)),
        }
    }
    Ok(out)
}

/// Translates a pattern into a regex: `*` becomes `.*` (greedy) or `.*?`, `?` becomes `.`,
/// everything else literal. `anchored` matches only at the start.
fn compile(pattern: &str, greedy: bool, anchored: bool) -> Result<Regex, ShellErrorKind> {
    let toks = tokens(pattern)?;
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    for tok in toks {
        match tok {
            Tok::Star if greedy => out.push_str(".*"),
            Tok::Star => out.push_str(".*?"),
            Tok::Any => out.push('.'),
            Tok::Lit(c) => {
                if regex_syntax_char(c) {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    RegexBuilder::new(&out)
        .size_limit(1 << 28)
        .build()
        .map_err(|e| ShellErrorKind::InvalidPattern {
            pattern: pattern.to_owned(),
            reason: e.to_string(),
        })
}

/// Characters upstream escapes (plus those this regex dialect would read specially).
fn regex_syntax_char(c: char) -> bool {
    matches!(
        c,
        '[' | ']' | '{' | '}' | '.' | '+' | '(' | ')' | '|' | '^' | '$' | '*' | '?' | '\\'
    )
}

/// A compiled pattern.
enum Matcher {
    /// The backtracking matcher; `greedy` stars try the longest run first.
    Tokens { toks: Vec<Tok>, greedy: bool },
    /// The regex translation, for very long patterns.
    Regex(Regex),
}

impl Matcher {
    fn new(pattern: &str, greedy: bool) -> Result<Matcher, ShellErrorKind> {
        let mut toks = tokens(pattern)?;
        // `**` selects what `*` selects (the later stars of a run can only match nothing).
        toks.dedup_by(|b, a| *a == Tok::Star && *b == Tok::Star);
        if toks.len() > MAX_MATCHER_TOKENS {
            return Ok(Matcher::Regex(compile(pattern, greedy, false)?));
        }
        Ok(Matcher::Tokens { toks, greedy })
    }

    /// The end of the match starting exactly at `start`, if any.
    fn match_at(&self, value: &str, start: usize) -> Option<usize> {
        match self {
            Matcher::Tokens { toks, greedy } => {
                let mut failed = Vec::new();
                match_tokens(toks, *greedy, value, 0, start, &mut failed)
            }
            Matcher::Regex(re) => re
                .find_at(value, start)
                .filter(|m| m.start() == start)
                .map(|m| m.end()),
        }
    }

    /// The leftmost match starting at `from` or later, as (start, end).
    fn find_at(&self, value: &str, from: usize) -> Option<(usize, usize)> {
        if let Matcher::Regex(re) = self {
            return re.find_at(value, from).map(|m| (m.start(), m.end()));
        }
        let mut start = from;
        loop {
            if value.is_char_boundary(start)
                && let Some(end) = self.match_at(value, start)
            {
                return Some((start, end));
            }
            if start >= value.len() {
                return None;
            }
            start += 1;
        }
    }
}

/// The first match, in the order a backtracking regex engine tries alternatives, of
/// `toks[ti..]` at byte `pos` of `value`; returns its end. `failed` memoizes the
/// (element, position) pairs known not to match (a pair fails or succeeds whatever led to it).
fn match_tokens(
    toks: &[Tok],
    greedy: bool,
    value: &str,
    ti: usize,
    pos: usize,
    failed: &mut Vec<bool>,
) -> Option<usize> {
    let Some(tok) = toks.get(ti) else {
        return Some(pos);
    };
    let width = value.len() + 1;
    if failed.get(ti * width + pos).copied().unwrap_or(false) {
        return None;
    }
    let rest = &value[pos..];
    let found = match *tok {
        Tok::Lit(c) => match rest.chars().next() {
            Some(d) if d == c => {
                match_tokens(toks, greedy, value, ti + 1, pos + c.len_utf8(), failed)
            }
            _ => None,
        },
        Tok::Any => match rest.chars().next() {
            Some(d) if d != '\n' => {
                match_tokens(toks, greedy, value, ti + 1, pos + d.len_utf8(), failed)
            }
            _ => None,
        },
        Tok::Star => {
            let run = rest.find('\n').unwrap_or(rest.len());
            let mut ends: Vec<usize> = rest[..run].char_indices().map(|(i, _)| pos + i).collect();
            ends.push(pos + run);
            if greedy {
                ends.reverse();
            }
            ends.into_iter()
                .find_map(|p| match_tokens(toks, greedy, value, ti + 1, p, failed))
        }
    };
    if found.is_none() {
        if failed.is_empty() {
            failed.resize((toks.len() + 1) * width, false);
        }
        failed[ti * width + pos] = true;
    }
    found
}

/// `${v#p}` / `${v##p}`: removes the shortest (or longest) matching prefix.
pub(super) fn trim_prefix(
    pattern: &str,
    value: &str,
    greedy: bool,
) -> Result<String, ShellErrorKind> {
    let matcher = Matcher::new(pattern, greedy)?;
    Ok(match matcher.match_at(value, 0) {
        Some(end) => value[end..].to_owned(),
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
    let matcher = Matcher::new(pattern, true)?;
    Ok(match matcher.find_at(value, 0) {
        Some((start, end)) => format!("{}{}{}", &value[..start], replacement, &value[end..]),
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
    let matcher = Matcher::new(pattern, true)?;
    let mut out = String::with_capacity(value.len());
    let mut last_match_end = 0;
    let mut search_pos = 0;
    while search_pos <= value.len() {
        let Some((start, end)) = matcher.find_at(value, search_pos) else {
            break;
        };
        out.push_str(&value[last_match_end..start]);
        // No replacement for an empty match right after the previous match.
        if end > last_match_end || start == 0 {
            expand_template(&mut out, replacement, &value[start..end]);
        }
        last_match_end = end;
        let width = value[search_pos..].chars().next().map_or(0, char::len_utf8);
        if search_pos + width > end {
            search_pos += width;
        } else if search_pos + 1 > end {
            search_pos += 1;
        } else {
            search_pos = end;
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

    /// The regex translation as the oracle of the matcher: same match at the start, same
    /// leftmost match anywhere, for greedy and lazy stars.
    fn agrees(pattern: &str, value: &str) -> Result<(), String> {
        let Ok(toks) = tokens(pattern) else {
            return Ok(());
        };
        for greedy in [true, false] {
            let matcher = Matcher::Tokens {
                toks: toks.clone(),
                greedy,
            };
            let anchored = compile(pattern, greedy, true).map_err(|e| e.to_string())?;
            let want = anchored.find(value).map(|m| m.end());
            let got = matcher.match_at(value, 0);
            if got != want {
                return Err(format!(
                    "{pattern:?} on {value:?} (greedy {greedy}): {got:?} != {want:?}"
                ));
            }
            let floating = compile(pattern, greedy, false).map_err(|e| e.to_string())?;
            for from in (0..=value.len()).filter(|&i| value.is_char_boundary(i)) {
                let want = floating.find_at(value, from).map(|m| (m.start(), m.end()));
                let got = matcher.find_at(value, from);
                if got != want {
                    return Err(format!(
                        "{pattern:?} on {value:?} from {from} (greedy {greedy}): {got:?} != {want:?}"
                    ));
                }
            }
        }
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn matcher_agrees_with_the_regex_translation(
            pattern in "[ab*?\\\\\n.é]{0,8}",
            value in "[abé\n.*]{0,12}",
        ) {
            proptest::prop_assert_eq!(agrees(&pattern, &value), Ok(()));
        }
    }

    #[test]
    fn matcher_agrees_on_edge_cases() {
        for (p, v) in [
            ("*", "abc"),
            ("a*b*c", "aXbYc-abc"),
            ("*b?", "xbybz"),
            ("*x", "ax\nbx"),
            ("**", "ab\ncd"),
            ("?", "\n"),
            ("a\\*", "a*b"),
            ("*.tar.*", "x.tar.gz.tar.bz2"),
            ("", "abc"),
            ("\n*", "\nab"),
        ] {
            assert_eq!(agrees(p, v), Ok(()), "{p:?} {v:?}");
        }
        let long = "?".repeat(MAX_MATCHER_TOKENS + 1);
        assert!(matches!(Matcher::new(&long, true), Ok(Matcher::Regex(_))));
        assert_eq!(
            trim_prefix(&long, &"x".repeat(600), true).map(|s| s.len()),
            Ok(87)
        );
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
