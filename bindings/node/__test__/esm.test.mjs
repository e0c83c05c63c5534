// The package entry points: `exports` map, ESM named exports, CommonJS, and
// the committed index.d.ts naming everything index.js exports.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import * as esm from 'concur-auth';
import esmDefault from 'concur-auth';

import { packageDir, require } from './helpers.mjs';

const cjs = require('concur-auth');
const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));

test('ESM and CommonJS entries export the same objects', () => {
  assert.equal(esm.TokenManager, cjs.TokenManager);
  assert.equal(esmDefault, cjs);
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
});

test('the exports map points at files that exist', () => {
  for (const target of Object.values(pkg.exports['.'])) {
    assert.ok(fs.existsSync(path.join(packageDir, target)), target);
  }
  assert.equal(pkg.napi.binaryName, 'concur-auth');
  assert.deepEqual(pkg.napi.targets, ['x86_64-unknown-linux-gnu']);
  assert.ok(fs.existsSync(path.join(packageDir, pkg.bin['concur-auth'])));
});

test('index.d.ts declares every export', () => {
  const dts = fs.readFileSync(path.join(packageDir, 'index.d.ts'), 'utf8');
  for (const name of Object.keys(cjs)) {
    assert.match(dts, new RegExp(`export declare (class|function|const) ${name}\\b`), name);
  }
});
