#!/usr/bin/env bash
# STIX pattern matching: stix2-matcher vs simpul on the same generated cases,
# in one run (see BENCHMARKS.md, "STIX patterning"). Builds simpul in release.
set -euo pipefail
source "$(dirname "$0")/../.ci/lib.sh"
cd "$SIMPUL_ROOT"
ci_venv stix2-patterns==2.1.2 stix2-matcher==3.0.0 stix2-generator==0.2.0
cargo build --quiet --release -p simpul
"$CI_PY" bench/pattern_bench.py "$SIMPUL_ROOT/target/release/simpul" "$SIMPUL_ROOT/bench/out/pattern"
