//! The AST node, shaped like upstream's `parser.Node`, and its `Dump()` s-expression form.

use super::gostr::{quote_into, to_lower, trim_space};
use super::location::{Range, Span, line_ranges};

/// Special attributes of an instruction node (upstream's `Attributes map[string]bool`,
/// whose only key is `json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Attributes {
    /// The arguments were written as a JSON array (exec form).
    pub json: bool,
}

/// A heredoc body attached to an instruction, as upstream's `parser.Heredoc`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Heredoc {
    /// Terminator word with quotes removed (`EOF` for `<<"EOF"`).
    pub name: String,
    /// File descriptor prefix (`3<<EOF` gives 3; 0 when absent).
    pub file_descriptor: u64,
    /// Variables in the body are expanded (the terminator word was not quoted).
    pub expand: bool,
    /// `<<-`: leading tabs are to be stripped from the body lines.
    pub chomp: bool,
    /// The body, raw, every line with its line terminator (tabs not yet stripped).
    pub content: String,
}

/// One node of the parse tree, as upstream's `parser.Node`.
///
/// The root holds one child per instruction. An instruction node holds its keyword in
/// `value` (original casing), its `--flags`, and its arguments as the `next` chain; an
/// `ONBUILD` instruction's `next` node has the triggered instruction as its only child.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Node {
    /// The token text (keyword for an instruction, argument text for `next` nodes).
    pub value: String,
    /// The rest of this s-expression: upstream's `Next` chain, flattened (the arguments of
    /// an instruction, in order). Nodes inside it have an empty `next` of their own.
    pub next: Vec<Node>,
    /// Sub-expressions (instructions of the root; the trigger of `ONBUILD`).
    pub children: Vec<Node>,
    /// Heredoc bodies attached to an instruction.
    pub heredocs: Vec<Heredoc>,
    /// Special attributes (JSON form).
    pub attributes: Attributes,
    /// The logical line the instruction was parsed from (continuations joined).
    pub original: String,
    /// Builder flags (`--from=x`) as written, for instruction nodes.
    pub flags: Vec<String>,
    /// First line (1-based) of the instruction in the source.
    pub start_line: usize,
    /// Last line (1-based), including heredoc bodies.
    pub end_line: usize,
    /// Comment lines directly above the instruction (without `#`).
    pub prev_comment: Vec<String>,
    /// Byte span of the instruction in the source (for `next` nodes: their instruction's).
    pub span: Span,
}

impl Node {
    /// Upstream's `Location()`: one range per line of the node.
    pub fn location(&self) -> Vec<Range> {
        line_ranges(self.start_line, self.end_line)
    }

    /// The nodes of the `next` chain (the arguments of an instruction).
    pub fn args(&self) -> std::slice::Iter<'_, Node> {
        self.next.iter()
    }

    /// The argument values of the `next` chain.
    pub fn arg_values(&self) -> impl Iterator<Item = &str> {
        self.args().map(|n| n.value.as_str())
    }

    /// Lower-cased keyword (as upstream compares instruction names).
    pub fn keyword(&self) -> String {
        to_lower(&self.value).into_owned()
    }

    /// Upstream's `Dump()`: the s-expression form, e.g. `(copy ["--from=a"] "x" "/y")` for
    /// each child of the root, one per line.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        s.push_str(&to_lower(&self.value));
        if !self.flags.is_empty() {
            s.push_str(" [");
            for (i, f) in self.flags.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                quote_into(f, &mut s);
            }
            s.push(']');
        }
        for child in &self.children {
            s.push('(');
            s.push_str(&child.dump());
            s.push_str(")\n");
        }
        for n in self.args() {
            s.push(' ');
            if n.children.is_empty() {
                quote_into(&n.value, &mut s);
            } else {
                s.push_str(&n.dump());
            }
        }
        let trimmed = trim_space(&s);
        if trimmed.len() == s.len() {
            s
        } else {
            trimmed.to_string()
        }
    }
}

/// Build a `next` chain from values (first value first).
pub(crate) fn chain<I>(values: I) -> Vec<Node>
where
    I: IntoIterator<Item = String>,
{
    values
        .into_iter()
        .map(|value| Node {
            value,
            ..Node::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dump_instruction_with_flags() {
        let n = Node {
            value: "COPY".into(),
            flags: vec!["--from=a".into(), "--chmod=\"x\"".into()],
            next: chain(vec!["x".to_string(), "/y".to_string()]),
            ..Node::default()
        };
        assert_eq!(n.dump(), r#"copy ["--from=a" "--chmod=\"x\""] "x" "/y""#);
        assert_eq!(n.arg_values().collect::<Vec<_>>(), vec!["x", "/y"]);
    }

    #[test]
    fn dump_root_and_onbuild() {
        let trigger = Node {
            value: "RUN".into(),
            next: chain(vec!["echo hi".to_string()]),
            ..Node::default()
        };
        let onbuild = Node {
            value: "ONBUILD".into(),
            next: vec![Node {
                children: vec![trigger],
                ..Node::default()
            }],
            ..Node::default()
        };
        let root = Node {
            children: vec![onbuild],
            ..Node::default()
        };
        assert_eq!(root.dump(), r#"(onbuild (run "echo hi"))"#);
    }
}
