//! `http://` / `https://` sources: one file named `http.filename` (default:
//! the URL's last path segment, else `index`) with mode `http.perm`
//! (default 0600) and owner `http.uid`/`http.gid`, verified against
//! `http.checksum` when given. With a checksum the key needs no download;
//! otherwise the file is downloaded to compute the key.

use std::io::{Read, Write};
use std::sync::Arc;

use llb::pb;
use sha2::{Digest as _, Sha256};

use crate::error::{Result, SolveError};
use crate::fsutil::meta::{Times, lchown, set_mode, set_times};
use crate::ops::{KeyBuilder, KeyInfo, OpCtx};
use crate::refs::Ref;
use crate::solve::VertexStatus;
use crate::store::SnapshotMeta;

struct Params {
    url: String,
    filename: String,
    perm: u32,
    uid: u32,
    gid: u32,
    checksum: Option<String>,
    headers: Vec<(String, String)>,
}

fn params(src: &pb::SourceOp) -> Result<Params> {
    let url = src.identifier.clone();
    let default_name = url
        .split(['?', '#'])
        .next()
        .and_then(|u| u.rsplit('/').next())
        .filter(|s| !s.is_empty() && !s.contains(':'))
        .unwrap_or("index")
        .to_string();
    let filename = src
        .attrs
        .get("http.filename")
        .filter(|s| !s.is_empty())
        .cloned()
        .unwrap_or(default_name);
    if filename.contains('/') {
        return Err(SolveError::Op(format!(
            "invalid http.filename {filename:?}"
        )));
    }
    let perm = match src.attrs.get("http.perm") {
        Some(p) => u32::from_str_radix(p.trim_start_matches("0o"), 8)
            .map_err(|_| SolveError::Op(format!("invalid http.perm {p:?}")))?,
        None => 0o600,
    };
    let num = |k: &str| -> Result<u32> {
        match src.attrs.get(k) {
            Some(v) => v
                .parse()
                .map_err(|_| SolveError::Op(format!("invalid {k} {v:?}"))),
            None => Ok(0),
        }
    };
    let headers = src
        .attrs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("http.header.")
                .map(|h| (h.to_string(), v.clone()))
        })
        .collect();
    Ok(Params {
        url,
        filename,
        perm,
        uid: num("http.uid")?,
        gid: num("http.gid")?,
        checksum: src
            .attrs
            .get("http.checksum")
            .filter(|c| !c.is_empty())
            .cloned(),
        headers,
    })
}

fn key_of(p: &Params, content: &str) -> String {
    KeyBuilder::new("http")
        .add("content", content.as_bytes())
        .add("filename", p.filename.as_bytes())
        .add("perm", &p.perm.to_le_bytes())
        .add("uid", &p.uid.to_le_bytes())
        .add("gid", &p.gid.to_le_bytes())
        .to_owned()
        .finish()
}

/// Parses an RFC 1123 date (`Wed, 21 Oct 2015 07:28:00 GMT`) to Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 {
        return None;
    }
    let day: i64 = parts[1].parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[2])? as i64
        + 1;
    let year: i64 = parts[3].parse().ok()?;
    let hms: Vec<i64> = parts[4].split(':').filter_map(|x| x.parse().ok()).collect();
    if hms.len() != 3 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}

/// Downloads into a new snapshot; returns it and the content digest.
fn download(ctx: &OpCtx, p: &Params) -> Result<(Ref, String)> {
    ctx.status(format!("downloading {}", p.url));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(&p.url);
    for (k, v) in &p.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req
        .call()
        .map_err(|e| SolveError::Op(format!("{}: {e}", p.url)))?;
    if !resp.status().is_success() {
        return Err(SolveError::Op(format!(
            "invalid response status {} for {}",
            resp.status().as_u16(),
            p.url
        )));
    }
    let mtime = resp
        .headers()
        .get("last-modified")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date);
    let work = ctx.store.new_work_dir()?;
    let target = work.fs.join(&p.filename);
    let mut f = std::fs::File::create(&target).map_err(SolveError::io("create download"))?;
    let mut reader = resp.into_body().into_reader();
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(SolveError::io(format!("download {}", p.url)))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        f.write_all(&buf[..n])
            .map_err(SolveError::io("write download"))?;
    }
    drop(f);
    let digest = format!("sha256:{}", hex::encode(h.finalize()));
    if let Some(c) = &p.checksum
        && *c != digest
    {
        return Err(SolveError::Op(format!(
            "digest mismatch for {}: expected {c}, got {digest}",
            p.url
        )));
    }
    set_mode(&target, p.perm).map_err(SolveError::io("chmod download"))?;
    lchown(&target, p.uid, p.gid).map_err(SolveError::io("chown download"))?;
    if let Some(t) = mtime {
        set_times(&target, Times::both(t * 1_000_000_000)).map_err(SolveError::io("utime"))?;
    }
    let snap = ctx.store.commit(
        work,
        SnapshotMeta {
            description: p.url.clone(),
            ..Default::default()
        },
    )?;
    Ok((Ref::Snapshot(Arc::new(snap)), digest))
}

/// Key from the checksum, or from the downloaded content.
pub fn cache_key(ctx: &OpCtx, src: &pb::SourceOp) -> Result<KeyInfo> {
    let p = params(src)?;
    if let Some(c) = &p.checksum {
        return Ok(KeyInfo::key(key_of(&p, c)));
    }
    let (r, digest) = download(ctx, &p)?;
    let key = key_of(&p, &digest);
    if let Some(s) = r.snapshot() {
        ctx.store.record(&key, &[Some(s)])?;
    }
    Ok(KeyInfo {
        key,
        resolved: Some(vec![r]),
        resolved_status: VertexStatus::Executed,
    })
}

/// Downloads (cache miss with a checksum).
pub fn run(ctx: &OpCtx, src: &pb::SourceOp) -> Result<Ref> {
    let p = params(src)?;
    Ok(download(ctx, &p)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(1445412480)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("garbage"), None);
    }

    #[test]
    fn filename_defaults() {
        let src = pb::SourceOp {
            identifier: "https://example.com/a/b/file.tar.gz?x=1".into(),
            attrs: Default::default(),
        };
        let p = params(&src).unwrap();
        assert_eq!(p.filename, "file.tar.gz");
        assert_eq!(p.perm, 0o600);
        let src = pb::SourceOp {
            identifier: "https://example.com/".into(),
            attrs: [("http.perm".to_string(), "0755".to_string())].into(),
        };
        let p = params(&src).unwrap();
        assert_eq!(p.filename, "index");
        assert_eq!(p.perm, 0o755);
    }
}
