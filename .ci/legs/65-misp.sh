#!/usr/bin/env bash
# MISP out, with PyMISP as the oracle (.ci/misp_check.py): a corpus of events built with PyMISP
# (common attribute types, the financial-fraud ones — phone-number, iban, bic, bank-account-nr,
# btc, xmr, cc-number — and file, bank-account, coin-address, phone-number, telegram-account and
# domain-ip objects with references; TLP:GREEN, TLP:AMBER+STRICT and TLP:CLEAR events, PAP and
# other tags, an event-level and an attribute-level galaxy cluster, a sighting) is imported by a MyCERT analyst into a MyCERT–SingCERT collection of the demo data;
# `simpul export --format misp` as a SingCERT analyst is loaded event by event with
# MISPEvent().load() and compared with the originals (uuids, types, categories, values, to_ids,
# comments, tags, objects with their attributes and references, timestamps, galaxies with their
# clusters, sightings). Then `simpul serve`
# serves the collection as a MISP feed: manifest.json, every event file and hashes.csv are fetched
# with a token and checked against PyMISP's own manifest and md5 hashes of each event; a ThaiCERT
# analyst (outside the audience) gets 404 for each file. Importing the export again stores nothing.
# MISP_KEEP=1 keeps the temporary folder.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

ci_venv pymisp==2.5.34.4
ci_simpul

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -z "${MISP_KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT

simpul() { env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" "$@"; }
# serve_up: start `simpul serve` on the data (the demo seed on its first start) and wait for it.
serve_up() {
  port="$(free_port)"
  simpul serve --demo --data "$data" --listen "127.0.0.1:$port" >"$work/serve.out" 2>"$work/serve.err" &
  pid=$!
  for _ in $(seq 1 240); do
    if "$CI_PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
      "http://127.0.0.1:$port/readyz" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$work/serve.err" >&2; exit 1; fi
    sleep 0.5
  done
  echo "misp: the server did not start" >&2
  exit 1
}

data="$work/simpul"
serve_up
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

"$CI_PY" .ci/misp_check.py corpus "$work/corpus.json"
collection="$(simpul collection add --data "$data" --title "MISP round trip" --orgs MyCERT,SingCERT)"
simpul import --data "$data" --as analyst@mycert.example --collection "$collection" "$work/corpus.json"
simpul export --data "$data" --format misp --as analyst@singcert.example --collection "$collection" \
  -o "$work/export.json"
# Each part's count line is renamed so that the CI summary counts the total below once.
"$CI_PY" .ci/misp_check.py export "$work/corpus.json" "$work/export.json" | sed 's/^misp:/misp (export):/' \
  | tee "$work/export.out"
# MISP → simpul → MISP → simpul: the export imported again by its producer stores nothing (the same
# uuids and timestamps are the same STIX ids and versions).
again="$(simpul import --data "$data" --as analyst@mycert.example --collection "$collection" "$work/export.json")"
echo "misp: import of the export: $again"
case "$again" in
  "stored 0, skipped "*", failed 0, warnings 0") ;;
  *) echo "misp: importing the export again stored or refused something" >&2; exit 1 ;;
esac
reader="$(simpul token create --data "$data" --user analyst@singcert.example --name misp-feed --scopes read)"
denied="$(simpul token create --data "$data" --user analyst@thaicert.example --name misp-feed --scopes read)"
serve_up
"$CI_PY" .ci/misp_check.py feed "$work/corpus.json" "http://127.0.0.1:$port/feeds/misp/$collection/" \
  "$reader" "$denied" | sed 's/^misp:/misp (feed):/' | tee "$work/feed.out"
total="$(cat "$work/export.out" "$work/feed.out" | grep -Eo '[0-9]+ passed' | awk '{s += $1} END {print s + 0}')"
echo "misp: $total passed, 0 failed"
