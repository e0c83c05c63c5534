// Where a token may go (issue 11): no hostile path, no full URL on another
// loopback host or port, no redirect and no 401 after a redirect delivers a
// token to a recording listener on 127.0.0.2 (or on another 127.0.0.1 port).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { lib, managerIn, repoDir, seededFolder, startFake } from './helpers.mjs';

const HOSTILE = JSON.parse(fs.readFileSync(path.join(repoDir, 'tests/token-destinations/hostile-inputs.json'), 'utf8'));

/** Counts connections and Authorization headers; answers 401, or 302 to `location`. */
async function listen(host, location) {
  const seen = { connections: 0, authorizations: 0 };
  const server = http.createServer((req, res) => {
    if (req.headers.authorization) seen.authorizations += 1;
    res.writeHead(location ? 302 : 401, { ...(location ? { location } : {}), connection: 'close' });
    res.end();
  });
  server.on('connection', () => {
    seen.connections += 1;
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = server.address();
  return { seen, port, authority: `${host}:${port}`, close: () => new Promise((r) => server.close(r)) };
}

let fake;
let tmp;
let m;
let thief;
let otherPort;
before(async () => {
  fake = await startFake();
  ({ tmp } = await seededFolder(fake));
  m = managerIn(tmp, fake.url);
  await m.accessToken();
  thief = await listen('127.0.0.2');
  otherPort = await listen('127.0.0.1');
});
after(async () => {
  await thief.close();
  await otherPort.close();
  await fake.stop();
  tmp.cleanup();
});

function hostileInputs() {
  const fills = {
    '{thief}': thief.authority,
    '{thiefport}': String(thief.port),
    '{loop}': otherPort.authority,
    '{loopport}': String(otherPort.port),
    '{fake}': fake.url.replace('http://', ''),
  };
  return HOSTILE.inputs.map((input) =>
    Object.entries(fills).reduce((text, [key, value]) => text.split(key).join(value), input),
  );
}

function assertUntouched() {
  assert.deepEqual(thief.seen, { connections: 0, authorizations: 0 }, '127.0.0.2 was reached');
  assert.deepEqual(otherPort.seen, { connections: 0, authorizations: 0 }, 'another port was reached');
}

test('request(), apiUrl() and fetch() never send a token off the geolocation', async () => {
  const inputs = hostileInputs();
  assert.ok(inputs.length >= 50);
  let refused = 0;
  for (const input of inputs) {
    for (const call of [() => m.request('GET', input), () => m.apiUrl(input), () => m.fetch(input)]) {
      try {
        const res = await call();
        if (res && typeof res.arrayBuffer === 'function') await res.arrayBuffer();
        if (typeof res === 'string') assert.ok(res.startsWith(`${fake.url}/`), `${JSON.stringify(input)} → ${res}`);
      } catch (err) {
        assert.ok(err instanceof lib.ConcurAuthError, `${JSON.stringify(input)}: ${err}`);
        refused += 1;
      }
    }
  }
  assert.ok(refused >= 3 * 45, `only ${refused} refusals`);
  assertUntouched();
});

test('loopback is not a wildcard: another port or loopback host is refused', async () => {
  for (const url of [`http://localhost:${otherPort.port}/`, `http://${otherPort.authority}/`, `http://${thief.authority}/`]) {
    await assert.rejects(m.fetch(url), lib.HostNotAllowedError);
    await assert.rejects(m.apiUrl(url), lib.HostNotAllowedError);
  }
  assertUntouched();
});

test('a redirect to a refused host that answers 401 gets no token, not even a refreshed one', async () => {
  const redirector = await listen('127.0.0.1', `http://${thief.authority}/steal`);
  const allowed = managerIn(tmp, fake.url, { allowedHosts: ['localhost'] });
  try {
    const before = await fake.counters();
    const res = await allowed.fetch(`http://localhost:${redirector.port}/x`, { redirect: 'follow' });
    assert.equal(res.status, 401);
    await res.arrayBuffer();
    const manual = await allowed.fetch(`http://localhost:${redirector.port}/x`);
    assert.equal(manual.status, 302);
    assert.equal(redirector.seen.authorizations, 2, 'the allowed host got the token');
    assert.equal(thief.seen.authorizations, 0);
    assert.equal(thief.seen.connections, 1, 'followed once, without the token');
    assert.equal((await fake.counters()).refresh_grants, before.refresh_grants, 'no refresh for a foreign 401');
    await assert.rejects(
      allowed.fetch(`http://localhost:${redirector.port}/x`, { redirect: 'error' }),
      TypeError,
    );
  } finally {
    thief.seen.connections = 0;
    await redirector.close();
  }
});
