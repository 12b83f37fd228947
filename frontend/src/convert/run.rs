//! `RUN` (upstream's `dispatchRun`): shell or exec form, heredocs (inline script, shebang
//! file mounted at `/dev/pipes/`, or the whole heredoc handed to the shell), `--network`,
//! `--security`, the conversion-wide exec settings (proxy env, ulimits, CDI devices, extra
//! hosts, `/dev/shm`, cgroup parent, resources), the progress name and the history entry.
//! `--mount` and `--device` are added by [`super::run_mount`] and [`super::device`].

use std::collections::HashMap;

use llb::pb;
use llb::state::caps;
use llb::state::{Constraints, EnvList, FileAction, MkfileOptions, Mount, State};
use syntax::instructions::{KeyValuePairOptional, NetworkMode, RunCommand, Security};
use syntax::mount::{Mount as RunMount, MountType};
use syntax::parser::{chomp_heredoc_content, parse_heredoc};

use super::device::dispatch_run_devices;
use super::dispatch::DispatchCx;
use super::env::{KeyedEnv, ListEnv, OverlayEnv};
use super::error::{ConvertError, Result};
use super::history::{commit_to_history, go_slice_v};
use super::metadata::with_shell;
use super::naming::{df_cmd, internal_name, prefix_command, process_cmd_env, uppercase_cmd};
use super::paths;
use super::run_mount::dispatch_run_mounts;
use super::stage::{DispatchState, StageId};

/// Where a shebang heredoc script is mounted.
const PIPES_DIR: &str = "/dev/pipes/";

/// `RUN`. `mounts` are the `--mount` values parsed with the stage env; `sources[i]` is the
/// state mount `i` reads from.
pub(crate) fn dispatch_run(
    d: &mut DispatchState,
    c: &RunCommand,
    mounts: &[RunMount],
    sources: &[StageId],
    cx: &mut DispatchCx<'_>,
) -> Result<()> {
    let settings = cx.settings;
    let mut custom_name = c.meta.code.clone();
    // A RUN can read anything: the whole filesystem of the stage is used.
    cx.others.add_path_to_set(d.paths, "/".to_string());

    let mut args = c.cmd.args().to_vec();
    let mut pipe_mount: Option<State> = None;
    if !c.cmd.files.is_empty() {
        if args.len() != 1 || !c.cmd.prepend_shell {
            return Err(ConvertError::msg(format!(
                "parsing produced an invalid run command: {}",
                go_slice_v(&args)
            )));
        }
        if matches!(parse_heredoc(&args[0]), Ok(Some(_))) {
            let file = &c.cmd.files[0];
            let data = if file.chomp {
                chomp_heredoc_content(&file.data)
            } else {
                file.data.clone()
            };
            if d.image.os != "windows" && data.starts_with("#!") {
                let mut constraints =
                    Constraints::new().custom_name(internal_name("preparing inline document"));
                if let Some(p) = &d.platform {
                    constraints = constraints.platform(p.clone());
                }
                let st = State::scratch().dir("/").file(
                    FileAction::mkfile(
                        file.name.clone(),
                        0o755,
                        data.into_bytes(),
                        MkfileOptions::default(),
                    ),
                    constraints,
                );
                pipe_mount = Some(st);
                args = vec![paths::join(&[PIPES_DIR, &file.name])];
            } else {
                args = vec![data];
            }
            custom_name.push_str(" (");
            custom_name.push_str(&summarize_heredoc(&file.data));
            custom_name.push(')');
        } else {
            let mut script = args[0].clone();
            for file in &c.cmd.files {
                script.push('\n');
                script.push_str(&file.data);
                script.push_str(&file.name);
            }
            args = vec![script];
        }
    }
    if c.cmd.prepend_shell {
        args = with_shell(&d.image, &args);
    }

    let mut exec = d.state.exec().args(args.iter().cloned());
    if let Some(st) = &pipe_mount {
        exec = exec.mount(PIPES_DIR, Mount::bind(st).selector("/").readonly());
    }
    if let Some(proxy) = &settings.proxy_env {
        exec = exec.proxy_env(proxy.clone());
    }
    exec = dispatch_run_mounts(d, c, mounts, sources, exec, cx)?;
    exec = exec.security(match c.security {
        Security::Sandbox => pb::SecurityMode::Sandbox,
        Security::Insecure => pb::SecurityMode::Insecure,
    });
    match c.network {
        NetworkMode::Default => {}
        NetworkMode::None => exec = exec.network(pb::NetMode::None),
        NetworkMode::Host => exec = exec.network(pb::NetMode::Host),
    }
    if settings.supports(caps::EXEC_META_ULIMIT) {
        for u in &settings.ulimits {
            exec = exec.add_ulimit(&u.name, u.soft, u.hard);
        }
    }
    if settings.supports(caps::EXEC_META_CDI) {
        exec = dispatch_run_devices(c, exec)?;
    }

    // Progress name: raw quotes kept, unset variables left as written, secret env masked.
    let st = d.state.clone();
    let env = ListEnv(st.env());
    let masked = secret_env_mask(mounts, &env);
    let name_env: &dyn KeyedEnv = match &masked {
        Some(m) => m,
        None => &env,
    };
    let lexer = settings
        .shlex
        .with_raw_quotes(true)
        .with_skip_unset_env(true);
    let name = if settings.progress_names {
        uppercase_cmd(&process_cmd_env(&lexer, &custom_name, name_env))
    } else {
        String::new()
    };
    let prefix_platform = d.prefix_platform;
    let name = prefix_command(d, &name, prefix_platform, st.get_platform(), &env);

    for (host, ip) in &settings.extra_hosts {
        exec = exec.add_extra_host(host, *ip);
    }
    if settings.supports(caps::EXEC_MOUNT_TMPFS_SIZE) && settings.shm_size > 0 {
        exec = exec.mount("/dev/shm", Mount::tmpfs(settings.shm_size));
    }
    if settings.supports(caps::EXEC_META_CGROUP_PARENT) && !settings.cgroup_parent.is_empty() {
        exec = exec.cgroup_parent(&settings.cgroup_parent);
    }

    let mut constraints = df_cmd(Constraints::new(), &c.meta.code).custom_name(name);
    constraints = settings.with_location(constraints, &c.meta.location());
    if d.ignore_cache {
        constraints = constraints.ignore_cache();
    }
    if settings.supports(caps::EXEC_META_LINUX_RESOURCES)
        && let Some(r) = &settings.linux_resources
    {
        constraints = constraints.linux_resources(r.clone());
    }
    d.state = exec.constraints(constraints).run().into_root();

    let msg = ["RUN ", &run_command_string(&args, &d.build_args, &env)].concat();
    commit_to_history(&mut d.image, msg, true, true, d.epoch);
    Ok(())
}

