//! Whole gateway sessions against the in-process [`FakeDaemon`], over the real transport:
//! what is solved and read, what is returned, and how errors travel.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::convert::{ConvertOptions, ConvertResult, ImageResolver};

use super::compiler::Compiler;
use super::error::GatewayError;
use super::fake_daemon::{FakeDaemon, State};
use super::flow::GatewayEnv;
use super::opts::FrontendOpts;
use super::probe::ProbeCompiler;
use super::proto::bridge;
use super::warn::LintWarning;
use super::{SessionEnd, serve, transport};

/// A compiler that records the options it was given and delegates to the probe.
#[derive(Default)]
struct Recording {
    inner: ProbeCompiler,
    seen: Arc<Mutex<Vec<ConvertOptions>>>,
}

impl Compiler for Recording {
    fn convert(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> Result<ConvertResult, GatewayError> {
        if let Ok(mut s) = self.seen.lock() {
            s.push(opts.clone());
        }
        self.inner.convert(dockerfile, opts, resolver)
    }

    fn convert_with_warnings(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> (Result<ConvertResult, GatewayError>, Vec<LintWarning>) {
        if let Ok(mut s) = self.seen.lock() {
            s.push(opts.clone());
        }
        self.inner.convert_with_warnings(dockerfile, opts, resolver)
    }

    fn subrequests(&self) -> &'static [&'static str] {
        &["frontend.targets"]
    }

    fn targets(&self, _dockerfile: &[u8], _opts: &ConvertOptions) -> Result<Value, GatewayError> {
        Ok(serde_json::json!({"targets": [{"name": "probe", "default": true}], "sources": []}))
    }
}

fn env(opts: &[(&str, &str)]) -> GatewayEnv {
    GatewayEnv {
        opts: FrontendOpts::from_pairs(opts.iter().copied()),
        session_id: Some("sess-1".into()),
        worker_platforms: Vec::new(),
        product: String::new(),
    }
}

async fn session<C: Compiler>(
    daemon: &FakeDaemon,
    env: &GatewayEnv,
    compiler: C,
) -> Result<SessionEnd, GatewayError> {
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    let server = daemon.spawn(server_io);
    let channel = transport::connect(client_io).await?;
    let end = serve(channel, env, Arc::new(compiler)).await;
    server.abort();
    end
}

fn source_attrs(
    req: &bridge::SolveRequest,
) -> (String, std::collections::BTreeMap<String, String>) {
    let def = req.definition.clone().unwrap_or_default();
    let decoded = llb::definition::from_pb(def).expect("valid definition");
    let (v, _) = decoded.head().expect("head");
    match &v.op.op {
        Some(llb::pb::op::Op::Source(s)) => (s.identifier.clone(), s.attrs.clone()),
        other => panic!("not a source op: {other:?}"),
    }
}

fn the_return(s: &State) -> &bridge::ReturnRequest {
    assert_eq!(s.returns.len(), 1, "exactly one Return");
    &s.returns[0]
}

fn returned_error(s: &State) -> super::proto::RpcStatus {
    the_return(s).error.clone().expect("an error Return")
}

#[tokio::test]
async fn successful_build_solves_reads_and_returns_the_image() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\nMAINTAINER me\n");
    let compiler = Recording::default();
    let seen = Arc::clone(&compiler.seen);
    let end = session(&daemon, &env(&[("label:a", "b")]), compiler)
        .await
        .unwrap();
    assert!(matches!(end, SessionEnd::Returned), "{end:?}");
    let s = daemon.lock();

    // 1. The Dockerfile's local, exactly as upstream asks for it.
    let (id, attrs) = source_attrs(&s.solves[0]);
    assert_eq!(id, "local://dockerfile");
    assert_eq!(
        attrs["local.followpaths"],
        r#"["Dockerfile","Dockerfile.dockerignore","dockerfile"]"#
    );
    assert_eq!(attrs["local.session"], "sess-1");
    assert_eq!(attrs["local.sharedkeyhint"], "dockerfile");
    assert_eq!(attrs["local.differ"], "none");
    let md = &s.solves[0].definition.as_ref().unwrap().metadata;
    assert!(
        md.values()
            .any(|m| m.description.get("llb.customname").map(String::as_str)
                == Some("[internal] load build definition from Dockerfile"))
    );
    assert!(s.solves[0].allow_result_return && s.solves[0].allow_result_array_ref);

