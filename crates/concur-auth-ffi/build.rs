//! Generates the C header from this crate's source with cbindgen.
//!
//! The header is written to `$OUT_DIR/concur_auth.h` only: the committed copy in
//! `include/concur_auth.h` is never touched by a build, so drift is detected
//! (tests/header_drift.rs, scripts/test-c.sh) rather than silently fixed.
//! `scripts/regen-header.sh` copies the generated file over the committed one.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("crates/concur-auth-ffi/cbindgen.toml is not a valid cbindgen config");
    let header = out_dir.join("concur_auth.h");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the C header")
        .write_to_file(&header);
}
