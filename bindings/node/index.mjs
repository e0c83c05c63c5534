// concur-auth, ESM entry: the same objects as the CommonJS entry (index.js).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('./index.js');

export const {
  TokenManager,
  ApiResponse,
  Pager,
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
  errorCodes,
  errorFamilies,
  coreVersion,
  version,
} = api;

export default api;
