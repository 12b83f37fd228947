//! `oci-layout://<name>@<digest>`: an image from an OCI image layout
//! directory given to the solver by name (attr `oci.store`, else the
//! name in the identifier).

use std::io::Write;

use llb::pb;

use super::layers::{diff_ids_of_config, import};
use crate::error::{Result, SolveError};
use crate::ops::{KeyBuilder, KeyInfo, OpCtx, platform_bytes};
use crate::refs::Ref;
use crate::registry::pick_platform;

fn parse(src: &pb::SourceOp) -> Result<(String, String)> {
    let raw = src
        .identifier
        .strip_prefix("oci-layout://")
        .unwrap_or(&src.identifier);
    let (name, digest) = raw
        .split_once('@')
        .ok_or_else(|| SolveError::Op(format!("oci-layout source {raw:?} has no @digest")))?;
    Ok((name.to_string(), digest.to_string()))
}

fn layout_dir(ctx: &OpCtx, src: &pb::SourceOp, name: &str) -> Result<std::path::PathBuf> {
    let layouts = &ctx.solver.opts.oci_layouts;
    src.attrs
        .get("oci.store")
        .and_then(|s| layouts.get(s))
        .or_else(|| layouts.get(name))
        .or_else(|| {
            // The name part may itself carry a tag (`name:tag`).
            name.split(':').next().and_then(|n| layouts.get(n))
        })
        .cloned()
        .ok_or_else(|| SolveError::Op(format!("no OCI layout given for oci-layout://{name}")))
}

fn read_blob(dir: &std::path::Path, digest: &str) -> Result<Vec<u8>> {
    let p = dir
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    std::fs::read(&p).map_err(SolveError::io(format!("read {}", p.display())))
}

/// Key: the pinned digest plus platform.
pub fn cache_key(ctx: &OpCtx, src: &pb::SourceOp) -> Result<KeyInfo> {
    let (_, digest) = parse(src)?;
    Ok(KeyInfo::key(
        KeyBuilder::new("oci-layout")
            .add("digest", digest.as_bytes())
            .add("platform", &platform_bytes(&ctx.platform))
            .to_owned()
            .finish(),
    ))
}

/// Imports the image from the layout.
pub fn run(ctx: &OpCtx, src: &pb::SourceOp) -> Result<Ref> {
    let (name, digest) = parse(src)?;
    let dir = layout_dir(ctx, src, &name)?;
    let top = read_blob(&dir, &digest)?;
    let p = &ctx.platform;
    let (_, doc) = pick_platform(&top, &digest, &p.os, &p.architecture, &p.variant, |d| {
        read_blob(&dir, d).map_err(|e| crate::registry::RegistryError::Invalid(e.to_string()))
    })
    .map_err(|e| SolveError::Registry(e.to_string()))?;
    let config = doc
        .config
        .as_ref()
        .ok_or_else(|| SolveError::Registry(format!("{digest}: manifest has no config")))?;
    let config_bytes = read_blob(&dir, &config.digest)?;
    let diff_ids = diff_ids_of_config(&config_bytes)?;
    import(
        ctx,
        &doc.layers,
        &diff_ids,
        &format!("oci-layout://{name}@{digest}"),
        &|desc, out: &mut dyn Write| {
            let data = read_blob(&dir, &desc.digest)?;
            out.write_all(&data).map_err(SolveError::io("copy blob"))?;
            Ok(data.len() as u64)
        },
    )
}
