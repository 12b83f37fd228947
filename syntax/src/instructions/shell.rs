//! `SHELL ["executable", "parameters"]`.

use super::{CommandMeta, InstructionErrorKind, Request, handle_json_args};

/// `SHELL` (upstream's `ShellCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The shell and its arguments.
    pub shell: Vec<String>,
}

pub(crate) fn parse_shell(req: &mut Request<'_>) -> Result<ShellCommand, InstructionErrorKind> {
    req.flags.parse()?;
    let shell = handle_json_args(&req.args, req.json());
    if shell.is_empty() {
        return Err(InstructionErrorKind::AtLeastOneArgument("SHELL"));
    }
    if !req.json() {
        return Err(InstructionErrorKind::NotJson("SHELL"));
    }
    Ok(ShellCommand {
        meta: req.meta(),
        shell,
    })
}
