//! Instructions that only change the image config (and, for ENV and USER, the State's
//! values): ENV, LABEL, MAINTAINER, ONBUILD, CMD, ENTRYPOINT, HEALTHCHECK, USER, VOLUME,
//! STOPSIGNAL, SHELL. Each appends its history entry as upstream's `commitToHistory` does.

use syntax::instructions::{
    CmdCommand, EntrypointCommand, EnvCommand, HealthCheckCommand, LabelCommand, MaintainerCommand,
    OnbuildCommand, ShellCommand, StopSignalCommand, UserCommand, VolumeCommand,
};

use syntax::lint::Linter;
use syntax::lint::hooks;

use super::env::add_env;
use super::error::{ConvertError, Result};
use super::history::{commit_to_history, go_slice_q, go_slice_v};
use super::stage::DispatchState;
use crate::image::{Empty, Healthcheck, Image};

/// Upstream's `defaultShell`.
pub(crate) fn default_shell(os: &str) -> Vec<String> {
    if os == "windows" {
        vec!["cmd".into(), "/S".into(), "/C".into()]
    } else {
        vec!["/bin/sh".into(), "-c".into()]
    }
}

/// Upstream's `withShell`: the image's shell (or the default one) with `args` joined.
pub(crate) fn with_shell(img: &Image, args: &[String]) -> Vec<String> {
    let mut shell = if img.config.shell.is_empty() {
        default_shell(&img.os)
    } else {
        img.config.shell.clone()
    };
    shell.push(args.join(" "));
    shell
}

