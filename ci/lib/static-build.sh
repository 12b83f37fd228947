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
#
# `rfront` itself is built by `static_build_rfront`, which also lays its code out by use (see
# there): the kernel maps a binary's text in whole 64 KiB-or-larger blocks, so code used by a
# conversion but scattered over 10 MB of text made up a third of `rfront llb`'s resident memory.

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

# static_build_rfront ROOT: builds rfront (package frontend) as static_build does, with the
# functions a conversion runs placed together at the start of .text, and prints the binaries'
# directory.
#
# Which functions those are is measured, not listed: the binary runs under valgrind
# (callgrind) on the training Dockerfiles — the perf corpus and the upstream LLB cases
# (`rfront llb --offline` and `rfront check`) — and every function it entered is written, by
# symbol name, to an order file that lld places first (--symbol-ordering-file). Names, unlike
# addresses, survive a relink, so a new profile of the laid-out binary gives the same file
# and nothing is relinked again until the code changes. The file's name carries a hash of its
# contents: a new file is new rustc arguments, which is what makes cargo relink. A stale name
# (code changed since the profile) is skipped by lld; the profile then runs again because the
# binary differs from the one last profiled. Without valgrind the binary is left as linked,
# with a warning.
static_build_rfront() {
    local root=$1
    local dir="${CARGO_TARGET_DIR:-$root/target}/$STATIC_TRIPLE/release"
    local state="$dir/.rfront-layout"
    mkdir -p "$state"
    local order
    order=$(cat "$state/current" 2>/dev/null || true)
    [ -z "$order" ] || [ -f "$order" ] || order=""
    _static_link_rfront "$root" "$order"
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "static-build: valgrind not installed; rfront's code is not laid out by use" >&2
        echo "$dir"
        return 0
    fi
    local sum
    sum=$(sha256sum "$dir/rfront" | cut -d' ' -f1)
    if [ "$sum" != "$(cat "$state/profiled" 2>/dev/null || true)" ]; then
        local names="$state/names.txt"
        _static_profile_rfront "$dir/rfront" "$state" >"$names"
        local new
        new="$state/order-$(sha256sum "$names" | cut -c1-16).txt"
        if [ "$new" != "$order" ]; then
            rm -f "$state"/order-*.txt
            mv "$names" "$new"
            echo "$new" >"$state/current"
            _static_link_rfront "$root" "$new"
            sum=$(sha256sum "$dir/rfront" | cut -d' ' -f1)
        fi
        echo "$sum" >"$state/profiled"
    fi
    echo "$dir"
}

# _static_link_rfront ROOT [ORDER]: the static build of rfront, its text ordered by ORDER.
_static_link_rfront() {
    local root=$1 order=${2:-}
    local args=()
    [ -z "$order" ] || args=(-- -C "link-arg=-Wl,--symbol-ordering-file=$order"
        -C "link-arg=-Wl,--no-warn-symbol-ordering")
    RUSTFLAGS="${RUSTFLAGS:-} $STATIC_RUSTFLAGS" \
        cargo rustc --quiet --release --target "$STATIC_TRIPLE" \
        --manifest-path "$root/Cargo.toml" -p frontend --bin rfront "${args[@]}" >&2
}

# _static_callgrind OUT CMD...: CMD's callgrind profile (mangled names) in OUT; the command's
# own output and status do not matter (the error cases of the corpus fail, as they should).
_static_callgrind() {
    local out=$1
    shift
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$out" "$@" >/dev/null 2>&1 || true
}

# _static_profile_rfront BIN STATE: prints the mangled name of every function BIN enters on
# the training Dockerfiles (callgrind's profiles name each function once, on the `fn=` or
# `cfn=` line that introduces its id), the ones most runs enter first.
_static_profile_rfront() {
    local bin=$1 state=$2
    local ctx="$state/ctx" prof="$state/profiles"
    rm -rf "$prof"
    mkdir -p "$ctx" "$prof"
    local files=("$SHARED_DIR"/corpus/perf/*.Dockerfile "$SHARED_DIR"/corpus/llb/*/Dockerfile)
    local i=0 f
    for f in "${files[@]}"; do
        i=$((i + 1))
        # The two commands side by side (the machines have two cores).
        _static_callgrind "$prof/llb-$i" "$bin" llb --offline -f "$f" "$ctx" &
        _static_callgrind "$prof/check-$i" "$bin" check --format json -f "$f" "$ctx"
        wait
    done
    # Each profile's functions once; then the functions most runs need first (ties by name),
    # so a typical conversion's code is the front of the block.
    local p
    for p in "$prof"/*; do
        [ -f "$p" ] || continue
        # Names only: not callgrind's `(below main)`, unnamed code (`0x…`) or the `'N` suffix of
        # a recursion level.
        sed -n -E "s/^c?fn=\([0-9]+\) ([^(].*)$/\1/p" "$p" | sed -E "s/'[0-9]+$//" \
            | { grep -v -E '^0x[0-9a-f]+$' || true; } | LC_ALL=C sort -u
    done | LC_ALL=C sort | uniq -c | LC_ALL=C sort -k1,1nr -k2,2 | sed -E 's/^ *[0-9]+ //' \
        | _static_cpu_variants "$bin"
}

# _static_cpu_variants BIN: copies the profiled names on standard input, then adds the code BIN
# picks by CPU features on real hardware but not under valgrind, whose emulated CPU has neither
# AVX-512 nor the SHA extensions: the EVEX/AVX-512 variants of each glibc string function seen
# in its AVX2 or SSE form (memcpy is memmove's alias), and sha2's x86 (SHA-NI) functions when
# its software SHA-256 was seen. Left out, each would be faulted in from cold text on its own
# 64 KiB block. Needs nm; without it the names are copied unchanged.
_static_cpu_variants() {
    local bin=$1 names
    names=$(cat)
    printf '%s\n' "$names"
    command -v nm >/dev/null 2>&1 || return 0
    local families
    families=$(printf '%s\n' "$names" \
        | sed -n -E 's/^__([a-z0-9]+)_(avx2|avx|sse[0-9]*|ssse3)(_.*)?$/\1/p' \
        | sed -E 's/^memcpy$/memcpy\nmemmove/; s/^memmove$/memcpy\nmemmove/' | sort -u)
    local pattern=""
    [ -z "$families" ] || pattern="^__($(printf '%s\n' "$families" | paste -sd'|'))_(evex|avx512)"
    if printf '%s\n' "$names" | grep -q '4sha26sha256'; then
        pattern="${pattern:+$pattern|}4sha26sha2563x86"
    fi
    [ -n "$pattern" ] || return 0
    nm --defined-only "$bin" | awk '$2 ~ /^[tTWi]$/ {print $3}' | { grep -E "$pattern" || true; } \
        | LC_ALL=C sort -u | { grep -v -x -F -f <(printf '%s\n' "$names") || true; }
}
