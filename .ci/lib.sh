# Shared helpers for .ci/run and the legs in .ci/legs/. Sourced, not executed.

# The repository root and the shared/ folder that CI lays beside every checkout.
SIMPUL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED_DIR="${SIMPUL_SHARED_DIR:-$SIMPUL_ROOT/../shared}"
export SIMPUL_ROOT SHARED_DIR

# ci_venv PACKAGE...: make sure the CI virtualenv exists with the given pip packages; prints nothing on success.
ci_venv() {
  local venv="$SIMPUL_ROOT/.ci/.venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
  fi
  if [ "$#" -gt 0 ]; then
    "$venv/bin/pip" install --quiet "$@"
  fi
  CI_PY="$venv/bin/python"
  export CI_PY
  PATH="$venv/bin:$PATH"
  export PATH
}

# ci_simpul: build the simpul binary (debug) once and put its path in SIMPUL_BIN.
ci_simpul() {
  if [ -z "${SIMPUL_BIN:-}" ]; then
    cargo build --quiet -p simpul
    SIMPUL_BIN="$SIMPUL_ROOT/target/debug/simpul"
    export SIMPUL_BIN
  fi
}

# opentaxii_setup VENV DIR PORT TITLE USER: an OpenTAXII 0.9.3 instance's configuration in
# DIR/opentaxii.yml (SQLite stores in DIR, Basic auth, on 127.0.0.1:PORT), with an API root, a
# collection and the account USER made — what opentaxii-add-api-root, opentaxii-add-collection and
# opentaxii-create-account do, in one process — and DIR/opentaxii-target.json (the target form of
# .ci/taxii_common.py). The account is an admin: 0.9.3 stores per-collection permissions as the
# TAXII 1 strings "read"/"modify", while its TAXII 2 collections look for "read"/"write" in them, so
# no other account may read or write a TAXII 2 collection. Start it with
# OPENTAXII_CONFIG=DIR/opentaxii.yml gunicorn … (bench/opentaxii_app.py).
opentaxii_setup() {
  local venv="$1" dir="$2" port="$3" title="$4" user="$5" pw
  mkdir -p "$dir"
  pw="$user-$("$venv/bin/python" -c 'import uuid; print(uuid.uuid4().hex)')"
  cat > "$dir/opentaxii.yml" <<YML
domain: "127.0.0.1:$port"
support_basic_auth: yes
return_server_error_details: yes
auth_api:
  class: opentaxii.auth.sqldb.SQLDatabaseAPI
  parameters:
    db_connection: sqlite:///$dir/auth.db
    create_tables: yes
    secret: $pw-$pw
    token_ttl_secs: 3600
taxii1:
taxii2:
  title: OpenTAXII $title
  max_content_length: 104857600
  persistence_api:
    class: opentaxii.persistence.sqldb.Taxii2SQLDatabaseAPI
    parameters:
      db_connection: sqlite:///$dir/data.db
      create_tables: yes
logging:
  opentaxii: warning
  root: warning
YML
  OPENTAXII_CONFIG="$dir/opentaxii.yml" "$venv/bin/python" - "$dir/opentaxii-target.json" "$port" "$pw" \
    "$title" "$user" 2> "$dir/setup.err" <<'PY'
import json, sys
from opentaxii.cli import app
path, port, password, title, user = sys.argv[1:]
with app.app_context():
    api = app.taxii_server.servers.taxii2.persistence.api
    root = api.add_api_root(title=title, description=title, default=True)
    coll = api.add_collection(api_root_id=str(root.id), title=title, description=None, alias=None,
                              is_public=False, is_public_write=False)
    app.taxii_server.auth.api.create_account(username=user, password=password, is_admin=True)
json.dump({"name": "opentaxii", "discovery": "http://127.0.0.1:%s/taxii2/" % port,
           "writer": {"user": user, "password": password, "collection": str(coll.id)}}, open(path, "w"))
PY
}

# long_decay_config FILE: a configuration in which every observable kind lives a hundred years
# (crates/core/src/decay/DECAY.md), for legs and benchmarks over dated data that check formats, not
# decay.
long_decay_config() {
  {
    echo "[decay.lifetimes]"
    for k in other domain url ipv4 ipv6 ipv4-cidr ipv6-cidr email sms-sender phone social-account \
      app-id bank-account iban ewallet payment-card bic crypto-wallet md5 sha1 sha256 sha512 ssdeep \
      tlsh asn mac; do
      echo "$k = { days = 36500 }"
    done
  } >"$1"
}

# ci_demo_data DIR: the demo data in DIR, seeded by a first `simpul serve --demo` on a free loopback
# port, stopped once it answers /readyz (its output in DIR.serve.out and DIR.serve.err). Needs
# ci_simpul and ci_venv first.
ci_demo_data() {
  local data="$1" port pid
  port="$(free_port)"
  env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" serve --demo --data "$data" --listen "127.0.0.1:$port" \
    >"$data.serve.out" 2>"$data.serve.err" &
  pid=$!
  for _ in $(seq 1 240); do
    if "$CI_PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
      "http://127.0.0.1:$port/readyz" 2>/dev/null; then
      kill "$pid"; wait "$pid" 2>/dev/null || true
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$data.serve.err" >&2; return 1; fi
    sleep 0.5
  done
  echo "simpul serve --demo did not answer /readyz in 120 s" >&2
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  return 1
}

# free_port: a free TCP port on 127.0.0.1.
free_port() { "$CI_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_up PID URL: until URL answers (any HTTP status), or the process PID is gone (then 1).
wait_up() {
  for _ in $(seq 1 240); do
    if "$CI_PY" -c "
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
" "$2" 2>/dev/null; then return 0; fi
    if ! kill -0 "$1" 2>/dev/null; then echo "a server (pid $1) did not start: $2" >&2; return 1; fi
    sleep 0.5
  done
  echo "a server (pid $1) did not answer $2 in 120 s" >&2
  return 1
}
