//! The shell-word splitting upstream's parser runs to find heredocs: upstream's shell lexer
//! with escape `\`, an empty environment and unset variables kept verbatim. Only word
//! splitting and quote handling matter here; no variable is ever expanded.
//!
//! Quirks kept on purpose (they decide which words look like heredocs): a `${...}` with a
//! modifier resets the word being collected, `$` results are split on whitespace, and
//! `<<` plus the blanks after it stay in one word.

use super::gostr::{is_digit, is_letter, is_space};

/// Lexer options.
#[derive(Clone, Copy)]
pub(crate) struct LexOptions {
    /// Keep quote characters in the output.
    pub raw_quotes: bool,
    /// Keep escape characters in the output.
    pub raw_escapes: bool,
}

/// A lexing failure (message as upstream's, without the `failed to process` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError(pub String);

const ESCAPE: char = '\\';

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    raw_quotes: bool,
    raw_escapes: bool,
    /// Shared by nested calls, as upstream's `shellWord.wordsBuffer`.
    words_buf: String,
    /// Current `${...}` nesting.
    depth: usize,
}

/// How deeply `${...}` may nest before lexing gives up (upstream has no limit; this keeps
/// the recursion within the stack). Giving up means "no heredoc on this line".
const MAX_DEPTH: usize = 200;

#[derive(Default)]
struct Words {
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, buf: &mut String, ch: char) {
        if is_space(ch) && self.in_word {
            if !buf.is_empty() {
                self.words.push(std::mem::take(buf));
                self.in_word = false;
            }
        } else if !is_space(ch) {
            self.add_raw_char(buf, ch);
        }
    }

    fn add_raw_char(&mut self, buf: &mut String, ch: char) {
        buf.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, buf: &mut String, s: &str) {
        for ch in s.chars() {
            self.add_char(buf, ch);
        }
    }

    fn add_raw_string(&mut self, buf: &mut String, s: &str) {
        buf.push_str(s);
        self.in_word = true;
    }

    fn finish(mut self, buf: &mut String) -> Vec<String> {
        if !buf.is_empty() {
            self.words.push(std::mem::take(buf));
        }
        self.words
    }
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), LexError> {
        if self.depth >= MAX_DEPTH {
            return Err(LexError("nesting too deep".into()));
        }
        self.depth += 1;
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let r = self.stop_on_inner(stop, raw_escapes);
        self.raw_escapes = saved;
        self.depth -= 1;
        r
    }

    fn stop_on_inner(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), LexError> {
        let mut result = String::new();
        self.words_buf.clear();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, words.finish(&mut self.words_buf)));
            }
            match ch {
                '$' => {
                    let tmp = self.dollar()?;
                    result.push_str(&tmp);
                    words.add_string(&mut self.words_buf, &tmp);
                }
                '<' => {
                    let tmp = self.possible_heredoc();
                    result.push_str(&tmp);
                    words.add_raw_string(&mut self.words_buf, &tmp);
                }
                '\'' => {
                    let tmp = self.single_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&mut self.words_buf, &tmp);
                }
                '"' => {
                    let tmp = self.double_quote()?;
                    result.push_str(&tmp);
                    words.add_raw_string(&mut self.words_buf, &tmp);
                }
                _ => {
                    self.next();
                    if ch == ESCAPE {
                        if raw_escapes {
                            words.add_raw_char(&mut self.words_buf, ch);
                            result.push(ch);
                        }
                        let Some(escaped) = self.next() else { break };
                        words.add_raw_char(&mut self.words_buf, escaped);
                        result.push(escaped);
                    } else {
                        words.add_char(&mut self.words_buf, ch);
                        result.push(ch);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            return Err(LexError(format!(
                "unexpected end of statement while looking for matching {stop}"
            )));
        }
        Ok((result, words.finish(&mut self.words_buf)))
    }

    fn single_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next();
        if self.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(LexError(
                        "unexpected end of statement while looking for matching single-quote"
                            .into(),
                    ));
                }
                Some('\'') => {
                    if self.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn double_quote(&mut self) -> Result<String, LexError> {
        let mut result = String::new();
        let open = self.next();
        if self.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(LexError(
                        "unexpected end of statement while looking for matching double-quote"
                            .into(),
                    ));
                }
                Some('"') => {
                    self.next();
                    if self.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let v = self.dollar()?;
                    result.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or(ESCAPE);
                    if ch == ESCAPE {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            None => continue,
                            Some('"' | '$' | ESCAPE) => {
                                ch = self.next().unwrap_or(ESCAPE);
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(d) = self.peek().filter(|&c| is_digit(c)) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                name.push(ch);
                return name;
            }
            if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    /// `$name` or `${...}` with an empty environment where unset names stay verbatim.
    fn dollar(&mut self) -> Result<String, LexError> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.name();
            return Ok(if name.is_empty() {
                "$".to_string()
            } else {
                format!("${name}")
            });
        }
        self.next();
        match self.peek() {
            None => return Err(LexError("syntax error: missing '}'".into())),
            Some('{' | '}' | ':') => return Err(LexError("syntax error: bad substitution".into())),
            _ => {}
        }
        let name = self.name();
        let ch = self.next();
        let mut chs = ch.unwrap_or('\u{fffd}').to_string();
        match ch {
            Some('}') => Ok(format!("${{{name}}}")),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let mut op = ch;
                let null_is_unset = ch == Some(':');
                if null_is_unset {
                    op = self.next();
                    chs.push(op.unwrap_or('\u{fffd}'));
                }
                let raw = matches!(op, Some('#' | '%'));
                if null_is_unset && raw {
                    return Err(LexError(format!(
                        "unsupported modifier ({chs}) in substitution"
                    )));
                }
                let (word, _) = self.stop_on(Some('}'), raw).map_err(|e| {
                    if self.peek().is_none() {
                        LexError("syntax error: missing '}'".into())
                    } else {
                        e
                    }
                })?;
                Ok(format!("${{{name}{chs}{word}}}"))
            }
            Some('/') => {
                if self.peek() == Some('/') {
                    self.next();
                }
                let (pattern, _) = self.stop_on(Some('/'), true).map_err(|e| {
                    if self.peek().is_none() {
                        LexError("syntax error: missing '/' in ${}".into())
                    } else {
                        e
                    }
                })?;
                let (replacement, _) = self.stop_on(Some('}'), true).map_err(|e| {
                    if self.peek().is_none() {
                        LexError("syntax error: missing '}'".into())
                    } else {
                        e
                    }
                })?;
                Ok(format!("${{{name}/{pattern}/{replacement}}}"))
            }
            _ => Err(LexError(format!(
                "unsupported modifier ({chs}) in substitution"
            ))),
        }
    }

    fn possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".to_string();
        }
        self.next();
        let mut result = String::from("<<");
        while let Some(c) = self.peek().filter(|c| matches!(c, '\t' | '\r' | ' ')) {
            self.next();
            result.push(c);
        }
        result
    }
}

