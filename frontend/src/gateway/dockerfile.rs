//! Loading the Dockerfile and the `.dockerignore` patterns through the gateway, as the
//! Dockerfile frontend does (`dockerui.ReadEntrypoint`, `dockerIgnorePatterns`):
//! solve a small `local://` source, then `ReadFile` from the result.

use std::collections::BTreeMap;

use llb::pb;

use crate::convert::NamedContext;

use super::client::{BridgeClient, SolveOptions};
use super::dockerignore;
use super::error::GatewayError;
use super::local_source::{self, LocalSource};
use super::opts::BuildConfig;

/// The language recorded in source infos.
pub const LANGUAGE: &str = "Dockerfile";

/// The Dockerfile as read, with what errors and warnings need to point into it.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerfileSource {
    /// The file's bytes.
    pub data: Vec<u8>,
    /// Its name in source maps and errors (the `filename` opt).
    pub filename: String,
    /// The Definition that loaded it (SourceInfo.definition).
    pub definition: pb::Definition,
    /// The digest of that Definition's head vertex (the `digest` of `Warn`).
    pub head: String,
    /// `<filename>.dockerignore`, when it exists next to the Dockerfile.
    pub dockerignore: Option<Vec<u8>>,
}

impl DockerfileSource {
    /// The source map the compiler attaches op locations to (file, contents and the LLB that
    /// loaded it).
    pub fn source_map(&self) -> llb::source_map::SourceMap {
        llb::source_map::SourceMap::new(self.filename.clone(), LANGUAGE, self.data.clone())
            .with_definition(self.definition.clone())
    }

    /// The SourceInfo for errors and warnings.
    pub fn source_info(&self) -> pb::SourceInfo {
        pb::SourceInfo {
            filename: self.filename.clone(),
            data: self.data.clone(),
            definition: Some(self.definition.clone()),
            language: LANGUAGE.to_string(),
        }
    }
}

