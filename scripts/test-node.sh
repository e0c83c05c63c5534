#!/usr/bin/env bash
# Node.js: `npm install` in bindings/node (dependencies only: the package has no
# install script), `npm run build` (napi, debug, target x86_64-unknown-linux-gnu,
# the shared target dir), the
# index.d.ts drift check, fake-concur (and the concur-auth CLI when it builds),
# then `node --test` over bindings/node/__test__ and tests/conformance/node
# (the conformance table), `tsc --noEmit` on examples/node, and `npm install <repo>/bindings/node`
# from another project.
# With $CONCUR_TEST_SUMMARY set, appends "node: N passed, M failed" to it:
# node's test runner counts ("# pass N" / "# fail M") plus one each for the
# drift check, tsc and the install from another project.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
pkg="$root/bindings/node"

# One target dir for cargo, maturin and napi (see .cargo/config.toml).
export CARGO_BUILD_TARGET=${CARGO_BUILD_TARGET:-x86_64-unknown-linux-gnu}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "--- installing Node.js and npm (Debian)"
  apt-get update
  apt-get install -y nodejs npm
fi
echo "node $(node --version), npm $(npm --version)"

checks_passed=0
checks_failed=0
check() { # check NAME COMMAND...: one counted check
  local name=$1
  shift
  if "$@"; then
    checks_passed=$((checks_passed + 1))
  else
    echo "FAILED: $name" >&2
    checks_failed=$((checks_failed + 1))
  fi
}

echo "--- npm install in bindings/node (dependencies: @napi-rs/cli, typescript)"
started=$SECONDS
(cd "$pkg" && npm install)
echo "npm install took $((SECONDS - started)) s"

echo "--- npm run build (napi, debug)"
started=$SECONDS
(cd "$pkg" && npm run --silent build)
echo "build took $((SECONDS - started)) s"

echo "--- index.d.ts drift check"
check "index.d.ts matches the generated type definitions" \
  bash -c "cd '$pkg' && npm run --silent check:dts"

echo "--- cargo build -p fake-concur -p concur-auth-cli"
cargo build --quiet -p fake-concur
export FAKE_CONCUR_BIN="${CARGO_TARGET_DIR:-$root/target}/$CARGO_BUILD_TARGET/debug/fake-concur"
[ -x "$FAKE_CONCUR_BIN" ] || { echo "no fake-concur binary at $FAKE_CONCUR_BIN" >&2; exit 1; }
# bin/concur-auth.js launches the Rust CLI; the tests run it through the launcher.
cargo build --quiet -p concur-auth-cli
export CONCUR_AUTH_CLI_BIN="${CARGO_TARGET_DIR:-$root/target}/$CARGO_BUILD_TARGET/debug/concur-auth"

log=$(mktemp)
consumer=$(mktemp -d)
trap 'rm -rf "$log" "$consumer"' EXIT

# redis:// store locations are tested against a real redis-server.
CONCUR_TEST_REDIS_SERVER=$(bash "$root/scripts/test-redis.sh" --install-only)
export CONCUR_TEST_REDIS_SERVER

echo "--- node --test bindings/node/__test__ tests/conformance/node"
started=$SECONDS
test_status=0
node --test --test-reporter=tap "$pkg/__test__/" "$root/tests/conformance/node/" 2>&1 | tee "$log" ||
  test_status=$?
echo "node --test took $((SECONDS - started)) s (exit $test_status)"

echo "--- tsc --noEmit -p examples/node"
check "tsc --noEmit on examples/node/example.ts" \
  node "$pkg/node_modules/typescript/bin/tsc" --noEmit -p "$root/examples/node/tsconfig.json"

echo "--- npm install $pkg from another project"
install_from_elsewhere() {
  (
    cd "$consumer" &&
      npm init -y >/dev/null &&
      npm install "$pkg" &&
      node -e "const m = require('concur-auth'); if (typeof m.TokenManager !== 'function') process.exit(1)" &&
      node --input-type=module -e "import { TokenManager } from 'concur-auth'; if (!TokenManager) process.exit(1)" &&
      CONCUR_AUTH_BIN="$CONCUR_AUTH_CLI_BIN" ./node_modules/.bin/concur-auth --help >/dev/null
  )
}
check "npm install <repo>/bindings/node from another project" install_from_elsewhere

passed=$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
failed=$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | tail -1)
if [ -z "$passed" ] || [ -z "$failed" ]; then
  echo "could not read node's test summary" >&2
  passed=${passed:-0}
  failed=$((${failed:-0} + 1))
fi
if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the runner failed without counting a test (e.g. a crash)
fi
passed=$((passed + checks_passed))
failed=$((failed + checks_failed))

echo "node: $passed passed, $failed failed"
if [ -n "${CONCUR_TEST_SUMMARY:-}" ]; then
  echo "node: $passed passed, $failed failed" >>"$CONCUR_TEST_SUMMARY"
fi
[ "$failed" -eq 0 ]
