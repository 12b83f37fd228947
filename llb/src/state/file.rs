//! File ops: chains of [`FileAction`]s (copy, mkdir, mkfile, rm, symlink)
//! applied to a State with [`State::file`](super::State::file).
//!
//! A chain is built with the constructors and [`FileAction::then`]; when
//! applied, every action of the chain is bound to the State it is applied
//! to, whose working directory resolves relative paths. A copy's source is
//! a State, or another chain bound to some State with
//! [`FileAction::with_state`] (the copy then reads that chain's result).
//!
//! Marshalling follows Go's `client/llb` `FileOp`:
//! - op inputs are the distinct outputs the chain needs, in the order the
//!   actions are visited (earlier actions first; an action's base State,
//!   then its copy source);
//! - an action's `input` is its base State's input index for the first
//!   action (-1 for scratch) and, for later ones, the result of the previous
//!   action, written as `len(inputs) + i`; `secondaryInput` likewise for a
//!   copy source (-1 when none or scratch);
//! - only the last action has an output (0); the others have -1;
//! - paths are cleaned and joined onto the State's working directory; copy
//!   destinations keep a trailing `/` or `/.`; copy sources are resolved
//!   against the source State's directory; symlink paths are kept verbatim;
//! - `owner` by name reads the base input's `/etc/passwd` (`input` = the
//!   base index); `root` and numeric strings become ids;
//! - the op has no platform; its metadata records `file.base` only, as
//!   upstream effectively does (see [`FileAction::required_caps`] and
//!   [`MarshalOptions::record_file_action_caps`]).
//!
//! [`MarshalOptions::record_file_action_caps`]: crate::marshal::MarshalOptions::record_file_action_caps

use std::sync::Arc;

use crate::marshal::{MarshalError, OP_FILE, OpContext, OpInput, OpParts, wire};

use super::State;
use super::caps;
use super::constraints::Constraints;
use super::node::{OpKind, OpNode, Output};
use super::path;

/// A user or group for [`ChownOpt`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserOpt {
    /// A numeric id.
    Id(u32),
    /// A name looked up in the base State's `/etc/passwd` or `/etc/group`
    /// (an empty name means id 0, as upstream).
    Name(String),
}

impl UserOpt {
    /// Go's `parseUID`: `root` → 0, a 32-bit integer → its id (negative
    /// values wrap), anything else → a name.
    pub fn parse(s: &str) -> UserOpt {
        if s == "root" {
            return UserOpt::Id(0);
        }
        match parse_int32(s) {
            Some(id) => UserOpt::Id(id as u32),
            None => UserOpt::Name(s.to_string()),
        }
    }

    /// Writes the `pb.UserOpt` body (its `user` oneof) to `buf`; a name is looked up in
    /// input `base`.
    fn write(&self, buf: &mut Vec<u8>, base: i64) {
        match self {
            UserOpt::Name(name) if !name.is_empty() => wire::message(buf, 1, |b| {
                wire::string(b, 1, name);
                wire::int64(b, 2, base);
            }),
            UserOpt::Name(_) => wire::varint_always(buf, 2, 0),
            UserOpt::Id(id) => wire::varint_always(buf, 2, u64::from(*id)),
        }
    }
}

/// Go's `strconv.ParseInt(s, 10, 32)`: optional sign, decimal digits.
fn parse_int32(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = digits.parse().ok()?;
    let value = if s.starts_with('-') {
        -magnitude
    } else {
        magnitude
    };
    i32::try_from(value).ok()
}

/// Ownership of created or copied files (Go's `ChownOpt`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChownOpt {
    /// The owner.
    pub user: Option<UserOpt>,
    /// The group.
    pub group: Option<UserOpt>,
}

impl ChownOpt {
    /// Go's `WithUser`: `user[:group]`, each part parsed by
    /// [`UserOpt::parse`].
    pub fn parse(spec: &str) -> ChownOpt {
        let (user, group) = match spec.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (spec, None),
        };
        ChownOpt {
            user: Some(UserOpt::parse(user)),
            group: group.map(UserOpt::parse),
        }
    }

    /// Go's `WithUIDGID`.
    pub fn ids(uid: u32, gid: u32) -> ChownOpt {
        ChownOpt {
            user: Some(UserOpt::Id(uid)),
            group: Some(UserOpt::Id(gid)),
        }
    }

    /// Writes the `pb.ChownOpt` body to `buf`; names are looked up in input `base`.
    fn write(&self, buf: &mut Vec<u8>, base: i64) {
        if let Some(u) = &self.user {
            wire::message(buf, 1, |b| u.write(b, base));
        }
        if let Some(g) = &self.group {
            wire::message(buf, 2, |b| g.write(b, base));
        }
    }
}

