//! `ENV` and `LABEL`: ordered key/value pairs.

use super::{CommandMeta, InstructionErrorKind, Request};

/// One key/value pair (upstream's `KeyValuePair`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyValuePair {
    /// Key, unexpanded (quotes kept).
    pub key: String,
    /// Value, unexpanded (quotes kept).
    pub value: String,
    /// Written in the legacy `KEY value` form (no `=`).
    pub no_delim: bool,
}

/// `ENV key=value ...` (upstream's `EnvCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The variables, in order.
    pub env: Vec<KeyValuePair>,
}

/// `LABEL key=value ...` (upstream's `LabelCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The labels, in order.
    pub labels: Vec<KeyValuePair>,
}

/// Upstream's `parseKvps`: the parser's key/value/separator triples.
fn parse_kvps(
    args: &[String],
    name: &'static str,
) -> Result<Vec<KeyValuePair>, InstructionErrorKind> {
    if args.is_empty() {
        return Err(InstructionErrorKind::AtLeastOneArgument(name));
    }
    if !args.len().is_multiple_of(3) {
        return Err(InstructionErrorKind::TooManyArguments(name));
    }
    args.chunks(3)
        .map(|t| {
            if t[0].is_empty() {
                return Err(InstructionErrorKind::BlankNames(name));
            }
            Ok(KeyValuePair {
                key: t[0].clone(),
                value: t[1].clone(),
                no_delim: t[2].is_empty(),
            })
        })
        .collect()
}

pub(crate) fn parse_env(req: &mut Request<'_>) -> Result<EnvCommand, InstructionErrorKind> {
    req.flags.parse()?;
    Ok(EnvCommand {
        env: parse_kvps(&req.args, "ENV")?,
        meta: req.meta(),
    })
}

pub(crate) fn parse_label(req: &mut Request<'_>) -> Result<LabelCommand, InstructionErrorKind> {
    req.flags.parse()?;
    Ok(LabelCommand {
        labels: parse_kvps(&req.args, "LABEL")?,
        meta: req.meta(),
    })
}
