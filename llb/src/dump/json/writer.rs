//! A tiny writer for JSON the way Go's `encoding/json` prints it: compact,
//! HTML-safe escaping (`<`, `>`, `&`, U+2028, U+2029 as `\u` escapes),
//! `[]byte` as standard base64, and `omitempty` helpers that leave out zero
//! values.

use std::collections::BTreeMap;

/// Writes one JSON object; fields appear in the order they are added.
pub(crate) struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object.
    pub(crate) fn open(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Closes the object.
    pub(crate) fn close(self) {
        self.out.push(b'}');
    }

    /// Writes `"name":` (names are ASCII identifiers, never escaped).
    /// Inlined so that the name's length is known and its copy is a few
    /// moves.
    #[inline(always)]
    pub(crate) fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// A string field, left out when empty.
    pub(crate) fn str(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            write_str(self.key(name), value);
        }
    }

    /// A signed integer field, left out when zero.
    pub(crate) fn int(&mut self, name: &str, value: i64) {
        if value != 0 {
            self.int_always(name, value);
        }
    }

    /// A signed integer field, always written.
    pub(crate) fn int_always(&mut self, name: &str, value: i64) {
        write_display(self.key(name), value);
    }

    /// An unsigned integer field, left out when zero.
    pub(crate) fn uint(&mut self, name: &str, value: u64) {
        if value != 0 {
            write_display(self.key(name), value);
        }
    }

    /// A bool field, left out when false.
    pub(crate) fn bool(&mut self, name: &str, value: bool) {
        if value {
            self.key(name).extend_from_slice(b"true");
        }
    }

    /// A `[]byte` field as base64, left out when empty.
    pub(crate) fn bytes(&mut self, name: &str, value: &[u8]) {
        if !value.is_empty() {
            write_base64(self.key(name), value);
        }
    }

    /// A string list, left out when empty.
    pub(crate) fn strs<S: AsRef<str>>(&mut self, name: &str, values: &[S]) {
        self.list(name, values, |out, v| write_str(out, v.as_ref()));
    }

    /// A number list, left out when empty.
    pub(crate) fn nums<T: Decimal>(&mut self, name: &str, values: &[T]) {
        self.list(name, values, |out, v| write_display(out, *v));
    }

    /// A list of anything, left out when empty.
    pub(crate) fn list<T>(&mut self, name: &str, values: &[T], item: impl Fn(&mut Vec<u8>, &T)) {
        if values.is_empty() {
            return;
        }
        let out = self.key(name);
        out.push(b'[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item(out, v);
        }
        out.push(b']');
    }

    /// A message pointer field, left out when `None`.
    pub(crate) fn msg<T: ?Sized>(
        &mut self,
        name: &str,
        value: Option<&T>,
        item: impl Fn(&mut Vec<u8>, &T),
    ) {
        if let Some(v) = value {
            item(self.key(name), v);
        }
    }

    /// A map field (keys sorted, as Go sorts them), left out when empty.
    pub(crate) fn map<T>(
        &mut self,
        name: &str,
        map: &BTreeMap<String, T>,
        item: impl Fn(&mut Vec<u8>, &T),
    ) {
        self.entries(name, map.iter().map(|(k, v)| (k.as_str(), v)), item);
    }

    /// A map field given as its entries, in the order to print them (sorted
    /// by key, as Go prints maps), left out when there are none.
    pub(crate) fn entries<'v, T: 'v>(
        &mut self,
        name: &str,
        entries: impl ExactSizeIterator<Item = (&'v str, &'v T)>,
        item: impl Fn(&mut Vec<u8>, &T),
    ) {
        if entries.len() == 0 {
            return;
        }
        let out = self.key(name);
        out.push(b'{');
        for (i, (k, v)) in entries.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, k);
            out.push(b':');
            item(out, v);
        }
        out.push(b'}');
    }
}

