//! Every op of every upstream Definition in the corpus re-encodes to the
//! exact bytes Go wrote, so digests equal BuildKit's.

mod common;

use std::path::Path;

use llb::definition::{decode_definition, encode_definition, encode_op, op_digest};
use llb::digest::Digest;
use llb::pb;
use prost::Message;

/// Counts from checking one Definition file.
struct Checked {
    ops: usize,
    definition_identical: bool,
}

/// Decodes `path`, re-encodes every op and the Definition, checks bytes.
fn check_definition(path: &Path) -> Checked {
    let bytes = common::read(path);
    let def = decode_definition(&bytes)
        .unwrap_or_else(|e| panic!("{}: decode failed: {e}", path.display()));
    for (i, vertex) in def.vertices.iter().enumerate() {
        let again = encode_op(&vertex.op);
        assert!(
            again == vertex.bytes,
            "{} op {i}: re-encoded bytes differ\n  go:   {}\n  rust: {}",
            path.display(),
            hex(&vertex.bytes),
            hex(&again)
        );
        assert_eq!(
            op_digest(&vertex.op),
            vertex.digest,
            "{} op {i}",
            path.display()
        );
        assert_eq!(vertex.digest, Digest::of(&vertex.bytes));
    }
    // The Definition itself: Go (vtproto) writes maps in random order, we
    // write them sorted; decoding our bytes must give the same value, and
    // when Go's order happened to be sorted the bytes are identical.
    let raw = pb::Definition::decode(bytes.as_slice()).expect("decoded above");
    let ours = encode_definition(&raw);
    assert_eq!(
        ours.len(),
        bytes.len(),
        "{}: definition length",
        path.display()
    );
    let back = pb::Definition::decode(ours.as_slice()).expect("our own bytes decode");
    assert_eq!(back, raw, "{}: definition round trip", path.display());
    Checked {
        ops: def.vertices.len(),
        definition_identical: ours == bytes,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn corpus_ops_reencode_byte_identical() {
    let mut ops = 0;
    let mut files = 0;
    let mut identical_defs = 0;
    let mut paths: Vec<_> = common::llb_cases()
        .into_iter()
        .map(|c| c.join("definition.pb"))
        .collect();
    paths.extend(common::perf_definitions());
    for path in &paths {
        let checked = check_definition(path);
        ops += checked.ops;
        files += 1;
        identical_defs += usize::from(checked.definition_identical);
    }
    eprintln!(
        "{files} definitions, {ops} ops byte-identical, {identical_defs} definitions byte-identical as a whole"
    );
    assert!(
        files >= 33,
        "expected the 31 llb cases and 2 perf files, got {files}"
    );
}

/// Go writes `map<string,string>` entries with both fields even when the
/// value (or key) is empty: `12 <len> 0a <klen> key 12 00`.
#[test]
fn source_op_map_entry_with_empty_value_writes_key_and_value() {
    let mut attrs = std::collections::BTreeMap::new();
    attrs.insert("b".to_string(), String::new());
    attrs.insert("a".to_string(), "x".to_string());
    attrs.insert(String::new(), "e".to_string());
    let op = pb::Op {
        op: Some(pb::op::Op::Source(pb::SourceOp {
            identifier: "local://c".into(),
            attrs,
        })),
        constraints: Some(pb::WorkerConstraints::default()),
        ..Default::default()
    };
    let source: Vec<u8> = [
        &[0x0a, 9][..],
        b"local://c",
        // "" => "e": key written empty
        &[0x12, 5, 0x0a, 0, 0x12, 1, b'e'],
        // "a" => "x"
        &[0x12, 6, 0x0a, 1, b'a', 0x12, 1, b'x'],
        // "b" => "": value written empty
        &[0x12, 5, 0x0a, 1, b'b', 0x12, 0],
    ]
    .concat();
    // constraints (11) first, then the oneof payload (3), as Go orders them.
    let mut want = vec![0x5a, 0x00, 0x1a, source.len() as u8];
    want.extend_from_slice(&source);
    assert_eq!(hex(&encode_op(&op)), hex(&want));
    assert_eq!(pb::Op::decode(want.as_slice()).ok(), Some(op));
}

/// `map<string,bool>` false values and empty message values are written.
#[test]
fn metadata_maps_write_false_and_empty_message_values() {
    let mut meta = pb::OpMetadata::default();
    meta.caps.insert("a".into(), false);
    let want_meta = [0x2a, 5, 0x0a, 1, b'a', 0x10, 0x00];
    assert_eq!(meta.encode_to_vec(), want_meta);

    let mut def = pb::Definition::default();
    def.metadata.insert("k".into(), pb::OpMetadata::default());
    assert_eq!(def.encode_to_vec(), [0x12, 5, 0x0a, 1, b'k', 0x12, 0]);
    assert_eq!(
        pb::Definition::decode(&[0x12, 5, 0x0a, 1, b'k', 0x12, 0][..]).ok(),
        Some(def)
    );
}

/// Field order of `Op`: inputs, platform, constraints, then the payload.
#[test]
fn op_writes_oneof_after_platform_and_constraints() {
    let op = pb::Op {
        inputs: vec![pb::Input {
            digest: "d".into(),
            index: 0,
        }],
        op: Some(pb::op::Op::Merge(pb::MergeOp::default())),
        platform: Some(pb::Platform {
            os: "linux".into(),
            ..Default::default()
        }),
        constraints: Some(pb::WorkerConstraints::default()),
    };
    let want: Vec<u8> = [
        &[0x0a, 3, 0x0a, 1, b'd'][..],
        &[0x52, 7, 0x12, 5],
        b"linux",
        &[0x5a, 0],
        &[0x32, 0],
    ]
    .concat();
    assert_eq!(hex(&encode_op(&op)), hex(&want));
}
