// The .NET idioms of the binding: argument checks before the native call,
// exceptions with stable codes, SafeHandle disposal, typed status, threads.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using ConcurAuth;

namespace ConcurAuth.Tests
{
    public static class BindingTests
    {
        [ConcurTest("binding_version")]
        static void Version(Ctx t)
        {
            Assert.True(TokenManager.Version != null && TokenManager.Version.Contains("."), "version " + TokenManager.Version);
        }

        [ConcurTest("binding_null_and_nul_arguments")]
        static void NullArguments(Ctx t)
        {
            t.MakeDir();
            Assert.Throws<ArgumentNullException>(() => TokenManager.FromFiles(null, t.TokenPath), "credentialsPath");
            Assert.Throws<ArgumentNullException>(() => TokenManager.FromFiles(t.CredentialsPath, null), "tokenPath");
            Assert.Throws<ArgumentNullException>(() => new TokenManager(null, "s", null, null, t.TokenPath), "clientId");
            Assert.Throws<ArgumentNullException>(() => new TokenManager("i", null, null, null, t.TokenPath), "clientSecret");
            Assert.Throws<ArgumentException>(() => TokenManager.FromFiles(t.CredentialsPath + "\0x", t.TokenPath), "NUL");
            Assert.Throws<ArgumentException>(() => TokenManager.FromFiles("\ud800", t.TokenPath), "lone surrogate");
            TokenManager m = t.Manager();
            Assert.Throws<ArgumentNullException>(() => m.Request(null, "/x"), "method");
            Assert.Throws<ArgumentNullException>(() => m.Request("GET", null), "path");
        }

        [ConcurTest("binding_exceptions_carry_codes")]
        static void ExceptionsCarryCodes(Ctx t)
        {
            t.MakeDir();
            var plainHttp = new ManagerOptions { BaseUrl = "http://example.com" };
            var e = Assert.Fails(ConcurStatus.HostNotAllowed,
                () => TokenManager.FromFiles(t.CredentialsPath, t.TokenPath, plainHttp), "plain http base");
            Assert.Equal("host_not_allowed", e.Code, "code");
            Assert.Equal(ConcurStatus.HostNotAllowed, e.Status, "status");
            Assert.True(e is ConcurAuthException, "base class");
            var c = Assert.Fails(ConcurStatus.Config,
                () => TokenManager.FromFiles("/nonexistent/credentials.json", t.TokenPath), "missing file");
            Assert.Equal("config", c.Code, "code");
            Assert.True(c.Message.Contains("not found"), c.Message);
            Assert.Fails(ConcurStatus.Config,
                () => TokenManager.FromFiles(t.CredentialsPath, t.TokenPath, new ManagerOptions { MaxAttempts = 0 }), "0 attempts");
            Assert.Fails(ConcurStatus.Config, () => new TokenManager("", "", null, null, t.TokenPath), "empty credentials");
            TokenManager m = t.Manager();
            Assert.Fails(ConcurStatus.Config, () => m.Request("GET", "/x", "{not json"), "bad JSON body");
            Assert.Fails(ConcurStatus.Config, () => m.Request("NOT A METHOD", "/x"), "bad method");
            var n = Assert.Fails(ConcurStatus.NotInitialized, () => m.AccessToken(), "no token file");
            Assert.Equal("not_initialized", n.Code, "code");
            Assert.True(n.ConcurCode == null && n.HttpStatus == null && n.CorrelationId == null, "no Concur details");
            Assert.True(n.Is(ConcurStatus.Config) && n.Is(ConcurStatus.NotInitialized), "not_initialized is a config failure");
            Assert.Equal(ConcurStatus.Config, n.Family, "family");
            Assert.True(!c.Is(ConcurStatus.NotInitialized), "config is not not_initialized");
        }

        [ConcurTest("binding_exception_families_are_the_core_table")]
        static void ExceptionFamilies(Ctx t)
        {
            // The same tree as Python's and Node's classes (the core's ErrorKind::parent).
            var expected = new Dictionary<ConcurStatus, ConcurStatus>
            {
                { ConcurStatus.NotInitialized, ConcurStatus.Config },
                { ConcurStatus.RefreshTokenExpired, ConcurStatus.Auth },
                { ConcurStatus.Timeout, ConcurStatus.Network },
                { ConcurStatus.Server, ConcurStatus.Network },
                { ConcurStatus.InvalidResponse, ConcurStatus.Network },
                { ConcurStatus.CorruptStore, ConcurStatus.Store },
            };
            foreach (ConcurStatus status in Enum.GetValues(typeof(ConcurStatus)))
            {
                var e = new ConcurAuthException(status, status.ToString(), "m", null, null, null);
                ConcurStatus family;
                if (!expected.TryGetValue(status, out family)) family = ConcurStatus.Ok;
                Assert.Equal(family, e.Family, status + " family");
                Assert.True(e.Is(status), status + " is itself");
                if (family != ConcurStatus.Ok) Assert.True(e.Is(family), status + " is " + family);
            }
        }

