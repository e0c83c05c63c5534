#!/usr/bin/env node
// Writes the publishable main package `concur-auth` into OUT_DIR: the files its
// package.json lists, and one optional dependency per platform package packed
// beside it (same version). The repository's package.json lists none, so that
// a development `npm install` never asks the registry for unpublished packages.
// Used by scripts/package.sh and .github/workflows/release.yml.
//
//   node bindings/node/npm/pack-main.js OUT_DIR PLATFORM...   (e.g. linux-x64-gnu)
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const [outDir, ...platforms] = process.argv.slice(2);
if (!outDir || platforms.length === 0) {
  process.stderr.write('usage: pack-main.js OUT_DIR PLATFORM...\n');
  process.exit(2);
}
const src = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
fs.mkdirSync(outDir, { recursive: true });
for (const entry of pkg.files) {
  fs.cpSync(path.join(src, entry), path.join(outDir, entry), { recursive: true });
}
pkg.optionalDependencies = {};
for (const platform of platforms) {
  const manifest = path.join(__dirname, platform, 'package.json');
  const platformPkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  if (platformPkg.version !== pkg.version) {
    throw new Error(`${manifest} has version ${platformPkg.version}, the main package ${pkg.version}`);
  }
  pkg.optionalDependencies[platformPkg.name] = pkg.version;
}
// Development only: the build tools and type checking.
delete pkg.devDependencies;
delete pkg.scripts;
fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
