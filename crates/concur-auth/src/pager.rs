//! Reading a whole Identity v4 list (`GET /profile/identity/v4/Users`) page by
//! page, as records or as pages.
//!
//! Identity v4 pages with `startIndex` (1-based) and `count` (at most 100) and
//! answers SCIM list responses (`totalResults`, `itemsPerPage`, `startIndex`,
//! `Resources`; PROTOCOL.md "Reading whole lists"). Every page is one
//! [`ApiClient::request`], so the manager's token, retries, 429/`Retry-After`
//! and the one refresh-and-retry on 401 apply to each page as to any call.
//!
//! When a page fails for good the read stops with a [`PageError`]: the core
//! [`Error`] plus how far the read got (records and pages read, the
//! `startIndex` to resume from). Records already handed out stay handed out;
//! the failed page is not skipped: asking the pager again retries it.
//!
//! A list that changes size while it is read: offset paging over a live list
//! cannot be a snapshot. The pager follows the `totalResults` of the latest
//! page: it stops once the next `startIndex` is past it (a shrunken list ends
//! early, a grown one is read to its new end). Records that shift across a
//! page boundary meanwhile may be missed or seen twice. It advances by the
//! records each page really held (a server may send fewer than `count`), a
//! page that is empty although `totalResults` says more is an error rather
//! than a reason to ask again, and no read goes past `max_pages` pages
//! ([`DEFAULT_MAX_PAGES`]), so a list that keeps growing cannot loop forever.

use std::fmt;

use futures_util::Stream;
use reqwest::Method;
use serde_json::Value;

use crate::client::ApiClient;
use crate::error::{Error, ErrorKind, Result};

/// The largest page Identity v4 serves (PROTOCOL.md); also the default.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The default bound on pages per read: ten million records at 100 a page.
pub const DEFAULT_MAX_PAGES: u64 = 100_000;

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// The `startIndex` this page was asked for (1-based).
    pub start_index: u64,
    /// The list's size when this page was served, if the server said.
    pub total_results: Option<u64>,
    /// The page's records (SCIM `Resources`), in order.
    pub records: Vec<Value>,
    /// The reply's `concur-correlationid`.
    pub correlation_id: Option<String>,
}

/// A read that stopped early: why, and how far it got.
#[derive(Clone, Debug)]
pub struct PageError {
    error: Error,
    records_read: u64,
    pages_read: u64,
    next_start_index: u64,
}

impl PageError {
    /// The failure itself (kind, HTTP status, correlation id, …).
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The failure itself, dropping the progress.
    pub fn into_error(self) -> Error {
        self.error
    }

    /// Records received before the failure (all of them were handed out).
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// Pages received before the failure.
    pub fn pages_read(&self) -> u64 {
        self.pages_read
    }

    /// The `startIndex` of the page that failed: a new read from there
    /// (`…?startIndex=N`) resumes the list.
    pub fn next_start_index(&self) -> u64 {
        self.next_start_index
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (the list read stopped after {} records in {} pages; resume with startIndex={})",
            self.error, self.records_read, self.pages_read, self.next_start_index
        )
    }
}

impl std::error::Error for PageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<PageError> for Error {
    fn from(err: PageError) -> Error {
        err.error
    }
}

/// Reads one list page by page. Build it with [`ApiClient::read_list`]; read it
/// with [`Pager::next_page`] / [`Pager::next_record`] (a cursor) or as a
/// [`Stream`] ([`Pager::pages`], [`Pager::records`]). Use one style per pager.
#[derive(Debug)]
pub struct Pager {
    client: ApiClient,
    /// The path without its query.
    path: String,
    /// The caller's other query parameters, exactly as given.
    query: Vec<String>,
    page_size: u32,
    max_pages: u64,
    next_start_index: u64,
    records_read: u64,
    pages_read: u64,
    total_results: Option<u64>,
    done: bool,
    /// Records of the current page not yet handed out by `next_record`.
    buffered: std::vec::IntoIter<Value>,
}

/// Whether a query parameter is `name` (SCIM parameter names are case-insensitive).
fn is_param(pair: &str, name: &str) -> bool {
    pair.split('=')
        .next()
        .unwrap_or("")
        .eq_ignore_ascii_case(name)
}

fn param_number(pair: &str, name: &str) -> Result<u64> {
    let value = pair.split_once('=').map_or("", |(_, v)| v);
    value.trim().parse::<u64>().map_err(|_| {
        Error::config(format!(
            "{name}={value:?} in the list path is not a whole number; give a number, or leave it out"
        ))
    })
}

