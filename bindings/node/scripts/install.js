#!/usr/bin/env node
// `npm install` hook: builds the native module with the same napi command as
// `npm run build` (debug, target x86_64-unknown-linux-gnu, output into this
// package), so `npm install ./bindings/node` works on a fresh machine with Rust.
//
// CONCUR_AUTH_SKIP_BUILD=1 skips the build (e.g. when a CI step builds
// separately). Without cargo, an already built module is kept and used.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const pkgDir = path.resolve(__dirname, '..');
const pkg = require(path.join(pkgDir, 'package.json'));
const TARGET = 'x86_64-unknown-linux-gnu';
const binary = path.join(pkgDir, `${pkg.napi.binaryName}.linux-x64-gnu.node`);

function log(message) {
  process.stderr.write(`concur-auth install: ${message}\n`);
}

function findCargo(env) {
  const dirs = (env.PATH || '').split(path.delimiter).filter(Boolean);
  return dirs.some((dir) => fs.existsSync(path.join(dir, 'cargo')));
}

function resolveCli() {
  try {
    return require.resolve('@napi-rs/cli/package.json', { paths: [pkgDir] });
  } catch {
    return null;
  }
}

function installOwnDependencies() {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    // The outer npm's per-run settings (prefix, global, save, …) must not
    // leak into this nested install; registry, cache and user config may.
    const inner = /^npm_(config|package|lifecycle)_/i.test(key);
    const keep = /^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl|cafile)$/i.test(key);
    if (!inner || keep) env[key] = value;
  }
  const npmCli = process.env.npm_execpath;
  const [cmd, pre] = npmCli && /\.c?js$/.test(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  const args = [...pre, 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=dev'];
  log(`installing this package's own dependencies (npm ${args.slice(pre.length).join(' ')})`);
  const result = spawnSync(cmd, args, { cwd: pkgDir, env, stdio: 'inherit' });
  if (result.status !== 0) log(`npm install in ${pkgDir} failed (exit ${result.status ?? result.signal})`);
}

function main() {
  if (process.env.CONCUR_AUTH_SKIP_BUILD === '1') {
    log('CONCUR_AUTH_SKIP_BUILD=1: not building the native module');
    return 0;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    log(`only ${TARGET} is supported (this is ${process.platform}-${process.arch})`);
    return 1;
  }
  const env = { ...process.env, CARGO_BUILD_TARGET: TARGET };
  const cargoHome = env.CARGO_HOME || path.join(os.homedir(), '.cargo');
  env.PATH = [env.PATH, path.join(cargoHome, 'bin')].filter(Boolean).join(path.delimiter);
  if (!findCargo(env)) {
    if (fs.existsSync(binary)) {
      log(`cargo not found; keeping the module already built at ${path.basename(binary)}`);
      return 0;
    }
    log('cargo not found: install Rust (https://rustup.rs) and run `npm install` again');
    return 1;
  }
  let cli = resolveCli();
  if (!cli) {
    // `npm install ./bindings/node` links this folder without installing its
    // own dependencies: fetch them here (without scripts, so no recursion).
    installOwnDependencies();
    cli = resolveCli();
  }
  if (!cli) {
    log('@napi-rs/cli could not be installed (it is a dependency of this package): run `npm install` in ' + pkgDir);
    return 1;
  }
  const cliMain = path.join(path.dirname(cli), require(cli).bin.napi);
  // The arguments of `npm run build`, so both build the same way.
  const args = pkg.scripts.build.trim().split(/\s+/);
  if (args[0] !== 'napi') {
    log(`unexpected build script ${JSON.stringify(pkg.scripts.build)}`);
    return 1;
  }
  log(`napi ${args.slice(1).join(' ')}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [cliMain, ...args.slice(1)], {
    cwd: pkgDir,
    env,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    log(`the native build failed (exit ${result.status ?? result.signal})`);
    return 1;
  }
  log(`built ${path.basename(binary)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

process.exitCode = main();
