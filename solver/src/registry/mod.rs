//! A small client for the registry v2 API: manifests (image indexes,
//! Docker manifest lists, image manifests), blobs, anonymous bearer-token
//! auth, mirrors (`--registry-mirror docker.io=http://127.0.0.1:5000`) and
//! plain HTTP for loopback hosts.

pub mod reference;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;

pub use reference::ImageRef;

/// Media types accepted for manifests.
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Registry settings.
#[derive(Debug, Clone, Default)]
pub struct RegistryConfig {
    /// Registry host → mirror base URLs tried first (`http://127.0.0.1:5000`).
    pub mirrors: BTreeMap<String, Vec<String>>,
    /// Hosts reached over plain HTTP besides loopback ones.
    pub insecure: Vec<String>,
}

/// A registry failure.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Transport failure.
    #[error("{url}: {message}")]
    Http {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// A non-success status.
    #[error("{url}: unexpected status {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// Start of the body.
        body: String,
    },
    /// A manifest or index that does not parse or fit.
    #[error("{0}")]
    Invalid(String),
    /// Content whose digest does not match.
    #[error("digest mismatch for {what}: expected {expected}, got {got}")]
    DigestMismatch {
        /// What was checked.
        what: String,
        /// Expected digest.
        expected: String,
        /// Actual digest.
        got: String,
    },
}

/// An OCI/Docker descriptor.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Descriptor {
    /// Media type.
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    /// Content digest.
    pub digest: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: i64,
    /// Platform (index entries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformSpec>,
}

/// A platform in a manifest list.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Default)]
pub struct PlatformSpec {
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// OS.
    #[serde(default)]
    pub os: String,
    /// Variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// A manifest or index document (only the fields we use).
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestDoc {
    /// Media type (may be absent in OCI documents).
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    /// Index entries.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Config of an image manifest.
    #[serde(default)]
    pub config: Option<Descriptor>,
    /// Layers of an image manifest.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

/// A platform-specific image manifest with its config.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    /// Digest of the document the reference named (index or manifest).
    pub top_digest: String,
    /// Digest of the image manifest.
    pub manifest_digest: String,
    /// Its layers.
    pub layers: Vec<Descriptor>,
    /// Config blob bytes.
    pub config: Vec<u8>,
}

/// The blocking registry client.
pub struct RegistryClient {
    cfg: RegistryConfig,
    agent: ureq::Agent,
    tokens: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("cfg", &self.cfg)
            .finish()
    }
}

/// Whether a host is reached over plain HTTP by default.
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    h == "localhost" || h.starts_with("127.") || h == "[::1]" || h == "::1"
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

