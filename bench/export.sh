#!/usr/bin/env bash
# Exports (see BENCHMARKS.md, "Exports"): `simpul export` of about 1,000,000 visible indicators in
# the suricata, rpz, csv and stix formats — seconds, indicators/s and peak RSS — and, on the same
# data, misp-stix's MISP → STIX 2.1 conversion rate. Builds in release.
#
# The data: a MISP feed (bench/gen_misp_event.py) of EXPORT_EVENTS (default 100) events of
# EXPORT_N (default 14300) attributes, about 70 % `to_ids`, imported with `simpul import DIR` into
# a fresh SQLite database: about 1,000,000 indicators. Then each export runs as the importing
# analyst (through the sharing policy, page by page). misp-stix (pip, in a venv under bench/out)
# converts EXPORT_MISP_STIX_EVENTS (default 5) of the same events.
#
# EXPORT_ARGS adds arguments to every `simpul export` (e.g. `--min-score 50`); EXPORT_NO_BUILD=1
# uses the release binary as built; EXPORT_KEEP=1 keeps bench/out/export.
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
EVENTS=${EXPORT_EVENTS:-100}
N=${EXPORT_N:-14300}
MS_EVENTS=${EXPORT_MISP_STIX_EVENTS:-5}
OUT=${EXPORT_OUT:-$SIMPUL_ROOT/bench/out/export}
rm -rf "$OUT"
mkdir -p "$OUT"
if [ -z "${EXPORT_KEEP:-}" ]; then trap 'rm -rf "$OUT/feed" "$OUT/data" "$OUT"/export.*' EXIT; fi
if [ -z "${EXPORT_NO_BUILD:-}" ]; then
  cargo build --quiet --release -p simpul
fi
BIN="$SIMPUL_ROOT/target/release/simpul"
unset SIMPUL_CONFIG SIMPUL_DATABASE SIMPUL_WARNINGLISTS

echo "== generating a MISP feed of $EVENTS events of $N attributes"
python3 bench/gen_misp_event.py --feed "$EVENTS" "$N" "$OUT/feed"
du -sh "$OUT/feed"

echo "== importing it into SQLite"
D=(--data "$OUT/data")
"$BIN" "${D[@]}" org add --name Bench --short BENCH --kind national-cert --country SG > /dev/null
"$BIN" "${D[@]}" user add --org BENCH --email an@bench.example --role analyst > /dev/null
C=$("$BIN" "${D[@]}" collection add --title Bench --orgs BENCH)
/usr/bin/time -f '%e %M' -o "$OUT/import.time" "$BIN" "${D[@]}" import "$OUT/feed" \
  --as an@bench.example --collection "$C" | tee "$OUT/import.out"

# The generated data is dated (2026-03-01) and this measures the formats, not decay: every kind
# lives a hundred years here (the decay score is still computed for every indicator).
long_decay_config "$OUT/decay.toml"
for f in suricata rpz csv stix; do
  echo "== export --format $f"
  # shellcheck disable=SC2086
  /usr/bin/time -f '%e %M' -o "$OUT/$f.time" "$BIN" --config "$OUT/decay.toml" "${D[@]}" export --format "$f" \
    --as an@bench.example --collection "$C" -o "$OUT/export.$f" ${EXPORT_ARGS:-} 2> "$OUT/$f.err"
  cat "$OUT/$f.err"
  ls -l "$OUT/export.$f" | awk '{print "   " $5 " bytes"}'
done

echo "== misp-stix on $MS_EVENTS of the same events"
VENV="$SIMPUL_ROOT/bench/out/venv-misp-stix"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet misp-stix==2026.10.12
fi
"$VENV/bin/python" - "$OUT/feed" "$MS_EVENTS" > "$OUT/misp-stix.out" <<'PY'
import json, os, resource, sys, time
from misp_stix_converter import MISPtoSTIX21Parser
feed, k = sys.argv[1], int(sys.argv[2])
names = sorted(n for n in os.listdir(feed) if n != "manifest.json")[:k]
indicators = attributes = 0
secs = 0.0
for n in names:
    with open(os.path.join(feed, n), encoding="utf-8") as f:
        event = json.load(f)
    started = time.perf_counter()
    p = MISPtoSTIX21Parser()
    p.parse_misp_event(event)
    text = p.bundle.serialize()
    secs += time.perf_counter() - started
    objs = json.loads(text)["objects"]
    indicators += sum(1 for o in objs if o["type"] == "indicator")
    e = event["Event"]
    attributes += len(e.get("Attribute", [])) + sum(len(o.get("Attribute", [])) for o in e.get("Object", []))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{indicators} {attributes} {secs:.3f} {rss}")
PY

python3 - "$OUT" "$MS_EVENTS" <<'PY'
import re, sys
out, ms_events = sys.argv[1], int(sys.argv[2])
secs, rss = open(f"{out}/import.time").read().split()[-2:]
stored = int(re.search(r"stored (\d+)", open(f"{out}/import.out").read()).group(1))
print(f"import: {stored} STIX objects stored in {float(secs):.1f} s, peak RSS {int(rss) / 1024:.0f} MiB")
rates = {}
for f in ("suricata", "rpz", "csv", "stix"):
    secs, rss = open(f"{out}/{f}.time").read().split()[-2:]
    err = open(f"{out}/{f}.err").read()
    m = re.search(r"from (\d+) indicators", err)
    ind = int(m.group(1)) if m else 0
    w = re.search(r"exported (\d+)", err)
    rates[f] = ind / float(secs)
    print(f"export {f}: {ind} indicators read, {w.group(1) if w else '?'} written, {float(secs):.1f} s = "
          f"{rates[f]:,.0f} indicators/s, peak RSS {int(rss) / 1024:.0f} MiB")
ind, attrs, secs, rss = open(f"{out}/misp-stix.out").read().split()
ms_rate = int(ind) / float(secs)
print(f"misp-stix: {ind} indicators from {attrs} attributes of {ms_events} events in {float(secs):.1f} s = "
      f"{ms_rate:,.0f} indicators/s, peak RSS {int(rss) / 1024:.0f} MiB")
print(f"ratio simpul export stix / misp-stix conversion: {rates['stix'] / ms_rate:.1f}x")
PY
