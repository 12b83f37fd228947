//! Single-line CSV splitting as upstream's `go-csvvalue` `Fields` does it (comma separator,
//! strict quotes, no leading-space trimming): the semantics of Go's `encoding/csv` for one
//! record, with the same error texts.

use std::borrow::Cow;
use std::fmt;

/// A CSV error, displayed exactly as Go prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CsvError {
    /// Empty input (Go returns `io.EOF`).
    Eof,
    /// A `"` inside an unquoted field, at a 1-based byte column.
    BareQuote {
        /// 1-based byte column.
        column: usize,
    },
    /// A quoted field not closed or followed by something other than a comma.
    Quote {
        /// 1-based byte column.
        column: usize,
    },
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::Eof => f.write_str("EOF"),
            CsvError::BareQuote { column } => write!(
                f,
                "parse error on line 1, column {column}: bare \" in non-quoted field"
            ),
            CsvError::Quote { column } => write!(
                f,
                "parse error on line 1, column {column}: extraneous or missing \" in quoted field"
            ),
        }
    }
}

/// Splits one CSV record into its fields.
pub(crate) fn fields(input: &str) -> Result<Vec<Cow<'_, str>>, CsvError> {
    let mut line = input;
    if let Some(stripped) = line.strip_suffix('\n') {
        line = stripped.strip_suffix('\r').unwrap_or(stripped);
    }
    if line.is_empty() {
        return Err(CsvError::Eof);
    }
    let mut out: Vec<Cow<'_, str>> = Vec::new();
    let mut pos = 0usize;
    'field: loop {
        if !line.starts_with('"') {
            // One scan for the field's end or a stray quote, whichever comes first.
            match line.bytes().position(|b| b == b',' || b == b'"') {
                Some(j) if line.as_bytes()[j] == b'"' => {
                    return Err(CsvError::BareQuote {
                        column: pos + j + 1,
                    });
                }
                Some(i) => {
                    out.push(Cow::Borrowed(&line[..i]));
                    pos += i + 1;
                    line = &line[i + 1..];
                    continue 'field;
                }
                None => {
                    out.push(Cow::Borrowed(line));
                    break 'field;
                }
            }
        }
        // Quoted field.
        line = &line[1..];
        pos += 1;
        let mut value = String::new();
        loop {
            let Some(i) = line.find('"') else {
                return Err(CsvError::Quote { column: pos + 1 });
            };
            value.push_str(&line[..i]);
            line = &line[i + 1..];
            pos += i + 1;
            if line.starts_with('"') {
                // `""` is an escaped quote.
                value.push('"');
                line = &line[1..];
                pos += 1;
            } else if line.starts_with(',') {
                out.push(Cow::Owned(value));
                line = &line[1..];
                pos += 1;
                continue 'field;
            } else if line.is_empty() {
                out.push(Cow::Owned(value));
                break 'field;
            } else {
                return Err(CsvError::Quote { column: pos });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits() {
        assert_eq!(fields("a,b").unwrap(), ["a", "b"]);
        assert_eq!(fields("a,").unwrap(), ["a", ""]);
        assert_eq!(fields("\"a,b\",c").unwrap(), ["a,b", "c"]);
        assert_eq!(fields("\"a\"\"b\"").unwrap(), ["a\"b"]);
        assert_eq!(fields("\"\",x\r\n").unwrap(), ["", "x"]);
        assert_eq!(fields(""), Err(CsvError::Eof));
        assert_eq!(fields("\n"), Err(CsvError::Eof));
        assert_eq!(fields("a\"b"), Err(CsvError::BareQuote { column: 2 }));
        assert_eq!(fields("x,\"ab"), Err(CsvError::Quote { column: 4 }));
        assert_eq!(fields("\"ab\"c"), Err(CsvError::Quote { column: 4 }));
    }
}