/// Mode of copied files (Go's `ChmodOpt`): a symbolic `mode_str` (e.g.
/// `u=rwX,go=rX`) wins over the numeric `mode`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChmodOpt {
    /// Numeric mode, e.g. `0o755`.
    pub mode: u32,
    /// Symbolic mode; needs the daemon cap `file.copy.modestring`.
    pub mode_str: String,
}

impl ChmodOpt {
    /// A numeric mode.
    pub fn octal(mode: u32) -> ChmodOpt {
        ChmodOpt {
            mode,
            mode_str: String::new(),
        }
    }

    /// A symbolic mode.
    pub fn symbolic(mode: impl Into<String>) -> ChmodOpt {
        ChmodOpt {
            mode: 0,
            mode_str: mode.into(),
        }
    }
}

/// Options of [`FileAction::mkdir`] (Go's `MkdirInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MkdirOptions {
    /// Create missing parents (`mkdir -p`).
    pub make_parents: bool,
    /// Owner.
    pub chown: Option<ChownOpt>,
    /// Timestamp in Unix nanoseconds (`None` = now, written as -1).
    pub created_time: Option<i64>,
}

/// Options of [`FileAction::mkfile`] (Go's `MkfileInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MkfileOptions {
    /// Owner.
    pub chown: Option<ChownOpt>,
    /// Timestamp in Unix nanoseconds.
    pub created_time: Option<i64>,
}

/// Options of [`FileAction::rm`] (Go's `RmInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RmOptions {
    /// Do not fail when the path does not exist.
    pub allow_not_found: bool,
    /// Treat the path as a wildcard pattern.
    pub allow_wildcard: bool,
}

/// Options of [`FileAction::symlink`] (Go's `SymlinkInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SymlinkOptions {
    /// Owner.
    pub chown: Option<ChownOpt>,
    /// Timestamp in Unix nanoseconds.
    pub created_time: Option<i64>,
}

/// Options of [`FileAction::copy`] (Go's `CopyInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyOptions {
    /// Mode of the copied files (`None` keeps them, written as -1).
    pub mode: Option<ChmodOpt>,
    /// Follow a symlink at the source path.
    pub follow_symlinks: bool,
    /// Copy a directory's contents, not the directory.
    pub copy_dir_contents_only: bool,
    /// Only copy paths matching these patterns.
    pub include_patterns: Vec<String>,
    /// Skip paths matching these patterns.
    pub exclude_patterns: Vec<String>,
    /// Paths that must exist in the source.
    pub required_paths: Vec<String>,
    /// Unpack archives (`ADD`).
    pub attempt_unpack: bool,
    /// Create missing destination parents.
    pub create_dest_path: bool,
    /// Treat the source as a wildcard pattern.
    pub allow_wildcard: bool,
    /// Allow a wildcard to match nothing.
    pub allow_empty_wildcard: bool,
    /// Owner of the copied files.
    pub chown: Option<ChownOpt>,
    /// Timestamp in Unix nanoseconds.
    pub created_time: Option<i64>,
    /// Replace existing destination paths even when types differ.
    pub always_replace_existing_dest_paths: bool,
}

/// What a copy reads from.
#[derive(Clone, Debug)]
pub enum CopySource {
    /// A State's filesystem.
    State(State),
    /// The result of a chain bound to a State
    /// ([`FileAction::with_state`]).
    Actions(BoundActions),
}

impl From<&State> for CopySource {
    fn from(state: &State) -> CopySource {
        CopySource::State(state.clone())
    }
}

impl From<State> for CopySource {
    fn from(state: State) -> CopySource {
        CopySource::State(state)
    }
}

/// A chain of file actions bound to the State it applies to.
#[derive(Clone, Debug)]
pub struct BoundActions(Arc<BoundAction>);

#[derive(Debug)]
struct BoundAction {
    state: State,
    prev: Option<Arc<BoundAction>>,
    kind: ActionKind,
}

