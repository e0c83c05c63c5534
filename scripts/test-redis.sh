#!/usr/bin/env bash
# Redis fleet store: RedisStore against a real redis-server (every test starts
# and owns its own, on free loopback ports, from $CONCUR_TEST_REDIS_SERVER),
# managers sharing it across processes, Redis killed and restarted, a lease
# holder SIGKILLed mid-refresh, a 3-primary Redis Cluster (made with the
# redis-cli beside redis-server), a Sentinel failover (redis-server --sentinel)
# in the middle of a fleet run, and the CLI with --store redis://.
#
#   scripts/test-redis.sh                 install redis-server if missing, build, test
#   scripts/test-redis.sh --install-only  install redis-server if missing, print its path
#
# Other scripts that run the whole workspace (the `redis` feature is on there,
# because the CLI enables it) can do:
#   export CONCUR_TEST_REDIS_SERVER=$(bash scripts/test-redis.sh --install-only)
set -euo pipefail
cd "$(dirname "$0")/.."

install_redis_server() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "--- installing redis-server (Debian package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends redis-server redis-tools >&2
  fi
  command -v redis-server
}

server=$(install_redis_server)
if [ "${1:-}" = "--install-only" ]; then
  echo "$server"
  exit 0
fi
export CONCUR_TEST_REDIS_SERVER="$server"
echo "--- using $("$server" --version)"

echo "--- build"
cargo build -p concur-auth-reliability --quiet   # stress-worker, the fleet tests' worker processes
cargo test -p concur-auth --features redis --lib --test redis_store --no-run --quiet
cargo test -p concur-auth-cli --test redis_fleet --no-run --quiet

echo "--- cargo test (redis)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
started=$SECONDS
cargo test -p concur-auth --features redis --lib store::redis 2>&1 | tee -a "$log" || status=$?
cargo test -p concur-auth --features redis --test redis_store 2>&1 | tee -a "$log" || status=$?
cargo test -p concur-auth-cli --test redis_fleet -- --nocapture 2>&1 | tee -a "$log" || status=$?
echo "--- redis tests took $((SECONDS - started)) s"

passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ -n "${CONCUR_TEST_SUMMARY:-}" ]; then
  echo "redis: $passed passed, $failed failed" >> "$CONCUR_TEST_SUMMARY"
fi
exit "$status"
