//! Upstream's shell vectors (`shared/spec/shell-vectors/{envVarTest,wordsTest}`), one test per
//! line, run the way upstream's `lex_test.go` runs them on Linux:
//!
//! - `envVarTest`: `PLATFORM|INPUT|EXPECTED` with the env `PWD=/home SHELL=bash KOREAN=한국어
//!   NULL=`; single-word mode; `error` means the word must fail. `A` and `U` lines run; `W`
//!   lines are Windows-only (case-insensitive names there) and are reported as ignored.
//! - `wordsTest`: `ENV k=v` lines add to the env for the lines after them; `INPUT|W1,W2,…` in
//!   multi-word mode; `error` means the word must fail. (Upstream loops over a second lexer mode,
//!   raw quotes + skip unset env, but reads the already exhausted file again, so only the normal
//!   mode ever runs; so here.)

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::PathBuf;
use syntax::shell::{EnvList, Lexer};

fn shared_dir() -> PathBuf {
    match std::env::var_os("RFRONT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn read_vectors(name: &str) -> Result<String, String> {
    let path = shared_dir().join("spec/shell-vectors").join(name);
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn env_var_trials(text: &str) -> Vec<Trial> {
    let env = EnvList::from_entries(["PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="]);
    let mut trials = Vec::new();
    for (idx, raw_line) in text.lines().enumerate() {
        let line_no = idx + 1;
        if raw_line.starts_with('#') || raw_line.trim().is_empty() {
            continue;
        }
        let line = raw_line.trim().to_owned();
        let parts: Vec<&str> = line.split('|').collect();
        let name = format!("envVarTest:{line_no}: {line}");
        if parts.len() != 3 {
            trials.push(Trial::test(name, move || {
                Err(format!("line {line_no}: expected 3 fields: {line:?}").into())
            }));
            continue;
        }
        let platform = parts[0].trim().to_owned();
        let source = parts[1].trim().to_owned();
        let expected = parts[2].trim().to_owned();
        let env = env.clone();
        trials.push(Trial::ignorable_test(name, move || {
            match platform.as_str() {
                "W" => {
                    return Ok(Completion::ignored_with(
                        "Windows-only line (upstream runs W lines only on Windows)",
                    ));
                }
                "A" | "U" => {}
                other => return Err(format!("invalid tag {other:?}: must be W, A or U").into()),
            }
            let got = Lexer::new('\\').process_word(&source, &env);
            match (expected.as_str(), got) {
                ("error", Err(_)) => Ok(Completion::Completed),
                ("error", Ok(r)) => {
                    Err(format!("{source:?}: expected an error, got {:?}", r.result).into())
                }
                (_, Err(e)) => {
                    Err(format!("{source:?}: expected {expected:?}, got error: {e}").into())
                }
                (_, Ok(r)) if r.result == expected => Ok(Completion::Completed),
                (_, Ok(r)) => {
                    Err(format!("{source:?}: expected {expected:?}, got {:?}", r.result).into())
                }
            }
        }));
    }
    trials
}

fn words_trials(text: &str) -> Vec<Trial> {
    let mut env_entries: Vec<String> = Vec::new();
    let mut trials = Vec::new();
    for (idx, line) in text.lines().enumerate() {
        let line_no = idx + 1;
        if line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("ENV ") {
            env_entries.push(rest.trim_start_matches(' ').to_owned());
            continue;
        }
        let name = format!("wordsTest:{line_no}: {line}");
        let parts: Vec<&str> = line.split('|').collect();
        if parts.len() != 2 {
            let line = line.to_owned();
            trials.push(Trial::test(name, move || {
                Err(format!("line {line_no}: expected exactly one '|': {line:?}").into())
            }));
            continue;
        }
        let input = parts[0].trim().to_owned();
        let expected: Vec<String> = parts[1]
            .trim_start_matches(' ')
            .split(',')
            .map(str::to_owned)
            .collect();
        let env = EnvList::from_entries(&env_entries);
        trials.push(Trial::test(name, move || {
            let got = match Lexer::new('\\').process_words(&input, &env) {
                Ok(r) => r.words,
                Err(_) => vec!["error".to_owned()],
            };
            if got == expected {
                Ok(())
            } else {
                Err(Failed::from(format!(
                    "{input:?} was supposed to result in {expected:?}, got {got:?}"
                )))
            }
        }));
    }
    trials
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (file, make) in [
        ("envVarTest", env_var_trials as fn(&str) -> Vec<Trial>),
        ("wordsTest", words_trials),
    ] {
        match read_vectors(file) {
            Ok(text) => trials.extend(make(&text)),
            Err(e) => trials.push(Trial::test(format!("{file}: load"), move || Err(e.into()))),
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
