use super::*;

const T0: i64 = 1_790_000_000_000;

struct FailingVault;

impl KeyVault for FailingVault {
    fn load_key(&self, _: &str) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        Err(VaultError {
            reason: "keystore locked".into(),
        })
    }
    fn store_key(&self, _: &str, _: &[u8]) -> Result<(), VaultError> {
        Err(VaultError {
            reason: "keystore locked".into(),
        })
    }
}

pub(crate) fn open_at(dir: &Path, vault: &dyn KeyVault, clock: Arc<ManualClock>) -> Opened {
    Store::open(dir, vault, Settings::default(), clock).unwrap()
}

fn put_meta(store: &Store, key: &str, value: &[u8]) {
    store
        .write(|tx| {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![key, value],
            )?;
            Ok(())
        })
        .unwrap();
}

fn get_meta(store: &Store, key: &str) -> Option<Vec<u8>> {
    let conn = store.conn().unwrap();
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .ok()
}

#[test]
fn creates_reopens_and_encrypts() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    let opened = open_at(dir.path(), &vault, clock.clone());
    assert!(opened.reset.is_none());
    put_meta(&opened.store, "probe", b"Nguyen Van An 001099012345");
    drop(opened);

    let again = open_at(dir.path(), &vault, clock);
    assert!(again.reset.is_none());
    assert_eq!(
        get_meta(&again.store, "probe").as_deref(),
        Some(&b"Nguyen Van An 001099012345"[..])
    );
    let cipher: String = again
        .store
        .conn()
        .unwrap()
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap();
    assert!(!cipher.is_empty());
    drop(again);

    // The file on disk is not SQLite's plaintext format and holds no plaintext.
    let raw = std::fs::read(dir.path().join(DB_FILE)).unwrap();
    assert!(!raw.starts_with(b"SQLite format 3"));
    assert!(!raw.windows(12).any(|w| w == b"001099012345"));
}

#[test]
fn lost_key_starts_fresh_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    let opened = open_at(dir.path(), &vault, clock.clone());
    put_meta(&opened.store, "probe", b"old");
    drop(opened);

    vault.forget(KEY_ALIAS);
    let fresh = open_at(dir.path(), &vault, clock.clone());
    let reset = fresh.reset.clone().expect("reset reported");
    assert_eq!(reset.reason, ResetReason::KeyLost);
    assert!(reset.moved_to.exists());
    assert_eq!(get_meta(&fresh.store, "probe"), None);
    put_meta(&fresh.store, "probe", b"new");
    drop(fresh);
    // And the fresh store opens normally next time.
    let next = open_at(dir.path(), &vault, clock);
    assert!(next.reset.is_none());
    assert_eq!(get_meta(&next.store, "probe").as_deref(), Some(&b"new"[..]));
}

#[test]
fn set_aside_stores_are_purged_on_the_retention_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    let opened = open_at(dir.path(), &vault, clock.clone());
    put_meta(&opened.store, "probe", b"old");
    drop(opened);
    vault.forget(KEY_ALIAS);
    let fresh = open_at(dir.path(), &vault, clock.clone());
    let first = fresh.reset.clone().unwrap().moved_to;
    // A WAL left beside it goes with it; an unrelated file in the folder stays.
    let mut wal = first.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::write(&wal, b"x").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"keep").unwrap();
    drop(fresh);
    // Ten days later the key is lost again: a second file set aside.
    clock.advance(std::time::Duration::from_secs(10 * 86_400));
    vault.forget(KEY_ALIAS);
    let again = open_at(dir.path(), &vault, clock.clone());
    let second = again.reset.clone().unwrap().moved_to;
    assert_eq!(
        again.store.purge().unwrap().aside_files,
        0,
        "both within 21 days"
    );
    assert!(first.exists() && second.exists());
    // 21 days after the first was set aside (and before the second's turn), it goes.
    clock.advance(std::time::Duration::from_secs(11 * 86_400 + 1));
    assert_eq!(again.store.purge().unwrap().aside_files, 2);
    assert!(!first.exists() && !std::path::Path::new(&wal).exists());
    assert!(second.exists());
    assert!(dir.path().join("notes.txt").exists() && dir.path().join(DB_FILE).exists());
    clock.advance(std::time::Duration::from_secs(10 * 86_400));
    assert_eq!(again.store.purge().unwrap().aside_files, 1);
    assert!(!second.exists());
}

