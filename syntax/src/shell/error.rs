//! Errors of shell-word processing, with upstream's exact messages.

use super::gocompat::quote::go_quote;
use std::collections::BTreeSet;

/// What went wrong while processing a word. Display texts are upstream's, word for word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShellErrorKind {
    /// A `'` without its closing quote.
    #[error("unexpected end of statement while looking for matching single-quote")]
    UnterminatedSingleQuote,
    /// A `"` without its closing quote.
    #[error("unexpected end of statement while looking for matching double-quote")]
    UnterminatedDoubleQuote,
    /// Input ended while looking for `stop` (upstream normally reports this as
    /// [`ShellErrorKind::MissingBrace`] or [`ShellErrorKind::MissingSlash`] instead).
    #[error("unexpected end of statement while looking for matching {0}")]
    UnexpectedEnd(char),
    /// `${` without its closing `}`.
    #[error("syntax error: missing '}}'")]
    MissingBrace,
    /// `${}`, `${{…`, `${:…`.
    #[error("syntax error: bad substitution")]
    BadSubstitution,
    /// `${v/pattern` without the `/` before the replacement.
    #[error("syntax error: missing '/' in ${{}}")]
    MissingSlash,
    /// An operator after the name that is not supported (`${v:=w}`, `${v:#p}`, `${v.}`...).
    /// Holds the operator text as upstream prints it (end of input shows as U+FFFD).
    #[error("unsupported modifier ({0}) in substitution")]
    UnsupportedModifier(String),
    /// `${v?msg}` with `v` unset or `${v:?msg}` with `v` unset or empty.
    #[error("{name}: {message}")]
    Required {
        /// The variable name.
        name: String,
        /// The user's message, or upstream's default text.
        message: String,
    },
    /// A `#`, `%` or `/` pattern that could not be compiled.
    #[error("invalid pattern ({pattern}) in substitution: {reason}")]
    InvalidPattern {
        /// The pattern as upstream prints it (reversed for `%` suffix patterns, as upstream).
        pattern: String,
        /// Why, e.g. `invalid escape '\x'`.
        reason: String,
    },
}

/// A failed expansion of a whole word: `failed to process "<word>": <kind>`.
///
/// Like upstream, the variables looked up before the failure are still reported (the
/// `UndefinedVar` lint reports `unmatched` even when expansion fails).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to process {}: {kind}", go_quote(word))]
pub struct ShellError {
    /// The word that was being processed.
    pub word: String,
    /// The cause (boxed to keep `Result<_, ShellError>` small).
    pub kind: Box<ShellErrorKind>,
    /// Variables that were found before the failure.
    pub matched: BTreeSet<String>,
    /// Variables that were looked up but not set before the failure.
    pub unmatched: BTreeSet<String>,
}
