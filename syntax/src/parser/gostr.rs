//! Go string-library semantics the Dockerfile format depends on: `unicode.IsSpace`,
//! `strings.TrimSpace`, simple case mapping, `strconv.Quote`, and the ASCII whitespace class
//! `[\t\v\f\r ]` of upstream's `reWhitespace`.

use unicode_general_category::{GeneralCategory, get_general_category};

/// Go's `unicode.IsSpace` (the Unicode White_Space property, as Rust's `char::is_whitespace`).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsSpace(rune(b))` applied to a single byte, as upstream does in a few
/// byte-wise loops: besides ASCII whitespace, the bytes 0x85 and 0xA0 count as space.
pub(crate) fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// Is `b` an ASCII byte that is not whitespace (so no trimming can start there)?
fn plain_ascii(b: Option<&u8>) -> bool {
    matches!(b, Some(&c) if c < 0x80 && !matches!(c, b' ' | b'\t'..=b'\r'))
}

/// Go's `strings.TrimSpace`.
pub(crate) fn trim_space(s: &str) -> &str {
    let b = s.as_bytes();
    if plain_ascii(b.first()) && plain_ascii(b.last()) {
        return s;
    }
    s.trim_matches(is_space)
}

/// Go's `strings.TrimLeftFunc(s, unicode.IsSpace)`.
pub(crate) fn trim_left_space(s: &str) -> &str {
    if plain_ascii(s.as_bytes().first()) {
        return s;
    }
    s.trim_start_matches(is_space)
}

/// Go's `unicode.IsLetter` (general category L).
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    use GeneralCategory::*;
    matches!(
        get_general_category(c),
        UppercaseLetter | LowercaseLetter | TitlecaseLetter | ModifierLetter | OtherLetter
    )
}

/// Go's `unicode.IsDigit` (general category Nd).
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    get_general_category(c) == GeneralCategory::DecimalNumber
}

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if u < 0x100 {
        return (0xa1..=0xff).contains(&u) && u != 0xad;
    }
    use GeneralCategory::*;
    !matches!(
        get_general_category(c),
        Control
            | Format
            | Surrogate
            | PrivateUse
            | Unassigned
            | SpaceSeparator
            | LineSeparator
            | ParagraphSeparator
    )
}

/// Go's `strings.ToLower` (one implementation for the parser and the shell helpers).
pub(crate) use crate::shell::gocompat::unicode::to_lower;

/// Go's `strings.ToUpper` (simple mapping: runes whose upper case is several runes stay).
pub(crate) fn to_upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mut up = c.to_uppercase();
        match (up.next(), up.next()) {
            (Some(u), None) => out.push(u),
            _ => out.push(c),
        }
    }
    out
}

/// Go's `strings.EqualFold` for the cases Dockerfile parsing needs (ASCII keywords),
/// including the Unicode runes that fold onto ASCII letters (`ſ`, the Kelvin sign).
pub(crate) fn equal_fold(a: &str, b: &str) -> bool {
    fn fold(c: char) -> char {
        match c {
            '\u{17f}' => 's',
            '\u{212a}' => 'k',
            _ => {
                let mut l = c.to_lowercase();
                match (l.next(), l.next()) {
                    (Some(x), None) => x,
                    _ => c,
                }
            }
        }
    }
    let mut ai = a.chars();
    let mut bi = b.chars();
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if fold(x) == fold(y) => {}
            _ => return false,
        }
    }
}

/// Appends Go's `strconv.Quote(s)` to `out`.
pub(crate) fn quote_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ if is_print(c) => out.push(c),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            _ => {
                let u = c as u32;
                let (prefix, digits) = if u < 0x20 || u == 0x7f {
                    ("\\x", 2)
                } else if u < 0x10000 {
                    ("\\u", 4)
                } else {
                    ("\\U", 8)
                };
                out.push_str(prefix);
                for i in (0..digits).rev() {
                    out.push(HEX[((u >> (4 * i)) & 0xf) as usize] as char);
                }
            }
        }
    }
    out.push('"');
}

