#!/usr/bin/env bash
# Install Debian's headless-capable Chromium and its WebDriver for the web e2e tests
# (tests/web). Idempotent: does nothing when both are already installed.
# Usage: scripts/install-browser.sh   (as root, or with sudo available)
set -euo pipefail

PACKAGES=(chromium chromium-driver)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "chromium and chromium-driver are installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q "${missing[@]}"
echo "installed: $(/usr/bin/chromium --version) / $(/usr/bin/chromedriver --version)"
