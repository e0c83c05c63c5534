#!/usr/bin/env bash
# Builds the C library and the fake Concur server, compiles the .NET binding
# (bindings/dotnet/ConcurAuth.cs -> ConcurAuth.dll) and its tests with mono's mcs,
# runs the example and the tests (bindings/dotnet/tests, tests/conformance/dotnet)
# with mono against fake-concur. Installs Debian's mono-mcs and mono-runtime when
# missing. See docs/c-and-dotnet.md.
#
# Appends "dotnet: N passed, M failed" to $CONCUR_TEST_SUMMARY when it is set.
set -euo pipefail

# shellcheck source=lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/checks.sh"
checks_begin dotnet

if ! command -v mcs >/dev/null || ! command -v mono >/dev/null; then
  echo "installing mono-mcs mono-runtime"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mono-mcs mono-runtime >/dev/null
fi

cargo build -p concur-auth-ffi -p fake-concur
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export FAKE_CONCUR_BIN="$libdir/fake-concur"
mkdir -p "$work"
tmp=$(mktemp -d)

if mcs -nologo -warnaserror -target:library -out:"$work/ConcurAuth.dll" bindings/dotnet/ConcurAuth.cs; then
  pass "ConcurAuth.dll compiles"
else
  fail "ConcurAuth.dll compiles"
  exit 1
fi

# ---- the example ----------------------------------------------------------------
if mcs -nologo -warnaserror -r:"$work/ConcurAuth.dll" -out:"$work/StatusAndProfile.exe" \
  examples/dotnet/StatusAndProfile.cs; then
  pass "example compiles"
  start_fake "$FAKE_CONCUR_BIN"
  "$FAKE_CONCUR_BIN" fixture credentials "$tmp" >/dev/null
  out="$work/example.out"
  if (cd "$work" && mono StatusAndProfile.exe "$tmp/credentials.json" "$tmp/refreshTokenObjectFile.json" "$fake_url") \
    >"$out" 2>&1 && grep -q "HTTP 200" "$out" && grep -q '"Resources"' "$out"; then
    pass "example prints the status and calls Profile v4"
  else
    cat "$out" >&2
    fail "example prints the status and calls Profile v4"
  fi
  if check_no_secret "$out"; then
    pass "example prints no secret"
  else
    fail "example prints no secret"
  fi
  kill "$fake_pid" 2>/dev/null || true
  wait "$fake_pid" 2>/dev/null || true
  fake_pid=""
else
  fail "example compiles"
fi

# ---- the tests --------------------------------------------------------------------
if mcs -nologo -warnaserror -r:"$work/ConcurAuth.dll" -out:"$work/ConcurAuthTests.exe" \
  bindings/dotnet/tests/*.cs tests/conformance/dotnet/*.cs; then
  pass "tests compile"
  set +e
  (cd "$work" && timeout 480 mono --debug ConcurAuthTests.exe) | tee "$work/tests.out"
  status=${PIPESTATUS[0]}
  set -e
  ok=$(grep -c '^ok ' "$work/tests.out" || true)
  not_ok=$(grep -c '^not ok ' "$work/tests.out" || true)
  passed=$((passed + ok))
  failed=$((failed + not_ok))
  if ! grep -q '^# .* passed, .* failed$' "$work/tests.out"; then
    fail "tests ran to the end (exit status $status)"
  fi
else
  fail "tests compile"
fi

echo "dotnet: $passed passed, $failed failed"
write_summary
(( failed == 0 ))