/// Upstream's `Lex.ProcessWords` with escape `\`, `SkipUnsetEnv` and an empty environment.
pub(crate) fn process_words(src: &str, opts: LexOptions) -> Result<Vec<String>, LexError> {
    let mut lx = Lexer {
        // text/scanner skips a byte-order mark at the very start.
        src: src.strip_prefix('\u{feff}').unwrap_or(src),
        pos: 0,
        raw_quotes: opts.raw_quotes,
        raw_escapes: opts.raw_escapes,
        words_buf: String::new(),
        depth: 0,
    };
    let raw = lx.raw_escapes;
    lx.stop_on(None, raw).map(|(_, words)| words)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: LexOptions = LexOptions {
        raw_quotes: true,
        raw_escapes: true,
    };
    const PLAIN: LexOptions = LexOptions {
        raw_quotes: false,
        raw_escapes: false,
    };

    fn words(s: &str, o: LexOptions) -> Vec<String> {
        process_words(s, o).unwrap()
    }

    #[test]
    fn splits_and_keeps_heredoc_words() {
        assert_eq!(words("RUN <<EOF", RAW), vec!["RUN", "<<EOF"]);
        assert_eq!(
            words("RUN <<  EOF  > foo", RAW),
            vec!["RUN", "<<  EOF", ">", "foo"]
        );
        assert_eq!(words("RUN '<<EOF'", RAW), vec!["RUN", "'<<EOF'"]);
        assert_eq!(words("RUN <<eo\\'f", RAW), vec!["RUN", "<<eo\\'f"]);
        assert_eq!(words("eo\\'f", PLAIN), vec!["eo'f"]);
        assert_eq!(words("'e'o\\'f", PLAIN), vec!["eo'f"]);
        assert_eq!(words("$EOF", PLAIN), vec!["$EOF"]);
        assert_eq!(words("a ${x:-b c}", PLAIN), vec!["a", "${x:-b", "c}"]);
    }

    #[test]
    fn modifier_resets_the_current_word() {
        // Upstream's shared words buffer loses "abc" here.
        assert_eq!(words("abc${x:-y}", PLAIN), vec!["${x:-y}"]);
    }

    #[test]
    fn errors() {
        assert!(process_words("'abc", PLAIN).is_err());
        assert!(process_words("\"abc", PLAIN).is_err());
        assert_eq!(
            process_words("${x:-a", PLAIN),
            Err(LexError("syntax error: missing '}'".into()))
        );
        assert_eq!(
            process_words("${}", PLAIN),
            Err(LexError("syntax error: bad substitution".into()))
        );
        assert_eq!(
            process_words("${x!}", PLAIN),
            Err(LexError("unsupported modifier (!) in substitution".into()))
        );
    }
}
