#!/usr/bin/env bash
# Builds the rfront `# syntax=` frontend image from the working tree into the local docker image
# store, offline (no registry, no base image):
#
#   ci/build-image.sh [--probe] [TAG]
#
#   TAG       default ourorg/rfront:dev (ourorg/rfront-probe:dev with --probe)
#   --probe   package the gateway_probe example instead of rfront (the gateway with a tiny
#             stand-in compiler; see frontend/src/gateway/probe.rs)
#
# The image is FROM scratch with one static binary (glibc, +crt-static, opt-level s, fat LTO,
# stripped), the labels
# BuildKit checks before starting a frontend, and `rfront gateway` as entrypoint. It is built by
# dockerd's own BuildKit from a temporary local context (`docker buildx build`, docker driver),
# so it lands in the image store without any registry. Prints the image size on stderr.
#
# Environment: CARGO_TARGET_DIR (default <repo>/target), CARGO (default cargo).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRIPLE=x86_64-unknown-linux-gnu
CAPS=moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts

probe=0
tag=""
for arg in "$@"; do
    case $arg in
        --probe) probe=1 ;;
        -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}"; exit 0 ;;
        -*) echo "build-image.sh: unknown flag $arg" >&2; exit 2 ;;
        *) tag=$arg ;;
    esac
done
if [ "$probe" = 1 ]; then
    tag=${tag:-ourorg/rfront-probe:dev}
    what=(--example gateway_probe)
    built=examples/gateway_probe
    entry='["/rfront"]'
else
    tag=${tag:-ourorg/rfront:dev}
    what=(--bin rfront)
    built=rfront
    entry='["/rfront", "gateway"]'
fi

log() { echo "build-image.sh: $*" >&2; }

command -v docker >/dev/null || { log "docker not found"; exit 1; }
rustup target list --installed 2>/dev/null | grep -qx "$TRIPLE" \
    || log "warning: rustup does not list $TRIPLE as installed; trying anyway"

target_dir=${CARGO_TARGET_DIR:-$ROOT/target}
log "building ${what[*]} (static, release) in $target_dir"
(
    cd "$ROOT"
    # Size over speed: the frontend does little computing, and the image should stay small
    # (the `image` profile: opt-level s + fat LTO, ~4.7 MB instead of ~7.2 MB). Static and not
    # position-independent: no loader or relocation work when BuildKit starts it.
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
        "${CARGO:-cargo}" build --profile image --locked --target "$TRIPLE" -p frontend \
            --no-default-features "${what[@]}"
)
bin="$target_dir/$TRIPLE/image/$built"
[ -x "$bin" ] || { log "no binary at $bin"; exit 1; }

ctx=$(mktemp -d /tmp/rfront-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
cp "$bin" "$ctx/rfront"
strip "$ctx/rfront"
if ldd "$ctx/rfront" 2>&1 | grep -q '=>'; then
    log "the binary is dynamically linked:"; ldd "$ctx/rfront" >&2; exit 1
fi

cat > "$ctx/Dockerfile" <<EOF
FROM scratch
COPY rfront /rfront
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="$CAPS"
ENTRYPOINT $entry
EOF

log "building image $tag"
docker buildx build --quiet --progress=quiet --provenance=false --sbom=false \
    --output "type=docker,name=$tag" "$ctx" >/dev/null

size=$(docker image inspect -f '{{.Size}}' "$tag")
log "$tag: $(( size / 1024 )) KiB (binary $(( $(stat -c %s "$ctx/rfront") / 1024 )) KiB)"
max=$(( 8 * 1024 * 1024 ))
if [ "$size" -gt "$max" ]; then
    log "warning: image is larger than 8 MiB"
fi
echo "$tag"