    // 2. The context's .dockerignore (there is no Dockerfile.dockerignore).
    let (id, attrs) = source_attrs(&s.solves[1]);
    assert_eq!(id, "local://context");
    assert_eq!(attrs["local.followpaths"], r#"[".dockerignore"]"#);
    assert_eq!(attrs["local.sharedkeyhint"], "context-.dockerignore");

    // 3. The image resolved through the daemon, then the final Definition.
    assert_eq!(s.resolves.len(), 1);
    assert_eq!(s.resolves[0].r#ref, "docker.io/library/busybox:local");
    assert_eq!(s.resolves[0].resolve_mode, "default");
    assert_eq!(
        s.resolves[0].log_name,
        "[internal] load metadata for docker.io/library/busybox:local"
    );
    assert_eq!(s.solves.len(), 3);

    // The Return: the final ref and the image config.
    let ret = the_return(&s);
    assert!(ret.error.is_none());
    let result = ret.result.as_ref().unwrap();
    assert!(matches!(&result.result, Some(bridge::result::Result::Ref(r)) if r.id == "final-2"));
    let cfg: Value = serde_json::from_slice(&result.metadata["containerimage.config"]).unwrap();
    assert_eq!(cfg["config"]["Labels"]["rfront.probe"], "1");
    assert_eq!(cfg["config"]["Labels"]["a"], "b");
    assert!(result.metadata.contains_key("containerimage.base.config"));
    let plats: Value = serde_json::from_slice(&result.metadata["refs.platforms"]).unwrap();
    assert_eq!(plats["Platforms"][0]["ID"], "linux/amd64");

    // The MAINTAINER warning, tied to the Dockerfile's vertex.
    assert_eq!(s.warns.len(), 1);
    let w = &s.warns[0];
    assert_eq!(
        String::from_utf8_lossy(&w.short),
        "MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)"
    );
    assert_eq!(w.level, 1);
    assert_eq!(w.ranges[0].start.as_ref().unwrap().line, 2);
    let head = source_attrs_digest(&s.solves[0]);
    assert_eq!(w.digest, head);
    assert_eq!(w.info.as_ref().unwrap().filename, "Dockerfile");

    // What the compiler was given.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].session_id.as_deref(), Some("sess-1"));
    assert_eq!(seen[0].dockerfile_name, "Dockerfile");
    assert!(
        seen[0]
            .llb_caps
            .as_ref()
            .unwrap()
            .contains("file.copy.modestring")
    );
    assert_eq!(seen[0].build_platforms[0].architecture, "amd64");
    assert_eq!(
        seen[0].source_map.as_ref().map(|m| m.filename()),
        Some("Dockerfile")
    );
}

#[tokio::test]
async fn named_local_contexts_load_their_dockerignore() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    daemon
        .lock()
        .locals
        .entry("other".into())
        .or_default()
        .insert(".dockerignore".into(), b"*.tmp\n".to_vec());
    let compiler = Recording::default();
    let seen = Arc::clone(&compiler.seen);
    session(&daemon, &env(&[("context:src", "local:other")]), compiler)
        .await
        .unwrap();
    assert_eq!(
        seen.lock().unwrap()[0].named_local_excludes["other"],
        vec!["*.tmp"]
    );
    let s = daemon.lock();
    let req = s
        .solves
        .iter()
        .find(|r| source_attrs_try(r).as_deref() == Some("local://other"))
        .expect("the named local was solved");
    assert!(req.evaluate);
    let (_, attrs) = source_attrs(req);
    assert_eq!(attrs["local.sharedkeyhint"], "context:src-.dockerignore");
}

fn source_attrs_digest(req: &bridge::SolveRequest) -> String {
    let decoded = llb::definition::from_pb(req.definition.clone().unwrap()).unwrap();
    decoded.head().unwrap().0.digest.to_string()
}

#[tokio::test]
async fn dockerignore_patterns_reach_the_compiler() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    daemon.lock().locals.get_mut("context").unwrap().insert(
        ".dockerignore".into(),
        b"# c\n*.log\n!keep.log\n/abs\n".to_vec(),
    );
    let compiler = Recording::default();
    let seen = Arc::clone(&compiler.seen);
    session(&daemon, &env(&[]), compiler).await.unwrap();
    assert_eq!(
        seen.lock().unwrap()[0].excludes,
        vec!["*.log", "!keep.log", "abs"]
    );
}

