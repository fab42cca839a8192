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
