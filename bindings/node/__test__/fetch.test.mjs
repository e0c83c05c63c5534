// concurFetch / manager.fetch: bearer header, geolocation, host policy, and
// one refresh-and-retry on 401 shared by concurrent callers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { lib, managerIn, seededFolder, startFake } from './helpers.mjs';

const USERS = '/profile/identity/v4/Users/';
let fake;
let tmp;
let m;
before(async () => {
  fake = await startFake();
  ({ tmp } = await seededFolder(fake));
  m = managerIn(tmp, fake.url);
});
after(async () => {
  await fake.stop();
  tmp.cleanup();
});

test('a path resolves under the geolocation and gets the bearer token', async () => {
  const res = await lib.concurFetch(m, USERS);
  assert.equal(res.status, 200);
  assert.ok(Array.isArray((await res.json()).Resources));
  const viaMethod = await m.fetch(new URL(`${fake.url}${USERS}`), { headers: { 'x-extra': '1' } });
  assert.equal(viaMethod.status, 200);
  await viaMethod.arrayBuffer();
});

test('a URL on a host not allowed is refused before anything is sent', async () => {
  const before = await fake.counters();
  await assert.rejects(lib.concurFetch(m, 'https://evil.example.com/steal'), lib.HostNotAllowedError);
  await assert.rejects(m.fetch('http://example.com/x'), lib.HostNotAllowedError);
  await assert.rejects(lib.concurFetch({}, USERS), lib.ConfigurationError);
  assert.deepEqual(await fake.counters(), before);
});

test('401 → one refresh → retried, shared by concurrent fetches', async () => {
  await m.accessToken();
  await fake.admin('POST', 'expire-access-tokens');
  await fake.resetCounters();
  // Slow replies keep all ten first requests in flight before any 401 comes
  // back, so each of them is rejected and retried once, whatever the timing.
  await fake.config({ latency_ms: 300 });
  let responses;
  try {
    responses = await Promise.all(Array.from({ length: 10 }, () => m.fetch(USERS)));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
  } finally {
    await fake.config({ latency_ms: 0 });
  }
  assert.ok(responses.every((r) => r.status === 200), responses.map((r) => r.status).join());
  const counters = await fake.counters();
  assert.equal(counters.refresh_grants, 1);
  assert.equal(counters.user_requests, 20);
});
