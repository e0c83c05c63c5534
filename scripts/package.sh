#!/usr/bin/env bash
# Release artifacts into dist/, one version (the workspace's) for all of them:
#   dist/python/  concur_auth-<v>.tar.gz (sdist) and the abi3 manylinux2014_x86_64 wheel
#   dist/npm/     concur-auth-<v>.tgz and concur-auth-linux-x64-gnu-<v>.tgz (npm pack)
#   dist/c/       concur-auth-<v>-x86_64-linux-gnu.tar.gz (include/, lib/, pkg-config, CMake)
#   dist/dotnet/  the NuGet layout (runtimes/linux-x64/native/), and ConcurAuth.<v>.nupkg
#                 when Debian's nuget can pack it
# Every native file links against glibc 2.17 through zig; scripts/test-package.sh
# proves the artifacts from dist/ alone. One cargo profile (`packaging`) and the
# one target dir for every build. Tools are installed here, pinned, into
# target/packaging-tools (scripts/packaging-requirements.txt, cargo-zigbuild).
# See docs/INSTALL.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

export CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# zig links against this glibc version's symbols: the oldest glibc supported.
glibc=2.17
zig_target="$CARGO_BUILD_TARGET.$glibc"
profile=packaging
out="$CARGO_TARGET_DIR/$CARGO_BUILD_TARGET/$profile"
dist="${CONCUR_DIST_DIR:-$root/dist}"
tools="$CARGO_TARGET_DIR/packaging-tools"
zigbuild_version=0.24.1

# The build tools log through RUST_LOG too; test-all.sh sets it to trace for the tests.
unset RUST_LOG

