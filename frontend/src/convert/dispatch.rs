//! Dispatching a stage: the per-conversion [`Settings`], the [`DispatchCx`] every
//! instruction's dispatch function receives, the stage prologue (base image env, working
//! directory, user) and the command loop (upstream's `dispatchStages` body and `dispatch`).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use llb::pb;
use llb::source_map::{SourceLocation, SourceMap};
use llb::state::meta::default_path_env;
use llb::state::{CapSet, Constraints, EnvList, Platform, State};
use syntax::instructions::Command;
use syntax::lint::hooks;
use syntax::lint::{IgnoreMatcher, LintScope, Linter};
use syntax::parser::Range;
use syntax::shell::Lexer;

use super::copy::{CopySource, dispatch_add, dispatch_copy};
use super::env::{KeyedEnv, ListEnv, parse_key_value};
use super::error::{ConvertError, Result};
use super::expand::expand_command;
use super::stage::{DispatchState, OtherStages, StageId, Stages};
use super::{arg, expose, metadata, paths, run, workdir};

/// Conversion-wide settings, fixed before any stage is dispatched (upstream's
/// `dispatchOpt` minus the per-pass build context).
#[derive(Debug, Clone)]
#[allow(dead_code)] // build_platforms: not read yet
pub(crate) struct Settings {
    /// Compute the progress names of RUN/COPY/ADD (`llb.customname`). Only builds show them;
    /// lint and outline conversions skip the variable expansion of every command text.
    pub progress_names: bool,
    /// The Dockerfile's lexer (its escape token).
    pub shlex: Lexer,
    /// The global (meta) args with their values, platform args included.
    pub global_args: EnvList,
    /// `--build-arg` values (SOURCE_DATE_EPOCH normalized).
    pub build_arg_values: BTreeMap<String, String>,
    /// Proxy variables from build args (kept out of the cache key).
    pub proxy_env: Option<pb::ProxyEnv>,
    /// `BUILDKIT_CACHE_MOUNT_NS`.
    pub cache_id_namespace: String,
    /// The target platform.
    pub target_platform: Platform,
    /// The build platforms (first = the build platform).
    pub build_platforms: Vec<Platform>,
    /// `add-hosts`.
    pub extra_hosts: Vec<(String, IpAddr)>,
    /// `shm-size` in bytes (0: none).
    pub shm_size: i64,
    /// `ulimit`s.
    pub ulimits: Vec<pb::Ulimit>,
    /// `cgroup-parent`.
    pub cgroup_parent: String,
    /// Resource limits for RUN.
    pub linux_resources: Option<pb::LinuxResources>,
    /// The daemon's LLB caps; `None`: every cap.
    pub caps: Option<CapSet>,
    /// The Dockerfile as a source map (no locations when `None`).
    pub source_map: Option<SourceMap>,
    /// `hostname` for RUN.
    pub hostname: String,
    /// `force-network-mode`.
    pub network_mode: pb::NetMode,
    /// Progress names carry the platform.
    pub multi_platform: bool,
}

impl Settings {
    /// Whether the daemon supports LLB cap `id` (always, when caps are unknown).
    pub fn supports(&self, id: &str) -> bool {
        self.caps.as_ref().is_none_or(|c| c.supports(id))
    }

    /// Upstream's `location(sourceMap, ranges)`: the source location of an op, when a
    /// source map is in use.
    pub fn location(&self, ranges: &[Range]) -> Option<SourceLocation> {
        let sm = self.source_map.as_ref()?;
        let pb_ranges = ranges
            .iter()
            .map(|r| {
                llb::source_map::range(
                    r.start.line as i32,
                    r.start.character as i32,
                    r.end.line as i32,
                    r.end.character as i32,
                )
            })
            .collect();
        Some(sm.location(pb_ranges))
    }

    /// `c` with the source location of `ranges` added (no-op without a source map).
    pub fn with_location(&self, c: Constraints, ranges: &[Range]) -> Constraints {
        match self.location(ranges) {
            Some(loc) => c.location(loc),
            None => c,
        }
    }
}

