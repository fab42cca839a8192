#!/usr/bin/env bash
# Outgoing mail (P2.1): the sender of `simpul serve` against a real SMTP server on loopback —
# .ci/smtp_sink.py, an aiosmtpd Controller the tests start on free ports (delivered with its
# headers, body erased; relay unreachable then back; 5xx and 4xx recipients). Fails when no
# `smtp_` test ran.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
cd "$SIMPUL_ROOT"

ci_venv aiosmtpd==1.4.6
export SIMPUL_TEST_PYTHON="$CI_PY"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
nice cargo test -p simpul --test it --locked -- --include-ignored smtp 2>&1 | tee "$out"
ran=$(grep -Eo '^test [^ ]*smtp_[^ ]* \.\.\. ok' "$out" | wc -l)
if [ "$ran" -lt 3 ]; then
  echo "74-mail: expected the smtp_ tests to run, $ran passed" >&2
  exit 1
fi
echo "74-mail: $ran smtp tests passed"
