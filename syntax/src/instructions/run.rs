//! `RUN [--mount=...] [--network=...] [--security=...] [--device=...] command`.

use super::cmd::{ShellDependantCmdLine, shell_dependent};
use super::error::DeviceError;
use super::suggest::search_case_sensitive;
use super::{CommandMeta, InstructionErrorKind, Request};
use crate::mount::{Mount, parse_mount};
use crate::parser::gostr::to_lower;
use crate::shell::gocompat::{csv, strconv};
use crate::shell::is_literal;

/// `RUN --network` (upstream's `NetworkMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NetworkMode {
    /// `default`
    #[default]
    Default,
    /// `none`
    None,
    /// `host`
    Host,
}

impl NetworkMode {
    /// The mode as written.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Default => "default",
            NetworkMode::None => "none",
            NetworkMode::Host => "host",
        }
    }
}

/// `RUN --security` (upstream's `SecurityInsecure` / `SecuritySandbox`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Security {
    /// `sandbox` (the default).
    #[default]
    Sandbox,
    /// `insecure`
    Insecure,
}

impl Security {
    /// The mode as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Sandbox => "sandbox",
            Security::Insecure => "insecure",
        }
    }
}

/// A `RUN --device` request (upstream's `Device`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Device {
    /// CDI device name (`vendor.com/class=name`), unexpanded.
    pub name: String,
    /// The build fails when the device is missing.
    pub required: bool,
}

/// `RUN` (upstream's `RunCommand` with its mount, network, security and device state).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The command line and heredoc files.
    pub cmd: ShellDependantCmdLine,
    /// Names of the flags written, in first-use order.
    pub flags_used: Vec<String>,
    /// `--mount` values, raw (parse with [`crate::mount::parse_mount`] and an expander).
    pub mounts: Vec<String>,
    /// The `--mount` values parsed, when none has anything to expand
    /// ([`crate::shell::is_literal`]) and all parse: for each, what
    /// [`crate::mount::parse_mount`] returns with any expander, so the compiler need not parse
    /// them again. `None` otherwise: the compiler parses them in the stage's environment, and
    /// reports their errors when it dispatches the RUN, as upstream does.
    pub literal_mounts: Option<Vec<Mount>>,
    /// `--network`.
    pub network: NetworkMode,
    /// `--security`.
    pub security: Security,
    /// `--device` requests.
    pub devices: Vec<Device>,
}

/// Upstream's `ParseDevice`: `name[,required[=bool]]` or `name=...,required=...`.
pub fn parse_device(value: &str) -> Result<Device, DeviceError> {
    let fields = csv::fields(value).map_err(|e| DeviceError::Csv(e.to_string()))?;
    let mut d = Device::default();
    for field in fields {
        let (raw_key, val) = match field.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (&*field, None),
        };
        let key = to_lower(raw_key);
        let Some(val) = val else {
            if key == "required" {
                d.required = true;
            } else if d.name.is_empty() {
                d.name = field.to_string();
            } else {
                return Err(DeviceError::NotKeyValue(field.to_string()));
            }
            continue;
        };
        match &*key {
            "name" => {
                if !d.name.is_empty() {
                    return Err(DeviceError::NameAlreadySet(d.name));
                }
                d.name = val.to_string();
            }
            "required" => {
                d.required = strconv::parse_bool(val).ok_or_else(|| DeviceError::InvalidValue {
                    key: key.to_string(),
                    value: val.to_string(),
                })?;
            }
            _ => {
                if d.name.is_empty() {
                    d.name = field.to_string();
                    continue;
                }
                return Err(DeviceError::UnknownKey {
                    suggestion: search_case_sensitive(&key, &["name", "required"]),
                    key: key.into_owned(),
                    field: field.to_string(),
                });
            }
        }
    }
    Ok(d)
}

/// `value` parsed as the compiler would parse it in any environment, when nothing in it
/// expands; `None` when something may, or when it does not parse.
fn parse_literal_mount(value: &str) -> Option<Mount> {
    if !is_literal(value) {
        return None;
    }
    parse_mount(value, Some(&mut |w: &str| Ok(w.to_owned()))).ok()
}

pub(crate) fn parse_run(req: &mut Request<'_>) -> Result<RunCommand, InstructionErrorKind> {
    // Upstream's pre-hooks, in file order: device, mount, network, security.
    let device = req.flags.add_strings("device");
    let mount = req.flags.add_strings("mount");
    let network = req
        .flags
        .add_string("network", NetworkMode::Default.as_str());
    let security = req.flags.add_string("security", Security::Sandbox.as_str());
    req.flags.parse()?;
    let flags_used = req.flags.used();
    let cmd = shell_dependent(req, false);
    let meta = req.meta();

    // Post-hooks, same order.
    let devices = req
        .flags
        .strings(device)
        .iter()
        .map(|v| parse_device(v))
        .collect::<Result<Vec<_>, _>>()?;
    let mounts = req.flags.strings(mount).to_vec();
    let mut literal_mounts = Some(Vec::with_capacity(mounts.len()));
    for m in &mounts {
        // A literal value that parses in full passes the parse-time checks too (a subset:
        // the CSV, and `from` without `$`); any other value gets them on their own.
        if let Some(list) = &mut literal_mounts {
            if let Some(parsed) = parse_literal_mount(m) {
                list.push(parsed);
                continue;
            }
            literal_mounts = None;
        }
        parse_mount(m, None)?;
    }
    let network = match req.flags.string(network) {
        "default" => NetworkMode::Default,
        "none" => NetworkMode::None,
        "host" => NetworkMode::Host,
        other => return Err(InstructionErrorKind::InvalidNetwork(other.to_string())),
    };
    let security = match req.flags.string(security) {
        "sandbox" => Security::Sandbox,
        "insecure" => Security::Insecure,
        other => return Err(InstructionErrorKind::InvalidSecurity(other.to_string())),
    };
    Ok(RunCommand {
        meta,
        cmd,
        flags_used,
        mounts,
        literal_mounts,
        network,
        security,
        devices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices() {
        let d = parse_device("vendor1.com/device=foo").unwrap();
        assert_eq!(
            (d.name.as_str(), d.required),
            ("vendor1.com/device=foo", false)
        );
        let d = parse_device("vendor1.com/device=foo,required").unwrap();
        assert!(d.required);
        let d = parse_device("name=vendor1.com/device=foo,required=true").unwrap();
        assert_eq!(
            (d.name.as_str(), d.required),
            ("vendor1.com/device=foo", true)
        );
        assert_eq!(
            parse_device("name=a,required=maybe")
                .unwrap_err()
                .to_string(),
            "invalid value for required: maybe"
        );
        assert_eq!(
            parse_device("a,name=b").unwrap_err().to_string(),
            "device name already set to a"
        );
        assert_eq!(
            parse_device("a,b").unwrap_err().to_string(),
            "invalid field 'b' must be a key=value pair"
        );
        assert_eq!(
            parse_device("a,nam=x").unwrap_err().to_string(),
            "unexpected key 'nam' in 'nam=x' (did you mean name?)"
        );
    }
}
