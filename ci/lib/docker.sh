# shellcheck shell=bash
# dockerd: its config, starting it when `docker info` fails, the egress guard, and the
# `busybox:local` base image.

DOCKERD_LOG=/tmp/dockerd.log
DOCKERD_PIDFILE=/var/run/docker.pid
DOCKER_DAEMON_JSON=/etc/docker/daemon.json
# Set when this run changed daemon.json, so a running dockerd must be restarted to see it.
DOCKERD_CONFIG_CHANGED=0

# The daemon config. overlay2 and the default bridge work in this sandbox (and BuildKit's RUN
# steps need the bridge network: without it they fail with "network bridge not found"), but
# dockerd must not rewrite the host firewall or turn on forwarding: no NAT, so containers can
# reach this machine and each other but nothing beyond it. CDI is on by default since Docker 28;
# said here so an engine that defaults it off still loads /etc/cdi.
DOCKER_DAEMON_CONFIG='{
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "features": { "cdi": true }
}'

docker_write_config() {
    if write_if_changed "$DOCKER_DAEMON_JSON" "$DOCKER_DAEMON_CONFIG"; then
        ci_log "wrote $DOCKER_DAEMON_JSON"
        DOCKERD_CONFIG_CHANGED=1
    fi
}

# True when process $1 exists and is not a zombie (PID 1 here does not always reap).
proc_alive() {
    local stat
    stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$stat" ] && [[ $stat != Z* ]]
}

docker_stop_daemon() {
    local pid
    pid=$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)
    if [ -z "$pid" ] || ! proc_alive "$pid"; then
        ci_warn "dockerd is answering but $DOCKERD_PIDFILE names no live process; not restarting it"
        return 0
    fi
    ci_log "restarting dockerd (pid $pid) for the new $DOCKER_DAEMON_JSON"
    kill "$pid"
    local i
    for i in $(seq 1 60); do
        proc_alive "$pid" || return 0
        sleep 0.5
    done
    ci_die "dockerd (pid $pid) did not stop within 30s"
}

# /run is on the persistent disk here: a machine handed back after a session keeps the pid files
# of daemons that no longer run, and a reused pid would make dockerd refuse to start (or adopt a
# stranger as its containerd). Drop any pid file whose process is not the named program.
remove_stale_pidfile() {
    local file=$1 comm=$2 pid
    [ -f "$file" ] || return 0
    pid=$(cat "$file" 2>/dev/null || true)
    if [ -n "$pid" ] && proc_alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]; then
        return 0
    fi
    ci_log "removing stale $file"
    rm -f "$file"
}

docker_start_daemon() {
    command -v dockerd >/dev/null || ci_die "dockerd not installed"
    remove_stale_pidfile "$DOCKERD_PIDFILE" dockerd
    remove_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
    ci_log "starting dockerd (log: $DOCKERD_LOG)"
    (setsid dockerd </dev/null >"$DOCKERD_LOG" 2>&1 &)
    local i
    for i in $(seq 1 120); do
        if docker info >/dev/null 2>&1; then
            ci_log "dockerd answered after ~$(( i / 2 ))s"
            return 0
        fi
        sleep 0.5
    done
    tail -n 40 "$DOCKERD_LOG" >&2 || true
    ci_die "dockerd did not answer \`docker info\` within 60s (log: $DOCKERD_LOG)"
}

# Starts dockerd when `docker info` fails; restarts the one we run when daemon.json changed.
docker_ensure_daemon() {
    if docker info >/dev/null 2>&1; then
        if [ "$DOCKERD_CONFIG_CHANGED" = 1 ]; then
            docker_stop_daemon
            docker info >/dev/null 2>&1 || docker_start_daemon
        else
            ci_log "dockerd already running"
        fi
    else
        docker_start_daemon
    fi
    docker_guard_forwarding
    local server buildx
    server=$(docker version --format '{{.Server.Version}}')
    buildx=$(docker buildx version) || ci_die "the docker CLI ($(command -v docker)) finds no buildx plugin"
    ci_log "docker client $(docker version --format '{{.Client.Version}}') at $(command -v docker); server $server; $buildx"
    case $server in
        2[89].*|[3-9][0-9].*) ;;
        *) ci_warn "docker server $server is older than 28; BuildKit features may be missing" ;;
    esac
}

# No packet from a container is forwarded off this machine, whatever net.ipv4.ip_forward says.
docker_guard_forwarding() {
    command -v iptables >/dev/null || { ci_warn "iptables missing: no FORWARD guard for docker0"; return 0; }
    if ! iptables -w -C FORWARD -i docker0 -j DROP 2>/dev/null; then
        if iptables -w -I FORWARD -i docker0 -j DROP 2>"$CI_LOGDIR/iptables.log"; then
            ci_log "added iptables FORWARD drop for docker0"
        else
            ci_warn "could not add the iptables FORWARD guard for docker0: $(cat "$CI_LOGDIR/iptables.log")"
        fi
    fi
}

# The base image every test uses, built offline from busybox-static: /bin/busybox, every applet
# linked where busybox itself would install it, root and nobody, /tmp 1777.
BASE_IMAGE=busybox:local
BASE_IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

docker_ensure_base_image() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        ci_log "$BASE_IMAGE present"
        return 0
    fi
    [ -x /bin/busybox ] || ci_die "/bin/busybox missing (package busybox-static)"
    local root
    root=$(mktemp -d /tmp/rfront-busybox-rootfs.XXXXXX)
    mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/root" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    local applet
    # `--list-full` names each applet with its install dir (bin/sh, usr/bin/env, sbin/ip, ...).
    while IFS= read -r applet; do
        case $applet in
            bin/busybox|linuxrc|"") continue ;;
        esac
        mkdir -p "$root/$(dirname "$applet")"
        ln -sf /bin/busybox "$root/$applet"
    done < <(/bin/busybox --list-full)
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
    chmod 1777 "$root/tmp"
    chmod 0700 "$root/root"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -c . \
        | docker import -c "ENV PATH=$BASE_IMAGE_PATH" - "$BASE_IMAGE" >/dev/null
    rm -rf "$root"
    ci_log "imported $BASE_IMAGE ($(/bin/busybox --list | wc -l) applets)"
}

# The fake CDI device for `RUN --device` tests: ci/cdi/rfront-test.yaml → /etc/cdi/. Installed
# before dockerd starts, so its spec-dir watcher finds the directory.
CDI_SPEC_SRC=ci/cdi/rfront-test.yaml
CDI_SPEC_DST=/etc/cdi/rfront-test.yaml

cdi_install_spec() {
    if [ -f "$CDI_SPEC_DST" ] && cmp -s "$CDI_SPEC_SRC" "$CDI_SPEC_DST"; then
        ci_log "$CDI_SPEC_DST up to date"
        return 0
    fi
    install -D -m 0644 "$CDI_SPEC_SRC" "$CDI_SPEC_DST"
    ci_log "installed $CDI_SPEC_DST"
}
