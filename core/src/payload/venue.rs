//! Venue posters: a venue record signed by the issuing authority, written as an upper-case URL.
//!
//! ```text
//! HTTPS://QR.HADONG.GOV.VN/V/<Base32 of a tagged COSE_Sign1>
//! ```
//!
//! The URL lets a stock camera open the web check-in page when the app is absent; the app
//! recognises the `/V/` path and checks in offline. The whole text lies in the QR alphanumeric
//! character set (upper-case letters, digits, `:` and `/`, Base32 without padding), so the code
//! is one alphanumeric segment at 5.5 bits a character and gets a low version.
//!
//! The COSE_Sign1 (RFC 9052) carries, in its protected header, `alg` = EdDSA and `kid` = the
//! [`KeyId`] of the signing key; its payload is an integer-keyed CBOR map:
//!
//! | key | field | type |
//! | --- | --- | --- |
//! | 0 | format version (major) | uint, 1 |
//! | 1 | venue id | text |
//! | 2 | name (NFC) | text |
//! | 3 | address (NFC) | text |
//! | 4 | commune code | uint |
//! | 5 | category | uint ([`VenueCategory::code`]) |
//! | 6 | default stay, minutes | uint |
//! | 7 | issued at, Unix seconds | uint |
//!
//! Readers ignore keys they do not know (newer minor fields) and reject a major version they
//! do not know. Verification is offline, against a [`TrustList`] of authority keys.

use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use data_encoding::BASE32_NOPAD;
use serde::{Deserialize, Serialize};

use super::cbor::{self, FieldError, MapReader, MapWriter};
use crate::keys::{AuthoritySigningKey, KeyId, TrustList};

/// The format version this code writes and the newest major version it reads.
pub const FORMAT_VERSION: u8 = 1;

/// The path segment that marks a poster URL.
pub const POSTER_PATH: &str = "/V/";

/// Longest venue name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest address accepted, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;
/// Longest venue id accepted, in bytes.
pub const MAX_VENUE_ID_BYTES: usize = 40;
/// Longest stay a venue may set as its default (14 days: hotels, hospitals).
pub const MAX_DEFAULT_STAY_MINUTES: u32 = 14 * 24 * 60;

/// What kind of place a venue is. The code (`u8`) is stable on the wire; codes this version
/// does not know read as [`VenueCategory::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VenueCategory {
    /// Shop or convenience store.
    Shop,
    /// Traditional market.
    Market,
    /// Supermarket or shopping centre.
    Supermarket,
    /// Restaurant, café, food stall.
    Restaurant,
    /// Office or workplace.
    Office,
    /// Factory or industrial site.
    Factory,
    /// School, kindergarten, university.
    School,
    /// Hospital, clinic, pharmacy.
    Healthcare,
    /// Hotel, guest house (multi-day stays).
    Lodging,
    /// Public administration office.
    Government,
    /// Bus station, railway station, airport, ferry.
    Transport,
    /// Pagoda, church, temple.
    Worship,
    /// Cinema, gym, karaoke, sports ground.
    Leisure,
    /// Anything else.
    Other,
}

impl VenueCategory {
    /// Every category, in code order.
    pub const ALL: [VenueCategory; 14] = [
        Self::Shop,
        Self::Market,
        Self::Supermarket,
        Self::Restaurant,
        Self::Office,
        Self::Factory,
        Self::School,
        Self::Healthcare,
        Self::Lodging,
        Self::Government,
        Self::Transport,
        Self::Worship,
        Self::Leisure,
        Self::Other,
    ];

