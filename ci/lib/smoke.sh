# shellcheck shell=bash
# Quick checks that the engine does what the e2e tests rely on. Each one fails the run with the
# command's output when it does not hold. About two seconds in all.

SMOKE_DIR=""

smoke_setup() {
    SMOKE_DIR=$(mktemp -d /tmp/rfront-smoke.XXXXXX)
    mkdir -p "$SMOKE_DIR/ctx"
    cat > "$SMOKE_DIR/ctx/Dockerfile" <<'EOF'
FROM busybox:local AS base
ARG GREETING=hello
RUN echo "$GREETING from $(id -u)" > /out.txt && ls -ld /tmp | cut -c1-10 >> /out.txt

FROM scratch
COPY --from=base /out.txt /
EOF
}

smoke_cleanup() { [ -n "$SMOKE_DIR" ] && rm -rf "$SMOKE_DIR"; SMOKE_DIR=""; }

# smoke_run LOGNAME CMD...: runs CMD with output to a log, shown when it fails.
smoke_run() {
    local log="$CI_LOGDIR/smoke-$1.log"; shift
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        ci_die "smoke check failed: $* (log: $log)"
    fi
}

# A RUN step (runc under dockerd's BuildKit) and a local-directory export.
smoke_buildx_run() {
    smoke_run build docker buildx build --progress=plain --no-cache \
        --output "type=local,dest=$SMOKE_DIR/out" "$SMOKE_DIR/ctx"
    local got want
    got=$(cat "$SMOKE_DIR/out/out.txt")
    want=$'hello from 0\ndrwxrwxrwt'
    [ "$got" = "$want" ] || ci_die "buildx RUN produced '$got', expected '$want'"
}

# The outline and check subrequests of the built-in Dockerfile frontend.
smoke_buildx_calls() {
    smoke_run outline docker buildx build --call outline "$SMOKE_DIR/ctx"
    grep -q '^GREETING *hello' "$CI_LOGDIR/smoke-outline.log" \
        || ci_die "--call outline did not list GREETING (log: $CI_LOGDIR/smoke-outline.log)"
    smoke_run check docker buildx build --call check "$SMOKE_DIR/ctx"
    grep -q 'no warnings found' "$CI_LOGDIR/smoke-check.log" \
        || ci_die "--call check did not report a clean Dockerfile (log: $CI_LOGDIR/smoke-check.log)"
}

# The fake CDI device: listed by BuildKit as auto-allowed, and injected by dockerd into a container.
smoke_cdi() {
    smoke_run inspect docker buildx inspect
    grep -q 'example.com/fake=dev0' "$CI_LOGDIR/smoke-inspect.log" \
        || ci_die "BuildKit does not list the CDI device example.com/fake=dev0 (log: $CI_LOGDIR/smoke-inspect.log)"
    grep -A1 'example.com/fake=dev0' "$CI_LOGDIR/smoke-inspect.log" | grep -q 'Automatically allowed: *true' \
        || ci_die "BuildKit does not auto-allow example.com/fake=dev0 (log: $CI_LOGDIR/smoke-inspect.log)"
    local env
    env=$(docker run --rm --network none --device example.com/fake=dev0 "$BASE_IMAGE" sh -c 'echo "$RFRONT_FAKE_DEVICE"')
    [ "$env" = dev0 ] || ci_die "docker run --device example.com/fake=dev0 gave RFRONT_FAKE_DEVICE='$env'"
}

# BuildKit pulls from the local registry over plain HTTP (forced with --pull).
smoke_registry_pull() {
    printf 'FROM %s\nRUN test -x /bin/busybox\n' "$RFRONT_REGISTRY_BASE_IMAGE" > "$SMOKE_DIR/ctx/Dockerfile.registry"
    smoke_run pull docker buildx build --progress=plain --pull --no-cache \
        -f "$SMOKE_DIR/ctx/Dockerfile.registry" --output "type=local,dest=$SMOKE_DIR/out-registry" "$SMOKE_DIR/ctx"
}

smoke_all() {
    smoke_setup
    smoke_buildx_run
    smoke_buildx_calls
    smoke_cdi
    smoke_registry_pull
    smoke_cleanup
}
