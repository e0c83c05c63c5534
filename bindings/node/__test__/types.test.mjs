// TypeScript: examples/node/example.ts type-checks against the committed
// index.d.ts (`tsc --noEmit`), compiles and runs end to end against
// fake-concur; a misuse of the API fails to compile.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { packageDir, repoDir, startFake, tempDir, writeCredentials } from './helpers.mjs';

const TSC = path.join(packageDir, 'node_modules', 'typescript', 'bin', 'tsc');
const EXAMPLE_DIR = path.join(repoDir, 'examples', 'node');
const TSCONFIG = path.join(EXAMPLE_DIR, 'tsconfig.json');

function run(file, args, options = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { timeout: 120000, ...options }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

let fake;
before(async () => {
  fake = await startFake();
});
after(async () => {
  await fake.stop();
});

test('tsc --noEmit passes on examples/node/example.ts', async () => {
  const out = await run(TSC, ['--noEmit', '-p', TSCONFIG]);
  assert.equal(out.code, 0, out.stdout + out.stderr);
});

test('a misuse of the API does not compile', async () => {
  const tmp = tempDir();
  try {
    fs.writeFileSync(
      tmp.file('bad.ts'),
      [
        "import { TokenManager, ConcurAuthError } from 'concur-auth';",
        "const m = TokenManager.fromFiles('c.json', 't.json', { leewaySeconds: 'soon' });",
        'const n: number = m.accessToken();',
        "const e = new Error() as ConcurAuthError; const c: 'nope' = e.code;",
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      tmp.file('tsconfig.json'),
      JSON.stringify({
        extends: TSCONFIG,
        compilerOptions: { typeRoots: [path.join(packageDir, 'node_modules', '@types')], paths: { 'concur-auth': [path.join(packageDir, 'index.d.ts')] } },
        files: ['bad.ts'],
      }),
    );
    const out = await run(TSC, ['--noEmit', '-p', tmp.file('tsconfig.json')]);
    assert.notEqual(out.code, 0);
    for (const line of ["'string' is not assignable to type 'number'", "Promise<string>' is not assignable to type 'number'", '"nope"']) {
      assert.ok(out.stdout.includes(line), `expected ${line} in:\n${out.stdout}`);
    }
  } finally {
    tmp.cleanup();
  }
});

test('the compiled example runs end to end', async () => {
  const tmp = tempDir();
  try {
    const outDir = tmp.file('js');
    const built = await run(TSC, ['-p', TSCONFIG, '--noEmit', 'false', '--outDir', outDir]);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    // Resolve `concur-auth` to this package, as an installed dependency would.
    fs.mkdirSync(tmp.file('node_modules'));
    fs.symlinkSync(packageDir, tmp.file('node_modules/concur-auth'), 'dir');
    fs.renameSync(path.join(outDir, 'example.js'), tmp.file('example.js'));
    writeCredentials(tmp.file('credentials.json'));
    const env = { ...process.env, CONCUR_BASE_URL: fake.url };
    let out = await run(tmp.file('example.js'), [], { cwd: tmp.dir, env });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /exchanging the company request token/);
    assert.match(out.stdout, /user jane\.doe@example\.com/);
    assert.match(out.stdout, /with fetch\(\): HTTP 200/);
    out = await run(tmp.file('example.js'), [], { cwd: tmp.dir, env });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.doesNotMatch(out.stdout, /exchanging/);
  } finally {
    tmp.cleanup();
  }
});
