//! The per-stage dispatch state ([`DispatchState`], upstream's `dispatchState`) and the arena
//! of all stages ([`Stages`], upstream's `dispatchStates`).
//!
//! Stages refer to each other by [`StageId`] (an index into [`Stages::states`]): a stage's
//! base stage, the stages its commands copy or mount from (`deps`), and the sources of each
//! command. "Unregistered" states — images named by `COPY --from=<image>` or
//! `RUN --mount=from=<image>`, and the implicit `scratch` of mounts without `from` — are
//! appended to the same arena, exactly as upstream appends them (numeric `--from` indexes see
//! them too).
//!
//! The set of paths other stages use from a stage (`paths`, for a named local context's
//! `followpaths`) is shared between a stage and the stages built on it, so it lives in
//! [`Stages::path_sets`], addressed by [`PathSetId`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use llb::state::{Platform, State};
use syntax::instructions::{Command, KeyValuePairOptional, Stage};
use syntax::lint::hooks::InstructionTracker;
use syntax::parser::Range;

use super::error::{ConvertError, Result};
use super::resolve::{FoundContext, NamedLocal};
use crate::image::Image;

/// Index of a stage in [`Stages::states`].
pub(crate) type StageId = usize;

/// Index of a path set in [`Stages::path_sets`].
pub(crate) type PathSetId = usize;

/// One command of a stage with the stages it reads from (upstream's `command`).
#[derive(Debug, Clone)]
pub(crate) struct DispatchCommand {
    /// The typed instruction, unexpanded.
    pub command: Command,
    /// `COPY --from`: the one source stage; `RUN`: one stage per `--mount` (the implicit
    /// `scratch` state for mounts without `from`); empty otherwise.
    pub sources: Vec<StageId>,
    /// The command comes from an `ONBUILD` trigger of the base image or stage.
    pub is_onbuild: bool,
}

/// An `ARG` as the outline reports it (upstream's `argInfo`).
#[derive(Debug, Clone, Default)]
pub(crate) struct ArgInfo {
    /// The value it got.
    pub value: String,
    /// The definition (key, default, doc comment).
    pub definition: KeyValuePairOptional,
    /// Global args its default referenced.
    pub deps: BTreeSet<String>,
    /// Where it is declared.
    pub location: Vec<Range>,
    /// Declaration order, to keep args on one line in order.
    pub seq: usize,
}

/// A secret or SSH id a stage uses (upstream's `secretInfo` / `sshInfo`).
#[derive(Debug, Clone, Default)]
pub(crate) struct MountUseInfo {
    /// `required=true`.
    pub required: bool,
    /// The RUN instruction's location.
    pub location: Vec<Range>,
    /// First-use order.
    pub seq: usize,
}

/// What `frontend.outline` needs from a stage (upstream's `outlineCapture`).
#[derive(Debug, Clone, Default)]
pub(crate) struct OutlineCapture {
    /// Every ARG seen (global ones included), by name (shared until a stage declares one).
    pub all_args: Arc<BTreeMap<String, ArgInfo>>,
    /// The ARGs the stage used.
    pub used_args: BTreeSet<String>,
    /// Secret ids mounted, by id.
    pub secrets: BTreeMap<String, MountUseInfo>,
    /// SSH ids mounted, by id.
    pub ssh: BTreeMap<String, MountUseInfo>,
}

impl OutlineCapture {
    /// Records a secret use (the first use of an id wins, as upstream).
    pub fn add_secret(&mut self, id: &str, required: bool, location: &[Range]) {
        let seq = self.secrets.len();
        self.secrets
            .entry(id.to_string())
            .or_insert_with(|| MountUseInfo {
                required,
                location: location.to_vec(),
                seq,
            });
    }

    /// Records an SSH use (the first use of an id wins, as upstream).
    pub fn add_ssh(&mut self, id: &str, required: bool, location: &[Range]) {
        let seq = self.ssh.len();
        self.ssh
            .entry(id.to_string())
            .or_insert_with(|| MountUseInfo {
                required,
                location: location.to_vec(),
                seq,
            });
    }
}

