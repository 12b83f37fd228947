//! The Dockerfile parser: bytes to an AST of [`Node`]s, at parity with upstream BuildKit's
//! `frontend/dockerfile/parser` (its `Node.Dump()` output, line numbers, warnings and error
//! texts).
//!
//! ```
//! let result = syntax::parser::parse("FROM alpine\nRUN echo hi\n").unwrap();
//! assert_eq!(result.ast.dump(), "(from \"alpine\")\n(run \"echo hi\")");
//! ```
//!
//! Reading a file: physical lines are joined into logical lines at escape-character
//! continuations (comment lines inside a continuation are dropped, blank ones are dropped and
//! reported as [`Warning`]s); the first word picks the argument grammar; heredoc bodies
//! follow `RUN`/`COPY`/`ADD` lines that name them. Parser directives are read from the
//! leading comment block only.

mod directives;
mod error;
pub(crate) mod gostr;
mod heredoc;
mod json;
mod line_parsers;
mod location;
mod node;
mod wordlex;

pub use directives::{DetectedDirective, Directive, DirectiveKey, detect_syntax, parse_directive};
pub use error::{ParseError, ParseErrorKind, Warning, WarningKind};
pub use heredoc::{chomp_heredoc_content, parse_heredoc};
pub use line_parsers::MAX_ONBUILD_NESTING;
pub use location::{LineIndex, Position, Range, Span, line_ranges};
pub use node::{Attributes, Heredoc, Node};

use directives::DirectiveParser;
use error::lines_span;
use gostr::{lossy, trim_left_space, trim_space};
use heredoc::heredocs_from_line;
use line_parsers::{can_contain_heredoc, node_from_line};

/// The escape character when no `# escape=` directive is given.
pub const DEFAULT_ESCAPE_TOKEN: char = '\\';

/// Upstream's scanner buffer: a line (with its newline) may hold at most this many bytes.
const MAX_TOKEN_SIZE: usize = 64 * 1024;

/// Upstream's URL of the `NoEmptyContinuation` rule.
const NO_EMPTY_CONTINUATION_URL: &str =
    "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/";

/// Everything a successful parse yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseResult {
    /// The root node: one child per instruction.
    pub ast: Node,
    /// The escape character in force (`\` or a backtick).
    pub escape_token: char,
    /// Non-fatal findings (empty continuation lines).
    pub warnings: Vec<Warning>,
    /// The parser directives of the leading comment block, in order.
    pub directives: Vec<Directive>,
}

impl ParseResult {
    /// The value of directive `key`, if given.
    pub fn directive(&self, key: DirectiveKey) -> Option<&Directive> {
        self.directives.iter().find(|d| d.key == key)
    }
}

/// Parse Dockerfile text.
///
/// Byte offsets in spans refer to `src` (a leading byte-order mark included).
pub fn parse(src: &str) -> Result<ParseResult, ParseError> {
    Parser::new(src).run()
}

/// Parse Dockerfile bytes; invalid UTF-8 sequences become U+FFFD first (spans then refer
/// to that converted text).
pub fn parse_bytes(src: &[u8]) -> Result<ParseResult, ParseError> {
    match std::str::from_utf8(src) {
        Ok(s) => parse(s),
        Err(_) => parse(&lossy(src)),
    }
}

/// Physical lines, each with its line terminator, stopping at an over-long line.
struct Lines<'a> {
    src: &'a str,
    pos: usize,
    too_long: bool,
}

impl<'a> Lines<'a> {
    fn next_line(&mut self) -> Option<(usize, &'a str)> {
        if self.too_long || self.pos >= self.src.len() {
            return None;
        }
        let rest = &self.src[self.pos..];
        let (len, newline) = match rest.find('\n') {
            Some(i) => (i + 1, true),
            None => (rest.len(), false),
        };
        if len > MAX_TOKEN_SIZE || (!newline && len == MAX_TOKEN_SIZE) {
            self.too_long = true;
            return None;
        }
        let start = self.pos;
        self.pos += len;
        Some((start, &rest[..len]))
    }
}

