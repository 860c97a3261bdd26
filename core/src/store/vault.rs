//! Where the store's 32-byte key lives: the platform key store, behind a small trait.
//!
//! On Android the shell implements [`KeyVault`] with an AES-GCM key in the Android Keystore that
//! wraps our key (the Signal pattern); on iOS with a Keychain item
//! (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`). [`FileKeyVault`] keeps it in a file for
//! tests and desktop tools; [`MemoryKeyVault`] in memory.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// A key store failure (no key material in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key vault unavailable: {reason}")]
pub struct VaultError {
    /// What the platform said, with no key material.
    pub reason: String,
}

/// The platform key store, as the core needs it.
pub trait KeyVault: Send + Sync {
    /// The key stored under `alias`, or `None` if there is none (never stored, or lost).
    fn load_key(&self, alias: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError>;
    /// Stores `key` under `alias`, replacing any previous one.
    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), VaultError>;
}

/// A vault holding keys in memory (tests, and a store that must not outlive the process).
#[derive(Default)]
pub struct MemoryKeyVault {
    keys: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
}

impl MemoryKeyVault {
    /// An empty vault.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets a key (to test a lost key).
    pub fn forget(&self, alias: &str) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.remove(alias);
        }
    }
}

impl KeyVault for MemoryKeyVault {
    fn load_key(&self, alias: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let keys = self.keys.lock().map_err(|_| VaultError {
            reason: "vault lock poisoned".into(),
        })?;
        Ok(keys.get(alias).cloned())
    }

    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), VaultError> {
        let mut keys = self.keys.lock().map_err(|_| VaultError {
            reason: "vault lock poisoned".into(),
        })?;
        keys.insert(alias.to_owned(), Zeroizing::new(key.to_vec()));
        Ok(())
    }
}

/// A vault keeping each key in a file of a folder (mode 0600). For tests and desktop tools:
/// a phone uses the platform key store instead.
pub struct FileKeyVault {
    dir: PathBuf,
}

impl FileKeyVault {
    /// A vault in `dir` (created when a key is first stored).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn path(&self, alias: &str) -> PathBuf {
        let safe: String = alias
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        self.dir.join(format!("{safe}.key"))
    }
}

impl KeyVault for FileKeyVault {
    fn load_key(&self, alias: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        match fs::read(self.path(alias)) {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(VaultError {
                reason: e.kind().to_string(),
            }),
        }
    }

    fn store_key(&self, alias: &str, key: &[u8]) -> Result<(), VaultError> {
        let err = |e: std::io::Error| VaultError {
            reason: e.kind().to_string(),
        };
        fs::create_dir_all(&self.dir).map_err(err)?;
        let path = self.path(alias);
        let tmp = path.with_extension("key.tmp");
        {
            use std::io::Write as _;
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp).map_err(err)?;
            f.write_all(key).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        fs::rename(&tmp, &path).map_err(err)
    }
}
