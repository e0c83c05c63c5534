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

    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("crates/concur-auth-ffi/cbindgen.toml is not a valid cbindgen config");
    config.after_includes = Some(version_macros());
    let header = out_dir.join("concur_auth.h");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the C header")
        .write_to_file(&header);
}

/// The version macros of the header, from this crate's version, so that C code
/// can check at compile time what it builds against (and compare with
/// concur_version() at run time).
fn version_macros() -> String {
    let part = |name: &str| std::env::var(name).expect(name);
    let (major, minor, patch) = (
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    );
    format!(
        "
/** The version of the library this header belongs to (concur_version() gives the loaded one's). */
#define CONCUR_AUTH_VERSION \"{version}\"
#define CONCUR_AUTH_VERSION_MAJOR {major}
#define CONCUR_AUTH_VERSION_MINOR {minor}
#define CONCUR_AUTH_VERSION_PATCH {patch}
/** MAJOR * 10000 + MINOR * 100 + PATCH, for `#if CONCUR_AUTH_VERSION_NUMBER >= 200` checks. */
#define CONCUR_AUTH_VERSION_NUMBER ({major} * 10000 + {minor} * 100 + {patch})",
        version = part("CARGO_PKG_VERSION"),
    )
}
