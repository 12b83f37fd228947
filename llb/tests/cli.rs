//! The `llb-dump` binary: formats, stdin, errors and diff exit codes.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn llb_dump(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_llb-dump"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn llb-dump");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        pipe.write_all(bytes).expect("write stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("llb-dump runs")
}

fn case(name: &str) -> String {
    common::shared_dir()
        .join("corpus/llb")
        .join(name)
        .join("definition.pb")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn json_is_the_default_and_equals_buildctl_output() {
    let golden = common::read(&common::shared_dir().join("corpus/llb/chown/llb.json"));
    let out = llb_dump(&[&case("chown")], None);
    assert!(out.status.success());
    assert_eq!(out.stdout, golden);
    let explicit = llb_dump(&["--format", "json", &case("chown")], None);
    assert_eq!(explicit.stdout, golden);
}

#[test]
fn reads_stdin_for_dash_or_no_file() {
    let bytes = common::read(std::path::Path::new(&case("chown")));
    let from_file = llb_dump(&["--format", "tree", &case("chown")], None);
    for args in [&["--format", "tree", "-"][..], &["--format", "tree"][..]] {
        let out = llb_dump(args, Some(&bytes));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, from_file.stdout);
    }
}

#[test]
fn dot_format_prints_a_digraph() {
    let out = llb_dump(&["--format", "dot", &case("chown")], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph llb {"));
}

#[test]
fn invalid_input_fails_with_a_message() {
    let out = llb_dump(&["-"], Some(b""));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stdin: not a valid LLB definition: invalid empty definition"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = llb_dump(&["/nonexistent/def.pb"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /nonexistent/def.pb"));
}

#[test]
fn diff_exit_codes() {
    let same = llb_dump(&["diff", &case("chown"), &case("chown")], None);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "no differences (7 ops)\n"
    );

    let differ = llb_dump(
        &[
            "diff",
            &case("args-buildarg"),
            &case("args-global-and-stage"),
        ],
        None,
    );
    assert_eq!(differ.status.code(), Some(1));
    let text = String::from_utf8_lossy(&differ.stdout);
    assert!(
        text.contains("first difference: source.identifier:"),
        "{text}"
    );

    let broken = llb_dump(&["diff", &case("chown"), "/nonexistent"], None);
    assert_eq!(broken.status.code(), Some(2));
}
