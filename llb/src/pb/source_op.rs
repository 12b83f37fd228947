//! [`SourceOp`]: identifier plus attrs, with Go's map encoding.

use std::collections::BTreeMap;

use prost::Message;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};

use super::maps;

/// A source such as an image, a local directory, a git repository or an
/// HTTP file (`pb.SourceOp`). Build it with a struct literal:
/// `SourceOp { identifier: "local://context".into(), attrs }`.
#[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
pub struct SourceOp {
    /// `docker-image://…`, `local://…`, `git://…`, `https://…` (field 1).
    pub identifier: String,
    /// Scheme-specific attributes (field 2); an empty value is still written.
    pub attrs: BTreeMap<String, String>,
}

impl Message for SourceOp {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if !self.identifier.is_empty() {
            encoding::string::encode(1, &self.identifier, buf);
        }
        maps::encode(2, &self.attrs, buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            1 => encoding::string::merge(wire_type, &mut self.identifier, buf, ctx),
            2 => maps::merge_strings(wire_type, &mut self.attrs, buf, ctx),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        (if self.identifier.is_empty() {
            0
        } else {
            encoding::string::encoded_len(1, &self.identifier)
        }) + maps::encoded_len(2, &self.attrs)
    }

    fn clear(&mut self) {
        *self = SourceOp::default();
    }
}
