//! Typed instructions: the AST of [`crate::parser`] turned into one struct per instruction,
//! with flags checked and arguments validated, as upstream's `frontend/dockerfile/instructions`.
//!
//! No variable expansion happens here (the converter expands with [`crate::shell`]), and
//! `RUN --mount` values stay raw strings (checked at parse time with
//! [`crate::mount::parse_mount`] without an expander, as upstream does).
//!
//! ```
//! let ast = syntax::parse("ARG V=1\nFROM alpine AS base\nRUN echo $V\n").unwrap().ast;
//! let df = syntax::instructions::parse(&ast).unwrap();
//! assert_eq!(df.meta_args[0].args[0].key, "V");
//! assert_eq!(df.stages[0].name, "base");
//! assert_eq!(df.stages[0].commands.len(), 1);
//! ```

mod arg;
mod bflag;
mod cmd;
mod copy;
mod duration;
mod env;
mod error;
mod from;
mod healthcheck;
mod metadata;
mod onbuild;
mod run;
mod shell;
mod suggest;

pub use arg::{ArgCommand, KeyValuePairOptional};
pub use bflag::{BFlags, FlagId};
pub use cmd::{CmdCommand, EntrypointCommand, ShellDependantCmdLine, ShellInlineFile};
pub use copy::{AddCommand, CopyCommand, SourceContent, SourcesAndDest};
pub use env::{EnvCommand, KeyValuePair, LabelCommand};
pub use error::{DeviceError, DurationError, FlagError, InstructionError, InstructionErrorKind};
pub use from::Stage;
pub use healthcheck::{HealthCheckCommand, HealthConfig};
pub use metadata::{
    ExposeCommand, MaintainerCommand, StopSignalCommand, UserCommand, VolumeCommand, WorkdirCommand,
};
pub use onbuild::OnbuildCommand;
pub use run::{Device, NetworkMode, RunCommand, Security, parse_device};
pub use shell::ShellCommand;

use crate::parser::gostr::{to_lower, trim_space};
use crate::parser::{Heredoc, Node, Range, Span, line_ranges};

/// The instruction keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Keyword {
    /// `ADD`
    Add,
    /// `ARG`
    Arg,
    /// `CMD`
    Cmd,
    /// `COPY`
    Copy,
    /// `ENTRYPOINT`
    Entrypoint,
    /// `ENV`
    Env,
    /// `EXPOSE`
    Expose,
    /// `FROM`
    From,
    /// `HEALTHCHECK`
    Healthcheck,
    /// `LABEL`
    Label,
    /// `MAINTAINER`
    Maintainer,
    /// `ONBUILD`
    Onbuild,
    /// `RUN`
    Run,
    /// `SHELL`
    Shell,
    /// `STOPSIGNAL`
    StopSignal,
    /// `USER`
    User,
    /// `VOLUME`
    Volume,
    /// `WORKDIR`
    Workdir,
}

impl Keyword {
    /// All keywords, in upstream's `command` constant order.
    pub const ALL: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::StopSignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

    /// The lower-case name (upstream's `command` constants).
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "add",
            Keyword::Arg => "arg",
            Keyword::Cmd => "cmd",
            Keyword::Copy => "copy",
            Keyword::Entrypoint => "entrypoint",
            Keyword::Env => "env",
            Keyword::Expose => "expose",
            Keyword::From => "from",
            Keyword::Healthcheck => "healthcheck",
            Keyword::Label => "label",
            Keyword::Maintainer => "maintainer",
            Keyword::Onbuild => "onbuild",
            Keyword::Run => "run",
            Keyword::Shell => "shell",
            Keyword::StopSignal => "stopsignal",
            Keyword::User => "user",
            Keyword::Volume => "volume",
            Keyword::Workdir => "workdir",
        }
    }

    /// The keyword a written instruction name denotes (case-insensitive, Go's lower-casing).
    pub fn parse(word: &str) -> Option<Keyword> {
        // Lower-cased on the stack: no keyword is longer than `healthcheck`.
        let mut buf = [0u8; 11];
        if word.is_ascii() {
            let lower = buf.get_mut(..word.len())?;
            for (l, b) in lower.iter_mut().zip(word.bytes()) {
                *l = b.to_ascii_lowercase();
            }
            return Keyword::from_lower(lower);
        }
        Keyword::from_lower(to_lower(word).as_bytes())
    }

    /// The keyword whose name is `lower`, exactly.
    fn from_lower(lower: &[u8]) -> Option<Keyword> {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().as_bytes() == lower)
    }
}

/// What every command carries (upstream's `withNameAndCode`, plus byte span).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandMeta {
    /// The keyword as written (original casing, e.g. `run`).
    pub name: String,
    /// The instruction's source, trimmed (upstream's `String()`).
    pub code: String,
    /// First line (1-based).
    pub start_line: usize,
    /// Last line, including heredoc bodies.
    pub end_line: usize,
    /// Byte span in the source.
    pub span: Span,
    /// Comment lines directly above.
    pub comments: Vec<String>,
}

