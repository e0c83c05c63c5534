// TokenManager and ApiResponse: every method, against fake-concur.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  FAKE,
  leaked,
  lib,
  managerIn,
  packageDir,
  repoDir,
  require,
  seedExpiredAccessToken,
  startFake,
  tempDir,
  writeCredentials,
} from './helpers.mjs';

const USERS = '/profile/identity/v4/Users/';

let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

function setup() {
  const tmp = tempDir();
  writeCredentials(tmp.file('credentials.json'));
  return tmp;
}

describe('constructors', () => {
  test('fromFiles reads the tutorial credentials.json', async () => {
    const tmp = setup();
    try {
      const m = managerIn(tmp, fake.url);
      assert.ok(m instanceof lib.TokenManager);
      assert.equal(m.toJSON().clientId, FAKE.clientId);
      assert.equal(m.toJSON().companyUuid, FAKE.companyUuid);
      assert.equal(m.toJSON().baseUrl, fake.url);
      assert.match(m.toJSON().store, /refreshTokenObjectFile\.json$/);
    } finally {
      tmp.cleanup();
    }
  });

  test('new TokenManager(options) takes every option', async () => {
    const tmp = tempDir();
    try {
      await fake.admin('POST', 'request-token').then(() => {});
      const m = new lib.TokenManager({
        clientId: FAKE.clientId,
        clientSecret: FAKE.clientSecret,
        companyUuid: FAKE.companyUuid,
        requestToken: (await fake.admin('POST', 'request-token')).request_token,
        tokenFile: tmp.file('tokens.json'),
        baseUrl: fake.url,
        allowedHosts: ['concur.example.internal'],
        leewaySeconds: 60,
        scope: undefined,
        requestTimeoutMs: 5000,
      });
      assert.ok(m instanceof lib.TokenManager);
      const status = await m.exchangeRequestToken();
      assert.equal(status.initialized, true);
      assert.ok(fs.existsSync(tmp.file('tokens.json')));
      assert.equal(typeof (await m.accessToken()), 'string');
    } finally {
      tmp.cleanup();
    }
  });

  test('store: one location string (memory:, a file path; redis:// in redis.test.mjs)', async () => {
    const tmp = tempDir();
    try {
      const { request_token: requestToken } = await fake.admin('POST', 'request-token');
      const base = { clientId: FAKE.clientId, clientSecret: FAKE.clientSecret, baseUrl: fake.url };
      const m = new lib.TokenManager({ ...base, companyUuid: FAKE.companyUuid, requestToken, store: 'memory:' });
      assert.equal((await m.exchangeRequestToken()).initialized, true);
      assert.equal(typeof (await m.accessToken()), 'string');
      assert.deepEqual(fs.readdirSync(tmp.dir), []);
      const file = new lib.TokenManager({ ...base, store: tmp.file('t.json') });
      assert.match(file.toJSON().store, /t\.json$/);
      assert.throws(() => new lib.TokenManager({ ...base, store: 'memory:', tokenFile: 'x.json' }), lib.ConfigurationError);
    } finally {
      tmp.cleanup();
    }
  });

  test('fromEnv reads CONCUR_* variables', async () => {
    const tmp = setup();
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        CONCUR_CLIENT_ID: FAKE.clientId,
        CONCUR_CLIENT_SECRET: FAKE.clientSecret,
        CONCUR_TOKEN_FILE: tmp.file('env-tokens.json'),
        CONCUR_BASE_URL: fake.url,
      });
      const m = lib.TokenManager.fromEnv();
      assert.equal(m.toJSON().baseUrl, fake.url);
      assert.match(m.toJSON().store, /env-tokens\.json$/);
      await assert.rejects(m.accessToken(), lib.NotInitializedError);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      tmp.cleanup();
    }
  });

  test('every core option is accepted, and the core decides which values make sense', () => {
    const base = { clientId: 'x', clientSecret: 'y', tokenFile: 'memory:' };
    const options = { leewaySeconds: 60, requestTimeoutMs: 5000, connectTimeoutMs: 2000, lockWaitMs: 1000, maxAttempts: 2 };
    assert.ok(new lib.TokenManager({ ...base, ...options }) instanceof lib.TokenManager);
    for (const bad of [{ requestTimeoutMs: 0 }, { connectTimeoutMs: 0 }, { maxAttempts: 0 }, { maxAttempts: 2.5 }]) {
      assert.throws(() => new lib.TokenManager({ ...base, ...bad }), lib.ConfigurationError, JSON.stringify(bad));
    }
  });

  test('bad input is a ConfigurationError that names the field', () => {
    assert.throws(() => new lib.TokenManager({ clientId: 'x' }), (err) => {
      assert.ok(err instanceof lib.ConfigurationError);
      assert.equal(err.code, 'config');
      assert.match(err.message, /client secret/);
      return true;
    });
    assert.throws(() => new lib.TokenManager(), lib.ConfigurationError);
    assert.throws(() => new lib.TokenManager({ clientId: 'x', clientSecret: 'y', leewaySeconds: -1 }), lib.ConfigurationError);
    assert.throws(() => new lib.TokenManager({ clientId: 'x', clientSecret: 'y', baseUrl: 'notaurl' }), lib.ConfigurationError);
    assert.throws(
      () => new lib.TokenManager({ clientId: 'x', clientSecret: 'y', baseUrl: 'http://example.com' }),
      lib.HostNotAllowedError,
    );
    assert.throws(() => new lib.TokenManager({ clientId: 'x', clientSecret: 'y', clientSecrt: 'typo' }), /unknown option/);
    assert.throws(() => lib.TokenManager.fromFiles('/nonexistent/credentials.json'), (err) => {
      assert.ok(err instanceof lib.ConfigurationError);
      assert.match(err.message, /not found/);
      return true;
    });
    const tmp = tempDir();
    try {
      fs.writeFileSync(tmp.file('credentials.json'), '{"appID": "", "clientSecret": ""}');
      assert.throws(() => managerIn(tmp, fake.url), /appID is missing or empty/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('tokens', () => {
  test('exchangeRequestToken stores the refresh token; accessToken uses it', async () => {
    const tmp = tempDir();
    try {
      const { request_token: requestToken } = await fake.admin('POST', 'request-token');
      writeCredentials(tmp.file('credentials.json'), { companyRequestToken: requestToken });
      const m = managerIn(tmp, fake.url);
      await assert.rejects(m.accessToken(), lib.NotInitializedError);
      assert.equal(m.cachedAccessToken(), null);
      const status = await m.exchangeRequestToken();
      assert.equal(status.initialized, true);
      assert.equal(status.accessTokenValid, true);
      assert.equal(status.geolocation, fake.url);
      assert.equal(status.companyUuid, FAKE.companyUuid);
      assert.equal(typeof status.refreshTokenExpiresAt, 'number');
      assert.equal(fs.statSync(tmp.file('refreshTokenObjectFile.json')).mode & 0o777, 0o600);
      const token = await m.accessToken();
      assert.equal(m.cachedAccessToken(), token);
      assert.equal(await m.accessToken(), token);
    } finally {
      tmp.cleanup();
    }
  });

  test('exchangeRequestToken refuses a live refresh token unless { force: true }', async () => {
    const tmp = tempDir();
    try {
      const first = await fake.admin('POST', 'request-token');
      writeCredentials(tmp.file('credentials.json'), { companyRequestToken: first.request_token });
      await managerIn(tmp, fake.url).exchangeRequestToken();
      const file = tmp.file('refreshTokenObjectFile.json');
      const stored = fs.readFileSync(file);
      // A valid, unused request token: the refusal is about the stored token.
      const second = await fake.admin('POST', 'request-token');
      writeCredentials(tmp.file('credentials.json'), { companyRequestToken: second.request_token });
      const m = managerIn(tmp, fake.url);
      const before = await fake.counters();
      const err = await m.exchangeRequestToken().then(
        () => assert.fail('a live refresh token was replaced'),
        (e) => e,
      );
      assert.ok(err instanceof lib.ConfigurationError, String(err));
      assert.equal(err.code, 'config');
      assert.match(err.message, /live refresh token .*days left/);
      assert.match(err.message, /--force/);
      assert.deepEqual(leaked(err.message + err.stack, await fake.secrets()), []);
      await assert.rejects(m.exchangeRequestToken({ force: false }), lib.ConfigurationError);
      await assert.rejects(m.exchangeRequestToken({ force: 'yes' }), /force must be a boolean/);
      await assert.rejects(m.exchangeRequestToken({ forse: true }), /unknown option "forse"/);
      assert.deepEqual(fs.readFileSync(file), stored);
      assert.equal((await fake.counters()).password_grants, before.password_grants, 'nothing was sent');

      const status = await m.exchangeRequestToken({ force: true });
      assert.equal(status.initialized, true);
      assert.equal((await fake.counters()).password_grants - before.password_grants, 1);
      assert.notDeepEqual(fs.readFileSync(file), stored);
    } finally {
      tmp.cleanup();
    }
  });

  test('an expired access token is refreshed once; forceRefresh always refreshes', async () => {
    const tmp = setup();
    try {
      const seeded = await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
      const m = managerIn(tmp, fake.url);
      const before = await fake.counters();
      const token = await m.accessToken();
      assert.notEqual(token, seeded.access_token);
      assert.equal((await fake.counters()).refresh_grants - before.refresh_grants, 1);
      const forced = await m.forceRefresh();
      assert.notEqual(forced, token);
      assert.equal(await m.accessToken(), forced);
      assert.equal((await fake.counters()).refresh_grants - before.refresh_grants, 2);
    } finally {
      tmp.cleanup();
    }
  });

  test('status reads the file without network', async () => {
    const tmp = setup();
    try {
      const m = managerIn(tmp, fake.url);
      const empty = await m.status();
      assert.equal(empty.initialized, false);
      assert.equal(empty.geolocation, null);
      assert.equal(empty.refreshTokenExpiresAt, null);
      await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
      const before = await fake.counters();
      const status = await m.status();
      assert.deepEqual(await fake.counters(), before);
      assert.equal(status.initialized, true);
      assert.equal(status.accessTokenValid, false);
      assert.equal(status.refreshTokenExpired, false);
      assert.ok(status.refreshTokenDaysLeft >= 179);
      assert.equal(empty.state, 'none');
      assert.equal(status.state, 'expired');
      assert.ok(status.staleAt < status.hardExpiryAt && status.hardExpiryAt <= status.accessTokenExpiresAt);
    } finally {
      tmp.cleanup();
    }
  });

  test('revoke clears the store', async () => {
    const tmp = setup();
    try {
      await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
      const m = managerIn(tmp, fake.url);
      await m.accessToken();
      assert.equal(await m.revoke(), undefined);
      assert.equal(fs.existsSync(tmp.file('refreshTokenObjectFile.json')), false);
      await assert.rejects(m.accessToken(), lib.NotInitializedError);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('request()', () => {
  let tmp;
  let m;
  before(async () => {
    tmp = setup();
    await seedExpiredAccessToken(fake, tmp.file('refreshTokenObjectFile.json'));
    m = managerIn(tmp, fake.url);
  });
  after(() => tmp.cleanup());

  test('GET Profile v4 resolves an ApiResponse', async () => {
    const res = await m.request('GET', USERS);
    assert.ok(res instanceof lib.ApiResponse);
    assert.equal(res.status, 200);
    assert.equal(res.ok, true);
    assert.match(res.contentType, /application\/json/);
    assert.equal(typeof res.correlationId, 'string');
    const json = res.json();
    assert.ok(Array.isArray(json.Resources));
    assert.deepEqual(JSON.parse(res.body), json);
    assert.equal(res.text(), res.body);
    assert.ok(Buffer.isBuffer(res.bytes()));
    assert.equal(res.errorForStatus(), res.errorForStatus());
    const user = await m.request('get', `${USERS}${json.Resources[0].id}`);
    assert.equal(user.json().id, json.Resources[0].id);
  });

  test('an error status is a response; errorForStatus throws ApiError', async () => {
    const res = await m.request('POST', USERS, { userName: 'x', tags: [1, 2] });
    assert.equal(res.ok, false);
    assert.ok(res.status >= 400 && res.status < 500, String(res.status));
    assert.throws(() => res.errorForStatus('create user'), (err) => {
      assert.ok(err instanceof lib.ApiError);
      assert.equal(err.httpStatus, res.status);
      assert.match(err.message, /create user failed/);
      return true;
    });
  });

  test('json() of a non-JSON reply is an InvalidResponseError', async () => {
    await fake.fault('api', { kind: 'wrong_content_type' });
    const res = await m.request('GET', USERS);
    assert.throws(() => res.json(), lib.InvalidResponseError);
  });

  test('503, 503, 200 is retried to success', async () => {
    const before = (await fake.counters()).user_requests;
    await fake.fault('api', { kind: 'status', status: 503 }, 2);
    const res = await m.request('GET', USERS);
    assert.equal(res.status, 200);
    assert.equal((await fake.counters()).user_requests - before, 3);
  });

  test('a bad method is a ConfigurationError, a URL on a refused host a HostNotAllowedError', async () => {
    await assert.rejects(m.request('NOT A METHOD', USERS), lib.ConfigurationError);
    await assert.rejects(m.request('GET', 'https://evil.example.com/x'), lib.HostNotAllowedError);
    await assert.rejects(m.request(42, USERS), lib.ConfigurationError);
  });
});

describe('errors', () => {
  test('every core code has a class with that code', () => {
    const classes = [
      lib.ConfigurationError,
      lib.AuthenticationError,
      lib.RefreshTokenExpiredError,
      lib.NotInitializedError,
      lib.NetworkError,
      lib.TimeoutError,
      lib.ServerError,
      lib.InvalidResponseError,
      lib.StoreError,
      lib.CorruptStoreError,
      lib.HostNotAllowedError,
      lib.ApiError,
    ];
    assert.deepEqual(
      classes.map((c) => c.code),
      lib.errorCodes(),
    );
    for (const cls of classes) {
      const err = new cls('m');
      assert.ok(err instanceof lib.ConcurAuthError && err instanceof Error);
      assert.equal(err.name, cls.name);
      assert.equal(err.code, cls.code);
    }
  });

  test('the class tree is the core family table: an expired refresh token is an AuthenticationError', () => {
    const byCode = Object.fromEntries(lib.errorCodes().map((code) => [code, null]));
    for (const cls of Object.values(lib)) {
      if (typeof cls === 'function' && cls.code in byCode) byCode[cls.code] = cls;
    }
    for (const { code, parent } of lib.errorFamilies()) {
      const expected = parent == null ? lib.ConcurAuthError : byCode[parent];
      assert.equal(Object.getPrototypeOf(byCode[code]), expected, code);
    }
    assert.ok(new lib.RefreshTokenExpiredError('m') instanceof lib.AuthenticationError);
    assert.ok(new lib.TimeoutError('m') instanceof lib.NetworkError);
  });

  test('an auth error carries the Concur code, HTTP status and correlation id', async () => {
    const tmp = tempDir();
    try {
      writeCredentials(tmp.file('credentials.json'), { clientSecret: 'wrong-secret-value-1234' });
      const err = await managerIn(tmp, fake.url).exchangeRequestToken().then(
        () => assert.fail('expected an error'),
        (e) => e,
      );
      assert.ok(err instanceof lib.AuthenticationError);
      assert.equal(err.code, 'auth');
      assert.equal(err.concurCode, 19);
      assert.equal(err.httpStatus, 401);
      assert.equal(typeof err.correlationId, 'string');
      assert.ok(err.message.includes(err.correlationId));
      assert.ok(!err.message.includes('wrong-secret-value-1234'));
      assert.ok(err.stack.startsWith('AuthenticationError'));
    } finally {
      tmp.cleanup();
    }
  });

  test('an unreachable server is a NetworkError', async () => {
    const tmp = setup();
    try {
      // A port nothing listens on: bind one, close it, use it.
      const net = await import('node:net');
      const port = await new Promise((resolve) => {
        const srv = net.createServer().listen(0, '127.0.0.1', () => {
          const p = srv.address().port;
          srv.close(() => resolve(p));
        });
      });
      const m = managerIn(tmp, `http://127.0.0.1:${port}`);
      await assert.rejects(m.exchangeRequestToken(), lib.NetworkError);
    } finally {
      tmp.cleanup();
    }
  });

  test('versions: the package, the platform packages and the core are one version (the workspace\'s)', () => {
    const cargo = fs.readFileSync(path.join(repoDir, 'Cargo.toml'), 'utf8');
    const workspace = /^\[workspace\.package\][^[]*?^version = "([^"]+)"/m.exec(cargo)[1];
    assert.equal(lib.version, workspace);
    assert.equal(lib.coreVersion(), workspace);
    const npmDir = path.join(packageDir, 'npm');
    for (const platform of fs.readdirSync(npmDir).filter((f) => fs.statSync(path.join(npmDir, f)).isDirectory())) {
      assert.equal(require(path.join(npmDir, platform, 'package.json')).version, workspace, platform);
    }
  });
});
