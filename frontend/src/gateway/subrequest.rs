//! Subrequests (opt `requestid`): `frontend.subrequests.describe`, `frontend.outline`,
//! `frontend.targets` and `frontend.lint`. Each answer is a Result with no ref and only the
//! metadata `result.json` (Go's `MarshalIndent` with two spaces), `result.txt` (the table or
//! report BuildKit prints) and `version`, plus `result.statuscode` for lint
//! (`frontend/subrequests/**`).
//!
//! The outline and targets answers are built from the JSON the compiler serialises (as Go's
//! `ToResult` marshals and then prints from the JSON); the lint report comes with its text.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::error::{GatewayError, go_escape};
use super::tabwriter;

/// `frontend.subrequests.describe`.
pub const DESCRIBE: &str = "frontend.subrequests.describe";
/// `frontend.outline`.
pub const OUTLINE: &str = "frontend.outline";
/// `frontend.targets`.
pub const TARGETS: &str = "frontend.targets";
/// `frontend.lint`.
pub const LINT: &str = "frontend.lint";

/// The version every implemented subrequest answers with.
pub const VERSION: &str = "1.0.0";

/// Result metadata.
pub type Metadata = BTreeMap<String, Vec<u8>>;

fn named(name: &str, description: &str) -> Value {
    json!({ "name": name, "description": description })
}

fn result_files() -> Value {
    json!([named("result.json", ""), named("result.txt", "")])
}

/// The describe entry of `frontend.outline`.
pub fn outline_definition() -> Value {
    json!({
        "name": OUTLINE, "version": VERSION, "type": "rpc",
        "description": "List all parameters current build target supports",
        "opts": [named("target", "Target build stage")],
        "inputs": null, "metadata": result_files(), "refs": null,
    })
}

/// The describe entry of `frontend.targets`.
pub fn targets_definition() -> Value {
    json!({
        "name": TARGETS, "version": VERSION, "type": "rpc",
        "description": "List all targets current build supports",
        "opts": [], "inputs": null, "metadata": result_files(), "refs": null,
    })
}

/// The describe entry of `frontend.subrequests.describe`.
pub fn describe_definition() -> Value {
    json!({
        "name": DESCRIBE, "version": VERSION, "type": "rpc",
        "description": "List available subrequest types",
        "opts": null, "inputs": null, "metadata": result_files(), "refs": null,
    })
}

/// JSON as Go's `json.MarshalIndent(v, "", "  ")` writes it.
pub fn marshal_indent(v: &Value) -> Vec<u8> {
    let pretty = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    go_escape(&pretty).into_bytes()
}

fn answer(json: Vec<u8>, txt: String) -> Metadata {
    BTreeMap::from([
        ("result.json".to_string(), json),
        ("result.txt".to_string(), txt.into_bytes()),
        ("version".to_string(), VERSION.as_bytes().to_vec()),
    ])
}

