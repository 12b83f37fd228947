//! Named `git`, `oci-layout://` and `input:` contexts: the LLB and image config each gives,
//! and upstream's errors.

use std::collections::BTreeMap;
use std::sync::Mutex;

use llb::pb;
use llb::state::{Image as ImageSource, Platform as LlbPlatform};

use super::*;
use crate::convert::{
    ConvertOptions, ImageResolver, NamedContext, OfflineResolver, Platform, ResolveError,
    ResolveMode, ResolveRequest, ResolvedImage, convert,
};

const DIGEST: &str = "sha256:4d2ac2da3d7c6fcb2a9d2a3a7e5f0b3c1f2e4d5c6b7a8091a2b3c4d5e6f7a8b9";

/// A resolver that records every request and answers with a fixed config.
struct Recorder {
    config: Vec<u8>,
    seen: Mutex<Vec<ResolveRequest>>,
}

impl Recorder {
    fn new(config: &str) -> Recorder {
        Recorder {
            config: config.as_bytes().to_vec(),
            seen: Mutex::new(Vec::new()),
        }
    }
}

impl ImageResolver for Recorder {
    fn resolve(
        &self,
        reference: &str,
        _platform: &Platform,
        _mode: ResolveMode,
    ) -> std::result::Result<ResolvedImage, ResolveError> {
        Ok(ResolvedImage {
            reference: reference.to_string(),
            digest: None,
            config: OfflineResolver::config(reference),
        })
    }

    fn resolve_request(
        &self,
        request: &ResolveRequest,
    ) -> std::result::Result<ResolvedImage, ResolveError> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(request.clone());
        }
        Ok(ResolvedImage {
            reference: request.reference.clone(),
            digest: Some(DIGEST.to_string()),
            config: self.config.clone(),
        })
    }
}

fn opts(contexts: &[(&str, NamedContext)]) -> ConvertOptions {
    ConvertOptions {
        local_unique_id: Some("u".into()),
        session_id: Some("ctx-sess".into()),
        build_session_id: Some("sess".into()),
        named_contexts: contexts
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        ..ConvertOptions::default()
    }
}

/// The source op with this identifier, its custom name, and the op's platform.
fn source(def: &pb::Definition, identifier: &str) -> (pb::SourceOp, String, Option<pb::Platform>) {
    let decoded = llb::definition::from_pb(def.clone()).expect("valid definition");
    for v in &decoded.vertices {
        if let Some(pb::op::Op::Source(s)) = &v.op.op
            && s.identifier == identifier
        {
            let name = decoded
                .metadata(v.digest.as_str())
                .and_then(|m| m.description.get("llb.customname").cloned())
                .unwrap_or_default();
            return (s.clone(), name, v.op.platform.clone());
        }
    }
    panic!("no source {identifier} in the Definition");
}

/// The environment of the exec op of `RUN env`.
fn exec_env(def: &pb::Definition) -> Vec<String> {
    let decoded = llb::definition::from_pb(def.clone()).expect("valid definition");
    decoded
        .vertices
        .iter()
        .find_map(|v| match &v.op.op {
            Some(pb::op::Op::Exec(e)) => e
                .meta
                .as_ref()
                .filter(|m| m.args.last().is_some_and(|a| a == "env"))
                .map(|m| m.env.clone()),
            _ => None,
        })
        .expect("the exec of RUN env")
}

fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn git_context_replaces_a_base_image() {
    let value = "git@github.com:org/repo.git#main:sub/dir";
    let o = opts(&[("repo", NamedContext::Git(value.into()))]);
    let r = convert(b"FROM repo\nRUN ls\n", &o, &OfflineResolver).expect("convert");
    let (src, name, platform) = source(&r.definition, "git://github.com/org/repo.git#main:sub/dir");
    assert_eq!(name, format!("[internal] load git source {value}"));
    assert_eq!(
        src.attrs,
        attrs(&[
            ("git.authheadersecret", "GIT_AUTH_HEADER"),
            ("git.authtokensecret", "GIT_AUTH_TOKEN"),
            ("git.fullurl", "git@github.com:org/repo.git"),
            ("git.mountsshsock", "default"),
        ])
    );
    assert!(platform.is_none());
    assert!(r.base_image.is_some());
}

