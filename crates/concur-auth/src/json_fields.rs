//! Lenient field readers for Concur's JSON.
//!
//! The documentation and real replies disagree on types (`expires_in` is a string
//! in the docs and a number on the wire), so numbers are read from either. The
//! readers never quote a value in an error: a value may be a secret.

use serde_json::{Map, Value};

/// A JSON object as parsed.
pub(crate) type Object = Map<String, Value>;

/// Parses `text` as a JSON object; the error names only the position.
pub(crate) fn parse_object(text: &[u8]) -> Result<Object, String> {
    match serde_json::from_slice::<Value>(strip_bom(text)) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("is JSON but not an object".into()),
        Err(err) => Err(format!(
            "is not valid JSON ({:?} error at line {}, column {})",
            err.classify(),
            err.line(),
            err.column()
        )),
    }
}

/// `text` without a leading UTF-8 byte-order mark: Windows editors (Notepad)
/// write one, and JSON parsers refuse it.
pub(crate) fn strip_bom(text: &[u8]) -> &[u8] {
    text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)
}

/// A non-empty string field.
pub(crate) fn string(obj: &Object, key: &str) -> Option<String> {
    match obj.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// An integer field sent as a number (`3600`, `3600.0`) or a numeric string
/// (`"3600"`). `Err` when present but not numeric.
pub(crate) fn integer(obj: &Object, key: &str) -> Result<Option<i64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("field {key} is not an integer")),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| Some(f as i64))
            .ok_or_else(|| format!("field {key} is a string that is not a number")),
        Some(_) => Err(format!("field {key} is neither a number nor a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_come_as_numbers_or_strings() {
        let obj = parse_object(br#"{"a":3600,"b":"3600","c":"x","d":1.7e9,"e":null}"#).unwrap();
        assert_eq!(integer(&obj, "a"), Ok(Some(3600)));
        assert_eq!(integer(&obj, "b"), Ok(Some(3600)));
        assert!(integer(&obj, "c").is_err());
        assert_eq!(integer(&obj, "d"), Ok(Some(1_700_000_000)));
        assert_eq!(integer(&obj, "e"), Ok(None));
        assert_eq!(integer(&obj, "zz"), Ok(None));
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let obj = parse_object(b"\xEF\xBB\xBF{\"a\":1}\r\n").unwrap();
        assert_eq!(integer(&obj, "a"), Ok(Some(1)));
    }

    #[test]
    fn parse_errors_do_not_quote_input() {
        let err = parse_object(b"{\"refresh_token\": \"SECRET").unwrap_err();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(parse_object(b"[1]").is_err());
    }
}
