// manager.readList(): a whole paged list as an async iterable of records and
// of pages, against fake-concur's paged user list.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { lib, leaked, managerIn, startFake, tempDir, writeCredentials } from './helpers.mjs';

const USERS = '/profile/identity/v4/Users';

let fake;
let tmp;
let manager;
before(async () => {
  fake = await startFake();
  tmp = tempDir();
  writeCredentials(tmp.file('credentials.json'));
  manager = managerIn(tmp, fake.url);
  await manager.exchangeRequestToken();
});
after(async () => {
  await fake.stop();
  tmp.cleanup();
});
beforeEach(async () => {
  await fake.admin('DELETE', 'faults');
});

const users = (n) => fake.config({ users: n });
const pageFault = (startIndex, fault, count = 1) =>
  fake.admin('POST', 'page-faults', { start_index: startIndex, count, fault });

async function readAll(pager) {
  const records = [];
  for await (const record of pager) records.push(record);
  return records;
}

test('first, middle and last page, record by record', async () => {
  await users(250);
  const pager = manager.readList();
  assert.ok(pager instanceof lib.Pager);
  const records = await readAll(pager);
  assert.equal(records.length, 250);
  assert.equal(records[0].userName, 'jane.doe@example.com');
  assert.equal(records[100].userName, 'user101@example.com');
  assert.equal(records[249].userName, 'user250@example.com');
  assert.equal(pager.recordsRead, 250);
});

test('pages(), page size and other query parameters passed through', async () => {
  await users(25);
  const pages = [];
  for await (const page of manager.readList(`${USERS}?attributes=userName`, { pageSize: 10 }).pages()) {
    pages.push(page);
  }
  assert.deepEqual(
    pages.map((p) => [p.startIndex, p.records.length, p.totalResults]),
    [
      [1, 10, 25],
      [11, 10, 25],
      [21, 5, 25],
    ],
  );
  assert.equal(pages[0].records[0].emails, undefined);
});

test('an empty list', async () => {
  await users(0);
  assert.deepEqual(await readAll(manager.readList(USERS)), []);
});

test('a failing page is retried with the client rules', async () => {
  await users(150);
  await pageFault(101, { kind: 'status', status: 503 }, 2);
  await pageFault(1, { kind: 'rate_limited', retry_after_secs: 0 });
  assert.equal((await readAll(manager.readList())).length, 150);
});

test('a page failing for good throws a typed error that keeps what was read', async () => {
  await users(250);
  await pageFault(101, { kind: 'status', status: 503 }, 100);
  const pager = manager.readList();
  const seen = [];
  const fakeSecrets = await fake.secrets();
  await assert.rejects(
    async () => {
      for await (const record of pager) seen.push(record);
    },
    (err) => {
      assert.ok(err instanceof lib.ServerError);
      assert.equal(err.httpStatus, 503);
      assert.deepEqual([err.recordsRead, err.pagesRead, err.nextStartIndex], [100, 1, 101]);
      assert.deepEqual(leaked(`${err.message} ${err.stack}`, fakeSecrets), []);
      return true;
    },
  );
  assert.equal(seen.length, 100);
  // The pager stayed on the failed page: once the server heals, it reads on.
  await fake.admin('DELETE', 'faults');
  assert.equal((await readAll(pager)).length, 150);
});

test('recordsRead and nextStartIndex answer while a page is in flight', async () => {
  await users(150);
  await pageFault(101, { kind: 'delay', ms: 1000 });
  const pager = manager.readList();
  const records = pager[Symbol.asyncIterator]();
  for (let i = 0; i < 100; i += 1) await records.next();
  const second = records.next(); // asks for the page at 101, slowed down
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual([pager.recordsRead, pager.nextStartIndex], [100, 101]);
  assert.equal((await second).value.userName, 'user101@example.com');
  assert.deepEqual([pager.recordsRead, pager.nextStartIndex], [150, 151]);
});

test('a list that changes size while read', async () => {
  await users(250);
  let pager = manager.readList();
  const first = (await pager.nextPage()).records;
  await users(150); // shrinks: the read ends at the new end
  const rest = await readAll(pager);
  assert.equal(first.length + rest.length, 150);
  assert.equal(rest.at(-1).userName, 'user150@example.com');

  pager = manager.readList();
  await pager.nextPage();
  await users(320); // grows: read to the new end
  assert.equal((await readAll(pager)).length, 220);
});

test('bad arguments are ConfigurationErrors', () => {
  assert.throws(() => manager.readList(`${USERS}?count=lots`), lib.ConfigurationError);
  assert.throws(() => manager.readList(USERS, { pageSize: 0 }), lib.ConfigurationError);
  assert.throws(() => manager.readList(42), lib.ConfigurationError);
  assert.throws(() => manager.readList(USERS, { pagesize: 5 }), lib.ConfigurationError);
});
