// Row 7, Node: 32 callers calling `await manager.accessToken()` continuously
// while the token is stale (issue 17). The script seeds DIR with an access
// token that has ~120 s left (stale at once with the default leeway of 300 s,
// expired at 30 s left); this program steers fake-concur itself.
//   --part slow:   the token endpoint answers after 2 s (config latency_ms);
//                  per-call latency while the seeded token is served (the
//                  stale window) and after the background refresh landed.
//   --part outage: the token endpoint answers 503 to the next --outage-grants
//                  refresh grants (12: about 10 s of the core's retries and
//                  backoff), then recovers, long before the hard expiry;
//                  errors, and the refresh grants refused / landed.
// The loops stop --after-seconds (2) after the first call that got the
// renewed token, or after 60 s.
// The first call (it reads the token file) is reported on its own; the first
// 250 ms of calls warm up (the JIT, the young heap's first growth) and are
// not timed.
// Loops yield to the event loop every 64 calls (outside the timed call) so
// that timers and the admin requests run. Prints one JSON line; never a token.
import * as c from './common.mjs';

const a = c.args();
const base = a['base-url'];
const part = a.part ?? 'slow';
const callers = Math.max(1, Math.min(Number(a.callers ?? 32), 1000));
const outageGrants = Math.max(1, Math.min(Number(a['outage-grants'] ?? 12), 100));
const afterSeconds = Math.max(0, Math.min(Number(a['after-seconds'] ?? 2), 30));
const limitSeconds = 60; // every part ends by then, renewed or not
const WARM_UP_MS = 250;
if (part !== 'slow' && part !== 'outage') throw new Error('--part must be slow or outage');

const { TokenManager } = await c.concurAuth();
const [creds, tokenFile] = c.files(a.dir);
const seeded = c.storedRecord(a.dir).access_token;
const manager = TokenManager.fromFiles(creds, tokenFile, { baseUrl: base });

await c.admin(base, 'POST', 'reset-counters');
if (part === 'slow') await c.admin(base, 'POST', 'config', { latency_ms: 2000 });
else await c.admin(base, 'POST', 'faults', { endpoint: 'token', count: outageGrants, fault: { kind: 'status', status: 503 } });

// The first call adopts the stored record (reads the token file) and starts
// the background refresh; it is reported on its own.
const first = process.hrtime.bigint();
if ((await manager.accessToken()) !== seeded) throw new Error('the seeded token should be served');
const firstCallNs = Number(process.hrtime.bigint() - first);

const stale = new c.Histogram(); // calls answered with the seeded (stale) token
const fresh = new c.Histogram(); // calls answered with the renewed token
let errors = 0;
let renewedAt = null;
const started = performance.now();
const warmUntil = process.hrtime.bigint() + BigInt(WARM_UP_MS * 1e6);
let stopAt = started + limitSeconds * 1000;

async function caller() {
  for (let i = 1; performance.now() < stopAt; i++) {
    const t0 = process.hrtime.bigint();
    let token;
    try {
      token = await manager.accessToken();
    } catch {
      errors += 1; // counted, never printed
      token = null;
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const timed = t0 >= warmUntil;
    if (token === seeded) {
      if (timed) stale.record(ns);
    } else if (token !== null) {
      if (timed) fresh.record(ns);
      if (renewedAt === null) {
        renewedAt = performance.now();
        stopAt = Math.min(stopAt, renewedAt + afterSeconds * 1000);
      }
    }
    if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

await Promise.all(Array.from({ length: callers }, caller));
if (part === 'slow') await c.admin(base, 'POST', 'config', { latency_ms: 0 });
else await c.admin(base, 'DELETE', 'faults');
const grants = (await c.admin(base, 'GET', 'counters')).refresh_grants;

const out = {
  row: 'stale_window',
  impl: 'ours-node',
  part,
  callers,
  errors,
  refresh_grants: grants,
  first_call_ns: firstCallNs,
  renewed_after_ms: renewedAt === null ? null : renewedAt - started,
  ...stale.summary('stale'),
  ...fresh.summary('fresh'),
};
if (part === 'slow') out.token_latency_ms = 2000;
else {
  out.outage_grants = outageGrants;
  out.failed_grants = Math.min(grants, outageGrants);
  out.landed_grants = Math.max(0, grants - outageGrants);
}
c.emit(out);
