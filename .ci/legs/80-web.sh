#!/usr/bin/env bash
# The web UI in a real browser: Debian's chromium (installed with apt if missing) driven by
# playwright-core from npm (web-tests/, with its lockfile; `npm ci`), against `simpul serve --demo`
# on a random port with a fresh data folder. web-tests/run.mjs loads the suites in web-tests/suites/: it signs in (with the mouse and with the
# keyboard alone), checks that a form post without the CSRF token is refused, that an AMBER+STRICT
# object shared into the MyCERT–SingCERT collection is counted for SingCERT and not for ThaiCERT,
# that a coordinator's communication check started with the form is acknowledged in the app by
# SingCERT's analyst (a demo contact) and shows on the check's page,
# and runs axe-core on every main page in light and dark (no serious or critical violation). A
# failing test leaves a screenshot in the folder printed (kept on failure). WEB_KEEP=1 keeps it always.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-dejavu-core >/dev/null
fi
if ! command -v npm >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
(cd web-tests && npm ci --no-audit --no-fund --silent)
ci_venv
ci_simpul

work="$(mktemp -d)"
pid=""
cleanup() {
  local rc=$?
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  # A failure keeps the folder: its screenshots and the server's log.
  if [ -z "${WEB_KEEP:-}" ] && [ "$rc" -eq 0 ]; then rm -rf "$work"; else echo "web: kept $work" >&2; fi
}
trap cleanup EXIT

port=$("$CI_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" serve --demo --data "$work/data" --listen "127.0.0.1:$port" \
  >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 1 240); do
  if "$CI_PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$port/readyz" 2>/dev/null && [ -s "$work/data/demo-credentials.txt" ]; then
    break
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "web: simpul did not start" >&2
    cat "$work/serve.err" >&2
    exit 1
  fi
  sleep 0.5
done

SIMPUL_URL="http://127.0.0.1:$port" \
  SIMPUL_CREDENTIALS="$work/data/demo-credentials.txt" \
  WEB_ARTIFACTS="$work/failures" \
  node web-tests/run.mjs
