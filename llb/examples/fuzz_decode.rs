//! Long-running fuzz loop for the Definition decoders and views.
//!
//! ```text
//! cargo run --release -p llb --example fuzz_decode -- [SECONDS] [SEED]
//! ```
//!
//! Feeds random bytes and mutated corpus Definitions (byte flips,
//! truncation, concatenation, and structural edits: ops dropped, duplicated,
//! reordered or corrupted inside a well-formed Definition) to
//! `decode_definition` and `JsonDump`, checks that they agree and that the
//! dot, tree and diff views and re-encoding work on everything that decodes.
//! Any panic or disagreement is reported, its input saved under
//! `$TMPDIR/fuzz_decode-failures/`, and makes the exit status non-zero.
//! Prints how many inputs were tried and how they ended.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use llb::definition::{decode_definition, encode_definition, encode_op};
use llb::dump::json::{JsonDump, definition_to_string};
use llb::dump::{diff, dot, tree};
use llb::pb;
use prost::Message;

/// xorshift64* generator: deterministic for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn shared_dir() -> PathBuf {
    std::env::var_os("RFRONT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

fn load_corpus() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for sub in ["corpus/llb", "corpus/perf"] {
        let Ok(entries) = std::fs::read_dir(shared_dir().join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let file = if p.is_dir() {
                p.join("definition.pb")
            } else {
                p
            };
            if file.to_string_lossy().ends_with("definition.pb")
                && let Ok(b) = std::fs::read(&file)
            {
                files.push(b);
            }
        }
    }
    files
}

/// One mutated input.
fn generate(rng: &mut Rng, corpus: &[Vec<u8>]) -> (&'static str, Vec<u8>) {
    let pick = |rng: &mut Rng| corpus[rng.below(corpus.len())].clone();
    match rng.below(6) {
        0 => {
            let n = rng.below(4096);
            ("random", (0..n).map(|_| rng.next() as u8).collect())
        }
        1 => {
            let mut b = pick(rng);
            for _ in 0..=rng.below(8) {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            ("flip", b)
        }
        2 => {
            let mut b = pick(rng);
            let cut = rng.below(b.len() + 1);
            b.truncate(cut);
            ("truncate", b)
        }
        3 => {
            let (a, b) = (pick(rng), pick(rng));
            let mut out = a[..rng.below(a.len() + 1)].to_vec();
            out.extend_from_slice(&b[rng.below(b.len() + 1)..]);
            ("splice", out)
        }
        4 => {
            let b = pick(rng);
            ("structure", structural(rng, b))
        }
        _ => {
            let b = pick(rng);
            ("op-flip", op_flip(rng, b))
        }
    }
}

/// Drops, duplicates, swaps ops or metadata of a well-formed Definition.
fn structural(rng: &mut Rng, bytes: Vec<u8>) -> Vec<u8> {
    let Ok(mut def) = pb::Definition::decode(bytes.as_slice()) else {
        return bytes;
    };
    for _ in 0..=rng.below(3) {
        let n = def.def.len();
        match rng.below(5) {
            0 if n > 0 => {
                def.def.remove(rng.below(n));
            }
            1 if n > 0 => {
                let op = def.def[rng.below(n)].clone();
                def.def.insert(rng.below(n + 1), op);
            }
            2 if n > 1 => {
                let (i, j) = (rng.below(n), rng.below(n));
                def.def.swap(i, j);
            }
            3 => def.metadata = BTreeMap::new(),
            _ => def.source = None,
        }
    }
    encode_definition(&def)
}

/// Corrupts the bytes of one op inside an otherwise valid Definition.
fn op_flip(rng: &mut Rng, bytes: Vec<u8>) -> Vec<u8> {
    let Ok(mut def) = pb::Definition::decode(bytes.as_slice()) else {
        return bytes;
    };
    let n = def.def.len();
    if n == 0 {
        return bytes;
    }
    let op = &mut def.def[rng.below(n)];
    if op.is_empty() {
        return bytes;
    }
    for _ in 0..=rng.below(3) {
        let i = rng.below(op.len());
        op[i] = rng.next() as u8;
    }
    encode_definition(&def)
}

/// Runs every consumer; `Err` describes a disagreement.
fn check(bytes: &[u8]) -> Result<&'static str, String> {
    let full = decode_definition(bytes);
    let fast = JsonDump::new(bytes.to_vec().into()).and_then(|d| d.render().map(|c| c.concat()));
    match (&full, &fast) {
        (Ok(def), Ok(out)) => {
            if definition_to_string(def).as_bytes() != out.as_slice() {
                return Err("json paths differ".into());
            }
            if !dot::to_dot(def).starts_with("digraph") || tree::to_tree(def).is_empty() {
                return Err("empty view".into());
            }
            if !diff::diff(def, def).is_empty() {
                return Err("self-diff not empty".into());
            }
            for v in &def.vertices {
                if pb::Op::decode(encode_op(&v.op).as_slice()).ok().as_ref() != Some(&v.op) {
                    return Err("op does not round-trip".into());
                }
            }
            Ok("valid")
        }
        (Err(_), Err(_)) => Ok("rejected"),
        (Err(llb::definition::DefinitionError::Decode(_)), Ok(_)) => Ok("bad-source-map"),
        (a, b) => Err(format!(
            "decoders disagree: {:?} vs {:?}",
            a.as_ref().err(),
            b.as_ref().err()
        )),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1b0d_ca11_ab1e);
    let corpus = load_corpus();
    if corpus.is_empty() {
        eprintln!("no corpus under {}", shared_dir().display());
        std::process::exit(2);
    }
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed | 1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tried = 0u64;
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut failures = 0u64;
    while Instant::now() < deadline {
        for _ in 0..64 {
            let (kind, input) = generate(&mut rng, &corpus);
            tried += 1;
            let result = catch_unwind(AssertUnwindSafe(|| check(&input)));
            let outcome = match result {
                Ok(Ok(o)) => o.to_string(),
                Ok(Err(why)) => {
                    failures += 1;
                    eprintln!("FAIL ({kind}): {why}; input: {}", save(&input, failures));
                    "failure".to_string()
                }
                Err(_) => {
                    failures += 1;
                    eprintln!("PANIC ({kind}); input: {}", save(&input, failures));
                    "panic".to_string()
                }
            };
            *outcomes.entry(format!("{kind}/{outcome}")).or_default() += 1;
        }
    }
    println!("inputs tried: {tried} in {seconds}s (seed {seed}); failures: {failures}");
    for (k, v) in &outcomes {
        println!("  {k}: {v}");
    }
    if failures > 0 {
        std::process::exit(1);
    }
}

/// Saves a failing input; returns where.
fn save(input: &[u8], n: u64) -> String {
    let dir = std::env::temp_dir().join("fuzz_decode-failures");
    let path = dir.join(format!("{n}.pb"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}
