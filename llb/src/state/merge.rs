//! Merge ops: [`merge`] stacks States on top of each other
//! (`pb.MergeOp`, cap `mergeop`).

use prost::Message;

use crate::marshal::{MarshalError, OP_MERGE, OpContext, OpParts};
use crate::pb;

use super::State;
use super::caps;
use super::constraints::Constraints;
use super::node::{OpKind, OpNode, Output};

/// Layers `inputs` in order, later ones on top (Go's `llb.Merge`).
///
/// Scratch inputs are dropped first; no input left gives scratch, one
/// input gives that State unchanged. Otherwise the result carries the first
/// input's values. The op has no platform; its inputs are written in order
/// (one `MergeInput` per input, even when two inputs are equal).
pub fn merge(inputs: &[State], constraints: Constraints) -> State {
    let kept: Vec<&State> = inputs.iter().filter(|s| !s.is_scratch()).collect();
    match kept.as_slice() {
        [] => State::scratch(),
        [only] => (*only).clone(),
        [first, ..] => {
            let op = MergeOp {
                inputs: kept.iter().filter_map(|s| s.output().cloned()).collect(),
            };
            let mut constraints = constraints;
            constraints.add_cap(caps::MERGE_OP);
            let node = OpNode::new(OpKind::Merge(op), constraints);
            first.with_output(Some(Output::new(&node, 0)))
        }
    }
}

/// The merge payload of an op node.
#[derive(Debug)]
pub(crate) struct MergeOp {
    pub(crate) inputs: Vec<Output>,
}

impl MergeOp {
    /// Writes the `pb.MergeOp` body to `body`.
    pub(crate) fn marshal<'c>(
        &self,
        ctx: &OpContext<'c>,
        body: &mut Vec<u8>,
    ) -> Result<OpParts<'c>, MarshalError> {
        if self.inputs.len() < 2 {
            return Err(MarshalError::MergeTooFewInputs);
        }
        let mut inputs = Vec::with_capacity(self.inputs.len());
        let mut merge = pb::MergeOp::default();
        for out in &self.inputs {
            merge.inputs.push(pb::MergeInput {
                input: inputs.len() as i64,
            });
            inputs.push(ctx.input(out)?);
        }
        merge.encode_raw(body);
        Ok(OpParts {
            inputs,
            tag: OP_MERGE,
            platform: None,
            keep_platform: false,
            caps: Vec::new(),
        })
    }
}
