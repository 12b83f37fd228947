//! The word processor: quotes, escapes, `$` expansions and word splitting.

use super::env::Env;
use super::error::{ShellError, ShellErrorKind};
use super::gocompat::unicode::{is_digit, is_letter};
use super::pattern;
use super::words::Words;
use std::collections::BTreeSet;

/// Shell-word lexer with upstream's options. Cheap to copy; processing does not mutate it.
///
/// ```
/// use syntax::shell::{EnvList, Lexer};
/// let env = EnvList::from_entries(["NAME=world"]);
/// let out = Lexer::new('\\').process_word("hello ${NAME:-x}", &env).unwrap();
/// assert_eq!(out.result, "hello world");
/// assert!(out.matched.contains("NAME"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexer {
    /// The escape character (`\` by default, `` ` `` with `# escape=``).
    pub escape: char,
    /// Keep quote characters in the output (upstream `RawQuotes`).
    pub raw_quotes: bool,
    /// Keep escape characters in the output (upstream `RawEscapes`).
    pub raw_escapes: bool,
    /// Treat `'` and `"` as ordinary characters (upstream `SkipProcessQuotes`).
    pub skip_process_quotes: bool,
    /// Leave references to unset variables as written, e.g. `$x`, `${x}`, `${x:-y}`
    /// (upstream `SkipUnsetEnv`).
    pub skip_unset_env: bool,
}

/// The outcome of processing one word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessResult {
    /// The word with quotes removed and variables expanded, spaces kept (single-word mode).
    pub result: String,
    /// The same text split into words on unquoted whitespace (multi-word mode).
    pub words: Vec<String>,
    /// Variables that were looked up and set.
    pub matched: BTreeSet<String>,
    /// Variables that were looked up and not set.
    pub unmatched: BTreeSet<String>,
}

impl Lexer {
    /// A lexer with the given escape character and every option off.
    pub fn new(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
        }
    }

    /// Sets [`Lexer::raw_quotes`].
    pub fn with_raw_quotes(mut self, on: bool) -> Self {
        self.raw_quotes = on;
        self
    }

    /// Sets [`Lexer::raw_escapes`].
    pub fn with_raw_escapes(mut self, on: bool) -> Self {
        self.raw_escapes = on;
        self
    }

    /// Sets [`Lexer::skip_process_quotes`].
    pub fn with_skip_process_quotes(mut self, on: bool) -> Self {
        self.skip_process_quotes = on;
        self
    }

    /// Sets [`Lexer::skip_unset_env`].
    pub fn with_skip_unset_env(mut self, on: bool) -> Self {
        self.skip_unset_env = on;
        self
    }

    /// Processes `word` (upstream `ProcessWordWithMatches`); use [`ProcessResult::result`]
    /// (`words` is left empty).
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<ProcessResult, ShellError> {
        self.run(word, env, false, true)
    }

    /// [`Lexer::process_word`] without recording the variables that were found:
    /// [`ProcessResult::matched`] stays empty, [`ProcessResult::unmatched`] is filled. For
    /// callers that only report unset variables (or nothing): no name found is copied.
    pub fn process_word_unmatched(
        &self,
        word: &str,
        env: &dyn Env,
    ) -> Result<ProcessResult, ShellError> {
        self.run(word, env, false, false)
    }

    /// Processes `word` (upstream `ProcessWords`); use [`ProcessResult::words`].
    pub fn process_words(&self, word: &str, env: &dyn Env) -> Result<ProcessResult, ShellError> {
        self.run(word, env, true, true)
    }

    /// Processes `word` once, producing both the single-word and the split result.
    pub fn process(&self, word: &str, env: &dyn Env) -> Result<ProcessResult, ShellError> {
        self.run(word, env, true, true)
    }

    /// Whether `word` holds nothing the processor would act on: no `$`, quote, `<`, escape
    /// character or leading BOM. Such a word comes out unchanged.
    fn is_plain(&self, word: &str) -> bool {
        if word.starts_with('\u{feff}') {
            return false;
        }
        match u8::try_from(self.escape) {
            // Every byte of a non-ASCII character is >= 0x80: the ASCII ones can be
            // compared byte by byte.
            Ok(escape) if escape.is_ascii() => !word
                .bytes()
                .any(|b| matches!(b, b'$' | b'\'' | b'"' | b'<') || b == escape),
            _ => !word
                .chars()
                .any(|c| matches!(c, '$' | '\'' | '"' | '<') || c == self.escape),
        }
    }

    fn run(
        &self,
        word: &str,
        env: &dyn Env,
        want_words: bool,
        record_matched: bool,
    ) -> Result<ProcessResult, ShellError> {
        if self.is_plain(word) {
            let words = if want_words {
                split_plain(word)
            } else {
                Vec::new()
            };
            return Ok(ProcessResult {
                result: word.to_owned(),
                words,
                ..ProcessResult::default()
            });
        }
        // Upstream reads the word with Go's text/scanner, which drops a leading BOM.
        let pos = if word.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let mut p = Processor {
            lexer: self,
            env,
            want_words,
            record_matched,
            word,
            pos,
            raw_escapes: self.raw_escapes,
            words_buf: String::new(),
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
        };
        match p.process_until(None, self.raw_escapes) {
            Ok((result, words)) => Ok(ProcessResult {
                result,
                words,
                matched: p.matched,
                unmatched: p.unmatched,
            }),
            Err(kind) => Err(ShellError {
                word: word.to_owned(),
                kind: Box::new(kind),
                matched: p.matched,
                unmatched: p.unmatched,
            }),
        }
    }
}