impl CommandMeta {
    fn of(node: &Node) -> Self {
        CommandMeta {
            name: node.value.clone(),
            code: trim_space(&node.original).to_string(),
            start_line: node.start_line,
            end_line: node.end_line,
            span: node.span,
            comments: node.prev_comment.clone(),
        }
    }

    /// Upstream's `Location()`: one range per line.
    pub fn location(&self) -> Vec<Range> {
        line_ranges(self.start_line, self.end_line)
    }
}

/// A typed instruction other than FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `ADD`
    Add(AddCommand),
    /// `ARG`
    Arg(ArgCommand),
    /// `CMD`
    Cmd(CmdCommand),
    /// `COPY`
    Copy(CopyCommand),
    /// `ENTRYPOINT`
    Entrypoint(EntrypointCommand),
    /// `ENV`
    Env(EnvCommand),
    /// `EXPOSE`
    Expose(ExposeCommand),
    /// `HEALTHCHECK`
    Healthcheck(HealthCheckCommand),
    /// `LABEL`
    Label(LabelCommand),
    /// `MAINTAINER`
    Maintainer(MaintainerCommand),
    /// `ONBUILD`
    Onbuild(OnbuildCommand),
    /// `RUN`
    Run(RunCommand),
    /// `SHELL`
    Shell(ShellCommand),
    /// `STOPSIGNAL`
    StopSignal(StopSignalCommand),
    /// `USER`
    User(UserCommand),
    /// `VOLUME`
    Volume(VolumeCommand),
    /// `WORKDIR`
    Workdir(WorkdirCommand),
}

impl Command {
    /// Name, source and location of the command.
    pub fn meta(&self) -> &CommandMeta {
        match self {
            Command::Add(c) => &c.meta,
            Command::Arg(c) => &c.meta,
            Command::Cmd(c) => &c.meta,
            Command::Copy(c) => &c.meta,
            Command::Entrypoint(c) => &c.meta,
            Command::Env(c) => &c.meta,
            Command::Expose(c) => &c.meta,
            Command::Healthcheck(c) => &c.meta,
            Command::Label(c) => &c.meta,
            Command::Maintainer(c) => &c.meta,
            Command::Onbuild(c) => &c.meta,
            Command::Run(c) => &c.meta,
            Command::Shell(c) => &c.meta,
            Command::StopSignal(c) => &c.meta,
            Command::User(c) => &c.meta,
            Command::Volume(c) => &c.meta,
            Command::Workdir(c) => &c.meta,
        }
    }

    /// Which instruction this is.
    pub fn keyword(&self) -> Keyword {
        match self {
            Command::Add(_) => Keyword::Add,
            Command::Arg(_) => Keyword::Arg,
            Command::Cmd(_) => Keyword::Cmd,
            Command::Copy(_) => Keyword::Copy,
            Command::Entrypoint(_) => Keyword::Entrypoint,
            Command::Env(_) => Keyword::Env,
            Command::Expose(_) => Keyword::Expose,
            Command::Healthcheck(_) => Keyword::Healthcheck,
            Command::Label(_) => Keyword::Label,
            Command::Maintainer(_) => Keyword::Maintainer,
            Command::Onbuild(_) => Keyword::Onbuild,
            Command::Run(_) => Keyword::Run,
            Command::Shell(_) => Keyword::Shell,
            Command::StopSignal(_) => Keyword::StopSignal,
            Command::User(_) => Keyword::User,
            Command::Volume(_) => Keyword::Volume,
            Command::Workdir(_) => Keyword::Workdir,
        }
    }
}

/// One parsed instruction: a stage start (FROM) or a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instruction {
    /// `FROM`: begins a stage.
    Stage(Stage),
    /// Any other instruction.
    Command(Command),
}

/// What upstream's `instructions.Parse` yields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dockerfile {
    /// The build stages, in order, each with its commands.
    pub stages: Vec<Stage>,
    /// The ARG instructions before the first FROM.
    pub meta_args: Vec<ArgCommand>,
}

/// The inputs one instruction parser works on (upstream's `parseRequest`).
pub(crate) struct Request<'a> {
    pub node: &'a Node,
    pub args: Vec<String>,
    pub flags: BFlags<'a>,
}

impl<'a> Request<'a> {
    fn new(node: &'a Node) -> Self {
        let mut args = Vec::new();
        node_args(node, &mut args);
        Request {
            node,
            args,
            flags: BFlags::new(&node.flags),
        }
    }

    pub fn meta(&self) -> CommandMeta {
        CommandMeta::of(self.node)
    }

    pub fn json(&self) -> bool {
        self.node.attributes.json
    }

    pub fn heredocs(&self) -> &[Heredoc] {
        &self.node.heredocs
    }

    pub fn command(&self) -> &str {
        &self.node.value
    }
}

/// Upstream's `nodeArgs`: the argument values, an ONBUILD trigger flattened in.
fn node_args(node: &Node, out: &mut Vec<String>) {
    for arg in &node.next {
        match arg.children.len() {
            0 => out.push(arg.value.clone()),
            1 => {
                let sub = &arg.children[0];
                out.push(sub.value.clone());
                node_args(sub, out);
            }
            _ => {}
        }
    }
}