/// What an instruction's dispatch function gets besides its own stage.
#[derive(Debug)]
pub(crate) struct DispatchCx<'a> {
    /// Conversion-wide settings.
    pub settings: &'a Settings,
    /// The build context (`local://context` or the main named context) as this pass sees
    /// it.
    pub build_context: &'a State,
    /// The other stages (sources of `--from`, path registration).
    pub others: OtherStages<'a>,
    /// Where lint findings go (see `/work/notes/lint-hooks.md`).
    pub linter: &'a mut Linter,
    /// The `.dockerignore` patterns, for CopyIgnoredFile (`None` without patterns): COPY
    /// (no `--from`) and ADD call `hooks::copy_source(&mut cx.lint(..), …, cx.ignore, …)`.
    #[allow(dead_code)] // until copy.rs reports CopyIgnoredFile
    pub ignore: Option<&'a IgnoreMatcher>,
}

impl DispatchCx<'_> {
    /// A reporter for one instruction, honouring the `# check=` comments above it.
    pub fn lint<'s>(&'s mut self, comments: &[String]) -> LintScope<'s> {
        self.linter.scope(comments)
    }
}

/// Upstream's `ds.init()`: a stage built on another stage starts from its result.
pub(crate) fn init_from_base(stages: &mut Stages, id: StageId) {
    let Some(base) = stages.states[id].base else {
        return;
    };
    if base == id {
        return;
    }
    let (b, d) = if base < id {
        let (lo, hi) = stages.states.split_at_mut(id);
        (&lo[base], &mut hi[0])
    } else {
        let (lo, hi) = stages.states.split_at_mut(base);
        (&hi[0], &mut lo[id])
    };
    d.state = b.state.clone();
    d.platform = b.platform.clone();
    d.image = b.image.clone();
    d.image.config.on_build.clear();
    d.base_image = b.base_image.clone();
    d.paths = b.paths;
    d.workdir_set = b.workdir_set;
    d.build_args.extend(b.build_args.iter().cloned());
}

/// Dispatches stage `id` (upstream's loop body in `dispatchStages`): base values, then every
/// command.
pub(crate) fn dispatch_stage(
    stages: &mut Stages,
    id: StageId,
    settings: &Settings,
    build_context: &State,
    linter: &mut Linter,
    ignore: Option<&IgnoreMatcher>,
) -> Result<()> {
    init_from_base(stages, id);
    let (d, others) = stages.split(id);
    d.dispatched = true;
    if d.platform.is_none() {
        // Upstream reads its not-yet-set dispatch options here: an empty platform.
        d.platform = Some(Platform::default());
    }
    prologue(d, settings)?;
    let mut cx = DispatchCx {
        settings,
        build_context,
        others,
        linter,
        ignore,
    };
    let commands = std::sync::Arc::clone(&d.commands);
    commands.iter().try_for_each(|cmd| {
        d.cmd_is_onbuild = cmd.is_onbuild;
        dispatch_command(d, &cmd.command, &cmd.sources, &mut cx)
            .map_err(|e| e.with_location(&cmd.command.meta().location()))
    })
}

/// The stage's starting values from its image config: PATH, env, hostname, working
/// directory, user, network mode.
fn prologue(d: &mut DispatchState, settings: &Settings) -> Result<()> {
    let os = d.os();
    let has_path = d
        .image
        .config
        .env
        .iter()
        .any(|e| parse_key_value(e).0 == "PATH");
    if !has_path && os != "windows" {
        d.image
            .config
            .env
            .push(["PATH=", default_path_env(os)].concat());
    }
    let meta = d.state.meta_mut();
    for entry in &d.image.config.env {
        let (k, v) = parse_key_value(entry);
        meta.env.add_or_replace(k, v);
    }
    if !settings.hostname.is_empty() {
        d.state = d.state.hostname(&settings.hostname);
    }
    if !d.image.config.working_dir.is_empty() {
        let wd = d.image.config.working_dir.clone();
        workdir::set_workdir(d, &wd).map_err(|e| e.with_location(&d.location))?;
    }
    if !d.image.config.user.is_empty() {
        let user = d.image.config.user.clone();
        d.state = d.state.user(&user);
    }
    d.state = d.state.network(settings.network_mode);
    Ok(())
}

