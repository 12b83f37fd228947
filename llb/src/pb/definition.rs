//! [`Definition`] and its source map [`Source`], with Go's map encoding.
//!
//! Upstream marshals a Definition with vtproto, whose map order is Go's
//! random map order; these types always write maps sorted by key (what
//! protobuf-go's deterministic mode writes), so a Definition from Go
//! re-encodes byte-identically whenever its maps happened to be in order.

use std::collections::BTreeMap;

use prost::Message;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};

use super::{Locations, OpMetadata, SourceInfo, maps};

/// A whole LLB graph (`pb.Definition`): serialized ops, post-order, the last
/// one an output-only op; plus metadata and source maps keyed by op digest.
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Definition {
    /// Serialized [`Op`](super::Op)s (field 1).
    pub def: Vec<Vec<u8>>,
    /// Per-op metadata keyed by `sha256:…` op digest (field 2).
    pub metadata: BTreeMap<String, OpMetadata>,
    /// Source maps (field 3).
    pub source: Option<Source>,
}

impl Message for Definition {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        encoding::bytes::encode_repeated(1, &self.def, buf);
        maps::encode_msg(2, &self.metadata, buf);
        if let Some(source) = &self.source {
            encoding::message::encode(3, source, buf);
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
            1 => encoding::bytes::merge_repeated(wire_type, &mut self.def, buf, ctx),
            2 => maps::merge_msgs(wire_type, &mut self.metadata, buf, ctx),
            3 => encoding::message::merge(
                wire_type,
                self.source.get_or_insert_with(Source::default),
                buf,
                ctx,
            ),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        encoding::bytes::encoded_len_repeated(1, &self.def)
            + maps::encoded_len_msg(2, &self.metadata)
            + self
                .source
                .as_ref()
                .map_or(0, |s| encoding::message::encoded_len(3, s))
    }

    fn clear(&mut self) {
        *self = Definition::default();
    }
}

/// Source maps of a Definition (`pb.Source`).
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Source {
    /// Locations keyed by op digest (field 1).
    pub locations: BTreeMap<String, Locations>,
    /// Source files the locations index into (field 2).
    pub infos: Vec<SourceInfo>,
}

impl Message for Source {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        maps::encode_msg(1, &self.locations, buf);
        encoding::message::encode_repeated(2, &self.infos, buf);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            1 => maps::merge_msgs(wire_type, &mut self.locations, buf, ctx),
            2 => encoding::message::merge_repeated(wire_type, &mut self.infos, buf, ctx),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        maps::encoded_len_msg(1, &self.locations)
            + encoding::message::encoded_len_repeated(2, &self.infos)
    }

    fn clear(&mut self) {
        *self = Source::default();
    }
}
