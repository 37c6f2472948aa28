#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a bounded time, as CI does:
#   parse_roundtrip  SQL text -> statements -> printed SQL -> the same statements
#   plan             SQL text -> plans (bind, rewrites, changelog modes, lowering)
#   json_decode      JSON records -> Arrow columns of every type
#   csv_decode       CSV records -> Arrow columns
# Each starts from a corpus made of the repository's own inputs: the scripts of tests/sql
# and of the conformance cases, and the heads of the conformance data files.
# A crash fails the script; libFuzzer saves the input under fuzz/artifacts/<target>.
#
#   scripts/fuzz.sh                      # 30 s per target
#   SLUICE_FUZZ_SECONDS=600 scripts/fuzz.sh plan
#
# cargo-fuzz is installed from crates.io into ~/.cache/sluice-tools on first use. It
# needs a nightly compiler: rustup's nightly if installed, else the stable one with
# RUSTC_BOOTSTRAP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${SLUICE_TOOLS:-$HOME/.cache/sluice-tools}"
SECONDS_EACH="${SLUICE_FUZZ_SECONDS:-30}"
export PATH="$TOOLS/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
    echo "== installing cargo-fuzz (crates.io) into $TOOLS" >&2
    cargo install --quiet --locked cargo-fuzz --root "$TOOLS"
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse_roundtrip plan json_decode csv_decode)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
    corpus="$work/$target"
    mkdir -p "$corpus"
    case "$target" in
        parse_roundtrip|plan) cp tests/sql/*.sql tests/conformance/cases/*.sql "$corpus/" ;;
        json_decode) for f in tests/conformance/data/*.json; do head -c 4096 "$f" > "$corpus/$(basename "$f")"; done ;;
        csv_decode) for f in tests/conformance/data/*.csv; do head -c 4096 "$f" > "$corpus/$(basename "$f")"; done ;;
    esac
    echo "== fuzzing $target for ${SECONDS_EACH} s ($(ls "$corpus" | wc -l) seed inputs)" >&2
    # Plain (no sanitizer) builds: the targets look for panics, aborts and hangs, and a
    # sanitizer would triple the build on two cores.
    log="$work/$target.log"
    if ! "${fuzz[@]}" run --fuzz-dir fuzz --sanitizer none \
        --target-dir "${SLUICE_FUZZ_TARGET_DIR:-$HOME/.cache/sluice-fuzz-target}" \
        "$target" "$corpus" -- -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        > "$log" 2>&1; then
        tail -n 60 "$log" >&2
        echo "fuzz target $target failed: the input is under fuzz/artifacts/$target" >&2
        exit 1
    fi
    grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$log" >&2 || true
done
