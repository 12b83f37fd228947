#!/usr/bin/env bash
# Whole-process time of `llb-dump --format json` on the perf corpus
# (target: under 4 ms for mixed-200; `buildctl debug dump-llb`: ~35 ms).
#
#   llb/bench/dump-bench.sh [DEFINITION.pb] [RUNS]
#
# Builds the release binary static and non-PIE as shipped (ci/lib/static-build.sh), checks that
# its output is complete, then times it with hyperfine when installed
# (apt-get install hyperfine), otherwise with a date +%s%N loop. Prints
# min / median / mean in milliseconds, then the in-process time of the same
# work (examples/json_dump_timing.rs). The machine should be otherwise idle:
# the load average is printed for context.
set -euo pipefail

# shellcheck source=../../ci/lib/static-build.sh
source "$(dirname "$0")/../../ci/lib/static-build.sh"
root="$REPO_ROOT"
shared="$SHARED_DIR"
def="${1:-$shared/corpus/perf/mixed-200.definition.pb}"
runs="${2:-300}"
out="$(static_build "$root" -p llb --bin llb-dump --example json_dump_timing)"
bin="$out/llb-dump"

lines="$("$bin" --format json "$def" | wc -l)"
echo "llb-dump --format json $(basename "$def"): $lines lines; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

if command -v hyperfine >/dev/null 2>&1; then
    json="$(mktemp)"
    hyperfine -N --warmup 30 --runs "$runs" --export-json "$json" \
        "$bin --format json $def" >/dev/null
    python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
t = sorted(r["times"])
ms = lambda s: f"{s * 1000:.2f} ms"
print(f"whole process (hyperfine, {len(t)} runs): min {ms(t[0])}  median {ms(r['median'])}"
      f"  mean {ms(r['mean'])}  user {ms(r['user'])}  system {ms(r['system'])}")
PY
    rm -f "$json"
else
    times=()
    for _ in $(seq 10); do "$bin" --format json "$def" >/dev/null; done
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$bin" --format json "$def" >/dev/null
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v n="$runs" '
        { t[NR] = $1; sum += $1 }
        END { printf "whole process (date loop, %d runs, includes fork/exec of the shell): min %.2f ms  median %.2f ms  mean %.2f ms\n",
              n, t[1] / 1000, t[int((n + 1) / 2)] / 1000, sum / n / 1000 }'
fi

"$out/examples/json_dump_timing" "$def" "$runs"
