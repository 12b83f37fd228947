//! In-process timing of the `llb-dump --format json` work (no process
//! start-up): scan, digest, decode, format, as [`render_definition`] does
//! them. Prints the minimum and median of N runs.
//!
//! ```text
//! cargo run --release -p llb --example json_dump_timing -- FILE [RUNS]
//! ```

use std::time::{Duration, Instant};

use llb::dump::json::render_definition;
use prost::bytes::Bytes;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: json_dump_timing FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let bytes = match std::fs::read(&path) {
        Ok(b) => Bytes::from(b),
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut out_len = 0;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let rendered = render_definition(bytes.clone());
        times.push(start.elapsed());
        match rendered {
            Ok(rendered) => out_len = rendered.slices().iter().map(|s| s.len()).sum(),
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(1);
            }
        }
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "in-process render_definition ({runs} runs, {out_len} bytes out): min {:.2} ms  median {:.2} ms",
        ms(times[0]),
        ms(times[times.len() / 2])
    );
}
