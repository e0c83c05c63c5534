// The reply of TokenManager.Request: any final HTTP status, body as text.

namespace ConcurAuth
{
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
}