/// Writes a number in decimal.
pub(crate) fn write_display<T: Decimal>(out: &mut Vec<u8>, value: T) {
    let (negative, mut n) = value.sign_and_magnitude();
    if negative {
        out.push(b'-');
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Integers [`write_display`] prints.
pub(crate) trait Decimal: Copy {
    /// Whether the value is negative, and its absolute value.
    fn sign_and_magnitude(self) -> (bool, u64);
}

impl Decimal for i64 {
    fn sign_and_magnitude(self) -> (bool, u64) {
        (self < 0, self.unsigned_abs())
    }
}

impl Decimal for i32 {
    fn sign_and_magnitude(self) -> (bool, u64) {
        (self < 0, u64::from(self.unsigned_abs()))
    }
}

impl Decimal for u64 {
    fn sign_and_magnitude(self) -> (bool, u64) {
        (false, self)
    }
}

/// Writes a bool.
pub(crate) fn write_bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Bytes that need attention inside a JSON string: control characters,
/// `"`, `\\`, the HTML-sensitive `<`, `>`, `&`, and 0xE2 (the first byte
/// of U+2028 and U+2029, which Go escapes).
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[b'&' as usize] = true;
    table[0xe2] = true;
    table
};

/// Position of the first [`SPECIAL`] byte of `bytes` at or after `from`,
/// looked for 16 bytes at a time. The last partial block is read as the
/// last 16 bytes (ignoring the ones already seen); a rest shorter than 16
/// bytes is looked at byte by byte.
fn next_special(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut at = 0;
    while let Some(chunk) = rest.get(at..at + 16) {
        let mut lanes = [0u8; 16];
        lanes.copy_from_slice(chunk);
        let mask = special_lanes(lanes);
        if mask != 0 {
            return Some(from + at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    if at == rest.len() {
        return None;
    }
    let Some(last) = rest.len().checked_sub(16) else {
        return rest
            .iter()
            .position(|&b| SPECIAL[usize::from(b)])
            .map(|i| from + i);
    };
    let mut lanes = [0u8; 16];
    lanes.copy_from_slice(&rest[last..]);
    let mask = special_lanes(lanes) >> (at - last);
    (mask != 0).then(|| from + at + mask.trailing_zeros() as usize)
}

/// Bit `i` is set when byte `i` of `lanes` is one of [`SPECIAL`].
fn special_lanes(lanes: [u8; 16]) -> u32 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        // SAFETY: this code is compiled only where SSE2 is enabled for the
        // whole build (always so on x86_64), so the CPU running it has SSE2.
        unsafe { sse2::special_lanes(lanes) }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        special_lanes_by_table(lanes)
    }
}

/// [`special_lanes`] one byte at a time.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
fn special_lanes_by_table(lanes: [u8; 16]) -> u32 {
    lanes.iter().enumerate().fold(0, |mask, (i, &b)| {
        mask | (u32::from(SPECIAL[usize::from(b)]) << i)
    })
}

/// [`special_lanes`] with SSE2, which every x86_64 CPU has.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod sse2 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x,
        _mm_set1_epi8,
    };

    /// Bit `i` is set when byte `i` of `lanes` is one of [`super::SPECIAL`].
    #[target_feature(enable = "sse2")]
    pub(super) fn special_lanes(lanes: [u8; 16]) -> u32 {
        let [lo, hi] = [&lanes[..8], &lanes[8..]].map(|half| {
            let mut word = [0u8; 8];
            word.copy_from_slice(half);
            i64::from_le_bytes(word)
        });
        let v = _mm_set_epi64x(hi, lo);
        let splat = |b: u8| _mm_set1_epi8(i8::from_ne_bytes([b]));
        // Below 0x20: max(v, 0x1f) is 0x1f.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, splat(0x1f)), splat(0x1f));
        // `"` (0x22) or `&` (0x26); `<` (0x3c) or `>` (0x3e).
        let quote_amp = _mm_cmpeq_epi8(_mm_or_si128(v, splat(0x04)), splat(0x26));
        let angle = _mm_cmpeq_epi8(_mm_or_si128(v, splat(0x02)), splat(0x3e));
        let backslash = _mm_cmpeq_epi8(v, splat(b'\\'));
        let e2 = _mm_cmpeq_epi8(v, splat(0xe2));
        let any = _mm_or_si128(
            _mm_or_si128(control, quote_amp),
            _mm_or_si128(angle, _mm_or_si128(backslash, e2)),
        );
        // Only the low 16 bits can be set: one per byte.
        _mm_movemask_epi8(any) as u32
    }
}