/// Everything known about one stage while converting (upstream's `dispatchState`).
#[derive(Debug, Clone, Default)]
pub(crate) struct DispatchState {
    /// The LLB state built so far (base image, then each instruction).
    pub state: State,
    /// The image config built so far.
    pub image: Image,
    /// The base image's config as resolved (immutable; `containerimage.base.config`).
    pub base_image: Option<Arc<Image>>,
    /// The stage's platform; set before dispatch starts.
    pub platform: Option<Platform>,
    /// The FROM line; `base_name` is expanded, and normalized once resolved.
    pub stage: Stage,
    /// Where the stage is defined: its FROM line; the COPY of a `COPY --from=<image>`;
    /// nothing for a mount's image.
    pub location: Vec<Range>,
    /// The stage name in progress names: its name, `stage-N`, or empty when the Dockerfile
    /// has a single state.
    pub stage_name: String,
    /// The stage this one is built on (`FROM <stage>`).
    pub base: Option<StageId>,
    /// Stages this one copies or mounts from, with the location of the (last) command that
    /// does, in first-use order.
    pub deps: Vec<(StageId, Vec<Range>)>,
    /// A named context (`--build-context`) replacing the whole stage.
    pub named_context: Option<Box<FoundContext>>,
    /// The stage's state is a named `local:` context whose `followpaths` are the paths used
    /// from this stage (set once loaded; the source is rebuilt with them).
    pub named_local: Option<Box<NamedLocal>>,
    /// Dispatched (or nothing left to dispatch).
    pub dispatched: bool,
    /// Base image resolved.
    pub resolved: bool,
    /// The base stage's ONBUILD triggers were added.
    pub onbuild_init: bool,
    /// Not a stage of the Dockerfile: an image or scratch used by `--from`.
    pub unregistered: bool,
    /// For an image state that a base image's ONBUILD trigger names (`COPY --from=<image>`,
    /// `RUN --mount=from=<image>`): the stage whose triggers named it, and the name as
    /// written. Lets [`super::graph`] refuse trigger chains that name an image again.
    pub onbuild_origin: Option<(StageId, String)>,
    /// The stage's ARGs, in order (with values as dispatched).
    pub build_args: Vec<KeyValuePairOptional>,
    /// The commands to dispatch (shared with the pre-dispatch snapshot).
    pub commands: Arc<Vec<DispatchCommand>>,
    /// Paths of the build context this stage uses.
    pub ctx_paths: BTreeSet<String>,
    /// The paths other stages use from this one (shared with the base stage).
    pub paths: PathSetId,
    /// `no-cache` applies to the stage.
    pub ignore_cache: bool,
    /// Index of the last step named (`[name i/n]`).
    pub cmd_index: usize,
    /// Number of steps with progress names.
    pub cmd_total: usize,
    /// The command being dispatched is an ONBUILD trigger.
    pub cmd_is_onbuild: bool,
    /// Progress names carry the platform (multi-platform builds).
    pub prefix_platform: bool,
    /// What the outline reports.
    pub outline: OutlineCapture,
    /// SOURCE_DATE_EPOCH in seconds, when set.
    pub epoch: Option<i64>,
    /// A WORKDIR was set in this Dockerfile (not only by the base image).
    pub workdir_set: bool,
    /// CMD in this stage (ENTRYPOINT keeps CMD once set; MultipleInstructionsDisallowed).
    pub cmd_tracker: InstructionTracker,
    /// ENTRYPOINT in this stage.
    pub entrypoint_tracker: InstructionTracker,
    /// HEALTHCHECK in this stage.
    pub healthcheck_tracker: InstructionTracker,
}

impl DispatchState {
    /// The OS of the stage's platform; empty until one is set.
    pub fn os(&self) -> &str {
        self.platform.as_ref().map_or("", |p| p.os.as_str())
    }

    /// The stage's platform (the target platform until one is set).
    #[allow(dead_code)] // for copy.rs
    pub fn platform_or<'a>(&'a self, default: &'a Platform) -> &'a Platform {
        self.platform.as_ref().unwrap_or(default)
    }

    /// Nanoseconds since the epoch of SOURCE_DATE_EPOCH, for file-action timestamps.
    pub fn epoch_nanos(&self) -> Option<i64> {
        self.epoch.map(|s| s.saturating_mul(1_000_000_000))
    }

    /// Records that `id` depends on this stage through the command at `location` (upstream
    /// `d.deps[src] = cmd`: a later command replaces the location).
    pub fn add_dep(&mut self, id: StageId, location: Vec<Range>) {
        match self.deps.iter_mut().find(|(d, _)| *d == id) {
            Some(entry) => entry.1 = location,
            None => self.deps.push((id, location)),
        }
    }
}