    /// The category's name in configuration files, forms and the command line (`shop`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shop => "shop",
            Self::Market => "market",
            Self::Supermarket => "supermarket",
            Self::Restaurant => "restaurant",
            Self::Office => "office",
            Self::Factory => "factory",
            Self::School => "school",
            Self::Healthcare => "healthcare",
            Self::Lodging => "lodging",
            Self::Government => "government",
            Self::Transport => "transport",
            Self::Worship => "worship",
            Self::Leisure => "leisure",
            Self::Other => "other",
        }
    }

    /// The stable wire code.
    pub fn code(self) -> u8 {
        match self {
            Self::Shop => 1,
            Self::Market => 2,
            Self::Supermarket => 3,
            Self::Restaurant => 4,
            Self::Office => 5,
            Self::Factory => 6,
            Self::School => 7,
            Self::Healthcare => 8,
            Self::Lodging => 9,
            Self::Government => 10,
            Self::Transport => 11,
            Self::Worship => 12,
            Self::Leisure => 13,
            Self::Other => 0,
        }
    }

    /// The category of a wire code; unknown codes (from newer versions) read as `Other`.
    pub fn from_code(code: u8) -> Self {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .unwrap_or(Self::Other)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Shop => "Cửa hàng",
            Self::Market => "Chợ",
            Self::Supermarket => "Siêu thị, trung tâm thương mại",
            Self::Restaurant => "Nhà hàng, quán ăn, cà phê",
            Self::Office => "Văn phòng, cơ quan, doanh nghiệp",
            Self::Factory => "Nhà máy, xưởng sản xuất",
            Self::School => "Trường học",
            Self::Healthcare => "Cơ sở y tế, nhà thuốc",
            Self::Lodging => "Khách sạn, nhà nghỉ",
            Self::Government => "Cơ quan hành chính",
            Self::Transport => "Bến xe, nhà ga, sân bay",
            Self::Worship => "Cơ sở tôn giáo",
            Self::Leisure => "Vui chơi, thể thao, giải trí",
            Self::Other => "Khác",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Shop => "Shop",
            Self::Market => "Market",
            Self::Supermarket => "Supermarket, shopping centre",
            Self::Restaurant => "Restaurant, café",
            Self::Office => "Office, workplace",
            Self::Factory => "Factory",
            Self::School => "School",
            Self::Healthcare => "Healthcare, pharmacy",
            Self::Lodging => "Hotel, guest house",
            Self::Government => "Government office",
            Self::Transport => "Station, airport",
            Self::Worship => "Place of worship",
            Self::Leisure => "Leisure, sports",
            Self::Other => "Other",
        }
    }

    /// A sensible default stay for the category, in minutes.
    pub fn typical_stay_minutes(self) -> u32 {
        match self {
            Self::Shop | Self::Transport => 30,
            Self::Market | Self::Supermarket | Self::Worship => 60,
            Self::Restaurant | Self::Government | Self::Leisure => 90,
            Self::Healthcare => 120,
            Self::Office | Self::Factory | Self::School => 8 * 60,
            Self::Lodging => 24 * 60,
            Self::Other => 60,
        }
    }
}

/// A category name that is not one of [`VenueCategory::as_str`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown venue category")]
pub struct UnknownCategory;

impl std::str::FromStr for VenueCategory {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or(UnknownCategory)
    }
}

/// The venue record a poster carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueInfo {
    /// Venue id, unique in the deployment (ASCII letters, digits, `-`).
    pub venue_id: String,
    /// Name as shown to visitors.
    pub name: String,
    /// Address.
    pub address: String,
    /// Commune (xã / phường) code of the 2025 administrative units.
    pub commune_code: u32,
    /// Category.
    pub category: VenueCategory,
    /// Default stay length in minutes (auto check-out after it).
    pub default_stay_minutes: u32,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
}

