//! A thin, typed wrapper over the LLBBridge gRPC client: Ping (caps with fallbacks), Solve
//! (checking the Definition's LLB caps first), ReadFile, ResolveImageConfig, Inputs, Warn and
//! Return, each failure mapped to a [`GatewayError`] that keeps the daemon's status.

use std::collections::BTreeMap;
use std::time::Duration;

use llb::pb;
use tonic::transport::Channel;

use crate::convert::ResolverKind;

use super::caps::{self, CapSet, ServerInfo};
use super::error::GatewayError;
use super::opts::CacheImport;
use super::proto::RpcStatus;
use super::proto::bridge::{self, llb_bridge_client::LlbBridgeClient};
use super::proto::worker::WorkerRecord;
use super::transport::MAX_MESSAGE_SIZE;

/// How long Ping may take (the Go client's limit).
pub const PING_TIMEOUT: Duration = Duration::from_secs(15);

/// `ResolveImageConfigRequest.ResolverType` of an OCI layout store
/// (`sourceresolver.ResolverTypeOCILayout`).
pub const RESOLVER_TYPE_OCI_LAYOUT: i32 = 1;

/// A connected, pinged gateway client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BridgeClient {
    rpc: LlbBridgeClient<Channel>,
    caps: CapSet,
    llb_caps: CapSet,
    workers: Vec<WorkerRecord>,
    server: ServerInfo,
}

/// A server-side result handle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefHandle {
    /// The id to read from or return; empty means an empty (scratch) result.
    pub id: String,
    /// The LLB the result came from, when the server sent it.
    pub def: Option<pb::Definition>,
}

/// What a Solve returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Solved {
    /// The single result, when the result is not a map.
    pub single: Option<RefHandle>,
    /// Refs by key, when it is.
    pub refs: BTreeMap<String, RefHandle>,
    /// Result metadata (for nested frontend solves).
    pub metadata: BTreeMap<String, Vec<u8>>,
}

impl Solved {
    /// The one ref of a single result (an error for map results).
    pub fn single_ref(&self) -> Result<RefHandle, GatewayError> {
        match (&self.single, self.refs.len()) {
            (Some(r), _) => Ok(r.clone()),
            (None, 0) => Ok(RefHandle::default()),
            (None, _) => Err(GatewayError::Protocol(
                "invalid map result: expected a single result".into(),
            )),
        }
    }
}

/// Options of one Solve besides the Definition.
#[derive(Debug, Clone, Default)]
pub struct SolveOptions {
    /// Cache imports (`cache-imports` / `cache-from`).
    pub cache_imports: Vec<CacheImport>,
    /// Call another frontend (with an empty Definition).
    pub frontend: Option<String>,
    /// Options for that frontend.
    pub frontend_opt: BTreeMap<String, String>,
    /// Inputs for that frontend.
    pub frontend_inputs: BTreeMap<String, pb::Definition>,
    /// Force the result to be built now.
    pub evaluate: bool,
}

impl BridgeClient {
    /// Pings the daemon over `channel` and records its caps and workers.
    pub async fn connect(channel: Channel, product: &str) -> Result<Self, GatewayError> {
        let mut rpc = LlbBridgeClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        let mut req = tonic::Request::new(bridge::PingRequest {});
        req.set_timeout(PING_TIMEOUT);
        let pong = tokio::time::timeout(PING_TIMEOUT, rpc.ping(req))
            .await
            .map_err(|_| GatewayError::Protocol("ping: no answer within 15s".into()))?
            .map_err(|s| GatewayError::rpc("failed to ping the gateway", s))?
            .into_inner();
        let buildkit_version = pong
            .workers
            .iter()
            .find_map(|w| w.buildkit_version.as_ref())
            .map(|v| v.version.clone())
            .filter(|v| !v.is_empty());
        Ok(BridgeClient {
            rpc,
            caps: CapSet::gateway_from_pong(&pong.frontend_api_caps),
            llb_caps: CapSet::llb_from_pong(&pong.llb_caps),
            workers: pong.workers,
            server: ServerInfo {
                buildkit_version,
                product: product.to_string(),
            },
        })
    }

    /// The gateway caps.
    pub fn caps(&self) -> &CapSet {
        &self.caps
    }

    /// The LLB caps.
    pub fn llb_caps(&self) -> &CapSet {
        &self.llb_caps
    }

    /// The workers Ping listed.
    pub fn workers(&self) -> &[WorkerRecord] {
        &self.workers
    }

    /// Version and product of the daemon, for messages.
    pub fn server(&self) -> &ServerInfo {
        &self.server
    }

    /// Solves `def` (checking its caps first) and returns the result handles.
    pub async fn solve(
        &self,
        def: Option<pb::Definition>,
        opts: SolveOptions,
    ) -> Result<Solved, GatewayError> {
        if let Some(def) = &def {
            caps::check_definition(def, &self.llb_caps, &self.server)?;
        }
        let cache_imports = opts
            .cache_imports
            .into_iter()
            .map(|c| bridge::CacheOptionsEntry {
                r#type: c.kind,
                attrs: c.attrs,
            })
            .collect();
        let req = bridge::SolveRequest {
            definition: def,
            frontend: opts.frontend.unwrap_or_default(),
            frontend_opt: opts.frontend_opt,
            allow_result_return: true,
            allow_result_array_ref: true,
            cache_imports,
            frontend_inputs: opts.frontend_inputs,
            evaluate: opts.evaluate && self.caps.supports(caps::gateway::SOLVE_EVALUATE),
            ..Default::default()
        };
        let resp = self
            .rpc
            .clone()
            .solve(req)
            .await
            .map_err(|s| GatewayError::rpc("", s))?;
        Ok(solved_from(resp.into_inner()))
    }