#[tokio::test]
async fn dockerfile_specific_dockerignore_wins() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    {
        let mut s = daemon.lock();
        let files = s.locals.get_mut("dockerfile").unwrap();
        files.insert("sub/Dockerfile".into(), b"FROM busybox:local\n".to_vec());
        files.insert(
            "sub/Dockerfile.dockerignore".into(),
            b"only-this\n".to_vec(),
        );
        s.locals
            .get_mut("context")
            .unwrap()
            .insert(".dockerignore".into(), b"not-this\n".to_vec());
    }
    let compiler = Recording::default();
    let seen = Arc::clone(&compiler.seen);
    session(&daemon, &env(&[("filename", "sub/Dockerfile")]), compiler)
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap()[0].excludes, vec!["only-this"]);
    assert_eq!(seen.lock().unwrap()[0].dockerfile_name, "sub/Dockerfile");
    let s = daemon.lock();
    let (_, attrs) = source_attrs(&s.solves[0]);
    assert_eq!(
        attrs["local.followpaths"],
        r#"["sub/Dockerfile","sub/Dockerfile.dockerignore","sub/dockerfile"]"#
    );
    // The context's .dockerignore is fetched alongside the Dockerfile for builds (it is
    // needed unless the Dockerfile has its own), then not used.
    assert_eq!(s.solves.len(), 3);
    let (_, attrs) = source_attrs(&s.solves[1]);
    assert_eq!(attrs["local.followpaths"], r#"[".dockerignore"]"#);
}

#[tokio::test]
async fn lowercase_dockerfile_is_a_fallback() {
    let daemon = FakeDaemon::with_dockerfile("");
    {
        let mut s = daemon.lock();
        let files = s.locals.get_mut("dockerfile").unwrap();
        files.remove("Dockerfile");
        files.insert("dockerfile".into(), b"FROM busybox:local\n".to_vec());
    }
    let end = session(&daemon, &env(&[]), ProbeCompiler::default())
        .await
        .unwrap();
    assert!(matches!(end, SessionEnd::Returned), "{end:?}");
}

#[tokio::test]
async fn missing_dockerfile_fails_clearly() {
    let daemon = FakeDaemon::with_dockerfile("");
    daemon.lock().locals.get_mut("dockerfile").unwrap().clear();
    let end = session(&daemon, &env(&[]), ProbeCompiler::default())
        .await
        .unwrap();
    assert!(matches!(end, SessionEnd::ReturnedError(_)));
    let err = returned_error(&daemon.lock());
    assert_eq!(
        err.message,
        "failed to read dockerfile: open Dockerfile: no such file or directory"
    );
}

