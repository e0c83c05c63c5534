//! Whole lists: `concur_list`, a cursor over a paged Identity v4 list
//! (`GET /profile/identity/v4/Users`). Each concur_list_next() hands out one
//! record as JSON; a page is fetched (blocking, on the shared runtime) when the
//! previous one is used up, with the manager's token, retry and 401 rules.

use std::ffi::c_char;

use crate::error::concur_status;
use crate::error::Failure;
use crate::ffi::{arg_mut, arg_ref, free_handle, into_handle, opt_str, out_arg};
use crate::manager::concur_manager;
use crate::panic::{ffi_boundary, ffi_status};
use crate::strings::text_to_c;

/// The list Identity v4 pages through when no path is given.
const DEFAULT_LIST_PATH: &str = "/profile/identity/v4/Users";

/// A read of one paged list, one record at a time, one page in memory.
///
/// Thread safety: a concur_list may move between threads but is used by one
/// thread at a time (it is a cursor). It keeps its manager's tokens alive on its
/// own; free it with concur_list_free().
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct concur_list {
    inner: concur_auth::Pager,
}

const _: () = {
    const fn send<T: Send>() {}
    send::<concur_list>();
};

/// Opens a read of the list at `path` (nullable: "/profile/identity/v4/Users"),
/// relative to the token's geolocation. Query parameters other than
/// `startIndex` and `count` are sent unchanged with every page; a `startIndex`
/// in `path` is where the read begins. `page_size` is the records per page (0:
/// the maximum, 100; larger values are capped). Nothing is sent yet. On success
/// `*out` holds a cursor to free with concur_list_free(); on failure it is NULL.
///
/// # Safety
/// `manager` is NULL or live; `path` is NULL or NUL-terminated; `out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_list_open(
    manager: *const concur_manager,
    path: *const c_char,
    page_size: u32,
    out: *mut *mut concur_list,
) -> concur_status {
    ffi_status("concur_list_open", || {
        // SAFETY (whole block): forwarded contract.
        let out = unsafe { out_arg(out, "out", std::ptr::null_mut()) }?;
        let manager = unsafe { arg_ref(manager, "manager") }?;
        let path = unsafe { opt_str(path, "path") }?.unwrap_or(DEFAULT_LIST_PATH);
        let mut pager = manager.inner.as_async().api_client().read_list(path)?;
        if page_size > 0 {
            pager = pager.page_size(page_size);
        }
        *out = into_handle(concur_list { inner: pager });
        Ok(())
    })
}

/// The next record of the list as JSON text in `*record_json_out` (free it with
/// concur_string_free()), or NULL once the list is read (CONCUR_STATUS_OK
/// both times). When a page fails for good (its retries spent, or an HTTP error
/// status: CONCUR_STATUS_API) the status says why, concur_last_error_message()
/// explains, and the cursor stays on that page: records handed out stay handed
/// out, concur_list_next_start_index() says where to resume, and calling
/// concur_list_next() again retries the page.
///
/// # Safety
/// `list` is NULL or live and not used by another thread meanwhile;
/// `record_json_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn concur_list_next(
    list: *mut concur_list,
    record_json_out: *mut *mut c_char,
) -> concur_status {
    ffi_status("concur_list_next", || {
        // SAFETY (whole block): forwarded contract.
        let out = unsafe { out_arg(record_json_out, "record_json_out", std::ptr::null_mut()) }?;
        let list = unsafe { arg_mut(list, "list") }?;
        let pager = &mut list.inner;
        let record = concur_auth::block_on(async { Ok(pager.next_record().await) })?
            .map_err(|err| Failure::from(err.into_error()))?;
        if let Some(record) = record {
            *out = text_to_c(&record.to_string());
        }
        Ok(())
    })
}

/// Records received so far (0 for NULL).
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_list_records_read(list: *const concur_list) -> u64 {
    ffi_boundary("concur_list_records_read", || {
        // SAFETY: forwarded contract.
        unsafe { list.as_ref() }.map_or(0, |list| list.inner.records_read())
    })
}

/// The `startIndex` of the next page to ask for: after a failure, the page
/// that failed (add `?startIndex=N` to the path to resume in a new read).
/// 0 for NULL.
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn concur_list_next_start_index(list: *const concur_list) -> u64 {
    ffi_boundary("concur_list_next_start_index", || {
        // SAFETY: forwarded contract.
        unsafe { list.as_ref() }.map_or(0, |list| list.inner.next_start_index())
    })
}

/// Frees a cursor. NULL is ignored.
///
/// # Safety
/// `list` is NULL or came from concur_list_open() and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn concur_list_free(list: *mut concur_list) {
    ffi_boundary("concur_list_free", || {
        // SAFETY: forwarded contract.
        unsafe { free_handle(list) }
    })
}
