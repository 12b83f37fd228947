//! FileOp: a sequence of actions (copy, mkfile, mkdir, rm, symlink), each
//! working on a mutable copy of its input — an op input, the result of an
//! earlier action, or scratch — with outputs committed as snapshots whose
//! parent is the op input the chain started from (so their layer is the
//! diff against it).
//!
//! Index rules (PROTOCOL-FACTS §3): an index below `len(op.inputs)` names
//! an op input; a larger one the result of action `index - len(inputs)`;
//! -1 is scratch/none.

pub mod chown;
pub mod copy;
pub mod mkdir;
pub mod mkfile;
pub mod rm;
pub mod symlink;

use std::path::PathBuf;
use std::sync::Arc;

use llb::pb;
use llb::pb::file_action::Action;
use prost::Message;

use super::{KeyBuilder, KeyInfo, OpCtx, Selector, content_hash, input_key, tree_of};
use crate::error::{Result, SolveError};
use crate::refs::Ref;
use crate::solve::scheduler::Job;
use crate::store::{Snapshot, SnapshotMeta, WorkDir};

fn file_op(job: &Job, n: usize) -> Result<&pb::FileOp> {
    match &job.nodes[n].op.op {
        Some(pb::op::Op::File(f)) => Ok(f),
        _ => Err(SolveError::Op("not a file op".into())),
    }
}

/// A clean copy of a path keeping a trailing `/` (BuildKit's `cleanPath`).
pub fn clean_keep_slash(p: &str) -> String {
    let c = crate::fsutil::safepath::clean_abs(p);
    if (p.ends_with('/') || p.ends_with("/.")) && c != "/" {
        format!("{c}/")
    } else {
        c
    }
}

