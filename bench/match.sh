#!/usr/bin/env bash
# Matching observables against indicators (see BENCHMARKS.md, "Matching"): simpul's compiled
# index (in process and as `simpul match`), against `grep -F -x -f` over the same exact strings
# and stix2-matcher on a subset, in one run. Builds in release.
#
# Scale with MATCH_INDICATORS (default 1000000), MATCH_OBSERVABLES (10000000), MATCH_HIT_RATE
# (0.01), MATCH_SUBSET_INDICATORS / MATCH_SUBSET_OBSERVABLES (200 / 2000, for stix2-matcher).
# Quick run: MATCH_INDICATORS=100000 MATCH_OBSERVABLES=1000000 bench/match.sh
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${MATCH_INDICATORS:-1000000}
M=${MATCH_OBSERVABLES:-10000000}
RATE=${MATCH_HIT_RATE:-0.01}
SUB_I=${MATCH_SUBSET_INDICATORS:-200}
SUB_O=${MATCH_SUBSET_OBSERVABLES:-2000}
OUT=${MATCH_OUT:-$SIMPUL_ROOT/bench/out/match}
mkdir -p "$OUT"
ci_venv stix2-matcher==3.0.0
cargo build --quiet --release -p simpul
cargo build --quiet --release -p simpul-matcher --example matchbench
BIN="$SIMPUL_ROOT/target/release"

echo "== in process, one thread: build $N indicators, match $M observables (hit rate $RATE)"
"$BIN/examples/matchbench" measure "$N" "$M" "$RATE" > "$OUT/measure.json"
cat "$OUT/measure.json"
echo "== writing the same data to $OUT"
"$BIN/examples/matchbench" write "$OUT" "$N" "$M" "$RATE" "$SUB_I" "$SUB_O"
echo "== simpul match (whole process): loading only, then loading + matching"
/usr/bin/time -f '%e %U %S %M' -o "$OUT/load.time" "$BIN/simpul" match --indicators "$OUT/indicators.jsonl" /dev/null
/usr/bin/time -f '%e %U %S %M' -o "$OUT/full.time" "$BIN/simpul" match --indicators "$OUT/indicators.jsonl" \
  "$OUT/observables.txt" --summary > "$OUT/hits.jsonl" 2> "$OUT/summary.txt"
echo "== grep -F -x -f (exact strings only)"
/usr/bin/time -f '%e %U %S %M' -o "$OUT/grep.time" grep -F -x -f "$OUT/exact.txt" "$OUT/observables.txt" > "$OUT/grep.out" || true
echo "== stix2-matcher on $SUB_I indicators x $SUB_O observables"
"$CI_PY" bench/match_peer.py "$OUT" > "$OUT/peer.json"
cat "$OUT/peer.json"
/usr/bin/time -f '%e %U %S %M' -o "$OUT/sub.time" "$BIN/simpul" match --indicators "$OUT/subset_indicators.jsonl" \
  "$OUT/subset_observables.txt" > "$OUT/sub_hits.jsonl"

"$CI_PY" - "$OUT" "$N" "$M" <<'PY'
import json, sys
out, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
meas = json.load(open(f"{out}/measure.json"))
def t(f):
    # /usr/bin/time: wall, user, system seconds, peak RSS KiB (last line; grep may add others)
    e, u, s, k = open(f"{out}/{f}").read().split()[-4:]
    return float(e), float(u) + float(s), float(k)
load_w, load_s, load_kib = t("load.time")
full_w, full_s, full_kib = t("full.time")
grep_w, grep_s, grep_kib = t("grep.time")
summary = json.loads(open(f"{out}/summary.txt").read().strip().splitlines()[-1])
peer = json.load(open(f"{out}/peer.json"))
sub_hits = sum(1 for _ in open(f"{out}/sub_hits.jsonl"))
grep_hits = sum(1 for _ in open(f"{out}/grep.out"))
match_s = max(full_s - load_s, 1e-9)
simpul_ops = m / match_s
print()
print(f"index build (in process): {meas['build_cpu_s']:.2f} s CPU for {n} indicators "
      f"({meas['build_indicators_per_s']:,.0f}/s), memory {meas['bytes_per_indicator']:.0f} B/indicator (RSS growth)")
print(f"match, in process, 1 thread: detect+lookup {meas['detect_and_match_cpu_per_s']:,.0f} obs/s CPU "
      f"({meas['detect_and_match_wall_per_s']:,.0f} wall); lookup only {meas['lookup_only_cpu_per_s']:,.0f} obs/s CPU; "
      f"hit rate {meas['hit_rate']:.4f}")
print(f"simpul match (process, CPU seconds): load {load_s:.1f} s (peak RSS {load_kib/1024:.0f} MiB), "
      f"load+match {full_s:.1f} s (wall {full_w:.1f} s, peak RSS {full_kib/1024:.0f} MiB) -> matching {simpul_ops:,.0f} obs/s "
      f"incl. reading lines and writing hits; {summary['hits']} hits")
print(f"grep -F -x -f (CPU seconds): {grep_s:.1f} s (wall {grep_w:.1f} s, peak RSS {grep_kib/1024:.0f} MiB), "
      f"{m/grep_s:,.0f} lines/s incl. building its automaton, {grep_hits} exact-string hits")
print(f"  speed of simpul match relative to grep (grep time / simpul time): whole run {grep_s/full_s:.2f}x, "
      f"matching part only {grep_s/match_s:.2f}x")
peer_at_n = peer['observations_per_s'] * peer['patterns'] / n
print(f"stix2-matcher: {peer['observations_per_s']:,.1f} obs/s against {peer['patterns']} patterns "
      f"(linear in patterns: {peer_at_n:.3f} obs/s against {n})")
print(f"  ratio simpul (in process, detect+lookup, {n} indicators) / stix2-matcher at {n}: "
      f"{meas['detect_and_match_cpu_per_s']/peer_at_n:,.0f}x")
print(f"  agreement on the subset: stix2-matcher {peer['matching_pairs']} matching pairs, simpul {sub_hits} hits "
      f"({'agree' if peer['matching_pairs'] == sub_hits else 'DIFFER'})")
PY