#[derive(Clone, Debug)]
enum ActionKind {
    Mkdir {
        path: String,
        mode: u32,
        opts: MkdirOptions,
    },
    Mkfile {
        path: String,
        mode: u32,
        data: Arc<[u8]>,
        opts: MkfileOptions,
    },
    Rm {
        path: String,
        opts: RmOptions,
    },
    Symlink {
        oldpath: String,
        newpath: String,
        opts: SymlinkOptions,
    },
    Copy {
        source: CopySource,
        src: String,
        dest: String,
        opts: Box<CopyOptions>,
    },
}

#[derive(Debug)]
struct ActionNode {
    prev: Option<Arc<ActionNode>>,
    kind: ActionKind,
}

/// A chain of file actions, not yet applied to a State. Cheap to clone.
#[derive(Clone, Debug)]
pub struct FileAction {
    last: Arc<ActionNode>,
}

impl FileAction {
    fn single(kind: ActionKind) -> FileAction {
        FileAction {
            last: Arc::new(ActionNode { prev: None, kind }),
        }
    }

    /// Creates a directory (Go's `Mkdir`); only the permission bits of
    /// `mode` are kept.
    pub fn mkdir(path: impl Into<String>, mode: u32, opts: MkdirOptions) -> FileAction {
        FileAction::single(ActionKind::Mkdir {
            path: path.into(),
            mode,
            opts,
        })
    }

    /// Creates a file with `data` (Go's `Mkfile`).
    pub fn mkfile(
        path: impl Into<String>,
        mode: u32,
        data: impl Into<Vec<u8>>,
        opts: MkfileOptions,
    ) -> FileAction {
        FileAction::single(ActionKind::Mkfile {
            path: path.into(),
            mode,
            data: Arc::from(data.into()),
            opts,
        })
    }

    /// Removes a path (Go's `Rm`).
    pub fn rm(path: impl Into<String>, opts: RmOptions) -> FileAction {
        FileAction::single(ActionKind::Rm {
            path: path.into(),
            opts,
        })
    }

    /// Creates a symlink at `newpath` pointing to `oldpath` (Go's
    /// `Symlink`); both are written verbatim.
    pub fn symlink(
        oldpath: impl Into<String>,
        newpath: impl Into<String>,
        opts: SymlinkOptions,
    ) -> FileAction {
        FileAction::single(ActionKind::Symlink {
            oldpath: oldpath.into(),
            newpath: newpath.into(),
            opts,
        })
    }

    /// Copies `src` of `source` to `dest` (Go's `Copy`).
    pub fn copy(
        source: impl Into<CopySource>,
        src: impl Into<String>,
        dest: impl Into<String>,
        opts: CopyOptions,
    ) -> FileAction {
        FileAction::single(ActionKind::Copy {
            source: source.into(),
            src: src.into(),
            dest: dest.into(),
            opts: Box::new(opts),
        })
    }

    /// Appends `next`'s actions after this chain's (Go's chained
    /// `fa.Mkdir(…)`, `fa.Copy(…)`, …).
    pub fn then(self, next: FileAction) -> FileAction {
        let mut kinds = Vec::new();
        let mut cur = Some(&next.last);
        while let Some(node) = cur {
            kinds.push(node.kind.clone());
            cur = node.prev.as_ref();
        }
        let mut last = self.last;
        for kind in kinds.into_iter().rev() {
            last = Arc::new(ActionNode {
                prev: Some(last),
                kind,
            });
        }
        FileAction { last }
    }

    /// Binds this chain to `state`, as a copy source (Go's `WithState`).
    pub fn with_state(&self, state: &State) -> CopySource {
        CopySource::Actions(BoundActions(bind(&self.last, state)))
    }

