//! Documented exit codes: scripts branch on them, so they never change meaning.

use concur_auth::ErrorKind;

/// The table shown by `--help`.
pub const HELP: &str = "Exit codes:
  0  success
  1  unexpected failure
  2  usage error (bad arguments)
  3  configuration: a credentials field or option is missing or wrong, or `exchange`
     would replace a live refresh token (add --force, or `revoke` first)
  4  Concur refused the credentials
  5  a company request token is needed (no refresh token stored, or it expired)
  6  Concur unreachable, timing out or failing (try again later)
  7  the token file could not be read, written or locked (or was corrupt and moved aside)
  8  a host was refused (not HTTPS, not a Concur host)
  9  Concur answered something unexpected
 10  the API call answered an HTTP error status
 `status --check [--days N]` (for monitoring):
 20  the refresh token expires within N days (default 30): run `concur-auth refresh` or plan a new request token
 21  the refresh token has expired: only a new company request token and `concur-auth exchange` help
 22  nothing is stored: run `concur-auth exchange`";

/// `status --check`: the refresh token expires within the days given.
pub const CHECK_EXPIRING: u8 = 20;
/// `status --check`: the refresh token has expired.
pub const CHECK_EXPIRED: u8 = 21;
/// `status --check`: nothing is stored.
pub const CHECK_NOTHING_STORED: u8 = 22;

/// The exit code for an error of `kind`.
pub fn for_kind(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Config => 3,
        ErrorKind::Auth => 4,
        ErrorKind::RefreshTokenExpired | ErrorKind::NotInitialized => 5,
        ErrorKind::Network | ErrorKind::Timeout | ErrorKind::Server => 6,
        ErrorKind::Store | ErrorKind::CorruptStore => 7,
        ErrorKind::HostNotAllowed => 8,
        ErrorKind::InvalidResponse => 9,
        ErrorKind::Api => 10,
        _ => 1,
    }
}
