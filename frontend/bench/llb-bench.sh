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
    rss="$(/usr/bin/time -v "${cmd[@]}" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}')"
    echo "   peak RSS: ${rss} KiB ($((rss / 1024)) MiB)"
done
