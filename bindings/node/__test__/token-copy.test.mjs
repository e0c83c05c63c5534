// accessToken() and cachedAccessToken() serve a copy of the token's string kept
// on the JavaScript side (issue 17): these tests fail if that copy is ever
// served after the core's token changed, or past the stale instant.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import util from 'node:util';
import { after, before, test } from 'node:test';

import { FAKE, lib, managerIn, seededFolder, sleep, startFake } from './helpers.mjs';

const USERS = '/profile/identity/v4/Users/';

let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

// Tokens are compared with these: a failing assert.equal would print them.
function same(actual, expected, message) {
  assert.ok(actual === expected, message);
}
function differ(actual, other, message) {
  assert.ok(typeof actual === 'string' && actual !== other, message);
}

/** A manager whose first accessToken() refreshed: its copy is kept from the second call on. */
async function warmManager(options = {}) {
  const { tmp } = await seededFolder(fake);
  const m = managerIn(tmp, fake.url, options);
  const token = await m.accessToken();
  same(await m.accessToken(), token, 'the second call gives the first token');
  same(m.cachedAccessToken(), token, 'cachedAccessToken() gives it too');
  return { tmp, m, token };
}

/**
 * A manager holding a fresh access token that turns stale in about 2 s (the
 * default leeway of 300 s, 302 s left), adopted from the token file; resolves
 * with `untilStale()`, which sleeps just past the stale instant.
 */
async function turningStale(options = {}) {
  const { tmp, record } = await seededFolder(fake);
  const staleAt = Math.floor(Date.now() / 1000) + 2;
  record.access_token_expires_at = staleAt + 300;
  record.expires_in = 3600;
  fs.writeFileSync(tmp.file('refreshTokenObjectFile.json'), JSON.stringify(record), { mode: 0o600 });
  const m = managerIn(tmp, fake.url, options);
  const token = record.access_token;
  same(await m.accessToken(), token, 'the stored fresh token is adopted');
  same(await m.accessToken(), token, 'and kept');
  await fake.resetCounters();
  const untilStale = () => sleep(Math.max(0, staleAt * 1000 - Date.now()) + 50);
  return { tmp, m, token, untilStale };
}

test('after forceRefresh the next accessToken() and cachedAccessToken() give the new token', async () => {
  const { tmp, m, token } = await warmManager();
  try {
    const forced = await m.forceRefresh();
    differ(forced, token, 'forceRefresh gave a new token');
    same(await m.accessToken(), forced, 'accessToken() gives the forced token');
    same(m.cachedAccessToken(), forced, 'cachedAccessToken() gives the forced token');
    const again = await m.forceRefresh();
    same(m.cachedAccessToken(), again, 'cachedAccessToken() first, after the second forced refresh');
    same(await m.accessToken(), again, 'then accessToken()');
  } finally {
    tmp.cleanup();
  }
});

test('a 401 renewal (fetch → replaceRejected) is what the next accessToken() gives', async () => {
  const { tmp, m, token } = await warmManager();
  try {
    await fake.admin('POST', 'expire-access-tokens');
    const res = await m.fetch(USERS);
    assert.equal(res.status, 200);
    const renewed = await m.accessToken();
    differ(renewed, token, 'the rejected token is not served from the copy');
    same(m.cachedAccessToken(), renewed, 'cachedAccessToken() gives the replacement');
    // replaceRejected() called directly, by an adapter of its own.
    const { tmp: tmp2, m: m2, token: token2 } = await warmManager();
    try {
      const replaced = await m2.replaceRejected(token2);
      differ(replaced, token2, 'a replacement');
      same(await m2.accessToken(), replaced, 'accessToken() gives the replacement');
    } finally {
      tmp2.cleanup();
    }
  } finally {
    tmp.cleanup();
  }
});

test('a refresh started by another caller is seen by every later call', async () => {
  const { tmp, m, token } = await warmManager();
  try {
    // Many callers in flight while one of them forces a refresh.
    const before = Array.from({ length: 50 }, () => m.accessToken());
    const forced = m.forceRefresh();
    const results = await Promise.all(before);
    assert.ok(results.every((t) => t === token), 'the calls made before the refresh got the token in hand');
    const fresh = await forced;
    const after = await Promise.all(Array.from({ length: 50 }, () => m.accessToken()));
    assert.ok(after.every((t) => t === fresh), 'every later call gets the refreshed token');
  } finally {
    tmp.cleanup();
  }
});

test('past the stale instant a call reaches the core, which starts the one background refresh', async () => {
  const { tmp, m, token, untilStale } = await turningStale();
  try {
    for (let i = 0; i < 100; i += 1) same(await m.accessToken(), token, 'fresh: the token in hand');
    assert.equal((await fake.counters()).refresh_grants, 0, 'fresh: served from the copy, no refresh');
    await untilStale();
    same(await m.accessToken(), token, 'stale: the token in hand is served at once');
    const deadline = Date.now() + 30000;
    let renewed = token;
    while (renewed === token) {
      assert.ok(Date.now() < deadline, 'no background refresh started past the stale instant');
      await sleep(20);
      renewed = await m.accessToken();
    }
    assert.equal((await fake.counters()).refresh_grants, 1, 'one background refresh');
    same(m.cachedAccessToken(), renewed, 'the renewed token is kept');
  } finally {
    tmp.cleanup();
  }
});

