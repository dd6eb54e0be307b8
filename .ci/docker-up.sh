#!/usr/bin/env bash
# Make sure a Docker engine is installed and running (CI / fresh Debian 12, as root).
# Idempotent: installs docker.io only when dockerd is missing, starts dockerd only when
# `docker info` fails and no dockerd is already starting, then waits up to 60 s.
set -euo pipefail

log() { printf 'docker-up: %s\n' "$*" >&2; }
die() { printf 'docker-up: ERROR: %s\n' "$*" >&2; exit 1; }

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd-ci.log}
DEADLINE_S=${DOCKER_UP_TIMEOUT:-60}

if docker info >/dev/null 2>&1; then
  log "engine already running"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root to install/start dockerd"

if ! command -v dockerd >/dev/null 2>&1; then
  log "dockerd missing: installing docker.io via apt"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=/var/log/docker-up-apt.log
  if ! { apt-get update && apt-get install -y docker.io; } >"$apt_log" 2>&1; then
    tail -n 40 "$apt_log" >&2 || true
    die "installing docker.io failed (full log: $apt_log)"
  fi
  command -v dockerd >/dev/null 2>&1 || die "dockerd still missing after installing docker.io"
fi

if ! command -v docker >/dev/null 2>&1; then
  die "no docker client on PATH"
fi

if pgrep -x dockerd >/dev/null 2>&1; then
  log "dockerd process already present (pid $(pgrep -x dockerd | tr '\n' ' ')), waiting for it"
else
  log "starting dockerd (log: $DOCKERD_LOG)"
  # setsid + nohup: keep the daemon alive after this script (and its session) ends.
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
fi

end=$(( $(date +%s) + DEADLINE_S ))
while ! docker info >/dev/null 2>&1; do
  if [ "$(date +%s)" -ge "$end" ]; then
    log "last 40 lines of $DOCKERD_LOG:"
    tail -n 40 "$DOCKERD_LOG" >&2 2>/dev/null || true
    die "docker engine not ready after ${DEADLINE_S}s"
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    tail -n 40 "$DOCKERD_LOG" >&2 2>/dev/null || true
    die "dockerd exited; see $DOCKERD_LOG"
  fi
  sleep 0.2
done
log "engine ready: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null || echo ok)"