#[test]
fn git_context_query_options() {
    let value = "https://github.com/org/repo.git?ref=v1&subdir=x&keep-git-dir=1&submodules=false&mtime=commit&checksum=abc";
    let o = opts(&[("repo", NamedContext::Git(value.into()))]);
    let r = convert(
        b"FROM busybox\nCOPY --from=repo / /\n",
        &o,
        &OfflineResolver,
    )
    .expect("convert");
    let (src, name, _) = source(&r.definition, "git://github.com/org/repo.git#v1:x");
    assert_eq!(name, format!("[internal] load git source {value}"));
    assert_eq!(
        src.attrs,
        attrs(&[
            ("git.authheadersecret", "GIT_AUTH_HEADER"),
            ("git.authtokensecret", "GIT_AUTH_TOKEN"),
            ("git.checksum", "abc"),
            ("git.fullurl", "https://github.com/org/repo.git"),
            ("git.keepgitdir", "true"),
            ("git.mtime", "commit"),
            ("git.skipsubmodules", "true"),
        ])
    );
}

#[test]
fn git_context_errors() {
    for (value, msg) in [
        (
            "git@github.com/no-colon",
            "invalid git context git@github.com/no-colon",
        ),
        ("https://h/r.git?x=1", "unexpected query \"x\""),
    ] {
        let o = opts(&[("repo", NamedContext::Git(value.into()))]);
        let err = convert(b"FROM repo\n", &o, &OfflineResolver).unwrap_err();
        assert!(err.to_string().contains(msg), "{value}: {err}");
    }
}

#[test]
fn oci_layout_context_resolves_through_the_store() {
    let config = r#"{"architecture":"arm64","os":"linux","config":{"Env":["FOO=bar"],"WorkingDir":"/w"},"rootfs":{"type":"layers","diff_ids":[]},"created":"2024-01-01T00:00:00Z"}"#;
    let resolver = Recorder::new(config);
    let o = opts(&[(
        "base",
        NamedContext::OciLayout(format!("mystore:v1@{DIGEST}")),
    )]);
    let r = convert(b"FROM base\nRUN env\n", &o, &resolver).expect("convert");
    let dummy = format!("docker.io/library/base@{DIGEST}");
    let seen = resolver.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].reference, dummy);
    assert_eq!(
        seen[0].kind,
        ResolverKind::OciLayout {
            session_id: "sess".into(),
            store_id: "mystore".into(),
        }
    );
    assert_eq!(
        seen[0].log_name.as_deref(),
        Some(format!("[context base] load metadata for {dummy}").as_str())
    );
    let (src, name, platform) = source(&r.definition, &format!("oci-layout://{dummy}"));
    assert_eq!(name, "[context base] OCI load from client");
    assert_eq!(
        src.attrs,
        attrs(&[("oci.session", "sess"), ("oci.store", "mystore")])
    );
    assert_eq!(platform.map(|p| p.architecture), Some("amd64".to_string()));
    assert!(exec_env(&r.definition).contains(&"FOO=bar".to_string()));
    // The base image keeps its creation time; the result drops it.
    assert!(r.base_image.as_ref().is_some_and(|b| b.created.is_some()));
    assert_eq!(r.image.config.working_dir, "/w");
}

#[test]
fn oci_layout_context_errors() {
    for (spec, msg) in [
        (
            "mystore:v1".to_string(),
            "oci-layout reference \"mystore:v1\" has no digest",
        ),
        (
            "Bad@@x".to_string(),
            "could not parse oci-layout reference \"Bad@@x\": ",
        ),
    ] {
        let o = opts(&[("base", NamedContext::OciLayout(spec.clone()))]);
        let err = convert(b"FROM base\n", &o, &Recorder::new("{}")).unwrap_err();
        assert!(err.to_string().contains(msg), "{spec}: {err}");
    }
    // The default resolver has no OCI layout stores.
    struct RegistryOnly;
    impl ImageResolver for RegistryOnly {
        fn resolve(
            &self,
            r: &str,
            p: &Platform,
            m: ResolveMode,
        ) -> std::result::Result<ResolvedImage, ResolveError> {
            OfflineResolver.resolve(r, p, m)
        }
    }
    let o = opts(&[("base", NamedContext::OciLayout(format!("mystore@{DIGEST}")))]);
    let err = convert(b"FROM base\n", &o, &RegistryOnly).unwrap_err();
    assert!(
        err.to_string().contains("cannot read OCI layout stores"),
        "{err}"
    );
}

/// A marshalled input: an image with one exec.
fn input_definition() -> pb::Definition {
    ImageSource::new("docker.io/library/alpine:latest")
        .platform(LlbPlatform::linux_amd64())
        .build()
        .exec()
        .args(["touch", "/made"])
        .run()
        .root()
        .marshal(
            &llb::marshal::MarshalOptions::new()
                .platform(LlbPlatform::linux_amd64())
                .local_unique_id("i"),
        )
        .expect("marshal")
}

