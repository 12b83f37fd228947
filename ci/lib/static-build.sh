# shellcheck shell=bash
# The binaries benchmarks measure: release profile, statically linked (glibc +crt-static) and
# not position-independent, as shipped in the frontend image. A static non-PIE binary has no
# dynamic loader work and no relocations to apply at start: `rfront --version` takes ~0.9 ms
# and 2.6 MiB instead of ~1.9 ms and 4.5 MiB for the default dynamic PIE build.
#
#   source ci/lib/static-build.sh
#   dir=$(static_build "$REPO_ROOT" -p frontend --bin rfront)   # prints the binaries' directory
#
# Sourcing also sets REPO_ROOT (this repository) and SHARED_DIR ($RFRONT_SHARED, else the
# ../shared beside the repository). Uses $CARGO_TARGET_DIR (default ROOT/target); the binaries
# land in TARGET/TRIPLE/release.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SHARED_DIR="${RFRONT_SHARED:-$REPO_ROOT/../shared}"

STATIC_TRIPLE=${STATIC_TRIPLE:-x86_64-unknown-linux-gnu}
STATIC_RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static"

static_build() {
    local root=$1
    shift
    RUSTFLAGS="${RUSTFLAGS:-} $STATIC_RUSTFLAGS" \
        cargo build --quiet --release --target "$STATIC_TRIPLE" \
        --manifest-path "$root/Cargo.toml" "$@" >&2
    echo "${CARGO_TARGET_DIR:-$root/target}/$STATIC_TRIPLE/release"
}
