#!/usr/bin/env bash
# Installs what the console's browser tests need, once, outside the clone (sourced by
# scripts/services.sh): Debian's Chromium (`chromium`), Node.js (`nodejs`, `npm`), and the
# npm package `playwright-core` (the driver only: no browser download) pinned here, in
# ~/.cache/sluice-tools/playwright. Exports SLUICE_CHROMIUM and SLUICE_PLAYWRIGHT (the
# folder whose node_modules holds playwright-core), which crates/sluice/tests/console.rs
# reads.
set -euo pipefail
TOOLS="${SLUICE_TOOLS:-$HOME/.cache/sluice-tools}"
PLAYWRIGHT_VERSION=1.49.1

missing=()
dpkg -s chromium >/dev/null 2>&1 || missing+=(chromium)
# Node.js may come from elsewhere than Debian (its npm then is not Debian's package).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian)" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PW="$TOOLS/playwright"
if [ "$(cat "$PW/version" 2>/dev/null)" != "$PLAYWRIGHT_VERSION" ]; then
    echo "== installing playwright-core $PLAYWRIGHT_VERSION (npm) into $PW" >&2
    rm -rf "$PW"
    mkdir -p "$PW"
    (cd "$PW" && npm install --silent --no-audit --no-fund --prefix "$PW" "playwright-core@$PLAYWRIGHT_VERSION" >&2)
    echo "$PLAYWRIGHT_VERSION" > "$PW/version"
fi
export SLUICE_PLAYWRIGHT="$PW"
export SLUICE_CHROMIUM="${SLUICE_CHROMIUM:-$(command -v chromium)}"
