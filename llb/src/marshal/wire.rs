//! Protobuf fields written straight to bytes: ops encoded from States without building their
//! `pb` messages first, and the Definition around them (`put_*`: fields written even when
//! empty, as map entries and repeated elements are).
//!
//! Each writer produces exactly what prost's generated code (and Go's deterministic marshal)
//! writes for a proto3 field of that type: scalars and strings are left out when they hold
//! their zero value, repeated strings are written one by one (empty ones too), packed
//! integers as one length-delimited run, and a message field whenever it is present, even
//! empty. Fields must be written in field-number order, as the generated code does.

use prost::Message;
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, key_len};

/// String (or bytes) field `tag`, left out when empty.
pub(crate) fn string(buf: &mut Vec<u8>, tag: u32, s: &str) {
    bytes(buf, tag, s.as_bytes());
}

/// Bytes field `tag`, left out when empty.
pub(crate) fn bytes(buf: &mut Vec<u8>, tag: u32, b: &[u8]) {
    if !b.is_empty() {
        put_bytes(buf, tag, b);
    }
}

/// Repeated string field `tag`: every element, empty ones too.
pub(crate) fn strings<S: AsRef<str>>(buf: &mut Vec<u8>, tag: u32, items: &[S]) {
    for s in items {
        put_bytes(buf, tag, s.as_ref().as_bytes());
    }
}

/// Field `tag` holding `len` length-delimited bytes, key and length included.
pub(crate) fn delimited_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

/// Writes string field `tag`, even when empty (a map key or value, a repeated element).
pub(crate) fn put_str(buf: &mut Vec<u8>, tag: u32, s: &str) {
    put_bytes(buf, tag, s.as_bytes());
}

/// Writes length-delimited field `tag` holding `bytes`, even when empty (a repeated element,
/// a oneof member, an encoded message body).
pub(crate) fn put_bytes(buf: &mut Vec<u8>, tag: u32, bytes: &[u8]) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(bytes.len() as u64, buf);
    buf.extend_from_slice(bytes);
}

/// Writes message field `tag` as prost encodes `m` (always, even when the message is empty).
pub(crate) fn put_message(buf: &mut Vec<u8>, tag: u32, m: &impl Message) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(m.encoded_len() as u64, buf);
    // Writing to a Vec cannot run out of space.
    let _ = m.encode(buf);
}

/// `int64` field `tag`, left out when 0.
pub(crate) fn int64(buf: &mut Vec<u8>, tag: u32, v: i64) {
    if v != 0 {
        varint_always(buf, tag, v as u64);
    }
}

/// `int32` (or enum) field `tag`, left out when 0; negative values take ten bytes, sign
/// extended as protobuf requires.
pub(crate) fn int32(buf: &mut Vec<u8>, tag: u32, v: i32) {
    if v != 0 {
        varint_always(buf, tag, i64::from(v) as u64);
    }
}

/// `uint32` field `tag`, left out when 0.
pub(crate) fn uint32(buf: &mut Vec<u8>, tag: u32, v: u32) {
    if v != 0 {
        varint_always(buf, tag, u64::from(v));
    }
}

/// `bool` field `tag`, left out when false.
pub(crate) fn boolean(buf: &mut Vec<u8>, tag: u32, v: bool) {
    if v {
        varint_always(buf, tag, 1);
    }
}

/// A varint field `tag` holding `v`, written even when 0 (a oneof member).
pub(crate) fn varint_always(buf: &mut Vec<u8>, tag: u32, v: u64) {
    encode_key(tag, WireType::Varint, buf);
    encode_varint(v, buf);
}

/// Packed repeated `int32` field `tag`, left out when empty.
pub(crate) fn packed_int32(buf: &mut Vec<u8>, tag: u32, values: &[i32]) {
    if values.is_empty() {
        return;
    }
    let as_varint = |v: &i32| i64::from(*v) as u64;
    let len: usize = values
        .iter()
        .map(|v| encoded_len_varint(as_varint(v)))
        .sum();
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(len as u64, buf);
    for v in values {
        encode_varint(as_varint(v), buf);
    }
}

