//! `rfront parse [--format dump|json] FILE`: the parse tree of a Dockerfile.
//!
//! `dump` prints upstream's `Node.Dump()` s-expressions (one instruction per line); `json`
//! prints the instructions with keyword, flags, arguments, heredocs and locations.
//!
//! Errors print `FILE:LINE: message` on stderr and exit with status 1: syntax errors of the
//! parser, and unknown instructions (upstream's "unknown instruction: X (did you mean Y?)").
//! `--strict` also checks every instruction as upstream's `instructions.Parse` does (flags,
//! argument counts, stage names), which the parser goldens themselves do not all pass.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use syntax::instructions::{self, InstructionError, Keyword};
use syntax::parser::{Node, ParseResult, parse_bytes};

/// Output formats of `rfront parse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Upstream's `Node.Dump()` s-expressions.
    Dump,
    /// A JSON document of the instructions.
    Json,
}

/// Parse a Dockerfile and print its AST.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Dump)]
    pub format: Format,
    /// Also validate every instruction (flags, arguments, stages), as a build would.
    #[arg(long)]
    pub strict: bool,
    /// The Dockerfile to parse (`-` for standard input).
    pub file: PathBuf,
}

/// Run `rfront parse`.
#[inline(never)] // kept out of `main`: see its `Command`
pub fn run(args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let (name, bytes) = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .context("reading standard input")?;
        ("<stdin>".to_string(), buf)
    } else {
        let bytes = std::fs::read(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?;
        (args.file.display().to_string(), bytes)
    };
    let result = match parse_bytes(&bytes) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}:{}: {}", name, e.start_line.max(1), e);
            return Ok(ExitCode::FAILURE);
        }
    };
    if let Some(e) = instruction_error(&result, args.strict) {
        eprintln!("{}:{}: {}", name, e.start_line, e.message());
        return Ok(ExitCode::FAILURE);
    }
    let text = match args.format {
        Format::Dump => result.ast.dump(),
        Format::Json => serde_json::to_string_pretty(&to_json(&result))?,
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("writing standard output")
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// The first unknown instruction (or, with `strict`, the first invalid instruction).
fn instruction_error(r: &ParseResult, strict: bool) -> Option<InstructionError> {
    if strict {
        return instructions::parse(&r.ast).err();
    }
    r.ast
        .children
        .iter()
        .filter(|n| Keyword::parse(&n.value).is_none())
        .find_map(|n| instructions::parse_instruction(n).err())
}

/// The JSON form of a whole parse result.
fn to_json(r: &ParseResult) -> Value {
    json!({
        "escape": r.escape_token.to_string(),
        "directives": r.directives.iter().map(|d| json!({
            "key": d.key.as_str(),
            "value": d.value,
            "line": d.line,
        })).collect::<Vec<_>>(),
        "instructions": r.ast.children.iter().map(instruction_json).collect::<Vec<_>>(),
        "warnings": r.warnings.iter().map(|w| json!({
            "rule": w.rule_name(),
            "message": w.short,
            "line": w.line,
            "empty_lines": w.empty_lines,
            "url": w.url,
        })).collect::<Vec<_>>(),
    })
}

/// The JSON form of one instruction node.
fn instruction_json(n: &Node) -> Value {
    let mut obj = json!({
        "keyword": n.value,
        "start_line": n.start_line,
        "end_line": n.end_line,
        "span": [n.span.start, n.span.end],
        "flags": n.flags,
        "json": n.attributes.json,
        "original": n.original,
    });
    let trigger = n.args().find_map(|a| a.children.first());
    match trigger {
        Some(t) => obj["trigger"] = instruction_json(t),
        None => obj["args"] = json!(n.arg_values().collect::<Vec<_>>()),
    }
    if !n.heredocs.is_empty() {
        obj["heredocs"] = n
            .heredocs
            .iter()
            .map(|h| {
                json!({
                    "name": h.name,
                    "file_descriptor": h.file_descriptor,
                    "expand": h.expand,
                    "chomp": h.chomp,
                    "content": h.content,
                })
            })
            .collect();
    }
    if !n.prev_comment.is_empty() {
        obj["comments"] = json!(n.prev_comment);
    }
    obj
}
