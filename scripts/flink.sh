#!/usr/bin/env bash
# Installs Apache Flink 2.3 (PyFlink, from PyPI) for use as the oracle, together with Flink's own
# SQL connector jars for Kafka ('kafka', 'upsert-kafka') and JDBC/PostgreSQL ('jdbc'), so that
# scripts reading or writing those systems run on Flink unchanged.
#   1. PyFlink 2.3 into a venv (~/.cache/flink-oracle-venv, or $FLINK_VENV), through
#      shared/flink-oracle/install-flink.sh when it is there (beside the clone, or
#      $SLUICE_SHARED), else the same pip install done here.
#   2. The jars listed in scripts/jars/flink-connectors.pom.xml (Maven Central, via mvn) into
#      PyFlink's lib folder, whose jars are on Flink's classpath. Done once: a stamp file in lib
#      records the pom's checksum and the jars it installed; when the pom changes, the old jars
#      are removed before the new ones are copied, so two versions never sit side by side.
#   3. The Nexmark suite's Java function `count_char` (scripts/jars/nexmark-udf), compiled into
#      the same lib folder, so that Nexmark q14 runs in its upstream text.
# Prints the venv's Python (for FLINK_PYTHON) on stdout, like install-flink.sh; all else to stderr.
# Flink's SQL connectors for Elasticsearch 7 / OpenSearch are not installed: no version on
# Maven Central reachable here runs on Flink 2.x as published (they need Flink 1.x APIs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/jars/flink-connectors.pom.xml"
export FLINK_VENV="${FLINK_VENV:-$HOME/.cache/flink-oracle-venv}"

# 1. PyFlink 2.3.
shared="${SLUICE_SHARED:-$here/../../shared}"
if [ -f "$shared/flink-oracle/install-flink.sh" ]; then
    py="$(bash "$shared/flink-oracle/install-flink.sh")"
else
    # The same steps as shared/flink-oracle/install-flink.sh.
    venv="$FLINK_VENV"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyflink' 2>/dev/null; then
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install -q 'apache-flink==2.3.0' >&2
    fi
    command -v java >/dev/null || { echo "java not found: apt-get install openjdk-17-jre-headless" >&2; exit 1; }
    py="$venv/bin/python"
fi

# 2. The connector jars, into pyflink/lib.
lib="$("$py" -c 'import os, pyflink; print(os.path.join(os.path.dirname(pyflink.__file__), "lib"))')"
stamp="$lib/.sluice-connectors"
sum="$(sha256sum "$pom" | cut -d' ' -f1)"
installed_ok() {
    [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$sum" ] || return 1
    local jar
    while read -r jar; do [ -f "$lib/$jar" ] || return 1; done < <(tail -n +2 "$stamp")
}
if ! installed_ok; then
    if ! command -v mvn >/dev/null; then
        echo "== installing maven (Debian)" >&2
        if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq maven >/dev/null
    fi
    echo "== fetching Flink's Kafka and JDBC connector jars (Maven Central) into $lib" >&2
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # -DexcludeTransitive: the fat SQL jars carry their dependencies, and Flink's own classes
    # (e.g. flink-connector-base, which the JDBC jars name) are already in flink-dist.
    mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
        -DexcludeTransitive=true -DoutputDirectory="$tmp/jars" >&2
    # Remove what an earlier pom installed, then copy the new set and record it.
    if [ -f "$stamp" ]; then
        tail -n +2 "$stamp" | while read -r jar; do rm -f "$lib/$jar"; done
    fi
    cp "$tmp"/jars/*.jar "$lib/"
    { echo "$sum"; (cd "$tmp/jars" && ls -1 ./*.jar | sed 's|^\./||'); } > "$stamp"
    sed 1d "$stamp" | sed 's/^/   /' >&2
fi

# 3. The Nexmark suite's Java function `count_char` (its q14), compiled into pyflink/lib.
udf_src="$here/jars/nexmark-udf"
udf_jar="$lib/sluice-nexmark-udf.jar"
udf_stamp="$lib/.sluice-nexmark-udf"
udf_sum="$(cat "$udf_src"/com/github/nexmark/flink/udf/*.java | sha256sum | cut -d' ' -f1)"
if [ ! -f "$udf_jar" ] || [ "$(cat "$udf_stamp" 2>/dev/null)" != "$udf_sum" ]; then
    if ! command -v javac >/dev/null; then
        echo "== installing the Java 17 compiler (Debian)" >&2
        if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
    fi
    echo "== compiling the Nexmark suite's count_char function into $udf_jar" >&2
    classes="$(mktemp -d)"
    javac -nowarn -cp "$lib/*" -d "$classes" "$udf_src"/com/github/nexmark/flink/udf/*.java >&2
    (cd "$classes" && jar cf "$udf_jar" .)
    rm -rf "$classes"
    echo "$udf_sum" > "$udf_stamp"
fi

echo "$py"
