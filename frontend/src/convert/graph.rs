//! The stage graph: dispatch states for the Dockerfile's stages (upstream's
//! `buildDispatchStates`), the target, the stages each command reads from (`toCommand`,
//! `detectRunMount`), cycle detection, reachability and ONBUILD triggers
//! (`resolveStages`, `initOnBuildTriggers`).

use std::collections::BTreeSet;
use std::sync::Arc;

use syntax::instructions::{Command, CommandMeta, Stage, parse_command};
use syntax::lint::hooks;
use syntax::mount::parse_mount;
use syntax::parser::Range;
use syntax::shell::NoEnv;

use super::converter::Converter;
use super::dispatch::init_from_base;
use super::env::ListEnv;
use super::error::{ConvertError, Result};
use super::history::go_quote;
use super::stage::{DispatchCommand, DispatchState, StageId, Stages};
use super::suggest;

/// `FROM scratch`.
pub(crate) const EMPTY_IMAGE_NAME: &str = "scratch";

impl Converter<'_> {
    /// Upstream's `buildDispatchStates`: one state per stage, base names and platforms
    /// expanded with the global args, names and step counts set.
    pub(crate) fn build_dispatch_states(&mut self, stages: Vec<Stage>) -> Result<()> {
        // UndefinedArgInFrom: the global args with a value and every meta ARG.
        let declared: Vec<String> = self
            .settings
            .global_args
            .keys()
            .map(str::to_string)
            .chain(self.outline.all_args.keys().cloned())
            .collect();
        self.stages.states.reserve(stages.len());
        for (i, mut st) in stages.into_iter().enumerate() {
            let location = st.meta.location();
            let global = ListEnv(&self.settings.global_args);
            let name_match = self.settings.shlex.process_word(&st.base_name, &global);
            let unmatched = match &name_match {
                Ok(r) => &r.unmatched,
                Err(e) => &e.unmatched,
            };
            hooks::undefined_args_in_from(
                &mut self.linter.scope(&st.meta.comments),
                unmatched,
                declared.iter().map(String::as_str),
                &location,
            );
            let name_match =
                name_match.map_err(|e| ConvertError::from(e).with_location(&location))?;
            let mut used = name_match.matched;
            if name_match.result.is_empty() {
                return Err(ConvertError::msg(format!(
                    "base name ({}) should not be blank",
                    st.base_name
                ))
                .with_location(&location));
            }
            st.base_name = name_match.result;

            let commands: Vec<Command> = std::mem::take(&mut st.commands);
            let mut ds = DispatchState {
                stage_name: st.name.clone(),
                prefix_platform: self.settings.multi_platform,
                outline: self.outline.clone(),
                epoch: self.epoch,
                location: location.clone(),
                paths: self.stages.new_path_set(),
                ..DispatchState::default()
            };

            if !st.platform.is_empty() {
                let v = st.platform.clone();
                let plat = self.settings.shlex.process_word(&v, &global);
                if let Ok(p) = &plat {
                    let mut r = self.linter.scope(&st.meta.comments);
                    hooks::undefined_args_in_from(
                        &mut r,
                        &p.unmatched,
                        declared.iter().map(String::as_str),
                        &location,
                    );
                    hooks::redundant_target_platform(
                        &mut r,
                        &v,
                        &p.matched,
                        &p.unmatched,
                        &p.result,
                        self.settings.global_args.get("TARGETPLATFORM"),
                        &location,
                    );
                    let parsed = super::platform::parse_platform(&p.result).ok();
                    hooks::const_platform(
                        &mut r,
                        &st.name,
                        &p.matched,
                        &p.unmatched,
                        &p.result,
                        parsed
                            .as_ref()
                            .map(|x| (x.os.as_str(), x.architecture.as_str())),
                        &location,
                    );
                } else if let Err(e) = &plat {
                    hooks::undefined_args_in_from(
                        &mut self.linter.scope(&st.meta.comments),
                        &e.unmatched,
                        declared.iter().map(String::as_str),
                        &location,
                    );
                }
                let plat = match plat {
                    Ok(p) => p,
                    Err(e) => {
                        return Err(ConvertError::msg(format!(
                            "failed to process arguments for platform {}: {e}",
                            ""
                        ))
                        .with_location(&location));
                    }
                };
                if plat.result.is_empty() {
                    let msg = format!("empty platform value from expression {v}");
                    return Err(ConvertError::msg(self.suggest_any(msg, &plat.unmatched))
                        .with_location(&location));
                }
                let p = match super::platform::parse_platform(&plat.result) {
                    Ok(p) => p,
                    Err(e) => {
                        let msg = self.suggest_any(e, &plat.unmatched);
                        return Err(ConvertError::msg(format!(
                            "failed to parse platform {v}: {msg}"
                        ))
                        .with_location(&location)
                        .with_location(&location));
                    }
                };
                used.extend(plat.matched);
                ds.platform = Some(p);
            }

            ds.commands = Arc::new(
                commands
                    .into_iter()
                    .map(|command| DispatchCommand {
                        command,
                        sources: Vec::new(),
                        is_onbuild: false,
                    })
                    .collect(),
            );
            ds.stage = st;

            if !ds.stage.name.is_empty()
                && let Some(nc) = self.named_context_for(&ds.stage.name, ds.platform.as_ref())?
            {
                ds.named_context = Some(Box::new(nc));
                let id = self.stages.add_state(ds);
                self.stages.states[id].base = None;
                continue;
            }
            if ds.stage.name.is_empty() {
                ds.stage_name = format!("stage-{i}");
            }
            let id = self.stages.add_state(ds);
            let ds = &mut self.stages.states[id];
            ds.outline.used_args.extend(used);
            let mut total =
                usize::from(ds.stage.base_name != EMPTY_IMAGE_NAME && ds.base.is_none());
            total += ds
                .commands
                .iter()
                .filter(|c| {
                    matches!(
                        c.command,
                        Command::Add(_) | Command::Copy(_) | Command::Run(_) | Command::Workdir(_)
                    )
                })
                .count();
            ds.cmd_total = total;
            ds.ignore_cache = match &self.opts.no_cache {
                None => false,
                Some(names) if names.is_empty() => true,
                Some(names) => names.iter().any(|n| n.eq_ignore_ascii_case(&ds.stage.name)),
            };
        }
        Ok(())
    }

    /// Upstream's `wrapSuggestAny`: a suggestion among the global arg names for the first
    /// unmatched variable that has one.
    fn suggest_any(&self, msg: String, unmatched: &BTreeSet<String>) -> String {
        let keys: Vec<String> = self
            .settings
            .global_args
            .keys()
            .map(str::to_string)
            .collect();
        for k in unmatched {
            if let Some(m) = suggest::search(k, &keys, true) {
                return format!("{msg} (did you mean {m}?)");
            }
        }
        msg
    }

    /// Upstream's `resolveTarget`.
    pub(crate) fn resolve_target(&self) -> Result<StageId> {
        match self.opts.target.as_deref().filter(|t| !t.is_empty()) {
            None => Ok(self.stages.states.len() - 1),
            Some(t) => self.stages.find_by_name(t).ok_or_else(|| {
                ConvertError::msg(suggest::wrap(
                    format!("target stage {} could not be found", go_quote(t)),
                    t,
                    &self.stages.names(),
                    true,
                ))
            }),
        }
    }

    /// Upstream's `buildStageDependencyGraph`: the sources of every command, the stages'
    /// dependencies, cycle detection.
    pub(crate) fn build_dependency_graph(&mut self) -> Result<()> {
        let n = self.stages.states.len();
        for id in 0..n {
            let mut commands = std::mem::take(&mut self.stages.states[id].commands);
            for cmd in Arc::make_mut(&mut commands) {
                cmd.sources = command_sources(&cmd.command, &mut self.stages)?;
                register_sources(&mut self.stages, id, cmd);
            }
            self.stages.states[id].commands = commands;
        }
        validate_circular_dependency(&self.stages)?;
        if self.stages.states.len() == 1 {
            self.stages.states[0].stage_name.clear();
        }
        Ok(())
    }

    /// Upstream's `resolveStages`: resolve the base images of the reachable stages, add the
    /// ONBUILD triggers of their bases, repeat while triggers add dependencies.
    ///
    /// Unlike upstream, the triggers of an image state that repeats its trigger chain (see
    /// [`repeated_trigger_image`]) are not added: they would name the image once more, as a
    /// new state, for ever. Everything else goes on as upstream's rounds do, so whatever
    /// error upstream meets first is still met first; when the rounds end with nothing left
    /// but such a repetition, the chain is refused.
    pub(crate) fn resolve_stages(&mut self, target: StageId) -> Result<BTreeSet<StageId>> {
        loop {
            let reachable = self.resolve_reachable_stages(target)?;
            let mut new_deps = false;
            let mut repeated = None;
            for &id in &reachable {
                if let Some(name) = repeated_trigger_image(&self.stages, id) {
                    if repeated.is_none() {
                        let location = &self.stages.states[id].location;
                        repeated = Some(repeated_chain_error(name).set_location(location));
                    }
                    continue;
                }
                init_from_base(&mut self.stages, id);
                let d = &self.stages.states[id];
                let mut onbuilds = d.image.config.on_build.clone();
                if let Some(base) = d.base
                    && !d.onbuild_init
                {
                    for cmd in self.stages.states[base].commands.iter() {
                        if let Command::Onbuild(ob) = &cmd.command {
                            onbuilds.push(ob.expression.clone());
                        }
                    }
                    self.stages.states[id].onbuild_init = true;
                }
                if !onbuilds.is_empty() {
                    let location = self.stages.states[id].location.clone();
                    let added = init_onbuild_triggers(&mut self.stages, id, &onbuilds)
                        .map_err(|e| e.set_location(&location))?;
                    new_deps |= added;
                    self.stages.states[id].image.config.on_build.clear();
                }
            }
            if !new_deps {
                return match repeated {
                    Some(e) => Err(e),
                    None => Ok(reachable),
                };
            }
        }
    }

    /// Upstream's `resolveReachableStages`: resolves every base image not resolved yet
    /// (unreachable ones only get their reference normalized).
    fn resolve_reachable_stages(&mut self, target: StageId) -> Result<BTreeSet<StageId>> {
        let reachable = reachable_stages(&self.stages, target);
        for id in 0..self.stages.states.len() {
            let d = &self.stages.states[id];
            if d.base.is_some() || d.dispatched || d.resolved {
                continue;
            }
            let is_reachable = self.all_stages || reachable.contains(&id);
            self.stages.states[id].resolved = is_reachable;
            let d = &self.stages.states[id];
            if d.stage.base_name == EMPTY_IMAGE_NAME && d.named_context.is_none() {
                let platform = self.settings.target_platform.clone();
                let d = &mut self.stages.states[id];
                d.state = llb::state::State::scratch();
                d.image = super::image_config::empty_image(&platform);
                d.platform = Some(platform);
                if d.unregistered {
                    d.dispatched = true;
                }
                continue;
            }
            self.resolve_base_image(id, is_reachable)?;
        }
        Ok(reachable)
    }
}

