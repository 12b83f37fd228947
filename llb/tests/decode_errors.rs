//! Bad Definitions give clear errors, never panics; a proptest fuzzes the
//! decoder with random and mutated bytes.

mod common;

use llb::definition::{
    DefinitionError, decode_definition, encode_definition, encode_op, op_digest,
};
use llb::dump::json::{JsonDump, WriteError, definition_to_string};
use llb::dump::{diff, dot, tree};
use llb::pb;
use proptest::prelude::*;
use prost::Message;

fn source_op(id: &str) -> pb::Op {
    pb::Op {
        op: Some(pb::op::Op::Source(pb::SourceOp {
            identifier: id.into(),
            ..Default::default()
        })),
        constraints: Some(pb::WorkerConstraints::default()),
        ..Default::default()
    }
}

fn output_op(digest: &str) -> pb::Op {
    pb::Op {
        inputs: vec![pb::Input {
            digest: digest.into(),
            index: 0,
        }],
        ..Default::default()
    }
}

fn definition(ops: &[pb::Op]) -> Vec<u8> {
    encode_definition(&pb::Definition {
        def: ops.iter().map(encode_op).collect(),
        ..Default::default()
    })
}

fn error_of(bytes: &[u8]) -> DefinitionError {
    match decode_definition(bytes) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn empty_input_is_an_empty_definition() {
    let e = error_of(b"");
    assert_eq!(e, DefinitionError::Empty);
    assert_eq!(e.to_string(), "invalid empty definition");
}

#[test]
fn one_op_is_too_few() {
    let e = error_of(&definition(&[source_op("local://a")]));
    assert_eq!(e, DefinitionError::TooFewOps(1));
    assert_eq!(e.to_string(), "invalid LLB with 1 vertexes");
    // The same op twice is still one distinct vertex.
    let twice = definition(&[source_op("local://a"), source_op("local://a")]);
    assert_eq!(error_of(&twice), DefinitionError::TooFewOps(1));
}

#[test]
fn last_op_without_inputs_is_rejected() {
    let e = error_of(&definition(&[
        source_op("local://a"),
        source_op("local://b"),
    ]));
    assert_eq!(e, DefinitionError::NoRootInput);
    assert_eq!(e.to_string(), "invalid LLB with no inputs on last vertex");
}

#[test]
fn dangling_input_digest_is_named() {
    let missing = format!("sha256:{}", "0".repeat(64));
    let e = error_of(&definition(&[source_op("local://a"), output_op(&missing)]));
    match &e {
        DefinitionError::MissingInput { digest, input, .. } => {
            assert_eq!(digest, &missing);
            assert_eq!(*input, 0);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        e.to_string()
            .starts_with(&format!("invalid missing input digest {missing}")),
        "{e}"
    );
}

#[test]
fn negative_output_index_is_rejected() {
    let src = source_op("local://a");
    let mut out = output_op(op_digest(&src).as_str());
    out.inputs[0].index = -1;
    let e = error_of(&definition(&[src, out]));
    assert!(
        matches!(e, DefinitionError::NegativeOutputIndex { output: -1, .. }),
        "{e:?}"
    );
}

#[test]
fn undecodable_op_is_reported_with_its_position() {
    let src = source_op("local://a");
    let bytes = encode_definition(&pb::Definition {
        def: vec![encode_op(&src), vec![0x0a, 0x05, 0x01]],
        ..Default::default()
    });
    let e = error_of(&bytes);
    assert!(matches!(e, DefinitionError::Op { index: 1, .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with("failed to parse llb proto op 1: "),
        "{e}"
    );
}

#[test]
fn truncated_and_garbage_definitions_are_decode_errors() {
    let case = common::llb_cases().remove(0);
    let bytes = common::read(&case.join("definition.pb"));
    let e = error_of(&bytes[..bytes.len() - 1]);
    assert!(matches!(e, DefinitionError::Decode(_)), "{e:?}");
    assert!(
        e.to_string().starts_with("failed to parse definition: "),
        "{e}"
    );
    // A wire type 7 key is invalid protobuf.
    assert!(matches!(
        error_of(&[0x0f, 0x00]),
        DefinitionError::Decode(_)
    ));
}

#[test]
fn bad_metadata_value_is_reported_by_both_decoders() {
    let src = source_op("local://a");
    let d = op_digest(&src);
    let mut bytes = definition(&[src.clone(), output_op(d.as_str())]);
    // metadata entry: key = digest, value = bytes with an invalid key.
    let mut entry = Vec::new();
    prost::encoding::string::encode(1, &d.to_string(), &mut entry);
    prost::encoding::bytes::encode(2, &vec![0x0f_u8], &mut entry);
    prost::encoding::bytes::encode(2, &entry, &mut bytes);
    let e = error_of(&bytes);
    assert!(matches!(e, DefinitionError::Metadata { .. }), "{e:?}");
    let dump = JsonDump::new(bytes.into()).expect("ops are valid");
    let mut out = b"kept".to_vec();
    assert!(matches!(
        dump.write_to(&mut out),
        Err(WriteError::Definition(DefinitionError::Metadata { .. }))
    ));
    assert_eq!(out, b"kept", "nothing written on error");
}

/// A malformed metadata value replaced by a later entry with the same key
/// is still an error (Go decodes every entry), in both decoders.
#[test]
fn replaced_bad_metadata_value_is_still_an_error() {
    let src = source_op("local://a");
    let d = op_digest(&src);
    let mut bytes = definition(&[src.clone(), output_op(d.as_str())]);
    for value in [vec![0x0f_u8], Vec::new()] {
        let mut entry = Vec::new();
        prost::encoding::string::encode(1, &d.to_string(), &mut entry);
        prost::encoding::bytes::encode(2, &value, &mut entry);
        prost::encoding::bytes::encode(2, &entry, &mut bytes);
    }
    assert!(matches!(error_of(&bytes), DefinitionError::Metadata { .. }));
    assert!(matches!(
        JsonDump::new(bytes.into()),
        Err(DefinitionError::Metadata { .. })
    ));
}

/// Runs every consumer of a Definition on `bytes`; checks that the two
/// decoders agree and that the views work on whatever decodes.
fn exercise(bytes: &[u8]) -> Result<(), TestCaseError> {
    let full = decode_definition(bytes);
    let fast = JsonDump::new(bytes.to_vec().into()).and_then(|d| d.render().map(|c| c.concat()));
    match (&full, &fast) {
        (Ok(def), Ok(out)) => {
            let text = definition_to_string(def);
            prop_assert_eq!(text.as_bytes(), out.as_slice());
            prop_assert!(dot::to_dot(def).starts_with("digraph"));
            prop_assert!(!tree::to_tree(def).is_empty());
            prop_assert!(diff::diff(def, def).is_empty());
            // Ops re-encode to their own digests' bytes or are non-canonical,
            // but encoding never fails and decodes back to the same op.
            for v in &def.vertices {
                let again = encode_op(&v.op);
                prop_assert_eq!(pb::Op::decode(again.as_slice()).ok(), Some(v.op.clone()));
            }
        }
        (Err(_), Err(_)) => {}
        // The fast path skips source maps, so a bad Source only fails the
        // full decoder.
        (Err(DefinitionError::Decode(_)), Ok(_)) => {}
        (a, b) => prop_assert!(
            false,
            "decoders disagree: {:?} vs {:?}",
            a.as_ref().err(),
            b.as_ref().err()
        ),
    }
    Ok(())
}

fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        common::llb_cases()
            .iter()
            .map(|c| common::read(&c.join("definition.pb")))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes)?;
    }

    #[test]
    fn mutated_corpus_definitions_never_panic(
        case in 0usize..31,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let all = corpus();
        let mut bytes = all[case % all.len()].clone();
        for (at, value) in edits {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        exercise(&bytes)?;
    }
}

#[test]
fn unmodified_corpus_passes_the_harness() {
    for bytes in corpus() {
        exercise(bytes).expect("corpus case");
    }
}
