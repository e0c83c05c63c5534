// Row 2, Node: CALLERS concurrent callers at expiry → token requests made
// (the server's /_admin/counters before and after).
//   ours:           one TokenManager, a short-lived token left to go stale,
//                   then CALLERS accessToken() calls at once;
//   simple-oauth2:  an expired AccessToken, CALLERS concurrent
//                   `token.expired() && token.refresh()` (the documented pattern);
//   tutorial-style: CALLERS concurrent getBearerToken() of benches/peers/tutorial_style.js
//                   (read file, POST refresh grant, write file).
import * as c from './common.mjs';

const a = c.args();
const base = a['base-url'];
const callers = Math.max(1, Math.min(Number(a.callers ?? 1000), 5000));
const only = (a.only ?? 'ours,simple-oauth2,tutorial').split(',');

async function storm(impl, call) {
  const before = await c.tokenRequests(base);
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: callers }, () => call()));
  const elapsed = performance.now() - t0;
  const errors = results.filter((r) => r.status === 'rejected').length;
  c.emit({ row: 'storm', impl, callers, token_requests: (await c.tokenRequests(base)) - before, errors, elapsed_ms: elapsed });
}

if (only.includes('ours')) {
  const { TokenManager } = await c.concurAuth();
  const [creds, tokenFile] = c.files(a.dir);
  const manager = TokenManager.fromFiles(creds, tokenFile, { baseUrl: base });
  await manager.accessToken();
  await c.waitUntilStale(manager);
  await storm('ours-node', () => manager.accessToken());
}

if (only.includes('simple-oauth2')) {
  const record = c.storedRecord(a.dir);
  const client = c.simpleOauth2(base, a.dir);
  const token = client.createToken({
    access_token: record.access_token,
    refresh_token: record.refresh_token,
    token_type: 'Bearer',
    expires_at: new Date(Date.now() - 60000),
  });
  await storm('simple-oauth2', async () => (token.expired() ? token.refresh() : token));
}

if (only.includes('tutorial')) {
  const tutorial = c.tutorialStyle();
  await storm('tutorial-node', () => tutorial.getBearerToken(a.dir, base));
}