impl VenueInfo {
    /// Checks the record and normalises its text to NFC (collapsing runs of white space).
    pub fn normalised(&self) -> Result<Self, VenueError> {
        let venue_id = self.venue_id.trim();
        if venue_id.is_empty()
            || venue_id.len() > MAX_VENUE_ID_BYTES
            || !venue_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(VenueError::InvalidField("venue_id"));
        }
        let name = clean_text(&self.name);
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(VenueError::InvalidField("name"));
        }
        let address = clean_text(&self.address);
        if address.chars().count() > MAX_ADDRESS_CHARS {
            return Err(VenueError::InvalidField("address"));
        }
        if self.default_stay_minutes == 0 || self.default_stay_minutes > MAX_DEFAULT_STAY_MINUTES {
            return Err(VenueError::InvalidField("default_stay_minutes"));
        }
        if self.issued_at < 0 {
            return Err(VenueError::InvalidField("issued_at"));
        }
        Ok(Self {
            venue_id: venue_id.to_owned(),
            name,
            address,
            ..self.clone()
        })
    }

    fn to_cbor(&self) -> ciborium::Value {
        MapWriter::new()
            .put(0, FORMAT_VERSION)
            .put(1, self.venue_id.as_str())
            .put(2, self.name.as_str())
            .put(3, self.address.as_str())
            .put(4, self.commune_code)
            .put(5, self.category.code())
            .put(6, self.default_stay_minutes)
            .put(7, self.issued_at)
            .build()
    }

    fn from_cbor(value: &ciborium::Value) -> Result<Self, VenueError> {
        let m = MapReader::new(value).map_err(VenueError::Payload)?;
        let version: u64 = m.int(0).map_err(VenueError::Payload)?;
        if version != u64::from(FORMAT_VERSION) {
            return Err(VenueError::UnsupportedVersion(version));
        }
        let info = Self {
            venue_id: m.text(1).map_err(VenueError::Payload)?.to_owned(),
            name: m.text(2).map_err(VenueError::Payload)?.to_owned(),
            address: m.text(3).map_err(VenueError::Payload)?.to_owned(),
            commune_code: m.int(4).map_err(VenueError::Payload)?,
            category: VenueCategory::from_code(m.int(5).map_err(VenueError::Payload)?),
            default_stay_minutes: m.int(6).map_err(VenueError::Payload)?,
            issued_at: m.int(7).map_err(VenueError::Payload)?,
        };
        // What a trusted key signed is still checked: a bad record is not a good poster.
        info.normalised()
    }
}

use crate::text::normalise as clean_text;

/// A poster whose signature verified against the trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenuePoster {
    /// The venue.
    pub info: VenueInfo,
    /// Id of the key that signed it.
    pub kid: KeyId,
}

/// Why a text is not a valid venue poster. Messages name fields, never their contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VenueError {
    /// Not a poster URL (`http(s)://host/V/...`): some other code.
    #[error("not a venue poster URL")]
    WrongPrefix,
    /// The part after `/V/` is not Base32.
    #[error("poster payload is not Base32")]
    Encoding,
    /// The text stops early: part of the code is missing.
    #[error("poster payload is truncated")]
    Truncated,
    /// The payload is not a COSE_Sign1 structure.
    #[error("poster payload is not a signed COSE structure")]
    NotCose,
    /// The structure has no signature.
    #[error("poster is not signed")]
    Unsigned,
    /// The signature algorithm is not EdDSA.
    #[error("poster signature algorithm is not EdDSA")]
    UnsupportedAlgorithm,
    /// The key id is missing or names no key in the trust list.
    #[error("poster is signed by an unknown key")]
    UnknownKeyId,
    /// The signature is not 64 bytes.
    #[error("poster signature is malformed")]
    MalformedSignature,
    /// The signature does not verify: the payload was altered or the signature forged.
    /// (Ed25519 cannot tell the two apart.)
    #[error("poster signature does not verify")]
    SignatureMismatch,
    /// A major format version this code does not know.
    #[error("poster format version {0} is not supported")]
    UnsupportedVersion(u64),
    /// The signed record is missing a field or has a wrong one.
    #[error("poster record is invalid: {0}")]
    Payload(FieldError),
    /// A field of the record is out of bounds (when encoding, or in a signed record).
    #[error("venue field {0} is invalid")]
    InvalidField(&'static str),
    /// The base URL given for encoding is not an `http(s)://host` URL in the QR alphanumeric set.
    #[error("poster base URL is invalid")]
    InvalidBaseUrl,
    /// The COSE structure could not be written.
    #[error("poster could not be encoded")]
    Encode,
}

