//! Diff ops: [`diff`] gives what changed from one State to another
//! (`pb.DiffOp`, cap `diffop`).

use prost::Message;

use crate::marshal::{MarshalError, OP_DIFF, OpContext, OpParts};
use crate::pb;

use super::State;
use super::caps;
use super::constraints::Constraints;
use super::node::{OpKind, OpNode, Output};

/// The changes that turn `lower` into `upper` (Go's `llb.Diff`).
///
/// A scratch `lower` gives `upper` itself (scratch if both are); otherwise
/// the result carries `lower`'s values. A scratch `upper` is written as
/// input -1. The op has no platform.
pub fn diff(lower: &State, upper: &State, constraints: Constraints) -> State {
    if lower.is_scratch() {
        return if upper.is_scratch() {
            State::scratch()
        } else {
            upper.clone()
        };
    }
    let mut constraints = constraints;
    constraints.add_cap(caps::DIFF_OP);
    let op = DiffOp {
        lower: lower.output().cloned(),
        upper: upper.output().cloned(),
    };
    let node = OpNode::new(OpKind::Diff(op), constraints);
    lower.with_output(Some(Output::new(&node, 0)))
}

/// The diff payload of an op node.
#[derive(Debug)]
pub(crate) struct DiffOp {
    pub(crate) lower: Option<Output>,
    pub(crate) upper: Option<Output>,
}

impl DiffOp {
    /// Writes the `pb.DiffOp` body to `body`.
    pub(crate) fn marshal<'c>(
        &self,
        ctx: &OpContext<'c>,
        body: &mut Vec<u8>,
    ) -> Result<OpParts<'c>, MarshalError> {
        let mut inputs = Vec::new();
        let mut side = |out: &Option<Output>| -> Result<i64, MarshalError> {
            match out {
                Some(o) => {
                    inputs.push(ctx.input(o)?);
                    Ok((inputs.len() - 1) as i64)
                }
                None => Ok(-1),
            }
        };
        let lower = side(&self.lower)?;
        let upper = side(&self.upper)?;
        pb::DiffOp {
            lower: Some(pb::LowerDiffInput { input: lower }),
            upper: Some(pb::UpperDiffInput { input: upper }),
        }
        .encode_raw(body);
        Ok(OpParts {
            inputs,
            tag: OP_DIFF,
            platform: None,
            keep_platform: false,
            caps: Vec::new(),
        })
    }
}
