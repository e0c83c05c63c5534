// Whole lists through ListReader (the concur_list cursor): every page, an empty
// list, query parameters passed through, a page failing for good and resumed,
// disposal. The same cases as the C, Python and Node pager tests.
using System;
using System.Collections.Generic;
using System.Linq;
using ConcurAuth;

namespace ConcurAuth.Tests
{
    public static class ListTests
    {
        const string Users = "/profile/identity/v4/Users";

        /// <summary>A fake with <paramref name="users"/> users and a manager whose exchange ran.</summary>
        static TokenManager Ready(Ctx t, int users)
        {
            t.StartFake("--users", users.ToString());
            TokenManager m = t.Manager();
            m.ExchangeRequestToken();
            return m;
        }

        [ConcurTest("list_every_page")]
        static void EveryPage(Ctx t)
        {
            TokenManager m = Ready(t, 250);
            using (ListReader reader = m.ReadList())
            {
                List<string> records = reader.ToList();
                Assert.Equal(250, records.Count, "records");
                Assert.Equal(250UL, reader.RecordsRead, "RecordsRead");
                Assert.True(records[0].Contains("\"jane.doe@example.com\""), "first record");
                Assert.True(records[249].Contains("\"user250@example.com\""), "last record");
                Assert.Equal(3L, t.Fake.Counter("user_requests"), "one request per page");
                Assert.Equal(0, reader.Count(), "a read list stays read");
            }
        }

        [ConcurTest("list_query_parameters_and_page_size")]
        static void QueryParameters(Ctx t)
        {
            TokenManager m = Ready(t, 250);
            using (ListReader reader = m.ReadList(Users + "?attributes=userName&startIndex=241", 4))
            {
                List<string> records = reader.ToList();
                Assert.Equal(10, records.Count, "from 241 to 250");
                Assert.True(records[0].Contains("\"user241@example.com\""), records[0]);
                Assert.True(!records[0].Contains("emails"), "attributes passed through");
                Assert.Equal(3L, t.Fake.Counter("user_requests"), "4 a page");
            }
        }

        [ConcurTest("list_empty")]
        static void Empty(Ctx t)
        {
            TokenManager m = Ready(t, 0);
            using (ListReader reader = m.ReadList(Users))
            {
                Assert.Equal(null, reader.Next(), "no record");
                Assert.Equal(0UL, reader.RecordsRead, "RecordsRead");
            }
        }

        [ConcurTest("list_page_failing_for_good_keeps_what_was_read")]
        static void FailingPage(Ctx t)
        {
            TokenManager m = Ready(t, 250);
            string ignored;
            Assert.True(t.Fake.Admin("POST", "/_admin/page-faults",
                "{\"start_index\":101,\"count\":100,\"fault\":{\"kind\":\"status\",\"status\":503}}", out ignored) == 204,
                "page fault set");
            using (ListReader reader = m.ReadList(Users))
            {
                var records = new List<string>();
                var e = Assert.Fails(ConcurStatus.Server, () =>
                {
                    foreach (string record in reader) records.Add(record);
                }, "the second page fails");
                Assert.Equal(100, records.Count, "the first page was handed out");
                Assert.Equal(100UL, reader.RecordsRead, "RecordsRead");
                Assert.Equal(101UL, reader.NextStartIndex, "resume at the failed page");
                Assert.True(e.Message.Contains("503"), e.Message);
                t.Fake.AssertNoSecret(e.ToString(), "the list error");
                // Once the server heals, the same reader reads on from the failed page.
                t.Fake.Admin("DELETE", "/_admin/faults", null, out ignored);
                records.AddRange(reader);
                Assert.Equal(250, records.Count, "every record once");
                Assert.True(records[100].Contains("\"user101@example.com\""), records[100]);
            }
        }

        [ConcurTest("list_bad_input_and_dispose")]
        static void BadInputAndDispose(Ctx t)
        {
            TokenManager m = Ready(t, 1);
            Assert.Fails(ConcurStatus.Config, () => m.ReadList(Users + "?count=lots"), "count is the reader's");
            Assert.Throws<ArgumentException>(() => m.ReadList(Users + "\0x"), "NUL");
            ListReader reader = m.ReadList();
            reader.Dispose();
            reader.Dispose(); // twice is fine
            Assert.Throws<ObjectDisposedException>(() => reader.Next(), "use after dispose");
            Assert.Equal("ListReader(disposed)", reader.ToString(), "ToString");
            // The reader holds what it needs: it outlives its manager.
            ListReader outliving = m.ReadList();
            m.Dispose();
            using (outliving)
            {
                Assert.Equal(1, outliving.Count(), "read after the manager was disposed");
            }
        }
    }
}
