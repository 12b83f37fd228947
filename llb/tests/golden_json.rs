//! `llb-dump --format json` equals `buildctl debug dump-llb` on every
//! corpus case: line for line as parsed JSON, and byte for byte.

mod common;

use llb::definition::decode_definition;
use llb::dump::json::{self, JsonDump};

#[test]
fn json_dump_matches_buildctl_for_every_case() {
    let mut cases = 0;
    let mut lines_checked = 0;
    let mut byte_identical = 0;
    for case in common::llb_cases() {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let def = decode_definition(&common::read(&case.join("definition.pb")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let ours = json::definition_to_string(&def);
        let golden = String::from_utf8(common::read(&case.join("llb.json")))
            .unwrap_or_else(|e| panic!("{name}: llb.json not UTF-8: {e}"));
        let ours_lines: Vec<&str> = ours.lines().collect();
        let golden_lines: Vec<&str> = golden.lines().collect();
        assert_eq!(ours_lines.len(), golden_lines.len(), "{name}: line count");
        for (i, (a, b)) in ours_lines.iter().zip(&golden_lines).enumerate() {
            let va: serde_json::Value =
                serde_json::from_str(a).unwrap_or_else(|e| panic!("{name} line {i}: ours: {e}"));
            let vb: serde_json::Value =
                serde_json::from_str(b).unwrap_or_else(|e| panic!("{name} line {i}: golden: {e}"));
            pretty_assertions::assert_eq!(va, vb, "{} line {}", name, i + 1);
            lines_checked += 1;
        }
        if ours == golden {
            byte_identical += 1;
        }
        assert_eq!(ours, golden, "{name}: bytes differ (values are equal)");
        let fast = fast_path(&common::read(&case.join("definition.pb")));
        assert_eq!(fast, golden, "{name}: llb-dump's fast path differs");
        cases += 1;
    }
    eprintln!(
        "{cases} cases, {lines_checked} lines equal as JSON, {byte_identical} files byte-identical"
    );
}

/// What `llb-dump --format json` prints (the `JsonDump` path).
fn fast_path(bytes: &[u8]) -> String {
    let dump = JsonDump::new(bytes.to_vec().into()).expect("valid definition");
    let chunks = dump.render().expect("renders");
    String::from_utf8(chunks.concat()).expect("UTF-8")
}

/// On the large perf Definitions (no buildctl output stored), the fast path
/// and the full decoder print the same thing.
#[test]
fn fast_path_equals_full_decoder_on_perf_corpus() {
    for path in common::perf_definitions() {
        let bytes = common::read(&path);
        let def = decode_definition(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let full = json::definition_to_string(&def);
        assert_eq!(full.lines().count(), def.vertices.len());
        assert!(
            fast_path(&bytes) == full,
            "{}: fast path differs",
            path.display()
        );
    }
}
