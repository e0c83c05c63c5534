// The Node driver of the conformance table (tests/conformance/scenarios.json).
// Each scenario runs against a fresh fake-concur and a fresh folder and yields
// one outcome line; a test fails when its line differs from the table, and the
// lines go to $CONCUR_CONFORMANCE_OUT/node.txt for the cross-language
// comparison (scripts/test-conformance.sh). The step vocabulary is in SCENARIOS.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { managerIn, repoDir, startFake, tempDir } from '../../../bindings/node/__test__/helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const table = JSON.parse(fs.readFileSync(path.join(here, '..', 'scenarios.json'), 'utf8')).scenarios;
// How long `access_token_until_renewed` asks, and how often (ms).
const RENEWAL_WAIT_MS = 30_000;
const RENEWAL_POLL_MS = 20;
const outDir = process.env.CONCUR_CONFORMANCE_OUT || path.join(repoDir, 'target', 'conformance');

/** What one scenario has seen so far. */
class Run {
  constructor(fake, tmp) {
    this.fake = fake;
    this.tmp = tmp;
    this.tokenPath = tmp.file('refreshTokenObjectFile.json');
    this.manager = null;
    this.tokens = [];
    this.status = null;
    this.response = null;
    this.error = null;
    this.snapshot = null;
    this.written = null;
  }

  theManager() {
    this.manager ??= managerIn(this.tmp, this.fake.url);
    return this.manager;
  }

  async adminText(method, route, body) {
    const res = await fetch(this.fake.url + route, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`admin ${method} ${route}: HTTP ${res.status}`);
    return res.text();
  }

  /** A step that prepares the server or the folder; yields no outcome. */
  async prepare(step) {
    if (step.fixture) {
      const name = { credentials: 'credentials.json', 'token-file': 'refreshTokenObjectFile.json' }[step.fixture];
      const text = await this.adminText('POST', `/_admin/fixtures/${step.fixture}`, step.spec);
      fs.writeFileSync(this.tmp.file(name), text, { mode: 0o600 });
    } else if (step.admin) {
      await this.adminText(step.admin, step.path, step.body);
    } else if (step.write === 'token_file') {
      this.written = Buffer.from(step.text);
      fs.writeFileSync(this.tokenPath, this.written);
    } else if (step.snapshot === 'token_file') {
      this.snapshot = fs.existsSync(this.tokenPath) ? fs.readFileSync(this.tokenPath) : null;
    } else {
      return false;
    }
    return true;
  }

  async attempt(promise) {
    try {
      return ['ok', await promise];
    } catch (err) {
      if (typeof err?.code !== 'string') throw err;
      this.error = err;
      return [err.code, null];
    }
  }

  async act(step) {
    const m = this.theManager();
    let value;
    switch (step.do) {
      case 'exchange': {
        const [v, status] = await this.attempt(m.exchangeRequestToken({ force: step.force === true }));
        this.status = status ?? this.status;
        value = v;
        break;
      }
      case 'access_token': {
        const callers = step.callers ?? 1;
        const results = await Promise.all(Array.from({ length: callers }, () => this.attempt(m.accessToken())));
        this.tokens = results.filter(([, t]) => t !== null).map(([, t]) => t);
        value = results.find(([v]) => v !== 'ok')?.[0] ?? 'ok';
        break;
      }
      case 'access_token_until_renewed':
        value = await this.untilRenewed(m);
        break;
      case 'status': {
        const [v, status] = await this.attempt(m.status());
        this.status = status ?? this.status;
        value = v;
        break;
      }
      case 'api_get': {
        const [v, response] = await this.attempt(m.request('GET', step.path));
        if (response) this.response = response;
        value = response ? String(response.status) : v;
        break;
      }
      case 'revoke':
        [value] = await this.attempt(m.revoke());
        break;
      default:
        throw new Error(`unknown action ${step.do}`);
    }
    return `${step.do}=${value}`;
  }

  /** The access token in the last snapshot of the token file. */
  snapshotAccessToken() {
    try {
      return JSON.parse(this.snapshot?.toString('utf8') ?? '').access_token ?? null;
    } catch {
      return null;
    }
  }

  /** Asks until the token differs from the snapshot's; each new value kept once. */
  async untilRenewed(m) {
    const old = this.snapshotAccessToken();
    const deadline = Date.now() + RENEWAL_WAIT_MS;
    this.tokens = [];
    for (;;) {
      const [value, token] = await this.attempt(m.accessToken());
      if (token === null) return value;
      if (this.tokens.at(-1) !== token) this.tokens.push(token);
      if (token !== old) return 'ok';
      if (Date.now() >= deadline) return 'unchanged';
      await new Promise((resolve) => setTimeout(resolve, RENEWAL_POLL_MS));
    }
  }

