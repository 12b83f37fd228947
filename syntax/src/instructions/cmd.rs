//! `CMD` and `ENTRYPOINT` (and the command line shared with `RUN`).

use super::{CommandMeta, InstructionErrorKind, Request, handle_json_args};

/// An inline file for a shell command, from a heredoc (upstream's `ShellInlineFile`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellInlineFile {
    /// The heredoc word.
    pub name: String,
    /// The body, raw (tabs not stripped).
    pub data: String,
    /// `<<-`: strip leading tabs.
    pub chomp: bool,
}

/// A command line that may be run through the shell (upstream's `ShellDependantCmdLine`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShellDependantCmdLine {
    /// Exec form: the words; shell form: one string. `None` is upstream's nil slice (an
    /// ENTRYPOINT without arguments), distinct from an empty list.
    pub cmd_line: Option<Vec<String>>,
    /// Heredoc bodies.
    pub files: Vec<ShellInlineFile>,
    /// Shell form: the configured shell is to be prepended.
    pub prepend_shell: bool,
}

impl ShellDependantCmdLine {
    /// The words (empty for `None`).
    pub fn args(&self) -> &[String] {
        self.cmd_line.as_deref().unwrap_or(&[])
    }
}

/// `CMD` (upstream's `CmdCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CmdCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The command line.
    pub cmd: ShellDependantCmdLine,
}

/// `ENTRYPOINT` (upstream's `EntrypointCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntrypointCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The command line.
    pub cmd: ShellDependantCmdLine,
}

/// Upstream's `parseShellDependentCommand`.
pub(crate) fn shell_dependent(req: &Request<'_>, empty_as_nil: bool) -> ShellDependantCmdLine {
    let files = req
        .heredocs()
        .iter()
        .map(|h| ShellInlineFile {
            name: h.name.clone(),
            data: h.content.clone(),
            chomp: h.chomp,
        })
        .collect();
    let args = handle_json_args(&req.args, req.json());
    ShellDependantCmdLine {
        cmd_line: if empty_as_nil && args.is_empty() {
            None
        } else {
            Some(args)
        },
        files,
        prepend_shell: !req.json(),
    }
}

pub(crate) fn parse_cmd(req: &mut Request<'_>) -> Result<CmdCommand, InstructionErrorKind> {
    req.flags.parse()?;
    Ok(CmdCommand {
        cmd: shell_dependent(req, false),
        meta: req.meta(),
    })
}

pub(crate) fn parse_entrypoint(
    req: &mut Request<'_>,
) -> Result<EntrypointCommand, InstructionErrorKind> {
    req.flags.parse()?;
    Ok(EntrypointCommand {
        cmd: shell_dependent(req, true),
        meta: req.meta(),
    })
}
