#!/usr/bin/env bash
# Whole-process comparison: `simpul stix validate --json` against the OASIS stix2-validator on the same
# corpora (simple indicators and stix2-generator output), single core, in one run. Prints objects/s and
# the ratio. Usage: bench/stix-validate.sh [COUNT]   (default 2000 objects per corpus for the validator)
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
count="${1:-2000}"
repeat="${STIX_BENCH_REPEAT:-200}"   # simpul also runs on the corpus repeated this many times
ci_venv stix2-validator stix2-generator
cargo build --quiet --release -p simpul
bin="$SIMPUL_ROOT/target/release/simpul"
out="$SIMPUL_ROOT/bench/out/stix"
mkdir -p "$out"
"$CI_PY" bench/stix-corpus.py "$out" "$count"
pin=""
if command -v taskset >/dev/null; then pin="taskset -c 0"; fi

for corpus in simple generator; do
  file="$out/$corpus.jsonl"
  big="$out/$corpus-x$repeat.jsonl"
  for _ in $(seq "$repeat"); do cat "$file"; done > "$big"
  bytes=$(wc -c < "$file"); n=$(wc -l < "$file")
  read -r vn vsec vinv < <($pin "$CI_PY" bench/stix-validator-rate.py "$file")
  best=""
  for _ in 1 2 3; do
    s=$(date +%s.%N); $pin "$bin" stix validate --json "$big" > /dev/null || true; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  sinv=$("$bin" stix validate --json "$file" | grep -c '"valid":false' || true)
  vrate=$(echo "$vn / $vsec" | bc -l); srate=$(echo "$n * $repeat / $best" | bc -l)
  printf '%-9s avg %4d B/object | stix2-validator %9.0f obj/s (%s invalid) | simpul %10.0f obj/s (%s invalid) | ratio %6.0fx\n' \
    "$corpus" "$((bytes / n))" "$vrate" "$vinv" "$srate" "$sinv" "$(echo "$srate / $vrate" | bc -l)"
done