/// Signs a venue record and writes it as poster text under `base_url`
/// (`https://qr.example.vn`, upper-cased in the output).
pub fn encode(
    info: &VenueInfo,
    key: &AuthoritySigningKey,
    base_url: &str,
) -> Result<String, VenueError> {
    let base = normalise_base_url(base_url)?;
    let info = info.normalised()?;
    let payload = cbor::to_vec(&info.to_cbor());
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(key.kid().as_str().as_bytes().to_vec())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(payload)
        .create_signature(&[], |tbs| key.sign(tbs).to_vec())
        .build();
    let bytes = sign1.to_tagged_vec().map_err(|_| VenueError::Encode)?;
    Ok(format!(
        "{base}{POSTER_PATH}{}",
        BASE32_NOPAD.encode(&bytes)
    ))
}

/// Checks a base URL and returns it upper-cased without a trailing slash.
fn normalise_base_url(base_url: &str) -> Result<String, VenueError> {
    let upper = base_url.trim().trim_end_matches('/').to_ascii_uppercase();
    let host = upper
        .strip_prefix("HTTPS://")
        .or_else(|| upper.strip_prefix("HTTP://"))
        .ok_or(VenueError::InvalidBaseUrl)?;
    let ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-.:/".contains(&b));
    if ok {
        Ok(upper)
    } else {
        Err(VenueError::InvalidBaseUrl)
    }
}

/// Splits poster text into its Base32 payload, or says it is not a poster URL.
fn poster_payload(text: &str) -> Result<&str, VenueError> {
    let text = text.trim();
    let rest = strip_prefix_ci(text, "https://")
        .or_else(|| strip_prefix_ci(text, "http://"))
        .ok_or(VenueError::WrongPrefix)?;
    let slash = rest.find('/').ok_or(VenueError::WrongPrefix)?;
    let (host, path) = rest.split_at(slash);
    if host.is_empty() {
        return Err(VenueError::WrongPrefix);
    }
    strip_prefix_ci(path, POSTER_PATH).ok_or(VenueError::WrongPrefix)
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

/// Whether `text` is a poster URL at all (cheap; no decoding, no verification).
pub fn is_poster_url(text: &str) -> bool {
    poster_payload(text).is_ok()
}

/// Decodes poster text and verifies its signature against `trust`, offline.
pub fn decode(text: &str, trust: &TrustList) -> Result<VenuePoster, VenueError> {
    let b32 = poster_payload(text)?;
    let bytes = cbor::decode_base32(b32.trim_end_matches('/')).map_err(|e| match e {
        cbor::Base32Error::Truncated => VenueError::Truncated,
        cbor::Base32Error::Encoding => VenueError::Encoding,
    })?;
    let value = match cbor::from_slice(&bytes) {
        Ok(v) => v,
        Err(cbor::DecodeError::Truncated) => return Err(VenueError::Truncated),
        Err(_) => return Err(VenueError::NotCose),
    };
    if matches!(value, ciborium::Value::Map(_)) {
        // A bare record with no COSE envelope around it.
        return Err(VenueError::Unsigned);
    }
    let sign1 = CoseSign1::from_tagged_slice(&bytes)
        .or_else(|_| CoseSign1::from_slice(&bytes))
        .map_err(|_| VenueError::NotCose)?;
    if sign1.signature.is_empty() {
        return Err(VenueError::Unsigned);
    }
    let alg_ok = matches!(
        sign1.protected.header.alg,
        Some(coset::RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::EdDSA
        ))
    );
    if !alg_ok {
        return Err(VenueError::UnsupportedAlgorithm);
    }
    let kid = std::str::from_utf8(&sign1.protected.header.key_id)
        .ok()
        .and_then(KeyId::parse)
        .ok_or(VenueError::UnknownKeyId)?;
    let key = trust.get(kid.as_str()).ok_or(VenueError::UnknownKeyId)?;
    let signature: [u8; 64] = sign1
        .signature
        .as_slice()
        .try_into()
        .map_err(|_| VenueError::MalformedSignature)?;
    sign1.verify_signature(&[], |_sig, tbs| {
        if key.verify(tbs, &signature) {
            Ok(())
        } else {
            Err(VenueError::SignatureMismatch)
        }
    })?;
    let payload = sign1.payload.as_deref().ok_or(VenueError::NotCose)?;
    let record = match cbor::from_slice(payload) {
        Ok(v) => v,
        Err(_) => return Err(VenueError::Payload(FieldError::NotAMap)),
    };
    let info = VenueInfo::from_cbor(&record)?;
    Ok(VenuePoster { info, kid })
}

