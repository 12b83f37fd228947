//! Image history entries (upstream's `commitToHistory`) and the Go `fmt` renderings their
//! `created_by` texts use (`%v` and `%q` of string slices).

use crate::image::{History, Image};

/// The `comment` of every history entry the Dockerfile frontend writes.
pub(crate) const HISTORY_COMMENT: &str = "buildkit.dockerfile.v0";

/// Upstream's `commitToHistory`: appends a history entry. `buildkit_suffix` adds
/// ` # buildkit` (RUN, COPY and ADD, which pass their LLB state upstream).
pub(crate) fn commit_to_history(
    img: &mut Image,
    msg: impl Into<String>,
    with_layer: bool,
    buildkit_suffix: bool,
    epoch: Option<i64>,
) {
    let mut created_by = msg.into();
    if buildkit_suffix {
        created_by.push_str(" # buildkit");
    }
    img.history.push(History {
        created: epoch.map(rfc3339_utc),
        created_by,
        author: String::new(),
        comment: HISTORY_COMMENT.to_string(),
        empty_layer: !with_layer,
    });
}

/// Go's `%v` of a `[]string`: `[a b c]`.
pub(crate) fn go_slice_v(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// Go's `%q` of a `[]string`: `["a" "b"]` with Go string quoting.
pub(crate) fn go_slice_q(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go_quote(s)).collect();
    format!("[{}]", quoted.join(" "))
}

/// Go's `strconv.Quote`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` (graphic characters and ASCII space).
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(c as u32, 0xad | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb)
        && !((0xe000..=0xf8ff).contains(&(c as u32)))
        && !(0xd800..=0xdfff).contains(&(c as u32))
}

/// Seconds since the epoch as RFC 3339 in UTC (Go's `time.Time` JSON), e.g.
/// `2024-01-02T03:04:05Z`.
pub(crate) fn rfc3339_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_formats() {
        let v = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            "echo \"hi\"\n".to_string(),
        ];
        assert_eq!(go_slice_v(&v), "[/bin/sh -c echo \"hi\"\n]");
        assert_eq!(go_slice_q(&v), r#"["/bin/sh" "-c" "echo \"hi\"\n"]"#);
        assert_eq!(go_quote("\u{1}é"), "\"\\x01é\"");
    }

    #[test]
    fn formats_times() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }
}
