//! Drives the exported functions directly, as C would: NULL for every required
//! pointer, invalid UTF-8, panic containment through the public boundary
//! functions, the status mapping, and one happy path against the in-process fake
//! Concur server.

use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};

use concur_auth::ErrorKind;
use fake_concur::{FakeConcur, FakeConfig};

use crate::error::{concur_status, Failure};
use crate::panic::{ffi_boundary, ffi_status};
use crate::*;

const BAD_UTF8: &[u8] = b"\xff\xfe not utf-8\0";

fn c(text: &str) -> CString {
    CString::new(text).unwrap()
}

fn bad_utf8() -> *const c_char {
    BAD_UTF8.as_ptr().cast()
}

/// Copies a string the library returned, then frees it the documented way.
fn take(ptr: *mut c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    let text = unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned();
    unsafe { concur_string_free(ptr) };
    Some(text)
}

fn last_message() -> String {
    take(concur_last_error_message()).unwrap_or_default()
}

fn last_code() -> Option<&'static str> {
    let p = concur_last_error_code_name();
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_str().unwrap())
}

fn expect_null_argument(status: concur_status, name: &str) {
    assert_eq!(status, concur_status::NullArgument, "argument {name}");
    assert_eq!(concur_last_error_status(), concur_status::NullArgument);
    assert_eq!(last_code(), Some("null_argument"));
    assert!(last_message().contains(&format!("`{name}`")), "{name}");
}

fn expect_invalid_utf8(status: concur_status, name: &str) {
    assert_eq!(status, concur_status::InvalidUtf8, "argument {name}");
    assert_eq!(last_code(), Some("invalid_utf8"));
    assert!(last_message().contains(&format!("`{name}`")), "{name}");
}

/// A temporary folder with the fake server's own credentials.json (its
/// defaults, or another client secret).
/// A fake Concur with its defaults, on a runtime of its own that the test
/// keeps until `runtime.block_on(fake.shutdown())`.
fn start_fake() -> (tokio::runtime::Runtime, FakeConcur) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime
        .block_on(FakeConcur::start(FakeConfig::default()))
        .unwrap();
    (runtime, fake)
}

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(other_secret: Option<&str>) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let spec = fake_concur::CredentialsSpec {
            client_secret: other_secret.map(str::to_owned),
            ..Default::default()
        };
        let text = fake_concur::fixtures::credentials_json(&FakeConfig::default(), &spec);
        std::fs::write(dir.path().join("credentials.json"), text).unwrap();
        Setup { dir }
    }

    fn creds(&self) -> CString {
        c(self.dir.path().join("credentials.json").to_str().unwrap())
    }

    fn token(&self) -> CString {
        c(self
            .dir
            .path()
            .join("refreshTokenObjectFile.json")
            .to_str()
            .unwrap())
    }

    fn manager(&self, base_url: Option<&str>) -> *mut concur_manager {
        let options = concur_options_new();
        if let Some(url) = base_url {
            let url = c(url);
            assert_eq!(
                unsafe { concur_options_set_base_url(options, url.as_ptr()) },
                concur_status::Ok
            );
        }
        let mut manager = null_mut();
        let status = unsafe {
            concur_manager_from_files(
                self.creds().as_ptr(),
                self.token().as_ptr(),
                options,
                &mut manager,
            )
        };
        unsafe { concur_options_free(options) };
        assert_eq!(status, concur_status::Ok, "{}", last_message());
        assert!(!manager.is_null());
        manager
    }
}

#[test]
fn every_error_kind_has_its_own_status() {
    let mut seen = std::collections::HashSet::new();
    for kind in ErrorKind::ALL {
        let status = concur_status::from_kind(kind);
        assert_eq!(status.name().to_str().unwrap(), kind.code(), "{kind:?}");
        assert!(seen.insert(status), "{kind:?} shares a status");
    }
    assert_eq!(concur_status::ALL.len(), ErrorKind::ALL.len() + 5);
}

#[test]
fn status_names_are_static_and_checked() {
    for status in concur_status::ALL {
        let name = concur_status_name(status as i32);
        assert_eq!(unsafe { CStr::from_ptr(name) }, status.name());
    }
    assert!(concur_status_name(5).is_null());
    assert!(concur_status_name(-1).is_null());
    assert!(concur_status_name(9999).is_null());
}

