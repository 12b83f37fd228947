//! [`MetadataView`]: the `OpMetadata` of Dockerfile builds read in place,
//! without allocating, for the dump's fast path.
//!
//! Only the fields Dockerfile builds set are read (`ignore_cache`,
//! `description`, `caps`, `progress_group`), written the usual way. Any
//! other field or unusual encoding (another wire type, an unknown field in
//! a map entry, an invalid varint, invalid UTF-8) makes
//! [`MetadataView::read`] return `None`, and the caller decodes with prost,
//! which prints the message in full or reports the error. So this reading
//! only has to agree with prost on what it accepts: the last value of a
//! field wins, a map entry lacking its key or value has the default, of
//! entries with the same key the last one counts, and a repeated
//! `progress_group` is merged field by field.

use super::metadata::progress_group;
use super::wire::{Fields, Unusual, Value, flag, text};
use super::writer::{Obj, write_bool, write_str};

/// The fields of an `OpMetadata` that Dockerfile builds set, borrowed from
/// its bytes.
#[derive(Default)]
pub(super) struct MetadataView<'a> {
    ignore_cache: bool,
    /// Sorted by key, one entry per key.
    description: Vec<(&'a str, &'a str)>,
    /// Sorted by key, one entry per key.
    caps: Vec<(&'a str, bool)>,
    progress_group: Option<ProgressGroupView<'a>>,
}

/// `pb.ProgressGroup`, borrowed.
#[derive(Default)]
struct ProgressGroupView<'a> {
    id: &'a str,
    name: &'a str,
    weak: bool,
}

impl<'a> MetadataView<'a> {
    /// Reads `bytes`; `None` when they hold anything prost should decode.
    #[cfg(test)]
    pub(super) fn read(bytes: &'a [u8]) -> Option<MetadataView<'a>> {
        let mut view = MetadataView::default();
        view.reread(bytes).then_some(view)
    }

    /// Reads `bytes` in place of what was read before, keeping the maps'
    /// room; `false` when they hold anything prost should decode.
    pub(super) fn reread(&mut self, bytes: &'a [u8]) -> bool {
        self.ignore_cache = false;
        self.description.clear();
        self.caps.clear();
        self.progress_group = None;
        self.try_read(bytes).is_ok()
    }

    fn try_read(&mut self, bytes: &'a [u8]) -> Result<(), Unusual> {
        let view = self;
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            match (tag, value) {
                (1, Value::Varint(v)) => view.ignore_cache = v != 0,
                (2, Value::Bytes(entry)) => view.description.push(map_entry(entry, text)?),
                (5, Value::Bytes(entry)) => view.caps.push(map_entry(entry, flag)?),
                (6, Value::Bytes(group)) => {
                    let merged = view.progress_group.get_or_insert_with(Default::default);
                    let mut fields = Fields(group);
                    while let Some((tag, value)) = fields.next()? {
                        match tag {
                            1 => merged.id = text(value)?,
                            2 => merged.name = text(value)?,
                            3 => merged.weak = flag(value)?,
                            _ => return Err(Unusual),
                        }
                    }
                }
                _ => return Err(Unusual),
            }
        }
        sort_last_wins(&mut view.description);
        sort_last_wins(&mut view.caps);
        Ok(())
    }

    /// Writes the JSON of the `OpMetadata`, as
    /// [`op_metadata`](super::metadata::op_metadata) does.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        let mut obj = Obj::open(out);
        obj.bool("ignore_cache", self.ignore_cache);
        obj.entries(
            "description",
            self.description.iter().map(|(k, v)| (*k, v)),
            |out, v| write_str(out, v),
        );
        obj.entries("caps", self.caps.iter().map(|(k, v)| (*k, v)), |out, v| {
            write_bool(out, *v)
        });
        obj.msg("progress_group", self.progress_group.as_ref(), |out, p| {
            progress_group(out, p.id, p.name, p.weak)
        });
        obj.close();
    }
}

/// One map entry: key (field 1, a string) and value (field 2).
pub(super) fn map_entry<'a, V: Default>(
    bytes: &'a [u8],
    value: impl Fn(Value<'a>) -> Result<V, Unusual>,
) -> Result<(&'a str, V), Unusual> {
    let (mut k, mut v) = ("", V::default());
    let mut fields = Fields(bytes);
    while let Some((tag, field)) = fields.next()? {
        match tag {
            1 => k = text(field)?,
            2 => v = value(field)?,
            _ => return Err(Unusual),
        }
    }
    Ok((k, v))
}

