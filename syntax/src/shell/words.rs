//! Word splitting for multi-word mode.
//!
//! Upstream keeps the in-progress word in one buffer shared by every nesting level of the
//! processor (a nested `${v:-…}` clears it). [`Words`] therefore takes that buffer as an
//! argument instead of owning it, so the lexer can reproduce upstream's results exactly.

use super::gocompat::unicode::is_space;

/// Completed words of one processing level, plus whether a word is open.
#[derive(Debug, Default)]
pub(super) struct Words {
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    /// Adds an unquoted, unescaped character: whitespace ends the current word.
    pub(super) fn add_char(&mut self, buf: &mut String, ch: char) {
        if is_space(ch) {
            if self.in_word && !buf.is_empty() {
                self.words.push(std::mem::take(buf));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(buf, ch);
        }
    }

    /// Adds a character that belongs to the word whatever it is (escaped or quoted).
    pub(super) fn add_raw_char(&mut self, buf: &mut String, ch: char) {
        buf.push(ch);
        self.in_word = true;
    }

    /// Adds expansion output: split on whitespace like unquoted text.
    pub(super) fn add_string(&mut self, buf: &mut String, s: &str) {
        for ch in s.chars() {
            self.add_char(buf, ch);
        }
    }

    /// Adds quoted text: kept whole, and it opens a word even when empty.
    pub(super) fn add_raw_string(&mut self, buf: &mut String, s: &str) {
        buf.push_str(s);
        self.in_word = true;
    }

    /// Closes the open word (if it has any text) and returns all words.
    pub(super) fn finish(mut self, buf: &mut String) -> Vec<String> {
        if !buf.is_empty() {
            self.words.push(std::mem::take(buf));
        }
        self.words
    }
}
