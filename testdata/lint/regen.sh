#!/bin/sh
# Regenerates expected.json of every lint case from the real BuildKit: `docker buildx build
# --call check,format=json` (the daemon's built-in Dockerfile frontend), keeping the
# document without its `sources`. Cases with a `no-oracle` file (features the daemon's
# BuildKit predates) keep their hand-written expected.json.
# Usage: testdata/lint/regen.sh [CASE…]   (needs docker with buildx and busybox:local)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
[ $# -gt 0 ] || set -- */
for c in "$@"; do
    c=${c%/}
    [ -f "$c/Dockerfile" ] || continue
    if [ -f "$c/no-oracle" ]; then
        echo "skip $c: $(cat "$c/no-oracle")"
        continue
    fi
    set --
    [ -f "$c/target" ] && set -- --target "$(cat "$c/target")"
    if [ -f "$c/args" ]; then
        while IFS= read -r a; do [ -n "$a" ] && set -- "$@" --build-arg "$a"; done < "$c/args"
    fi
    out=$(docker buildx build --call check,format=json "$@" -f "$c/Dockerfile" "$c" 2>/dev/null || true)
    printf '%s' "$out" | python3 -c '
import json, sys
doc = json.load(sys.stdin)
doc.pop("sources", None)
print(json.dumps(doc, indent=2))
' > "$c/expected.json"
    echo "ok   $c"
done
