// Options of a TokenManager, passed to C through a concur_options builder. The
// library (its ManagerOptions::validate) decides which values make sense.
using System;
using System.Collections.Generic;

namespace ConcurAuth
{
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
        /// <summary>
        /// The access token turns stale when fewer seconds than this are left (default 300): one
        /// background refresh starts while callers keep getting the token in hand.
        /// </summary>
        public ulong? LeewaySecs { get; set; }
        /// <summary>The access token counts as expired when fewer seconds than this are left (default 30): callers wait.</summary>
        public ulong? HardMarginSecs { get; set; }
        /// <summary>True: callers wait for the refresh from the stale instant on (default false).</summary>
        public bool? Strict { get; set; }
        /// <summary>Scope to request on refresh.</summary>
        public string Scope { get; set; }
        /// <summary>Time for one whole HTTP request, in milliseconds (default 30000).</summary>
        public ulong? RequestTimeoutMs { get; set; }
        /// <summary>Time to establish a connection, in milliseconds (default 10000).</summary>
        public ulong? ConnectTimeoutMs { get; set; }
        /// <summary>How long to wait for the store's lock held by another process, in milliseconds (default 60000).</summary>
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
                if (HardMarginSecs.HasValue) Errors.Check(Native.concur_options_set_hard_margin_secs(o, HardMarginSecs.Value));
                if (Strict.HasValue) Errors.Check(Native.concur_options_set_strict(o, Strict.Value));
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
}
