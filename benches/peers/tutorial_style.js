// A peer for `bash scripts/bench.sh`: the token logic of SAP's tutorial scripts
// (RefreshTokenManagement.js, CallingAPIs.js), written from the tutorial texts in
// shared/seeds/ as pipelines copy it: read refreshTokenObjectFile.json, check
// `refresh_expires_in * 1000 > Date.now()`, POST the refresh grant with Node's
// http(s) module, write the whole reply (+ companyUUID) back with
// fs.writeFileSync (no lock, not atomic), then call Profile v4 with the bearer
// token. One refresh per run (or per call when used as a library), no shared
// state, no retries: what the benchmark compares concur-auth with.
//
// Unlike the tutorial it never prints a token except in the `token` and
// `print-cached` modes (whose stdout the benchmark discards), and it talks only
// to the loopback fake server named by TUTORIAL_BASE_URL (the tutorial hard-codes
// https://us.api.concursolutions.com).
//
//   TUTORIAL_BASE_URL=http://127.0.0.1:PORT node tutorial_style.js token         # in the folder of the files
//   node tutorial_style.js print-cached                                          # read the file, print the token
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');

const TOKEN_FILE = 'refreshTokenObjectFile.json';
const CREDENTIALS_FILE = 'credentials.json';

function baseUrl() {
  const url = process.env.TUTORIAL_BASE_URL || '';
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url.replace(/\/$/, ''))) {
    throw new Error('TUTORIAL_BASE_URL must be the loopback fake server (http://127.0.0.1:PORT)');
  }
  return url.replace(/\/$/, '');
}

// Tutorial 1/2: the credentials object read from credentials.json.
function loadCredentials(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, CREDENTIALS_FILE), 'utf8'));
}

// Tutorial 2: load the stored refresh token object and check its expiry.
function loadRefreshTokenObject(dir) {
  const obj = JSON.parse(fs.readFileSync(path.join(dir, TOKEN_FILE), 'utf8'));
  if (!(obj.refresh_token && obj.refresh_expires_in * 1000 > Date.now())) {
    throw new Error('no valid refresh token stored');
  }
  return obj;
}

function send(url, options, body) {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, options, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// Tutorial 3: refresh token → bearer token, and the reply stored as the new
// refreshTokenObjectFile.json (plain write, default permissions).
async function getBearerToken(dir, base = baseUrl()) {
  const credentials = loadCredentials(dir);
  const stored = loadRefreshTokenObject(dir);
  const form = new URLSearchParams({
    client_id: credentials.appID,
    client_secret: credentials.clientSecret,
    grant_type: 'refresh_token',
    refresh_token: stored.refresh_token,
  }).toString();
  const res = await send(`${base}/oauth2/v0/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': Buffer.byteLength(form),
    },
  }, form);
  if (res.status !== 200) throw new Error(`token request failed with HTTP ${res.status}`);
  const reply = JSON.parse(res.body);
  reply.companyUUID = credentials.companyUUID;
  fs.writeFileSync(path.join(dir, TOKEN_FILE), JSON.stringify(reply));
  return reply.access_token;
}

// Tutorial 3: GET Profile v4 with the bearer token.
async function callProfile(token, base = baseUrl()) {
  const res = await send(`${base}/profile/identity/v4/Users/`, {
    method: 'GET',
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
  });
  return res.status;
}

// CallingAPIs.js as a function a pipeline calls per API call: a new bearer
// token every time, then the call.
async function callingApis(dir, base = baseUrl()) {
  const token = await getBearerToken(dir, base);
  return callProfile(token, base);
}

module.exports = { loadCredentials, loadRefreshTokenObject, getBearerToken, callProfile, callingApis, send };

async function main() {
  const mode = process.argv[2];
  const dir = process.cwd();
  if (mode === 'token') {
    process.stdout.write(`${await getBearerToken(dir)}\n`);
  } else if (mode === 'print-cached') {
    const obj = JSON.parse(fs.readFileSync(path.join(dir, TOKEN_FILE), 'utf8'));
    process.stdout.write(`${obj.access_token}\n`);
  } else {
    process.stderr.write('usage: node tutorial_style.js token|print-cached\n');
    process.exitCode = 2;
  }
}

if (require.main === module) {
  main().catch((err) => {
    // Exit 3: a token file that did not parse (read while another process was
    // rewriting it). The message is not printed: JSON.parse quotes the text,
    // which may hold a token.
    if (err instanceof SyntaxError) {
      process.stderr.write('tutorial_style: the token file is not valid JSON\n');
      process.exitCode = 3;
      return;
    }
    process.stderr.write(`tutorial_style: ${err.message}\n`);
    process.exitCode = 1;
  });
}
