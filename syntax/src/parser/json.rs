//! The JSON that Dockerfiles use (exec-form arrays, JSON syntax directives), with the
//! acceptance rules of Go's `encoding/json`: the whole text must be one valid value
//! (nesting at most 10000 deep), strings decode with U+FFFD for broken surrogates, and a
//! number that overflows a float64 is an error.
//!
//! The scanner is iterative (no recursion), so deeply nested input cannot overflow the stack.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit0, digit1, one_of, satisfy};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};

/// Go's `maxNestingDepth`.
const MAX_DEPTH: usize = 10_000;

/// Why a text is not an array of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not valid JSON (or not decodable into Go values): callers fall back to other forms.
    Invalid,
    /// Valid JSON array, but an element is not a string.
    NotStringArray,
}

/// What a scan keeps of the top-level value.
enum Top {
    Array(Vec<Option<String>>),
    Object(Vec<(String, Option<String>)>),
    Scalar,
}

fn is_json_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_ws(s: &str, mut i: usize) -> usize {
    let b = s.as_bytes();
    while i < b.len() && is_json_ws(b[i]) {
        i += 1;
    }
    i
}

/// A JSON number token.
fn number(input: &str) -> IResult<&str, &str> {
    recognize((
        opt(char('-')),
        alt((
            tag("0"),
            recognize((satisfy(|c| c.is_ascii_digit() && c != '0'), digit0)),
        )),
        opt((char('.'), digit1)),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
    ))
    .parse(input)
}

/// A JSON literal token.
fn literal(input: &str) -> IResult<&str, &str> {
    alt((tag("true"), tag("false"), tag("null"))).parse(input)
}

fn hex4(s: &[u8]) -> Option<u32> {
    if s.len() < 4 {
        return None;
    }
    let mut v = 0u32;
    for &b in &s[..4] {
        v = v * 16 + (b as char).to_digit(16)?;
    }
    Some(v)
}

/// Scan a string token starting at `s[i] == '"'`; returns the index after the closing quote
/// and, when `decode`, the decoded text.
fn string_token(s: &str, i: usize, decode: bool) -> Option<(usize, Option<String>)> {
    let b = s.as_bytes();
    let mut j = i + 1;
    let mut out = if decode { Some(String::new()) } else { None };
    let mut run_start = j;
    loop {
        let c = *b.get(j)?;
        match c {
            b'"' => {
                if let Some(o) = out.as_mut() {
                    o.push_str(&s[run_start..j]);
                }
                return Some((j + 1, out));
            }
            b'\\' => {
                if let Some(o) = out.as_mut() {
                    o.push_str(&s[run_start..j]);
                }
                let e = *b.get(j + 1)?;
                let mut adv = 2;
                let ch = match e {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\x08',
                    b'f' => '\x0c',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let r = hex4(&b[j + 2..])?;
                        adv = 6;
                        if (0xd800..0xe000).contains(&r) {
                            // A surrogate: valid only as the first half of a pair.
                            let pair = if r < 0xdc00 && b.get(j + 6) == Some(&b'\\') {
                                b.get(j + 7)
                                    .filter(|&&x| x == b'u')
                                    .and_then(|_| hex4(&b[j + 8..]))
                                    .filter(|r2| (0xdc00..0xe000).contains(r2))
                            } else {
                                None
                            };
                            match pair {
                                Some(r2) => {
                                    adv = 12;
                                    let cp = 0x10000 + ((r - 0xd800) << 10) + (r2 - 0xdc00);
                                    char::from_u32(cp).unwrap_or('\u{fffd}')
                                }
                                None => '\u{fffd}',
                            }
                        } else {
                            char::from_u32(r).unwrap_or('\u{fffd}')
                        }
                    }
                    _ => return None,
                };
                // Validate the hex digits of a following \u even when not decoding.
                if let Some(o) = out.as_mut() {
                    o.push(ch);
                }
                j += adv;
                run_start = j;
            }
            0..=0x1f => return None,
            _ => j += 1,
        }
    }
}