/// `ENV`.
pub(crate) fn dispatch_env(
    d: &mut DispatchState,
    c: &EnvCommand,
    linter: &mut Linter,
) -> Result<()> {
    let mut msg = String::from("ENV");
    let loc = c.meta.location();
    let mut r = linter.scope(&c.meta.comments);
    for kv in &c.env {
        if kv.no_delim {
            hooks::legacy_key_value(&mut r, &c.meta.name, &loc);
        }
        hooks::secret_key(&mut r, "ENV", &kv.key, &loc);
        msg.push(' ');
        msg.push_str(&kv.key);
        msg.push('=');
        msg.push_str(&kv.value);
        d.state.meta_mut().env.add_or_replace(&kv.key, &kv.value);
        add_env(&mut d.image.config.env, &kv.key, &kv.value);
    }
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `LABEL`.
pub(crate) fn dispatch_label(
    d: &mut DispatchState,
    c: &LabelCommand,
    linter: &mut Linter,
) -> Result<()> {
    let mut msg = String::from("LABEL");
    let loc = c.meta.location();
    let mut r = linter.scope(&c.meta.comments);
    for kv in &c.labels {
        if kv.no_delim {
            hooks::legacy_key_value(&mut r, &c.meta.name, &loc);
        }
        d.image
            .config
            .labels
            .insert(kv.key.clone(), kv.value.clone());
        msg.push(' ');
        msg.push_str(&kv.key);
        msg.push('=');
        msg.push_str(&kv.value);
    }
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `MAINTAINER`.
pub(crate) fn dispatch_maintainer(d: &mut DispatchState, c: &MaintainerCommand) -> Result<()> {
    d.image.author = c.maintainer.clone();
    let msg = format!("MAINTAINER {}", c.maintainer);
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `ONBUILD`: the trigger is stored in the image (no history entry).
pub(crate) fn dispatch_onbuild(d: &mut DispatchState, c: &OnbuildCommand) -> Result<()> {
    d.image.config.on_build.push(c.expression.clone());
    Ok(())
}

/// `CMD`.
pub(crate) fn dispatch_cmd(
    d: &mut DispatchState,
    c: &CmdCommand,
    linter: &mut Linter,
) -> Result<()> {
    let loc = c.meta.location();
    let mut r = linter.scope(&c.meta.comments);
    d.cmd_tracker.mark(&mut r, &c.meta.name, &loc);
    let mut args = c.cmd.args().to_vec();
    if c.cmd.prepend_shell {
        let shell_set = !d.image.config.shell.is_empty();
        hooks::json_args(&mut r, &c.meta.name, true, shell_set, &loc);
        args = with_shell(&d.image, &args);
    }
    let msg = format!("CMD {}", go_slice_q(&args));
    d.image.config.cmd = args;
    d.image.config.args_escaped = true;
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `ENTRYPOINT`: also clears CMD unless this stage set one.
pub(crate) fn dispatch_entrypoint(
    d: &mut DispatchState,
    c: &EntrypointCommand,
    linter: &mut Linter,
) -> Result<()> {
    let loc = c.meta.location();
    let mut r = linter.scope(&c.meta.comments);
    d.entrypoint_tracker.mark(&mut r, &c.meta.name, &loc);
    let mut args = c.cmd.args().to_vec();
    if c.cmd.prepend_shell {
        let shell_set = !d.image.config.shell.is_empty();
        hooks::json_args(&mut r, &c.meta.name, true, shell_set, &loc);
        args = with_shell(&d.image, &args);
    }
    let msg = format!("ENTRYPOINT {}", go_slice_q(&args));
    d.image.config.entrypoint = args;
    if !d.cmd_tracker.is_set() {
        d.image.config.cmd.clear();
    }
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `HEALTHCHECK`.
pub(crate) fn dispatch_healthcheck(
    d: &mut DispatchState,
    c: &HealthCheckCommand,
    linter: &mut Linter,
) -> Result<()> {
    let mut r = linter.scope(&c.meta.comments);
    d.healthcheck_tracker
        .mark(&mut r, &c.meta.name, &c.meta.location());
    let h = &c.health;
    let hc = Healthcheck {
        test: h.test.clone(),
        interval: duration_nanos(h.interval),
        timeout: duration_nanos(h.timeout),
        start_period: duration_nanos(h.start_period),
        start_interval: duration_nanos(h.start_interval),
        retries: h.retries,
    };
    let msg = format!(
        "HEALTHCHECK {{Test:{} Interval:{} Timeout:{} StartPeriod:{} StartInterval:{} Retries:{}}}",
        go_slice_v(&hc.test),
        go_duration(hc.interval),
        go_duration(hc.timeout),
        go_duration(hc.start_period),
        go_duration(hc.start_interval),
        hc.retries
    );
    d.image.config.healthcheck = Some(hc);
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `USER`.
pub(crate) fn dispatch_user(d: &mut DispatchState, c: &UserCommand) -> Result<()> {
    d.state = d.state.user(&c.user);
    d.image.config.user = c.user.clone();
    commit_to_history(
        &mut d.image,
        format!("USER {}", c.user),
        false,
        false,
        d.epoch,
    );
    Ok(())
}

/// `VOLUME`.
pub(crate) fn dispatch_volume(d: &mut DispatchState, c: &VolumeCommand) -> Result<()> {
    for v in &c.volumes {
        if v.is_empty() {
            return Err(ConvertError::msg(
                "VOLUME specified can not be an empty string",
            ));
        }
        d.image.config.volumes.insert(v.clone(), Empty {});
    }
    let msg = format!("VOLUME {}", go_slice_v(&c.volumes));
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `STOPSIGNAL`: the signal must be one Linux knows (moby's `signal.ParseSignal`).
pub(crate) fn dispatch_stopsignal(d: &mut DispatchState, c: &StopSignalCommand) -> Result<()> {
    if !valid_signal(&c.signal) {
        return Err(ConvertError::msg(format!("invalid signal: {}", c.signal)));
    }
    d.image.config.stop_signal = c.signal.clone();
    let msg = format!("STOPSIGNAL {}", c.signal);
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

/// `SHELL`.
pub(crate) fn dispatch_shell(d: &mut DispatchState, c: &ShellCommand) -> Result<()> {
    d.image.config.shell = c.shell.clone();
    let msg = format!("SHELL {}", go_slice_v(&c.shell));
    commit_to_history(&mut d.image, msg, false, false, d.epoch);
    Ok(())
}

fn duration_nanos(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// moby's `signal.ParseSignal` on Linux: a non-zero number, or a signal name with or
/// without `SIG`, any case.
fn valid_signal(raw: &str) -> bool {
    if let Some(n) = go_atoi(raw) {
        return n != 0;
    }
    let upper = raw.to_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    const NAMES: [&str; 34] = [
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT",
        "KILL", "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM",
        "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ",
    ];
    if NAMES.contains(&name) || name == "RTMIN" || name == "RTMAX" {
        return true;
    }
    if let Some(n) = name.strip_prefix("RTMIN+") {
        return matches!(n.parse::<u8>(), Ok(1..=15)) && !n.starts_with('+');
    }
    if let Some(n) = name.strip_prefix("RTMAX-") {
        return matches!(n.parse::<u8>(), Ok(1..=14)) && !n.starts_with('+');
    }
    false
}

/// Go's `strconv.Atoi` (optional sign, decimal digits, fits in 64 bits).
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Go's `time.Duration.String()`.
pub(crate) fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".to_string();
    }
    let neg = ns < 0;
    let u = ns.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        // Sub-second: one unit with a fraction.
        let (unit, scale) = if u < 1_000 {
            ("ns", 1u64)
        } else if u < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        out.push_str(&fmt_frac(u, scale));
        out.push_str(unit);
    } else {
        let secs_total = u / 1_000_000_000;
        let frac = u % 1_000_000_000;
        let h = secs_total / 3600;
        let m = (secs_total % 3600) / 60;
        let s = secs_total % 60;
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if h > 0 || m > 0 {
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&fmt_frac(s * 1_000_000_000 + frac, 1_000_000_000));
        out.push('s');
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// `v / scale` with the fraction's trailing zeros dropped.
fn fmt_frac(v: u64, scale: u64) -> String {
    let whole = v / scale;
    let frac = v % scale;
    if frac == 0 {
        return whole.to_string();
    }
    let width = scale.to_string().len() - 1;
    let digits = format!("{frac:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(10_000_000_000), "10s");
        assert_eq!(go_duration(90_000_000_000), "1m30s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(1_500_000), "1.5ms");
        assert_eq!(go_duration(500), "500ns");
        assert_eq!(go_duration(2_000), "2µs");
    }

    #[test]
    fn signals() {
        assert!(valid_signal("SIGQUIT"));
        assert!(valid_signal("term"));
        assert!(valid_signal("9"));
        assert!(valid_signal("RTMIN+3"));
        assert!(!valid_signal("0"));
        assert!(!valid_signal("SIGFOO"));
    }
}
