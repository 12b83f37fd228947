//! [`ProbeCompiler`]: a deliberately tiny [`Compiler`] for testing the gateway end to end (in
//! process and against a real BuildKit) independently of the Dockerfile compiler. It is not a
//! Dockerfile frontend and is never used by `rfront gateway`.
//!
//! What it builds: the image of the first `FROM` (resolved through the gateway, so the config
//! comes from the daemon), plus a file `/rfront-probe.txt` holding the Dockerfile's bytes. The
//! image config is the base config with the label `rfront.probe=1` and the `label:` opts.
//! An instruction other than `FROM`, `LABEL` or `MAINTAINER` is a located error
//! (`unknown instruction: X`); each `MAINTAINER` yields a `MaintainerDeprecated` warning.

use std::collections::BTreeMap;

use llb::definition::{encode_op, op_digest};
use llb::pb;

use crate::convert::{ConvertOptions, ConvertResult, ImageResolver, Platform};
use crate::image::Image;

use super::compiler::Compiler;
use super::error::{GatewayError, line_range};
use super::platform;
use super::warn::LintWarning;

/// The path of the file the probe writes.
pub const PROBE_FILE: &str = "/rfront-probe.txt";

/// See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct ProbeCompiler {
    /// Extra LLB caps to record in the Definition (to exercise the caps check).
    pub extra_caps: Vec<String>,
}

struct Parsed {
    base: String,
    maintainer_lines: Vec<usize>,
}

fn parse(dockerfile: &[u8]) -> Result<Parsed, GatewayError> {
    let res = syntax::parser::parse_bytes(dockerfile).map_err(|e| GatewayError::Dockerfile {
        message: e.to_string(),
        locations: vec![vec![line_range(e.start_line, e.end_line)]],
    })?;
    let mut base = None;
    let mut maintainer_lines = Vec::new();
    for node in &res.ast.children {
        match node.keyword().as_str() {
            "from" => {
                if base.is_none() {
                    base = node.arg_values().next().map(str::to_string);
                }
            }
            "label" => {}
            "maintainer" => maintainer_lines.push(node.start_line),
            _ => {
                return Err(GatewayError::Dockerfile {
                    message: format!(
                        "dockerfile parse error on line {}: unknown instruction: {}",
                        node.start_line,
                        node.value.to_uppercase()
                    ),
                    locations: vec![vec![line_range(node.start_line, node.end_line)]],
                });
            }
        }
    }
    let base = base.ok_or_else(|| GatewayError::Dockerfile {
        message: "the Dockerfile has no FROM".into(),
        locations: Vec::new(),
    })?;
    Ok(Parsed {
        base,
        maintainer_lines,
    })
}

/// `docker.io/library/` normalisation for short names (enough for the probe).
fn normalize_ref(r: &str) -> String {
    let name_part = r.split(['@']).next().unwrap_or(r);
    let has_tag = name_part
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'));
    let with_tag = if has_tag || r.contains('@') {
        r.to_string()
    } else {
        format!("{r}:latest")
    };
    let first = with_tag.split('/').next().unwrap_or("");
    if with_tag.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost")
    {
        with_tag
    } else if with_tag.contains('/') {
        format!("docker.io/{with_tag}")
    } else {
        format!("docker.io/library/{with_tag}")
    }
}

fn drop_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

fn caps(ids: &[&str], extra: &[String]) -> BTreeMap<String, bool> {
    ids.iter()
        .map(|s| s.to_string())
        .chain(extra.iter().cloned())
        .map(|c| (c, true))
        .collect()
}

