//! The device API's wire format (version 1): what phones and the server exchange as JSON.
//!
//! Both sides compile against these types — the server (`quetma-server`) serves them and the sync
//! client reads them — so the contract cannot drift. The server also describes them in its
//! OpenAPI document (`GET /api/v1/openapi.json`).
//!
//! | method and path | body | answer |
//! | --- | --- | --- |
//! | `GET  /api/v1/trust-list` | — | [`Signed`]`<`[`TrustListDoc`]`>` |
//! | `POST /api/v1/uploads` | [`UploadBatch`] | [`UploadResponse`] |
//! | `GET  /api/v1/exposures?since=SEQ` | — (`If-None-Match`) | [`Signed`]`<`[`ExposureList`]`>`, `ETag`; 304 when unchanged |
//! | `POST /api/v1/enrol` | [`EnrolRequest`] | [`EnrolResponse`] |
//!
//! Every request carries [`DEVICE_HEADER`], a random id the phone draws once (never anything
//! personal); it keys the per-device rate limit. Visitor-log uploads also carry the scanner token
//! from [`EnrolResponse`] as `Authorization: Bearer …`: only an enrolled staff phone may upload
//! a venue's visitor log. Errors come back as [`ApiError`] with an HTTP status.
//!
//! Signed documents are [`Signed`] envelopes: the exact JSON bytes of the document, Base64url, with
//! an Ed25519 signature by one of the authority's signing keys, so a phone verifies a list with
//! the keys it already trusts before reading a byte of it.

use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::keys::files::PublicKeyEntry;
use crate::keys::{AuthoritySigningKey, TrustList};
use crate::outbox::{VisitUpload, VisitorUpload};

/// The API version in every path.
pub const VERSION: &str = "v1";
/// Trust list path.
pub const PATH_TRUST_LIST: &str = "/api/v1/trust-list";
/// Batch upload path.
pub const PATH_UPLOADS: &str = "/api/v1/uploads";
/// Exposure list path (`?since=SEQ` for a delta).
pub const PATH_EXPOSURES: &str = "/api/v1/exposures";
/// Staff phone enrolment path.
pub const PATH_ENROL: &str = "/api/v1/enrol";
/// A confirmed person's history, sent with a case code.
pub const PATH_CASE_SHARE: &str = "/api/v1/case-share";
/// Most visits one case share carries.
pub const MAX_SHARED_VISITS: usize = 200;
/// OpenAPI document path.
pub const PATH_OPENAPI: &str = "/api/v1/openapi.json";
/// Header naming the device (a random id, Base32, 16–64 characters).
pub const DEVICE_HEADER: &str = "QuetMa-Device";
/// Most items (visits + visitors) in one upload batch.
pub const MAX_BATCH_ITEMS: usize = 500;
/// Largest request body the server reads, bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Clock skew the server tolerates before correcting a batch's times, ms.
pub const SKEW_TOLERANCE_MS: i64 = 60_000;

/// Why a signed document was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignedError {
    /// The envelope's key id is not in the trust list.
    #[error("signed by an unknown key")]
    UnknownKey,
    /// The payload or signature is not Base64url, or the signature has the wrong length.
    #[error("signed document is malformed")]
    Malformed,
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The payload verified but is not the expected JSON document.
    #[error("signed payload is not the expected document")]
    BadPayload,
}

/// A document signed by an authority key: `payload` is the document's JSON bytes, Base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed<T> {
    /// Signing key id.
    pub kid: String,
    /// The document's JSON bytes, Base64url without padding.
    pub payload: String,
    /// Ed25519 signature over the decoded payload bytes, Base64url.
    pub sig: String,
    #[serde(skip)]
    _doc: std::marker::PhantomData<T>,
}

impl<T: Serialize + DeserializeOwned> Signed<T> {
    /// Signs `doc` with `key`.
    pub fn sign(doc: &T, key: &AuthoritySigningKey) -> Result<Self, serde_json::Error> {
        let bytes = serde_json::to_vec(doc)?;
        Ok(Self {
            kid: key.kid().to_string(),
            payload: BASE64URL_NOPAD.encode(&bytes),
            sig: BASE64URL_NOPAD.encode(&key.sign(&bytes)),
            _doc: std::marker::PhantomData,
        })
    }

