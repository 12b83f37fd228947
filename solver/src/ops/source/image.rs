//! `docker-image://<ref>`: pulled through the registry API. The cache key
//! is the digest the reference resolves to (no network when the reference
//! is pinned with `@sha256:`) plus the platform.

use llb::pb;

use super::layers::{diff_ids_of_config, import};
use crate::error::{Result, SolveError};
use crate::ops::{KeyBuilder, KeyInfo, OpCtx, platform_bytes};
use crate::refs::Ref;
use crate::registry::ImageRef;

fn parse(src: &pb::SourceOp) -> Result<ImageRef> {
    let raw = src
        .identifier
        .strip_prefix("docker-image://")
        .unwrap_or(&src.identifier);
    ImageRef::parse(raw).map_err(|e| SolveError::Registry(e.to_string()))
}

fn reg_err(r: &ImageRef) -> impl Fn(crate::registry::RegistryError) -> SolveError + '_ {
    move |e| SolveError::Registry(format!("failed to resolve {r}: {e}"))
}

/// Key: resolved top-level digest + platform.
pub fn cache_key(ctx: &OpCtx, src: &pb::SourceOp) -> Result<KeyInfo> {
    let r = parse(src)?;
    let digest = match &r.digest {
        Some(d) => d.clone(),
        None => {
            ctx.status(format!("resolving {r}"));
            let (_, _, d) = ctx
                .solver
                .registry
                .manifest(&r, r.reference())
                .map_err(reg_err(&r))?;
            d
        }
    };
    let key = KeyBuilder::new("docker-image")
        .add("repo", r.name().as_bytes())
        .add("digest", digest.as_bytes())
        .add("platform", &platform_bytes(&ctx.platform))
        .to_owned()
        .finish();
    Ok(KeyInfo::key(key))
}

/// Pulls the image for the op's platform.
pub fn run(ctx: &OpCtx, src: &pb::SourceOp) -> Result<Ref> {
    let r = parse(src)?;
    let client = &ctx.solver.registry;
    let p = &ctx.platform;
    let resolved = client
        .resolve(&r, &p.os, &p.architecture, &p.variant)
        .map_err(reg_err(&r))?;
    let diff_ids = diff_ids_of_config(&resolved.config)?;
    import(
        ctx,
        &resolved.layers,
        &diff_ids,
        &format!("docker-image://{r}"),
        &|desc, out| {
            client
                .blob(&r, &desc.digest, out)
                .map_err(|e| SolveError::Registry(format!("failed to pull {r}: {e}")))
        },
    )
}
