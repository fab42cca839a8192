#!/usr/bin/env bash
# REST API against its own OpenAPI document: schemathesis (pip) generates requests for every
# operation of /api/v1/openapi.json, valid and invalid, against `simpul serve --demo` on a free port,
# as the demo site-admin with every scope. Fails on any 5xx (not_a_server_error) or any response
# that does not match the documented schema (response_schema_conformance). Bounded by
# SCHEMATHESIS_MAX_EXAMPLES examples per operation (default 50).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

ci_venv schemathesis
ci_simpul

data="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -z "${SCHEMATHESIS_KEEP:-}" ]; then rm -rf "$data"; else echo "kept $data" >&2; fi
}
trap cleanup EXIT

port="$("$CI_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" serve --demo --data "$data" --listen "127.0.0.1:$port" \
  >"$data/server.out" 2>"$data/server.err" &
server_pid=$!

for _ in $(seq 1 120); do
  if "$CI_PY" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$base/readyz" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "schemathesis: the server did not start" >&2
    cat "$data/server.err" >&2
    exit 1
  fi
  sleep 0.5
done

token="$(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" token create --data "$data" \
  --user admin@asean-cert.example --name schemathesis --scopes read,write,sync,admin)"

# pass NAME FILTER...: one schemathesis run; its JUnit report is $data/NAME.xml, its output $data/NAME.log.
status=0
pass() {
  local name="$1"; shift
  set +e
  # From the temporary folder: schemathesis keeps its example database in the working directory.
  (cd "$data" && schemathesis run "$base/api/v1/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
    --phases examples,coverage,fuzzing \
    --workers 1 \
    --request-timeout 30 \
    --report junit --report-junit-path "$data/$name.xml" \
    --no-color "$@") 2>&1 | tee "$data/$name.log"
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then status=$rc; fi
  # The run must keep its credentials to the end, or its results say little. (The core refuses
  # suspending one's own organisation and changing one's own status, so nothing it sends can lock
  # its admin out.)
  # (Operations answering only 403 are fine: e.g. sharing into a collection schemathesis created for
  # an audience its site-admin is not in. Only 401 means the credentials were lost.)
  if [ "$name" = main ] && grep -q "^401 Unauthorized" "$data/$name.log"; then
    echo "schemathesis: the $name pass lost its credentials (401 only on some operations)" >&2
    status=1
  fi
}

started=$SECONDS
# Revoking a token is legitimate for its owner, and schemathesis may come upon its own token's id
# (GET /tokens lists it): revocation runs last, in a pass of its own, so it cannot turn the main
# pass into 401s.
revoke=delete_tokens__id_
pass main --exclude-operation-id "$revoke"
pass revoke --include-operation-id "$revoke"

for name in main revoke; do
  if [ ! -s "$data/$name.xml" ]; then
    echo "schemathesis: no report written by the $name pass" >&2
    tail -n 50 "$data/server.err" >&2
    exit 1
  fi
done
summary="$("$CI_PY" - "$data/main.xml" "$data/revoke.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

passed = failed = 0
for path in sys.argv[1:]:
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        else:
            passed += 1
print(passed, failed)
EOF
)"
read -r passed failed <<<"$summary"
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "schemathesis: the server died during the run" >&2
  tail -n 50 "$data/server.err" >&2
  exit 1
fi
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  echo "schemathesis: $passed operations passed, $failed failed (exit $status, $((SECONDS - started)) s)" >&2
  grep -iE "panick|error" "$data/server.err" | tail -n 20 >&2 || true
  exit 1
fi
echo "schemathesis: $passed operations in $((SECONDS - started)) s"
echo "schemathesis: $passed passed, 0 failed"