/// Go's `strconv.Quote(s)`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::new();
    quote_into(s, &mut out);
    out
}

/// Upstream's `reWhitespace.Split(s, n)` (Go `regexp.Split` semantics; `n < 0` means all).
pub(crate) fn split_ascii_ws(s: &str, n: isize) -> Vec<&str> {
    if n == 0 {
        return Vec::new();
    }
    if s.is_empty() {
        return vec![""];
    }
    let bytes = s.as_bytes();
    let is_ws = |b: u8| matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ');
    let mut out = Vec::new();
    let mut beg = 0;
    let mut end = 0;
    let mut i = 0;
    loop {
        if n > 0 && out.len() as isize == n - 1 {
            break;
        }
        // Next run of blanks.
        let Some(m0) = bytes[i..].iter().position(|&b| is_ws(b)).map(|p| p + i) else {
            break;
        };
        let m1 = bytes[m0..]
            .iter()
            .position(|&b| !is_ws(b))
            .map_or(bytes.len(), |p| p + m0);
        end = m0;
        if m1 != 0 {
            out.push(&s[beg..end]);
        }
        beg = m1;
        i = m1;
        if i >= bytes.len() {
            break;
        }
    }
    if end != s.len() {
        out.push(&s[beg..]);
    }
    out
}

/// Upstream's `reWhitespace.Split(s, 2)` without allocating: the text before the first
/// run of `[\t\v\f\r ]` and, when there is one, the text after it.
pub(crate) fn split2_ascii_ws(s: &str) -> (&str, Option<&str>) {
    let b = s.as_bytes();
    let is_ws = |c: u8| matches!(c, b'\t' | 0x0b | 0x0c | b'\r' | b' ');
    let Some(m0) = b.iter().position(|&c| is_ws(c)) else {
        return (s, None);
    };
    let m1 = b[m0..]
        .iter()
        .position(|&c| !is_ws(c))
        .map_or(b.len(), |p| p + m0);
    (&s[..m0], Some(&s[m1..]))
}

/// Bytes as text, replacing invalid UTF-8 like Go code that later re-encodes would see it.
pub(crate) fn lossy(bytes: &[u8]) -> String {
    // Valid text (the usual case) is checked by `from_utf8`'s fast path; `from_utf8_lossy`
    // walks it chunk by chunk, several times slower.
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("\t\n\x00\x7f"), r#""\t\n\x00\x7f""#);
        assert_eq!(quote("é♥"), "\"é♥\"");
        assert_eq!(quote("\u{a0}\u{ad}\u{85}"), r#""\u00a0\u00ad\u0085""#);
        assert_eq!(quote("\u{e000}"), r#""\ue000""#);
        assert_eq!(quote("\u{f0000}"), r#""\U000f0000""#);
    }

    #[test]
    fn split_matches_go_regexp() {
        assert_eq!(split_ascii_ws("a  b\tc", -1), vec!["a", "b", "c"]);
        assert_eq!(split_ascii_ws(" a ", -1), vec!["", "a", ""]);
        assert_eq!(split_ascii_ws("a b c", 2), vec!["a", "b c"]);
        assert_eq!(split_ascii_ws("abc", 2), vec!["abc"]);
        assert_eq!(split_ascii_ws("", 2), vec![""]);
        assert_eq!(split_ascii_ws("a ", 2), vec!["a", ""]);
        for t in ["a b c", "abc", "", "a ", " a", "a \t b"] {
            let (first, rest) = split2_ascii_ws(t);
            let mut v = vec![first];
            v.extend(rest);
            assert_eq!(v, split_ascii_ws(t, 2), "{t:?}");
        }
    }

    #[test]
    fn case_mapping() {
        assert_eq!(to_lower("RUN"), "run");
        assert_eq!(to_lower("WOR\u{212a}DIR"), "workdir");
        assert_eq!(to_lower("ONBU\u{130}LD"), "onbuild");
        assert_eq!(to_upper("straße"), "STRAßE");
        assert!(equal_fold("AS", "as"));
        assert!(equal_fold("a\u{17f}", "as"));
        assert!(!equal_fold("ass", "as"));
    }
}
