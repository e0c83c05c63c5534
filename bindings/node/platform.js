// Which prebuilt package serves this machine, napi-rs style: the main package
// `concur-auth` lists one optional dependency per platform
// (`concur-auth-<platform>`), npm installs only the one whose os/cpu/libc match,
// and index.js (the native module) and bin/concur-auth.js (the CLI binary)
// load from it. No install script is involved.
'use strict';

/** Whether this Linux process runs on musl rather than glibc. */
function isMusl() {
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  return !report?.header?.glibcVersionRuntime;
}

/** The platform suffix of the prebuilt files, e.g. `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
function platformSuffix(platform = process.platform, arch = process.arch, musl = isMusl) {
  if (platform === 'linux') return `linux-${arch}-${musl() ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

const suffix = platformSuffix();

module.exports = {
  platformSuffix,
  /** npm package holding this platform's prebuilt files. */
  packageName: `concur-auth-${suffix}`,
  /** The native module's file name (in that package, or here after a source build). */
  nativeFile: `concur-auth.${suffix}.node`,
  /** The concur-auth CLI's file name in that package. */
  cliFile: process.platform === 'win32' ? 'concur-auth.exe' : 'concur-auth',
  /** How to build for a platform without a prebuilt package (docs/INSTALL.md). */
  buildHint:
    'build it from source: in a concur-auth checkout, `cd bindings/node && npm install && npm run build:release`, ' +
    'then `npm install <checkout>/bindings/node` (docs/INSTALL.md)',
};
