#!/usr/bin/env bash
# TAXII 2.1 throughput (results belong in BENCHMARKS.md, "TAXII"): POST of N generated indicators (bench/gen_indicators.py,
# ~400 bytes each) in envelopes of 1,000, HTTP Basic, one request at a time, then the whole collection
# paged back with limit=1000, then the first filtered page (match[type]=indicator, added_after;
# limit=1000) timed — against `simpul serve` (release build, SQLite, a fresh data folder with one
# organisation, one analyst and one collection), medallion 3.0.0 (the OASIS reference server, memory
# backend) and OpenTAXII 0.9.3 (EclecticIQ; SQLAlchemy over SQLite, gunicorn with 2 workers; see
# bench/opentaxii_app.py for the one change it needs), each peer in its own virtualenv with pinned
# versions, in the same run, on loopback. Also `simpul import` of the same file into another fresh
# data folder, for the ratio of the TAXII POST rate to the import rate. Prints the rates and the
# ratios, and the load average before each peer. By hand only (builds in release; not in .ci/run).
#
# TAXII_N (default 10000) objects; TAXII_NO_BUILD=1 uses target/release/simpul as built;
# TAXII_PEERS=simpul,import,medallion,opentaxii (the default: all). Quick run: TAXII_N=2000 bench/taxii.sh
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${TAXII_N:-10000}
PEERS=${TAXII_PEERS:-simpul,import,medallion,opentaxii}
OUT=${TAXII_OUT:-$SIMPUL_ROOT/bench/out/taxii}
rm -rf "$OUT"
mkdir -p "$OUT"
ci_venv requests
med_venv="$SIMPUL_ROOT/.ci/.venv/medallion"
if [ ! -x "$med_venv/bin/medallion" ]; then
  python3 -m venv "$med_venv"
  "$med_venv/bin/pip" install --quiet medallion==3.0.0
fi
ot_venv="$SIMPUL_ROOT/.ci/.venv/opentaxii"
if [[ ",$PEERS," == *",opentaxii,"* ]] && [ ! -x "$ot_venv/bin/gunicorn" ]; then
  python3 -m venv "$ot_venv"
  # OpenTAXII 0.9.3 (October 2022) with the libraries of its time: today's Flask, SQLAlchemy and
  # marshmallow releases are newer than anything it was tested with.
  "$ot_venv/bin/pip" install --quiet opentaxii==0.9.3 gunicorn==20.1.0 Flask==2.2.2 Werkzeug==2.2.2 \
    SQLAlchemy==1.4.41 marshmallow==3.18.0 structlog==22.1.0 PyJWT==2.5.0 stix2==3.0.1
fi
if [[ ",$PEERS," == *",simpul,"* || ",$PEERS," == *",import,"* ]] && [ -z "${TAXII_NO_BUILD:-}" ]; then
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

