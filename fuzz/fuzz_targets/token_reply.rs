//! Fuzz target: see concur_auth::fuzz_checks::token_reply for the property checked.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| concur_auth::fuzz_checks::token_reply(data));
