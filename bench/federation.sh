#!/usr/bin/env bash
# Federation (BENCHMARKS.md, "Federation"): two `simpul serve` nodes (release, SQLite, loopback).
# Node A holds N generated indicators (bench/gen_indicators.py, mixed TLP, imported with `simpul
# import`); node B pulls them from A as a peer with one `simpul peer sync` (the initial sync,
# timed). Then B's server syncs on its own every second while a writer posts to A at RATE objects/s
# for SECS seconds (batches of 100, GREEN), and a reader on B notes when each object is first served
# there (bench/federation_lag.py): the steady-state lag, write acknowledged at A → readable at B.
# AMBER+STRICT objects of the generated mix stay on A (refused by B): the initial sync reports them.
#
# FED_N (default 100000), FED_RATE (1000), FED_SECS (30); FED_NO_BUILD=1 uses target/release/simpul
# as built. Quick run: FED_N=10000 FED_SECS=10 bench/federation.sh
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${FED_N:-100000}
RATE=${FED_RATE:-1000}
SECS=${FED_SECS:-30}
OUT=${FED_OUT:-$SIMPUL_ROOT/bench/out/federation}
rm -rf "$OUT"
mkdir -p "$OUT"
ci_venv requests
if [ -z "${FED_NO_BUILD:-}" ]; then
  cargo build --quiet --release -p simpul
fi
S=(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_ROOT/target/release/simpul")
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
wait_up() {
  for _ in $(seq 1 240); do
    if "$CI_PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$2" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$1" 2>/dev/null; then echo "a server did not start" >&2; return 1; fi
    sleep 0.5
  done
  return 1
}
# node DIR OWN OTHER OWN_EMAIL OTHER_EMAIL: two organisations, an analyst of each, a collection
# shared with both; prints the collection id.
node() {
  "${S[@]}" --data "$1" org add --name "$2" --short "$2" --kind national-cert > /dev/null
  "${S[@]}" --data "$1" org add --name "$3" --short "$3" --kind national-cert > /dev/null
  "${S[@]}" --data "$1" user add --org "$2" --email "$4" --role analyst > /dev/null
  "${S[@]}" --data "$1" user add --org "$3" --email "$5" --role analyst > /dev/null
  "${S[@]}" --data "$1" collection add --title Exchange --orgs "$2,$3"
}
loadavg() { echo "$1: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" | tee -a "$OUT/load.txt"; }

echo "== generating $N indicators"
python3 bench/gen_indicators.py "$N" "$OUT/indicators.jsonl"
A="$OUT/a"
B="$OUT/b"
CA=$(node "$A" SingCERT MyCERT an@sg.example node-b@my.example)
CB=$(node "$B" MyCERT SingCERT an@my.example node-a@sg.example)
"${S[@]}" --data "$A" import "$OUT/indicators.jsonl" --as an@sg.example --collection "$CA" > "$OUT/import.txt"
WRITER=$("${S[@]}" token create --data "$A" --user an@sg.example --name bench --scopes read,write)
B_AT_A=$("${S[@]}" token create --data "$A" --user node-b@my.example --name peer --scopes read,sync)
READER=$("${S[@]}" token create --data "$B" --user an@my.example --name bench --scopes read)
aport=$(free_port)
bport=$(free_port)
SIMPUL_FEDERATION_SCHEDULE=false "${S[@]}" serve --data "$A" --listen "127.0.0.1:$aport" > "$OUT/a.out" 2> "$OUT/a.err" &
pids+=($!)
wait_up "${pids[-1]}" "http://127.0.0.1:$aport/readyz"
"${S[@]}" --data "$B" peer add a --url "http://127.0.0.1:$aport/taxii2/" --token "$B_AT_A" \
  --direction pull --map "$CA=$CB" --as node-a@sg.example --interval 1 > /dev/null

echo "== initial sync of $N objects, A → B"
loadavg initial
started=$("$CI_PY" -c 'import time; print(time.perf_counter())')
"${S[@]}" --data "$B" peer sync a | tee "$OUT/initial.txt"
"$CI_PY" - "$started" "$OUT/initial.txt" "$OUT/initial.json" <<'PY'
import json, re, sys, time
s = time.perf_counter() - float(sys.argv[1])
pulled, pushed, refused = map(int, re.findall(r"\d+", open(sys.argv[2]).read())[:3])
r = {"pulled": pulled, "refused": refused, "seconds": round(s, 2), "pulled_per_s": round(pulled / s, 1)}
json.dump(r, open(sys.argv[3], "w"))
print(r)
PY

echo "== steady state: $RATE objects/s for $SECS s written on A, B syncing every second"
"${S[@]}" serve --data "$B" --listen "127.0.0.1:$bport" > "$OUT/b.out" 2> "$OUT/b.err" &
pids+=($!)
wait_up "${pids[-1]}" "http://127.0.0.1:$bport/readyz"
loadavg steady
"$CI_PY" bench/federation_lag.py "http://127.0.0.1:$aport" "$CA" "$WRITER" "http://127.0.0.1:$bport" "$CB" \
  "$READER" "$RATE" "$SECS" | tee "$OUT/steady.json"