/// Test fixtures: typical Vietnamese venues.
pub mod fixtures {
    use super::*;

    /// A typical Hà Đông shop: name and address with diacritics.
    pub fn hadong_pharmacy() -> VenueInfo {
        VenueInfo {
            venue_id: "HD-VQ-000123".into(),
            name: "Nhà thuốc Minh Châu".into(),
            address: "Số 12 Phố Lê Trọng Tấn, Phường Hà Đông, Thành phố Hà Nội".into(),
            commune_code: 9886,
            category: VenueCategory::Healthcare,
            default_stay_minutes: 30,
            issued_at: 1_790_000_000,
        }
    }

    /// A market with a long name and address.
    pub fn hadong_market() -> VenueInfo {
        VenueInfo {
            venue_id: "HD-KL-004567".into(),
            name: "Chợ dân sinh Văn La – khu kinh doanh rau củ quả và thực phẩm tươi sống".into(),
            address: "Ngõ 3 Phố Văn La, Tổ dân phố 7, Phường Hà Đông, Thành phố Hà Nội, Việt Nam"
                .into(),
            commune_code: 9886,
            category: VenueCategory::Market,
            default_stay_minutes: 60,
            issued_at: 1_790_000_000,
        }
    }

    /// The base URL used by fixtures.
    pub const BASE_URL: &str = "https://qr.hadong.gov.vn";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::fixtures::{other_signing_key, signing_key, trust_list};
    use proptest::prelude::*;

    fn poster(info: &VenueInfo) -> String {
        encode(info, &signing_key(), fixtures::BASE_URL).unwrap()
    }

    /// Re-wraps a (possibly edited) COSE_Sign1 into poster text.
    fn rewrap(sign1: CoseSign1) -> String {
        let bytes = sign1.to_tagged_vec().unwrap();
        format!("HTTPS://QR.HADONG.GOV.VN/V/{}", BASE32_NOPAD.encode(&bytes))
    }

    fn parse_sign1(text: &str) -> CoseSign1 {
        let b32 = text.rsplit('/').next().unwrap();
        CoseSign1::from_tagged_slice(&BASE32_NOPAD.decode(b32.as_bytes()).unwrap()).unwrap()
    }

    fn sign_with(
        payload: Vec<u8>,
        alg: iana::Algorithm,
        key: &AuthoritySigningKey,
        kid: &str,
    ) -> CoseSign1 {
        CoseSign1Builder::new()
            .protected(
                HeaderBuilder::new()
                    .algorithm(alg)
                    .key_id(kid.as_bytes().to_vec())
                    .build(),
            )
            .payload(payload)
            .create_signature(&[], |tbs| key.sign(tbs).to_vec())
            .build()
    }

