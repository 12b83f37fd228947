//! [`Op`], one vertex of the LLB graph.
//!
//! Hand-written because Go's deterministic marshal writes the `op` oneof
//! after every plain field: `inputs`(1), `platform`(10), `constraints`(11),
//! then the payload (2–8). prost's derive would write the payload in tag
//! order, changing the bytes and so the digest.

use prost::Message;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};

use super::{Input, Platform, WorkerConstraints};

/// One vertex of the LLB graph (`pb.Op`).
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Op {
    /// Input edges (field 1).
    pub inputs: Vec<Input>,
    /// The payload: what the vertex does (oneof `op`, fields 2–8).
    pub op: Option<op::Op>,
    /// Platform the op runs for (field 10).
    pub platform: Option<Platform>,
    /// Worker constraints (field 11); the Go client always sets it.
    pub constraints: Option<WorkerConstraints>,
}

/// The `op` oneof of [`Op`](super::Op).
pub mod op {
    use crate::pb::{BuildOp, DiffOp, ExecOp, FileOp, MergeOp, PassthroughOp, SourceOp};

    /// What a vertex does.
    // Unboxed like prost's generated oneofs, so it is built the same way.
    #[allow(clippy::large_enum_variant)]
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Op {
        /// Run a process (field 2).
        #[prost(message, tag = "2")]
        Exec(ExecOp),
        /// Bring in a source (field 3).
        #[prost(message, tag = "3")]
        Source(SourceOp),
        /// Filesystem actions (field 4).
        #[prost(message, tag = "4")]
        File(FileOp),
        /// Nested build (field 5).
        #[prost(message, tag = "5")]
        Build(BuildOp),
        /// Stack inputs (field 6).
        #[prost(message, tag = "6")]
        Merge(MergeOp),
        /// Difference of two inputs (field 7).
        #[prost(message, tag = "7")]
        Diff(DiffOp),
        /// Forward results (field 8).
        #[prost(message, tag = "8")]
        Passthrough(PassthroughOp),
    }
}

/// Lowest and highest field numbers of the `op` oneof.
const ONEOF_TAGS: std::ops::RangeInclusive<u32> = 2..=8;

impl Message for Op {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        encoding::message::encode_repeated(1, &self.inputs, buf);
        if let Some(platform) = &self.platform {
            encoding::message::encode(10, platform, buf);
        }
        if let Some(constraints) = &self.constraints {
            encoding::message::encode(11, constraints, buf);
        }
        if let Some(op) = &self.op {
            op.encode(buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            1 => encoding::message::merge_repeated(wire_type, &mut self.inputs, buf, ctx),
            t if ONEOF_TAGS.contains(&t) => op::Op::merge(&mut self.op, tag, wire_type, buf, ctx),
            10 => encoding::message::merge(
                wire_type,
                self.platform.get_or_insert_with(Platform::default),
                buf,
                ctx,
            ),
            11 => encoding::message::merge(
                wire_type,
                self.constraints
                    .get_or_insert_with(WorkerConstraints::default),
                buf,
                ctx,
            ),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        encoding::message::encoded_len_repeated(1, &self.inputs)
            + self
                .platform
                .as_ref()
                .map_or(0, |p| encoding::message::encoded_len(10, p))
            + self
                .constraints
                .as_ref()
                .map_or(0, |c| encoding::message::encoded_len(11, c))
            + self.op.as_ref().map_or(0, op::Op::encoded_len)
    }

    fn clear(&mut self) {
        *self = Op::default();
    }
}