    /// Verifies the signature against `trust`, then reads the document.
    pub fn verify(&self, trust: &TrustList) -> Result<T, SignedError> {
        let key = trust.get(&self.kid).ok_or(SignedError::UnknownKey)?;
        let bytes = BASE64URL_NOPAD
            .decode(self.payload.as_bytes())
            .map_err(|_| SignedError::Malformed)?;
        let sig: [u8; 64] = BASE64URL_NOPAD
            .decode(self.sig.as_bytes())
            .map_err(|_| SignedError::Malformed)?
            .try_into()
            .map_err(|_| SignedError::Malformed)?;
        if !key.verify(&bytes, &sig) {
            return Err(SignedError::BadSignature);
        }
        serde_json::from_slice(&bytes).map_err(|_| SignedError::BadPayload)
    }
}

/// The authority keys phones should trust, signed by a key they already trust (so a rotation
/// reaches phones without an app update, and nobody else can add a key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrustListDoc {
    /// When issued, Unix ms.
    pub issued_at: i64,
    /// Signing keys, current first (posters and lists signed by any of them verify).
    pub signing: Vec<PublicKeyEntry>,
    /// The sealing key contact records are sealed to.
    pub sealing: Option<PublicKeyEntry>,
}

/// One upload: a phone's pending visits and visitor-log entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadBatch {
    /// The phone's clock when it sent the batch, Unix ms: the server compares it with its own
    /// and, past [`SKEW_TOLERANCE_MS`], shifts the batch's times by the difference.
    #[cfg_attr(feature = "openapi", schema(example = 1764770400000_i64))]
    pub sent_at: i64,
    /// Citizen check-ins.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub visits: Vec<VisitUpload>,
    /// Business visitor-log entries (needs the scanner token).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub visitors: Vec<VisitorUpload>,
}

/// Why the server refused one item of a batch (the rest is kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RejectReason {
    /// The venue id is not registered (or was removed).
    UnknownVenue,
    /// The venue is suspended.
    VenueSuspended,
    /// A field is out of range (times, lengths, Base64).
    Invalid,
    /// Older than the deployment's retention window: nothing to keep.
    Expired,
    /// The scanner token does not belong to this venue.
    NotEnrolled,
}

/// One refused item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rejected {
    /// The item's client id.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "^[!-~]{1,100}$",
            example = "v-01JDXK"
        )
    )]
    pub client_id: String,
    /// Why.
    pub reason: RejectReason,
}

/// The server's answer to an [`UploadBatch`]. Every client id appears in exactly one of the two
/// lists; an accepted id is stored (a resend is a no-op that answers `accepted` again), a
/// rejected one will never be accepted and the phone stops resending it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadResponse {
    /// Stored (or already stored) client ids.
    pub accepted: Vec<String>,
    /// Refused items.
    pub rejected: Vec<Rejected>,
    /// Server clock, Unix ms.
    pub server_time: i64,
}

/// How serious an exposure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ExposureLevel {
    /// Close contact: test and isolate as the guidance says.
    High,
    /// Same place, some overlap: watch for symptoms.
    Low,
}

/// One exposure notice: a venue and the window a confirmed case was there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExposureNotice {
    /// Notice id (stable; the phone never alerts twice for the same notice and visit).
    pub id: String,
    /// Venue id.
    pub venue_id: String,
    /// The case arrived, Unix ms.
    pub start: i64,
    /// The case left, Unix ms.
    pub end: i64,
    /// Time after `end` that still counts (aerosols linger), ms.
    pub tail_ms: i64,
    /// Least overlap that makes a match, ms.
    pub min_overlap_ms: i64,
    /// Level.
    pub level: ExposureLevel,
    /// What to do, Vietnamese.
    pub guidance_vi: String,
    /// What to do, English.
    pub guidance_en: String,
    /// Published, Unix ms.
    pub published_at: i64,
    /// Sequence number (increasing); deltas are "every notice with `seq` > since".
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub seq: i64,
    /// Withdrawn (a mistaken notice): phones drop matches for it.
    #[serde(default)]
    pub withdrawn: bool,
}