step() { echo "--- $*"; }
timed() { # timed LABEL COMMAND...: runs it, prints how long it took
  local label=$1 started=$SECONDS
  shift
  "$@"
  echo "$label took $((SECONDS - started)) s"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing nodejs npm (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || { echo "no workspace version in Cargo.toml" >&2; exit 1; }

# One version everywhere: the npm manifests are the only copies outside Cargo.toml.
for manifest in bindings/node/package.json bindings/node/npm/*/package.json; do
  v=$(node -p "require('./$manifest').version")
  if [ "$v" != "$version" ]; then
    echo "$manifest has version $v, the workspace $version: make them equal" >&2
    exit 1
  fi
done

# ---- tools ------------------------------------------------------------------
step "build tools (pinned) in $tools"
# A venv whose scripts no longer run (a target dir restored at another path:
# their shebangs name the old one) is made again.
if ! "$tools/venv/bin/pip" --version >/dev/null 2>&1; then
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
fi
"$tools/venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/packaging-requirements.txt
if [ "$("$tools/cargo/bin/cargo-zigbuild" --version 2>/dev/null)" != "cargo-zigbuild $zigbuild_version" ]; then
  timed "cargo install cargo-zigbuild" \
    cargo install --quiet --locked cargo-zigbuild --version "$zigbuild_version" --root "$tools/cargo"
fi
# cargo-zigbuild runs `python3 -m ziglang` when no zig is on PATH: the venv's.
export PATH="$tools/venv/bin:$tools/cargo/bin:$PATH"

rm -rf "$dist"
mkdir -p "$dist/python" "$dist/npm" "$dist/c" "$dist/dotnet"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# ---- native builds ----------------------------------------------------------
# One cargo run for the Node module, the C library and the CLI: cargo unifies
# dependency features per run, so the three share one dependency build (the
# CLI embeds fake-concur, whose server features the others then carry unused).
step "cargo zigbuild --profile $profile --target $zig_target -p concur-auth-node -p concur-auth-ffi -p concur-auth-cli"
timed "Node module + C library + CLI" \
  cargo zigbuild --quiet --profile "$profile" --target "$zig_target" \
  -p concur-auth-node -p concur-auth-ffi -p concur-auth-cli
step "maturin build (abi3 wheel, manylinux2014) and sdist"
timed "wheel" \
  maturin build --quiet --profile "$profile" --zig --compatibility manylinux2014 \
  --target "$CARGO_BUILD_TARGET" -m bindings/python/Cargo.toml --out "$dist/python"
timed "sdist" maturin sdist -m bindings/python/Cargo.toml --out "$dist/python"
auditwheel show "$dist"/python/*.whl

# ---- npm --------------------------------------------------------------------
step "npm packages"
platform_dir="$stage/npm/linux-x64-gnu"
mkdir -p "$platform_dir"
cp bindings/node/npm/linux-x64-gnu/package.json "$platform_dir/"
cp "$out/libconcur_auth_node.so" "$platform_dir/concur-auth.linux-x64-gnu.node"
install -m 0755 "$out/concur-auth" "$platform_dir/concur-auth"
(cd "$dist/npm" && npm pack --silent "$platform_dir" >/dev/null)

# The main package, listing the platform package packed above.
node bindings/node/npm/pack-main.js "$stage/npm/concur-auth" linux-x64-gnu
(cd "$dist/npm" && npm pack --silent "$stage/npm/concur-auth" >/dev/null)

# ---- C ----------------------------------------------------------------------
step "C archive"
c_name="concur-auth-$version-x86_64-linux-gnu"
c_dir="$stage/$c_name"
mkdir -p "$c_dir/include" "$c_dir/lib/pkgconfig" "$c_dir/lib/cmake/concur_auth" "$c_dir/share/doc/concur-auth"
cp include/concur_auth.h "$c_dir/include/"
cp "$out/libconcur_auth.so" "$c_dir/lib/libconcur_auth.so.$version"
# The soname, set after the link (as auditwheel does) so that the one cargo run
# above serves every artifact: 0.x releases may break at the minor version.
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
if [ "$major" = 0 ]; then soname="libconcur_auth.so.0.$minor"; else soname="libconcur_auth.so.$major"; fi
patchelf --set-soname "$soname" "$c_dir/lib/libconcur_auth.so.$version"
ln -s "libconcur_auth.so.$version" "$c_dir/lib/$soname"
ln -s "$soname" "$c_dir/lib/libconcur_auth.so"
cp "$out/libconcur_auth.a" "$c_dir/lib/"
# Rust's staticlib carries the standard library's debug info: most of its size.
strip --strip-debug "$c_dir/lib/libconcur_auth.a"
# A relocatable prefix: pkg-config sets ${pcfiledir} to the folder of this file.
sed -e 's|@PREFIX@|${pcfiledir}/../..|' -e 's|@INCLUDEDIR@|${prefix}/include|' -e 's|@LIBDIR@|${prefix}/lib|' \
  -e "s|@VERSION@|$version|" crates/concur-auth-ffi/concur_auth.pc.in >"$c_dir/lib/pkgconfig/concur_auth.pc"
sed -e "s|@VERSION@|$version|" -e "s|@SONAME@|$soname|" crates/concur-auth-ffi/cmake/concur_authConfig.cmake.in \
  >"$c_dir/lib/cmake/concur_auth/concur_authConfig.cmake"
sed -e "s|@VERSION@|$version|" crates/concur-auth-ffi/cmake/concur_authConfigVersion.cmake.in \
  >"$c_dir/lib/cmake/concur_auth/concur_authConfigVersion.cmake"
cp README.md CHANGELOG.md docs/c-and-dotnet.md examples/c/status_and_profile.c "$c_dir/share/doc/concur-auth/"
tar -C "$stage" -czf "$dist/c/$c_name.tar.gz" --owner=0 --group=0 "$c_name"

# ---- .NET -------------------------------------------------------------------
step ".NET (NuGet layout)"
bash scripts/package-dotnet.sh "$version" "$c_dir/lib/libconcur_auth.so.$version" "$dist/dotnet"

# ---- summary ----------------------------------------------------------------
step "dist/"
(cd "$dist" && find . -type f -printf '%10s  %p\n' | sort -k2)
echo "version $version; glibc baseline $glibc (checked by scripts/test-package.sh)"
