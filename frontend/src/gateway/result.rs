//! The `Return` result of a build: the rootfs ref(s) and the metadata the image exporter reads
//! (`frontend/dockerui/build.go`, `exporter/containerimage/exptypes`):
//! - single platform: `Result.ref`, `containerimage.config`, `containerimage.base.config`;
//! - multi-platform: `Result.refs` keyed by platform id, and the same keys with `/<id>`;
//! - always `refs.platforms` (`{"Platforms":[{"ID":…,"Platform":{…}}]}`), and
//!   `source.date.epoch` when `SOURCE_DATE_EPOCH` is set.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::convert::Platform;
use crate::image::Image;

use super::client::RefHandle;
use super::error::{GatewayError, go_escape};
use super::platform;
use super::proto::bridge;

/// Exporter metadata keys.
pub mod keys {
    /// The image config JSON.
    pub const IMAGE_CONFIG: &str = "containerimage.config";
    /// The base image config JSON.
    pub const BASE_IMAGE_CONFIG: &str = "containerimage.base.config";
    /// The platform mapping of a map result.
    pub const PLATFORMS: &str = "refs.platforms";
    /// `SOURCE_DATE_EPOCH` in decimal seconds.
    pub const EPOCH: &str = "source.date.epoch";
}

/// The built result for one target platform.
#[derive(Debug, Clone)]
pub struct PlatformResult {
    /// The requested target platform (`None`: the default platform).
    pub target: Option<Platform>,
    /// The solved rootfs.
    pub reference: RefHandle,
    /// The image config.
    pub image: Image,
    /// The base image config, when the target stage has a base image.
    pub base_image: Option<Image>,
    /// `SOURCE_DATE_EPOCH` in seconds.
    pub epoch: Option<i64>,
}

/// `makeExportPlatform`: the normalised platform and its id; a Windows platform takes the
/// OS version from the image config when the request had none.
fn export_platform(target: Option<&Platform>, image: &Image) -> Platform {
    let mut p = platform::normalize(target.cloned().unwrap_or_else(platform::host));
    if p.os == "windows" && image.os == p.os && p.os_version.is_empty() {
        p.os_version = image.os_version.clone();
    }
    p
}

fn to_json_bytes<T: serde::Serialize>(v: &T) -> Result<Vec<u8>, GatewayError> {
    serde_json::to_string(v)
        .map(|s| go_escape(&s).into_bytes())
        .map_err(|e| GatewayError::Internal(format!("failed to marshal image config: {e}")))
}

/// Assembles the Return result. `ref_array` says whether the daemon takes `Ref` messages
/// (cap `proto.refarray`) or only string ids.
pub fn build_result(
    results: Vec<PlatformResult>,
    multi_platform: bool,
    ref_array: bool,
) -> Result<bridge::Result, GatewayError> {
    use bridge::result::Result as R;
    let mut metadata: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut platforms = Vec::new();
    let mut refs: BTreeMap<String, RefHandle> = BTreeMap::new();
    let mut single = None;

    for r in results {
        let exp = export_platform(r.target.as_ref(), &r.image);
        let id = platform::format_all(&exp);
        let config = to_json_bytes(&r.image)?;
        let base = r.base_image.as_ref().map(to_json_bytes).transpose()?;
        let suffix = if multi_platform {
            format!("/{id}")
        } else {
            String::new()
        };
        metadata.insert(format!("{}{suffix}", keys::IMAGE_CONFIG), config);
        if let Some(base) = base {
            metadata.insert(format!("{}{suffix}", keys::BASE_IMAGE_CONFIG), base);
        }
        if let Some(epoch) = r.epoch {
            metadata.insert(
                format!("{}{suffix}", keys::EPOCH),
                epoch.to_string().into_bytes(),
            );
        }
        if multi_platform {
            refs.insert(id.clone(), r.reference);
        } else {
            single = Some(r.reference);
        }
        platforms.push(json!({ "ID": id, "Platform": platform::oci_json(&exp) }));
    }
    let mapping = json!({ "Platforms": Value::Array(platforms) });
    metadata.insert(
        keys::PLATFORMS.to_string(),
        go_escape(&mapping.to_string()).into_bytes(),
    );

    let result = if multi_platform {
        if ref_array {
            R::Refs(bridge::RefMap {
                refs: refs
                    .into_iter()
                    .map(|(k, r)| {
                        (
                            k,
                            bridge::Ref {
                                id: r.id,
                                def: r.def,
                            },
                        )
                    })
                    .collect(),
            })
        } else {
            R::RefsDeprecated(bridge::RefMapDeprecated {
                refs: refs.into_iter().map(|(k, r)| (k, r.id)).collect(),
            })
        }
    } else {
        let r = single.unwrap_or_default();
        if ref_array {
            R::Ref(bridge::Ref {
                id: r.id,
                def: r.def,
            })
        } else {
            R::RefDeprecated(r.id)
        }
    };
    Ok(bridge::Result {
        result: Some(result),
        metadata,
    })
}

