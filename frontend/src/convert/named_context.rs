//! The named contexts that are neither images, HTTP downloads nor client directories
//! (upstream's `NamedContext.load` for `git`, `oci-layout://` and `input:`):
//!
//! - a git remote (`git@host:org/repo.git#ref:subdir`, `https://host/repo.git#ref`, …) is an
//!   `llb.Git` source built as upstream's `DetectGitContext` builds it, named
//!   `[internal] load git source <value>`;
//! - `oci-layout://STORE[:tag]@DIGEST` resolves its config through the OCI layout store
//!   `STORE` of the build's session, then is an `oci-layout://` source of the context's name
//!   pinned to the digest, named `[context KEY] OCI load from client`;
//! - `input:NAME` is the frontend input `NAME` as it was marshalled, with the image config of
//!   its `input-metadata:NAME` option applied when it has one.

use std::collections::BTreeMap;

use base64::Engine as _;
use llb::state::image_ref::{parse_normalized_named, parse_reference};
use llb::state::{Constraints, Git, OciLayout, State};

use super::api::ResolverKind;
use super::converter::Converter;
use super::copy::git_ref::{GitRef, GitRefParse, parse_git_ref};
use super::error::{ConvertError, Result};
use super::history::go_quote;
use super::naming::internal_name;
use super::resolve::FoundContext;
use crate::image::Image;

/// The metadata key of an input's image config (`exptypes.ExporterImageConfigKey`).
const IMAGE_CONFIG_KEY: &str = "containerimage.config";

/// Whether a context value is a git remote as upstream's `DetectGitContext` sees it (a git
/// ref, even one whose query parameters are invalid).
pub(crate) fn is_git_context(value: &str) -> bool {
    !matches!(parse_git_ref(value), GitRefParse::NotGit)
}

/// A `git` context (or an `http(s)` one that is a git remote).
pub(super) fn load_git(value: &str) -> Result<State> {
    match parse_git_ref(value) {
        GitRefParse::NotGit => Err(ConvertError::msg(format!("invalid git context {value}"))),
        GitRefParse::Invalid(msg) => Err(ConvertError::msg(msg)),
        GitRefParse::Git(git) => Ok(git_state(&git, value)),
    }
}

/// Upstream's `DetectGitContext(value, nil)`: `llb.Git` of the remote with the ref, subdir,
/// checksum and query options.
fn git_state(git: &GitRef, value: &str) -> State {
    let mut g = Git::new(git.remote.clone())
        .git_ref(git.git_ref.clone())
        .constraints(
            Constraints::new().custom_name(internal_name(&format!("load git source {value}"))),
        );
    if git.keep_git_dir == Some(true) {
        g = g.keep_git_dir();
    }
    if !git.subdir.is_empty() {
        g = g.subdir(git.subdir.clone());
    }
    if !git.checksum.is_empty() {
        g = g.checksum(git.checksum.clone());
    }
    if git.submodules == Some(false) {
        g = g.skip_submodules();
    }
    if !git.mtime.is_empty() {
        g = g.mtime(git.mtime.clone());
    }
    if git.fetch_by_commit {
        g = g.fetch_by_commit();
    }
    g.build()
}

