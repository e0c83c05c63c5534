// Single flight: many callers at expiry cause exactly one refresh, in one
// thread (1000 concurrent accessToken()) and across worker_threads sharing one
// token file (the core's file lock, reload and adopt).
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { after, before, test } from 'node:test';

import { managerIn, packageDir, seedExpiredAccessToken, startFake, tempDir, writeCredentials } from './helpers.mjs';

let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

function setup() {
  const tmp = tempDir();
  writeCredentials(tmp.file('credentials.json'));
  return tmp;
}

test('1000 concurrent accessToken() calls at expiry → 1 refresh', async () => {
  const tmp = setup();
  try {
    const seeded = await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
    const m = managerIn(tmp, fake.url);
    await fake.resetCounters();
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => m.accessToken()));
    const distinct = new Set(tokens);
    assert.equal(distinct.size, 1);
    assert.notEqual(tokens[0], seeded.access_token);
    const counters = await fake.counters();
    assert.equal(counters.refresh_grants, 1);
    assert.equal(counters.token_requests, 1);
    // …and the next 1000 are served from memory.
    const again = await Promise.all(Array.from({ length: 1000 }, () => m.accessToken()));
    assert.ok(again.every((t) => t === tokens[0]));
    assert.equal((await fake.counters()).token_requests, 1);
  } finally {
    tmp.cleanup();
  }
});

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const lib = require(workerData.packageDir);
const gate = new Int32Array(workerData.gate);
const m = lib.TokenManager.fromFiles(workerData.credentials, workerData.tokenFile, { baseUrl: workerData.url });
Atomics.add(gate, 1, 1);
Atomics.wait(gate, 0, 0); // every worker starts at once
Promise.all(Array.from({ length: workerData.calls }, () => m.accessToken())).then(
  (tokens) => parentPort.postMessage({ tokens: [...new Set(tokens)] }),
  (err) => parentPort.postMessage({ error: String(err && err.message), code: err && err.code }),
);
`;

test('worker_threads sharing one token file at expiry → 1 refresh', async () => {
  const tmp = setup();
  try {
    const seeded = await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
    await fake.resetCounters();
    const gate = new SharedArrayBuffer(8);
    const gateView = new Int32Array(gate);
    const workers = Array.from(
      { length: 4 },
      () =>
        new Worker(WORKER, {
          eval: true,
          workerData: {
            packageDir,
            gate,
            calls: 50,
            url: fake.url,
            credentials: tmp.file('credentials.json'),
            tokenFile: tmp.file('refreshTokenObjectFile.json'),
          },
        }),
    );
    const results = workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    while (Atomics.load(gateView, 1) < workers.length) await new Promise((r) => setTimeout(r, 5));
    Atomics.store(gateView, 0, 1);
    Atomics.notify(gateView, 0);
    const outcomes = await Promise.all(results);
    await Promise.all(workers.map((w) => w.terminate()));
    for (const outcome of outcomes) assert.equal(outcome.error, undefined, outcome.error);
    const tokens = new Set(outcomes.flatMap((o) => o.tokens));
    assert.equal(tokens.size, 1, 'every worker got the same access token');
    assert.ok(!tokens.has(seeded.access_token));
    assert.equal((await fake.counters()).refresh_grants, 1);
  } finally {
    tmp.cleanup();
  }
});
