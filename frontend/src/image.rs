//! The image config the Dockerfile frontend returns: the OCI image config plus Docker's
//! extensions (`Healthcheck`, `OnBuild`, `Shell`, `ArgsEscaped`), serialised with the JSON
//! names and `omitempty` rules of Go's `DockerOCIImage`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An empty JSON object, as Go writes `struct{}` values in `ExposedPorts` and `Volumes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// `DockerOCIImage`: an OCI image config with Docker's additions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Creation time (RFC 3339), cleared from the base image by the frontend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The author (MAINTAINER).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub author: String,
    /// CPU architecture, e.g. `amd64`.
    #[serde(default, deserialize_with = "null_default")]
    pub architecture: String,
    /// Operating system, e.g. `linux`.
    #[serde(default, deserialize_with = "null_default")]
    pub os: String,
    /// OS version (Windows).
    #[serde(
        rename = "os.version",
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub os_version: String,
    /// OS features (Windows).
    #[serde(
        rename = "os.features",
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub os_features: Vec<String>,
    /// CPU variant, e.g. `v7`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub variant: String,
    /// The execution parameters.
    #[serde(default, deserialize_with = "null_default")]
    pub config: ImageConfig,
    /// The layer diff ids.
    #[serde(default, deserialize_with = "null_default")]
    pub rootfs: RootFs,
    /// One entry per instruction that changed the image.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub history: Vec<History>,
}

/// `DockerOCIImageConfig`: the `config` object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageConfig {
    /// `USER`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub user: String,
    /// `EXPOSE`d ports, `"80/tcp": {}`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub exposed_ports: BTreeMap<String, Empty>,
    /// `ENV`, as `KEY=value`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub env: Vec<String>,
    /// `ENTRYPOINT`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entrypoint: Vec<String>,
    /// `CMD`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cmd: Vec<String>,
    /// `VOLUME`s, `"/data": {}`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub volumes: BTreeMap<String, Empty>,
    /// `WORKDIR`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub working_dir: String,
    /// `LABEL`s.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    /// `STOPSIGNAL`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub stop_signal: String,
    /// Set by `CMD`/`ENTRYPOINT` (Windows escaping hint).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub args_escaped: bool,
    /// `HEALTHCHECK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    /// `ONBUILD` triggers, raw.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub on_build: Vec<String>,
    /// `SHELL`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub shell: Vec<String>,
}

/// `HealthConfig`; durations in nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    /// `["NONE"]`, `["CMD", …]` or `["CMD-SHELL", cmd]`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub test: Vec<String>,
    /// `--interval`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub interval: i64,
    /// `--timeout`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeout: i64,
    /// `--start-period`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub start_period: i64,
    /// `--start-interval`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub start_interval: i64,
    /// `--retries`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: i64,
}

/// `rootfs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type", default, deserialize_with = "null_default")]
    pub kind: String,
    /// Layer diff ids, `sha256:…`.
    #[serde(default, deserialize_with = "null_default")]
    pub diff_ids: Vec<String>,
}

impl Default for RootFs {
    fn default() -> Self {
        RootFs {
            kind: "layers".into(),
            diff_ids: Vec::new(),
        }
    }
}

/// One `history` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// When the step ran (RFC 3339), set only with SOURCE_DATE_EPOCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The instruction, e.g. `RUN /bin/sh -c make # buildkit`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub created_by: String,
    /// The author.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub author: String,
    /// `buildkit.dockerfile.v0`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub comment: String,
    /// True for steps that add no layer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// Go's `json.Unmarshal` leaves a field at its zero value for `null`; serde would fail.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}
