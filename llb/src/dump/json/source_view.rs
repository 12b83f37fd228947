//! [`SourceView`]: a `SourceOp` read in place, its strings borrowed from the
//! op's bytes, for the dump's fast path.
//!
//! Read as prost reads it: the last `identifier` wins, `attrs` entries
//! lacking their key or value have the default, and of entries with the
//! same key the last one counts. An unknown field (in the op or in an
//! entry), a wrong wire type or invalid UTF-8 makes [`SourceView::read`]
//! fail, and the payload is decoded by prost. [`SourceView::write`] writes
//! what [`source_op`](super::source::source_op) writes.

use super::metadata_view::{map_entry, sort_last_wins};
use super::wire::{Fields, Unusual, data, text};
use super::writer::{Obj, write_str};

/// `pb.SourceOp`, borrowed. Reused from op to op, keeping its room.
#[derive(Default)]
pub(super) struct SourceView<'a> {
    identifier: &'a str,
    /// Sorted by key, one entry per key.
    attrs: Vec<(&'a str, &'a str)>,
}

impl<'a> SourceView<'a> {
    /// Reads the `SourceOp` in `bytes`, forgetting what was read before.
    pub(super) fn read(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        self.identifier = "";
        self.attrs.clear();
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match tag {
                1 => self.identifier = text(value)?,
                2 => self.attrs.push(map_entry(data(value)?, text)?),
                _ => return Err(Unusual),
            }
        }
        sort_last_wins(&mut self.attrs);
        Ok(())
    }

    /// Writes the JSON of the `SourceOp`.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.str("identifier", self.identifier);
        obj.entries(
            "attrs",
            self.attrs.iter().map(|(k, v)| (*k, v)),
            |out, v| write_str(out, v),
        );
        obj.close();
    }
}
