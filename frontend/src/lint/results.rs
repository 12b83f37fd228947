//! The lint result document (upstream's `subrequests/lint.LintResults`) and its JSON, the
//! shape `docker buildx build --call check,format=json` prints and the `frontend.lint`
//! subrequest returns as `result.json`.

use base64::Engine as _;
use serde_json::{Map, Value, json};
use syntax::lint::{Finding, Level};
use syntax::parser::Range;

/// The language recorded for a Dockerfile source.
pub const LANGUAGE: &str = "Dockerfile";

/// A source file the findings point into (upstream's `pb.SourceInfo`).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    /// The Dockerfile's name, e.g. `Dockerfile`.
    pub filename: String,
    /// Always [`LANGUAGE`].
    pub language: String,
    /// The file's bytes.
    pub data: Vec<u8>,
    /// The LLB definition that loaded the file, already in its JSON form (the gateway fills
    /// it in; the CLI has none).
    pub definition: Option<Value>,
}

/// One finding as reported (upstream's `lint.Warning`).
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The rule, e.g. `StageNameCasing`.
    pub rule_name: String,
    /// The rule's description.
    pub description: String,
    /// The rule's documentation URL (may be empty).
    pub url: String,
    /// The finding's message.
    pub detail: String,
    /// Index into [`LintResults::sources`].
    pub source_index: usize,
    /// Where.
    pub ranges: Vec<Range>,
    /// Warning, or error under `error=true`.
    pub level: Level,
}

impl Warning {
    /// The first line the warning points at (0 when unlocated).
    pub fn line(&self) -> usize {
        self.ranges.first().map_or(0, |r| r.start.line)
    }
}

/// The error that stopped the check (upstream's `lint.BuildError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// The error text.
    pub message: String,
    /// Index into [`LintResults::sources`].
    pub source_index: usize,
    /// Where (empty when the error has no location).
    pub ranges: Vec<Range>,
}

/// Everything a check produces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LintResults {
    /// The findings, in the order the rules reported them.
    pub warnings: Vec<Warning>,
    /// The sources the findings point into.
    pub sources: Vec<SourceInfo>,
    /// The conversion error, if the Dockerfile does not convert.
    pub build_error: Option<BuildError>,
}

impl LintResults {
    /// Adds `source` unless an equal one (same name, language, data) is there; its index.
    pub fn add_source(&mut self, source: SourceInfo) -> usize {
        if let Some(i) = self.sources.iter().position(|s| {
            s.filename == source.filename && s.language == source.language && s.data == source.data
        }) {
            return i;
        }
        self.sources.push(source);
        self.sources.len() - 1
    }

    /// Adds the findings of a linter, pointing into source `source_index`.
    pub fn add_findings(
        &mut self,
        findings: impl IntoIterator<Item = Finding>,
        source_index: usize,
    ) {
        self.warnings.extend(findings.into_iter().map(|f| Warning {
            rule_name: f.rule.name.to_string(),
            description: f.rule.description.to_string(),
            url: f.rule.url.to_string(),
            detail: f.detail,
            source_index,
            ranges: f.ranges,
            level: f.level,
        }));
    }

    /// Whether the check failed: upstream's `result.statuscode` is 1 when there is any
    /// warning or a build error.
    pub fn failed(&self) -> bool {
        !self.warnings.is_empty() || self.build_error.is_some()
    }

    /// The JSON document, field for field as upstream marshals it (`warnings` is `null` when
    /// empty; zero source indexes and characters are omitted).
    pub fn to_json(&self) -> Value {
        let warnings = if self.warnings.is_empty() {
            Value::Null
        } else {
            self.warnings.iter().map(warning_json).collect()
        };
        let mut doc = Map::new();
        doc.insert("warnings".into(), warnings);
        doc.insert(
            "sources".into(),
            self.sources.iter().map(source_json).collect(),
        );
        if let Some(e) = &self.build_error {
            doc.insert(
                "buildError".into(),
                json!({
                    "message": e.message,
                    "location": location_json(e.source_index, &e.ranges),
                }),
            );
        }
        Value::Object(doc)
    }

    /// [`LintResults::to_json`] indented with two spaces, as upstream's `MarshalIndent`.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_default()
    }
}

fn warning_json(w: &Warning) -> Value {
    let mut o = Map::new();
    o.insert("ruleName".into(), w.rule_name.clone().into());
    for (k, v) in [
        ("description", &w.description),
        ("url", &w.url),
        ("detail", &w.detail),
    ] {
        if !v.is_empty() {
            o.insert(k.into(), v.clone().into());
        }
    }
    o.insert("location".into(), location_json(w.source_index, &w.ranges));
    Value::Object(o)
}

fn location_json(source_index: usize, ranges: &[Range]) -> Value {
    let mut o = Map::new();
    if source_index != 0 {
        o.insert("sourceIndex".into(), source_index.into());
    }
    if !ranges.is_empty() {
        let rs = ranges
            .iter()
            .map(|r| {
                json!({
                    "start": position_json(r.start.line, r.start.character),
                    "end": position_json(r.end.line, r.end.character),
                })
            })
            .collect();
        o.insert("ranges".into(), Value::Array(rs));
    }
    Value::Object(o)
}

fn position_json(line: usize, character: usize) -> Value {
    let mut o = Map::new();
    if line != 0 {
        o.insert("line".into(), line.into());
    }
    if character != 0 {
        o.insert("character".into(), character.into());
    }
    Value::Object(o)
}

fn source_json(s: &SourceInfo) -> Value {
    let mut o = Map::new();
    o.insert("filename".into(), s.filename.clone().into());
    if !s.data.is_empty() {
        o.insert(
            "data".into(),
            base64::engine::general_purpose::STANDARD
                .encode(&s.data)
                .into(),
        );
    }
    if let Some(d) = &s.definition {
        o.insert("definition".into(), d.clone());
    }
    o.insert("language".into(), s.language.clone().into());
    Value::Object(o)
}
