//! Data-driven typed-instruction error tests (`testdata/instructions/errors.txt`): each
//! Dockerfile must parse as an AST and then fail `instructions::parse` with exactly the
//! given message.

use std::path::Path;

use pretty_assertions::assert_eq;
use syntax::instructions;
use syntax::parser::parse;

struct Case {
    name: String,
    dockerfile: String,
    error: String,
}

fn load(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut cases = Vec::new();
    let mut cur: Option<Case> = None;
    let mut in_error = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            cases.extend(cur.take());
            cur = Some(Case {
                name: name.to_string(),
                dockerfile: String::new(),
                error: String::new(),
            });
            in_error = false;
        } else if line == "--- error" {
            in_error = true;
        } else if let Some(c) = cur.as_mut() {
            if in_error {
                c.error.push_str(line);
            } else {
                c.dockerfile.push_str(line);
                c.dockerfile.push('\n');
            }
        }
    }
    cases.extend(cur);
    cases
}

#[test]
fn instruction_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/instructions/errors.txt");
    let cases = load(&path);
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let ast = match parse(&c.dockerfile) {
            Ok(r) => r.ast,
            Err(e) => {
                failures.push(format!("{}: AST parse failed: {e}", c.name));
                continue;
            }
        };
        match instructions::parse(&ast) {
            Ok(_) => failures.push(format!("{}: parsed, want error `{}`", c.name, c.error)),
            Err(e) if e.to_string() != c.error => {
                failures.push(format!("{}:\n  got  `{e}`\n  want `{}`", c.name, c.error));
            }
            Err(_) => {}
        }
    }
    assert_eq!(failures, Vec::<String>::new());
}
