#!/usr/bin/env bash
# Wall time of a fully cached build of a small multi-stage Dockerfile: dockerd's built-in
# Dockerfile frontend vs the rfront gateway image, side by side (hyperfine when installed).
#
#   ci/bench-gateway.sh [RUNS]      (default 10; needs dockerd, busybox:local, ourorg/rfront:dev)
#
# Both builds export nothing (`--output type=cacheonly`) and are warmed first, so the numbers
# are the frontend's own cost: starting it (for rfront: the container), reading the Dockerfile,
# converting, and a fully cached solve.
set -euo pipefail
RUNS=${1:-10}
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

if command -v hyperfine >/dev/null; then
    hyperfine --warmup 2 --runs "$RUNS" --export-markdown "$ctx/bench.md" \
        -n builtin "${builtin[*]}" -n rfront "${rfront[*]}" >&2
    cat "$ctx/bench.md"
else
    for name in builtin rfront; do
        declare -n cmd=$name
        t0=$(date +%s%N)
        for _ in $(seq "$RUNS"); do "${cmd[@]}" >/dev/null 2>&1; done
        t1=$(date +%s%N)
        echo "$name: $(( (t1 - t0) / RUNS / 1000000 )) ms per build ($RUNS runs)"
    done
fi
