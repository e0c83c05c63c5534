// TokenManager: the one object users hold, over one concur_manager handle
// (a SafeHandle: freed once, never while a call is running). Thread-safe.
using System;

namespace ConcurAuth
{
    /// <summary>
    /// Issues access tokens for one Concur company: exchanges the company request token
    /// once, keeps the refresh token in the tutorials' refreshTokenObjectFile.json,
    /// refreshes the access token once for any number of threads. Thread-safe.
    /// Calls block the calling thread while they do I/O.
    /// </summary>
    public sealed class TokenManager : IDisposable
    {
        private readonly ManagerHandle handle;

        private TokenManager(ManagerHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>The tutorials' credentials.json and refreshTokenObjectFile.json.</summary>
        public static TokenManager FromFiles(string credentialsPath, string tokenPath, ManagerOptions options = null)
        {
            byte[] creds = Utf8.Encode(Required(credentialsPath, "credentialsPath"), "credentialsPath");
            byte[] token = Utf8.Encode(Required(tokenPath, "tokenPath"), "tokenPath");
            IntPtr nativeOptions = options == null ? IntPtr.Zero : options.ToNative();
            try
            {
                ManagerHandle h;
                int status = Native.concur_manager_from_files(creds, token, nativeOptions, out h);
                return Adopt(status, h);
            }
            finally
            {
                Native.concur_options_free(nativeOptions);
            }
        }

        /// <summary>
        /// Credentials passed in. <paramref name="companyUuid"/> and <paramref name="requestToken"/>
        /// are only needed for the one-time exchange (null otherwise).
        /// </summary>
        public TokenManager(string clientId, string clientSecret, string companyUuid, string requestToken,
                            string tokenPath, ManagerOptions options = null)
        {
            byte[] id = Utf8.Encode(Required(clientId, "clientId"), "clientId");
            byte[] secret = Utf8.Encode(Required(clientSecret, "clientSecret"), "clientSecret");
            byte[] uuid = Utf8.Encode(companyUuid, "companyUuid");
            byte[] request = Utf8.Encode(requestToken, "requestToken");
            byte[] token = Utf8.Encode(Required(tokenPath, "tokenPath"), "tokenPath");
            IntPtr nativeOptions = IntPtr.Zero;
            try
            {
                nativeOptions = options == null ? IntPtr.Zero : options.ToNative();
                ManagerHandle h;
                int status = Native.concur_manager_new(id, secret, uuid, request, token, nativeOptions, out h);
                handle = Adopt(status, h).handle;
            }
            finally
            {
                Native.concur_options_free(nativeOptions);
                Utf8.Clear(secret);
                Utf8.Clear(request);
            }
        }

        private static TokenManager Adopt(int status, ManagerHandle h)
        {
            if (status != 0)
            {
                ConcurAuthException error = Errors.FromLastError((ConcurStatus)status);
                if (h != null) h.Dispose();
                throw error;
            }
            return new TokenManager(h);
        }

        private static string Required(string value, string name)
        {
            if (value == null) throw new ArgumentNullException(name);
            return value;
        }

        /// <summary>
        /// The one-time exchange of the company request token; returns the new status.
        /// Refuses (<see cref="ConcurStatus.Config"/>, before anything is sent, so the
        /// request token is not spent) when the store holds a live refresh token.
        /// </summary>
        public TokenStatus ExchangeRequestToken()
        {
            return ExchangeRequestToken(false);
        }

        /// <summary>
        /// <see cref="ExchangeRequestToken()"/>; <paramref name="force"/> replaces this app's
        /// live refresh token (never another app's). A separate overload rather than an
        /// optional parameter, so that assemblies built against the old signature still bind.
        /// </summary>
        public TokenStatus ExchangeRequestToken(bool force)
        {
            IntPtr status;
            Errors.Check(Native.concur_manager_exchange_with(handle, force ? Native.ExchangeForce : 0u, out status));
            return TokenStatus.Take(status);
        }

        /// <summary>A valid access token: from memory while fresh, else after one shared refresh.</summary>
        public string AccessToken()
        {
            IntPtr token;
            Errors.Check(Native.concur_manager_access_token(handle, out token));
            return Utf8.Take(token);
        }

        /// <summary>Refreshes now, whatever the token's age, and returns the new access token.</summary>
        public string ForceRefresh()
        {
            IntPtr token;
            Errors.Check(Native.concur_manager_force_refresh(handle, out token));
            return Utf8.Take(token);
        }

        /// <summary>Both expiries and the geolocation, read from the token file without network.</summary>
        public TokenStatus Status()
        {
            IntPtr status;
            Errors.Check(Native.concur_manager_status(handle, out status));
            return TokenStatus.Take(status);
        }

        /// <summary>
        /// Calls a Concur API relative to the token's geolocation, e.g.
        /// Request("GET", "/profile/identity/v4/Users/"). Any final HTTP status is returned;
        /// 429/5xx after the retries throw a <see cref="ConcurAuthException"/> of code "server".
        /// </summary>
        public ApiResponse Request(string method, string path, string jsonBody = null)
        {
            byte[] m = Utf8.Encode(Required(method, "method"), "method");
            byte[] p = Utf8.Encode(Required(path, "path"), "path");
            byte[] body = Utf8.Encode(jsonBody, "jsonBody");
            ushort httpStatus;
            IntPtr text;
            Errors.Check(Native.concur_manager_request(handle, m, p, body, out httpStatus, out text));
            return new ApiResponse(httpStatus, Utf8.Take(text));
        }

        /// <summary>
        /// A whole list, e.g. ReadList("/profile/identity/v4/Users") (null: that one), paged
        /// with startIndex/count (<paramref name="pageSize"/> records a page; 0: the maximum,
        /// 100). Other query parameters are sent with every page; a startIndex in the path is
        /// where the read begins. Nothing is sent until the first record is asked for.
        /// </summary>
        public ListReader ReadList(string path = null, uint pageSize = 0)
        {
            byte[] p = Utf8.Encode(path, "path");
            ListHandle list;
            int status = Native.concur_list_open(handle, p, pageSize, out list);
            if (status != 0)
            {
                if (list != null) list.Dispose();
                Errors.Check(status);
            }
            return new ListReader(list);
        }

        /// <summary>Revokes the app's refresh tokens for this company and removes the token file.</summary>
        public void Revoke()
        {
            Errors.Check(Native.concur_manager_revoke(handle));
        }

        /// <summary>The library version.</summary>
        public static string Version
        {
            get { return Utf8.Read(Native.concur_version()); }
        }

        public void Dispose()
        {
            handle.Dispose();
        }

        public override string ToString()
        {
            return handle.IsClosed ? "TokenManager(disposed)" : "TokenManager";
        }
    }
}