/// `@ * # ? - $ ! 0`: POSIX special parameters; a one-character name.
fn is_special_param(c: char) -> bool {
    matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

type Step<T> = Result<T, ShellErrorKind>;

/// The split words of a level, when they are built.
fn finish_words(want: bool, words: Words, buf: &mut String) -> Vec<String> {
    if want { words.finish(buf) } else { Vec::new() }
}

/// Whether `word` comes out of every [`Lexer`] a Dockerfile can configure (escape character
/// `\` or `` ` ``) unchanged, with no variable looked up: it holds no `$`, quote, `<`, either
/// escape character or byte-order mark.
pub fn is_literal(word: &str) -> bool {
    !word
        .bytes()
        .any(|b| matches!(b, b'$' | b'\'' | b'"' | b'<' | b'\\' | b'`'))
        && !word.contains('\u{feff}')
}

/// The words of a plain word (see [`Lexer::is_plain`]): its runs of non-space characters.
fn split_plain(word: &str) -> Vec<String> {
    word.split(super::gocompat::unicode::is_space)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

struct Processor<'a> {
    lexer: &'a Lexer,
    env: &'a dyn Env,
    /// Build the split words too (`ProcessWords`); otherwise only the single-word result.
    want_words: bool,
    /// Record the names found in `matched`.
    record_matched: bool,
    /// The input; `pos` is the byte offset of the next character.
    word: &'a str,
    pos: usize,
    raw_escapes: bool,
    /// The in-progress word, shared by all nesting levels (see `words.rs`).
    words_buf: String,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
}

impl<'a> Processor<'a> {
    fn peek(&self) -> Option<char> {
        let b = *self.word.as_bytes().get(self.pos)?;
        if b.is_ascii() {
            Some(char::from(b))
        } else {
            self.word[self.pos..].chars().next()
        }
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// The run of input from the current position that holds none of `$`, `<`, the escape
    /// character, `stop` nor (when `quotes`) a quote, consumed; `None` (nothing consumed)
    /// when the escape character or `stop` is not ASCII.
    fn take_ordinary(&mut self, stop: Option<char>, quotes: bool) -> Option<&'a str> {
        let escape = u8::try_from(self.lexer.escape).ok().filter(u8::is_ascii)?;
        let stop = match stop {
            None => None,
            Some(c) => Some(u8::try_from(c).ok().filter(u8::is_ascii)?),
        };
        let rest = &self.word.as_bytes()[self.pos..];
        let len = rest
            .iter()
            .position(|&b| {
                matches!(b, b'$' | b'<')
                    || b == escape
                    || Some(b) == stop
                    || (quotes && matches!(b, b'\'' | b'"'))
            })
            .unwrap_or(rest.len());
        // The run ends before an ASCII byte or at the end: a character boundary.
        let word: &'a str = self.word;
        let run = &word[self.pos..self.pos + len];
        self.pos += len;
        Some(run)
    }

    /// Processes until `stop` (consumed) or the end of input, with escapes kept or not.
    fn process_until(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Step<(String, Vec<String>)> {
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let out = self.process_until_inner(stop);
        self.raw_escapes = saved;
        out
    }

    fn process_until_inner(&mut self, stop: Option<char>) -> Step<(String, Vec<String>)> {
        let mut result = String::new();
        let w = self.want_words;
        if w {
            self.words_buf.clear();
        }
        let mut words = Words::default();
        let quotes = !self.lexer.skip_process_quotes;
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.next();
                return Ok((result, finish_words(w, words, &mut self.words_buf)));
            }
            match ch {
                '$' => {
                    let tmp = self.process_dollar()?;
                    result.push_str(&tmp);
                    if w {
                        words.add_string(&mut self.words_buf, &tmp);
                    }
                }
                '<' => {
                    let tmp = self.process_possible_heredoc();
                    result.push_str(&tmp);
                    if w {
                        words.add_raw_string(&mut self.words_buf, &tmp);
                    }
                }
                '\'' if quotes => {
                    let tmp = self.process_single_quote()?;
                    result.push_str(&tmp);
                    if w {
                        words.add_raw_string(&mut self.words_buf, &tmp);
                    }
                }
                '"' if quotes => {
                    let tmp = self.process_double_quote()?;
                    result.push_str(&tmp);
                    if w {
                        words.add_raw_string(&mut self.words_buf, &tmp);
                    }
                }
                _ if !w && ch != self.lexer.escape => match self.take_ordinary(stop, quotes) {
                    Some(run) if !run.is_empty() => result.push_str(run),
                    _ => {
                        self.next();
                        result.push(ch);
                    }
                },
                _ => {
                    self.next();
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            if w {
                                words.add_raw_char(&mut self.words_buf, ch);
                            }
                            result.push(ch);
                        }
                        // An escape at the very end is dropped.
                        let Some(escaped) = self.next() else { break };
                        if w {
                            words.add_raw_char(&mut self.words_buf, escaped);
                        }
                        result.push(escaped);
                    } else {
                        if w {
                            words.add_char(&mut self.words_buf, ch);
                        }
                        result.push(ch);
                    }
                }
            }
        }
        if let Some(stop) = stop {
            return Err(ShellErrorKind::UnexpectedEnd(stop));
        }
        Ok((result, finish_words(w, words, &mut self.words_buf)))
    }

    /// `'…'`: everything literal up to the next `'`.
    fn process_single_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.next() {
                None => return Err(ShellErrorKind::UnterminatedSingleQuote),
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    /// `"…"`: literal except `$` expansions; the escape character escapes only `"`, `$` and
    /// itself (otherwise it stays).
    fn process_double_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.peek() {
                None => return Err(ShellErrorKind::UnterminatedDoubleQuote),
                Some('"') => {
                    self.next();
                    if self.lexer.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(_) => {
                    let Some(mut ch) = self.next() else { continue };
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            // An escape before the end is dropped; the loop then reports
                            // the missing quote.
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.lexer.escape => {
                                self.next();
                                ch = c;
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// `$name`, `${name}` and `${name<op>word}`.
    fn process_dollar(&mut self) -> Step<String> {
        self.next(); // '$'
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_owned());
            }
            return Ok(match self.lookup(&name) {
                Some(value) => value,
                None if self.lexer.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.next(); // '{'
        match self.peek() {
            None => return Err(ShellErrorKind::MissingBrace),
            Some('{' | '}' | ':') => return Err(ShellErrorKind::BadSubstitution),
            Some(_) => {}
        }
        let name = self.process_name();
        let op = self.next();
        let mut op_text = String::from(rune_text(op));
        match op {
            Some('}') => Ok(match self.lookup(&name) {
                Some(value) => value,
                None if self.lexer.skip_unset_env => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let null_is_unset = op == Some(':');
                let op = if null_is_unset {
                    let second = self.next();
                    op_text.push(rune_text(second));
                    second
                } else {
                    op
                };
                let pattern_op = matches!(op, Some('#' | '%'));
                if null_is_unset && pattern_op {
                    return Err(ShellErrorKind::UnsupportedModifier(op_text));
                }
                let word =
                    self.process_nested(Some('}'), pattern_op, ShellErrorKind::MissingBrace)?;
                let value = self.lookup(&name);
                if self.lexer.skip_unset_env && value.is_none() {
                    return Ok(format!("${{{name}{op_text}{word}}}"));
                }
                let empty_or_unset = match &value {
                    None => true,
                    Some(v) => null_is_unset && v.is_empty(),
                };
                match op {
                    Some('-') => Ok(if empty_or_unset {
                        word
                    } else {
                        value.unwrap_or_default()
                    }),
                    Some('+') => Ok(if empty_or_unset { String::new() } else { word }),
                    Some('?') => match value {
                        Some(v) if !(null_is_unset && v.is_empty()) => Ok(v),
                        set => {
                            let message = if !word.is_empty() {
                                word
                            } else if set.is_none() {
                                "is not allowed to be unset".to_owned()
                            } else {
                                "is not allowed to be empty".to_owned()
                            };
                            Err(ShellErrorKind::Required { name, message })
                        }
                    },
                    Some(c @ ('#' | '%')) => {
                        let value = value.unwrap_or_default();
                        let (greedy, pattern) = match word.strip_prefix(c) {
                            Some(rest) => (true, rest),
                            None => (false, word.as_str()),
                        };
                        if c == '%' {
                            pattern::trim_suffix(pattern, &value, greedy)
                        } else {
                            pattern::trim_prefix(pattern, &value, greedy)
                        }
                    }
                    _ => Err(ShellErrorKind::UnsupportedModifier(op_text)),
                }
            }
            Some('/') => {
                let replace_all = self.peek() == Some('/');
                if replace_all {
                    self.next();
                }
                let pat = self.process_nested(Some('/'), true, ShellErrorKind::MissingSlash)?;
                let replacement =
                    self.process_nested(Some('}'), true, ShellErrorKind::MissingBrace)?;
                let value = self.lookup(&name);
                if self.lexer.skip_unset_env && value.is_none() {
                    return Ok(format!("${{{name}/{pat}/{replacement}}}"));
                }
                let value = value.unwrap_or_default();
                if replace_all {
                    pattern::replace_all(&pat, &value, &replacement)
                } else {
                    pattern::replace_first(&pat, &value, &replacement)
                }
            }
            _ => Err(ShellErrorKind::UnsupportedModifier(op_text)),
        }
    }

    /// The word inside `${…}`: an error that leaves the input exhausted becomes `at_end`.
    fn process_nested(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
        at_end: ShellErrorKind,
    ) -> Step<String> {
        match self.process_until(stop, raw_escapes) {
            Ok((word, _)) => Ok(word),
            Err(_) if self.peek().is_none() => Err(at_end),
            Err(e) => Err(e),
        }
    }

    /// A variable name: a run of digits, one special-parameter character, or letters, digits
    /// and `_` (Go's Unicode letter and decimal-digit classes).
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(d) = self.peek().filter(|&c| is_digit(c)) {
                    self.next();
                    name.push(d);
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
                self.next();
                return ch.to_string();
            }
            if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    /// `<<` followed by blanks is kept together (so a heredoc marker stays one word).
    fn process_possible_heredoc(&mut self) -> String {
        self.next(); // '<'
        if self.peek() != Some('<') {
            return "<".to_owned();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c) = self.peek().filter(|c| matches!(c, '\t' | '\r' | ' ')) {
            self.next();
            out.push(c);
        }
        out
    }

    fn lookup(&mut self, name: &str) -> Option<String> {
        let value = self.env.get(name);
        if value.is_some() {
            if self.record_matched {
                self.matched.insert(name.to_owned());
            }
        } else {
            self.unmatched.insert(name.to_owned());
        }
        value
    }
}

/// Go's `string(r)` for a scanned rune where end of input (-1) prints as U+FFFD.
fn rune_text(c: Option<char>) -> char {
    super::gocompat::unicode::rune_or_replacement(c)
}
