//! The Dockerfile compiler against data: every case of the upstream LLB goldens
//! (`$RFRONT_SHARED/corpus/llb/<case>/`), the project's own cases (`testdata/convert/<case>/`),
//! the two perf Dockerfiles' golden Definitions, and the real-world corpus (every file must
//! convert, except the ones listed with a reason in `testdata/convert-real-failures.txt`).
//!
//! Each LLB case runs twice: through the library (`frontend::convert::convert`) and through
//! the binary (`rfront llb --offline --local-unique-id rfront-test --json … -f Dockerfile DIR`).
//! A case holds `Dockerfile`, optional `args` (the `rfront llb` flags), and either `llb.json`
//! (dump-llb lines) + `image.json`, or `error.txt` (the expected message). Comparisons are of
//! parsed JSON, line for line; progress-group ids (random) are compared by first appearance.
//! Upstream's `image.json` was made with made-up base layers whose digests we cannot
//! reproduce, so for upstream cases `rootfs.diff_ids` are compared by count only.
//!
//! `UPDATE_EXPECT=1` rewrites the expectations of the project's own cases.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use frontend::convert::{self, ConvertOptions, FileResolver, OfflineResolver, Platform};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shared() -> PathBuf {
    match std::env::var_os("RFRONT_SHARED") {
        Some(d) => PathBuf::from(d),
        None => workspace().join("../shared"),
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (group, root, exact) in [
        ("upstream", shared().join("corpus/llb"), false),
        ("project", workspace().join("testdata/convert"), true),
    ] {
        for dir in case_dirs(&root) {
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            let d = dir.clone();
            trials.push(Trial::test(format!("{group}/{name}/lib"), move || {
                check_lib(&d, exact)
            }));
            trials.push(Trial::test(format!("{group}/{name}/cli"), move || {
                check_cli(&dir, exact)
            }));
        }
    }
    for name in ["mixed-200", "stages-500"] {
        trials.push(Trial::test(format!("perf/{name}"), move || {
            check_perf(name)
        }));
    }
    let failures = expected_real_failures();
    let real = shared().join("corpus/real");
    if let Ok(entries) = std::fs::read_dir(&real) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if name == "README.md" || name == "MANIFEST.tsv" {
                continue;
            }
            let expected = failures.get(&name).cloned();
            trials.push(Trial::test(format!("real/{name}"), move || {
                check_real(&f, expected.as_deref())
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(root) {
        Ok(e) => e
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("Dockerfile").is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    dirs.sort();
    dirs
}

/// The case's `args` file, split into words (`--image-config REF=FILE` files made absolute).
fn case_args(dir: &Path) -> Vec<String> {
    let words: Vec<String> = std::fs::read_to_string(dir.join("args"))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut out = Vec::with_capacity(words.len());
    let mut image_config = false;
    for w in words {
        if image_config && let Some((r, f)) = w.split_once('=') {
            out.push(format!("{r}={}", dir.join(f).display()));
        } else {
            out.push(w.clone());
        }
        image_config = w == "--image-config";
    }
    out
}

/// The resolver `rfront llb --offline [--image-config …]` uses.
fn resolver(args: &[String]) -> Result<FileResolver, Failed> {
    let mut configs = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--image-config"
            && let Some((r, f)) = it.next().and_then(|v| v.split_once('='))
        {
            configs.push((r.to_string(), PathBuf::from(f)));
        }
    }
    FileResolver::new(configs, Some(Box::new(OfflineResolver))).map_err(|e| e.to_string().into())
}

/// ConvertOptions as `rfront llb --offline --local-unique-id rfront-test [args]` builds them.
fn options(args: &[String]) -> Result<ConvertOptions, Failed> {
    let mut opts = ConvertOptions {
        local_unique_id: Some("rfront-test".into()),
        dockerfile_name: "Dockerfile".into(),
        ..ConvertOptions::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| Failed::from(format!("{flag} without a value")))?;
        match flag.as_str() {
            "--build-arg" => {
                let (k, v) = value.split_once('=').unwrap_or((value, ""));
                opts.build_args.insert(k.to_string(), v.to_string());
            }
            "--target" => opts.target = Some(value.clone()),
            "--image-config" => {}
            "--platform" => {
                let p = llb::state::Platform::parse(value).map_err(|e| e.to_string())?;
                opts.target_platforms = vec![Platform {
                    os: p.os,
                    architecture: p.architecture,
                    variant: p.variant,
                    os_version: p.os_version,
                }];
            }
            other => return Err(format!("unknown flag {other} in args").into()),
        }
    }
    Ok(opts)
}

/// What a conversion produced: dump-llb lines and image JSON, or an error message.
enum Outcome {
    Llb { lines: Vec<Value>, image: Value },
    Error(String),
}

fn check_lib(dir: &Path, exact: bool) -> Result<(), Failed> {
    let dockerfile = std::fs::read(dir.join("Dockerfile")).map_err(|e| e.to_string())?;
    let args = case_args(dir);
    let opts = options(&args)?;
    let outcome = match convert::convert(&dockerfile, &opts, &resolver(&args)?) {
        Ok(r) => {
            let bytes = llb::definition::encode_definition(&r.definition);
            let decoded = llb::definition::decode_definition(&bytes).map_err(|e| e.to_string())?;
            let text = llb::dump::json::definition_to_string(&decoded);
            Outcome::Llb {
                lines: parse_lines(&text)?,
                image: serde_json::to_value(&r.image).map_err(|e| e.to_string())?,
            }
        }
        Err(e) => Outcome::Error(e.to_string()),
    };
    if exact && std::env::var_os("UPDATE_EXPECT").is_some() {
        return update(dir, &outcome);
    }
    compare(dir, &outcome, exact)
}

fn check_cli(dir: &Path, exact: bool) -> Result<(), Failed> {
    let image_out = std::env::temp_dir().join(format!(
        "rfront-convert-{}-{}.json",
        std::process::id(),
        dir.file_name().unwrap().to_string_lossy()
    ));
    let out = Command::new(env!("CARGO_BIN_EXE_rfront"))
        .args([
            "llb",
            "--offline",
            "--local-unique-id",
            "rfront-test",
            "--json",
        ])
        .args(case_args(dir))
        .arg("-f")
        .arg(dir.join("Dockerfile"))
        .arg("--image-out")
        .arg(&image_out)
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    let outcome = if out.status.success() {
        let image = std::fs::read(&image_out).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(&image_out);
        Outcome::Llb {
            lines: parse_lines(&String::from_utf8_lossy(&out.stdout))?,
            image: serde_json::from_slice(&image).map_err(|e| e.to_string())?,
        }
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
        if out.status.code() != Some(1) {
            return Err(format!("exit status {:?}: {stderr}", out.status).into());
        }
        Outcome::Error(stderr)
    };
    if exact && std::env::var_os("UPDATE_EXPECT").is_some() {
        return Ok(());
    }
    compare(dir, &outcome, exact)
}

fn parse_lines(text: &str) -> Result<Vec<Value>, Failed> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| Failed::from(format!("{e}: {l}"))))
        .collect()
}

