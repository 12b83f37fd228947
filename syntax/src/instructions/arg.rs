//! `ARG name[=value] ...`.

use super::{CommandMeta, InstructionErrorKind, Request, doc_comment};

/// One build argument (upstream's `KeyValuePairOptional`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyValuePairOptional {
    /// Name, unexpanded.
    pub key: String,
    /// Default value (unexpanded), `None` when declared without `=`.
    pub value: Option<String>,
    /// Doc comment (`# name description` above the ARG).
    pub doc_comment: String,
}

impl KeyValuePairOptional {
    /// The value, or empty when none.
    pub fn value_str(&self) -> &str {
        self.value.as_deref().unwrap_or("")
    }
}

/// `ARG` (upstream's `ArgCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArgCommand {
    /// Name, source, location.
    pub meta: CommandMeta,
    /// The arguments, in order.
    pub args: Vec<KeyValuePairOptional>,
}

/// Upstream parses no flags for ARG: flags written on it are ignored.
pub(crate) fn parse_arg(req: &mut Request<'_>) -> Result<ArgCommand, InstructionErrorKind> {
    if req.args.is_empty() {
        return Err(InstructionErrorKind::AtLeastOneArgument("ARG"));
    }
    let meta = req.meta();
    let mut args = Vec::with_capacity(req.args.len());
    for a in &req.args {
        let (key, value) = match a.split_once('=') {
            Some((k, v)) => {
                if k.is_empty() {
                    return Err(InstructionErrorKind::BlankNames("ARG"));
                }
                (k.to_string(), Some(v.to_string()))
            }
            None => (a.clone(), None),
        };
        args.push(KeyValuePairOptional {
            doc_comment: doc_comment(&meta.comments, &key),
            key,
            value,
        });
    }
    Ok(ArgCommand { meta, args })
}
