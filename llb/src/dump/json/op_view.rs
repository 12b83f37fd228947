//! [`OpView`]: the envelope of an op (inputs, platform, constraints) read
//! in place, for the dump's fast path; its payload is read into a
//! [`PayloadSlot`]: in place too for exec, source and file ops
//! ([`ExecView`], [`SourceView`], [`FileView`]), else (or when the view
//! finds anything unusual) decoded alone with prost.
//!
//! Ops as Dockerfile builds write them are read here: input digests and
//! platform strings are borrowed instead of copied into fresh strings. An
//! unusual op (a field other than those, platform `OSFeatures`, constraint
//! filters, two payloads, an invalid varint, invalid UTF-8, or a payload
//! prost fails on) makes [`OpView::read`] return `None`, and the caller
//! decodes the whole op with prost, which reports any error. Accepted ops
//! read as prost reads them: the last value of a field wins, a repeated
//! `platform` or `constraints` is merged field by field.

use prost::Message;

use super::exec_view::ExecView;
use super::file_view::FileView;
use super::source_view::SourceView;
use super::wire::{Fields, Unusual, Value, text};
use super::writer::Obj;
use super::{PlatformRef, op_json, payload_json};
use crate::pb::op::Op as Payload;

/// Where an op's payload is read, reused from op to op (the views keep
/// their lists' room, the decoded payload is not moved about).
#[derive(Default)]
pub(super) struct PayloadSlot<'a> {
    read: PayloadRead,
    exec: ExecView<'a>,
    source: SourceView<'a>,
    file: FileView<'a>,
    decoded: Option<Payload>,
    /// The inputs list of the last op, to reuse its room.
    spare_inputs: Vec<(&'a str, i64)>,
}

/// Which member of a [`PayloadSlot`] holds the payload.
#[derive(Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum PayloadRead {
    /// The op has no payload.
    #[default]
    None,
    /// In `exec`.
    Exec,
    /// In `source`.
    Source,
    /// In `file`.
    File,
    /// Decoded by prost, in `decoded`.
    Decoded,
}

impl<'a> PayloadSlot<'a> {
    /// Takes back the inputs list of `view`, to reuse its room for the
    /// next op.
    pub(super) fn recycle(&mut self, view: OpView<'a>) {
        self.spare_inputs = view.inputs;
    }

    /// How the last payload was read.
    #[cfg(test)]
    pub(super) fn read_as(&self) -> PayloadRead {
        self.read
    }

    /// Reads the payload in field `tag` (2 to 8) of an op: exec, source and
    /// file payloads in place if their view reads them, else with prost.
    fn read(&mut self, tag: u32, body: &'a [u8]) -> Result<(), Unusual> {
        let viewed = match tag {
            2 => self.exec.read(body).map(|()| PayloadRead::Exec),
            3 => self.source.read(body).map(|()| PayloadRead::Source),
            4 => self.file.read(body).map(|()| PayloadRead::File),
            _ => Err(Unusual),
        };
        self.read = match viewed {
            Ok(read) => read,
            Err(Unusual) => {
                decode_payload(tag, body, &mut self.decoded)?;
                PayloadRead::Decoded
            }
        };
        Ok(())
    }

    /// Writes the payload as a member of the op's `"Op"` object.
    fn write(&self, payload: &mut Obj<'_>) {
        match self.read {
            PayloadRead::None => {}
            PayloadRead::Exec => self.exec.write(payload.key("exec")),
            PayloadRead::Source => self.source.write(payload.key("source")),
            PayloadRead::File => self.file.write(payload.key("file")),
            PayloadRead::Decoded => payload_json(payload, self.decoded.as_ref()),
        }
    }
}

/// An op whose envelope borrows from its bytes.
pub(super) struct OpView<'a> {
    /// `(digest, output index)` of each input.
    pub(super) inputs: Vec<(&'a str, i64)>,
    platform: Option<PlatformRef<'a>>,
    /// Whether `constraints` is set (always without filters here).
    constraints: bool,
}

impl<'a> OpView<'a> {
    /// Reads `bytes`, the payload into `payload`; `None` when they hold
    /// anything prost should decode.
    pub(super) fn read(bytes: &'a [u8], payload: &mut PayloadSlot<'a>) -> Option<OpView<'a>> {
        payload.read = PayloadRead::None;
        Self::try_read(bytes, payload).ok()
    }

    fn try_read(bytes: &'a [u8], payload: &mut PayloadSlot<'a>) -> Result<OpView<'a>, Unusual> {
        let mut inputs = std::mem::take(&mut payload.spare_inputs);
        inputs.clear();
        let mut platform: Option<PlatformRef<'a>> = None;
        let mut constraints = false;
        let mut fields = Fields(bytes);
        while let Some((tag, value)) = fields.next()? {
            let Value::Bytes(body) = value else {
                return Err(Unusual);
            };
            match tag {
                1 => inputs.push(input(body)?),
                2..=8 if payload.read == PayloadRead::None => payload.read(tag, body)?,
                10 => {
                    let merged = platform.get_or_insert_with(PlatformRef::default);
                    let mut fields = Fields(body);
                    while let Some((tag, value)) = fields.next()? {
                        match tag {
                            1 => merged.architecture = text(value)?,
                            2 => merged.os = text(value)?,
                            3 => merged.variant = text(value)?,
                            4 => merged.os_version = text(value)?,
                            _ => return Err(Unusual),
                        }
                    }
                }
                11 if body.is_empty() => constraints = true,
                _ => return Err(Unusual),
            }
        }
        Ok(OpView {
            inputs,
            platform,
            constraints,
        })
    }

    /// Writes the op's JSON, as [`op`](super::op) does for the decoded op,
    /// with the payload [`OpView::read`] read.
    pub(super) fn write(&self, out: &mut Vec<u8>, payload: &PayloadSlot<'_>) {
        op_json(
            out,
            &self.inputs,
            |&(digest, index)| (digest, index),
            |obj| payload.write(obj),
            self.platform.clone(),
            self.constraints.then_some(&[]),
        );
    }
}

