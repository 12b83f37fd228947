//! MergeOp: the inputs' layer chains concatenated in order. The tree is the
//! first input's tree with every later input's layers applied on top (so
//! deletions recorded in later layers apply, as in BuildKit).

use std::sync::Arc;

use llb::pb;

use super::{KeyBuilder, KeyInfo, OpCtx, input_key, tree_of};
use crate::error::{Result, SolveError};
use crate::refs::Ref;
use crate::solve::scheduler::Job;
use crate::store::SnapshotMeta;

fn merge_op(job: &Job, n: usize) -> Result<&pb::MergeOp> {
    match &job.nodes[n].op.op {
        Some(pb::op::Op::Merge(m)) => Ok(m),
        _ => Err(SolveError::Op("not a merge op".into())),
    }
}

/// Key: the input keys in order.
pub(crate) async fn cache_key(job: Arc<Job>, n: usize) -> Result<KeyInfo> {
    let m = merge_op(&job, n)?.clone();
    let mut kb = KeyBuilder::new("merge");
    for mi in &m.inputs {
        if mi.input < 0 {
            kb.add("scratch", b"");
        } else {
            kb.add(
                "input",
                input_key(&job, n, mi.input as usize).await?.as_bytes(),
            );
        }
    }
    Ok(KeyInfo::key(kb.finish()))
}

/// Runs the merge.
pub(crate) fn run(ctx: &OpCtx, m: &pb::MergeOp, inputs: Vec<Ref>) -> Result<Vec<Ref>> {
    let mut snaps = Vec::new();
    for mi in &m.inputs {
        if mi.input < 0 {
            continue;
        }
        let r = inputs
            .get(mi.input as usize)
            .ok_or_else(|| SolveError::Op(format!("merge input {} out of range", mi.input)))?;
        if let Some(s) = tree_of(&ctx.store, r)? {
            snaps.push(s);
        }
    }
    match snaps.len() {
        0 => return Ok(vec![Ref::Empty]),
        1 => return Ok(vec![Ref::Snapshot(snaps[0].clone())]),
        _ => {}
    }
    let mut chain = ctx.store.layer_chain(&snaps[0])?;
    let work = ctx.store.work_dir_from(Some(&snaps[0].dir))?;
    for s in &snaps[1..] {
        let layers = ctx.store.layer_chain(s)?;
        ctx.store.apply_layers(&work.fs, &layers)?;
        chain.extend(layers);
    }
    let snap = ctx.store.commit(
        work,
        SnapshotMeta {
            parent: None,
            layers: Some(chain.into_iter().map(|l| l.diff_id).collect()),
            description: ctx.name.clone(),
        },
    )?;
    Ok(vec![Ref::Snapshot(Arc::new(snap))])
}
