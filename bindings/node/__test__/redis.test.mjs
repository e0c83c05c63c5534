// redis:// store locations from Node: the same one string as the CLI, C and
// Python, against a real redis-server (CONCUR_TEST_REDIS_SERVER, set by
// scripts/test-node.sh).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';

import { lib, FAKE, startFake, sleep } from './helpers.mjs';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startRedis() {
  const binary = process.env.CONCUR_TEST_REDIS_SERVER;
  assert.ok(binary, 'CONCUR_TEST_REDIS_SERVER must name redis-server (scripts/test-node.sh sets it)');
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i += 1) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}/0`, stop: () => child.kill() };
    await sleep(50);
  }
  child.kill();
  throw new Error('redis-server did not start');
}

describe('redis:// store', () => {
  let fake;
  let redis;
  before(async () => {
    fake = await startFake();
    redis = await startRedis();
  });
  after(async () => {
    redis?.stop();
    await fake?.stop();
  });

  test('two managers share tokens through Redis', async () => {
    const { request_token: requestToken } = await fake.admin('POST', 'request-token');
    const base = { clientId: FAKE.clientId, clientSecret: FAKE.clientSecret, baseUrl: fake.url, store: redis.url };
    const first = new lib.TokenManager({ ...base, companyUuid: FAKE.companyUuid, requestToken });
    const status = await first.exchangeRequestToken();
    assert.match(status.store, /^redis 127\.0\.0\.1:/);
    const token = await first.accessToken();
    const before = (await fake.admin('GET', 'counters')).token_requests;
    const second = new lib.TokenManager(base);
    assert.equal(await second.accessToken(), token);
    assert.equal((await fake.admin('GET', 'counters')).token_requests, before);
  });

  test('an unreachable Redis is a StoreError without the password', async () => {
    const port = await freePort();
    const m = new lib.TokenManager({
      clientId: FAKE.clientId,
      clientSecret: FAKE.clientSecret,
      baseUrl: fake.url,
      store: `redis://:sekret-pw@127.0.0.1:${port}/0`,
    });
    await assert.rejects(m.accessToken(), (err) => {
      assert.ok(err instanceof lib.StoreError, String(err));
      assert.ok(!String(err.message).includes('sekret-pw'));
      return true;
    });
  });
});
