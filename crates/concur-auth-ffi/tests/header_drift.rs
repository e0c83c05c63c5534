//! The committed `include/concur_auth.h` must be exactly what cbindgen generates
//! from this crate now (build.rs writes it to OUT_DIR and never into the source
//! tree). When this fails, run `scripts/regen-header.sh` and commit the result.

use std::path::Path;

#[test]
fn committed_header_matches_the_generated_one() {
    let generated = Path::new(env!("OUT_DIR")).join("concur_auth.h");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/concur_auth.h");
    let generated_text = std::fs::read_to_string(&generated).expect("build.rs writes the header");
    let committed_text = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        generated_text == committed_text,
        "include/concur_auth.h is out of date with the code.\n  see the difference: diff -u {} {}\n  fix it:             scripts/regen-header.sh",
        committed.display(),
        generated.display(),
    );
}
