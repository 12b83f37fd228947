# shellcheck shell=bash
# Debian packages: the sid suite pinned low, one `apt-get update` only when something is missing,
# and an install that reports (or refuses, with RFRONT_CI_STRICT_NO_UPGRADE=1) any upgrade of a
# package already on the machine.

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
SID_SOURCES=/etc/apt/sources.list.d/sid.sources
SID_PIN=/etc/apt/preferences.d/sid

# True when the Debian package $1 is installed.
apt_has() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# True when the Debian package $1 is installed at version $2 or later.
apt_has_at_least() {
    local v
    v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || return 1
    apt_has "$1" && dpkg --compare-versions "$v" ge "$2"
}

# Writes $2 into file $1 only when its content differs; returns 0 when it changed the file.
write_if_changed() {
    local path=$1 content=$2
    if [ -f "$path" ] && [ "$(cat "$path")" = "$content" ]; then return 1; fi
    mkdir -p "$(dirname "$path")"
    printf '%s\n' "$content" > "$path"
    return 0
}

# The sid suite, taken from the machine's own Debian archive entry (same mirror, same keyring),
# pinned at priority 100 so nothing from sid is ever chosen unless asked for by name.
apt_ensure_sid_source() {
    local entry=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        entry=$(awk 'BEGIN{RS="";ORS="\n"} /Suites: bookworm( |\n|$)/ {sub(/Suites: [^\n]*/, "Suites: sid"); print; exit}' \
            /etc/apt/sources.list.d/debian.sources)
    elif [ -f /etc/apt/sources.list ]; then
        # One-line format: the first `deb URI bookworm COMPONENTS` entry, moved to sid.
        local line
        line=$(awk '$1=="deb" && $3=="bookworm" {$3="sid"; print; exit}' /etc/apt/sources.list)
        if [ -n "$line" ]; then
            SID_SOURCES=/etc/apt/sources.list.d/sid.list
            entry=$line
        fi
    fi
    [ -n "$entry" ] || ci_die "no bookworm entry in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list to derive sid from"
    if write_if_changed "$SID_SOURCES" "$entry"; then
        ci_log "wrote $SID_SOURCES"
    fi
    if write_if_changed "$SID_PIN" "$(printf 'Package: *\nPin: release n=sid\nPin-Priority: 100')"; then
        ci_log "wrote $SID_PIN"
    fi
}

# `apt-get update`, at most once per run.
apt_update_once() {
    [ "$APT_UPDATED" = 1 ] && return 0
    ci_log "apt-get update"
    if ! apt-get update -q >"$CI_LOGDIR/apt-update.log" 2>&1; then
        tail -n 30 "$CI_LOGDIR/apt-update.log" >&2
        ci_die "apt-get update failed (log: $CI_LOGDIR/apt-update.log)"
    fi
    APT_UPDATED=1
}

# apt_install SPEC...: installs package specs (`name` or `name/sid`) without recommends. A
# simulation first lists what would come from sid and what already-installed package would be
# upgraded; such upgrades are reported as warnings (or refused under RFRONT_CI_STRICT_NO_UPGRADE=1).
apt_install() {
    [ "$#" -gt 0 ] || return 0
    apt_update_once
    local sim="$CI_LOGDIR/apt-simulate.log"
    if ! apt-get install -s -y --no-install-recommends "$@" >"$sim" 2>&1; then
        tail -n 30 "$sim" >&2
        ci_die "apt-get cannot resolve: $*"
    fi
    local from_sid upgrades
    from_sid=$(awk '/^Inst / && /Debian:unstable/ {print $2}' "$sim" | tr '\n' ' ')
    # An upgrade shows the installed version in brackets: `Inst libc6 [2.36-9] (2.43-7 ...)`.
    upgrades=$(awk '/^Inst [^ ]+ \[/ {print $2 " " $3 "->" $4}' "$sim" | tr -d '[]()' | tr '\n' ';')
    ci_log "installing: $* (from sid: ${from_sid:-none})"
    if [ -n "$upgrades" ]; then
        if [ "${RFRONT_CI_STRICT_NO_UPGRADE:-0}" = 1 ]; then
            ci_die "installing would upgrade packages of the base system: $upgrades"
        fi
        ci_warn "installing $* upgrades base-system packages: $upgrades"
    fi
    local log="$CI_LOGDIR/apt-install.log"
    if ! apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        ci_die "apt-get install failed (log: $log)"
    fi
}

# Everything the tests need from Debian. Missing packages are installed in one apt-get call.
apt_ensure_packages() {
    local want=()
    # Docker engine, CLI, BuildKit CLI plugin and containerd from sid (bookworm's docker.io is
    # 20.10 without buildx). runc and everything else stays bookworm's.
    if ! apt_has_at_least docker.io 28 || ! apt_has docker-buildx || ! apt_has_at_least containerd 2 \
        || ! apt_has docker-cli; then
        apt_ensure_sid_source
        want+=(docker.io/sid docker-cli/sid docker-buildx/sid containerd/sid)
    fi
    local p
    # busybox-static: the base image. iptables: the FORWARD guard. docker-registry: the local
    # registry. graphviz: `llb-dump --format dot` checks. curl, jq, git: tests and smoke checks.
    # python3: the tests of ci/lib's Python tools.
    for p in busybox-static iptables docker-registry graphviz curl jq git ca-certificates python3; do
        apt_has "$p" || want+=("$p")
    done
    # Optional (benchmarks only): installed when the archive has them. hyperfine times the
    # benchmarks; valgrind profiles rfront for its code layout (ci/lib/static-build.sh).
    for p in hyperfine valgrind; do
        apt_has "$p" && continue
        apt_update_once
        if apt-cache show "$p" >/dev/null 2>&1; then want+=("$p"); else ci_warn "$p not available from apt"; fi
    done
    if [ "${#want[@]}" -eq 0 ]; then
        ci_log "all Debian packages present"
        return 0
    fi
    apt_install "${want[@]}"
}
