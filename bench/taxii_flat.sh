#!/usr/bin/env bash
# Is the filtered TAXII GET flat in collection size? (BENCHMARKS.md, "TAXII 2.1"): for each size,
# bench/objects.sh with OBJECTS_ONLY=taxii loads that many generated indicators into a fresh store
# (SQLite, `simpul import`) and drives `match[type]=indicator&limit=1000` and
# `added_after=T&limit=1000` with 32 concurrent clients (the loopback load generator), then one
# table: p50, p99 and requests/s per size, with the load average before each scenario.
#
# TAXII_FLAT_SIZES (default "10000 100000"; add 1000000 for the 1M store, about 5 more minutes);
# TAXII_FLAT_REUSE=1 keeps the store of each size from the last run (OBJECTS_REUSE);
# OBJECTS_SECONDS (per scenario, default 20). Stores in bench/out/taxii-flat/N.
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
SIZES=${TAXII_FLAT_SIZES:-10000 100000}
OUT=$SIMPUL_ROOT/bench/out/taxii-flat
mkdir -p "$OUT"
for n in $SIZES; do
  echo "=== $n objects"
  reuse=()
  if [ -n "${TAXII_FLAT_REUSE:-}" ] && [ -d "$OUT/$n/data" ]; then reuse=(OBJECTS_REUSE=1); fi
  env "${reuse[@]}" OBJECTS_N="$n" OBJECTS_OUT="$OUT/$n" OBJECTS_ONLY=taxii bench/objects.sh
done
python3 - "$OUT" $SIZES <<'PY'
import json, sys
out, sizes = sys.argv[1], sys.argv[2:]
print()
print(f"{'objects':>9} {'filter':<24} {'req/s':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}  load before")
for n in sizes:
    load = dict(line.split(": ", 1) for line in open(f"{out}/{n}/load.txt").read().splitlines())
    for q, label in (("taxii_type", "match[type]=indicator"), ("taxii_added", "added_after=T")):
        r = json.load(open(f"{out}/{n}/{q}.json"))
        print(f"{int(n):>9,} {label:<24} {r['requests_per_s']:>7.1f} {r['p50_ms']:>8.1f} {r['p90_ms']:>8.1f} "
              f"{r['p99_ms']:>8.1f}  {load[q]}")
PY
