//! End-to-end tests against a real dockerd (BuildKit): every case in `testdata/e2e/<case>/` is
//! built with dockerd's built-in Dockerfile frontend and with the rfront image
//! (`--build-arg BUILDKIT_SYNTAX=ourorg/rfront:dev`), and the exported filesystems and image
//! configs are compared; `--call outline|targets|check` answers are compared too.
//!
//! The trials are ignored unless asked for (`cargo test -p frontend --test e2e --
//! --include-ignored`, which `ci/e2e.sh` runs after building the images): they need dockerd,
//! `busybox:local` and `ourorg/rfront:dev` (`ci/build-image.sh`). Asked for without them, they
//! fail and say what is missing.
//!
//! A case directory holds:
//! - `context/`: the build context, with the `Dockerfile`;
//! - `args` (optional): extra `docker buildx build` arguments, one per line (`#` comments);
//!   `{case}` is the case directory, `{sshkey}` a throwaway ed25519 key made for the run;
//! - `calls` (optional): subrequests to compare, one per line (`outline`, `targets`, `check`);
//! - `fails` (optional): the build must fail with both frontends, and each line must appear in
//!   both outputs;
//! - `expect` (optional): the built-in frontend lacks a feature the case uses, so rfront's
//!   output is checked against these lines instead:
//!   `PATH TYPE MODE UID GID [CONTENT]` with TYPE `file|dir|symlink`, MODE octal, CONTENT a
//!   Rust-style escaped string for files (`hello\n`) or the target for symlinks;
//! - `or-fails` (optional, with `expect`): the feature needs a daemon capability the daemon may
//!   lack; the case also passes when rfront fails and every line appears in its output (the
//!   clear "requested feature … please update" error).
//! - `history-1.26` (optional): history entries that docker/dockerfile 1.26 (our reference)
//!   words differently from the daemon's older built-in frontend, one per line as
//!   `BUILTIN => EXPECTED`; the built-in's entry is replaced by the expected text before the
//!   images are compared, so rfront must produce exactly the 1.26 wording.
//!
//! Environment: `RFRONT_E2E_IMAGE` (default `ourorg/rfront:dev`), `RFRONT_E2E_PROBE_IMAGE`
//! (default `ourorg/rfront-probe:dev`; its trials test the gateway with a stand-in compiler),
//! `RFRONT_E2E_REFERENCE` (optional): a frontend image to compare with instead of dockerd's
//! built-in frontend, e.g. upstream docker/dockerfile 1.26 built locally; its history entries
//! are then taken as they come (`history-1.26` is not applied). Gateway-only differences
//! remain: through a gateway, upstream resolves images with `ResolveSourceMeta`, whose errors
//! lack the `failed to resolve source metadata for …` the in-process frontend (and rfront,
//! through `ResolveImageConfig`) reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

const SECRET_ENV: (&str, &str) = ("E2E_SECRET", "secret-from-env");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cases_dir() -> PathBuf {
    workspace().join("testdata").join("e2e")
}

fn image() -> String {
    std::env::var("RFRONT_E2E_IMAGE").unwrap_or_else(|_| "ourorg/rfront:dev".into())
}

/// The frontend image the "builtin" side uses instead of dockerd's own frontend, if any.
fn reference() -> Option<String> {
    std::env::var("RFRONT_E2E_REFERENCE")
        .ok()
        .filter(|r| !r.is_empty())
}

fn probe_image() -> String {
    std::env::var("RFRONT_E2E_PROBE_IMAGE").unwrap_or_else(|_| "ourorg/rfront-probe:dev".into())
}

/// Which frontend builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frontend {
    Builtin,
    Rfront,
}

impl Frontend {
    fn name(self) -> &'static str {
        match self {
            Frontend::Builtin => "builtin",
            Frontend::Rfront => "rfront",
        }
    }
}

/// One case directory.
#[derive(Debug, Clone)]
struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    calls: Vec<String>,
    fails: Option<Vec<String>>,
    expect: Option<Vec<Expectation>>,
    or_fails: Option<Vec<String>>,
    history_overrides: Vec<(String, String)>,
}

/// One `expect` line.
#[derive(Debug, Clone)]
struct Expectation {
    path: String,
    kind: String,
    mode: u32,
    uid: u32,
    gid: u32,
    content: Option<Vec<u8>>,
}

fn lines(path: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
    )
}

fn unescape(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut b = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('s') => out.push(b' '),
            Some('\\') => out.push(b'\\'),
            Some(other) => out.extend_from_slice(other.to_string().as_bytes()),
            None => out.push(b'\\'),
        }
    }
    out
}

