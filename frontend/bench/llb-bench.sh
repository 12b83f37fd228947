#!/usr/bin/env bash
# Whole-process time and peak memory of `rfront llb --offline` on the perf corpus.
#
#   frontend/bench/llb-bench.sh [RUNS]
#
# Upstream (docker/dockerfile 1.26 frontend, dockerfile2llb + marshal, whole process):
#   mixed-200.Dockerfile   84 ms, 31 MiB peak RSS
#   stages-500.Dockerfile  32 ms, 23 MiB peak RSS
# Target: 10x faster and under a quarter of the memory.
#
# With RFRONT_UPSTREAM_LLB set to a command that converts the Dockerfile given as its last
# argument the way upstream does (say, a build of upstream's dockerfile2llb that writes the
# marshalled Definition; none is in this repository), the two also run side by side and the
# ratios are printed: on hosts whose speed drifts, the only fair comparison.
#
# Builds the release binary static and non-PIE, its code and read-only data laid out by use
# (static_build_rfront in ci/lib/static-build.sh; needs valgrind, installed with the benchmark
# tools, and python3), checks that it converts each file to its golden Definition (same op
# count), then times it with hyperfine when installed, otherwise with a date +%s%N loop, and
# reads the peak RSS with /usr/bin/time -v. The machine should be otherwise idle: the load
# average is printed for context.
set -euo pipefail

# shellcheck source=../../ci/lib/static-build.sh
source "$(dirname "$0")/../../ci/lib/static-build.sh"
root="$REPO_ROOT"
shared="$SHARED_DIR"
runs="${1:-200}"
bin="$(static_build_rfront "$root")/rfront"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT

# peak_rss CMD...: CMD's peak resident memory in KiB.
peak_rss() {
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}'
}

# side_by_side RUNS RFRONT_RSS DOCKERFILE UPSTREAM_CMD... -- RFRONT_CMD...: upstream's conversion
# and rfront's, timed in the same minutes: ten rounds of hyperfine over both commands, the
# order swapped each round, so that the host's drift (these machines' speed swings 1.5-2x
# within minutes) hits both alike; prints both medians and minimums, the ratio of the
# medians, the median of the rounds' ratios, and the peak RSS of each.
side_by_side() {
    local runs=$1 rss=$2 df=$3
    shift 3
    local up=() rf=()
    while [ "$1" != -- ]; do up+=("$1"); shift; done
    shift
    rf=("$@")
    if ! command -v hyperfine >/dev/null 2>&1; then
        echo "   side by side: needs hyperfine" >&2
        return 0
    fi
    "${up[@]}" >/dev/null || { echo "   side by side: upstream command failed on $df" >&2; return 0; }
    local per=$(( runs / 10 > 5 ? runs / 10 : 5 )) dir round
    dir="$(mktemp -d)"
    local first=(-n upstream "${up[*]}") second=(-n rfront "${rf[*]}")
    for round in $(seq 10); do
        # Its warnings (outliers: the host) go to a log, shown only when it fails.
        hyperfine -N --warmup 3 --runs "$per" --export-json "$dir/$round.json" \
            "${first[@]}" "${second[@]}" >/dev/null 2>"$dir/log" \
            || { cat "$dir/log" >&2; rm -rf "$dir"; return 1; }
        local swap=("${first[@]}")
        first=("${second[@]}")
        second=("${swap[@]}")
    done
    local up_rss
    up_rss="$(peak_rss "${up[@]}")"
    python3 - "$dir" "$rss" "$up_rss" <<'PY'
import glob, json, statistics, sys
times = {"rfront": [], "upstream": []}
ratios = []
for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
    median = {}
    for r in json.load(open(path))["results"]:
        times[r["command"]] += r["times"]
        median[r["command"]] = r["median"]
    ratios.append(median["upstream"] / median["rfront"])
rss, up_rss = int(sys.argv[2]), int(sys.argv[3])
m = {k: statistics.median(v) * 1000 for k, v in times.items()}
lo = {k: min(v) * 1000 for k, v in times.items()}
print(f"   side by side ({len(times['rfront'])} runs each): upstream median {m['upstream']:.2f} ms"
      f" (min {lo['upstream']:.2f}), rfront median {m['rfront']:.2f} ms (min {lo['rfront']:.2f})")
print(f"   upstream / rfront: ratio of medians {m['upstream'] / m['rfront']:.1f}x,"
      f" median of the rounds' ratios {statistics.median(ratios):.1f}x;"
      f" peak RSS {up_rss} / {rss} KiB = {up_rss / rss:.1f}x")
PY
    rm -rf "$dir"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for name in mixed-200 stages-500; do
    df="$shared/corpus/perf/$name.Dockerfile"
    cmd=("$bin" llb --offline -f "$df" "$ctx")
    ops="$("${cmd[@]}" --json | wc -l)"
    want="$("$bin" --version >/dev/null && python3 - "$shared/corpus/perf/$name.definition.pb" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
# count field-1 (def) entries of the Definition message
i, n = 0, 0
while i < len(data):
    key = data[i]; i += 1
    shift, val = 0, 0
    while True:
        b = data[i]; i += 1
        val |= (b & 0x7f) << shift; shift += 7
        if b < 0x80: break
    if key & 7 == 2:
        if key >> 3 == 1: n += 1
        i += val
print(n)
PY
)"
    echo "== $name: $ops ops (golden $want)"
    if command -v hyperfine >/dev/null 2>&1; then
        json="$(mktemp)"
        hyperfine -N --warmup 20 --runs "$runs" --export-json "$json" \
            "${cmd[*]}" >/dev/null
        python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
t = sorted(r["times"])
ms = lambda s: f"{s * 1000:.2f} ms"
print(f"   time (hyperfine, {len(t)} runs): min {ms(t[0])}  median {ms(r['median'])}"
      f"  mean {ms(r['mean'])}  user {ms(r['user'])}  system {ms(r['system'])}")
PY
        rm -f "$json"
    else
        total=0
        for _ in $(seq "$runs"); do
            s=$(date +%s%N); "${cmd[@]}" >/dev/null; e=$(date +%s%N)
            total=$((total + e - s))
        done
        echo "   time (loop, $runs runs): mean $((total / runs / 1000)) us"
    fi
    rss="$(peak_rss "${cmd[@]}")"
    echo "   peak RSS: ${rss} KiB ($((rss / 1024)) MiB)"
    if [ -n "${RFRONT_UPSTREAM_LLB:-}" ]; then
        read -r -a up <<<"$RFRONT_UPSTREAM_LLB"
        side_by_side "$runs" "$rss" "$df" "${up[@]}" "$df" -- "${cmd[@]}"
    fi
done
