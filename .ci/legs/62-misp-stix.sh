#!/usr/bin/env bash
# simpul's MISP → STIX 2.1 conversion cross-checked with misp-stix (pip) on a PyMISP-built corpus:
# per attribute and object, the same indicators with the same pattern values, or a difference listed
# and justified in crates/core/src/misp/misp-stix-differences.md. MISP_STIX_EVENTS sets the corpus
# size (default 20 events, 41 indicators each).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

ci_venv misp-stix==2026.10.12
ci_simpul

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The demo organisations and users: seeded by a first start, which is stopped once it answers.
data="$work/simpul"
port="$("$CI_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" serve --demo --data "$data" --listen "127.0.0.1:$port" \
  >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 240); do
  if "$CI_PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$port/readyz" 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat "$work/serve.err" >&2; exit 1; fi
  sleep 0.5
done
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

collection="$(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" collection add --data "$data" \
  --title "misp-stix cross-check" --orgs MyCERT --default-tlp green)"
"$CI_PY" .ci/misp_stix_crosscheck.py "$SIMPUL_BIN" "$data" "$collection" analyst@mycert.example \
  crates/core/src/misp/misp-stix-differences.md --events "${MISP_STIX_EVENTS:-20}"
