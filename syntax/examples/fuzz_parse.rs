//! Long-running mutation fuzzer for the parser and the typed instructions.
//!
//! `cargo run --release -p syntax --example fuzz_parse -- [SECONDS] [SEED]`
//!
//! Mutates the shared corpus Dockerfiles (dictionary tokens, deletions, duplications,
//! splices between files, random bytes) for SECONDS (default 600), checking the same
//! invariants as the property tests. Panics and inputs slower than one second are saved
//! under `$TMPDIR/rfront-fuzz/` and counted (the slowest input is kept there too); the exit
//! status is 1 when any was found. The workspace's release profile aborts on panic, so build
//! it with `CARGO_PROFILE_RELEASE_PANIC=unwind` to count panics instead of stopping.

#[path = "../tests/common/fuzz.rs"]
mod fuzz;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use fuzz::{Rng, check, corpus, mutate};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(600);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let files = corpus();
    if files.is_empty() {
        eprintln!("fuzz_parse: no corpus found (set RFRONT_SHARED)");
        std::process::exit(2);
    }
    let out_dir = std::env::temp_dir().join("rfront-fuzz");
    let _ = std::fs::create_dir_all(&out_dir);
    std::panic::set_hook(Box::new(|_| {}));

    let mut rng = Rng::new(seed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut last_report = Instant::now();
    let (mut inputs, mut parsed, mut crashes, mut slow) = (0u64, 0u64, 0u64, 0u64);
    let mut slowest = Duration::ZERO;
    // Mutants of mutants: keep a small pool of recent inputs to mutate further.
    let mut pool: Vec<Vec<u8>> = Vec::new();
    println!(
        "fuzz_parse: seed {seed}, {} corpus files, {seconds}s",
        files.len()
    );
    while Instant::now() < deadline {
        let base = if !pool.is_empty() && rng.below(3) == 0 {
            pool[rng.below(pool.len())].clone()
        } else {
            files[rng.below(files.len())].clone()
        };
        let other = &files[rng.below(files.len())];
        let input = mutate(&base, other, &mut rng);
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| check(&input)));
        let took = start.elapsed();
        inputs += 1;
        if took > slowest {
            slowest = took;
            let _ = std::fs::write(out_dir.join(format!("slowest-{seed}")), &input);
        }
        match result {
            Ok(ok) => parsed += u64::from(ok),
            Err(_) => {
                crashes += 1;
                let _ = std::fs::write(out_dir.join(format!("crash-{seed}-{inputs}")), &input);
            }
        }
        if took > Duration::from_secs(1) {
            slow += 1;
            let _ = std::fs::write(out_dir.join(format!("slow-{seed}-{inputs}")), &input);
        }
        if input.len() < 64 * 1024 {
            if pool.len() < 256 {
                pool.push(input);
            } else {
                let i = rng.below(pool.len());
                pool[i] = input;
            }
        }
        if last_report.elapsed() > Duration::from_secs(30) {
            last_report = Instant::now();
            println!(
                "fuzz_parse: {inputs} inputs, {parsed} parsed, {crashes} crashes, {slow} slow, slowest {slowest:?}"
            );
        }
    }
    println!(
        "fuzz_parse: done: {inputs} inputs, {parsed} parsed, {crashes} crashes, {slow} slow (>1s), slowest {slowest:?}"
    );
    if crashes + slow > 0 {
        println!("fuzz_parse: inputs saved in {}", out_dir.display());
        std::process::exit(1);
    }
}
