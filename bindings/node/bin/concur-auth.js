#!/usr/bin/env node
// `npx concur-auth …`: runs the Rust `concur-auth` command when it can find it,
// otherwise a JavaScript subset of it built on this package.
//
// Where the Rust binary is looked for, in order:
//   1. $CONCUR_AUTH_BIN (a path; the value `builtin` forces the JavaScript subset)
//   2. <repo>/target/x86_64-unknown-linux-gnu/debug/concur-auth (this package inside the repo)
//   3. `concur-auth` on PATH (an ELF executable, so npm's own shim is never re-run)
//
// The JavaScript subset implements init, exchange, token, status, call and
// revoke with the Rust command's options and exit codes; not `demo` (that
// needs the Rust binary's embedded fake server) nor `-v` logging.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const REPO_BINARY = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'target',
  'x86_64-unknown-linux-gnu',
  'debug',
  'concur-auth',
);

function isElfExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    if (!fs.statSync(file).isFile()) return false;
    const fd = fs.openSync(file, 'r');
    try {
      const magic = Buffer.alloc(4);
      fs.readSync(fd, magic, 0, 4, 0);
      return magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The Rust binary to run, or null for the JavaScript subset. */
function findBinary(env = process.env) {
  const explicit = env.CONCUR_AUTH_BIN;
  if (explicit !== undefined && explicit !== '') {
    if (explicit === 'builtin') return null;
    return explicit;
  }
  if (isElfExecutable(REPO_BINARY)) return REPO_BINARY;
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'concur-auth');
    if (isElfExecutable(candidate)) return candidate;
  }
  return null;
}

const USAGE = `usage: concur-auth [options] <command>

JavaScript subset of the Rust concur-auth command (same commands, options and
exit codes, except demo):
  init                     write an empty credentials.json (mode 0600; never overwrites)
  exchange                 trade the company request token for a refresh token (once)
  token                    print a valid access token and nothing else
  status [--json]          both expiries, days left, the geolocation (no network)
  call <METHOD> <PATH> [--data JSON]
                           call a Concur API under the token's geolocation, print the body
  revoke                   revoke the app's refresh tokens and clear the token store

options:
  --credentials FILE       default credentials.json
  --token-file FILE        default refreshTokenObjectFile.json
  --store LOCATION         instead of the token file: a path, memory: or redis://… (env CONCUR_STORE)
  --base-url URL           token host of the first exchange (env CONCUR_BASE_URL)
  --allow-host HOST        another host allowed to receive tokens (repeatable)
  --leeway SECS            renew the access token this long before expiry (default 300)

exit codes: 0 success, 1 unexpected failure, 2 usage error, 3 configuration,
  4 Concur refused the credentials, 5 a company request token is needed,
  6 Concur unreachable or failing, 7 token store, 8 host refused,
  9 unexpected reply, 10 the API call answered an HTTP error status
`;

/** The Rust CLI's exit code for each error code (crates/concur-auth-cli/src/exit_code.rs). */
const EXIT_CODES = {
  config: 3,
  auth: 4,
  refresh_token_expired: 5,
  not_initialized: 5,
  network: 6,
  timeout: 6,
  server: 6,
  store: 7,
  corrupt_store: 7,
  host_not_allowed: 8,
  invalid_response: 9,
  api: 10,
};

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { positional: [], json: false, allowedHosts: [] };
  for (let i = 0; i < argv.length; i += 1) {
    let arg = argv[i];
    let inline;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      i += 1;
      return argv[i];
    };
    if (arg === '--credentials') opts.credentials = value();
    else if (arg === '--token-file') opts.tokenFile = value();
    else if (arg === '--store') opts.store = value();
    else if (arg === '--base-url') opts.baseUrl = value();
    else if (arg === '--allow-host') opts.allowedHosts.push(value());
    else if (arg === '--leeway') {
      const secs = Number(value());
      if (!Number.isInteger(secs) || secs < 0) throw new UsageError('--leeway takes whole seconds');
      opts.leeway = secs;
    } else if (arg === '--data') opts.data = value();
    else if (arg === '--json') opts.json = true;
    else if (/^-v+$/.test(arg) || arg === '--verbose') opts.verbose = true;
    else if (arg === '-h' || arg === '--help') opts.help = true;
    else if (arg === '-V' || arg === '--version') opts.version = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else opts.positional.push(arg);
  }
  return opts;
}

function manager(lib, opts) {
  const store = opts.store || process.env.CONCUR_STORE || undefined;
  return lib.TokenManager.fromFiles(opts.credentials || 'credentials.json', opts.tokenFile || 'refreshTokenObjectFile.json', {
    baseUrl: opts.baseUrl || process.env.CONCUR_BASE_URL || undefined,
    allowedHosts: opts.allowedHosts.length ? opts.allowedHosts : undefined,
    leewaySeconds: opts.leeway,
    store,
  });
}

function when(unixSeconds) {
  return unixSeconds === null ? 'unknown' : new Date(unixSeconds * 1000).toISOString();
}