#[test]
fn input_context_uses_the_input_definition_and_its_metadata() {
    let input = input_definition();
    let config = r#"{"architecture":"amd64","os":"linux","config":{"Env":["FROM_INPUT=1"]}}"#;
    let md = serde_json::json!({
        "containerimage.config": base64::engine::general_purpose::STANDARD.encode(config),
    })
    .to_string();
    let mut o = opts(&[("base", NamedContext::Input("in".into()))]);
    o.inputs.insert("in".into(), input.clone());
    o.input_metadata.insert("in".into(), md);
    let r = convert(b"FROM base\nRUN env\n", &o, &OfflineResolver).expect("convert");
    // The input's ops are there byte for byte (its output-only op aside).
    for op in &input.def[..input.def.len() - 1] {
        assert!(r.definition.def.contains(op));
    }
    assert!(exec_env(&r.definition).contains(&"FROM_INPUT=1".to_string()));

    // Without metadata: the input as it is, an empty image config.
    let mut o = opts(&[("base", NamedContext::Input("in".into()))]);
    o.inputs.insert("in".into(), input.clone());
    let r = convert(b"FROM base\n", &o, &OfflineResolver).expect("convert");
    for op in &input.def[..input.def.len() - 1] {
        assert!(r.definition.def.contains(op));
    }
    // The empty image upstream gives a base without config: only the default PATH.
    assert_eq!(r.image.config.env.len(), 1);
    assert!(r.image.config.env[0].starts_with("PATH="));
}

#[test]
fn input_context_errors() {
    // No such input (the offline CLI has none at all).
    let o = opts(&[("base", NamedContext::Input("in".into()))]);
    let err = convert(b"FROM base\n", &o, &OfflineResolver).unwrap_err();
    assert!(
        err.to_string().contains("invalid input in for base"),
        "{err}"
    );

    let config = |json: &str| {
        let encoded = base64::engine::general_purpose::STANDARD.encode(json);
        format!(r#"{{"containerimage.config":"{encoded}"}}"#)
    };
    for (metadata, want) in [
        (
            "not json".to_string(),
            "failed to parse input metadata not json: ",
        ),
        (
            config("[1]"),
            "json: cannot unmarshal array into Go value of type v1.Image",
        ),
        // A config that is an object but not an image.
        (
            config(r#"{"os":1}"#),
            "failed to parse image config for base: ",
        ),
    ] {
        let mut o = opts(&[("base", NamedContext::Input("in".into()))]);
        o.inputs.insert("in".into(), input_definition());
        o.input_metadata.insert("in".into(), metadata);
        let err = convert(b"FROM base\n", &o, &OfflineResolver).unwrap_err();
        assert!(err.to_string().contains(want), "{want}: {err}");
    }
}

#[test]
fn input_metadata_is_base64_json() {
    let md = r#"{"containerimage.config":"eyJvcyI6ImxpbnV4In0=","other":null}"#;
    let m = decode_input_metadata(md).unwrap();
    assert_eq!(m[IMAGE_CONFIG_KEY], br#"{"os":"linux"}"#);
    assert!(m["other"].is_empty());
    assert!(decode_input_metadata("{").is_err());
    assert!(decode_input_metadata(r#"{"a":"%%%"}"#).is_err());
}

#[test]
fn git_contexts_are_detected_as_upstream() {
    assert!(is_git_context(
        "https://github.com/moby/buildkit.git#v0.10.1"
    ));
    assert!(is_git_context("git@github.com:moby/buildkit.git"));
    assert!(is_git_context("https://h/r.git?x=1"));
    assert!(!is_git_context("https://example.com/ctx.tar.gz"));
}

#[test]
fn image_context_lookup_is_logged_under_the_context_name() {
    let resolver = Recorder::new(r#"{"architecture":"amd64","os":"linux","config":{}}"#);
    let o = opts(&[("base", NamedContext::Image("alpine:3.20".into()))]);
    convert(b"FROM base\nRUN true\n", &o, &resolver).expect("convert");
    let seen = resolver.seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].reference, "docker.io/library/alpine:3.20");
    assert_eq!(seen[0].kind, ResolverKind::Registry);
    assert_eq!(
        seen[0].log_name.as_deref(),
        Some("[context base] load metadata for alpine:3.20")
    );
}
