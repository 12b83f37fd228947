//! `--chmod` of `COPY`/`ADD`: an octal mode up to `07777` becomes the copy's numeric `mode`,
//! anything else must be a symbolic mode as chmod(1) writes it (`u+x,go-w`, `g=u`, `=rw,+X`)
//! and goes to `modeStr` (daemon cap `file.copy.modestring`).

use llb::state::ChmodOpt;

use crate::convert::error::{ConvertError, Result};

/// The `--chmod` value as a copy mode (upstream's checks in `dispatchCopy`, with the
/// symbolic syntax of `dchapes-mode`'s `Parse`).
pub(super) fn parse_chmod(value: &str) -> Result<ChmodOpt> {
    let non_octal = || {
        ConvertError::msg(format!(
            "invalid chmod parameter: '{value}'. it should be octal string and between 0 and 07777"
        ))
    };
    if let Some(mode) = parse_octal_u32(value) {
        if mode > 0o7777 {
            return Err(non_octal());
        }
        return Ok(ChmodOpt::octal(mode));
    }
    // A value starting with a digit is parsed as an octal number by the mode parser too; it
    // failed above, so it is reported as a bad octal value.
    if value.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return Err(non_octal());
    }
    if !valid_symbolic_mode(value) {
        return Err(ConvertError::msg("invalid syntax"));
    }
    Ok(ChmodOpt::symbolic(value))
}

/// Go's `strconv.ParseUint(s, 8, 32)`.
fn parse_octal_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok()
}

/// Whether `s` is a symbolic mode: comma-separated clauses `[ugoa]*([+-=][rstwxXugo]*)+`.
fn valid_symbolic_mode(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        while i < b.len() && matches!(b[i], b'a' | b'u' | b'g' | b'o') {
            i += 1;
        }
        if i >= b.len() {
            return false;
        }
        loop {
            if !matches!(b[i], b'+' | b'-' | b'=') {
                return false;
            }
            i += 1;
            while i < b.len()
                && matches!(
                    b[i],
                    b'r' | b's' | b't' | b'w' | b'X' | b'x' | b'u' | b'g' | b'o'
                )
            {
                i += 1;
            }
            if i >= b.len() {
                return true;
            }
            if b[i] == b',' {
                i += 1;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_modes() {
        assert_eq!(parse_chmod("755").unwrap(), ChmodOpt::octal(0o755));
        assert_eq!(parse_chmod("0644").unwrap(), ChmodOpt::octal(0o644));
        assert_eq!(parse_chmod("7777").unwrap(), ChmodOpt::octal(0o7777));
        for bad in ["10000", "0o755", "8", "75a", "99999999999999"] {
            assert_eq!(
                parse_chmod(bad).unwrap_err().to_string(),
                format!(
                    "invalid chmod parameter: '{bad}'. it should be octal string and between 0 and 07777"
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn symbolic_modes() {
        for ok in [
            "u=rwX,go=rX",
            "go-w,u+x",
            "g=u",
            "+x",
            "=rw,+X",
            "a-st",
            "u+r-w=x",
        ] {
            assert_eq!(parse_chmod(ok).unwrap(), ChmodOpt::symbolic(ok), "{ok}");
        }
        for bad in ["u", "u+x,", "x", "u+q", "u+x,,g-w", "-x y"] {
            assert_eq!(
                parse_chmod(bad).unwrap_err().to_string(),
                "invalid syntax",
                "{bad}"
            );
        }
    }
}