test('cachedAccessToken() past the stale instant also starts the background refresh', async () => {
  const { tmp, m, token, untilStale } = await turningStale();
  try {
    await untilStale();
    same(m.cachedAccessToken(), token, 'stale: the token in hand');
    const deadline = Date.now() + 30000;
    while ((await fake.counters()).refresh_grants === 0) {
      assert.ok(Date.now() < deadline, 'no background refresh started');
      await sleep(20);
    }
  } finally {
    tmp.cleanup();
  }
});

test("a fake clock installed after loading (a test's fake timers) does not keep the copy past the real stale instant", async () => {
  const { tmp, m, token, untilStale } = await turningStale();
  const realNow = Date.now;
  const frozen = realNow();
  try {
    Date.now = () => frozen; // frozen before the stale instant
    await untilStale();
    same(await m.accessToken(), token, 'stale: the token in hand');
    const deadline = realNow() + 30000;
    while ((await fake.counters()).refresh_grants === 0) {
      assert.ok(realNow() < deadline, 'the frozen clock kept the call from the core: no background refresh');
      await sleep(20);
      await m.accessToken();
    }
  } finally {
    Date.now = realNow;
    tmp.cleanup();
  }
});

test('in strict mode nothing is served past the stale instant: the call waits for the refresh', async () => {
  const { tmp, m, token, untilStale } = await turningStale({ strict: true });
  try {
    await untilStale();
    differ(await m.accessToken(), token, 'strict: the call waited for a new token');
    assert.equal((await fake.counters()).refresh_grants, 1);
  } finally {
    tmp.cleanup();
  }
});

test('after revoke nothing is served from the copy', async () => {
  const { tmp, m } = await warmManager();
  try {
    await m.revoke();
    assert.ok(m.cachedAccessToken() === null, 'nothing is cached after revoke');
    await assert.rejects(m.accessToken(), lib.NotInitializedError);
  } finally {
    tmp.cleanup();
  }
});

test('a manager made with new TokenManager() (the JavaScript subclass) keeps its copy the same way', async () => {
  const { tmp } = await seededFolder(fake);
  try {
    const m = new lib.TokenManager({
      clientId: FAKE.clientId,
      clientSecret: FAKE.clientSecret,
      tokenFile: tmp.file('refreshTokenObjectFile.json'),
      baseUrl: fake.url,
    });
    const token = await m.accessToken();
    same(await m.accessToken(), token, 'kept');
    const forced = await m.forceRefresh();
    differ(forced, token, 'a new token');
    same(await m.accessToken(), forced, 'the forced token, not the kept one');
  } finally {
    tmp.cleanup();
  }
});

test('several managers keep copies of their own', async () => {
  const a = await warmManager();
  const b = await warmManager();
  // A third manager on a's token file: its own cache, its own copy.
  const c = managerIn(a.tmp, fake.url);
  try {
    differ(a.token, b.token, 'two refresh tokens, two access tokens');
    same(await c.accessToken(), a.token, "c adopts a's stored token");
    const forcedA = await a.m.forceRefresh();
    same(await a.m.accessToken(), forcedA, "a's forced token");
    same(await b.m.accessToken(), b.token, "a's refresh does not touch b");
    same(await c.accessToken(), a.token, 'c keeps the token it holds, as the core does');
    const forcedC = await c.forceRefresh();
    same(await c.accessToken(), forcedC, "c's forced token");
    same(await a.m.accessToken(), forcedA, "c's refresh does not touch a's copy");
  } finally {
    a.tmp.cleanup();
    b.tmp.cleanup();
  }
});

test('the copy shows nowhere: inspect (even without custom inspect), JSON, keys, symbols', async () => {
  const { tmp, m, token } = await warmManager();
  try {
    const shown = [
      util.inspect(m),
      util.inspect(m, { showHidden: true, customInspect: false, depth: Infinity, getters: true }),
      JSON.stringify(m),
      String(m),
      JSON.stringify(Object.getOwnPropertyNames(m)),
      String(Object.getOwnPropertySymbols(m).length),
      JSON.stringify(Reflect.ownKeys(Object.getPrototypeOf(Object.getPrototypeOf(m)))),
    ].join('\n');
    assert.ok(!shown.includes(token), 'the token shows');
    assert.deepEqual(Object.getOwnPropertySymbols(m), []);
    // The internal native methods are not on the public prototype.
    assert.equal(m.cachedAccessTokenUntil, undefined);
    assert.equal(m.tokenGeneration, undefined);
  } finally {
    tmp.cleanup();
  }
});

test('accessToken() called on something that is no manager rejects, as before', async () => {
  const { tmp, m } = await warmManager();
  try {
    await assert.rejects(m.accessToken.call({}));
    await assert.rejects(m.accessToken.call(undefined));
    assert.throws(() => m.cachedAccessToken.call(42));
  } finally {
    tmp.cleanup();
  }
});

test('a token changed in the store by another process is not adopted while this one is fresh, as in the core', async () => {
  const { tmp, m, token } = await warmManager();
  try {
    const record = JSON.parse(fs.readFileSync(tmp.file('refreshTokenObjectFile.json'), 'utf8'));
    const other = managerIn(tmp, fake.url);
    const forced = await other.forceRefresh();
    differ(forced, record.access_token, 'the other manager stored a new token');
    same(await m.accessToken(), token, 'this manager serves the still-fresh token it holds');
  } finally {
    tmp.cleanup();
  }
});
