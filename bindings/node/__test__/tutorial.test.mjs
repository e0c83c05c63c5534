// The drop-ins for SAP's three tutorial scripts, end to end in a temp folder
// against fake-concur (CONCUR_BASE_URL), as a person would run them. Most runs
// name the folder with CONCUR_TUTORIAL_DIR; one copies the scripts there, as a
// tutorial user does, and relies on the script's own folder.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { FAKE, leaked, packageDir, require, seedExpiredAccessToken, startFake, tempDir } from './helpers.mjs';

const TUTORIAL = path.join(packageDir, 'tutorial');
let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

function run(script, cwd, env = {}, scriptDir = TUTORIAL, args = []) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(scriptDir, script), ...args],
      { cwd, env: { ...process.env, CONCUR_BASE_URL: fake.url, CONCUR_TUTORIAL_DIR: cwd, ...env }, timeout: 60000 },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

function fillIn(file, values) {
  const creds = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, JSON.stringify({ ...creds, ...values }, null, 2));
}

/** A new company request token minted by the fake server. */
const newRequestToken = async () => (await fake.admin('POST', 'request-token')).request_token;

/** Fills `file` with the fake server's app and company, and `requestToken`. */
function fillInFake(file, requestToken) {
  fillIn(file, {
    appID: FAKE.clientId,
    clientSecret: FAKE.clientSecret,
    companyUUID: FAKE.companyUuid,
    companyRequestToken: requestToken,
  });
}

const mode = (file) => fs.statSync(file).mode & 0o777;

async function assertNoSecrets(outputs, extra = []) {
  const secrets = [...(await fake.secrets()), ...extra];
  for (const out of outputs) {
    assert.deepEqual(leaked(out.stdout + out.stderr, secrets), [], out.stdout + out.stderr);
  }
}

test('GetRefreshToken.js → RefreshTokenManagement.js → CallingAPIs.js', async () => {
  const tmp = tempDir();
  const outputs = [];
  try {
    const creds = tmp.file('credentials.json');
    const tokens = tmp.file('refreshTokenObjectFile.json');

    // 1st run: writes the template and asks to fill it in.
    let out = await run('GetRefreshToken.js', tmp.dir);
    outputs.push(out);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stdout, /Fill in the empty fields/);
    assert.equal(mode(creds), 0o600);
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(creds, 'utf8'))), [
      'appID',
      'clientSecret',
      'grantType',
      'companyUUID',
      'companyRequestToken',
      'credentialType',
    ]);
    assert.equal(fs.existsSync(tokens), false);

    // Still empty: a clear configuration error, exit 1.
    out = await run('GetRefreshToken.js', tmp.dir);
    outputs.push(out);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /\[config\].*appID/);

    // 2nd run: exchanges and stores.
    fillInFake(creds, FAKE.requestToken);
    const before = await fake.counters();
    out = await run('GetRefreshToken.js', tmp.dir);
    outputs.push(out);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /clientSecret: +\[redacted\]/);
    assert.match(out.stdout, /refresh token generated/);
    assert.equal(mode(tokens), 0o600);
    const stored = JSON.parse(fs.readFileSync(tokens, 'utf8'));
    for (const field of ['refresh_token', 'refresh_expires_in', 'companyUUID', 'geolocation']) {
      assert.ok(field in stored, field);
    }
    assert.equal((await fake.counters()).password_grants - before.password_grants, 1);

    // Later runs reuse the stored refresh token (no second exchange).
    out = await run('GetRefreshToken.js', tmp.dir);
    outputs.push(out);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /already stored/);
    out = await run('RefreshTokenManagement.js', tmp.dir);
    outputs.push(out);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Loaded a valid refresh token/);
    out = await run('CallingAPIs.js', tmp.dir);
    outputs.push(out);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout.slice(out.stdout.indexOf('HTTP 200:') + 'HTTP 200:'.length));
    assert.ok(Array.isArray(json.Resources));
    assert.equal((await fake.counters()).password_grants - before.password_grants, 1);
    assert.equal(mode(tokens), 0o600);

    const latest = JSON.parse(fs.readFileSync(tokens, 'utf8'));
    await assertNoSecrets(outputs, [latest.refresh_token, latest.access_token, stored.access_token]);
  } finally {
    tmp.cleanup();
  }
});

test('GetRefreshToken.js replaces a live refresh token only with --force', async () => {
  const tmp = tempDir();
  try {
    await run('GetRefreshToken.js', tmp.dir);
    const creds = tmp.file('credentials.json');
    fillInFake(creds, await newRequestToken());
    const before = await fake.counters();
    let out = await run('GetRefreshToken.js', tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    const tokens = tmp.file('refreshTokenObjectFile.json');
    const stored = fs.readFileSync(tokens);

    // A new, unused request token is not enough: the live one is kept.
    fillIn(creds, { companyRequestToken: await newRequestToken() });
    out = await run('GetRefreshToken.js', tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /already stored.*--force/);
    assert.deepEqual(fs.readFileSync(tokens), stored);
    assert.equal((await fake.counters()).password_grants - before.password_grants, 1);

    out = await run('GetRefreshToken.js', tmp.dir, {}, TUTORIAL, ['--force']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /refresh token generated/);
    assert.notDeepEqual(fs.readFileSync(tokens), stored);
    assert.equal((await fake.counters()).password_grants - before.password_grants, 2);
  } finally {
    tmp.cleanup();
  }
});

test('RefreshTokenManagement.js and CallingAPIs.js bootstrap from a filled credentials.json', async () => {
  for (const script of ['RefreshTokenManagement.js', 'CallingAPIs.js']) {
    const tmp = tempDir();
    try {
      let out = await run(script, tmp.dir);
      assert.equal(out.code, 2);
      const requestToken = await newRequestToken();
      fillInFake(tmp.file('credentials.json'), requestToken);
      out = await run(script, tmp.dir);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /No stored refresh token found/);
      assert.match(out.stdout, /Stored the new refresh token/);
      assert.equal(mode(tmp.file('refreshTokenObjectFile.json')), 0o600);
      await assertNoSecrets([out], [requestToken]);
    } finally {
      tmp.cleanup();
    }
  }
});

