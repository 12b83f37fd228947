//! DiffOp: the changes from `lower` to `upper`. When lower's layer chain is
//! a prefix of upper's, the result is upper's remaining layers; otherwise a
//! single layer computed by comparing the two trees. The result's tree is
//! those layers applied onto an empty directory.

use std::io::Write;
use std::sync::Arc;

use llb::pb;

use super::{KeyBuilder, KeyInfo, OpCtx, input_key, tree_of};
use crate::error::{Result, SolveError};
use crate::refs::Ref;
use crate::solve::scheduler::Job;
use crate::store::SnapshotMeta;
use crate::store::layer::{HashingWriter, LayerDesc, TarOptions, write_diff};

fn diff_op(job: &Job, n: usize) -> Result<&pb::DiffOp> {
    match &job.nodes[n].op.op {
        Some(pb::op::Op::Diff(d)) => Ok(d),
        _ => Err(SolveError::Op("not a diff op".into())),
    }
}

fn index(i: Option<i64>) -> i64 {
    i.unwrap_or(-1)
}

/// Key: lower and upper keys.
pub(crate) async fn cache_key(job: Arc<Job>, n: usize) -> Result<KeyInfo> {
    let d = *diff_op(&job, n)?;
    let mut kb = KeyBuilder::new("diff");
    for (label, i) in [
        ("lower", index(d.lower.map(|l| l.input))),
        ("upper", index(d.upper.map(|u| u.input))),
    ] {
        if i < 0 {
            kb.add(label, b"scratch");
        } else {
            kb.add(label, input_key(&job, n, i as usize).await?.as_bytes());
        }
    }
    Ok(KeyInfo::key(kb.finish()))
}

/// Runs the diff.
pub(crate) fn run(ctx: &OpCtx, d: &pb::DiffOp, inputs: Vec<Ref>) -> Result<Vec<Ref>> {
    let get = |i: i64| -> Result<Ref> {
        if i < 0 {
            return Ok(Ref::Empty);
        }
        inputs
            .get(i as usize)
            .cloned()
            .ok_or_else(|| SolveError::Op(format!("diff input {i} out of range")))
    };
    let lower = tree_of(&ctx.store, &get(index(d.lower.as_ref().map(|l| l.input)))?)?;
    let upper = tree_of(&ctx.store, &get(index(d.upper.as_ref().map(|u| u.input)))?)?;
    let Some(upper) = upper else {
        return Ok(vec![Ref::Empty]);
    };
    let Some(lower) = lower else {
        return Ok(vec![Ref::Snapshot(upper)]);
    };
    let lower_chain = ctx.store.layer_chain(&lower)?;
    let upper_chain = ctx.store.layer_chain(&upper)?;
    let is_prefix = lower_chain.len() <= upper_chain.len()
        && lower_chain
            .iter()
            .zip(&upper_chain)
            .all(|(a, b)| a.diff_id == b.diff_id);
    let layers: Vec<LayerDesc> = if is_prefix {
        upper_chain[lower_chain.len()..].to_vec()
    } else {
        let scratch = ctx.store.scratch_dir("diff")?;
        let tmp = scratch.join("layer.tar");
        let f = std::fs::File::create(&tmp).map_err(SolveError::io("create diff layer"))?;
        let w = write_diff(
            Some(&lower.dir),
            &upper.dir,
            HashingWriter::new(std::io::BufWriter::new(f)),
            &TarOptions::default(),
        )
        .map_err(SolveError::io("compute diff"))?;
        let (diff_id, size, mut inner) = w.finish();
        inner.flush().map_err(SolveError::io("write diff layer"))?;
        drop(inner);
        ctx.store.put_blob(&tmp, &diff_id)?;
        vec![LayerDesc { diff_id, size }]
    };
    let work = ctx.store.new_work_dir()?;
    ctx.store.apply_layers(&work.fs, &layers)?;
    let snap = ctx.store.commit(
        work,
        SnapshotMeta {
            parent: None,
            layers: Some(layers.into_iter().map(|l| l.diff_id).collect()),
            description: ctx.name.clone(),
        },
    )?;
    Ok(vec![Ref::Snapshot(Arc::new(snap))])
}
