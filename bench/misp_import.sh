#!/usr/bin/env bash
# MISP import (see BENCHMARKS.md, "MISP import"): `simpul import` of one generated MISP event of
# N attributes (bench/gen_misp_event.py) into a fresh SQLite database — converted to STIX, validated,
# keyed and stored durably — and into PostgreSQL, printing STIX objects stored per second and peak
# RSS. Builds in release.
#
# Then a MISP feed directory of MISP_FEED_EVENTS (default 1000) events of MISP_FEED_N (default 100)
# attributes each, imported as `simpul import DIR` (an event at a time).
#
# MISP_N (default 100000) attributes; MISP_POSTGRES (default postgres://postgres@127.0.0.1:5432/test,
# empty to skip PostgreSQL); MISP_NO_BUILD=1 uses the release binary as built.
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${MISP_N:-100000}
FEED_EVENTS=${MISP_FEED_EVENTS:-1000}
FEED_N=${MISP_FEED_N:-100}
PG=${MISP_POSTGRES-postgres://postgres@127.0.0.1:5432/test}
OUT=${MISP_OUT:-$SIMPUL_ROOT/bench/out/misp}
rm -rf "$OUT"
mkdir -p "$OUT"
if [ -z "${MISP_NO_BUILD:-}" ]; then
  cargo build --quiet --release -p simpul
fi
BIN="$SIMPUL_ROOT/target/release/simpul"
echo "== generating one MISP event of $N attributes"
python3 bench/gen_misp_event.py "$N" "$OUT/event.json"
ls -l "$OUT/event.json"
echo "== generating a MISP feed of $FEED_EVENTS events of $FEED_N attributes"
python3 bench/gen_misp_event.py --feed "$FEED_EVENTS" "$FEED_N" "$OUT/feed"
du -sh "$OUT/feed"
# run NAME INPUT DB_ARGS...: an organisation, an analyst, a collection, then the timed import.
run() {
  local name=$1 input=$2; shift 2
  "$BIN" "$@" org add --name Bench --short BENCH --kind national-cert --country SG > /dev/null
  "$BIN" "$@" user add --org BENCH --email an@bench.example --role analyst > /dev/null
  local c
  c=$("$BIN" "$@" collection add --title Bench --orgs BENCH)
  /usr/bin/time -f '%e %M' -o "$OUT/$name.time" "$BIN" "$@" import "$input" \
    --as an@bench.example --collection "$c" | tee "$OUT/$name.out"
}
echo "== SQLite"
run sqlite "$OUT/event.json" --data "$OUT/sqlite"
run sqlite_feed "$OUT/feed" --data "$OUT/sqlite_feed"
if [ -n "$PG" ]; then
  echo "== PostgreSQL"
  S=bench_misp_$$
  psql -q "$PG" -c "CREATE SCHEMA $S;"
  trap 'psql -q "$PG" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $S CASCADE;"' EXIT
  SEP='?'; case "$PG" in *\?*) SEP='&';; esac
  run pg "$OUT/event.json" --database "$PG${SEP}options=-csearch_path%3D$S"
  psql -q "$PG" -c "SET client_min_messages = warning; DROP SCHEMA $S CASCADE; CREATE SCHEMA $S;"
  run pg_feed "$OUT/feed" --database "$PG${SEP}options=-csearch_path%3D$S"
fi
python3 - "$OUT" "$N" "$FEED_EVENTS" "$FEED_N" <<'PY'
import os, re, sys
out, n, events, each = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for name, label in (("sqlite", "SQLite"), ("pg", "PostgreSQL"), ("sqlite_feed", "SQLite"), ("pg_feed", "PostgreSQL")):
    if not os.path.exists(f"{out}/{name}.time"):
        continue
    secs, rss = open(f"{out}/{name}.time").read().split()[-2:]
    stored = int(re.search(r"stored (\d+)", open(f"{out}/{name}.out").read()).group(1))
    secs = float(secs)
    if name.endswith("_feed"):
        print(f"{label}: MISP feed of {events} events x {each} attributes: {stored} STIX objects stored in "
              f"{secs:.1f} s = {stored / secs:,.0f} objects/s ({events / secs:,.1f} events/s), "
              f"peak RSS {int(rss) / 1024:.0f} MiB")
        continue
    print(f"{label}: MISP event of {n} attributes: {stored} STIX objects stored in {secs:.1f} s = "
          f"{stored / secs:,.0f} objects/s ({n / secs:,.0f} attributes/s), peak RSS {int(rss) / 1024:.0f} MiB")
PY
