#!/usr/bin/env bash
# Installs what the integration tests need, once, into caches outside the clone:
# - the C toolchain pieces librdkafka is built with (Debian: libssl-dev, zlib1g-dev);
# - Apache Kafka (the broker jars `org.apache.kafka:kafka_2.13` and their runtime
#   dependencies, from Maven Central through scripts/jars/kafka.pom.xml) into
#   ~/.cache/sluice-tools/kafka-<version>/libs; the tests run it on Java 17 (Debian's
#   openjdk-17 and maven are installed if missing);
# - PostgreSQL (Debian's `postgresql`; tests run initdb/pg_ctl in temp folders);
# - `osmem-server`, an in-memory OpenSearch-compatible server (PyPI), in a venv under
#   ~/.cache/sluice-tools/venv;
# - the Python of the UDF tests (pyarrow, pandas, scikit-learn from PyPI, pinned in
#   scripts/python-requirements.txt) in ~/.cache/sluice-tools/python-venv, remade when
#   that file changes; SLUICE_PYTHON names its interpreter;
# - Aiven's own client `avn` (PyPI `aiven-client`), for the tests of `sluice server`'s
#   Aiven-compatible routes: the newest release (applications, versions, deployments) in
#   ~/.cache/sluice-tools/avn-latest, and 2.15.0 (the `flink table`/`flink job` commands
#   of the older workflow, gone from later releases) in ~/.cache/sluice-tools/avn-2.15.
# - SeaweedFS (`weed`, an S3-compatible object store) for the checkpoint-in-a-bucket
#   tests, built once from the Go module proxy (`github.com/seaweedfs/seaweedfs`, pinned
#   below; its go.mod has replace directives, so it is built inside its module rather than
#   with `go install`) into ~/.cache/sluice-tools/seaweedfs-<version>/bin; SLUICE_WEED
#   names it. Needs Go (the machine's, or Debian's golang-go).
# The tests start their own broker processes on free ports (crates/sluice-testkit).
set -euo pipefail
TOOLS="${SLUICE_TOOLS:-$HOME/.cache/sluice-tools}"

missing=()
for pkg in libssl-dev zlib1g-dev pkg-config make postgresql openjdk-17-jre-headless maven; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]} (Debian)" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

JARS="$(cd "$(dirname "${BASH_SOURCE[0]}")/jars" && pwd)"
KAFKA_VERSION="$(sed -n 's|.*<kafka.version>\(.*\)</kafka.version>.*|\1|p' "$JARS/kafka.pom.xml")"
KAFKA_LIBS="$TOOLS/kafka-$KAFKA_VERSION/libs"
if [ ! -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]; then
    echo "== fetching Apache Kafka $KAFKA_VERSION from Maven Central into $KAFKA_LIBS (first time only)" >&2
    rm -rf "$KAFKA_LIBS.tmp"
    mvn -q -B -f "$JARS/kafka.pom.xml" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" >&2
    rm -rf "$KAFKA_LIBS" && mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
fi
export SLUICE_KAFKA_LIBS="$KAFKA_LIBS"

osmem() { ls "$TOOLS"/venv/lib/python*/site-packages/osmem_server/bin/osmem-server 2>/dev/null | head -1; }
if [ -z "$(osmem)" ]; then
    echo "== installing osmem-server (PyPI) into $TOOLS/venv" >&2
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install -q osmem-server
fi
export SLUICE_OSMEM="$(osmem)"
PY_VENV="$TOOLS/python-venv"
PY_REQ="$(dirname "${BASH_SOURCE[0]}")/python-requirements.txt"
if ! cmp -s "$PY_REQ" "$PY_VENV/requirements.txt"; then
    echo "== installing pyarrow, pandas, scikit-learn (PyPI) into $PY_VENV" >&2
    rm -rf "$PY_VENV"
    python3 -m venv "$PY_VENV"
    "$PY_VENV/bin/pip" install -q -r "$PY_REQ"
    cp "$PY_REQ" "$PY_VENV/requirements.txt"
fi
export SLUICE_PYTHON="$PY_VENV/bin/python"
export SLUICE_PY_VENV="$PY_VENV"
avn_venv() { # folder, requirement
    if [ ! -x "$TOOLS/$1/bin/avn" ]; then
        echo "== installing $2 (PyPI) into $TOOLS/$1" >&2
        rm -rf "${TOOLS:?}/$1"
        python3 -m venv "$TOOLS/$1"
        "$TOOLS/$1/bin/pip" install -q "$2"
    fi
}
avn_venv avn-latest aiven-client==4.18.0
avn_venv avn-2.15 aiven-client==2.15.0
export SLUICE_AVN="$TOOLS/avn-latest/bin/avn"
export SLUICE_AVN_2_15="$TOOLS/avn-2.15/bin/avn"
WEED_VERSION="v0.0.0-20261109003541-7506e5f91cd6"
WEED="$TOOLS/seaweedfs-${WEED_VERSION##*-}/bin/weed"
if [ ! -x "$WEED" ]; then
    echo "== building SeaweedFS $WEED_VERSION (Go module proxy) into $(dirname "$WEED") (first time only)" >&2
    if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="$PATH:/usr/local/go/bin"; fi
    if ! command -v go >/dev/null 2>&1; then
        if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
        $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go >/dev/null
    fi
    go mod download "github.com/seaweedfs/seaweedfs@$WEED_VERSION"
    WEED_SRC="$(go env GOMODCACHE)/github.com/seaweedfs/seaweedfs@$WEED_VERSION"
    mkdir -p "$(dirname "$WEED")"
    (cd "$WEED_SRC" && go build -o "$WEED.tmp" ./weed) >&2
    mv "$WEED.tmp" "$WEED"
fi
export SLUICE_WEED="$WEED"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
export SLUICE_PG_BIN="${SLUICE_PG_BIN:-$PG_BIN}"
# The console's browser tests: Debian's Chromium, Node.js and playwright-core.
source "$(dirname "${BASH_SOURCE[0]}")/browser.sh"
