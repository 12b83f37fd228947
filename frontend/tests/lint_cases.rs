//! Data-driven build-check tests (`testdata/lint/<case>/`): each case's `Dockerfile` is
//! checked with `frontend::lint::check` and the JSON document, without `sources`, must equal
//! `expected.json` — the output of the real BuildKit (`regen.sh`), or hand-written from
//! upstream's tests when the case has a `no-oracle` file saying why.
//!
//! Optional files of a case: `args` (build arguments, `K=V` per line), `target`,
//! `.dockerignore`, `image.json` (the config every base image resolves to; else the
//! offline resolver's empty `linux/amd64` configs).
//!
//! Warnings are compared as sets ordered by (line, detail, rule), as upstream's own tests
//! compare them (the daemon's BuildKit reports a few in another order); the rule list of
//! a `lint violation found for rules:` error is compared as a set (upstream prints it in
//! map order).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use frontend::convert::{
    ConvertOptions, ImageResolver, OfflineResolver, Platform, ResolveError, ResolveMode,
    ResolvedImage,
};
use frontend::gateway::dockerignore;
use frontend::lint::{check, check_with_resolver};
use serde_json::Value;

/// Cases known to differ, each with the reason. A listed case that fails is reported but
/// does not fail the test; a listed case that passes fails it (remove it from the list).
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

/// Resolves every image to one config (a case's `image.json`).
struct OneConfig(Vec<u8>);

impl ImageResolver for OneConfig {
    fn resolve(
        &self,
        reference: &str,
        _platform: &Platform,
        _mode: ResolveMode,
    ) -> Result<ResolvedImage, ResolveError> {
        Ok(ResolvedImage {
            reference: reference.to_string(),
            digest: None,
            config: self.0.clone(),
        })
    }
}

/// The case's resolver: `image.json` for every image, else the offline one.
fn resolver(dir: &Path) -> Box<dyn ImageResolver> {
    match std::fs::read(dir.join("image.json")) {
        Ok(config) => Box::new(OneConfig(config)),
        Err(_) => Box::new(OfflineResolver),
    }
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/lint")
}