/// Upstream's `dispatch`: expands the command's words in the stage env, then runs the
/// instruction.
pub(crate) fn dispatch_command(
    d: &mut DispatchState,
    cmd: &Command,
    sources: &[StageId],
    cx: &mut DispatchCx<'_>,
) -> Result<()> {
    let (cmd, mounts) = {
        let location = cmd.meta().location();
        let mut r = cx.linter.scope(&cmd.meta().comments);
        let stage_args: Vec<&str> = d.build_args.iter().map(|a| a.key.as_str()).collect();
        let env = ListEnv(d.state.env());
        let mut report = |unmatched: &BTreeSet<String>| {
            hooks::undefined_vars(
                &mut r,
                unmatched,
                stage_args.iter().copied(),
                &env.keys(),
                &location,
            );
        };
        expand_command(cmd, &d.state, &cx.settings.shlex, &mut report)?
    };
    match &*cmd {
        Command::Maintainer(c) => metadata::dispatch_maintainer(d, c),
        Command::Env(c) => metadata::dispatch_env(d, c, cx.linter),
        Command::Run(c) => run::dispatch_run(d, c, &mounts, sources, cx),
        Command::Workdir(c) => workdir::dispatch_workdir(d, c, cx),
        Command::Add(c) => {
            dispatch_add(d, c, cx)?;
            for src in &c.sources.source_paths {
                if !src.starts_with("http://") && !src.starts_with("https://") {
                    d.ctx_paths.insert(paths::join(&["/", src]));
                }
            }
            Ok(())
        }
        Command::Label(c) => metadata::dispatch_label(d, c, cx.linter),
        Command::Onbuild(c) => metadata::dispatch_onbuild(d, c),
        Command::Cmd(c) => metadata::dispatch_cmd(d, c, cx.linter),
        Command::Entrypoint(c) => metadata::dispatch_entrypoint(d, c, cx.linter),
        Command::Healthcheck(c) => metadata::dispatch_healthcheck(d, c, cx.linter),
        Command::Expose(c) => expose::dispatch_expose(d, c, cx),
        Command::User(c) => metadata::dispatch_user(d, c),
        Command::Volume(c) => metadata::dispatch_volume(d, c),
        Command::StopSignal(c) => metadata::dispatch_stopsignal(d, c),
        Command::Shell(c) => metadata::dispatch_shell(d, c),
        Command::Arg(c) => arg::dispatch_arg(d, c, cx),
        Command::Copy(c) => {
            let from = match sources.first() {
                // Only an ONBUILD trigger can name the stage being dispatched (the stage
                // graph refuses such cycles otherwise); like upstream, which marks the stage
                // dispatched before its commands, it reads the stage's State as it is now.
                Some(&src) if cx.others.is_current(src) => CopySource::Stage(d.state.clone()),
                Some(&src) => {
                    let Some(s) = cx.others.get(src).filter(|s| s.dispatched) else {
                        return Err(ConvertError::msg(format!(
                            "cannot copy from stage {}, it needs to be defined before current stage {}",
                            super::history::go_quote(&c.from),
                            super::history::go_quote(&d.stage_name)
                        )));
                    };
                    CopySource::Stage(s.state.clone())
                }
                None => CopySource::Context(cx.build_context.clone()),
            };
            dispatch_copy(d, c, from, cx)?;
            match sources.first() {
                None => {
                    for src in &c.sources.source_paths {
                        d.ctx_paths.insert(paths::join(&["/", src]));
                    }
                }
                Some(&src) => {
                    for p in &c.sources.source_paths {
                        let p = paths::join(&["/", p]);
                        if cx.others.is_current(src) {
                            cx.others.add_path_to_set(d.paths, p);
                        } else {
                            cx.others.add_path(src, p);
                        }
                    }
                }
            }
            Ok(())
        }
    }
}
