//! What the sync client keeps between runs: the exposure list's ETag and sequence number, the
//! server's clock offset, and the authority keys learnt from signed trust lists.

use rusqlite::{OptionalExtension as _, Transaction, params};

use crate::api::TrustListDoc;
use crate::keys::files::PublicKeys;
use crate::keys::{AuthorityVerifyingKey, TrustList};
use crate::store::{Store, StoreError};

pub(crate) const EXPOSURE_ETAG: &str = "exposure_etag";
pub(crate) const EXPOSURE_SEQ: &str = "exposure_seq";
pub(crate) const SERVER_OFFSET: &str = "server_offset_ms";
pub(crate) const TRUST_ISSUED_AT: &str = "trust_issued_at";
pub(crate) const SEALING_KEY: &str = "sealing_key";
pub(crate) const LAST_SYNC: &str = "last_sync_at";

pub(crate) fn get(tx: &Transaction<'_>, key: &str) -> Result<Option<String>, StoreError> {
    Ok(tx
        .query_row("SELECT value FROM sync_state WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub(crate) fn set(tx: &Transaction<'_>, key: &str, value: &str) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The sync client's saved state, for display and diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// The exposure list's ETag, if any.
    pub exposure_etag: Option<String>,
    /// The highest notice sequence number stored.
    pub exposure_seq: i64,
    /// Server clock minus phone clock, ms, from the last answer that carried the time.
    pub server_offset_ms: Option<i64>,
    /// The issue time of the trust list last applied, Unix ms.
    pub trust_issued_at: Option<i64>,
    /// The phone's time of the last sync that finished, Unix ms.
    pub last_sync_at: Option<i64>,
}

impl Store {
    fn state_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.write(|tx| get(tx, key))
    }

    pub(crate) fn set_state(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(|tx| set(tx, key, value))
    }

    /// The sync client's saved state.
    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        let int = |k: &str| -> Result<Option<i64>, StoreError> {
            Ok(self.state_value(k)?.and_then(|v| v.parse().ok()))
        };
        Ok(SyncState {
            exposure_etag: self.state_value(EXPOSURE_ETAG)?,
            exposure_seq: int(EXPOSURE_SEQ)?.unwrap_or(0),
            server_offset_ms: int(SERVER_OFFSET)?,
            trust_issued_at: int(TRUST_ISSUED_AT)?,
            last_sync_at: int(LAST_SYNC)?,
        })
    }

    /// Server clock minus phone clock, ms (add it to the phone's time to show server time).
    pub fn server_offset_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .state_value(SERVER_OFFSET)?
            .and_then(|v| v.parse().ok()))
    }

    /// The signing keys learnt from verified trust lists, added to `bundled` (the keys the app
    /// ships with, always trusted).
    pub fn trusted_keys(&self, bundled: &TrustList) -> Result<TrustList, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare("SELECT public FROM trusted_keys ORDER BY added_at, kid")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        let mut list = bundled.clone();
        for bytes in rows {
            // A row that no longer parses is skipped rather than wedging sync.
            if let Ok(key) = AuthorityVerifyingKey::from_bytes(&bytes?)
                && list.get(key.kid().as_str()).is_none()
            {
                list.add(key);
            }
        }
        Ok(list)
    }

    /// The sealing key from the last verified trust list, if it carried one.
    pub fn trusted_sealing_key(&self) -> Result<Option<crate::keys::SealingPublicKey>, StoreError> {
        let Some(json) = self.state_value(SEALING_KEY)? else {
            return Ok(None);
        };
        let entry =
            serde_json::from_str(&json).map_err(|_| StoreError::Malformed("sealing key"))?;
        let keys = PublicKeys {
            signing: Vec::new(),
            sealing: Some(entry),
        };
        keys.sealing_key()
            .map_err(|_| StoreError::Malformed("sealing key"))
    }

    /// Applies a verified trust list: its signing keys replace the learnt ones (a key left out
    /// is no longer trusted unless bundled). A list not newer than the last one applied is
    /// ignored (a replay cannot bring back a retired key). Returns whether it was applied.
    pub(crate) fn apply_trust_list(&self, doc: &TrustListDoc) -> Result<bool, StoreError> {
        let mut keys = Vec::new();
        let pk = PublicKeys {
            signing: doc.signing.clone(),
            sealing: doc.sealing.clone(),
        };
        let list = pk
            .trust_list()
            .map_err(|_| StoreError::Invalid("trust list key"))?;
        pk.sealing_key()
            .map_err(|_| StoreError::Invalid("trust list sealing key"))?;
        for k in list.keys() {
            keys.push((k.kid().as_str().to_string(), k.to_bytes().to_vec()));
        }
        let now = self.now_ms();
        self.write(|tx| {
            let last: Option<i64> = get(tx, TRUST_ISSUED_AT)?.and_then(|v| v.parse().ok());
            if last.is_some_and(|l| doc.issued_at <= l) {
                return Ok(false);
            }
            tx.execute("DELETE FROM trusted_keys", [])?;
            for (kid, public) in &keys {
                tx.execute(
                    "INSERT INTO trusted_keys (kid, public, added_at) VALUES (?1, ?2, ?3)",
                    params![kid, public, now],
                )?;
            }
            if let Some(s) = &doc.sealing {
                let json =
                    serde_json::to_string(s).map_err(|_| StoreError::Malformed("sealing key"))?;
                set(tx, SEALING_KEY, &json)?;
            }
            set(tx, TRUST_ISSUED_AT, &doc.issued_at.to_string())?;
            Ok(true)
        })
    }
}