impl Converter<'_> {
    /// An `oci-layout://` context; `spec` is what follows the scheme.
    pub(super) fn load_oci_layout(
        &self,
        nc: &FoundContext,
        spec: &str,
    ) -> Result<(State, Option<Image>)> {
        let key = &nc.key;
        let store = parse_reference(spec).map_err(|e| {
            ConvertError::msg(format!(
                "could not parse oci-layout reference {}: {e}",
                go_quote(spec)
            ))
        })?;
        if store.path.is_empty() {
            return Err(ConvertError::msg(format!(
                "oci-layout reference {} has no name",
                go_quote(&store.to_string())
            )));
        }
        let Some(digest) = store.digest.clone() else {
            return Err(ConvertError::msg(format!(
                "oci-layout reference {} has no digest",
                go_quote(&store.to_string())
            )));
        };
        let store_id = store.name();
        // The source names the image by the context's name (the store's name matters only to
        // the client), pinned to the digest.
        let mut dummy = parse_normalized_named(&nc.name).map_err(|e| {
            ConvertError::msg(format!(
                "could not parse oci-layout reference {}: {e}",
                go_quote(&nc.name)
            ))
        })?;
        dummy.digest = Some(digest);
        let dummy = dummy.to_string();
        let session_id = self.opts.build_session_id.clone().unwrap_or_default();
        let kind = ResolverKind::OciLayout {
            session_id: session_id.clone(),
            store_id: store_id.clone(),
        };
        let resolved = self.resolve_context_image(nc, dummy.clone(), kind, &dummy)?;
        let img: Image = serde_json::from_slice(&resolved.config).map_err(|e| {
            ConvertError::msg(format!("could not parse oci-layout image config: {e}"))
        })?;
        let mut source = OciLayout::new(dummy)
            .store(session_id, store_id)
            .constraints(
                Constraints::new().custom_name(format!("[context {key}] OCI load from client")),
            );
        if let Some(p) = &nc.platform {
            source = source.platform(p.clone());
        }
        let state = source
            .build()
            .with_image_config(&resolved.config)
            .map_err(|e| ConvertError::msg(e.to_string()))?;
        Ok((state, Some(img)))
    }

    /// An `input:NAME` context.
    pub(super) fn load_input(
        &self,
        nc: &FoundContext,
        name: &str,
    ) -> Result<(State, Option<Image>)> {
        let key = &nc.key;
        let Some(def) = self.opts.inputs.get(name) else {
            return Err(ConvertError::msg(format!("invalid input {name} for {key}")));
        };
        let mut state =
            State::from_definition(def).map_err(|e| ConvertError::msg(e.to_string()))?;
        let Some(md) = self.opts.input_metadata.get(name) else {
            return Ok((state, None));
        };
        let metadata = decode_input_metadata(md)
            .map_err(|e| ConvertError::msg(format!("failed to parse input metadata {md}: {e}")))?;
        let Some(config) = metadata.get(IMAGE_CONFIG_KEY) else {
            return Ok((state, None));
        };
        // Upstream applies the config first (failing with the bare JSON error on anything
        // but an object), then parses it as an image.
        match serde_json::from_slice::<serde_json::Value>(config) {
            Ok(serde_json::Value::Object(_) | serde_json::Value::Null) => {}
            Ok(other) => {
                return Err(ConvertError::msg(format!(
                    "json: cannot unmarshal {} into Go value of type v1.Image",
                    json_kind(&other)
                )));
            }
            Err(e) => return Err(ConvertError::msg(e.to_string())),
        }
        state = state
            .with_image_config(config)
            .map_err(|e| ConvertError::msg(e.to_string()))?;
        let img: Option<Image> = serde_json::from_slice(config).map_err(|e| {
            ConvertError::msg(format!("failed to parse image config for {key}: {e}"))
        })?;
        Ok((state, img))
    }
}

/// The JSON kind as Go's `encoding/json` names it in type errors.
fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// An `input-metadata:` value: a JSON object of base64 byte strings (Go's
/// `map[string][]byte`; `null` is no bytes).
fn decode_input_metadata(md: &str) -> std::result::Result<BTreeMap<String, Vec<u8>>, String> {
    let raw: BTreeMap<String, Option<String>> =
        serde_json::from_str(md).map_err(|e| e.to_string())?;
    raw.into_iter()
        .map(|(k, v)| {
            let bytes = match v {
                None => Vec::new(),
                Some(text) => base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .map_err(|e| format!("illegal base64 data for key {}: {e}", go_quote(&k)))?,
            };
            Ok((k, bytes))
        })
        .collect()
}

#[cfg(test)]
#[path = "named_context_tests.rs"]
mod tests;
