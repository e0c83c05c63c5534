// Row 1, Node: ns per call of the hot path, a valid cached access token.
//   ours:          await manager.accessToken()     (a Promise per call: see the floor)
//   ours (sync):   manager.cachedAccessToken()
//   floor:         await of an async function returning a string (no library at all)
//   simple-oauth2: accessToken.expired()           (synchronous)
// Each figure is the median of ROUNDS rounds of CALLS calls, timed with
// process.hrtime.bigint(). Nothing touches the network.
import * as c from './common.mjs';

const a = c.args();
const calls = Math.max(1, Math.min(Number(a.calls ?? 500000), 10000000));
const rounds = Math.max(1, Math.min(Number(a.rounds ?? 5), 50));

async function measure(body) {
  await body(Math.min(calls, 10000)); // warm-up (JIT)
  const per = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    await body(calls);
    per.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  return { ns_per_call: c.median(per), best_ns: Math.min(...per), calls_per_round: calls, rounds };
}

let sink = 0;
const only = (a.only ?? 'ours,floor,simple-oauth2').split(',');

if (only.includes('ours')) {
  const { TokenManager } = await c.concurAuth();
  const [creds, tokenFile] = c.files(a.dir);
  const manager = TokenManager.fromFiles(creds, tokenFile, { baseUrl: a['base-url'] });
  await manager.accessToken(); // adopts the stored record
  c.emit({ row: 'hot_path', impl: 'ours-node', ...(await measure(async (n) => {
    for (let i = 0; i < n; i++) sink += (await manager.accessToken()).length;
  })) });
  c.emit({ row: 'hot_path', impl: 'ours-node-sync', ...(await measure(async (n) => {
    for (let i = 0; i < n; i++) sink += manager.cachedAccessToken().length;
  })) });
}

if (only.includes('floor')) {
  const value = 'x'.repeat(600);
  const resolveString = async () => value;
  c.emit({ row: 'hot_path', impl: 'node-promise-floor', ...(await measure(async (n) => {
    for (let i = 0; i < n; i++) sink += (await resolveString()).length;
  })) });
}

if (only.includes('simple-oauth2')) {
  const record = c.storedRecord(a.dir);
  const client = c.simpleOauth2(a['base-url'], a.dir);
  const token = client.createToken({
    access_token: record.access_token,
    refresh_token: record.refresh_token,
    token_type: 'Bearer',
    expires_in: 3600,
  });
  if (token.expired()) throw new Error('simple-oauth2 token should be valid');
  c.emit({ row: 'hot_path', impl: 'simple-oauth2', ...(await measure(async (n) => {
    for (let i = 0; i < n; i++) sink += token.expired() ? 1 : 0;
  })) });
}

if (sink === -1) console.error('unreachable');
