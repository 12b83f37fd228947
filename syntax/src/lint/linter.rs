//! The [`Linter`]: runs rules under a [`LintConfig`] and collects their [`Finding`]s in the
//! order they are reported (upstream's `linter.Linter` with a collecting `Warn` callback).

use std::fmt::Write as _;

use super::config::LintConfig;
use super::rule::{Rule, RuleMeta};
use crate::parser::Range;

/// How a finding affects the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Reported only (upstream's warning level 1).
    Warning,
    /// Reported, and the build fails because the configuration has `error=true`.
    Error,
}

/// One rule violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that fired.
    pub rule: &'static RuleMeta,
    /// The message (the rule's formatter output, or its description when empty).
    pub detail: String,
    /// Where: upstream reports one whole-line range per line of the instruction.
    pub ranges: Vec<Range>,
    /// Warning, or error under `error=true`.
    pub level: Level,
}

impl Finding {
    /// The first line the finding points at (0 when it has no location).
    pub fn line(&self) -> usize {
        self.ranges.first().map_or(0, |r| r.start.line)
    }

    /// Upstream's `LintFormatShort`: `Rule: detail`, plus ` (line N)` when located.
    pub fn short(&self) -> String {
        let mut s = format!("{}: {}", self.rule.name, self.detail);
        let line = self.line();
        if line > 0 {
            let _ = write!(s, " (line {line})");
        }
        s
    }
}

/// Collects findings. Conversion code reports through [`Linter::run`], or through the
/// [`LintScope`] of [`Linter::scope`] for an instruction whose comments may carry its own
/// `# check=` options.
///
/// ```
/// use syntax::lint::{LintConfig, Linter, rules};
/// use syntax::parser::line_ranges;
/// let mut linter = Linter::new(LintConfig::parse("skip=FromAsCasing").unwrap());
/// let r = &rules::STAGE_NAME_CASING;
/// linter.run(r, &line_ranges(1, 1), r.detail("Base"));
/// let r = &rules::FROM_AS_CASING;
/// linter.run(r, &line_ranges(1, 1), r.detail("FROM", "as"));
/// assert_eq!(linter.findings().len(), 1);
/// assert_eq!(linter.findings()[0].short(), "StageNameCasing: Stage name 'Base' should be lowercase (line 1)");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Linter {
    config: LintConfig,
    enabled: bool,
    findings: Vec<Finding>,
}

impl Linter {
    /// A linter reporting under `config`.
    pub fn new(config: LintConfig) -> Self {
        Linter {
            config,
            enabled: true,
            findings: Vec::new(),
        }
    }

    /// A linter that reports nothing (upstream's nil linter, for plain builds that do not
    /// want findings).
    pub fn disabled() -> Self {
        Linter::default()
    }

    /// The configuration in force.
    pub fn config(&self) -> &LintConfig {
        &self.config
    }

    /// Whether `rule` would be reported (lets callers skip costly work).
    pub fn enables(&self, rule: &RuleMeta) -> bool {
        self.enabled && self.config.enables(rule)
    }

    /// Reports a violation of `rule` at `ranges` (upstream's `Linter.Run`). An empty
    /// `detail` is replaced by the rule's description.
    pub fn run<F>(&mut self, rule: &'static Rule<F>, ranges: &[Range], detail: String) {
        self.report_meta(&rule.meta, ranges, detail);
    }

    /// [`Linter::run`] by metadata.
    pub(crate) fn report_meta(
        &mut self,
        rule: &'static RuleMeta,
        ranges: &[Range],
        detail: String,
    ) {
        if self.enabled {
            push(&mut self.findings, &self.config, rule, ranges, detail);
        }
    }

    /// A reporter for one instruction: when `comments` (the comment lines directly above it)
    /// hold a `# check=` directive, its options are merged into the configuration for the
    /// reports made through the scope.
    pub fn scope<S: AsRef<str>>(&mut self, comments: &[S]) -> LintScope<'_> {
        let config = LintConfig::from_comments(comments).map(|c| self.config.merged(&c));
        LintScope {
            linter: self,
            config,
        }
    }

    /// The findings so far, in report order.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Drops the findings after the first `len` (for a converter that dispatches twice:
    /// `let n = linter.findings().len();` before the second pass, `truncate(n)` after it).
    pub fn truncate(&mut self, len: usize) {
        self.findings.truncate(len);
    }

    /// Takes the findings out.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Upstream's `Linter.Error()`: with `error=true` and at least one finding,
    /// `lint violation found for rules: A, B` (each rule once, in first-report order).
    pub fn error(&self) -> Option<String> {
        if !self.enabled || !self.config.error || self.findings.is_empty() {
            return None;
        }
        let mut names: Vec<&str> = Vec::new();
        for f in &self.findings {
            if !names.contains(&f.rule.name) {
                names.push(f.rule.name);
            }
        }
        Some(format!(
            "lint violation found for rules: {}",
            names.join(", ")
        ))
    }
}

