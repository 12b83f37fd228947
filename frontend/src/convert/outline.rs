//! The `frontend.outline` and `frontend.targets` answers (upstream's `Dockerfile2Outline` /
//! `dispatchState.Outline` and `ListTargets`), as the JSON upstream marshals.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::{Map, Value, json};
use syntax::parser::Range;

use super::api::{ConvertOptions, ImageResolver};
use super::converter::{Purpose, build_linter, with_dispatched};
use super::error::ConvertError;
use super::stage::{StageId, Stages};

/// `frontend.outline`: the target stage's name and description, and the build args,
/// secrets and SSH ids it uses (its base and dependency stages included).
pub fn outline(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
) -> Result<Value, ConvertError> {
    if dockerfile.is_empty() {
        return Err(ConvertError::msg("the Dockerfile cannot be empty"));
    }
    let mut linter = build_linter(dockerfile, opts)?;
    with_dispatched(
        dockerfile,
        opts,
        resolver,
        &mut linter,
        Purpose::OUTLINE,
        |prepared| {
            prepared.finalize_image()?;
            Ok(outline_json(
                &mut prepared.conv.stages,
                prepared.target,
                dockerfile,
            ))
        },
    )
}

/// The outline of `target` once every stage is dispatched.
fn outline_json(stages: &mut Stages, target: StageId, dockerfile: &[u8]) -> Value {
    let mut args = Vec::new();
    collect_args(
        stages,
        target,
        &mut BTreeSet::new(),
        &mut BTreeSet::new(),
        &mut args,
    );
    args.sort_by_key(|a| a.0);
    let mut secrets = Vec::new();
    collect_mounts(
        stages,
        target,
        true,
        &mut BTreeSet::new(),
        &mut BTreeSet::new(),
        &mut secrets,
    );
    secrets.sort_by_key(|s| s.0);
    let mut ssh = Vec::new();
    collect_mounts(
        stages,
        target,
        false,
        &mut BTreeSet::new(),
        &mut BTreeSet::new(),
        &mut ssh,
    );
    ssh.sort_by_key(|s| s.0);

    let d = &stages.states[target];
    let mut out = Map::new();
    if !d.stage.name.is_empty() {
        out.insert("name".into(), json!(d.stage.name));
    }
    if !d.stage.doc_comment.is_empty() {
        out.insert("description".into(), json!(d.stage.doc_comment));
    }
    if !args.is_empty() {
        out.insert(
            "args".into(),
            Value::Array(args.into_iter().map(|a| a.1).collect()),
        );
    }
    if !secrets.is_empty() {
        out.insert(
            "secrets".into(),
            Value::Array(secrets.into_iter().map(|s| s.1).collect()),
        );
    }
    if !ssh.is_empty() {
        out.insert(
            "ssh".into(),
            Value::Array(ssh.into_iter().map(|s| s.1).collect()),
        );
    }
    out.insert("sources".into(), json!([base64_bytes(dockerfile)]));
    Value::Object(out)
}

/// `frontend.targets`: every stage with its name, description, base and platform as
/// written; the last one is the default.
pub fn targets(dockerfile: &[u8]) -> Result<Value, ConvertError> {
    let parsed = syntax::parser::parse_bytes(dockerfile)?;
    let df = syntax::instructions::parse(&parsed.ast)?;
    let n = df.stages.len();
    let targets: Vec<Value> = df
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut t = Map::new();
            if !s.name.is_empty() {
                t.insert("name".into(), json!(s.name));
            }
            if i + 1 == n {
                t.insert("default".into(), json!(true));
            }
            if !s.doc_comment.is_empty() {
                t.insert("description".into(), json!(s.doc_comment));
            }
            if !s.base_name.is_empty() {
                t.insert("base".into(), json!(s.base_name));
            }
            if !s.platform.is_empty() {
                t.insert("platform".into(), json!(s.platform));
            }
            if let Some(loc) = location_json(&s.meta.location()) {
                t.insert("location".into(), loc);
            }
            Value::Object(t)
        })
        .collect();
    // Upstream's list of a Dockerfile without stages is a nil slice: `null`.
    let targets = if targets.is_empty() {
        Value::Null
    } else {
        Value::Array(targets)
    };
    Ok(json!({ "targets": targets, "sources": [base64_bytes(dockerfile)] }))
}