/// The exposure list: every live notice, or the notices after `since` for a delta.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExposureList {
    /// When issued, Unix ms.
    pub issued_at: i64,
    /// The delta starts after this sequence number (0: the full list).
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub since: i64,
    /// The highest sequence number included; ask `?since=` this next time.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub latest_seq: i64,
    /// Notices, ascending `seq`.
    pub notices: Vec<ExposureNotice>,
}

/// A staff phone presents the code from the owner's one-time enrolment QR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolRequest {
    /// The code from the enrolment QR.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, example = "ABCD2345EFGH")
    )]
    pub code: String,
}

/// The scanner binding a staff phone receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolResponse {
    /// The venue the phone scans for.
    pub venue_id: String,
    /// The venue's name, for the scanner screen.
    pub venue_name: String,
    /// Checkpoint the owner named (e.g. "Cổng chính").
    pub checkpoint: String,
    /// Bearer token for visitor-log uploads (keep in the platform key store).
    pub scanner_token: String,
}

/// One visit of a confirmed person's own history, as `POST /api/v1/case-share` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedVisit {
    /// Venue id (from the signed poster).
    pub venue_id: String,
    /// Start, Unix ms.
    pub started_at: i64,
    /// End, Unix ms (`None` while the visit is open).
    #[serde(default)]
    pub ended_at: Option<i64>,
    /// Planned end, Unix ms (the end the server uses while the visit is open).
    #[serde(default)]
    pub planned_end: Option<i64>,
}

/// `POST /api/v1/case-share`: the case code and the visits the person saw and agreed to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseShareRequest {
    /// The case code (or the QR text holding it).
    pub code: String,
    /// 1 to [`MAX_SHARED_VISITS`] visits, each inside the code's window.
    pub visits: Vec<SharedVisit>,
}

/// What a case share did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseShareResponse {
    /// The case the history went to.
    pub case_id: String,
    /// Visits recorded.
    pub visits: u64,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine code (`rate_limited`, `too_large`, `invalid`, `unauthorised`, …).
    pub code: String,
    /// Human text, Vietnamese then English.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::fixtures;

    fn list() -> ExposureList {
        ExposureList {
            issued_at: 1,
            since: 0,
            latest_seq: 1,
            notices: vec![ExposureNotice {
                id: "N1".into(),
                venue_id: "V1".into(),
                start: 10,
                end: 20,
                tail_ms: 5,
                min_overlap_ms: 1,
                level: ExposureLevel::High,
                guidance_vi: "Ở nhà".into(),
                guidance_en: "Stay home".into(),
                published_at: 30,
                seq: 1,
                withdrawn: false,
            }],
        }
    }

    #[test]
    fn signed_list_round_trips_and_verifies() {
        let key = fixtures::signing_key();
        let signed = Signed::sign(&list(), &key).unwrap();
        let json = serde_json::to_string(&signed).unwrap();
        let back: Signed<ExposureList> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.verify(&fixtures::trust_list()).unwrap(), list());
    }

    #[test]
    fn tampered_or_foreign_lists_are_refused() {
        let signed = Signed::sign(&list(), &fixtures::signing_key()).unwrap();
        let mut tampered = list();
        tampered.notices[0].venue_id = "V2".into();
        let forged = Signed::<ExposureList> {
            payload: BASE64URL_NOPAD.encode(&serde_json::to_vec(&tampered).unwrap()),
            ..signed.clone()
        };
        assert_eq!(
            forged.verify(&fixtures::trust_list()),
            Err(SignedError::BadSignature)
        );
        let other = Signed::sign(&list(), &fixtures::other_signing_key()).unwrap();
        assert_eq!(
            other.verify(&fixtures::trust_list()),
            Err(SignedError::UnknownKey)
        );
        let garbled = Signed::<ExposureList> {
            sig: "!!".into(),
            ..signed
        };
        assert_eq!(
            garbled.verify(&fixtures::trust_list()),
            Err(SignedError::Malformed)
        );
    }
}