/// Upstream's `toCommand` + `detectRunMount`: the states a command reads from, unregistered
/// states created for images.
fn command_sources(cmd: &Command, stages: &mut Stages) -> Result<Vec<StageId>> {
    match cmd {
        Command::Copy(c) if !c.from.is_empty() => {
            let lexer = syntax::shell::Lexer::new('\\');
            let r = lexer.process_word(&c.from, &NoEnv)?;
            if r.result != c.from {
                return Err(ConvertError::msg(
                    "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
                ));
            }
            let id = match go_atoi(&c.from) {
                Some(index) => stages.find_by_index(index)?,
                None => match stages.find_by_name(&c.from) {
                    Some(id) => id,
                    None => new_unregistered(stages, &c.from, Some(&c.meta)),
                },
            };
            Ok(vec![id])
        }
        Command::Run(r) => {
            let mut out = Vec::with_capacity(r.mounts.len());
            for (i, m) in r.mounts.iter().enumerate() {
                let from = match r.literal_mounts.as_ref().and_then(|parsed| parsed.get(i)) {
                    Some(parsed) => parsed.from.clone(),
                    None => parse_mount(m, None).map(|m| m.from).unwrap_or_default(),
                };
                let from = if from.is_empty() {
                    EMPTY_IMAGE_NAME.to_string()
                } else {
                    from
                };
                let id = match stages.find_by_name(&from) {
                    Some(id) => id,
                    // Upstream makes a scratch state per mount without `from`; one serves
                    // them all (a scratch state has no op and no path to follow).
                    None if from == EMPTY_IMAGE_NAME => match stages.mount_scratch() {
                        Some(id) => id,
                        None => {
                            let id = new_unregistered(stages, &from, None);
                            stages.set_mount_scratch(id);
                            id
                        }
                    },
                    None => new_unregistered(stages, &from, None),
                };
                out.push(id);
            }
            Ok(out)
        }
        _ => Ok(Vec::new()),
    }
}

