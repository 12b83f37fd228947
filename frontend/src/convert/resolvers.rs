//! [`ImageResolver`]s that need no registry: [`OfflineResolver`] (a synthetic config for
//! every image, as the LLB goldens were made) and [`FileResolver`] (configs read from files,
//! `rfront llb --image-config REF=FILE`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use llb::digest::Digest;
use llb::state::image_ref::normalize;

use super::api::{
    ImageResolver, Platform, ResolveError, ResolveMode, ResolveRequest, ResolvedImage,
};

/// Resolves every image to a synthetic config: `linux/amd64`, no Env, WorkingDir or User,
/// one made-up layer (`sha256` of `rfront offline layer <reference>`), the reference
/// unpinned.
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineResolver;

impl OfflineResolver {
    /// The synthetic config JSON for `reference`.
    pub fn config(reference: &str) -> Vec<u8> {
        let layer = Digest::of(format!("rfront offline layer {reference}").as_bytes());
        serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": { "type": "layers", "diff_ids": [layer.as_str()] },
        })
        .to_string()
        .into_bytes()
    }
}

impl ImageResolver for OfflineResolver {
    fn resolve(
        &self,
        reference: &str,
        _platform: &Platform,
        _mode: ResolveMode,
    ) -> Result<ResolvedImage, ResolveError> {
        Ok(ResolvedImage {
            reference: reference.to_string(),
            digest: None,
            config: OfflineResolver::config(reference),
        })
    }

    /// Every kind of store gives the synthetic config, OCI layout stores included.
    fn resolve_request(&self, request: &ResolveRequest) -> Result<ResolvedImage, ResolveError> {
        self.resolve(&request.reference, &request.platform, request.mode)
    }
}

/// Resolves images from config files given per reference; other references go to the
/// fallback resolver, or fail.
pub struct FileResolver {
    configs: BTreeMap<String, PathBuf>,
    fallback: Option<Box<dyn ImageResolver>>,
}

impl std::fmt::Debug for FileResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileResolver")
            .field("configs", &self.configs)
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl FileResolver {
    /// A resolver over `configs` (reference → config JSON file; references are normalized,
    /// so `alpine` and `docker.io/library/alpine:latest` are the same).
    pub fn new(
        configs: impl IntoIterator<Item = (String, PathBuf)>,
        fallback: Option<Box<dyn ImageResolver>>,
    ) -> Result<FileResolver, ResolveError> {
        let mut map = BTreeMap::new();
        for (reference, path) in configs {
            let key = normalize(&reference)
                .map_err(|e| ResolveError(format!("invalid image reference {reference}: {e}")))?;
            map.insert(key, path);
        }
        Ok(FileResolver {
            configs: map,
            fallback,
        })
    }
}

impl ImageResolver for FileResolver {
    fn resolve(
        &self,
        reference: &str,
        platform: &Platform,
        mode: ResolveMode,
    ) -> Result<ResolvedImage, ResolveError> {
        let key = normalize(reference).unwrap_or_else(|_| reference.to_string());
        if let Some(path) = self.configs.get(&key) {
            let config = std::fs::read(path)
                .map_err(|e| ResolveError(format!("reading {}: {e}", path.display())))?;
            return Ok(ResolvedImage {
                reference: reference.to_string(),
                digest: None,
                config,
            });
        }
        match &self.fallback {
            Some(f) => f.resolve(reference, platform, mode),
            None => Err(ResolveError(format!(
                "no image config for {reference} (use --offline or --image-config {reference}=FILE)"
            ))),
        }
    }

    /// Config files answer for any kind of store; the rest goes to the fallback.
    fn resolve_request(&self, request: &ResolveRequest) -> Result<ResolvedImage, ResolveError> {
        let reference = &request.reference;
        let key = normalize(reference).unwrap_or_else(|_| reference.to_string());
        match (&self.fallback, self.configs.contains_key(&key)) {
            (Some(f), false) => f.resolve_request(request),
            _ => self.resolve(reference, &request.platform, request.mode),
        }
    }
}
