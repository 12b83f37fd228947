#!/usr/bin/env bash
# rfront CI: installs and starts what the tests need on a Debian bookworm machine (as root),
# then runs fmt, clippy, the tests, the doc tests and ci/e2e.sh if present. Idempotent: a second
# run installs and starts nothing and spends a few seconds on the infrastructure.
#
#   1. Debian packages: docker.io, docker-cli, docker-buildx, containerd from sid (pinned at
#      priority 100), busybox-static, docker-registry, graphviz, hyperfine, curl, jq, git.
#   2. /etc/cdi/rfront-test.yaml (fake CDI device example.com/fake=dev0, from ci/cdi/).
#   3. dockerd (log /tmp/dockerd.log) with /etc/docker/daemon.json from ci/lib/docker.sh.
#   4. The base image busybox:local, made offline from busybox-static.
#   5. docker-registry on 127.0.0.1:5000 (storage /tmp/rfront-registry), busybox:local pushed.
#   6. Smoke checks: buildx RUN + local export, --call outline/check, CDI, registry pull.
#   7. cargo fmt --check, clippy -D warnings, nextest (or cargo test), doc tests, ci/e2e.sh.
#
# Environment:
#   RFRONT_CI_SKIP_INFRA=1   skip 1-6 (tests still get the docker variables if dockerd answers)
#   RFRONT_CI_SKIP_CARGO=1   skip 7
#   RFRONT_CI_STRICT_NO_UPGRADE=1   fail instead of warn if sid packages would upgrade installed ones
#
# Exported to the tests (when the infrastructure is up):
#   RFRONT_SHARED            absolute path of ../shared (unless already set)
#   RFRONT_TEST_DOCKER=1     dockerd with BuildKit answers
#   RFRONT_TEST_BASE_IMAGE   busybox:local
#   RFRONT_TEST_REGISTRY     127.0.0.1:5000 (serves busybox:local as $RFRONT_TEST_REGISTRY/busybox:local)
#   RFRONT_TEST_CDI_DEVICE   example.com/fake=dev0 (sets RFRONT_FAKE_DEVICE=dev0 in the container)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# shellcheck source=ci/lib/common.sh
source ci/lib/common.sh
# shellcheck source=ci/lib/apt.sh
source ci/lib/apt.sh
# shellcheck source=ci/lib/docker.sh
source ci/lib/docker.sh
# shellcheck source=ci/lib/registry.sh
source ci/lib/registry.sh
# shellcheck source=ci/lib/smoke.sh
source ci/lib/smoke.sh
# shellcheck source=ci/lib/cargo.sh
source ci/lib/cargo.sh

trap ci_on_exit EXIT

main() {
    local t_start t_infra
    t_start=$(ci_now_ms)
    ci_log "rfront CI in $ROOT (CI=${CI:-unset})"

    if [ "${RFRONT_CI_SKIP_INFRA:-0}" != 1 ]; then
        [ "$(id -u)" = 0 ] || ci_die "ci/test.sh installs packages and starts dockerd: run it as root"
        ci_infra_step "debian packages" apt_ensure_packages
        ci_infra_step "cdi spec" cdi_install_spec
        ci_infra_step "docker config" docker_write_config
        ci_infra_step "dockerd" docker_ensure_daemon
        ci_infra_step "base image" docker_ensure_base_image
        ci_infra_step "registry" registry_ensure
        ci_infra_step "registry fixture" registry_ensure_fixture
        ci_infra_step "smoke checks" smoke_all
    else
        ci_log "RFRONT_CI_SKIP_INFRA=1: not installing or starting anything"
    fi
    t_infra=$(( $(ci_now_ms) - t_start ))
    ci_log "infrastructure ready in $(ci_fmt_ms "$t_infra")"

    if [ -z "${RFRONT_SHARED:-}" ] && [ -d "$ROOT/../shared" ]; then
        RFRONT_SHARED=$(cd "$ROOT/../shared" && pwd)
        export RFRONT_SHARED
    fi
    if docker info >/dev/null 2>&1; then
        export RFRONT_TEST_DOCKER=1
        export RFRONT_TEST_BASE_IMAGE=$BASE_IMAGE
        export RFRONT_TEST_CDI_DEVICE=example.com/fake=dev0
    fi
    if registry_up 2>/dev/null; then
        export RFRONT_TEST_REGISTRY=$RFRONT_REGISTRY
    fi
    ci_log "test environment: $(env | grep -E '^RFRONT_(SHARED|TEST_)' | sort | tr '\n' ' ')"

    if [ "${RFRONT_CI_SKIP_CARGO:-0}" != 1 ]; then
        cargo_run_checks
        e2e_run
    else
        ci_log "RFRONT_CI_SKIP_CARGO=1: skipping the Rust checks"
    fi

    CI_DONE=1
    ci_summary
    echo "  infrastructure: $(ci_fmt_ms "$t_infra"); total: $(ci_fmt_ms $(( $(ci_now_ms) - t_start )))"
    if [ "$CI_FAILURES" -ne 0 ]; then
        echo "CI FAILED: $CI_FAILURES check(s) failed"
        exit 1
    fi
    echo "CI OK"
}

main "$@"
