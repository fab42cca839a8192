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
cleanup() {
  rm -rf "$work"
}
trap cleanup EXIT

# The demo organisations and users: seeded by a first start, which is stopped once it answers.
data="$work/simpul"
ci_demo_data "$data"

collection="$(env -u SIMPUL_CONFIG -u SIMPUL_DATABASE "$SIMPUL_BIN" collection add --data "$data" \
  --title "misp-stix cross-check" --orgs MyCERT --default-tlp green)"
"$CI_PY" .ci/misp_stix_crosscheck.py "$SIMPUL_BIN" "$data" "$collection" analyst@mycert.example \
  crates/core/src/misp/misp-stix-differences.md --events "${MISP_STIX_EVENTS:-20}"
