//! A reader of protobuf wire data borrowing from it, for the views of
//! the dump's fast path ([`MetadataView`](super::metadata_view::MetadataView),
//! [`OpView`](super::op_view::OpView)). It reads only wire types 0 and 2
//! and varints of at most 9 bytes; anything else is [`Unusual`], left to
//! prost.

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
    #[inline]
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

    /// A varint of at most 9 bytes (longer ones are left to prost).
    #[inline]
    fn varint(&mut self) -> Result<u64, Unusual> {
        let mut value = 0u64;
        for (i, &b) in self.0.iter().enumerate().take(9) {
            value |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                self.0 = &self.0[i + 1..];
                return Ok(value);
            }
        }
        Err(Unusual)
    }
}