#[test]
fn wrong_key_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    drop(open_at(dir.path(), &vault, clock.clone()));
    vault.store_key(KEY_ALIAS, &[0x42; 32]).unwrap();
    let fresh = open_at(dir.path(), &vault, clock);
    assert_eq!(fresh.reset.unwrap().reason, ResetReason::WrongKey);
}

#[test]
fn malformed_key_in_vault_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    drop(open_at(dir.path(), &vault, clock.clone()));
    vault.store_key(KEY_ALIAS, &[1, 2, 3]).unwrap();
    let fresh = open_at(dir.path(), &vault, clock);
    assert_eq!(fresh.reset.unwrap().reason, ResetReason::WrongKey);
}

#[test]
fn corrupt_file_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    drop(open_at(dir.path(), &vault, clock.clone()));
    std::fs::write(dir.path().join(DB_FILE), vec![0xA5u8; 8192]).unwrap();
    let fresh = open_at(dir.path(), &vault, clock);
    let reason = fresh.reset.unwrap().reason;
    // A page of garbage reads as "not a database" to SQLCipher: wrong key or damage look alike.
    assert!(matches!(
        reason,
        ResetReason::WrongKey | ResetReason::Corrupt
    ));
}

#[test]
fn vault_failure_is_an_error_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    drop(open_at(dir.path(), &vault, clock.clone()));
    let before = std::fs::read(dir.path().join(DB_FILE)).unwrap();
    let err = Store::open(dir.path(), &FailingVault, Settings::default(), clock).unwrap_err();
    assert!(matches!(err, StoreError::Vault(_)));
    assert_eq!(std::fs::read(dir.path().join(DB_FILE)).unwrap(), before);
}

#[test]
fn file_vault_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let vault = FileKeyVault::new(dir.path().join("vault"));
    assert!(vault.load_key("a.b").unwrap().is_none());
    vault.store_key("a.b", &[9; 32]).unwrap();
    assert_eq!(vault.load_key("a.b").unwrap().unwrap().as_slice(), &[9; 32]);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    let opened = open_at(dir.path(), &vault, clock.clone());
    opened
        .store
        .conn()
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    drop(opened);
    let err = Store::open(dir.path(), &vault, Settings::default(), clock).unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { found: 99, .. }));
}

#[test]
fn person_keys_are_stable_per_store_and_differ_between_stores() {
    let dir = tempfile::tempdir().unwrap();
    let vault = MemoryKeyVault::new();
    let clock = Arc::new(ManualClock::new(T0));
    let a = open_at(dir.path(), &vault, clock.clone()).store;
    let k1 = a.person_key(&["cccd", "001099012345"]);
    assert_eq!(k1.len(), 32);
    assert_ne!(k1, a.person_key(&["cccd", "001099012346"]));
    assert_ne!(k1, a.person_key(&["cccd0", "01099012345"]));
    drop(a);
    let a = open_at(dir.path(), &vault, clock.clone()).store;
    assert_eq!(k1, a.person_key(&["cccd", "001099012345"]));
    let other = tempfile::tempdir().unwrap();
    let b = open_at(other.path(), &MemoryKeyVault::new(), clock).store;
    assert_ne!(k1, b.person_key(&["cccd", "001099012345"]));
}

#[test]
fn ids_are_unique_base32() {
    let a = new_id().unwrap();
    let b = new_id().unwrap();
    assert_eq!(a.len(), 26);
    assert_ne!(a, b);
}
