// Shared by the Node tests and the conformance scenarios: start fake-concur,
// talk to its admin API, make temporary folders with the tutorials' files.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const packageDir = path.resolve(here, '..');
export const repoDir = path.resolve(packageDir, '..', '..');
export const require = createRequire(import.meta.url);
/** The package under test, loaded the way users load it (CommonJS entry). */
export const lib = require(packageDir);

export const TARGET_DEBUG = path.join(repoDir, 'target', 'x86_64-unknown-linux-gnu', 'debug');

let credentialsFixture;
/** The fake's credentials file as the fake writes it (`fake-concur fixture credentials DIR`), read once. */
function fixtureCredentials() {
  if (!credentialsFixture) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-auth-fixture-'));
    try {
      const file = execFileSync(fakeConcurBin(), ['fixture', 'credentials', dir], { encoding: 'utf8' }).trim();
      credentialsFixture = JSON.parse(fs.readFileSync(file, 'utf8'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return credentialsFixture;
}

/** The fake server's default client and company, from its own fixture (never typed here). */
export const FAKE = {
  get clientId() {
    return fixtureCredentials().appID;
  },
  get clientSecret() {
    return fixtureCredentials().clientSecret;
  },
  get companyUuid() {
    return fixtureCredentials().companyUUID;
  },
  get requestToken() {
    return fixtureCredentials().companyRequestToken;
  },
};

export function fakeConcurBin() {
  const bin = process.env.FAKE_CONCUR_BIN || path.join(TARGET_DEBUG, 'fake-concur');
  if (!fs.existsSync(bin)) {
    throw new Error(`fake-concur not found at ${bin}: run \`cargo build -p fake-concur\` or set FAKE_CONCUR_BIN`);
  }
  return bin;
}

/**
 * Starts fake-concur (`--port 0 --exit-on-stdin-eof` plus `args`) and resolves
 * once it printed its base URL. `stop()` closes its stdin, so it also exits if
 * the test process dies.
 */
export async function startFake(args = []) {
  const child = spawn(fakeConcurBin(), ['--port', '0', '--exit-on-stdin-eof', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fake-concur did not start: ${stderr}`)), 15000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl).trim());
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fake-concur exited (${code}) before printing its URL: ${stderr}`));
    });
  });
  child.stdout.resume();
  const admin = async (method, route, body) => {
    const res = await fetch(`${url}/_admin/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`admin ${method} ${route}: HTTP ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  };
  return {
    url,
    child,
    admin,
    counters: () => admin('GET', 'counters'),
    resetCounters: () => admin('POST', 'reset-counters'),
    config: (patch) => admin('POST', 'config', patch),
    fault: (endpoint, fault, count = 1) => admin('POST', 'faults', { endpoint, count, fault }),
    secrets: () => admin('GET', 'secrets'),
    revoked: async () => (await admin('GET', 'revoked')).revoked,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill('SIGTERM'), 3000).unref();
      }),
  };
}

/** A fresh temporary folder; removed by `cleanup()`. */
export function tempDir(prefix = 'concur-auth-node-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `credentials.json` in the tutorials' format: the fake's own fixture, with `overrides`. */
export function writeCredentials(file, overrides = {}) {
  const creds = { ...fixtureCredentials(), ...overrides };
  fs.writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

/** A manager over `dir`'s credentials.json and refreshTokenObjectFile.json. */
export function managerIn(tmp, url, options = {}) {
  return lib.TokenManager.fromFiles(tmp.file('credentials.json'), tmp.file('refreshTokenObjectFile.json'), {
    baseUrl: url,
    ...options,
  });
}

/** Whether `text` contains any of `secrets` (short values are ignored). */
export function leaked(text, secrets) {
  return secrets.filter((s) => typeof s === 'string' && s.length >= 8 && text.includes(s));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A token file holding a fresh refresh token (issued through the admin API)
 * and an access token that expired 10 s ago: the next accessToken() refreshes.
 */
export async function seedExpiredAccessToken(fake, tokenFile) {
  const issued = await fake.admin('POST', 'issue-refresh-token');
  const now = Math.floor(Date.now() / 1000);
  const record = {
    access_token: issued.access_token,
    expires_in: issued.expires_in,
    access_token_expires_at: now - 10,
    refresh_token: issued.refresh_token,
    refresh_expires_in: issued.refresh_expires_in,
    geolocation: issued.geolocation,
    token_type: 'Bearer',
    companyUUID: FAKE.companyUuid,
  };
  fs.writeFileSync(tokenFile, JSON.stringify(record), { mode: 0o600 });
  return record;
}

/**
 * A fresh folder holding the fake's credentials.json and a token file from
 * `seedExpiredAccessToken`: the set-up most tests start from. Returns the
 * folder (removed by `cleanup()`) and the seeded record.
 */
export async function seededFolder(fake) {
  const tmp = tempDir();
  writeCredentials(tmp.file('credentials.json'));
  const record = await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
  return { tmp, record };
}