fn compare(dir: &Path, outcome: &Outcome, exact: bool) -> Result<(), Failed> {
    let error_file = dir.join("error.txt");
    match outcome {
        Outcome::Error(msg) => {
            let want = std::fs::read_to_string(&error_file)
                .map_err(|_| Failed::from(format!("unexpected error: {msg}")))?;
            let want = want.trim_end();
            // The CLI prefixes `FILE:LINE: `; the library prints the message alone.
            if msg == want || msg.ends_with(&format!(": {want}")) {
                Ok(())
            } else {
                Err(format!("error differs\n want: {want}\n  got: {msg}").into())
            }
        }
        Outcome::Llb { lines, image } => {
            if error_file.exists() {
                let want = std::fs::read_to_string(&error_file).unwrap_or_default();
                return Err(format!("expected error {}, got success", want.trim_end()).into());
            }
            let want_text =
                std::fs::read_to_string(dir.join("llb.json")).map_err(|e| e.to_string())?;
            let want = parse_lines(&want_text)?;
            compare_lines(&normalize_groups(&want), &normalize_groups(lines))?;
            let want_image: Value = serde_json::from_slice(
                &std::fs::read(dir.join("image.json")).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
            let (want_image, got_image) = if exact {
                (want_image, image.clone())
            } else {
                (layers_by_count(&want_image), layers_by_count(image))
            };
            if want_image != got_image {
                return Err(format!(
                    "image.json differs\n want: {}\n  got: {}",
                    serde_json::to_string_pretty(&want_image).unwrap_or_default(),
                    serde_json::to_string_pretty(&got_image).unwrap_or_default()
                )
                .into());
            }
            Ok(())
        }
    }
}

fn compare_lines(want: &[Value], got: &[Value]) -> Result<(), Failed> {
    let mut report = String::new();
    for i in 0..want.len().max(got.len()) {
        match (want.get(i), got.get(i)) {
            (Some(w), Some(g)) if w == g => {}
            (w, g) => {
                report.push_str(&format!(
                    "line {}:\n want: {}\n  got: {}\n",
                    i + 1,
                    w.map(Value::to_string).unwrap_or_default(),
                    g.map(Value::to_string).unwrap_or_default()
                ));
            }
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report.into())
    }
}

/// Progress-group ids replaced by their order of first appearance.
fn normalize_groups(lines: &[Value]) -> Vec<Value> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    lines
        .iter()
        .map(|l| {
            let mut l = l.clone();
            if let Some(Value::String(id)) = l.pointer_mut("/OpMetadata/progress_group/id") {
                let n = ids.len();
                let n = *ids.entry(id.clone()).or_insert(n);
                *id = format!("group-{n}");
            }
            l
        })
        .collect()
}

