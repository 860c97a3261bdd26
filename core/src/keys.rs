//! Authority keys, key ids and the trust list phones verify against offline.
//!
//! Two kinds of authority key exist:
//! - a **signing key** (Ed25519) with which the issuing authority signs venue posters and
//!   exposure lists; phones and the server verify against a [`TrustList`] of the public halves;
//! - a **sealing key** (X25519, used through HPKE) to whose public half every contact record is
//!   sealed; only the tracing officer's offline private half opens one.
//!
//! Every key has a [`KeyId`]: the first 40 bits of the SHA-256 of its public key, written in
//! 8 characters of upper-case Base32, so that it lies in the QR alphanumeric set and never
//! collides by accident within one deployment.

use std::fmt;

use data_encoding::BASE32_NOPAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use hpke::{Deserializable, Kem as _, Serializable, kem::X25519HkdfSha256};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Errors about keys and key files.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key's bytes have the wrong length or are not a valid point.
    #[error("malformed {what} key")]
    Malformed {
        /// Which key.
        what: &'static str,
    },
    /// A key file's text is not what we write.
    #[error("key file is not valid: {0}")]
    File(String),
    /// The key id stored beside a key does not match the key.
    #[error("key id does not match the key")]
    KeyIdMismatch,
    /// The system's random generator failed.
    #[error("random generator unavailable")]
    Random,
}

/// Identifier of an authority key: 8 upper-case Base32 characters derived from the public key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    /// Length of a key id in characters.
    pub const LEN: usize = 8;

    /// Derives the key id of a public key's bytes.
    pub fn derive(public_key: &[u8]) -> Self {
        let digest = Sha256::digest(public_key);
        Self(BASE32_NOPAD.encode(&digest[..5]))
    }

    /// Takes a key id as written (validated: 8 characters of the Base32 alphabet).
    pub fn parse(text: &str) -> Option<Self> {
        let ok = text.len() == Self::LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
        ok.then(|| Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.0)
    }
}

fn random_32() -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).map_err(|_| KeyError::Random)?;
    Ok(bytes)
}

/// The issuing authority's Ed25519 signing key (secret), with its key id.
#[derive(Clone)]
pub struct AuthoritySigningKey {
    key: SigningKey,
    kid: KeyId,
}

impl AuthoritySigningKey {
    /// Generates a fresh key from the system's random generator.
    pub fn generate() -> Result<Self, KeyError> {
        let secret = random_32()?;
        Ok(Self::from_secret_bytes(&secret))
    }

    /// Rebuilds a key from its 32 secret bytes.
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Self {
        let key = SigningKey::from_bytes(secret);
        let kid = KeyId::derive(key.verifying_key().as_bytes());
        Self { key, kid }
    }

    /// The 32 secret bytes (zeroised on drop).
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The key id.
    pub fn kid(&self) -> &KeyId {
        &self.kid
    }

    /// The public half, for a trust list.
    pub fn verifying_key(&self) -> AuthorityVerifyingKey {
        AuthorityVerifyingKey {
            key: self.key.verifying_key(),
            kid: self.kid.clone(),
        }
    }

    /// Signs `message` (Ed25519, pure).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for AuthoritySigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthoritySigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The public half of an authority signing key, with its key id.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorityVerifyingKey {
    key: VerifyingKey,
    kid: KeyId,
}

impl AuthorityVerifyingKey {
    /// Takes a public key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::Malformed { what: "verifying" })?;
        let key = VerifyingKey::from_bytes(&arr)
            .map_err(|_| KeyError::Malformed { what: "verifying" })?;
        Ok(Self {
            kid: KeyId::derive(&arr),
            key,
        })
    }

    /// The 32 public bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The key id.
    pub fn kid(&self) -> &KeyId {
        &self.kid
    }

    /// Verifies an Ed25519 signature strictly (no malleable or small-order forms).
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.key.verify_strict(message, &sig).is_ok()
    }
}

impl fmt::Debug for AuthorityVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthorityVerifyingKey({})", self.kid)
    }
}

/// The set of authority signing keys a phone or server accepts, looked up by key id.
/// Holding several keys is how rotation works: a new key is added before posters signed with it
/// appear, an old one stays until its posters are gone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustList {
    keys: Vec<AuthorityVerifyingKey>,
}

impl TrustList {
    /// An empty list (trusts nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key (replacing one with the same id).
    pub fn add(&mut self, key: AuthorityVerifyingKey) {
        self.keys.retain(|k| k.kid != key.kid);
        self.keys.push(key);
    }

    /// Builder form of [`TrustList::add`].
    pub fn with(mut self, key: AuthorityVerifyingKey) -> Self {
        self.add(key);
        self
    }

    /// The key with this id, if trusted.
    pub fn get(&self, kid: &str) -> Option<&AuthorityVerifyingKey> {
        self.keys.iter().find(|k| k.kid.as_str() == kid)
    }

    /// All trusted keys.
    pub fn keys(&self) -> &[AuthorityVerifyingKey] {
        &self.keys
    }
}

/// The HPKE KEM every contact record is sealed with.
pub type SealingKem = X25519HkdfSha256;

