//! Tree and DOT views: snapshots under `testdata/llb/views/<case>.<format>`
//! (regenerate with `RFRONT_UPDATE_SNAPSHOTS=1`), structural checks on every
//! corpus case, and Graphviz rendering when `dot` is installed (required
//! when `CI` is set).

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use llb::definition::{DecodedDefinition, decode_definition};
use llb::dump::{dot, tree};

/// Cases with a snapshot of each view.
const SNAPSHOT_CASES: &[&str] = &["run-mount-cache", "multistage-copy-from", "copy-link"];

fn load(case: &std::path::Path) -> DecodedDefinition {
    decode_definition(&common::read(&case.join("definition.pb")))
        .unwrap_or_else(|e| panic!("{}: {e}", case.display()))
}

fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/llb/views")
}

#[test]
fn views_match_snapshots() {
    let update = std::env::var_os("RFRONT_UPDATE_SNAPSHOTS").is_some();
    for case in SNAPSHOT_CASES {
        let def = load(&common::shared_dir().join("corpus/llb").join(case));
        for (format, text) in [("tree", tree::to_tree(&def)), ("dot", dot::to_dot(&def))] {
            let path = snapshot_dir().join(format!("{case}.{format}"));
            if update {
                std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                continue;
            }
            let want = String::from_utf8(common::read(&path)).unwrap_or_default();
            pretty_assertions::assert_eq!(text, want, "{}", path.display());
        }
    }
}

#[test]
fn dot_has_one_node_per_op_and_one_edge_per_input() {
    for case in common::llb_cases() {
        let def = load(&case);
        let text = dot::to_dot(&def);
        let mut unique: Vec<&str> = def.vertices.iter().map(|v| v.digest.as_str()).collect();
        unique.sort_unstable();
        unique.dedup();
        let inputs: usize = unique
            .iter()
            .filter_map(|d| def.get(d))
            .map(|v| v.op.inputs.len())
            .sum();
        assert!(text.starts_with("digraph llb {\n") && text.ends_with("}\n"));
        assert_eq!(
            text.matches(" [label=").count(),
            unique.len() + inputs,
            "{}",
            case.display()
        );
        assert_eq!(
            text.matches("\" -> \"").count(),
            inputs,
            "{}",
            case.display()
        );
    }
}

#[test]
fn tree_starts_at_the_output_and_shows_every_op() {
    for case in common::llb_cases() {
        let def = load(&case);
        let text = tree::to_tree(&def);
        assert!(text.starts_with("output "), "{}", case.display());
        for v in &def.vertices {
            assert!(
                text.contains(v.digest.short()),
                "{}: {} missing",
                case.display(),
                v.digest
            );
        }
    }
}

#[test]
fn dot_renders_with_graphviz() {
    let available = Command::new("dot")
        .arg("-V")
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "graphviz `dot` is required in CI"
        );
        eprintln!("skipping: graphviz `dot` not installed");
        return;
    }
    for case in common::llb_cases() {
        let text = dot::to_dot(&load(&case));
        let mut child = Command::new("dot")
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dot");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(text.as_bytes()).expect("write to dot");
        }
        let out = child.wait_with_output().expect("dot runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{}: {stderr}",
            case.display()
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("<svg"),
            "{}",
            case.display()
        );
    }
}