/// `rootfs.diff_ids` replaced by their count.
fn layers_by_count(image: &Value) -> Value {
    let mut image = image.clone();
    if let Some(ids) = image.pointer_mut("/rootfs/diff_ids") {
        let n = ids.as_array().map_or(0, Vec::len);
        *ids = Value::from(n);
    }
    image
}

fn update(dir: &Path, outcome: &Outcome) -> Result<(), Failed> {
    let write = |name: &str, data: String| {
        std::fs::write(dir.join(name), data).map_err(|e| Failed::from(e.to_string()))
    };
    match outcome {
        Outcome::Error(msg) => {
            let _ = std::fs::remove_file(dir.join("llb.json"));
            let _ = std::fs::remove_file(dir.join("image.json"));
            write("error.txt", format!("{msg}\n"))
        }
        Outcome::Llb { lines, image } => {
            let _ = std::fs::remove_file(dir.join("error.txt"));
            let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
            write("llb.json", text)?;
            write(
                "image.json",
                serde_json::to_string_pretty(image).map_err(|e| e.to_string())? + "\n",
            )
        }
    }
}

/// The perf Dockerfiles convert to their golden Definitions (same ops in the same order).
fn check_perf(name: &str) -> Result<(), Failed> {
    let dir = shared().join("corpus/perf");
    let dockerfile =
        std::fs::read(dir.join(format!("{name}.Dockerfile"))).map_err(|e| e.to_string())?;
    let want =
        std::fs::read(dir.join(format!("{name}.definition.pb"))).map_err(|e| e.to_string())?;
    let want = llb::definition::decode_definition(&want).map_err(|e| e.to_string())?;
    let opts = options(&[])?;
    let got = convert::convert(&dockerfile, &opts, &OfflineResolver).map_err(|e| e.to_string())?;
    let bytes = llb::definition::encode_definition(&got.definition);
    let got = llb::definition::decode_definition(&bytes).map_err(|e| e.to_string())?;
    let text = |d: &llb::definition::DecodedDefinition| {
        parse_lines(&llb::dump::json::definition_to_string(d)).map(|l| normalize_groups(&l))
    };
    compare_lines(&text(&want)?, &text(&got)?)
}

/// `testdata/convert-real-failures.txt`: `FILE<TAB>expected error message` lines.
fn expected_real_failures() -> BTreeMap<String, String> {
    let path = workspace().join("testdata/convert-real-failures.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect()
}

fn check_real(path: &Path, expected_error: Option<&str>) -> Result<(), Failed> {
    let dockerfile = std::fs::read(path).map_err(|e| e.to_string())?;
    let opts = options(&[])?;
    match (
        convert::convert(&dockerfile, &opts, &OfflineResolver),
        expected_error,
    ) {
        (Ok(r), None) => {
            // The bytes `rfront llb` writes (encoded without building the Definition's maps)
            // are this Definition's, progress-group ids aside (random per conversion).
            let bytes = convert::convert_to_bytes(&dockerfile, &opts, &OfflineResolver)
                .map_err(|e| e.to_string())?
                .definition;
            let text = |bytes: &[u8]| -> Result<Vec<Value>, Failed> {
                let d = llb::definition::decode_definition(bytes).map_err(|e| e.to_string())?;
                parse_lines(&llb::dump::json::definition_to_string(&d))
                    .map(|l| normalize_groups(&l))
            };
            compare_lines(
                &text(&llb::definition::encode_definition(&r.definition))?,
                &text(&bytes)?,
            )
        }
        (Ok(_), Some(want)) => Err(format!("expected failure `{want}`, converted").into()),
        (Err(e), None) => Err(format!("{e} (line {:?})", e.line()).into()),
        (Err(e), Some(want)) if e.to_string() == want => Ok(()),
        (Err(e), Some(want)) => Err(format!("want error `{want}`, got `{e}`").into()),
    }
}
