#!/usr/bin/env bash
# Runs the whole test suite: unit tests, property tests, the parser's round-trip tests,
# the data-driven SQL tests, the Flink-conformance tier (expected rows made by Flink,
# stored in tests/conformance/expected, so Flink itself is not needed) and the
# integration tier against a real Kafka-protocol broker (installed by scripts/services.sh
# on first use and cached in ~/.cache/sluice-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}"
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs)" >&2; exit 1; }
source "$(dirname "$0")/services.sh"
cargo test --workspace --locked "$@"
