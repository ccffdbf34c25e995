#!/usr/bin/env bash
# Provision the environment the integration tests need, then describe it in .test-env/env.json.
#
#   docker  a Docker engine (Debian docker.io) answering on $DOCKER_HOST or /var/run/docker.sock,
#           started as `dockerd --bridge=none --iptables=false --ip-masq=false` when none answers,
#           plus the image local/busybox, imported from a rootfs built from Debian's busybox-static
#           (nothing is pulled from a registry)
#   nats    nats-server (Debian) with JetStream on 127.0.0.1:4222, monitoring on 127.0.0.1:8222
#   wasm    test/fixtures/wasm/src/*.{c,wat} compiled into test/fixtures/wasm/build/*.wasm with
#           clang --target=wasm32-wasi (Debian clang, lld, wasi-libc, libclang-rt-dev-wasm32) and
#           wat2wasm (Debian wabt)
#   shells  fish and zsh (Debian), which the completion scripts are checked in
#
# Idempotent: it installs a package only when it is missing, starts a daemon only when nothing answers,
# builds the image only when `docker image inspect local/busybox` fails and a module only when its
# source is newer. A second run changes nothing and takes a fraction of a second. Daemons it starts run in their
# own session (setsid + nohup) and outlive it; their logs, pid files and the JetStream store live in the
# state directory. Concurrent runs are serialised with flock.
#
# Installing and starting dockerd need root on Debian (apt-get). Without them it does what it can (for
# example build the WASM modules when clang is there), prints per component what is missing and how to
# get it, and exits 2.
#
# Usage: scripts/provision-test-env.sh [--check | --stop | --help]
#   (none)    provision, then write .test-env/env.json and print a summary
#   --check   change nothing on the machine: report what is available (still writes .test-env/env.json)
#   --stop    stop the daemons this script started (by their pid files), then exit
#
# Environment:
#   DOCKER_HOST                  if set, that daemon is used and dockerd is never started here
#   BACALHAU_TS_TEST_STATE_DIR   logs, pid files, JetStream store (default /var/lib/bacalhau-ts-test
#                                as root, ${XDG_STATE_HOME:-~/.local/state}/bacalhau-ts-test otherwise)
#   BACALHAU_TS_DOCKER_WAIT      seconds to wait for a starting dockerd (default 60)
#
# Exit codes:
#   0   every component is available
#   1   unexpected internal error (a command failed)
#   2   some component is missing and cannot be provisioned here (not root, no apt-get, package not
#       found); a per-component report says what to do
#   3   a component was installed but failed to start or build (its log path is printed)
#   64  usage error
set -euo pipefail

