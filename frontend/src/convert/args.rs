//! Global build arguments: the ARGs before the first FROM (upstream's `buildMetaArgs`),
//! proxy variables from `--build-arg` (`proxyEnvFromBuildArgs`), and SOURCE_DATE_EPOCH.

use std::collections::{BTreeMap, BTreeSet};

use llb::pb;
use llb::state::EnvList;
use syntax::instructions::{ArgCommand, Command, Stage};
use syntax::shell::Lexer;

use super::env::ListEnv;
use super::error::{ConvertError, Result};
use super::stage::ArgInfo;

/// Upstream's `buildMetaArgs`: the global args with their values (build args win, defaults
/// expanded against the args before them), and every global ARG for the outline.
pub(crate) fn build_meta_args(
    mut args: EnvList,
    shlex: &Lexer,
    meta_args: &[ArgCommand],
    build_args: &BTreeMap<String, String>,
) -> Result<(EnvList, BTreeMap<String, ArgInfo>)> {
    let mut all: BTreeMap<String, ArgInfo> = BTreeMap::new();
    for cmd in meta_args {
        for kp in &cmd.args {
            let mut kp = kp.clone();
            let mut info = ArgInfo {
                location: cmd.meta.location(),
                seq: all.len(),
                ..ArgInfo::default()
            };
            match build_args.get(&kp.key) {
                Some(v) => kp.value = Some(v.clone()),
                None => {
                    if let Some(default) = &kp.value {
                        let r = shlex.process_word(default, &ListEnv(&args)).map_err(|e| {
                            ConvertError::from(e).with_location(&cmd.meta.location())
                        })?;
                        let mut deps: BTreeSet<String> = r.matched;
                        if deps.remove(&kp.key)
                            && let Some(old) = all.get(&kp.key)
                        {
                            deps.extend(old.deps.iter().cloned());
                        }
                        info.deps = deps;
                        kp.value = Some(r.result);
                    }
                }
            }
            if let Some(v) = &kp.value {
                args.add_or_replace(&kp.key, v);
                info.value = v.clone();
            }
            info.definition = kp.clone();
            all.insert(kp.key.clone(), info);
        }
    }
    Ok((args, all))
}

/// Upstream's `proxyEnvFromBuildArgs`: `http_proxy` & co. in any case.
pub(crate) fn proxy_env(build_args: &BTreeMap<String, String>) -> Option<pb::ProxyEnv> {
    let mut pe = pb::ProxyEnv::default();
    let mut set = false;
    for (k, v) in build_args {
        let slot = match k.to_lowercase().as_str() {
            "http_proxy" => &mut pe.http_proxy,
            "https_proxy" => &mut pe.https_proxy,
            "ftp_proxy" => &mut pe.ftp_proxy,
            "no_proxy" => &mut pe.no_proxy,
            "all_proxy" => &mut pe.all_proxy,
            _ => continue,
        };
        *slot = v.clone();
        set = true;
    }
    set.then_some(pe)
}

