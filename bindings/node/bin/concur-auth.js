#!/usr/bin/env node
// `npx concur-auth …`: runs the one concur-auth command (crates/concur-auth-cli),
// shipped prebuilt in this platform's package (see platform.js). Arguments,
// output and exit code pass through. $CONCUR_AUTH_BIN names another binary;
// inside the repository, the debug build in target/ is used when present.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const platform = require('../platform.js');

const REPO_BINARY = path.resolve(__dirname, '..', '..', '..', 'target', 'x86_64-unknown-linux-gnu', 'debug', 'concur-auth');

/** The binary to run, or null with the reason in `why`. */
function findBinary(env = process.env) {
  if (env.CONCUR_AUTH_BIN) return env.CONCUR_AUTH_BIN;
  try {
    const dir = path.dirname(require.resolve(`${platform.packageName}/package.json`));
    return path.join(dir, platform.cliFile);
  } catch {
    return fs.existsSync(REPO_BINARY) ? REPO_BINARY : null;
  }
}

function main(argv) {
  const binary = findBinary();
  if (!binary) {
    process.stderr.write(`concur-auth: error: no ${platform.packageName} package is installed for this platform; ${platform.buildHint}\n`);
    return 127;
  }
  const result = spawnSync(binary, argv, { stdio: 'inherit' });
  if (result.error) {
    process.stderr.write(`concur-auth: error: could not run ${binary}: ${result.error.message}\n`);
    return 127;
  }
  if (result.signal) return 128 + (os.constants.signals[result.signal] || 0);
  return result.status;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { findBinary, REPO_BINARY };
