//! The one error type that crosses the FFI boundary.
//!
//! Core errors are rich and internal; here they fold into a few stable variants. Messages name
//! the rule or the part that failed, never the data: no names, ID numbers, phone numbers, QR
//! texts or key material. Kotlin sees `QuetMaException.<Variant>`, Swift `QuetMaError.<variant>`.

use quetma_core::declaration::{DeclarationError, Field};
use quetma_core::keys::KeyError;
use quetma_core::render::RenderError;
use quetma_core::store::{StoreError, VaultError};

use crate::types::FormField;

/// Why a call failed. The variants are stable: shells may match on them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum QuetMaError {
    /// The request is not valid; `reason` names the rule, not the data.
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// The rule that failed.
        reason: String,
    },
    /// No such thing (profile, visit, scanner session).
    #[error("{what} not found")]
    NotFound {
        /// What kind of thing.
        what: String,
    },
    /// A health declaration needs the profile's separate consent first.
    #[error("no consent for keeping health declarations")]
    ConsentRequired,
    /// A declaration form has invalid fields (every failing field at once).
    #[error("declaration fields invalid: {fields:?}")]
    InvalidForm {
        /// The fields that failed.
        fields: Vec<FormField>,
    },
    /// The encrypted store failed (disk, database, newer schema).
    #[error("storage error: {reason}")]
    Storage {
        /// What failed.
        reason: String,
    },
    /// A key, signature or sealing operation failed (e.g. a malformed key bundle).
    #[error("crypto error: {reason}")]
    Crypto {
        /// What failed.
        reason: String,
    },
    /// A platform capability (key vault, clock, listener) failed or misbehaved.
    #[error("platform error: {reason}")]
    Platform {
        /// What the platform reported (the shell must put no key material in it).
        reason: String,
    },
    /// The platform key store cannot be read yet: the iOS Keychain before the first unlock
    /// after a restart (`errSecInteractionNotAllowed`, e.g. a background launch), the Android
    /// Keystore while the user is locked. Nothing was opened or changed: open again once the
    /// device is unlocked. Shells throw it from their `KeyVault`; the core passes it through.
    #[error("key vault locked until the device is unlocked")]
    VaultLocked,
    /// The server could not be reached, or the connection broke or timed out (`reason`:
    /// `connect`, `timeout` or `interrupted`). The outbox is kept and retried later.
    #[error("network error: {reason}")]
    Network {
        /// What failed.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("server error {status}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's stable error code, if any (`invalid`, `unauthorised`, …).
        code: Option<String>,
    },
    /// The server asks the phone to slow down; uploads wait at least `retry_after_ms`.
    #[error("rate limited")]
    RateLimited {
        /// From the server's `Retry-After`, ms.
        retry_after_ms: Option<i64>,
    },
    /// The server's answer was not what the API promises (a garbled body, a gap in a list).
    #[error("invalid answer from the server: {reason}")]
    InvalidResponse {
        /// What was wrong.
        reason: String,
    },
    /// A signed list (trust list, exposure list) did not verify with the trusted keys; nothing
    /// of it was stored.
    #[error("{document} rejected: {reason}")]
    Signature {
        /// Which document.
        document: String,
        /// Why (`signed by an unknown key`, `signature does not verify`, …).
        reason: String,
    },
    /// The operation was cancelled through its handle.
    #[error("cancelled")]
    Cancelled,
    /// A bug: something that should not happen did.
    #[error("internal error: {reason}")]
    Internal {
        /// What happened.
        reason: String,
    },
}

/// Result of every fallible façade call.
pub type Result<T, E = QuetMaError> = std::result::Result<T, E>;

impl QuetMaError {
    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            reason: reason.into(),
        }
    }

    pub(crate) fn internal(reason: impl Into<String>) -> Self {
        Self::Internal {
            reason: reason.into(),
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for QuetMaError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // The foreign side threw something undeclared; its text is the platform's, not ours,
        // and could hold anything, so only its length is kept.
        Self::Platform {
            reason: format!(
                "unexpected error from a platform callback ({} chars)",
                e.reason.len()
            ),
        }
    }
}

