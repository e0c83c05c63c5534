#!/usr/bin/env bash
# Benchmarks side by side with what users run today (docs/BENCHMARKS.md).
# NOT part of the test command: it builds release artifacts, installs the peer
# packages into its own venv (target/bench-venv) and node_modules
# (benches/node/node_modules), runs every row against fake-concur on loopback,
# collects JSON lines into target/bench/results.jsonl, prints ONE table
# (benches/report.py) and rewrites the figures section of docs/BENCHMARKS.md.
#
#   bash scripts/bench.sh                  # everything, 5 s per throughput run
#   BENCH_SECONDS=2 bash scripts/bench.sh  # shorter throughput runs
#   BENCH_NO_DOC=1 bash scripts/bench.sh   # leave docs/BENCHMARKS.md alone
#   BENCH_ROWS=1,7 bash scripts/bench.sh   # only these rows (prints the table; the
#                                          # document keeps the last full run's figures)
#
# Every loop is bounded in count and time; all traffic stays on 127.0.0.1;
# no token is ever printed (the programs' stdout carries figures only).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bench_started=$SECONDS

# One target dir for cargo, maturin and napi (see .cargo/config.toml).
export CARGO_BUILD_TARGET=${CARGO_BUILD_TARGET:-x86_64-unknown-linux-gnu}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# The leak-scan log of the test runs is not ours to fill; logs stay quiet.
unset FAKE_CONCUR_SECRETS_LOG RUST_LOG CONCUR_STORE CONCUR_TOKEN_FILE CONCUR_BASE_URL

seconds=${BENCH_SECONDS:-5}
rows=${BENCH_ROWS:-1,2,3,4,5,6,7}
case "$rows" in *[!0-9,]* | "") echo "BENCH_ROWS must be row numbers separated by commas, e.g. 1,7" >&2; exit 2 ;; esac
want() { [[ ",$rows," == *",$1,"* ]]; } # want N: row N was asked for
out="$CARGO_TARGET_DIR/bench"
rel="$CARGO_TARGET_DIR/$CARGO_BUILD_TARGET/release"
results="$out/results.jsonl"
commands="$out/commands.txt"
work="$out/work"
rm -rf "$work" "$out/servers" "$out/criterion"
mkdir -p "$out" "$work" "$out/servers"
: >"$results"
: >"$commands"

step() { echo "--- $*" >&2; }

