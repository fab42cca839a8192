#!/usr/bin/env bash
# TAXII 2.1 throughput (results belong in BENCHMARKS.md, "TAXII"): POST of N generated indicators (bench/gen_indicators.py,
# ~400 bytes each) in envelopes of 1,000, HTTP Basic, one request at a time, then the whole collection
# paged back with limit=1000 — against medallion 3.0.0 (the OASIS reference server, memory backend, in
# its own virtualenv) and against `simpul serve` (release build, SQLite, a fresh data folder with one
# organisation, one analyst and one collection), in the same run, on loopback. Prints both rates and
# the ratios. By hand only (builds in release; not part of .ci/run).
#
# TAXII_N (default 10000) objects; TAXII_NO_BUILD=1 uses target/release/simpul as built;
# TAXII_PEERS=simpul,medallion (default both). Quick run: TAXII_N=2000 bench/taxii.sh
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${TAXII_N:-10000}
PEERS=${TAXII_PEERS:-simpul,medallion}
OUT=${TAXII_OUT:-$SIMPUL_ROOT/bench/out/taxii}
rm -rf "$OUT"
mkdir -p "$OUT"
ci_venv requests
med_venv="$SIMPUL_ROOT/.ci/.venv/medallion"
if [ ! -x "$med_venv/bin/medallion" ]; then
  python3 -m venv "$med_venv"
  "$med_venv/bin/pip" install --quiet medallion==3.0.0
fi
if [[ ",$PEERS," == *",simpul,"* ]] && [ -z "${TAXII_NO_BUILD:-}" ]; then
  cargo build --quiet --release -p simpul
fi
BIN="$SIMPUL_ROOT/target/release/simpul"

pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
free_port() { "$CI_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() {
  for _ in $(seq 1 240); do
    if "$CI_PY" -c "
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
" "$2" 2>/dev/null; then return 0; fi
    if ! kill -0 "$1" 2>/dev/null; then echo "the server did not start" >&2; return 1; fi
    sleep 0.5
  done
  return 1
}

echo "== generating $N indicators"
python3 bench/gen_indicators.py "$N" "$OUT/indicators.jsonl"
"$CI_PY" -c "import sys; l = open(sys.argv[1]).read().splitlines(); print('%d objects, %.0f bytes each on average' % (len(l), sum(map(len, l)) / len(l)))" "$OUT/indicators.jsonl"

if [[ ",$PEERS," == *",simpul,"* ]]; then
  echo "== simpul (release, SQLite)"
  DATA="$OUT/simpul"
  S=(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$BIN")
  "${S[@]}" --data "$DATA" org add --name Bench --short BENCH --kind national-cert --country SG > /dev/null
  "${S[@]}" --data "$DATA" user add --org BENCH --email an@bench.example --role analyst > /dev/null
  C=$("${S[@]}" --data "$DATA" collection add --title Bench --orgs BENCH)
  SECRET=$("${S[@]}" token create --data "$DATA" --user an@bench.example --name bench --scopes read,write)
  port=$(free_port)
  "${S[@]}" serve --data "$DATA" --listen "127.0.0.1:$port" > "$OUT/simpul.out" 2> "$OUT/simpul.err" &
  pids+=($!)
  wait_up "${pids[-1]}" "http://127.0.0.1:$port/readyz"
  "$CI_PY" - "$OUT/simpul-target.json" "http://127.0.0.1:$port/taxii2/" "$C" "$SECRET" <<'EOF'
import json, sys
path, discovery, coll, secret = sys.argv[1:]
json.dump({"name": "simpul", "discovery": discovery,
           "writer": {"user": "an@bench.example", "password": secret, "collection": coll}}, open(path, "w"))
EOF
  "$CI_PY" bench/taxii_load.py "$OUT/simpul-target.json" "$OUT/indicators.jsonl" | tee "$OUT/simpul.json"
fi

if [[ ",$PEERS," == *",medallion,"* ]]; then
  echo "== medallion 3.0.0 (memory backend)"
  mport=$(free_port)
  "$CI_PY" .ci/taxii_common.py medallion "$OUT/medallion" "$mport"
  "$med_venv/bin/medallion" --host 127.0.0.1 --port "$mport" "$OUT/medallion/medallion.json" \
    > "$OUT/medallion.out" 2> "$OUT/medallion.err" &
  pids+=($!)
  wait_up "${pids[-1]}" "http://127.0.0.1:$mport/taxii2/"
  "$CI_PY" bench/taxii_load.py "$OUT/medallion/medallion-target.json" "$OUT/indicators.jsonl" | tee "$OUT/medallion.json"
fi

"$CI_PY" - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
r = {}
for name in ("simpul", "medallion"):
    p = os.path.join(out, name + ".json")
    if os.path.exists(p) and os.path.getsize(p):
        r[name] = json.load(open(p))
print()
for name, x in r.items():
    print(f"{name:10} POST {x['post_per_s']:>10,.0f} objects/s ({x['post_s']:.2f} s)   "
          f"paged GET {x['get_per_s']:>10,.0f} objects/s ({x['get_s']:.2f} s, {x['pages']} pages)")
if len(r) == 2:
    s, m = r["simpul"], r["medallion"]
    print(f"ratio simpul/medallion: POST {s['post_per_s'] / m['post_per_s']:.1f}x, "
          f"paged GET {s['get_per_s'] / m['get_per_s']:.1f}x ({s['objects']} objects)")
PY