fn parse_expect(line: &str) -> Result<Expectation, String> {
    let mut it = line.splitn(6, ' ');
    let mut next = |what: &str| {
        it.next()
            .ok_or_else(|| format!("expect line {line:?}: no {what}"))
    };
    let path = next("path")?.to_string();
    let kind = next("type")?.to_string();
    let mode = u32::from_str_radix(next("mode")?, 8).map_err(|e| format!("{line:?}: {e}"))?;
    let uid = next("uid")?.parse().map_err(|e| format!("{line:?}: {e}"))?;
    let gid = next("gid")?.parse().map_err(|e| format!("{line:?}: {e}"))?;
    let content = it.next().map(unescape);
    Ok(Expectation {
        path,
        kind,
        mode,
        uid,
        gid,
        content,
    })
}

fn load_case(dir: PathBuf) -> Result<Case, String> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let expect = match lines(&dir.join("expect")) {
        Some(ls) => Some(
            ls.iter()
                .map(|l| parse_expect(l))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let history_overrides = lines(&dir.join("history-1.26"))
        .unwrap_or_default()
        .iter()
        .map(|l| {
            l.split_once(" => ")
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| format!("history-1.26 line {l:?}: no ` => `"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Case {
        name,
        history_overrides,
        args: lines(&dir.join("args")).unwrap_or_default(),
        calls: lines(&dir.join("calls")).unwrap_or_default(),
        fails: lines(&dir.join("fails")),
        or_fails: lines(&dir.join("or-fails")),
        expect,
        dir,
    })
}

/// A throwaway ssh key for `--ssh` cases, made once per run.
fn ssh_key() -> Result<&'static Path, Failed> {
    static KEY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = KEY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rfront-e2e-ssh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let key = dir.join("id_ed25519");
        if !key.exists() {
            let out = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&key)
                .output()
                .map_err(|e| format!("ssh-keygen: {e}"))?;
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr).into_owned());
            }
        }
        Ok(key)
    });
    r.as_deref()
        .map_err(|e| Failed::from(format!("cannot make an ssh key: {e}")))
}

fn expand_arg(case: &Case, arg: &str) -> Result<String, Failed> {
    let mut a = arg.replace("{case}", &case.dir.display().to_string());
    if a.contains("{sshkey}") {
        a = a.replace("{sshkey}", &ssh_key()?.display().to_string());
    }
    Ok(a)
}

/// The outcome of one `docker buildx build`.
struct Built {
    ok: bool,
    output: String,
    fs: PathBuf,
    tag: String,
}

fn scratch_dir(case: &Case, what: &str) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("rfront-e2e-{}", std::process::id()))
        .join(&case.name)
        .join(what);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn buildx(
    case: &Case,
    frontend: Frontend,
    image: &str,
    extra: &[String],
) -> Result<Command, Failed> {
    let mut cmd = Command::new("docker");
    cmd.args(["buildx", "build", "--progress=plain"]);
    cmd.env(SECRET_ENV.0, SECRET_ENV.1);
    if frontend == Frontend::Rfront {
        cmd.arg(format!("--build-arg=BUILDKIT_SYNTAX={image}"));
    } else if let Some(reference) = reference() {
        cmd.arg(format!("--build-arg=BUILDKIT_SYNTAX={reference}"));
    }
    for a in &case.args {
        cmd.arg(expand_arg(case, a)?);
    }
    cmd.args(extra);
    cmd.arg(case.dir.join("context"));
    Ok(cmd)
}

fn build(case: &Case, frontend: Frontend, image: &str) -> Result<Built, Failed> {
    let fs = scratch_dir(case, frontend.name());
    let tag = format!("rfront-e2e/{}:{}", case.name, frontend.name());
    let extra = vec![
        format!("--output=type=local,dest={}", fs.display()),
        format!("--output=type=docker,name={tag}"),
    ];
    let out = buildx(case, frontend, image, &extra)?
        .output()
        .map_err(|e| format!("running docker: {e}"))?;
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(Built {
        ok: out.status.success(),
        output,
        fs,
        tag,
    })
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// One file system entry as exported.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    kind: &'static str,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    content: Option<Vec<u8>>,
}

