// The one exception type of this binding, and the one status-to-exception mapping.
// Every failure is a ConcurAuthException carrying the stable code shared by every
// binding; the families ("is this a network failure?") come from the library's one
// table through concur_status_is(), the same tree as Python's and Node's classes.
using System;

namespace ConcurAuth
{
    /// <summary>
    /// Every error of this library. <see cref="Code"/> is the stable code shared by every
    /// binding ("auth", "refresh_token_expired", ...); <see cref="Is"/> asks for a family:
    /// <c>catch (ConcurAuthException e) when (e.Is(ConcurStatus.Network))</c> also catches
    /// a timeout, a server failure and an invalid response. Messages never contain a secret.
    /// </summary>
    public sealed class ConcurAuthException : Exception
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

        /// <summary>
        /// The family this error belongs to (Auth for RefreshTokenExpired, Network for Timeout,
        /// ...), or <see cref="ConcurStatus.Ok"/> when it heads a family or belongs to none.
        /// </summary>
        public ConcurStatus Family
        {
            get { return (ConcurStatus)Native.concur_status_parent((int)Status); }
        }

        /// <summary>Whether this error is <paramref name="family"/> or one of its members.</summary>
        public bool Is(ConcurStatus family)
        {
            return Native.concur_status_is((int)Status, (int)family);
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
            return new ConcurAuthException(status, code, message, concurCode, httpStatus, id);
        }
    }
}
