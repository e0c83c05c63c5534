// tests/conformance/SCENARIOS.md, S1-S14, through the .NET binding
// (bindings/dotnet/ConcurAuth.cs). Each scenario gets a fresh fake-concur and a
// fresh folder; run by scripts/test-dotnet.sh.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using ConcurAuth;

namespace ConcurAuth.Tests
{
    public static class ConformanceTests
    {
        static string FileMode(string path)
        {
            var info = new ProcessStartInfo("stat", "-c %a \"" + path + "\"")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
            };
            using (Process p = Process.Start(info))
            {
                string mode = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                return mode;
            }
        }

        static void WriteTokenFile(Ctx t, string refreshToken)
        {
            long expires = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 90 * 86400;
            File.WriteAllText(t.TokenPath,
                "{\"refresh_token\":\"" + refreshToken + "\",\"refresh_expires_in\":" + expires +
                ",\"geolocation\":\"" + t.Fake.Url + "\",\"companyUUID\":\"" + FakeServer.CompanyUuid + "\"}\n");
        }

        [ConcurTest("S01_exchange_then_access_token")]
        static void S01(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            Assert.Equal("600", FileMode(t.TokenPath), "token file mode");
            string file = File.ReadAllText(t.TokenPath);
            foreach (string field in new[] { "\"refresh_token\"", "\"refresh_expires_in\"", "\"companyUUID\"" })
            {
                Assert.True(file.Contains(field), "token file has " + field);
            }
            Assert.Equal(1L, t.Fake.Counter("password_grants"), "password grants");
            Assert.True(m.AccessToken().Length > 0, "access token");
            Assert.Equal(1L, t.Fake.Counter("token_requests"), "no second token request");
        }

        [ConcurTest("S02_cached_token")]
        static void S02(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            string first = m.AccessToken();
            long before = t.Fake.Counter("token_requests");
            Assert.True(first == m.AccessToken(), "same token");
            Assert.Equal(before, t.Fake.Counter("token_requests"), "no token request");
        }

        [ConcurTest("S03_fifty_concurrent_callers_one_refresh")]
        static void S03(Ctx t)
        {
            t.StartFake("--access-token-ttl", "1");
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            string old = m.AccessToken();
            Thread.Sleep(2000); // the 1-second token has expired
            t.Fake.Post("/_admin/config", "{\"access_token_ttl_secs\":3600}");
            t.Fake.Post("/_admin/reset-counters", null);
            var tokens = new string[50];
            var errors = new Exception[50];
            var start = new ManualResetEvent(false);
            var threads = Enumerable.Range(0, 50).Select(i => new Thread(() =>
            {
                start.WaitOne();
                try { tokens[i] = m.AccessToken(); }
                catch (Exception e) { errors[i] = e; }
            })).ToList();
            threads.ForEach(th => th.Start());
            start.Set();
            threads.ForEach(th => th.Join());
            Assert.True(errors.All(e => e == null), "no errors: " + errors.FirstOrDefault(e => e != null));
            Assert.True(tokens.All(x => x == tokens[0]), "all callers got the same token");
            Assert.True(tokens[0] != old, "a new token");
            Assert.Equal(1L, t.Fake.Counter("refresh_grants"), "refresh grants");
        }

        [ConcurTest("S04_wrong_client_secret")]
        static void S04(Ctx t)
        {
            const string wrong = "dotnet-wrong-secret-Jk81";
            t.MakeDir(wrong);
            TokenManager m = t.Manager();
            var e = Assert.Throws<AuthException>(() => m.ExchangeRequestToken(), "wrong secret");
            Assert.Equal("auth", e.Code, "code");
            Assert.Equal(19L, e.ConcurCode, "Concur code");
            Assert.True(!string.IsNullOrEmpty(e.CorrelationId), "correlation id");
            Assert.True(!e.Message.Contains(wrong) && !e.ToString().Contains(wrong), "the wrong secret is not shown");
            t.Fake.AssertNoSecret(e.ToString(), "the exception");
        }

        [ConcurTest("S05_request_token_used_twice")]
        static void S05(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            byte[] before = File.ReadAllBytes(t.TokenPath);
            var e = Assert.Throws<AuthException>(() => m.ExchangeRequestToken(), "second exchange");
            Assert.Equal(5L, e.ConcurCode, "Concur code");
            Assert.True(before.SequenceEqual(File.ReadAllBytes(t.TokenPath)), "the token file is unchanged");
        }

        [ConcurTest("S06_unknown_refresh_token")]
        static void S06(Ctx t)
        {
            t.MakeDir();
            WriteTokenFile(t, "unknown-refresh-token-dotnet-1");
            byte[] before = File.ReadAllBytes(t.TokenPath);
            TokenManager m = t.Manager();
            var e = Assert.Throws<RefreshTokenExpiredException>(() => m.AccessToken(), "unknown refresh token");
            Assert.Equal("refresh_token_expired", e.Code, "code");
            Assert.True(e.Message.Contains("company request token"), e.Message);
            Assert.True(before.SequenceEqual(File.ReadAllBytes(t.TokenPath)), "the token file is unchanged");
        }