fn snapshot(root: &Path) -> Result<BTreeMap<String, Entry>, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) -> Result<(), String> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let rel = format!("/{}", p.strip_prefix(root).unwrap_or(&p).display());
            let ft = md.file_type();
            let (kind, content) = if ft.is_symlink() {
                let t = std::fs::read_link(&p).map_err(|e| e.to_string())?;
                ("symlink", Some(t.as_os_str().as_encoded_bytes().to_vec()))
            } else if ft.is_dir() {
                ("dir", None)
            } else if ft.is_file() {
                ("file", Some(std::fs::read(&p).map_err(|e| e.to_string())?))
            } else {
                ("other", None)
            };
            out.insert(
                rel,
                Entry {
                    kind,
                    mode: md.mode() & 0o7777,
                    uid: md.uid(),
                    gid: md.gid(),
                    size: if ft.is_file() { md.len() } else { 0 },
                    content,
                },
            );
            if ft.is_dir() {
                walk(root, &p, out)?;
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    if root.exists() {
        walk(root, root, &mut out)?;
    }
    Ok(out)
}

fn show(e: &Entry) -> String {
    let content = e.content.as_ref().map(|c| {
        let s = String::from_utf8_lossy(c);
        if s.len() > 60 {
            format!(" {:?}…", &s[..60])
        } else {
            format!(" {s:?}")
        }
    });
    format!(
        "{} {:04o} {}:{} size={}{}",
        e.kind,
        e.mode,
        e.uid,
        e.gid,
        e.size,
        content.unwrap_or_default()
    )
}

fn diff_fs(a: &BTreeMap<String, Entry>, b: &BTreeMap<String, Entry>) -> Vec<String> {
    let mut diffs = Vec::new();
    for (p, ea) in a {
        match b.get(p) {
            None => diffs.push(format!("{p}: only in builtin ({})", show(ea))),
            Some(eb) if ea != eb => {
                diffs.push(format!("{p}: builtin {} / rfront {}", show(ea), show(eb)));
            }
            _ => {}
        }
    }
    for (p, eb) in b {
        if !a.contains_key(p) {
            diffs.push(format!("{p}: only in rfront ({})", show(eb)));
        }
    }
    diffs
}

fn docker_json(args: &[&str]) -> Result<Value, String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "docker {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("docker {args:?}: {e}"))
}

/// The parts of an image that must match: platform, author, config, and the history
/// (command, comment, empty layer).
fn image_summary(tag: &str) -> Result<Value, String> {
    let inspect = docker_json(&["image", "inspect", tag])?;
    let i = &inspect[0];
    let out = Command::new("docker")
        .args(["history", "--no-trunc", "--format", "{{json .}}", tag])
        .output()
        .map_err(|e| e.to_string())?;
    let history: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|h| {
            serde_json::json!({
                "created_by": h["CreatedBy"],
                "comment": h["Comment"],
                "empty_layer": h["Size"] == "0B",
            })
        })
        .collect();
    Ok(serde_json::json!({
        "architecture": i["Architecture"],
        "os": i["Os"],
        "variant": i.get("Variant"),
        "author": i["Author"],
        "config": i["Config"],
        "history": history,
    }))
}

