//! Small helpers for the integer-keyed CBOR maps our payloads use (on top of `ciborium`).
//!
//! Integer keys keep the QR codes small; unknown keys are ignored by readers so that newer
//! minor versions stay readable by older apps.

use ciborium::value::{Integer, Value};

/// What went wrong reading a CBOR map field (no payload data in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The item is not a CBOR map.
    #[error("not a CBOR map")]
    NotAMap,
    /// A required field is absent.
    #[error("field {0} missing")]
    Missing(i64),
    /// A field has the wrong type or an out-of-range value.
    #[error("field {0} has the wrong type or value")]
    Invalid(i64),
}

/// A read-only view of an integer-keyed CBOR map.
pub struct MapReader<'a> {
    entries: &'a [(Value, Value)],
}

impl<'a> MapReader<'a> {
    /// Views `value` as a map.
    pub fn new(value: &'a Value) -> Result<Self, FieldError> {
        match value {
            Value::Map(entries) => Ok(Self { entries }),
            _ => Err(FieldError::NotAMap),
        }
    }

    /// The raw value under `key`, if present.
    pub fn get(&self, key: i64) -> Option<&'a Value> {
        self.entries
            .iter()
            .find(|(k, _)| matches!(k, Value::Integer(i) if i128::from(*i) == i128::from(key)))
            .map(|(_, v)| v)
    }

    /// A required text field.
    pub fn text(&self, key: i64) -> Result<&'a str, FieldError> {
        self.opt_text(key)?.ok_or(FieldError::Missing(key))
    }

    /// An optional text field.
    pub fn opt_text(&self, key: i64) -> Result<Option<&'a str>, FieldError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Text(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(FieldError::Invalid(key)),
        }
    }

    /// A required byte-string field.
    pub fn bytes(&self, key: i64) -> Result<&'a [u8], FieldError> {
        match self.get(key) {
            None => Err(FieldError::Missing(key)),
            Some(Value::Bytes(b)) => Ok(b.as_slice()),
            Some(_) => Err(FieldError::Invalid(key)),
        }
    }

    /// A required integer field converted to `T`.
    pub fn int<T: TryFrom<i128>>(&self, key: i64) -> Result<T, FieldError> {
        self.opt_int(key)?.ok_or(FieldError::Missing(key))
    }

    /// An optional integer field converted to `T`.
    pub fn opt_int<T: TryFrom<i128>>(&self, key: i64) -> Result<Option<T>, FieldError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Integer(i)) => T::try_from(i128::from(*i))
                .map(Some)
                .map_err(|_| FieldError::Invalid(key)),
            Some(_) => Err(FieldError::Invalid(key)),
        }
    }

    /// A required nested map.
    pub fn map(&self, key: i64) -> Result<MapReader<'a>, FieldError> {
        match self.get(key) {
            None => Err(FieldError::Missing(key)),
            Some(v) => MapReader::new(v).map_err(|_| FieldError::Invalid(key)),
        }
    }

    /// An optional nested map.
    pub fn opt_map(&self, key: i64) -> Result<Option<MapReader<'a>>, FieldError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => MapReader::new(v)
                .map(Some)
                .map_err(|_| FieldError::Invalid(key)),
        }
    }
}

/// Builds an integer-keyed map, skipping absent optional fields.
#[derive(Default)]
pub struct MapWriter {
    entries: Vec<(Value, Value)>,
}

impl MapWriter {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field.
    pub fn put(mut self, key: i64, value: impl Into<Value>) -> Self {
        self.entries
            .push((Value::Integer(Integer::from(key)), value.into()));
        self
    }

    /// Adds a field when `value` is `Some`.
    pub fn put_opt(self, key: i64, value: Option<impl Into<Value>>) -> Self {
        match value {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    /// The finished map.
    pub fn build(self) -> Value {
        Value::Map(self.entries)
    }
}

/// Serialises a CBOR value to bytes.
pub fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail for a well-formed `Value`.
    if ciborium::ser::into_writer(value, &mut out).is_err() {
        out.clear();
    }
    out
}

/// Why a text is not Base32.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base32Error {
    /// Its length or final bits say characters are missing at the end.
    Truncated,
    /// It holds characters outside the Base32 alphabet.
    Encoding,
}

/// Decodes unpadded Base32 in either case (browsers and scanners may lower-case a URL).
pub fn decode_base32(text: &str) -> Result<Vec<u8>, Base32Error> {
    let upper = text.to_ascii_uppercase();
    data_encoding::BASE32_NOPAD
        .decode(upper.as_bytes())
        .map_err(|e| match e.kind {
            data_encoding::DecodeKind::Length | data_encoding::DecodeKind::Trailing => {
                Base32Error::Truncated
            }
            _ => Base32Error::Encoding,
        })
}

/// Why bytes are not one CBOR item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes end inside an item.
    Truncated,
    /// The bytes are not CBOR (or nest too deeply).
    Malformed,
    /// Bytes remain after the item.
    TrailingData,
}

/// Parses exactly one CBOR item.
pub fn from_slice(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut reader = bytes;
    let value: Value = ciborium::de::from_reader(&mut reader).map_err(|e| match e {
        ciborium::de::Error::Io(_) => DecodeError::Truncated,
        _ => DecodeError::Malformed,
    })?;
    if reader.is_empty() {
        Ok(value)
    } else {
        Err(DecodeError::TrailingData)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_round_trip_and_ignore_unknown_keys() {
        let v = MapWriter::new()
            .put(1, "a")
            .put(2, 5u32)
            .put(99, "future")
            .put_opt(3, None::<u32>)
            .build();
        let bytes = to_vec(&v);
        let back = from_slice(&bytes).unwrap();
        let m = MapReader::new(&back).unwrap();
        assert_eq!(m.text(1).unwrap(), "a");
        assert_eq!(m.int::<u32>(2).unwrap(), 5);
        assert_eq!(m.opt_int::<u32>(3).unwrap(), None);
        assert_eq!(m.int::<u8>(1), Err(FieldError::Invalid(1)));
        assert_eq!(m.text(4), Err(FieldError::Missing(4)));
        assert_eq!(
            from_slice(&bytes[..bytes.len() - 1]),
            Err(DecodeError::Truncated)
        );
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(from_slice(&extra), Err(DecodeError::TrailingData));
    }
}