/// Upstream's `getDocComment`: the text after `name ` on a comment line.
pub(crate) fn doc_comment(comments: &[String], name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    comments
        .iter()
        .find_map(|l| {
            l.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// Upstream's `ParseInstruction`: one AST node to a typed instruction.
pub fn parse_instruction(node: &Node) -> Result<Instruction, InstructionError> {
    parse_keyword_instruction(node, Keyword::parse(&node.value))
}

/// [`parse_instruction`] for a caller that has already looked up `node`'s keyword
/// ([`Keyword::parse`] of its value).
pub(crate) fn parse_keyword_instruction(
    node: &Node,
    keyword: Option<Keyword>,
) -> Result<Instruction, InstructionError> {
    fn cmd<T>(
        r: Result<T, InstructionErrorKind>,
        wrap: fn(T) -> Command,
    ) -> Result<Instruction, InstructionErrorKind> {
        r.map(|c| Instruction::Command(wrap(c)))
    }
    let mut req = Request::new(node);
    let r = &mut req;
    let result = match keyword {
        Some(Keyword::From) => from::parse_from(r).map(Instruction::Stage),
        Some(Keyword::Env) => cmd(env::parse_env(r), Command::Env),
        Some(Keyword::Maintainer) => cmd(metadata::parse_maintainer(r), Command::Maintainer),
        Some(Keyword::Label) => cmd(env::parse_label(r), Command::Label),
        Some(Keyword::Add) => cmd(copy::parse_add(r), Command::Add),
        Some(Keyword::Copy) => cmd(copy::parse_copy(r), Command::Copy),
        Some(Keyword::Onbuild) => cmd(onbuild::parse_onbuild(r), Command::Onbuild),
        Some(Keyword::Workdir) => cmd(metadata::parse_workdir(r), Command::Workdir),
        Some(Keyword::Run) => cmd(run::parse_run(r), Command::Run),
        Some(Keyword::Cmd) => cmd(cmd::parse_cmd(r), Command::Cmd),
        Some(Keyword::Healthcheck) => cmd(healthcheck::parse_healthcheck(r), Command::Healthcheck),
        Some(Keyword::Entrypoint) => cmd(cmd::parse_entrypoint(r), Command::Entrypoint),
        Some(Keyword::Expose) => cmd(metadata::parse_expose(r), Command::Expose),
        Some(Keyword::User) => cmd(metadata::parse_user(r), Command::User),
        Some(Keyword::Volume) => cmd(metadata::parse_volume(r), Command::Volume),
        Some(Keyword::StopSignal) => cmd(metadata::parse_stopsignal(r), Command::StopSignal),
        Some(Keyword::Arg) => cmd(arg::parse_arg(r), Command::Arg),
        Some(Keyword::Shell) => cmd(shell::parse_shell(r), Command::Shell),
        None => {
            let options: Vec<String> = Keyword::ALL
                .iter()
                .map(|k| k.as_str().to_ascii_uppercase())
                .collect();
            let refs: Vec<&str> = options.iter().map(String::as_str).collect();
            Err(InstructionErrorKind::UnknownInstruction {
                instruction: node.value.clone(),
                suggestion: suggest::search_case_insensitive(&node.value, &refs),
            })
        }
    };
    result.map_err(|k| InstructionError::at(k, node))
}

/// Upstream's `ParseCommand`: like [`parse_instruction`] but FROM is refused.
pub fn parse_command(node: &Node) -> Result<Command, InstructionError> {
    match parse_instruction(node)? {
        Instruction::Command(c) => Ok(c),
        Instruction::Stage(_) => Err(InstructionError::at(
            InstructionErrorKind::NotACommand,
            node,
        )),
    }
}

/// Upstream's `instructions.Parse`: the stages of a Dockerfile and its meta ARGs (the ARGs
/// before the first FROM). Errors carry upstream's `dockerfile parse error on line N:` prefix.
pub fn parse(ast: &Node) -> Result<Dockerfile, InstructionError> {
    let mut df = Dockerfile::default();
    for node in &ast.children {
        let inst = parse_instruction(node).map_err(|mut e| {
            e.line_prefix = true;
            e
        })?;
        match inst {
            Instruction::Stage(s) => df.stages.push(s),
            Instruction::Command(Command::Arg(a)) if df.stages.is_empty() => df.meta_args.push(a),
            Instruction::Command(c) => match df.stages.last_mut() {
                Some(stage) => stage.commands.push(c),
                None => {
                    return Err(InstructionError::at(
                        InstructionErrorKind::NoBuildStage,
                        node,
                    ));
                }
            },
        }
    }
    Ok(df)
}

/// Upstream's `handleJSONArgs`: exec form keeps the arguments, shell form joins them.
pub(crate) fn handle_json_args(args: &[String], json: bool) -> Vec<String> {
    if args.is_empty() {
        return Vec::new();
    }
    if json {
        return args.to_vec();
    }
    vec![args.join(" ")]
}

#[cfg(test)]
mod tests;
