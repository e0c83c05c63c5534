// Nothing blocks the event loop: a refresh that takes 2 s (fake latency) runs
// on the core's runtime while a setInterval timer keeps firing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { managerIn, seedExpiredAccessToken, startFake, tempDir, writeCredentials } from './helpers.mjs';

let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

async function whileTicking(work) {
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
  }, 20);
  const started = performance.now();
  try {
    const value = await work();
    return { value, ticks, elapsed: performance.now() - started };
  } finally {
    clearInterval(timer);
  }
}

test('a 2 s refresh does not block the loop', async (t) => {
  const tmp = tempDir();
  try {
    writeCredentials(tmp.file('credentials.json'));
    await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
    const m = managerIn(tmp, fake.url);
    await fake.config({ latency_ms: 2000 });
    const { value, ticks, elapsed } = await whileTicking(() => m.accessToken());
    assert.equal(typeof value, 'string');
    assert.ok(elapsed >= 1900, `the refresh took ${elapsed} ms`);
    // 2 s at one tick per 20 ms is ~100 ticks; a blocked loop would see 0 or 1.
    assert.ok(ticks >= 50, `only ${ticks} timer ticks in ${Math.round(elapsed)} ms`);
    t.diagnostic(`refresh: ${ticks} timer ticks (every 20 ms) in ${Math.round(elapsed)} ms`);

    // The same for an API call, and for the call that returns at once from
    // the cache (resolved without waiting for anything).
    const api = await whileTicking(() => m.request('GET', '/profile/identity/v4/Users/'));
    assert.equal(api.value.status, 200);
    assert.ok(api.ticks >= 50, `only ${api.ticks} ticks during the API call`);
    t.diagnostic(`API call: ${api.ticks} timer ticks in ${Math.round(api.elapsed)} ms`);
    const cached = await whileTicking(() => m.accessToken());
    assert.equal(cached.value, value);
    assert.ok(cached.elapsed < 500, `a cached token took ${cached.elapsed} ms`);
  } finally {
    await fake.config({ latency_ms: 0 });
    tmp.cleanup();
  }
});