/// The describe answer, listing the subrequests this build can answer (outline and targets
/// when available, then describe itself, in upstream's order).
pub fn describe(outline: bool, targets: bool) -> Metadata {
    let mut all = Vec::new();
    if outline {
        all.push(outline_definition());
    }
    if targets {
        all.push(targets_definition());
    }
    all.push(describe_definition());
    let mut table = String::from("NAME\tVERSION\tDESCRIPTION\n");
    for r in &all {
        let name = str_field(r, "name");
        table.push_str(&format!(
            "{}\t{}\t{}\n",
            name.strip_prefix("frontend.").unwrap_or(name),
            str_field(r, "version"),
            str_field(r, "description")
        ));
    }
    answer(
        marshal_indent(&Value::Array(all)),
        tabwriter::align(&table, 0, 1),
    )
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The outline answer from the outline JSON (`{name,description,args,secrets,ssh,cache,sources}`).
pub fn outline(json: &Value) -> Metadata {
    let mut txt = String::new();
    let name = str_field(json, "name");
    let description = str_field(json, "description");
    if !name.is_empty() || !description.is_empty() {
        let mut t = format!(
            "TARGET:\t{}\n",
            if name.is_empty() { "(default)" } else { name }
        );
        if !description.is_empty() {
            t.push_str(&format!("DESCRIPTION:\t{description}\n"));
        }
        txt.push_str(&tabwriter::align(&t, 0, 1));
        txt.push('\n');
    }
    let args = array(json, "args");
    if !args.is_empty() {
        let mut t = String::from("BUILD ARG\tVALUE\tDESCRIPTION\n");
        for a in args {
            t.push_str(&format!(
                "{}\t{}\t{}\n",
                str_field(a, "name"),
                str_field(a, "value"),
                str_field(a, "description")
            ));
        }
        txt.push_str(&tabwriter::align(&t, 0, 3));
        txt.push('\n');
    }
    for (key, header) in [("secrets", "SECRET"), ("ssh", "SSH")] {
        let items = array(json, key);
        if items.is_empty() {
            continue;
        }
        let mut t = format!("{header}\tREQUIRED\n");
        for s in items {
            let required = s.get("required").and_then(Value::as_bool).unwrap_or(false);
            t.push_str(&format!(
                "{}\t{}\n",
                str_field(s, "name"),
                if required { "true" } else { "" }
            ));
        }
        txt.push_str(&tabwriter::align(&t, 0, 3));
        txt.push('\n');
    }
    answer(marshal_indent(json), txt)
}

/// The targets answer from the targets JSON (`{targets:[{name,default,description,…}],sources}`).
pub fn targets(json: &Value) -> Metadata {
    let mut t = String::from("TARGET\tDESCRIPTION\n");
    for target in array(json, "targets") {
        let name = str_field(target, "name");
        let default = target
            .get("default")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let shown = match (name.is_empty(), default) {
            (true, true) => "(default)".to_string(),
            (false, true) => format!("{name} (default)"),
            _ => name.to_string(),
        };
        t.push_str(&format!("{shown}\t{}\n", str_field(target, "description")));
    }
    answer(marshal_indent(json), tabwriter::align(&t, 0, 1))
}

/// A lint report: the JSON document (`{warnings,sources,buildError?}`), its text, and
/// whether it found warnings or an error.
#[derive(Debug, Clone, PartialEq)]
pub struct LintAnswer {
    /// `result.json` content.
    pub json: Value,
    /// `result.txt` content.
    pub text: String,
    /// `result.statuscode` is `1` when set.
    pub failed: bool,
}

/// The lint answer, with `result.statuscode`.
pub fn lint(answer: &LintAnswer) -> Metadata {
    let mut md = self::answer(marshal_indent(&answer.json), answer.text.clone());
    md.insert(
        "result.statuscode".to_string(),
        if answer.failed {
            b"1".to_vec()
        } else {
            b"0".to_vec()
        },
    );
    md
}

/// The error for a subrequest this frontend does not answer.
pub fn unsupported(name: &str) -> GatewayError {
    GatewayError::UnsupportedSubrequest(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(md: &Metadata) -> &str {
        std::str::from_utf8(&md["result.txt"]).unwrap()
    }

    #[test]
    fn describe_lists_what_is_available() {
        let md = describe(true, true);
        assert_eq!(md["version"], b"1.0.0");
        assert_eq!(
            txt(&md),
            "NAME                 VERSION DESCRIPTION\n\
             outline              1.0.0   List all parameters current build target supports\n\
             targets              1.0.0   List all targets current build supports\n\
             subrequests.describe 1.0.0   List available subrequest types\n"
        );
        let v: Value = serde_json::from_slice(&md["result.json"]).unwrap();
        assert_eq!(v[0]["opts"][0]["name"], "target");
        assert!(v[0]["inputs"].is_null());
        assert_eq!(v[1]["opts"], json!([]));
        assert!(v[2]["opts"].is_null());
        let only = describe(false, false);
        let v: Value = serde_json::from_slice(&only["result.json"]).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert!(
            std::str::from_utf8(&only["result.json"])
                .unwrap()
                .starts_with("[\n  {\n    \"name\": ")
        );
    }

    #[test]
    fn outline_text() {
        let md = outline(&json!({
            "name": "build",
            "description": "the build stage",
            "args": [{"name": "GREETING", "value": "hello", "description": "what to say"}, {"name": "X"}],
            "secrets": [{"name": "tok", "required": true}, {"name": "opt"}],
        }));
        assert_eq!(
            txt(&md),
            "TARGET:      build\nDESCRIPTION: the build stage\n\n\
             BUILD ARG   VALUE   DESCRIPTION\nGREETING    hello   what to say\nX                   \n\n\
             SECRET   REQUIRED\ntok      true\nopt      \n\n"
        );
    }

    #[test]
    fn targets_text() {
        let md = targets(&json!({"targets": [
            {"name": "base", "description": "d"},
            {"name": "final", "default": true},
        ], "sources": []}));
        assert_eq!(
            txt(&md),
            "TARGET          DESCRIPTION\nbase            d\nfinal (default) \n"
        );
    }

    #[test]
    fn lint_status() {
        let mut a = LintAnswer {
            json: json!({"warnings": null, "sources": []}),
            text: String::new(),
            failed: false,
        };
        assert_eq!(lint(&a)["result.statuscode"], b"0");
        a.failed = true;
        assert_eq!(lint(&a)["result.statuscode"], b"1");
        assert_eq!(lint(&a)["version"], b"1.0.0");
    }

    #[test]
    fn go_indent_format() {
        assert_eq!(
            marshal_indent(&json!({"a": [1], "b": {}})),
            b"{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}"
        );
    }
}
