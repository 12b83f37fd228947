//! What a lint rule is: its fixed metadata ([`RuleMeta`]) and a typed detail formatter.

use std::fmt;
use std::ops::Deref;

/// A rule's identity and documentation, the same for every finding of the rule.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMeta {
    /// The rule's name, e.g. `StageNameCasing` (what `# check=skip=` lists).
    pub name: &'static str,
    /// One-line description, reported with every finding.
    pub description: &'static str,
    /// Documentation URL; empty for rules without a published page.
    pub url: &'static str,
    /// Experimental rules run only when enabled with `experimental=`.
    pub experimental: bool,
    /// Deprecated rules never run.
    pub deprecated: bool,
    /// The rule's documentation (Markdown): what it checks, why, and an example. The same
    /// text is the rule's rustdoc and what `rfront check --explain RULE` prints.
    pub docs: &'static str,
}

impl fmt::Display for RuleMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A detail formatter without arguments.
pub type Format0 = fn() -> String;
/// A detail formatter with one argument.
pub type Format1 = fn(&str) -> String;
/// A detail formatter with two arguments.
pub type Format2 = fn(&str, &str) -> String;
/// A detail formatter with three arguments.
pub type Format3 = fn(&str, &str, &str) -> String;

/// A lint rule: metadata plus `format`, which renders a finding's detail message from the
/// rule-specific arguments (upstream's `LinterRule[F]`). Call [`Rule::detail`] with the
/// arguments the rule's `Format*` type takes.
#[derive(Debug)]
pub struct Rule<F: 'static> {
    /// Name, description, URL, flags and documentation.
    pub meta: RuleMeta,
    /// The detail formatter.
    pub format: F,
}

impl<F> Deref for Rule<F> {
    type Target = RuleMeta;

    fn deref(&self) -> &RuleMeta {
        &self.meta
    }
}

impl Rule<Format0> {
    /// The detail message.
    pub fn detail(&self) -> String {
        (self.format)()
    }
}

impl Rule<Format1> {
    /// The detail message for `a`.
    pub fn detail(&self, a: &str) -> String {
        (self.format)(a)
    }
}

impl Rule<Format2> {
    /// The detail message for `a`, `b`.
    pub fn detail(&self, a: &str, b: &str) -> String {
        (self.format)(a, b)
    }
}

impl Rule<Format3> {
    /// The detail message for `a`, `b`, `c`.
    pub fn detail(&self, a: &str, b: &str, c: &str) -> String {
        (self.format)(a, b, c)
    }
}

/// `base`, plus ` (did you mean <prefix><suggestion>?)` when `suggestion` is not empty.
pub(crate) fn suggested(mut base: String, suggestion: &str, prefix: &str) -> String {
    if !suggestion.is_empty() {
        base.push_str(" (did you mean ");
        base.push_str(prefix);
        base.push_str(suggestion);
        base.push_str("?)");
    }
    base
}
