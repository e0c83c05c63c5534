// Shared by the three tutorial drop-ins, loaded as
// `require('concur-auth/tutorial/common')` so that a drop-in copied next to SAP's
// scripts finds it in node_modules. Same files as SAP's scripts, in the same
// place: credentials.json (what you fill in) and refreshTokenObjectFile.json
// (the stored token reply) in the running script's own folder, or in
// $CONCUR_TUTORIAL_DIR. Unlike the originals, nothing here prints a secret, both
// files are written with mode 0600, the token file is written atomically under
// a lock (by the library), and a failure ends the process with a non-zero exit
// code.
//
// Exit codes: 0 done, 1 failed, 2 credentials.json was just created (fill it in).
//
// CONCUR_BASE_URL overrides the token host of the one-time exchange (default:
// https://glz.api.concursolutions.com; later calls use the stored geolocation).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const lib = require('concur-auth');

const CREDENTIALS_FILE = 'credentials.json';
const TOKEN_FILE = 'refreshTokenObjectFile.json';
const EXIT_FILL_IN = 2;

const TEMPLATE = {
  appID: '',
  clientSecret: '',
  grantType: 'password',
  companyUUID: '',
  companyRequestToken: '',
  credentialType: 'authtoken',
};

/**
 * The folder of credentials.json and refreshTokenObjectFile.json: $CONCUR_TUTORIAL_DIR,
 * else the running script's own folder (SAP's scripts use theirs). Never a folder
 * inside node_modules, which `npm install` may wipe with the only copy of a
 * refresh token.
 */
function filesFolder(scriptDir, env = process.env) {
  if (env.CONCUR_TUTORIAL_DIR) return path.resolve(env.CONCUR_TUTORIAL_DIR);
  const dir = path.resolve(scriptDir);
  if (dir.split(path.sep).includes('node_modules')) {
    throw new lib.ConfigurationError(
      `this script lives inside node_modules (${dir}), where npm may delete the token file: ` +
        'copy it next to your files (cp node_modules/concur-auth/tutorial/*.js .) or set CONCUR_TUTORIAL_DIR',
      { code: 'config' },
    );
  }
  return dir;
}

/** The two files of the tutorials in `dir`, named for messages relative to the current folder. */
function tutorialFiles(dir) {
  const credentials = path.join(dir, CREDENTIALS_FILE);
  const token = path.join(dir, TOKEN_FILE);
  const shown = (file) => {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  };
  return { dir, credentials, token, credentialsShown: shown(credentials), tokenShown: shown(token) };
}

