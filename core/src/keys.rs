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

/// On-disk and on-the-wire forms of keys (JSON, keys in unpadded Base64url).
pub mod files {
    use super::*;
    use data_encoding::BASE64URL_NOPAD;

    /// What a secret key file holds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SecretKind {
        /// An Ed25519 poster / exposure-list signing key.
        Signing,
        /// An X25519 contact-record sealing key (the tracing officer's offline key).
        Sealing,
    }

    /// A secret key file. Keep it offline; never log it.
    #[derive(Clone, Serialize, Deserialize)]
    pub struct SecretKeyFile {
        /// Which kind of key.
        pub kind: SecretKind,
        /// Its key id (checked against the key on load).
        pub kid: KeyId,
        /// The 32 secret bytes, Base64url.
        pub secret: String,
    }

    impl fmt::Debug for SecretKeyFile {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SecretKeyFile")
                .field("kind", &self.kind)
                .field("kid", &self.kid)
                .finish_non_exhaustive()
        }
    }

    impl SecretKeyFile {
        /// The file of a signing key.
        pub fn signing(key: &AuthoritySigningKey) -> Self {
            Self {
                kind: SecretKind::Signing,
                kid: key.kid().clone(),
                secret: BASE64URL_NOPAD.encode(key.secret_bytes().as_ref()),
            }
        }

        /// The file of a sealing key.
        pub fn sealing(key: &SealingPrivateKey) -> Self {
            Self {
                kind: SecretKind::Sealing,
                kid: key.public().kid().clone(),
                secret: BASE64URL_NOPAD.encode(key.secret_bytes().as_ref()),
            }
        }

        fn secret_bytes(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
            BASE64URL_NOPAD
                .decode(self.secret.as_bytes())
                .map(Zeroizing::new)
                .map_err(|_| KeyError::File("secret is not Base64url".into()))
        }

        /// The signing key in this file.
        pub fn to_signing_key(&self) -> Result<AuthoritySigningKey, KeyError> {
            if self.kind != SecretKind::Signing {
                return Err(KeyError::File("not a signing key".into()));
            }
            let bytes = self.secret_bytes()?;
            let arr: &[u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| KeyError::Malformed { what: "signing" })?;
            let key = AuthoritySigningKey::from_secret_bytes(arr);
            if key.kid() != &self.kid {
                return Err(KeyError::KeyIdMismatch);
            }
            Ok(key)
        }

        /// The sealing key in this file.
        pub fn to_sealing_key(&self) -> Result<SealingPrivateKey, KeyError> {
            if self.kind != SecretKind::Sealing {
                return Err(KeyError::File("not a sealing key".into()));
            }
            let key = SealingPrivateKey::from_secret_bytes(&self.secret_bytes()?)?;
            if key.public().kid() != &self.kid {
                return Err(KeyError::KeyIdMismatch);
            }
            Ok(key)
        }
    }

    /// A public key with its id.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub struct PublicKeyEntry {
        /// Key id.
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "ak-2026"))]
        pub kid: KeyId,
        /// The 32 public bytes, Base64url.
        #[cfg_attr(
            feature = "openapi",
            schema(pattern = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")
        )]
        pub public: String,
    }

    /// The public keys a phone pins: the signing keys it trusts and the sealing key it seals
    /// contact records to. Served by the server, bundled in the apps, written by `quetma keygen`.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PublicKeys {
        /// Trusted signing keys (several during a rotation).
        pub signing: Vec<PublicKeyEntry>,
        /// The current sealing key.
        pub sealing: Option<PublicKeyEntry>,
    }

    impl PublicKeys {
        /// The public halves of a signing key and a sealing key.
        pub fn of(signing: &AuthoritySigningKey, sealing: &SealingPrivateKey) -> Self {
            Self {
                signing: vec![PublicKeyEntry {
                    kid: signing.kid().clone(),
                    public: BASE64URL_NOPAD.encode(&signing.verifying_key().to_bytes()),
                }],
                sealing: Some(PublicKeyEntry {
                    kid: sealing.public().kid().clone(),
                    public: BASE64URL_NOPAD.encode(&sealing.public().to_bytes()),
                }),
            }
        }

        fn bytes(entry: &PublicKeyEntry) -> Result<Vec<u8>, KeyError> {
            BASE64URL_NOPAD
                .decode(entry.public.as_bytes())
                .map_err(|_| KeyError::File("public key is not Base64url".into()))
        }

        /// The trust list of the signing keys (each checked against its id).
        pub fn trust_list(&self) -> Result<TrustList, KeyError> {
            let mut list = TrustList::new();
            for entry in &self.signing {
                let key = AuthorityVerifyingKey::from_bytes(&Self::bytes(entry)?)?;
                if key.kid() != &entry.kid {
                    return Err(KeyError::KeyIdMismatch);
                }
                list.add(key);
            }
            Ok(list)
        }

        /// The sealing key, if present (checked against its id).
        pub fn sealing_key(&self) -> Result<Option<SealingPublicKey>, KeyError> {
            let Some(entry) = &self.sealing else {
                return Ok(None);
            };
            let key = SealingPublicKey::from_bytes(&Self::bytes(entry)?)?;
            if key.kid() != &entry.kid {
                return Err(KeyError::KeyIdMismatch);
            }
            Ok(Some(key))
        }
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
    fn key_files_round_trip_and_check_ids() {
        use files::*;
        let s = fixtures::signing_key();
        let e = fixtures::sealing_key();
        let sf = SecretKeyFile::signing(&s);
        let json = serde_json::to_string(&sf).unwrap();
        let back: SecretKeyFile = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_signing_key().unwrap().kid(), s.kid());
        assert!(back.to_sealing_key().is_err());
        assert!(!format!("{sf:?}").contains(&sf.secret));
        let ef = SecretKeyFile::sealing(&e);
        assert_eq!(ef.to_sealing_key().unwrap().public(), e.public());
        let mut wrong = ef.clone();
        wrong.kid = s.kid().clone();
        assert!(matches!(
            wrong.to_sealing_key(),
            Err(KeyError::KeyIdMismatch)
        ));

        let public = PublicKeys::of(&s, &e);
        let json = serde_json::to_string(&public).unwrap();
        let back: PublicKeys = serde_json::from_str(&json).unwrap();
        assert_eq!(back.trust_list().unwrap(), fixtures::trust_list());
        assert_eq!(back.sealing_key().unwrap().as_ref(), Some(e.public()));
        let mut bad = back;
        bad.signing[0].kid = fixtures::other_signing_key().kid().clone();
        assert!(matches!(bad.trust_list(), Err(KeyError::KeyIdMismatch)));
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
