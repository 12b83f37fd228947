//! `ONBUILD <instruction>`: a trigger recorded in the image.

use super::{CommandMeta, InstructionErrorKind, Request};
use crate::parser::gostr::{to_upper, trim_space};

/// `ONBUILD` (upstream's `OnbuildCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OnbuildCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The trigger's source (after `ONBUILD`), heredoc bodies appended.
    pub expression: String,
}

/// Strip upstream's `(?i)^\s*ONBUILD\s*` from the start of `original`.
fn strip_onbuild(original: &str) -> &str {
    let is_ws = |c: char| matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ');
    let s = original.trim_start_matches(is_ws);
    match s.get(..7) {
        Some(k) if k.eq_ignore_ascii_case("onbuild") => s[7..].trim_start_matches(is_ws),
        _ => original,
    }
}

pub(crate) fn parse_onbuild(req: &mut Request<'_>) -> Result<OnbuildCommand, InstructionErrorKind> {
    if req.args.is_empty() {
        return Err(InstructionErrorKind::AtLeastOneArgument("ONBUILD"));
    }
    req.flags.parse()?;
    let trigger = to_upper(trim_space(&req.args[0]));
    match trigger.as_str() {
        "ONBUILD" => return Err(InstructionErrorKind::OnbuildChaining),
        "MAINTAINER" | "FROM" => return Err(InstructionErrorKind::OnbuildTrigger(trigger)),
        _ => {}
    }
    let mut expression = strip_onbuild(&req.node.original).to_string();
    for h in req.heredocs() {
        expression.push('\n');
        expression.push_str(&h.content);
        expression.push_str(&h.name);
    }
    Ok(OnbuildCommand {
        meta: req.meta(),
        expression,
    })
}

#[cfg(test)]
mod tests {
    use super::strip_onbuild;

    #[test]
    fn strips_keyword() {
        assert_eq!(strip_onbuild("ONBUILD RUN x"), "RUN x");
        assert_eq!(strip_onbuild("  onbuild\tRUN x"), "RUN x");
        assert_eq!(strip_onbuild("RUN x"), "RUN x");
    }
}
