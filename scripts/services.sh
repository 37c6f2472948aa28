#!/usr/bin/env bash
# Installs what the integration tests need, once, into caches outside the clone:
# - the C toolchain pieces librdkafka is built with (Debian: libssl-dev, zlib1g-dev);
# - `tansu` 0.6.0, a Kafka-protocol broker in Rust, into ~/.cache/sluice-tools (building
#   it takes about 25 minutes on 2 cores the first time; later runs reuse it);
# - PostgreSQL (Debian's `postgresql`; tests run initdb/pg_ctl in temp folders);
# - `osmem-server`, an in-memory OpenSearch-compatible server (PyPI), in a venv under
#   ~/.cache/sluice-tools/venv.
# The tests start their own broker processes on free ports (crates/sluice-testkit).
set -euo pipefail
TOOLS="${SLUICE_TOOLS:-$HOME/.cache/sluice-tools}"

missing=()
for pkg in libssl-dev zlib1g-dev pkg-config make postgresql; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian)" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$TOOLS/bin/tansu" ]; then
    echo "== installing the tansu Kafka broker into $TOOLS (first time only; about 25 minutes)" >&2
    # A separate target dir keeps the broker's build out of the project's own cache.
    CARGO_TARGET_DIR="$TOOLS/target" cargo install tansu --version 0.6.0 --locked \
        --features dynostore --root "$TOOLS"
    rm -rf "$TOOLS/target"
fi
export SLUICE_TANSU="$TOOLS/bin/tansu"

osmem() { ls "$TOOLS"/venv/lib/python*/site-packages/osmem_server/bin/osmem-server 2>/dev/null | head -1; }
if [ -z "$(osmem)" ]; then
    echo "== installing osmem-server (PyPI) into $TOOLS/venv" >&2
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install -q osmem-server
fi
export SLUICE_OSMEM="$(osmem)"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
export SLUICE_PG_BIN="${SLUICE_PG_BIN:-$PG_BIN}"
