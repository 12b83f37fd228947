//! Gateway errors and their wire form: a `google.rpc.Status` whose details are BuildKit's typed
//! errors, `Any` values with type URL `github.com/moby/buildkit/errdefs.<Msg>+json` and a
//! **JSON** payload (Go's `encoding/json` of the protobuf struct, so `[]byte` fields are base64
//! and zero fields are left out). An `errdefs.Source` detail makes buildx print the Dockerfile
//! excerpt around the failing line.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use llb::pb;
use prost::Message as _;
use serde_json::{Map, Value, json};

use super::caps::CapsError;
use super::opts::OptsError;
use super::proto::RpcStatus;
use super::transport::TransportError;

/// gRPC status codes used here.
pub mod code {
    /// `Unknown`: what Go gives an error without a code.
    pub const UNKNOWN: i32 = 2;
    /// `InvalidArgument`.
    pub const INVALID_ARGUMENT: i32 = 3;
    /// `Unimplemented`: an unsupported frontend cap.
    pub const UNIMPLEMENTED: i32 = 12;
    /// `Internal`.
    pub const INTERNAL: i32 = 13;
}

/// The type URL prefix of BuildKit's typed error details.
pub const TYPE_URL_PREFIX: &str = "github.com/moby/buildkit/";

/// Why a gateway build failed.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Setting up the connection failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// An RPC failed; its status (code, message, typed details) is passed on unchanged.
    #[error("{}", rpc_message(.context, .status))]
    Rpc {
        /// What was being done, e.g. `failed to read dockerfile`; empty for none.
        context: String,
        /// The daemon's answer.
        status: tonic::Status,
    },
    /// A frontend option is malformed or unsupported.
    #[error(transparent)]
    Opts(#[from] OptsError),
    /// The Definition needs a cap the daemon lacks.
    #[error(transparent)]
    Caps(#[from] CapsError),
    /// An error in the Dockerfile, with the source ranges it points at (one list per location).
    #[error("{message}")]
    Dockerfile {
        /// The message, e.g. `dockerfile parse error on line 3: unknown instruction: FOO`.
        message: String,
        /// Ranges in the Dockerfile, 1-based lines.
        locations: Vec<Vec<pb::Range>>,
    },
    /// `requestid` names a subrequest this frontend does not answer.
    #[error("unsupported request {0}")]
    UnsupportedSubrequest(String),
    /// The daemon answered something this client cannot use.
    #[error("{0}")]
    Protocol(String),
    /// A build feature rfront does not implement.
    #[error("{0}")]
    Unsupported(String),
    /// A bug or an impossible state in rfront.
    #[error("internal error: {0}")]
    Internal(String),
}

fn rpc_message(context: &str, status: &tonic::Status) -> String {
    if context.is_empty() {
        status.message().to_string()
    } else {
        format!("{context}: {}", status.message())
    }
}

impl GatewayError {
    /// An RPC failure with a context phrase.
    pub fn rpc(context: impl Into<String>, status: tonic::Status) -> Self {
        GatewayError::Rpc {
            context: context.into(),
            status,
        }
    }

    /// The `google.rpc.Status` for `ReturnRequest.error`. `source` is the Dockerfile's
    /// SourceInfo: located errors get one `errdefs.Source` detail per location.
    pub fn to_rpc_status(&self, source: Option<&pb::SourceInfo>) -> RpcStatus {
        let message = self.to_string();
        match self {
            GatewayError::Rpc { status, .. } => {
                let mut code = status.code() as i32;
                if code == 0 {
                    code = code::UNKNOWN;
                }
                let details = RpcStatus::decode(status.details())
                    .map(|s| s.details)
                    .unwrap_or_default();
                RpcStatus {
                    code,
                    message,
                    details,
                }
            }
            GatewayError::Dockerfile { locations, .. } => {
                let details = match source {
                    Some(info) => locations
                        .iter()
                        .map(|ranges| typed_detail("errdefs.Source", &source_json(info, ranges)))
                        .collect(),
                    None => Vec::new(),
                };
                RpcStatus {
                    code: code::UNKNOWN,
                    message,
                    details,
                }
            }
            GatewayError::Opts(OptsError::FrontendCap(name)) => RpcStatus {
                code: code::UNIMPLEMENTED,
                message,
                details: vec![typed_detail(
                    "errdefs.FrontendCap",
                    &json!({ "name": name }),
                )],
            },
            GatewayError::UnsupportedSubrequest(name) => RpcStatus {
                code: code::UNKNOWN,
                message,
                details: vec![typed_detail("errdefs.Subrequest", &json!({ "name": name }))],
            },
            GatewayError::Internal(_) => RpcStatus {
                code: code::INTERNAL,
                message,
                details: vec![],
            },
            _ => RpcStatus {
                code: code::UNKNOWN,
                message,
                details: vec![],
            },
        }
    }
}

/// An `Any` with BuildKit's `+json` type URL for `name` (e.g. `errdefs.Source`).
pub fn typed_detail(name: &str, payload: &Value) -> prost_types::Any {
    prost_types::Any {
        type_url: format!("{TYPE_URL_PREFIX}{name}+json"),
        value: go_json_bytes(payload),
    }
}

/// JSON bytes as Go's `encoding/json` writes them: compact, with `<`, `>`, `&`, U+2028 and
/// U+2029 escaped.
pub fn go_json_bytes(v: &Value) -> Vec<u8> {
    go_escape(&v.to_string()).into_bytes()
}

/// Applies Go's HTML-safe escaping to already-serialised JSON text. Only string contents can
/// hold these characters, so replacing them everywhere is exact.
pub fn go_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `errdefs.Source` as Go's JSON: `{"info":{…},"ranges":[…]}`.
pub fn source_json(info: &pb::SourceInfo, ranges: &[pb::Range]) -> Value {
    let mut m = Map::new();
    m.insert("info".into(), source_info_json(info));
    if !ranges.is_empty() {
        m.insert(
            "ranges".into(),
            Value::Array(ranges.iter().map(range_json).collect()),
        );
    }
    Value::Object(m)
}

/// `pb.SourceInfo` as Go's JSON (`data` base64, zero fields left out).
pub fn source_info_json(info: &pb::SourceInfo) -> Value {
    let mut m = Map::new();
    if !info.filename.is_empty() {
        m.insert("filename".into(), info.filename.clone().into());
    }
    if !info.data.is_empty() {
        m.insert("data".into(), BASE64.encode(&info.data).into());
    }
    if let Some(def) = &info.definition {
        m.insert("definition".into(), definition_json(def));
    }
    if !info.language.is_empty() {
        m.insert("language".into(), info.language.clone().into());
    }
    Value::Object(m)
}

/// `pb.Range` as Go's JSON: `{"start":{"line":1},"end":{"line":1,"character":4}}`.
pub fn range_json(r: &pb::Range) -> Value {
    let mut m = Map::new();
    if let Some(s) = &r.start {
        m.insert("start".into(), position_json(s));
    }
    if let Some(e) = &r.end {
        m.insert("end".into(), position_json(e));
    }
    Value::Object(m)
}

fn position_json(p: &pb::Position) -> Value {
    let mut m = Map::new();
    if p.line != 0 {
        m.insert("line".into(), p.line.into());
    }
    if p.character != 0 {
        m.insert("character".into(), p.character.into());
    }
    Value::Object(m)
}

/// `pb.Definition` as Go's JSON (`llb::dump::json::definition_json`): `def` as base64
/// strings, `metadata` by digest, and `Source` with each op's locations.
pub fn definition_json(def: &pb::Definition) -> Value {
    serde_json::from_slice(&llb::dump::json::definition_json(def)).unwrap_or(Value::Null)
}

/// A range covering whole lines `start..=end` (1-based), as BuildKit marks Dockerfile lines.
pub fn line_range(start: usize, end: usize) -> pb::Range {
    let line = |l: usize| i32::try_from(l).unwrap_or(i32::MAX);
    pb::Range {
        start: Some(pb::Position {
            line: line(start),
            character: 0,
        }),
        end: Some(pb::Position {
            line: line(end),
            character: 0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> pb::SourceInfo {
        pb::SourceInfo {
            filename: "Dockerfile".into(),
            data: b"FROM a\nBAD x\n".to_vec(),
            definition: None,
            language: "Dockerfile".into(),
        }
    }

    #[test]
    fn located_errors_carry_source_details_as_json() {
        let e = GatewayError::Dockerfile {
            message: "dockerfile parse error on line 2: unknown instruction: BAD".into(),
            locations: vec![vec![line_range(2, 2)]],
        };
        let st = e.to_rpc_status(Some(&info()));
        assert_eq!(st.code, code::UNKNOWN);
        assert_eq!(
            st.message,
            "dockerfile parse error on line 2: unknown instruction: BAD"
        );
        assert_eq!(st.details.len(), 1);
        assert_eq!(
            st.details[0].type_url,
            "github.com/moby/buildkit/errdefs.Source+json"
        );
        let v: Value = serde_json::from_slice(&st.details[0].value).unwrap();
        assert_eq!(
            v,
            json!({
                "info": {"filename": "Dockerfile", "data": "RlJPTSBhCkJBRCB4Cg==", "language": "Dockerfile"},
                "ranges": [{"start": {"line": 2}, "end": {"line": 2}}]
            })
        );
    }

    #[test]
    fn rpc_errors_keep_code_and_details() {
        let inner = RpcStatus {
            code: 2,
            message: "boom".into(),
            details: vec![typed_detail(
                "errdefs.Vertex",
                &json!({"digest": "sha256:ab"}),
            )],
        };
        let status = tonic::Status::with_details(
            tonic::Code::NotFound,
            "boom",
            inner.encode_to_vec().into(),
        );
        let st = GatewayError::rpc("failed to read dockerfile", status).to_rpc_status(None);
        assert_eq!(st.code, tonic::Code::NotFound as i32);
        assert_eq!(st.message, "failed to read dockerfile: boom");
        assert_eq!(st.details, inner.details);
    }

    #[test]
    fn unsupported_things_have_typed_details() {
        let st = GatewayError::UnsupportedSubrequest("frontend.nope".into()).to_rpc_status(None);
        assert_eq!(st.message, "unsupported request frontend.nope");
        assert_eq!(
            st.details[0].type_url,
            "github.com/moby/buildkit/errdefs.Subrequest+json"
        );
        assert_eq!(st.details[0].value, br#"{"name":"frontend.nope"}"#);
        let st = GatewayError::Opts(OptsError::FrontendCap("x".into())).to_rpc_status(None);
        assert_eq!(st.code, code::UNIMPLEMENTED);
        assert_eq!(
            st.details[0].type_url,
            "github.com/moby/buildkit/errdefs.FrontendCap+json"
        );
    }

    #[test]
    fn go_escaping() {
        assert_eq!(
            go_json_bytes(&json!({"a": "x<y>&z"})),
            br#"{"a":"x\u003cy\u003e\u0026z"}"#
        );
    }

    #[test]
    fn definitions_serialise_like_go() {
        let def = pb::Definition {
            def: vec![vec![1, 2, 3]],
            metadata: [(
                "sha256:x".to_string(),
                pb::OpMetadata {
                    description: [("llb.customname".to_string(), "n".to_string())].into(),
                    caps: [("source.local".to_string(), true)].into(),
                    ..Default::default()
                },
            )]
            .into(),
            source: None,
        };
        assert_eq!(
            definition_json(&def).to_string(),
            r#"{"def":["AQID"],"metadata":{"sha256:x":{"description":{"llb.customname":"n"},"caps":{"source.local":true}}}}"#
        );
        // Every op has a locations entry, empty for an op without locations; Go's field
        // name is `Source`.
        let with_source = pb::Definition {
            source: Some(pb::Source {
                locations: [("sha256:x".to_string(), pb::Locations::default())].into(),
                infos: Vec::new(),
            }),
            ..def
        };
        assert_eq!(
            definition_json(&with_source).to_string(),
            r#"{"def":["AQID"],"metadata":{"sha256:x":{"description":{"llb.customname":"n"},"caps":{"source.local":true}}},"Source":{"locations":{"sha256:x":{}}}}"#
        );
    }
}