/// A state for an image (or scratch) named by `--from`, not in the arena yet: it gets an
/// id one past the end and is added by [`register_sources`].
fn new_unregistered(stages: &mut Stages, base_name: &str, meta: Option<&CommandMeta>) -> StageId {
    let paths = stages.new_path_set();
    let stage = Stage {
        base_name: base_name.to_string(),
        meta: meta
            .map(|m| CommandMeta {
                start_line: m.start_line,
                end_line: m.end_line,
                span: m.span,
                ..CommandMeta::default()
            })
            .unwrap_or_default(),
        ..Stage::default()
    };
    let ds = DispatchState {
        location: meta.map(CommandMeta::location).unwrap_or_default(),
        stage,
        paths,
        unregistered: true,
        ..DispatchState::default()
    };
    stages.add_state(ds)
}

/// Records the command's sources as dependencies of stage `id`.
fn register_sources(stages: &mut Stages, id: StageId, cmd: &DispatchCommand) {
    let location = cmd.command.meta().location();
    for &src in &cmd.sources {
        stages.states[id].add_dep(src, location.clone());
    }
}

/// Go's `strconv.Atoi` for stage indexes.
fn go_atoi(s: &str) -> Option<i64> {
    super::args::go_parse_int(s)
}

/// Upstream's `initOnBuildTriggers`: parses each trigger, prepends the commands to the
/// stage; whether any adds a dependency. Each image state a trigger names (as `--from`)
/// records which stage's triggers named it, for [`repeated_trigger_image`].
fn init_onbuild_triggers(stages: &mut Stages, id: StageId, triggers: &[String]) -> Result<bool> {
    let first_new = stages.states.len();
    let (start, end) = range_start_end(&stages.states[id].location);
    let mut has_new_deps = false;
    let mut commands = Vec::with_capacity(triggers.len());
    for trigger in triggers {
        let parsed = syntax::parse(trigger)?;
        if parsed.ast.children.len() != 1 {
            return Err(ConvertError::msg(
                "onbuild trigger should be a single expression",
            ));
        }
        let mut node = parsed.ast.children[0].clone();
        node.start_line = start;
        node.end_line = end;
        let command = parse_command(&node)?;
        let mut cmd = DispatchCommand {
            command,
            sources: Vec::new(),
            is_onbuild: true,
        };
        cmd.sources = command_sources(&cmd.command, stages)?;
        if !cmd.sources.is_empty() {
            has_new_deps = true;
        }
        for &src in cmd.sources.iter().filter(|&&src| src >= first_new) {
            let name = stages.states[src].stage.base_name.clone();
            stages.states[src].onbuild_origin = Some((id, name));
        }
        register_sources(stages, id, &cmd);
        commands.push(cmd);
    }
    let d = &mut stages.states[id];
    d.cmd_total += commands.len();
    commands.extend(d.commands.iter().cloned());
    d.commands = Arc::new(commands);
    Ok(has_new_deps)
}