/// Go's `json.Valid` plus a summary of the top-level value. `None` when the text would make
/// `json.Unmarshal` fail (syntax error, too deep, number out of float64 range).
fn scan(s: &str) -> Option<Top> {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Array,
        Object,
    }
    let b = s.as_bytes();
    let mut stack: Vec<Kind> = Vec::new();
    let mut top: Option<Top> = None;
    let mut pending_key: Option<String> = None;
    let mut i = skip_ws(s, 0);
    // `expect_value`: at a position where a value must start.
    'value: loop {
        let depth = stack.len();
        let c = *b.get(i)?;
        // Either a container opens (then maybe closes at once), or a scalar is consumed.
        let mut item: Option<Option<String>> = None;
        match c {
            b'[' | b'{' => {
                let kind = if c == b'[' { Kind::Array } else { Kind::Object };
                if depth == 0 {
                    top = Some(if kind == Kind::Array {
                        Top::Array(Vec::new())
                    } else {
                        Top::Object(Vec::new())
                    });
                } else {
                    item = Some(None);
                }
                if depth + 1 > MAX_DEPTH {
                    return None;
                }
                record(&mut top, depth, &mut pending_key, item.take());
                stack.push(kind);
                i = skip_ws(s, i + 1);
                let close = if kind == Kind::Array { b']' } else { b'}' };
                if b.get(i) == Some(&close) {
                    stack.pop();
                    i += 1;
                } else if kind == Kind::Object {
                    i = object_key(s, i, stack.len() == 1, &mut pending_key)?;
                    continue 'value;
                } else {
                    continue 'value;
                }
            }
            b'"' => {
                let (end, text) = string_token(s, i, depth == 1)?;
                i = end;
                item = Some(text);
            }
            b'-' | b'0'..=b'9' => {
                let (rest, tok) = number(&s[i..]).ok()?;
                if tok.parse::<f64>().map_or(true, |v| v.is_infinite()) {
                    return None;
                }
                i = s.len() - rest.len();
                item = Some(None);
            }
            _ => {
                let (rest, _) = literal(&s[i..]).ok()?;
                i = s.len() - rest.len();
                item = Some(None);
            }
        }
        if depth == 0 && top.is_none() {
            top = Some(Top::Scalar);
        }
        record(&mut top, depth, &mut pending_key, item);
        // After a value: close containers or move to the next element.
        loop {
            i = skip_ws(s, i);
            let Some(&kind) = stack.last() else {
                return (i == b.len()).then_some(top).flatten();
            };
            let close = if kind == Kind::Array { b']' } else { b'}' };
            match b.get(i) {
                Some(&x) if x == close => {
                    stack.pop();
                    i += 1;
                }
                Some(b',') => {
                    i = skip_ws(s, i + 1);
                    if kind == Kind::Object {
                        i = object_key(s, i, stack.len() == 1, &mut pending_key)?;
                    }
                    continue 'value;
                }
                _ => return None,
            }
        }
    }
}

/// Parse `"key" :` at `i`; keeps the key when it belongs to the top-level object.
fn object_key(s: &str, i: usize, keep: bool, pending: &mut Option<String>) -> Option<usize> {
    if s.as_bytes().get(i) != Some(&b'"') {
        return None;
    }
    let (end, key) = string_token(s, i, keep)?;
    *pending = key;
    let j = skip_ws(s, end);
    if s.as_bytes().get(j) != Some(&b':') {
        return None;
    }
    Some(skip_ws(s, j + 1))
}

/// Record a direct child (depth 1) of the top-level container.
fn record(
    top: &mut Option<Top>,
    depth: usize,
    pending_key: &mut Option<String>,
    item: Option<Option<String>>,
) {
    if depth != 1 {
        return;
    }
    let Some(item) = item else { return };
    match top {
        Some(Top::Array(items)) => items.push(item),
        Some(Top::Object(members)) => {
            if let Some(k) = pending_key.take() {
                members.push((k, item));
            }
        }
        _ => {}
    }
}

