//! A recording in-process LLBBridge server for tests: serves local files and image configs,
//! hands out ref ids for Solves, and records every request. Sessions run over
//! `tokio::io::duplex`, through the same transport code as production.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use llb::apicaps::ApiCap;
use llb::pb;
use tonic::{Request, Response, Status};

use super::caps::LLB_CAPS;
use super::proto::bridge::{self, llb_bridge_server::LlbBridge};
use super::proto::worker::{BuildkitVersion, WorkerRecord};
use super::transport::MAX_MESSAGE_SIZE;

/// Everything the fake serves and records.
#[derive(Debug, Default)]
pub struct State {
    /// Local name → path → content.
    pub locals: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    /// Image ref → (digest, config JSON).
    pub images: BTreeMap<String, (String, Vec<u8>)>,
    /// Gateway caps Ping returns.
    pub gateway_caps: Vec<ApiCap>,
    /// LLB caps Ping returns.
    pub llb_caps: Vec<ApiCap>,
    /// Inputs returns these.
    pub inputs: BTreeMap<String, pb::Definition>,
    /// When set, the Solve of a non-local Definition fails with this.
    pub final_solve_error: Option<Status>,
    /// Ref id → local name (for ReadFile).
    pub refs: BTreeMap<String, String>,
    /// Recorded requests.
    pub solves: Vec<bridge::SolveRequest>,
    /// Recorded.
    pub resolves: Vec<bridge::ResolveImageConfigRequest>,
    /// Recorded.
    pub read_files: Vec<(String, String)>,
    /// Recorded.
    pub warns: Vec<bridge::WarnRequest>,
    /// Recorded.
    pub returns: Vec<bridge::ReturnRequest>,
}

/// The fake daemon (cheap to clone; clones share state).
#[derive(Debug, Clone, Default)]
pub struct FakeDaemon {
    /// Shared state.
    pub state: Arc<Mutex<State>>,
}

fn cap(id: &str) -> ApiCap {
    ApiCap {
        id: id.to_string(),
        enabled: true,
        ..Default::default()
    }
}

/// The gateway caps a current daemon announces (the ones this client looks at).
pub fn modern_gateway_caps() -> Vec<ApiCap> {
    [
        "solve.base",
        "resolveimage",
        "readfile",
        "return",
        "returnmap",
        "proto.refarray",
        "frontend.inputs",
        "gateway.warnings",
        "importcaches",
        "gateway.solve.evaluate",
    ]
    .into_iter()
    .map(cap)
    .collect()
}

/// Every LLB cap in the table.
pub fn all_llb_caps() -> Vec<ApiCap> {
    LLB_CAPS.iter().map(|c| cap(c.id)).collect()
}

/// An image config as a daemon returns it.
pub fn busybox_config(arch: &str) -> Vec<u8> {
    format!(
        r#"{{"architecture":"{arch}","os":"linux","config":{{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":null,"Labels":null}},"rootfs":{{"type":"layers","diff_ids":["sha256:1111111111111111111111111111111111111111111111111111111111111111"]}},"created":"2024-01-01T00:00:00Z"}}"#
    )
    .into_bytes()
}

impl FakeDaemon {
    /// A daemon with modern caps, `busybox:local`, and a `dockerfile` local holding `dockerfile`.
    pub fn with_dockerfile(dockerfile: &str) -> Self {
        let d = FakeDaemon::default();
        {
            let mut s = d.lock();
            s.gateway_caps = modern_gateway_caps();
            s.llb_caps = all_llb_caps();
            s.images.insert(
                "docker.io/library/busybox:local".into(),
                (
                    "sha256:abababababababababababababababababababababababababababababababab"
                        .into(),
                    busybox_config("amd64"),
                ),
            );
            s.locals
                .entry("dockerfile".into())
                .or_default()
                .insert("Dockerfile".into(), dockerfile.as_bytes().to_vec());
            s.locals.entry("context".into()).or_default();
        }
        d
    }

    /// Locks the state.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Serves one connection on `io` until it closes.
    pub fn spawn(&self, io: tokio::io::DuplexStream) -> tokio::task::JoinHandle<()> {
        let svc = bridge::llb_bridge_server::LlbBridgeServer::new(self.clone())
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        tokio::spawn(async move {
            let incoming = tokio_stream::once(Ok::<_, std::io::Error>(io));
            let _ = tonic::transport::Server::builder()
                .add_service(svc)
                .serve_with_incoming(incoming)
                .await;
        })
    }
}

/// The `local://NAME` a Definition's head op loads, if it is a local source.
fn head_local(def: &pb::Definition) -> Option<String> {
    let decoded = llb::definition::from_pb(def.clone()).ok()?;
    let (v, _) = decoded.head()?;
    match &v.op.op {
        Some(pb::op::Op::Source(s)) => s.identifier.strip_prefix("local://").map(str::to_string),
        _ => None,
    }
}