impl RegistryClient {
    /// A client with these settings.
    pub fn new(cfg: RegistryConfig) -> RegistryClient {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(30)))
            .build()
            .into();
        RegistryClient {
            cfg,
            agent,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Base URLs to try for a registry host, mirrors first.
    pub fn endpoints(&self, registry: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .cfg
            .mirrors
            .get(registry)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let m = m.trim_end_matches('/').to_string();
                if m.contains("://") {
                    m
                } else if is_loopback_host(&m) {
                    format!("http://{m}")
                } else {
                    format!("https://{m}")
                }
            })
            .collect();
        let host = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        let scheme = if is_loopback_host(host) || self.cfg.insecure.iter().any(|h| h == host) {
            "http"
        } else {
            "https"
        };
        out.push(format!("{scheme}://{host}"));
        out
    }

    fn get(
        &self,
        url: &str,
        accept: Option<&str>,
        repo: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, RegistryError> {
        let http_err = |e: ureq::Error| RegistryError::Http {
            url: url.to_string(),
            message: e.to_string(),
        };
        let token = self.tokens.lock().ok().and_then(|t| t.get(repo).cloned());
        let mut req = self.agent.get(url);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        if let Some(t) = &token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let resp = req.call().map_err(http_err)?;
        if resp.status().as_u16() != 401 {
            return Ok(resp);
        }
        // Anonymous bearer token flow.
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let token = self.fetch_token(&challenge, repo)?;
        let mut req = self
            .agent
            .get(url)
            .header("Authorization", &format!("Bearer {token}"));
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        req.call().map_err(http_err)
    }

    fn fetch_token(&self, challenge: &str, repo: &str) -> Result<String, RegistryError> {
        let rest = challenge
            .strip_prefix("Bearer ")
            .or_else(|| challenge.strip_prefix("bearer "))
            .ok_or_else(|| {
                RegistryError::Invalid(format!("unsupported auth challenge {challenge:?}"))
            })?;
        let mut params = HashMap::new();
        for part in split_params(rest) {
            if let Some((k, v)) = part.split_once('=') {
                params.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
            }
        }
        let realm = params
            .get("realm")
            .ok_or_else(|| RegistryError::Invalid("auth challenge without realm".into()))?;
        let mut url = format!("{realm}?");
        if let Some(s) = params.get("service") {
            url.push_str(&format!("service={}&", urlencode(s)));
        }
        let scope = params
            .get("scope")
            .cloned()
            .unwrap_or_else(|| format!("repository:{repo}:pull"));
        url.push_str(&format!("scope={}", urlencode(&scope)));
        let mut resp = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| RegistryError::Http {
                url: url.clone(),
                message: e.to_string(),
            })?;
        if !resp.status().is_success() {
            return Err(RegistryError::Status {
                url,
                status: resp.status().as_u16(),
                body: String::new(),
            });
        }
        #[derive(Deserialize)]
        struct Tok {
            token: Option<String>,
            access_token: Option<String>,
        }
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| RegistryError::Http {
                url: url.clone(),
                message: e.to_string(),
            })?;
        let t: Tok =
            serde_json::from_slice(&body).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let token = t
            .token
            .or(t.access_token)
            .ok_or_else(|| RegistryError::Invalid("token response without token".into()))?;
        if let Ok(mut m) = self.tokens.lock() {
            m.insert(repo.to_string(), token.clone());
        }
        Ok(token)
    }

    /// Fetches a manifest by tag or digest: (bytes, media type, digest).
    pub fn manifest(
        &self,
        r: &ImageRef,
        reference: &str,
    ) -> Result<(Vec<u8>, String, String), RegistryError> {
        let mut last = None;
        for base in self.endpoints(&r.registry) {
            let url = format!("{base}/v2/{}/manifests/{reference}", r.repository);
            match self.get(&url, Some(MANIFEST_ACCEPT), &r.repository) {
                Ok(mut resp) if resp.status().is_success() => {
                    let media = resp
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let body = resp
                        .body_mut()
                        .with_config()
                        .limit(16 << 20)
                        .read_to_vec()
                        .map_err(|e| RegistryError::Http {
                            url: url.clone(),
                            message: e.to_string(),
                        })?;
                    let digest = sha256_hex(&body);
                    if reference.starts_with("sha256:") && digest != reference {
                        return Err(RegistryError::DigestMismatch {
                            what: url,
                            expected: reference.to_string(),
                            got: digest,
                        });
                    }
                    return Ok((body, media, digest));
                }
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let body = resp
                        .body_mut()
                        .with_config()
                        .limit(4096)
                        .read_to_string()
                        .unwrap_or_default();
                    last = Some(RegistryError::Status {
                        url,
                        status,
                        body: body.chars().take(200).collect(),
                    });
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| RegistryError::Invalid("no endpoint".into())))
    }

    /// Streams a blob into `out`, verifying its digest; returns its size.
    pub fn blob(
        &self,
        r: &ImageRef,
        digest: &str,
        out: &mut dyn std::io::Write,
    ) -> Result<u64, RegistryError> {
        let mut last = None;
        for base in self.endpoints(&r.registry) {
            let url = format!("{base}/v2/{}/blobs/{digest}", r.repository);
            match self.get(&url, None, &r.repository) {
                Ok(resp) if resp.status().is_success() => {
                    use sha2::Digest as _;
                    let mut reader = resp.into_body().into_reader();
                    let mut h = sha2::Sha256::new();
                    let mut buf = vec![0u8; 256 * 1024];
                    let mut total = 0u64;
                    loop {
                        let n = reader.read(&mut buf).map_err(|e| RegistryError::Http {
                            url: url.clone(),
                            message: e.to_string(),
                        })?;
                        if n == 0 {
                            break;
                        }
                        h.update(&buf[..n]);
                        out.write_all(&buf[..n]).map_err(|e| RegistryError::Http {
                            url: url.clone(),
                            message: e.to_string(),
                        })?;
                        total += n as u64;
                    }
                    let got = format!("sha256:{}", hex::encode(h.finalize()));
                    if got != digest {
                        return Err(RegistryError::DigestMismatch {
                            what: url,
                            expected: digest.to_string(),
                            got,
                        });
                    }
                    return Ok(total);
                }
                Ok(resp) => {
                    last = Some(RegistryError::Status {
                        url,
                        status: resp.status().as_u16(),
                        body: String::new(),
                    })
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| RegistryError::Invalid("no endpoint".into())))
    }

    /// Resolves a reference to the image manifest for `platform` and its
    /// config.
    pub fn resolve(
        &self,
        r: &ImageRef,
        os: &str,
        arch: &str,
        variant: &str,
    ) -> Result<ResolvedImage, RegistryError> {
        let (bytes, _media, top_digest) = self.manifest(r, r.reference())?;
        let (manifest_digest, doc) = pick_platform(&bytes, &top_digest, os, arch, variant, |d| {
            self.manifest(r, d).map(|(b, _, _)| b)
        })?;
        let config = doc.config.clone().ok_or_else(|| {
            RegistryError::Invalid(format!("manifest {manifest_digest} has no config"))
        })?;
        let mut cfg = Vec::new();
        self.blob(r, &config.digest, &mut cfg)?;
        Ok(ResolvedImage {
            top_digest,
            manifest_digest,
            layers: doc.layers,
            config: cfg,
        })
    }
}

