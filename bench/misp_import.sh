#!/usr/bin/env bash
# MISP import (see BENCHMARKS.md, "MISP import"): `simpul import` of one generated MISP event of
# N attributes (bench/gen_misp_event.py) into a fresh SQLite database — converted to STIX, validated,
# keyed and stored durably — printing STIX objects stored per second and peak RSS. Builds in release.
#
# MISP_N (default 100000) attributes; MISP_NO_BUILD=1 uses the release binary as built.
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${MISP_N:-100000}
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
DATA="$OUT/sqlite"
"$BIN" --data "$DATA" org add --name Bench --short BENCH --kind national-cert --country SG > /dev/null
"$BIN" --data "$DATA" user add --org BENCH --email an@bench.example --role analyst > /dev/null
C=$("$BIN" --data "$DATA" collection add --title Bench --orgs BENCH)
/usr/bin/time -f '%e %M' -o "$OUT/import.time" "$BIN" --data "$DATA" import "$OUT/event.json" \
  --as an@bench.example --collection "$C" | tee "$OUT/import.out"
python3 - "$OUT" "$N" <<'PY'
import re, sys
out, n = sys.argv[1], int(sys.argv[2])
secs, rss = open(f"{out}/import.time").read().split()[-2:]
stored = int(re.search(r"stored (\d+)", open(f"{out}/import.out").read()).group(1))
secs = float(secs)
print(f"MISP event of {n} attributes: {stored} STIX objects stored in {secs:.1f} s = "
      f"{stored / secs:,.0f} objects/s ({n / secs:,.0f} attributes/s), peak RSS {int(rss) / 1024:.0f} MiB")
PY
