// A tiny test runner for the .NET binding: finds every static method marked
// [ConcurTest] in this assembly, gives each a fresh fake-concur server
// (FAKE_CONCUR_BIN) and a fresh folder with the tutorials' credentials.json,
// prints "ok N - name" / "not ok N - name" and a final "# N passed, M failed".
// Arguments filter tests by substring.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using ConcurAuth;

namespace ConcurAuth.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class ConcurTestAttribute : Attribute
    {
        public ConcurTestAttribute(string name) { Name = name; }
        public string Name { get; private set; }
    }

    public sealed class AssertionFailed : Exception
    {
        public AssertionFailed(string message) : base(message) { }
    }

    public static class Assert
    {
        public static void True(bool condition, string what)
        {
            if (!condition) throw new AssertionFailed(what);
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                throw new AssertionFailed(what + ": expected " + expected + ", got " + actual);
            }
        }

        public static TException Throws<TException>(Action action, string what) where TException : Exception
        {
            try
            {
                action();
            }
            catch (TException e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionFailed(what + ": expected " + typeof(TException).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionFailed(what + ": expected " + typeof(TException).Name + ", nothing was thrown");
        }

        /// <summary>The ConcurAuthException of exactly <paramref name="status"/> that <paramref name="action"/> throws.</summary>
        public static ConcurAuthException Fails(ConcurStatus status, Action action, string what)
        {
            var e = Throws<ConcurAuthException>(action, what);
            Equal(status, e.Status, what + ": status (" + e.Message + ")");
            return e;
        }
    }

    /// <summary>The fake Concur server binary, started for one test.</summary>
    public sealed class FakeServer : IDisposable
    {
        public const string ClientId = "fake-client-id";
        public const string CompanyUuid = "11111111-2222-3333-4444-555555555555";

        private readonly Process process;

        public FakeServer(params string[] extraArgs)
        {
            string bin = Environment.GetEnvironmentVariable("FAKE_CONCUR_BIN");
            if (string.IsNullOrEmpty(bin)) throw new InvalidOperationException("FAKE_CONCUR_BIN is not set");
            var info = new ProcessStartInfo(bin, "--port 0 --exit-on-stdin-eof " + string.Join(" ", extraArgs))
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            };
            process = Process.Start(info);
            Url = process.StandardOutput.ReadLine();
            if (Url == null || !Url.StartsWith("http://127.0.0.1:"))
            {
                throw new InvalidOperationException("fake-concur did not print its URL: " + Url);
            }
        }

        public string Url { get; private set; }

        /// <summary>The server's client secret, read from its config (never typed into a test).</summary>
        public string ClientSecret { get { return ConfigString("client_secret"); } }

        /// <summary>The server's configured company request token.</summary>
        public string RequestToken { get { return ConfigString("request_token"); } }

        private string ConfigString(string field)
        {
            Match m = Regex.Match(Get("/_admin/config"), "\"" + field + "\":\"([^\"]*)\"");
            Assert.True(m.Success, "config field " + field);
            return m.Groups[1].Value;
        }

        /// <summary>The credentials file text the server writes for itself; <paramref name="secret"/> replaces its client secret.</summary>
        public string CredentialsFixture(string secret)
        {
            string spec = secret == null ? null : "{\"client_secret\":\"" + secret + "\"}";
            string body;
            Assert.Equal(200, Admin("POST", "/_admin/fixtures/credentials", spec, out body), "credentials fixture");
            return body;
        }

        /// <summary>An admin call; returns the status code and the body.</summary>
        public int Admin(string method, string path, string jsonBody, out string body)
        {
            var request = (HttpWebRequest)WebRequest.Create(Url + path);
            request.Method = method;
            request.Proxy = null;
            // A fresh connection per admin call: mono's pool reused a kept-alive
            // connection that had gone away and failed a CI run with "Unable to
            // read data from the transport connection: Operation aborted".
            request.KeepAlive = false;
            if (jsonBody != null)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(jsonBody);
                request.ContentType = "application/json";
                request.ContentLength = bytes.Length;
                using (Stream s = request.GetRequestStream()) s.Write(bytes, 0, bytes.Length);
            }
            else if (method == "POST")
            {
                request.ContentLength = 0;
            }
            HttpWebResponse response;
            try
            {
                response = (HttpWebResponse)request.GetResponse();
            }
            catch (WebException e)
            {
                response = e.Response as HttpWebResponse;
                if (response == null) throw;
            }
            using (response)
            using (var reader = new StreamReader(response.GetResponseStream(), Encoding.UTF8))
            {
                body = reader.ReadToEnd();
                return (int)response.StatusCode;
            }
        }

        public string Get(string path)
        {
            string body;
            Assert.Equal(200, Admin("GET", path, null, out body), "GET " + path);
            return body;
        }

        public void Post(string path, string jsonBody)
        {
            string body;
            int status = Admin("POST", path, jsonBody, out body);
            Assert.True(status >= 200 && status < 300, "POST " + path + " answered " + status + ": " + body);
        }

        public long Counter(string name)
        {
            Match m = Regex.Match(Get("/_admin/counters"), "\"" + name + "\":(\\d+)");
            Assert.True(m.Success, "counter " + name);
            return long.Parse(m.Groups[1].Value);
        }

        /// <summary>Every secret the server knows, plus the configured ones.</summary>
        public List<string> Secrets()
        {
            var secrets = new List<string>();
            foreach (Match m in Regex.Matches(Get("/_admin/secrets"), "\"([^\"]+)\""))
            {
                secrets.Add(m.Groups[1].Value);
            }
            return secrets;
        }

        public void AssertNoSecret(string text, string what)
        {
            if (text == null) return;
            foreach (string secret in Secrets())
            {
                Assert.True(secret.Length < 8 || !text.Contains(secret), what + " contains a secret");
            }
        }

        public void Dispose()
        {
            try { process.StandardInput.Close(); } catch (Exception) { }
            try
            {
                if (!process.WaitForExit(5000)) process.Kill();
                process.WaitForExit();
            }
            catch (Exception) { }
            process.Dispose();
        }
    }

    /// <summary>What one test owns; disposed after it, pass or fail.</summary>
    public sealed class Ctx : IDisposable
    {
        private readonly List<IDisposable> owned = new List<IDisposable>();
        private FakeServer fake;

        public FakeServer Fake
        {
            get { return fake ?? (fake = Own(new FakeServer())); }
        }

        public FakeServer StartFake(params string[] args)
        {
            fake = Own(new FakeServer(args));
            return fake;
        }

        public string Dir { get; private set; }
        public string CredentialsPath { get { return Path.Combine(Dir, "credentials.json"); } }
        public string TokenPath { get { return Path.Combine(Dir, "refreshTokenObjectFile.json"); } }

        public T Own<T>(T item) where T : IDisposable
        {
            owned.Add(item);
            return item;
        }

        /// <summary>A fresh folder with the server's credentials.json (client secret <paramref name="secret"/> when given).</summary>
        public void MakeDir(string secret = null)
        {
            Dir = Path.Combine(Path.GetTempPath(), "concur-dotnet-test-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Dir);
            File.WriteAllText(CredentialsPath, Fake.CredentialsFixture(secret));
        }

        public ManagerOptions Options()
        {
            return new ManagerOptions { BaseUrl = Fake.Url };
        }

        /// <summary>A manager from the folder's files, base URL = the fake server.</summary>
        public TokenManager Manager()
        {
            if (Dir == null) MakeDir();
            return Own(TokenManager.FromFiles(CredentialsPath, TokenPath, Options()));
        }

        public void Dispose()
        {
            for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
            if (Dir != null && Directory.Exists(Dir)) Directory.Delete(Dir, true);
        }
    }

    public static class Runner
    {
        public static int Main(string[] args)
        {
            var tests = Assembly.GetExecutingAssembly().GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
                .Select(m => new { Method = m, Attr = (ConcurTestAttribute)Attribute.GetCustomAttribute(m, typeof(ConcurTestAttribute)) })
                .Where(x => x.Attr != null)
                .Where(x => args.Length == 0 || args.Any(a => x.Attr.Name.Contains(a)))
                .OrderBy(x => x.Attr.Name, StringComparer.Ordinal)
                .ToList();
            int passed = 0, failed = 0, number = 0;
            foreach (var test in tests)
            {
                number++;
                var watch = Stopwatch.StartNew();
                string error = null;
                using (var ctx = new Ctx())
                {
                    try
                    {
                        test.Method.Invoke(null, new object[] { ctx });
                    }
                    catch (TargetInvocationException e)
                    {
                        error = e.InnerException is AssertionFailed ? e.InnerException.Message : e.InnerException.ToString();
                    }
                }
                if (error == null)
                {
                    passed++;
                    Console.WriteLine("ok {0} - {1} ({2:F2}s)", number, test.Attr.Name, watch.Elapsed.TotalSeconds);
                }
                else
                {
                    failed++;
                    Console.WriteLine("not ok {0} - {1} ({2:F2}s)", number, test.Attr.Name, watch.Elapsed.TotalSeconds);
                    Console.Error.WriteLine("    " + error.Replace("\n", "\n    "));
                }
            }
            Console.WriteLine("# {0} passed, {1} failed", passed, failed);
            return failed == 0 && tests.Count > 0 ? 0 : 1;
        }
    }
}