/** Writes the empty credentials.json on the first run; false when it did. */
function ensureCredentials(files, script) {
  if (fs.existsSync(files.credentials)) return true;
  fs.writeFileSync(files.credentials, `${JSON.stringify(TEMPLATE, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  console.log(`Created ${files.credentialsShown} (readable only by you):`);
  console.log(JSON.stringify(TEMPLATE, null, 2));
  console.log('');
  console.log('Fill in the empty fields, then run this script again:');
  console.log('  appID, clientSecret   OAuth 2.0 Application Management → your app');
  console.log('  companyUUID,          Authentication Admin → Company Request Token');
  console.log('  companyRequestToken   (valid 24 hours, usable once)');
  console.log(`  node ${script}`);
  return false;
}

/** What credentials.json holds, secrets shown only as set or empty. */
function describeCredentials(files) {
  let creds = {};
  try {
    creds = JSON.parse(fs.readFileSync(files.credentials, 'utf8'));
  } catch {
    return `${files.credentialsShown}: not valid JSON`;
  }
  const shown = (v) => (typeof v === 'string' && v.trim() ? v : '(empty)');
  const secret = (v) => (typeof v === 'string' && v.trim() ? '[redacted]' : '(empty)');
  return [
    `Credentials from ${files.credentialsShown}:`,
    `  appID:               ${shown(creds.appID)}`,
    `  clientSecret:        ${secret(creds.clientSecret)}`,
    `  companyUUID:         ${shown(creds.companyUUID)}`,
    `  companyRequestToken: ${secret(creds.companyRequestToken)}`,
  ].join('\n');
}

function manager(files) {
  const baseUrl = process.env.CONCUR_BASE_URL;
  return lib.TokenManager.fromFiles(files.credentials, files.token, baseUrl ? { baseUrl } : {});
}

function when(unixSeconds) {
  return unixSeconds === null ? 'an unknown time' : new Date(unixSeconds * 1000).toISOString();
}

function describeStatus(files, status) {
  if (!status.initialized) return `No refresh token is stored in ${files.tokenShown}.`;
  const lines = [
    `Refresh token (stored in ${files.tokenShown}, mode 0600, value not shown):`,
    `  expires:     ${when(status.refreshTokenExpiresAt)}` +
      (status.refreshTokenDaysLeft === null ? '' : ` (${status.refreshTokenDaysLeft} days left)`),
    `  geolocation: ${status.geolocation ?? 'unknown'}`,
    `  company:     ${status.companyUuid ?? 'unknown'}`,
  ];
  if (status.refreshTokenExpired) lines.push('  EXPIRED: only a new company request token can replace it.');
  else if (status.refreshTokenExpiringSoon) {
    lines.push('  Expires soon: it is renewed by use, but plan a new company request token.');
  }
  return lines.join('\n');
}

/**
 * Tutorial 2's logic: use the stored refresh token while it is valid, else
 * exchange the company request token from credentials.json and store the result.
 */
async function loadOrCreateRefreshToken(files, m) {
  const status = await m.status();
  if (status.initialized && !status.refreshTokenExpired) {
    console.log(`Loaded a valid refresh token from ${files.tokenShown}.`);
    return status;
  }
  if (status.refreshTokenExpired) {
    console.log(`The refresh token in ${files.tokenShown} expired on ${when(status.refreshTokenExpiresAt)}.`);
  } else {
    console.log(`No stored refresh token found in ${files.tokenShown}.`);
  }
  console.log(`Exchanging the company request token from ${files.credentialsShown} for a refresh token…`);
  const fresh = await m.exchangeRequestToken();
  console.log(`Stored the new refresh token in ${files.tokenShown}.`);
  return fresh;
}

/** What to do about an error, by its stable code. */
const HINTS = {
  config: `Check ${CREDENTIALS_FILE}.`,
  auth: 'Check appID and clientSecret; a company request token is valid for 24 hours, then a new one is needed.',
  refresh_token_expired: `Generate a new company request token, put it in ${CREDENTIALS_FILE} and run GetRefreshToken.js.`,
  not_initialized: 'Run GetRefreshToken.js first.',
  corrupt_store: `The unreadable ${TOKEN_FILE} was kept as ${TOKEN_FILE}.corrupt-*; run GetRefreshToken.js with a new company request token.`,
  network: 'Check the network connection and CONCUR_BASE_URL.',
  timeout: 'Concur did not answer in time; try again later.',
  server: 'Concur is overloaded or down; try again later.',
};

/**
 * Runs `main(files)` with the tutorial files of the script in `scriptDir`,
 * maps its outcome to an exit code, never prints a secret.
 */
function run(scriptDir, main) {
  Promise.resolve()
    .then(() => main(tutorialFiles(filesFolder(scriptDir))))
    .then(
      (code) => {
        process.exitCode = code ?? 0;
      },
      (err) => {
        const code = err && err.code ? err.code : 'error';
        console.error(`Error [${code}]: ${err && err.message ? err.message : err}`);
        if (HINTS[code]) console.error(HINTS[code]);
        process.exitCode = 1;
      },
    );
}

module.exports = {
  lib,
  CREDENTIALS_FILE,
  TOKEN_FILE,
  EXIT_FILL_IN,
  filesFolder,
  tutorialFiles,
  ensureCredentials,
  describeCredentials,
  describeStatus,
  loadOrCreateRefreshToken,
  manager,
  when,
  run,
};
