//! Random identifiers and base64url, hand-rolled so the fake needs no extra crates.
//!
//! The values only have to look like Concur's (so parsers and redaction code see
//! realistic shapes) and be unique; they are not cryptographically strong.

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url, the encoding of JWT segments.
pub(crate) fn base64url(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64URL[((n >> (18 - 6 * i)) & 0x3f) as usize] as char);
        }
    }
    out
}

/// `n` random base64url characters (used for fake signatures).
pub(crate) fn b64url_chars(n: usize) -> String {
    (0..n)
        .map(|_| B64URL[fastrand::usize(..64)] as char)
        .collect()
}

/// A random version-4 UUID in its usual lower-case 8-4-4-4-12 form: the shape of
/// Concur's refresh tokens, request tokens and correlation ids.
pub(crate) fn uuid_like() -> String {
    let mut v = fastrand::u128(..);
    v = (v & !(0xf << 76)) | (0x4 << 76);
    v = (v & !(0x3 << 62)) | (0x2 << 62);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        v >> 96,
        (v >> 80) & 0xffff,
        (v >> 64) & 0xffff,
        (v >> 48) & 0xffff,
        v & 0xffff_ffff_ffff
    )
}

/// A fake, unsigned JWT: `base64url(header).base64url(payload).random`. The
/// signature is noise: nothing in the tests verifies it.
pub(crate) fn fake_jwt(payload: &serde_json::Value) -> String {
    let header = br#"{"alg":"RS256","kid":"fake-concur","typ":"JWT"}"#;
    format!(
        "{}.{}.{}",
        base64url(header),
        base64url(payload.to_string().as_bytes()),
        b64url_chars(43)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc4648_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(b"fooba"), "Zm9vYmE");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn uuid_like_has_uuid_shape_and_varies() {
        let a = uuid_like();
        assert_eq!(a.len(), 36);
        let parts: Vec<_> = a.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, uuid_like());
    }

    #[test]
    fn jwt_header_starts_like_real_ones() {
        assert!(fake_jwt(&serde_json::json!({"sub": "x"})).starts_with("eyJ"));
    }
}