S=(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$BIN")
# simpul_data DIR: a fresh data folder with one organisation, one analyst and one collection;
# prints the collection id.
simpul_data() {
  "${S[@]}" --data "$1" org add --name Bench --short BENCH --kind national-cert --country SG > /dev/null
  "${S[@]}" --data "$1" user add --org BENCH --email an@bench.example --role analyst > /dev/null
  "${S[@]}" --data "$1" collection add --title Bench --orgs BENCH
}
loadavg() { echo "$1: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" | tee -a "$OUT/load.txt"; }
echo "== generating $N indicators"
python3 bench/gen_indicators.py "$N" "$OUT/indicators.jsonl"
"$CI_PY" -c "import sys; l = open(sys.argv[1]).read().splitlines(); print('%d objects, %.0f bytes each on average' % (len(l), sum(map(len, l)) / len(l)))" "$OUT/indicators.jsonl"

if [[ ",$PEERS," == *",simpul,"* ]]; then
  echo "== simpul (release, SQLite)"
  DATA="$OUT/simpul"
  C=$(simpul_data "$DATA")
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
  loadavg simpul
  "$CI_PY" bench/taxii_load.py "$OUT/simpul-target.json" "$OUT/indicators.jsonl" | tee "$OUT/simpul.json"
  kill "${pids[-1]}"
fi

if [[ ",$PEERS," == *",import,"* ]]; then
  echo "== simpul import (release, SQLite, durable), the same file"
  DATA="$OUT/import"
  C=$(simpul_data "$DATA")
  loadavg import
  "$CI_PY" - "$OUT/import.json" "$N" "${S[@]}" --data "$DATA" import "$OUT/indicators.jsonl" \
    --as an@bench.example --collection "$C" <<'EOF'
import json, subprocess, sys, time
path, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
started = time.perf_counter()
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
s = time.perf_counter() - started
json.dump({"server": "simpul import", "objects": n, "import_s": round(s, 3), "import_per_s": round(n / s, 1)},
          open(path, "w"))
print(open(path).read())
EOF
fi

if [[ ",$PEERS," == *",medallion,"* ]]; then
  echo "== medallion 3.0.0 (memory backend)"
  mport=$(free_port)
  "$CI_PY" .ci/taxii_common.py medallion "$OUT/medallion" "$mport"
  "$med_venv/bin/medallion" --host 127.0.0.1 --port "$mport" "$OUT/medallion/medallion.json" \
    > "$OUT/medallion.out" 2> "$OUT/medallion.err" &
  pids+=($!)
  wait_up "${pids[-1]}" "http://127.0.0.1:$mport/taxii2/"
  loadavg medallion
  # One filtered page takes medallion about as long as one page of the paged GET: time it once.
  "$CI_PY" bench/taxii_load.py "$OUT/medallion/medallion-target.json" "$OUT/indicators.jsonl" --repeat 1 \
    | tee "$OUT/medallion.json"
  kill "${pids[-1]}"
fi

if [[ ",$PEERS," == *",opentaxii,"* ]]; then
  echo "== OpenTAXII 0.9.3 (SQLite, gunicorn, 2 workers)"
  D="$OUT/opentaxii"
  oport=$(free_port)
  opentaxii_setup "$ot_venv" "$D" "$oport" Bench bench
  OPENTAXII_CONFIG="$D/opentaxii.yml" "$ot_venv/bin/gunicorn" --workers 2 --bind "127.0.0.1:$oport" \
    --pythonpath "$SIMPUL_ROOT/bench" opentaxii_app:app > "$OUT/opentaxii.out" 2> "$OUT/opentaxii.err" &
  pids+=($!)
  wait_up "${pids[-1]}" "http://127.0.0.1:$oport/taxii2/"
  loadavg opentaxii
  "$CI_PY" bench/taxii_load.py "$D/opentaxii-target.json" "$OUT/indicators.jsonl" | tee "$OUT/opentaxii.json"
  kill "${pids[-1]}"
fi

"$CI_PY" - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
r = {}
for name in ("simpul", "import", "medallion", "opentaxii"):
    p = os.path.join(out, name + ".json")
    if os.path.exists(p) and os.path.getsize(p):
        r[name] = json.load(open(p))
print()
print(open(os.path.join(out, "load.txt")).read().strip())
for name, x in r.items():
    if name == "import":
        print(f"{'import':10} {x['import_per_s']:>10,.0f} objects/s ({x['import_s']:.2f} s, `simpul import`)")
        continue
    print(f"{name:10} POST {x['post_per_s']:>10,.0f} objects/s ({x['post_s']:.2f} s)   "
          f"paged GET {x['get_per_s']:>10,.0f} objects/s ({x['get_s']:.2f} s, {x['pages']} pages)   "
          f"first page: match[type] {x['type_ms']['median']:,.1f} ms, added_after {x['added_ms']['median']:,.1f} ms")
s = r.get("simpul")
if s and "import" in r:
    print(f"simpul TAXII POST / simpul import: {s['post_per_s'] / r['import']['import_per_s']:.2f}")
for peer in ("medallion", "opentaxii"):
    if s and peer in r:
        m = r[peer]
        print(f"ratio simpul/{peer}: POST {s['post_per_s'] / m['post_per_s']:.1f}x, "
              f"paged GET {s['get_per_s'] / m['get_per_s']:.1f}x, first page "
              f"match[type] {m['type_ms']['median'] / s['type_ms']['median']:.1f}x, "
              f"added_after {m['added_ms']['median'] / s['added_ms']['median']:.1f}x ({s['objects']} objects)")
PY
