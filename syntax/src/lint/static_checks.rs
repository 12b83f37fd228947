//! The checks that need only the parse result and the typed instructions: what upstream's
//! `toDispatchState` does before any variable is expanded.

use super::linter::{LintScope, Linter};
use super::rules::{
    CONSISTENT_INSTRUCTION_CASING, DUPLICATE_STAGE_NAME, FROM_AS_CASING,
    INVALID_DEFINITION_DESCRIPTION, MAINTAINER_DEPRECATED, NO_EMPTY_CONTINUATION,
    RESERVED_STAGE_NAME, STAGE_NAME_CASING,
};
use crate::instructions::{
    Command, Dockerfile, Instruction, InstructionError, InstructionErrorKind, Keyword, Stage,
    parse_keyword_instruction,
};
use crate::parser::gostr::{to_lower, to_upper};
use crate::parser::{Node, ParseResult, Range, WarningKind};

/// Stage names that refer to something else (`FROM scratch`, `COPY --from=context`).
const RESERVED_STAGE_NAMES: [&str; 2] = ["context", "scratch"];

/// Runs the pre-conversion checks and returns the typed Dockerfile, as upstream's
/// `toDispatchState` up to its first variable expansion:
///
/// 1. `NoEmptyContinuation` for each empty-continuation warning of the parser;
/// 2. instruction parsing (upstream's `instructions.Parse`), with `MaintainerDeprecated`,
///    `StageNameCasing`, `FromAsCasing` and `InvalidDefinitionDescription` reported per
///    instruction under its own `# check=` comment;
/// 3. `ReservedStageName` and `DuplicateStageName`;
/// 4. `ConsistentInstructionCasing`.
///
/// An instruction error stops at that instruction (its message carries upstream's
/// `dockerfile parse error on line N:` prefix); findings made before it are kept.
pub fn check_parsed(
    parsed: &ParseResult,
    linter: &mut Linter,
) -> Result<Dockerfile, InstructionError> {
    for w in &parsed.warnings {
        match w.kind {
            WarningKind::EmptyContinuationLine => linter.run(
                &NO_EMPTY_CONTINUATION,
                &[Range::lines(w.line, w.line)],
                NO_EMPTY_CONTINUATION.detail(),
            ),
        }
    }
    let df = parse_instructions(&parsed.ast, linter)?;
    check_stage_names(&df.stages, linter);
    check_command_casing(&df.stages, linter);
    Ok(df)
}

