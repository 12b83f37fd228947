//! Indented view from the root down. Each line shows the role of the input
//! (in brackets, e.g. the mount destination), the op kind and what it does,
//! its progress name and its short digest. An op reached a second time is
//! printed once more with `(shown above)` and without its inputs.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::describe;
use crate::definition::{DecodedDefinition, Vertex};

/// Longest summary printed per line, in characters.
const MAX_SUMMARY: usize = 100;
/// Deepest level that is still indented further.
const MAX_INDENT: usize = 64;

/// One line still to print: the vertex, its role and its two prefixes.
struct Pending<'a> {
    vertex: &'a Vertex,
    role: String,
    first_prefix: String,
    rest_prefix: String,
    depth: usize,
}

/// The whole graph as an indented tree, root first. Iterative, so deep
/// graphs cannot overflow the stack.
pub fn to_tree(def: &DecodedDefinition) -> String {
    let mut out = String::new();
    let mut shown: HashSet<&str> = HashSet::new();
    let mut stack = vec![Pending {
        vertex: def.root(),
        role: String::new(),
        first_prefix: String::new(),
        rest_prefix: String::new(),
        depth: 0,
    }];
    while let Some(p) = stack.pop() {
        let vertex = p.vertex;
        out.push_str(&p.first_prefix);
        if !p.role.is_empty() {
            let _ = write!(out, "[{}] ", p.role);
        }
        let _ = write!(
            out,
            "{} {}",
            describe::kind(&vertex.op),
            describe::truncate(&describe::summary(&vertex.op), MAX_SUMMARY)
        );
        if let Some(name) = describe::custom_name(def.metadata(vertex.digest.as_str())) {
            let _ = write!(out, "  \"{name}\"");
        }
        let _ = write!(out, "  {}", vertex.digest.short());
        if !shown.insert(vertex.digest.as_str()) {
            out.push_str("  (shown above)\n");
            continue;
        }
        out.push('\n');
        let inputs = &vertex.op.inputs;
        // Pushed in reverse so the first input is printed first.
        for (i, input) in inputs.iter().enumerate().rev() {
            let Some(child) = def.get(&input.digest) else {
                continue;
            };
            let last = i + 1 == inputs.len();
            let (branch, cont) = if last {
                ("└─ ", "   ")
            } else {
                ("├─ ", "│  ")
            };
            let mut role = describe::input_role(&vertex.op, i);
            if input.index != 0 {
                role = format!("{role} out {}", input.index).trim().to_string();
            }
            // Past MAX_INDENT levels the indentation stops growing.
            let base = if p.depth >= MAX_INDENT {
                "⋯ "
            } else {
                p.rest_prefix.as_str()
            };
            stack.push(Pending {
                vertex: child,
                role,
                first_prefix: format!("{base}{branch}"),
                rest_prefix: format!("{base}{cont}"),
                depth: if p.depth >= MAX_INDENT {
                    1
                } else {
                    p.depth + 1
                },
            });
        }
    }
    out
}
