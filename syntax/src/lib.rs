//! Dockerfile syntax: parser, directives, heredocs, shell-word expansion. Knows nothing of LLB.
//!
//! Entry point: [`parser::parse`] turns Dockerfile text into an AST of [`parser::Node`]s
//! (upstream BuildKit's `parser.Parse`).

pub mod instructions;
pub mod lint;
pub mod mount;
pub mod parser;
pub mod paths;
pub mod shell;

pub use parser::{Node, ParseError, ParseResult, parse};