#[test]
fn version_is_the_crate_version() {
    let version = unsafe { CStr::from_ptr(concur_version()) };
    assert_eq!(version.to_str().unwrap(), concur_auth::VERSION);
}

#[test]
fn panics_are_contained_by_the_boundary() {
    // A status-returning entry point.
    let status = ffi_status("test_status_entry", || -> Result<(), Failure> {
        panic!("deliberate panic in a test")
    });
    assert_eq!(status, concur_status::Panic);
    assert_eq!(concur_last_error_status(), concur_status::Panic);
    assert_eq!(last_code(), Some("panic"));
    assert!(last_message().contains("test_status_entry"));

    // Pointer- and number-returning entry points get NULL / 0.
    let ptr: *mut c_char = ffi_boundary("test_ptr_entry", || panic!("deliberate"));
    assert!(ptr.is_null());
    let cptr: *const c_char = ffi_boundary("test_cptr_entry", || panic!("deliberate"));
    assert!(cptr.is_null());
    let n: u16 = ffi_boundary("test_u16_entry", || panic!("deliberate"));
    assert_eq!(n, 0);
    let n: i64 = ffi_boundary("test_i64_entry", || panic!("deliberate"));
    assert_eq!(n, 0);
    ffi_boundary::<()>("test_unit_entry", || panic!("deliberate"));
    assert!(last_message().contains("test_unit_entry"));

    // A panic with a non-string payload is contained too.
    let status = ffi_status("test_payload_entry", || -> Result<(), Failure> {
        std::panic::panic_any(42_u32)
    });
    assert_eq!(status, concur_status::Panic);

    // The next call works and clears the last error.
    let options = concur_options_new();
    assert_eq!(
        unsafe { concur_options_set_leeway_secs(options, 10) },
        concur_status::Ok
    );
    assert_eq!(concur_last_error_status(), concur_status::Ok);
    assert!(concur_last_error_message().is_null());
    unsafe { concur_options_free(options) };
}

#[test]
fn failures_are_reported_through_the_boundary() {
    let status = ffi_status("test_failure", || {
        Err(Failure::from(concur_auth::Error::new(
            ErrorKind::RefreshTokenExpired,
            "generate a new company request token",
        )))
    });
    assert_eq!(status, concur_status::RefreshTokenExpired);
    assert_eq!(last_code(), Some("refresh_token_expired"));
    assert_eq!(last_message(), "generate a new company request token");
    assert_eq!(concur_last_error_concur_code(), 0);
    assert_eq!(concur_last_error_http_status(), 0);
    assert!(concur_last_error_correlation_id().is_null());
}

#[test]
fn last_error_is_per_thread() {
    let status = unsafe { concur_options_set_leeway_secs(null_mut(), 1) };
    assert_eq!(status, concur_status::NullArgument);
    std::thread::spawn(|| assert_eq!(concur_last_error_status(), concur_status::Ok))
        .join()
        .unwrap();
    assert_eq!(concur_last_error_status(), concur_status::NullArgument);
}

#[test]
fn free_functions_accept_null() {
    unsafe {
        concur_string_free(null_mut());
        concur_manager_free(null_mut());
        concur_options_free(null_mut());
    }
}