/// Decode `text` as Go's `json.Unmarshal` into `[]any` and require every element to be a
/// string (upstream's `parseJSON` after its `[` check).
pub(crate) fn parse_string_array(text: &str) -> Result<Vec<String>, JsonError> {
    match scan(text) {
        Some(Top::Array(items)) => items
            .into_iter()
            .map(|i| i.ok_or(JsonError::NotStringArray))
            .collect(),
        _ => Err(JsonError::Invalid),
    }
}

/// Go's `json.Unmarshal` into `map[string]any`, then the string value of `key` (the last
/// duplicate wins).
pub(crate) fn object_string_value(text: &str, key: &str) -> Option<String> {
    match scan(text)? {
        Top::Object(members) => members
            .into_iter()
            .rev()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_string_arrays() {
        let cases: &[(&str, &[&str])] = &[
            ("[]", &[]),
            ("[\"\"]", &[""]),
            ("[\"a\"]", &["a"]),
            ("[ \"a\", \"b\" ]", &["a", "b"]),
            ("[\t\"a\",\t\"b\"\t]", &["a", "b"]),
            (
                "[\"abc 123\", \"♥\", \"☃\", \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000\"]",
                &["abc 123", "♥", "☃", "\" \\ / \x08 \x0c \n \r \t \0"],
            ),
            (
                "[\"\\ud83d\\ude00\", \"\\ud83d\", \"\\ude00x\"]",
                &["😀", "\u{fffd}", "\u{fffd}x"],
            ),
        ];
        for (text, want) in cases {
            let got = parse_string_array(text).unwrap();
            assert_eq!(&got, want, "{text}");
        }
    }

    #[test]
    fn not_string_arrays() {
        for text in [
            r#"["a",42,"b"]"#,
            r#"["a",123.456,"b"]"#,
            r#"["a",{},"b"]"#,
            r#"["a",{"c": "d"},"b"]"#,
            r#"["a",["c"],"b"]"#,
            r#"["a",true,"b"]"#,
            r#"["a",false,"b"]"#,
            r#"["a",null,"b"]"#,
        ] {
            assert_eq!(
                parse_string_array(text),
                Err(JsonError::NotStringArray),
                "{text}"
            );
        }
    }

    #[test]
    fn invalid_json() {
        for text in [
            "[",
            "[\"a\"",
            "[\"a\",]",
            "['a']",
            "[\"a\"] x",
            "[01]",
            "[1e400]",
            "[\"a\", {\"x\": -1e999}]",
            "[\"\t\"]",
            "[\"\\x\"]",
            "[\"\\u12\"]",
            "{}",
            "\"a\"",
        ] {
            assert_eq!(parse_string_array(text), Err(JsonError::Invalid), "{text}");
        }
        let deep = "[".repeat(20_000);
        assert_eq!(parse_string_array(&deep), Err(JsonError::Invalid));
        let ok_deep = format!("[{}{}]", "[".repeat(9_000), "]".repeat(9_000));
        assert_eq!(parse_string_array(&ok_deep), Err(JsonError::NotStringArray));
    }

    #[test]
    fn object_lookup() {
        assert_eq!(
            object_string_value(r#"{"syntax": "foo", "bar": ["abc"]}"#, "syntax").as_deref(),
            Some("foo")
        );
        assert_eq!(object_string_value(r#"{"syntax": "foo""#, "syntax"), None);
        assert_eq!(object_string_value(r#"{"syntax": 1}"#, "syntax"), None);
        assert_eq!(
            object_string_value(r#"{"syntax": "a", "syntax": "b"}"#, "syntax").as_deref(),
            Some("b")
        );
        assert_eq!(
            object_string_value(r#"{"x": {"syntax": "a"}}"#, "syntax"),
            None
        );
    }
}
