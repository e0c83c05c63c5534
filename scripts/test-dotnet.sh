#!/usr/bin/env bash
# Builds the C library and the fake Concur server, compiles the .NET binding
# (bindings/dotnet/*.cs -> ConcurAuth.dll) and its tests with mono's mcs,
# runs the example, the binding's tests (bindings/dotnet/tests) and the
# conformance driver (tests/conformance/dotnet) with mono against fake-concur.
# Installs Debian's mono-mcs and mono-runtime when missing. See docs/c-and-dotnet.md.
#
# Appends "dotnet: N passed, M failed" to $CONCUR_TEST_SUMMARY when it is set.
set -euo pipefail

# shellcheck source=lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/checks.sh"
checks_begin dotnet

# The conformance driver reads its JSON table with System.Runtime.Serialization
# and System.Xml.Linq (mono's own libraries).
mono_lib=/usr/lib/mono/4.5
if ! command -v mcs >/dev/null || ! command -v mono >/dev/null ||
  [[ ! -f $mono_lib/System.Runtime.Serialization.dll || ! -f $mono_lib/System.Xml.Linq.dll ]]; then
  echo "installing mono-mcs mono-runtime and two of mono's libraries"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mono-mcs mono-runtime \
    libmono-system-runtime-serialization4.0-cil libmono-system-xml-linq4.0-cil >/dev/null
fi

cargo build -p concur-auth-ffi -p fake-concur
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export FAKE_CONCUR_BIN="$libdir/fake-concur"
mkdir -p "$work"
tmp=$(mktemp -d)

if mcs -nologo -warnaserror -target:library -out:"$work/ConcurAuth.dll" bindings/dotnet/*.cs; then
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
# run_program NAME [ARG]: runs $work/NAME.exe, counting its ok/not ok lines.
run_program() {
  local name=$1 arg=${2:-} status
  set +e
  (cd "$work" && timeout 480 mono --debug "$name.exe" ${arg:+"$arg"}) | tee "$work/$name.out"
  status=${PIPESTATUS[0]}
  set -e
  count_results "$name" "$work/$name.out" "$status"
}

if mcs -nologo -warnaserror -r:"$work/ConcurAuth.dll" -out:"$work/ConcurAuthTests.exe" \
  -main:ConcurAuth.Tests.Runner bindings/dotnet/tests/*.cs; then
  pass "tests compile"
  run_program ConcurAuthTests
else
  fail "tests compile"
fi

# ---- the conformance driver (tests/conformance/dotnet) ------------------------------
# It writes $CONCUR_CONFORMANCE_OUT/dotnet.txt for scripts/test-conformance.sh.
export CONCUR_CONFORMANCE_OUT="${CONCUR_CONFORMANCE_OUT:-$root/target/conformance}"
if mcs -nologo -warnaserror -r:"$work/ConcurAuth.dll" -r:System.Runtime.Serialization -r:System.Xml.Linq \
  -r:System.Xml -out:"$work/ConformanceDriver.exe" -main:ConcurAuth.Tests.ConformanceDriver \
  bindings/dotnet/tests/Harness.cs tests/conformance/dotnet/*.cs; then
  pass "conformance driver compiles"
  run_program ConformanceDriver "$root/tests/conformance/scenarios.json"
else
  fail "conformance driver compiles"
fi

echo "dotnet: $passed passed, $failed failed"
write_summary
(( failed == 0 ))
