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
# `rfront` itself is built by `static_build_rfront`, which also lays its code and read-only
# data out by use (see there): the kernel maps a binary's file pages in whole 64 KiB blocks
# around each fault, so code used by a conversion but scattered over 10 MB of text made up a
# third of `rfront llb`'s resident memory, and the constants it reads, spread over 1.6 MiB of
# .rodata, another 0.9 MiB of it.

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
# functions a conversion runs placed together at the start of .text and the read-only data it
# reads together at the start of the read-only segment, and prints the binaries' directory.
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
#
# The data is measured the same way: valgrind's lackey traces every load of the perf corpus's
# conversions, the link map (written by every link) names the input section each read byte
# lies in, and a linker script (content-hashed like the order file) gathers those sections
# into one output section ahead of .rodata (ci/lib/rodata-layout.py). Most of them are
# constants without a symbol (`.rodata..Lanon.*`), which an order file cannot name. Without
# python3 the data stays where lld puts it.
static_build_rfront() {
    local root=$1
    local dir="${CARGO_TARGET_DIR:-$root/target}/$STATIC_TRIPLE/release"
    local state="$dir/.rfront-layout"
    mkdir -p "$state"
    local order script
    order=$(_static_layout_file "$state/current")
    script=$(_static_layout_file "$state/current-rodata")
    _static_link_rfront "$root" "$state" "$order" "$script"
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "static-build: valgrind not installed; rfront's code is not laid out by use" >&2
        echo "$dir"
        return 0
    fi
    local sum
    sum=$(sha256sum "$dir/rfront" | cut -d' ' -f1)
    if [ "$sum" != "$(cat "$state/profiled" 2>/dev/null || true)" ]; then
        local names="$state/names.txt" rodata="$state/rodata.txt"
        _static_profile_rfront "$dir/rfront" "$state" >"$names"
        _static_profile_rodata "$dir/rfront" "$state" >"$rodata"
        local new_order new_script=""
        new_order="$state/order-$(sha256sum "$names" | cut -c1-16).txt"
        [ ! -s "$rodata" ] || new_script="$state/rodata-$(sha256sum "$rodata" | cut -c1-16).ld"
        if [ "$new_order" != "$order" ] || [ "$new_script" != "$script" ]; then
            rm -f "$state"/order-*.txt "$state"/rodata-*.ld
            mv "$names" "$new_order"
            echo "$new_order" >"$state/current"
            if [ -n "$new_script" ]; then
                mv "$rodata" "$new_script"
                echo "$new_script" >"$state/current-rodata"
            else
                rm -f "$state/current-rodata"
            fi
            _static_link_rfront "$root" "$state" "$new_order" "$new_script"
            sum=$(sha256sum "$dir/rfront" | cut -d' ' -f1)
        fi
        echo "$sum" >"$state/profiled"
    fi
    echo "$dir"
}

# _static_layout_file POINTER: the file named in POINTER when it still exists, else nothing.
_static_layout_file() {
    local file
    file=$(cat "$1" 2>/dev/null || true)
    [ -z "$file" ] || [ -f "$file" ] || file=""
    printf '%s' "$file"
}

# _static_link_rfront ROOT STATE [ORDER [SCRIPT]]: the static build of rfront, its text ordered
# by ORDER and its read-only data by the linker script SCRIPT; the link map goes to
# STATE/rfront.map (it does not change the binary).
_static_link_rfront() {
    local root=$1 state=$2 order=${3:-} script=${4:-}
    local args=(-C "link-arg=-Wl,-Map=$state/rfront.map")
    [ -z "$order" ] || args+=(-C "link-arg=-Wl,--symbol-ordering-file=$order"
        -C "link-arg=-Wl,--no-warn-symbol-ordering")
    [ -z "$script" ] || args+=(-C "link-arg=-Wl,-T,$script")
    RUSTFLAGS="${RUSTFLAGS:-} $STATIC_RUSTFLAGS" \
        cargo rustc --quiet --release --target "$STATIC_TRIPLE" \
        --manifest-path "$root/Cargo.toml" -p frontend --bin rfront -- "${args[@]}" >&2
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
# `cfn=` line that introduces its id): first those every conversion of the perf corpus enters,
# then the code that runs natively besides or in place of profiled code (see
# _static_native_code), then the rest: those more perf conversions enter first, then those
# more runs enter.
_static_profile_rfront() {
    local bin=$1 state=$2
    local ctx="$state/ctx" prof="$state/profiles"
    rm -rf "$prof"
    mkdir -p "$ctx" "$prof"
    local perf=("$SHARED_DIR"/corpus/perf/*.Dockerfile)
    local files=("${perf[@]}" "$SHARED_DIR"/corpus/llb/*/Dockerfile)
    local i=0 f kind
    for f in "${files[@]}"; do
        i=$((i + 1))
        kind=llb
        [ "$i" -gt "${#perf[@]}" ] || kind=llb-perf
        # The two commands side by side (the machines have two cores).
        _static_callgrind "$prof/$kind-$i" "$bin" llb --offline -f "$f" "$ctx" &
        _static_callgrind "$prof/check-$i" "$bin" check --format json -f "$f" "$ctx"
        wait
    done
    # Each profile's functions once, tagged with whether the profile is a perf conversion;
    # then per function: perf runs entering it, all runs entering it, its name.
    local p tag ranked
    ranked=$(for p in "$prof"/*; do
        [ -f "$p" ] || continue
        tag=0
        case "$p" in */llb-perf-*) tag=1 ;; esac
        # Names only: not callgrind's `(below main)`, unnamed code (`0x…`) or the `'N` suffix of
        # a recursion level.
        sed -n -E "s/^c?fn=\([0-9]+\) ([^(].*)$/\1/p" "$p" | sed -E "s/'[0-9]+$//" \
            | { grep -v -E '^0x[0-9a-f]+$' || true; } | LC_ALL=C sort -u | sed "s/^/$tag /"
    done | awk '{ perf[$2] += $1; runs[$2]++ } END { for (n in runs) print perf[n], runs[n], n }' \
        | LC_ALL=C sort -k1,1nr -k2,2nr -k3,3)
    local most
    most=$(awk 'NR == 1 { print $1 }' <<<"$ranked")
    awk -v most="$most" '$1 == most { print $3 }' <<<"$ranked"
    awk '{ print $3 }' <<<"$ranked" | _static_native_code "$bin"
    awk -v most="$most" '$1 != most { print $3 }' <<<"$ranked"
}

