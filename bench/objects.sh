#!/usr/bin/env bash
# REST read latency on a large store (see BENCHMARKS.md, "Reading shared objects"): imports N
# generated indicators (default 1,000,000) into a demo collection on SQLite (or PostgreSQL with
# OBJECTS_DATABASE=postgres://…), starts `simpul serve` in release, and drives
# `GET /api/v1/objects?type=indicator&limit=1000`, `?q=WORD&limit=1000` and `?observable=VALUE`
# with the loopback load generator (crates/simpul/examples/loadgen.rs), printing p50/p90/p99 and
# the server's resident memory. The reader is an analyst of an audience organisation, so every
# query runs through the sharing filter.
#
# Then the same store over TAXII 2.1 (the collection's objects endpoint): `match[type]=indicator`
# and `added_after=T` with `limit=1000`, by OBJECTS_TAXII_CONCURRENCY clients (default 32).
#
# Scale with OBJECTS_N (default 1000000), OBJECTS_SECONDS (per scenario, default 20),
# OBJECTS_CONCURRENCY (default 4). OBJECTS_REUSE=1 keeps the store of the last run (no generation,
# no import). OBJECTS_ONLY=taxii runs the two TAXII scenarios only (bench/taxii_flat.sh).
# Quick run: OBJECTS_N=100000 bench/objects.sh
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${OBJECTS_N:-1000000}
SECONDS_EACH=${OBJECTS_SECONDS:-20}
C=${OBJECTS_CONCURRENCY:-4}
OUT=${OBJECTS_OUT:-$SIMPUL_ROOT/bench/out/objects}
PORT=${OBJECTS_PORT:-18431}
if [ -z "${OBJECTS_REUSE:-}" ]; then rm -rf "$OUT"; fi
mkdir -p "$OUT"
cargo build --quiet --release -p simpul --bin simpul --example loadgen
BIN="$SIMPUL_ROOT/target/release"
DATA="$OUT/data"
DB_ARGS=(--data "$DATA")
if [ -n "${OBJECTS_DATABASE:-}" ]; then
  DB_ARGS+=(--database "$OBJECTS_DATABASE")
fi
# The demo's community collection, shared by SingCERT; MyCERT's analyst reads it.
COLLECTION=5e1ec7ed-de30-4000-8000-000000000001

if [ -z "${OBJECTS_REUSE:-}" ]; then
  echo "== generating $N indicators"
  python3 bench/gen_indicators.py "$N" "$OUT/indicators.jsonl" "$OUT/values.txt" "$OUT/words.txt"

  echo "== seeding the demo, then importing"
  "$BIN/simpul" "${DB_ARGS[@]}" serve --demo --listen "127.0.0.1:$PORT" > "$OUT/seed.log" 2>&1 &
  SEED_PID=$!
  for _ in $(seq 1 600); do grep -q "is serving" "$OUT/seed.log" && break; sleep 0.2; done
  kill "$SEED_PID"; wait "$SEED_PID" || true
  /usr/bin/time -f '%e %U %S %M' -o "$OUT/import.time" \
    "$BIN/simpul" "${DB_ARGS[@]}" import "$OUT/indicators.jsonl" --as analyst@singcert.example \
    --collection "$COLLECTION" > "$OUT/import.log" 2>&1
  tail -1 "$OUT/import.log"
fi

"$BIN/simpul" "${DB_ARGS[@]}" serve --listen "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
SERVE_PID=$!
trap 'kill $SERVE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q "is serving" "$OUT/serve.log" && break; sleep 0.2; done
TOKEN=$("$BIN/simpul" "${DB_ARGS[@]}" token create --user analyst@mycert.example --name "bench-$$")
API="http://127.0.0.1:$PORT/api/v1"
SCENARIOS=(list q observable taxii_type taxii_added)
if [ "${OBJECTS_ONLY:-}" = taxii ]; then SCENARIOS=(taxii_type taxii_added); fi
loadavg() { echo "$1: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" | tee -a "$OUT/load.txt"; }
rm -f "$OUT/load.txt"

