#!/usr/bin/env bash
# Every test in every language, installing what each needs, at the most verbose
# log level; then a leak scan over everything printed. Ends with one combined
# "N passed, M failed" line and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
summary="$work/summary"
run_log="$work/run.log"
touch "$summary" "$run_log"
export CONCUR_TEST_SUMMARY="$summary"
# Every fake-concur (in-process or binary) appends each secret it issues here;
# the leak scan then looks for all of them in everything the run printed.
export FAKE_CONCUR_SECRETS_LOG="$work/secrets"
# Each language's conformance driver writes its outcome lines here;
# scripts/test-conformance.sh compares them after the last language.
export CONCUR_CONFORMANCE_OUT="$work/conformance"
mkdir -p "$CONCUR_CONFORMANCE_OUT"
export RUST_LOG="${RUST_LOG:-trace}"
export CONCUR_TEST_LOG_LEVEL=DEBUG
# C, .NET and Node have no logging system of their own: the library logs to stderr.
export CONCUR_AUTH_LOG=trace
failed_sections=()

section() {
  local name=$1; shift
  echo "=== $name"
  local started=$SECONDS
  if ! "$@" 2>&1 | tee -a "$run_log"; then
    failed_sections+=("$name")
    # A section that died before counting still counts as a failure.
    grep -q "^$name:" "$summary" || echo "$name: 0 passed, 1 failed" >> "$summary"
  fi
  echo "=== $name took $((SECONDS - started)) s"
}

# The release artifacts (scripts/package.sh) proved from dist/ alone, no Rust on PATH.
package() {
  bash scripts/package.sh && bash scripts/test-package.sh
}

demo() {
  cargo run -q -p concur-auth-cli -- -vv demo && echo "demo: 1 passed, 0 failed" >> "$summary"
}

# (test-rust.sh includes the Redis store tests: see scripts/test-redis.sh)
for lang in rust fuzz c dotnet python node; do
  [ -f "scripts/test-$lang.sh" ] && section "$lang" bash "scripts/test-$lang.sh"
done
section conformance bash scripts/test-conformance.sh
section package package
section demo demo
section leak-scan bash scripts/leak-scan.sh "$FAKE_CONCUR_SECRETS_LOG" "$run_log"

echo
echo "=== per section"
cat "$summary"
passed=$(awk '{s+=$2} END {print s+0}' "$summary")
failed=$(awk '{s+=$4} END {print s+0}' "$summary")
if [ ${#failed_sections[@]} -gt 0 ]; then
  echo "failed sections: ${failed_sections[*]}"
fi
echo "$passed passed, $failed failed"
[ ${#failed_sections[@]} -eq 0 ] && [ "$failed" -eq 0 ]