/// For an image state named by a trigger: its name, when a trigger earlier in the chain that
/// led to it (the stage whose triggers named it, the stage whose triggers named that one,
/// and so on) named the same image. Its triggers are then those of that earlier state, and
/// would name the image again: upstream loops for ever on such a chain.
fn repeated_trigger_image(stages: &Stages, id: StageId) -> Option<&str> {
    let (origin, name) = stages.states[id].onbuild_origin.as_ref()?;
    let mut at = *origin;
    while let Some((origin, named)) = &stages.states[at].onbuild_origin {
        if named == name {
            return Some(name);
        }
        at = *origin;
    }
    None
}

/// The refusal of a trigger chain that names `name` again (see [`repeated_trigger_image`]).
fn repeated_chain_error(name: &str) -> ConvertError {
    ConvertError::msg(format!(
        "circular dependency detected on image: {name} (its ONBUILD triggers use it again)"
    ))
}

/// Upstream's `rangeStartEnd`: the first and last line of `ranges`.
fn range_start_end(ranges: &[Range]) -> (usize, usize) {
    if ranges.is_empty() {
        return (0, 0);
    }
    let start = ranges.iter().map(|r| r.start.line).min().unwrap_or(0);
    let end = ranges.iter().map(|r| r.end.line).max().unwrap_or(0);
    (start, end)
}

/// Upstream's `allReachableStages`: the target, its bases and dependencies, transitively.
pub(crate) fn reachable_stages(stages: &Stages, target: StageId) -> BTreeSet<StageId> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![target];
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        let s = &stages.states[id];
        if let Some(b) = s.base {
            todo.push(b);
        }
        todo.extend(s.deps.iter().map(|(d, _)| *d));
    }
    seen
}

/// Upstream's `validateCircularDependency`: `circular dependency detected on stage: <name>`
/// at the locations of the commands on the cycle.
fn validate_circular_dependency(stages: &Stages) -> Result<()> {
    fn visit(
        stages: &Stages,
        id: StageId,
        current: &mut Vec<Vec<Range>>,
        visited: &mut BTreeSet<StageId>,
        path: &mut BTreeSet<StageId>,
    ) -> Option<Vec<Vec<Range>>> {
        if !visited.insert(id) {
            return None;
        }
        path.insert(id);
        for (dep, loc) in &stages.states[id].deps {
            current.push(loc.clone());
            if path.contains(dep) {
                return Some(current.clone());
            }
            if let Some(c) = visit(stages, *dep, current, visited, path) {
                return Some(c);
            }
            current.pop();
        }
        path.remove(&id);
        None
    }
    let mut visited = BTreeSet::new();
    let mut path = BTreeSet::new();
    for id in 0..stages.states.len() {
        let mut current = Vec::new();
        if let Some(cmds) = visit(stages, id, &mut current, &mut visited, &mut path) {
            let mut err = ConvertError::msg(format!(
                "circular dependency detected on stage: {}",
                stages.states[id].stage_name
            ));
            for loc in cmds {
                err = err.with_location(&loc);
            }
            return Err(err);
        }
    }
    Ok(())
}
