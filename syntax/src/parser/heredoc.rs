//! Heredoc words (`<<EOF`, `<<-EOF`, `3<<"EOF"`) and body chomping, as upstream.

use nom::bytes::complete::{tag, take_while};
use nom::character::complete::{char, digit0};
use nom::combinator::{eof, opt};
use nom::{IResult, Parser};

use super::error::ParseErrorKind;
use super::gostr::is_space;
use super::node::Heredoc;
use super::wordlex::{LexOptions, process_words};

/// The pieces of upstream's `^(\d*)<<(-?)\s*([^<]*)$`.
fn heredoc_word(input: &str) -> IResult<&str, (&str, bool, &str)> {
    let (input, (fd, _, dash, _, rest, _)) = (
        digit0,
        tag("<<"),
        opt(char('-')),
        take_while(|c| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')),
        take_while(|c| c != '<'),
        eof,
    )
        .parse(input)?;
    Ok((input, (fd, dash.is_some(), rest)))
}

fn count_quotes(s: &str) -> usize {
    s.bytes().filter(|&b| b == b'\'' || b == b'"').count()
}

/// Upstream's `ParseHeredoc`: the heredoc a single shell word introduces, if any.
///
/// `Ok(None)` when the word is not a heredoc; an error when its terminator word cannot be
/// lexed (e.g. an unterminated quote).
pub fn parse_heredoc(word: &str) -> Result<Option<Heredoc>, ParseErrorKind> {
    let Ok((_, (fd, chomp, rest))) = heredoc_word(word) else {
        return Ok(None);
    };
    if rest.is_empty() {
        return Ok(None);
    }
    let lex_err = |e: super::wordlex::LexError| ParseErrorKind::HeredocWord {
        source_text: rest.to_string(),
        message: e.0,
    };
    let words = process_words(
        rest,
        LexOptions {
            raw_quotes: false,
            raw_escapes: false,
        },
    )
    .map_err(lex_err)?;
    if words.len() != 1 {
        return Ok(None);
    }
    let raw = process_words(
        rest,
        LexOptions {
            raw_quotes: true,
            raw_escapes: false,
        },
    )
    .map_err(lex_err)?;
    if raw.len() != words.len() {
        return Err(ParseErrorKind::HeredocInconsistent {
            rest: rest.to_string(),
        });
    }
    let name = words.into_iter().next().unwrap_or_default();
    let expand = count_quotes(&name) == count_quotes(&raw[0]);
    let file_descriptor = parse_fd(fd);
    Ok(Some(Heredoc {
        name,
        file_descriptor,
        expand,
        chomp,
        content: String::new(),
    }))
}

/// [`heredocs_from_line`] for lines without quotes, `$`, `\\` or a byte-order mark, where
/// upstream's lexer reduces to splitting on whitespace (keeping the blanks after `<<` in
/// the word) and every heredoc word is its own name, expanded.
fn simple_heredocs_from_line(line: &str) -> Option<Vec<Heredoc>> {
    if line.contains(['\'', '"', '$', '\\', '\u{feff}']) {
        return None;
    }
    let b = line.as_bytes();
    let mut docs = Vec::new();
    let mut i = 0;
    let width = |i: usize| line[i..].chars().next().map_or(1, char::len_utf8);
    let space = |i: usize| line[i..].chars().next().is_some_and(is_space);
    while i < b.len() {
        if space(i) {
            i += width(i);
            continue;
        }
        let start = i;
        while i < b.len() && !space(i) {
            if b[i] == b'<' && b.get(i + 1) == Some(&b'<') {
                i += 2;
                while i < b.len() && matches!(b[i], b'\t' | b'\r' | b' ') {
                    i += 1;
                }
            } else {
                i += width(i);
            }
        }
        let word = &line[start..i];
        if !word.contains("<<") {
            continue;
        }
        if let Ok((_, (fd, chomp, rest))) = heredoc_word(word)
            && !rest.is_empty()
        {
            docs.push(Heredoc {
                name: rest.to_string(),
                file_descriptor: parse_fd(fd),
                expand: true,
                chomp,
                content: String::new(),
            });
        }
    }
    Some(docs)
}

fn parse_fd(fd: &str) -> u64 {
    if fd.is_empty() {
        0
    } else {
        // Go's ParseUint saturates on overflow (and the error is ignored upstream).
        fd.parse::<u64>().unwrap_or(u64::MAX)
    }
}

/// Upstream's `heredocsFromLine`: every heredoc the words of `line` introduce.
pub(crate) fn heredocs_from_line(line: &str) -> Result<Vec<Heredoc>, ParseErrorKind> {
    if let Some(docs) = simple_heredocs_from_line(line) {
        return Ok(docs);
    }
    let words = process_words(
        line,
        LexOptions {
            raw_quotes: true,
            raw_escapes: true,
        },
    )
    .unwrap_or_default();
    let mut docs = Vec::new();
    for w in &words {
        if !w.contains("<<") {
            continue;
        }
        if let Some(h) = parse_heredoc(w)? {
            docs.push(h);
        }
    }
    Ok(docs)
}

/// Upstream's `ChompHeredocContent`: strip the leading tabs of every line.
pub fn chomp_heredoc_content(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    for line in src.split_inclusive('\n') {
        out.push_str(line.trim_start_matches('\t'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_match_upstream() {
        for src in [
            "<<EOF",
            "<<'EOF'",
            "<<\"EOF\"",
            "<<-EOF",
            "<<-'EOF'",
            "<<-\"EOF\"",
            "<<EO\"F\"",
            "<< EOF",
            "<<- EOF",
        ] {
            let h = parse_heredoc(src).unwrap().unwrap();
            assert_eq!(h.name, "EOF", "{src}");
        }
        for src in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(parse_heredoc(src).is_err(), "{src}");
        }
        for src in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"] {
            assert_eq!(parse_heredoc(src).unwrap(), None, "{src}");
        }
        let h = parse_heredoc("3<<-'E'").unwrap().unwrap();
        assert_eq!((h.file_descriptor, h.chomp, h.expand), (3, true, false));
    }

    #[test]
    fn from_line() {
        let names = |l: &str| {
            heredocs_from_line(l)
                .unwrap()
                .into_iter()
                .map(|h| h.name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("RUN <<EOF"), vec!["EOF"]);
        // The lexer keeps only the blanks right after `<<` in the word: `<<-` stands alone
        // and is no heredoc (upstream's own test passes vacuously here).
        assert!(names("RUN <<- EOF").is_empty());
        assert_eq!(names("RUN << -EOF"), vec!["-EOF"]);
        assert_eq!(names("RUN 4<<EOF"), vec!["EOF"]);
        assert_eq!(names("RUN <<EOF <<EOF2"), vec!["EOF", "EOF2"]);
        assert!(names("RUN '<<EOF'").is_empty());
        assert!(names("RUN \"<<EOF\"").is_empty());
    }

    #[test]
    fn fast_path_agrees_with_the_lexer() {
        for line in [
            "RUN <<EOF",
            "RUN <<-EOF bash",
            "RUN <<  EOF  > foo",
            "COPY <<A <<B /dst",
            "RUN 3<<X",
            "RUN <<<X <<",
            "RUN a<<b c\u{a0}<<d",
            "RUN x <<\t-E",
            "RUN 99999999999999999999999<<Z",
        ] {
            let slow: Vec<Heredoc> = process_words(
                line,
                LexOptions {
                    raw_quotes: true,
                    raw_escapes: true,
                },
            )
            .unwrap()
            .iter()
            .filter_map(|w| parse_heredoc(w).unwrap())
            .collect();
            assert_eq!(simple_heredocs_from_line(line), Some(slow), "{line:?}");
        }
        assert_eq!(simple_heredocs_from_line("RUN <<'EOF'"), None);
    }

    #[test]
    fn chomp() {
        assert_eq!(
            chomp_heredoc_content("\thello\n\tworld\n"),
            "hello\nworld\n"
        );
        assert_eq!(chomp_heredoc_content("\t\ta\tb\n x"), "a\tb\n x");
    }
}
