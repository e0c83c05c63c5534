#!/usr/bin/env bash
# leak-scan.sh SECRETS_FILE LOG...: fails when any secret listed in SECRETS_FILE
# (one a line, as fake-concur writes them) appears in any LOG. Reports where,
# never the secret itself.
set -euo pipefail
secrets=$1; shift

patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
# The fake's fixed defaults are secrets too, whether or not a server started.
{ [ -f "$secrets" ] && cat "$secrets"; printf '%s\n' fake-client-secret-7Qx9 fake-request-token-Zk42; } |
  awk 'length($0) >= 8' | sort -u > "$patterns"
count=$(wc -l < "$patterns")
[ "$count" -ge 3 ] || { echo "leak-scan: only $count secrets recorded; the run started no fake server?"; exit 1; }

hits=0
for log in "$@"; do
  n=$(grep -c -F -f "$patterns" "$log" || true)
  if [ "$n" -gt 0 ]; then
    hits=$((hits + n))
    echo "leak-scan: $n line(s) of $log contain a secret, at lines:"
    grep -n -F -f "$patterns" "$log" | cut -d: -f1 | head -20 | tr '\n' ' '
    echo
  fi
done
echo "leak-scan: $count secrets checked against $(cat "$@" | wc -l) lines of output: $hits leaking line(s)"
if [ -n "${CONCUR_TEST_SUMMARY:-}" ]; then
  if [ "$hits" -eq 0 ]; then echo "leak-scan: 1 passed, 0 failed"; else echo "leak-scan: 0 passed, 1 failed"; fi >> "$CONCUR_TEST_SUMMARY"
fi
[ "$hits" -eq 0 ]
