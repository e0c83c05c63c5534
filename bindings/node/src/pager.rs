//! `Pager`: a whole paged Identity v4 list, one page per `nextPage()` promise.
//! `index.js` makes it an async iterable of records (`for await (const user
//! of manager.readList())`) with `pages()` for whole pages. Every page is one
//! core `ApiClient` call on the shared runtime, so the manager's token, retry
//! and 401 rules apply; the event loop never waits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::Object;
use napi::{Env, Result};
use napi_derive::napi;
use tokio::sync::Mutex;

use crate::errors;
use crate::runtime::{promise_with, Rejection};

/// A list read that stopped early: the core error plus how far it got
/// (`recordsRead`, `pagesRead`, `nextStartIndex` on the `ConcurAuthError`).
impl Rejection for concur_auth::PageError {
    fn into_napi(self) -> napi::Error {
        errors::to_napi_with(
            self.error(),
            serde_json::json!({
                "recordsRead": self.records_read(),
                "pagesRead": self.pages_read(),
                "nextStartIndex": self.next_start_index(),
            }),
        )
    }
}

/// Reads one list page by page (see `TokenManager.readList`).
#[napi]
#[derive(Debug)]
pub struct Pager {
    inner: Arc<Mutex<concur_auth::Pager>>,
    /// How far the read got as of the last settled page. The pager itself is
    /// locked while a page is in flight; the getters read these instead, so
    /// they answer at once (never "unknown") in the middle of a page.
    progress: Arc<Progress>,
}

#[derive(Debug)]
struct Progress {
    records_read: AtomicU64,
    next_start_index: AtomicU64,
}

impl Progress {
    fn record(&self, pager: &concur_auth::Pager) {
        self.records_read
            .store(pager.records_read(), Ordering::Relaxed);
        self.next_start_index
            .store(pager.next_start_index(), Ordering::Relaxed);
    }
}

impl Pager {
    pub(crate) fn new(pager: concur_auth::Pager) -> Self {
        let progress = Arc::new(Progress {
            records_read: AtomicU64::new(0),
            next_start_index: AtomicU64::new(0),
        });
        progress.record(&pager);
        Pager {
            inner: Arc::new(Mutex::new(pager)),
            progress,
        }
    }
}

#[napi]
impl Pager {
    /// The next page (`{ startIndex, totalResults, records, correlationId }`),
    /// or `null` once the list is read. A failure leaves the pager on that
    /// page: calling again retries it.
    #[napi(ts_return_type = "Promise<ListPage | null>", catch_unwind)]
    pub fn next_page<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let (pager, progress) = (self.inner.clone(), self.progress.clone());
        // JSON text: V8's JSON.parse (in index.js) builds the objects fastest.
        promise_with(env, async move {
            let mut pager = pager.lock().await;
            let page = pager.next_page().await;
            progress.record(&pager);
            let page = page?;
            Ok::<_, concur_auth::PageError>(page.map(|page| {
                serde_json::json!({
                    "startIndex": page.start_index,
                    "totalResults": page.total_results,
                    "records": page.records,
                    "correlationId": page.correlation_id,
                })
                .to_string()
            }))
        })
    }

    /// Records received so far (as of the last page that settled).
    #[napi(getter, catch_unwind)]
    pub fn records_read(&self) -> f64 {
        self.progress.records_read.load(Ordering::Relaxed) as f64
    }

    /// The `startIndex` of the next page to ask for (as of the last page that
    /// settled; after a failure, the page that failed).
    #[napi(getter, catch_unwind)]
    pub fn next_start_index(&self) -> f64 {
        self.progress.next_start_index.load(Ordering::Relaxed) as f64
    }
}