if [ "${OBJECTS_ONLY:-}" != taxii ]; then
# Pages deeper in the list: follow `next` for 50 pages first.
python3 - "$API" "$TOKEN" "$OUT" <<'PY'
import json, sys, urllib.parse, urllib.request
api, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
def get(url):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(req))
first = f"{api}/objects?type=indicator&limit=1000"
urls, url = [], first
for _ in range(50):
    urls.append(url)
    page = get(url)
    if not page.get("next"):
        break
    url = f"{first}&next={page['next']}"
open(f"{out}/list.urls", "w").write("\n".join(urls) + "\n")
words = open(f"{out}/words.txt").read().split()
open(f"{out}/q.urls", "w").write("\n".join(f"{api}/objects?q={w}&limit=1000" for w in words) + "\n")
values = open(f"{out}/values.txt").read().split("\n")
open(f"{out}/observable.urls", "w").write("\n".join(
    f"{api}/objects?observable={urllib.parse.quote(v, safe='')}" for v in values if v) + "\n")
print(f"total visible to the reader: {get(first)['total']}")
PY

for s in list q observable; do
  echo "== GET $s ($C concurrent, ${SECONDS_EACH}s)"
  loadavg "$s"
  "$BIN/examples/loadgen" "$OUT/$s.urls" "$C" "$SECONDS_EACH" "$TOKEN" | tee "$OUT/$s.json"
done
fi
TAXII="http://127.0.0.1:$PORT/taxii2/api/collections/$COLLECTION/objects/"
python3 - "$TAXII" "$TOKEN" "$OUT" <<'PY'
import json, sys, urllib.request
objects, token, out = sys.argv[1], sys.argv[2], sys.argv[3]
manifest = objects.replace("/objects/", "/manifest/")
req = urllib.request.Request(f"{manifest}?limit=1000", headers={
    "Authorization": f"Bearer {token}", "Accept": "application/taxii+json;version=2.1"})
added = [o["date_added"] for o in json.load(urllib.request.urlopen(req))["objects"]]
open(f"{out}/taxii_type.urls", "w").write(f"{objects}?match[type]=indicator&limit=1000\n")
open(f"{out}/taxii_added.urls", "w").write(
    "".join(f"{objects}?added_after={a}&limit=1000\n" for a in added[::100]))
PY
TC=${OBJECTS_TAXII_CONCURRENCY:-32}
for s in taxii_type taxii_added; do
  echo "== TAXII $s ($TC concurrent, ${SECONDS_EACH}s)"
  loadavg "$s"
  LOADGEN_ACCEPT='application/taxii+json;version=2.1' \
    "$BIN/examples/loadgen" "$OUT/$s.urls" "$TC" "$SECONDS_EACH" "$TOKEN" | tee "$OUT/$s.json"
done
RSS_KIB=$(awk '/VmRSS/ {print $2}' "/proc/$SERVE_PID/status")
python3 - "$OUT" "$N" "$RSS_KIB" "${SCENARIOS[@]}" <<'PY'
import json, sys
out, n, rss, scenarios = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
e, u, s, k = open(f"{out}/import.time").read().split()[-4:]
print()
print(f"import (last generating run): {n} objects in {float(e):.1f} s wall = {n / float(e):,.0f} objects/s (peak RSS {int(k) // 1024} MiB)")
print(f"{'query':<12} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'body KiB':>9} statuses")
for q in scenarios:
    r = json.load(open(f"{out}/{q}.json"))
    print(f"{q:<12} {r['requests_per_s']:>8.1f} {r['p50_ms']:>8.1f} {r['p90_ms']:>8.1f} {r['p99_ms']:>8.1f} "
          f"{r['mean_body_bytes'] / 1024:>9.1f} {r['statuses']}")
print(f"server resident memory after the run: {rss // 1024} MiB")
print(open(f"{out}/load.txt").read().strip())
PY