impl From<StoreError> for QuetMaError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Vault(v) if v.reason == VAULT_LOCKED => Self::VaultLocked,
            StoreError::Vault(v) => Self::Platform { reason: v.reason },
            StoreError::NotFound(what) => Self::NotFound { what: what.into() },
            StoreError::Invalid(rule) => Self::invalid(rule),
            StoreError::Random => Self::Crypto {
                reason: "random generator unavailable".into(),
            },
            StoreError::Poisoned => Self::internal("store lock poisoned"),
            // Database, file, schema and malformed-row errors carry no personal data (their
            // Display names the SQLite error, the I/O kind, the versions or the part).
            other => Self::Storage {
                reason: other.to_string(),
            },
        }
    }
}

impl From<DeclarationError> for QuetMaError {
    fn from(e: DeclarationError) -> Self {
        match e {
            DeclarationError::NoConsent => Self::ConsentRequired,
            DeclarationError::Form(f) => Self::InvalidForm {
                fields: f.fields.into_iter().map(FormField::from).collect(),
            },
            DeclarationError::Store(s) => s.into(),
        }
    }
}

impl From<KeyError> for QuetMaError {
    fn from(e: KeyError) -> Self {
        Self::Crypto {
            reason: e.to_string(),
        }
    }
}

impl From<RenderError> for QuetMaError {
    fn from(e: RenderError) -> Self {
        match e {
            RenderError::TooLong | RenderError::InvalidSize => Self::invalid(e.to_string()),
            other => Self::internal(other.to_string()),
        }
    }
}

/// How a shell's [`QuetMaError::VaultLocked`] travels through core's [`VaultError`] (which
/// carries only a reason) and back out of the store's error.
const VAULT_LOCKED: &str = "key vault locked until the device is unlocked";

impl From<QuetMaError> for VaultError {
    fn from(e: QuetMaError) -> Self {
        let reason = match e {
            QuetMaError::VaultLocked => VAULT_LOCKED.to_owned(),
            QuetMaError::Platform { reason } => reason,
            other => other.to_string(),
        };
        VaultError { reason }
    }
}

impl From<Field> for FormField {
    fn from(f: Field) -> Self {
        match f {
            Field::FullName => Self::FullName,
            Field::IdNumber => Self::IdNumber,
            Field::BirthYear => Self::BirthYear,
            Field::Sex => Self::Sex,
            Field::Nationality => Self::Nationality,
            Field::Province => Self::Province,
            Field::Commune => Self::Commune,
            Field::Street => Self::Street,
            Field::Phone => Self::Phone,
            Field::Email => Self::Email,
            Field::VisitedPlaces => Self::VisitedPlaces,
            Field::Symptoms => Self::Symptoms,
            Field::Contacts => Self::Contacts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_stable_variants() {
        assert_eq!(
            QuetMaError::from(StoreError::NotFound("profile")),
            QuetMaError::NotFound {
                what: "profile".into()
            }
        );
        assert!(matches!(
            QuetMaError::from(StoreError::Invalid("no profile to check in")),
            QuetMaError::InvalidInput { .. }
        ));
        assert!(matches!(
            QuetMaError::from(DeclarationError::NoConsent),
            QuetMaError::ConsentRequired
        ));
    }

    #[test]
    fn a_locked_vault_comes_back_out_of_the_store_as_vault_locked() {
        let through_core = VaultError::from(QuetMaError::VaultLocked);
        assert_eq!(
            QuetMaError::from(StoreError::Vault(through_core)),
            QuetMaError::VaultLocked
        );
        // Any other platform failure stays a platform failure, with its reason.
        let other = VaultError::from(QuetMaError::Platform {
            reason: "keychain read failed (-34018)".into(),
        });
        assert_eq!(
            QuetMaError::from(StoreError::Vault(other)),
            QuetMaError::Platform {
                reason: "keychain read failed (-34018)".into()
            }
        );
    }

    #[test]
    fn callback_errors_keep_no_foreign_text() {
        let e = QuetMaError::from(uniffi::UnexpectedUniFFICallbackError {
            reason: "001099012345 Nguyễn Văn An".into(),
        });
        let text = e.to_string();
        assert!(!text.contains("001099012345"));
        assert!(!text.contains("Nguyễn"));
    }
}
