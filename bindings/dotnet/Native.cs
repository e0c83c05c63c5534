// The C functions of include/concur_auth.h, and nothing else.
using System;
using System.Runtime.InteropServices;

namespace ConcurAuth
{
    /// <summary>The C functions (include/concur_auth.h). byte[] arguments are NUL-terminated UTF-8.</summary>
    internal static class Native
    {
        private const string Lib = "concur_auth"; // libconcur_auth.so, found through LD_LIBRARY_PATH

        [DllImport(Lib)] internal static extern IntPtr concur_version();
        [DllImport(Lib)] internal static extern void concur_string_free(IntPtr text);
        [DllImport(Lib)] internal static extern IntPtr concur_status_name(int status);
        [DllImport(Lib)] internal static extern int concur_status_parent(int status);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_status_is(int status, int family);
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
        [DllImport(Lib)] internal static extern int concur_options_set_hard_margin_secs(IntPtr options, ulong secs);
        [DllImport(Lib)] internal static extern int concur_options_set_strict(IntPtr options, [MarshalAs(UnmanagedType.I1)] bool strict);
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
        [DllImport(Lib)] internal static extern int concur_manager_exchange_with(ManagerHandle manager, uint flags, out IntPtr status);
        /// <summary>CONCUR_EXCHANGE_FORCE of concur_auth.h.</summary>
        internal const uint ExchangeForce = 1;
        [DllImport(Lib)] internal static extern int concur_manager_access_token(ManagerHandle manager, out IntPtr token);
        [DllImport(Lib)] internal static extern int concur_manager_force_refresh(ManagerHandle manager, out IntPtr token);
        [DllImport(Lib)] internal static extern int concur_manager_status(ManagerHandle manager, out IntPtr status);

        [DllImport(Lib)] internal static extern void concur_token_status_free(IntPtr status);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_initialized(IntPtr status);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_access_token_valid(IntPtr status);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_access_token_expires_at(IntPtr status, out long value);
        [DllImport(Lib)] internal static extern int concur_token_status_state(IntPtr status);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_stale_at(IntPtr status, out long value);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_hard_expiry_at(IntPtr status, out long value);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_refresh_token_expires_at(IntPtr status, out long value);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_refresh_token_days_left(IntPtr status, out long value);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_refresh_token_expiring_soon(IntPtr status);
        [DllImport(Lib)] [return: MarshalAs(UnmanagedType.I1)] internal static extern bool concur_token_status_refresh_token_expired(IntPtr status);
        [DllImport(Lib)] internal static extern IntPtr concur_token_status_geolocation(IntPtr status);
        [DllImport(Lib)] internal static extern IntPtr concur_token_status_company_uuid(IntPtr status);
        [DllImport(Lib)] internal static extern IntPtr concur_token_status_store(IntPtr status);
        [DllImport(Lib)]
        internal static extern int concur_manager_request(ManagerHandle manager, byte[] method, byte[] path,
                                                          byte[] bodyJson, out ushort httpStatus, out IntPtr body);
        [DllImport(Lib)] internal static extern int concur_manager_revoke(ManagerHandle manager);

        [DllImport(Lib)]
        internal static extern int concur_list_open(ManagerHandle manager, byte[] path, uint pageSize, out ListHandle list);
        [DllImport(Lib)] internal static extern int concur_list_next(ListHandle list, out IntPtr recordJson);
        [DllImport(Lib)] internal static extern ulong concur_list_records_read(ListHandle list);
        [DllImport(Lib)] internal static extern ulong concur_list_next_start_index(ListHandle list);
        [DllImport(Lib)] internal static extern void concur_list_free(IntPtr list);
    }
}