#[test]
fn options_setters_check_every_pointer() {
    let options = concur_options_new();
    let host = c("proxy.example");
    unsafe {
        expect_null_argument(
            concur_options_set_base_url(null_mut(), host.as_ptr()),
            "options",
        );
        expect_null_argument(concur_options_set_base_url(options, null()), "base_url");
        expect_null_argument(
            concur_options_add_allowed_host(null_mut(), host.as_ptr()),
            "options",
        );
        expect_null_argument(concur_options_add_allowed_host(options, null()), "host");
        expect_null_argument(
            concur_options_set_scope(null_mut(), host.as_ptr()),
            "options",
        );
        expect_null_argument(concur_options_set_leeway_secs(null_mut(), 1), "options");
        expect_null_argument(
            concur_options_set_request_timeout_ms(null_mut(), 1),
            "options",
        );
        expect_null_argument(
            concur_options_set_connect_timeout_ms(null_mut(), 1),
            "options",
        );
        expect_null_argument(concur_options_set_lock_wait_ms(null_mut(), 1), "options");
        expect_null_argument(concur_options_set_max_attempts(null_mut(), 1), "options");

        assert_eq!(concur_options_set_scope(options, null()), concur_status::Ok);
        assert_eq!(
            concur_options_set_request_timeout_ms(options, 0),
            concur_status::Config
        );
        assert_eq!(
            concur_options_set_connect_timeout_ms(options, 0),
            concur_status::Config
        );
        assert_eq!(
            concur_options_set_max_attempts(options, 0),
            concur_status::Config
        );
        // The ranges are the core's (ManagerOptions::validate), with its message;
        // a refused value leaves the previous one in place.
        assert_eq!(
            concur_options_set_leeway_secs(options, u64::MAX),
            concur_status::Config
        );
        assert!(last_message().contains("leeway"), "{}", last_message());
        assert_eq!(
            concur_options_set_hard_margin_secs(options, 7200),
            concur_status::Config
        );
        assert_eq!((*options).inner, concur_auth::ManagerOptions::default());
        assert_eq!(
            concur_options_set_hard_margin_secs(options, 10),
            concur_status::Ok
        );
        assert_eq!(concur_options_set_strict(options, true), concur_status::Ok);
        assert!((*options).inner.strict);
        expect_null_argument(concur_options_set_strict(null_mut(), true), "options");
        assert_eq!(
            concur_options_set_base_url(options, bad_utf8()),
            concur_status::InvalidUtf8
        );
        assert_eq!(last_code(), Some("invalid_utf8"));
        assert_eq!(
            concur_options_add_allowed_host(options, bad_utf8()),
            concur_status::InvalidUtf8
        );
        assert_eq!(
            concur_options_set_scope(options, bad_utf8()),
            concur_status::InvalidUtf8
        );
        concur_options_free(options);
    }
}

