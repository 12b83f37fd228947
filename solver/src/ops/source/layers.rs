//! Importing image layers: compressed blobs (gzip, zstd or plain tar) are
//! decompressed into the blob store under their diff id (verified against
//! the image config), then applied in order into a snapshot whose explicit
//! layer chain is those diff ids. Snapshots are shared by chain id.

use std::io::{self, BufReader, Read, Write};
use std::path::Path;
use std::sync::Arc;

use crate::error::{Result, SolveError};
use crate::ops::{KeyBuilder, OpCtx};
use crate::refs::Ref;
use crate::registry::Descriptor;
use crate::store::SnapshotMeta;
use crate::store::layer::{HashingWriter, LayerDesc};

/// Opens a possibly compressed layer, detecting the format by magic bytes.
pub fn decompressing_reader(path: &Path) -> io::Result<Box<dyn Read>> {
    let mut f = std::fs::File::open(path)?;
    let mut magic = [0u8; 4];
    let n = f.read(&mut magic)?;
    drop(f);
    let f = BufReader::new(std::fs::File::open(path)?);
    if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        return Ok(Box::new(flate2::read::MultiGzDecoder::new(f)));
    }
    if n == 4 && magic == [0x28, 0xb5, 0x2f, 0xfd] {
        let dec = ruzstd::decoding::StreamingDecoder::new(f)
            .map_err(|e| io::Error::other(format!("zstd: {e}")))?;
        return Ok(Box::new(dec));
    }
    Ok(Box::new(f))
}

/// The image config's `rootfs.diff_ids`.
pub fn diff_ids_of_config(config: &[u8]) -> Result<Vec<String>> {
    let v: serde_json::Value = serde_json::from_slice(config)
        .map_err(|e| SolveError::Registry(format!("invalid image config: {e}")))?;
    Ok(v.pointer("/rootfs/diff_ids")
        .and_then(|d| d.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// The OCI chain id of a list of diff ids.
pub fn chain_id(diff_ids: &[String]) -> String {
    use sha2::Digest as _;
    let mut chain = String::new();
    for d in diff_ids {
        chain = if chain.is_empty() {
            d.clone()
        } else {
            format!(
                "sha256:{}",
                hex::encode(sha2::Sha256::digest(format!("{chain} {d}").as_bytes()))
            )
        };
    }
    chain
}

/// Makes sure every layer is in the blob store (fetching the missing ones
/// with `fetch`), then returns the snapshot of the whole chain.
pub fn import(
    ctx: &OpCtx,
    layers: &[Descriptor],
    diff_ids: &[String],
    description: &str,
    fetch: &dyn Fn(&Descriptor, &mut dyn Write) -> Result<u64>,
) -> Result<Ref> {
    if layers.len() != diff_ids.len() {
        return Err(SolveError::Registry(format!(
            "{description}: {} layers but {} diff ids in the config",
            layers.len(),
            diff_ids.len()
        )));
    }
    let store = &ctx.store;
    for (i, (desc, diff_id)) in layers.iter().zip(diff_ids).enumerate() {
        if store.blob_path(diff_id).exists() {
            continue;
        }
        ctx.status(format!(
            "pulling {} ({}/{}, {} bytes)",
            desc.digest,
            i + 1,
            layers.len(),
            desc.size
        ));
        let scratch = store.scratch_dir("pull")?;
        let compressed = scratch.join("blob");
        {
            let mut f = std::fs::File::create(&compressed)
                .map_err(SolveError::io("create download file"))?;
            fetch(desc, &mut f)?;
            f.flush().map_err(SolveError::io("write download file"))?;
        }
        let tar_path = scratch.join("layer.tar");
        let mut reader = decompressing_reader(&compressed)
            .map_err(SolveError::io(format!("open layer {}", desc.digest)))?;
        let out = std::fs::File::create(&tar_path).map_err(SolveError::io("create layer file"))?;
        let mut w = HashingWriter::new(io::BufWriter::new(out));
        io::copy(&mut reader, &mut w)
            .map_err(SolveError::io(format!("decompress layer {}", desc.digest)))?;
        let (got, _size, mut inner) = w.finish();
        inner.flush().map_err(SolveError::io("write layer"))?;
        drop(inner);
        if &got != diff_id {
            return Err(SolveError::Registry(format!(
                "layer {} decompresses to {got}, but the config says {diff_id}",
                desc.digest
            )));
        }
        store.put_blob(&tar_path, diff_id)?;
        let _ = std::fs::remove_dir_all(&scratch);
    }
    let chain = chain_id(diff_ids);
    let key = KeyBuilder::new("layer-chain")
        .add("chain", chain.as_bytes())
        .to_owned()
        .finish();
    if let Some(outs) = store.lookup(&key)?
        && let Some(Some(s)) = outs.into_iter().next()
    {
        return Ok(Ref::Snapshot(Arc::new(s)));
    }
    let _lock = store.lock_key(&key)?;
    if let Some(outs) = store.lookup(&key)?
        && let Some(Some(s)) = outs.into_iter().next()
    {
        return Ok(Ref::Snapshot(Arc::new(s)));
    }
    ctx.status(format!("extracting {} layers", diff_ids.len()));
    let work = store.new_work_dir()?;
    let descs: Vec<LayerDesc> = diff_ids
        .iter()
        .map(|d| LayerDesc {
            diff_id: d.clone(),
            size: 0,
        })
        .collect();
    store.apply_layers(&work.fs, &descs)?;
    let snap = store.commit(
        work,
        SnapshotMeta {
            parent: None,
            layers: Some(diff_ids.to_vec()),
            description: description.to_string(),
        },
    )?;
    store.record(&key, &[Some(&snap)])?;
    Ok(Ref::Snapshot(Arc::new(snap)))
}
