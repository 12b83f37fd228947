//! Map fields written the way Go's deterministic marshal writes them: one
//! length-delimited entry per key in key order, each entry holding field 1
//! (key) and field 2 (value) even when either is empty. (prost's own map
//! encoder leaves out empty keys and values, which changes the bytes.)
//!
//! Decoding is prost's: absent key or value decode as their defaults.

use std::collections::BTreeMap;

use prost::bytes::{Buf, BufMut};
use prost::encoding::{
    self, DecodeContext, WireType, encode_key, encode_varint, encoded_len_varint, key_len,
};
use prost::{DecodeError, Message};

/// How one kind of map value is written.
pub(crate) trait MapValue: Default {
    /// Encoded length of field `tag` holding `self`, including its key.
    fn field_len(&self, tag: u32) -> usize;
    /// Writes field `tag` holding `self`, even when `self` is the default.
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut);
}

impl MapValue for String {
    fn field_len(&self, tag: u32) -> usize {
        encoding::string::encoded_len(tag, self)
    }
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        encoding::string::encode(tag, self, buf);
    }
}

impl MapValue for bool {
    fn field_len(&self, tag: u32) -> usize {
        encoding::bool::encoded_len(tag, self)
    }
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        encoding::bool::encode(tag, self, buf);
    }
}

/// Map values that are messages (always written, `tag 00` when empty).
pub(crate) trait MessageValue: Message + Default {}

impl<M: Message + Default> MessageValue for M {}

/// Body length of one entry: key field plus value field.
fn entry_len(key: &String, value_len: usize) -> usize {
    encoding::string::encoded_len(1, key) + value_len
}

/// Encoded length of map field `tag` with scalar values.
pub(crate) fn encoded_len<V: MapValue>(tag: u32, map: &BTreeMap<String, V>) -> usize {
    map.iter()
        .map(|(k, v)| {
            let len = entry_len(k, v.field_len(2));
            key_len(tag) + encoded_len_varint(len as u64) + len
        })
        .sum()
}

/// Writes map field `tag` with scalar values.
pub(crate) fn encode<V: MapValue>(tag: u32, map: &BTreeMap<String, V>, buf: &mut impl BufMut) {
    for (k, v) in map {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(entry_len(k, v.field_len(2)) as u64, buf);
        encoding::string::encode(1, k, buf);
        v.encode_field(2, buf);
    }
}

/// Encoded length of map field `tag` with message values.
pub(crate) fn encoded_len_msg<M: MessageValue>(tag: u32, map: &BTreeMap<String, M>) -> usize {
    map.iter()
        .map(|(k, v)| {
            let len = entry_len(k, encoding::message::encoded_len(2, v));
            key_len(tag) + encoded_len_varint(len as u64) + len
        })
        .sum()
}

/// Writes map field `tag` with message values.
pub(crate) fn encode_msg<M: MessageValue>(
    tag: u32,
    map: &BTreeMap<String, M>,
    buf: &mut impl BufMut,
) {
    for (k, v) in map {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(
            entry_len(k, encoding::message::encoded_len(2, v)) as u64,
            buf,
        );
        encoding::string::encode(1, k, buf);
        encoding::message::encode(2, v, buf);
    }
}

/// Merges one `map<string, string>` entry.
pub(crate) fn merge_strings(
    wire_type: WireType,
    map: &mut BTreeMap<String, String>,
    buf: &mut impl Buf,
    ctx: DecodeContext,
) -> Result<(), DecodeError> {
    encoding::check_wire_type(WireType::LengthDelimited, wire_type)?;
    encoding::btree_map::merge(
        encoding::string::merge,
        encoding::string::merge,
        map,
        buf,
        ctx,
    )
}

/// Merges one `map<string, bool>` entry.
pub(crate) fn merge_bools(
    wire_type: WireType,
    map: &mut BTreeMap<String, bool>,
    buf: &mut impl Buf,
    ctx: DecodeContext,
) -> Result<(), DecodeError> {
    encoding::check_wire_type(WireType::LengthDelimited, wire_type)?;
    encoding::btree_map::merge(
        encoding::string::merge,
        encoding::bool::merge,
        map,
        buf,
        ctx,
    )
}

/// Merges one `map<string, Message>` entry.
pub(crate) fn merge_msgs<M: MessageValue>(
    wire_type: WireType,
    map: &mut BTreeMap<String, M>,
    buf: &mut impl Buf,
    ctx: DecodeContext,
) -> Result<(), DecodeError> {
    encoding::check_wire_type(WireType::LengthDelimited, wire_type)?;
    encoding::btree_map::merge(
        encoding::string::merge,
        encoding::message::merge,
        map,
        buf,
        ctx,
    )
}
