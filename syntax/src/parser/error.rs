//! Parse errors and warnings, as data with locations. The messages are upstream's, word for word.

use super::gostr::quote;
use super::location::{LineIndex, Range, Span, line_ranges};

/// What went wrong while parsing (the message is upstream's error text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A parser directive (`syntax`, `escape`, `check`) appeared twice.
    #[error("only one {name} parser directive can be used")]
    DuplicateDirective {
        /// Lower-cased directive name.
        name: String,
    },
    /// `# escape=` named something other than `\` or a backtick.
    #[error("invalid escape token '{token}' does not match ` or \\")]
    InvalidEscapeToken {
        /// The rejected token.
        token: String,
    },
    /// `ENV`/`LABEL` in the legacy `key value` form without a value.
    #[error("{instruction} must have two arguments")]
    MissingValue {
        /// `ENV` or `LABEL`.
        instruction: &'static str,
    },
    /// `ENV`/`LABEL` in the `key=value` form with a word lacking `=`.
    #[error("Syntax error - can't find = in {}. Must be of the form: name=value", quote(.word))]
    MissingEquals {
        /// The offending word.
        word: String,
    },
    /// A JSON array (exec form) holding something other than strings.
    #[error("when using JSON array syntax, arrays must be comprised of strings only")]
    NotStringArray,
    /// A heredoc whose terminator line never came.
    #[error("unterminated heredoc")]
    UnterminatedHeredoc,
    /// The shell-word lexing of a heredoc word failed.
    #[error("failed to process {}: {message}", quote(.source_text))]
    HeredocWord {
        /// The heredoc word text that was lexed.
        source_text: String,
        /// The lexer's message.
        message: String,
    },
    /// The quoted and unquoted lexing of a heredoc word disagreed.
    #[error("internal lexing of heredoc produced inconsistent results: {rest}")]
    HeredocInconsistent {
        /// The heredoc word text.
        rest: String,
    },
    /// The file holds no instruction (empty, or only comments and directives).
    #[error("file with no instructions")]
    NoInstructions,
    /// `ONBUILD` nested deeper than this parser supports (upstream has no limit).
    #[error("ONBUILD nesting exceeds {limit} levels")]
    TooDeep {
        /// The supported depth.
        limit: usize,
    },
    /// A physical line longer than upstream's scanner accepts.
    #[error("dockerfile line greater than max allowed size of 65535")]
    LineTooLong,
}

/// A parse failure with its location: the 1-based lines upstream reports and the byte span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// First line upstream attributes the error to (1-based; 0 when upstream says line 0).
    pub start_line: usize,
    /// Last line (>= `start_line`).
    pub end_line: usize,
    /// Byte span of those lines in the source.
    pub span: Span,
}

impl ParseError {
    /// Upstream's location: one range per line of `start_line..=end_line`.
    pub fn ranges(&self) -> Vec<Range> {
        line_ranges(self.start_line, self.end_line)
    }

    /// `Dockerfile:LINE: message`-style rendering with the file name given.
    pub fn render(&self, file: &str) -> String {
        format!("{file}:{}: {}", self.start_line, self.kind)
    }
}

/// Compute the byte span of `start..=end` lines.
pub(crate) fn lines_span(index: &LineIndex, src: &str, start: usize, end: usize) -> Span {
    let end = end.max(start);
    let first = index
        .line_span(src, start.max(1))
        .unwrap_or(Span::new(src.len(), src.len()));
    let last = index.line_span(src, end.max(1)).unwrap_or(first);
    first.cover(last)
}

/// Which kind of warning the parser produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// An instruction's continuation included a blank line (lint rule `NoEmptyContinuation`).
    EmptyContinuationLine,
}

/// A non-fatal finding of the parser, as upstream's `parser.Warning`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What kind of warning.
    pub kind: WarningKind,
    /// Upstream's `Short` text (e.g. `Empty continuation line found in: RUN a b`).
    pub short: String,
    /// Upstream's `Detail` text.
    pub detail: String,
    /// Documentation URL of the matching lint rule.
    pub url: String,
    /// The line upstream locates the warning at (the instruction's last continuation line).
    pub line: usize,
    /// Byte span of the whole instruction.
    pub span: Span,
    /// 1-based line numbers of the blank continuation lines themselves.
    pub empty_lines: Vec<usize>,
}

impl Warning {
    /// Rule name the warning feeds (`NoEmptyContinuation`).
    pub fn rule_name(&self) -> &'static str {
        match self.kind {
            WarningKind::EmptyContinuationLine => "NoEmptyContinuation",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_upstreams() {
        let e = ParseErrorKind::MissingEquals {
            word: "a\"b".into(),
        };
        assert_eq!(
            e.to_string(),
            r#"Syntax error - can't find = in "a\"b". Must be of the form: name=value"#
        );
        let e = ParseErrorKind::InvalidEscapeToken { token: "x".into() };
        assert_eq!(
            e.to_string(),
            "invalid escape token 'x' does not match ` or \\"
        );
        assert_eq!(
            ParseErrorKind::MissingValue { instruction: "ENV" }.to_string(),
            "ENV must have two arguments"
        );
    }
}
