// tests/conformance/SCENARIOS.md, S1–S14, through the Node package. Each
// scenario gets a fresh fake-concur and a fresh folder with credentials.json;
// error outcomes are compared by `err.code`, as in every other language.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import util from 'node:util';
import { test } from 'node:test';

import {
  FAKE,
  leaked,
  lib,
  managerIn,
  seedExpiredAccessToken,
  startFake,
  tempDir,
  writeCredentials,
} from '../../../bindings/node/__test__/helpers.mjs';

const USERS = '/profile/identity/v4/Users/';

/** Runs `body(ctx)` with a fresh server and folder, then cleans both up. */
function scenario(name, body) {
  test(name, async () => {
    const fake = await startFake();
    const tmp = tempDir('concur-auth-conformance-');
    try {
      writeCredentials(tmp.file('credentials.json'));
      const tokenPath = tmp.file('refreshTokenObjectFile.json');
      await body({ fake, tmp, tokenPath, manager: () => managerIn(tmp, fake.url) });
    } finally {
      await fake.stop();
      tmp.cleanup();
    }
  });
}

async function failure(promise) {
  return promise.then(
    () => assert.fail('expected an error'),
    (err) => err,
  );
}

scenario('S1 exchange, then access token', async ({ fake, tokenPath, manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  assert.equal(fs.statSync(tokenPath).mode & 0o777, 0o600);
  const stored = JSON.parse(fs.readFileSync(tokenPath, 'utf8'));
  for (const field of ['refresh_token', 'refresh_expires_in', 'companyUUID']) assert.ok(field in stored, field);
  assert.equal((await fake.counters()).password_grants, 1);
  assert.ok((await m.accessToken()).length > 0);
  assert.equal((await fake.counters()).token_requests, 1);
});

scenario('S2 cached token', async ({ fake, manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  await m.accessToken();
  const before = (await fake.counters()).token_requests;
  await m.accessToken();
  assert.equal((await fake.counters()).token_requests, before);
});

scenario('S3 expired access token, 50+ concurrent callers', async ({ fake, tokenPath, manager }) => {
  await seedExpiredAccessToken(fake, tokenPath);
  const m = manager();
  const tokens = await Promise.all(Array.from({ length: 64 }, () => m.accessToken()));
  assert.equal(new Set(tokens).size, 1);
  assert.equal((await fake.counters()).refresh_grants, 1);
});

scenario('S4 wrong client secret', async ({ tmp, manager }) => {
  writeCredentials(tmp.file('credentials.json'), { clientSecret: 'not-the-secret-91' });
  const err = await failure(manager().exchangeRequestToken());
  assert.equal(err.code, 'auth');
  assert.equal(err.concurCode, 19);
  assert.equal(typeof err.correlationId, 'string');
  assert.ok(!err.message.includes('not-the-secret-91'));
});

scenario('S5 the request token used twice', async ({ tokenPath, manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  const before = fs.readFileSync(tokenPath);
  const err = await failure(m.exchangeRequestToken());
  assert.equal(err.code, 'auth');
  assert.equal(err.concurCode, 5);
  assert.deepEqual(fs.readFileSync(tokenPath), before);
});

scenario('S6 unknown refresh token in the file', async ({ fake, tokenPath, manager }) => {
  const record = await seedExpiredAccessToken(fake, tokenPath);
  fs.writeFileSync(tokenPath, JSON.stringify({ ...record, refresh_token: 'unknown-refresh-token' }));
  const before = fs.readFileSync(tokenPath);
  const err = await failure(manager().accessToken());
  assert.equal(err.code, 'refresh_token_expired');
  assert.ok(err instanceof lib.RefreshTokenExpiredError);
  assert.match(err.message, /company request token/);
  assert.deepEqual(fs.readFileSync(tokenPath), before);
});

scenario('S7 no token file', async ({ manager }) => {
  const err = await failure(manager().accessToken());
  assert.equal(err.code, 'not_initialized');
});

scenario('S8 token file holds garbage', async ({ tmp, tokenPath, manager }) => {
  fs.writeFileSync(tokenPath, 'garbage');
  const err = await failure(manager().accessToken());
  assert.equal(err.code, 'corrupt_store');
  const kept = fs.readdirSync(tmp.dir).find((f) => f.startsWith('refreshTokenObjectFile.json.corrupt-'));
  assert.ok(kept, 'kept aside');
  assert.equal(fs.readFileSync(tmp.file(kept), 'utf8'), 'garbage');
});

scenario('S9 Profile v4 call', async ({ manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  const res = await m.request('GET', USERS);
  assert.equal(res.status, 200);
  assert.ok(Array.isArray(res.json().Resources));
});

scenario('S10 API answers 503, 503, then 200', async ({ fake, manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  await fake.fault('api', { kind: 'status', status: 503 }, 2);
  assert.equal((await m.request('GET', USERS)).status, 200);
  assert.equal((await fake.counters()).user_requests, 3);
});

scenario('S11 status', async ({ fake, manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  const before = await fake.counters();
  const status = await m.status();
  assert.deepEqual(await fake.counters(), before, 'no network');
  assert.equal(status.initialized, true);
  assert.equal(typeof status.accessTokenExpiresAt, 'number');
  assert.equal(typeof status.refreshTokenExpiresAt, 'number');
  assert.equal(status.geolocation, fake.url);
  assert.deepEqual(leaked(JSON.stringify(status), await fake.secrets()), []);
});

scenario('S12 secrets never shown', async ({ fake, manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  const token = await m.accessToken();
  const err = await failure(m.exchangeRequestToken());
  const secrets = [...(await fake.secrets()), token, FAKE.clientSecret, FAKE.requestToken];
  for (const text of [
    util.inspect(m),
    JSON.stringify(m),
    String(m),
    util.inspect(await m.status()),
    err.message,
    String(err),
    util.inspect(err),
    err.stack,
  ]) {
    assert.deepEqual(leaked(text, secrets), [], text);
  }
});

scenario('S13 the server geolocation is https://evil.example.com', async ({ fake, manager }) => {
  await fake.config({ geolocation: 'https://evil.example.com' });
  const m = manager();
  const err = await failure(m.exchangeRequestToken());
  assert.equal(err.code, 'host_not_allowed');
  // Nothing was sent with a token afterwards (refresh or API call).
  await failure(m.request('GET', USERS));
  const counters = await fake.counters();
  assert.equal(counters.refresh_grants, 0);
  assert.equal(counters.user_requests, 0);
});

scenario('S14 revoke', async ({ fake, tokenPath, manager }) => {
  const m = manager();
  await m.exchangeRequestToken();
  await m.revoke();
  assert.equal(await fake.revoked(), true);
  assert.equal(fs.existsSync(tokenPath), false);
  const err = await failure(m.accessToken());
  assert.equal(err.code, 'not_initialized');
});
