//! JSON request bodies as JSON Schema reads them.
//!
//! The API document is JSON Schema 2020-12 (OpenAPI 3.1), where `2.0` is an integer just as `2`
//! is; serde's integer fields take only the second spelling. A body is first read straight
//! into its type (the fast path every client of ours takes); only when that fails is it read as
//! a JSON value, its whole-number floats respelled as integers, and read into the type again.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::HttpError;

/// Largest float magnitude spelled back as an integer: past 2⁵³ a float no longer names one
/// integer exactly.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Respells every whole-number float in `v` as an integer; returns whether any was.
pub fn whole_floats_to_integers(v: &mut Value) -> bool {
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() <= EXACT => {
                // In range by the test above: the cast is exact.
                *v = Value::from(f as i64);
                true
            }
            _ => false,
        },
        Value::Array(a) => a
            .iter_mut()
            .fold(false, |changed, x| whole_floats_to_integers(x) | changed),
        Value::Object(o) => o
            .values_mut()
            .fold(false, |changed, x| whole_floats_to_integers(x) | changed),
        _ => false,
    }
}

/// Reads `bytes` into `T`, taking `2.0` wherever an integer is expected.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, serde_json::Error> {
    let first = match serde_json::from_slice(bytes) {
        Ok(t) => return Ok(t),
        Err(e) => e,
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(bytes) else {
        return Err(first);
    };
    if !whole_floats_to_integers(&mut v) {
        return Err(first);
    }
    serde_json::from_value(v)
}

/// A JSON body that never rejects on its own: a bad one (not `application/json`, unreadable,
/// not the type) becomes a JSON 400 the handler returns after authenticating the caller.
#[derive(Debug)]
pub struct JsonBody<T>(pub Result<T, HttpError>);

fn bad(detail: &str) -> HttpError {
    HttpError::new(
        StatusCode::BAD_REQUEST,
        "invalid",
        &format!("Dữ liệu không đúng / Malformed request: {detail}"),
    )
}

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || m.ends_with("+json"));
        if !json {
            return Ok(Self(Err(bad(
                "Expected request with `Content-Type: application/json`",
            ))));
        }
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(e) => return Ok(Self(Err(bad(&e.body_text())))),
        };
        Ok(Self(from_slice(&bytes).map_err(|e| bad(&e.to_string()))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct T {
        a: i64,
        b: Vec<u32>,
        c: Option<i64>,
    }

    #[test]
    fn whole_floats_read_as_integers_and_fractions_do_not() {
        let t: T = from_slice(br#"{"a": 3200.0, "b": [1.0, 2], "c": -5.0}"#).unwrap();
        assert_eq!(
            t,
            T {
                a: 3200,
                b: vec![1, 2],
                c: Some(-5)
            }
        );
        assert!(from_slice::<T>(br#"{"a": 3200.5, "b": []}"#).is_err());
        assert!(from_slice::<T>(br#"{"a": 1e300, "b": []}"#).is_err());
        assert!(from_slice::<T>(br#"{"a": 1, "b": [-1.0]}"#).is_err());
        assert!(from_slice::<T>(b"not json").is_err());
    }

    #[test]
    fn large_whole_floats_parse_exactly() {
        // Without serde_json's `float_roundtrip`, 2251799813685247.0 parsed one ULP off (a
        // fraction) and a schema-valid upload was refused.
        let t: T =
            from_slice(br#"{"a": 2251799813685247.0, "b": [], "c": 9007199254740991.0}"#).unwrap();
        assert_eq!(
            (t.a, t.c),
            (2_251_799_813_685_247, Some(9_007_199_254_740_991))
        );
    }
}