/// A Result with no ref and only `metadata` (subrequest answers).
pub fn metadata_only(metadata: BTreeMap<String, Vec<u8>>) -> bridge::Result {
    bridge::Result {
        result: None,
        metadata,
    }
}

/// `SOURCE_DATE_EPOCH` from the build args, when it is a decimal number of seconds.
pub fn source_date_epoch(build_args: &BTreeMap<String, String>) -> Option<i64> {
    build_args
        .get("SOURCE_DATE_EPOCH")
        .and_then(|v| v.trim().parse::<i64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img(arch: &str) -> Image {
        Image {
            architecture: arch.into(),
            os: "linux".into(),
            ..Default::default()
        }
    }

    fn p(arch: &str, variant: &str) -> Platform {
        Platform {
            os: "linux".into(),
            architecture: arch.into(),
            variant: variant.into(),
            os_version: String::new(),
        }
    }

    #[test]
    fn single_platform_result() {
        let r = build_result(
            vec![PlatformResult {
                target: None,
                reference: RefHandle {
                    id: "ref1".into(),
                    def: None,
                },
                image: img("amd64"),
                base_image: Some(img("amd64")),
                epoch: Some(42),
            }],
            false,
            true,
        )
        .unwrap();
        assert!(matches!(&r.result, Some(bridge::result::Result::Ref(x)) if x.id == "ref1"));
        let cfg: Value = serde_json::from_slice(&r.metadata[keys::IMAGE_CONFIG]).unwrap();
        assert_eq!(cfg["architecture"], "amd64");
        assert!(r.metadata.contains_key(keys::BASE_IMAGE_CONFIG));
        assert_eq!(r.metadata[keys::EPOCH], b"42");
        let host = platform::format_all(&platform::host());
        let mapping: Value = serde_json::from_slice(&r.metadata[keys::PLATFORMS]).unwrap();
        assert_eq!(mapping["Platforms"][0]["ID"], host.as_str());
    }

    #[test]
    fn multi_platform_result_uses_slash_keys_and_mapping() {
        let r = build_result(
            vec![
                PlatformResult {
                    target: Some(p("amd64", "")),
                    reference: RefHandle {
                        id: "a".into(),
                        def: None,
                    },
                    image: img("amd64"),
                    base_image: None,
                    epoch: None,
                },
                PlatformResult {
                    target: Some(p("arm", "v7")),
                    reference: RefHandle {
                        id: "b".into(),
                        def: None,
                    },
                    image: img("arm"),
                    base_image: None,
                    epoch: None,
                },
            ],
            true,
            true,
        )
        .unwrap();
        let Some(bridge::result::Result::Refs(m)) = &r.result else {
            panic!("not a map")
        };
        assert_eq!(m.refs["linux/amd64"].id, "a");
        assert_eq!(m.refs["linux/arm/v7"].id, "b");
        assert!(r.metadata.contains_key("containerimage.config/linux/amd64"));
        assert!(
            r.metadata
                .contains_key("containerimage.config/linux/arm/v7")
        );
        assert!(!r.metadata.contains_key("containerimage.config"));
        assert_eq!(
            std::str::from_utf8(&r.metadata[keys::PLATFORMS]).unwrap(),
            r#"{"Platforms":[{"ID":"linux/amd64","Platform":{"architecture":"amd64","os":"linux"}},{"ID":"linux/arm/v7","Platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}"#
        );
    }

    #[test]
    fn old_daemons_get_string_ids() {
        let r = build_result(
            vec![PlatformResult {
                target: None,
                reference: RefHandle {
                    id: "x".into(),
                    def: None,
                },
                image: img("amd64"),
                base_image: None,
                epoch: None,
            }],
            false,
            false,
        )
        .unwrap();
        assert_eq!(
            r.result,
            Some(bridge::result::Result::RefDeprecated("x".into()))
        );
    }

    #[test]
    fn epoch_parsing() {
        let mut a = BTreeMap::new();
        assert_eq!(source_date_epoch(&a), None);
        a.insert("SOURCE_DATE_EPOCH".to_string(), "1700000000".to_string());
        assert_eq!(source_date_epoch(&a), Some(1_700_000_000));
        a.insert("SOURCE_DATE_EPOCH".to_string(), "soon".to_string());
        assert_eq!(source_date_epoch(&a), None);
    }
}
