#!/usr/bin/env bash
# Proof of the release artifacts, from dist/ alone (scripts/package.sh builds
# them; run it first, or pass --build). With cargo, rustc and ~/.cargo/bin off
# PATH, in fresh temp folders, against fake-concur (the one test fixture built
# from source, before PATH is cut):
#   - glibc: the highest GLIBC_ symbol version each native file needs, <= 2.17;
#   - Python: a new venv, `pip install dist/python/*.whl`, examples/python/pipeline.py;
#   - Node: a new npm project installs the two tarballs (npm must print no
#     install-script warning), then require, import, the tutorial drop-ins and
#     `npx concur-auth`;
#   - C: the archive unpacked to a prefix, examples/c built with
#     `pkg-config --cflags --libs concur_auth` and with CMake (shared and static), run;
#   - .NET: the example compiled against the packed ConcurAuth.dll and run with
#     the packed native library;
#   - one version: every artifact reports the workspace version.
# Appends "package: N passed, M failed" to $CONCUR_TEST_SUMMARY when it is set.
set -euo pipefail

# shellcheck source=lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/checks.sh"
checks_begin package

if [[ "${1:-}" == --build ]]; then
  bash scripts/package.sh
fi
dist="${CONCUR_DIST_DIR:-$root/dist}"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
max_glibc=2.17

missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cmake >/dev/null || missing+=(cmake)
command -v objdump >/dev/null || missing+=(binutils)
command -v unzip >/dev/null || missing+=(unzip)
if (( ${#missing[@]} )); then
  echo "installing ${missing[*]} (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The test fixture, built while cargo is still reachable.
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
cargo build --quiet -p fake-concur
fake_bin="$libdir/fake-concur"

# ---- no Rust from here on -----------------------------------------------------
PATH=$(tr ':' '\n' <<<"$PATH" | grep -v -e '/\.cargo/bin' -e '/packaging-tools/' | paste -sd: -)
export PATH
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
  fail "cargo and rustc are off PATH"
  exit 1
fi
pass "cargo and rustc are off PATH"

tmp=$(mktemp -d)
wheel=$(ls "$dist"/python/concur_auth-"$version"-cp39-abi3-*manylinux2014_x86_64*.whl)
sdist=$(ls "$dist/python/concur_auth-$version.tar.gz")
npm_main="$dist/npm/concur-auth-$version.tgz"
npm_platform="$dist/npm/concur-auth-linux-x64-gnu-$version.tgz"
c_archive="$dist/c/concur-auth-$version-x86_64-linux-gnu.tar.gz"
for artifact in "$wheel" "$sdist" "$npm_main" "$npm_platform" "$c_archive"; do
  [[ -f "$artifact" ]] || { fail "artifact $artifact exists"; exit 1; }
done
pass "every artifact is in dist/"

# ---- glibc baseline -----------------------------------------------------------------
natives="$tmp/natives"
mkdir -p "$natives/wheel" "$natives/npm" "$tmp/prefix"
unzip -q -o "$wheel" -d "$natives/wheel"
tar -xzf "$npm_platform" -C "$natives/npm"
tar -xzf "$c_archive" -C "$tmp/prefix" --strip-components=1
prefix="$tmp/prefix"
highest_glibc() { # the highest GLIBC_x.y symbol version FILE needs
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1
}
for file in "$natives"/wheel/concur_auth/_native*.so "$natives/npm/package/concur-auth.linux-x64-gnu.node" \
  "$natives/npm/package/concur-auth" "$prefix/lib/libconcur_auth.so.$version"; do
  needs=$(highest_glibc "$file")
  newest=$(printf '%s\n%s\n' "$needs" "$max_glibc" | sort -V | tail -n 1)
  echo "$(basename "$file"): needs GLIBC_$needs"
  if [[ -n "$needs" && "$newest" == "$max_glibc" ]]; then
    pass "$(basename "$file") needs glibc <= $max_glibc (GLIBC_$needs)"
  else
    fail "$(basename "$file") needs glibc <= $max_glibc (GLIBC_$needs)"
  fi
done

# ---- fake Concur and one initialised token file ------------------------------------
start_fake "$fake_bin"
seed="$tmp/seed"
mkdir -p "$seed"
# The server's own credentials fixture (mode 0600): no secret spelled here.
"$fake_bin" fixture credentials "$seed" >/dev/null
out="$tmp/out"

# ---- Python -----------------------------------------------------------------------
py="$tmp/py"
python3 -m venv "$py/venv"
if "$py/venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: "$wheel[requests]" >"$out" 2>&1; then
  pass "pip install the wheel in a new venv (no source build)"
else
  cat "$out" >&2
  fail "pip install the wheel in a new venv (no source build)"
fi
v=$("$py/venv/bin/python" -c 'import concur_auth; print(concur_auth.__version__)' 2>&1 || true)
[[ "$v" == "$version" ]] && pass "Python __version__ is $version" || fail "Python __version__ is $version (got $v)"
(cd "$seed" && "$py/venv/bin/python" "$root/examples/python/pipeline.py" --base-url "$fake_url" --exchange) >"$out" 2>&1 &&
  grep -q '"userName"' "$out" && pass "the Python example runs against fake-concur" ||
  { cat "$out" >&2; fail "the Python example runs against fake-concur"; }
check_no_secret "$out" && pass "the Python example prints no secret" || fail "the Python example prints no secret"

# ---- Node -------------------------------------------------------------------------------
project="$tmp/node-project"
mkdir -p "$project"
(cd "$project" && npm init -y >/dev/null)
if (cd "$project" && npm install --no-audit --no-fund "$npm_main" "$npm_platform") >"$out" 2>&1; then
  pass "npm install the two tarballs in a new project"
else
  cat "$out" >&2
  fail "npm install the two tarballs in a new project"
fi
cat "$out"
if grep -qi -e 'allowScripts' -e 'install script' -e 'scripts' "$out"; then
  fail "npm prints no install-script warning"
else
  pass "npm prints no install-script warning"
fi
with_scripts=$(cd "$project" && npm query ':attr(scripts, [preinstall]), :attr(scripts, [install]), :attr(scripts, [postinstall])')
if [[ "$(tr -d '[:space:]' <<<"$with_scripts")" == "[]" ]]; then
  pass "no installed package has an install script"
else
  fail "no installed package has an install script: $with_scripts"
fi
(cd "$project" && node -e "
  const m = require('concur-auth');
  if (typeof m.TokenManager !== 'function') throw new Error('no TokenManager');
  if (m.version !== '$version' || m.coreVersion() !== '$version') throw new Error('versions ' + m.version + ' ' + m.coreVersion());
") && pass "require('concur-auth'), version and coreVersion() are $version" || fail "require('concur-auth'), version and coreVersion() are $version"
(cd "$project" && node --input-type=module -e "
  import { TokenManager, version } from 'concur-auth';
  if (!TokenManager || version !== '$version') process.exit(1);
") && pass "import { TokenManager } from 'concur-auth'" || fail "import { TokenManager } from 'concur-auth'"

# The drop-ins, copied beside the user's files as the tutorials are used.
cp "$project"/node_modules/concur-auth/tutorial/{GetRefreshToken,RefreshTokenManagement,CallingAPIs}.js "$project/"
set +e
(cd / && node "$project/GetRefreshToken.js") >"$out" 2>&1
code=$?
set -e
[[ $code -eq 2 && -f "$project/credentials.json" ]] &&
  pass "GetRefreshToken.js writes credentials.json in its own folder (exit 2)" ||
  { cat "$out" >&2; fail "GetRefreshToken.js writes credentials.json in its own folder (exit $code)"; }
cp "$seed/credentials.json" "$seed/refreshTokenObjectFile.json" "$project/"
for script in GetRefreshToken.js RefreshTokenManagement.js CallingAPIs.js; do
  if (cd "$project" && CONCUR_BASE_URL="$fake_url" node "$script") >"$out" 2>&1 && check_no_secret "$out"; then
    pass "tutorial drop-in $script runs, no secret printed"
  else
    cat "$out" >&2
    fail "tutorial drop-in $script runs, no secret printed"
  fi
done
grep -q '"Resources"' "$out" || fail "CallingAPIs.js printed the Profile reply"
npx_out=$(cd "$project" && npx --no-install concur-auth --version 2>&1 || true)
[[ "$npx_out" == "concur-auth $version" ]] && pass "npx concur-auth --version is $version" ||
  fail "npx concur-auth --version is $version (got $npx_out)"
if (cd "$project" && npx --no-install concur-auth status --json) >"$out" 2>&1 &&
  grep -q '"initialized": *true' "$out" && check_no_secret "$out"; then
  pass "npx concur-auth status --json runs the shipped CLI"
else
  cat "$out" >&2
  fail "npx concur-auth status --json runs the shipped CLI"
fi
set +e
(cd "$project" && npx --no-install concur-auth frobnicate) >"$out" 2>&1
code=$?
set -e
[[ $code -eq 2 ]] && pass "npx concur-auth passes the CLI's exit code through (usage: 2)" ||
  fail "npx concur-auth passes the CLI's exit code through (usage: 2, got $code)"

# ---- C --------------------------------------------------------------------------------
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pc_version=$(pkg-config --modversion concur_auth)
[[ "$pc_version" == "$version" ]] && pass "concur_auth.pc version is $version" || fail "concur_auth.pc version is $version (got $pc_version)"
[[ "$(pkg-config --variable=libdir concur_auth)" -ef "$prefix/lib" ]] &&
  pass "concur_auth.pc points into the unpacked prefix" || fail "concur_auth.pc points into the unpacked prefix"
soname=$(objdump -p "$prefix/lib/libconcur_auth.so" | awk '/SONAME/ {print $2}')
[[ -n "$soname" && -e "$prefix/lib/$soname" ]] && pass "libconcur_auth.so has the soname $soname" ||
  fail "libconcur_auth.so has a soname present in lib/ (got '$soname')"
cbuild="$tmp/c"
mkdir -p "$cbuild"
read -r -a pc_flags <<<"$(pkg-config --cflags --libs concur_auth)"
# shellcheck disable=SC2016
cat >"$cbuild/version.c" <<'C'
#include <stdio.h>
#include "concur_auth.h"
int main(void) { puts(concur_version()); return 0; }
C
if gcc -std=c11 -Wall -Werror "$cbuild/version.c" "${pc_flags[@]}" -Wl,-rpath,"$prefix/lib" -o "$cbuild/version" &&
  [[ "$("$cbuild/version")" == "$version" ]]; then
  pass "concur_version() is $version"
else
  fail "concur_version() is $version"
fi
run_c_example() { # run_c_example NAME BINARY
  if "$2" "$seed/credentials.json" "$seed/refreshTokenObjectFile.json" "$fake_url" >"$out" 2>&1 &&
    grep -q "HTTP 200" "$out" && check_no_secret "$out"; then
    pass "$1 runs against fake-concur"
  else
    cat "$out" >&2
    fail "$1 runs against fake-concur"
  fi
}
if gcc -std=c11 -Wall -Werror "$root/examples/c/status_and_profile.c" "${pc_flags[@]}" \
  -Wl,-rpath,"$prefix/lib" -o "$cbuild/example-pkg-config"; then
  pass "the C example builds with pkg-config --cflags --libs concur_auth"
  run_c_example "the pkg-config build" "$cbuild/example-pkg-config"
else
  fail "the C example builds with pkg-config --cflags --libs concur_auth"
fi
cat >"$cbuild/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(concur_auth_example C)
find_package(concur_auth $version REQUIRED)
add_executable(example_shared "$root/examples/c/status_and_profile.c")
target_link_libraries(example_shared PRIVATE concur_auth::concur_auth)
add_executable(example_static "$root/examples/c/status_and_profile.c")
target_link_libraries(example_static PRIVATE concur_auth::concur_auth_static)
CMAKE
if cmake -S "$cbuild" -B "$cbuild/build" -DCMAKE_PREFIX_PATH="$prefix" >"$out" 2>&1 &&
  cmake --build "$cbuild/build" >>"$out" 2>&1; then
  pass "the C example builds with CMake find_package(concur_auth)"
  run_c_example "the CMake build (shared)" "$cbuild/build/example_shared"
  run_c_example "the CMake build (static)" "$cbuild/build/example_static"
  if objdump -p "$cbuild/build/example_static" | grep -q 'NEEDED.*concur_auth'; then
    fail "the static CMake build does not need libconcur_auth.so"
  else
    pass "the static CMake build does not need libconcur_auth.so"
  fi
else
  cat "$out" >&2
  fail "the C example builds with CMake find_package(concur_auth)"
fi

# ---- .NET -------------------------------------------------------------------------------
dotnet_layout="$dist/dotnet/ConcurAuth.$version"
if [[ -f "$dotnet_layout/lib/net45/ConcurAuth.dll" && -f "$dotnet_layout/runtimes/linux-x64/native/libconcur_auth.so" ]]; then
  pass ".NET NuGet layout: lib/net45/ConcurAuth.dll, runtimes/linux-x64/native/libconcur_auth.so"
else
  fail ".NET NuGet layout: lib/net45/ConcurAuth.dll, runtimes/linux-x64/native/libconcur_auth.so"
fi
nupkg="$dist/dotnet/ConcurAuth.$version.nupkg"
if unzip -l "$nupkg" 2>/dev/null | grep -q 'runtimes/linux-x64/native/libconcur_auth.so' &&
  unzip -l "$nupkg" | grep -q 'lib/net45/ConcurAuth.dll'; then
  pass "ConcurAuth.$version.nupkg holds the wrapper and the native library"
else
  fail "ConcurAuth.$version.nupkg holds the wrapper and the native library"
fi
if command -v mcs >/dev/null && command -v mono >/dev/null; then
  cp "$dotnet_layout/lib/net45/ConcurAuth.dll" "$tmp/"
  if mcs -nologo -r:"$tmp/ConcurAuth.dll" -out:"$tmp/StatusAndProfile.exe" "$root/examples/dotnet/StatusAndProfile.cs" &&
    (cd "$tmp" && LD_LIBRARY_PATH="$dotnet_layout/runtimes/linux-x64/native" \
      mono StatusAndProfile.exe "$seed/credentials.json" "$seed/refreshTokenObjectFile.json" "$fake_url") >"$out" 2>&1 &&
    grep -q "HTTP 200" "$out" && check_no_secret "$out"; then
    pass "the .NET example runs on the packed wrapper and native library"
  else
    cat "$out" >&2
    fail "the .NET example runs on the packed wrapper and native library"
  fi
fi

echo "package: $passed passed, $failed failed"
(( failed == 0 ))
