#!/usr/bin/env bash
# Install Debian's Chromium for the admin page test (Playwright drives it; no browser is downloaded).
# Idempotent: a no-op when /usr/bin/chromium exists.
set -euo pipefail
[[ -x /usr/bin/chromium ]] && exit 0
if [[ "$(id -u)" != 0 ]]; then
  echo "[ensure-chromium] /usr/bin/chromium is missing and this is not root: apt-get install chromium" >&2
  exit 1
fi
echo "[ensure-chromium] apt-get install -y chromium"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
