// concur-auth for Node.js: the CommonJS entry (index.mjs re-exports it for ESM).
//
// Loads the native module (napi-rs over the Rust core) and adds what is
// idiomatic in JavaScript and nothing the core decides:
//   - errors: the native layer throws a structured error (errors.rs); it becomes
//     the ConcurAuthError subclass of its stable `code`;
//   - util.inspect / toJSON / toString that never show a secret;
//   - concurFetch(manager, pathOrUrl, init) and manager.fetch(): the global
//     fetch with the bearer header, retried once after a refresh on 401;
//   - manager.readList(): a Pager that `for await` reads record by record.
'use strict';

const path = require('node:path');
const util = require('node:util');
const platform = require('./platform.js');

/**
 * The native module: a source build in this folder (`npm run build`) first,
 * else this platform's prebuilt package (an optional dependency; no install
 * script). Never builds anything.
 */
function loadNative() {
  const local = path.join(__dirname, platform.nativeFile);
  if (require('node:fs').existsSync(local)) return require(local);
  try {
    return require(platform.packageName);
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes(platform.packageName)) {
      throw new Error(`concur-auth: no prebuilt native module for this platform (${platform.packageName} is not installed); ${platform.buildHint}`);
    }
    throw err;
  }
}

const native = loadNative();

// ---------------------------------------------------------------------------
// Errors

/** Every error this package throws; `code` is the core's stable code. */
class ConcurAuthError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = new.target.name;
    /** Stable code, the same in every language (`auth`, `refresh_token_expired`, …). */
    this.code = details.code ?? new.target.code ?? 'unknown';
    /** Concur's numeric error code, when the server sent one. */
    this.concurCode = details.concurCode ?? null;
    /** HTTP status of the failing reply, when there was one. */
    this.httpStatus = details.httpStatus ?? null;
    /** `concur-correlationid` of the failing reply: quote it to SAP support. */
    this.correlationId = details.correlationId ?? null;
    if (details.nextStartIndex !== undefined) {
      // A list read (readList) that stopped: how far it got, where to resume.
      this.recordsRead = details.recordsRead;
      this.pagesRead = details.pagesRead;
      this.nextStartIndex = details.nextStartIndex;
    }
  }
}

// The class name and description of each stable code. The tree (which class
// extends which) is not written here: it is the core's family table
// (native.errorFamilies(), parents first), the same in every language.
const ERROR_NAMES = {
  config: ['ConfigurationError', 'missing or invalid configuration'],
  auth: ['AuthenticationError', 'Concur refused the client or company credentials'],
  refresh_token_expired: [
    'RefreshTokenExpiredError',
    'the refresh token is expired, revoked or unknown: generate a new company request token',
  ],
  not_initialized: ['NotInitializedError', 'no refresh token is stored yet'],
  network: ['NetworkError', 'the connection failed'],
  timeout: ['TimeoutError', 'Concur did not answer in time'],
  server: ['ServerError', 'Concur kept answering 5xx/429'],
  invalid_response: ['InvalidResponseError', 'Concur answered an unexpected shape'],
  store: ['StoreError', 'reading, writing or locking the token store failed'],
  corrupt_store: ['CorruptStoreError', 'the token store is unreadable (moved aside)'],
  host_not_allowed: ['HostNotAllowedError', 'a URL is not HTTPS or not an allowed host'],
  api: ['ApiError', 'a Concur API call answered an error status'],
};

const ERROR_CLASSES = {};

for (const { code, parent } of native.errorFamilies()) {
  const known = ERROR_NAMES[code];
  // Every code the core knows must have a name (checked once, at load).
  if (!known) throw new Error(`concur-auth: no error class for core error code ${code}; update index.js`);
  const [name, doc] = known;
  const base = parent == null ? ConcurAuthError : ERROR_CLASSES[parent];
  // A named class per kind, so stack traces and `instanceof` read naturally.
  const cls = { [name]: class extends base {} }[name];
  Object.defineProperty(cls, 'code', { value: code, enumerable: true });
  Object.defineProperty(cls, 'description', { value: doc });
  ERROR_CLASSES[code] = cls;
}

const {
  config: ConfigurationError,
  auth: AuthenticationError,
  refresh_token_expired: RefreshTokenExpiredError,
  not_initialized: NotInitializedError,
  network: NetworkError,
  timeout: TimeoutError,
  server: ServerError,
  invalid_response: InvalidResponseError,
  store: StoreError,
  corrupt_store: CorruptStoreError,
  host_not_allowed: HostNotAllowedError,
  api: ApiError,
} = ERROR_CLASSES;