/// Records a finding of `rule` when `config` enables it.
fn push(
    findings: &mut Vec<Finding>,
    config: &LintConfig,
    rule: &'static RuleMeta,
    ranges: &[Range],
    detail: String,
) {
    if !config.enables(rule) {
        return;
    }
    let detail = if detail.is_empty() {
        rule.description.to_string()
    } else {
        detail
    };
    findings.push(Finding {
        rule,
        detail,
        ranges: ranges.to_vec(),
        level: if config.error {
            Level::Error
        } else {
            Level::Warning
        },
    });
}

/// A [`Linter`] seen through one instruction's own `# check=` comment (see
/// [`Linter::scope`]).
#[derive(Debug)]
pub struct LintScope<'a> {
    linter: &'a mut Linter,
    config: Option<LintConfig>,
}

impl LintScope<'_> {
    /// Reports a violation of `rule` at `ranges` under the scope's configuration.
    pub fn run<F>(&mut self, rule: &'static Rule<F>, ranges: &[Range], detail: String) {
        self.report_meta(&rule.meta, ranges, detail);
    }

    /// [`LintScope::run`] by metadata.
    pub(crate) fn report_meta(
        &mut self,
        rule: &'static RuleMeta,
        ranges: &[Range],
        detail: String,
    ) {
        let linter = &mut *self.linter;
        if linter.enabled {
            let config = self.config.as_ref().unwrap_or(&linter.config);
            push(&mut linter.findings, config, rule, ranges, detail);
        }
    }

    /// Whether `rule` would be reported through this scope.
    pub fn enables(&self, rule: &RuleMeta) -> bool {
        match &self.config {
            Some(config) => self.linter.enabled && config.enables(rule),
            None => self.linter.enables(rule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::{
        INVALID_DEFINITION_DESCRIPTION, MAINTAINER_DEPRECATED, STAGE_NAME_CASING,
    };
    use crate::parser::line_ranges;

    fn report_all(l: &mut Linter) {
        let loc = line_ranges(1, 1);
        l.run(&STAGE_NAME_CASING, &loc, STAGE_NAME_CASING.detail("A"));
        l.run(&MAINTAINER_DEPRECATED, &loc, String::new());
        l.run(&STAGE_NAME_CASING, &loc, STAGE_NAME_CASING.detail("B"));
        l.run(&INVALID_DEFINITION_DESCRIPTION, &loc, "x".into());
    }

    fn names(l: &Linter) -> Vec<&str> {
        l.findings().iter().map(|f| f.rule.name).collect()
    }

    #[test]
    fn gating_and_error() {
        let mut l = Linter::new(LintConfig::parse("error=true").unwrap());
        report_all(&mut l);
        assert_eq!(
            names(&l),
            ["StageNameCasing", "MaintainerDeprecated", "StageNameCasing"]
        );
        // An empty detail falls back to the description.
        assert_eq!(l.findings()[1].detail, MAINTAINER_DEPRECATED.description);
        assert!(l.findings().iter().all(|f| f.level == Level::Error));
        assert_eq!(
            l.error().as_deref(),
            Some("lint violation found for rules: StageNameCasing, MaintainerDeprecated")
        );

        // Skips do not apply to experimental rules; experimental rules need enabling.
        let mut l = Linter::new(
            LintConfig::parse("skip=all;experimental=InvalidDefinitionDescription").unwrap(),
        );
        report_all(&mut l);
        assert_eq!(names(&l), ["InvalidDefinitionDescription"]);
        assert_eq!(l.findings()[0].level, Level::Warning);
        assert_eq!(l.error(), None);

        let mut l = Linter::disabled();
        report_all(&mut l);
        assert!(l.findings().is_empty());
        assert!(!l.enables(&STAGE_NAME_CASING));
    }

    #[test]
    fn scope_merges_comment_config() {
        let mut l = Linter::new(LintConfig::parse("error=true").unwrap());
        let loc = line_ranges(2, 2);
        let mut s = l.scope(&["check=skip=StageNameCasing;experimental=all"]);
        assert!(!s.enables(&STAGE_NAME_CASING));
        s.run(&STAGE_NAME_CASING, &loc, "skipped".into());
        s.run(&INVALID_DEFINITION_DESCRIPTION, &loc, "on".into());
        l.run(&STAGE_NAME_CASING, &loc, "global".into());
        let details: Vec<&str> = l.findings().iter().map(|f| f.detail.as_str()).collect();
        assert_eq!(details, ["on", "global"]);
        // The scope keeps the global `error=true`.
        assert_eq!(l.findings()[0].level, Level::Error);
        assert_eq!(l.findings()[1].short(), "StageNameCasing: global (line 2)");
    }
}