/// The health authority's public sealing key (X25519), with its key id.
#[derive(Clone, PartialEq, Eq)]
pub struct SealingPublicKey {
    key: <SealingKem as hpke::Kem>::PublicKey,
    kid: KeyId,
}

impl SealingPublicKey {
    /// Takes a public key from its 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let key = <SealingKem as hpke::Kem>::PublicKey::from_bytes(bytes)
            .map_err(|_| KeyError::Malformed { what: "sealing" })?;
        Ok(Self {
            kid: KeyId::derive(bytes),
            key,
        })
    }

    /// The 32 public bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }

    /// The key id.
    pub fn kid(&self) -> &KeyId {
        &self.kid
    }

    /// The HPKE public key.
    pub(crate) fn hpke_key(&self) -> &<SealingKem as hpke::Kem>::PublicKey {
        &self.key
    }
}

impl fmt::Debug for SealingPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealingPublicKey({})", self.kid)
    }
}

/// The health authority's private sealing key: the tracing officer's offline key.
#[derive(Clone)]
pub struct SealingPrivateKey {
    key: <SealingKem as hpke::Kem>::PrivateKey,
    public: SealingPublicKey,
}

impl SealingPrivateKey {
    /// Generates a fresh key pair.
    pub fn generate() -> Result<Self, KeyError> {
        let ikm = random_32()?;
        let (key, public) = SealingKem::derive_keypair(ikm.as_ref());
        let kid = KeyId::derive(&public.to_bytes());
        Ok(Self {
            key,
            public: SealingPublicKey { key: public, kid },
        })
    }

    /// Rebuilds the key from its 32 secret bytes.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let key = <SealingKem as hpke::Kem>::PrivateKey::from_bytes(bytes)
            .map_err(|_| KeyError::Malformed { what: "sealing" })?;
        let public = SealingKem::sk_to_pk(&key);
        let kid = KeyId::derive(&public.to_bytes());
        Ok(Self {
            key,
            public: SealingPublicKey { key: public, kid },
        })
    }

    /// The 32 secret bytes (zeroised on drop).
    pub fn secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.key.to_bytes().to_vec())
    }

    /// The public half.
    pub fn public(&self) -> &SealingPublicKey {
        &self.public
    }

    /// The HPKE private key.
    pub(crate) fn hpke_key(&self) -> &<SealingKem as hpke::Kem>::PrivateKey {
        &self.key
    }
}

impl fmt::Debug for SealingPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealingPrivateKey")
            .field("kid", &self.public.kid)
            .finish_non_exhaustive()
    }
}

/// Test keys with fixed bytes, for fixtures in this crate and its dependants' tests.
pub mod fixtures {
    use super::*;

    /// A fixed signing key (not secret: never use outside tests).
    pub fn signing_key() -> AuthoritySigningKey {
        AuthoritySigningKey::from_secret_bytes(&[7u8; 32])
    }

    /// A second fixed signing key, not in [`trust_list`].
    pub fn other_signing_key() -> AuthoritySigningKey {
        AuthoritySigningKey::from_secret_bytes(&[9u8; 32])
    }

    /// A trust list holding [`signing_key`].
    pub fn trust_list() -> TrustList {
        TrustList::new().with(signing_key().verifying_key())
    }

    /// A fixed sealing key pair (not secret: never use outside tests).
    pub fn sealing_key() -> SealingPrivateKey {
        let (key, public) = SealingKem::derive_keypair(&[11u8; 32]);
        let kid = KeyId::derive(&public.to_bytes());
        SealingPrivateKey {
            key,
            public: SealingPublicKey { key: public, kid },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_stable_and_alphanumeric() {
        let k = fixtures::signing_key();
        assert_eq!(k.kid().as_str().len(), KeyId::LEN);
        assert!(KeyId::parse(k.kid().as_str()).is_some());
        assert_eq!(
            k.kid(),
            AuthoritySigningKey::from_secret_bytes(&k.secret_bytes()).kid()
        );
        assert_ne!(k.kid(), fixtures::other_signing_key().kid());
        assert!(KeyId::parse("abcdefgh").is_none());
        assert!(KeyId::parse("ABCDEFG1").is_none());
    }

    #[test]
    fn signatures_verify_only_with_the_right_key() {
        let k = fixtures::signing_key();
        let sig = k.sign(b"hello");
        assert!(k.verifying_key().verify(b"hello", &sig));
        assert!(!k.verifying_key().verify(b"hellp", &sig));
        assert!(
            !fixtures::other_signing_key()
                .verifying_key()
                .verify(b"hello", &sig)
        );
    }

    #[test]
    fn sealing_keys_round_trip() {
        let k = SealingPrivateKey::generate().unwrap();
        let again = SealingPrivateKey::from_secret_bytes(&k.secret_bytes()).unwrap();
        assert_eq!(k.public(), again.public());
        let p = SealingPublicKey::from_bytes(&k.public().to_bytes()).unwrap();
        assert_eq!(&p, k.public());
        assert!(SealingPublicKey::from_bytes(&[1, 2, 3]).is_err());
    }
}