/// All stages of a conversion (upstream's `dispatchStates`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Stages {
    /// The states, Dockerfile stages first, unregistered ones appended (boxed: a state is
    /// large, and growing the list should not move or over-allocate them).
    #[allow(
        clippy::vec_box,
        reason = "1.4 KB states; the list doubles as stages are added"
    )]
    pub states: Vec<Box<DispatchState>>,
    /// Lower-cased stage name → state.
    by_name: HashMap<String, StageId, foldhash::fast::FixedState>,
    /// The unregistered scratch state of `RUN --mount`s without `from`.
    mount_scratch: Option<StageId>,
    /// The `paths` sets (see the module docs).
    pub path_sets: Vec<BTreeSet<String>>,
}

impl Stages {
    /// A new path set.
    pub fn new_path_set(&mut self) -> PathSetId {
        self.path_sets.push(BTreeSet::new());
        self.path_sets.len() - 1
    }

    /// Upstream's `addState`: appends `ds`, links it to the stage its base name names (exact
    /// match), and registers its name.
    pub fn add_state(&mut self, mut ds: DispatchState) -> StageId {
        if let Some(&base) = self.by_name.get(&ds.stage.base_name) {
            ds.base = Some(base);
            ds.outline = self.states[base].outline.clone();
        }
        let id = self.states.len();
        if !ds.stage.name.is_empty() {
            self.by_name.insert(ds.stage.name.to_lowercase(), id);
        }
        self.states.push(Box::new(ds));
        id
    }

    /// The unregistered scratch state of `RUN --mount`s without `from`, once made.
    pub fn mount_scratch(&self) -> Option<StageId> {
        self.mount_scratch
    }

    /// Records `id` as the scratch state of `RUN --mount`s without `from`.
    pub fn set_mount_scratch(&mut self, id: StageId) {
        self.mount_scratch = Some(id);
    }

    /// The stage named `name` (case-insensitive).
    pub fn find_by_name(&self, name: &str) -> Option<StageId> {
        self.by_name.get(&name.to_lowercase()).copied()
    }

    /// The state at `index` (numeric `--from`).
    pub fn find_by_index(&self, index: i64) -> Result<StageId> {
        if index < 0 || index as usize >= self.states.len() {
            return Err(ConvertError::msg(format!("invalid stage index {index}")));
        }
        Ok(index as usize)
    }

    /// The stage names used in suggestions.
    pub fn names(&self) -> Vec<String> {
        self.states
            .iter()
            .filter(|s| !s.stage_name.is_empty())
            .map(|s| s.stage_name.clone())
            .collect()
    }

    /// Splits the arena into the stage `id` and the others, for dispatching `id`.
    pub fn split(&mut self, id: StageId) -> (&mut DispatchState, OtherStages<'_>) {
        let (before, rest) = self.states.split_at_mut(id);
        let (current, after) = rest
            .split_first_mut()
            .expect("split: stage id out of range");
        (
            current,
            OtherStages {
                before,
                after,
                current: id,
                path_sets: &mut self.path_sets,
            },
        )
    }
}

/// Every stage but the one being dispatched, plus the shared path sets.
#[derive(Debug)]
pub(crate) struct OtherStages<'a> {
    before: &'a mut [Box<DispatchState>],
    after: &'a mut [Box<DispatchState>],
    current: StageId,
    /// The `paths` sets of all stages.
    pub path_sets: &'a mut Vec<BTreeSet<String>>,
}

impl OtherStages<'_> {
    /// Stage `id`; `None` for the stage being dispatched.
    pub fn get(&self, id: StageId) -> Option<&DispatchState> {
        match id.cmp(&self.current) {
            std::cmp::Ordering::Less => self.before.get(id).map(|b| &**b),
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Greater => self.after.get(id - self.current - 1).map(|b| &**b),
        }
    }

    /// Whether `id` is the stage being dispatched.
    pub fn is_current(&self, id: StageId) -> bool {
        id == self.current
    }

    /// Marks `path` as used from stage `id` (its shared path set).
    pub fn add_path(&mut self, id: StageId, path: String) {
        if let Some(set) = self.get(id).map(|s| s.paths) {
            self.add_path_to_set(set, path);
        }
    }

    /// Marks `path` as used in path set `set`.
    pub fn add_path_to_set(&mut self, set: PathSetId, path: String) {
        if let Some(paths) = self.path_sets.get_mut(set) {
            paths.insert(path);
        }
    }
}
