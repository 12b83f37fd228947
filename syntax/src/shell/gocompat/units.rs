//! `github.com/docker/go-units` `RAMInBytes`: a human size with binary units.

use super::strconv::parse_float;
use super::unicode::to_lower;

/// Parses a size such as `128m`, `1.5GiB`, `64 kb` or `4096` into bytes with binary (1024)
/// multipliers, as `units.RAMInBytes` does. `None` means the value is rejected (upstream's
/// callers only report "invalid value", so the specific reason is not kept).
pub(crate) fn ram_in_bytes(size: &str) -> Option<i64> {
    // The last digit, dot or space separates the number from the suffix.
    let sep = size.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (num, suffix) = if size.as_bytes()[sep] == b' ' {
        (&size[..sep], &size[sep + 1..])
    } else {
        (&size[..=sep], &size[sep + 1..])
    };
    let value = parse_float(num)?;
    if value < 0.0 {
        return None;
    }
    if suffix.is_empty() {
        return Some(go_float_to_i64(value));
    }
    if suffix.len() > 3 {
        return None;
    }
    let suffix = to_lower(suffix);
    let bytes = suffix.as_bytes();
    if bytes[0] == b'b' {
        return (bytes.len() == 1).then(|| go_float_to_i64(value));
    }
    let multiplier: f64 = match bytes[0] {
        b'k' => 1024.0,
        b'm' => 1024.0 * 1024.0,
        b'g' => 1024.0 * 1024.0 * 1024.0,
        b't' => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        b'p' => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    match bytes.len() {
        2 if bytes[1] != b'b' => return None,
        3 if &bytes[1..] != b"ib" => return None,
        _ => {}
    }
    Some(go_float_to_i64(value * multiplier))
}

/// Go's `int64(f)` on amd64: truncation toward zero; out-of-range and NaN give `MinInt64`.
fn go_float_to_i64(f: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f.trunc() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::ram_in_bytes;

    #[test]
    fn sizes() {
        assert_eq!(ram_in_bytes("128m"), Some(128 << 20));
        assert_eq!(ram_in_bytes("32"), Some(32));
        assert_eq!(ram_in_bytes("32b"), Some(32));
        assert_eq!(ram_in_bytes("32 kb"), Some(32 << 10));
        assert_eq!(ram_in_bytes("1.5GiB"), Some(3 << 29));
        assert_eq!(ram_in_bytes("1 "), Some(1));
        assert_eq!(ram_in_bytes("1\u{212a}"), Some(1024)); // Kelvin sign lowercases to k
        assert_eq!(ram_in_bytes("32bb"), None);
        assert_eq!(ram_in_bytes("32kib2"), None);
        assert_eq!(ram_in_bytes("32mx"), None);
        assert_eq!(ram_in_bytes("-1"), None);
        assert_eq!(ram_in_bytes("m"), None);
        assert_eq!(ram_in_bytes(""), None);
        assert_eq!(ram_in_bytes("32kibb"), None);
    }
}
