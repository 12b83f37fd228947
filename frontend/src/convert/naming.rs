//! Progress names (`llb.customname`) and op descriptions, as upstream's `prefixCommand`,
//! `uppercaseCmd`, `processCmdEnv`, `dfCmd` and `dockerui.WithInternalName`.

use llb::state::{Constraints, Platform};
use syntax::shell::{Env, Lexer};

use super::env::KeyedEnv;
use super::platform::{format_all, platform_from_env};
use super::stage::DispatchState;

/// The description key holding the instruction's source text.
pub(crate) const COMMAND_DESCRIPTION: &str = "com.docker.dockerfile.v1.command";

/// Upstream's `dfCmd`: the instruction's source text as the op's
/// `com.docker.dockerfile.v1.command` description.
pub(crate) fn df_cmd(c: Constraints, code: &str) -> Constraints {
    c.description(COMMAND_DESCRIPTION, code)
}

/// `[internal] <name>` (upstream's `dockerui.WithInternalName`).
pub(crate) fn internal_name(name: &str) -> String {
    ["[internal] ", name].concat()
}

/// Upstream's `uppercaseCmd`: the first word upper-cased.
pub(crate) fn uppercase_cmd(s: &str) -> String {
    let (first, rest) = match s.split_once(' ') {
        Some((first, rest)) => (first, Some(rest)),
        None => (s, None),
    };
    let mut out = String::with_capacity(s.len() + 1);
    if first.is_ascii() {
        out.push_str(first);
        out.make_ascii_uppercase();
    } else {
        out.push_str(&first.to_uppercase());
    }
    if let Some(rest) = rest {
        out.push(' ');
        out.push_str(rest);
    }
    out
}

/// Appends `n` in decimal, right-aligned with spaces to `width` characters.
fn push_padded(out: &mut String, n: usize, width: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let len = digits.len() - at;
    for _ in len..width {
        out.push(' ');
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// The number of decimal digits of `n`.
fn decimal_width(mut n: usize) -> usize {
    let mut width = 1;
    while n >= 10 {
        n /= 10;
        width += 1;
    }
    width
}

/// Upstream's `processCmdEnv`: `cmd` with variables expanded, or unchanged when expansion
/// fails.
pub(crate) fn process_cmd_env(lexer: &Lexer, cmd: &str, env: &dyn Env) -> String {
    match lexer.process_word_unmatched(cmd, env) {
        Ok(r) => r.result,
        Err(_) => cmd.to_string(),
    }
}

/// Upstream's `prefixCommand`: `[<platform> ][<stage> ]<i>/<n>] [ONBUILD ]<s>`, counting the
/// step; `s` unchanged when the stage has no numbered steps.
pub(crate) fn prefix_command(
    d: &mut DispatchState,
    s: &str,
    prefix_platform: bool,
    platform: Option<&Platform>,
    env: &dyn KeyedEnv,
) -> String {
    if d.cmd_total == 0 {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + d.stage_name.len() + 24);
    out.push('[');
    if prefix_platform && let Some(p) = platform {
        out.push_str(&format_all(p));
        out.push_str(&format_target_platform(p, platform_from_env(env)));
        out.push(' ');
    }
    if !d.stage_name.is_empty() {
        out.push_str(&d.stage_name);
        out.push(' ');
    }
    d.cmd_index += 1;
    push_padded(&mut out, d.cmd_index, decimal_width(d.cmd_total));
    out.push('/');
    push_padded(&mut out, d.cmd_total, 0);
    out.push_str("] ");
    if d.cmd_is_onbuild {
        out.push_str("ONBUILD ");
    }
    out.push_str(s);
    out
}

/// Upstream's `formatTargetPlatform`: `->arch[/variant]` or `->os/arch` when the TARGET*
/// variables name another platform than the one the step runs on.
fn format_target_platform(base: &Platform, target: Option<Platform>) -> String {
    let Some(mut target) = target else {
        return String::new();
    };
    if target.os.is_empty() {
        target.os = base.os.clone();
    }
    if target.architecture.is_empty() {
        target.architecture = base.architecture.clone();
    }
    let p = target.normalize();
    if p.os == base.os && p.architecture != base.architecture {
        let mut s = format!("->{}", p.architecture);
        if !p.variant.is_empty() {
            s.push('/');
            s.push_str(&p.variant);
        }
        return s;
    }
    if p.os != base.os {
        return format!("->{}", format_all(&p));
    }
    String::new()
}

/// The usual progress name of a step: the instruction's source with variables expanded,
/// keyword upper-cased, prefixed with the step counter (upstream's
/// `prefixCommand(d, uppercaseCmd(processCmdEnv(shlex, code, env)), …)`).
pub(crate) fn step_name(
    d: &mut DispatchState,
    lexer: &Lexer,
    code: &str,
    platform: Option<&Platform>,
    env: &dyn KeyedEnv,
) -> String {
    let name = uppercase_cmd(&process_cmd_env(lexer, code, env));
    let prefix_platform = d.prefix_platform;
    prefix_command(d, &name, prefix_platform, platform, env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercases_first_word() {
        assert_eq!(uppercase_cmd("run echo hi"), "RUN echo hi");
        assert_eq!(uppercase_cmd("workdir"), "WORKDIR");
        assert_eq!(uppercase_cmd("straße x ß"), "STRASSE x ß");
        assert_eq!(uppercase_cmd(""), "");
    }

    #[test]
    fn numbers_are_padded_like_go_printf() {
        for (n, width) in [(0, 0), (7, 1), (7, 3), (42, 1), (1234, 6), (usize::MAX, 2)] {
            let mut out = String::new();
            push_padded(&mut out, n, width);
            assert_eq!(out, format!("{n:>width$}"));
            assert_eq!(decimal_width(n), n.to_string().len());
        }
    }

    #[test]
    fn pads_step_numbers() {
        let mut d = DispatchState {
            cmd_total: 12,
            stage_name: "build".into(),
            ..DispatchState::default()
        };
        let env = super::super::env::NoKeys;
        assert_eq!(
            prefix_command(&mut d, "RUN x", false, None, &env),
            "[build  1/12] RUN x"
        );
        d.cmd_total = 0;
        assert_eq!(prefix_command(&mut d, "RUN x", false, None, &env), "RUN x");
    }
}
