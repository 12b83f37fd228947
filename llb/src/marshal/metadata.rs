//! [`MergedMeta`]: the `pb.OpMetadata` of one digest as Go's `mergeMetadata` builds it from
//! every contribution (the marshal options', then each op's and its payload's caps), held as
//! borrowed sorted lists. It becomes a `pb::OpMetadata` or is written straight to protobuf
//! bytes: the bytes `pb::OpMetadata` encodes to (maps the Go way, see `pb::maps`).

use std::borrow::Cow;

use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint};

use super::wire::{delimited_len, put_message, put_str};
use crate::pb;
use crate::state::constraints::OpMeta;

/// Merged metadata borrowing its strings from the contributions.
#[derive(Default)]
pub(crate) struct MergedMeta<'a> {
    ignore_cache: bool,
    /// Sorted by key, one entry per key.
    description: Vec<(&'a str, &'a str)>,
    export_cache: Option<pb::ExportCache>,
    /// Sorted, without duplicates (every value is `true`).
    caps: Vec<&'a str>,
    progress_group: Option<&'a pb::ProgressGroup>,
    linux_resources: Option<&'a pb::LinuxResources>,
}

impl<'a> MergedMeta<'a> {
    /// Go's `mergeMetadata`: gains what `from` sets (a later description value or group wins).
    pub(crate) fn merge(&mut self, from: &'a OpMeta) {
        self.ignore_cache |= from.ignore_cache;
        for (k, v) in &from.description {
            match self
                .description
                .binary_search_by(|(have, _)| (*have).cmp(k))
            {
                Ok(i) => self.description[i].1 = v,
                Err(i) => self.description.insert(i, (k, v)),
            }
        }
        if from.export_cache.is_some() {
            self.export_cache = from.export_cache;
        }
        for cap in &from.caps {
            self.add_cap(cap);
        }
        if let Some(g) = &from.progress_group {
            self.progress_group = Some(g);
        }
        if let Some(r) = &from.linux_resources {
            self.linux_resources = Some(r);
        }
    }

    /// Empties the metadata, keeping the lists' capacity.
    pub(crate) fn clear(&mut self) {
        self.ignore_cache = false;
        self.description.clear();
        self.export_cache = None;
        self.caps.clear();
        self.progress_group = None;
        self.linux_resources = None;
    }

    /// Adds cap `id` (value `true`).
    pub(crate) fn add_cap(&mut self, id: &'a str) {
        if let Err(i) = self.caps.binary_search(&id) {
            self.caps.insert(i, id);
        }
    }

    /// The same metadata, owned.
    pub(crate) fn to_op_meta(&self) -> OpMeta {
        OpMeta {
            ignore_cache: self.ignore_cache,
            description: self
                .description
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            export_cache: self.export_cache,
            caps: self
                .caps
                .iter()
                .map(|c| Cow::Owned((*c).to_string()))
                .collect(),
            progress_group: self.progress_group.cloned(),
            linux_resources: self.linux_resources.cloned(),
        }
    }

    /// The length of the encoded message.
    pub(crate) fn encoded_len(&self) -> usize {
        let mut n = usize::from(self.ignore_cache) * 2;
        for (k, v) in &self.description {
            n += delimited_len(2, str_len(1, k) + str_len(2, v));
        }
        if let Some(e) = &self.export_cache {
            n += delimited_len(4, e.encoded_len());
        }
        for c in &self.caps {
            n += delimited_len(5, str_len(1, c) + 2);
        }
        if let Some(g) = self.progress_group {
            n += delimited_len(6, g.encoded_len());
        }
        if let Some(r) = self.linux_resources {
            n += delimited_len(7, r.encoded_len());
        }
        n
    }

    /// Appends the message (without a length prefix) to `buf`: fields in number order, map
    /// entries in key order with both key and value written, as `pb::OpMetadata` encodes.
    pub(crate) fn encode(&self, buf: &mut Vec<u8>) {
        if self.ignore_cache {
            encode_key(1, WireType::Varint, buf);
            encode_varint(1, buf);
        }
        for (k, v) in &self.description {
            encode_key(2, WireType::LengthDelimited, buf);
            encode_varint((str_len(1, k) + str_len(2, v)) as u64, buf);
            put_str(buf, 1, k);
            put_str(buf, 2, v);
        }
        if let Some(e) = &self.export_cache {
            put_message(buf, 4, e);
        }
        for c in &self.caps {
            encode_key(5, WireType::LengthDelimited, buf);
            encode_varint((str_len(1, c) + 2) as u64, buf);
            put_str(buf, 1, c);
            encode_key(2, WireType::Varint, buf);
            encode_varint(1, buf);
        }
        if let Some(g) = self.progress_group {
            put_message(buf, 6, g);
        }
        if let Some(r) = self.linux_resources {
            put_message(buf, 7, r);
        }
    }
}

/// String field `tag` holding `s`, written even when empty.
fn str_len(tag: u32, s: &str) -> usize {
    delimited_len(tag, s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(desc: &[(&str, &str)], caps: &[&'static str]) -> OpMeta {
        OpMeta {
            description: desc
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            caps: caps.iter().map(|c| Cow::Borrowed(*c)).collect(),
            ..OpMeta::default()
        }
    }

    fn bytes(m: &MergedMeta<'_>) -> Vec<u8> {
        let mut buf = Vec::new();
        m.encode(&mut buf);
        assert_eq!(buf.len(), m.encoded_len());
        buf
    }

    #[test]
    fn later_values_win_and_lists_stay_sorted() {
        let a = meta(&[("b", "1"), ("d", "x")], &["z.cap"]);
        let b = meta(&[("a", "2"), ("b", "3")], &["a.cap", "z.cap"]);
        let mut m = MergedMeta::default();
        m.merge(&a);
        m.merge(&b);
        let pb = m.to_op_meta().into_pb();
        let desc: Vec<(&str, &str)> = pb
            .description
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(desc, [("a", "2"), ("b", "3"), ("d", "x")]);
        assert_eq!(pb.caps.keys().collect::<Vec<_>>(), ["a.cap", "z.cap"]);
        // The owned copy merges back to the same metadata.
        let owned = m.to_op_meta();
        let mut again = MergedMeta::default();
        again.merge(&owned);
        assert_eq!(again.to_op_meta().into_pb(), pb);
    }

    #[test]
    fn bytes_are_pb_op_metadatas_for_every_field_and_empty_strings() {
        let full = OpMeta {
            ignore_cache: true,
            description: vec![
                (String::new(), "empty key".into()),
                ("k".into(), String::new()),
                ("llb.customname".into(), "[stage 1/2] RUN x".into()),
            ],
            export_cache: Some(pb::ExportCache { value: false }),
            caps: vec![
                Cow::Borrowed("exec.mount.bind"),
                Cow::Owned("source.image".into()),
            ],
            progress_group: Some(pb::ProgressGroup {
                id: "g".into(),
                name: "n".into(),
                weak: true,
            }),
            linux_resources: Some(pb::LinuxResources::default()),
        };
        for m in [OpMeta::default(), meta(&[("a", "b")], &[]), full] {
            let mut merged = MergedMeta::default();
            merged.merge(&m);
            assert_eq!(
                bytes(&merged),
                merged.to_op_meta().into_pb().encode_to_vec()
            );
        }
    }
}