impl ApiClient {
    /// A [`Pager`] over the list at `path`, e.g. `/profile/identity/v4/Users`.
    /// Query parameters other than `startIndex` and `count` are sent
    /// unchanged with every page; a `startIndex` in `path` is where the read
    /// begins, a `count` the page size (capped at [`MAX_PAGE_SIZE`]).
    pub fn read_list(&self, path: &str) -> Result<Pager> {
        Pager::new(self.clone(), path)
    }
}

impl Pager {
    /// See [`ApiClient::read_list`].
    pub fn new(client: ApiClient, path: &str) -> Result<Pager> {
        if path.contains('#') {
            return Err(Error::config(format!(
                "list path {path:?} has a fragment (#); remove it"
            )));
        }
        let (bare, query) = path.split_once('?').unwrap_or((path, ""));
        let mut pager = Pager {
            client,
            path: bare.to_owned(),
            query: Vec::new(),
            page_size: MAX_PAGE_SIZE,
            max_pages: DEFAULT_MAX_PAGES,
            next_start_index: 1,
            records_read: 0,
            pages_read: 0,
            total_results: None,
            done: false,
            buffered: Vec::new().into_iter(),
        };
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            if is_param(pair, "startIndex") {
                pager.next_start_index = param_number(pair, "startIndex")?.max(1);
            } else if is_param(pair, "count") {
                let count = param_number(pair, "count")?;
                pager = pager.page_size(count.min(u64::from(MAX_PAGE_SIZE)) as u32);
            } else {
                pager.query.push(pair.to_owned());
            }
        }
        Ok(pager)
    }

    /// Records per page, 1 to [`MAX_PAGE_SIZE`] (clamped; default 100).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// The most pages one read may take (at least 1; default [`DEFAULT_MAX_PAGES`]).
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Records received so far.
    pub fn records_read(&self) -> u64 {
        self.records_read
    }

    /// Pages received so far.
    pub fn pages_read(&self) -> u64 {
        self.pages_read
    }

    /// The `startIndex` of the next page to ask for.
    pub fn next_start_index(&self) -> u64 {
        self.next_start_index
    }

    /// The list's size according to the latest page, once one arrived.
    pub fn total_results(&self) -> Option<u64> {
        self.total_results
    }

    fn fail(&self, error: Error) -> PageError {
        PageError {
            error,
            records_read: self.records_read,
            pages_read: self.pages_read,
            next_start_index: self.next_start_index,
        }
    }

    fn page_path(&self) -> String {
        let mut path = self.path.clone();
        path.push('?');
        for pair in &self.query {
            path.push_str(pair);
            path.push('&');
        }
        path.push_str(&format!(
            "startIndex={}&count={}",
            self.next_start_index, self.page_size
        ));
        path
    }

    /// The next page, `Ok(None)` once the list is read. An error leaves the
    /// pager where it was: calling again asks for the same page again.
    pub async fn next_page(&mut self) -> Result<Option<Page>, PageError> {
        if self.done {
            return Ok(None);
        }
        if self.pages_read >= self.max_pages {
            return Err(self.fail(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the list did not end within {} pages (it kept growing, or the server never \
                     reached totalResults); raise max_pages if the list is really this long",
                    self.max_pages
                ),
            )));
        }
        let start = self.next_start_index;
        let path = self.page_path();
        let response = self
            .client
            .request(Method::GET, &path, None)
            .await
            .map_err(|err| self.fail(err))?;
        response
            .error_for_status(&format!("GET {} (startIndex={start})", self.path))
            .map_err(|err| self.fail(err))?;
        let body: Value = response.json().map_err(|err| self.fail(err))?;
        let (total, records) = parse_list(body).map_err(|message| {
            self.fail(
                Error::new(ErrorKind::InvalidResponse, message)
                    .with_http_status(response.status)
                    .with_correlation_id(response.correlation_id.clone()),
            )
        })?;
        let received = records.len() as u64;
        if received == 0 {
            if let Some(total) = total.filter(|total| start <= *total) {
                return Err(self.fail(
                    Error::new(
                        ErrorKind::InvalidResponse,
                        format!(
                            "the page at startIndex={start} was empty although totalResults is \
                             {total}; stopping rather than asking for it forever"
                        ),
                    )
                    .with_correlation_id(response.correlation_id.clone()),
                ));
            }
        }
        self.pages_read += 1;
        self.records_read += received;
        self.total_results = total;
        self.next_start_index = start.saturating_add(received);
        self.done = received == 0 || total.is_some_and(|total| self.next_start_index > total);
        tracing::debug!(
            start,
            received,
            total,
            done = self.done,
            "list page of {}",
            self.path
        );
        if received == 0 && self.pages_read > 1 {
            return Ok(None);
        }
        Ok(Some(Page {
            start_index: start,
            total_results: total,
            records,
            correlation_id: response.correlation_id,
        }))
    }

    /// The next record, `Ok(None)` once the list is read. Fetches a page when
    /// the current one is used up; an error leaves the pager where it was.
    pub async fn next_record(&mut self) -> Result<Option<Value>, PageError> {
        loop {
            if let Some(record) = self.buffered.next() {
                return Ok(Some(record));
            }
            match self.next_page().await? {
                Some(page) => self.buffered = page.records.into_iter(),
                None => return Ok(None),
            }
        }
    }

    /// The next record of the page already received, without any I/O; `None`
    /// when it is used up (then [`Pager::next_record`] fetches the next page).
    /// Lets bindings hand out most records without a trip to the runtime.
    pub fn next_buffered(&mut self) -> Option<Value> {
        self.buffered.next()
    }

    /// Whether the list is read to its end: no record left, no page to ask for.
    pub fn is_finished(&self) -> bool {
        self.done && self.buffered.len() == 0
    }

    /// The pages as a stream, ending after the last page or after the first error.
    pub fn pages(self) -> impl Stream<Item = Result<Page, PageError>> + Send + 'static {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut pager = state?;
            match pager.next_page().await {
                Ok(Some(page)) => Some((Ok(page), Some(pager))),
                Ok(None) => None,
                Err(err) => Some((Err(err), None)),
            }
        })
    }

    /// The records as a stream, one page in memory at a time, ending after the
    /// last record or after the first error.
    pub fn records(self) -> impl Stream<Item = Result<Value, PageError>> + Send + 'static {
        futures_util::stream::unfold(Some(self), |state| async move {
            let mut pager = state?;
            match pager.next_record().await {
                Ok(Some(record)) => Some((Ok(record), Some(pager))),
                Ok(None) => None,
                Err(err) => Some((Err(err), None)),
            }
        })
    }
}

