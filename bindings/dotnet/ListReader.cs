// ListReader: a whole Concur list (startIndex/count paging) over one concur_list
// cursor, one page in memory. The C calls concur_list_open/next/free, wrapped.
using System;
using System.Collections;
using System.Collections.Generic;

namespace ConcurAuth
{
    /// <summary>
    /// Reads a paged Concur list one record at a time (each record as JSON text),
    /// fetching the next page only when the current one is used up: memory does not
    /// grow with the list. <c>foreach (string user in manager.ReadList()) ...</c>.
    /// Each page goes through the manager (token, retries, 429 and 401 rules). When a
    /// page fails for good, enumeration throws a <see cref="ConcurAuthException"/> and
    /// the reader stays on that page: <see cref="RecordsRead"/> and
    /// <see cref="NextStartIndex"/> say how far it got, and enumerating again retries
    /// the page. A list that changes size while read ends at the latest totalResults.
    /// One thread at a time; dispose it (or let the finalizer) to free the cursor.
    /// </summary>
    public sealed class ListReader : IEnumerable<string>, IDisposable
    {
        private readonly ListHandle handle;

        internal ListReader(ListHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>Records received so far.</summary>
        public ulong RecordsRead
        {
            get { return Native.concur_list_records_read(handle); }
        }

        /// <summary>
        /// The startIndex of the next page to ask for: after a failure, the page that failed
        /// (add <c>?startIndex=N</c> to the path to resume in a new read).
        /// </summary>
        public ulong NextStartIndex
        {
            get { return Native.concur_list_next_start_index(handle); }
        }

        /// <summary>The next record as JSON text, or null once the list is read.</summary>
        public string Next()
        {
            IntPtr record;
            Errors.Check(Native.concur_list_next(handle, out record));
            return Utf8.Take(record);
        }

        /// <summary>The records from where the reader stands to the end of the list.</summary>
        public IEnumerator<string> GetEnumerator()
        {
            for (string record = Next(); record != null; record = Next())
            {
                yield return record;
            }
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }

        public void Dispose()
        {
            handle.Dispose();
        }

        public override string ToString()
        {
            return handle.IsClosed ? "ListReader(disposed)" : "ListReader(" + RecordsRead + " records read)";
        }
    }
}
