#!/usr/bin/env bash
# The POC directory's vCards (P2.1) against an independent parser: `simpul serve --demo` on a random
# port with a fresh data folder; .ci/directory_check.py fetches every demo contact's vCard and every
# organisation's vCards over HTTP (as the regional CERT's site-admin, who sees them all, and without
# signing in, who sees the public ones), parses each with vobject (pip) and compares its fields
# with the JSON API's answer for that contact.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

ci_venv vobject==0.9.9
ci_simpul

work="$(mktemp -d)"
pid=""
cleanup() {
  local rc=$?
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "72-directory: kept $work" >&2; fi
}
trap cleanup EXIT

port="$(free_port)"
env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" serve --demo --data "$work/data" --listen "127.0.0.1:$port" \
  >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 240); do
  if "$CI_PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$port/readyz" 2>/dev/null && [ -s "$work/data/demo-credentials.txt" ]; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "72-directory: simpul did not start" >&2
    cat "$work/serve.err" >&2
    exit 1
  fi
  sleep 0.5
done

token="$(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" token create --data "$work/data" \
  --user admin@asean-cert.example --name directory-check --scopes read)"
"$CI_PY" .ci/directory_check.py "http://127.0.0.1:$port" "$token"
