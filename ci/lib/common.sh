# shellcheck shell=bash
# Logging, timing and step bookkeeping shared by ci/test.sh and the other ci/lib scripts.

# Where ci/test.sh keeps its own logs (apt output, smoke builds). Service logs live beside
# their service (/tmp/dockerd.log, $RFRONT_REGISTRY_DIR/registry.log).
CI_LOGDIR=${RFRONT_CI_LOGDIR:-/tmp/rfront-ci}
mkdir -p "$CI_LOGDIR"

# Name of the infra step running now; the EXIT trap names it when the script dies.
CI_CURRENT_STEP="start"
# One line per finished step, printed by ci_summary.
CI_SUMMARY=()
# Warnings worth repeating in the summary (e.g. sid packages that upgraded the base system).
CI_WARNINGS=()

ci_log() { printf '[ci %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
ci_warn() { printf '[ci %s] WARNING: %s\n' "$(date +%H:%M:%S)" "$*" >&2; CI_WARNINGS+=("$*"); }
ci_die() { printf '[ci %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# Milliseconds since the epoch.
ci_now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Formats a millisecond duration as seconds with one decimal.
ci_fmt_ms() { printf '%d.%01ds' $(( $1 / 1000 )) $(( ($1 % 1000) / 100 )); }

# ci_infra_step NAME FUNC [ARGS...]: runs one infrastructure step. Any failure inside it ends the
# whole script (errexit), and the EXIT trap reports which step it was.
ci_infra_step() {
    local name=$1; shift
    local t0; t0=$(ci_now_ms)
    CI_CURRENT_STEP=$name
    ci_log "==> $name"
    "$@"
    local dt=$(( $(ci_now_ms) - t0 ))
    CI_SUMMARY+=("ok    $(ci_fmt_ms "$dt")	infra: $name")
    CI_CURRENT_STEP="(between steps)"
}

# Number of failed checked steps; ci/test.sh exits non-zero when it is not 0.
CI_FAILURES=0

# ci_check_step NAME CMD [ARGS...]: runs one check (fmt, clippy, tests). A failure is recorded
# and the script goes on, so one run reports every broken check.
ci_check_step() {
    local name=$1; shift
    local t0; t0=$(ci_now_ms)
    CI_CURRENT_STEP=$name
    ci_log "==> $name: $*"
    local rc=0
    "$@" || rc=$?
    local dt=$(( $(ci_now_ms) - t0 ))
    if [ "$rc" -eq 0 ]; then
        CI_SUMMARY+=("ok    $(ci_fmt_ms "$dt")	$name")
    else
        CI_SUMMARY+=("FAIL  $(ci_fmt_ms "$dt")	$name (exit $rc)")
        CI_FAILURES=$(( CI_FAILURES + 1 ))
        ci_log "<== $name FAILED (exit $rc)"
    fi
    CI_CURRENT_STEP="(between steps)"
}

# Prints every step's outcome and the warnings. Deliberately not in the "N passed, N failed"
# form, so the test runner's own closing line is the one that counts.
ci_summary() {
    echo
    echo "================ rfront CI summary ================"
    local line
    for line in "${CI_SUMMARY[@]}"; do printf '  %s\n' "$line"; done
    if [ "${#CI_WARNINGS[@]}" -gt 0 ]; then
        echo "  warnings:"
        for line in "${CI_WARNINGS[@]}"; do printf '    - %s\n' "$line"; done
    fi
    echo "==================================================="
}

# EXIT trap: on an unexpected exit, say which step died and show the summary so far.
ci_on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ "${CI_DONE:-0}" != 1 ]; then
        CI_SUMMARY+=("FAIL  -	$CI_CURRENT_STEP (script stopped, exit $rc)")
        ci_summary
        printf '[ci] FAILED during step: %s (exit %d); logs in %s\n' "$CI_CURRENT_STEP" "$rc" "$CI_LOGDIR" >&2
    fi
}
