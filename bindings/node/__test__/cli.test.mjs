// `npx concur-auth`: the JavaScript subset (CONCUR_AUTH_BIN=builtin), its
// parity with the Rust command when that is built, and the hand-over to a
// binary (arguments, output and exit code passed through).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { leaked, managerIn, packageDir, require, startFake, tempDir, writeCredentials } from './helpers.mjs';

const BIN = path.join(packageDir, 'bin', 'concur-auth.js');
const { findBinary, REPO_BINARY } = require(BIN);
let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

function cli(args, cwd, env = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, CONCUR_AUTH_BIN: 'builtin', CONCUR_BASE_URL: fake.url, ...env }, timeout: 60000 },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

test('builtin init, exchange, status, token, call, revoke', async () => {
  const tmp = tempDir();
  try {
    let out = await cli(['init'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(fs.statSync(tmp.file('credentials.json')).mode & 0o777, 0o600);
    out = await cli(['init'], tmp.dir);
    assert.equal(out.code, 3, 'never overwrites: a configuration error');
    assert.match(out.stderr, /^concur-auth: error: .*already exists/);
    const { request_token: requestToken } = await fake.admin('POST', 'request-token');
    writeCredentials(tmp.file('credentials.json'), { companyRequestToken: requestToken });

    out = await cli(['status'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /initialized: +no/);
    assert.equal((await cli(['token'], tmp.dir)).code, 5, 'not initialized');

    out = await cli(['exchange'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /initialized: +yes/);
    assert.equal((await cli(['exchange'], tmp.dir)).code, 4, 'the request token works once');

    out = await cli(['status', '--json'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    const status = JSON.parse(out.stdout);
    assert.equal(status.initialized, true);
    assert.equal(status.geolocation, fake.url);

    out = await cli(['token'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    const token = out.stdout.trim();
    assert.equal(token, await managerIn(tmp, fake.url).accessToken());

    out = await cli(['call', 'GET', '/profile/identity/v4/Users/'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.ok(Array.isArray(JSON.parse(out.stdout).Resources));
    out = await cli(['call', 'GET', '/profile/identity/v4/Nope'], tmp.dir);
    assert.equal(out.code, 10);
    assert.match(out.stderr, /HTTP 404/);
    assert.equal((await cli(['call', 'POST', '/x', '--data', '{nope'], tmp.dir)).code, 3);

    // Only `token` prints a secret.
    const secrets = [...(await fake.secrets()), token];
    for (const args of [['status'], ['status', '--json'], ['call', 'GET', '/profile/identity/v4/Users/']]) {
      out = await cli(args, tmp.dir);
      assert.deepEqual(leaked(out.stdout + out.stderr, secrets), [], args.join(' '));
    }

    out = await cli(['revoke'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(fs.existsSync(tmp.file('refreshTokenObjectFile.json')), false);
    out = await cli(['token'], tmp.dir);
    assert.equal(out.code, 5);
  } finally {
    tmp.cleanup();
  }
});

test('builtin options, usage errors (exit 2) and the store location', async () => {
  const tmp = tempDir();
  try {
    assert.equal((await cli([], tmp.dir)).code, 2);
    assert.equal((await cli(['frobnicate'], tmp.dir)).code, 2);
    assert.equal((await cli(['status', '--bogus'], tmp.dir)).code, 2);
    assert.equal((await cli(['call', 'GET'], tmp.dir)).code, 2);
    assert.equal((await cli(['--help'], tmp.dir)).code, 0);
    assert.equal((await cli(['demo'], tmp.dir)).code, 1);
    writeCredentials(tmp.file('creds.json'));
    let out = await cli(['--credentials', 'creds.json', '--token-file=t.json', 'status', '--json'], tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(JSON.parse(out.stdout).store, /t\.json$/);
    out = await cli(['--credentials', 'creds.json', 'status', '--json'], tmp.dir, { CONCUR_STORE: 'memory:' });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).initialized, false);
    out = await cli(['--credentials', 'creds.json', '--base-url', 'http://example.com', 'token'], tmp.dir);
    assert.equal(out.code, 8, 'plain HTTP to a non-loopback host is refused');
    out = await cli(['--credentials', 'missing.json', 'token'], tmp.dir);
    assert.equal(out.code, 3);
    assert.match(out.stderr, /missing\.json not found/);
  } finally {
    tmp.cleanup();
  }
});

// The same command lines through the Rust binary and the subset: same exit
// codes and the same JSON. The Rust CLI must be built (scripts/test-node.sh
// builds it and names it in CONCUR_AUTH_CLI_BIN).
const rust = process.env.CONCUR_AUTH_CLI_BIN || REPO_BINARY;
test('the subset matches the Rust concur-auth command', async () => {
  assert.ok(fs.existsSync(rust), `the Rust CLI is not built at ${rust}: cargo build -p concur-auth-cli`);
  const dirs = { builtin: tempDir(), rust: tempDir() };
  try {
    const results = { builtin: [], rust: [] };
    for (const [side, tmp] of Object.entries(dirs)) {
      const env = side === 'rust' ? { CONCUR_AUTH_BIN: rust } : {};
      const { request_token: requestToken } = await fake.admin('POST', 'request-token');
      const run = async (args) => {
        const out = await cli(args, tmp.dir, env);
        results[side].push({ args: args.join(' '), code: out.code, out });
        return out;
      };
      await run(['token']);
      await run(['init']);
      await run(['init']);
      writeCredentials(tmp.file('credentials.json'), { companyRequestToken: requestToken });
      await run(['exchange']);
      await run(['exchange']);
      await run(['token']);
      await run(['status', '--json']);
      await run(['call', 'GET', '/profile/identity/v4/Users/']);
      await run(['call', 'GET', '/profile/identity/v4/Nope']);
      await run(['revoke']);
      await run(['token']);
      await run(['frobnicate']);
    }
    const codes = (side) => results[side].map((r) => `${r.args} → ${r.code}`);
    assert.deepEqual(codes('builtin'), codes('rust'));
    const pick = (side, args) => results[side].find((r) => r.args === args).out.stdout;
    const normalise = (text) => {
      const s = JSON.parse(text);
      for (const key of ['access_token_expires_at', 'refresh_token_expires_at', 'refresh_token_days_left', 'store']) delete s[key];
      return s;
    };
    assert.deepEqual(normalise(pick('builtin', 'status --json')), normalise(pick('rust', 'status --json')));
    const users = (side) => JSON.parse(pick(side, 'call GET /profile/identity/v4/Users/'));
    assert.deepEqual(users('builtin'), users('rust'));
  } finally {
    dirs.builtin.cleanup();
    dirs.rust.cleanup();
  }
});

test('a Rust binary is run with the arguments, its exit code passed through', async () => {
  const tmp = tempDir();
  try {
    const fakeBin = tmp.file('concur-auth');
    fs.writeFileSync(fakeBin, '#!/bin/sh\necho "rust-cli $*"\nexit 7\n', { mode: 0o755 });
    const out = await cli(['status', '--json'], tmp.dir, { CONCUR_AUTH_BIN: fakeBin });
    assert.equal(out.code, 7);
    assert.equal(out.stdout, 'rust-cli status --json\n');
    const missing = await cli(['status'], tmp.dir, { CONCUR_AUTH_BIN: tmp.file('nope') });
    assert.equal(missing.code, 127);
  } finally {
    tmp.cleanup();
  }
});

test('the binary is looked up: CONCUR_AUTH_BIN, the repo target, PATH (ELF only)', () => {
  assert.equal(findBinary({ CONCUR_AUTH_BIN: '/x/concur-auth' }), '/x/concur-auth');
  assert.equal(findBinary({ CONCUR_AUTH_BIN: 'builtin', PATH: '/usr/bin' }), null);
  assert.match(REPO_BINARY, /target\/x86_64-unknown-linux-gnu\/debug\/concur-auth$/);
  const tmp = tempDir();
  try {
    // A script named concur-auth on PATH (like npm's own shim) is not taken.
    fs.writeFileSync(tmp.file('concur-auth'), '#!/bin/sh\n', { mode: 0o755 });
    const found = findBinary({ PATH: tmp.dir });
    assert.ok(found === null || found === REPO_BINARY, String(found));
    // An ELF executable is (when the repo's own binary is not built).
    fs.copyFileSync(process.execPath, tmp.file('concur-auth'));
    fs.chmodSync(tmp.file('concur-auth'), 0o755);
    if (!fs.existsSync(REPO_BINARY)) assert.equal(findBinary({ PATH: tmp.dir }), tmp.file('concur-auth'));
  } finally {
    tmp.cleanup();
  }
});
