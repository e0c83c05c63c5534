// Row 6, Node: read a whole paged user list (GET /profile/identity/v4/Users,
// startIndex/count, 100 a page) → records/s and peak RSS, one implementation
// per process (this program runs itself once per implementation).
//
// - ours: `for await (const user of manager.readList())`;
// - fetch: the loop users write by hand today — the global fetch with the
//   bearer header, startIndex advanced until totalResults.
// Every implementation touches each record (reads its userName) and keeps none.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { args as parseArgs, concurAuth, emit, files, storedRecord } from './common.mjs';

const IMPLS = ['ours-node', 'fetch'];
const PATH = '/profile/identity/v4/Users';
const argv = process.argv.slice(2);
const impl = argv.includes('--impl') ? argv.splice(argv.indexOf('--impl'), 2)[1] : null;
process.argv = [process.argv[0], process.argv[1], ...argv];
const opts = parseArgs();

const rssMib = () => process.resourceUsage().maxRSS / 1024; // KiB

async function measure(name, read) {
  const before = rssMib();
  const started = performance.now();
  const records = await read();
  const seconds = (performance.now() - started) / 1000;
  const peak = rssMib();
  emit({ row: 'list', impl: name, records, seconds, records_per_s: records / seconds, rss_mib: peak, rss_growth_mib: peak - before });
}

if (impl === null) {
  for (const name of IMPLS) {
    if (name === 'ours-node' && !process.env.CONCUR_AUTH_NODE) continue;
    process.stdout.write(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...argv, '--impl', name], { timeout: 300_000 }),
    );
  }
} else if (impl === 'ours-node') {
  const { TokenManager } = await concurAuth();
  const [creds, tokenFile] = files(opts.dir);
  const manager = TokenManager.fromFiles(creds, tokenFile, { baseUrl: opts['base-url'] });
  await manager.accessToken();
  await measure(impl, async () => {
    let n = 0;
    for await (const user of manager.readList(PATH)) if (user.userName) n += 1;
    return n;
  });
} else if (impl === 'fetch') {
  const token = storedRecord(opts.dir).access_token;
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  await measure(impl, async () => {
    let n = 0;
    let start = 1;
    for (;;) {
      const reply = await fetch(`${opts['base-url']}${PATH}?startIndex=${start}&count=100`, { headers });
      if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
      const body = await reply.json();
      const resources = body.Resources ?? [];
      for (const user of resources) if (user.userName) n += 1;
      start += resources.length;
      if (resources.length === 0 || start > body.totalResults) return n;
    }
  });
} else {
  throw new Error(`unknown implementation ${impl}`);
}
