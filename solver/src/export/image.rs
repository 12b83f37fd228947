//! Image exporters: an OCI image layout tarball (`oci-layout`,
//! `index.json`, `blobs/sha256/…`) whose layers are the gzip-compressed tar
//! diffs along the result's chain, and the image config the caller passes
//! (opaque JSON from the Dockerfile compiler) with `rootfs.diff_ids`,
//! `history` and `created` filled in like BuildKit's exporter. The docker
//! flavour adds `manifest.json` so `docker load` takes it.

use std::io::{self, Read, Write};
use std::path::Path;

use flate2::Compression;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::write_output;
use crate::error::{Result, SolveError};
use crate::refs::Ref;
use crate::store::layer::{HashingWriter, LayerDesc};
use crate::store::{Store, write_atomic};

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// A compressed layer blob ready for export.
#[derive(Debug, Clone)]
struct Blob {
    digest: String,
    size: u64,
}

/// The gzip blob of a layer, compressed once and kept in the store.
fn compressed_layer(store: &Store, layer: &LayerDesc) -> Result<Blob> {
    let hex = layer.diff_id.trim_start_matches("sha256:");
    let map_path = store.root().join("blobs").join(format!("gzip-{hex}.json"));
    if let Ok(bytes) = std::fs::read(&map_path)
        && let Ok(v) = serde_json::from_slice::<Value>(&bytes)
        && let (Some(d), Some(s)) = (v["digest"].as_str(), v["size"].as_u64())
        && store.blob_path(d).exists()
    {
        return Ok(Blob {
            digest: d.to_string(),
            size: s,
        });
    }
    let scratch = store.scratch_dir("gzip")?;
    let tmp = scratch.join("blob");
    let out = std::fs::File::create(&tmp).map_err(SolveError::io("create blob"))?;
    let hw = HashingWriter::new(io::BufWriter::new(out));
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(hw, Compression::default());
    let mut src = std::fs::File::open(store.blob_path(&layer.diff_id))
        .map_err(SolveError::io("open layer"))?;
    io::copy(&mut src, &mut gz).map_err(SolveError::io("compress layer"))?;
    let hw = gz.finish().map_err(SolveError::io("compress layer"))?;
    let (digest, size, mut inner) = hw.finish();
    inner.flush().map_err(SolveError::io("write blob"))?;
    drop(inner);
    store.put_blob(&tmp, &digest)?;
    write_atomic(
        &map_path,
        json!({"digest": digest, "size": size})
            .to_string()
            .as_bytes(),
    )?;
    Ok(Blob { digest, size })
}

/// RFC 3339 UTC time for Unix seconds.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil from days (Howard Hinnant).
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Fills `rootfs`, `history` and `created` of an image config.
pub fn finish_config(
    config: Option<&[u8]>,
    diff_ids: &[String],
    epoch: Option<i64>,
    now: i64,
) -> Result<Value> {
    let mut cfg: Value = match config {
        Some(b) => serde_json::from_slice(b)
            .map_err(|e| SolveError::Op(format!("invalid image config: {e}")))?,
        None => {
            let p = crate::solve::host_platform();
            json!({"architecture": p.architecture, "os": p.os, "config": {}})
        }
    };
    let obj = cfg
        .as_object_mut()
        .ok_or_else(|| SolveError::Op("image config is not a JSON object".into()))?;
    obj.insert(
        "rootfs".into(),
        json!({"type": "layers", "diff_ids": diff_ids}),
    );
    let stamp = rfc3339(epoch.unwrap_or(now));
    let mut history: Vec<Value> = obj
        .get("history")
        .and_then(|h| h.as_array())
        .cloned()
        .unwrap_or_default();
    let layered = history
        .iter()
        .filter(|h| {
            !h.get("empty_layer")
                .and_then(|e| e.as_bool())
                .unwrap_or(false)
        })
        .count();
    for _ in layered..diff_ids.len() {
        history.push(
            json!({"created": stamp, "created_by": "", "comment": "buildkit.exporter.image.v0"}),
        );
    }
    for h in history.iter_mut() {
        if let Some(o) = h.as_object_mut()
            && o.get("created").is_none_or(|c| c.is_null())
        {
            o.insert("created".into(), json!(stamp));
        }
    }
    let created = match epoch {
        Some(_) => stamp.clone(),
        None => history
            .iter()
            .rev()
            .find_map(|h| {
                h.get("created")
                    .and_then(|c| c.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| stamp.clone()),
    };
    obj.insert("history".into(), Value::Array(history));
    obj.insert("created".into(), json!(created));
    Ok(cfg)
}

/// Normalizes an image name: (full name, tag).
pub fn normalize_name(name: &str) -> (String, String) {
    match crate::registry::ImageRef::parse(name) {
        Ok(r) => (
            format!(
                "{}:{}",
                r.name(),
                r.tag.clone().unwrap_or_else(|| "latest".into())
            ),
            r.tag.unwrap_or_else(|| "latest".into()),
        ),
        Err(_) => (name.to_string(), "latest".to_string()),
    }
}

/// The short docker name (`docker.io/library/x:t` → `x:t`).
fn docker_tag(full: &str) -> String {
    full.strip_prefix("docker.io/library/")
        .or_else(|| full.strip_prefix("docker.io/"))
        .unwrap_or(full)
        .to_string()
}

fn add_bytes<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    data: &[u8],
    mtime: u64,
) -> io::Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut h, path, data)
}

