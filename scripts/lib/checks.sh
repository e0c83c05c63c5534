# Shared by the test scripts that count their own checks (test-c.sh,
# test-dotnet.sh): PASS/FAIL lines, the "LANG: N passed, M failed" line for
# test-all.sh, and on any exit the fake server stopped and the temp folder
# removed. Source it, then call `checks_begin LANG`; it sets root, libdir and
# work (target/LANG), and cd's to the repository.

checks_begin() {
  check_lang=$1
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$root"
  export CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu
  libdir="${CARGO_TARGET_DIR:-$root/target}/$CARGO_BUILD_TARGET/debug"
  work="$root/target/$check_lang"
  passed=0
  failed=0
  summary_written=0
  fake_pid=""
  tmp=""
  trap checks_end EXIT
}

write_summary() {
  if [[ -n "${CONCUR_TEST_SUMMARY:-}" && $summary_written -eq 0 ]]; then
    echo "$check_lang: $passed passed, $failed failed" >>"$CONCUR_TEST_SUMMARY"
    summary_written=1
  fi
}

checks_end() {
  local code=$?
  if [[ -n "$fake_pid" ]]; then kill "$fake_pid" 2>/dev/null || true; fi
  if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
  if (( code != 0 && failed == 0 )); then failed=1; fi
  write_summary
}

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1" >&2; }

# count_results NAME OUTPUT STATUS: adds the "ok"/"not ok" lines a test program
# printed to OUTPUT to the counts, and fails NAME when its final
# "# N passed, M failed" line is missing (it died early; STATUS is its exit).
count_results() {
  local ok not_ok
  ok=$(grep -c '^ok ' "$2" || true)
  not_ok=$(grep -c '^not ok ' "$2" || true)
  passed=$((passed + ok))
  failed=$((failed + not_ok))
  if ! grep -q '^# .* passed, .* failed$' "$2"; then
    fail "$1 ran to the end (exit status $3)"
  fi
}

# Starts the fake-concur binary BIN on a free port; sets fake_pid and fake_url
# (stopped by checks_end, and by itself if this script dies: stdin EOF).
start_fake() {
  coproc FAKE { exec "$1" --port 0 --exit-on-stdin-eof; }
  fake_pid=$FAKE_PID
  read -r -t 20 fake_url <&"${FAKE[0]}"
}

# GET on the fake server's admin API with bash's /dev/tcp (no curl needed).
admin_get() {
  local port=${fake_url##*:}
  exec 7<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&7
  sed '1,/^\r$/d' <&7
  exec 7<&-
}

# Fails when the file holds any secret the fake server knows.
check_no_secret() {
  local file=$1 secrets s
  secrets=$(admin_get /_admin/secrets | tr -d '[]' | tr ',' '\n' | tr -d '"')
  [[ -n "$secrets" ]] || return 1
  while IFS= read -r s; do
    [[ -z "$s" ]] && continue
    if grep -qF -- "$s" "$file"; then return 1; fi
  done <<<"$secrets"
  return 0
}