/// The SOURCE_DATE_EPOCH argument.
pub(crate) const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// Upstream's `getBuildArgValue`: the build arg when given (even empty), else a non-empty
/// global arg.
pub(crate) fn build_arg_value(
    build_args: &BTreeMap<String, String>,
    global: &EnvList,
    key: &str,
) -> Option<String> {
    if let Some(v) = build_args.get(key) {
        return Some(v.clone());
    }
    global
        .get(key)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Upstream's `setBuildArgValue`: updates (or with an empty value, removes) `key` where it
/// is already set.
pub(crate) fn set_build_arg_value(
    build_args: &mut BTreeMap<String, String>,
    global: &mut EnvList,
    key: &str,
    value: &str,
) {
    if build_args.contains_key(key) {
        if value.is_empty() {
            build_args.remove(key);
        } else {
            build_args.insert(key.to_string(), value.to_string());
        }
    }
    if global.get(key).is_some() {
        if value.is_empty() {
            global.delete(key);
        } else {
            global.add_or_replace(key, value);
        }
    }
}

/// Upstream's `resolveSourceDateEpochValue` without a gateway client: a number of seconds,
/// or — validated, but not resolvable offline — `context` or a source-only stage name.
pub(crate) fn resolve_source_date_epoch(
    v: &str,
    stages: &[Stage],
    global: &EnvList,
    build_args: &BTreeMap<String, String>,
    shlex: &Lexer,
) -> Result<Option<i64>> {
    if v.is_empty() {
        return Ok(None);
    }
    if let Some(secs) = go_parse_int(v) {
        return Ok(Some(secs));
    }
    if v == "context" {
        return Ok(None);
    }
    for stage in stages {
        if !stage.name.eq_ignore_ascii_case(v) {
            continue;
        }
        let mut args = global.clone();
        args.delete(SOURCE_DATE_EPOCH);
        validate_epoch_stage(stage, build_args, &args, shlex)
            .map_err(|e| e.with_location(&stage.meta.location()))?;
        return Ok(None);
    }
    Err(ConvertError::msg(format!("invalid SOURCE_DATE_EPOCH: {v}")))
}

/// Upstream's `sourceDateEpochStageSource` checks: `FROM scratch`, only ARGs and exactly
/// one ADD of one remote (HTTP(S) or Git) source.
fn validate_epoch_stage(
    stage: &Stage,
    build_args: &BTreeMap<String, String>,
    global: &EnvList,
    shlex: &Lexer,
) -> Result<()> {
    let base = shlex
        .process_word(&stage.base_name, &ListEnv(global))
        .map_err(|e| {
            ConvertError::msg(format!(
                "failed to process source stage base name {}: {e}",
                super::history::go_quote(&stage.base_name)
            ))
        })?
        .result;
    if base != "scratch" {
        return Err(ConvertError::msg(
            "SOURCE_DATE_EPOCH stage must use FROM scratch",
        ));
    }
    let mut env = global.clone();
    let mut seen_add = false;
    for cmd in &stage.commands {
        match cmd {
            Command::Arg(a) => {
                for arg in &a.args {
                    if let Some(v) = build_args.get(&arg.key) {
                        env.add_or_replace(&arg.key, v);
                    } else if let Some(d) = &arg.value {
                        let v = shlex.process_word(d, &ListEnv(&env))?.result;
                        env.add_or_replace(&arg.key, &v);
                    }
                }
            }
            Command::Add(add) => {
                if seen_add {
                    return Err(ConvertError::msg(
                        "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD",
                    ));
                }
                seen_add = true;
                if !add.sources.source_contents.is_empty() || add.sources.source_paths.len() != 1 {
                    return Err(ConvertError::msg(
                        "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD source",
                    ));
                }
                let src = shlex
                    .process_word(&add.sources.source_paths[0], &ListEnv(&env))?
                    .result;
                let remote = src.starts_with("http://")
                    || src.starts_with("https://")
                    || src.starts_with("git@")
                    || src.starts_with("git://")
                    || src.starts_with("ssh://");
                if !remote {
                    return Err(ConvertError::msg(
                        "SOURCE_DATE_EPOCH stage source must be a single HTTP(S) or Git ADD",
                    ));
                }
            }
            other => {
                return Err(ConvertError::msg(format!(
                    "SOURCE_DATE_EPOCH stage does not meet source-only requirements: unsupported {} instruction",
                    other.meta().name
                )));
            }
        }
    }
    if !seen_add {
        return Err(ConvertError::msg(
            "SOURCE_DATE_EPOCH stage must contain exactly one remote ADD",
        ));
    }
    Ok(())
}

/// Go's `strconv.ParseInt(v, 10, 64)`.
pub(crate) fn go_parse_int(v: &str) -> Option<i64> {
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<i64>().ok()
}
