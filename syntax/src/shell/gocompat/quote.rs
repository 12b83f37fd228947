//! Go's `strconv.Quote` (what `%q` prints for a string).

use super::unicode::is_print;
use std::fmt::Write as _;

/// Quotes `s` exactly as Go's `strconv.Quote` does: double quotes, `\"` and `\\`, the short
/// escapes `\a \b \f \n \r \t \v`, `\xHH` for other ASCII controls, `\uHHHH` / `\UHHHHHHHH`
/// for other non-printable runes; printable non-ASCII runes are kept as they are.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ if is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            _ if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            _ if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            _ => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::go_quote;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("안녕\t\u{0}\u{7f}"), r#""안녕\t\x00\x7f""#);
        assert_eq!(
            go_quote("\u{a0}\u{feff}\u{e0001}"),
            r#""\u00a0\ufeff\U000e0001""#
        );
    }
}