#[tokio::test]
async fn dockerfile_errors_carry_the_source_excerpt() {
    let dockerfile = "FROM busybox:local\nLABEL a=b\nFOO bar\n";
    let daemon = FakeDaemon::with_dockerfile(dockerfile);
    session(&daemon, &env(&[]), ProbeCompiler::default())
        .await
        .unwrap();
    let s = daemon.lock();
    let err = returned_error(&s);
    assert_eq!(err.code, 2);
    assert_eq!(
        err.message,
        "dockerfile parse error on line 3: unknown instruction: FOO"
    );
    assert_eq!(err.details.len(), 1);
    assert_eq!(
        err.details[0].type_url,
        "github.com/moby/buildkit/errdefs.Source+json"
    );
    let v: Value = serde_json::from_slice(&err.details[0].value).unwrap();
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD
        .decode(v["info"]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(data, dockerfile.as_bytes());
    assert_eq!(v["info"]["filename"], "Dockerfile");
    assert_eq!(v["info"]["language"], "Dockerfile");
    assert_eq!(v["ranges"][0]["start"]["line"], 3);
    assert!(v["info"]["definition"]["def"].is_array());
    // Nothing was solved after the Dockerfile was read.
    assert!(s.solves.iter().all(|r| source_attrs_try(r).is_some()));
}

fn source_attrs_try(req: &bridge::SolveRequest) -> Option<String> {
    let decoded = llb::definition::from_pb(req.definition.clone()?).ok()?;
    match &decoded.head()?.0.op.op {
        Some(llb::pb::op::Op::Source(s)) => Some(s.identifier.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn missing_llb_cap_names_the_capability_and_version() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    daemon
        .lock()
        .llb_caps
        .retain(|c| c.id != "file.copy.modestring");
    let compiler = ProbeCompiler {
        extra_caps: vec!["file.copy.modestring".into()],
    };
    session(&daemon, &env(&[]), compiler).await.unwrap();
    let s = daemon.lock();
    let err = returned_error(&s);
    assert_eq!(
        err.message,
        "requested feature file.copy.modestring (COPY/ADD --chmod with a symbolic mode) is not supported by build server (BuildKit v0.16.0) (added in BuildKit v0.17), please update buildkit"
    );
    // The final Definition was never sent.
    assert_eq!(s.solves.len(), 2);
}

#[tokio::test]
async fn multi_platform_builds_return_a_ref_map() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    session(
        &daemon,
        &env(&[("platform", "linux/amd64,linux/arm64")]),
        ProbeCompiler::default(),
    )
    .await
    .unwrap();
    let s = daemon.lock();
    assert_eq!(s.resolves.len(), 2);
    assert_eq!(
        s.resolves[1].platform.as_ref().unwrap().architecture,
        "arm64"
    );
    assert_eq!(
        s.resolves[1].log_name,
        "[linux/arm64 internal] load metadata for docker.io/library/busybox:local"
    );
    let result = the_return(&s).result.clone().unwrap();
    let Some(bridge::result::Result::Refs(m)) = &result.result else {
        panic!("not a map")
    };
    assert_eq!(
        m.refs.keys().collect::<Vec<_>>(),
        ["linux/amd64", "linux/arm64"]
    );
    let arm: Value =
        serde_json::from_slice(&result.metadata["containerimage.config/linux/arm64"]).unwrap();
    assert_eq!(arm["architecture"], "arm64");
    assert!(!result.metadata.contains_key("containerimage.config"));
    let plats: Value = serde_json::from_slice(&result.metadata["refs.platforms"]).unwrap();
    assert_eq!(plats["Platforms"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn final_solve_errors_pass_through_with_details() {
    use prost::Message as _;
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    let inner = super::proto::RpcStatus {
        code: 2,
        message: "process did not complete successfully".into(),
        details: vec![super::error::typed_detail(
            "errdefs.Vertex",
            &serde_json::json!({"digest": "sha256:aa"}),
        )],
    };
    daemon.lock().final_solve_error = Some(tonic::Status::with_details(
        tonic::Code::Unknown,
        "process did not complete successfully",
        inner.encode_to_vec().into(),
    ));
    session(&daemon, &env(&[]), ProbeCompiler::default())
        .await
        .unwrap();
    let err = returned_error(&daemon.lock());
    assert_eq!(err.message, "process did not complete successfully");
    assert_eq!(err.details, inner.details);
}

#[tokio::test]
async fn malformed_options_fail_before_anything_is_solved() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    session(
        &daemon,
        &env(&[("image-resolve-mode", "sometimes")]),
        ProbeCompiler::default(),
    )
    .await
    .unwrap();
    let s = daemon.lock();
    assert_eq!(
        returned_error(&s).message,
        "invalid image-resolve-mode: sometimes"
    );
    assert!(s.solves.is_empty());
}

#[tokio::test]
async fn subrequests_return_metadata_only() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    session(
        &daemon,
        &env(&[("requestid", "frontend.subrequests.describe")]),
        Recording::default(),
    )
    .await
    .unwrap();
    {
        let s = daemon.lock();
        let result = the_return(&s).result.clone().unwrap();
        assert!(result.result.is_none());
        assert_eq!(result.metadata["version"], b"1.0.0");
        let v: Value = serde_json::from_slice(&result.metadata["result.json"]).unwrap();
        let names: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["frontend.targets", "frontend.subrequests.describe"]);
        assert_eq!(s.solves.len(), 1, "only the Dockerfile was loaded");
    }

    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    session(
        &daemon,
        &env(&[("requestid", "frontend.targets")]),
        Recording::default(),
    )
    .await
    .unwrap();
    {
        let s = daemon.lock();
        let result = the_return(&s).result.clone().unwrap();
        assert_eq!(
            result.metadata["result.txt"],
            b"TARGET          DESCRIPTION\nprobe (default) \n"
        );
    }

    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    session(
        &daemon,
        &env(&[("requestid", "frontend.outline")]),
        Recording::default(),
    )
    .await
    .unwrap();
    let err = returned_error(&daemon.lock());
    assert_eq!(err.message, "unsupported request frontend.outline");
    assert_eq!(
        err.details[0].type_url,
        "github.com/moby/buildkit/errdefs.Subrequest+json"
    );
}

#[tokio::test]
async fn another_syntax_image_is_forwarded_when_not_started_by_a_forward() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    session(
        &daemon,
        &env(&[
            ("source", "ourorg/rfront:dev"),
            ("build-arg:BUILDKIT_SYNTAX", "other/frontend:1"),
        ]),
        ProbeCompiler::default(),
    )
    .await
    .unwrap();
    let s = daemon.lock();
    let last = s.solves.last().unwrap();
    assert_eq!(last.frontend, "gateway.v0");
    assert_eq!(last.frontend_opt["source"], "other/frontend:1");
    assert_eq!(last.frontend_opt["cmdline"], "other/frontend:1");
    let result = the_return(&s).result.clone().unwrap();
    assert_eq!(result.metadata["from"], b"gateway.v0");
}

#[tokio::test]
async fn ping_fallbacks_apply_to_old_daemons() {
    let daemon = FakeDaemon::with_dockerfile("FROM busybox:local\n");
    {
        let mut s = daemon.lock();
        s.llb_caps.clear();
    }
    session(&daemon, &env(&[]), ProbeCompiler::default())
        .await
        .unwrap();
    // The frozen fallback set has no file.base: the build needs BuildKit 0.5.
    let err = returned_error(&daemon.lock());
    assert!(
        err.message
            .starts_with("needs BuildKit 0.5 or later: requested feature file.base"),
        "{}",
        err.message
    );
}

/// `input:` and `oci-layout://` named contexts through a whole session with the real
/// compiler: the input's ops reach the final Definition, and the OCI store lookup carries
/// the resolver type, session and store.
#[tokio::test]
async fn input_and_oci_layout_named_contexts() {
    use base64::Engine as _;
    let digest = "sha256:4d2ac2da3d7c6fcb2a9d2a3a7e5f0b3c1f2e4d5c6b7a8091a2b3c4d5e6f7a8b9";
    let daemon =
        FakeDaemon::with_dockerfile("FROM base AS a\nRUN env\nFROM oci\nCOPY --from=a /x /x\n");
    let input = llb::state::Image::new("docker.io/library/alpine:latest")
        .build()
        .marshal(&llb::marshal::MarshalOptions::new().platform(llb::state::Platform::linux_amd64()))
        .unwrap();
    let oci_ref = format!("docker.io/library/oci@{digest}");
    {
        let mut s = daemon.lock();
        s.inputs.insert("in".into(), input.clone());
        s.images.insert(
            oci_ref.clone(),
            (digest.into(), super::fake_daemon::busybox_config("amd64")),
        );
    }
    let md = serde_json::json!({
        "containerimage.config": base64::engine::general_purpose::STANDARD
            .encode(r#"{"architecture":"amd64","os":"linux","config":{"Env":["IN=1"]}}"#),
    })
    .to_string();
    let oci_value = format!("oci-layout://store@{digest}");
    let e = env(&[
        ("context:base", "input:in"),
        ("input-metadata:in", &md),
        ("context:oci", &oci_value),
    ]);
    let end = session(&daemon, &e, super::compiler::DockerfileCompiler)
        .await
        .unwrap();
    assert!(matches!(end, SessionEnd::Returned), "{end:?}");
    let s = daemon.lock();
    assert!(the_return(&s).error.is_none(), "{:?}", the_return(&s).error);
    let oci = s
        .resolves
        .iter()
        .find(|r| r.r#ref == oci_ref)
        .expect("the OCI layout lookup");
    assert_eq!(oci.resolver_type, super::client::RESOLVER_TYPE_OCI_LAYOUT);
    assert_eq!(oci.session_id, "sess-1");
    assert_eq!(oci.store_id, "store");
    assert_eq!(oci.resolve_mode, "");
    assert_eq!(
        oci.log_name,
        format!("[context oci] load metadata for {oci_ref}")
    );
    let last = s.solves.last().and_then(|r| r.definition.clone()).unwrap();
    assert!(last.def.contains(&input.def[0]), "the input's source op");
    let decoded = llb::definition::from_pb(last).unwrap();
    let exec_env: Vec<String> = decoded
        .vertices
        .iter()
        .find_map(|v| match &v.op.op {
            Some(llb::pb::op::Op::Exec(x)) => x.meta.as_ref().map(|m| m.env.clone()),
            _ => None,
        })
        .unwrap();
    assert!(exec_env.contains(&"IN=1".to_string()), "{exec_env:?}");
    let oci_source = decoded.vertices.iter().find_map(|v| match &v.op.op {
        Some(llb::pb::op::Op::Source(src))
            if src.identifier == format!("oci-layout://{oci_ref}") =>
        {
            Some(src.attrs.clone())
        }
        _ => None,
    });
    let attrs = oci_source.expect("the oci-layout source");
    assert_eq!(attrs["oci.session"], "sess-1");
    assert_eq!(attrs["oci.store"], "store");
}