/// The session id for a local: its `local-sessionid:` override, else the client session.
pub fn session_for(cfg: &BuildConfig, session_id: Option<&str>, local: &str) -> Option<String> {
    cfg.local_session_ids
        .get(local)
        .map(String::as_str)
        .or(session_id)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn base_name(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// `path.Join(path.Dir(filename), "dockerfile")`.
fn lowercase_sibling(filename: &str) -> String {
    let dir = match filename.trim_end_matches('/').rfind('/') {
        Some(i) => dockerignore::clean(&filename[..i.max(1)]),
        None => ".".to_string(),
    };
    match dir.as_str() {
        "." => "dockerfile".to_string(),
        "/" => "/dockerfile".to_string(),
        d => format!("{d}/dockerfile"),
    }
}

/// Solves the Dockerfile's local (or the `dockerfile` input when one was passed) and reads the
/// Dockerfile and `<filename>.dockerignore` from it.
pub async fn read_dockerfile(
    client: &BridgeClient,
    cfg: &BuildConfig,
    session_id: Option<&str>,
    input: Option<pb::Definition>,
) -> Result<DockerfileSource, GatewayError> {
    let filename = cfg.filename.clone();
    let (definition, head) = match input {
        Some(def) => {
            let head = definition_head(&def)?;
            (def, head)
        }
        None => {
            let mut follow = vec![filename.clone(), format!("{filename}.dockerignore")];
            if base_name(&filename) == "Dockerfile" {
                follow.push(lowercase_sibling(&filename));
            }
            let src = LocalSource {
                name: cfg.dockerfile_local.clone(),
                session_id: session_for(cfg, session_id, &cfg.dockerfile_local),
                unique_id: local_source::unique_id(),
                follow_paths: follow,
                shared_key_hint: Some(cfg.dockerfile_local.clone()),
                differ_none: true,
                custom_name: Some(format!("[internal] load build definition from {filename}")),
            }
            .marshal();
            (src.definition, src.head)
        }
    };

    let solved = client
        .solve(Some(definition.clone()), SolveOptions::default())
        .await
        .map_err(|e| wrap(e, "failed to resolve dockerfile"))?;
    let r = solved.single_ref()?;

    // Both files at once: each read is a round trip to the daemon.
    let ignore_name = format!("{filename}.dockerignore");
    let (data, dockerignore) = tokio::join!(
        client.read_file(&r.id, &filename),
        client.read_file(&r.id, &ignore_name)
    );
    let data = match data {
        Ok(d) => d,
        Err(first) => {
            let mut found = None;
            if base_name(&filename) == "Dockerfile" {
                found = client
                    .read_file(&r.id, &lowercase_sibling(&filename))
                    .await
                    .ok();
            }
            match found {
                Some(d) => d,
                None => return Err(GatewayError::rpc("failed to read dockerfile", first)),
            }
        }
    };
    let dockerignore = dockerignore.ok();
    Ok(DockerfileSource {
        data,
        filename,
        definition,
        head,
        dockerignore,
    })
}

/// The exclude patterns for the main context: `<filename>.dockerignore` when the Dockerfile has
/// one, else the context's `.dockerignore` (`context_ignore`, from [`context_dockerignore`]).
pub fn context_excludes(
    dockerfile: &DockerfileSource,
    context_ignore: Result<Vec<u8>, GatewayError>,
) -> Result<Vec<String>, GatewayError> {
    match &dockerfile.dockerignore {
        Some(data) => Ok(dockerignore::parse(data)),
        None => Ok(dockerignore::parse(&context_ignore?)),
    }
}

/// The main context's `.dockerignore`, solved and read (a missing file reads as empty). Read
/// while the Dockerfile is (it is needed unless the Dockerfile has its own `.dockerignore`):
/// each is a transfer from the client.
pub async fn context_dockerignore(
    client: &BridgeClient,
    cfg: &BuildConfig,
    session_id: Option<&str>,
) -> Result<Vec<u8>, GatewayError> {
    let local = &cfg.context_local;
    let src = LocalSource {
        name: local.clone(),
        session_id: session_for(cfg, session_id, local),
        unique_id: local_source::unique_id(),
        follow_paths: vec![".dockerignore".to_string()],
        shared_key_hint: Some(format!("{local}-.dockerignore")),
        differ_none: true,
        custom_name: Some("[internal] load .dockerignore".to_string()),
    }
    .marshal();
    let solved = client
        .solve(Some(src.definition), SolveOptions::default())
        .await
        .map_err(|e| wrap(e, "failed to read dockerignore patterns"))?;
    let r = solved.single_ref()?;
    Ok(client
        .read_file(&r.id, ".dockerignore")
        .await
        .unwrap_or_default())
}

/// The `.dockerignore` patterns of every named `local:` context (`context:NAME=local:LOCAL`),
/// by local name: each local's `.dockerignore` is solved (evaluated) and read as upstream's
/// named-context loader does; a missing file counts as empty.
pub async fn named_local_excludes(
    client: &BridgeClient,
    cfg: &BuildConfig,
    session_id: Option<&str>,
) -> Result<BTreeMap<String, Vec<String>>, GatewayError> {
    let mut out = BTreeMap::new();
    for (name, ctx) in &cfg.named_contexts {
        let NamedContext::Local(local) = ctx else {
            continue;
        };
        if out.contains_key(local) {
            continue;
        }
        let src = LocalSource {
            name: local.clone(),
            session_id: session_for(cfg, session_id, local),
            unique_id: local_source::unique_id(),
            follow_paths: vec![".dockerignore".to_string()],
            shared_key_hint: Some(format!("context:{name}-.dockerignore")),
            differ_none: true,
            custom_name: Some(format!("[context {name}] load .dockerignore")),
        }
        .marshal();
        let solved = client
            .solve(
                Some(src.definition),
                SolveOptions {
                    evaluate: true,
                    ..Default::default()
                },
            )
            .await?;
        let r = solved.single_ref()?;
        let data = client
            .read_file(&r.id, ".dockerignore")
            .await
            .unwrap_or_default();
        out.insert(local.clone(), dockerignore::parse(&data));
    }
    Ok(out)
}

/// The digest the root op of `def` points at.
fn definition_head(def: &pb::Definition) -> Result<String, GatewayError> {
    let bytes = llb::definition::encode_definition(def);
    let decoded = llb::definition::decode_definition(&bytes)
        .map_err(|e| GatewayError::Protocol(format!("invalid dockerfile input definition: {e}")))?;
    decoded
        .head()
        .map(|(v, _)| v.digest.to_string())
        .ok_or_else(|| GatewayError::Protocol("dockerfile input definition has no head".into()))
}

fn wrap(e: GatewayError, context: &str) -> GatewayError {
    match e {
        GatewayError::Rpc { context: c, status } if c.is_empty() => {
            GatewayError::rpc(context, status)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_sibling_joins_like_go() {
        assert_eq!(lowercase_sibling("Dockerfile"), "dockerfile");
        assert_eq!(lowercase_sibling("sub/Dockerfile"), "sub/dockerfile");
        assert_eq!(lowercase_sibling("./a/./Dockerfile"), "a/dockerfile");
        assert_eq!(lowercase_sibling("/Dockerfile"), "/dockerfile");
        assert_eq!(base_name("sub/Dockerfile"), "Dockerfile");
    }

    #[test]
    fn session_override_per_local() {
        let mut cfg = BuildConfig::default();
        assert_eq!(
            session_for(&cfg, Some("s"), "context").as_deref(),
            Some("s")
        );
        assert_eq!(session_for(&cfg, Some(""), "context"), None);
        cfg.local_session_ids
            .insert("context".into(), "other".into());
        assert_eq!(
            session_for(&cfg, Some("s"), "context").as_deref(),
            Some("other")
        );
    }
}
