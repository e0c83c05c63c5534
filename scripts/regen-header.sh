#!/usr/bin/env bash
# Regenerates include/concur_auth.h from crates/concur-auth-ffi (cbindgen runs in
# its build.rs and writes to OUT_DIR; this script copies that file into include/).
#   scripts/regen-header.sh           update include/concur_auth.h
#   scripts/regen-header.sh --check   exit 1, with a diff, when it is out of date
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_BUILD_TARGET=${CARGO_BUILD_TARGET:-x86_64-unknown-linux-gnu}

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! messages=$(cargo build -p concur-auth-ffi --message-format=json 2>"$log"); then
  cat "$log" >&2
  echo "regen-header: cargo build -p concur-auth-ffi failed" >&2
  exit 1
fi
out_dir=$(printf '%s\n' "$messages" \
  | grep '"reason":"build-script-executed"' \
  | grep 'concur-auth-ffi' \
  | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' \
  | tail -n 1)
generated="$out_dir/concur_auth.h"
committed="include/concur_auth.h"
if [[ -z "$out_dir" || ! -f "$generated" ]]; then
  echo "regen-header: cannot find the generated header (OUT_DIR '$out_dir')" >&2
  exit 1
fi

if (( check )); then
  if cmp -s "$generated" "$committed"; then
    echo "regen-header: $committed is up to date"
    exit 0
  fi
  diff -u "$committed" "$generated" | head -n 60 >&2 || true
  echo "regen-header: $committed differs from the code. Fix: scripts/regen-header.sh (then commit it)" >&2
  exit 1
fi

mkdir -p include
if cmp -s "$generated" "$committed"; then
  echo "regen-header: $committed already up to date"
else
  cp "$generated" "$committed"
  echo "regen-header: wrote $committed"
fi
