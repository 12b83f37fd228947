#!/usr/bin/env bash
# Wall time of a fully cached build of a small multi-stage Dockerfile: dockerd's built-in
# Dockerfile frontend vs the rfront gateway image, side by side.
#
#   ci/bench-gateway.sh [RUNS]      (default 30; needs dockerd, busybox:local, ourorg/rfront:dev)
#
# Both builds export nothing (`--output type=cacheonly`) and are warmed first, so the numbers
# are the frontend's own cost: starting it (for rfront: the container), reading the Dockerfile,
# converting, and a fully cached solve. The two builds alternate (builtin, rfront, builtin, ...)
# so that drift in the daemon's or the machine's speed hits both alike; the script prints the
# median and mean of each, the ratio of the medians, and the median of the per-pair ratios.
set -euo pipefail
RUNS=${1:-30}
IMAGE=${RFRONT_IMAGE:-ourorg/rfront:dev}

docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "missing $IMAGE (ci/build-image.sh)" >&2; exit 1; }
ctx=$(mktemp -d /tmp/rfront-bench.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
printf 'hello\n' > "$ctx/hello.txt"
cat > "$ctx/Dockerfile" <<'DF'
FROM busybox:local AS build
ARG GREETING=hi
RUN echo "$GREETING" > /greeting.txt
COPY hello.txt /src/hello.txt
RUN cat /src/hello.txt /greeting.txt > /out.txt

FROM busybox:local AS other
RUN echo other > /other.txt

FROM scratch
COPY --from=build /out.txt /
COPY --from=other /other.txt /
LABEL bench=1
DF

builtin=(docker buildx build --progress=quiet --output type=cacheonly "$ctx")
rfront=(docker buildx build --progress=quiet --output type=cacheonly --build-arg "BUILDKIT_SYNTAX=$IMAGE" "$ctx")
"${builtin[@]}" >/dev/null 2>&1
"${rfront[@]}" >/dev/null 2>&1

times="$ctx/times"
: > "$times"
for _ in $(seq "$RUNS"); do
    for name in builtin rfront; do
        declare -n cmd=$name
        t0=$(date +%s%N)
        "${cmd[@]}" >/dev/null 2>&1
        t1=$(date +%s%N)
        echo "$name $(( (t1 - t0) / 1000 ))" >> "$times"
    done
done
python3 - "$times" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
t = {"builtin": [], "rfront": []}
for name, us in rows:
    t[name].append(int(us) / 1000)
b, r = t["builtin"], t["rfront"]
for name, v in (("builtin", b), ("rfront", r)):
    print(f"{name:8} median {statistics.median(v):6.1f} ms  mean {statistics.mean(v):6.1f} ms"
          f"  min {min(v):6.1f}  max {max(v):6.1f}  ({len(v)} runs)")
pairs = [y / x for x, y in zip(b, r)]
print(f"rfront / builtin: ratio of medians {statistics.median(r) / statistics.median(b):.2f},"
      f" of means {statistics.mean(r) / statistics.mean(b):.2f},"
      f" median of pair ratios {statistics.median(pairs):.2f}")
PY
