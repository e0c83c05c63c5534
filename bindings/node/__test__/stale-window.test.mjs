// The stale window (issue 17): between the stale instant (expiry - leeway) and
// the hard one (expiry - hardMargin), accessToken() resolves with the token in
// hand at once while one background refresh runs on the core's runtime.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';

import { managerIn, seededFolder, sleep, startFake } from './helpers.mjs';

let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

/** A folder whose access token is stale (120 s left: under the 300 s leeway, over the 30 s margin). */
async function staleFolder() {
  const { tmp, record } = await seededFolder(fake);
  record.access_token_expires_at = Math.floor(Date.now() / 1000) + 120;
  fs.writeFileSync(tmp.file('refreshTokenObjectFile.json'), JSON.stringify(record), { mode: 0o600 });
  await fake.resetCounters();
  return { tmp, record };
}

/** Calls accessToken() until it returns something other than `old`; every call must succeed. */
async function untilRenewed(m, old) {
  const deadline = Date.now() + 60000;
  for (;;) {
    const token = await m.accessToken();
    if (token !== old) return token;
    assert.ok(Date.now() < deadline, 'the background refresh never landed');
    await sleep(20);
  }
}

test('a stale-window call does not wait for a 2 s token endpoint, nor block the loop', async () => {
  const { tmp, record } = await staleFolder();
  try {
    await fake.fault('token', { kind: 'delay', ms: 2000 }, 1);
    const m = managerIn(tmp, fake.url);
    assert.equal((await m.status()).state, 'stale');
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
    }, 20);
    try {
      // Had any call waited for the refresh, it would hold the new token.
      for (let i = 0; i < 5; i += 1) {
        assert.equal(await m.accessToken(), record.access_token);
      }
      const renewed = await untilRenewed(m, record.access_token);
      assert.notEqual(renewed, record.access_token);
    } finally {
      clearInterval(timer);
    }
    // The 2 s refresh ran while the loop kept ticking (one tick per 20 ms).
    assert.ok(ticks >= 20, `the event loop ticked ${ticks} times`);
    assert.equal((await fake.counters()).refresh_grants, 1);
  } finally {
    tmp.cleanup();
  }
});

test('an outage inside the stale window fails no call, and one refresh lands after it', async () => {
  const { tmp, record } = await staleFolder();
  try {
    // Longer than one background refresh's retry budget: a later one succeeds.
    const outage = 6;
    await fake.fault('token', { kind: 'status', status: 503 }, outage);
    const m = managerIn(tmp, fake.url);
    const deadline = Date.now() + 60000;
    while ((await fake.counters()).refresh_grants < outage) {
      assert.equal(await m.accessToken(), record.access_token, 'the token in hand is served during the outage');
      assert.ok(Date.now() < deadline, 'the background refresh never tried again');
      await sleep(10);
    }
    const renewed = await untilRenewed(m, record.access_token);
    for (let i = 0; i < 20; i += 1) {
      assert.equal(await m.accessToken(), renewed);
    }
    assert.equal((await fake.counters()).refresh_grants, outage + 1, 'exactly one refresh landed');
  } finally {
    tmp.cleanup();
  }
});
