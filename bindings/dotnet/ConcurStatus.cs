// The C API's concur_status values.

namespace ConcurAuth
{
    /// <summary>The C API's concur_status values (stable numbers).</summary>
    public enum ConcurStatus
    {
        Ok = 0,
        NullArgument = 1,
        InvalidUtf8 = 2,
        Panic = 3,
        BufferTooSmall = 4,
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
}
