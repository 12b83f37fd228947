//! `local://<name>`: a host directory mapped by name (`context`,
//! `dockerfile`, …) with BuildKit's `local.includepattern`,
//! `local.excludepatterns` and `local.followpaths` filters. The result is a
//! lazy filtered view; its key is the content digest of the view (owners
//! read as 0:0, as the docker CLI sends them).

use std::sync::Arc;

use llb::pb;

use super::json_list_attr;
use crate::error::{Result, SolveError};
use crate::fsutil::hash::{HashOptions, hash_tree};
use crate::fsutil::pattern::PathFilter;
use crate::fsutil::safepath::resolve_relative;
use crate::ops::{KeyBuilder, KeyInfo, OpCtx};
use crate::refs::{LocalView, Ref};
use crate::solve::VertexStatus;

/// Builds the filtered view of a local source.
pub fn resolve(ctx: &OpCtx, src: &pb::SourceOp) -> Result<Ref> {
    let name = src
        .identifier
        .strip_prefix("local://")
        .unwrap_or(&src.identifier)
        .to_string();
    let dir =
        ctx.solver.opts.locals.get(&name).cloned().ok_or_else(|| {
            SolveError::Op(format!("no local directory given for local://{name}"))
        })?;
    if !dir.is_dir() {
        return Err(SolveError::Op(format!(
            "local://{name}: {} is not a directory",
            dir.display()
        )));
    }
    let mut include = json_list_attr(src, "local.includepattern")?;
    include.extend(json_list_attr(src, "local.includepatterns")?);
    let exclude = json_list_attr(src, "local.excludepatterns")?;
    let follow = json_list_attr(src, "local.followpaths")?;
    if !include.is_empty() {
        // Followed paths and their symlink targets are part of the view.
        for f in &follow {
            include.push(f.clone());
            if let Ok(target) = resolve_relative(&dir, f, true) {
                let t = target.to_string_lossy().into_owned();
                if !t.is_empty() {
                    include.push(t);
                }
            }
        }
    }
    let filter = PathFilter::new(&include, &exclude).map_err(|e| SolveError::Op(e.to_string()))?;
    let digest = hash_tree(
        &dir,
        &HashOptions {
            filter: (!filter.is_noop()).then_some(&filter),
            owner: Some((0, 0)),
            outer: None,
        },
    )
    .map_err(SolveError::io(format!("read local://{name}")))?;
    Ok(Ref::Local(Arc::new(LocalView {
        name,
        dir,
        filter,
        digest,
    })))
}

/// The key is the view's content digest; the view itself is the result.
pub fn cache_key(ctx: &OpCtx, src: &pb::SourceOp) -> Result<KeyInfo> {
    let r = resolve(ctx, src)?;
    let digest = match &r {
        Ref::Local(l) => l.digest.clone(),
        _ => String::new(),
    };
    let key = KeyBuilder::new("local")
        .add("digest", digest.as_bytes())
        .to_owned()
        .finish();
    Ok(KeyInfo {
        key,
        resolved: Some(vec![r]),
        resolved_status: VertexStatus::Resolved,
    })
}
