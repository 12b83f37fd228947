//! Container Device Interface specs (`/etc/cdi`, `/var/run/cdi`, YAML or
//! JSON): resolving `vendor.com/class=name` to container edits (env vars,
//! device nodes, mounts). Every requested device is granted (the user asked
//! for it on the command line of a local build).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Edits a device (or a whole spec) makes to the container.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerEdits {
    /// `K=V` environment entries.
    #[serde(default)]
    pub env: Vec<String>,
    /// Device nodes.
    #[serde(default)]
    pub device_nodes: Vec<DeviceNode>,
    /// Bind mounts.
    #[serde(default)]
    pub mounts: Vec<CdiMount>,
}

/// A device node edit.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeviceNode {
    /// Path in the container.
    pub path: String,
    /// Host path (defaults to `path`).
    #[serde(default)]
    pub host_path: Option<String>,
}

/// A mount edit.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CdiMount {
    /// Host path.
    pub host_path: String,
    /// Path in the container.
    pub container_path: String,
    /// Options (`ro`, …).
    #[serde(default)]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Device {
    name: String,
    #[serde(default)]
    container_edits: ContainerEdits,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    kind: String,
    #[serde(default)]
    devices: Vec<Device>,
    #[serde(default)]
    container_edits: ContainerEdits,
}

/// A CDI failure.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CdiError {
    /// No spec defines the device.
    #[error("unresolvable CDI devices {0}")]
    Unresolvable(String),
    /// A malformed device name.
    #[error("invalid CDI device name {0:?}")]
    BadName(String),
}

/// Loads every spec in the directories (later directories win for the
/// same kind+device).
fn load(dirs: &[PathBuf]) -> Vec<Spec> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let spec: Option<Spec> = match ext {
                "json" => serde_json::from_str(&text).ok(),
                "yaml" | "yml" => serde_yaml_ng::from_str(&text).ok(),
                _ => None,
            };
            if let Some(s) = spec {
                out.push(s);
            }
        }
    }
    out
}

/// Resolves device names to the combined edits.
pub fn resolve(dirs: &[PathBuf], names: &[(String, bool)]) -> Result<ContainerEdits, CdiError> {
    let specs = load(dirs);
    let mut edits = ContainerEdits::default();
    let mut spec_edits_added: Vec<String> = Vec::new();
    for (name, optional) in names {
        let (kind, dev) = name
            .split_once('=')
            .ok_or_else(|| CdiError::BadName(name.clone()))?;
        let mut found = false;
        for spec in specs.iter().rev().filter(|s| s.kind == kind) {
            let devices: Vec<&Device> = if dev == "all" {
                spec.devices.iter().collect()
            } else {
                spec.devices.iter().filter(|d| d.name == dev).collect()
            };
            if devices.is_empty() {
                continue;
            }
            found = true;
            if !spec_edits_added.contains(&spec.kind) {
                merge(&mut edits, &spec.container_edits);
                spec_edits_added.push(spec.kind.clone());
            }
            for d in devices {
                merge(&mut edits, &d.container_edits);
            }
            break;
        }
        if !found && !optional {
            return Err(CdiError::Unresolvable(name.clone()));
        }
    }
    Ok(edits)
}

fn merge(into: &mut ContainerEdits, from: &ContainerEdits) {
    into.env.extend(from.env.iter().cloned());
    into.device_nodes.extend(from.device_nodes.iter().cloned());
    into.mounts.extend(from.mounts.iter().cloned());
}

/// The host path of a device node.
pub fn host_path(d: &DeviceNode) -> &Path {
    Path::new(d.host_path.as_deref().unwrap_or(&d.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_yaml_spec() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("x.yaml"),
            "cdiVersion: \"0.6.0\"\nkind: example.com/fake\ncontainerEdits:\n  env: [SPEC=1]\ndevices:\n  - name: dev0\n    containerEdits:\n      env:\n        - RFRONT_FAKE_DEVICE=dev0\n",
        )
        .unwrap();
        let dirs = vec![d.path().to_path_buf()];
        let e = resolve(&dirs, &[("example.com/fake=dev0".into(), false)]).unwrap();
        assert_eq!(
            e.env,
            vec!["SPEC=1".to_string(), "RFRONT_FAKE_DEVICE=dev0".to_string()]
        );
        assert_eq!(
            resolve(&dirs, &[("example.com/fake=nope".into(), false)]).unwrap_err(),
            CdiError::Unresolvable("example.com/fake=nope".into())
        );
        assert!(resolve(&dirs, &[("example.com/fake=nope".into(), true)]).is_ok());
        assert_eq!(
            resolve(&dirs, &[("example.com/fake=all".into(), false)])
                .unwrap()
                .env
                .len(),
            2
        );
    }
}
