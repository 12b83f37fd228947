//! `FROM [--platform=P] image [AS name]`: the start of a build stage.

use super::{Command, CommandMeta, InstructionErrorKind, Request, doc_comment};
use crate::parser::gostr::{equal_fold, to_lower};

/// A build stage: its FROM line and the commands up to the next FROM (upstream's `Stage`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stage {
    /// Stage name (lower-cased), empty when unnamed.
    pub name: String,
    /// The commands of the stage.
    pub commands: Vec<Command>,
    /// The FROM keyword as written (for casing lints).
    pub orig_cmd: String,
    /// The base image or stage reference, unexpanded.
    pub base_name: String,
    /// `--platform` value, unexpanded (empty when not given).
    pub platform: String,
    /// Doc comment (`# name description` above the FROM).
    pub doc_comment: String,
    /// Location, source and comments of the FROM instruction (`meta.code` is its source).
    pub meta: CommandMeta,
}

impl Stage {
    /// The FROM instruction's source text (upstream's `SourceCode`).
    pub fn source_code(&self) -> &str {
        &self.meta.code
    }
}

/// Upstream's stage-name rule `^[a-z][a-z0-9-_.]*$`.
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_' | '.'))
}

/// Upstream's `parseBuildStageName`.
fn stage_name(args: &[String]) -> Result<String, InstructionErrorKind> {
    if args.len() == 3 && equal_fold(&args[1], "as") {
        let name = to_lower(&args[2]).into_owned();
        if !valid_stage_name(&name) {
            return Err(InstructionErrorKind::InvalidStageName(args[2].clone()));
        }
        return Ok(name);
    }
    if args.len() != 1 {
        return Err(InstructionErrorKind::FromArguments);
    }
    Ok(String::new())
}

pub(crate) fn parse_from(req: &mut Request<'_>) -> Result<Stage, InstructionErrorKind> {
    let name = stage_name(&req.args)?;
    let platform = req.flags.add_string("platform", "");
    req.flags.parse()?;
    let meta = req.meta();
    Ok(Stage {
        doc_comment: doc_comment(&meta.comments, &name),
        name,
        commands: Vec::new(),
        orig_cmd: req.command().to_string(),
        base_name: req.args[0].clone(),
        platform: req.flags.string(platform).to_string(),
        meta,
    })
}
