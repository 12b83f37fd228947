//! Data-driven parser tests: upstream's golden cases (`../shared/corpus/parser`), the
//! line-info case, our own cases (`testdata/parser`) and the real-world corpus.
//!
//! A case directory holds `Dockerfile` and one of:
//! - `result`: `ast.dump() + "\n"` must equal it byte for byte (upstream's `TestParseCases`);
//! - `error` (ours only): `<line>: <message>` of the expected parse error;
//! - nothing (upstream negative cases): parsing must fail, naming a line.
//!
//! and optionally (ours only, checked after a successful parse):
//! - `heredocs`: `<child index> <name> fd=<n> expand=<bool> chomp=<bool> <content>` per
//!   heredoc (strings in Rust debug quoting; `#` lines are comments); children not listed
//!   must have none;
//! - `warnings`: `<line>: <short text>` per warning;
//! - `lines`: `<start>-<end>` per child.

use std::fs;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use syntax::parser::{ParseError, ParseResult, parse_bytes};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn shared_dir() -> PathBuf {
    match std::env::var_os("RFRONT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("..").join("shared"),
    }
}

#[derive(Default, Debug)]
struct Tally {
    positive: usize,
    negative: usize,
    failures: Vec<String>,
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root)
        .unwrap_or_else(|e| panic!("read {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn describe(e: &ParseError) -> String {
    format!("{}: {}", e.start_line, e)
}

fn expectation_lines(path: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
    )
}

/// Check the optional `heredocs`, `warnings` and `lines` expectations.
fn check_extras(dir: &Path, r: &ParseResult) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(want) = expectation_lines(&dir.join("heredocs")) {
        let got: Vec<String> = r
            .ast
            .children
            .iter()
            .enumerate()
            .flat_map(|(i, c)| {
                c.heredocs.iter().map(move |h| {
                    format!(
                        "{i} {:?} fd={} expand={} chomp={} {:?}",
                        h.name, h.file_descriptor, h.expand, h.chomp, h.content
                    )
                })
            })
            .collect();
        if got != want {
            failures.push(format!(
                "heredocs differ\n--- want\n{}\n--- got\n{}",
                want.join("\n"),
                got.join("\n")
            ));
        }
    }
    if let Some(want) = expectation_lines(&dir.join("warnings")) {
        let got: Vec<String> = r
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.line, w.short))
            .collect();
        if got != want {
            failures.push(format!("warnings differ: want {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = expectation_lines(&dir.join("lines")) {
        let got: Vec<String> = r
            .ast
            .children
            .iter()
            .map(|c| format!("{}-{}", c.start_line, c.end_line))
            .collect();
        if got != want {
            failures.push(format!("lines differ: want {want:?}, got {got:?}"));
        }
    }
    failures
}

fn run_cases(root: &Path) -> Tally {
    let mut t = Tally::default();
    for dir in case_dirs(root) {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let src = fs::read(dir.join("Dockerfile")).unwrap();
        let parsed = parse_bytes(&src);
        let result = dir.join("result");
        let error = dir.join("error");
        if result.is_file() {
            t.positive += 1;
            let want = fs::read_to_string(&result).unwrap();
            match parsed {
                Ok(r) => {
                    let got = r.ast.dump() + "\n";
                    if got != want {
                        t.failures.push(format!(
                            "{name}: dump differs\n--- want\n{want}--- got\n{got}"
                        ));
                    }
                    for f in check_extras(&dir, &r) {
                        t.failures.push(format!("{name}: {f}"));
                    }
                }
                Err(e) => t
                    .failures
                    .push(format!("{name}: unexpected error {}", describe(&e))),
            }
        } else {
            t.negative += 1;
            let want = fs::read_to_string(&error).ok();
            match (parsed, want) {
                (Ok(r), _) => t
                    .failures
                    .push(format!("{name}: parsed but must fail:\n{}", r.ast.dump())),
                (Err(e), Some(want)) => {
                    if describe(&e) != want.trim_end() {
                        t.failures.push(format!(
                            "{name}: error `{}`, want `{}`",
                            describe(&e),
                            want.trim_end()
                        ));
                    }
                }
                (Err(e), None) => {
                    // Must name a line: the span lies inside the file.
                    if e.span.end > src.len() || e.to_string().is_empty() {
                        t.failures
                            .push(format!("{name}: bad error {}", describe(&e)));
                    }
                }
            }
        }
    }
    t
}

#[test]
fn upstream_parser_goldens() {
    let t = run_cases(&shared_dir().join("corpus/parser"));
    assert!(t.failures.is_empty(), "{}", t.failures.join("\n\n"));
    assert_eq!((t.positive, t.negative), (33, 4));
}

#[test]
fn upstream_negative_cases_name_their_line() {
    let root = shared_dir().join("corpus/parser");
    let expect = [
        ("empty_dockerfile", 0, "file with no instructions"),
        ("env_no_value", 3, "ENV must have two arguments"),
        ("only_comments", 3, "file with no instructions"),
        (
            "shykes-nested-json",
            1,
            "when using JSON array syntax, arrays must be comprised of strings only",
        ),
    ];
    for (case, line, msg) in expect {
        let src = fs::read(root.join(case).join("Dockerfile")).unwrap();
        let e = parse_bytes(&src).unwrap_err();
        assert_eq!(
            (e.start_line, e.to_string().as_str()),
            (line, msg),
            "{case}"
        );
    }
}

#[test]
fn own_parser_cases() {
    let t = run_cases(&workspace_root().join("testdata/parser"));
    assert!(t.failures.is_empty(), "{}", t.failures.join("\n\n"));
    assert!(t.positive + t.negative > 0);
}

#[test]
fn line_info() {
    let src = fs::read(shared_dir().join("corpus/parser-line-info/Dockerfile")).unwrap();
    let r = parse_bytes(&src).unwrap();
    assert_eq!((r.ast.start_line, r.ast.end_line), (5, 31));
    let got: Vec<(usize, usize)> = r
        .ast
        .children
        .iter()
        .map(|c| (c.start_line, c.end_line))
        .collect();
    assert_eq!(got, vec![(5, 5), (11, 12), (17, 31)]);
}

#[test]
fn real_corpus_parses() {
    let root = shared_dir().join("corpus/real");
    let mut files: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n != "README.md" && n != "MANIFEST.tsv"
        })
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let src = fs::read(f).unwrap();
        match parse_bytes(&src) {
            Ok(r) => assert!(!r.ast.children.is_empty()),
            Err(e) => failures.push(format!("{}: {}", f.display(), describe(&e))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(files.len(), 180);
}

#[test]
fn real_corpus_typed_instructions() {
    let root = shared_dir().join("corpus/real");
    let mut failures = Vec::new();
    let mut stages = 0;
    for f in fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
    {
        let n = f.file_name().unwrap().to_string_lossy().to_string();
        if n == "README.md" || n == "MANIFEST.tsv" {
            continue;
        }
        let r = parse_bytes(&fs::read(&f).unwrap()).unwrap();
        match syntax::instructions::parse(&r.ast) {
            Ok(df) => stages += df.stages.len(),
            Err(e) => failures.push(format!("{n}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(stages >= 180);
}
