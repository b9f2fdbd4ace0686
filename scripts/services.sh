#!/usr/bin/env bash
# Real services for wasteroute's tests and development: Mosquitto and TimescaleDB.
#
#   scripts/services.sh up       install (first time, cached) and start both; idempotent
#   scripts/services.sh down     stop both
#   scripts/services.sh status   say what runs where; exit 1 if something is down
#
# Mosquitto comes from Debian's package and runs with config/mosquitto.conf on 127.0.0.1:1883.
# TimescaleDB: this machine's Debian (bookworm) has no TimescaleDB package, so a Debian trixie
# root made with debootstrap holds postgresql-17 and postgresql-17-timescaledb; it serves on
# 127.0.0.1:5433. The root is cached under $WASTEROUTE_CACHE (default ~/.cache/wasteroute).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${WASTEROUTE_CACHE:-$HOME/.cache/wasteroute}"
run_dir="${WASTEROUTE_RUN:-$cache/run}"
root="$cache/trixie-root"
pg_port="${WASTEROUTE_PG_PORT:-5433}"
mqtt_port="${WASTEROUTE_MQTT_PORT:-1883}"
pg_data=/var/lib/wasteroute/pgdata        # inside the chroot
mirror="${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}"
mirror="${mirror:-http://deb.debian.org/debian}"

log() { printf '[services] %s\n' "$*" >&2; }
need_root() { [ "$(id -u)" = 0 ] || { log "must run as root (apt-get, debootstrap, chroot)"; exit 2; }; }

# ---------------------------------------------------------------- Mosquitto
mosquitto_pid() { cat "$run_dir/mosquitto.pid" 2>/dev/null || true; }
mosquitto_running() { local p; p=$(mosquitto_pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

mosquitto_up() {
  if ! command -v mosquitto >/dev/null 2>&1; then
    need_root
    log "installing mosquitto from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
  fi
  if mosquitto_running; then log "mosquitto already running on 127.0.0.1:$mqtt_port"; return; fi
  mkdir -p "$run_dir/mosquitto-data"
  sed -e "s#@PORT@#$mqtt_port#g" -e "s#@DATA@#$run_dir/mosquitto-data/#g" \
      -e "s#@LOG@#$run_dir/mosquitto.log#g" -e "s#@PID@#$run_dir/mosquitto.pid#g" -e "s#@USER@#$(id -un)#g" \
      "$here/config/mosquitto.conf" > "$run_dir/mosquitto.conf"
  mosquitto -c "$run_dir/mosquitto.conf" -d
  for _ in $(seq 50); do mosquitto_running && break; sleep 0.1; done
  mosquitto_running || { log "mosquitto failed to start; see $run_dir/mosquitto.log"; exit 1; }
  log "mosquitto up on 127.0.0.1:$mqtt_port (log $run_dir/mosquitto.log)"
}

mosquitto_down() {
  if mosquitto_running; then kill "$(mosquitto_pid)"; log "mosquitto stopped"; fi
  rm -f "$run_dir/mosquitto.pid"
}

# ---------------------------------------------------------------- TimescaleDB
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/lib/postgresql/17/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"; }

mount_proc() { mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"; }

build_root() {
  need_root
  if [ -f "$root/.wasteroute-ready" ]; then return; fi
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  log "building a Debian trixie root for TimescaleDB in $root (first time only, about a minute)"
  rm -rf "$root"; mkdir -p "$cache"
  debootstrap --variant=minbase trixie "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { log "debootstrap failed; see $cache/debootstrap.log"; exit 1; }
  mount_proc
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
  in_root apt-get update -qq >"$cache/root-apt.log" 2>&1
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql-17 postgresql-17-timescaledb >>"$cache/root-apt.log" 2>&1 \
    || { log "installing postgresql-17-timescaledb failed; see $cache/root-apt.log"; exit 1; }
  in_root apt-get clean
  touch "$root/.wasteroute-ready"
  log "trixie root ready"
}

pg_running() { [ -d "$root" ] && in_root_quiet pg_ctl -D "$pg_data" status >/dev/null 2>&1; }
in_root_quiet() { mountpoint -q "$root/proc" 2>/dev/null && in_root su postgres -c "$*"; }

timescaledb_up() {
  build_root
  mount_proc
  if in_root su postgres -c "pg_ctl -D $pg_data status" >/dev/null 2>&1; then
    log "timescaledb already running on 127.0.0.1:$pg_port"; return
  fi
  if [ ! -f "$root$pg_data/PG_VERSION" ]; then
    log "initialising the database cluster"
    mkdir -p "$root$pg_data"; in_root chown -R postgres:postgres /var/lib/wasteroute
    in_root su postgres -c "initdb -D $pg_data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
    cat >> "$root$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
shared_preload_libraries = 'timescaledb'
timescaledb.telemetry_level = off
max_connections = 200
shared_buffers = 512MB
synchronous_commit = on
unix_socket_directories = '/tmp'
CONF
    # Trust on loopback only: a local test and development database, never a production one.
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$root$pg_data/pg_hba.conf"
  fi
  in_root su postgres -c "pg_ctl -D $pg_data -l /var/lib/wasteroute/postgres.log -w -t 60 start" >/dev/null \
    || { log "postgres failed to start; see $root/var/lib/wasteroute/postgres.log"; exit 1; }
  in_root su postgres -c "psql -h /tmp -p $pg_port -qAtc \"select 1 from pg_database where datname='wasteroute'\"" | grep -q 1 \
    || in_root su postgres -c "createdb -h /tmp -p $pg_port wasteroute"
  log "timescaledb up on 127.0.0.1:$pg_port (DATABASE_URL=postgresql://postgres@127.0.0.1:$pg_port/wasteroute)"
}

timescaledb_down() {
  if [ -d "$root" ] && mountpoint -q "$root/proc" 2>/dev/null; then
    in_root su postgres -c "pg_ctl -D $pg_data -m fast -w stop" >/dev/null 2>&1 && log "timescaledb stopped" || true
    umount "$root/proc" 2>/dev/null || true
  fi
}

status() {
  local rc=0
  if mosquitto_running; then echo "mosquitto:   up   127.0.0.1:$mqtt_port"; else echo "mosquitto:   down"; rc=1; fi
  if [ -d "$root" ] && mountpoint -q "$root/proc" 2>/dev/null \
     && in_root su postgres -c "pg_ctl -D $pg_data status" >/dev/null 2>&1; then
    echo "timescaledb: up   127.0.0.1:$pg_port"
  else echo "timescaledb: down${root:+ (root: $([ -f "$root/.wasteroute-ready" ] && echo cached || echo not built))}"; rc=1; fi
  return $rc
}

case "${1:-}" in
  up) mosquitto_up; timescaledb_up ;;
  down) mosquitto_down; timescaledb_down ;;
  status) status ;;
  restart-mosquitto) mosquitto_down; mosquitto_up ;;
  *) echo "usage: $0 up|down|status|restart-mosquitto" >&2; exit 2 ;;
esac
