// The .NET driver of the conformance table (tests/conformance/scenarios.json):
// each scenario runs against a fresh fake-concur and a fresh folder (the
// binding tests' harness, bindings/dotnet/tests/Harness.cs) and yields one
// outcome line; "not ok" when it differs from the table. The lines go to
// $CONCUR_CONFORMANCE_OUT/dotnet.txt for the cross-language comparison
// (scripts/test-conformance.sh). Usage: ConformanceDriver.exe TABLE.
// The step vocabulary is in tests/conformance/SCENARIOS.md.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Serialization.Json;
using System.Text;
using System.Threading;
using System.Xml;
using System.Xml.Linq;
using ConcurAuth;

namespace ConcurAuth.Tests
{
    /// <summary>JSON read through the framework's JSON-to-XML mapping (no package needed on mono).</summary>
    static class Json
    {
        public static XElement Parse(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            using (XmlDictionaryReader reader = JsonReaderWriterFactory.CreateJsonReader(bytes, XmlDictionaryReaderQuotas.Max))
            {
                return XElement.Load(reader);
            }
        }

        public static string Write(XElement element)
        {
            var root = new XElement("root", element.Attributes(), element.Nodes());
            using (var stream = new MemoryStream())
            {
                using (XmlDictionaryWriter writer = JsonReaderWriterFactory.CreateJsonWriter(stream, Encoding.UTF8, false))
                {
                    root.WriteTo(writer);
                }
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        public static string Str(XElement obj, string name)
        {
            XElement e = obj == null ? null : obj.Element(name);
            return e == null || (string)e.Attribute("type") == "null" ? null : e.Value;
        }
    }

    /// <summary>What one scenario has seen so far.</summary>
    sealed class ScenarioRun
    {
        /// <summary>How long access_token_until_renewed asks, and how often.</summary>
        static readonly TimeSpan RenewalWait = TimeSpan.FromSeconds(30);
        const int RenewalPollMs = 20;

        readonly Ctx t;
        TokenManager manager;
        List<string> tokens = new List<string>();
        TokenStatus status;
        ApiResponse response;
        ConcurAuthException error;
        byte[] snapshot;
        string written;

        public ScenarioRun(Ctx t)
        {
            this.t = t;
            t.MakeDir();
        }

        /// <summary>A step that prepares the server or the folder; yields no outcome.</summary>
        public bool Prepare(XElement step)
        {
            string fixture = Json.Str(step, "fixture");
            if (fixture != null)
            {
                XElement spec = step.Element("spec");
                string body;
                int http = t.Fake.Admin("POST", "/_admin/fixtures/" + fixture, spec == null ? null : Json.Write(spec), out body);
                Assert.Equal(200, http, "fixture " + fixture);
                File.WriteAllText(fixture == "credentials" ? t.CredentialsPath : t.TokenPath, body);
            }
            else if (Json.Str(step, "admin") != null)
            {
                XElement body = step.Element("body");
                string reply;
                int http = t.Fake.Admin(Json.Str(step, "admin"), Json.Str(step, "path"), body == null ? null : Json.Write(body), out reply);
                Assert.True(http >= 200 && http < 300, "admin " + Json.Str(step, "path") + " answered " + http);
            }
            else if (Json.Str(step, "write") == "token_file")
            {
                written = Json.Str(step, "text");
                File.WriteAllText(t.TokenPath, written);
            }
            else if (Json.Str(step, "snapshot") == "token_file")
            {
                snapshot = File.Exists(t.TokenPath) ? File.ReadAllBytes(t.TokenPath) : null;
            }
            else
            {
                return false;
            }
            return true;
        }

        string Attempt(Action call)
        {
            try
            {
                call();
                return "ok";
            }
            catch (ConcurAuthException e)
            {
                error = e;
                return e.Code;
            }
        }

        public string Act(XElement step)
        {
            string action = Json.Str(step, "do");
            if (manager == null) manager = t.Own(TokenManager.FromFiles(t.CredentialsPath, t.TokenPath, t.Options()));
            string value;
            switch (action)
            {
                case "exchange":
                    bool force = Json.Str(step, "force") == "true";
                    value = Attempt(() => status = manager.ExchangeRequestToken(force));
                    break;
                case "access_token":
                    value = AccessToken(int.Parse(Json.Str(step, "callers") ?? "1"));
                    break;
                case "access_token_until_renewed":
                    value = UntilRenewed();
                    break;
                case "status":
                    value = Attempt(() => status = manager.Status());
                    break;
                case "api_get":
                    ApiResponse reply = null;
                    value = Attempt(() => reply = manager.Request("GET", Json.Str(step, "path")));
                    if (reply != null)
                    {
                        response = reply;
                        value = reply.StatusCode.ToString();
                    }
                    break;
                case "revoke":
                    value = Attempt(manager.Revoke);
                    break;
                default:
                    throw new AssertionFailed("unknown action " + action);
            }
            return action + "=" + value;
        }

        /// <summary>`n` threads ask one handle at once; the first failure (or "ok") is the outcome.</summary>
        string AccessToken(int n)
        {
            var results = new string[n];
            var codes = new string[n];
            var start = new ManualResetEvent(false);
            var threads = Enumerable.Range(0, n).Select(i => new Thread(() =>
            {
                start.WaitOne();
                try
                {
                    results[i] = manager.AccessToken();
                }
                catch (ConcurAuthException e)
                {
                    codes[i] = e.Code;
                    error = e;
                }
            })).ToList();
            threads.ForEach(th => th.Start());
            start.Set();
            threads.ForEach(th => th.Join());
            tokens = results.Where(r => r != null).ToList();
            return codes.FirstOrDefault(c => c != null) ?? "ok";
        }

        /// <summary>The access token in the last snapshot of the token file.</summary>
        string SnapshotAccessToken()
        {
            return snapshot == null ? null : Json.Str(Json.Parse(Encoding.UTF8.GetString(snapshot)), "access_token");
        }

        /// <summary>Asks until the token differs from the snapshot's; each new value kept once.</summary>
        string UntilRenewed()
        {
            string old = SnapshotAccessToken();
            Stopwatch clock = Stopwatch.StartNew();
            tokens = new List<string>();
            while (true)
            {
                string token = null;
                string value = Attempt(() => token = manager.AccessToken());
                if (token == null) return value;
                if (tokens.Count == 0 || tokens[tokens.Count - 1] != token) tokens.Add(token);
                if (token != old) return "ok";
                if (clock.Elapsed >= RenewalWait) return "unchanged";
                Thread.Sleep(RenewalPollMs);
            }
        }

        /// <summary>Every text form of every library object this run holds.</summary>
        IEnumerable<string> Texts()
        {
            yield return manager == null ? "" : manager.ToString();
            if (status != null) yield return status.ToString();
            if (response != null) yield return response.ToString();
            if (error != null)
            {
                yield return error.Message;
                yield return error.ToString();
            }
        }

        static string FileMode(string path)
        {
            var info = new ProcessStartInfo("stat", "-c %a \"" + path + "\"") { UseShellExecute = false, RedirectStandardOutput = true };
            using (Process p = Process.Start(info))
            {
                string mode = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                return mode;
            }
        }

        static string Yes(bool b)
        {
            return b ? "yes" : "no";
        }

        public string Check(XElement step)
        {
            string check = Json.Str(step, "check");
            bool exists = File.Exists(t.TokenPath);
            string value;
            switch (check)
            {
                case "counter":
                    string name = Json.Str(step, "name");
                    return name + "=" + t.Fake.Counter(name);
                case "concur_code":
                    value = error != null && error.ConcurCode.HasValue ? error.ConcurCode.Value.ToString() : "none";
                    break;
                case "correlation_id":
                    value = Yes(error != null && !string.IsNullOrEmpty(error.CorrelationId));
                    break;
                case "error_mentions":
                    value = Yes(error != null && (error.Message + " " + error).Contains(Json.Str(step, "text")));
                    break;
                case "token_file":
                    value = exists ? "present" : "absent";
                    break;
                case "token_file_mode":
                    value = exists ? FileMode(t.TokenPath) : "absent";
                    break;
                case "token_file_fields":
                    XElement stored = exists ? Json.Parse(File.ReadAllText(t.TokenPath)) : null;
                    value = Yes(stored != null && step.Element("fields").Elements().All(f => stored.Element(f.Value) != null));
                    break;
                case "token_file_unchanged":
                    value = Yes(snapshot != null && exists && File.ReadAllBytes(t.TokenPath).SequenceEqual(snapshot));
                    break;
                case "kept_aside":
                    string[] kept = Directory.GetFiles(t.Dir, "refreshTokenObjectFile.json.corrupt-*");
                    value = Yes(written != null && kept.Length == 1 && File.ReadAllText(kept[0]) == written);
                    break;
                case "distinct_tokens":
                    value = tokens.Distinct().Count().ToString();
                    break;
                case "tokens_from_snapshot":
                    string old = SnapshotAccessToken();
                    value = Yes(tokens.Count > 0 && tokens.All(token => token == old));
                    break;
                case "status_state":
                    value = status == null ? "none" : status.State.ToString().ToLowerInvariant();
                    break;
                case "response_has_list":
                    XElement field = response == null ? null : Json.Parse(response.Body).Element(Json.Str(step, "field"));
                    value = Yes(field != null && (string)field.Attribute("type") == "array");
                    break;
                case "status_initialized":
                    value = Yes(status != null && status.Initialized);
                    break;
                case "status_expiries":
                    value = Yes(status != null && status.AccessTokenExpiresAt.HasValue && status.RefreshTokenExpiresAt.HasValue);
                    break;
                case "status_geolocation":
                    string geo = status == null ? null : status.Geolocation;
                    value = geo == null ? "none" : geo == t.Fake.Url ? "server" : geo;
                    break;
                case "revoked":
                    value = Yes(t.Fake.Get("/_admin/revoked").Contains("true"));
                    break;
                case "token_is_known_secret":
                    List<string> secrets = t.Fake.Secrets();
                    value = Yes(tokens.Count > 0 && tokens.All(secrets.Contains));
                    break;
                case "secrets_shown":
                    List<string> known = t.Fake.Secrets();
                    value = Yes(Texts().Any(text => known.Any(s => text.Contains(s))));
                    break;
                default:
                    throw new AssertionFailed("unknown check " + check);
            }
            return check + "=" + value;
        }
    }

    public static class ConformanceDriver
    {
        static string RunScenario(XElement scenario)
        {
            var outcomes = new List<string> { Json.Str(scenario, "id") };
            using (var ctx = new Ctx())
            {
                var run = new ScenarioRun(ctx);
                foreach (XElement step in scenario.Element("steps").Elements())
                {
                    if (run.Prepare(step)) continue;
                    outcomes.Add(step.Element("do") != null ? run.Act(step) : run.Check(step));
                }
            }
            return string.Join(" ", outcomes);
        }

        public static int Main(string[] args)
        {
            if (args.Length != 1)
            {
                Console.Error.WriteLine("usage: ConformanceDriver.exe tests/conformance/scenarios.json");
                return 2;
            }
            XElement table = Json.Parse(File.ReadAllText(args[0]));
            string outDir = Environment.GetEnvironmentVariable("CONCUR_CONFORMANCE_OUT") ?? "target/conformance";
            Directory.CreateDirectory(outDir);
            var lines = new List<string>();
            int passed = 0, failed = 0;
            foreach (XElement scenario in table.Element("scenarios").Elements())
            {
                string id = Json.Str(scenario, "id");
                string expected = string.Join(" ", new[] { id }.Concat(scenario.Element("expect").Elements().Select(e => e.Value)));
                string line;
                try
                {
                    line = RunScenario(scenario);
                }
                catch (Exception e)
                {
                    line = id + " (driver error: " + (e is AssertionFailed ? e.Message : e.GetType().Name + ": " + e.Message) + ")";
                }
                lines.Add(line);
                bool ok = line == expected;
                Console.WriteLine(line);
                Console.WriteLine("{0} {1} - {2}", ok ? "ok" : "not ok", passed + failed + 1, id);
                if (ok)
                {
                    passed++;
                }
                else
                {
                    failed++;
                    Console.WriteLine("#   expected " + expected);
                }
            }
            File.WriteAllText(Path.Combine(outDir, "dotnet.txt"), string.Join("", lines.Select(l => l + "\n")));
            Console.WriteLine("# {0} passed, {1} failed", passed, failed);
            return failed == 0 ? 0 : 1;
        }
    }
}
