// ConcurAuth.cs: a small .NET wrapper over the concur-auth C API
// (include/concur_auth.h, libconcur_auth.so). One file, no dependencies beyond
// mscorlib and System; builds with mono's mcs and with the .NET SDK.
//
//   using (var manager = TokenManager.FromFiles("credentials.json", "refreshTokenObjectFile.json"))
//   {
//       string token = manager.AccessToken();          // cached, refreshed once when stale
//       ApiResponse users = manager.Request("GET", "/profile/identity/v4/Users/");
//   }
//
// Rules this file follows, in one place each:
//  - Strings go to C as NUL-terminated UTF-8 byte arrays built by hand (Utf8.Encode);
//    secret arrays are cleared right after the call.
//  - Every string C returns is copied, then released with concur_string_free
//    (Utf8.Take), which zeroes it.
//  - Every status is checked by Check(): a failure becomes a ConcurAuthException
//    subclass carrying Code, ConcurCode, HttpStatus and CorrelationId, read from
//    the calling thread's last error right after the failing call.
//  - The manager lives in a SafeHandle: freed once, never while a call is running.
//    A TokenManager is thread-safe; share one between threads.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ConcurAuth
{
    /// <summary>The C API's concur_status values (stable numbers).</summary>
    public enum ConcurStatus
    {
        Ok = 0,
        NullArgument = 1,
        InvalidUtf8 = 2,
        Panic = 3,
        Config = 10,
        Auth = 11,
        RefreshTokenExpired = 12,
        NotInitialized = 13,
        Network = 14,
        Timeout = 15,
        Server = 16,
        InvalidResponse = 17,
        Store = 18,
        CorruptStore = 19,
        HostNotAllowed = 20,
        Api = 21,
    }

    /// <summary>
    /// The base of every error of this library. <see cref="Code"/> is the stable code
    /// shared by every binding ("auth", "refresh_token_expired", ...). Messages never
    /// contain a secret.
    /// </summary>
    public class ConcurAuthException : Exception
    {
        public ConcurAuthException(ConcurStatus status, string code, string message, long? concurCode,
                                   int? httpStatus, string correlationId)
            : base(message)
        {
            Status = status;
            Code = code;
            ConcurCode = concurCode;
            HttpStatus = httpStatus;
            CorrelationId = correlationId;
        }

        /// <summary>The C status.</summary>
        public ConcurStatus Status { get; private set; }
        /// <summary>The stable error code: "config", "auth", "refresh_token_expired", ...</summary>
        public string Code { get; private set; }
        /// <summary>Concur's numeric error code (19: wrong client secret, 5: used request token ...).</summary>
        public long? ConcurCode { get; private set; }
        /// <summary>The HTTP status of the failing reply, when there was one.</summary>
        public int? HttpStatus { get; private set; }
        /// <summary>The concur-correlationid of the failing reply: quote it to SAP support.</summary>
        public string CorrelationId { get; private set; }
    }

    /// <summary>Missing or invalid configuration (credentials field, option, URL, method, JSON body).</summary>
    public class ConfigException : ConcurAuthException
    {
        public ConfigException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.Config, c, m, cc, h, id) { }
    }

    /// <summary>Concur refused the client or company credentials.</summary>
    public class AuthException : ConcurAuthException
    {
        public AuthException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.Auth, c, m, cc, h, id) { }
    }

    /// <summary>The refresh token is expired, revoked or unknown: generate a new company request token.</summary>
    public class RefreshTokenExpiredException : ConcurAuthException
    {
        public RefreshTokenExpiredException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.RefreshTokenExpired, c, m, cc, h, id) { }
    }

    /// <summary>No refresh token is stored yet: run ExchangeRequestToken() once.</summary>
    public class NotInitializedException : ConcurAuthException
    {
        public NotInitializedException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.NotInitialized, c, m, cc, h, id) { }
    }

    /// <summary>The connection failed.</summary>
    public class NetworkException : ConcurAuthException
    {
        public NetworkException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.Network, c, m, cc, h, id) { }
    }

    /// <summary>Concur did not answer in time (named so as not to clash with System.TimeoutException).</summary>
    public class ConcurTimeoutException : ConcurAuthException
    {
        public ConcurTimeoutException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.Timeout, c, m, cc, h, id) { }
    }

    /// <summary>Concur kept answering 5xx or 429 until the retries ran out.</summary>
    public class ServerException : ConcurAuthException
    {
        public ServerException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.Server, c, m, cc, h, id) { }
    }

    /// <summary>Concur answered something that is not the documented shape.</summary>
    public class InvalidResponseException : ConcurAuthException
    {
        public InvalidResponseException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.InvalidResponse, c, m, cc, h, id) { }
    }

    /// <summary>Reading, writing or locking the token file failed.</summary>
    public class StoreException : ConcurAuthException
    {
        public StoreException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.Store, c, m, cc, h, id) { }
    }

    /// <summary>The token file is unreadable; it was moved aside (…corrupt-*), not overwritten.</summary>
    public class CorruptStoreException : ConcurAuthException
    {
        public CorruptStoreException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.CorruptStore, c, m, cc, h, id) { }
    }

    /// <summary>A URL is not HTTPS or names a host that may not receive tokens.</summary>
    public class HostNotAllowedException : ConcurAuthException
    {
        public HostNotAllowedException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.HostNotAllowed, c, m, cc, h, id) { }
    }

    /// <summary>A Concur API call answered with an error status.</summary>
    public class ApiException : ConcurAuthException
    {
        public ApiException(string c, string m, long? cc, int? h, string id) : base(ConcurStatus.Api, c, m, cc, h, id) { }
    }

    /// <summary>The reply of <see cref="TokenManager.Request"/>: any final HTTP status.</summary>
    public sealed class ApiResponse
    {
        internal ApiResponse(int statusCode, string body)
        {
            StatusCode = statusCode;
            Body = body;
        }

        public int StatusCode { get; private set; }
        public string Body { get; private set; }
        public bool IsSuccess { get { return StatusCode >= 200 && StatusCode < 300; } }

        public override string ToString()
        {
            return "ApiResponse(" + StatusCode + ", " + (Body == null ? 0 : Body.Length) + " chars)";
        }
    }

    /// <summary>The token status (no secrets), parsed from concur_manager_status's JSON.</summary>
    public sealed class TokenStatus
    {
        public bool Initialized { get; private set; }
        public bool AccessTokenValid { get; private set; }
        public long? AccessTokenExpiresAt { get; private set; }
        public long? RefreshTokenExpiresAt { get; private set; }
        public long? RefreshTokenDaysLeft { get; private set; }
        public bool RefreshTokenExpiringSoon { get; private set; }
        public bool RefreshTokenExpired { get; private set; }
        public string Geolocation { get; private set; }
        public string CompanyUuid { get; private set; }
        public string Store { get; private set; }
        /// <summary>The JSON as the C API returned it.</summary>
        public string Json { get; private set; }

        internal static TokenStatus Parse(string json)
        {
            Dictionary<string, object> o = FlatJson.Parse(json);
            return new TokenStatus
            {
                Json = json,
                Initialized = FlatJson.Bool(o, "initialized"),
                AccessTokenValid = FlatJson.Bool(o, "access_token_valid"),
                AccessTokenExpiresAt = FlatJson.Long(o, "access_token_expires_at"),
                RefreshTokenExpiresAt = FlatJson.Long(o, "refresh_token_expires_at"),
                RefreshTokenDaysLeft = FlatJson.Long(o, "refresh_token_days_left"),
                RefreshTokenExpiringSoon = FlatJson.Bool(o, "refresh_token_expiring_soon"),
                RefreshTokenExpired = FlatJson.Bool(o, "refresh_token_expired"),
                Geolocation = FlatJson.Str(o, "geolocation"),
                CompanyUuid = FlatJson.Str(o, "company_uuid"),
                Store = FlatJson.Str(o, "store"),
            };
        }

        public override string ToString()
        {
            return Json;
        }
    }

    /// <summary>Options of a <see cref="TokenManager"/>; null properties keep the library's defaults.</summary>
    public sealed class ManagerOptions
    {
        public ManagerOptions()
        {
            AllowedHosts = new List<string>();
        }

        /// <summary>Base URL of the one-time exchange (default https://glz.api.concursolutions.com).</summary>
        public string BaseUrl { get; set; }
        /// <summary>Extra hosts that may receive tokens (names only). Only hosts you trust.</summary>
        public List<string> AllowedHosts { get; private set; }
        /// <summary>Renew the access token when fewer seconds than this are left (default 300).</summary>
        public ulong? LeewaySecs { get; set; }
        /// <summary>Scope to request on refresh.</summary>
        public string Scope { get; set; }
        public ulong? RequestTimeoutMs { get; set; }
        public ulong? ConnectTimeoutMs { get; set; }
        public ulong? LockWaitMs { get; set; }
        /// <summary>Attempts in all for transient failures; 1 disables retries.</summary>
        public uint? MaxAttempts { get; set; }

        /// <summary>A native concur_options holding these values; the caller frees it.</summary>
        internal IntPtr ToNative()
        {
            IntPtr o = Native.concur_options_new();
            if (o == IntPtr.Zero)
            {
                throw Errors.FromLastError(ConcurStatus.Panic);
            }
            try
            {
                if (BaseUrl != null) Errors.Check(Native.concur_options_set_base_url(o, Utf8.Encode(BaseUrl, "BaseUrl")));
                foreach (string host in AllowedHosts)
                {
                    Errors.Check(Native.concur_options_add_allowed_host(o, Utf8.Encode(host, "AllowedHosts")));
                }
                if (LeewaySecs.HasValue) Errors.Check(Native.concur_options_set_leeway_secs(o, LeewaySecs.Value));
                if (Scope != null) Errors.Check(Native.concur_options_set_scope(o, Utf8.Encode(Scope, "Scope")));
                if (RequestTimeoutMs.HasValue) Errors.Check(Native.concur_options_set_request_timeout_ms(o, RequestTimeoutMs.Value));
                if (ConnectTimeoutMs.HasValue) Errors.Check(Native.concur_options_set_connect_timeout_ms(o, ConnectTimeoutMs.Value));
                if (LockWaitMs.HasValue) Errors.Check(Native.concur_options_set_lock_wait_ms(o, LockWaitMs.Value));
                if (MaxAttempts.HasValue) Errors.Check(Native.concur_options_set_max_attempts(o, MaxAttempts.Value));
                return o;
            }
            catch
            {
                Native.concur_options_free(o);
                throw;
            }
        }
    }

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

        /// <summary>The one-time exchange of the company request token; returns the new status.</summary>
        public TokenStatus ExchangeRequestToken()
        {
            IntPtr json;
            Errors.Check(Native.concur_manager_exchange(handle, out json));
            return TokenStatus.Parse(Utf8.Take(json));
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
            IntPtr json;
            Errors.Check(Native.concur_manager_status(handle, out json));
            return TokenStatus.Parse(Utf8.Take(json));
        }

        /// <summary>
        /// Calls a Concur API relative to the token's geolocation, e.g.
        /// Request("GET", "/profile/identity/v4/Users/"). Any final HTTP status is returned;
        /// 429/5xx after the retries throw <see cref="ServerException"/>.
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

    /// <summary>Owns one concur_manager; frees it exactly once.</summary>
    internal sealed class ManagerHandle : SafeHandle
    {
        public ManagerHandle() : base(IntPtr.Zero, true) { }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.concur_manager_free(handle);
            return true;
        }
    }

    /// <summary>Statuses to exceptions: the one mapping of this binding.</summary>
    internal static class Errors
    {
        internal static void Check(int status)
        {
            if (status != 0)
            {
                throw FromLastError((ConcurStatus)status);
            }
        }

        /// <summary>Reads the calling thread's last error (right after the failing call).</summary>
        internal static ConcurAuthException FromLastError(ConcurStatus status)
        {
            string message = Utf8.Take(Native.concur_last_error_message()) ?? "concur-auth failed";
            string code = Utf8.Read(Native.concur_status_name((int)status)) ?? "unknown";
            long cc = Native.concur_last_error_concur_code();
            int http = Native.concur_last_error_http_status();
            string id = Utf8.Take(Native.concur_last_error_correlation_id());
            long? concurCode = cc == 0 ? (long?)null : cc;
            int? httpStatus = http == 0 ? (int?)null : http;
            switch (status)
            {
                case ConcurStatus.Config: return new ConfigException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.Auth: return new AuthException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.RefreshTokenExpired: return new RefreshTokenExpiredException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.NotInitialized: return new NotInitializedException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.Network: return new NetworkException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.Timeout: return new ConcurTimeoutException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.Server: return new ServerException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.InvalidResponse: return new InvalidResponseException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.Store: return new StoreException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.CorruptStore: return new CorruptStoreException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.HostNotAllowed: return new HostNotAllowedException(code, message, concurCode, httpStatus, id);
                case ConcurStatus.Api: return new ApiException(code, message, concurCode, httpStatus, id);
                default: return new ConcurAuthException(status, code, message, concurCode, httpStatus, id);
            }
        }
    }

    /// <summary>Strings across the boundary, by hand, as NUL-terminated UTF-8.</summary>
    internal static class Utf8
    {
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>UTF-8 bytes plus a NUL; null stays null (a NULL pointer).</summary>
        internal static byte[] Encode(string value, string name)
        {
            if (value == null) return null;
            if (value.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("must not contain a NUL character", name);
            }
            byte[] bytes;
            try
            {
                bytes = new byte[Strict.GetByteCount(value) + 1];
            }
            catch (EncoderFallbackException)
            {
                throw new ArgumentException("is not valid Unicode (a lone surrogate)", name);
            }
            Strict.GetBytes(value, 0, value.Length, bytes, 0);
            return bytes; // the last byte is already 0
        }

        internal static void Clear(byte[] bytes)
        {
            if (bytes != null) Array.Clear(bytes, 0, bytes.Length);
        }

        /// <summary>Copies a C string (static or owned) without freeing it.</summary>
        internal static string Read(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            int len = 0;
            while (Marshal.ReadByte(p, len) != 0) len++;
            byte[] bytes = new byte[len];
            Marshal.Copy(p, bytes, 0, len);
            string text = Encoding.UTF8.GetString(bytes);
            Array.Clear(bytes, 0, bytes.Length);
            return text;
        }

        /// <summary>Copies a string the library allocated, then frees it (concur_string_free zeroes it).</summary>
        internal static string Take(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            try
            {
                return Read(p);
            }
            finally
            {
                Native.concur_string_free(p);
            }
        }
    }

    /// <summary>Just enough JSON for the flat status object: strings, numbers, booleans, null.</summary>
    internal static class FlatJson
    {
        internal static Dictionary<string, object> Parse(string json)
        {
            var result = new Dictionary<string, object>();
            int i = 0;
            Skip(json, ref i);
            Expect(json, ref i, '{');
            Skip(json, ref i);
            if (json[i] == '}') return result;
            while (true)
            {
                Skip(json, ref i);
                string key = ParseString(json, ref i);
                Skip(json, ref i);
                Expect(json, ref i, ':');
                Skip(json, ref i);
                result[key] = ParseValue(json, ref i);
                Skip(json, ref i);
                if (json[i] == ',') { i++; continue; }
                Expect(json, ref i, '}');
                return result;
            }
        }

        private static object ParseValue(string s, ref int i)
        {
            if (s[i] == '"') return ParseString(s, ref i);
            if (string.CompareOrdinal(s, i, "true", 0, 4) == 0) { i += 4; return true; }
            if (string.CompareOrdinal(s, i, "false", 0, 5) == 0) { i += 5; return false; }
            if (string.CompareOrdinal(s, i, "null", 0, 4) == 0) { i += 4; return null; }
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            return double.Parse(s.Substring(start, i - start), CultureInfo.InvariantCulture);
        }

        private static string ParseString(string s, ref int i)
        {
            Expect(s, ref i, '"');
            var sb = new StringBuilder();
            while (s[i] != '"')
            {
                char c = s[i++];
                if (c != '\\') { sb.Append(c); continue; }
                char e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u': sb.Append((char)Convert.ToInt32(s.Substring(i, 4), 16)); i += 4; break;
                    default: sb.Append(e); break;
                }
            }
            i++;
            return sb.ToString();
        }

        private static void Skip(string s, ref int i)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        }

        private static void Expect(string s, ref int i, char c)
        {
            if (i >= s.Length || s[i] != c) throw new FormatException("unexpected JSON from concur-auth at " + i);
            i++;
        }

        internal static bool Bool(Dictionary<string, object> o, string key)
        {
            object v;
            return o.TryGetValue(key, out v) && v is bool && (bool)v;
        }

        internal static long? Long(Dictionary<string, object> o, string key)
        {
            object v;
            if (o.TryGetValue(key, out v) && v is double) return (long)(double)v;
            return null;
        }

        internal static string Str(Dictionary<string, object> o, string key)
        {
            object v;
            return o.TryGetValue(key, out v) ? v as string : null;
        }
    }

    /// <summary>The C functions (include/concur_auth.h). byte[] arguments are NUL-terminated UTF-8.</summary>
    internal static class Native
    {
        private const string Lib = "concur_auth"; // libconcur_auth.so, found through LD_LIBRARY_PATH

        [DllImport(Lib)] internal static extern IntPtr concur_version();
        [DllImport(Lib)] internal static extern void concur_string_free(IntPtr text);
        [DllImport(Lib)] internal static extern IntPtr concur_status_name(int status);
        [DllImport(Lib)] internal static extern int concur_last_error_status();
        [DllImport(Lib)] internal static extern IntPtr concur_last_error_message();
        [DllImport(Lib)] internal static extern IntPtr concur_last_error_code_name();
        [DllImport(Lib)] internal static extern long concur_last_error_concur_code();
        [DllImport(Lib)] internal static extern ushort concur_last_error_http_status();
        [DllImport(Lib)] internal static extern IntPtr concur_last_error_correlation_id();

        [DllImport(Lib)] internal static extern IntPtr concur_options_new();
        [DllImport(Lib)] internal static extern void concur_options_free(IntPtr options);
        [DllImport(Lib)] internal static extern int concur_options_set_base_url(IntPtr options, byte[] baseUrl);
        [DllImport(Lib)] internal static extern int concur_options_add_allowed_host(IntPtr options, byte[] host);
        [DllImport(Lib)] internal static extern int concur_options_set_leeway_secs(IntPtr options, ulong secs);
        [DllImport(Lib)] internal static extern int concur_options_set_scope(IntPtr options, byte[] scope);
        [DllImport(Lib)] internal static extern int concur_options_set_request_timeout_ms(IntPtr options, ulong ms);
        [DllImport(Lib)] internal static extern int concur_options_set_connect_timeout_ms(IntPtr options, ulong ms);
        [DllImport(Lib)] internal static extern int concur_options_set_lock_wait_ms(IntPtr options, ulong ms);
        [DllImport(Lib)] internal static extern int concur_options_set_max_attempts(IntPtr options, uint attempts);

        [DllImport(Lib)]
        internal static extern int concur_manager_from_files(byte[] credentialsPath, byte[] tokenPath, IntPtr options,
                                                             out ManagerHandle manager);
        [DllImport(Lib)]
        internal static extern int concur_manager_new(byte[] clientId, byte[] clientSecret, byte[] companyUuid,
                                                      byte[] requestToken, byte[] tokenPath, IntPtr options,
                                                      out ManagerHandle manager);
        [DllImport(Lib)] internal static extern void concur_manager_free(IntPtr manager);
        [DllImport(Lib)] internal static extern int concur_manager_exchange(ManagerHandle manager, out IntPtr statusJson);
        [DllImport(Lib)] internal static extern int concur_manager_access_token(ManagerHandle manager, out IntPtr token);
        [DllImport(Lib)] internal static extern int concur_manager_force_refresh(ManagerHandle manager, out IntPtr token);
        [DllImport(Lib)] internal static extern int concur_manager_status(ManagerHandle manager, out IntPtr json);
        [DllImport(Lib)]
        internal static extern int concur_manager_request(ManagerHandle manager, byte[] method, byte[] path,
                                                          byte[] bodyJson, out ushort httpStatus, out IntPtr body);
        [DllImport(Lib)] internal static extern int concur_manager_revoke(ManagerHandle manager);
    }
}
