// StatusAndProfile.cs: the SAP tutorials' flow from .NET through concur-auth.
// Prints the token status (no secrets), runs the one-time exchange when nothing is
// stored yet, and calls Profile Identity v4.
//
//   mono StatusAndProfile.exe [credentials.json [refreshTokenObjectFile.json [base-url]]]
//
// Arguments fall back to CONCUR_CREDENTIALS_FILE, CONCUR_TOKEN_FILE, CONCUR_BASE_URL.
// Build and run: docs/c-and-dotnet.md.
using System;
using ConcurAuth;

public static class StatusAndProfile
{
    static string Arg(string[] args, int index, string env, string fallback)
    {
        if (args.Length > index && args[index].Length > 0) return args[index];
        string value = Environment.GetEnvironmentVariable(env);
        return string.IsNullOrEmpty(value) ? fallback : value;
    }

    public static int Main(string[] args)
    {
        string credentials = Arg(args, 0, "CONCUR_CREDENTIALS_FILE", "credentials.json");
        string tokenFile = Arg(args, 1, "CONCUR_TOKEN_FILE", "refreshTokenObjectFile.json");
        string baseUrl = Arg(args, 2, "CONCUR_BASE_URL", null);
        Console.WriteLine("concur-auth " + TokenManager.Version);
        try
        {
            var options = new ManagerOptions { BaseUrl = baseUrl };
            using (TokenManager manager = TokenManager.FromFiles(credentials, tokenFile, options))
            {
                TokenStatus status = manager.Status();
                Console.WriteLine("status: " + status);
                if (!status.Initialized)
                {
                    Console.WriteLine("no refresh token stored yet: exchanging the company request token (once)");
                    Console.WriteLine("status: " + manager.ExchangeRequestToken());
                }
                else if (status.RefreshTokenExpiringSoon)
                {
                    Console.WriteLine("warning: the refresh token expires in " + status.RefreshTokenDaysLeft + " days");
                }
                ApiResponse users = manager.Request("GET", "/profile/identity/v4/Users/");
                Console.WriteLine("GET /profile/identity/v4/Users/ -> HTTP " + users.StatusCode);
                Console.WriteLine(users.Body);
                return users.IsSuccess ? 0 : 1;
            }
        }
        catch (ConcurAuthException e)
        {
            Console.Error.WriteLine(e.Code + ": " + e.Message);
            if (e.CorrelationId != null) Console.Error.WriteLine("  quote this correlation id to SAP support: " + e.CorrelationId);
            return 1;
        }
    }
}