  /** Every text form of every library object this run holds. */
  texts() {
    const texts = [util.inspect(this.manager), JSON.stringify(this.manager), String(this.manager)];
    if (this.status) texts.push(util.inspect(this.status), JSON.stringify(this.status));
    if (this.response) texts.push(util.inspect(this.response), JSON.stringify(this.response), String(this.response));
    if (this.error) texts.push(this.error.message, String(this.error), util.inspect(this.error), this.error.stack);
    return texts;
  }

  async check(step) {
    const yes = (b) => (b ? 'yes' : 'no');
    const exists = fs.existsSync(this.tokenPath);
    let value;
    switch (step.check) {
      case 'counter':
        return `${step.name}=${JSON.parse(await this.adminText('GET', '/_admin/counters'))[step.name]}`;
      case 'concur_code':
        value = this.error?.concurCode == null ? 'none' : String(this.error.concurCode);
        break;
      case 'correlation_id':
        value = yes(typeof this.error?.correlationId === 'string' && this.error.correlationId.length > 0);
        break;
      case 'error_mentions':
        value = yes(!!this.error && `${this.error.message} ${util.inspect(this.error)}`.includes(step.text));
        break;
      case 'token_file':
        value = exists ? 'present' : 'absent';
        break;
      case 'token_file_mode':
        value = exists ? (fs.statSync(this.tokenPath).mode & 0o777).toString(8) : 'absent';
        break;
      case 'token_file_fields': {
        let stored = {};
        try {
          stored = JSON.parse(fs.readFileSync(this.tokenPath, 'utf8'));
        } catch {
          stored = {};
        }
        value = yes(step.fields.every((f) => f in stored));
        break;
      }
      case 'token_file_unchanged':
        value = yes(this.snapshot !== null && exists && fs.readFileSync(this.tokenPath).equals(this.snapshot));
        break;
      case 'kept_aside': {
        const kept = fs.readdirSync(this.tmp.dir).filter((f) => f.startsWith('refreshTokenObjectFile.json.corrupt-'));
        value = yes(kept.length === 1 && this.written && fs.readFileSync(this.tmp.file(kept[0])).equals(this.written));
        break;
      }
      case 'distinct_tokens':
        value = String(new Set(this.tokens).size);
        break;
      case 'tokens_from_snapshot': {
        const old = this.snapshotAccessToken();
        value = yes(this.tokens.length > 0 && this.tokens.every((t) => t === old));
        break;
      }
      case 'status_state':
        value = this.status?.state ?? 'none';
        break;
      case 'response_has_list':
        value = yes(!!this.response && Array.isArray(this.response.json()[step.field]));
        break;
      case 'status_initialized':
        value = yes(this.status?.initialized === true);
        break;
      case 'status_expiries':
        value = yes(this.status?.accessTokenExpiresAt != null && this.status?.refreshTokenExpiresAt != null);
        break;
      case 'status_geolocation': {
        const geo = this.status?.geolocation;
        value = geo === this.fake.url ? 'server' : String(geo ?? 'none');
        break;
      }
      case 'revoked':
        value = yes(await this.fake.revoked());
        break;
      case 'token_is_known_secret': {
        const secrets = new Set(await this.fake.secrets());
        value = yes(this.tokens.length > 0 && this.tokens.every((t) => secrets.has(t)));
        break;
      }
      case 'secrets_shown': {
        const secrets = await this.fake.secrets();
        value = yes(this.texts().some((text) => secrets.some((s) => String(text).includes(s))));
        break;
      }
      default:
        throw new Error(`unknown check ${step.check}`);
    }
    return `${step.check}=${value}`;
  }
}

async function runScenario(scenario) {
  const fake = await startFake();
  const tmp = tempDir('concur-auth-conformance-');
  try {
    const run = new Run(fake, tmp);
    const outcomes = [scenario.id];
    for (const step of scenario.steps) {
      if (await run.prepare(step)) continue;
      outcomes.push(step.do ? await run.act(step) : await run.check(step));
    }
    return outcomes.join(' ');
  } finally {
    await fake.stop();
    tmp.cleanup();
  }
}

const lines = new Map();
after(() => {
  fs.mkdirSync(outDir, { recursive: true });
  const ordered = table.filter((s) => lines.has(s.id)).map((s) => `${lines.get(s.id)}\n`);
  fs.writeFileSync(path.join(outDir, 'node.txt'), ordered.join(''));
});

for (const scenario of table) {
  test(`${scenario.id} ${scenario.title}`, async () => {
    const line = await runScenario(scenario);
    lines.set(scenario.id, line);
    console.log(line);
    assert.equal(line, [scenario.id, ...scenario.expect].join(' '));
  });
}