/// Sort key: first line of the location, then declaration order.
type Keyed = ((usize, usize), Value);

fn collect_args(
    stages: &mut Stages,
    id: StageId,
    visited: &mut BTreeSet<String>,
    seen_stages: &mut BTreeSet<StageId>,
    out: &mut Vec<Keyed>,
) {
    if !seen_stages.insert(id) {
        return;
    }
    // markAllUsed: args used through the defaults of used args.
    let outline = &mut stages.states[id].outline;
    let mut todo: Vec<String> = outline.used_args.iter().cloned().collect();
    let mut marked = BTreeSet::new();
    while let Some(k) = todo.pop() {
        if !marked.insert(k.clone()) {
            continue;
        }
        if let Some(a) = outline.all_args.get(&k) {
            todo.extend(a.deps.iter().cloned());
        }
        outline.used_args.insert(k);
    }
    for k in &outline.used_args {
        let Some(a) = outline.all_args.get(k) else {
            continue;
        };
        if !visited.insert(k.clone()) {
            continue;
        }
        let mut arg = Map::new();
        arg.insert("name".into(), json!(a.definition.key));
        if !a.definition.doc_comment.is_empty() {
            arg.insert("description".into(), json!(a.definition.doc_comment));
        }
        if !a.value.is_empty() {
            arg.insert("value".into(), json!(a.value));
        }
        if let Some(loc) = location_json(&a.location) {
            arg.insert("location".into(), loc);
        }
        out.push(((first_line(&a.location), a.seq), Value::Object(arg)));
    }
    let next: Vec<StageId> = stages.states[id]
        .base
        .into_iter()
        .chain(stages.states[id].deps.iter().map(|(d, _)| *d))
        .collect();
    for n in next {
        collect_args(stages, n, visited, seen_stages, out);
    }
}

fn collect_mounts(
    stages: &Stages,
    id: StageId,
    secrets: bool,
    visited: &mut BTreeSet<String>,
    seen_stages: &mut BTreeSet<StageId>,
    out: &mut Vec<Keyed>,
) {
    if !seen_stages.insert(id) {
        return;
    }
    let d = &stages.states[id];
    let map = if secrets {
        &d.outline.secrets
    } else {
        &d.outline.ssh
    };
    for (k, v) in map {
        if !visited.insert(k.clone()) {
            continue;
        }
        let mut m = Map::new();
        m.insert("name".into(), json!(k));
        if v.required {
            m.insert("required".into(), json!(true));
        }
        if let Some(loc) = location_json(&v.location) {
            m.insert("location".into(), loc);
        }
        out.push(((first_line(&v.location), v.seq), Value::Object(m)));
    }
    let next: Vec<StageId> = d
        .base
        .into_iter()
        .chain(d.deps.iter().map(|(d, _)| *d))
        .collect();
    for n in next {
        collect_mounts(stages, n, secrets, visited, seen_stages, out);
    }
}

fn first_line(r: &[Range]) -> usize {
    r.first().map_or(0, |r| r.start.line)
}

/// A `pb.Location` as Go's `encoding/json` writes it (zero fields omitted).
fn location_json(ranges: &[Range]) -> Option<Value> {
    if ranges.is_empty() {
        return None;
    }
    let pos = |line: usize, character: usize| {
        let mut p = Map::new();
        if line != 0 {
            p.insert("line".into(), json!(line));
        }
        if character != 0 {
            p.insert("character".into(), json!(character));
        }
        Value::Object(p)
    };
    let ranges: Vec<Value> = ranges
        .iter()
        .map(|r| {
            json!({
                "start": pos(r.start.line, r.start.character),
                "end": pos(r.end.line, r.end.character),
            })
        })
        .collect();
    Some(json!({ "ranges": ranges }))
}

fn base64_bytes(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Dockerfile without stages lists `null` targets, as upstream's nil slice marshals.
    #[test]
    fn targets_of_a_dockerfile_without_stages_are_null() {
        let t = targets(b"ARG X=1\n").expect("targets");
        assert_eq!(t["targets"], Value::Null);
        let t = targets(b"FROM alpine AS a\n").expect("targets");
        assert_eq!(t["targets"][0]["name"], json!("a"));
        assert_eq!(t["targets"][0]["default"], json!(true));
    }
}