/// Chooses the manifest for a platform from an index (or takes a plain
/// manifest as is); `fetch` loads a manifest by digest.
pub fn pick_platform(
    bytes: &[u8],
    digest: &str,
    os: &str,
    arch: &str,
    variant: &str,
    fetch: impl Fn(&str) -> Result<Vec<u8>, RegistryError>,
) -> Result<(String, ManifestDoc), RegistryError> {
    let doc: ManifestDoc = serde_json::from_slice(bytes)
        .map_err(|e| RegistryError::Invalid(format!("manifest {digest}: {e}")))?;
    if doc.manifests.is_empty() {
        return Ok((digest.to_string(), doc));
    }
    let matches = |d: &&Descriptor| {
        d.platform.as_ref().is_some_and(|p| {
            p.os == os
                && p.architecture == arch
                && (variant.is_empty() || p.variant.as_deref().unwrap_or("") == variant)
        })
    };
    let chosen = doc
        .manifests
        .iter()
        .find(matches)
        .or_else(|| {
            doc.manifests.iter().find(|d| {
                d.platform
                    .as_ref()
                    .is_some_and(|p| p.os == os && p.architecture == arch)
            })
        })
        .ok_or_else(|| {
            RegistryError::Invalid(format!(
                "no match for platform {os}/{arch} in manifest {digest}"
            ))
        })?;
    let inner = fetch(&chosen.digest)?;
    let got = sha256_hex(&inner);
    if got != chosen.digest {
        return Err(RegistryError::DigestMismatch {
            what: "manifest".into(),
            expected: chosen.digest.clone(),
            got,
        });
    }
    let doc: ManifestDoc = serde_json::from_slice(&inner)
        .map_err(|e| RegistryError::Invalid(format!("manifest {}: {e}", chosen.digest)))?;
    Ok((chosen.digest.clone(), doc))
}

fn split_params(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_mirrors_and_schemes() {
        let mut cfg = RegistryConfig::default();
        cfg.mirrors
            .insert("docker.io".into(), vec!["http://127.0.0.1:5000/".into()]);
        let c = RegistryClient::new(cfg);
        assert_eq!(
            c.endpoints("docker.io"),
            vec![
                "http://127.0.0.1:5000".to_string(),
                "https://registry-1.docker.io".to_string()
            ]
        );
        assert_eq!(
            c.endpoints("127.0.0.1:5000"),
            vec!["http://127.0.0.1:5000".to_string()]
        );
        assert_eq!(
            c.endpoints("localhost:5000"),
            vec!["http://localhost:5000".to_string()]
        );
        assert_eq!(c.endpoints("ghcr.io"), vec!["https://ghcr.io".to_string()]);
    }

    #[test]
    fn auth_params_parse() {
        let p = split_params(
            r#"realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#,
        );
        assert_eq!(p.len(), 3);
        assert_eq!(
            urlencode("repository:a/b:pull"),
            "repository%3Aa%2Fb%3Apull"
        );
    }

    #[test]
    fn platform_selection() {
        let inner = br#"{"schemaVersion":2,"config":{"digest":"sha256:c","size":1},"layers":[]}"#;
        let inner_digest = sha256_hex(inner);
        let index = format!(
            r#"{{"manifests":[{{"digest":"sha256:{}","platform":{{"os":"linux","architecture":"arm64"}}}},{{"digest":"{inner_digest}","platform":{{"os":"linux","architecture":"amd64"}}}}]}}"#,
            "0".repeat(64)
        );
        let (d, doc) = pick_platform(index.as_bytes(), "sha256:top", "linux", "amd64", "", |_| {
            Ok(inner.to_vec())
        })
        .unwrap();
        assert_eq!(d, inner_digest);
        assert!(doc.config.is_some());
        let err = pick_platform(index.as_bytes(), "sha256:top", "linux", "s390x", "", |_| {
            Ok(inner.to_vec())
        });
        assert!(err.is_err());
    }
}