fn add_file<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    file: &Path,
    size: u64,
    mtime: u64,
) -> io::Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o644);
    h.set_size(size);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Regular);
    let f = std::fs::File::open(file)?;
    tar.append_data(&mut h, path, f.take(size))
}

fn add_dir<W: Write>(tar: &mut tar::Builder<W>, path: &str, mtime: u64) -> io::Result<()> {
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o755);
    h.set_size(0);
    h.set_mtime(mtime);
    h.set_entry_type(tar::EntryType::Directory);
    tar.append_data(&mut h, path, io::empty())
}

fn digest_of(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// Writes the OCI layout (or docker archive) tarball.
pub fn export_image(
    store: &Store,
    r: &Ref,
    dest: &Path,
    name: Option<&str>,
    epoch: Option<i64>,
    config: Option<&[u8]>,
    docker: bool,
) -> Result<()> {
    let layers = match r {
        Ref::Snapshot(s) => store.layer_chain(s)?,
        _ => Vec::new(),
    };
    let blobs: Vec<Blob> = layers
        .iter()
        .map(|l| compressed_layer(store, l))
        .collect::<Result<_>>()?;
    let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.clone()).collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let cfg = finish_config(config, &diff_ids, epoch, now)?;
    let cfg_bytes = serde_json::to_vec(&cfg).map_err(|e| SolveError::Op(e.to_string()))?;
    let cfg_digest = digest_of(&cfg_bytes);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest, "size": cfg_bytes.len()},
        "layers": blobs.iter().map(|b| json!({"mediaType": OCI_LAYER_GZIP, "digest": b.digest, "size": b.size})).collect::<Vec<_>>(),
    });
    let manifest_bytes =
        serde_json::to_vec(&manifest).map_err(|e| SolveError::Op(e.to_string()))?;
    let manifest_digest = digest_of(&manifest_bytes);
    let mut desc =
        json!({"mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": manifest_bytes.len()});
    let full_name = name.map(normalize_name);
    if let Some((full, tag)) = &full_name {
        desc["annotations"] = json!({
            "io.containerd.image.name": full,
            "org.opencontainers.image.ref.name": tag,
        });
    }
    let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc]});
    let index_bytes = serde_json::to_vec(&index).map_err(|e| SolveError::Op(e.to_string()))?;
    let mtime = epoch.unwrap_or(0).max(0) as u64;
    write_output(dest, |w| {
        let mut tar = tar::Builder::new(w);
        let io_err = SolveError::io("write image archive");
        (|| -> io::Result<()> {
            add_bytes(&mut tar, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#, mtime)?;
            add_bytes(&mut tar, "index.json", &index_bytes, mtime)?;
            if docker {
                let tags: Vec<String> = full_name.iter().map(|(f, _)| docker_tag(f)).collect();
                let m = json!([{
                    "Config": format!("blobs/sha256/{}", cfg_digest.trim_start_matches("sha256:")),
                    "RepoTags": tags,
                    "Layers": blobs.iter().map(|b| format!("blobs/sha256/{}", b.digest.trim_start_matches("sha256:"))).collect::<Vec<_>>(),
                }]);
                add_bytes(&mut tar, "manifest.json", m.to_string().as_bytes(), mtime)?;
            }
            add_dir(&mut tar, "blobs/", mtime)?;
            add_dir(&mut tar, "blobs/sha256/", mtime)?;
            let mut seen = std::collections::HashSet::new();
            add_bytes(&mut tar, &format!("blobs/sha256/{}", cfg_digest.trim_start_matches("sha256:")), &cfg_bytes, mtime)?;
            add_bytes(
                &mut tar,
                &format!("blobs/sha256/{}", manifest_digest.trim_start_matches("sha256:")),
                &manifest_bytes,
                mtime,
            )?;
            for b in &blobs {
                if !seen.insert(b.digest.clone()) {
                    continue;
                }
                add_file(
                    &mut tar,
                    &format!("blobs/sha256/{}", b.digest.trim_start_matches("sha256:")),
                    &store.blob_path(&b.digest),
                    b.size,
                    mtime,
                )?;
            }
            tar.finish()
        })()
        .map_err(io_err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1445412480), "2015-10-21T07:28:00Z");
        assert_eq!(rfc3339(951782400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn config_gets_rootfs_history_created() {
        let input = br#"{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"history":[{"created_by":"FROM","empty_layer":true},{"created_by":"RUN x","comment":"buildkit.dockerfile.v0"}]}"#;
        let ids = vec!["sha256:a".to_string(), "sha256:b".to_string()];
        let v = finish_config(Some(input), &ids, Some(0), 99).unwrap();
        assert_eq!(v["rootfs"]["diff_ids"], json!(ids));
        let h = v["history"].as_array().unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(h[2]["comment"], "buildkit.exporter.image.v0");
        assert_eq!(h[1]["created"], "1970-01-01T00:00:00Z");
        assert_eq!(v["created"], "1970-01-01T00:00:00Z");
        assert_eq!(v["config"]["Cmd"], json!(["sh"]));
    }

    #[test]
    fn names() {
        assert_eq!(
            normalize_name("app"),
            ("docker.io/library/app:latest".into(), "latest".into())
        );
        assert_eq!(docker_tag("docker.io/library/app:1"), "app:1");
        assert_eq!(docker_tag("127.0.0.1:5000/x:y"), "127.0.0.1:5000/x:y");
    }
}