/// Upstream's `trimNewline`: drop all trailing `\r` and `\n`.
fn trim_newline(s: &str) -> &str {
    s.trim_end_matches(['\r', '\n'])
}

/// Upstream's `isComment`.
fn is_comment(line: &str) -> bool {
    trim_left_space(line).starts_with('#')
}

/// The comment text upstream records: `TrimSpace(line[1:])` of the raw line.
fn comment_text(raw: &str) -> String {
    match raw.get(1..) {
        Some(s) => trim_space(s).to_string(),
        None => trim_space(&lossy(&raw.as_bytes()[1..])).to_string(),
    }
}

/// Upstream's `trimContinuationCharacter`: strip a trailing escape character (and the
/// blanks after it) unless it is itself escaped; `false` when the line continues.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    if let Some(before) = trimmed.strip_suffix(escape)
        && (before.is_empty() || !before.ends_with(escape))
    {
        return (before, false);
    }
    (line, true)
}

struct Parser<'a> {
    src: &'a str,
    lines: Lines<'a>,
    escape: char,
    directive_parser: DirectiveParser,
    directives: Vec<Directive>,
    current_line: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            lines: Lines {
                src,
                pos: 0,
                too_long: false,
            },
            escape: DEFAULT_ESCAPE_TOKEN,
            directive_parser: DirectiveParser::new("#", 0),
            directives: Vec::new(),
            current_line: 0,
        }
    }

    fn error(&self, kind: ParseErrorKind, start: usize, end: usize) -> ParseError {
        let index = LineIndex::new(self.src);
        ParseError {
            kind,
            start_line: start,
            end_line: end.max(start),
            span: lines_span(&index, self.src, start, end),
        }
    }

    /// Feed a left-trimmed first line to the directive parser; `true` if it was a directive.
    fn directive(&mut self, token: &str) -> Result<bool, ParseErrorKind> {
        if self.directive_parser.done {
            return Ok(false);
        }
        let Some(d) = self.directive_parser.parse_line(token)? else {
            return Ok(false);
        };
        if d.key == DirectiveKey::Escape {
            self.escape = match d.value.as_str() {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err(ParseErrorKind::InvalidEscapeToken {
                        token: other.to_string(),
                    });
                }
            };
        }
        self.directives.push(d);
        Ok(true)
    }

    /// Read the continuation lines of a logical line into `buf` (comment lines skipped,
    /// blank ones skipped and returned by line number); `end_off` follows the last line read.
    fn continuation_lines(&mut self, buf: &mut String, end_off: &mut usize) -> Vec<usize> {
        let mut empty_lines = Vec::new();
        while let Some((off, raw)) = self.lines.next_line() {
            self.current_line += 1;
            let line = trim_newline(raw);
            *end_off = off + line.len();
            if is_comment(raw) {
                continue;
            }
            if trim_left_space(line).is_empty() {
                empty_lines.push(self.current_line);
                continue;
            }
            let (piece, end_of_line) = trim_continuation(line, self.escape);
            buf.push_str(piece);
            if end_of_line {
                break;
            }
        }
        empty_lines
    }

    /// Read a heredoc body up to its terminator line: the raw lines in between, or `None`
    /// when the input ends first. `end_off` follows the last line read.
    fn heredoc_body(&mut self, doc: &Heredoc, end_off: &mut usize) -> Option<String> {
        let body_start = self.lines.pos;
        let mut body_end = body_start;
        while let Some((off, raw)) = self.lines.next_line() {
            self.current_line += 1;
            let line = trim_newline(raw);
            *end_off = off + line.len();
            let candidate = if doc.chomp {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if candidate == doc.name {
                return Some(self.src[body_start..body_end].to_string());
            }
            body_end = off + raw.len();
        }
        None
    }

    fn run(mut self) -> Result<ParseResult, ParseError> {
        // At most one instruction per line: reserving that avoids re-growing (and copying)
        // the list without the several-fold excess a bytes-per-instruction guess gives on
        // short lines.
        let lines = self.src.bytes().filter(|&b| b == b'\n').count() + 1;
        let mut children: Vec<Node> = Vec::with_capacity(lines.min(4096));
        let mut warnings = Vec::new();
        let mut comments: Vec<String> = Vec::new();
        let mut buf = String::new();

        while let Some((mut off, mut raw)) = self.lines.next_line() {
            if self.current_line == 0
                && let Some(rest) = raw.strip_prefix('\u{feff}')
            {
                raw = rest;
                off += 3;
            }
            if is_comment(raw) {
                let c = comment_text(raw);
                if c.is_empty() {
                    comments.clear();
                } else {
                    comments.push(c);
                }
            }
            let untrimmed = trim_newline(raw);
            let token = trim_left_space(untrimmed);
            let token_off = off + (untrimmed.len() - token.len());
            match self.directive(token) {
                Ok(true) => {
                    comments.pop();
                }
                Ok(false) => {}
                Err(kind) => return Err(self.error(kind, self.current_line, 0)),
            }
            let token = if token.starts_with('#') { "" } else { token };
            self.current_line += 1;
            let start_line = self.current_line;
            let (piece, end_of_line) = trim_continuation(token, self.escape);
            if end_of_line && piece.is_empty() {
                continue;
            }
            buf.clear();
            buf.push_str(piece);
            let mut end_off = off + untrimmed.len();
            let empty_lines = if end_of_line {
                Vec::new()
            } else {
                self.continuation_lines(&mut buf, &mut end_off)
            };
            let line = buf.as_str();

            if !empty_lines.is_empty() {
                warnings.push(Warning {
                    kind: WarningKind::EmptyContinuationLine,
                    short: format!("Empty continuation line found in: {line}"),
                    detail: "Empty continuation lines will become errors in a future release"
                        .to_string(),
                    url: NO_EMPTY_CONTINUATION_URL.to_string(),
                    line: self.current_line,
                    span: Span::new(token_off, end_off),
                    empty_lines,
                });
            }

            let mut child = node_from_line(line, self.escape, std::mem::take(&mut comments))
                .map_err(|k| self.error(k, start_line, self.current_line))?;

            // `contains(char)` is a memchr: most lines have no `<` at all.
            if line.contains('<') && line.contains("<<") && can_contain_heredoc(&child) {
                let mut docs = heredocs_from_line(line)
                    .map_err(|k| self.error(k, start_line, self.current_line))?;
                for doc in &mut docs {
                    doc.content = self.heredoc_body(doc, &mut end_off).ok_or_else(|| {
                        self.error(
                            ParseErrorKind::UnterminatedHeredoc,
                            start_line,
                            self.current_line,
                        )
                    })?;
                }
                child.heredocs = docs;
            }

            set_location(
                &mut child,
                start_line,
                self.current_line,
                Span::new(token_off, end_off),
            );
            children.push(child);
            comments.clear();
        }

        if children.is_empty() {
            return Err(self.error(ParseErrorKind::NoInstructions, self.current_line, 0));
        }
        if self.lines.too_long {
            return Err(self.error(ParseErrorKind::LineTooLong, self.current_line, 0));
        }
        let start_line = children[0].start_line;
        let end_line = children[children.len() - 1].end_line;
        let span = children[0].span.cover(children[children.len() - 1].span);
        Ok(ParseResult {
            ast: Node {
                children,
                start_line,
                end_line,
                span,
                ..Node::default()
            },
            escape_token: self.escape,
            warnings,
            directives: self.directives,
        })
    }
}

