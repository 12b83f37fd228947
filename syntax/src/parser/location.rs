//! Source locations: byte spans inside the parsed text, and their conversion to lines and columns.

use std::fmt;

/// A half-open byte range `start..end` into the text given to [`crate::parser::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// Line and column of both ends in `src` (indexes `src` once; keep a [`LineIndex`]
    /// when converting many spans).
    pub fn range_in(self, src: &str) -> Range {
        LineIndex::new(src).range(src, self)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A point in the source, as upstream's `parser.Position`: a 1-based line and a 0-based
/// character (Unicode scalar value) offset inside that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 0-based column, counted in characters.
    pub character: usize,
}

/// A section of source between two positions, as upstream's `parser.Range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Range {
    /// First position.
    pub start: Position,
    /// Last position.
    pub end: Position,
}

impl Range {
    /// A range covering whole lines `start..=end` (characters 0), as upstream's line-only ranges.
    pub fn lines(start: usize, end: usize) -> Self {
        Range {
            start: Position {
                line: start,
                character: 0,
            },
            end: Position {
                line: end,
                character: 0,
            },
        }
    }
}

/// Upstream's `toRanges(start, end)`: one single-line range per line of `start..=end`
/// (`end` is raised to `start` when smaller).
pub fn line_ranges(start: usize, end: usize) -> Vec<Range> {
    let end = end.max(start);
    (start..=end).map(|l| Range::lines(l, l)).collect()
}

/// Maps byte offsets of one text to lines and columns.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Index the line starts of `src` (lines end at `\n`).
    pub fn new(src: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { line_starts }
    }

    /// Number of lines (a trailing newline starts a last, empty line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// The position of byte `offset` in `src` (which must be the text this index was built from).
    pub fn position(&self, src: &str, offset: usize) -> Position {
        let line = self.line_of(offset);
        let start = self.line_starts[line - 1];
        let end = offset.min(src.len());
        let character = src
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(end.saturating_sub(start));
        Position { line, character }
    }

    /// The range of positions a span covers.
    pub fn range(&self, src: &str, span: Span) -> Range {
        Range {
            start: self.position(src, span.start),
            end: self.position(src, span.end),
        }
    }

    /// The byte span of 1-based `line` without its line terminator, or `None` past the end.
    pub fn line_span(&self, src: &str, line: usize) -> Option<Span> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let next = self.line_starts.get(line).copied().unwrap_or(src.len());
        let text = &src.as_bytes()[start..next];
        let trimmed = text
            .iter()
            .rposition(|&b| b != b'\n' && b != b'\r')
            .map_or(0, |p| p + 1);
        Some(Span::new(start, start + trimmed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_lines() {
        let src = "FROM a\r\nRUN é x\n\nCMD b";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(8), 2);
        let off = src.find('x').unwrap();
        assert_eq!(
            idx.position(src, off),
            Position {
                line: 2,
                character: 6
            }
        );
        assert_eq!(idx.line_span(src, 1), Some(Span::new(0, 6)));
        assert_eq!(idx.line_span(src, 3), Some(Span::new(17, 17)));
        assert_eq!(idx.line_span(src, 4), Some(Span::new(18, 23)));
        assert_eq!(idx.line_span(src, 5), None);
        assert_eq!(line_ranges(3, 1), vec![Range::lines(3, 3)]);
        let r = Span::new(8, 11).range_in(src);
        assert_eq!(
            (r.start.line, r.start.character, r.end.character),
            (2, 0, 3)
        );
        assert_eq!(line_ranges(1, 2).len(), 2);
    }
}