const MARKER = 'concur-auth-error:';

/** The ConcurAuthError for a native error; other errors pass through. */
function toConcurError(err) {
  if (err instanceof ConcurAuthError) return err;
  const message = err && typeof err.message === 'string' ? err.message : '';
  if (!message.startsWith(MARKER)) return err;
  let payload;
  try {
    payload = JSON.parse(message.slice(MARKER.length));
  } catch {
    return err;
  }
  const cls = ERROR_CLASSES[payload.code] || ConcurAuthError;
  return new cls(payload.display || payload.message, payload);
}

function configError(message) {
  return new ConfigurationError(message, { code: 'config' });
}

// ---------------------------------------------------------------------------
// Wrapping the native classes: errors, argument checks, inspection

function wrapSync(fn) {
  return function wrapped(...args) {
    try {
      return fn.apply(this, args);
    } catch (err) {
      throw toConcurError(err);
    }
  };
}

function wrapAsync(fn) {
  return function wrapped(...args) {
    let promise;
    try {
      promise = fn.apply(this, args);
    } catch (err) {
      return Promise.reject(toConcurError(err));
    }
    return promise.then(undefined, (err) => {
      throw toConcurError(err);
    });
  };
}

function patch(target, name, wrapper) {
  const original = target[name];
  if (typeof original !== 'function') throw new Error(`concur-auth: native ${name} is missing`);
  Object.defineProperty(target, name, {
    value: wrapper(original),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

const STRING_OPTIONS = ['clientId', 'clientSecret', 'companyUuid', 'requestToken', 'tokenFile', 'store', 'baseUrl', 'scope'];
const NUMBER_OPTIONS = ['leewaySeconds', 'hardMarginSeconds', 'requestTimeoutMs', 'connectTimeoutMs', 'lockWaitMs', 'maxAttempts'];

// Checked here so that a wrongly typed value (maybe a secret) is never quoted
// by the native argument conversion.
function checkOptions(options, where, allowed) {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object') throw configError(`${where}: options must be an object`);
  for (const key of Object.keys(options)) {
    const value = options[key];
    if (value === undefined || value === null) continue;
    if (allowed && !allowed.includes(key)) {
      throw configError(`${where}: unknown option ${JSON.stringify(key)} (known: ${allowed.join(', ')})`);
    }
    if (STRING_OPTIONS.includes(key) && typeof value !== 'string') {
      throw configError(`${where}: option ${key} must be a string`);
    }
    if (NUMBER_OPTIONS.includes(key) && (typeof value !== 'number' || !(value >= 0))) {
      throw configError(`${where}: option ${key} must be a non-negative number`);
    }
    if (key === 'strict' && typeof value !== 'boolean') {
      throw configError(`${where}: option strict must be a boolean`);
    }
    if (key === 'allowedHosts' && !(Array.isArray(value) && value.every((h) => typeof h === 'string'))) {
      throw configError(`${where}: option allowedHosts must be an array of host names`);
    }
  }
}

function checkString(value, name, where) {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw configError(`${where}: ${name} must be a string`);
  }
}

const MANAGER_OPTIONS = [
  'baseUrl',
  'allowedHosts',
  'leewaySeconds',
  'hardMarginSeconds',
  'strict',
  'scope',
  'requestTimeoutMs',
  'connectTimeoutMs',
  'lockWaitMs',
  'maxAttempts',
];
const FROM_FILES_OPTIONS = [...MANAGER_OPTIONS, 'store'];
const CONSTRUCTOR_OPTIONS = ['clientId', 'clientSecret', 'companyUuid', 'requestToken', 'tokenFile', 'store', ...MANAGER_OPTIONS];

const NativeTokenManager = native.TokenManager;
const NativeApiResponse = native.ApiResponse;
const managerProto = NativeTokenManager.prototype;

for (const name of ['forceRefresh', 'status', 'revoke', 'apiUrl', 'replaceRejected']) {
  patch(managerProto, name, wrapAsync);
}
patch(managerProto, 'exchangeRequestToken', (fn) =>
  wrapAsync(function exchangeRequestToken(options) {
    checkOptions(options, 'exchangeRequestToken()', ['force']);
    const force = options?.force;
    if (force !== undefined && force !== null && typeof force !== 'boolean') {
      throw configError('exchangeRequestToken(): option force must be a boolean');
    }
    return fn.call(this, { force: force === true });
  }),
);
patch(managerProto, 'request', (fn) =>
  wrapAsync(function request(method, requestPath, body) {
    checkString(method, 'method', 'request()');
    checkString(requestPath, 'path', 'request()');
    return body === undefined || body === null
      ? fn.call(this, method, requestPath)
      : fn.call(this, method, requestPath, body);
  }),
);

// ---------------------------------------------------------------------------
// accessToken() and cachedAccessToken(): the token's JavaScript string is kept
//
// Building the string in Rust at every call cost ~14x a bare `await` (issue
// 17). So each manager keeps a copy of the token's string here, with the value
// of the core's change counter read before it was taken (the native module maps
// that counter into an Int32Array: JavaScript reads it without calling Rust;
// the core moves it at every change of the cached token: any refresh, a
// forced one, a 401 replacement, a token adopted from the store, a revoke) and
// the instant the token turns stale. The copy is served while the counter is
// unchanged and that instant is ahead, with no call into Rust. Past it, every
// call asks the core, exactly as before the copy: a stale token is served while
// the core keeps one background refresh running, an expired one is waited for
// (while the counter is unchanged the core's answer is about the copy's token,
// so the question is asked without building the string again). Time alone
// never keeps a copy the core has replaced, and no call past the stale instant
// goes without the core.

const nativeAccessToken = wrapAsync(managerProto.accessToken);
// The clock the core reads (the system's), captured here: a test's fake timers
// that replace Date later must not keep a copy past the real stale instant.
const dateNow = Date.now;
const nativeCachedAccessTokenUntil = takeNative('cachedAccessTokenUntil');
const nativeCachedAccessTokenState = takeNative('cachedAccessTokenState');
const nativeTokenGeneration = takeNative('tokenGeneration');

/** The native method for this file alone: taken off the public prototype. */
function takeNative(name) {
  const fn = managerProto[name];
  if (typeof fn !== 'function') throw new Error(`concur-auth: native ${name} is missing`);
  delete managerProto[name];
  return fn;
}

/** Returns its argument from `super()`, so that a subclass adds its private fields to any object. */
class Stamped {
  constructor(target) {
    return target;
  }
}

/**
 * One manager's copy of its token, in a private field of the manager itself:
 * no inspect, JSON, property listing or Proxy reaches it.
 */
class TokenCopy extends Stamped {
  #copy;

  constructor(manager, copy) {
    super(manager);
    this.#copy = copy;
  }

  /** The manager's copy, current or not; undefined before its first call. */
  static #of(manager) {
    return typeof manager === 'object' && manager !== null && #copy in manager ? manager.#copy : undefined;
  }

  /** The copy, if it is current: the hot path (no call into Rust). */
  static current(manager) {
    const copy = TokenCopy.#of(manager);
    return copy !== undefined && copy.counter !== null && copy.counter[0] === copy.generation && dateNow() < copy.freshUntil
      ? copy
      : undefined;
  }

  /**
   * The core's answer past the fast path: the token to serve (the core has
   * made sure one background refresh runs if it is stale), or null when it
   * must be waited for (expired, nothing adopted yet, or stale in strict mode).
   */
  static fromCore(manager) {
    let copy = TokenCopy.#of(manager);
    if (copy === undefined) {
      // The first call; the native call also refuses a `this` that is no manager.
      const buffer = nativeTokenGeneration.call(manager);
      copy = { counter: buffer ? new Int32Array(buffer) : null, generation: 0, freshUntil: 0, token: null };
      new TokenCopy(manager, copy);
    }
    const { counter } = copy;
    if (counter !== null && copy.token !== null && counter[0] === copy.generation) {
      // The core's token is the copy's: ask about its state, not for the string.
      const state = nativeCachedAccessTokenState.call(manager);
      // Unchanged after the answer too: the answer was about the copy's token.
      if (counter[0] === copy.generation) {
        if (state < 0) return null;
        copy.freshUntil = state;
        return copy.token;
      }
    }
    // Read before the token: a change in between leaves the copy outdated, never served.
    const generation = counter === null ? 0 : counter[0];
    const cached = nativeCachedAccessTokenUntil.call(manager);
    if (cached === null) return null;
    if (counter !== null) {
      copy.token = cached.token;
      copy.generation = generation;
      copy.freshUntil = cached.freshUntilMs ?? 0;
    }
    return cached.token;
  }

  static {
    Object.defineProperty(managerProto, 'accessToken', {
      value: function accessToken() {
        const copy = TokenCopy.current(this);
        if (copy !== undefined) return Promise.resolve(copy.token);
        let token;
        try {
          token = TokenCopy.fromCore(this);
        } catch (err) {
          return Promise.reject(toConcurError(err));
        }
        // null: the core waits for one shared refresh.
        return token === null ? nativeAccessToken.call(this) : Promise.resolve(token);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
    Object.defineProperty(managerProto, 'cachedAccessToken', {
      value: function cachedAccessToken() {
        const copy = TokenCopy.current(this);
        if (copy !== undefined) return copy.token;
        try {
          return TokenCopy.fromCore(this);
        } catch (err) {
          throw toConcurError(err);
        }
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

Object.defineProperty(managerProto, util.inspect.custom, {
  value: function inspect(depth, options, inspectFn = util.inspect) {
    return `TokenManager ${inspectFn(this.toJSON(), options)}`;
  },
  configurable: true,
});

patch(NativeApiResponse.prototype, 'json', wrapSync);
patch(NativeApiResponse.prototype, 'errorForStatus', (fn) =>
  wrapSync(function errorForStatus(what) {
    fn.call(this, what);
    return this;
  }),
);
Object.defineProperty(NativeApiResponse.prototype, 'toJSON', {
  value: function toJSON() {
    return {
      status: this.status,
      contentType: this.contentType,
      correlationId: this.correlationId,
      body: this.body,
    };
  },
  configurable: true,
  writable: true,
});
Object.defineProperty(NativeApiResponse.prototype, util.inspect.custom, {
  value: function inspect(depth, options, inspectFn = util.inspect) {
    const body = this.body;
    const shown = {
      status: this.status,
      contentType: this.contentType,
      correlationId: this.correlationId,
      body: body.length > 200 ? `${body.slice(0, 200)}… (${body.length} chars)` : body,
    };
    return `ApiResponse ${inspectFn(shown, options)}`;
  },
  configurable: true,
});

// The public class: the native one, with argument checks and error mapping
// on the constructor and the factories (whose native statics are read-only).
// Instances the native factories create are `instanceof TokenManager` too.
class TokenManager extends NativeTokenManager {
  constructor(options) {
    if (options === undefined || options === null) {
      throw configError('new TokenManager(): pass { clientId, clientSecret, ... }');
    }
    checkOptions(options, 'new TokenManager()', CONSTRUCTOR_OPTIONS);
    try {
      // Missing credentials reach the core as empty, which names the field.
      super({ ...options, clientId: options.clientId ?? '', clientSecret: options.clientSecret ?? '' });
    } catch (err) {
      throw toConcurError(err);
    }
  }

  static fromFiles(credentials, tokenFile, options) {
    checkString(credentials, 'credentials', 'TokenManager.fromFiles()');
    checkString(tokenFile, 'tokenFile', 'TokenManager.fromFiles()');
    checkOptions(options, 'TokenManager.fromFiles()', FROM_FILES_OPTIONS);
    try {
      return NativeTokenManager.fromFiles(credentials, tokenFile, options);
    } catch (err) {
      throw toConcurError(err);
    }
  }

  static fromEnv() {
    try {
      return NativeTokenManager.fromEnv();
    } catch (err) {
      throw toConcurError(err);
    }
  }

  static [Symbol.hasInstance](value) {
    return value instanceof NativeTokenManager;
  }
}

// ---------------------------------------------------------------------------
// fetch helper

function resendable(body) {
  if (body === undefined || body === null) return true;
  if (typeof body === 'string' || body instanceof URLSearchParams || ArrayBuffer.isView(body)) return true;
  if (body instanceof ArrayBuffer) return true;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return true;
  if (typeof FormData !== 'undefined' && body instanceof FormData) return true;
  return false; // streams and async iterables are read once
}

/**
 * The global `fetch` with `Authorization: Bearer <access token>`. `input` is an
 * API path (starting with one `/`, resolved under the token's geolocation) or
 * an absolute URL on a host allowed to receive tokens (else
 * HostNotAllowedError, before anything is sent). On 401 the token is refreshed
 * once and the request sent again (unless its body is a stream). Redirects are
 * not followed unless `init.redirect` is 'follow'; then each hop is checked
 * like `input`, and a hop to a host that may not receive tokens is sent
 * without the token (and its 401 is returned as is, never answered with a
 * refreshed token).
 */
async function concurFetch(manager, input, init = {}) {
  if (!(manager instanceof NativeTokenManager)) {
    throw configError('concurFetch(manager, input, init): manager must be a TokenManager');
  }
  if (input instanceof URL) input = input.href;
  if (typeof input !== 'string') {
    throw configError('concurFetch(): input must be an API path or a URL string');
  }
  init = init ?? {};
  const follow = init.redirect === undefined ? false : init.redirect === 'follow';
  let url = await manager.apiUrl(input);
  let hopInit = init;
  for (let hops = 0; ; hops += 1) {
    const response = await sendWithToken(manager, url, hopInit);
    const location = response.headers.get('location');
    if (init.redirect === 'error' && REDIRECTS.has(response.status)) {
      throw new TypeError(`concurFetch(): redirected (HTTP ${response.status}) while init.redirect is 'error'`);
    }
    if (!follow || !REDIRECTS.has(response.status) || !location) return response;
    if (hops >= MAX_REDIRECTS) throw new TypeError(`concurFetch(): more than ${MAX_REDIRECTS} redirects`);
    if (response.body) await response.body.cancel().catch(() => {});
    const next = new URL(location, url).href;
    hopInit = redirectedInit(hopInit, response.status);
    try {
      url = await manager.apiUrl(next);
    } catch (err) {
      if (!(err instanceof ConcurAuthError)) throw err;
      // Not a host for tokens: the rest of the chain goes without one.
      const headers = new Headers(hopInit.headers);
      headers.delete('authorization');
      return fetch(next, { ...hopInit, headers, redirect: 'follow' });
    }
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

/** The fetch standard's method change: 303 (and 301/302 after a POST) become a GET without body. */
function redirectedInit(init, status) {
  const method = (init.method || 'GET').toUpperCase();
  if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
    const headers = new Headers(init.headers);
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) {
      headers.delete(name);
    }
    return { ...init, method: 'GET', body: undefined, headers };
  }
  return init;
}

/** One request to a URL the core accepted: the token, one refresh-and-retry on 401. */
async function sendWithToken(manager, url, init) {
  const send = async (token) => {
    // Checked again right before each request that carries a token.
    const checked = await manager.apiUrl(url);
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    return fetch(checked, { ...init, headers, redirect: 'manual' });
  };
  const token = await manager.accessToken();
  const response = await send(token);
  if (response.status !== 401 || !resendable(init.body)) return response;
  if (response.body) await response.body.cancel().catch(() => {});
  // The core shares one refresh among every caller that saw this token rejected.
  const fresh = await manager.replaceRejected(token);
  return send(fresh);
}

// ---------------------------------------------------------------------------
// Whole lists: the native Pager reads a page per nextPage(); here it becomes an
// async iterable of records, and pages() one of pages.

const pagerProto = native.Pager.prototype;
patch(managerProto, 'readList', (fn) =>
  wrapSync(function readList(listPath, options) {
    checkString(listPath, 'path', 'readList()');
    checkOptions(options, 'readList()', ['pageSize', 'maxPages']);
    for (const key of ['pageSize', 'maxPages']) {
      const value = options?.[key];
      if (value !== undefined && value !== null && !(Number.isInteger(value) && value >= 1)) {
        throw configError(`readList(): option ${key} must be a whole number of at least 1`);
      }
    }
    return fn.call(this, listPath ?? undefined, options ?? undefined);
  }),
);
patch(pagerProto, 'nextPage', (fn) =>
  wrapAsync(async function nextPage() {
    const json = await fn.call(this);
    return json === null ? null : JSON.parse(json);
  }),
);
Object.defineProperties(pagerProto, {
  pages: {
    value: async function* pages() {
      for (;;) {
        const page = await this.nextPage();
        if (page === null) return;
        yield page;
      }
    },
    writable: true,
    configurable: true,
  },
  [Symbol.asyncIterator]: {
    value: async function* records() {
      for await (const page of this.pages()) yield* page.records;
    },
    writable: true,
    configurable: true,
  },
});

Object.defineProperty(managerProto, 'fetch', {
  value: function fetchWithToken(input, init) {
    return concurFetch(this, input, init);
  },
  writable: true,
  configurable: true,
});

module.exports = {
  TokenManager,
  ApiResponse: NativeApiResponse,
  Pager: native.Pager,
  concurFetch,
  ConcurAuthError,
  ConfigurationError,
  AuthenticationError,
  RefreshTokenExpiredError,
  NotInitializedError,
  NetworkError,
  TimeoutError,
  ServerError,
  InvalidResponseError,
  StoreError,
  CorruptStoreError,
  HostNotAllowedError,
  ApiError,
  errorCodes: native.errorCodes,
  errorFamilies: native.errorFamilies,
  coreVersion: native.coreVersion,
  version: require('./package.json').version,
};
