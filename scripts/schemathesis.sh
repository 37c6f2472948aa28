#!/usr/bin/env bash
# Runs schemathesis (PyPI, into ~/.cache/sluice-tools/schemathesis) against a fresh
# `sluice server`'s OpenAPI document: it fails on any 5xx, any answer that does not fit
# the document (status, content type, schema, headers), and any invalid request that is
# accepted. Requests that fit the document's schema but name something that does not
# exist (an unknown integration_id, version_id or table id) or break a rule the schema
# cannot state (a Kafka integration without bootstrap_servers) get a 4xx naming the
# field; schemathesis' "positive data acceptance" check counts those, so it is left out.
#   scripts/schemathesis.sh [extra st arguments, e.g. --max-examples 100]
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${SLUICE_TOOLS:-$HOME/.cache/sluice-tools}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sluice-target}"
if [ ! -x "$TOOLS/schemathesis/bin/st" ]; then
    echo "== installing schemathesis (PyPI) into $TOOLS/schemathesis" >&2
    python3 -m venv "$TOOLS/schemathesis"
    "$TOOLS/schemathesis/bin/pip" install -q schemathesis==4.32.5
fi
cargo build -q -p sluice
SLUICE="$CARGO_TARGET_DIR/debug/sluice"
WORK="$(mktemp -d)"
TOKEN="$("$SLUICE" token create --scope write --store "sqlite://$WORK/sluice.db")"
"$SLUICE" server --listen 127.0.0.1:0 --store "sqlite://$WORK/sluice.db" --state-dir "$WORK/state" 2> "$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
URL=""
for _ in $(seq 1 200); do
    URL="$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$WORK/server.log")"
    [ -n "$URL" ] && break
    kill -0 $SERVER 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.05
done
[ -n "$URL" ] || { echo "the server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1; }
curl -sf -H "Authorization: Bearer $TOKEN" "$URL/api/openapi.json" > "$WORK/openapi.json"
"$TOOLS/schemathesis/bin/st" run "$WORK/openapi.json" --url "$URL" -H "Authorization: Bearer $TOKEN" \
    --exclude-checks positive_data_acceptance --max-examples 30 "$@"