/// Upstream's `withSecretEnvMask`: secret env mounts show as `****` in the progress name.
fn secret_env_mask<'a>(mounts: &[RunMount], env: &'a dyn KeyedEnv) -> Option<OverlayEnv<'a>> {
    let mut overrides = EnvList::new();
    for m in mounts {
        if m.kind == MountType::Secret
            && let Some(name) = &m.env
        {
            overrides.add_or_replace(name, "****");
        }
    }
    (!overrides.is_empty()).then_some(OverlayEnv {
        base: env,
        overrides,
    })
}

/// Upstream's `summarizeHeredoc`: the first line, `...` when there are more.
fn summarize_heredoc(doc: &str) -> String {
    let doc = doc.trim_matches(|c: char| c.is_whitespace());
    let doc = doc.replace("\r\n", "\n");
    let mut lines = doc.split('\n');
    let first = lines.next().unwrap_or("").to_string();
    if lines.next().is_some() {
        first + "..."
    } else {
        first
    }
}

/// Upstream's `runCommandString`: `|N K=V ... <args>` when build args are in use.
fn run_command_string(
    args: &[String],
    build_args: &[KeyValuePairOptional],
    env: &dyn KeyedEnv,
) -> String {
    let mut tmp: Vec<String> = Vec::new();
    let mut index: HashMap<&str, usize, foldhash::fast::FixedState> =
        HashMap::with_capacity_and_hasher(build_args.len(), Default::default());
    for arg in build_args {
        let v = env
            .get(&arg.key)
            .unwrap_or_else(|| arg.value_str().to_string());
        let entry = [arg.key.as_str(), "=", &v].concat();
        match index.get(arg.key.as_str()) {
            Some(&i) => tmp[i] = entry,
            None => {
                index.insert(&arg.key, tmp.len());
                tmp.push(entry);
            }
        }
    }
    let mut parts = Vec::with_capacity(tmp.len() + 1 + args.len());
    if !tmp.is_empty() {
        parts.push(["|", &tmp.len().to_string()].concat());
        parts.extend(tmp);
    }
    parts.extend(args.iter().cloned());
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes() {
        assert_eq!(summarize_heredoc("\nset -e\necho\n"), "set -e...");
        assert_eq!(summarize_heredoc("one\n"), "one");
    }
}