/// Writes a JSON string with Go's escaping rules. Plain runs between
/// special bytes, found 8 bytes at a time, are copied whole.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut from = 0;
    while let Some(i) = next_special(bytes, from) {
        let b = bytes[i];
        let unicode: [u8; 6];
        let (width, escaped): (usize, &[u8]) = match b {
            b'"' => (1, b"\\\""),
            b'\\' => (1, b"\\\\"),
            b'\n' => (1, b"\\n"),
            b'\r' => (1, b"\\r"),
            b'\t' => (1, b"\\t"),
            0x08 => (1, b"\\b"),
            0x0c => (1, b"\\f"),
            0xe2 => match (bytes.get(i + 1), bytes.get(i + 2)) {
                // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
                (Some(0x80), Some(0xa8)) => (3, b"\\u2028"),
                (Some(0x80), Some(0xa9)) => (3, b"\\u2029"),
                _ => {
                    from = i + 1;
                    continue;
                }
            },
            _ => {
                unicode = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ];
                (1, &unicode)
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(escaped);
        from = i + width;
        start = from;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Writes `data` as a JSON string in padded standard base64.
pub(crate) fn write_base64(out: &mut Vec<u8>, data: &[u8]) {
    out.push(b'"');
    for chunk in data.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextet = |shift: u32| B64[((n >> shift) & 0x3f) as usize];
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { b'=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { b'=' });
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, v);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn strings_escape_like_go() {
        assert_eq!(s("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(s("<a&b>"), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(
            s("\n\r\t\u{8}\u{c}\u{1}\u{1f}"),
            r#""\n\r\t\b\f\u0001\u001f""#
        );
        assert_eq!(s("x\u{2028}y\u{2029}z"), r#""x\u2028y\u2029z""#);
        assert_eq!(s("é€ \u{7f}"), "\"é€ \u{7f}\"");
    }

    /// Go's escaping, one char at a time.
    fn reference(v: &str) -> String {
        let mut out = String::from("\"");
        for c in v.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1f}' => {
                    out.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                _ => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn special_chars_are_found_at_every_position() {
        let mut specials: Vec<char> = (0u8..0x80).map(char::from).collect();
        specials.extend([
            'é', '€', '\u{2027}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{ffff}',
        ]);
        for c in specials {
            for before in 0..40 {
                for after in [0, 1, 2, 7, 8, 9, 17] {
                    let v = format!("{}{c}{}", "a".repeat(before), "é".repeat(after));
                    assert_eq!(s(&v), reference(&v), "{v:?}");
                    let twice = format!("{v}{c}{v}");
                    assert_eq!(s(&twice), reference(&twice), "{twice:?}");
                }
            }
        }
    }

    #[test]
    fn block_check_agrees_with_the_table() {
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut lanes = [b'a'; 16];
                lanes[at] = b;
                let want = u32::from(SPECIAL[usize::from(b)]) << at;
                assert_eq!(special_lanes(lanes), want, "{b:#x} at {at}");
                assert_eq!(special_lanes_by_table(lanes), want, "{b:#x} at {at}");
            }
        }
    }

    #[test]
    fn numbers_print_in_decimal() {
        let mut out = Vec::new();
        for v in [0i64, 7, -1, 1234567890, i64::MIN, i64::MAX] {
            write_display(&mut out, v);
            out.push(b' ');
        }
        write_display(&mut out, u64::MAX);
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            "0 7 -1 1234567890 -9223372036854775808 9223372036854775807 18446744073709551615"
        );
    }

    #[test]
    fn base64_pads_like_go() {
        for (input, want) in [
            (&b""[..], "\"\""),
            (b"f", "\"Zg==\""),
            (b"fo", "\"Zm8=\""),
            (b"foo", "\"Zm9v\""),
            (b"\xff\xfe\xfd\xfc", "\"//79/A==\""),
        ] {
            let mut out = Vec::new();
            write_base64(&mut out, input);
            assert_eq!(String::from_utf8(out).unwrap_or_default(), want);
        }
    }
}
