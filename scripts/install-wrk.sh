#!/usr/bin/env bash
# Fetch Debian's wrk (a C HTTP load generator) for `wasteroute bench api`, without installing
# anything system-wide: `apt-get download` of wrk and its LuaJIT library, unpacked with
# `dpkg-deb -x` under $WASTEROUTE_CACHE (default ~/.cache/wasteroute)/wrk, plus a wrapper
# $WASTEROUTE_CACHE/wrk/bin/wrk that sets the library path. Idempotent; needs no root.
# Usage: scripts/install-wrk.sh        (prints the wrapper's path)
set -euo pipefail

cache="${WASTEROUTE_CACHE:-$HOME/.cache/wasteroute}"
dir="$cache/wrk"
wrapper="$dir/bin/wrk"
log() { printf '[install-wrk] %s\n' "$*" >&2; }

if [ -x "$wrapper" ] && [ -x "$dir/root/usr/bin/wrk" ]; then
  log "wrk already unpacked"
  echo "$wrapper"
  exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
  || { log "needs apt-get and dpkg-deb (a Debian or Ubuntu machine)"; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
chmod 777 "$work"   # apt-get download may drop to the _apt user
log "downloading wrk and libluajit-5.1-2 (Debian packages)"
(cd "$work" && apt-get download -q wrk libluajit-5.1-2 >/dev/null 2>&1) || {
  log "apt-get download failed; try 'apt-get update' first"; exit 1; }
rm -rf "$dir"; mkdir -p "$dir/root" "$dir/bin"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
libdir="$(dirname "$(find "$dir/root" -name 'libluajit-5.1.so.2' | head -n1)")"
cat > "$wrapper" <<WRAP
#!/bin/sh
LD_LIBRARY_PATH="$libdir\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$dir/root/usr/bin/wrk" "\$@"
WRAP
chmod +x "$wrapper"
{ "$wrapper" --version 2>&1 || true; } | head -n1 | sed 's/^/[install-wrk] /' >&2
echo "$wrapper"
