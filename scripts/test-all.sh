#!/usr/bin/env bash
# Every test in every language, installing what each needs. Ends with one
# combined "N passed, M failed" line; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

summary=$(mktemp)
export CONCUR_TEST_SUMMARY="$summary"
failed_sections=()

for lang in rust redis fuzz c dotnet python node; do
  script="scripts/test-$lang.sh"
  [ -f "$script" ] || continue
  echo "=== $lang ($script)"
  started=$SECONDS
  if ! bash "$script"; then
    failed_sections+=("$lang")
    # A section that died before counting still counts as a failure.
    grep -q "^$lang:" "$summary" || echo "$lang: 0 passed, 1 failed" >> "$summary"
  fi
  echo "=== $lang took $((SECONDS - started)) s"
done

echo
echo "=== per language"
cat "$summary"
passed=$(awk '{s+=$2} END {print s+0}' "$summary")
failed=$(awk '{s+=$4} END {print s+0}' "$summary")
rm -f "$summary"
if [ ${#failed_sections[@]} -gt 0 ]; then
  echo "failed sections: ${failed_sections[*]}"
fi
echo "$passed passed, $failed failed"
[ ${#failed_sections[@]} -eq 0 ] && [ "$failed" -eq 0 ]
