//! Fuzz target: see concur_auth::fuzz_checks::api_path for the property checked.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    concur_auth::fuzz_checks::api_path(data);
});
