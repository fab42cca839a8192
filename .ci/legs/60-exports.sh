#!/usr/bin/env bash
# Exports read back by their real tools: `simpul export` of the demo data (as a MyCERT analyst, with
# the MISP warninglists that pymispwarninglists ships) in every format, then .ci/exports_check.py
# parses the Suricata rules with two independent parsers (suricataparser and idstools) and checks
# each rule's keywords against the ones Suricata 7 documents (and runs `suricata -T` if a suricata
# binary is installed; Debian has none), reads the Zeek intel file with zat's Zeek log reader, loads
# the RPZ zone with `named-checkzone` (bind9-utils), and checks the CSV, text and STIX outputs.
# EXPORTS_KEEP=1 keeps the temporary folder.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

if ! command -v named-checkzone >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q bind9-utils >/dev/null
  else
    DEBIAN_FRONTEND=noninteractive sudo apt-get install -y -q bind9-utils >/dev/null
  fi
fi
ci_venv suricataparser==1.0.0 idstools==0.6.5 zat==0.4.9 pymispwarninglists==1.7.0 stix2-validator==3.3.2
ci_simpul

work="$(mktemp -d)"
cleanup() {
  if [ -z "${EXPORTS_KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap cleanup EXIT

# The demo data: seeded by a first start, which is stopped once it answers.
data="$work/simpul"
ci_demo_data "$data"

lists="$("$CI_PY" -c 'import os, pymispwarninglists; print(os.path.join(os.path.dirname(pymispwarninglists.__file__), "data", "misp-warninglists", "lists"))')"
# The demo data is dated (its indicators are valid from 2026) and this leg checks formats, not
# decay (crates/core/src/decay/DECAY.md): every kind lives a hundred years here.
long_decay_config "$work/decay.toml"
for f in suricata zeek rpz csv text stix; do
  env -u SIMPUL_CONFIG -u SIMPUL_DATABASE SIMPUL_WARNINGLISTS="$lists" "$SIMPUL_BIN" export \
    --config "$work/decay.toml" --data "$data" --format "$f" --as analyst@mycert.example -o "$work/export.$f" 2>"$work/export.$f.err"
  echo "exports: $f: $(cat "$work/export.$f.err")"
done
"$CI_PY" .ci/exports_check.py "$work"
