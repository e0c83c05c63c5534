// TokenStatus: the token status as data, read field by field from the C API's
// concur_token_status accessors (no JSON in between), then freed.
using System;

namespace ConcurAuth
{
    /// <summary>Where the access token is in its life (the C API's concur_token_state).</summary>
    public enum TokenState
    {
        /// <summary>No access token with a known expiry is stored.</summary>
        None = 0,
        /// <summary>More than the leeway left: served from memory.</summary>
        Fresh = 1,
        /// <summary>Still served while one background refresh runs (strict: callers wait).</summary>
        Stale = 2,
        /// <summary>Past the hard margin: callers wait for a refresh.</summary>
        Expired = 3,
    }

    /// <summary>The token status: both expiries, days left, the geolocation. No secret.</summary>
    public sealed class TokenStatus
    {
        public bool Initialized { get; private set; }
        public bool AccessTokenValid { get; private set; }
        /// <summary>When the stored access token expires, Unix seconds.</summary>
        public long? AccessTokenExpiresAt { get; private set; }
        /// <summary>Fresh, stale, expired or none, as of the status call.</summary>
        public TokenState State { get; private set; }
        /// <summary>When the access token turns stale (expiry minus the leeway), Unix seconds.</summary>
        public long? StaleAt { get; private set; }
        /// <summary>When it counts as expired (expiry minus the hard margin), Unix seconds.</summary>
        public long? HardExpiryAt { get; private set; }
        /// <summary>When the refresh token expires, Unix seconds.</summary>
        public long? RefreshTokenExpiresAt { get; private set; }
        /// <summary>Days left on the refresh token, to the nearest day (negative once expired).</summary>
        public long? RefreshTokenDaysLeft { get; private set; }
        public bool RefreshTokenExpiringSoon { get; private set; }
        public bool RefreshTokenExpired { get; private set; }
        public string Geolocation { get; private set; }
        public string CompanyUuid { get; private set; }
        public string Store { get; private set; }

        private delegate bool ReadLong(IntPtr status, out long value);

        private static long? Optional(ReadLong read, IntPtr status)
        {
            long value;
            return read(status, out value) ? value : (long?)null;
        }

        /// <summary>Copies a concur_token_status the library allocated, then frees it.</summary>
        internal static TokenStatus Take(IntPtr status)
        {
            if (status == IntPtr.Zero) return null;
            try
            {
                return new TokenStatus
                {
                    Initialized = Native.concur_token_status_initialized(status),
                    AccessTokenValid = Native.concur_token_status_access_token_valid(status),
                    AccessTokenExpiresAt = Optional(Native.concur_token_status_access_token_expires_at, status),
                    State = (TokenState)Native.concur_token_status_state(status),
                    StaleAt = Optional(Native.concur_token_status_stale_at, status),
                    HardExpiryAt = Optional(Native.concur_token_status_hard_expiry_at, status),
                    RefreshTokenExpiresAt = Optional(Native.concur_token_status_refresh_token_expires_at, status),
                    RefreshTokenDaysLeft = Optional(Native.concur_token_status_refresh_token_days_left, status),
                    RefreshTokenExpiringSoon = Native.concur_token_status_refresh_token_expiring_soon(status),
                    RefreshTokenExpired = Native.concur_token_status_refresh_token_expired(status),
                    // Borrowed strings: copied (Read), never freed one by one.
                    Geolocation = Utf8.Read(Native.concur_token_status_geolocation(status)),
                    CompanyUuid = Utf8.Read(Native.concur_token_status_company_uuid(status)),
                    Store = Utf8.Read(Native.concur_token_status_store(status)),
                };
            }
            finally
            {
                Native.concur_token_status_free(status);
            }
        }

        public override string ToString()
        {
            return "TokenStatus(initialized " + Initialized + ", access token " + State.ToString().ToLowerInvariant()
                + ", refresh token days left " + (RefreshTokenDaysLeft.HasValue ? RefreshTokenDaysLeft.ToString() : "unknown")
                + ", " + Store + ")";
        }
    }
}
