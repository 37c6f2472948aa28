#!/usr/bin/env bash
# The kill -9 soak, long version: a job reading Kafka and writing Kafka (exactly-once),
# upsert-kafka and PostgreSQL, through a filter, a TUMBLE, an updating GROUP BY, a
# MATCH_RECOGNIZE and a lookup join, killed with SIGKILL 20 times at random moments and
# started again each time; its output must equal a fault-free run's. The test suite runs
# a short version of the same test (crates/sluice/tests/soak.rs).
#
#   scripts/soak.sh                         # 20 kills over 200,000 rows
#   SLUICE_SOAK_KILLS=50 scripts/soak.sh    # more kills
#   SLUICE_SOAK_SEED=123 scripts/soak.sh    # replay the kill times a failed run printed
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}"
export SLUICE_SOAK_KILLS="${SLUICE_SOAK_KILLS:-20}"
export SLUICE_SOAK_ROWS="${SLUICE_SOAK_ROWS:-200000}"
source "$(dirname "$0")/services.sh"
cargo test --release --locked -p sluice --test soak -- --nocapture
