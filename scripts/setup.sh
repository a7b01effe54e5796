#!/usr/bin/env bash
# Sets up a fresh Debian machine for statorrent: the real BitTorrent programs the interop tests
# and the demo talk to (Debian packages), then the npm dependencies. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  opentracker        # real tracker for interop tests (whitelist build)
  mktorrent          # third-party torrent creator
  python3-libtorrent # libtorrent seeders/leechers
  transmission-cli   # transmission-show / transmission-create / transmission-cli
  aria2              # another real client
  chromium           # headless browser mermaid-cli renders diagrams/*.svg with (npm run diagrams)
  fonts-dejavu-core  # DejaVu Sans: the font diagrams/*.svg name and are measured in (test/diagrams)
  time procps iproute2 curl
)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian may start daemons on machines with an init; the tests start their own on loopback.
for svc in transmission-daemon opentracker; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done

# Puppeteer must not download its own browser (no network for that); diagrams use Debian's chromium.
export PUPPETEER_SKIP_DOWNLOAD=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