    #[test]
    fn round_trip_and_alphanumeric() {
        let info = fixtures::hadong_pharmacy();
        let text = poster(&info);
        assert!(text.starts_with("HTTPS://QR.HADONG.GOV.VN/V/"));
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b":/.".contains(&b)),
            "outside the QR alphanumeric set: {text}"
        );
        let back = decode(&text, &trust_list()).unwrap();
        assert_eq!(back.info, info.normalised().unwrap());
        assert_eq!(&back.kid, signing_key().kid());
        // Lower-cased by a browser: still reads.
        assert_eq!(decode(&text.to_lowercase(), &trust_list()).unwrap(), back);
    }

    #[test]
    fn typical_venue_gets_a_low_qr_version() {
        use qrcode::{EcLevel, QrCode};
        for info in [fixtures::hadong_pharmacy(), fixtures::hadong_market()] {
            let text = poster(&info);
            let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
            let qrcode::Version::Normal(v) = code.version() else {
                panic!("micro QR")
            };
            println!("{} chars → version {v} at EC M", text.len());
            // Measured: the pharmacy (19-character name, 57-character address: 383 characters
            // of text) is version 12 (65 modules, 2.3 mm each on a 15 cm poster); the long
            // market name and address (522 characters) version 14 (73 modules, 2.1 mm).
            assert!(v <= 14, "version {v}");
        }
    }

    #[test]
    fn rejects_wrong_prefix() {
        let text = poster(&fixtures::hadong_pharmacy());
        let payload = text.rsplit('/').next().unwrap();
        for bad in [
            format!("HTTPS://QR.HADONG.GOV.VN/X/{payload}"),
            format!("FTP://QR.HADONG.GOV.VN/V/{payload}"),
            format!("QR.HADONG.GOV.VN/V/{payload}"),
            format!("HTTPS:///V/{payload}"),
            "https://example.com/".into(),
            String::new(),
            "Nguyễn".into(),
        ] {
            assert_eq!(
                decode(&bad, &trust_list()),
                Err(VenueError::WrongPrefix),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_truncated_text() {
        let text = poster(&fixtures::hadong_pharmacy());
        for cut in [1, 2, 5, 8, 40, text.len() / 2] {
            let short = &text[..text.len() - cut];
            assert_eq!(
                decode(short, &trust_list()),
                Err(VenueError::Truncated),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn rejects_non_base32() {
        let text = poster(&fixtures::hadong_pharmacy());
        let bad = format!("{}1{}", &text[..40], &text[41..]);
        assert_eq!(decode(&bad, &trust_list()), Err(VenueError::Encoding));
    }

    #[test]
    fn rejects_unsigned() {
        let info = fixtures::hadong_pharmacy();
        // A bare record without the COSE envelope.
        let bare = cbor::to_vec(&info.to_cbor());
        let text = format!("HTTPS://QR.HADONG.GOV.VN/V/{}", BASE32_NOPAD.encode(&bare));
        assert_eq!(decode(&text, &trust_list()), Err(VenueError::Unsigned));
        // A COSE_Sign1 whose signature is empty.
        let mut sign1 = parse_sign1(&poster(&info));
        sign1.signature.clear();
        assert_eq!(
            decode(&rewrap(sign1), &trust_list()),
            Err(VenueError::Unsigned)
        );
    }

    #[test]
    fn rejects_other_algorithms() {
        let payload = cbor::to_vec(&fixtures::hadong_pharmacy().to_cbor());
        let key = signing_key();
        let sign1 = sign_with(payload, iana::Algorithm::ES256, &key, key.kid().as_str());
        assert_eq!(
            decode(&rewrap(sign1), &trust_list()),
            Err(VenueError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn rejects_unknown_key_id() {
        let other = other_signing_key();
        assert_eq!(
            decode(
                &encode(&fixtures::hadong_pharmacy(), &other, fixtures::BASE_URL).unwrap(),
                &trust_list()
            ),
            Err(VenueError::UnknownKeyId)
        );
        // Trusting the other key too (rotation) makes it read.
        let both = trust_list().with(other.verifying_key());
        let text = encode(&fixtures::hadong_pharmacy(), &other, fixtures::BASE_URL).unwrap();
        assert_eq!(&decode(&text, &both).unwrap().kid, other.kid());
    }

    #[test]
    fn rejects_bad_signatures() {
        let info = fixtures::hadong_pharmacy();
        // Forged: signed by another key under the trusted key id.
        let payload = cbor::to_vec(&info.to_cbor());
        let forged = sign_with(
            payload,
            iana::Algorithm::EdDSA,
            &other_signing_key(),
            signing_key().kid().as_str(),
        );
        assert_eq!(
            decode(&rewrap(forged), &trust_list()),
            Err(VenueError::SignatureMismatch)
        );
        // A flipped signature bit.
        let mut sign1 = parse_sign1(&poster(&info));
        sign1.signature[10] ^= 0x01;
        assert_eq!(
            decode(&rewrap(sign1), &trust_list()),
            Err(VenueError::SignatureMismatch)
        );
        // A signature of the wrong length.
        let mut sign1 = parse_sign1(&poster(&info));
        sign1.signature.truncate(63);
        assert_eq!(
            decode(&rewrap(sign1), &trust_list()),
            Err(VenueError::MalformedSignature)
        );
    }

    #[test]
    fn rejects_tampered_payload() {
        let info = fixtures::hadong_pharmacy();
        let mut sign1 = parse_sign1(&poster(&info));
        let mut changed = info.clone();
        changed.name = "Nhà thuốc Giả Mạo".into();
        sign1.payload = Some(cbor::to_vec(&changed.to_cbor()));
        assert_eq!(
            decode(&rewrap(sign1), &trust_list()),
            Err(VenueError::SignatureMismatch)
        );
    }

    #[test]
    fn future_versions() {
        let key = signing_key();
        let info = fixtures::hadong_pharmacy();
        // A newer minor version adds field 20: still read.
        let mut fields = match info.to_cbor() {
            ciborium::Value::Map(m) => m,
            _ => unreachable!(),
        };
        fields.push((20.into(), "new field".into()));
        let sign1 = sign_with(
            cbor::to_vec(&ciborium::Value::Map(fields.clone())),
            iana::Algorithm::EdDSA,
            &key,
            key.kid().as_str(),
        );
        assert_eq!(decode(&rewrap(sign1), &trust_list()).unwrap().info, info);
        // A new major version: rejected.
        fields[0].1 = 2.into();
        let sign1 = sign_with(
            cbor::to_vec(&ciborium::Value::Map(fields)),
            iana::Algorithm::EdDSA,
            &key,
            key.kid().as_str(),
        );
        assert_eq!(
            decode(&rewrap(sign1), &trust_list()),
            Err(VenueError::UnsupportedVersion(2))
        );
    }

    #[test]
    fn validates_fields_on_encode() {
        let key = signing_key();
        let mut info = fixtures::hadong_pharmacy();
        info.venue_id = "bad id".into();
        assert_eq!(
            encode(&info, &key, fixtures::BASE_URL),
            Err(VenueError::InvalidField("venue_id"))
        );
        let mut info = fixtures::hadong_pharmacy();
        info.default_stay_minutes = 0;
        assert!(encode(&info, &key, fixtures::BASE_URL).is_err());
        assert_eq!(
            encode(&fixtures::hadong_pharmacy(), &key, "qr.hadong.gov.vn"),
            Err(VenueError::InvalidBaseUrl)
        );
    }

    #[test]
    fn categories_have_stable_codes() {
        for c in VenueCategory::ALL {
            assert_eq!(VenueCategory::from_code(c.code()), c);
            assert_eq!(c.as_str().parse::<VenueCategory>(), Ok(c));
        }
        assert_eq!("hotel".parse::<VenueCategory>(), Err(UnknownCategory));
        assert_eq!(VenueCategory::from_code(200), VenueCategory::Other);
    }

    fn arb_text(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("Nguyễn".to_owned()),
                Just("Phố".to_owned()),
                Just("Đình".to_owned()),
                Just("Hà Đông".to_owned()),
                Just("số 7,".to_owned()),
                Just("Chợ".to_owned()),
                "[a-zA-Z0-9]{1,8}",
            ],
            1..max,
        )
        .prop_map(|w| w.join(" "))
    }

    proptest! {
        #[test]
        fn prop_round_trip(
            id in "[A-Z0-9-]{1,40}",
            name in arb_text(10),
            address in arb_text(20),
            commune in any::<u32>(),
            cat in 0u8..20,
            stay in 1u32..=MAX_DEFAULT_STAY_MINUTES,
            issued in 0i64..4_000_000_000,
        ) {
            let info = VenueInfo {
                venue_id: id,
                name,
                address,
                commune_code: commune,
                category: VenueCategory::from_code(cat),
                default_stay_minutes: stay,
                issued_at: issued,
            };
            prop_assume!(info.normalised().is_ok());
            let text = encode(&info, &signing_key(), fixtures::BASE_URL).unwrap();
            let back = decode(&text, &trust_list()).unwrap();
            prop_assert_eq!(back.info, info.normalised().unwrap());
        }

        #[test]
        fn prop_never_panics(text in any::<String>()) {
            let _ = decode(&text, &trust_list());
            let _ = decode(&format!("HTTPS://A/V/{text}"), &trust_list());
        }
    }
}
