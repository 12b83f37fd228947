//! [`BuildOp`]: nested build, with Go's map encoding.

use std::collections::BTreeMap;

use prost::Message;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};

use super::{BuildInput, Definition, maps};

/// Nested build invocation (`pb.BuildOp`, experimental upstream).
#[derive(Clone, PartialEq, Default, Debug)]
pub struct BuildOp {
    /// Input index of the builder, -1 for the LLB builder (field 1).
    pub builder: i64,
    /// Named inputs (field 2).
    pub inputs: BTreeMap<String, BuildInput>,
    /// Inline definition (field 3).
    pub def: Option<Definition>,
    /// Builder attributes (field 4).
    pub attrs: BTreeMap<String, String>,
}

impl Message for BuildOp {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if self.builder != 0 {
            encoding::int64::encode(1, &self.builder, buf);
        }
        maps::encode_msg(2, &self.inputs, buf);
        if let Some(def) = &self.def {
            encoding::message::encode(3, def, buf);
        }
        maps::encode(4, &self.attrs, buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            1 => encoding::int64::merge(wire_type, &mut self.builder, buf, ctx),
            2 => maps::merge_msgs(wire_type, &mut self.inputs, buf, ctx),
            3 => encoding::message::merge(
                wire_type,
                self.def.get_or_insert_with(Definition::default),
                buf,
                ctx,
            ),
            4 => maps::merge_strings(wire_type, &mut self.attrs, buf, ctx),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        (if self.builder == 0 {
            0
        } else {
            encoding::int64::encoded_len(1, &self.builder)
        }) + maps::encoded_len_msg(2, &self.inputs)
            + self
                .def
                .as_ref()
                .map_or(0, |d| encoding::message::encoded_len(3, d))
            + maps::encoded_len(4, &self.attrs)
    }

    fn clear(&mut self) {
        *self = BuildOp::default();
    }
}
