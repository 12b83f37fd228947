//! A reader of protobuf wire data borrowing from it, for the views of
//! the dump's fast path ([`MetadataView`](super::metadata_view::MetadataView),
//! [`OpView`](super::op_view::OpView) and the payload views). It reads
//! only wire types 0 and 2; anything else is [`Unusual`], left to prost.
//! Varints read as prost reads them: at most 10 bytes, the tenth 0 or 1.

/// Something this reader leaves to prost.
pub(super) struct Unusual;

/// A field's value: wire types 0 and 2, the only ones read here.
pub(super) enum Value<'a> {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 2.
    Bytes(&'a [u8]),
}

/// A `string` value.
pub(super) fn text(value: Value<'_>) -> Result<&str, Unusual> {
    match value {
        Value::Bytes(b) => std::str::from_utf8(b).map_err(|_| Unusual),
        Value::Varint(_) => Err(Unusual),
    }
}

/// A `bytes` value.
pub(super) fn data(value: Value<'_>) -> Result<&[u8], Unusual> {
    match value {
        Value::Bytes(b) => Ok(b),
        Value::Varint(_) => Err(Unusual),
    }
}

/// An `int64` value (two's complement in 64 bits on the wire).
pub(super) fn int64(value: Value<'_>) -> Result<i64, Unusual> {
    match value {
        Value::Varint(v) => Ok(i64::from_ne_bytes(v.to_ne_bytes())),
        Value::Bytes(_) => Err(Unusual),
    }
}

/// An `int32` or enum value: the low 32 bits of the varint, as prost
/// (and Go) truncate it.
pub(super) fn int32(value: Value<'_>) -> Result<i32, Unusual> {
    int64(value).map(low_i32)
}

/// A `uint32` value: the low 32 bits of the varint.
pub(super) fn uint32(value: Value<'_>) -> Result<u32, Unusual> {
    int32(value).map(|v| u32::from_ne_bytes(v.to_ne_bytes()))
}

/// The low 32 bits of `v`.
fn low_i32(v: i64) -> i32 {
    let [a, b, c, d, ..] = v.to_le_bytes();
    i32::from_le_bytes([a, b, c, d])
}

/// A `repeated int32` field's value, packed (wire type 2) or not: its
/// numbers are appended to `out`.
pub(super) fn int32s(value: Value<'_>, out: &mut Vec<i32>) -> Result<(), Unusual> {
    match value {
        Value::Varint(_) => out.push(int32(value)?),
        Value::Bytes(mut packed) => {
            while !packed.is_empty() {
                let (v, rest) = varint(packed)?;
                out.push(low_i32(i64::from_ne_bytes(v.to_ne_bytes())));
                packed = rest;
            }
        }
    }
    Ok(())
}

/// A message read from the field `value` into a fresh default.
pub(super) fn read_new<'a, T: Default>(
    value: Value<'a>,
    merge: impl FnOnce(&mut T, &'a [u8]) -> Result<(), Unusual>,
) -> Result<T, Unusual> {
    let mut message = T::default();
    merge(&mut message, data(value)?)?;
    Ok(message)
}

/// Merges the message in the field `value` into `slot`, set to the default
/// first if it was not set.
pub(super) fn merge_into<'a, T: Default>(
    slot: &mut Option<T>,
    value: Value<'a>,
    merge: impl FnOnce(&mut T, &'a [u8]) -> Result<(), Unusual>,
) -> Result<(), Unusual> {
    merge(slot.get_or_insert_with(T::default), data(value)?)
}

/// A `bool` value.
pub(super) fn flag(value: Value<'_>) -> Result<bool, Unusual> {
    match value {
        Value::Varint(v) => Ok(v != 0),
        Value::Bytes(_) => Err(Unusual),
    }
}

/// The fields of a message, in wire order.
pub(super) struct Fields<'a>(pub(super) &'a [u8]);

impl<'a> Fields<'a> {
    /// The next field's number and value; `None` at the end.
    #[inline(always)]
    pub(super) fn next(&mut self) -> Result<Option<(u32, Value<'a>)>, Unusual> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let tag = u32::try_from(key >> 3).map_err(|_| Unusual)?;
        if tag == 0 {
            return Err(Unusual);
        }
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| Unusual)?;
                if len > self.0.len() {
                    return Err(Unusual);
                }
                let (bytes, rest) = self.0.split_at(len);
                self.0 = rest;
                Value::Bytes(bytes)
            }
            _ => return Err(Unusual),
        };
        Ok(Some((tag, value)))
    }

    /// The next varint.
    #[inline(always)]
    fn varint(&mut self) -> Result<u64, Unusual> {
        let (value, rest) = varint(self.0)?;
        self.0 = rest;
        Ok(value)
    }
}

/// The varint `bytes` start with, and the bytes after it. At most 10
/// bytes, the tenth 0 or 1 (more would overflow 64 bits: prost rejects it).
/// Inlined for the one-byte case (most keys and lengths), the rest out of
/// line.
#[inline(always)]
fn varint(bytes: &[u8]) -> Result<(u64, &[u8]), Unusual> {
    match bytes.split_first() {
        Some((&b, rest)) if b < 0x80 => Ok((u64::from(b), rest)),
        _ => long_varint(bytes),
    }
}

/// [`varint`] of more than one byte (or none).
#[inline(never)]
fn long_varint(bytes: &[u8]) -> Result<(u64, &[u8]), Unusual> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        if i == 9 && b > 1 {
            return Err(Unusual);
        }
        value |= u64::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Ok((value, &bytes[i + 1..]));
        }
    }
    Err(Unusual)
}
