#!/usr/bin/env bash
# Server-side render time of the main web pages: signs in to a running `simpul serve --demo` as a
# demo analyst, then requests each page N times in a row (one client, keep-alive off) and prints
# the p50 and p95 of curl's time_total (request sent → last byte, loopback).
#   bench/web-pages.sh http://127.0.0.1:PORT DATA/demo-credentials.txt [N] [EMAIL]
set -euo pipefail
base="$1"; creds="$2"; n="${3:-200}"; email="${4:-analyst@singcert.example}"
password=$(awk -v e="$email" '$0 ~ e {print $NF}' "$creds")
jar="$(mktemp)"; trap 'rm -f "$jar"' EXIT
csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
  --data-urlencode "email=$email" --data-urlencode "password=$password" --data-urlencode "csrf_token=$csrf" "$base/login")
[ "$code" = 303 ] || { echo "sign-in answered $code" >&2; exit 1; }
shift $(( $# < 4 ? $# : 4 ))
pages=("$@")
[ ${#pages[@]} -gt 0 ] || pages=(/login / "/?days=90" /account /objects "/objects?type=indicator&tlp=TLP:AMBER" "/objects?q=phishing" "/objects?country=MY")
printf '%-42s %8s %8s\n' page p50_ms p95_ms
for p in "${pages[@]}"; do
  for _ in $(seq 1 "$n"); do
    curl -s -o /dev/null -b "$jar" -w '%{http_code} %{time_total}\n' "$base$p"
  done | awk -v page="$p" '
    $1 != 200 { bad++ } { t[NR] = $2 * 1000 }
    END {
      n = asort(t)
      if (bad) { printf "%s: %d answers were not 200\n", page, bad > "/dev/stderr"; exit 1 }
      printf "%-42s %8.1f %8.1f\n", page, t[int((n + 1) / 2)], t[int(n * 0.95)]
    }'
done