/// `pb.Input`: digest (field 1) and output index (field 2).
fn input(bytes: &[u8]) -> Result<(&str, i64), Unusual> {
    let (mut digest, mut index) = ("", 0);
    let mut fields = Fields(bytes);
    while let Some((tag, value)) = fields.next()? {
        match (tag, value) {
            (1, value) => digest = text(value)?,
            // int64 on the wire: two's complement in 64 bits.
            (2, Value::Varint(v)) => index = i64::from_ne_bytes(v.to_ne_bytes()),
            _ => return Err(Unusual),
        }
    }
    Ok((digest, index))
}

/// Decodes the payload in field `tag` (2 to 8) into `slot` with prost.
fn decode_payload(tag: u32, body: &[u8], slot: &mut Option<Payload>) -> Result<(), Unusual> {
    let payload = slot.insert(match tag {
        2 => Payload::Exec(Default::default()),
        3 => Payload::Source(Default::default()),
        4 => Payload::File(Default::default()),
        5 => Payload::Build(Default::default()),
        6 => Payload::Merge(Default::default()),
        7 => Payload::Diff(Default::default()),
        8 => Payload::Passthrough(Default::default()),
        _ => return Err(Unusual),
    });
    let merged = match payload {
        Payload::Exec(v) => v.merge(body),
        Payload::Source(v) => v.merge(body),
        Payload::File(v) => v.merge(body),
        Payload::Build(v) => v.merge(body),
        Payload::Merge(v) => v.merge(body),
        Payload::Diff(v) => v.merge(body),
        Payload::Passthrough(v) => v.merge(body),
    };
    merged.map_err(|_| Unusual)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dump::json::view_oracle::{self, field};

    /// The JSON of prost's decoding, and this module's if it reads the bytes.
    fn both(bytes: &[u8]) -> (Option<String>, Option<String>) {
        let (prost, view, _) = view_oracle::both(bytes);
        (prost, view)
    }

    #[test]
    fn reads_what_prost_reads() {
        let source = field(3, &field(1, b"docker-image://x"));
        let mut input = field(1, b"sha256:<a>");
        input.extend([2 << 3, 3]);
        let mut platform = field(1, b"amd64");
        platform.extend(field(2, b"linux"));
        let mut cases = vec![Vec::new(), source.clone()];
        // Inputs (one with a repeated digest), platform merged, empty constraints.
        let mut full = field(1, &input);
        let mut twice = field(1, b"first");
        twice.extend(field(1, b"second"));
        full.extend(field(1, &twice));
        full.extend(source.clone());
        full.extend(field(10, &platform));
        full.extend(field(10, &field(3, b"v8")));
        full.extend(field(11, &[]));
        full.extend(field(11, &[]));
        cases.push(full);
        // A negative index: a varint of 10 bytes.
        let mut negative = vec![2 << 3];
        negative.extend([0xff; 9]);
        negative.push(0x01);
        cases.push(field(1, &negative));
        // Each payload kind, empty.
        for tag in 2..=8 {
            cases.push(field(tag, &[]));
        }
        for bytes in cases {
            let (prost, view) = both(&bytes);
            assert!(prost.is_some() && view.is_some(), "{bytes:?}");
            assert_eq!(view, prost, "{bytes:?}");
        }
    }

    #[test]
    fn leaves_anything_else_to_prost() {
        let mut two_payloads = field(3, &[]);
        two_payloads.extend(field(2, &[]));
        let cases = [
            two_payloads,
            field(9, &[]),
            vec![10 << 3, 1],
            field(10, &field(5, b"feature")),
            field(11, &field(1, b"filter")),
            field(1, &field(1, b"\xff")),
            field(1, &[3 << 3, 1]),
            // A payload prost rejects, and an index overflowing 64 bits.
            field(3, &[1 << 3 | 2, 9]),
            field(
                1,
                &[
                    2 << 3,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0x02,
                ],
            ),
        ];
        for bytes in cases {
            assert!(
                OpView::read(&bytes, &mut PayloadSlot::default()).is_none(),
                "{bytes:?}"
            );
        }
    }
}
