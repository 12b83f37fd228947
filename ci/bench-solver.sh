#!/usr/bin/env bash
# Benchmark: `rfront build` (standalone solver) side by side with dockerd's embedded BuildKit
# (`docker buildx build`) on the same Dockerfile: cold build, fully cached rebuild, one-line
# change, and peak memory (/usr/bin/time -v "Maximum resident set size").
#
# Needs what ci/test.sh sets up (dockerd, busybox:local, the loopback registry) and root.
#
#   ci/bench-solver.sh            # release build of rfront, 3 runs each, table on stdout
#   RFRONT=path/to/rfront RUNS=5 ci/bench-solver.sh
#
# Notes on fairness:
# - "cold" for rfront starts from an empty --cache-dir and pulls the base image from the
#   loopback registry; for BuildKit it runs after `docker builder prune -af` with --no-cache
#   (the base image is already in dockerd's image store).
# - BuildKit runs inside dockerd: its memory is the daemon's, so we report the client's peak RSS
#   (docker CLI + buildx plugin) and, separately, dockerd's VmHWM growth is not isolated.
#   rfront's peak RSS includes everything (solver, sandbox helpers are separate processes).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REG=${RFRONT_TEST_REGISTRY:-127.0.0.1:5000}
BASE_LOCAL=${RFRONT_TEST_BASE_IMAGE:-busybox:local}
RUNS=${RUNS:-3}
RFRONT=${RFRONT:-}
if [ -z "$RFRONT" ]; then
    (cd "$ROOT" && cargo build --release -q -p frontend --bin rfront)
    RFRONT="${CARGO_TARGET_DIR:-$ROOT/target}/release/rfront"
fi
[ -x "$RFRONT" ] || { echo "rfront binary not found: $RFRONT" >&2; exit 1; }

WORK=$(mktemp -d /tmp/rfront-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

write_dockerfile() { # $1 dir, $2 base image, $3 variant marker
    mkdir -p "$1"
    cat > "$1/Dockerfile" <<EOF
FROM $2
ENV APP=/app
WORKDIR /app
RUN for i in \$(seq 1 2000); do echo "line \$i" > /app/f\$i; done
RUN mkdir -p /data && dd if=/dev/zero of=/data/blob bs=1M count=32 2>/dev/null
RUN echo "variant $3" > /app/variant && sleep 1
RUN find /app | wc -l > /app/count
CMD ["cat", "/app/count"]
EOF
}

# Runs a command RUNS times; prints "median_seconds max_rss_kb".
measure() {
    local times=() rss=() i out
    for ((i = 0; i < RUNS; i++)); do
        [ -n "${BEFORE_EACH:-}" ] && eval "$BEFORE_EACH"
        out=$( { /usr/bin/time -v "$@" >/dev/null 2>"$WORK/err"; } 2>&1; cat "$WORK/err")
        if ! grep -q "Exit status: 0" <<<"$out"; then
            echo "command failed: $*" >&2
            tail -20 "$WORK/err" >&2
            exit 1
        fi
        times+=("$(awk -F': ' '/Elapsed \(wall clock\)/{split($2,a,":"); if (length(a)==3) print a[1]*3600+a[2]*60+a[3]; else print a[1]*60+a[2]}' <<<"$out")")
        rss+=("$(awk -F': ' '/Maximum resident set size/{print $2}' <<<"$out")")
    done
    local med maxrss
    med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    maxrss=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
    echo "$med $maxrss"
}

row() { printf '%-34s %10s s %10s MiB\n' "$1" "$2" "$(( $3 / 1024 ))"; }

R_CTX="$WORK/rfront"
B_CTX="$WORK/buildkit"
write_dockerfile "$R_CTX" "$REG/busybox:local" 1
write_dockerfile "$B_CTX" "$BASE_LOCAL" 1

echo "rfront: $RFRONT"
echo "runs per figure: $RUNS (median time, max peak RSS)"
echo

# rfront cold: a fresh cache dir each run.
BEFORE_EACH="rm -rf '$WORK/cache'"; read -r t m < <(measure "$RFRONT" build --progress quiet --cache-dir "$WORK/cache" "$R_CTX")
row "rfront cold" "$t" "$m"
BEFORE_EACH=""; read -r t m < <(measure "$RFRONT" build --progress quiet --cache-dir "$WORK/cache" "$R_CTX")
row "rfront fully cached" "$t" "$m"
BEFORE_EACH="sed -i 's/variant [0-9]*/variant \$RANDOM/' '$R_CTX/Dockerfile'"; read -r t m < <(measure "$RFRONT" build --progress quiet --cache-dir "$WORK/cache" "$R_CTX")
row "rfront one-line change" "$t" "$m"
BEFORE_EACH="rm -rf '$WORK/out.tar'"; read -r t m < <(measure "$RFRONT" build --progress quiet --cache-dir "$WORK/cache" -o "type=docker,dest=$WORK/out.tar,name=rfront-bench:1" "$R_CTX")
row "rfront cached + docker export" "$t" "$m"

if docker info >/dev/null 2>&1; then
    BEFORE_EACH="docker builder prune -af >/dev/null"; read -r t m < <(measure docker buildx build --progress quiet --no-cache "$B_CTX")
    row "buildkit (dockerd) cold" "$t" "$m"
    BEFORE_EACH=""; read -r t m < <(measure docker buildx build --progress quiet "$B_CTX")
    row "buildkit (dockerd) fully cached" "$t" "$m"
    BEFORE_EACH="sed -i 's/variant [0-9]*/variant \$RANDOM/' '$B_CTX/Dockerfile'"; read -r t m < <(measure docker buildx build --progress quiet "$B_CTX")
    row "buildkit (dockerd) one-line change" "$t" "$m"
    echo "(buildkit RSS is the docker client's; the builder itself runs inside dockerd)"
else
    echo "dockerd not reachable: BuildKit side skipped"
fi