#[test]
fn manager_functions_check_every_pointer() {
    let setup = Setup::new(None);
    let (creds, token) = (setup.creds(), setup.token());
    let id = c("fake-client-id");
    let secret = c("secret");
    let get = c("GET");
    let path = c("/profile/identity/v4/Users/");
    let mut out: *mut concur_manager = null_mut();
    let mut text: *mut c_char = null_mut();
    let mut http: u16 = 7;
    unsafe {
        // Constructors.
        expect_null_argument(
            concur_manager_from_files(null(), token.as_ptr(), null(), &mut out),
            "credentials_path",
        );
        expect_null_argument(
            concur_manager_from_files(creds.as_ptr(), null(), null(), &mut out),
            "token_path",
        );
        expect_null_argument(
            concur_manager_from_files(creds.as_ptr(), token.as_ptr(), null(), null_mut()),
            "out",
        );
        let mk =
            |a: *const c_char, b: *const c_char, t: *const c_char, o: *mut *mut concur_manager| {
                concur_manager_new(a, b, null(), null(), t, null(), o)
            };
        expect_null_argument(
            mk(null(), secret.as_ptr(), token.as_ptr(), &mut out),
            "client_id",
        );
        expect_null_argument(
            mk(id.as_ptr(), null(), token.as_ptr(), &mut out),
            "client_secret",
        );
        expect_null_argument(
            mk(id.as_ptr(), secret.as_ptr(), null(), &mut out),
            "token_path",
        );
        expect_null_argument(
            mk(id.as_ptr(), secret.as_ptr(), token.as_ptr(), null_mut()),
            "out",
        );
        assert!(out.is_null());

        // Invalid UTF-8 in each string argument of the constructors.
        let none = null();
        let (t, o) = (token.as_ptr(), &mut out as *mut _);
        expect_invalid_utf8(
            concur_manager_from_files(bad_utf8(), t, none, o),
            "credentials_path",
        );
        expect_invalid_utf8(
            concur_manager_from_files(creds.as_ptr(), bad_utf8(), none, o),
            "token_path",
        );
        expect_invalid_utf8(mk(bad_utf8(), secret.as_ptr(), t, o), "client_id");
        expect_invalid_utf8(mk(id.as_ptr(), bad_utf8(), t, o), "client_secret");
        let (i, s) = (id.as_ptr(), secret.as_ptr());
        expect_invalid_utf8(
            concur_manager_new(i, s, bad_utf8(), null(), t, none, o),
            "company_uuid",
        );
        expect_invalid_utf8(
            concur_manager_new(i, s, null(), bad_utf8(), t, none, o),
            "request_token",
        );
        assert!(out.is_null());

        // Methods, on a real handle (its base URL is a closed loopback port).
        let m = setup.manager(Some("http://127.0.0.1:9"));
        let mut status_out = null_mut();
        expect_null_argument(concur_manager_exchange(null(), &mut status_out), "manager");
        expect_null_argument(
            concur_manager_exchange_with(null(), CONCUR_EXCHANGE_FORCE, &mut status_out),
            "manager",
        );
        expect_null_argument(concur_manager_access_token(null(), &mut text), "manager");
        expect_null_argument(concur_manager_access_token(m, null_mut()), "token_out");
        expect_null_argument(concur_manager_force_refresh(null(), &mut text), "manager");
        expect_null_argument(concur_manager_status(null(), &mut status_out), "manager");
        expect_null_argument(concur_manager_status(m, null_mut()), "status_out");
        assert!(status_out.is_null());
        expect_null_argument(concur_manager_revoke(null()), "manager");
        let req = |m, method, p, body, h, o| concur_manager_request(m, method, p, body, h, o);
        expect_null_argument(
            req(
                null(),
                get.as_ptr(),
                path.as_ptr(),
                null(),
                &mut http,
                &mut text,
            ),
            "manager",
        );
        expect_null_argument(
            req(m, null(), path.as_ptr(), null(), &mut http, &mut text),
            "method",
        );
        expect_null_argument(
            req(m, get.as_ptr(), null(), null(), &mut http, &mut text),
            "path",
        );
        expect_null_argument(
            req(
                m,
                get.as_ptr(),
                path.as_ptr(),
                null(),
                null_mut(),
                &mut text,
            ),
            "http_status_out",
        );
        expect_null_argument(
            req(
                m,
                get.as_ptr(),
                path.as_ptr(),
                null(),
                &mut http,
                null_mut(),
            ),
            "body_out",
        );
        assert_eq!(http, 0, "out-parameters are reset on failure");
        assert!(text.is_null());
        let (g, p) = (get.as_ptr(), path.as_ptr());
        expect_invalid_utf8(
            req(m, bad_utf8(), p, null(), &mut http, &mut text),
            "method",
        );
        expect_invalid_utf8(req(m, g, bad_utf8(), null(), &mut http, &mut text), "path");
        expect_invalid_utf8(req(m, g, p, bad_utf8(), &mut http, &mut text), "body_json");
        let not_json = c("{not json");
        assert_eq!(
            req(
                m,
                get.as_ptr(),
                path.as_ptr(),
                not_json.as_ptr(),
                &mut http,
                &mut text
            ),
            concur_status::Config
        );
        assert!(last_message().contains("body_json is not valid JSON"));

        // The documented nullable arguments accept NULL (nothing listens, nothing is stored).
        assert_eq!(
            concur_manager_force_refresh(m, null_mut()),
            concur_status::NotInitialized
        );
        assert_eq!(
            concur_manager_exchange(m, null_mut()),
            concur_status::Network
        );
        concur_manager_free(m);
    }
}

#[test]
fn manager_construction_errors_leave_out_null() {
    let setup = Setup::new(Some("x"));
    let missing = c("/nonexistent/credentials.json");
    let mut out: *mut concur_manager = std::ptr::dangling_mut();
    let status = unsafe {
        concur_manager_from_files(missing.as_ptr(), setup.token().as_ptr(), null(), &mut out)
    };
    assert_eq!(status, concur_status::Config);
    assert!(out.is_null());
    assert!(last_message().contains("not found"));

    let options = concur_options_new();
    let evil = c("http://evil.example.com");
    unsafe {
        concur_options_set_base_url(options, evil.as_ptr());
        let status = concur_manager_from_files(
            setup.creds().as_ptr(),
            setup.token().as_ptr(),
            options,
            &mut out,
        );
        assert_eq!(status, concur_status::HostNotAllowed);
        concur_options_free(options);
    }
    assert!(out.is_null());
}

