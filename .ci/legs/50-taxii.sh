#!/usr/bin/env bash
# TAXII 2.1 against the reference tools: taxii2-client 2.3.0 walks every endpoint of
# `simpul serve --demo` (.ci/taxii_walk.py; stix2-validator checks every object served back), as a
# MyCERT analyst on the MyCERT–SingCERT bilateral collection, then as callers who may read only (a
# read-scoped token) or not at all (a ThaiCERT analyst, a partner's analyst, the site-admin). The same
# walk runs first against medallion 3.0.0 (the OASIS reference server, memory backend, configured
# here at run time), which checks the walk itself. Then .ci/taxii_compare.py sends the same requests
# to medallion and simpul and compares the responses field by field; the deliberate differences are
# listed in crates/server/taxii-conformance-differences.md ("Compared with medallion 3.0.0").
# TAXII_KEEP=1 keeps the temporary folder (servers' logs, targets, compare.json).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

ci_venv taxii2-client==2.3.0 stix2-validator==3.3.2
# medallion and its Flask stack get a virtualenv of their own (inside the CI one's folder, so ignored
# by git): they cannot move packages that the other legs' tools depend on.
med_venv="$SIMPUL_ROOT/.ci/.venv/medallion"
if [ ! -x "$med_venv/bin/medallion" ]; then
  python3 -m venv "$med_venv"
  "$med_venv/bin/pip" install --quiet medallion==3.0.0
fi
ci_simpul

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ -z "${TAXII_KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT


# wait_up NAME PID URL: until URL answers (any HTTP status), or the process is gone.
wait_up() {
  for _ in $(seq 1 120); do
    if "$CI_PY" -c "
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
" "$3" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$2" 2>/dev/null; then
      echo "taxii: $1 did not start" >&2
      cat "$work/$1.err" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "taxii: $1 did not answer $3" >&2
  return 1
}

# simpul, demo data.
data="$work/simpul"
port="$(free_port)"
env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" serve --demo --data "$data" --listen "127.0.0.1:$port" \
  >"$work/simpul.out" 2>"$work/simpul.err" &
pids+=($!)
wait_up simpul "${pids[-1]}" "http://127.0.0.1:$port/readyz"
token() {
  env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" token create --data "$data" --user "$1" --name "$2" --scopes "$3"
}
writer=analyst@mycert.example
my_sg=5e1ec7ed-de30-4000-8000-000000000004
"$CI_PY" - "$work/simpul-target.json" "http://127.0.0.1:$port/taxii2/" "$my_sg" \
  "$writer" "$(token "$writer" taxii-walk read,write,sync)" \
  "$(token "$writer" taxii-read-only read)" \
  "$(token analyst@thaicert.example taxii-denied read,write,sync)" \
  "$(token analyst@pca.example taxii-denied read,write,sync)" \
  "$(token admin@asean-cert.example taxii-denied read,write,sync)" <<'EOF'
import json, sys
path, discovery, coll, writer, secret, read_only, thai, pca, admin = sys.argv[1:]
target = {
    "name": "simpul",
    "discovery": discovery,
    "writer": {"user": writer, "password": secret, "collection": coll},
    "readonly": [{"label": "MyCERT analyst, read-scoped token", "user": writer, "password": read_only,
                  "collection": coll}],
    "denied": [
        {"label": "ThaiCERT analyst, outside the bilateral audience", "user": "analyst@thaicert.example",
         "password": thai, "collection": coll, "other_org": True},
        {"label": "partner organisation's analyst", "user": "analyst@pca.example", "password": pca,
         "collection": coll, "other_org": True},
        {"label": "site-admin", "user": "admin@asean-cert.example", "password": admin, "collection": coll,
         "other_org": True},
    ],
}
json.dump(target, open(path, "w"), indent=1)
EOF

# medallion, memory backend, a configuration written here.
mport="$(free_port)"
"$CI_PY" .ci/taxii_common.py medallion "$work/medallion" "$mport"
"$med_venv/bin/medallion" --host 127.0.0.1 --port "$mport" "$work/medallion/medallion.json" \
  >"$work/medallion.out" 2>"$work/medallion.err" &
pids+=($!)
wait_up medallion "${pids[-1]}" "http://127.0.0.1:$mport/taxii2/"

status=0
run() {
  local log="$work/$1.log"; shift
  set +e
  "$CI_PY" -W ignore ".ci/$1" "${@:2}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then status=$rc; fi
}
run walk-medallion taxii_walk.py "$work/medallion/medallion-target.json"
run walk-simpul taxii_walk.py "$work/simpul-target.json"
run compare taxii_compare.py "$work/medallion/medallion-target.json" "$work/simpul-target.json" \
  "$SIMPUL_ROOT/crates/server/taxii-conformance-differences.md" --json "$work/compare.json"

for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    echo "taxii: a server died during the run" >&2
    tail -n 30 "$work/simpul.err" "$work/medallion.err" >&2
    status=1
  fi
done
if [ "$status" -ne 0 ]; then
  grep -iE "panick|error" "$work/simpul.err" | tail -n 20 >&2 || true
  exit "$status"
fi
# One closing line: the walk against simpul and the comparison (the walk against medallion checks
# the walk, not simpul).
total=$(cat "$work/walk-simpul.log" "$work/compare.log" |
  grep -Eo '^taxii (walk|compare) \[[^]]*\]: [0-9]+ passed, 0 failed' | awk -F': ' '{split($2, a, " "); s += a[1]} END {print s + 0}')
if [ "$total" -eq 0 ]; then echo "taxii: nothing ran" >&2; exit 1; fi
echo "taxii: $total passed, 0 failed"
