#!/usr/bin/env bash
# Install the npm tools of tests/openapi (Redocly CLI, openapi-typescript, openapi-fetch, TypeScript) into
# tests/openapi/node_modules, exactly as tests/openapi/package-lock.json pins them (npm ci).
# Idempotent: a no-op while node_modules was installed from the lock file as it is now.
set -euo pipefail
cd "$(dirname "$0")/../tests/openapi"
if ! command -v npm >/dev/null; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "[ensure-node-tools] npm is missing and this is not root: apt-get install nodejs npm" >&2
    exit 1
  fi
  echo "[ensure-node-tools] apt-get install -y nodejs npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
stamp=node_modules/.flashsale-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
[[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && exit 0
echo "[ensure-node-tools] npm ci in tests/openapi"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
