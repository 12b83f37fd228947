//! Shared by the property tests and the `fuzz_parse` example: a corpus loader, a
//! Dockerfile-aware byte mutator, and the invariants every parse must keep.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Fragments that steer mutations into the parser's interesting corners.
pub const DICTIONARY: &[&str] = &[
    "\\\n",
    "\\",
    "`",
    "`\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "#",
    "# escape=`\n",
    "# escape=\\\n",
    "# syntax=docker/dockerfile:1\n",
    "# check=skip=all\n",
    "<<EOF\n",
    "<<-EOF",
    "EOF\n",
    "\tEOF\n",
    "<<'E'",
    "<<\"E\"",
    "<<",
    "3<<X",
    "X\n",
    "\"",
    "'",
    "[",
    "]",
    "[\"a\", \"b\"]",
    "[1]",
    "[\"\\ud800\"]",
    "--",
    "--from=",
    "--link",
    "--chmod=755 ",
    "--mount=type=cache,target=/x ",
    "--device=a,required ",
    "--network=none ",
    "=",
    "$",
    "${",
    "}",
    "${a:-b c}",
    "${a/b/c}",
    "ONBUILD ",
    "RUN ",
    "COPY ",
    "ADD ",
    "FROM ",
    " AS x",
    "ENV ",
    "LABEL ",
    "ARG ",
    "HEALTHCHECK ",
    "CMD ",
    "ENTRYPOINT ",
    "SHELL ",
    "VOLUME ",
    "EXPOSE ",
    "USER ",
    "WORKDIR ",
    "STOPSIGNAL ",
    "MAINTAINER ",
    "NONE",
    "--interval=1ms ",
    "--retries=-1 ",
    "\u{feff}",
    "\u{a0}",
    "\u{85}",
    "é",
    "\u{130}",
    "\u{212a}",
    "\0",
    "1e999",
];

/// A small deterministic PRNG (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeded generator (a zero seed is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    /// Next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

fn shared_dir() -> PathBuf {
    match std::env::var_os("RFRONT_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// Every Dockerfile of the shared corpus (real files, parser goldens, perf files).
pub fn corpus() -> Vec<Vec<u8>> {
    let shared = shared_dir();
    let mut files = Vec::new();
    let mut push_dir = |dir: PathBuf, nested: bool| {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let file = if nested {
                p.join("Dockerfile")
            } else {
                p.clone()
            };
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if name.ends_with(".md") || name.ends_with(".tsv") || name.ends_with(".pb") {
                continue;
            }
            if let Ok(b) = std::fs::read(&file) {
                files.push(b);
            }
        }
    };
    push_dir(shared.join("corpus/real"), false);
    push_dir(shared.join("corpus/parser"), true);
    push_dir(shared.join("corpus/perf"), false);
    files
}

/// Apply 1–8 random edits to `input`, drawing fragments from the dictionary and `other`.
pub fn mutate(input: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        let pos = rng.below(out.len() + 1);
        match rng.below(7) {
            0 | 1 => {
                let tok = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                out.splice(pos..pos, tok.iter().copied());
            }
            2 => {
                let len = 1 + rng.below(16);
                let end = (pos + len).min(out.len());
                out.drain(pos..end);
            }
            3 => {
                let len = 1 + rng.below(64);
                let end = (pos + len).min(out.len());
                let chunk: Vec<u8> = out[pos..end].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, chunk);
            }
            4 => {
                if let Some(b) = out.get_mut(pos) {
                    *b = rng.next_u64() as u8;
                }
            }
            5 if !other.is_empty() => {
                let s = rng.below(other.len());
                let e = (s + 1 + rng.below(128)).min(other.len());
                out.splice(pos..pos, other[s..e].iter().copied());
            }
            _ => {
                let n = 1 + rng.below(4);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                out.splice(pos..pos, bytes);
            }
        }
    }
    out
}

/// Parse `input` and check the invariants of the result. Returns whether it parsed.
/// Panics (with a message) when an invariant is broken.
pub fn check(input: &[u8]) -> bool {
    let src = String::from_utf8_lossy(input).into_owned();
    match syntax::parser::parse(&src) {
        Ok(r) => {
            let dump = r.ast.dump();
            assert_eq!(dump, r.ast.clone().dump(), "dump is deterministic");
            let mut last_start = 0;
            for c in &r.ast.children {
                assert!(
                    c.start_line >= 1 && c.start_line <= c.end_line,
                    "lines {c:?}"
                );
                assert!(c.start_line > last_start, "instructions in order");
                last_start = c.start_line;
                assert!(
                    c.span.start <= c.span.end && c.span.end <= src.len(),
                    "span"
                );
                assert!(src.is_char_boundary(c.span.start) && src.is_char_boundary(c.span.end));
                let _ = syntax::instructions::parse_instruction(c);
            }
            for w in &r.warnings {
                assert!(w.span.end <= src.len());
            }
            let _ = syntax::instructions::parse(&r.ast);
            true
        }
        Err(e) => {
            assert!(
                e.span.start <= e.span.end && e.span.end <= src.len(),
                "error span"
            );
            assert!(!e.to_string().is_empty());
            false
        }
    }
}