/// Give an instruction node and everything below it the instruction's lines and span.
fn set_location(node: &mut Node, start: usize, end: usize, span: Span) {
    node.start_line = start;
    node.end_line = end;
    node.span = span;
    for n in &mut node.next {
        n.start_line = start;
        n.end_line = end;
        n.span = span;
        for c in &mut n.children {
            set_location(c, start, end, span);
        }
    }
    for c in &mut node.children {
        set_location(c, start, end, span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_trimming() {
        assert_eq!(trim_continuation("a \\", '\\'), ("a ", false));
        assert_eq!(trim_continuation("a \\  \t", '\\'), ("a ", false));
        assert_eq!(trim_continuation("\\ ", '\\'), ("", false));
        assert_eq!(trim_continuation("a \\\\", '\\'), ("a \\\\", true));
        assert_eq!(trim_continuation("a`", '`'), ("a", false));
        assert_eq!(trim_continuation("a\\", '`'), ("a\\", true));
    }

    #[test]
    fn simple_file() {
        let r = parse("FROM a\nRUN b \\\n  c\n").unwrap();
        assert_eq!(r.ast.dump(), "(from \"a\")\n(run \"b   c\")");
        let run = &r.ast.children[1];
        assert_eq!((run.start_line, run.end_line), (2, 3));
        assert_eq!(
            &"FROM a\nRUN b \\\n  c\n"[run.span.start..run.span.end],
            "RUN b \\\n  c"
        );
    }

    #[test]
    fn empty_files_are_errors() {
        for src in ["", "\n\n", "# only\n# comments\n", "# syntax=x\n"] {
            let e = parse(src).unwrap_err();
            assert_eq!(e.kind, ParseErrorKind::NoInstructions, "{src:?}");
            assert_eq!(e.to_string(), "file with no instructions");
        }
    }

    #[test]
    fn warns_on_empty_continuation_line() {
        let src = "\nFROM alpine:3.6\n\nRUN valid \\\n    continuation\n\nRUN something \\\n\n    following \\\n\n    more\n\nRUN another \\\n\n    thing\n\nRUN non-indented \\\n# this is a comment\n   after-comment\n\nRUN indented \\\n    # this is an indented comment\n    comment\n\t";
        let r = parse(src).unwrap();
        assert_eq!(r.warnings.len(), 2);
        assert!(
            r.warnings[0]
                .short
                .contains("Empty continuation line found in")
        );
        assert!(
            r.warnings[0]
                .short
                .contains("RUN something     following     more")
        );
        assert!(r.warnings[1].short.contains("RUN another     thing"));
        assert!(
            r.warnings[0]
                .detail
                .contains("will become errors in a future release")
        );
        assert_eq!(r.warnings[0].line, 11);
        assert_eq!(r.warnings[0].empty_lines, vec![8, 10]);
    }

    #[test]
    fn line_too_long() {
        let label = "a".repeat(MAX_TOKEN_SIZE);
        let src = format!("\n\t\tFROM image\n\t\tLABEL test={label}\n");
        let e = parse(&src).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dockerfile line greater than max allowed size of 65535"
        );
    }

    #[test]
    fn directives_and_escape() {
        let r = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN b `\n c\n").unwrap();
        assert_eq!(r.escape_token, '`');
        assert_eq!(r.directives.len(), 2);
        assert_eq!(
            r.directive(DirectiveKey::Syntax).unwrap().value,
            "docker/dockerfile:1"
        );
        assert_eq!(r.ast.children[1].dump(), "run \"b  c\"");
        let e = parse("# escape=`\n# escape=\\\nFROM a\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "only one escape parser directive can be used"
        );
        let e = parse("# escape=x\nFROM a\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid escape token 'x' does not match ` or \\"
        );
    }

    #[test]
    fn bom_and_crlf() {
        let r = parse("\u{feff}# escape=`\r\nFROM a\r\nRUN b `\r\n c\r\n").unwrap();
        assert_eq!(r.escape_token, '`');
        assert_eq!(r.ast.dump(), "(from \"a\")\n(run \"b  c\")");
        assert_eq!(r.ast.children[0].span, Span::new(15, 21));
    }
}
