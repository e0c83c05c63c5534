#!/usr/bin/env bash
# The .NET package of scripts/package.sh, in the NuGet layout:
#   ConcurAuth.nuspec
#   lib/net45/ConcurAuth.dll                      the wrapper (bindings/dotnet), built by mono's mcs
#   runtimes/linux-x64/native/libconcur_auth.so   the C library, where .NET looks for it
# packed into ConcurAuth.<version>.nupkg by Debian's nuget (2.8.7, on mono).
# What this can not honestly make here: a netstandard2.0/net8.0 build of the
# wrapper (that needs the .NET SDK, which no registry reachable here serves); the
# release workflow (.github/workflows/release.yml) does that with `dotnet pack`.
#
#   scripts/package-dotnet.sh VERSION LIBCONCUR_AUTH_SO OUT_DIR
set -euo pipefail

version=$1
native=$2
out=$3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

missing=()
command -v mcs >/dev/null || missing+=(mono-mcs)
command -v mono >/dev/null || missing+=(mono-runtime)
command -v nuget >/dev/null || missing+=(nuget)
if (( ${#missing[@]} )); then
  echo "installing ${missing[*]} (Debian)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

layout="$out/ConcurAuth.$version"
mkdir -p "$layout/lib/net45" "$layout/runtimes/linux-x64/native"
# mcs builds against mono's 4.x reference assemblies: a .NET Framework 4.5 library.
mcs -nologo -warnaserror -target:library -optimize+ \
  -out:"$layout/lib/net45/ConcurAuth.dll" "$root"/bindings/dotnet/*.cs
cp "$native" "$layout/runtimes/linux-x64/native/libconcur_auth.so"
cat >"$layout/ConcurAuth.nuspec" <<XML
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd">
  <metadata>
    <id>ConcurAuth</id>
    <version>$version</version>
    <authors>concur-auth</authors>
    <description>One hardened SAP Concur OAuth2 token manager: request-token exchange, refresh, safe storage, API calls (a .NET wrapper over the concur-auth C library; native library for linux-x64).</description>
    <licenseUrl>https://www.apache.org/licenses/LICENSE-2.0</licenseUrl>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <tags>concur sap oauth2 token</tags>
  </metadata>
  <files>
    <file src="lib/net45/ConcurAuth.dll" target="lib/net45" />
    <file src="runtimes/linux-x64/native/libconcur_auth.so" target="runtimes/linux-x64/native" />
  </files>
</package>
XML
mkdir -p "$out"
(cd "$layout" && nuget pack ConcurAuth.nuspec -OutputDirectory "$out" -NoPackageAnalysis -NonInteractive)
