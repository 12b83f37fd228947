//! `rfront check` as a command: exit status, formats, `--explain`, build arguments.

use std::path::Path;
use std::process::{Command, Output};

fn rfront(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rfront"))
        .args(args)
        .output()
        .expect("run rfront")
}

fn case(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/lint")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn exit_status_follows_findings() {
    let clean = rfront(&["check", &case("stage-name-casing-ok")]);
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&clean.stdout),
        "Check complete, no warnings found.\n"
    );
    let found = rfront(&["check", &case("maintainer-deprecated")]);
    assert_eq!(found.status.code(), Some(1));
    let text = String::from_utf8_lossy(&found.stdout);
    assert!(text.contains("warning[MaintainerDeprecated]: Maintainer instruction is deprecated in favor of using label\n --> Dockerfile:2\n"), "{text}");
    assert!(
        text.ends_with("Check complete, 3 warnings have been found!\n"),
        "{text}"
    );
}

#[test]
fn json_and_build_args() {
    let out = rfront(&["check", "--format", "json", &case("check-skip-all")]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(doc["warnings"].is_null());
    assert_eq!(doc["sources"][0]["filename"], "Dockerfile");
    assert_eq!(out.status.code(), Some(0));
    // The build argument replaces the directive.
    let out = rfront(&[
        "check",
        "--format",
        "json",
        "--build-arg",
        "BUILDKIT_DOCKERFILE_CHECK=skip=ConsistentInstructionCasing;error=true",
        &case("check-skip-all"),
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["warnings"][0]["ruleName"], "FromAsCasing");
    assert_eq!(
        doc["buildError"]["message"],
        "lint violation found for rules: FromAsCasing"
    );
    assert_eq!(out.status.code(), Some(1));
    let bad = rfront(&[
        "check",
        "--build-arg",
        "BUILDKIT_DOCKERFILE_CHECK=bogus",
        &case("check-skip-all"),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains(
        "failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: invalid check option \"bogus\""
    ));
}

#[test]
fn explain() {
    let out = rfront(&["check", "--explain", "undefinedvar"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(
        "UndefinedVar\n============\n\nVariables should be defined before their use\n"
    ));
    assert!(text.contains("https://docs.docker.com/go/dockerfile/rule/undefined-var/"));
    assert!(text.contains("```dockerfile"));
    let all = rfront(&["check", "--explain", "all"]);
    let listed = String::from_utf8_lossy(&all.stdout);
    assert_eq!(listed.lines().filter(|l| !l.starts_with(' ')).count(), 22);
    assert!(listed.contains("InvalidDefinitionDescription (experimental)"));
    let unknown = rfront(&["check", "--explain", "NoSuchRule"]);
    assert_eq!(unknown.status.code(), Some(1));
}
