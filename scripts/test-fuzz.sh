#!/usr/bin/env bash
# Fuzz the three parsers of untrusted bytes and the API path rule for a bounded time each (default 20 s,
# FUZZ_SECONDS to change), seeded by the committed corpus. New inputs go to a
# scratch folder, so the committed corpus only changes by hand. The corpus is
# also replayed by a plain test (crates/concur-auth/tests/fuzz_corpus.rs) on
# every run, fuzzer or not.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${FUZZ_SECONDS:-20}
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "--- installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi

targets=(credentials token_file token_reply api_path)
echo "--- building fuzz targets (stable toolchain: -s none)"
cargo fuzz build -s none 2>&1 | tail -n 3

passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  echo "--- fuzzing $target for ${seconds}s"
  status=0
  cargo fuzz run -s none "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 > "$scratch/$target.log" 2>&1 || status=$?
  grep -E "^(Done|stat::number_of_executed_units)|panicked|ERROR" "$scratch/$target.log" || true
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    tail -n 40 "$scratch/$target.log"
    echo "fuzz target $target FAILED; the crashing input is under fuzz/artifacts/$target/"
  fi
done

if [ -n "${CONCUR_TEST_SUMMARY:-}" ]; then
  echo "fuzz: $passed passed, $failed failed" >> "$CONCUR_TEST_SUMMARY"
fi
[ "$failed" -eq 0 ]
