//! The conversion pipeline (upstream's `toDispatchState` + `Dockerfile2LLB`): parse, global
//! args, stage graph, base images, dispatch, result image, marshal.
//!
//! Dispatch runs twice when needed: the build context's `followpaths` (the context paths
//! every stage uses) are known only once every stage is dispatched, and upstream fills the
//! context source in lazily. The first pass dispatches against a context source without
//! `followpaths` and collects the paths; if any, the second pass starts again from the
//! resolved stages with the final context source.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use llb::marshal::MarshalOptions;
use llb::pb;
use llb::state::{CapSet, Platform, State};
use syntax::shell::Lexer;

use syntax::instructions::{Command, Dockerfile};
use syntax::lint::hooks;
use syntax::lint::{IgnoreMatcher, Linter, check_parsed};
use syntax::mount::{Mount, MountType, parse_mount};

use super::api::{ConvertOptions, ConvertResult, ImageResolver};
use super::args::{
    SOURCE_DATE_EPOCH, build_arg_value, build_meta_args, proxy_env, resolve_source_date_epoch,
    set_build_arg_value,
};
use super::context::{main_context, normalize_context_paths};
use super::dispatch::{Settings, dispatch_stage};
use super::error::{ConvertError, Result};
use super::paths;
use super::platform::{PlatformOpt, to_api};
use super::stage::{DispatchState, OutlineCapture, StageId, Stages};

/// A conversion in progress (upstream's `dispatchContext`).
pub(crate) struct Converter<'a> {
    /// The caller's options.
    pub opts: &'a ConvertOptions,
    /// Resolves base images.
    pub resolver: &'a dyn ImageResolver,
    /// Conversion-wide settings.
    pub settings: Settings,
    /// Build and target platforms.
    pub platforms: PlatformOpt,
    /// All stages.
    pub stages: Stages,
    /// The global args for the outline (every stage starts from a copy).
    pub outline: OutlineCapture,
    /// SOURCE_DATE_EPOCH, seconds.
    pub epoch: Option<i64>,
    /// Where lint findings go.
    pub linter: &'a mut Linter,
    /// The `.dockerignore` patterns as a matcher (CopyIgnoredFile).
    pub ignore: Option<IgnoreMatcher>,
    /// Resolve and dispatch every stage, not only those the target needs (lint).
    pub all_stages: bool,
    /// Base images resolved so far, by reference and platform (upstream's resolve cache).
    pub resolved: HashMap<(String, Platform), ResolvedBase, foldhash::fast::FixedState>,
}

/// The linter a build uses: `BUILDKIT_DOCKERFILE_CHECK`, else the `# check=` directive
/// (upstream's `newRuleLinter`).
pub(crate) fn build_linter(dockerfile: &[u8], opts: &ConvertOptions) -> Result<Linter> {
    let from_args =
        crate::lint::config_from_build_args(opts).map_err(|e| ConvertError::msg(e.to_string()))?;
    let config = crate::lint::configuration(dockerfile, from_args)
        .map_err(|(message, _)| ConvertError::msg(message))?;
    Ok(Linter::new(config))
}

/// What a conversion is for, as far as the converter cares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Purpose {
    /// Resolve and dispatch every stage, not only those the target needs (lint).
    pub all_stages: bool,
    /// Compute progress names (builds show them; lint and outline do not).
    pub progress_names: bool,
}

impl Purpose {
    /// A build of the target.
    pub const BUILD: Purpose = Purpose {
        all_stages: false,
        progress_names: true,
    };
    /// The outline of the target.
    pub const OUTLINE: Purpose = Purpose {
        all_stages: false,
        progress_names: false,
    };

    /// Lint: every stage when no target is set.
    pub fn lint(all_stages: bool) -> Purpose {
        Purpose {
            all_stages,
            progress_names: false,
        }
    }
}

/// A resolved base image: the reference to use, its digest, its config.
pub(crate) type ResolvedBase = (String, Option<String>, Arc<crate::image::Image>);

/// A Dockerfile whose stage graph is built and whose base images are resolved.
pub(crate) struct Prepared<'a> {
    /// The converter.
    pub conv: Converter<'a>,
    /// The target stage.
    pub target: StageId,
    /// The stages the target needs.
    pub reachable: BTreeSet<StageId>,
}

