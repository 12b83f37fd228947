# shellcheck shell=bash
# Debian's docker-registry (distribution 2.8) on 127.0.0.1:5000 only, storage in a temp dir,
# for the standalone solver's pulls. dockerd trusts 127.0.0.0/8 registries over plain HTTP.

RFRONT_REGISTRY=127.0.0.1:5000
RFRONT_REGISTRY_DIR=${RFRONT_REGISTRY_DIR:-/tmp/rfront-registry}
# The base image as the registry serves it (pushed by registry_ensure_fixture).
RFRONT_REGISTRY_BASE_IMAGE=$RFRONT_REGISTRY/busybox:local

registry_up() { curl -fs -o /dev/null --max-time 2 "http://$RFRONT_REGISTRY/v2/"; }

registry_ensure() {
    if registry_up; then
        ci_log "registry answering on $RFRONT_REGISTRY"
        return 0
    fi
    # Something else holding the port (the package's own service, say, which wants auth)?
    if curl -s -o /dev/null --max-time 2 "http://$RFRONT_REGISTRY/v2/"; then
        ci_die "$RFRONT_REGISTRY is taken by something that does not answer /v2/ with 200 (stop it first)"
    fi
    command -v docker-registry >/dev/null || ci_die "docker-registry not installed"
    mkdir -p "$RFRONT_REGISTRY_DIR/data"
    cat > "$RFRONT_REGISTRY_DIR/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $RFRONT_REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $RFRONT_REGISTRY
EOF
    ci_log "starting docker-registry on $RFRONT_REGISTRY (storage $RFRONT_REGISTRY_DIR/data)"
    (setsid docker-registry serve "$RFRONT_REGISTRY_DIR/config.yml" </dev/null \
        >"$RFRONT_REGISTRY_DIR/registry.log" 2>&1 &)
    local _
    for _ in $(seq 1 40); do
        registry_up && return 0
        sleep 0.25
    done
    tail -n 20 "$RFRONT_REGISTRY_DIR/registry.log" >&2 || true
    ci_die "docker-registry did not answer on $RFRONT_REGISTRY within 10s"
}

# Pushes busybox:local to the registry (cheap when already there) and checks the manifest is served.
registry_ensure_fixture() {
    docker tag "$BASE_IMAGE" "$RFRONT_REGISTRY_BASE_IMAGE"
    docker push -q "$RFRONT_REGISTRY_BASE_IMAGE" >"$CI_LOGDIR/push.log" 2>&1 \
        || { cat "$CI_LOGDIR/push.log" >&2; ci_die "docker push $RFRONT_REGISTRY_BASE_IMAGE failed"; }
    curl -fsS --max-time 5 \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
        "http://$RFRONT_REGISTRY/v2/busybox/manifests/local" >"$CI_LOGDIR/manifest.json"
    jq -e '.layers | length == 1' "$CI_LOGDIR/manifest.json" >/dev/null \
        || ci_die "registry serves an unexpected manifest for busybox:local"
    ci_log "pushed $RFRONT_REGISTRY_BASE_IMAGE ($(jq -r .config.digest "$CI_LOGDIR/manifest.json"))"
}