fn diff_json(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                diff_json(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    &format!("{path}.{k}"),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (ea, eb)) in x.iter().zip(y).enumerate() {
                diff_json(ea, eb, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: builtin {a} / rfront {b}")),
        _ => {}
    }
}

fn fail_with(msg: String, diffs: &[String]) -> Failed {
    let mut s = msg;
    for d in diffs.iter().take(30) {
        let _ = write!(s, "\n  {d}");
    }
    if diffs.len() > 30 {
        let _ = write!(s, "\n  … {} more", diffs.len() - 30);
    }
    Failed::from(s)
}

fn remove_image(tag: &str) {
    let _ = Command::new("docker")
        .args(["image", "rm", "-f", tag])
        .output();
}

fn check_expectations(
    case: &Case,
    fs: &BTreeMap<String, Entry>,
    exp: &[Expectation],
) -> Vec<String> {
    let mut diffs = Vec::new();
    for e in exp {
        let Some(got) = fs.get(&e.path) else {
            diffs.push(format!("{}: missing", e.path));
            continue;
        };
        if got.kind != e.kind || got.mode != e.mode || got.uid != e.uid || got.gid != e.gid {
            diffs.push(format!(
                "{}: want {} {:04o} {}:{}, got {}",
                e.path,
                e.kind,
                e.mode,
                e.uid,
                e.gid,
                show(got)
            ));
        }
        if let Some(c) = &e.content
            && got.content.as_ref() != Some(c)
        {
            diffs.push(format!(
                "{}: want content {:?}, got {}",
                e.path,
                String::from_utf8_lossy(c),
                show(got)
            ));
        }
    }
    let _ = case;
    diffs
}

fn run_build_case(case: &Case) -> Result<(), Failed> {
    preflight()?;
    let img = image();
    let rfront = build(case, Frontend::Rfront, &img)?;
    if let Some(exp) = &case.expect {
        if let (false, Some(needles)) = (rfront.ok, &case.or_fails)
            && needles.iter().all(|n| rfront.output.contains(n.as_str()))
        {
            eprintln!(
                "{}: the daemon lacks the feature; rfront failed as expected",
                case.name
            );
            return Ok(());
        }
        if !rfront.ok {
            return Err(format!("rfront build failed:\n{}", tail(&rfront.output, 30)).into());
        }
        let fs = snapshot(&rfront.fs)?;
        let diffs = check_expectations(case, &fs, exp);
        remove_image(&rfront.tag);
        return if diffs.is_empty() {
            Ok(())
        } else {
            Err(fail_with(
                format!("{}: rfront output differs from `expect`", case.name),
                &diffs,
            ))
        };
    }
    let builtin = build(case, Frontend::Builtin, &img)?;
    if let Some(needles) = &case.fails {
        let mut diffs = Vec::new();
        for (b, which) in [(&builtin, "builtin"), (&rfront, "rfront")] {
            if b.ok {
                diffs.push(format!("{which}: the build succeeded"));
            }
            for n in needles {
                if !b.output.contains(n.as_str()) {
                    diffs.push(format!(
                        "{which}: output lacks {n:?}:\n{}",
                        tail(&b.output, 12)
                    ));
                }
            }
        }
        return if diffs.is_empty() {
            Ok(())
        } else {
            Err(fail_with(
                format!("{}: failure output differs", case.name),
                &diffs,
            ))
        };
    }
    if !builtin.ok {
        return Err(format!(
            "builtin build failed (the case is wrong):\n{}",
            tail(&builtin.output, 30)
        )
        .into());
    }
    if !rfront.ok {
        return Err(format!("rfront build failed:\n{}", tail(&rfront.output, 30)).into());
    }
    let mut diffs = diff_fs(&snapshot(&builtin.fs)?, &snapshot(&rfront.fs)?);
    let (mut ia, ib) = (image_summary(&builtin.tag)?, image_summary(&rfront.tag)?);
    if reference().is_none() {
        apply_history_overrides(&mut ia, &case.history_overrides);
    }
    diff_json(&ia, &ib, "image", &mut diffs);
    remove_image(&builtin.tag);
    remove_image(&rfront.tag);
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(fail_with(
            format!("{}: builtin and rfront differ", case.name),
            &diffs,
        ))
    }
}

/// Replaces the built-in frontend's history wording where docker/dockerfile 1.26 differs.
fn apply_history_overrides(summary: &mut Value, overrides: &[(String, String)]) {
    let Some(history) = summary["history"].as_array_mut() else {
        return;
    };
    for entry in history {
        let by = entry["created_by"].as_str().unwrap_or_default().to_string();
        if let Some((_, expected)) = overrides.iter().find(|(builtin, _)| *builtin == by) {
            entry["created_by"] = Value::String(expected.clone());
        }
    }
}

/// Drops the parts of subrequest JSON that differ by run (the LLB that loaded the Dockerfile
/// carries the session id).
fn normalize_call(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("definition");
            m.values_mut().for_each(normalize_call);
        }
        Value::Array(a) => a.iter_mut().for_each(normalize_call),
        Value::String(s) => {
            if let Some(sorted) = sort_violated_rules(s) {
                *s = sorted;
            }
        }
        _ => {}
    }
}

/// `lint violation found for rules: A, B` with the rules sorted: upstream lists them in Go
/// map order, which changes from run to run.
fn sort_violated_rules(message: &str) -> Option<String> {
    const PREFIX: &str = "lint violation found for rules: ";
    let rules = message.strip_prefix(PREFIX)?;
    let mut names: Vec<&str> = rules.split(", ").collect();
    names.sort_unstable();
    Some(format!("{PREFIX}{}", names.join(", ")))
}

fn call(case: &Case, frontend: Frontend, what: &str) -> Result<(Value, String), Failed> {
    let out = buildx(
        case,
        frontend,
        &image(),
        &[format!("--call={what},format=json")],
    )?
    .output()
    .map_err(|e| format!("running docker: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut v: Value = serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "{} --call {what}: not JSON ({e}):\n{stdout}\n{}",
            frontend.name(),
            tail(&stderr, 15)
        )
    })?;
    normalize_call(&mut v);
    Ok((v, stderr))
}

fn run_call_case(case: &Case, what: &str) -> Result<(), Failed> {
    preflight()?;
    let (a, _) = call(case, Frontend::Builtin, what)?;
    let (b, _) = call(case, Frontend::Rfront, what)?;
    let mut diffs = Vec::new();
    diff_json(&a, &b, what, &mut diffs);
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(fail_with(
            format!("{}: --call {what} answers differ", case.name),
            &diffs,
        ))
    }
}