SCRIPT_NAME="provision-test-env"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# This script is written for Debian (bash 4+, GNU coreutils, util-linux). Elsewhere, say what to do
# instead of failing on some missing builtin halfway through.
missing_tools=()
((BASH_VERSINFO[0] >= 4)) || missing_tools+=("bash 4 or later (this is bash $BASH_VERSION)")
for tool in timeout setsid; do command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool"); done
if ((${#missing_tools[@]} > 0)); then
  cat >&2 <<EOF
$SCRIPT_NAME: cannot run here: missing ${missing_tools[*]}. It targets Debian (as root). Without it,
provide these yourself and the integration tests will use them (the others are skipped):
  docker  a Docker engine on \$DOCKER_HOST or /var/run/docker.sock, with an image tagged local/busybox
          containing busybox and its applets (sh, echo, cat, ls, sleep, env, ...)
  nats    nats-server -js listening on 127.0.0.1:4222
  wasm    test/fixtures/wasm/src/*.c built with clang --target=wasm32-wasi (wasi-libc), *.wat with
          wat2wasm, into test/fixtures/wasm/build/<name>.wasm
  shells  fish and zsh on PATH
then describe them in .test-env/env.json (format: see test/helpers/test-env.ts).
EOF
  exit 2
fi

# dockerd and nats-server live in /usr/sbin, which a non-root PATH often lacks
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

MODE=provision
case "${1:-}" in
  "") ;;
  --check) MODE=check ;;
  --stop) MODE=stop ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0 [--check | --stop | --help]" >&2
    exit 64
    ;;
esac

IMAGE=local/busybox
NATS_HOST=127.0.0.1
NATS_PORT=4222
NATS_MONITOR_PORT=8222
DOCKER_WAIT="${BACALHAU_TS_DOCKER_WAIT:-60}"
WASM_SRC="$REPO_ROOT/test/fixtures/wasm/src"
WASM_OUT="$REPO_ROOT/test/fixtures/wasm/build"
# changing these rebuilds every C module (the flags used are recorded in build/.cflags)
WASM_CFLAGS="--target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-debug"
ENV_DIR="$REPO_ROOT/.test-env"
ENV_FILE="$ENV_DIR/env.json"

IS_ROOT=false
[[ "$(id -u)" == 0 ]] && IS_ROOT=true
HAVE_APT=false
command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 && HAVE_APT=true

if [[ -n "${BACALHAU_TS_TEST_STATE_DIR:-}" ]]; then
  STATE_DIR="$BACALHAU_TS_TEST_STATE_DIR"
elif $IS_ROOT; then
  STATE_DIR=/var/lib/bacalhau-ts-test
else
  STATE_DIR="${XDG_STATE_HOME:-${HOME:-/nonexistent}/.local/state}/bacalhau-ts-test"
fi
if ! mkdir -p "$STATE_DIR" 2>/dev/null && [[ -z "${BACALHAU_TS_TEST_STATE_DIR:-}" ]]; then
  STATE_DIR="${TMPDIR:-/tmp}/bacalhau-ts-test-$(id -u)" # e.g. a user whose HOME is not writable
fi
LOG_DIR="$STATE_DIR/log"

if [[ -n "${DOCKER_HOST:-}" ]]; then
  DOCKER_ENDPOINT="$DOCKER_HOST"
else
  DOCKER_ENDPOINT=unix:///var/run/docker.sock
fi
DOCKER_SOCKET=""
[[ "$DOCKER_ENDPOINT" == unix://* ]] && DOCKER_SOCKET="${DOCKER_ENDPOINT#unix://}"
DOCKERD_PIDFILE=/var/run/docker.pid
NATS_PIDFILE="$STATE_DIR/nats/nats-server.pid"

# ---------------------------------------------------------------------------------------------------
# small helpers

# json_str STRING: STRING as a JSON string literal.
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# pkg_installed PKG: true when the Debian package is installed.
pkg_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}

# Per-component outcome: STATUS[c] is ok | missing | failed; REASON[c] says why not ok; HINT[c] says
# what to do about it; DETAIL[c] is the one-line description of an ok component.
declare -A STATUS=() REASON=() HINT=() DETAIL=()
COMPONENTS=(docker nats wasm shells)
for c in "${COMPONENTS[@]}"; do STATUS[$c]=pending; done

mark_missing() {
  STATUS[$1]=missing
  REASON[$1]=$2
  HINT[$1]=$3
}
mark_failed() {
  STATUS[$1]=failed
  REASON[$1]=$2
  HINT[$1]=$3
}
mark_ok() {
  STATUS[$1]=ok
  DETAIL[$1]=$2
}
pending() { [[ "${STATUS[$1]}" == pending ]]; }

# ---------------------------------------------------------------------------------------------------
# probes (read-only)

docker_cli() { command -v docker 2>/dev/null || true; }

# docker_server_version: prints "<engine version> <api version>" when a daemon answers.
docker_server_version() {
  [[ -n "$(docker_cli)" ]] || return 1
  DOCKER_HOST="$DOCKER_ENDPOINT" timeout 10 docker version --format '{{.Server.Version}} {{.Server.APIVersion}}' \
    2>/dev/null </dev/null
}

docker_image_present() {
  DOCKER_HOST="$DOCKER_ENDPOINT" timeout 20 docker image inspect "$IMAGE" >/dev/null 2>&1 </dev/null
}

# nats_info: prints the INFO line of whatever listens on NATS_HOST:NATS_PORT (empty if nothing does).
nats_info() {
  timeout 3 bash -c "exec 3<>/dev/tcp/$NATS_HOST/$NATS_PORT && head -n 1 <&3" 2>/dev/null | tr -d '\r' || true
}

# nats_jetstream_ok: asks the JetStream API ($JS.API.INFO) over the raw protocol; true when it answers
# with an account info reply rather than an error or silence.
nats_jetstream_ok() {
  local reply
  reply="$(timeout 3 bash -c "
    exec 3<>/dev/tcp/$NATS_HOST/$NATS_PORT || exit 1
    printf 'CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\nSUB _INBOX.provision 1\r\nPUB \$JS.API.INFO _INBOX.provision 0\r\n\r\n' >&3
    while IFS= read -r line <&3; do
      case \"\$line\" in
        MSG*) IFS= read -r body <&3; printf '%s' \"\$body\"; exit 0 ;;
        -ERR*) exit 1 ;;
      esac
    done
  " 2>/dev/null || true)"
  [[ "$reply" == *'"type":"io.nats.jetstream.api.v1.account_info_response"'* && "$reply" != *'"error"'* ]]
}

port_listening() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# static_busybox: prints the path of a statically linked busybox, if there is one.
static_busybox() {
  local b
  for b in /bin/busybox /usr/bin/busybox "$STATE_DIR/busybox/bin/busybox"; do
    [[ -x "$b" ]] || continue
    if ! ldd "$b" >/dev/null 2>&1; then
      printf '%s\n' "$b"
      return 0
    fi
  done
  return 1
}

# wasm_stale: prints the sources under WASM_SRC whose module is missing or older than the source.
wasm_stale() {
  local src base flags_changed=false
  [[ "$(cat "$WASM_OUT/.cflags" 2>/dev/null || true)" == "$WASM_CFLAGS" ]] || flags_changed=true
  shopt -s nullglob
  for src in "$WASM_SRC"/*.c "$WASM_SRC"/*.wat; do
    base="$(basename "${src%.*}")"
    if [[ ! -f "$WASM_OUT/$base.wasm" || "$src" -nt "$WASM_OUT/$base.wasm" ]] ||
      { $flags_changed && [[ "$src" == *.c ]]; }; then
      printf '%s\n' "$src"
    fi
  done
  shopt -u nullglob
}

wasm_c_toolchain_ok() {
  if $HAVE_APT; then
    local p
    for p in clang lld wasi-libc libclang-rt-dev-wasm32; do pkg_installed "$p" || return 1; done
    return 0
  fi
  command -v clang >/dev/null 2>&1 && command -v wasm-ld >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------------
# --stop

if [[ "$MODE" == stop ]]; then
  stopped=0
  for pidfile in "$NATS_PIDFILE" "$STATE_DIR/dockerd.started"; do
    [[ -f "$pidfile" ]] || continue
    pid="$(cat "$pidfile")"
    if [[ "$pidfile" == *dockerd.started ]]; then
      # we only stop a dockerd this script started, and only if it is still that process
      if [[ -f "$DOCKERD_PIDFILE" && "$(cat "$DOCKERD_PIDFILE")" == "$pid" ]]; then :; else
        rm -f "$pidfile"
        continue
      fi
    fi
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping pid $pid ($(basename "$pidfile"))"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      stopped=$((stopped + 1))
    fi
    rm -f "$pidfile"
  done
  log "stopped $stopped daemon(s)"
  exit 0
fi

# ---------------------------------------------------------------------------------------------------
# serialise concurrent runs (tests of several engineers may start at once)

if [[ "$MODE" == provision ]]; then
  if mkdir -p "$STATE_DIR" "$LOG_DIR" 2>/dev/null && command -v flock >/dev/null 2>&1; then
    # fd 9 holds the lock; daemons started below close it (9>&-) so they do not keep it after we exit
    exec 9>"$STATE_DIR/provision.lock"
    if ! flock -n 9; then
      log "another provisioning run holds $STATE_DIR/provision.lock; waiting for it (up to 15 min)"
      flock -w 900 9 || die "timed out waiting for $STATE_DIR/provision.lock"
    fi
  elif ! mkdir -p "$STATE_DIR" "$LOG_DIR" 2>/dev/null; then
    die "cannot create the state directory $STATE_DIR (set BACALHAU_TS_TEST_STATE_DIR)"
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 1. what is already there, and which Debian packages would complete the rest

declare -A PKG_FOR=() # package -> space-separated components that need it
need_pkg() { PKG_FOR[$1]="${PKG_FOR[$1]:-} $2"; }

DOCKER_VERSION="$(docker_server_version || true)"
NEED_IMAGE=true
if [[ -n "$DOCKER_VERSION" ]] && docker_image_present; then NEED_IMAGE=false; fi
if [[ -z "$DOCKER_VERSION" ]]; then
  # (a remote DOCKER_HOST cannot be fixed by installing anything here)
  if [[ -z "${DOCKER_HOST:-}" ]] && { [[ -z "$(docker_cli)" ]] || ! command -v dockerd >/dev/null 2>&1; }; then
    need_pkg docker.io docker
  fi
fi
if $NEED_IMAGE && ! static_busybox >/dev/null; then
  need_pkg busybox-static docker
fi

NATS_INFO="$(nats_info)"
if [[ -z "$NATS_INFO" ]] && ! command -v nats-server >/dev/null 2>&1; then
  need_pkg nats-server nats
fi

WASM_STALE="$(wasm_stale)"
if grep -q '\.c$' <<<"$WASM_STALE" && ! wasm_c_toolchain_ok; then
  for p in clang lld wasi-libc libclang-rt-dev-wasm32; do
    if ! $HAVE_APT || ! pkg_installed "$p"; then need_pkg "$p" wasm; fi
  done
fi
if grep -q '\.wat$' <<<"$WASM_STALE" && ! command -v wat2wasm >/dev/null 2>&1; then
  need_pkg wabt wasm
fi

for shell in fish zsh; do
  command -v "$shell" >/dev/null 2>&1 || need_pkg "$shell" shells
done

# ---------------------------------------------------------------------------------------------------
# 2. install the missing packages in one apt-get run

apt_install() {
  local -a pkgs=("$@")
  local -a opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
  export DEBIAN_FRONTEND=noninteractive
  # keep Debian's maintainer scripts from starting services (nats-server, docker) on their own: we start
  # them ourselves with the flags the tests need
  local policy=/usr/sbin/policy-rc.d own_policy=false
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# temporary, from bacalhau-ts scripts/provision-test-env.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=true
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT # also when interrupted mid-install
  fi
  local rc=0
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    log "apt-get update (no package lists yet)"
    apt-get -q -o DPkg::Lock::Timeout=300 update </dev/null >"$LOG_DIR/apt.log" 2>&1 || rc=$?
  fi
  if [[ $rc == 0 ]]; then
    log "apt-get install ${pkgs[*]} (log: $LOG_DIR/apt.log)"
    if ! apt-get install "${opts[@]}" "${pkgs[@]}" </dev/null >>"$LOG_DIR/apt.log" 2>&1; then
      # stale package lists give 404s or "unable to locate": refresh once and retry
      log "apt-get install failed; running apt-get update and retrying"
      apt-get -q -o DPkg::Lock::Timeout=300 update </dev/null >>"$LOG_DIR/apt.log" 2>&1 || true
      apt-get install "${opts[@]}" "${pkgs[@]}" </dev/null >>"$LOG_DIR/apt.log" 2>&1 || rc=$?
    fi
  fi
  if $own_policy; then
    rm -f "$policy"
    trap - EXIT
  fi
  return $rc
}

# a dynamic busybox (Debian package "busybox") conflicts with busybox-static: then unpack the static one
# into the state directory instead of replacing a package the system may depend on
fetch_busybox_static() {
  local dir="$STATE_DIR/busybox" tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download -q busybox-static </dev/null >>"$LOG_DIR/apt.log" 2>&1) || {
    rm -rf "$tmp"
    return 1
  }
  rm -rf "$dir"
  dpkg-deb -x "$tmp"/busybox-static_*.deb "$dir"
  rm -rf "$tmp"
}

# pkgs_of COMPONENT: the missing packages that COMPONENT needs, space-separated and sorted.
pkgs_of() {
  local p
  for p in "${!PKG_FOR[@]}"; do
    if [[ " ${PKG_FOR[$p]} " == *" $1 "* ]]; then echo "$p"; fi
  done | sort | paste -sd' ' -
}

if ((${#PKG_FOR[@]} > 0)); then
  pkgs=("${!PKG_FOR[@]}")
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort)
  if [[ "$MODE" == check ]] || ! $HAVE_APT || ! $IS_ROOT; then
    for c in "${COMPONENTS[@]}"; do
      needs="$(pkgs_of "$c")"
      [[ -n "$needs" ]] || continue
      if ! $HAVE_APT; then
        mark_missing "$c" "needs Debian package(s) $needs, and apt-get is not available here" \
          "install the equivalents with your package manager (see README.md, Tests), then rerun"
      elif [[ "$MODE" == check ]]; then
        mark_missing "$c" "Debian package(s) not installed: $needs" \
          "bash scripts/provision-test-env.sh as root (installs them), or: apt-get install --no-install-recommends $needs"
      else
        mark_missing "$c" "Debian package(s) not installed: $needs (installing needs root)" \
          "sudo bash scripts/provision-test-env.sh   (or: sudo apt-get install --no-install-recommends $needs)"
      fi
    done
  else
    install=()
    for p in "${pkgs[@]}"; do
      if [[ "$p" == busybox-static ]] && pkg_installed busybox; then continue; fi
      install+=("$p")
    done
    if ((${#install[@]} > 0)) && ! apt_install "${install[@]}"; then
      for p in "${install[@]}"; do
        for c in ${PKG_FOR[$p]}; do
          pending "$c" && mark_failed "$c" "apt-get install ${install[*]} failed" "see $LOG_DIR/apt.log"
        done
      done
    fi
    if [[ -n "${PKG_FOR[busybox-static]:-}" ]] && pkg_installed busybox && ! static_busybox >/dev/null; then
      log "package busybox is installed (conflicts with busybox-static): unpacking busybox-static into $STATE_DIR/busybox"
      fetch_busybox_static || mark_failed docker "could not download busybox-static" "see $LOG_DIR/apt.log"
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 3. docker: daemon, then the image

# await_dockerd PID WHAT HINT [LOG]: waits until the daemon answers; fails if process PID ends first
# (quoting LOG's last line) or DOCKER_WAIT passes. WHAT names the daemon, HINT says what to do.
await_dockerd() {
  local pid=$1 what=$2 hint=$3 log_file=${4:-} waited=0
  while ((waited < DOCKER_WAIT * 2)); do
    if DOCKER_VERSION="$(docker_server_version)"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      DOCKER_VERSION=""
      mark_failed docker "$what exited during startup${log_file:+: $(tail -n 1 "$log_file")}" "$hint"
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  DOCKER_VERSION=""
  mark_failed docker "$what did not answer at $DOCKER_ENDPOINT within ${DOCKER_WAIT}s" \
    "$hint (raise the wait with BACALHAU_TS_DOCKER_WAIT)"
  return 1
}

start_dockerd() {
  local log_file="$LOG_DIR/dockerd.log"
  # dockerd refuses to start while its pid file names a live process. One that is a dockerd is waited
  # for (installing docker.io may start one); any other file is stale: a machine image taken while
  # dockerd ran keeps the file, and on the new machine its pid can belong to an unrelated process.
  if [[ -f "$DOCKERD_PIDFILE" ]]; then
    local other
    other="$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)"
    if [[ "$other" =~ ^[0-9]+$ && "$(cat "/proc/$other/comm" 2>/dev/null)" == dockerd ]]; then
      log "a dockerd this script did not start runs (pid $other); waiting for it to answer"
      await_dockerd "$other" "the dockerd already running (pid $other)" "stop it, then run this script again"
      return
    fi
    log "removing $DOCKERD_PIDFILE: the pid it names (${other:-none}) is not a running dockerd"
    rm -f "$DOCKERD_PIDFILE"
  fi
  log "starting dockerd (log: $log_file)"
  # --bridge=none: no default bridge network, so nothing touches the host's iptables or routes; a
  # container started without --network (or with bridge) gets only a loopback interface, --network host
  # shares the host's
  setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false \
    --host="$DOCKER_ENDPOINT" >>"$log_file" 2>&1 </dev/null 9>&- &
  local pid=$!
  echo "$pid" >"$STATE_DIR/dockerd.started"
  await_dockerd "$pid" dockerd "see $log_file" "$log_file"
}

# make_busybox_rootfs BUSYBOX DIR: a minimal root filesystem, /bin/busybox plus a symlink per applet
# at the path busybox itself lists (/bin/sh, /bin/cat, /usr/bin/env, ...), /tmp and a few /etc files.
make_busybox_rootfs() {
  local busybox=$1 rootfs=$2 applet
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,proc,sys,dev,var/tmp,tmp}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  cp "$busybox" "$rootfs/bin/busybox"
  while IFS= read -r applet; do
    [[ -n "$applet" && "$applet" != bin/busybox ]] || continue
    mkdir -p "$rootfs/$(dirname "$applet")"
    ln -sf /bin/busybox "$rootfs/$applet"
  done < <("$busybox" --list-full)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf '127.0.0.1 localhost\n' >"$rootfs/etc/hosts"
  : >"$rootfs/etc/resolv.conf"
}

build_busybox_image() {
  local busybox rootfs version rc=0
  busybox="$(static_busybox)" || {
    mark_failed docker "no statically linked busybox found" "apt-get install busybox-static"
    return 1
  }
  version="$("$busybox" --help 2>&1 | sed -n '1s/^BusyBox \(v[^ ]*\).*/\1/p' || true)"
  log "building image $IMAGE from $busybox (busybox ${version:-?})"
  rootfs="$(mktemp -d)"
  make_busybox_rootfs "$busybox" "$rootfs"
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf - . |
    DOCKER_HOST="$DOCKER_ENDPOINT" docker import \
      --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' \
      --change "LABEL org.bacalhau-ts.busybox-version=${version:-unknown}" \
      --message "busybox ${version:-} from Debian busybox-static, for bacalhau-ts tests" \
      - "$IMAGE:latest" >"$LOG_DIR/docker-import.log" 2>&1 || rc=$?
  rm -rf "$rootfs"
  if ((rc != 0)); then
    mark_failed docker "docker import of $IMAGE failed" "see $LOG_DIR/docker-import.log"
    return 1
  fi
}

if pending docker && [[ "$MODE" != check ]] && [[ -z "$DOCKER_VERSION" ]]; then
  if [[ -n "${DOCKER_HOST:-}" ]]; then
    mark_missing docker "no Docker daemon answers at DOCKER_HOST=$DOCKER_HOST" \
      "start that daemon, or unset DOCKER_HOST to use a local one"
  elif [[ -n "$DOCKER_SOCKET" && -S "$DOCKER_SOCKET" && ! -w "$DOCKER_SOCKET" ]]; then
    mark_missing docker "a Docker daemon socket exists at $DOCKER_SOCKET but this user may not use it" \
      "sudo usermod -aG docker $(id -un) (then log in again), or run the tests as root"
  elif ! $IS_ROOT; then
    mark_missing docker "no Docker daemon answers at $DOCKER_ENDPOINT, and starting dockerd needs root" \
      "sudo bash scripts/provision-test-env.sh   (or start Docker and give this user access to $DOCKER_SOCKET)"
  elif ! command -v dockerd >/dev/null 2>&1; then
    mark_missing docker "dockerd is not installed" "apt-get install docker.io"
  else
    start_dockerd || true
  fi
fi
if pending docker && [[ -z "$DOCKER_VERSION" ]]; then
  mark_missing docker "no Docker daemon answers at $DOCKER_ENDPOINT" \
    "sudo bash scripts/provision-test-env.sh (installs docker.io and starts dockerd)"
fi
if pending docker && $NEED_IMAGE && ! docker_image_present; then
  if [[ "$MODE" == check ]]; then
    mark_missing docker "image $IMAGE is missing" "bash scripts/provision-test-env.sh (builds it with docker import)"
  else
    build_busybox_image || true
  fi
fi
if pending docker; then
  mark_ok docker "engine ${DOCKER_VERSION%% *} (API ${DOCKER_VERSION##* }) at $DOCKER_ENDPOINT, image $IMAGE"
fi

# ---------------------------------------------------------------------------------------------------
# 4. nats-server with JetStream

start_nats() {
  local dir="$STATE_DIR/nats" log_file="$LOG_DIR/nats-server.log" conf http_line=""
  mkdir -p "$dir/jetstream"
  if ! port_listening "$NATS_MONITOR_PORT"; then
    http_line="http: \"$NATS_HOST:$NATS_MONITOR_PORT\""
  fi
  conf="$dir/nats-server.conf"
  cat >"$conf" <<EOF
# written by scripts/provision-test-env.sh
server_name: bacalhau-ts-test
listen: "$NATS_HOST:$NATS_PORT"
$http_line
pid_file: "$NATS_PIDFILE"
jetstream {
  store_dir: "$dir/jetstream"
  max_memory_store: 256MB
  max_file_store: 2GB
}
EOF
  log "starting nats-server with JetStream on $NATS_HOST:$NATS_PORT (log: $log_file)"
  setsid nohup nats-server -c "$conf" >>"$log_file" 2>&1 </dev/null 9>&- &
  local pid=$! waited=0
  while ((waited < 40)); do
    NATS_INFO="$(nats_info)"
    [[ -n "$NATS_INFO" ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      mark_failed nats "nats-server exited during startup: $(tail -n 1 "$log_file")" "see $log_file"
      return 1
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
  mark_failed nats "nats-server did not answer within 10s" "see $log_file"
  return 1
}

if pending nats && [[ -z "$NATS_INFO" ]]; then
  if port_listening "$NATS_PORT"; then
    mark_failed nats "something that is not a NATS server listens on $NATS_HOST:$NATS_PORT" \
      "stop it, then rerun this script"
  elif [[ "$MODE" == check ]]; then
    mark_missing nats "no NATS server listens on $NATS_HOST:$NATS_PORT" "bash scripts/provision-test-env.sh"
  elif ! command -v nats-server >/dev/null 2>&1; then
    mark_missing nats "nats-server is not installed" "sudo apt-get install nats-server, then rerun"
  else
    start_nats || true
  fi
fi
if pending nats; then
  if [[ "$NATS_INFO" != INFO* ]]; then
    mark_failed nats "the server on $NATS_HOST:$NATS_PORT does not speak NATS (got: ${NATS_INFO:0:60})" \
      "stop it, then rerun this script"
  elif ! nats_jetstream_ok; then
    mark_failed nats "the NATS server on $NATS_HOST:$NATS_PORT does not have JetStream enabled" \
      "stop it (it was not started by this script), then rerun this script"
  else
    NATS_VERSION="$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' <<<"$NATS_INFO")"
    mark_ok nats "nats://$NATS_HOST:$NATS_PORT, JetStream on, nats-server ${NATS_VERSION:-?}"
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 5. WASM modules

compile_wasm() { # source, output
  # shellcheck disable=SC2086 # WASM_CFLAGS is a list of flags
  case "$1" in
    *.c) clang $WASM_CFLAGS -o "$2" "$1" ;;
    *.wat) wat2wasm -o "$2" "$1" ;;
  esac
}

build_wasm() {
  local src out tmp failed=0
  mkdir -p "$WASM_OUT"
  while IFS= read -r src; do
    [[ -n "$src" ]] || continue
    out="$WASM_OUT/$(basename "${src%.*}").wasm"
    tmp="$out.tmp.$$" # written aside, then renamed: a test never sees half a module
    if compile_wasm "$src" "$tmp" >>"$LOG_DIR/wasm-build.log" 2>&1; then
      mv -f "$tmp" "$out"
    else
      rm -f "$tmp"
      failed=1
      warn "building $(basename "$src") failed (see $LOG_DIR/wasm-build.log)"
    fi
  done <<<"$WASM_STALE"
  if ((failed == 0)); then printf '%s\n' "$WASM_CFLAGS" >"$WASM_OUT/.cflags"; fi
  return $failed
}

if pending wasm && [[ -n "$WASM_STALE" ]]; then
  stale_names="$(xargs -n 1 basename <<<"$WASM_STALE" | tr '\n' ' ')"
  c_ok=true wat_ok=true
  if grep -q '\.c$' <<<"$WASM_STALE"; then wasm_c_toolchain_ok || c_ok=false; fi
  if grep -q '\.wat$' <<<"$WASM_STALE"; then command -v wat2wasm >/dev/null 2>&1 || wat_ok=false; fi
  if [[ "$MODE" == check ]]; then
    mark_missing wasm "modules not built or out of date: $stale_names" "bash scripts/provision-test-env.sh"
  elif ! $c_ok || ! $wat_ok; then
    mark_missing wasm "cannot build $stale_names: the WASM toolchain is not installed" \
      "sudo apt-get install --no-install-recommends clang lld wasi-libc libclang-rt-dev-wasm32 wabt, then rerun"
  else
    log "building WASM modules: $stale_names"
    build_wasm || mark_failed wasm "building WASM modules failed" "see $LOG_DIR/wasm-build.log"
  fi
fi
WASM_MODULES=()
if [[ -d "$WASM_OUT" ]]; then
  for m in "$WASM_OUT"/*.wasm; do
    [[ -f "$m" ]] && WASM_MODULES+=("$(basename "$m" .wasm)")
  done
fi
if pending wasm; then
  mark_ok wasm "${#WASM_MODULES[@]} modules in ${WASM_OUT#"$REPO_ROOT"/}"
fi

# ---------------------------------------------------------------------------------------------------
# 6. shells: installed with the packages above, nothing to start

if pending shells; then
  if command -v fish >/dev/null 2>&1 && command -v zsh >/dev/null 2>&1; then
    mark_ok shells "$(fish --version 2>&1 | head -n 1), $(zsh --version 2>&1 | head -n 1)"
  else
    mark_missing shells "fish or zsh is not installed" "sudo apt-get install --no-install-recommends fish zsh, then rerun"
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 7. .test-env/env.json (rewritten only when its content changes) and the summary

component_json() { # component, then the extra fields (already JSON) of an available component
  local c=$1 fields=$2
  if [[ "${STATUS[$c]}" == ok ]]; then
    printf '{ "available": true, %s }' "$fields"
  else
    printf '{ "available": false, "status": %s, "reason": %s, "hint": %s }' \
      "$(json_str "${STATUS[$c]}")" "$(json_str "${REASON[$c]}")" "$(json_str "${HINT[$c]}")"
  fi
}

modules_json="$(for m in "${WASM_MODULES[@]}"; do json_str "$m"; echo; done | paste -sd, -)"
socket_json=null
[[ -n "$DOCKER_SOCKET" ]] && socket_json="$(json_str "$DOCKER_SOCKET")"
monitor_json=null
# the monitoring endpoint is there when something answers HTTP on its port
if [[ "${STATUS[nats]}" == ok ]] && timeout 2 bash -c "
    exec 3<>/dev/tcp/$NATS_HOST/$NATS_MONITOR_PORT || exit 1
    printf 'GET /varz HTTP/1.0\r\n\r\n' >&3
    grep -q '\"server_name\"' <&3" 2>/dev/null; then
  monitor_json="$(json_str "http://$NATS_HOST:$NATS_MONITOR_PORT")"
fi

mkdir -p "$ENV_DIR"
tmp_env="$(mktemp "$ENV_DIR/env.json.XXXXXX")"
{
  printf '{\n'
  printf '  "version": 1,\n'
  printf '  "stateDir": %s,\n' "$(json_str "$STATE_DIR")"
  printf '  "docker": %s,\n' "$(component_json docker "$(printf '"host": %s, "socketPath": %s, "cli": %s, "image": %s, "serverVersion": %s, "apiVersion": %s' \
    "$(json_str "$DOCKER_ENDPOINT")" "$socket_json" "$(json_str "$(docker_cli)")" "$(json_str "$IMAGE")" \
    "$(json_str "${DOCKER_VERSION%% *}")" "$(json_str "${DOCKER_VERSION##* }")")")"
  printf '  "nats": %s,\n' "$(component_json nats "$(printf '"url": %s, "host": %s, "port": %s, "jetstream": true, "monitorUrl": %s, "serverVersion": %s' \
    "$(json_str "nats://$NATS_HOST:$NATS_PORT")" "$(json_str "$NATS_HOST")" "$NATS_PORT" "$monitor_json" \
    "$(json_str "${NATS_VERSION:-}")")")"
  printf '  "wasm": %s,\n' "$(component_json wasm "$(printf '"dir": %s, "modules": [%s]' \
    "$(json_str "$WASM_OUT")" "$modules_json")")"
  printf '  "shells": %s\n' "$(component_json shells "$(printf '"fish": %s, "zsh": %s' \
    "$(json_str "$(command -v fish || true)")" "$(json_str "$(command -v zsh || true)")")")"
  printf '}\n'
} >"$tmp_env"
if [[ -f "$ENV_FILE" ]] && cmp -s "$tmp_env" "$ENV_FILE"; then
  rm -f "$tmp_env"
  env_note="${ENV_FILE#"$REPO_ROOT"/} is up to date"
else
  chmod 644 "$tmp_env"
  mv -f "$tmp_env" "$ENV_FILE"
  env_note="wrote ${ENV_FILE#"$REPO_ROOT"/}"
fi

log "test environment:"
exit_code=0
for c in "${COMPONENTS[@]}"; do
  case "${STATUS[$c]}" in
    ok) printf '  %-7s ok       %s\n' "$c" "${DETAIL[$c]}" ;;
    missing)
      printf '  %-7s MISSING  %s\n  %-7s          to fix: %s\n' "$c" "${REASON[$c]}" "" "${HINT[$c]}"
      ((exit_code == 0)) && exit_code=2
      ;;
    failed)
      printf '  %-7s FAILED   %s\n  %-7s          to fix: %s\n' "$c" "${REASON[$c]}" "" "${HINT[$c]}"
      exit_code=3
      ;;
  esac
done
log "$env_note"
exit $exit_code
