#!/usr/bin/env bash
# STIX patterning conformance: the OASIS validator/matcher suites (table-driven,
# read in place from shared/conformance), then a live cross-check against the
# installed reference tools on freshly generated patterns and observations.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

out="$(SIMPUL_CONFORMANCE_DIR="$SHARED_DIR/conformance" cargo test -q -p simpul-pattern --test it conformance -- --nocapture 2>&1)" || {
  echo "$out"
  echo "pattern conformance: suite FAILED"
  exit 1
}
echo "$out" | grep -oE 'pattern (validator|matcher) conformance: [0-9]+ cases, [0-9]+ agree' || { echo "$out"; echo "pattern conformance: suites did not run"; exit 1; }

ci_venv stix2-patterns==2.1.2 stix2-matcher==3.0.0 stix2-generator==0.2.0
ci_simpul
"$CI_PY" "$SIMPUL_ROOT/.ci/pattern_crosscheck.py" "$SIMPUL_BIN" "${SIMPUL_PATTERN_CASES:-500}"