    /// The capabilities the chain's actions need from the daemon beyond
    /// `file.base`: `file.copy.includeexcludepatterns`,
    /// `file.copy.requiredpaths`, `file.copy.alwaysreplaceexistingdestpaths`,
    /// `file.copy.modestring`, `file.symlink.create`, `file.rm.wildcard`.
    /// Upstream means to record them but does not (its file op collects
    /// them before visiting any action), so they are recorded only with
    /// [`MarshalOptions::record_file_action_caps`](crate::marshal::MarshalOptions::record_file_action_caps).
    pub fn required_caps(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut cur = Some(&self.last);
        while let Some(node) = cur {
            kind_caps(&node.kind, &mut out);
            cur = node.prev.as_ref();
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn kind_caps(kind: &ActionKind, out: &mut Vec<&'static str>) {
    match kind {
        ActionKind::Copy { opts, .. } => {
            if !opts.include_patterns.is_empty() || !opts.exclude_patterns.is_empty() {
                out.push(caps::FILE_COPY_INCLUDE_EXCLUDE_PATTERNS);
            }
            if !opts.required_paths.is_empty() {
                out.push(caps::FILE_COPY_REQUIRED_PATHS);
            }
            if opts.always_replace_existing_dest_paths {
                out.push(caps::FILE_COPY_ALWAYS_REPLACE_EXISTING_DEST_PATHS);
            }
            if opts.mode.as_ref().is_some_and(|m| !m.mode_str.is_empty()) {
                out.push(caps::FILE_COPY_MODE_STRING_FORMAT);
            }
        }
        ActionKind::Symlink { .. } => out.push(caps::FILE_SYMLINK_CREATE),
        ActionKind::Rm { opts, .. } if opts.allow_wildcard => out.push(caps::FILE_RM_WILDCARD),
        _ => {}
    }
}

/// Copies the chain ending at `node`, every action bound to `state`.
fn bind(node: &Arc<ActionNode>, state: &State) -> Arc<BoundAction> {
    let mut chain = Vec::new();
    let mut cur = Some(node);
    while let Some(n) = cur {
        chain.push(n);
        cur = n.prev.as_ref();
    }
    let mut prev: Option<Arc<BoundAction>> = None;
    for n in chain.into_iter().rev() {
        prev = Some(Arc::new(BoundAction {
            state: state.clone(),
            prev,
            kind: n.kind.clone(),
        }));
    }
    // `chain` always holds at least `node`.
    prev.unwrap_or_else(|| {
        Arc::new(BoundAction {
            state: state.clone(),
            prev: None,
            kind: node.kind.clone(),
        })
    })
}

/// Creates the file op node for `state.file(action, constraints)`.
pub(crate) fn file_op_output(
    state: &State,
    action: FileAction,
    constraints: Constraints,
) -> Output {
    let op = FileOp {
        action: bind(&action.last, state),
    };
    let node = OpNode::new(OpKind::File(op), constraints);
    Output::new(&node, 0)
}

/// The file payload of an op node.
#[derive(Debug)]
pub(crate) struct FileOp {
    action: Arc<BoundAction>,
}

/// Where an action's input comes from.
#[derive(Clone, Copy)]
enum InputRef {
    /// An op input index, or -1.
    Input(i64),
    /// The result of the action at this position.
    Action(usize),
}

struct ActionState {
    action: Arc<BoundAction>,
    base: i64,
    input: InputRef,
    secondary: InputRef,
}

struct FileMarshal<'a, 'c> {
    ctx: &'a OpContext<'c>,
    inputs: Vec<OpInput<'c>>,
    visited: crate::digest::DigestMap<usize, usize>,
    actions: Vec<ActionState>,
}

impl FileMarshal<'_, '_> {
    fn add_input(&mut self, output: &Output) -> Result<i64, MarshalError> {
        self.ctx.input_index(&mut self.inputs, output)
    }

    /// Go's `marshalState.add`: the position of `fa` in `actions`.
    fn add(&mut self, fa: &Arc<BoundAction>) -> Result<usize, MarshalError> {
        let key = Arc::as_ptr(fa) as usize;
        if let Some(&target) = self.visited.get(&key) {
            return Ok(target);
        }
        let prev_target = match &fa.prev {
            Some(prev) => Some(self.add(prev)?),
            None => None,
        };
        let base = match fa.state.output() {
            Some(out) => self.add_input(out)?,
            None => -1,
        };
        let input = match prev_target {
            Some(t) => InputRef::Action(t),
            None => InputRef::Input(base),
        };
        let secondary = match &fa.kind {
            ActionKind::Copy {
                source: CopySource::State(s),
                ..
            } => match s.output() {
                Some(out) => InputRef::Input(self.add_input(out)?),
                None => InputRef::Input(-1),
            },
            ActionKind::Copy {
                source: CopySource::Actions(b),
                ..
            } => InputRef::Action(self.add(&b.0)?),
            _ => InputRef::Input(-1),
        };
        let target = self.actions.len();
        self.visited.insert(key, target);
        self.actions.push(ActionState {
            action: Arc::clone(fa),
            base,
            input,
            secondary,
        });
        Ok(target)
    }
}

impl FileOp {
    /// Calls `f` with each output the chain reads, in upstream's visiting order.
    pub(crate) fn for_each_dependency<'a>(&'a self, f: &mut impl FnMut(&'a Output)) {
        visit_outputs(&self.action, f);
    }

    /// Writes the `pb.FileOp` body to `body`.
    pub(crate) fn marshal<'c>(
        &self,
        ctx: &OpContext<'c>,
        body: &mut Vec<u8>,
    ) -> Result<OpParts<'c>, MarshalError> {
        let mut fm = FileMarshal {
            ctx,
            inputs: Vec::new(),
            visited: crate::digest::DigestMap::default(),
            actions: Vec::new(),
        };
        fm.add(&self.action)?;
        let n_inputs = fm.inputs.len() as i64;
        let resolve = |r: InputRef| match r {
            InputRef::Input(i) => i,
            InputRef::Action(t) => n_inputs + t as i64,
        };
        let count = fm.actions.len();
        let mut caps = vec![caps::FILE_BASE];
        // FileOp.actions (2).
        for (i, st) in fm.actions.iter().enumerate() {
            if ctx.options.record_file_action_caps {
                kind_caps(&st.action.kind, &mut caps);
            }
            let parent = st.action.state.get_dir();
            wire::message(body, 2, |b| {
                wire::int64(b, 1, resolve(st.input));
                wire::int64(b, 2, resolve(st.secondary));
                wire::int64(b, 3, if i + 1 == count { 0 } else { -1 });
                write_action(b, &st.action.kind, parent, st.base);
            });
        }
        Ok(OpParts {
            inputs: fm.inputs,
            tag: OP_FILE,
            platform: None,
            keep_platform: false,
            caps,
        })
    }
}

/// Go's `FileAction.allOutputs`, each output handed to `f` in turn.
fn visit_outputs<'a>(fa: &'a Arc<BoundAction>, f: &mut impl FnMut(&'a Output)) {
    let mut cur = Some(fa);
    while let Some(a) = cur {
        if let Some(o) = a.state.output() {
            f(o);
        }
        if let ActionKind::Copy { source, .. } = &a.kind {
            match source {
                CopySource::State(s) => s.output().into_iter().for_each(&mut *f),
                CopySource::Actions(b) => visit_outputs(&b.0, f),
            }
        }
        cur = a.prev.as_ref();
    }
}

fn timestamp(t: Option<i64>) -> i64 {
    t.unwrap_or(-1)
}

/// Writes owner field `tag` when `c` is set.
fn owner(buf: &mut Vec<u8>, tag: u32, c: &Option<ChownOpt>, base: i64) {
    if let Some(c) = c {
        wire::message(buf, tag, |b| c.write(b, base));
    }
}

/// Writes the `action` oneof of a `pb.FileAction`: its member message, fields in order.
fn write_action(buf: &mut Vec<u8>, kind: &ActionKind, parent: &str, base: i64) {
    match kind {
        ActionKind::Copy {
            source,
            src,
            dest,
            opts,
        } => wire::message(buf, 4, |b| {
            let (mode, mode_str) = match &opts.mode {
                Some(m) if !m.mode_str.is_empty() => (0, m.mode_str.as_str()),
                Some(m) => (m.mode as i32, ""),
                None => (-1, ""),
            };
            wire::string(b, 1, &source_path(source, src));
            wire::string(b, 2, &normalize_path(parent, dest, true));
            owner(b, 3, &opts.chown, base);
            wire::int32(b, 4, mode);
            wire::boolean(b, 5, opts.follow_symlinks);
            wire::boolean(b, 6, opts.copy_dir_contents_only);
            wire::boolean(b, 7, opts.attempt_unpack);
            wire::boolean(b, 8, opts.create_dest_path);
            wire::boolean(b, 9, opts.allow_wildcard);
            wire::boolean(b, 10, opts.allow_empty_wildcard);
            wire::int64(b, 11, timestamp(opts.created_time));
            wire::strings(b, 12, &opts.include_patterns);
            wire::strings(b, 13, &opts.exclude_patterns);
            wire::boolean(b, 14, opts.always_replace_existing_dest_paths);
            wire::string(b, 15, mode_str);
            wire::strings(b, 16, &opts.required_paths);
        }),
        ActionKind::Mkfile {
            path,
            mode,
            data,
            opts,
        } => wire::message(buf, 5, |b| {
            wire::string(b, 1, &normalize_path(parent, path, false));
            wire::int32(b, 2, (mode & 0o777) as i32);
            wire::bytes(b, 3, data);
            owner(b, 4, &opts.chown, base);
            wire::int64(b, 5, timestamp(opts.created_time));
        }),
        ActionKind::Mkdir { path, mode, opts } => wire::message(buf, 6, |b| {
            wire::string(b, 1, &normalize_path(parent, path, false));
            wire::int32(b, 2, (mode & 0o777) as i32);
            wire::boolean(b, 3, opts.make_parents);
            owner(b, 4, &opts.chown, base);
            wire::int64(b, 5, timestamp(opts.created_time));
        }),
        ActionKind::Rm { path, opts } => wire::message(buf, 7, |b| {
            wire::string(b, 1, &normalize_path(parent, path, false));
            wire::boolean(b, 2, opts.allow_not_found);
            wire::boolean(b, 3, opts.allow_wildcard);
        }),
        ActionKind::Symlink {
            oldpath,
            newpath,
            opts,
        } => wire::message(buf, 8, |b| {
            wire::string(b, 1, oldpath);
            wire::string(b, 2, newpath);
            owner(b, 3, &opts.chown, base);
            wire::int64(b, 4, timestamp(opts.created_time));
        }),
    }
}

/// Go's `fileActionCopy.sourcePath`: cleaned, and joined onto the source
/// State's directory when relative.
fn source_path(source: &CopySource, src: &str) -> String {
    let p = path::clean(src);
    let dir = if path::is_abs(&p) {
        "/"
    } else {
        match source {
            CopySource::State(s) => s.get_dir(),
            CopySource::Actions(b) => b.0.state.get_dir(),
        }
    };
    path::join(&[dir, &p])
}

/// Go's `normalizePath`: cleaned, joined onto `parent` when relative;
/// with `keep_slash`, a trailing `/` or `/.` of the original is kept.
fn normalize_path(parent: &str, p: &str, keep_slash: bool) -> String {
    let mut out = path::clean(p);
    if !path::is_abs(&out) {
        out = path::join(&["/", parent, &out]);
    }
    if keep_slash {
        if p.ends_with('/') && !out.ends_with('/') {
            out.push('/');
        } else if p.ends_with("/.") {
            if out != "/" {
                out.push('/');
            }
            out.push('.');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb;

    #[test]
    fn normalizes_paths_like_go() {
        assert_eq!(normalize_path("/app", "sub", false), "/app/sub");
        assert_eq!(normalize_path("/", "/a/../b/", false), "/b");
        assert_eq!(normalize_path("/", "/app/", true), "/app/");
        assert_eq!(normalize_path("/w", "x/.", true), "/w/x/.");
        assert_eq!(normalize_path("/", "/.", true), "/.");
        assert_eq!(normalize_path("/w", ".", true), "/w");
        assert_eq!(normalize_path("", "rel", false), "/rel");
    }

    #[test]
    fn parses_chown_like_go() {
        assert_eq!(ChownOpt::parse("1000:1000"), ChownOpt::ids(1000, 1000));
        assert_eq!(
            ChownOpt::parse("app:staff"),
            ChownOpt {
                user: Some(UserOpt::Name("app".into())),
                group: Some(UserOpt::Name("staff".into())),
            }
        );
        assert_eq!(
            ChownOpt::parse("root"),
            ChownOpt {
                user: Some(UserOpt::Id(0)),
                group: None
            }
        );
        assert_eq!(UserOpt::parse("-1"), UserOpt::Id(u32::MAX));
        assert_eq!(UserOpt::parse("+5"), UserOpt::Id(5));
        assert_eq!(
            UserOpt::parse("4294967296"),
            UserOpt::Name("4294967296".into())
        );
        // An empty name is written as id 0, whatever the input.
        let mut buf = Vec::new();
        UserOpt::Name(String::new()).write(&mut buf, 3);
        let decoded = <pb::UserOpt as prost::Message>::decode(buf.as_slice()).unwrap();
        assert_eq!(decoded.user, Some(pb::user_opt::User::ById(0)));
    }
}
