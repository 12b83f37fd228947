//! `ARG` inside a stage (upstream's `dispatchArg`): the value from `--build-arg`, the
//! default (expanded in the stage env), or the global arg of the same name; set in the
//! State's env (except the SBOM scan args) and recorded for the outline and RUN history.

use std::sync::Arc;

use syntax::instructions::ArgCommand;
use syntax::lint::hooks;

use super::dispatch::DispatchCx;
use super::env::{KeyedEnv, ListEnv};
use super::error::Result;
use super::history::commit_to_history;
use super::stage::{ArgInfo, DispatchState};

/// Args that never become environment variables.
pub(crate) const NON_ENV_ARGS: [&str; 2] =
    ["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// `ARG name[=default] ...`.
pub(crate) fn dispatch_arg(
    d: &mut DispatchState,
    c: &ArgCommand,
    cx: &mut DispatchCx<'_>,
) -> Result<()> {
    let settings = cx.settings;
    let mut commit = Vec::with_capacity(c.args.len());
    let loc = c.meta.location();
    for arg in &c.args {
        let mut r = cx.linter.scope(&c.meta.comments);
        hooks::secret_key(&mut r, "ARG", &arg.key, &loc);
        let mut arg = arg.clone();
        let build_value = settings.build_arg_values.get(&arg.key);
        let mut skip_arg_info = false;
        if arg.value.is_none()
            && build_value.is_none()
            && let Some(v) = settings.global_args.get(&arg.key)
        {
            arg.value = Some(v.to_string());
            skip_arg_info = true;
        }
        if let Some(v) = build_value {
            arg.value = Some(v.clone());
        } else if !skip_arg_info && let Some(default) = &arg.value {
            let env = ListEnv(d.state.env());
            let result = settings.shlex.process_word(default, &env);
            let unmatched = match &result {
                Ok(res) => &res.unmatched,
                Err(e) => &e.unmatched,
            };
            if !unmatched.is_empty() {
                let stage_args = d.build_args.iter().map(|a| a.key.as_str());
                hooks::undefined_vars(&mut r, unmatched, stage_args, &env.keys(), &loc);
            }
            arg.value = Some(result?.result);
        }
        let mut info = ArgInfo {
            definition: arg.clone(),
            location: c.meta.location(),
            seq: d.outline.all_args.len(),
            ..ArgInfo::default()
        };
        if let Some(v) = &arg.value {
            if !NON_ENV_ARGS.contains(&arg.key.as_str()) {
                d.state.meta_mut().env.add_or_replace(&arg.key, v);
            }
            info.value = v.clone();
        }
        if !skip_arg_info {
            Arc::make_mut(&mut d.outline.all_args).insert(arg.key.clone(), info);
        }
        d.outline.used_args.insert(arg.key.clone());
        commit.push(match &arg.value {
            Some(v) => [arg.key.as_str(), "=", v].concat(),
            None => arg.key.clone(),
        });
        d.build_args.push(arg);
    }
    commit_to_history(
        &mut d.image,
        format!("ARG {}", commit.join(" ")),
        false,
        false,
        d.epoch,
    );
    Ok(())
}
