//! Character classes with Go's `unicode` package semantics.
use std::borrow::Cow;

use unicode_general_category::{GeneralCategory as Gc, get_general_category};

/// Go's `unicode.IsLetter`: general category L (Lu, Ll, Lt, Lm, Lo).
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
    )
}

/// Go's `unicode.IsDigit`: general category Nd.
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    get_general_category(c) == Gc::DecimalNumber
}

/// Go's `unicode.IsSpace`. Go's table equals Unicode's White_Space property, as does Rust's
/// `char::is_whitespace`.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsPrint` (= `strconv.IsPrint`): categories L, M, N, P, S and the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
            | Gc::NonspacingMark
            | Gc::SpacingMark
            | Gc::EnclosingMark
            | Gc::DecimalNumber
            | Gc::LetterNumber
            | Gc::OtherNumber
            | Gc::ConnectorPunctuation
            | Gc::DashPunctuation
            | Gc::OpenPunctuation
            | Gc::ClosePunctuation
            | Gc::InitialPunctuation
            | Gc::FinalPunctuation
            | Gc::OtherPunctuation
            | Gc::MathSymbol
            | Gc::CurrencySymbol
            | Gc::ModifierSymbol
            | Gc::OtherSymbol
    )
}

/// Go's `strings.ToLower`: per-rune simple lowercase mapping (no context, one rune out per rune
/// in; U+0130 maps to `i`). Text already in lower case is returned as it is.
pub(crate) fn to_lower(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(s.to_ascii_lowercase());
        }
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(lower_rune).collect())
}

fn lower_rune(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        // Only U+0130 has a multi-rune full lowercase; its simple mapping is U+0069.
        (Some(l), Some(_)) => l,
        (None, _) => c,
    }
}

/// How Go prints a `rune` that may be the scanner's EOF (-1) with `string(r)` / `%c`:
/// EOF becomes U+FFFD.
pub(crate) fn rune_or_replacement(c: Option<char>) -> char {
    c.unwrap_or(char::REPLACEMENT_CHARACTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_go() {
        assert!(is_letter('한'));
        assert!(!is_letter('Ⅻ')); // Nl: alphabetic in Rust, not a Go letter
        assert!(is_digit('٣'));
        assert!(!is_digit('²')); // No
        assert!(is_print('é'));
        assert!(!is_print('\u{a0}'));
        assert_eq!(to_lower("İTYPE"), "itype");
        assert_eq!(to_lower("ΣΑΣ"), "σασ");
    }
}