# run ARGS...: logs the command (paths and URLs shortened) and appends its
# JSON lines to the results; its stderr goes to the terminal.
shorten() {
  local shown="$*"
  [ -n "${loopback_bin:-}" ] && shown=${shown//"$loopback_bin"/cargo bench -p concur-auth --bench loopback --}
  [ -n "${py:-}" ] && shown=${shown//"$py"/target/bench-venv/bin/python}
  shown=${shown//"$out"\//\$OUT/}
  shown=${shown//"$root"\//}
  [ -n "${url:-}" ] && shown=${shown//"$url"/\$URL}
  case "$shown" in
    "node benches/node/"*) [ -n "${CONCUR_AUTH_NODE:-}" ] && shown="CONCUR_AUTH_NODE=\$OUT/node-pkg/index.mjs $shown" ;;
    *wrk_ceiling.py*) shown="$shown  # runs wrk -t1 -c1 / -t2 -c32 -d${seconds}s --latency -H 'Authorization: Bearer \$TOKEN' -H 'Accept: application/json' \$URL/profile/identity/v4/Users/" ;;
    *cold_start.py*) shown="$shown  # runs hyperfine -N --warmup 5 --runs 50 '<command>' and /usr/bin/time -f %M <command> (x10)" ;;
  esac
  echo "$shown"
}
log_cmd() { shorten "$@" >>"$commands"; }
# Each program bounds its own loops; this bounds the program (10 minutes).
run() {
  log_cmd "$@"
  timeout -k 10 600 "$@" | tee -a "$results"
}

# --- tools (Debian) --------------------------------------------------------
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
command -v gcc >/dev/null || missing+=(gcc)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" ||
    echo "warning: could not install ${missing[*]}; the rows needing them say so" >&2
fi

# --- release builds ----------------------------------------------------------
step "cargo build --release -p fake-concur -p concur-auth-cli -p concur-auth-ffi"
log_cmd cargo build --release -p fake-concur -p concur-auth-cli -p concur-auth-ffi
cargo build --release -p fake-concur -p concur-auth-cli -p concur-auth-ffi
fake_bin="$rel/fake-concur"
cli_bin="$rel/concur-auth"

step "cargo bench -p concur-auth --no-run (criterion hot path, loopback bench)"
bench_json="$out/bench-build.json"
log_cmd cargo bench -p concur-auth --bench hot_path --bench loopback --no-run
cargo bench -p concur-auth --bench hot_path --bench loopback --no-run --message-format=json >"$bench_json"
bench_exe() {
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[2] and m.get("executable"):
        print(m["executable"])' "$bench_json" "$1" | tail -1
}
hot_path_bin=$(bench_exe hot_path)
loopback_bin=$(bench_exe loopback)

step "gcc benches/c/hot_path.c (linked to the release libconcur_auth.so)"
log_cmd gcc -O2 -Wall -Wextra -Werror -Iinclude benches/c/hot_path.c -L"$rel" -lconcur_auth \
  -Wl,-rpath,"$rel" -o "$out/c_hot_path"
gcc -O2 -Wall -Wextra -Werror -Iinclude benches/c/hot_path.c -L"$rel" -lconcur_auth \
  -Wl,-rpath,"$rel" -o "$out/c_hot_path"

# The Node binding: a release build assembled into $OUT/node-pkg (the package's
# JavaScript files + the release .node), loaded through $CONCUR_AUTH_NODE.
node_missing=""
step "cargo build --release -p concur-auth-node"
log_cmd cargo build --release -p concur-auth-node "# + bindings/node/{index.js,index.mjs,platform.js,package.json} -> \$OUT/node-pkg"
if cargo build --release -p concur-auth-node; then
  rm -rf "$out/node-pkg"
  mkdir -p "$out/node-pkg"
  cp bindings/node/index.js bindings/node/index.mjs bindings/node/platform.js bindings/node/package.json "$out/node-pkg/"
  cp "$rel/libconcur_auth_node.so" "$out/node-pkg/concur-auth.linux-x64-gnu.node"
  if node -e "const m = require(process.argv[1]); if (typeof m.TokenManager !== 'function') process.exit(1)" "$out/node-pkg"; then
    export CONCUR_AUTH_NODE="$out/node-pkg/index.mjs"
  else
    node_missing="binding unfinished"
  fi
else
  node_missing="binding unfinished"
fi
[ -n "$node_missing" ] && echo "warning: the Node binding does not build or load; its rows are not measured" >&2

# --- peers: Python venv and node_modules ---------------------------------------
venv="$CARGO_TARGET_DIR/bench-venv"
if [ ! -x "$venv/bin/python" ]; then
  step "python3 -m venv $venv"
  python3 -m venv "$venv"
fi
py="$venv/bin/python"
step "pip install ./bindings/python (release) and the peers (benches/python/requirements.txt)"
log_cmd "$py" -m pip install -r benches/python/requirements.txt
"$py" -m pip install --quiet -r benches/python/requirements.txt
log_cmd MATURIN_PEP517_ARGS=\"--profile release\" "$py" -m pip install --force-reinstall --no-deps ./bindings/python
MATURIN_PEP517_ARGS="--profile release" "$py" -m pip install --quiet --force-reinstall --no-deps ./bindings/python
step "npm install in benches/node (simple-oauth2)"
log_cmd "(cd benches/node && npm install)"
(cd benches/node && npm install --no-audit --no-fund --loglevel=error)

# --- fake-concur servers ---------------------------------------------------------
declare -A fake_fd fake_pid
start_fake() { # start_fake NAME [ARGS...]: sets $url; the server exits at stdin EOF
  local name=$1 fifo="$out/servers/$1.in" fd pid i
  shift
  rm -f "$fifo"
  mkfifo "$fifo"
  "$fake_bin" --port 0 --exit-on-stdin-eof "$@" <"$fifo" >"$out/servers/$name.url" 2>"$out/servers/$name.log" &
  pid=$!
  exec {fd}>"$fifo"
  fake_fd[$name]=$fd
  fake_pid[$name]=$pid
  url=""
  for i in $(seq 1 200); do
    url=$(head -n1 "$out/servers/$name.url" 2>/dev/null || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { echo "fake-concur ($name) did not start" >&2; exit 1; }
  echo "fake-concur ($name, release) at $url" >&2
  log_cmd "$fake_bin" --port 0 --exit-on-stdin-eof "$@" "# prints \$URL; stdin held by the script"
}
stop_fake() {
  local name=$1 fd=${fake_fd[$1]:-}
  [ -n "$fd" ] || return 0
  exec {fd}>&-
  unset "fake_fd[$name]"
  wait "${fake_pid[$name]}" 2>/dev/null || true
}
cleanup() {
  local name
  for name in "${!fake_fd[@]}"; do stop_fake "$name"; done
}
trap cleanup EXIT

# seed NAME ACCESS: a folder with credentials.json + refreshTokenObjectFile.json
seed() {
  log_cmd python3 benches/fakeadmin.py seed "$work/$1" "$url" --access "$2"
  python3 benches/fakeadmin.py seed "$work/$1" "$url" --access "$2" >&2
  echo "$work/$1"
}

not_measured() { # not_measured ROW IMPL REASON
  echo "{\"row\": \"$1\", \"impl\": \"$2\", \"not_measured\": \"$3\"}" | tee -a "$results"
}

if want 1 || want 2 || want 3 || want 5; then
start_fake main
fi

# --- row 1: hot path -----------------------------------------------------------------
if want 1; then
step "row 1: hot path (Rust criterion, C, Python, Node)"
dir=$(seed hot valid)
echo "CRITERION_HOME=\$OUT/criterion CONCUR_BENCH_DIR=\$OUT/work/hot CONCUR_BENCH_BASE_URL=\$URL cargo bench -p concur-auth --bench hot_path" >>"$commands"
CRITERION_HOME="$out/criterion" CONCUR_BENCH_DIR="$dir" CONCUR_BENCH_BASE_URL="$url" timeout -k 10 600 "$hot_path_bin" --bench >"$out/criterion.log" 2>&1 ||
  { tail -20 "$out/criterion.log" >&2; exit 1; }
python3 benches/report.py criterion "$out/criterion" | tee -a "$results"
run "$out/c_hot_path" "$dir/credentials.json" "$dir/refreshTokenObjectFile.json" "$url" 2000000 5
run "$py" benches/python/hot_path.py --base-url "$url" --dir "$dir"
if [ -z "$node_missing" ]; then
  run node benches/node/hot_path.mjs --base-url "$url" --dir "$dir"
else
  not_measured hot_path ours-node "$node_missing"
  run node benches/node/hot_path.mjs --base-url "$url" --dir "$dir" --only floor,simple-oauth2
fi
fi

# --- row 2: refresh storm ---------------------------------------------------------------
if want 2; then
step "row 2: 1000 concurrent callers at expiry"
# Short-lived tokens, so that ours can be warmed and then see its token expire.
log_cmd python3 benches/fakeadmin.py config "$url" "'{\"access_token_ttl_secs\": 4}'"
python3 benches/fakeadmin.py config "$url" '{"access_token_ttl_secs": 4}'
dir=$(seed storm-rust none)
run "$loopback_bin" storm --base-url "$url" --credentials "$dir/credentials.json" \
  --token-file "$dir/refreshTokenObjectFile.json" --callers 1000
dir=$(seed storm-python none)
run "$py" benches/python/storm.py --base-url "$url" --dir "$dir" --callers 1000
dir=$(seed storm-node none)
if [ -z "$node_missing" ]; then
  run node benches/node/storm.mjs --base-url "$url" --dir "$dir" --callers 1000
else
  not_measured storm ours-node "$node_missing"
  run node benches/node/storm.mjs --base-url "$url" --dir "$dir" --callers 1000 --only simple-oauth2,tutorial
fi
log_cmd python3 benches/fakeadmin.py config "$url" "'{\"access_token_ttl_secs\": 3600}'"
python3 benches/fakeadmin.py config "$url" '{"access_token_ttl_secs": 3600}'
fi

# --- row 3: 8 processes, one token file -----------------------------------------------------
if want 3; then
step "row 3: 8 processes on one token file at expiry"
run "$py" benches/python/processes.py --base-url "$url" --dir "$work/procs" --cli "$cli_bin" \
  --tutorial benches/peers/tutorial_style.js --procs 8 --rounds 5
fi

# --- row 5: cold start ---------------------------------------------------------------------
if want 5; then
step "row 5: cold start with a cached token"
run "$py" benches/python/cold_start.py --base-url "$url" --dir "$work/cold" --cli "$cli_bin" \
  --tutorial benches/peers/tutorial_style.js --runs 50
fi
stop_fake main

# --- row 4: authenticated GET throughput, on a fresh server of its own ------------------------
if want 4; then
step "row 4: GET /profile/identity/v4/Users/ at concurrency 1 and 32, ${seconds} s each"
start_fake throughput
dir=$(seed throughput valid)
run "$py" benches/python/wrk_ceiling.py --base-url "$url" --dir "$dir" --concurrency 1 32 --seconds "$seconds"
for conc in 1 32; do
  run "$loopback_bin" throughput --base-url "$url" --credentials "$dir/credentials.json" \
    --token-file "$dir/refreshTokenObjectFile.json" --concurrency "$conc" --duration "$seconds"
done
run "$py" benches/python/throughput.py --base-url "$url" --dir "$dir" --concurrency 1 32 --seconds "$seconds"
if [ -z "$node_missing" ]; then
  run node benches/node/throughput.mjs --base-url "$url" --dir "$dir" --concurrency 1,32 --seconds "$seconds"
else
  not_measured throughput ours-node "$node_missing"
  run node benches/node/throughput.mjs --base-url "$url" --dir "$dir" --concurrency 1,32 --seconds "$seconds" \
    --only node-https,tutorial
fi
stop_fake throughput
fi

# --- row 6: a whole list, page by page, on a server of its own ------------------------------
if want 6; then
step "row 6: read 10,000 users (100 a page) through each binding and by hand"
start_fake list --users 10000
dir=$(seed list valid)
run "$py" benches/python/list_users.py --base-url "$url" --dir "$dir" --cli "$cli_bin"
[ -n "$node_missing" ] && not_measured list ours-node "$node_missing"
run node benches/node/list_users.mjs --base-url "$url" --dir "$dir"
stop_fake list
fi

# --- row 7: the stale window, on a server of its own ---------------------------------------
# Each run gets a token file seeded with ~120 s left (stale with the default
# leeway of 300 s, expired at 30 s left); the program slows the token endpoint
# to 2 s (part slow) or makes it answer 503 for 6 s (part outage) itself.
if want 7; then
step "row 7: 32 callers through the stale window (token endpoint at 2 s; a 503 outage)"
start_fake stale
for part in slow outage; do
  dir=$(seed "stale-rust-$part" stale)
  run "$loopback_bin" stale --base-url "$url" --credentials "$dir/credentials.json" \
    --token-file "$dir/refreshTokenObjectFile.json" --part "$part"
  dir=$(seed "stale-python-$part" stale)
  run "$py" benches/python/stale_window.py --base-url "$url" --dir "$dir" --part "$part"
  if [ -z "$node_missing" ]; then
    dir=$(seed "stale-node-$part" stale)
    run node benches/node/stale_window.mjs --base-url "$url" --dir "$dir" --part "$part"
  else
    not_measured stale_window ours-node "$node_missing"
  fi
done
stop_fake stale
fi

# --- the table -------------------------------------------------------------------------------
"$py" benches/meta.py "$root" benches/node "$seconds" "$((SECONDS - bench_started))" >>"$results"
step "results: ${results#"$root"/} ($((SECONDS - bench_started)) s)"
if [ -n "${BENCH_NO_DOC:-}" ] || [ -n "${BENCH_ROWS:-}" ]; then
  python3 benches/report.py table "$results"
else
  python3 benches/report.py table "$results" --doc docs/BENCHMARKS.md --commands "$commands"
fi