/// Upstream's `instructions.Parse` with its linter.
fn parse_instructions(ast: &Node, linter: &mut Linter) -> Result<Dockerfile, InstructionError> {
    let mut df = Dockerfile::default();
    for node in &ast.children {
        let mut scope = linter.scope(&node.prev_comment);
        let keyword = Keyword::parse(&node.value);
        match keyword {
            Some(Keyword::Maintainer) => {
                let r = &MAINTAINER_DEPRECATED;
                scope.run(r, &node.location(), r.detail());
            }
            Some(Keyword::From) => check_from_casing(node, &mut scope),
            _ => {}
        }
        let inst = parse_keyword_instruction(node, keyword).map_err(|mut e| {
            e.line_prefix = true;
            e
        })?;
        match &inst {
            Instruction::Stage(stage) if !stage.name.is_empty() => {
                check_description(&mut scope, node, "FROM", &[stage.name.as_str()]);
            }
            Instruction::Command(Command::Arg(arg)) => {
                let keys: Vec<&str> = arg.args.iter().map(|a| a.key.as_str()).collect();
                check_description(&mut scope, node, "ARG", &keys);
            }
            _ => {}
        }
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

/// `StageNameCasing` and `FromAsCasing` on a FROM node (checked before the FROM is parsed,
/// as upstream).
fn check_from_casing(node: &Node, scope: &mut LintScope<'_>) {
    let args: Vec<&str> = node.arg_values().collect();
    if args.len() == 3 && !is_lower(args[2]) {
        let r = &STAGE_NAME_CASING;
        scope.run(r, &node.location(), r.detail(args[2]));
    }
    if args.len() >= 3 {
        let from = node.value.as_str();
        let as_kw = args[1];
        let matches = if is_lower(from) {
            is_lower(as_kw)
        } else if is_upper(from) {
            is_upper(as_kw)
        } else {
            // A mixed-case FROM is ConsistentInstructionCasing's business.
            true
        };
        if !matches {
            let r = &FROM_AS_CASING;
            scope.run(r, &node.location(), r.detail(from, as_kw));
        }
    }
}

/// `InvalidDefinitionDescription`: the last comment line above a named FROM or an ARG must
/// start with one of the defined names.
fn check_description(scope: &mut LintScope<'_>, node: &Node, instruction: &str, keys: &[&str]) {
    let Some(last) = node.prev_comment.last() else {
        return;
    };
    if keys.is_empty() {
        return;
    }
    let first_word = last.split(' ').next().unwrap_or_default();
    if keys.contains(&first_word) {
        return;
    }
    let example = if keys.len() > 1 { "<arg_key>" } else { keys[0] };
    let r = &INVALID_DEFINITION_DESCRIPTION;
    scope.run(r, &node.location(), r.detail(instruction, example));
}

/// `ReservedStageName` and `DuplicateStageName` (upstream's `validateStageNames`).
fn check_stage_names(stages: &[Stage], linter: &mut Linter) {
    let mut seen: std::collections::HashSet<&str, foldhash::fast::FixedState> =
        std::collections::HashSet::with_capacity_and_hasher(stages.len(), Default::default());
    for stage in stages.iter().filter(|s| !s.name.is_empty()) {
        let name = stage.name.as_str();
        if RESERVED_STAGE_NAMES.contains(&name) {
            let r = &RESERVED_STAGE_NAME;
            linter.run(r, &stage.meta.location(), r.detail(name));
        }
        if !seen.insert(name) {
            let r = &DUPLICATE_STAGE_NAME;
            linter.run(r, &stage.meta.location(), r.detail(name));
        }
    }
}

/// The casing of a keyword: `Some(true)` all lower, `Some(false)` all upper, `None` mixed.
fn keyword_casing(word: &str) -> Option<bool> {
    if is_lower(word) {
        Some(true)
    } else if is_upper(word) {
        Some(false)
    } else {
        None
    }
}

/// `word == strings.ToLower(word)`, without building the lowered copy for ASCII words.
fn is_lower(word: &str) -> bool {
    if word.is_ascii() {
        !word.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        word == to_lower(word)
    }
}

/// `word == strings.ToUpper(word)`, without building the uppered copy for ASCII words.
fn is_upper(word: &str) -> bool {
    if word.is_ascii() {
        !word.bytes().any(|b| b.is_ascii_lowercase())
    } else {
        word == to_upper(word)
    }
}

/// `ConsistentInstructionCasing` (upstream's `validateCommandCasing`): the keywords of the
/// stages (FROM and commands) against the majority casing.
fn check_command_casing(stages: &[Stage], linter: &mut Linter) {
    let keywords = || {
        stages.iter().flat_map(|s| {
            std::iter::once((s.orig_cmd.as_str(), &s.meta)).chain(
                s.commands
                    .iter()
                    .map(|c| (c.meta().name.as_str(), c.meta())),
            )
        })
    };
    let (mut lower, mut upper) = (0usize, 0usize);
    for (word, _) in keywords() {
        match keyword_casing(word) {
            Some(true) => lower += 1,
            Some(false) => upper += 1,
            None => {}
        }
    }
    let majority_lower = lower > upper;
    for (word, meta) in keywords() {
        let expected = if majority_lower {
            (!is_lower(word)).then_some("lowercase")
        } else {
            (!is_upper(word)).then_some("uppercase")
        };
        if let Some(casing) = expected {
            let r = &CONSISTENT_INSTRUCTION_CASING;
            linter.run(r, &meta.location(), r.detail(word, casing));
        }
    }
}
