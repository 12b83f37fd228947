//! `RUN --mount` value cases from `testdata/mount/cases.txt`, one test per case line (the file
//! header documents the format).

use libtest_mimic::{Arguments, Failed, Trial};
use std::fmt::Write as _;
use std::path::PathBuf;
use syntax::mount::{Mount, MountError, parse_mount};
use syntax::shell::{EnvList, Lexer, ShellError};

fn cases_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata/mount/cases.txt")
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Dispatch pass with an expander.
    Expand,
    /// Parse pass without an expander.
    Parse,
    /// Dispatch pass, then converter-side defaults.
    Convert,
}

/// The mount as `type=… ro=…` plus the fields that differ from their zero value.
fn render(m: &Mount) -> String {
    let mut out = format!("type={} ro={}", m.kind, m.read_only);
    for (key, value) in [
        ("from", &m.from),
        ("source", &m.source),
        ("target", &m.target),
    ] {
        if !value.is_empty() {
            let _ = write!(out, " {key}={value:?}");
        }
    }
    if m.size_limit != 0 {
        let _ = write!(out, " size={}", m.size_limit);
    }
    if !m.cache_id.is_empty() {
        let _ = write!(out, " id={:?}", m.cache_id);
    }
    if let Some(sharing) = m.cache_sharing {
        let _ = write!(out, " sharing={sharing}");
    }
    if m.required {
        out.push_str(" required=true");
    }
    if let Some(env) = &m.env {
        let _ = write!(out, " env={env:?}");
    }
    if let Some(mode) = m.mode {
        let _ = write!(out, " mode={mode:04o}");
    }
    if let Some(uid) = m.uid {
        let _ = write!(out, " uid={uid}");
    }
    if let Some(gid) = m.gid {
        let _ = write!(out, " gid={gid}");
    }
    out
}

/// The converter-side defaults of a parsed mount.
fn render_converter(m: &Mount) -> Result<String, MountError> {
    use syntax::mount::MountType;
    let mut out = match m.kind {
        MountType::Cache => format!("cache_id={:?}", m.cache_id_or_target()),
        MountType::Secret => {
            let target = match m.secret_target()? {
                Some(t) => format!("{t:?}"),
                None => "none".to_owned(),
            };
            format!("secret_id={:?} secret_target={target}", m.secret_id()?)
        }
        MountType::Ssh => format!("ssh_id={:?}", m.ssh_id()?),
        MountType::Bind | MountType::Tmpfs => "none".to_owned(),
    };
    if let Some(mode) = m.default_file_mode() {
        let _ = write!(out, " default_mode={mode:04o}");
    }
    Ok(out)
}

fn run_case(mode: Mode, value: &str, env: &EnvList) -> String {
    let lexer = Lexer::new('\\');
    let mut expand = |word: &str| -> Result<String, ShellError> {
        lexer.process_word(word, env).map(|r| r.result)
    };
    let parsed = match mode {
        Mode::Parse => parse_mount(value, None),
        Mode::Expand | Mode::Convert => parse_mount(value, Some(&mut expand)),
    };
    let rendered = parsed.and_then(|m| match mode {
        Mode::Convert => render_converter(&m),
        Mode::Expand | Mode::Parse => Ok(render(&m)),
    });
    match rendered {
        Ok(text) => text,
        Err(e) => format!("error: {e}"),
    }
}

fn trials(text: &str) -> Vec<Trial> {
    let mut env = EnvList::default();
    let mut out = Vec::new();
    for (idx, line) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(vars) = line.strip_prefix("env ") {
            env = EnvList::from_entries(vars.split_whitespace());
            continue;
        }
        let name = format!("cases.txt:{line_no}: {line}");
        let parsed = line.split_once(' ').and_then(|(mode, rest)| {
            let mode = match mode {
                "x" => Mode::Expand,
                "p" => Mode::Parse,
                "c" => Mode::Convert,
                _ => return None,
            };
            let (value, expected) = rest.split_once(" => ")?;
            Some((mode, value.to_owned(), expected.to_owned()))
        });
        let Some((mode, value, expected)) = parsed else {
            let line = line.to_owned();
            out.push(Trial::test(name, move || {
                Err(format!("malformed case line {line_no}: {line:?}").into())
            }));
            continue;
        };
        let env = env.clone();
        out.push(Trial::test(name, move || {
            let got = run_case(mode, &value, &env);
            if got == expected {
                Ok(())
            } else {
                Err(Failed::from(format!(
                    "{mode:?} {value:?}\n  expected: {expected}\n       got: {got}"
                )))
            }
        }));
    }
    out
}

fn main() {
    let args = Arguments::from_args();
    let path = cases_path();
    let trials = match std::fs::read_to_string(&path) {
        Ok(text) => trials(&text),
        Err(e) => {
            let msg = format!("cannot read {}: {e}", path.display());
            vec![Trial::test("cases.txt: load", move || Err(msg.into()))]
        }
    };
    libtest_mimic::run(&args, trials).exit();
}
