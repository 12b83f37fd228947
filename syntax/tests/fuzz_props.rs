//! Property tests: the parser never panics and keeps its invariants, on arbitrary bytes
//! and on mutated corpus Dockerfiles. (The long run is `cargo run --release --example
//! fuzz_parse -p syntax -- SECONDS`.)

mod common;

use std::sync::OnceLock;

use common::fuzz::{Rng as MutRng, check, corpus, mutate};
use proptest::prelude::*;

fn files() -> &'static [Vec<u8>] {
    static FILES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(corpus)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        check(&bytes);
    }

    #[test]
    fn dockerfile_like_text_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(common::fuzz::DICTIONARY).prop_map(str::to_string),
                "[a-zA-Z0-9 =/._-]{0,12}",
            ],
            0..64,
        )
    ) {
        check(parts.concat().as_bytes());
    }

    #[test]
    fn mutated_corpus_never_panics(seed in any::<u64>(), pick in any::<usize>(), other in any::<usize>()) {
        let files = files();
        prop_assume!(!files.is_empty());
        let mut rng = MutRng::new(seed);
        let input = mutate(&files[pick % files.len()], &files[other % files.len()], &mut rng);
        check(&input);
    }
}

#[test]
fn corpus_is_found() {
    assert!(files().len() >= 180 + 37);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // ONBUILD nesting is bounded; JSON nesting and `${` nesting are handled iteratively or
    // bounded too.
    let deep_onbuild = format!("FROM a\n{}RUN x\n", "ONBUILD ".repeat(5000));
    assert!(!check(deep_onbuild.as_bytes()));
    let deep_json = format!("FROM a\nCMD {}\n", "[".repeat(60_000));
    assert!(check(deep_json.as_bytes()));
    let deep_subst = format!("FROM a\nRUN <<EOF {}\nEOF\n", "${a:-".repeat(10_000));
    assert!(check(deep_subst.as_bytes()));
}
