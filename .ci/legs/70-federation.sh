#!/usr/bin/env bash
# Federation with foreign TAXII 2.1 peers (P1.10): a `simpul serve` node (SQLite, its scheduler off)
# syncs with medallion 3.0.0 (the OASIS reference server, memory backend) and with OpenTAXII 0.9.3
# (EclecticIQ; SQLite, gunicorn; .ci/opentaxii_federation_app.py for its two known bugs: UUIDs in
# JSON, and `spec_version` served as the object's type — issue #237), each as a peer pulled
# from and pushed to with `simpul peer sync` (.ci/federation_check.py: both ways, RED and
# AMBER+STRICT never cross, a second round moves nothing, no duplicates). Each peer runs in its own
# virtualenv with pinned versions. FEDERATION_KEEP=1 keeps the temporary folder.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

ci_venv requests
med_venv="$SIMPUL_ROOT/.ci/.venv/medallion"
if [ ! -x "$med_venv/bin/medallion" ]; then
  python3 -m venv "$med_venv"
  "$med_venv/bin/pip" install --quiet medallion==3.0.0
fi
ot_venv="$SIMPUL_ROOT/.ci/.venv/opentaxii"
if [ ! -x "$ot_venv/bin/gunicorn" ]; then
  python3 -m venv "$ot_venv"
  "$ot_venv/bin/pip" install --quiet opentaxii==0.9.3 gunicorn==20.1.0 Flask==2.2.2 Werkzeug==2.2.2 \
    SQLAlchemy==1.4.41 marshmallow==3.18.0 structlog==22.1.0 PyJWT==2.5.0 stix2==3.0.1
fi
ci_simpul

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ -z "${FEDERATION_KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT

S=(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN")
# simpul_node DIR: SingCERT with an analyst, "Foreign" (the peer's organisation) with its local
# account, and a collection shared with both; prints the collection id.
simpul_node() {
  "${S[@]}" --data "$1" org add --name SingCERT --short SingCERT --kind national-cert --country SG > /dev/null
  "${S[@]}" --data "$1" org add --name Foreign --short Foreign --kind other > /dev/null
  "${S[@]}" --data "$1" user add --org SingCERT --email an@sg.example --role analyst > /dev/null
  "${S[@]}" --data "$1" user add --org Foreign --email peer@foreign.example --role analyst > /dev/null
  "${S[@]}" --data "$1" collection add --title Exchange --orgs SingCERT,Foreign
}

# check NAME TARGET: a fresh simpul node against the peer of TARGET.
check() {
  local data="$work/simpul-$1" port c token
  c=$(simpul_node "$data")
  token=$("${S[@]}" token create --data "$data" --user an@sg.example --name leg --scopes read,write)
  port=$(free_port)
  SIMPUL_FEDERATION_SCHEDULE=false "${S[@]}" serve --data "$data" --listen "127.0.0.1:$port" \
    > "$work/simpul-$1.out" 2> "$work/simpul-$1.err" &
  pids+=($!)
  wait_up "${pids[-1]}" "http://127.0.0.1:$port/readyz"
  (cd .ci && "$CI_PY" federation_check.py "$1" "$SIMPUL_BIN" "$data" "http://127.0.0.1:$port" "$token" "$c" "$2")
}

echo "== medallion 3.0.0"
mport=$(free_port)
"$CI_PY" .ci/taxii_common.py medallion "$work/medallion" "$mport"
"$med_venv/bin/medallion" --host 127.0.0.1 --port "$mport" "$work/medallion/medallion.json" \
  > "$work/medallion.out" 2> "$work/medallion.err" &
pids+=($!)
wait_up "${pids[-1]}" "http://127.0.0.1:$mport/taxii2/"
check medallion "$work/medallion/medallion-target.json"

echo "== OpenTAXII 0.9.3"
D="$work/opentaxii"
oport=$(free_port)
opentaxii_setup "$ot_venv" "$D" "$oport" Federation leg
OPENTAXII_CONFIG="$D/opentaxii.yml" "$ot_venv/bin/gunicorn" --workers 2 --bind "127.0.0.1:$oport" \
  --pythonpath "$SIMPUL_ROOT/bench,$SIMPUL_ROOT/.ci" opentaxii_federation_app:app \
  > "$work/opentaxii.out" 2> "$work/opentaxii.err" &
pids+=($!)
wait_up "${pids[-1]}" "http://127.0.0.1:$oport/taxii2/"
check opentaxii "$D/opentaxii-target.json"