/// Message field `tag` (always written, even when empty) whose body `body` appends to the
/// buffer. The length goes in front afterwards: one byte is set aside for it, and the body is
/// moved up in the rare case its length needs more.
pub(crate) fn message<R>(buf: &mut Vec<u8>, tag: u32, body: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    encode_key(tag, WireType::LengthDelimited, buf);
    let at = buf.len();
    buf.push(0);
    let out = body(buf);
    let len = buf.len() - at - 1;
    let width = encoded_len_varint(len as u64);
    if width > 1 {
        let end = buf.len();
        buf.resize(end + width - 1, 0);
        buf.copy_within(at + 1..end, at + width);
    }
    let mut prefix = [0u8; 10];
    let mut slot = &mut prefix[..];
    encode_varint(len as u64, &mut slot);
    buf[at..at + width].copy_from_slice(&prefix[..width]);
    out
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::pb;

    fn with(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut buf = Vec::new();
        f(&mut buf);
        buf
    }

    #[test]
    fn scalars_match_prost_and_skip_zero_values() {
        for (input, index) in [(0, 0), (3, -1), (-1, 1 << 40), (i64::MIN, i64::MAX)] {
            let m = pb::Mount {
                input,
                output: index,
                readonly: index > 0,
                mount_type: (input & 3) as i32,
                ..Default::default()
            };
            let ours = with(|b| {
                int64(b, 1, input);
                int64(b, 4, index);
                boolean(b, 5, index > 0);
                int32(b, 6, (input & 3) as i32);
            });
            assert_eq!(ours, m.encode_to_vec(), "{input} {index}");
        }
        let s = pb::SecretOpt {
            id: String::new(),
            uid: u32::MAX,
            gid: 0,
            mode: 0o400,
            optional: false,
        };
        let ours = with(|b| {
            string(b, 1, "");
            uint32(b, 2, u32::MAX);
            uint32(b, 3, 0);
            uint32(b, 4, 0o400);
            boolean(b, 5, false);
        });
        assert_eq!(ours, s.encode_to_vec());
        assert_eq!(with(|b| int32(b, 4, -1)), {
            let c = pb::FileActionCopy {
                mode: -1,
                ..Default::default()
            };
            c.encode_to_vec()
        });
    }

    #[test]
    fn repeated_and_packed_fields_match_prost() {
        let m = pb::Meta {
            args: vec!["a".into(), String::new(), "c".into()],
            valid_exit_codes: vec![0, -1, 300, i32::MAX],
            ..Default::default()
        };
        let ours = with(|b| {
            strings(b, 1, &m.args);
            packed_int32(b, 12, &m.valid_exit_codes);
        });
        assert_eq!(ours, m.encode_to_vec());
        assert!(with(|b| packed_int32(b, 12, &[])).is_empty());
        assert!(with(|b| bytes(b, 3, b"")).is_empty());
    }

    #[test]
    fn messages_get_their_length_in_front_whatever_its_width() {
        for size in [0usize, 1, 125, 126, 127, 128, 300, 16_383, 16_384, 70_000] {
            let inner = pb::CacheOpt {
                id: "x".repeat(size),
                sharing: 1,
            };
            let outer = pb::Mount {
                dest: "/d".into(),
                cache_opt: Some(inner.clone()),
                ..Default::default()
            };
            let ours = with(|b| {
                string(b, 3, "/d");
                message(b, 20, |b| {
                    string(b, 1, &inner.id);
                    int32(b, 2, inner.sharing);
                });
            });
            assert_eq!(ours, outer.encode_to_vec(), "size {size}");
        }
    }

    #[test]
    fn a_message_returns_what_its_body_returns() {
        let mut buf = vec![9];
        let n = message(&mut buf, 1, |b| {
            b.extend_from_slice(b"xyz");
            7
        });
        assert_eq!((n, buf), (7, vec![9, 0x0a, 3, b'x', b'y', b'z']));
    }
}
