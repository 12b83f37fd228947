# shellcheck shell=bash
# The Rust checks: fmt, clippy, tests (nextest when installed), doc tests, then ci/e2e.sh if any.

cargo_setup_env() {
    if ! command -v cargo >/dev/null && [ -x "$HOME/.cargo/bin/cargo" ]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    fi
    command -v cargo >/dev/null || ci_die "cargo not found"
    # CI builds from scratch: incremental state only costs time and disk. Line tables keep test
    # backtraces readable at a fraction of full debug info's compile and link time.
    export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
    if [ "${CI:-}" = true ]; then
        export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}
        export CARGO_PROFILE_TEST_DEBUG=${CARGO_PROFILE_TEST_DEBUG:-line-tables-only}
        # Each CI run is a fresh clone: keep compiled dependencies outside it, so later runs on
        # the same machine rebuild only the workspace crates.
        export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/rfront-ci-target}
    fi
    export RUST_BACKTRACE=${RUST_BACKTRACE:-1}
    ci_log "cargo: $(cargo --version); target dir ${CARGO_TARGET_DIR:-$PWD/target}"
}

cargo_has_nextest() { cargo nextest --version >/dev/null 2>&1; }

cargo_run_checks() {
    cargo_setup_env
    ci_check_step "cargo fmt" cargo fmt --all --check -- --color=never
    ci_check_step "cargo clippy" cargo clippy --workspace --all-targets -- -D warnings
    if cargo_has_nextest; then
        ci_check_step "cargo nextest" cargo nextest run --workspace --no-fail-fast --no-tests=warn
        ci_check_step "cargo doc tests" cargo test --workspace --doc --no-fail-fast
    else
        # `cargo test` runs the doc tests too.
        ci_check_step "cargo test" cargo test --workspace --no-fail-fast
    fi
    # The build tools' own tests (ci/lib/*_test.py: the benchmarks' data layout).
    ci_check_step "ci/lib python tests" python3 -m unittest discover -s ci/lib -p '*_test.py'
}

e2e_run() {
    if [ -f ci/e2e.sh ]; then
        ci_check_step "ci/e2e.sh" bash ci/e2e.sh
    else
        ci_log "no ci/e2e.sh; skipping end-to-end tests"
    fi
}
