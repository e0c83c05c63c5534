// No secret in util.inspect, JSON.stringify, toString or any error message.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import util from 'node:util';
import { after, before, test } from 'node:test';

import { FAKE, leaked, lib, managerIn, startFake, tempDir, writeCredentials } from './helpers.mjs';

let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

function shownForms(value) {
  return [
    util.inspect(value),
    util.inspect(value, { depth: Infinity, showHidden: true }),
    util.format('%o', value),
    JSON.stringify(value) ?? '',
    String(value),
    `${value}`,
  ];
}

test('manager, status, responses and errors never show a secret', async () => {
  const tmp = tempDir();
  try {
    writeCredentials(tmp.file('credentials.json'));
    const m = managerIn(tmp, fake.url);
    const status = await m.exchangeRequestToken();
    const token = await m.accessToken();
    const response = await m.request('GET', '/profile/identity/v4/Users/');
    const stored = JSON.parse(fs.readFileSync(tmp.file('refreshTokenObjectFile.json'), 'utf8'));
    const direct = new lib.TokenManager({
      clientId: FAKE.clientId,
      clientSecret: FAKE.clientSecret,
      companyUuid: FAKE.companyUuid,
      requestToken: FAKE.requestToken,
      tokenFile: tmp.file('refreshTokenObjectFile.json'),
      baseUrl: fake.url,
    });
    // Errors: a used request token, a wrong secret, and the JSON of each.
    const used = await m.exchangeRequestToken({ force: true }).catch((e) => e);
    assert.ok(used instanceof lib.AuthenticationError);
    writeCredentials(tmp.file('wrong.json'), { clientSecret: 'wrong-but-secret-8812' });
    const wrong = await lib.TokenManager.fromFiles(tmp.file('wrong.json'), tmp.file('refreshTokenObjectFile.json'), {
      baseUrl: fake.url,
    })
      .forceRefresh()
      .catch((e) => e);
    assert.ok(wrong instanceof lib.AuthenticationError);
    const badType = (() => {
      try {
        return new lib.TokenManager({ clientId: 'x', clientSecret: 1234567890123 });
      } catch (e) {
        return e;
      }
    })();

    const secrets = [
      ...(await fake.secrets()),
      token,
      stored.refresh_token,
      stored.access_token,
      stored.id_token,
      'wrong-but-secret-8812',
      '1234567890123',
    ];
    assert.ok(secrets.length >= 6);
    // The check itself sees a secret where there is one.
    assert.ok(leaked(JSON.stringify(stored), secrets).length >= 2);
    const texts = [
      ...shownForms(m),
      ...shownForms(direct),
      ...shownForms(status),
      ...shownForms(response),
      ...[used, wrong, badType].flatMap((e) => [...shownForms(e), e.message, e.stack]),
      util.inspect(lib),
    ];
    for (const text of texts) {
      assert.deepEqual(leaked(text, secrets), [], `secret shown in: ${text.slice(0, 200)}`);
    }
    // What is shown is useful.
    assert.match(util.inspect(m), /TokenManager \{/);
    assert.match(util.inspect(m), /fake-client-id/);
    assert.match(String(m), /^TokenManager\(client fake-client-id, file /);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(m))).sort(), ['baseUrl', 'clientId', 'companyUuid', 'store']);
  } finally {
    tmp.cleanup();
  }
});
