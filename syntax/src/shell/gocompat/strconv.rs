//! Go's `strconv.ParseBool`, `strconv.ParseUint` (bases 8 and 10, 32 bits) and
//! `strconv.ParseFloat` (64 bits), reduced to what the Dockerfile frontend needs: whether a
//! string is accepted, and its value.

/// `strconv.ParseBool`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `strconv.ParseUint(s, radix, 32)` for an explicit radix (no sign, no prefix, no
/// underscores; the value must fit in 32 bits).
pub(crate) fn parse_u32(s: &str, radix: u32) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for c in s.chars() {
        let digit = c.to_digit(radix)?;
        value = value * u64::from(radix) + u64::from(digit);
        if value > u64::from(u32::MAX) {
            return None;
        }
    }
    u32::try_from(value).ok()
}

/// `strconv.ParseFloat(s, 64)`: Go float-literal syntax (optional sign, decimal or `0x` hex
/// mantissa with optional point, `e`/`p` exponent, `_` between digits), plus `inf`/`infinity`/
/// `nan`. Out-of-range values are errors (Go returns `ErrRange`).
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    if let Some(v) = special(s) {
        return Some(v);
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    match b.first() {
        Some(b'+') => i += 1,
        Some(b'-') => {
            neg = true;
            i += 1;
        }
        Some(_) => {}
        None => return None,
    }
    let hex = i + 2 < b.len() && b[i] == b'0' && (b[i + 1] | 0x20) == b'x';
    if hex {
        i += 2;
    }
    let radix = if hex { 16 } else { 10 };
    let exp_char = if hex { b'p' } else { b'e' };
    let mut underscores = false;
    let mut saw_dot = false;
    let mut saw_digits = false;
    let mantissa_start = i;
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if saw_dot {
                break;
            }
            saw_dot = true;
        } else if (c as char).is_digit(radix) {
            saw_digits = true;
        } else {
            break;
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    let mantissa = &s[mantissa_start..i];
    let mut exponent: i64 = 0;
    if i < b.len() && (b[i] | 0x20) == exp_char {
        i += 1;
        let mut esign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                esign = -1;
                i += 1;
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else if exponent < 1_000_000 {
                exponent = exponent * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        exponent *= esign;
    } else if hex {
        return None;
    }
    if i != b.len() {
        return None;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    let digits: String = mantissa.chars().filter(|&c| c != '_').collect();
    let magnitude = if hex {
        hex_value(&digits, exponent)
    } else {
        let text = format!("{digits}e{exponent}");
        text.parse::<f64>().ok()?
    };
    if magnitude.is_infinite() {
        return None;
    }
    Some(if neg { -magnitude } else { magnitude })
}

fn special(s: &str) -> Option<f64> {
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        _ => (1.0, s),
    };
    let lower = rest.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "infinity" => Some(sign * f64::INFINITY),
        "nan" if rest.len() == s.len() => Some(f64::NAN),
        _ => None,
    }
}

/// Value of a hex mantissa (digits with an optional point, no underscores) times 2^exp.
fn hex_value(digits: &str, exp: i64) -> f64 {
    let mut value = 0f64;
    let mut frac_digits = 0i64;
    let mut after_dot = false;
    for c in digits.chars() {
        if c == '.' {
            after_dot = true;
            continue;
        }
        value = value * 16.0 + f64::from(c.to_digit(16).unwrap_or(0));
        if after_dot {
            frac_digits += 1;
        }
    }
    let e = exp.saturating_sub(frac_digits.saturating_mul(4));
    let e = i32::try_from(e.clamp(-2000, 2000)).unwrap_or(0);
    value * 2f64.powi(e)
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(b'-' | b'+') = b.first() {
        b = &b[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = (b[1] | 0x20) == b'x';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit() && c.is_ascii_alphabetic())
        {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("tRUE"), None);
        assert_eq!(parse_bool("0"), Some(false));
    }

    #[test]
    fn uints() {
        assert_eq!(parse_u32("0751", 8), Some(0o751));
        assert_eq!(parse_u32("8", 8), None);
        assert_eq!(parse_u32("+1", 10), None);
        assert_eq!(parse_u32("4294967295", 10), Some(u32::MAX));
        assert_eq!(parse_u32("4294967296", 10), None);
        assert_eq!(parse_u32("", 10), None);
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float("128"), Some(128.0));
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("5."), Some(5.0));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("1_000"), Some(1000.0));
        assert_eq!(parse_float("1__0"), None);
        assert_eq!(parse_float("_1"), None);
        assert_eq!(parse_float("0x1p4"), Some(16.0));
        assert_eq!(parse_float("0x10"), None);
        assert_eq!(parse_float("0x1.8p1"), Some(3.0));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("."), None);
        assert_eq!(parse_float("1e"), None);
        assert_eq!(parse_float(" 1"), None);
        assert_eq!(parse_float("-2"), Some(-2.0));
    }
}