/// Everything up to dispatch: parse, global args, stage graph, base images (upstream's
/// `toDispatchState` before `dispatchStages`).
pub(crate) fn prepare<'a>(
    dockerfile: &[u8],
    opts: &'a ConvertOptions,
    resolver: &'a dyn ImageResolver,
    linter: &'a mut Linter,
    purpose: Purpose,
) -> Result<Prepared<'a>> {
    let Purpose {
        all_stages,
        progress_names,
    } = purpose;
    if dockerfile.is_empty() {
        return Err(ConvertError::msg("the Dockerfile cannot be empty"));
    }
    let parsed = syntax::parser::parse_bytes(dockerfile)?;
    let df = check_parsed(&parsed, linter)?;
    if df.stages.is_empty() {
        return Err(ConvertError::msg("dockerfile contains no stages to build"));
    }
    let platforms = PlatformOpt::new(opts);
    let target_name = match opts.target.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => df.stages.last().map(|s| s.name.clone()).unwrap_or_default(),
    };
    let mut build_args = opts.build_args.clone();
    let global = platforms.default_args(&build_args, &target_name);
    let shlex = Lexer::new(parsed.escape_token);
    validate_base_images_with_default_args(&df, &shlex, &global, linter);
    let (mut global, all_args) = build_meta_args(global, &shlex, &df.meta_args, &build_args)?;

    let mut epoch = None;
    if let Some(v) = build_arg_value(&build_args, &global, SOURCE_DATE_EPOCH) {
        epoch = resolve_source_date_epoch(&v, &df.stages, &global, &build_args, &shlex)?;
        let formatted = epoch.map(|e| e.to_string()).unwrap_or_default();
        set_build_arg_value(&mut build_args, &mut global, SOURCE_DATE_EPOCH, &formatted);
    }

    // dockerui maps BUILDKIT_SANDBOX_HOSTNAME / BUILDKIT_MULTI_PLATFORM to their opts.
    let hostname = opts
        .hostname
        .clone()
        .filter(|h| !h.is_empty())
        .or_else(|| build_args.get("BUILDKIT_SANDBOX_HOSTNAME").cloned())
        .unwrap_or_default();
    let multi_platform = opts.multi_platform
        || opts.target_platforms.len() > 1
        || build_args
            .get("BUILDKIT_MULTI_PLATFORM")
            .is_some_and(|v| matches!(v.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"));
    let settings = Settings {
        progress_names,
        shlex,
        proxy_env: proxy_env(&build_args),
        cache_id_namespace: build_args
            .get("BUILDKIT_CACHE_MOUNT_NS")
            .cloned()
            .unwrap_or_default(),
        global_args: global,
        build_arg_values: build_args,
        target_platform: platforms.target.clone(),
        build_platforms: platforms.build.clone(),
        extra_hosts: extra_hosts(opts)?,
        shm_size: opts.shm_size.unwrap_or(0),
        ulimits: ulimits(opts)?,
        cgroup_parent: opts.cgroup_parent.clone().unwrap_or_default(),
        linux_resources: opts.linux_resources.clone(),
        caps: opts.llb_caps.as_ref().map(|caps| {
            caps.iter().fold(CapSet::new(), |mut s, c| {
                s.insert(c);
                s
            })
        }),
        source_map: opts.source_map.clone(),
        hostname,
        network_mode: network_mode(opts)?,
        multi_platform,
    };
    let ignore = if opts.excludes.is_empty() {
        None
    } else {
        Some(IgnoreMatcher::new(&opts.excludes).map_err(|e| ConvertError::msg(e.to_string()))?)
    };
    let mut conv = Converter {
        opts,
        resolver,
        settings,
        platforms,
        stages: Stages::default(),
        outline: OutlineCapture {
            all_args: std::sync::Arc::new(all_args),
            ..OutlineCapture::default()
        },
        epoch,
        linter,
        ignore,
        all_stages,
        resolved: HashMap::default(),
    };
    conv.build_dispatch_states(df.stages)?;
    let target = conv.resolve_target()?;
    conv.build_dependency_graph()?;
    let reachable = conv.resolve_stages(target)?;
    Ok(Prepared {
        conv,
        target,
        reachable,
    })
}

/// Prepares and dispatches (upstream's `toDispatchState` up to `dispatchStages`), then
/// hands the result to `finish`. Runs everything a second time, with the right build
/// context, when the predicted context paths turn out wrong.
pub(crate) fn with_dispatched<T>(
    dockerfile: &[u8],
    opts: &ConvertOptions,
    resolver: &dyn ImageResolver,
    linter: &mut Linter,
    purpose: Purpose,
    finish: impl FnOnce(&mut Prepared<'_>) -> Result<T>,
) -> Result<T> {
    let saved = linter.clone();
    let retry = {
        let mut p = prepare(dockerfile, opts, resolver, linter, purpose)?;
        match p.dispatch(None)? {
            None => return finish_and_release(p, finish),
            Some(follow) => follow,
        }
    };
    *linter = saved;
    let mut p = prepare(dockerfile, opts, resolver, linter, purpose)?;
    p.dispatch(Some(retry))?;
    finish_and_release(p, finish)
}

/// Runs `finish`, then frees the conversion's state, or with `skip_teardown` leaves it to the
/// process exit.
fn finish_and_release<T>(
    mut p: Prepared<'_>,
    finish: impl FnOnce(&mut Prepared<'_>) -> Result<T>,
) -> Result<T> {
    let out = finish(&mut p);
    if p.conv.opts.skip_teardown {
        std::mem::forget(p);
    }
    out
}

impl Prepared<'_> {
    /// Dispatches every reachable stage (every stage in lint mode).
    ///
    /// The build context's `followpaths` are the context paths all stages use, known only
    /// once they are dispatched. With `forced` (a retry), they are given. Otherwise they are
    /// predicted when every source path is literal, and the stages dispatched once; a wrong
    /// prediction asks for a retry (`Ok(Some(paths))`: prepare and dispatch again with
    /// them). When they cannot be predicted (variables, named local contexts), the stages are
    /// dispatched, then dispatched again from a snapshot with the paths found.
    pub(crate) fn dispatch(&mut self, forced: Option<Vec<String>>) -> Result<Option<Vec<String>>> {
        if let Some(follow) = forced {
            let context = main_context(self.conv.opts, &follow);
            self.dispatch_pass(&context)?;
            self.mark_target_used();
            return Ok(None);
        }
        if let Some(paths) = self.predict_context_paths() {
            let predicted = normalize_context_paths(&paths);
            let context = main_context(self.conv.opts, &predicted);
            let used = self.dispatch_pass(&context)?;
            self.mark_target_used();
            let follow = normalize_context_paths(&used);
            return Ok((follow != predicted).then_some(follow));
        }
        // What the first pass changes: the stages it dispatches and the path sets.
        let pending: Vec<StageId> = (0..self.conv.stages.states.len())
            .filter(|id| self.should_dispatch(*id))
            .collect();
        let snapshot: Vec<Box<DispatchState>> = pending
            .iter()
            .map(|&id| self.conv.stages.states[id].clone())
            .collect();
        let path_snapshot = self.conv.stages.path_sets.clone();
        let lint_snapshot = self.conv.linter.clone();
        let context = main_context(self.conv.opts, &[]);
        let used = self.dispatch_pass(&context)?;
        self.mark_target_used();
        let follow = normalize_context_paths(&used);
        // Named local contexts: the paths used from their stages.
        let stages = &self.conv.stages;
        let locals: Vec<(StageId, Vec<String>)> = stages
            .states
            .iter()
            .enumerate()
            .filter(|(_, d)| d.named_local.is_some())
            .map(|(id, d)| (id, normalize_context_paths(&stages.path_sets[d.paths])))
            .filter(|(_, f)| !f.is_empty())
            .collect();
        if follow.is_empty() && locals.is_empty() {
            return Ok(None);
        }
        for (id, state) in pending.into_iter().zip(snapshot) {
            self.conv.stages.states[id] = state;
        }
        self.conv.stages.path_sets = path_snapshot;
        *self.conv.linter = lint_snapshot;
        let session = self.conv.opts.session_id.clone();
        for (id, f) in locals {
            let d = &mut self.conv.stages.states[id];
            if let Some(local) = &d.named_local {
                d.state = local.build(session.as_deref(), &f);
            }
        }
        let context = main_context(self.conv.opts, &follow);
        self.dispatch_pass(&context)?;
        self.mark_target_used();
        Ok(None)
    }

    /// The context paths the stages to dispatch will use, when they can be known without
    /// dispatching: every COPY (no `--from`) / ADD source and every RUN mount reading the
    /// context is literal (no variable). `None` otherwise, or with named local contexts.
    fn predict_context_paths(&self) -> Option<BTreeSet<String>> {
        let stages = &self.conv.stages;
        if stages.states.iter().any(|d| d.named_local.is_some()) {
            return None;
        }
        let shlex = &self.conv.settings.shlex;
        let literal = |w: &str| -> Option<String> {
            let r = shlex.process_word(w, &syntax::shell::NoEnv).ok()?;
            (r.matched.is_empty() && r.unmatched.is_empty()).then_some(r.result)
        };
        let mut out = BTreeSet::new();
        for id in (0..stages.states.len()).filter(|id| self.should_dispatch(*id)) {
            for cmd in stages.states[id].commands.iter() {
                match &cmd.command {
                    Command::Copy(c) if c.from.is_empty() => {
                        for src in &c.sources.source_paths {
                            out.insert(paths::join(&["/", &literal(src)?]));
                        }
                    }
                    Command::Add(c) => {
                        for src in &c.sources.source_paths {
                            let src = literal(src)?;
                            if !src.starts_with("http://") && !src.starts_with("https://") {
                                out.insert(paths::join(&["/", &src]));
                            }
                        }
                    }
                    Command::Run(r) => {
                        let mut reads_context = |m: &Mount| {
                            if m.from.is_empty()
                                && matches!(m.kind, MountType::Bind | MountType::Tmpfs)
                            {
                                out.insert(paths::join(&["/", &m.source]));
                            }
                        };
                        if let Some(parsed) = &r.literal_mounts {
                            parsed.iter().for_each(&mut reads_context);
                            continue;
                        }
                        for m in &r.mounts {
                            let mut variables = false;
                            let mut expander = |w: &str| {
                                let r = shlex.process_word(w, &syntax::shell::NoEnv)?;
                                variables |= !r.matched.is_empty() || !r.unmatched.is_empty();
                                Ok(r.result)
                            };
                            let m = parse_mount(m, Some(&mut expander)).ok()?;
                            if variables {
                                return None;
                            }
                            reads_context(&m);
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(out)
    }

    /// Whether stage `id` is dispatched: every stage in lint mode (upstream's `AllStages`),
    /// else the reachable ones not dispatched yet.
    fn should_dispatch(&self, id: StageId) -> bool {
        self.conv.all_stages
            || (self.reachable.contains(&id) && !self.conv.stages.states[id].dispatched)
    }

    /// Upstream marks the whole target as used once every stage is dispatched.
    fn mark_target_used(&mut self) {
        let set = self.conv.stages.states[self.target].paths;
        self.conv.stages.path_sets[set].insert("/".to_string());
    }

    /// One dispatch of every reachable stage not dispatched yet; the context paths used.
    fn dispatch_pass(&mut self, context: &State) -> Result<BTreeSet<String>> {
        let mut used = BTreeSet::new();
        for id in 0..self.conv.stages.states.len() {
            if !self.should_dispatch(id) {
                continue;
            }
            dispatch_stage(
                &mut self.conv.stages,
                id,
                &self.conv.settings,
                context,
                self.conv.linter,
                self.conv.ignore.as_ref(),
            )?;
            let d = &mut self.conv.stages.states[id];
            used.extend(d.ctx_paths.iter().cloned());
            // Nothing reads a dispatched stage's commands again (a retry dispatches its
            // snapshot's): freeing them now lets later stages reuse their memory.
            d.commands = Arc::default();
        }
        Ok(used)
    }

    /// Upstream's `finalizeResultImage`: `label:` opts, the lint verdict, the platform.
    pub(crate) fn finalize_image(&mut self) -> Result<()> {
        let conv = &mut self.conv;
        let platforms = &conv.platforms;
        let target = &mut conv.stages.states[self.target];
        for (k, v) in &conv.opts.labels {
            target.image.config.labels.insert(k.clone(), v.clone());
        }
        if let Some(msg) = conv.linter.error() {
            return Err(ConvertError::msg(msg));
        }
        let img = &mut target.image;
        if !platforms.implicit_target {
            let tp = &platforms.target;
            let same = tp.os == img.os && tp.architecture == img.architecture;
            img.os = tp.os.clone();
            img.architecture = tp.architecture.clone();
            if !tp.variant.is_empty() || !same {
                img.variant = tp.variant.clone();
            }
            if !tp.os_version.is_empty() || !same {
                img.os_version = tp.os_version.clone();
            }
            if !tp.os_features.is_empty() {
                img.os_features = tp.os_features.clone();
            }
        }
        let normalized = Platform {
            os: img.os.clone(),
            architecture: img.architecture.clone(),
            variant: img.variant.clone(),
            os_version: img.os_version.clone(),
            os_features: img.os_features.clone(),
        }
        .normalize();
        img.os = normalized.os;
        img.architecture = normalized.architecture;
        img.variant = normalized.variant;
        img.os_features = normalized.os_features;
        Ok(())
    }

    /// Finalizes the image and marshals the target's State with `marshal`.
    pub(crate) fn finish<D>(
        &mut self,
        marshal: impl super::Marshal<D>,
    ) -> Result<ConvertResult<D>> {
        self.finalize_image()?;
        let conv = &self.conv;
        let platforms = &conv.platforms;
        let target = &conv.stages.states[self.target];
        let mut mopts = MarshalOptions::new()
            .platform(platforms.target.clone())
            .caps(conv.settings.caps.clone().unwrap_or_else(CapSet::all));
        if let Some(id) = &conv.opts.local_unique_id {
            mopts = mopts.local_unique_id(id.clone());
        }
        // Upstream's builder marshals the converted State itself and wraps the failure.
        let definition = marshal(&target.state, &mopts)
            .map_err(|e| ConvertError::Marshal(e).wrap("failed to marshal LLB definition"))?;
        Ok(ConvertResult {
            definition,
            image: target.image.clone(),
            base_image: target.base_image.as_deref().cloned(),
            platform: to_api(&platforms.target),
        })
    }
}

/// `add-hosts` with parsed addresses.
fn extra_hosts(opts: &ConvertOptions) -> Result<Vec<(String, IpAddr)>> {
    opts.extra_hosts
        .iter()
        .map(|(host, ip)| {
            let addr: IpAddr = ip.parse().map_err(|_| {
                ConvertError::msg(format!(
                    "failed to parse additional hosts: invalid host {host}:{ip}"
                ))
            })?;
            Ok((host.clone(), addr))
        })
        .collect()
}

/// `ulimit` entries `name=soft[:hard]`.
fn ulimits(opts: &ConvertOptions) -> Result<Vec<pb::Ulimit>> {
    let mut out = Vec::new();
    for u in &opts.ulimits {
        let bad = || {
            ConvertError::msg(format!(
                "failed to parse ulimit: invalid ulimit argument: {u}"
            ))
        };
        let (name, limits) = u.split_once('=').ok_or_else(bad)?;
        let (soft, hard) = match limits.split_once(':') {
            Some((s, h)) => (s, h),
            None => (limits, limits),
        };
        out.push(pb::Ulimit {
            name: name.to_string(),
            soft: soft.parse().map_err(|_| bad())?,
            hard: hard.parse().map_err(|_| bad())?,
        });
    }
    Ok(out)
}

/// `force-network-mode`.
fn network_mode(opts: &ConvertOptions) -> Result<pb::NetMode> {
    match opts.force_network_mode.as_deref() {
        None | Some("") | Some("sandbox") => Ok(pb::NetMode::Unset),
        Some("host") => Ok(pb::NetMode::Host),
        Some("none") => Ok(pb::NetMode::None),
        Some(other) => Err(ConvertError::msg(format!(
            "unsupported network mode {other:?}"
        ))),
    }
}

/// Upstream's `validateBaseImagesWithDefaultArgs` (InvalidDefaultArgInFrom): with only the
/// meta ARG defaults (no build args), does every FROM still name a valid image?
fn validate_base_images_with_default_args(
    df: &Dockerfile,
    shlex: &Lexer,
    defaults: &llb::state::EnvList,
    linter: &mut Linter,
) {
    let Ok((args, _)) = build_meta_args(
        defaults.clone(),
        shlex,
        &df.meta_args,
        &std::collections::BTreeMap::new(),
    ) else {
        return;
    };
    for st in &df.stages {
        let Ok(res) = shlex.process_word(&st.base_name, &super::env::ListEnv(&args)) else {
            return;
        };
        if llb::state::image_ref::parse_normalized_named(&res.result).is_err() {
            hooks::invalid_default_arg_in_from(linter, &st.base_name, &st.meta.location());
        }
    }
}
