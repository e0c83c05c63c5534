// Row 4, Node: authenticated GET /profile/identity/v4/Users/ on loopback,
// CONCURRENCY async loops for SECONDS → requests/s, p50, p99 (µs).
//   ours:           await manager.request('GET', path)
//   node-https:     Node's http module, the token fetched once and reused,
//                   a keep-alive agent (a careful hand-written client)
//   tutorial-node:  CallingAPIs.js per call, as pipelines copy it: read the
//                   file, POST the refresh grant, write the file, then GET
//                   (benches/peers/tutorial_style.js)
// Every implementation reads the whole body and checks for 200; none parses it.
import http from 'node:http';
import * as c from './common.mjs';

const a = c.args();
const base = a['base-url'];
const seconds = Math.max(0.5, Math.min(Number(a.seconds ?? 5), 60));
const maxRequests = Number(a['max-requests'] ?? 2000000);
const levels = (a.concurrency ?? '1,32').split(',').map((n) => Math.max(1, Math.min(Number(n), 256)));
const only = (a.only ?? 'ours,node-https,tutorial').split(',');

async function run(impl, call) {
  for (const conc of levels) {
    c.emit({ row: 'throughput', impl, ...(await c.runLoops(call, conc, seconds, maxRequests)) });
  }
}

if (only.includes('ours')) {
  const { TokenManager } = await c.concurAuth();
  const [creds, tokenFile] = c.files(a.dir);
  const manager = TokenManager.fromFiles(creds, tokenFile, { baseUrl: base });
  if ((await manager.request('GET', c.USERS_PATH)).status !== 200) throw new Error('warm-up failed');
  await run('ours-node', async () => (await manager.request('GET', c.USERS_PATH)).status === 200);
}

if (only.includes('node-https')) {
  const token = c.storedRecord(a.dir).access_token;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const tutorial = c.tutorialStyle();
  const get = async () => {
    const res = await tutorial.send(`${base}${c.USERS_PATH}`, {
      method: 'GET', agent,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    return res.status === 200;
  };
  if (!(await get())) throw new Error('warm-up failed');
  await run('node-https', get);
  agent.destroy();
}

if (only.includes('tutorial')) {
  const tutorial = c.tutorialStyle();
  if ((await tutorial.callingApis(a.dir, base)) !== 200) throw new Error('warm-up failed');
  await run('tutorial-node', async () => (await tutorial.callingApis(a.dir, base)) === 200);
}
