#!/usr/bin/env bash
# Rust: formatting, lints, and every test of the core, the fake server and the
# CLI (the binding crates are tested by their own languages' scripts).
set -euo pipefail
cd "$(dirname "$0")/.."

bindings=(--exclude concur-auth-python --exclude concur-auth-node)

echo "--- cargo fmt --check"
cargo fmt --all -- --check

echo "--- cargo clippy"
cargo clippy --workspace "${bindings[@]}" --all-targets --quiet -- -D warnings

echo "--- cargo test"
# The CLI turns on the core's redis feature, so the workspace run includes the
# Redis store tests; each starts its own redis-server from this path.
CONCUR_TEST_REDIS_SERVER=$(bash scripts/test-redis.sh --install-only)
export CONCUR_TEST_REDIS_SERVER
log=$(mktemp)
status=0
# The Redis fleet test runs stress-worker processes: build them first, since
# the reliability crate's own tests run separately below.
cargo build --quiet -p concur-auth-reliability --bins
cargo test --no-fail-fast --workspace "${bindings[@]}" --exclude concur-auth-reliability 2>&1 | tee "$log" || status=$?
echo "--- reliability proofs (figures printed for docs/RELIABILITY.md)"
cargo test --no-fail-fast -p concur-auth-reliability -- --nocapture --test-threads=1 2>&1 | tee -a "$log" || status=$?
echo "--- the Rust example against fake-concur"
example_dir=$(mktemp -d)
fake_bin="${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/debug/fake-concur"
coproc FAKE { exec "$fake_bin" --port 0 --exit-on-stdin-eof; }
read -r -t 20 fake_url <&"${FAKE[0]}"
"$fake_bin" fixture credentials "$example_dir" >/dev/null
CONCUR_BASE_URL="$fake_url" cargo run -q -p concur-auth --example fetch_profile -- \
  "$example_dir/credentials.json" "$example_dir/refreshTokenObjectFile.json" > "$example_dir/out" 2>&1 || true
cat "$example_dir/out"
if grep -q "^HTTP 200" "$example_dir/out"; then
  echo "test result: ok. 1 passed; 0 failed (examples: fetch_profile)" | tee -a "$log"
else
  echo "example fetch_profile FAILED"
  echo "test result: FAILED. 0 passed; 1 failed; (examples: fetch_profile)" | tee -a "$log"
  status=1
fi
kill "$FAKE_PID" 2>/dev/null || true
rm -rf "$example_dir"

passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ -n "${CONCUR_TEST_SUMMARY:-}" ]; then
  echo "rust: $passed passed, $failed failed" >> "$CONCUR_TEST_SUMMARY"
fi
exit "$status"
