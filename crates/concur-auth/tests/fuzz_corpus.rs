//! Replays the committed fuzz corpus (fuzz/corpus/<target>/*) through the same
//! checks the fuzz targets run, on every test run, fuzzer or not.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
    {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "{} fails its fuzz property",
            path.display()
        );
        count += 1;
    }
    count
}

#[test]
fn credentials_corpus() {
    assert!(replay("credentials", concur_auth::fuzz_checks::credentials) >= 3);
}

#[test]
fn token_file_corpus() {
    assert!(replay("token_file", concur_auth::fuzz_checks::token_file) >= 3);
}

#[test]
fn token_reply_corpus() {
    assert!(replay("token_reply", concur_auth::fuzz_checks::token_reply) >= 5);
}

#[test]
fn api_path_corpus() {
    let check = |data: &[u8]| {
        concur_auth::fuzz_checks::api_path(data);
    };
    assert!(replay("api_path", check) >= 50);
}
