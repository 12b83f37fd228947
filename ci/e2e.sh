#!/usr/bin/env bash
# End-to-end tests against the real dockerd (run by ci/test.sh when this file exists):
#   1. ci/build-image.sh          → ourorg/rfront:dev        (the frontend image)
#   2. ci/build-image.sh --probe  → ourorg/rfront-probe:dev  (gateway with a stand-in compiler)
#   3. cargo test -p frontend --test e2e -- --include-ignored
#      (testdata/e2e/<case>: built-in frontend vs rfront, file systems, image configs and
#      --call answers compared; see frontend/tests/e2e.rs)
# Extra arguments go to the test binary (e.g. a trial name filter).
# Without dockerd (`docker info` fails) it says so and exits 0.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! docker info >/dev/null 2>&1; then
    echo "e2e: dockerd does not answer; skipping the end-to-end tests" >&2
    exit 0
fi
docker image inspect busybox:local >/dev/null 2>&1 \
    || { echo "e2e: busybox:local is missing (ci/test.sh imports it)" >&2; exit 1; }

start=$(date +%s)
ci/build-image.sh >/dev/null
ci/build-image.sh --probe >/dev/null
echo "e2e: images built in $(( $(date +%s) - start ))s" >&2

cargo test -p frontend --test e2e -- --include-ignored "$@"