#[tonic::async_trait]
impl LlbBridge for FakeDaemon {
    async fn resolve_image_config(
        &self,
        request: Request<bridge::ResolveImageConfigRequest>,
    ) -> Result<Response<bridge::ResolveImageConfigResponse>, Status> {
        let req = request.into_inner();
        let mut s = self.lock();
        s.resolves.push(req.clone());
        let Some((digest, config)) = s.images.get(&req.r#ref).cloned() else {
            return Err(Status::not_found(format!("{}: not found", req.r#ref)));
        };
        let config = match &req.platform {
            Some(p) => String::from_utf8_lossy(&config)
                .replace(
                    "\"architecture\":\"amd64\"",
                    &format!("\"architecture\":\"{}\"", p.architecture),
                )
                .into_bytes(),
            None => config,
        };
        Ok(Response::new(bridge::ResolveImageConfigResponse {
            digest,
            config,
            r#ref: String::new(),
        }))
    }

    async fn solve(
        &self,
        request: Request<bridge::SolveRequest>,
    ) -> Result<Response<bridge::SolveResponse>, Status> {
        let req = request.into_inner();
        let mut s = self.lock();
        let n = s.solves.len();
        s.solves.push(req.clone());
        if !req.frontend.is_empty() {
            let result = bridge::Result {
                result: Some(bridge::result::Result::Ref(bridge::Ref {
                    id: format!("forwarded-{n}"),
                    def: None,
                })),
                metadata: BTreeMap::from([("from".to_string(), req.frontend.into_bytes())]),
            };
            return Ok(Response::new(bridge::SolveResponse {
                r#ref: String::new(),
                result: Some(result),
            }));
        }
        let def = req.definition.unwrap_or_default();
        let id = match head_local(&def) {
            Some(local) => {
                let id = format!("local-{local}-{n}");
                s.refs.insert(id.clone(), local);
                id
            }
            None => {
                if let Some(err) = s.final_solve_error.clone() {
                    return Err(err);
                }
                format!("final-{n}")
            }
        };
        let result = bridge::Result {
            result: Some(bridge::result::Result::Ref(bridge::Ref {
                id,
                def: Some(def),
            })),
            metadata: BTreeMap::new(),
        };
        Ok(Response::new(bridge::SolveResponse {
            r#ref: String::new(),
            result: Some(result),
        }))
    }

    async fn read_file(
        &self,
        request: Request<bridge::ReadFileRequest>,
    ) -> Result<Response<bridge::ReadFileResponse>, Status> {
        let req = request.into_inner();
        let mut s = self.lock();
        s.read_files
            .push((req.r#ref.clone(), req.file_path.clone()));
        let data = s
            .refs
            .get(&req.r#ref)
            .and_then(|local| s.locals.get(local))
            .and_then(|files| files.get(&req.file_path))
            .cloned();
        match data {
            Some(data) => Ok(Response::new(bridge::ReadFileResponse { data })),
            None => Err(Status::unknown(format!(
                "open {}: no such file or directory",
                req.file_path
            ))),
        }
    }

    async fn read_dir(
        &self,
        _request: Request<bridge::ReadDirRequest>,
    ) -> Result<Response<bridge::ReadDirResponse>, Status> {
        Err(Status::unimplemented("read_dir"))
    }

    async fn stat_file(
        &self,
        _request: Request<bridge::StatFileRequest>,
    ) -> Result<Response<bridge::StatFileResponse>, Status> {
        Err(Status::unimplemented("stat_file"))
    }

    async fn evaluate(
        &self,
        _request: Request<bridge::EvaluateRequest>,
    ) -> Result<Response<bridge::EvaluateResponse>, Status> {
        Ok(Response::new(bridge::EvaluateResponse {}))
    }

    async fn ping(
        &self,
        _request: Request<bridge::PingRequest>,
    ) -> Result<Response<bridge::PongResponse>, Status> {
        let s = self.lock();
        Ok(Response::new(bridge::PongResponse {
            frontend_api_caps: s.gateway_caps.clone(),
            llb_caps: s.llb_caps.clone(),
            workers: vec![WorkerRecord {
                id: "fake".into(),
                platforms: vec![pb::Platform {
                    architecture: "amd64".into(),
                    os: "linux".into(),
                    ..Default::default()
                }],
                buildkit_version: Some(BuildkitVersion {
                    version: "v0.16.0".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }],
        }))
    }

    async fn r#return(
        &self,
        request: Request<bridge::ReturnRequest>,
    ) -> Result<Response<bridge::ReturnResponse>, Status> {
        let mut s = self.lock();
        if !s.returns.is_empty() {
            return Err(Status::unknown("gateway result is already set"));
        }
        s.returns.push(request.into_inner());
        Ok(Response::new(bridge::ReturnResponse {}))
    }

    async fn inputs(
        &self,
        _request: Request<bridge::InputsRequest>,
    ) -> Result<Response<bridge::InputsResponse>, Status> {
        Ok(Response::new(bridge::InputsResponse {
            definitions: self.lock().inputs.clone(),
        }))
    }

    async fn warn(
        &self,
        request: Request<bridge::WarnRequest>,
    ) -> Result<Response<bridge::WarnResponse>, Status> {
        self.lock().warns.push(request.into_inner());
        Ok(Response::new(bridge::WarnResponse {}))
    }
}
