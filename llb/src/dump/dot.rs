//! Graphviz view: one node per op (labelled with its progress name, what it
//! does and its short digest), one edge per input, from the input to the op
//! that uses it, labelled with the input's role (e.g. a mount destination).
//! Render with `dot -Tsvg`.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::describe;
use crate::definition::DecodedDefinition;
use crate::pb;

/// Longest text line in a node label, in characters.
const MAX_LINE: usize = 80;

/// The whole Definition as a `digraph`.
pub fn to_dot(def: &DecodedDefinition) -> String {
    let mut out = String::new();
    out.push_str("digraph llb {\n");
    out.push_str("  node [fontname=\"Helvetica\" fontsize=10];\n");
    out.push_str("  edge [fontname=\"Helvetica\" fontsize=9];\n");
    let mut seen = HashSet::new();
    for v in &def.vertices {
        if !seen.insert(v.digest.as_str()) {
            continue;
        }
        let meta = def.metadata(v.digest.as_str());
        let mut lines = Vec::new();
        if let Some(name) = describe::custom_name(meta) {
            lines.push(describe::truncate(name, MAX_LINE));
        }
        let summary = describe::summary(&v.op);
        lines.push(describe::truncate(
            &format!("{} {summary}", describe::kind(&v.op)),
            MAX_LINE,
        ));
        lines.push(v.digest.short().to_string());
        let label: Vec<String> = lines.iter().map(|l| quote_inner(l)).collect();
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\" shape=\"{}\" tooltip=\"{}\"];",
            v.digest,
            label.join("\\n"),
            shape(&v.op),
            v.digest
        );
    }
    let mut seen = HashSet::new();
    for v in &def.vertices {
        if !seen.insert(v.digest.as_str()) {
            continue;
        }
        for (i, input) in v.op.inputs.iter().enumerate() {
            let mut label = describe::input_role(&v.op, i);
            if input.index != 0 {
                label = format!("{label} [out {}]", input.index).trim().to_string();
            }
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\"];",
                quote_inner(&input.digest),
                v.digest,
                quote_inner(&label)
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Node shape per op kind.
fn shape(op: &pb::Op) -> &'static str {
    match describe::kind(op) {
        "source" => "ellipse",
        "exec" => "box",
        "file" => "note",
        "build" => "box3d",
        "merge" => "invtriangle",
        "diff" => "doublecircle",
        "output" => "doubleoctagon",
        _ => "plaintext",
    }
}

/// Escapes text for a double-quoted DOT string (label escapes included).
fn quote_inner(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::quote_inner;

    #[test]
    fn dot_strings_escape_quotes_backslashes_and_newlines() {
        assert_eq!(quote_inner("a\"b\\c\nd\te"), "a\\\"b\\\\c\\nd e");
    }
}
