#!/usr/bin/env bash
# Bulk import (see BENCHMARKS.md, "Import"): `simpul import` of N generated indicators (JSON
# lines; each with one observable: a domain, an IPv4 address, a URL, a phone number or an IBAN),
# durable, on SQLite and on PostgreSQL, against the storage limit measured in the same run: the
# same rows inserted without simpul into the same tables and indexes (SQLite: a small rusqlite
# program, transactions of 2,000 with prepared statements; PostgreSQL: COPY). Builds in release.
#
# The indicators come from bench/gen_indicators.py (random ids, mixed TLP, five observable types).
#
# IMPORT_N (default 1000000) objects; IMPORT_POSTGRES (default postgres://postgres@127.0.0.1:5432/test,
# empty to skip PostgreSQL); IMPORT_NO_BUILD=1 uses the release binaries as built. Quick run:
# IMPORT_N=100000 bench/import.sh
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${IMPORT_N:-1000000}
PG=${IMPORT_POSTGRES-postgres://postgres@127.0.0.1:5432/test}
OUT=${IMPORT_OUT:-$SIMPUL_ROOT/bench/out/import}
rm -rf "$OUT"
mkdir -p "$OUT"
if [ -z "${IMPORT_NO_BUILD:-}" ]; then
  cargo build --quiet --release -p simpul
  cargo build --quiet --release -p simpul-store-sqlite --example bareinsert
fi
BIN="$SIMPUL_ROOT/target/release"
echo "== generating $N indicators"
python3 bench/gen_indicators.py "$N" "$OUT/indicators.jsonl"
ls -l "$OUT/indicators.jsonl"

# setup DB_ARGS...: an organisation, an analyst and a collection; prints the collection id.
setup() {
  "$BIN/simpul" "$@" org add --name Bench --short BENCH --kind national-cert --country SG > /dev/null
  "$BIN/simpul" "$@" user add --org BENCH --email an@bench.example --role analyst > /dev/null
  "$BIN/simpul" "$@" collection add --title Bench --orgs BENCH
}

# timed NAME CMD...: runs CMD under /usr/bin/time (wall seconds in $OUT/NAME.time).
timed() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$OUT/$name.time" "$@"
}

echo "== SQLite"
DATA="$OUT/sqlite"
C=$(setup --data "$DATA")
cp "$DATA/simpul.db" "$OUT/bare.db"
cp "$DATA/simpul.db" "$OUT/bare_default_cache.db"
timed sqlite_simpul "$BIN/simpul" --data "$DATA" import "$OUT/indicators.jsonl" --as an@bench.example \
  --collection "$C" | tee "$OUT/sqlite_simpul.out"
"$BIN/examples/bareinsert" "$DATA/simpul.db" "$OUT/bare.db" | tee "$OUT/sqlite_bare.json"
"$BIN/examples/bareinsert" "$DATA/simpul.db" "$OUT/bare_default_cache.db" --default-cache \
  | tee "$OUT/sqlite_bare_default_cache.json"

if [ -n "$PG" ]; then
  echo "== PostgreSQL"
  S=bench_import_$$
  T=bench_bare_$$
  psql -q "$PG" -c "CREATE SCHEMA $S; CREATE SCHEMA $T;"
  trap 'psql -q "$PG" -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $S CASCADE; DROP SCHEMA IF EXISTS $T CASCADE;"' EXIT
  SEP='?'; case "$PG" in *\?*) SEP='&';; esac
  URL_S="$PG${SEP}options=-csearch_path%3D$S"
  URL_T="$PG${SEP}options=-csearch_path%3D$T"
  C=$(setup --database "$URL_S")
  # The bare target: the same schema (simpul's migrations) and the same directory rows.
  "$BIN/simpul" --database "$URL_T" org list > /dev/null
  for t in organisations users collections collection_orgs; do
    psql -q "$PG" -c "INSERT INTO $T.$t SELECT * FROM $S.$t"
  done
  timed pg_simpul "$BIN/simpul" --database "$URL_S" import "$OUT/indicators.jsonl" --as an@bench.example \
    --collection "$C" | tee "$OUT/pg_simpul.out"
  psql -q "$PG" -c "\\copy (SELECT * FROM $S.objects ORDER BY seq) TO '$OUT/objects.copy'"
  psql -q "$PG" -c "\\copy (SELECT * FROM $S.object_observables) TO '$OUT/observables.copy'"
  psql -q "$PG" -c "ANALYZE $T.objects"
  START=$(date +%s.%N)
  psql -q "$PG" -v ON_ERROR_STOP=1 <<SQL
BEGIN;
\\copy $T.objects FROM '$OUT/objects.copy'
\\copy $T.object_observables FROM '$OUT/observables.copy'
COMMIT;
SQL
  END=$(date +%s.%N)
  echo "$START $END" > "$OUT/pg_copy.span"
fi

python3 - "$OUT" "$N" <<'PY'
import json, os, sys
out, n = sys.argv[1], int(sys.argv[2])
def wall(name):
    return float(open(f"{out}/{name}.time").read().split()[-2])
def rss(name):
    return int(open(f"{out}/{name}.time").read().split()[-1]) / 1024
print()
s = wall("sqlite_simpul")
bare = json.load(open(f"{out}/sqlite_bare.json"))
print(f"SQLite  simpul import: {n / s:>10,.0f} objects/s ({s:.1f} s, peak RSS {rss('sqlite_simpul'):.0f} MiB)")
print(f"SQLite  bare insert:   {bare['per_s']:>10,.0f} objects/s ({bare['seconds']:.1f} s)")
print(f"SQLite  ratio simpul/bare: {n / s / bare['per_s']:.2f}")
small = json.load(open(f"{out}/sqlite_bare_default_cache.json"))
print(f"SQLite  bare insert, SQLite's default 2 MiB page cache: {small['per_s']:>10,.0f} objects/s ({small['seconds']:.1f} s)")
if os.path.exists(f"{out}/pg_copy.span"):
    p = wall("pg_simpul")
    a, b = map(float, open(f"{out}/pg_copy.span").read().split())
    print(f"PostgreSQL simpul import: {n / p:>10,.0f} objects/s ({p:.1f} s, peak RSS {rss('pg_simpul'):.0f} MiB)")
    print(f"PostgreSQL COPY:          {n / (b - a):>10,.0f} objects/s ({b - a:.1f} s)")
    print(f"PostgreSQL ratio simpul/COPY: {(b - a) / p:.2f}")
PY