    /// Reads `path` (relative to the ref's root) from a solved ref.
    pub async fn read_file(&self, ref_id: &str, path: &str) -> Result<Vec<u8>, tonic::Status> {
        let req = bridge::ReadFileRequest {
            r#ref: ref_id.to_string(),
            file_path: path.to_string(),
            ..Default::default()
        };
        Ok(self.rpc.clone().read_file(req).await?.into_inner().data)
    }

    /// Resolves an image reference to (possibly rewritten ref, manifest digest, config JSON).
    /// An OCI layout store lookup sets `ResolverType` 1 with the store's session and id, and
    /// no resolve mode, as upstream's client does.
    pub async fn resolve_image_config(
        &self,
        reference: &str,
        platform: Option<pb::Platform>,
        resolve_mode: &str,
        kind: &ResolverKind,
        log_name: &str,
    ) -> Result<(String, String, Vec<u8>), tonic::Status> {
        let mut req = bridge::ResolveImageConfigRequest {
            r#ref: reference.to_string(),
            platform,
            log_name: log_name.to_string(),
            ..Default::default()
        };
        match kind {
            ResolverKind::Registry => req.resolve_mode = resolve_mode.to_string(),
            ResolverKind::OciLayout {
                session_id,
                store_id,
            } => {
                req.resolver_type = RESOLVER_TYPE_OCI_LAYOUT;
                req.session_id = session_id.clone();
                req.store_id = store_id.clone();
            }
        }
        let resp = self
            .rpc
            .clone()
            .resolve_image_config(req)
            .await?
            .into_inner();
        let new_ref = if resp.r#ref.is_empty() {
            reference.to_string()
        } else {
            resp.r#ref
        };
        Ok((new_ref, resp.digest, resp.config))
    }

    /// The caller's frontend inputs; empty when the daemon lacks `frontend.inputs`.
    pub async fn inputs(&self) -> Result<BTreeMap<String, pb::Definition>, GatewayError> {
        if !self.caps.supports(caps::gateway::FRONTEND_INPUTS) {
            return Ok(BTreeMap::new());
        }
        let resp = self
            .rpc
            .clone()
            .inputs(bridge::InputsRequest {})
            .await
            .map_err(|s| GatewayError::rpc("failed to get frontend inputs", s))?;
        Ok(resp.into_inner().definitions)
    }

    /// Sends a warning; a daemon without `gateway.warnings` drops it.
    pub async fn warn(&self, req: bridge::WarnRequest) -> Result<(), GatewayError> {
        if !self.caps.supports(caps::gateway::WARNINGS) {
            return Ok(());
        }
        self.rpc
            .clone()
            .warn(req)
            .await
            .map_err(|s| GatewayError::rpc("failed to warn", s))?;
        Ok(())
    }

    /// Ends the build with `result`.
    pub async fn return_result(&self, result: bridge::Result) -> Result<(), GatewayError> {
        self.send_return(bridge::ReturnRequest {
            result: Some(result),
            error: None,
        })
        .await
    }

    /// Ends the build with an error.
    pub async fn return_error(&self, error: RpcStatus) -> Result<(), GatewayError> {
        self.send_return(bridge::ReturnRequest {
            result: None,
            error: Some(error),
        })
        .await
    }

    async fn send_return(&self, req: bridge::ReturnRequest) -> Result<(), GatewayError> {
        self.rpc
            .clone()
            .r#return(req)
            .await
            .map_err(|s| GatewayError::rpc("failed to return the result", s))?;
        Ok(())
    }

    /// Whether results may use `Ref` messages (else the deprecated string ids).
    pub fn ref_array(&self) -> bool {
        self.caps.supports(caps::gateway::PROTO_REF_ARRAY)
    }
}

fn handle(r: bridge::Ref) -> RefHandle {
    RefHandle {
        id: r.id,
        def: r.def,
    }
}

fn solved_from(resp: bridge::SolveResponse) -> Solved {
    use bridge::result::Result as R;
    let Some(result) = resp.result else {
        return Solved {
            single: Some(RefHandle {
                id: resp.r#ref,
                def: None,
            }),
            ..Default::default()
        };
    };
    let mut out = Solved {
        metadata: result.metadata,
        ..Default::default()
    };
    match result.result {
        Some(R::RefDeprecated(id)) => out.single = Some(RefHandle { id, def: None }),
        Some(R::RefsDeprecated(m)) => {
            out.refs = m
                .refs
                .into_iter()
                .map(|(k, id)| (k, RefHandle { id, def: None }))
                .collect();
        }
        Some(R::Ref(r)) => out.single = Some(handle(r)),
        Some(R::Refs(m)) => out.refs = m.refs.into_iter().map(|(k, r)| (k, handle(r))).collect(),
        None => {}
    }
    out
}