fn read_opt(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

fn options(dir: &Path) -> ConvertOptions {
    let build_args: BTreeMap<String, String> = read_opt(&dir.join("args"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ConvertOptions {
        build_args,
        target: read_opt(&dir.join("target")).map(|t| t.trim().to_string()),
        dockerfile_name: "Dockerfile".into(),
        excludes: std::fs::read(dir.join(".dockerignore"))
            .map(|d| dockerignore::parse(&d))
            .unwrap_or_default(),
        ..ConvertOptions::default()
    }
}

/// The warnings as comparable, sorted values.
fn warnings(doc: &Value, skip: &[&str]) -> Vec<Value> {
    let mut ws: Vec<Value> = doc
        .get("warnings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|w| !skip.contains(&w["ruleName"].as_str().unwrap_or_default()))
        .collect();
    let key = |w: &Value| {
        (
            w.pointer("/location/ranges/0/start/line")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            w["detail"].as_str().unwrap_or_default().to_string(),
            w["ruleName"].as_str().unwrap_or_default().to_string(),
        )
    };
    ws.sort_by_key(key);
    ws
}

/// The build error, with a rule list normalised to a sorted set.
fn build_error(doc: &Value) -> Value {
    let mut e = doc.get("buildError").cloned().unwrap_or(Value::Null);
    const PREFIX: &str = "lint violation found for rules: ";
    if let Some(rules) = e["message"].as_str().and_then(|m| m.strip_prefix(PREFIX)) {
        let mut names: Vec<&str> = rules.split(", ").collect();
        names.sort_unstable();
        e["message"] = format!("{PREFIX}{}", names.join(", ")).into();
    }
    e
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

#[test]
fn lint_cases() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("testdata/lint")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Dockerfile").is_file() && p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 80, "only {} cases", dirs.len());
    let (mut failures, mut known) = (Vec::new(), Vec::new());
    let mut rules_triggered = std::collections::BTreeSet::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let data = std::fs::read(dir.join("Dockerfile")).expect("Dockerfile");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("expected.json")).expect("expected.json"),
        )
        .unwrap_or_else(|e| panic!("{name}/expected.json: {e}"));
        for w in warnings(&expected, &[]) {
            rules_triggered.insert(w["ruleName"].as_str().unwrap_or_default().to_string());
        }
        let got = match check_with_resolver(&data, &options(dir), resolver(dir).as_ref()) {
            Ok(r) => r.to_json(),
            Err(e) => {
                failures.push(format!("{name}: check failed: {e}"));
                continue;
            }
        };
        let mut problems = Vec::new();
        let (want_w, got_w) = (warnings(&expected, &[]), warnings(&got, &[]));
        if want_w != got_w {
            problems.push(format!(
                "{name}: warnings differ\n--- want\n{}\n--- got\n{}",
                pretty(&want_w),
                pretty(&got_w)
            ));
        }
        if build_error(&expected) != build_error(&got) {
            problems.push(format!(
                "{name}: buildError differs\n--- want\n{}\n--- got\n{}",
                pretty(&build_error(&expected)),
                pretty(&build_error(&got))
            ));
        }
        match KNOWN_DIFFERENCES.iter().find(|(n, _)| *n == name) {
            Some((_, why)) if !problems.is_empty() => known.push(format!("{name} ({why})")),
            Some(_) => failures.push(format!(
                "{name}: passes now, remove it from KNOWN_DIFFERENCES"
            )),
            None => failures.extend(problems),
        }
    }
    eprintln!(
        "{} lint cases, {} known differences:\n  {}",
        dirs.len(),
        known.len(),
        known.join("\n  ")
    );
    eprintln!("rules with triggering cases: {}", rules_triggered.len());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The rules upstream reports before resolving base images: all a daemon without network
/// access gets to, so all `testdata/lint/real-corpus.json` covers.
const PRE_RESOLUTION: &[&str] = &[
    "NoEmptyContinuation",
    "MaintainerDeprecated",
    "StageNameCasing",
    "FromAsCasing",
    "InvalidDefinitionDescription",
    "ReservedStageName",
    "DuplicateStageName",
    "ConsistentInstructionCasing",
    "InvalidDefaultArgInFrom",
    "UndefinedArgInFrom",
    "RedundantTargetPlatform",
    "FromPlatformFlagConstDisallowed",
];

/// `../shared` (or `$RFRONT_SHARED`).
fn shared_dir() -> PathBuf {
    std::env::var_os("RFRONT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// Every file of the real-world corpus: the findings of the rules upstream reports before
/// base-image resolution equal the real BuildKit's (rule, first line, detail).
#[test]
fn real_corpus_matches_buildkit() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(cases_dir().join("real-corpus.json")).expect("real-corpus.json"),
    )
    .expect("real-corpus.json");
    let files = doc["files"].as_object().expect("files");
    let corpus = shared_dir().join("corpus/real");
    if !corpus.is_dir() {
        eprintln!("skipped: {} not found", corpus.display());
        return;
    }
    let compared = PRE_RESOLUTION;
    let (mut failures, mut findings) = (Vec::new(), 0);
    for (name, want) in files {
        let data = std::fs::read(corpus.join(name)).expect("corpus file");
        let results = check(&data, &ConvertOptions::default()).expect("check");
        let mut got: Vec<(String, u64, String)> = results
            .warnings
            .iter()
            .filter(|w| compared.contains(&w.rule_name.as_str()))
            .map(|w| (w.rule_name.clone(), w.line() as u64, w.detail.clone()))
            .collect();
        let mut want: Vec<(String, u64, String)> = want
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|w| {
                let rule = w[0].as_str()?;
                compared.contains(&rule).then(|| {
                    (
                        rule.to_string(),
                        w[1].as_u64().unwrap_or(0),
                        w[2].as_str().unwrap_or_default().to_string(),
                    )
                })
            })
            .collect();
        got.sort();
        want.sort();
        findings += want.len();
        if got != want {
            failures.push(format!("{name}:\n  want {want:?}\n  got  {got:?}"));
        }
    }
    eprintln!(
        "{} corpus files, {findings} findings of {} rules compared",
        files.len(),
        compared.len()
    );
    assert!(files.len() >= 150, "only {} files", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `FROM` lines of a Dockerfile: `(index, leading "FROM " part, rest)`.
fn from_line(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let kw = trimmed.get(..4)?;
    if !kw.eq_ignore_ascii_case("from") {
        return None;
    }
    let after = &trimmed[4..];
    let rest = after.trim_start();
    if rest.len() == after.len() {
        return None;
    }
    Some((indent + 4 + (after.len() - rest.len()), rest))
}

/// Replaces, in `line`, every `<marker><value>` (value up to a delimiter) whose value is not
/// a stage by `image`.
fn replace_refs(
    line: &str,
    marker: &str,
    delims: &[char],
    is_stage: &dyn Fn(&str) -> bool,
    image: &str,
) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find(marker) {
        let start = i + marker.len();
        out.push_str(&rest[..start]);
        let value_len = rest[start..]
            .find(|c: char| c.is_whitespace() || delims.contains(&c))
            .unwrap_or(rest.len() - start);
        let value = &rest[start..start + value_len];
        out.push_str(if value.is_empty() || is_stage(value) {
            value
        } else {
            image
        });
        rest = &rest[start + value_len..];
    }
    out.push_str(rest);
    out
}

/// A corpus Dockerfile made buildable offline by the real BuildKit: every external image (in
/// FROM, `COPY --from=`, `RUN --mount=…from=`) becomes `image`, and a `# syntax=` line (in
/// the first ten) becomes `# escape=\` (or a harmless `# check=` when there is an escape
/// directive), so that the daemon's built-in frontend checks it.
fn offline_variant(text: &str, image: &str) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let directive = |l: &str, key: &str| {
        l.strip_prefix('#').is_some_and(|r| {
            let r = r.trim_start();
            r.len() >= key.len()
                && r[..key.len()].eq_ignore_ascii_case(key)
                && r[key.len()..].trim_start().starts_with('=')
        })
    };
    let has_escape = lines.iter().take(10).any(|l| directive(l, "escape"));
    if let Some(l) = lines.iter_mut().take(10).find(|l| directive(l, "syntax")) {
        *l = if has_escape {
            "# check=skip=NoSuchRule"
        } else {
            "# escape=\\"
        }
        .to_string();
    }
    let stages: Vec<String> = lines
        .iter()
        .filter_map(|l| from_line(l))
        .filter_map(|(_, rest)| {
            let toks: Vec<&str> = rest.split_whitespace().collect();
            (toks.len() >= 3 && toks[toks.len() - 2].eq_ignore_ascii_case("as"))
                .then(|| toks[toks.len() - 1].to_lowercase())
        })
        .collect();
    let is_stage = |v: &str| {
        let v = v.to_lowercase();
        stages.contains(&v)
            || v == "scratch"
            || (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
    };
    for l in &mut lines {
        if let Some((at, rest)) = from_line(l) {
            let mut toks: Vec<&str> = rest.split(' ').collect();
            if let Some(t) = toks
                .iter_mut()
                .find(|t| !t.is_empty() && !t.starts_with("--"))
                && !is_stage(t)
            {
                *t = image;
            }
            *l = format!("{}{}", &l[..at], toks.join(" "));
            continue;
        }
        if l.contains("--from=") {
            *l = replace_refs(l, "--from=", &[], &is_stage, image);
        }
        if l.contains("--mount=") {
            for marker in [",from=", "=from="] {
                *l = replace_refs(l, marker, &[','], &is_stage, image);
            }
        }
    }
    lines.join("\n")
}

/// Every corpus file, its external images replaced by one local image (see
/// [`offline_variant`]): all findings and the error equal the real BuildKit's
/// (`testdata/lint/real-corpus-offline.json`), conversion-time rules included.
/// `LINT_DUMP_OFFLINE=DIR` writes the variants to `DIR/<name>/Dockerfile` (for regenerating
/// the expectations with `docker buildx build --call check,format=json`).
#[test]
fn real_corpus_offline_variants_match_buildkit() {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(cases_dir().join("real-corpus-offline.json"))
            .expect("real-corpus-offline.json"),
    )
    .expect("real-corpus-offline.json");
    let corpus = shared_dir().join("corpus/real");
    if !corpus.is_dir() {
        eprintln!("skipped: {} not found", corpus.display());
        return;
    }
    let image = doc["image"].as_str().expect("image");
    let config = serde_json::to_vec(&doc["image_config"]).expect("image_config");
    let resolver = OneConfig(config);
    let dump = std::env::var_os("LINT_DUMP_OFFLINE").map(PathBuf::from);
    let files = doc["files"].as_object().expect("files");
    let excluded = doc["excluded"].as_object().expect("excluded");
    let (mut failures, mut findings) = (Vec::new(), 0);
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .filter(|n| !n.ends_with(".tsv") && !n.ends_with(".md"))
        .collect();
    names.sort();
    for name in &names {
        let data = std::fs::read(corpus.join(name)).expect("corpus file");
        let variant = offline_variant(&String::from_utf8_lossy(&data), image);
        if let Some(dir) = &dump {
            let d = dir.join(name);
            std::fs::create_dir_all(&d).expect("dump dir");
            std::fs::write(d.join("Dockerfile"), &variant).expect("dump");
        }
        if excluded.contains_key(name) {
            continue;
        }
        let Some(want) = files.get(name) else {
            failures.push(format!("{name}: no expectation"));
            continue;
        };
        let results =
            check_with_resolver(variant.as_bytes(), &ConvertOptions::default(), &resolver)
                .expect("check");
        let mut got: Vec<(String, u64, String)> = results
            .warnings
            .iter()
            .map(|w| (w.rule_name.clone(), w.line() as u64, w.detail.clone()))
            .collect();
        let mut want_w: Vec<(String, u64, String)> = want["warnings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| {
                (
                    w[0].as_str().unwrap_or_default().to_string(),
                    w[1].as_u64().unwrap_or(0),
                    w[2].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        got.sort();
        want_w.sort();
        findings += want_w.len();
        let got_err = results.build_error.as_ref().map(|e| e.message.clone());
        let want_err = want["error"].as_str().map(str::to_string);
        if got != want_w || got_err != want_err {
            failures.push(format!(
                "{name}:\n  want {want_w:?} {want_err:?}\n  got  {got:?} {got_err:?}"
            ));
        }
    }
    eprintln!(
        "{} offline corpus variants, {} excluded, {findings} findings compared",
        names.len(),
        excluded.len()
    );
    assert!(files.len() >= 150, "only {} files", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