/// dockerd answers and the images exist.
fn preflight() -> Result<(), Failed> {
    static STATE: OnceLock<Result<(), String>> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let ok = |args: &[&str]| {
                Command::new("docker").args(args).output().map(|o| o.status.success()).unwrap_or(false)
            };
            if !ok(&["info"]) {
                return Err("dockerd does not answer `docker info` (run ci/test.sh or start dockerd)".into());
            }
            for img in ["busybox:local".to_string(), image()] {
                if !ok(&["image", "inspect", &img]) {
                    return Err(format!("image {img} is missing (ci/test.sh makes busybox:local; ci/build-image.sh makes the frontend)"));
                }
            }
            Ok(())
        })
        .clone()
        .map_err(Failed::from)
}

/// Gateway behaviour with the probe image (a stand-in compiler), independent of the compiler.
fn probe_trials() -> Vec<Trial> {
    fn probe_build(
        name: &str,
        dockerfile: &str,
        extra: &[&str],
    ) -> Result<(bool, String, PathBuf), Failed> {
        preflight()?;
        let probe = probe_image();
        let ok = Command::new("docker")
            .args(["image", "inspect", &probe])
            .output();
        if !ok.map(|o| o.status.success()).unwrap_or(false) {
            return Err(format!("image {probe} is missing (ci/build-image.sh --probe)").into());
        }
        let dir =
            std::env::temp_dir().join(format!("rfront-e2e-probe-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("ctx")).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("ctx/Dockerfile"), dockerfile).map_err(|e| e.to_string())?;
        let out = Command::new("docker")
            .args([
                "buildx",
                "build",
                "--progress=plain",
                &format!("--build-arg=BUILDKIT_SYNTAX={probe}"),
            ])
            .args(extra)
            .arg(format!(
                "--output=type=local,dest={}",
                dir.join("out").display()
            ))
            .arg(dir.join("ctx"))
            .output()
            .map_err(|e| e.to_string())?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok((out.status.success(), text, dir.join("out")))
    }
    vec![
        Trial::test("probe/build-warn-and-export", || {
            let df = "FROM busybox:local\nMAINTAINER me\n";
            let (ok, out, fs) = probe_build("warn", df, &[])?;
            if !ok {
                return Err(format!("probe build failed:\n{}", tail(&out, 20)).into());
            }
            let got = std::fs::read_to_string(fs.join("rfront-probe.txt")).map_err(|e| e.to_string())?;
            if got != df {
                return Err(format!("probe file {got:?}").into());
            }
            if !out.contains("MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)") {
                return Err(format!("no warning in output:\n{}", tail(&out, 20)).into());
            }
            if !fs.join("bin/busybox").exists() {
                return Err("the base image is not in the export".into());
            }
            Ok(())
        })
        .with_ignored_flag(true),
        Trial::test("probe/error-excerpt", || {
            let (ok, out, _) = probe_build("error", "FROM busybox:local\nLABEL a=b\nFOO bar\n", &[])?;
            let want = ["Dockerfile:3", ">>> FOO bar", "dockerfile parse error on line 3: unknown instruction: FOO"];
            if ok || want.iter().any(|w| !out.contains(w)) {
                return Err(format!("want a failure showing {want:?}:\n{}", tail(&out, 20)).into());
            }
            Ok(())
        })
        .with_ignored_flag(true),
        Trial::test("probe/map-result", || {
            let (ok, out, fs) = probe_build("map", "FROM busybox:local\n", &["--build-arg=BUILDKIT_MULTI_PLATFORM=1"])?;
            if !ok || !fs.join("linux_amd64/rfront-probe.txt").exists() {
                return Err(format!("want linux_amd64/rfront-probe.txt:\n{}", tail(&out, 20)).into());
            }
            Ok(())
        })
        .with_ignored_flag(true),
    ]
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        let case = match load_case(dir.clone()) {
            Ok(c) => c,
            Err(e) => {
                let name = format!("case/{}", dir.display());
                trials.push(Trial::test(name, move || Err(Failed::from(e))));
                continue;
            }
        };
        let c = case.clone();
        trials.push(
            Trial::test(format!("build/{}", case.name), move || run_build_case(&c))
                .with_ignored_flag(true),
        );
        for what in &case.calls {
            let c = case.clone();
            let w = what.clone();
            trials.push(
                Trial::test(format!("call/{}/{what}", case.name), move || {
                    run_call_case(&c, &w)
                })
                .with_ignored_flag(true),
            );
        }
    }
    trials.extend(probe_trials());
    libtest_mimic::run(&args, trials).exit();
}