#[test]
fn happy_path_against_the_fake_server() {
    let (runtime, fake) = start_fake();
    let setup = Setup::new(None);
    let m = setup.manager(Some(&fake.base_url()));
    unsafe {
        let mut exchanged = null_mut();
        assert_eq!(
            concur_manager_exchange(m, &mut exchanged),
            concur_status::Ok,
            "{}",
            last_message()
        );
        assert!(concur_token_status_initialized(exchanged));
        concur_token_status_free(exchanged);

        let mut token = null_mut();
        assert_eq!(
            concur_manager_access_token(m, &mut token),
            concur_status::Ok
        );
        let token = take(token).unwrap();
        assert!(fake.known_secrets().contains(&token));
        assert_eq!(
            fake.counters().token_requests,
            1,
            "the exchange's token is reused"
        );

        let mut status = null_mut();
        assert_eq!(concur_manager_status(m, &mut status), concur_status::Ok);
        expect_status_data(status, &fake.base_url());
        concur_token_status_free(status);

        let (get, path) = (c("get"), c("/profile/identity/v4/Users/"));
        let mut http = 0;
        let mut body = null_mut();
        let status =
            concur_manager_request(m, get.as_ptr(), path.as_ptr(), null(), &mut http, &mut body);
        assert_eq!(status, concur_status::Ok, "{}", last_message());
        assert_eq!(http, 200);
        assert!(take(body).unwrap().contains("Resources"));

        let mut fresh = null_mut();
        assert_eq!(
            concur_manager_force_refresh(m, &mut fresh),
            concur_status::Ok
        );
        assert!(
            take(fresh).unwrap() != token,
            "force_refresh returns a new token"
        );
        assert_eq!(fake.counters().refresh_grants, 1);

        assert_eq!(concur_manager_revoke(m), concur_status::Ok);
        assert!(fake.revoked());
        let mut token = null_mut();
        assert_eq!(
            concur_manager_access_token(m, &mut token),
            concur_status::NotInitialized
        );
        assert!(token.is_null());
        concur_manager_free(m);
    }
    runtime.block_on(fake.shutdown());
}

#[test]
fn wrong_secret_is_an_auth_error_without_the_secret() {
    let (runtime, fake) = start_fake();
    let setup = Setup::new(Some("wrong-secret-Qq77"));
    let m = setup.manager(Some(&fake.base_url()));
    unsafe {
        assert_eq!(concur_manager_exchange(m, null_mut()), concur_status::Auth);
        assert_eq!(concur_last_error_concur_code(), 19);
        assert_eq!(concur_last_error_http_status(), 401);
        assert!(take(concur_last_error_correlation_id()).is_some());
        let message = last_message();
        assert!(!message.contains("wrong-secret-Qq77"), "{message}");
        concur_manager_free(m);
    }
    runtime.block_on(fake.shutdown());
}

#[test]
fn secret_strings_round_trip() {
    let secret = concur_auth::Secret::new("tok-123");
    let ptr = crate::strings::secret_to_c(&secret).unwrap();
    assert_eq!(take(ptr).as_deref(), Some("tok-123"));
    let nul = concur_auth::Secret::new("a\0b");
    assert!(crate::strings::secret_to_c(&nul).is_err());
    let text = crate::strings::text_to_c("a\0b");
    assert_eq!(take(text).as_deref(), Some("a\u{FFFD}b"));
}

/// Reads every accessor of a fresh token's status (data, not JSON).
unsafe fn expect_status_data(status: *const concur_token_status, base_url: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let read = |f: unsafe extern "C" fn(*const concur_token_status, *mut i64) -> bool| {
        let mut value = 0;
        unsafe { f(status, &mut value) }.then_some(value)
    };
    let text = |ptr: *const c_char| unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_owned();
    unsafe {
        assert!(concur_token_status_initialized(status));
        assert!(concur_token_status_access_token_valid(status));
        assert_eq!(concur_token_status_state(status), concur_token_state::Fresh);
        let expires = read(concur_token_status_access_token_expires_at).unwrap();
        let stale = read(concur_token_status_stale_at).unwrap();
        let hard = read(concur_token_status_hard_expiry_at).unwrap();
        assert!(now < stale && stale < hard && hard < expires);
        assert!(read(concur_token_status_refresh_token_expires_at).unwrap() > now);
        assert!(read(concur_token_status_refresh_token_days_left).unwrap() >= 179);
        assert!(!concur_token_status_refresh_token_expiring_soon(status));
        assert!(!concur_token_status_refresh_token_expired(status));
        assert_eq!(text(concur_token_status_geolocation(status)), base_url);
        assert!(text(concur_token_status_store(status)).starts_with("file "));
        assert!(!concur_token_status_company_uuid(status).is_null());
        // A NULL status reads as empty, and a NULL out-pointer is not written.
        assert!(!concur_token_status_initialized(null()));
        assert_eq!(concur_token_status_state(null()), concur_token_state::None);
        assert!(concur_token_status_geolocation(null()).is_null());
        assert!(!concur_token_status_stale_at(status, null_mut()));
        concur_token_status_free(null_mut());
    }
}

