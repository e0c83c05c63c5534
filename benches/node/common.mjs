// Shared bits of the Node benchmark programs. Loopback only; no token is ever printed.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

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

/** The app's client id and secret, from the credentials.json the script seeded in `dir` (fake-concur's fixture). */
export function clientCredentials(dir) {
  const creds = JSON.parse(fs.readFileSync(files(dir)[0], 'utf8'));
  return { id: creds.appID, secret: creds.clientSecret };
}

export function simpleOauth2(base, dir) {
  const { AuthorizationCode } = require('simple-oauth2');
  return new AuthorizationCode({
    client: clientCredentials(dir),
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

/** One call to fake-concur's admin API (loopback only); the JSON reply, or null. */
export async function admin(base, method, route, body) {
  const res = await fetch(`${base}/_admin/${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`admin ${method} ${route}: HTTP ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/**
 * Latencies in ns, log-linear buckets (16 per power of two: a percentile is
 * the upper edge of its bucket, at most 1/16 above the true value); the count
 * and the maximum are exact. Constant memory whatever the number of calls.
 */
export class Histogram {
  constructor() {
    this.buckets = new Float64Array(64 * 16);
    this.count = 0;
    this.max = 0;
  }

  static index(ns) {
    const v = Math.max(0, Math.floor(ns));
    if (v < 16) return v;
    const e = Math.floor(Math.log2(v));
    return (e - 3) * 16 + Math.floor(v / 2 ** (e - 4)) - 16;
  }

  static upper(i) {
    if (i < 16) return i;
    const e = Math.floor(i / 16) + 3;
    const sub = i % 16;
    return (16 + sub + 1) * 2 ** (e - 4) - 1;
  }

  record(ns) {
    this.buckets[Math.min(Histogram.index(ns), this.buckets.length - 1)] += 1;
    this.count += 1;
    if (ns > this.max) this.max = ns;
  }

  percentile(p) {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(this.count * p));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return Math.min(Histogram.upper(i), this.max);
    }
    return this.max;
  }

  summary(prefix) {
    return {
      [`${prefix}_calls`]: this.count,
      [`${prefix}_p50_ns`]: this.percentile(0.5),
      [`${prefix}_p99_ns`]: this.percentile(0.99),
      [`${prefix}_max_ns`]: this.count ? this.max : null,
    };
  }
}
