// Shared bits of the Node benchmark programs. Loopback only; no token is ever printed.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const CLIENT_ID = 'fake-client-id';
export const CLIENT_SECRET = 'fake-client-secret-7Qx9';
export const TOKEN_PATH = '/oauth2/v0/token';
export const USERS_PATH = '/profile/identity/v4/Users/';

// A watchdog: every program here ends within 10 minutes whatever the server does.
setTimeout(() => {
  process.stderr.write('benchmark timed out after 10 minutes\n');
  process.exit(1);
}, 600_000).unref();

export function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(out['base-url'] ?? '')) throw new Error('--base-url must be http://127.0.0.1:PORT');
  if (!out.dir) throw new Error('--dir is required');
  return out;
}

export function files(dir) {
  return [path.join(dir, 'credentials.json'), path.join(dir, 'refreshTokenObjectFile.json')];
}

export function storedRecord(dir) {
  return JSON.parse(fs.readFileSync(files(dir)[1], 'utf8'));
}

/** The concur-auth package: the release build scripts/bench.sh assembles, named by $CONCUR_AUTH_NODE. */
export async function concurAuth() {
  const where = process.env.CONCUR_AUTH_NODE;
  if (!where) throw new Error('CONCUR_AUTH_NODE is not set (scripts/bench.sh sets it)');
  return import(where);
}

export function tutorialStyle() {
  return require('../peers/tutorial_style.js');
}

export function simpleOauth2(base) {
  const { AuthorizationCode } = require('simple-oauth2');
  return new AuthorizationCode({
    client: { id: CLIENT_ID, secret: CLIENT_SECRET },
    auth: { tokenHost: base, tokenPath: TOKEN_PATH },
    options: { authorizationMethod: 'body' },
  });
}

export function emit(fields) {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}

export async function tokenRequests(base) {
  const res = await fetch(`${base}/_admin/counters`);
  return (await res.json()).token_requests;
}

export async function waitUntilStale(manager, limitMs = 30000) {
  const deadline = Date.now() + limitMs;
  while (manager.cachedAccessToken() !== null) {
    if (Date.now() > deadline) throw new Error('the cached token did not turn stale; is access_token_ttl_secs short?');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length, Math.max(1, Math.ceil(sorted.length * p))) - 1;
  return sorted[i];
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** `concurrency` async loops call `call` until the time or the count runs out. */
export async function runLoops(call, concurrency, seconds, maxRequests) {
  const deadline = performance.now() + seconds * 1000;
  let issued = 0;
  let errors = 0;
  const latencies = [];
  const started = performance.now();
  const loop = async () => {
    while (performance.now() < deadline && issued++ < maxRequests) {
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await call();
      } catch {
        ok = false; // counted, never printed
      }
      if (ok) latencies.push((performance.now() - t0) * 1000);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    requests: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50_us: percentile(latencies, 0.5),
    p99_us: percentile(latencies, 0.99),
  };
}