/// The cache key: normalized actions plus, per input, its key (bases,
/// owner databases) or the content hash of what copies read from it.
pub(crate) async fn cache_key(job: Arc<Job>, n: usize) -> Result<KeyInfo> {
    let f = file_op(&job, n)?.clone();
    let n_inputs = job.nodes[n].inputs.len() as i64;
    let mut kb = KeyBuilder::new("file");
    let mut normalized = f.clone();
    for a in normalized.actions.iter_mut() {
        if let Some(Action::Copy(c)) = &mut a.action {
            let base = c
                .src
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            c.src = base;
        }
    }
    kb.add("op", &normalized.encode_to_vec());
    for i in 0..n_inputs {
        let mut as_base = false;
        let mut selectors = Vec::new();
        for a in &f.actions {
            if a.input == i {
                as_base = true;
            }
            match &a.action {
                Some(Action::Copy(c)) if a.secondary_input == i => selectors.push(Selector {
                    path: c.src.clone(),
                    follow: c.follow_symlink,
                    wildcard: c.allow_wildcard,
                    include: c.include_patterns.clone(),
                    exclude: c.exclude_patterns.clone(),
                }),
                _ => {}
            }
            for u in chown::name_inputs(a) {
                if u == i {
                    as_base = true;
                }
            }
        }
        if as_base {
            let k = input_key(&job, n, i as usize).await?;
            kb.add("input-key", k.as_bytes());
        }
        if !selectors.is_empty() {
            let r = job.clone().input_ref(n, i as usize).await?;
            let solver = job.solver.clone();
            let sels = selectors.clone();
            let hashes = super::source::blocking(move || {
                sels.iter()
                    .map(|s| {
                        copy::check_source_exists(&r, s)?;
                        content_hash(&solver, &r, s)
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .await?;
            for h in hashes {
                kb.add("content", h.as_bytes());
            }
        }
    }
    Ok(KeyInfo::key(kb.finish()))
}

/// The state an action works on.
enum Slot {
    /// Not computed yet / taken.
    Empty,
    /// A mutable tree and the op-input snapshot it descends from.
    Work(WorkDir, Option<Arc<Snapshot>>),
}

/// A readable tree: a directory plus an owner override (local views).
pub struct SourceTree {
    /// The directory (None: scratch).
    pub dir: Option<PathBuf>,
    /// Owners to report instead of the real ones.
    pub owner: Option<(u32, u32)>,
}

/// Runs the actions.
pub(crate) fn run(ctx: &OpCtx, f: &pb::FileOp, inputs: Vec<Ref>) -> Result<Vec<Ref>> {
    let n_in = inputs.len() as i64;
    let n_actions = f.actions.len();
    // How often each action result is used as a base.
    let mut base_uses = vec![0usize; n_actions];
    for a in &f.actions {
        if a.input >= n_in {
            let j = (a.input - n_in) as usize;
            if j < n_actions {
                base_uses[j] += 1;
            }
        }
    }
    let mut slots: Vec<Slot> = (0..n_actions).map(|_| Slot::Empty).collect();
    let mut outputs: Vec<(i64, usize)> = Vec::new();
    for (idx, a) in f.actions.iter().enumerate() {
        // The base tree.
        let (work, parent) = if a.input < 0 {
            (ctx.store.new_work_dir()?, None)
        } else if a.input < n_in {
            let r = &inputs[a.input as usize];
            let snap = tree_of(&ctx.store, r)?;
            let work = ctx
                .store
                .work_dir_from(snap.as_ref().map(|s| s.dir.as_path()))?;
            (work, snap)
        } else {
            let j = (a.input - n_in) as usize;
            if j >= idx {
                return Err(SolveError::Op(format!(
                    "file action {idx} uses a later action {j}"
                )));
            }
            let take = base_uses[j] == 1 && f.actions[j].output < 0;
            if take {
                match std::mem::replace(&mut slots[j], Slot::Empty) {
                    Slot::Work(w, p) => (w, p),
                    Slot::Empty => {
                        return Err(SolveError::Op(format!("file action {j} has no result")));
                    }
                }
            } else {
                match &slots[j] {
                    Slot::Work(w, p) => (ctx.store.work_dir_from(Some(&w.fs))?, p.clone()),
                    Slot::Empty => {
                        return Err(SolveError::Op(format!("file action {j} has no result")));
                    }
                }
            }
        };
        let source_tree = |i: i64| -> Result<SourceTree> {
            if i < 0 {
                return Ok(SourceTree {
                    dir: None,
                    owner: None,
                });
            }
            if i < n_in {
                let r = &inputs[i as usize];
                return Ok(match r {
                    Ref::Local(l) if l.filter.is_noop() => SourceTree {
                        dir: Some(l.dir.clone()),
                        owner: Some((0, 0)),
                    },
                    other => SourceTree {
                        dir: tree_of(&ctx.store, other)?.map(|s| s.dir.clone()),
                        owner: None,
                    },
                });
            }
            let j = (i - n_in) as usize;
            match slots.get(j) {
                Some(Slot::Work(w, _)) => Ok(SourceTree {
                    dir: Some(w.fs.clone()),
                    owner: None,
                }),
                _ => Err(SolveError::Op(format!("file action {j} has no result"))),
            }
        };
        let owner = |c: &Option<pb::ChownOpt>| -> Result<Option<(u32, u32)>> {
            chown::resolve(c.as_ref(), &|i| source_tree(i).map(|t| t.dir))
        };
        match &a.action {
            Some(Action::Copy(c)) => {
                let src = source_tree(a.secondary_input)?;
                let own = owner(&c.owner)?;
                copy::copy(&src, &work.fs, c, own).map_err(|e| action_error("copy", &c.src, e))?;
            }
            Some(Action::Mkdir(m)) => {
                let own = owner(&m.owner)?;
                mkdir::mkdir(&work.fs, m, own).map_err(|e| action_error("mkdir", &m.path, e))?;
            }
            Some(Action::Mkfile(m)) => {
                let own = owner(&m.owner)?;
                mkfile::mkfile(&work.fs, m, own).map_err(|e| action_error("mkfile", &m.path, e))?;
            }
            Some(Action::Rm(r)) => {
                rm::rm(&work.fs, r).map_err(|e| action_error("rm", &r.path, e))?;
            }
            Some(Action::Symlink(s)) => {
                let own = owner(&s.owner)?;
                symlink::symlink(&work.fs, s, own)
                    .map_err(|e| action_error("symlink", &s.newpath, e))?;
            }
            None => return Err(SolveError::Op(format!("file action {idx} is empty"))),
        }
        if a.output >= 0 {
            outputs.push((a.output, idx));
        }
        slots[idx] = Slot::Work(work, parent);
    }
    outputs.sort();
    let mut refs = Vec::with_capacity(outputs.len());
    for (expected, (out, idx)) in outputs.iter().enumerate() {
        if *out as usize != expected {
            return Err(SolveError::Op(format!(
                "file op output indexes have a gap at {expected}"
            )));
        }
        let (work, parent) = match std::mem::replace(&mut slots[*idx], Slot::Empty) {
            Slot::Work(w, p) => (w, p),
            Slot::Empty => return Err(SolveError::Op(format!("file action {idx} has no result"))),
        };
        let snap = ctx.store.commit(
            work,
            SnapshotMeta {
                parent: parent.map(|p| p.id.clone()),
                layers: None,
                description: ctx.name.clone(),
            },
        )?;
        refs.push(Ref::Snapshot(Arc::new(snap)));
    }
    if refs.is_empty() {
        return Err(SolveError::Op("file op has no output".into()));
    }
    Ok(refs)
}

fn action_error(kind: &str, path: &str, e: FileError) -> SolveError {
    match e {
        FileError::Message(m) => SolveError::Op(m),
        FileError::Io(io) => SolveError::Op(format!("{kind} {path}: {io}")),
    }
}

/// An action failure.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// A described failure (BuildKit's wording where known).
    #[error("{0}")]
    Message(String),
    /// An OS error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<crate::fsutil::safepath::SafePathError> for FileError {
    fn from(e: crate::fsutil::safepath::SafePathError) -> Self {
        FileError::Message(e.to_string())
    }
}

/// Converts a file-op timestamp (-1 = unset) to times.
pub fn timestamp(ts: i64) -> Option<crate::fsutil::meta::Times> {
    (ts != -1).then(|| crate::fsutil::meta::Times::both(ts))
}
