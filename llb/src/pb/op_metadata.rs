//! [`OpMetadata`]: per-vertex metadata, with Go's map encoding.

use std::collections::BTreeMap;

use prost::Message;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};

use super::{ExportCache, LinuxResources, ProgressGroup, maps};

/// Metadata of one vertex, keyed by op digest in [`Definition::metadata`]
/// (`pb.OpMetadata`). Not part of any digest.
///
/// [`Definition::metadata`]: super::Definition::metadata
#[derive(Clone, PartialEq, Eq, Hash, Default, Debug)]
pub struct OpMetadata {
    /// Always re-run this op (field 1).
    pub ignore_cache: bool,
    /// Free-form text, e.g. `llb.customname` (field 2).
    pub description: BTreeMap<String, String>,
    /// Cache export switch (field 4).
    pub export_cache: Option<ExportCache>,
    /// LLB capabilities the op needs, e.g. `source.local` (field 5).
    pub caps: BTreeMap<String, bool>,
    /// Progress grouping (field 6).
    pub progress_group: Option<ProgressGroup>,
    /// cgroup limits (field 7).
    pub linux_resources: Option<LinuxResources>,
}

impl Message for OpMetadata {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        if self.ignore_cache {
            encoding::bool::encode(1, &self.ignore_cache, buf);
        }
        maps::encode(2, &self.description, buf);
        if let Some(v) = &self.export_cache {
            encoding::message::encode(4, v, buf);
        }
        maps::encode(5, &self.caps, buf);
        if let Some(v) = &self.progress_group {
            encoding::message::encode(6, v, buf);
        }
        if let Some(v) = &self.linux_resources {
            encoding::message::encode(7, v, buf);
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
            1 => encoding::bool::merge(wire_type, &mut self.ignore_cache, buf, ctx),
            2 => maps::merge_strings(wire_type, &mut self.description, buf, ctx),
            4 => encoding::message::merge(
                wire_type,
                self.export_cache.get_or_insert_with(ExportCache::default),
                buf,
                ctx,
            ),
            5 => maps::merge_bools(wire_type, &mut self.caps, buf, ctx),
            6 => encoding::message::merge(
                wire_type,
                self.progress_group
                    .get_or_insert_with(ProgressGroup::default),
                buf,
                ctx,
            ),
            7 => encoding::message::merge(
                wire_type,
                self.linux_resources
                    .get_or_insert_with(LinuxResources::default),
                buf,
                ctx,
            ),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        (if self.ignore_cache {
            encoding::bool::encoded_len(1, &self.ignore_cache)
        } else {
            0
        }) + maps::encoded_len(2, &self.description)
            + self
                .export_cache
                .as_ref()
                .map_or(0, |v| encoding::message::encoded_len(4, v))
            + maps::encoded_len(5, &self.caps)
            + self
                .progress_group
                .as_ref()
                .map_or(0, |v| encoding::message::encoded_len(6, v))
            + self
                .linux_resources
                .as_ref()
                .map_or(0, |v| encoding::message::encoded_len(7, v))
    }

    fn clear(&mut self) {
        *self = OpMetadata::default();
    }
}