        [ConcurTest("S07_no_token_file")]
        static void S07(Ctx t)
        {
            TokenManager m = t.Manager();
            var e = Assert.Throws<NotInitializedException>(() => m.AccessToken(), "no token file");
            Assert.Equal("not_initialized", e.Code, "code");
        }

        [ConcurTest("S08_garbage_token_file")]
        static void S08(Ctx t)
        {
            const string garbage = "{ definitely not a token file";
            t.MakeDir();
            File.WriteAllText(t.TokenPath, garbage);
            TokenManager m = t.Manager();
            var e = Assert.Throws<CorruptStoreException>(() => m.AccessToken(), "garbage");
            Assert.Equal("corrupt_store", e.Code, "code");
            string[] aside = Directory.GetFiles(t.Dir, "refreshTokenObjectFile.json.corrupt-*");
            Assert.Equal(1, aside.Length, "one file moved aside");
            Assert.Equal(garbage, File.ReadAllText(aside[0]), "original bytes kept");
        }

        [ConcurTest("S09_profile_v4")]
        static void S09(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            ApiResponse r = m.Request("GET", "/profile/identity/v4/Users/");
            Assert.Equal(200, r.StatusCode, "status");
            Assert.True(r.Body.Contains("\"Resources\""), "SCIM list");
        }

        [ConcurTest("S10_api_503_503_200")]
        static void S10(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            t.Fake.Post("/_admin/faults", "{\"endpoint\":\"api\",\"count\":2,\"fault\":{\"kind\":\"status\",\"status\":503}}");
            t.Fake.Post("/_admin/reset-counters", null);
            ApiResponse r = m.Request("GET", "/profile/identity/v4/Users/");
            Assert.Equal(200, r.StatusCode, "status");
            Assert.Equal(3L, t.Fake.Counter("user_requests"), "user requests");
        }

        [ConcurTest("S11_status_without_network")]
        static void S11(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            t.Fake.Post("/_admin/reset-counters", null);
            TokenStatus s = m.Status();
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            Assert.True(s.Initialized, "initialized");
            Assert.True(s.AccessTokenExpiresAt > now, "access token expiry");
            Assert.True(s.RefreshTokenExpiresAt > now, "refresh token expiry");
            Assert.Equal(t.Fake.Url, s.Geolocation, "geolocation");
            t.Fake.AssertNoSecret(s.Json, "the status");
            string counters = t.Fake.Get("/_admin/counters");
            Assert.True(counters.Contains("\"token_requests\":0") && counters.Contains("\"user_requests\":0")
                        && counters.Contains("\"other_requests\":0"), "no network call: " + counters);
        }

        [ConcurTest("S12_secrets_never_shown")]
        static void S12(Ctx t)
        {
            TokenManager m = t.Manager();
            TokenStatus status = m.ExchangeRequestToken();
            string token = m.AccessToken();
            var shown = new System.Collections.Generic.List<string>
            {
                m.ToString(), status.ToString(), m.Status().ToString(), t.Options().ToString(),
                m.Request("GET", "/profile/identity/v4/Users/").ToString(),
            };
            shown.Add(Assert.Throws<AuthException>(() => m.ExchangeRequestToken(), "used request token").ToString());
            var wrong = t.Own(new TokenManager(FakeServer.ClientId, "dotnet-wrong-4321-secret", null, null, t.TokenPath, t.Options()));
            shown.Add(wrong.ToString());
            shown.Add(Assert.Throws<AuthException>(() => wrong.ForceRefresh(), "wrong secret").ToString());
            WriteTokenFile(t, "rt-unknown-dotnet-777777");
            var stale = t.Own(TokenManager.FromFiles(t.CredentialsPath, t.TokenPath, t.Options()));
            shown.Add(Assert.Throws<RefreshTokenExpiredException>(() => stale.AccessToken(), "unknown refresh token").ToString());
            foreach (string text in shown)
            {
                Assert.True(!text.Contains(token), "the access token is not shown");
                Assert.True(!text.Contains("dotnet-wrong-4321-secret") && !text.Contains("rt-unknown-dotnet-777777"), "no secret in a shown string");
                t.Fake.AssertNoSecret(text, "a string the binding shows");
            }
        }

        [ConcurTest("S13_evil_geolocation")]
        static void S13(Ctx t)
        {
            TokenManager m = t.Manager();
            t.Fake.Post("/_admin/config", "{\"geolocation\":\"https://evil.example.com\"}");
            var e = Assert.Throws<HostNotAllowedException>(() => m.ExchangeRequestToken(), "evil geolocation");
            Assert.Equal("host_not_allowed", e.Code, "code");
            Assert.Throws<ConcurAuthException>(() => m.Request("GET", "/profile/identity/v4/Users/"), "no API call");
            Assert.Equal(1L, t.Fake.Counter("token_requests"), "only the exchange reached the server");
            Assert.Equal(0L, t.Fake.Counter("user_requests"), "no API request");
        }

        [ConcurTest("S14_revoke")]
        static void S14(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            m.Revoke();
            Assert.True(t.Fake.Get("/_admin/revoked").Contains("\"revoked\":true"), "the server revoked");
            Assert.True(!File.Exists(t.TokenPath), "the token file is removed");
            Assert.Throws<NotInitializedException>(() => m.AccessToken(), "after revoke");
        }
    }
}
