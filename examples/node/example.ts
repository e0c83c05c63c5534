// concur-auth from TypeScript: the tutorials' whole flow in one short program.
//
//   cd a folder holding credentials.json (the SAP tutorials' format)
//   node example.js              (after `tsc`; see docs/node.md)
//
// First run: exchanges the company request token and stores the refresh token
// in refreshTokenObjectFile.json (mode 0600). Every run: calls Profile v4 with
// an access token that is refreshed only when needed, and shows the token
// state. No secret is ever printed. CONCUR_BASE_URL overrides the token host.
import {
  ApiResponse,
  ConcurAuthError,
  NotInitializedError,
  RefreshTokenExpiredError,
  Status,
  TokenManager,
} from 'concur-auth';

interface ScimUser {
  id: string;
  userName: string;
  displayName?: string;
}

function describe(status: Status): string {
  const expires = status.refreshTokenExpiresAt === null ? 'unknown' : new Date(status.refreshTokenExpiresAt * 1000).toISOString();
  return `refresh token valid until ${expires} (${status.refreshTokenDaysLeft ?? '?'} days), geolocation ${status.geolocation ?? 'unknown'}`;
}

async function main(): Promise<number> {
  const baseUrl = process.env.CONCUR_BASE_URL;
  const manager = TokenManager.fromFiles('credentials.json', 'refreshTokenObjectFile.json', baseUrl ? { baseUrl } : {});
  console.log(`using ${manager}`);

  let status: Status = await manager.status();
  if (!status.initialized) {
    console.log('no refresh token stored yet: exchanging the company request token');
    status = await manager.exchangeRequestToken();
  }
  console.log(describe(status));

  const users: ApiResponse = await manager.request('GET', '/profile/identity/v4/Users/');
  users.errorForStatus('list users');
  const list = users.json() as { Resources: ScimUser[] };
  for (const user of list.Resources) console.log(`user ${user.userName} (${user.displayName ?? 'no name'})`);

  // The same call with the fetch helper: bearer header, one retry after a refresh on 401.
  const response: Response = await manager.fetch(`/profile/identity/v4/Users/${list.Resources[0].id}`);
  const one = (await response.json()) as ScimUser;
  console.log(`fetched ${one.id} with fetch(): HTTP ${response.status}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof RefreshTokenExpiredError) {
      console.error('the refresh token expired: put a new company request token in credentials.json and delete refreshTokenObjectFile.json');
    } else if (err instanceof NotInitializedError) {
      console.error('no refresh token: fill in credentials.json first');
    }
    if (err instanceof ConcurAuthError) {
      console.error(`error [${err.code}]: ${err.message}` + (err.correlationId ? ` (correlation id ${err.correlationId})` : ''));
    } else {
      console.error(err);
    }
    process.exitCode = 1;
  },
);
