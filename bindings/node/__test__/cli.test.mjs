// `npx concur-auth`: bin/concur-auth.js launches the one concur-auth command
// (crates/concur-auth-cli). These tests run the real command through the
// launcher, and check the launcher's lookup (platform package, CONCUR_AUTH_BIN)
// and its pass-through of arguments, output, exit codes and signals.
// scripts/test-node.sh builds the CLI and names it in CONCUR_AUTH_CLI_BIN.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { leaked, managerIn, packageDir, require, startFake, tempDir, writeCredentials } from './helpers.mjs';

const BIN = path.join(packageDir, 'bin', 'concur-auth.js');
const { REPO_BINARY } = require(BIN);
const RUST_CLI = process.env.CONCUR_AUTH_CLI_BIN || REPO_BINARY;
let fake;
before(async () => {
  assert.ok(fs.existsSync(RUST_CLI), `the concur-auth CLI is not built at ${RUST_CLI}: cargo build -p concur-auth-cli`);
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

function launch(launcher, args, cwd, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [launcher, ...args], { cwd, env: { ...process.env, ...env }, timeout: 60000 }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, signal: error ? error.signal : null, stdout, stderr }),
    );
  });
}

function cli(args, cwd, env = {}) {
  return launch(BIN, args, cwd, { CONCUR_AUTH_BIN: RUST_CLI, CONCUR_BASE_URL: fake.url, ...env });
}

test('init, exchange, status, token, call, revoke through the launcher', async () => {
  const tmp = tempDir();
  try {
    let out = await cli(['init'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(fs.statSync(tmp.file('credentials.json')).mode & 0o777, 0o600);
    out = await cli(['init'], tmp.dir);
    assert.equal(out.code, 3, 'never overwrites: a configuration error');
    const { request_token: requestToken } = await fake.admin('POST', 'request-token');
    writeCredentials(tmp.file('credentials.json'), { companyRequestToken: requestToken });

    out = await cli(['status', '--json'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).initialized, false);
    assert.equal((await cli(['token'], tmp.dir)).code, 5, 'not initialized');

    out = await cli(['exchange'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    out = await cli(['exchange'], tmp.dir);
    assert.equal(out.code, 3, 'a live refresh token is kept without --force');
    assert.match(out.stderr, /live refresh token.*--force/);
    assert.equal((await cli(['exchange', '--force'], tmp.dir)).code, 4, 'the request token was used');
    out = await cli(['status', '--json'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).initialized, true);
    assert.equal(JSON.parse(out.stdout).geolocation, fake.url);

    out = await cli(['token'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    const token = out.stdout.trim();
    assert.equal(token, await managerIn(tmp, fake.url).accessToken());

    out = await cli(['call', 'GET', '/profile/identity/v4/Users/'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.ok(Array.isArray(JSON.parse(out.stdout).Resources));
    assert.equal((await cli(['call', 'GET', '/profile/identity/v4/Nope'], tmp.dir)).code, 10);

    // Only `token` prints a secret.
    const secrets = [...(await fake.secrets()), token];
    for (const args of [['status'], ['status', '--json'], ['call', 'GET', '/profile/identity/v4/Users/']]) {
      out = await cli(args, tmp.dir);
      assert.deepEqual(leaked(out.stdout + out.stderr, secrets), [], args.join(' '));
    }

    assert.equal((await cli(['revoke'], tmp.dir)).code, 0);
    assert.equal(fs.existsSync(tmp.file('refreshTokenObjectFile.json')), false);
    assert.equal((await cli(['token'], tmp.dir)).code, 5);
  } finally {
    tmp.cleanup();
  }
});

test("usage errors and --help are the Rust command's own", async () => {
  const tmp = tempDir();
  try {
    assert.equal((await cli([], tmp.dir)).code, 2);
    assert.equal((await cli(['frobnicate'], tmp.dir)).code, 2);
    const help = await cli(['--help'], tmp.dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:/);
    assert.match(help.stdout, /demo/, 'every command of the Rust CLI, demo included');
  } finally {
    tmp.cleanup();
  }
});

test('the launcher passes arguments, output, exit code and signals through', async () => {
  const tmp = tempDir();
  try {
    const fakeBin = tmp.file('concur-auth');
    fs.writeFileSync(fakeBin, '#!/bin/sh\necho "rust-cli $*"\n[ "$1" = die ] && kill -TERM $$\nexit 7\n', { mode: 0o755 });
    let out = await launch(BIN, ['status', '--json', 'a b'], tmp.dir, { CONCUR_AUTH_BIN: fakeBin });
    assert.equal(out.code, 7);
    assert.equal(out.stdout, 'rust-cli status --json a b\n');
    out = await launch(BIN, ['die'], tmp.dir, { CONCUR_AUTH_BIN: fakeBin });
    assert.equal(out.code, 128 + os.constants.signals.SIGTERM);
    out = await launch(BIN, ['status'], tmp.dir, { CONCUR_AUTH_BIN: tmp.file('nope') });
    assert.equal(out.code, 127);
    assert.match(out.stderr, /could not run/);
  } finally {
    tmp.cleanup();
  }
});

test("the launcher runs the binary of this platform's package, and says how to build without one", async () => {
  const platform = require(path.join(packageDir, 'platform.js'));
  const tmp = tempDir();
  try {
    // An installed layout: node_modules/concur-auth (the launcher) beside the platform package.
    const modules = tmp.file('node_modules');
    const main = path.join(modules, 'concur-auth');
    fs.mkdirSync(path.join(main, 'bin'), { recursive: true });
    fs.copyFileSync(BIN, path.join(main, 'bin', 'concur-auth.js'));
    fs.copyFileSync(path.join(packageDir, 'platform.js'), path.join(main, 'platform.js'));
    const launcher = path.join(main, 'bin', 'concur-auth.js');
    const noOverride = { CONCUR_AUTH_BIN: '' };

    let out = await launch(launcher, ['status'], tmp.dir, noOverride);
    assert.equal(out.code, 127);
    assert.match(out.stderr, new RegExp(`no ${platform.packageName} package`));
    assert.match(out.stderr, /npm run build:release/);

    const prebuilt = path.join(modules, platform.packageName);
    fs.mkdirSync(prebuilt);
    fs.writeFileSync(path.join(prebuilt, 'package.json'), JSON.stringify({ name: platform.packageName, version: '0.0.0' }));
    fs.writeFileSync(path.join(prebuilt, platform.cliFile), '#!/bin/sh\necho "prebuilt $*"\n', { mode: 0o755 });
    out = await launch(launcher, ['status'], tmp.dir, noOverride);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'prebuilt status\n');
  } finally {
    tmp.cleanup();
  }
});

test('the platform suffix follows napi-rs naming', () => {
  const { platformSuffix } = require(path.join(packageDir, 'platform.js'));
  assert.equal(platformSuffix('linux', 'x64', () => false), 'linux-x64-gnu');
  assert.equal(platformSuffix('linux', 'arm64', () => true), 'linux-arm64-musl');
  assert.equal(platformSuffix('darwin', 'arm64'), 'darwin-arm64');
  assert.equal(platformSuffix('win32', 'x64'), 'win32-x64-msvc');
});