test('failures exit non-zero with the code and a hint, and no secret', async () => {
  const tmp = tempDir();
  try {
    await run('CallingAPIs.js', tmp.dir);
    fillIn(tmp.file('credentials.json'), {
      appID: FAKE.clientId,
      clientSecret: 'not-the-secret-4471',
      companyUUID: FAKE.companyUuid,
      companyRequestToken: 'some-request-token-9931',
    });
    const out = await run('CallingAPIs.js', tmp.dir);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /Error \[auth\]/);
    assert.match(out.stderr, /Concur code 19/);
    await assertNoSecrets([out], ['not-the-secret-4471', 'some-request-token-9931']);
    assert.equal(fs.existsSync(tmp.file('refreshTokenObjectFile.json')), false);

    // The server is down: a network error, exit 1.
    const down = await run('CallingAPIs.js', tmp.dir, { CONCUR_BASE_URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /Error \[network\]/);
  } finally {
    tmp.cleanup();
  }
});

/** A folder like a tutorial user's: the three scripts copied in, concur-auth in node_modules. */
function userFolder(tmp) {
  const dir = tmp.file('project');
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(packageDir, path.join(dir, 'node_modules', 'concur-auth'));
  for (const script of ['GetRefreshToken.js', 'RefreshTokenManagement.js', 'CallingAPIs.js']) {
    fs.copyFileSync(path.join(TUTORIAL, script), path.join(dir, script));
  }
  return dir;
}

test("the files live in the script's own folder, whatever the current folder", async () => {
  const tmp = tempDir();
  try {
    const project = userFolder(tmp);
    const elsewhere = tmp.file('elsewhere');
    fs.mkdirSync(elsewhere);
    const noOverride = { CONCUR_TUTORIAL_DIR: '' };
    let out = await run('GetRefreshToken.js', elsewhere, noOverride, project);
    assert.equal(out.code, 2, out.stderr);
    assert.ok(fs.existsSync(path.join(project, 'credentials.json')));
    assert.deepEqual(fs.readdirSync(elsewhere), []);
    fillInFake(path.join(project, 'credentials.json'), await newRequestToken());
    out = await run('CallingAPIs.js', elsewhere, noOverride, project);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(mode(path.join(project, 'refreshTokenObjectFile.json')), 0o600);
    assert.deepEqual(fs.readdirSync(elsewhere), []);

    // CONCUR_TUTORIAL_DIR names another folder.
    out = await run('GetRefreshToken.js', project, { CONCUR_TUTORIAL_DIR: elsewhere }, project);
    assert.equal(out.code, 2, out.stderr);
    assert.ok(fs.existsSync(path.join(elsewhere, 'credentials.json')));
  } finally {
    tmp.cleanup();
  }
});

test('the files never go inside node_modules, unless CONCUR_TUTORIAL_DIR says so', () => {
  // Unit-level: node runs a script through its real path, so a symlinked copy
  // would not be inside node_modules; an npm-installed one is.
  const { filesFolder } = require(path.join(TUTORIAL, 'common.js'));
  const inside = path.join(path.sep, 'p', 'node_modules', 'concur-auth', 'tutorial');
  assert.throws(
    () => filesFolder(inside, {}),
    (err) => err.code === 'config' && /inside node_modules.*CONCUR_TUTORIAL_DIR/.test(err.message),
  );
  assert.equal(filesFolder(inside, { CONCUR_TUTORIAL_DIR: '/data/concur' }), path.resolve('/data/concur'));
  assert.equal(filesFolder('/p/scripts', {}), path.resolve('/p/scripts'));
});

test('RefreshTokenManagement.js says whether it asked Concur', async () => {
  const tmp = tempDir();
  try {
    await run('RefreshTokenManagement.js', tmp.dir);
    fillInFake(tmp.file('credentials.json'), await newRequestToken());
    assert.equal((await run('RefreshTokenManagement.js', tmp.dir)).code, 0);

    // A valid access token is stored: no refresh, and the output says so.
    let before = await fake.counters();
    let out = await run('RefreshTokenManagement.js', tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /its stored expiry date, no request made\): OK/);
    assert.match(out.stdout, /no refresh was needed/);
    assert.doesNotMatch(out.stdout, /issued a new access token/);
    assert.equal((await fake.counters()).refresh_grants, before.refresh_grants);

    // The stored access token has expired: one refresh, and the output says so.
    const stored = await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
    before = await fake.counters();
    out = await run('RefreshTokenManagement.js', tmp.dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Concur issued a new access token with the refresh token/);
    assert.equal((await fake.counters()).refresh_grants, before.refresh_grants + 1);
    await assertNoSecrets([out], [stored.refresh_token, stored.access_token]);
  } finally {
    tmp.cleanup();
  }
});