/// Sorts map entries by key, keeping only the last of equal keys (as
/// inserting them into a map in order does).
pub(super) fn sort_last_wins<V>(entries: &mut Vec<(&str, V)>) {
    if entries.is_sorted_by(|a, b| a.0 < b.0) {
        return;
    }
    entries.reverse();
    // Stable: of equal keys, the last inserted now comes first and is kept.
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries.dedup_by(|later, kept| later.0 == kept.0);
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::dump::json::view_oracle::field;
    use crate::pb;

    /// The JSON prost's decoding gives, and this module's, if it reads the bytes.
    fn both(bytes: &[u8]) -> (Option<String>, Option<String>) {
        let json = |write: &dyn Fn(&mut Vec<u8>)| {
            let mut out = Vec::new();
            write(&mut out);
            String::from_utf8(out).unwrap_or_default()
        };
        let prost = pb::OpMetadata::decode(bytes)
            .ok()
            .map(|m| json(&|out| super::super::metadata::op_metadata(out, &m)));
        let view = MetadataView::read(bytes).map(|v| json(&|out| v.write(out)));
        (prost, view)
    }

    fn entry(key: &str, value: &[u8]) -> Vec<u8> {
        let mut body = field(1, key.as_bytes());
        body.extend_from_slice(value);
        body
    }

    #[test]
    fn reads_what_prost_reads() {
        let mut full = pb::OpMetadata {
            ignore_cache: true,
            ..Default::default()
        };
        full.description.insert("b".into(), "<x>".into());
        full.description.insert("a".into(), String::new());
        full.caps.insert("z".into(), true);
        full.caps.insert("y".into(), false);
        full.progress_group = Some(pb::ProgressGroup {
            id: "id".into(),
            name: "n".into(),
            weak: true,
        });
        let mut cases = vec![Vec::new(), full.encode_to_vec()];
        // Out of order and repeated keys, the last one counting.
        let mut unsorted = Vec::new();
        for (k, v) in [("b", "1"), ("a", "2"), ("b", "3"), ("c", "4"), ("a", "5")] {
            unsorted.extend(field(2, &entry(k, &field(2, v.as_bytes()))));
        }
        unsorted.extend(field(5, &entry("k", &[2 << 3, 1])));
        unsorted.extend(field(5, &entry("k", &[2 << 3, 0])));
        cases.push(unsorted);
        // Entries without key or value; a value before its key; a repeated value.
        cases.push(field(2, &[]));
        cases.push(field(5, &[2 << 3, 1, 1 << 3 | 2, 1, b'k']));
        cases.push(field(2, &[2 << 3 | 2, 1, b'x', 2 << 3 | 2, 1, b'y']));
        // Repeated fields: last scalar wins, progress groups merge.
        cases.push(vec![1 << 3, 1, 1 << 3, 0]);
        let mut groups = field(6, &field(1, b"first"));
        groups.extend(field(6, &[3 << 3, 1]));
        groups.extend(field(6, &[]));
        cases.push(groups);
        // Overlong but valid varints, the longest of 10 bytes.
        cases.push(vec![1 << 3, 0x81, 0x00]);
        cases.push(vec![
            1 << 3,
            0x80,
            0x80,
            0x80,
            0x80,
            0x80,
            0x80,
            0x80,
            0x80,
            0x80,
            0x01,
        ]);
        for bytes in cases {
            let (prost, view) = both(&bytes);
            assert!(prost.is_some() && view.is_some(), "{bytes:?}");
            assert_eq!(view, prost, "{bytes:?}");
        }
    }

    #[test]
    fn leaves_anything_else_to_prost() {
        let cases = [
            // Other fields, valid or not.
            field(4, &[1 << 3, 1]),
            field(7, &[1 << 3, 1]),
            field(9, b"unknown"),
            vec![1 << 3 | 1, 0, 0, 0, 0, 0, 0, 0, 0],
            // A wrong wire type, an unknown field in an entry, bad UTF-8.
            field(1, b""),
            field(2, &[3 << 3, 1]),
            field(2, &entry("k", &field(2, b"\xff"))),
            // Truncated data, tag 0, a varint overflowing 64 bits.
            vec![2 << 3 | 2, 5, 1],
            vec![0, 1],
            vec![
                1 << 3,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x80,
                0x02,
            ],
        ];
        for bytes in cases {
            assert!(MetadataView::read(&bytes).is_none(), "{bytes:?}");
        }
    }
}
