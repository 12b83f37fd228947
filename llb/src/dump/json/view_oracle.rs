//! The payload views ([`ExecView`](super::exec_view::ExecView),
//! [`SourceView`](super::source_view::SourceView),
//! [`FileView`](super::file_view::FileView)) checked against prost, the
//! oracle: on every op of the corpus, on payloads merged by concatenation,
//! on unusual encodings and on mutated ops, what the views read prints as
//! prost's decoding prints.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use prost::Message;
use prost::encoding::encode_varint;

use super::fast::tests::corpus;
use super::op_to_string;
use super::op_view::{OpView, PayloadRead, PayloadSlot};
use crate::pb;

/// The JSON of prost's decoding of the op `bytes` (`None` when prost
/// rejects them), the JSON of the views (`None` when they leave the op to
/// prost), and how the payload was read.
pub(super) fn both(bytes: &[u8]) -> (Option<String>, Option<String>, PayloadRead) {
    let prost = pb::Op::decode(bytes).ok().map(|op| op_to_string(&op));
    let mut slot = PayloadSlot::default();
    let view = OpView::read(bytes, &mut slot).map(|v| {
        let mut out = Vec::new();
        v.write(&mut out, &slot);
        String::from_utf8(out).unwrap_or_default()
    });
    (prost, view, slot.read_as())
}

/// Field `tag` with wire type 2 holding `body` (the tests of every view build their
/// inputs with it).
pub(super) fn field(tag: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_varint(u64::from(tag << 3 | 2), &mut out);
    encode_varint(body.len() as u64, &mut out);
    out.extend_from_slice(body);
    out
}

/// Every op of every corpus Definition, with its file's name.
fn corpus_ops() -> &'static [(String, Vec<u8>)] {
    static OPS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    OPS.get_or_init(|| {
        let mut ops = Vec::new();
        for path in corpus() {
            let bytes = std::fs::read(&path).expect("readable definition");
            let def = pb::Definition::decode(bytes.as_slice()).expect("valid definition");
            let name = path.display().to_string();
            ops.extend(def.def.into_iter().map(|op| (name.clone(), op)));
        }
        ops
    })
}

/// The payload of an op: its field number and body.
fn payload_of(op: &pb::Op) -> Option<(u32, Vec<u8>)> {
    use pb::op::Op as P;
    match op.op.as_ref()? {
        P::Exec(v) => Some((2, v.encode_to_vec())),
        P::Source(v) => Some((3, v.encode_to_vec())),
        P::File(v) => Some((4, v.encode_to_vec())),
        _ => None,
    }
}

#[test]
fn every_corpus_op_prints_as_prost_prints_it() {
    let ops = corpus_ops();
    // How ops of each kind were read.
    let mut by_read: BTreeMap<(String, PayloadRead), usize> = BTreeMap::new();
    // One slot for all, as the dump reuses it from op to op.
    let mut slot = PayloadSlot::default();
    for (file, bytes) in ops {
        let op = pb::Op::decode(bytes.as_slice()).expect("valid op");
        let prost = op_to_string(&op);
        let view = OpView::read(bytes, &mut slot).expect("corpus ops are read in place");
        let mut out = Vec::new();
        view.write(&mut out, &slot);
        assert_eq!(String::from_utf8(out).ok(), Some(prost), "{file}");
        let kind = op.op.as_ref().map_or("none", kind_name);
        *by_read
            .entry((kind.to_owned(), slot.read_as()))
            .or_default() += 1;
    }
    // Every exec, source and file op of the corpus is read in place.
    for (kind, read) in [
        ("exec", PayloadRead::Exec),
        ("source", PayloadRead::Source),
        ("file", PayloadRead::File),
    ] {
        let n = by_read.get(&(kind.to_owned(), read)).copied().unwrap_or(0);
        assert!(n > 40, "{by_read:?}");
        assert!(
            !by_read.contains_key(&(kind.to_owned(), PayloadRead::Decoded)),
            "{by_read:?}"
        );
    }
}

/// The name of a payload's kind.
fn kind_name(payload: &pb::op::Op) -> &'static str {
    use pb::op::Op as P;
    match payload {
        P::Exec(_) => "exec",
        P::Source(_) => "source",
        P::File(_) => "file",
        P::Build(_) => "build",
        P::Merge(_) => "merge",
        P::Diff(_) => "diff",
        P::Passthrough(_) => "passthrough",
    }
}