#[test]
fn status_families_are_the_core_table() {
    for kind in ErrorKind::ALL {
        let status = concur_status::from_kind(kind) as i32;
        let expected = kind
            .parent()
            .map_or(concur_status::Ok, concur_status::from_kind);
        assert_eq!(concur_status_parent(status), expected, "{kind:?}");
        for family in ErrorKind::ALL {
            let family_status = concur_status::from_kind(family) as i32;
            assert_eq!(
                concur_status_is(status, family_status),
                kind.is_a(family),
                "{kind:?} is {family:?}"
            );
        }
    }
    let (timeout, network) = (concur_status::Timeout as i32, concur_status::Network as i32);
    assert!(concur_status_is(timeout, network));
    assert!(!concur_status_is(network, timeout));
    let panic = concur_status::Panic as i32;
    assert!(concur_status_is(panic, panic));
    assert!(!concur_status_is(panic, concur_status::Config as i32));
    assert_eq!(concur_status_parent(panic), concur_status::Ok);
    assert_eq!(concur_status_parent(9999), concur_status::Ok);
    assert!(!concur_status_is(9999, 9999));
}

#[test]
fn a_blocking_call_from_an_async_task_is_a_config_error_not_a_panic() {
    let setup = Setup::new(None);
    let m = setup.manager(None);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (status, message) = runtime.block_on(async {
        let mut out = null_mut();
        let status = unsafe { concur_manager_status(m, &mut out) };
        assert!(out.is_null());
        (status, last_message())
    });
    assert_eq!(status, concur_status::Config, "{message}");
    assert!(message.contains("async"), "{message}");
    unsafe { concur_manager_free(m) };
}

#[test]
fn the_access_token_fills_a_caller_buffer_or_says_how_much_it_needs() {
    let (runtime, fake) = start_fake();
    let setup = Setup::new(None);
    let m = setup.manager(Some(&fake.base_url()));
    unsafe {
        assert_eq!(concur_manager_exchange(m, null_mut()), concur_status::Ok);
        let mut len = 0usize;
        // A size query: no buffer.
        assert_eq!(
            concur_manager_access_token_into(m, null_mut(), 0, &mut len),
            concur_status::BufferTooSmall
        );
        assert_eq!(last_code(), Some("buffer_too_small"));
        assert!(len > 10);
        // One byte short (no room for the NUL): refused, buffer untouched.
        let mut buffer = vec![b'x' as c_char; len];
        assert_eq!(
            concur_manager_access_token_into(m, buffer.as_mut_ptr(), len, &mut len),
            concur_status::BufferTooSmall
        );
        assert!(buffer.iter().all(|b| *b == b'x' as c_char));
        // Enough room: the token and a NUL, the same token as the allocating call.
        let mut buffer = vec![0 as c_char; len + 1];
        let mut written = 0usize;
        assert_eq!(
            concur_manager_access_token_into(m, buffer.as_mut_ptr(), buffer.len(), &mut written),
            concur_status::Ok
        );
        assert_eq!(written, len);
        let copied = CStr::from_ptr(buffer.as_ptr()).to_str().unwrap().to_owned();
        let mut token = null_mut();
        assert_eq!(
            concur_manager_access_token(m, &mut token),
            concur_status::Ok
        );
        assert_eq!(take(token).unwrap(), copied);
        // NULL checks.
        expect_null_argument(
            concur_manager_access_token_into(m, null_mut(), 8, &mut len),
            "buffer",
        );
        expect_null_argument(
            concur_manager_access_token_into(null(), buffer.as_mut_ptr(), 8, &mut len),
            "manager",
        );
        expect_null_argument(
            concur_manager_access_token_into(m, buffer.as_mut_ptr(), 8, null_mut()),
            "token_len_out",
        );
        concur_manager_free(m);
    }
    runtime.block_on(fake.shutdown());
}
