//! Small re-implementations of Go standard-library behaviour that upstream's error messages and
//! parsing results depend on (`%q` quoting, `unicode` classes, `strings.ToLower`, `strconv`,
//! `encoding/csv`-style single-line splitting, `go-units` sizes, levenshtein suggestions).
//!
//! These are crate-internal: the shell lexer and the `RUN --mount` parser share them.

pub(crate) mod csv;
pub(crate) mod quote;
pub(crate) mod strconv;
pub(crate) mod suggest;
pub(crate) mod unicode;
pub(crate) mod units;