impl Compiler for ProbeCompiler {
    fn convert(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> Result<ConvertResult, GatewayError> {
        let parsed = parse(dockerfile)?;
        let target: Platform = opts
            .target_platforms
            .first()
            .or(opts.build_platforms.first())
            .cloned()
            .unwrap_or_else(platform::host);
        let reference = normalize_ref(&parsed.base);
        let resolved = resolver
            .resolve(&reference, &target, opts.resolve_mode)
            .map_err(|e| {
                GatewayError::Unsupported(format!("failed to resolve {reference}: {e}"))
            })?;
        let invalid = |e: serde_json::Error| {
            GatewayError::Protocol(format!("invalid image config for {reference}: {e}"))
        };
        // Go writes absent slices and maps as `null`; drop them before typed decoding.
        let mut raw: serde_json::Value =
            serde_json::from_slice(&resolved.config).map_err(invalid)?;
        drop_nulls(&mut raw);
        let mut base: Image = serde_json::from_value(raw).map_err(invalid)?;
        let pinned = match &resolved.digest {
            Some(d) if !resolved.reference.contains('@') => format!("{}@{d}", resolved.reference),
            _ => resolved.reference.clone(),
        };

        let image_op = pb::Op {
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: format!("docker-image://{pinned}"),
                attrs: BTreeMap::new(),
            })),
            platform: Some(platform::to_pb(&target)),
            constraints: Some(pb::WorkerConstraints::default()),
            ..Default::default()
        };
        let image_digest = op_digest(&image_op).to_string();
        let file_op = pb::Op {
            inputs: vec![pb::Input {
                digest: image_digest.clone(),
                index: 0,
            }],
            op: Some(pb::op::Op::File(pb::FileOp {
                actions: vec![pb::FileAction {
                    input: 0,
                    secondary_input: -1,
                    output: 0,
                    action: Some(pb::file_action::Action::Mkfile(pb::FileActionMkFile {
                        path: PROBE_FILE.into(),
                        mode: 0o644,
                        data: dockerfile.to_vec(),
                        owner: None,
                        timestamp: -1,
                    })),
                }],
            })),
            platform: Some(platform::to_pb(&target)),
            constraints: Some(pb::WorkerConstraints::default()),
        };
        let file_digest = op_digest(&file_op).to_string();
        let root = pb::Op {
            inputs: vec![pb::Input {
                digest: file_digest.clone(),
                index: 0,
            }],
            ..Default::default()
        };
        let root_digest = op_digest(&root).to_string();
        let mut metadata = BTreeMap::new();
        metadata.insert(
            image_digest,
            pb::OpMetadata {
                caps: caps(&["source.image"], &[]),
                ..Default::default()
            },
        );
        metadata.insert(
            file_digest,
            pb::OpMetadata {
                caps: caps(&["file.base"], &self.extra_caps),
                ..Default::default()
            },
        );
        metadata.insert(
            root_digest,
            pb::OpMetadata {
                caps: caps(&["constraints", "platform"], &[]),
                ..Default::default()
            },
        );
        let definition = pb::Definition {
            def: vec![encode_op(&image_op), encode_op(&file_op), encode_op(&root)],
            metadata,
            source: None,
        };

        base.created = None;
        let mut image = base.clone();
        image
            .config
            .labels
            .insert("rfront.probe".into(), "1".into());
        image.config.labels.extend(opts.labels.clone());
        Ok(ConvertResult {
            definition,
            image,
            base_image: Some(base),
            platform: target,
        })
    }

    fn convert_with_warnings(
        &self,
        dockerfile: &[u8],
        opts: &ConvertOptions,
        resolver: &dyn ImageResolver,
    ) -> (Result<ConvertResult, GatewayError>, Vec<LintWarning>) {
        let result = self.convert(dockerfile, opts, resolver);
        let Ok(parsed) = parse(dockerfile) else {
            return (result, Vec::new());
        };
        let warnings = parsed
            .maintainer_lines
            .iter()
            .map(|&line| LintWarning {
                rule_name: "MaintainerDeprecated".into(),
                description: "The MAINTAINER instruction is deprecated, use a label instead to define an image author".into(),
                url: "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/".into(),
                message: "Maintainer instruction is deprecated in favor of using label".into(),
                ranges: vec![line_range(line, line)],
            })
            .collect();
        (result, warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_short_refs() {
        assert_eq!(normalize_ref("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(
            normalize_ref("busybox:local"),
            "docker.io/library/busybox:local"
        );
        assert_eq!(normalize_ref("ourorg/x"), "docker.io/ourorg/x:latest");
        assert_eq!(normalize_ref("127.0.0.1:5000/b:1"), "127.0.0.1:5000/b:1");
    }

    #[test]
    fn unknown_instructions_are_located_errors() {
        let Err(GatewayError::Dockerfile { message, locations }) =
            parse(b"FROM a\nLABEL x=y\nFOO bar\n")
        else {
            panic!("expected a located error")
        };
        assert_eq!(
            message,
            "dockerfile parse error on line 3: unknown instruction: FOO"
        );
        assert_eq!(locations, vec![vec![line_range(3, 3)]]);
    }
}
