//! [`ImageResolver`] over the gateway's `ResolveImageConfig`. The conversion is synchronous and
//! runs on a blocking thread (`spawn_blocking`); each resolve blocks that thread on the async RPC
//! with `Handle::block_on`, never a runtime worker. Answers are cached per
//! (reference, platform, mode), like upstream's resolve cache.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio::runtime::Handle;

use crate::convert::{
    ImageResolver, Platform, ResolveError, ResolveMode, ResolveRequest, ResolvedImage, ResolverKind,
};

use super::client::BridgeClient;
use super::platform;

type CacheKey = (String, Platform, &'static str, ResolverKind);

/// Resolves images through the daemon.
pub struct GatewayResolver {
    client: BridgeClient,
    handle: Handle,
    /// Shown in progress: `[internal]` or `[linux/arm64 internal]` for multi-platform builds.
    log_prefix: String,
    cache: Mutex<BTreeMap<CacheKey, ResolvedImage>>,
}

impl GatewayResolver {
    /// A resolver that runs its RPCs on `handle`. `log_platform` is set for multi-platform
    /// builds, to name the platform in progress lines.
    pub fn new(client: BridgeClient, handle: Handle, log_platform: Option<&Platform>) -> Self {
        let log_prefix = match log_platform {
            Some(p) => format!("[{} internal]", platform::format_all(p)),
            None => "[internal]".to_string(),
        };
        GatewayResolver {
            client,
            handle,
            log_prefix,
            cache: Mutex::new(BTreeMap::new()),
        }
    }
}

fn mode_str(mode: ResolveMode) -> &'static str {
    match mode {
        ResolveMode::Default => "default",
        ResolveMode::Pull => "pull",
        ResolveMode::Local => "local",
    }
}

impl ImageResolver for GatewayResolver {
    fn resolve(
        &self,
        reference: &str,
        platform: &Platform,
        mode: ResolveMode,
    ) -> Result<ResolvedImage, ResolveError> {
        self.resolve_request(&ResolveRequest {
            reference: reference.to_string(),
            platform: platform.clone(),
            mode,
            kind: ResolverKind::Registry,
            log_name: None,
        })
    }

    fn resolve_request(&self, request: &ResolveRequest) -> Result<ResolvedImage, ResolveError> {
        let reference = &request.reference;
        let key = (
            reference.clone(),
            request.platform.clone(),
            mode_str(request.mode),
            request.kind.clone(),
        );
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(hit);
        }
        let log_name = match &request.log_name {
            Some(name) => name.clone(),
            None => format!("{} load metadata for {reference}", self.log_prefix),
        };
        let pb_platform = platform::to_pb(&request.platform);
        let client = self.client.clone();
        let (new_ref, digest, config) = self
            .handle
            .block_on(client.resolve_image_config(
                reference,
                Some(pb_platform),
                mode_str(request.mode),
                &request.kind,
                &log_name,
            ))
            .map_err(|s| ResolveError(s.message().to_string()))?;
        let resolved = ResolvedImage {
            reference: new_ref,
            digest: Some(digest).filter(|d| !d.is_empty()),
            config,
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, resolved.clone());
        }
        Ok(resolved)
    }
}
