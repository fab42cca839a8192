#!/usr/bin/env bash
# Server-side matching end to end on loopback (see BENCHMARKS.md, "Server-side matching"):
# N generated indicators imported into one collection of a fresh SQLite database, `simpul serve`
# on a free port; then, in one run: the first match (the index loads every indicator from the
# store), M observables through `POST /api/v1/match` (a plain HTTP client posting text/plain
# batches, and `simpul match --server`), the same M observables through
# `simpul match --indicators` (the in-process index, for the ratio), and the server's resident
# memory before and after its index loaded (bytes per indicator). Builds in release.
#
# Scale with MATCH_INDICATORS (default 1000000), MATCH_OBSERVABLES (1000000), MATCH_HIT_RATE
# (0.01), MATCH_BATCH (lines per HTTP request, 200000). Quick run:
#   MATCH_INDICATORS=100000 MATCH_OBSERVABLES=1000000 bench/match-server.sh
# MATCH_PROFILE=debug runs the debug build (only to check the script: the numbers mean nothing).
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
N=${MATCH_INDICATORS:-1000000}
M=${MATCH_OBSERVABLES:-1000000}
RATE=${MATCH_HIT_RATE:-0.01}
BATCH=${MATCH_BATCH:-200000}
PROFILE=${MATCH_PROFILE:-release}
OUT=${MATCH_OUT:-$SIMPUL_ROOT/bench/out/match-server}
rm -rf "$OUT" && mkdir -p "$OUT"
if [ "$PROFILE" = release ]; then
  cargo build --quiet --release -p simpul
  cargo build --quiet --release -p simpul-matcher --example matchbench
else
  cargo build --quiet -p simpul
  cargo build --quiet -p simpul-matcher --example matchbench
fi
BIN="$SIMPUL_ROOT/target/$PROFILE"
S="$BIN/simpul"
DATA="$OUT/data"
export -n SIMPUL_CONFIG SIMPUL_DATABASE SIMPUL_DATA 2>/dev/null || true

echo "== generating $N indicators and $M observables (hit rate $RATE)"
"$BIN/examples/matchbench" write "$OUT" "$N" "$M" "$RATE" 0 0 >/dev/null
# `simpul import` takes bundles or arrays: files of 20k indicators each.
python3 - "$OUT" <<'PY'
import sys
out = sys.argv[1]
n, part, f = 0, 0, None
for line in open(f"{out}/indicators.jsonl"):
    if n % 20000 == 0:
        if f: f.write("]\n"); f.close()
        f = open(f"{out}/part{part:04d}.json", "w"); f.write("["); part += 1
    else:
        f.write(",")
    f.write(line.strip()); n += 1
if f: f.write("]\n"); f.close()
PY

"$S" org add --data "$DATA" --name Bench --short BENCH --kind national-cert >/dev/null
"$S" user add --data "$DATA" --org BENCH --email bench@bench.example --role analyst >/dev/null
# A list of users, so that the generated TLP:RED indicators are accepted too.
COLLECTION=$("$S" collection add --data "$DATA" --title Bench --users bench@bench.example)
echo "== importing into collection $COLLECTION"
/usr/bin/time -f '%e %U %S %M' -o "$OUT/import.time" \
  "$S" import --data "$DATA" --as bench@bench.example --collection "$COLLECTION" "$OUT"/part*.json
TOKEN=$("$S" token create --data "$DATA" --user bench@bench.example --name bench --scopes read)

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
"$S" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$OUT/server.out" 2>"$OUT/server.err" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
  python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$BASE/readyz" 2>/dev/null && break
  sleep 0.5
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }

echo "== POST /api/v1/match: first match (loads the index), then $M observables in batches of $BATCH"
python3 - "$BASE" "$TOKEN" "$OUT/observables.txt" "$BATCH" "$SERVER" > "$OUT/http.json" <<'PY'
import json, sys, time, urllib.request
base, token, path, batch, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1]) * 1024
def post(body, ct):
    req = urllib.request.Request(f"{base}/api/v1/match", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": ct})
    with urllib.request.urlopen(req, timeout=3600) as r:
        return r.read()
rss0 = rss()
t = time.time(); post(b'["warm.example"]', "application/json"); first = time.time() - t
rss1 = rss()
lines = open(path, "rb").read().split(b"\n")
hits, t = 0, time.time()
for i in range(0, len(lines), batch):
    hits += post(b"\n".join(lines[i:i + batch]), "text/plain").count(b"\n")
wall = time.time() - t
print(json.dumps({"first_match_s": first, "rss_before_bytes": rss0, "rss_after_load_bytes": rss1,
    "observables": len(lines), "hits": hits, "wall_s": wall, "observables_per_s": len(lines) / wall}))
PY
cat "$OUT/http.json"

echo "== simpul match --server (the CLI reads, normalises, posts and relabels)"
/usr/bin/time -f '%e %U %S %M' -o "$OUT/cli-server.time" \
  "$S" match --server "$BASE" --token "$TOKEN" "$OUT/observables.txt" --summary > "$OUT/cli-server.hits" 2> "$OUT/cli-server.summary"
echo "== simpul match --indicators (in process, the same data)"
/usr/bin/time -f '%e %U %S %M' -o "$OUT/cli-file.time" \
  "$S" match --indicators "$OUT/indicators.jsonl" "$OUT/observables.txt" --summary > "$OUT/cli-file.hits" 2> "$OUT/cli-file.summary"
/usr/bin/time -f '%e %U %S %M' -o "$OUT/cli-load.time" \
  "$S" match --indicators "$OUT/indicators.jsonl" /dev/null

python3 - "$OUT" "$N" "$M" <<'PY'
import json, sys
out, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def t(f):
    e, u, s, k = open(f"{out}/{f}").read().split()[-4:]
    return float(e), float(u) + float(s), float(k)
h = json.load(open(f"{out}/http.json"))
imp_w, _, _ = t("import.time")
srv_w, srv_c, _ = t("cli-server.time")
file_w, file_c, _ = t("cli-file.time")
load_w, load_c, _ = t("cli-load.time")
srv_hits = sum(1 for _ in open(f"{out}/cli-server.hits"))
file_hits = sum(1 for _ in open(f"{out}/cli-file.hits"))
growth = h["rss_after_load_bytes"] - h["rss_before_bytes"]
print()
print(f"import of {n} indicators: {imp_w:.1f} s wall ({n/imp_w:,.0f}/s)")
print(f"server: first match (index load from the store) {h['first_match_s']:.1f} s; "
      f"resident memory +{growth/2**20:.0f} MiB = {growth/n:.0f} B per indicator")
print(f"POST /api/v1/match, plain client: {h['observables']} observables in {h['wall_s']:.2f} s "
      f"= {h['observables_per_s']:,.0f} observables/s, {h['hits']} hits")
print(f"simpul match --server: {srv_w:.2f} s wall = {m/srv_w:,.0f} observables/s, {srv_hits} hits")
match_w = max(file_w - load_w, 1e-9)
print(f"simpul match --indicators: {file_w:.2f} s wall (load {load_w:.2f} s), matching {m/match_w:,.0f} "
      f"observables/s, {file_hits} hits")
print(f"  ratio: POST /match (plain client) / simpul match --indicators (matching part): "
      f"{h['observables_per_s']/(m/match_w):.2f}x; --server / --indicators (whole runs): {file_w/srv_w:.2f}x")
PY
