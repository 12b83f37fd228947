//! Shell-word lexing and variable expansion, as upstream BuildKit performs it
//! (`frontend/dockerfile/shell`).
//!
//! A [`Lexer`] removes quotes, applies escapes and expands `$v`, `${v}`, `${v:-w}`, `${v-w}`,
//! `${v:+w}`, `${v+w}`, `${v:?e}`, `${v?e}`, `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`,
//! `${v/p/r}` and `${v//p/r}` against an [`Env`]. Every call yields both the single-word result
//! (upstream `ProcessWord`) and the word split (upstream `ProcessWords`), and the names that
//! were found ([`ProcessResult::matched`]) or not ([`ProcessResult::unmatched`]).
//!
//! Results are upstream's byte for byte, including its quirks: an escape character at the end
//! of input is dropped; in multi-word mode a `${v<op>word}` expansion discards the text of
//! the word being built before it (upstream shares one word buffer across nesting levels);
//! `${v//p/r}` applies Go's `$` template expansion to `r` while `${v/p/r}` does not; with
//! `skip_unset_env`, an unset `${v//p/r}` is rendered back as `${v/p/r}`.

mod env;
mod error;
pub(crate) mod gocompat;
mod lexer;
mod pattern;
mod words;

#[cfg(test)]
mod tests;

pub use env::{Env, EnvList, FnEnv, NoEnv};
pub use error::{ShellError, ShellErrorKind};
pub use lexer::{Lexer, ProcessResult, is_literal};