# _static_profile_rodata BIN STATE: prints the linker script that gathers the read-only data
# the perf corpus's conversions read (ci/lib/rodata-layout.py, from lackey's trace of their
# loads and STATE/rfront.map); nothing without python3.
_static_profile_rodata() {
    local bin=$1 state=$2 f
    command -v python3 >/dev/null 2>&1 || return 0
    [ -f "$state/rfront.map" ] || return 0
    mkdir -p "$state/ctx"
    # Loads and modifies (` L`/` M` lines) of addresses below 16 MiB, where the static non-PIE
    # binary's image lies; lackey's own log goes to fd 9, the program's output nowhere.
    for f in "$SHARED_DIR"/corpus/perf/*.Dockerfile; do
        valgrind --tool=lackey --trace-mem=yes --log-fd=9 \
            "$bin" llb --offline -f "$f" "$state/ctx" 9>&1 >/dev/null 2>/dev/null \
            | { grep -E '^ [LM] 00[0-9a-f]{6},' || true; }
    done | python3 "$REPO_ROOT/ci/lib/rodata-layout.py" "$state/rfront.map"
}

# _static_native_code BIN: reads the profiled names on standard input and prints the code BIN
# runs on real hardware but not under valgrind, which the profile therefore misses (left out,
# each piece would be faulted in from cold text on its own 64 KiB block):
# - the EVEX/AVX-512 variants of each glibc string function seen in its AVX2 or SSE form
#   (memcpy is memmove's alias): valgrind's emulated CPU has no AVX-512;
# - sha2's x86 (SHA-NI) functions when its software SHA-256 was seen: nor the SHA extensions;
# - static glibc's setup of the vDSO (_dl_non_dynamic_init's setup_vdso and dl_vdso_vsym:
#   a link map for it, then a symbol lookup by name with strcmp, whose EVEX or AVX2 form
#   runs), which valgrind skips by giving the program no vDSO;
# - crtbegin's frame_dummy (an .init_array entry), which the profile does not name: its
#   symbol has no size.
# Found by setting a gdb breakpoint on every function of the cold text a native `rfront llb`
# touched, and by making such text inaccessible (mprotect) to see what faults.
# Needs nm; without it nothing is printed.
_static_native_code() {
    local bin=$1 names
    names=$(cat)
    command -v nm >/dev/null 2>&1 || return 0
    local families
    families=$(printf '%s\n' "$names" \
        | sed -n -E 's/^__([a-z0-9]+)_(avx2|avx|sse[0-9]*|ssse3)(_.*)?$/\1/p' \
        | sed -E 's/^memcpy$/memcpy\nmemmove/; s/^memmove$/memcpy\nmemmove/' | sort -u)
    local pattern="^__strcmp_(evex|avx2)"
    [ -z "$families" ] ||
        pattern="$pattern|^__($(printf '%s\n' "$families" | paste -sd'|'))_(evex|avx512)"
    pattern="$pattern|^(_dl_new_object|_dl_add_to_namespace_list|_dl_setup_hash)$"
    pattern="$pattern|^(_dl_lookup_symbol_x|do_lookup_x|check_match|frame_dummy)$"
    if grep -q '4sha26sha256' <<<"$names"; then
        pattern="$pattern|4sha26sha2563x86"
    fi
    nm --defined-only "$bin" | awk '$2 ~ /^[tTWi]$/ {print $3}' | { grep -E "$pattern" || true; } \
        | LC_ALL=C sort -u | { grep -v -x -F -f <(printf '%s\n' "$names") || true; }
}
