//! `HEALTHCHECK [--interval=...] CMD command` and `HEALTHCHECK NONE`.

use std::time::Duration;

use super::duration::{parse_go_duration, parse_int32};
use super::{CommandMeta, FlagId, InstructionErrorKind, Request, handle_json_args};
use crate::parser::gostr::to_upper;

/// The image's health check (Docker's `HealthcheckConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthConfig {
    /// `["NONE"]`, `["CMD", args...]` or `["CMD-SHELL", command]`.
    pub test: Vec<String>,
    /// `--interval` (zero: inherit).
    pub interval: Duration,
    /// `--timeout` (zero: inherit).
    pub timeout: Duration,
    /// `--start-period` (zero: inherit).
    pub start_period: Duration,
    /// `--start-interval` (zero: inherit).
    pub start_interval: Duration,
    /// `--retries` (zero: inherit).
    pub retries: i64,
}

/// `HEALTHCHECK` (upstream's `HealthCheckCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthCheckCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The configuration.
    pub health: HealthConfig,
}

/// Upstream's `parseOptInterval`.
fn interval(
    req: &Request<'_>,
    id: FlagId,
    name: &'static str,
) -> Result<Duration, InstructionErrorKind> {
    let s = req.flags.string(id);
    if s.is_empty() {
        return Ok(Duration::ZERO);
    }
    let d = parse_go_duration(s).map_err(InstructionErrorKind::Duration)?;
    if d == 0 {
        return Ok(Duration::ZERO);
    }
    if d < 1_000_000 {
        return Err(InstructionErrorKind::IntervalTooShort(name));
    }
    Ok(Duration::from_nanos(d.unsigned_abs()))
}

pub(crate) fn parse_healthcheck(
    req: &mut Request<'_>,
) -> Result<HealthCheckCommand, InstructionErrorKind> {
    if req.args.is_empty() {
        return Err(InstructionErrorKind::AtLeastOneArgument("HEALTHCHECK"));
    }
    let typ = to_upper(&req.args[0]);
    let rest = &req.args[1..];
    if typ == "NONE" {
        if !rest.is_empty() {
            return Err(InstructionErrorKind::HealthcheckNoneArguments);
        }
        return Ok(HealthCheckCommand {
            meta: req.meta(),
            health: HealthConfig {
                test: vec![typ],
                ..HealthConfig::default()
            },
        });
    }
    let fl_interval = req.flags.add_string("interval", "");
    let fl_timeout = req.flags.add_string("timeout", "");
    let fl_start_period = req.flags.add_string("start-period", "");
    let fl_start_interval = req.flags.add_string("start-interval", "");
    let fl_retries = req.flags.add_string("retries", "");
    req.flags.parse()?;
    if typ != "CMD" {
        return Err(InstructionErrorKind::HealthcheckType(typ));
    }
    let cmd = handle_json_args(rest, req.json());
    if cmd.is_empty() {
        return Err(InstructionErrorKind::HealthcheckMissingCommand);
    }
    let mut test = Vec::with_capacity(cmd.len() + 1);
    test.push(if req.json() {
        typ
    } else {
        "CMD-SHELL".to_string()
    });
    test.extend(cmd);
    let mut health = HealthConfig {
        test,
        interval: interval(req, fl_interval, "interval")?,
        timeout: interval(req, fl_timeout, "timeout")?,
        start_period: interval(req, fl_start_period, "start-period")?,
        start_interval: interval(req, fl_start_interval, "start-interval")?,
        retries: 0,
    };
    let retries = req.flags.string(fl_retries);
    if !retries.is_empty() {
        let r = parse_int32(retries)?;
        if r < 0 {
            return Err(InstructionErrorKind::NegativeRetries(r));
        }
        health.retries = r;
    }
    Ok(HealthCheckCommand {
        meta: req.meta(),
        health,
    })
}
