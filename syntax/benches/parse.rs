//! Parser benchmarks: every real-world Dockerfile of the shared corpus, and the synthetic
//! `perf/*.Dockerfile` files one by one (AST alone, and AST plus typed instructions).

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn shared_dir() -> PathBuf {
    match std::env::var_os("RFRONT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn read_dir_sorted(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().to_string();
            if !keep(&name) {
                return None;
            }
            let bytes = std::fs::read(&p).ok()?;
            Some((name, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect();
    out.sort();
    out
}

fn bench(c: &mut Criterion) {
    let shared = shared_dir();
    let real = read_dir_sorted(&shared.join("corpus/real"), |n| {
        n != "README.md" && n != "MANIFEST.tsv"
    });
    let perf = read_dir_sorted(&shared.join("corpus/perf"), |n| n.ends_with(".Dockerfile"));

    let mut g = c.benchmark_group("parse");
    let total: usize = real.iter().map(|(_, s)| s.len()).sum();
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("real-corpus-all", |b| {
        b.iter(|| {
            for (_, src) in &real {
                let _ = black_box(syntax::parser::parse(black_box(src)));
            }
        })
    });
    for (name, src) in &perf {
        g.throughput(Throughput::Bytes(src.len() as u64));
        g.bench_function(name.as_str(), |b| {
            b.iter(|| black_box(syntax::parser::parse(black_box(src))))
        });
        // The same without the time spent dropping the tree afterwards.
        g.bench_function(format!("{name} (no drop)"), |b| {
            b.iter_with_large_drop(|| syntax::parser::parse(black_box(src)))
        });
        g.bench_function(format!("{name}+instructions"), |b| {
            b.iter(|| {
                let r = syntax::parser::parse(black_box(src)).ok()?;
                syntax::instructions::parse(&r.ast).ok()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