/// A field of a SCIM object by name, ignoring case (SCIM attribute names are
/// case-insensitive).
fn field<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// `totalResults` (a number or a numeric string; absent is allowed) and
/// `Resources` (absent or null means none) of a SCIM list response.
fn parse_list(body: Value) -> std::result::Result<(Option<u64>, Vec<Value>), String> {
    let Value::Object(mut object) = body else {
        return Err("the list page is not a JSON object (a SCIM list response)".into());
    };
    let total = match field(&object, "totalResults") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_u64().ok_or("totalResults is not a whole number")?),
        Some(Value::String(s)) => Some(
            s.trim()
                .parse::<u64>()
                .map_err(|_| "totalResults is not a whole number")?,
        ),
        Some(_) => return Err("totalResults is not a number".into()),
    };
    let key = object
        .keys()
        .find(|key| key.eq_ignore_ascii_case("Resources"))
        .cloned();
    let records = match key.and_then(|key| object.remove(&key)) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(records)) => records,
        Some(_) => return Err("Resources is not a JSON array".into()),
    };
    Ok((total, records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_plausible_list_shape() {
        let (total, records) =
            parse_list(json!({"totalResults": 2, "Resources": [{"id": "a"}, {"id": "b"}]}))
                .unwrap();
        assert_eq!((total, records.len()), (Some(2), 2));
        let (total, records) = parse_list(json!({"totalresults": "0"})).unwrap();
        assert_eq!((total, records.len()), (Some(0), 0));
        let (total, records) = parse_list(json!({"resources": [1], "totalResults": null})).unwrap();
        assert_eq!((total, records.len()), (None, 1));
        assert!(parse_list(json!([1])).is_err());
        assert!(parse_list(json!({"totalResults": -1})).is_err());
        assert!(parse_list(json!({"totalResults": 1, "Resources": {}})).is_err());
    }

    #[test]
    fn is_param_ignores_case_and_values() {
        assert!(is_param("startindex=3", "startIndex"));
        assert!(is_param("COUNT", "count"));
        assert!(!is_param("counter=1", "count"));
        assert!(param_number("count=x", "count").is_err());
        assert_eq!(param_number("count=7", "count").unwrap(), 7);
    }
}
