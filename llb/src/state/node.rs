//! Op nodes and [`Output`]s: the shared, immutable vertices a
//! [`State`](super::State) points into.

use std::fmt;
use std::sync::Arc;

use super::constraints::Constraints;
use super::definition::DefinitionOp;
use super::diff::DiffOp;
use super::exec::ExecOp;
use super::file::FileOp;
use super::merge::MergeOp;
use super::platform::Platform;
use super::source::SourceOp;

/// What an op node does.
#[derive(Debug)]
pub(crate) enum OpKind {
    /// A source (image, local, git, http, oci-layout, …).
    Source(SourceOp),
    /// A process run.
    Exec(ExecOp),
    /// A chain of file actions.
    File(FileOp),
    /// A merge of inputs.
    Merge(MergeOp),
    /// A diff of two inputs.
    Diff(DiffOp),
    /// An op of an already marshalled Definition.
    Definition(DefinitionOp),
}

/// One vertex of the graph under construction.
#[derive(Debug)]
pub(crate) struct OpNode {
    /// The payload.
    pub(crate) kind: OpKind,
    /// Platform, metadata, caps and source locations of the op.
    pub(crate) constraints: Constraints,
}

impl OpNode {
    /// A shared node.
    pub(crate) fn new(kind: OpKind, constraints: Constraints) -> Arc<OpNode> {
        Arc::new(OpNode { kind, constraints })
    }

    /// Calls `f` with each output this node depends on, in the order upstream visits them
    /// when marshalling (which fixes the order of ops in the Definition).
    pub(crate) fn for_each_dependency<'a>(&'a self, mut f: impl FnMut(&'a Output)) {
        match &self.kind {
            OpKind::Source(_) => {}
            OpKind::Exec(e) => e.for_each_dependency(f),
            OpKind::File(f_op) => f_op.for_each_dependency(&mut f),
            OpKind::Merge(m) => m.inputs.iter().for_each(f),
            OpKind::Diff(d) => d.lower.iter().chain(d.upper.iter()).for_each(f),
            OpKind::Definition(d) => d.inputs.iter().for_each(f),
        }
    }
}

/// One output of an op node: what a [`State`](super::State) refers to and
/// what becomes a `pb.Input` (`digest`, `index`) when marshalled.
#[derive(Clone)]
pub struct Output {
    pub(crate) node: Arc<OpNode>,
    pub(crate) index: i64,
}

impl Output {
    /// An output of `node`.
    pub(crate) fn new(node: &Arc<OpNode>, index: i64) -> Output {
        Output {
            node: Arc::clone(node),
            index,
        }
    }

    /// The output index within its op.
    pub fn index(&self) -> i64 {
        self.index
    }

    /// The platform this output was produced for, when the op fixes one
    /// (sources and execs with a platform constraint): read from the op, not copied into
    /// every State on the output.
    pub fn platform(&self) -> Option<&Platform> {
        match self.node.kind {
            OpKind::Source(_) | OpKind::Exec(_) => self.node.constraints.platform.as_ref(),
            OpKind::File(_) | OpKind::Merge(_) | OpKind::Diff(_) | OpKind::Definition(_) => None,
        }
    }

    /// Whether both are the same output of the same node (identity, not
    /// content).
    pub fn same(&self, other: &Output) -> bool {
        Arc::ptr_eq(&self.node, &other.node) && self.index == other.index
    }

    /// Identity of the node, for memoization while marshalling.
    pub(crate) fn node_key(&self) -> usize {
        Arc::as_ptr(&self.node) as usize
    }
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.node.kind {
            OpKind::Source(s) => format!("source {}", s.identifier),
            OpKind::Exec(_) => "exec".to_string(),
            OpKind::File(_) => "file".to_string(),
            OpKind::Merge(_) => "merge".to_string(),
            OpKind::Diff(_) => "diff".to_string(),
            OpKind::Definition(_) => "definition".to_string(),
        };
        write!(f, "Output({kind}, index {})", self.index)
    }
}
