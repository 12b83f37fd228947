//! The single-purpose image-metadata instructions: `WORKDIR`, `USER`, `VOLUME`, `EXPOSE`,
//! `STOPSIGNAL`, `MAINTAINER`.

use super::{CommandMeta, InstructionErrorKind, Request};
use crate::parser::gostr::trim_space;

/// `MAINTAINER name` (deprecated; upstream's `MaintainerCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MaintainerCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The maintainer text.
    pub maintainer: String,
}

/// `WORKDIR path` (upstream's `WorkdirCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkdirCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The path, unexpanded.
    pub path: String,
}

/// `EXPOSE port[/proto] ...` (upstream's `ExposeCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExposeCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The ports, unexpanded, sorted as upstream sorts them (byte order).
    pub ports: Vec<String>,
}

/// `USER user[:group]` (upstream's `UserCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The user, unexpanded.
    pub user: String,
}

/// `VOLUME path ...` (upstream's `VolumeCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The paths, trimmed, unexpanded.
    pub volumes: Vec<String>,
}

/// `STOPSIGNAL signal` (upstream's `StopSignalCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StopSignalCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The signal, unexpanded.
    pub signal: String,
}

fn exactly_one(req: &Request<'_>, name: &'static str) -> Result<String, InstructionErrorKind> {
    match req.args.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(InstructionErrorKind::ExactlyOneArgument(name)),
    }
}

pub(crate) fn parse_maintainer(
    req: &mut Request<'_>,
) -> Result<MaintainerCommand, InstructionErrorKind> {
    let maintainer = exactly_one(req, "MAINTAINER")?;
    req.flags.parse()?;
    Ok(MaintainerCommand {
        meta: req.meta(),
        maintainer,
    })
}

pub(crate) fn parse_workdir(req: &mut Request<'_>) -> Result<WorkdirCommand, InstructionErrorKind> {
    let path = exactly_one(req, "WORKDIR")?;
    req.flags.parse()?;
    Ok(WorkdirCommand {
        meta: req.meta(),
        path,
    })
}

pub(crate) fn parse_expose(req: &mut Request<'_>) -> Result<ExposeCommand, InstructionErrorKind> {
    if req.args.is_empty() {
        return Err(InstructionErrorKind::AtLeastOneArgument("EXPOSE"));
    }
    req.flags.parse()?;
    let mut ports = req.args.clone();
    ports.sort();
    Ok(ExposeCommand {
        meta: req.meta(),
        ports,
    })
}

pub(crate) fn parse_user(req: &mut Request<'_>) -> Result<UserCommand, InstructionErrorKind> {
    let user = exactly_one(req, "USER")?;
    req.flags.parse()?;
    Ok(UserCommand {
        meta: req.meta(),
        user,
    })
}

pub(crate) fn parse_volume(req: &mut Request<'_>) -> Result<VolumeCommand, InstructionErrorKind> {
    if req.args.is_empty() {
        return Err(InstructionErrorKind::AtLeastOneArgument("VOLUME"));
    }
    req.flags.parse()?;
    let mut volumes = Vec::with_capacity(req.args.len());
    for v in &req.args {
        let v = trim_space(v);
        if v.is_empty() {
            return Err(InstructionErrorKind::EmptyVolume);
        }
        volumes.push(v.to_string());
    }
    Ok(VolumeCommand {
        meta: req.meta(),
        volumes,
    })
}

/// Upstream parses no flags for STOPSIGNAL: flags written on it are ignored.
pub(crate) fn parse_stopsignal(
    req: &mut Request<'_>,
) -> Result<StopSignalCommand, InstructionErrorKind> {
    let signal = exactly_one(req, "STOPSIGNAL")?;
    Ok(StopSignalCommand {
        meta: req.meta(),
        signal,
    })
}
