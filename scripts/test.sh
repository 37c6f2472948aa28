#!/usr/bin/env bash
# Runs the whole test suite: unit tests, property tests, the parser's round-trip tests,
# the data-driven SQL tests and the Flink-conformance tier (expected rows made by Flink,
# stored in tests/conformance/expected, so Flink itself is not needed).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}"
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs)" >&2; exit 1; }
cargo test --workspace --locked "$@"
