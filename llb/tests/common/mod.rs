//! Shared helpers of the llb integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `$RFRONT_SHARED`, else `<workspace root>/../shared`.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RFRONT_SHARED") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared")
}

/// Every `corpus/llb/<case>` directory holding a `definition.pb`, sorted.
pub fn llb_cases() -> Vec<PathBuf> {
    let root = shared_dir().join("corpus/llb");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("definition.pb").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases under {}", root.display());
    cases
}

/// Every `corpus/perf/*.definition.pb`, sorted.
pub fn perf_definitions() -> Vec<PathBuf> {
    let root = shared_dir().join("corpus/perf");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".definition.pb"))
        .collect();
    files.sort();
    files
}

/// Reads a file or panics with its path.
pub fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
