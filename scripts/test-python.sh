#!/usr/bin/env bash
# Python: builds the concur-auth package with maturin through a plain
# `pip install ./bindings/python[test]` into a fresh venv (target/py-venv),
# builds the fake Concur server, runs pytest (the binding's tests and the
# conformance table) and `mypy --strict` on examples/python.
# With $CONCUR_TEST_SUMMARY set, appends "python: N passed, M failed" to it
# (pytest's tests plus one check for mypy).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# One target dir for cargo, maturin and napi (see .cargo/config.toml).
export CARGO_BUILD_TARGET=${CARGO_BUILD_TARGET:-x86_64-unknown-linux-gnu}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# Test builds use the dev profile; a plain `pip install ./bindings/python`
# outside this script builds release.
export MATURIN_PEP517_ARGS=${MATURIN_PEP517_ARGS:---profile dev}
export PIP_DISABLE_PIP_VERSION_CHECK=1

python=${PYTHON:-python3}
if ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "--- installing python3-venv"
  apt-get update
  apt-get install -y python3 python3-venv python3-pip
  python=python3
fi

venv="$root/target/py-venv"
echo "--- fresh venv in $venv"
rm -rf "$venv"
"$python" -m venv "$venv"
py="$venv/bin/python"

echo "--- pip install ./bindings/python[test] (maturin, $MATURIN_PEP517_ARGS)"
started=$SECONDS
"$py" -m pip install --quiet "./bindings/python[test]"
echo "installed in $((SECONDS - started)) s"

echo "--- cargo build -p fake-concur"
cargo build --quiet -p fake-concur
export FAKE_CONCUR_BIN="${CARGO_TARGET_DIR:-$root/target}/$CARGO_BUILD_TARGET/debug/fake-concur"
[ -x "$FAKE_CONCUR_BIN" ] || { echo "no fake-concur binary at $FAKE_CONCUR_BIN" >&2; exit 1; }

# Run from outside the source tree so that `import concur_auth` is the
# installed package, not bindings/python/python.
report=$(mktemp -d)
trap 'rm -rf "$report"' EXIT

# redis:// store locations are tested against a real redis-server.
CONCUR_TEST_REDIS_SERVER=$(bash "$root/scripts/test-redis.sh" --install-only)
export CONCUR_TEST_REDIS_SERVER

# CONCUR_TEST_LOG_LEVEL (test-all.sh sets DEBUG) prints every log record live,
# so that the leak scan sees what the concur_auth logger emits.
log_args=()
if [ -n "${CONCUR_TEST_LOG_LEVEL:-}" ]; then
  log_args=(-o log_cli=true --log-cli-level="$CONCUR_TEST_LOG_LEVEL")
fi

echo "--- pytest"
started=$SECONDS
pytest_status=0
(cd "$report" && "$py" -m pytest \
  -c "$root/bindings/python/pyproject.toml" --rootdir "$root" \
  -p no:cacheprovider --junitxml "$report/junit.xml" -q "${log_args[@]}" \
  "$root/bindings/python/tests" "$root/tests/conformance/python") || pytest_status=$?
echo "pytest took $((SECONDS - started)) s (exit $pytest_status)"

echo "--- mypy --strict examples/python (and the installed package's stubs)"
mypy_status=0
(cd "$root/examples/python" && "$py" -m mypy --strict --cache-dir "$report/mypy-cache" . \
  && "$py" -m mypy --strict --cache-dir "$report/mypy-cache" -p concur_auth) || mypy_status=$?

echo "--- mypy stubtest: _native.pyi against the built module"
(cd "$report" && "$py" -m mypy.stubtest concur_auth._native \
  --allowlist "$root/bindings/python/stubtest-allowlist.txt") || mypy_status=$?

counts=$("$py" - "$report/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0")
    raise SystemExit
suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
tests = sum(int(s.get("tests", 0)) for s in suites)
failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(tests - failed - skipped, failed)
EOF
)
read -r passed failed <<<"$counts"
if [ "$pytest_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # Exit 5 (no tests collected), a collection error or a crash.
  failed=1
fi
if [ "$mypy_status" -eq 0 ]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "python: $passed passed, $failed failed"
if [ -n "${CONCUR_TEST_SUMMARY:-}" ]; then
  echo "python: $passed passed, $failed failed" >>"$CONCUR_TEST_SUMMARY"
fi
[ "$pytest_status" -eq 0 ] && [ "$mypy_status" -eq 0 ]
