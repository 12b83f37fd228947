//! Findings as text, in the style of a compiler diagnostic: a header with the level and
//! rule, the file and line, the source lines the finding covers with a `^` marker under
//! each, the rule's description and documentation URL; a summary line at the end.

use std::fmt::Write as _;

use syntax::lint::Level;
use syntax::parser::Range;

use super::results::{LintResults, SourceInfo, Warning};

/// Renders `results` as text, warnings sorted by file and first line as upstream prints
/// them.
///
/// ```
/// use frontend::lint::{check, render_text};
/// let r = check(b"FROM alpine\nMAINTAINER me\n", &Default::default()).unwrap();
/// let text = render_text(&r);
/// assert!(text.starts_with("warning[MaintainerDeprecated]: Maintainer instruction is deprecated in favor of using label\n --> Dockerfile:2\n"));
/// assert!(text.contains("2 | MAINTAINER me\n  | ^^^^^^^^^^^^^\n"));
/// ```
pub fn render_text(results: &LintResults) -> String {
    let mut warnings: Vec<&Warning> = results.warnings.iter().collect();
    warnings.sort_by(|a, b| {
        let name = |w: &Warning| {
            results
                .sources
                .get(w.source_index)
                .map(|s| s.filename.clone())
        };
        name(a)
            .cmp(&name(b))
            .then_with(|| match (a.ranges.is_empty(), b.ranges.is_empty()) {
                (true, true) => a.rule_name.cmp(&b.rule_name),
                (true, false) => std::cmp::Ordering::Less,
                (false, true) => std::cmp::Ordering::Greater,
                (false, false) => a.line().cmp(&b.line()),
            })
    });
    let mut out = String::new();
    for w in &warnings {
        let level = match w.level {
            Level::Warning => "warning",
            Level::Error => "error",
        };
        let _ = writeln!(out, "{level}[{}]: {}", w.rule_name, w.detail);
        let width = excerpt(&mut out, results.sources.get(w.source_index), &w.ranges);
        let _ = writeln!(out, "{:width$} = note: {}", "", w.description);
        if !w.url.is_empty() {
            let _ = writeln!(out, "{:width$} = help: {}", "", w.url);
        }
        out.push('\n');
    }
    if let Some(e) = &results.build_error {
        let _ = writeln!(out, "error: {}", e.message);
        excerpt(&mut out, results.sources.get(e.source_index), &e.ranges);
        out.push('\n');
    }
    let warned = match warnings.len() {
        0 => None,
        1 => Some("1 warning".to_string()),
        n => Some(format!("{n} warnings")),
    };
    let _ = match (warned, results.build_error.is_some()) {
        (None, false) => writeln!(out, "Check complete, no warnings found."),
        (None, true) => writeln!(out, "Check complete, 1 error has been found!"),
        (Some(w), false) if warnings.len() == 1 => {
            writeln!(out, "Check complete, {w} has been found!")
        }
        (Some(w), false) => writeln!(out, "Check complete, {w} have been found!"),
        (Some(w), true) => writeln!(out, "Check complete, {w} and 1 error have been found!"),
    };
    out
}

/// The `--> file:line` pointer and the marked source lines; returns the gutter width.
fn excerpt(out: &mut String, source: Option<&SourceInfo>, ranges: &[Range]) -> usize {
    let Some(source) = source else {
        return 1;
    };
    let first = ranges.iter().map(|r| r.start.line).filter(|&l| l > 0).min();
    let Some(first) = first else {
        return 1;
    };
    let text = String::from_utf8_lossy(&source.data);
    let lines: Vec<&str> = text.split('\n').collect();
    let last = ranges
        .iter()
        .map(|r| r.end.line.max(r.start.line))
        .max()
        .unwrap_or(first);
    let width = last.to_string().len();
    let _ = writeln!(out, "{:width$}--> {}:{first}", "", source.filename);
    let _ = writeln!(out, "{:width$} |", "");
    for n in first..=last {
        let covering: Vec<&Range> = ranges
            .iter()
            .filter(|r| r.start.line <= n && n <= r.end.line.max(r.start.line))
            .collect();
        if covering.is_empty() {
            continue;
        }
        let Some(line) = lines.get(n - 1) else {
            continue;
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        let _ = writeln!(out, "{n:>width$} | {line}");
        let (from, to) = marker_span(line, n, &covering);
        if to > from {
            let _ = writeln!(
                out,
                "{:width$} | {}{}",
                "",
                " ".repeat(from),
                "^".repeat(to - from)
            );
        }
    }
    width
}

/// The character columns `[from, to)` to mark on line `n`: the ranges' own columns when they
/// have any, else the line without its indentation.
fn marker_span(line: &str, n: usize, covering: &[&Range]) -> (usize, usize) {
    let len = line.chars().count();
    let indent = line.chars().take_while(|c| c.is_whitespace()).count();
    let mut from = usize::MAX;
    let mut to = 0;
    for r in covering {
        let start = if r.start.line == n && r.start.character > 0 {
            r.start.character
        } else {
            indent
        };
        let end = if r.end.line == n && r.end.character > 0 {
            r.end.character
        } else {
            len
        };
        from = from.min(start);
        to = to.max(end);
    }
    (from.min(len), to.min(len))
}
