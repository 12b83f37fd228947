//! Opt-in timing of `frontend::lint::check` over the real-world corpus (in process, best
//! of several runs per file). Run with a release build:
//! `cargo test --release -p frontend --test lint_timing -- --ignored --nocapture`.
//! Fails when a file takes 5 ms or more.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use frontend::convert::ConvertOptions;
use frontend::lint::check;

fn corpus() -> PathBuf {
    std::env::var_os("RFRONT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
        .join("corpus/real")
}

#[test]
#[ignore = "timing; run in release with --ignored"]
fn check_is_fast_on_the_corpus() {
    let mut times: Vec<(Duration, String)> = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.to_string_lossy().ends_with(".tsv") && !p.to_string_lossy().ends_with(".md"))
        .collect();
    paths.sort();
    let opts = ConvertOptions::default();
    for p in &paths {
        let data = std::fs::read(p).expect("read");
        let mut best = Duration::MAX;
        for _ in 0..7 {
            let t = Instant::now();
            let r = check(&data, &opts).expect("check");
            best = best.min(t.elapsed());
            std::hint::black_box(r);
        }
        times.push((
            best,
            p.file_name().unwrap_or_default().to_string_lossy().into(),
        ));
    }
    times.sort();
    let total: Duration = times.iter().map(|t| t.0).sum();
    let (max, slowest) = times.last().cloned().expect("files");
    eprintln!(
        "{} files: median {:?}, p95 {:?}, max {:?} ({slowest}), total {:?}",
        times.len(),
        times[times.len() / 2].0,
        times[times.len() * 95 / 100].0,
        max,
        total
    );
    assert!(max < Duration::from_millis(5), "{slowest} took {max:?}");
}