#[test]
fn payloads_given_twice_merge_as_prost_merges_them() {
    // Concatenating two encodings of a message merges them: scalars of the
    // second win, lists append, message fields and oneof members merge.
    let mut by_kind: BTreeMap<u32, Vec<Vec<u8>>> = BTreeMap::new();
    for (_, bytes) in corpus_ops() {
        let op = pb::Op::decode(bytes.as_slice()).expect("valid op");
        if let Some((tag, body)) = payload_of(&op) {
            let bodies = by_kind.entry(tag).or_default();
            if bodies.len() < 60 {
                bodies.push(body);
            }
        }
    }
    let mut checked = 0;
    for (tag, bodies) in &by_kind {
        for (a, b) in bodies.iter().zip(bodies.iter().rev()) {
            let op = field(*tag, &[a.as_slice(), b.as_slice()].concat());
            let (prost, view, read) = both(&op);
            assert!(prost.is_some(), "{op:?}");
            assert_ne!(read, PayloadRead::Decoded, "{op:?}");
            assert_eq!(view, prost, "{op:?}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

/// `(tag, varint)` as a field with wire type 0.
fn varint_field(tag: u32, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    encode_varint(u64::from(tag << 3), &mut out);
    encode_varint(value, &mut out);
    out
}

#[test]
fn unusual_encodings_read_as_prost_reads_them() {
    let neg = u64::MAX; // -1 as int64/int32 (10 bytes on the wire).
    let meta = [
        field(1, b"sh"),
        field(1, b"-c"),
        field(2, b"A=1"),
        field(3, b"/first"),
        field(3, b"/last"),
        field(5, &field(1, b"http://p")),
        field(5, &field(4, b"<no>")),
        field(
            6,
            &[field(1, b"h").as_slice(), &field(2, b"1.2.3.4")].concat(),
        ),
        field(7, b"host"),
        field(
            9,
            &[
                field(1, b"nofile").as_slice(),
                &varint_field(2, neg),
                &varint_field(3, 5),
            ]
            .concat(),
        ),
        field(10, b"cg"),
        varint_field(11, 2),
        // validExitCodes packed, unpacked, truncated to 32 bits, negative.
        field(12, &[0, 1, 0x80, 0x01]),
        varint_field(12, 7),
        varint_field(12, 1 << 32 | 3),
        varint_field(12, neg),
    ]
    .concat();
    let mount = [
        varint_field(1, neg),
        field(2, b"/sel"),
        field(3, b"/dest"),
        varint_field(4, neg),
        varint_field(5, 1),
        varint_field(6, 3),
        field(19, &varint_field(1, 1 << 20)),
        field(19, &[]),
        field(
            20,
            &[field(1, b"cache").as_slice(), &varint_field(2, 2)].concat(),
        ),
        field(20, &varint_field(2, 1)),
        field(
            21,
            &[field(1, b"s").as_slice(), &varint_field(2, 1 << 33 | 5)].concat(),
        ),
        field(
            22,
            &[
                varint_field(3, 1).as_slice(),
                &varint_field(4, 0o600),
                &varint_field(5, 1),
            ]
            .concat(),
        ),
        field(23, b"rid"),
        varint_field(24, 2),
    ]
    .concat();
    let exec = [
        field(1, &meta),
        field(1, &field(3, b"/merged")),
        field(2, &mount),
        field(2, &[]),
        varint_field(3, 2),
        varint_field(4, 1),
        varint_field(3, 1 << 40 | 1),
        field(
            5,
            &[
                field(1, b"id").as_slice(),
                &field(2, b"N"),
                &varint_field(3, 1),
            ]
            .concat(),
        ),
        field(
            6,
            &[field(1, b"dev").as_slice(), &varint_field(2, 1)].concat(),
        ),
    ]
    .concat();
    let named = |name: &[u8], input: u64| {
        field(
            1,
            &[field(1, name).as_slice(), &varint_field(2, input)].concat(),
        )
    };
    let chown = [
        field(1, &named(b"u", 1)),
        field(1, &field(1, &field(1, b"renamed"))),
        field(2, &varint_field(2, 1 << 32 | 1000)),
        field(2, &named(b"g", neg)),
        field(2, &varint_field(2, 7)),
    ]
    .concat();
    let copy = [
        field(1, b"/src"),
        field(2, b"/dest"),
        field(3, &chown),
        field(3, &field(1, &[])),
        varint_field(4, 0o755),
        varint_field(5, 1),
        varint_field(6, 1),
        varint_field(7, 1),
        varint_field(8, 1),
        varint_field(9, 1),
        varint_field(10, 1),
        varint_field(11, neg),
        field(12, b"*.go"),
        field(12, b"*.rs"),
        field(13, b"vendor"),
        varint_field(14, 1),
        field(15, b"u+x"),
        field(16, b"req"),
    ]
    .concat();
    let actions = [
        // A copy, then the same action merged with a second copy.
        [
            varint_field(1, neg),
            varint_field(2, 1),
            varint_field(3, neg),
            field(4, &copy),
        ]
        .concat(),
        [field(4, &copy), field(4, &field(1, b"/other"))].concat(),
        // An mkfile replaced by an mkdir, then an rm; an mkfile alone.
        [
            field(5, &field(1, b"/f")),
            field(
                6,
                &[
                    field(1, b"/d").as_slice(),
                    &varint_field(2, 0o700),
                    &varint_field(3, 1),
                    &field(4, &chown),
                    &varint_field(5, 12),
                ]
                .concat(),
            ),
        ]
        .concat(),
        field(
            7,
            &[
                field(1, b"/r").as_slice(),
                &varint_field(2, 1),
                &varint_field(3, 1),
            ]
            .concat(),
        ),
        field(
            5,
            &[
                field(1, b"/f").as_slice(),
                &varint_field(2, 0o644),
                &field(3, b"data\x00\xff"),
                &field(3, b"last"),
                &field(4, &[]),
                &varint_field(5, neg),
            ]
            .concat(),
        ),
        Vec::new(),
    ];
    let file: Vec<u8> = actions.iter().flat_map(|a| field(2, a)).collect();
    let source = [
        field(1, b"docker-image://first"),
        field(1, b"docker-image://x"),
        field(2, &[field(1, b"b").as_slice(), &field(2, b"1")].concat()),
        field(2, &field(1, b"a")),
        field(2, &[field(2, b"v").as_slice(), &field(1, b"c")].concat()),
        field(2, &[field(1, b"b").as_slice(), &field(2, b"<2>")].concat()),
        field(2, &[]),
    ]
    .concat();
    for (tag, body, read) in [
        (2, exec, PayloadRead::Exec),
        (2, Vec::new(), PayloadRead::Exec),
        (3, source, PayloadRead::Source),
        (4, file, PayloadRead::File),
    ] {
        let op = field(tag, &body);
        let (prost, view, how) = both(&op);
        assert!(prost.is_some(), "{op:?}");
        assert_eq!(how, read, "{prost:?}");
        assert_eq!(view, prost);
    }
}

#[test]
fn anything_else_is_left_to_prost() {
    // Each payload is decoded by prost, which prints it or rejects the op.
    let cases = [
        // Unknown fields, at every level.
        (2, varint_field(9, 1), true),
        (2, field(1, &varint_field(8, 1)), true),
        (2, field(2, &varint_field(7, 1)), true),
        (3, field(2, &varint_field(3, 1)), true),
        (4, field(2, &varint_field(9, 1)), true),
        (4, field(2, &field(4, &varint_field(17, 1))), true),
        (
            4,
            field(2, &field(4, &field(3, &field(1, &varint_field(3, 1))))),
            true,
        ),
        // A symlink action.
        (4, field(2, &field(8, &field(1, b"old"))), true),
        // Wrong wire types, invalid UTF-8, a varint past 64 bits.
        (2, field(3, &[]), false),
        (3, varint_field(1, 1), false),
        (3, field(1, b"\xff"), false),
        (4, field(2, &field(4, &field(15, b"\xc3"))), false),
        (
            2,
            field(
                1,
                &[
                    12 << 3 | 2,
                    10,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    0xff,
                    2,
                ],
            ),
            false,
        ),
        // A packed list cut short.
        (2, field(1, &[12 << 3 | 2, 1, 0x80]), false),
    ];
    for (tag, body, valid) in cases {
        let op = field(tag, &body);
        let (prost, view, read) = both(&op);
        assert_eq!(prost.is_some(), valid, "{op:?}");
        if valid {
            assert_eq!(read, PayloadRead::Decoded, "{op:?}");
            assert_eq!(view, prost, "{op:?}");
        } else {
            assert_eq!(view, None, "{op:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A corpus op with bytes changed, cut short or repeated: when the
    /// views read it, prost reads it too and prints the same.
    #[test]
    fn mutated_ops_read_as_prost_reads_them(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in any::<prop::sample::Index>(),
        how in 0u8..3,
    ) {
        let ops = corpus_ops();
        let (_, original) = &ops[pick.index(ops.len())];
        let mut bytes = original.clone();
        for (at, byte) in &edits {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
        match how {
            0 => bytes.truncate(cut.index(bytes.len() + 1)),
            1 => {
                let tail = bytes[cut.index(bytes.len())..].to_vec();
                bytes.extend(tail);
            }
            _ => {}
        }
        let (prost, view, _) = both(&bytes);
        if view.is_some() {
            prop_assert_eq!(view, prost);
        }
    }
}
