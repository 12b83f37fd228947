#!/usr/bin/env bash
# Whole-process time of `rfront check --format json` on every file of the real-world corpus
# (target: under 5 ms each).
#
#   frontend/bench/check-bench.sh [RUNS]      (default 30 runs per file; needs hyperfine)
#
# Builds rfront static and non-PIE as shipped (ci/lib/static-build.sh). First every file is
# checked once: the run must end with status 0 (nothing found) or 1 (findings, as
# `docker buildx build --call check` exits) and print a lint result document — a conversion
# error or a crash fails the benchmark. Then hyperfine times each file (`-N`, no shell) and
# the script prints the median, p95 and maximum of the per-file means and the slowest files.
# The machine should be otherwise idle: the load average is printed for context.
set -euo pipefail

# shellcheck source=../../ci/lib/static-build.sh
source "$(dirname "$0")/../../ci/lib/static-build.sh"
root="$REPO_ROOT"
shared="$SHARED_DIR"
runs="${1:-30}"
corpus="$shared/corpus/real"

command -v hyperfine >/dev/null || { echo "check-bench.sh: needs hyperfine" >&2; exit 1; }
bin="$(static_build_rfront "$root")/rfront"
ctx="$(mktemp -d)"
json="$(mktemp)"
trap 'rm -rf "$ctx" "$json"' EXIT

files=()
for f in "$corpus"/*; do
    case "$f" in *.md | *.tsv) continue ;; esac
    files+=("$f")
done

found=0
for f in "${files[@]}"; do
    rc=0
    out="$("$bin" check --format json -f "$f" "$ctx" 2>&1)" || rc=$?
    if [ "$rc" -gt 1 ] || ! printf '%s' "$out" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
assert isinstance(doc.get("warnings") or [], list) and "sources" in doc and "error" not in doc, doc' 2>/dev/null; then
        echo "check-bench.sh: $(basename "$f"): status $rc: $out" >&2
        exit 1
    fi
    [ "$rc" = 1 ] && found=$((found + 1))
done
echo "${#files[@]} files checked, $found with findings; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

list="$(printf '%s,' "${files[@]}")"
hyperfine -N -i --warmup 3 --runs "$runs" --style none --export-json "$json" \
    -L file "${list%,}" "$bin check --format json -f {file} $ctx" >/dev/null 2>&1
python3 - "$json" <<'PY'
import json, os, sys
results = json.load(open(sys.argv[1]))["results"]
rows = sorted((r["mean"], r["max"], os.path.basename(r["parameters"]["file"])) for r in results)
means = [r[0] for r in rows]
ms = lambda s: f"{s * 1000:.2f} ms"
print(f"per-file mean over {len(rows)} files: median {ms(means[len(means) // 2])}"
      f"  p95 {ms(means[len(means) * 95 // 100])}  max {ms(means[-1])}")
print(f"slowest single run: {ms(max(r[1] for r in rows))}")
for mean, worst, name in rows[-5:]:
    print(f"  {ms(mean)} (worst run {ms(worst)})  {name}")
over = [r for r in rows if r[0] >= 0.005]
print(f"files with a mean of 5 ms or more: {len(over)}")
sys.exit(1 if over else 0)
PY
