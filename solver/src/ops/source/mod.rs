//! Source ops: `local://`, `docker-image://`, `oci-layout://`,
//! `http(s)://` and `git://`.

pub mod git;
pub mod http;
pub mod image;
pub mod layers;
pub mod local;
pub mod oci_layout;

use std::sync::Arc;

use llb::pb;

use super::{KeyInfo, OpCtx};
use crate::error::{Result, SolveError};
use crate::refs::Ref;
use crate::solve::scheduler::Job;

fn source_op(job: &Job, n: usize) -> Result<&pb::SourceOp> {
    match &job.nodes[n].op.op {
        Some(pb::op::Op::Source(s)) => Ok(s),
        _ => Err(SolveError::Op("not a source op".into())),
    }
}

/// The scheme of an identifier (`docker-image`, `local`, …).
pub fn scheme(identifier: &str) -> &str {
    identifier.split_once("://").map_or("", |(s, _)| s)
}

/// Runs a blocking closure on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SolveError::Op(format!("task failed: {e}")))?
}

/// The cache key of a source op.
pub(crate) async fn cache_key(job: Arc<Job>, n: usize) -> Result<KeyInfo> {
    let src = source_op(&job, n)?.clone();
    let platform = job.nodes[n]
        .op
        .platform
        .clone()
        .unwrap_or_else(|| job.solver.opts.platform.clone());
    let solver = job.solver.clone();
    let ctx = OpCtx {
        store: solver.store.clone(),
        solver: solver.clone(),
        id: job.nodes[n].digest.clone(),
        name: job.nodes[n].name.clone(),
        platform,
    };
    match scheme(&src.identifier) {
        "local" => blocking(move || local::cache_key(&ctx, &src)).await,
        "docker-image" => blocking(move || image::cache_key(&ctx, &src)).await,
        "oci-layout" => blocking(move || oci_layout::cache_key(&ctx, &src)).await,
        "http" | "https" => blocking(move || http::cache_key(&ctx, &src)).await,
        "git" => blocking(move || git::cache_key(&ctx, &src)).await,
        other => Err(SolveError::Unsupported(format!("source type {other:?}"))),
    }
}

/// Produces a source's result (cache miss).
pub(crate) fn run(ctx: &OpCtx, _job: &Arc<Job>, _n: usize, src: &pb::SourceOp) -> Result<Vec<Ref>> {
    let r = match scheme(&src.identifier) {
        "docker-image" => image::run(ctx, src)?,
        "oci-layout" => oci_layout::run(ctx, src)?,
        "http" | "https" => http::run(ctx, src)?,
        "git" => git::run(ctx, src)?,
        "local" => local::resolve(ctx, src)?,
        other => return Err(SolveError::Unsupported(format!("source type {other:?}"))),
    };
    Ok(vec![r])
}

/// A JSON string-array attribute (absent → empty).
pub fn json_list_attr(src: &pb::SourceOp, key: &str) -> Result<Vec<String>> {
    match src.attrs.get(key) {
        None => Ok(Vec::new()),
        Some(v) if v.is_empty() => Ok(Vec::new()),
        Some(v) => serde_json::from_str(v)
            .map_err(|e| SolveError::Op(format!("invalid {key} attribute {v:?}: {e}"))),
    }
}
