#!/usr/bin/env bash
# Wall time of a fully cached build of a small multi-stage Dockerfile: dockerd's built-in
# Dockerfile frontend vs the rfront gateway image, side by side.
#
#   ci/bench-gateway.sh [RUNS]          (default 30; needs dockerd, busybox:local, ourorg/rfront:dev)
#   ci/bench-gateway.sh --floor [RUNS]  (also needs ourorg/rfront-probe:dev: ci/build-image.sh --probe)
#
# Both builds export nothing (`--output type=cacheonly`) and are warmed first, so the numbers
# are the frontend's own cost: starting it (for rfront: the container), reading the Dockerfile,
# converting, and a fully cached solve. The two builds alternate (builtin, rfront, builtin, ...)
# so that drift in the daemon's or the machine's speed hits both alike; the script prints the
# median and mean of each, the ratio of the medians, and the median of the per-pair ratios.
#
# --floor measures what any gateway frontend costs on this daemon: a two-line Dockerfile
# (FROM, LABEL) built by the built-in frontend, by rfront, and by the probe image (the same
# gateway client with a stand-in compiler that does next to nothing; frontend/src/gateway/
# probe.rs). The probe's ratio is the container start and teardown plus the gateway round trips.
set -euo pipefail
floor=0
if [ "${1:-}" = --floor ]; then
    floor=1
    shift
fi
RUNS=${1:-30}
IMAGE=${RFRONT_IMAGE:-ourorg/rfront:dev}
PROBE=${RFRONT_PROBE_IMAGE:-ourorg/rfront-probe:dev}

docker image inspect "$IMAGE" >/dev/null 2>&1 || { echo "missing $IMAGE (ci/build-image.sh)" >&2; exit 1; }
if [ "$floor" = 1 ]; then
    docker image inspect "$PROBE" >/dev/null 2>&1 \
        || { echo "missing $PROBE (ci/build-image.sh --probe)" >&2; exit 1; }
fi
ctx=$(mktemp -d /tmp/rfront-bench.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
printf 'hello\n' > "$ctx/hello.txt"
if [ "$floor" = 1 ]; then
    printf 'FROM busybox:local\nLABEL bench=1\n' > "$ctx/Dockerfile"
else
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
fi

# The three commands are run by name (declare -n).
# shellcheck disable=SC2034
{
builtin=(docker buildx build --progress=quiet --output type=cacheonly "$ctx")
rfront=(docker buildx build --progress=quiet --output type=cacheonly --build-arg "BUILDKIT_SYNTAX=$IMAGE" "$ctx")
probe=(docker buildx build --progress=quiet --output type=cacheonly --build-arg "BUILDKIT_SYNTAX=$PROBE" "$ctx")
}
names=(builtin rfront)
[ "$floor" = 1 ] && names+=(probe)
for name in "${names[@]}"; do
    declare -n cmd=$name
    "${cmd[@]}" >/dev/null 2>&1 || { echo "the $name build failed" >&2; exit 1; }
done

times="$ctx/times"
: > "$times"
for _ in $(seq "$RUNS"); do
    for name in "${names[@]}"; do
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
t = {}
for name, us in rows:
    t.setdefault(name, []).append(int(us) / 1000)
b = t["builtin"]
for name, v in t.items():
    print(f"{name:8} median {statistics.median(v):6.1f} ms  mean {statistics.mean(v):6.1f} ms"
          f"  min {min(v):6.1f}  max {max(v):6.1f}  ({len(v)} runs)")
for name, r in t.items():
    if name == "builtin":
        continue
    pairs = [y / x for x, y in zip(b, r)]
    print(f"{name} / builtin: ratio of medians {statistics.median(r) / statistics.median(b):.2f},"
          f" of means {statistics.mean(r) / statistics.mean(b):.2f},"
          f" median of pair ratios {statistics.median(pairs):.2f}")
PY