function printStatus(status) {
  const lines = [
    `store:          ${status.store}`,
    `initialized:    ${status.initialized ? 'yes' : 'no (run `concur-auth exchange`)'}`,
  ];
  if (status.initialized) {
    lines.push(
      `access token:   ${status.accessTokenValid ? 'valid' : 'stale'} until ${when(status.accessTokenExpiresAt)}`,
      `refresh token:  ${status.refreshTokenExpired ? 'EXPIRED' : 'valid'} until ${when(status.refreshTokenExpiresAt)}` +
        (status.refreshTokenDaysLeft === null ? '' : ` (${status.refreshTokenDaysLeft} days left)`),
      `geolocation:    ${status.geolocation ?? 'unknown'}`,
      `company:        ${status.companyUuid ?? 'unknown'}`,
    );
    if (status.refreshTokenExpiringSoon) {
      lines.push('warning:        the refresh token expires soon; plan a new company request token');
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The core's Status as the Rust CLI prints it with --json (snake_case). */
function statusJson(status) {
  return {
    initialized: status.initialized,
    access_token_valid: status.accessTokenValid,
    access_token_expires_at: status.accessTokenExpiresAt,
    refresh_token_expires_at: status.refreshTokenExpiresAt,
    refresh_token_days_left: status.refreshTokenDaysLeft,
    refresh_token_expiring_soon: status.refreshTokenExpiringSoon,
    refresh_token_expired: status.refreshTokenExpired,
    geolocation: status.geolocation,
    company_uuid: status.companyUuid,
    store: status.store,
  };
}

async function builtin(argv) {
  const opts = parseArgs(argv);
  const lib = require('..');
  if (opts.version) {
    process.stdout.write(`concur-auth ${lib.version} (Node.js subset)\n`);
    return 0;
  }
  const [command, ...rest] = opts.positional;
  if (opts.help || !command) {
    process.stdout.write(USAGE);
    return opts.help ? 0 : 2;
  }
  const arity = { init: 0, exchange: 0, token: 0, status: 0, call: 2, revoke: 0, demo: 0 };
  if (command in arity && rest.length !== arity[command]) {
    throw new UsageError(`${command} takes ${arity[command] || 'no'} argument${arity[command] === 1 ? '' : 's'}`);
  }
  switch (command) {
    case 'init': {
      const file = opts.credentials || 'credentials.json';
      const template = {
        appID: '',
        clientSecret: '',
        grantType: 'password',
        companyUUID: '',
        companyRequestToken: '',
        credentialType: 'authtoken',
      };
      try {
        fs.writeFileSync(file, `${JSON.stringify(template, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        const why = err.code === 'EEXIST' ? 'already exists; not overwriting it (remove it first if you mean to)' : `could not be created: ${err.message}`;
        throw new lib.ConfigurationError(`${file} ${why}`);
      }
      process.stdout.write(
        `wrote ${file} (mode 0600). Fill in appID and clientSecret (OAuth 2.0 Application Management) and companyUUID and companyRequestToken (Authentication Admin → Company Request Token), then run \`concur-auth exchange\`.\n`,
      );
      return 0;
    }
    case 'exchange': {
      printStatus(await manager(lib, opts).exchangeRequestToken());
      return 0;
    }
    case 'token': {
      process.stdout.write(`${await manager(lib, opts).accessToken()}\n`);
      return 0;
    }
    case 'status': {
      const status = await manager(lib, opts).status();
      if (opts.json) process.stdout.write(`${JSON.stringify(statusJson(status))}\n`);
      else printStatus(status);
      return 0;
    }
    case 'call': {
      const [method, apiPath] = rest;
      let body;
      if (opts.data !== undefined) {
        try {
          body = JSON.parse(opts.data);
        } catch (err) {
          throw new lib.ConfigurationError(`--data is not valid JSON (${err.message})`);
        }
      }
      const response = await manager(lib, opts).request(method, apiPath, body);
      if (response.body) process.stdout.write(response.body.endsWith('\n') ? response.body : `${response.body}\n`);
      response.errorForStatus(`${method.toUpperCase()} ${apiPath}`);
      return 0;
    }
    case 'revoke': {
      const m = manager(lib, opts);
      await m.revoke();
      process.stdout.write(
        `revoked: every refresh token of this app for the company is now invalid, and the token store ${m.toJSON().store} was cleared\n`,
      );
      return 0;
    }
    case 'demo':
      process.stderr.write(
        'concur-auth: error: `demo` needs the Rust concur-auth binary (build it with `cargo build -p concur-auth-cli`, or set CONCUR_AUTH_BIN)\n',
      );
      return 1;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

function runBinary(binary, argv) {
  const result = spawnSync(binary, argv, {
    stdio: 'inherit',
    env: { ...process.env, CONCUR_AUTH_NODE_SHIM: '1' },
  });
  if (result.error) {
    process.stderr.write(`concur-auth: could not run ${binary}: ${result.error.message}\n`);
    return 127;
  }
  if (result.signal) return 128 + (require('node:os').constants.signals[result.signal] || 0);
  return result.status;
}

async function main(argv) {
  const binary = process.env.CONCUR_AUTH_NODE_SHIM === '1' ? null : findBinary();
  if (binary) return runBinary(binary, argv);
  try {
    return await builtin(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`concur-auth: error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`concur-auth: error: ${err && err.message ? err.message : err}\n`);
    return (err && EXIT_CODES[err.code]) || 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { findBinary, REPO_BINARY, main };
