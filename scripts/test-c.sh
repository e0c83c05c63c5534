#!/usr/bin/env bash
# Builds the C library (crates/concur-auth-ffi) and the fake Concur server, checks
# that include/concur_auth.h matches the code, compiles examples/c twice (against
# the shared and the static library) and runs both, then runs the C API's tests
# (crates/concur-auth-ffi/tests/c) and the C conformance driver
# (tests/conformance/c) under valgrind and then under ASan + UBSan (clang).
# See docs/c-and-dotnet.md.
#
# Appends "c: N passed, M failed" to $CONCUR_TEST_SUMMARY when it is set.
set -euo pipefail

# shellcheck source=lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/checks.sh"
checks_begin c

# ---- tools ------------------------------------------------------------------
missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if (( ${#missing[@]} )); then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ---- build ------------------------------------------------------------------
cargo build -p concur-auth-ffi -p fake-concur
fake_bin="$libdir/fake-concur"
mkdir -p "$work/pkgconfig"
tmp=$(mktemp -d)

if scripts/regen-header.sh --check; then
  pass "header include/concur_auth.h matches the code"
else
  fail "header include/concur_auth.h differs from the code (run scripts/regen-header.sh)"
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
sed -e "s|@PREFIX@|$root|" -e "s|@INCLUDEDIR@|$root/include|" -e "s|@LIBDIR@|$libdir|" \
  -e "s|@VERSION@|$version|" crates/concur-auth-ffi/concur_auth.pc.in >"$work/pkgconfig/concur_auth.pc"
export PKG_CONFIG_PATH="$work/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

cflags=(-std=c11 -Wall -Wextra -Werror -g)
read -r -a pc_cflags <<<"$(pkg-config --cflags concur_auth)"
read -r -a pc_libs <<<"$(pkg-config --libs concur_auth)"
read -r -a pc_static_private <<<"$(pkg-config --static --libs-only-l concur_auth | sed 's/-lconcur_auth//')"

# ---- the example, shared and static ------------------------------------------
if gcc "${cflags[@]}" "${pc_cflags[@]}" examples/c/status_and_profile.c "${pc_libs[@]}" \
  -o "$work/status_and_profile_shared"; then
  pass "example compiles against libconcur_auth.so"
else
  fail "example compiles against libconcur_auth.so"
fi
if gcc "${cflags[@]}" "${pc_cflags[@]}" examples/c/status_and_profile.c "$libdir/libconcur_auth.a" \
  "${pc_static_private[@]}" -o "$work/status_and_profile_static"; then
  pass "example compiles against libconcur_auth.a"
else
  fail "example compiles against libconcur_auth.a"
fi
if ldd "$work/status_and_profile_static" 2>/dev/null | grep -q libconcur_auth; then
  fail "the static example does not depend on libconcur_auth.so"
else
  pass "the static example does not depend on libconcur_auth.so"
fi

start_fake "$fake_bin"
example_dir="$tmp/example"
mkdir -p "$example_dir"
"$fake_bin" fixture credentials "$example_dir" >/dev/null
vg=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
  --suppressions="$root/crates/concur-auth-ffi/tests/c/valgrind.supp")
for kind in shared static; do
  out="$work/example_$kind.out"
  # The shared run does the one-time exchange; the static run finds the token file.
  if [[ -x "$work/status_and_profile_$kind" ]] &&
    LD_LIBRARY_PATH="$libdir" CONCUR_BASE_URL="$fake_url" "${vg[@]}" "$work/status_and_profile_$kind" \
      "$example_dir/credentials.json" "$example_dir/refreshTokenObjectFile.json" >"$out" 2>&1 &&
    grep -q "HTTP 200" "$out" && grep -q '"Resources"' "$out"; then
    pass "example ($kind library) prints the status and calls Profile v4, valgrind clean"
  else
    cat "$out" >&2 || true
    fail "example ($kind library) prints the status and calls Profile v4, valgrind clean"
  fi
  if check_no_secret "$out"; then
    pass "example ($kind library) prints no secret"
  else
    fail "example ($kind library) prints no secret"
  fi
done

# ---- the same example with a redis:// store location ---------------------------
# token_path takes any store location: a fleet shares one Concur app through Redis.
redis_server=$(bash "$root/scripts/test-redis.sh" --install-only)
redis_port=$(( 20000 + RANDOM % 20000 ))
"$redis_server" --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
redis_pid=$!
for _ in $(seq 100); do (exec 8<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break; sleep 0.05; done
# A fresh request token (the first one was used by the exchange above).
port=${fake_url##*:}
exec 7<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /_admin/request-token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' >&7
new_token=$(sed '1,/^\r$/d' <&7 | sed -E 's/.*"request_token":"([^"]+)".*/\1/')
exec 7<&-
sed "s/fake-request-token-Zk42/$new_token/" "$example_dir/credentials.json" >"$example_dir/redis-credentials.json"
chmod 600 "$example_dir/redis-credentials.json"
out="$work/example_redis.out"
if LD_LIBRARY_PATH="$libdir" CONCUR_BASE_URL="$fake_url" "$work/status_and_profile_shared" \
    "$example_dir/redis-credentials.json" "redis://127.0.0.1:$redis_port/0" >"$out" 2>&1 &&
  grep -q "HTTP 200" "$out" && grep -q "redis 127.0.0.1:$redis_port" "$out"; then
  pass "example with a redis:// store location exchanges, stores in Redis and calls Profile v4"
else
  cat "$out" >&2 || true
  fail "example with a redis:// store location exchanges, stores in Redis and calls Profile v4"
fi
kill "$redis_pid" 2>/dev/null || true
wait "$redis_pid" 2>/dev/null || true

kill "$fake_pid" 2>/dev/null || true
wait "$fake_pid" 2>/dev/null || true
fake_pid=""

# ---- the C programs under valgrind, then under ASan + UBSan ----------------------
# Two programs share the harness of crates/concur-auth-ffi/tests/c: the C API's
# own tests, and the C driver of the conformance table (tests/conformance/c),
# which writes $CONCUR_CONFORMANCE_OUT/c.txt for scripts/test-conformance.sh.
# Under ASan the test program is instrumented; the Rust library is not (its
# memory safety is Rust's), so this catches misuse on the C side of the
# boundary: reads past returned strings, use after concur_string_free, double
# frees, UB in callers.
command -v clang >/dev/null || {
  echo "installing clang"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
}
[[ -f /usr/include/cjson/cJSON.h ]] || {
  echo "installing libcjson-dev (the conformance driver reads the JSON table with it)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcjson-dev >/dev/null
}
export CONCUR_CONFORMANCE_OUT="${CONCUR_CONFORMANCE_OUT:-$root/target/conformance}"
mkdir -p "$CONCUR_CONFORMANCE_OUT"
harness_dir=crates/concur-auth-ffi/tests/c
table=tests/conformance/scenarios.json

# c_program NAME "SOURCES" [ARG]: compiles SOURCES with the harness, runs it under
# valgrind (its ok/not ok lines count), then again built with clang's ASan + UBSan.
c_program() {
  local name=$1 arg=${3:-}
  local -a source
  read -r -a source <<<"$2"
  local bin="$work/$name" asan_bin="$work/${name}_asan" status
  if gcc "${cflags[@]}" "${pc_cflags[@]}" -I"$harness_dir" "$harness_dir/harness.c" "${source[@]}" \
    "${pc_libs[@]}" -lcjson -lpthread -o "$bin"; then
    pass "$name compiles"
    set +e
    LD_LIBRARY_PATH="$libdir" FAKE_CONCUR_BIN="$fake_bin" timeout 600 \
      valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
      --suppressions="$root/$harness_dir/valgrind.supp" --log-file="$work/$name.valgrind.log" \
      "$bin" ${arg:+"$arg"} | tee "$work/$name.out"
    status=${PIPESTATUS[0]}
    set -e
    count_results "$name" "$work/$name.out" "$status"
    if (( status == 99 )) || grep -q "ERROR SUMMARY: [1-9]" "$work/$name.valgrind.log"; then
      grep -E "definitely|indirectly|Invalid|uninitialised|ERROR SUMMARY" "$work/$name.valgrind.log" >&2 || true
      fail "$name is valgrind clean (see $work/$name.valgrind.log)"
    else
      pass "$name is valgrind clean"
    fi
  else
    fail "$name compiles"
  fi
  if clang -std=c11 -Wall -Wextra -Werror -g -fno-omit-frame-pointer \
    -fsanitize=address,undefined -fno-sanitize-recover=all \
    -Iinclude -I"$harness_dir" "$harness_dir/harness.c" "${source[@]}" -L"$libdir" -lconcur_auth -lcjson -lpthread \
    -o "$asan_bin"; then
    pass "$name compiles with clang -fsanitize=address,undefined"
    set +e
    # The ASan run writes its outcome lines elsewhere: c.txt is valgrind's run.
    LD_LIBRARY_PATH="$libdir" FAKE_CONCUR_BIN="$fake_bin" CONCUR_CONFORMANCE_OUT="$work" \
      ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:exitcode=98 \
      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      timeout 600 "$asan_bin" ${arg:+"$arg"} >"$work/$name.asan.out" 2>"$work/$name.asan.err"
    status=$?
    set -e
    if (( status == 0 )) && grep -q '^# .* passed, 0 failed$' "$work/$name.asan.out"; then
      pass "$name is AddressSanitizer and UBSan clean"
    else
      tail -n 40 "$work/$name.asan.err" >&2 || true
      grep '^not ok' "$work/$name.asan.out" >&2 || true
      fail "$name is AddressSanitizer and UBSan clean (exit $status)"
    fi
  else
    fail "$name compiles with clang -fsanitize=address,undefined"
  fi
}

c_program api_tests "$(echo "$harness_dir"/test_*.c) $harness_dir/main.c"
c_program conformance_driver tests/conformance/c/driver.c "$table"

echo "c: $passed passed, $failed failed"
write_summary
(( failed == 0 ))