        [ConcurTest("binding_happy_path")]
        static void HappyPath(Ctx t)
        {
            TokenManager m = t.Manager();
            TokenStatus exchanged = m.ExchangeRequestToken();
            Assert.True(exchanged.Initialized && exchanged.AccessTokenValid, "initialized: " + exchanged);
            Assert.Equal(t.Fake.Url, exchanged.Geolocation, "geolocation");
            Assert.Equal(FakeServer.CompanyUuid, exchanged.CompanyUuid, "company");
            string token = m.AccessToken();
            Assert.True(token.Length > 10, "token");
            ApiResponse users = m.Request("GET", "/profile/identity/v4/Users/");
            Assert.Equal(200, users.StatusCode, "status");
            Assert.True(users.IsSuccess && users.Body.Contains("\"userName\""), users.Body);
            ApiResponse missing = m.Request("POST", "/no/such/endpoint", "{\"a\":1}");
            Assert.Equal(404, missing.StatusCode, "404 is a response, not an exception");
            string fresh = m.ForceRefresh();
            Assert.True(fresh != token, "a new token");
            Assert.Equal(1L, t.Fake.Counter("refresh_grants"), "refresh grants");
        }

        [ConcurTest("binding_exchange_refuses_a_live_refresh_token_without_force")]
        static void ExchangeNeedsForceOverALiveToken(Ctx t)
        {
            t.StartFake("--reusable-request-token");
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            string before = File.ReadAllText(t.TokenPath);
            var e = Assert.Fails(ConcurStatus.Config, () => m.ExchangeRequestToken(), "a live refresh token is stored");
            Assert.True(e.Message.Contains("live refresh token") && e.Message.Contains("days left"), e.Message);
            Assert.True(e.Message.Contains("--force"), e.Message);
            t.Fake.AssertNoSecret(e.ToString(), "the refusal");
            Assert.Equal(before, File.ReadAllText(t.TokenPath), "the token file is unchanged");
            Assert.Equal(1L, t.Fake.Counter("password_grants"), "nothing was sent");
            TokenStatus replaced = m.ExchangeRequestToken(force: true);
            Assert.True(replaced.Initialized, "initialized: " + replaced);
            Assert.Equal(2L, t.Fake.Counter("password_grants"), "the forced exchange was sent");
            Assert.True(before != File.ReadAllText(t.TokenPath), "the record was replaced");
        }

        [ConcurTest("binding_manager_new_with_values")]
        static void ManagerNew(Ctx t)
        {
            t.MakeDir();
            var m = t.Own(new TokenManager(FakeServer.ClientId, t.Fake.ClientSecret, FakeServer.CompanyUuid,
                                           t.Fake.RequestToken, t.TokenPath, t.Options()));
            m.ExchangeRequestToken();
            Assert.True(m.AccessToken().Length > 10, "token");
            // A second manager on the same file needs no request token.
            var again = t.Own(new TokenManager(FakeServer.ClientId, t.Fake.ClientSecret, null, null, t.TokenPath, t.Options()));
            Assert.True(m.AccessToken() == again.AccessToken(), "the stored token is shared");
        }

        [ConcurTest("binding_dispose")]
        static void Dispose(Ctx t)
        {
            t.MakeDir();
            TokenManager m = TokenManager.FromFiles(t.CredentialsPath, t.TokenPath, t.Options());
            m.Dispose();
            m.Dispose(); // twice is fine
            Assert.Throws<ObjectDisposedException>(() => m.Status(), "use after dispose");
            Assert.Equal("TokenManager(disposed)", m.ToString(), "ToString");
        }

        [ConcurTest("binding_threads_share_one_handle")]
        static void Threads(Ctx t)
        {
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            string expected = m.AccessToken();
            var errors = 0;
            var threads = new Thread[8];
            for (int i = 0; i < threads.Length; i++)
            {
                threads[i] = new Thread(() =>
                {
                    for (int k = 0; k < 50; k++)
                    {
                        if (m.AccessToken() != expected) Interlocked.Increment(ref errors);
                    }
                });
                threads[i].Start();
            }
            foreach (Thread th in threads) th.Join();
            Assert.Equal(0, errors, "every thread got the cached token");
            Assert.Equal(1L, t.Fake.Counter("token_requests"), "only the exchange reached the token endpoint");
        }
    }
}
