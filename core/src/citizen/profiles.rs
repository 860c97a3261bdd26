//! Profiles: the phone's owner and the dependents they check in and declare for.

use rusqlite::{OptionalExtension as _, Row, params};
use serde::{Deserialize, Serialize};

use crate::keys::SealingPublicKey;
use crate::payload::personal::{HOLDER_TAG_BYTES, PersonalError, PersonalQr};
use crate::payload::{ContactRecord, ContactSource, IdKind};
use crate::render::{self, CardContent, QrMatrix, ScreenBitmap};
use crate::store::{Store, StoreError, new_id};

/// Who a profile is to the phone's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The phone's owner (one per phone).
    Owner,
    /// A child.
    Child,
    /// A parent.
    Parent,
    /// A grandparent.
    Grandparent,
    /// Husband or wife.
    Spouse,
    /// Someone else in the owner's care.
    Other,
}

impl Relation {
    fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Child => "child",
            Self::Parent => "parent",
            Self::Grandparent => "grandparent",
            Self::Spouse => "spouse",
            Self::Other => "other",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Owner,
            Self::Child,
            Self::Parent,
            Self::Grandparent,
            Self::Spouse,
            Self::Other,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Owner => "Bản thân",
            Self::Child => "Con",
            Self::Parent => "Bố / mẹ",
            Self::Grandparent => "Ông / bà",
            Self::Spouse => "Vợ / chồng",
            Self::Other => "Người thân khác",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Owner => "Me",
            Self::Child => "Child",
            Self::Parent => "Parent",
            Self::Grandparent => "Grandparent",
            Self::Spouse => "Spouse",
            Self::Other => "Other relative",
        }
    }
}

fn id_kind_str(k: IdKind) -> &'static str {
    match k {
        IdKind::Cccd => "cccd",
        IdKind::Cmnd => "cmnd",
        IdKind::Passport => "passport",
        IdKind::Bhyt => "bhyt",
        IdKind::Other => "other",
    }
}

fn parse_id_kind(s: &str) -> IdKind {
    match s {
        "cccd" => IdKind::Cccd,
        "cmnd" => IdKind::Cmnd,
        "passport" => IdKind::Passport,
        "bhyt" => IdKind::Bhyt,
        _ => IdKind::Other,
    }
}

/// What a new or edited profile says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// Who they are to the owner.
    pub relation: Relation,
    /// Full name.
    pub full_name: String,
    /// Identity number, if any.
    pub id_number: Option<String>,
    /// Kind of identity number.
    pub id_kind: Option<IdKind>,
    /// Phone number (a dependent may give the owner's).
    pub phone: Option<String>,
    /// Year of birth.
    pub birth_year: Option<u16>,
}

/// A stored profile.
#[derive(Clone, PartialEq, Eq)]
pub struct Profile {
    /// Profile id.
    pub id: String,
    /// Who they are to the owner.
    pub relation: Relation,
    /// Full name.
    pub full_name: String,
    /// Identity number.
    pub id_number: Option<String>,
    /// Kind of identity number.
    pub id_kind: Option<IdKind>,
    /// Phone number.
    pub phone: Option<String>,
    /// Year of birth.
    pub birth_year: Option<u16>,
    /// Created, Unix ms.
    pub created_at: i64,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("id", &self.id)
            .field("relation", &self.relation)
            .finish_non_exhaustive()
    }
}

impl Profile {
    /// The contact record a tracer would need, for sealing.
    pub fn contact_record(&self) -> ContactRecord {
        ContactRecord {
            full_name: self.full_name.clone(),
            id_number: self.id_number.clone(),
            id_kind: self.id_kind,
            phone: self.phone.clone(),
            birth_year: self.birth_year,
            source: ContactSource::PersonalQr,
        }
    }

    fn from_row(r: &Row<'_>) -> rusqlite::Result<Option<Self>> {
        let relation: String = r.get(1)?;
        let Some(relation) = Relation::parse(&relation) else {
            return Ok(None);
        };
        Ok(Some(Self {
            id: r.get(0)?,
            relation,
            full_name: r.get(2)?,
            id_number: r.get(3)?,
            id_kind: r.get::<_, Option<String>>(4)?.as_deref().map(parse_id_kind),
            phone: r.get(5)?,
            birth_year: r.get(6)?,
            created_at: r.get(7)?,
        }))
    }
}

const PROFILE_COLUMNS: &str =
    "id, relation, full_name, id_number, id_kind, phone, birth_year, created_at";

fn validated(p: &NewProfile) -> Result<ContactRecord, StoreError> {
    if p.birth_year.is_some_and(|y| !(1900..=2100).contains(&y)) {
        return Err(StoreError::Invalid("birth year out of range"));
    }
    ContactRecord {
        full_name: p.full_name.clone(),
        id_number: p.id_number.clone(),
        id_kind: p.id_kind,
        phone: p.phone.clone(),
        birth_year: p.birth_year,
        source: ContactSource::PersonalQr,
    }
    .normalised()
    .map_err(|_| StoreError::Invalid("profile fields"))
}

impl Store {
    /// Adds a profile. There is at most one [`Relation::Owner`].
    pub fn add_profile(&self, new: &NewProfile) -> Result<Profile, StoreError> {
        let clean = validated(new)?;
        let now = self.now_ms();
        let id = new_id()?;
        self.write(|tx| {
            if new.relation == Relation::Owner {
                let owners: i64 = tx.query_row(
                    "SELECT count(*) FROM profiles WHERE relation = 'owner' AND deleted_at IS NULL",
                    [],
                    |r| r.get(0),
                )?;
                if owners > 0 {
                    return Err(StoreError::Invalid(
                        "the phone already has an owner profile",
                    ));
                }
            }
            tx.execute(
                "INSERT INTO profiles (id, relation, full_name, id_number, id_kind, phone,
                   birth_year, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    new.relation.as_str(),
                    clean.full_name,
                    clean.id_number,
                    new.id_kind.map(id_kind_str),
                    clean.phone,
                    clean.birth_year,
                    now
                ],
            )?;
            Ok(())
        })?;
        self.profile(&id)
    }

    /// Edits a profile's details.
    pub fn update_profile(&self, id: &str, new: &NewProfile) -> Result<Profile, StoreError> {
        let clean = validated(new)?;
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE profiles SET full_name = ?2, id_number = ?3, id_kind = ?4, phone = ?5,
                   birth_year = ?6 WHERE id = ?1 AND deleted_at IS NULL",
                params![
                    id,
                    clean.full_name,
                    clean.id_number,
                    new.id_kind.map(id_kind_str),
                    clean.phone,
                    clean.birth_year
                ],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound("profile"));
            }
            Ok(())
        })?;
        self.profile(id)
    }

    /// Removes a profile and everything kept about it (visits, declarations, consents); what
    /// was queued for upload but not sent is dropped too.
    pub fn remove_profile(&self, id: &str) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM outbox WHERE sent_at IS NULL AND id IN
                   (SELECT id FROM visits WHERE profile_id = ?1)",
                [id],
            )?;
            tx.execute("DELETE FROM visits WHERE profile_id = ?1", [id])?;
            tx.execute(
                "DELETE FROM declarations WHERE profile_id = ?1 OR declared_by = ?1",
                [id],
            )?;
            tx.execute("DELETE FROM consents WHERE profile_id = ?1", [id])?;
            let n = tx.execute("DELETE FROM profiles WHERE id = ?1", [id])?;
            if n == 0 {
                return Err(StoreError::NotFound("profile"));
            }
            Ok(())
        })
    }

    /// One profile.
    pub fn profile(&self, id: &str) -> Result<Profile, StoreError> {
        let conn = self.conn()?;
        conn.query_row(
            &format!("SELECT {PROFILE_COLUMNS} FROM profiles WHERE id = ?1 AND deleted_at IS NULL"),
            [id],
            Profile::from_row,
        )
        .optional()?
        .flatten()
        .ok_or(StoreError::NotFound("profile"))
    }

    /// All profiles: the owner first, then dependents in the order added.
    pub fn profiles(&self) -> Result<Vec<Profile>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {PROFILE_COLUMNS} FROM profiles WHERE deleted_at IS NULL
             ORDER BY relation != 'owner', created_at, rowid"
        ))?;
        let rows = stmt.query_map([], Profile::from_row)?;
        let mut out = Vec::new();
        for r in rows {
            if let Some(p) = r? {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// The contact record sealed for a profile (at check-in, in its personal QR): a dependent
    /// without a phone of their own carries the owner's number — the guardian the health worker
    /// calls.
    pub fn sealing_record(&self, profile: &Profile) -> Result<ContactRecord, StoreError> {
        let mut record = profile.contact_record();
        if record.phone.is_none() && profile.relation != Relation::Owner {
            record.phone = self
                .profiles()?
                .into_iter()
                .find(|p| p.relation == Relation::Owner)
                .and_then(|p| p.phone);
        }
        Ok(record)
    }

    /// The personal QR of a profile: display hint, latest declaration summary (if one was made
    /// in the last 14 days), contact record sealed to `authority`.
    pub fn personal_qr(
        &self,
        profile_id: &str,
        authority: &SealingPublicKey,
    ) -> Result<PersonalQr, StoreError> {
        let profile = self.profile(profile_id)?;
        let summary = self.latest_declaration_summary(profile_id)?;
        let now = self.now_ms();
        let record = self.sealing_record(&profile)?;
        let qr = PersonalQr::new(&record, summary, authority, now / 1000).map_err(|e| match e {
            PersonalError::Seal(_) => StoreError::Invalid("profile cannot be sealed"),
            _ => StoreError::Invalid("personal QR"),
        })?;
        Ok(qr.with_holder(self.holder_tag(profile_id, now)))
    }

    /// The holder tag of a profile's personal QR on the local day of `at_ms`: a keyed hash, so
    /// every code rendered that day names the same holder to a scanner, and no one else can
    /// link it to the profile.
    pub fn holder_tag(&self, profile_id: &str, at_ms: i64) -> [u8; HOLDER_TAG_BYTES] {
        let offset = i64::from(self.settings().utc_offset_minutes) * 60_000;
        let day = (at_ms + offset).div_euclid(86_400_000).to_string();
        let mac = self.person_key(&["personal_qr_holder", profile_id, &day]);
        let mut tag = [0u8; HOLDER_TAG_BYTES];
        for (t, m) in tag.iter_mut().zip(mac) {
            *t = m;
        }
        tag
    }

    /// A profile's personal QR and its bitmap for a screen of `pixels_per_inch`, measuring 5 cm
    /// with whole pixels per module (the citizen shows it at the door).
    pub fn personal_qr_bitmap(
        &self,
        profile_id: &str,
        authority: &SealingPublicKey,
        pixels_per_inch: f64,
    ) -> Result<(PersonalQr, ScreenBitmap), StoreError> {
        let personal = self.personal_qr(profile_id, authority)?;
        let qr = QrMatrix::encode(&personal.encode(), render::CARD_EC)
            .map_err(|_| StoreError::Invalid("personal QR too long"))?;
        Ok((personal, render::screen_bitmap(&qr, pixels_per_inch, 50.0)))
    }

    /// A profile's printable personal QR card (PDF; QR at least 5 × 5 cm) for a relative
    /// without a smartphone.
    pub fn personal_qr_card_pdf(
        &self,
        profile_id: &str,
        authority: &SealingPublicKey,
    ) -> Result<Vec<u8>, StoreError> {
        let qr = self.personal_qr(profile_id, authority)?;
        render::personal_card_pdf(&CardContent {
            qr_text: qr.encode(),
            short_name: qr.hint.short_name.clone(),
            birth_year: qr.hint.birth_year,
            title: String::new(),
        })
        .map_err(|_| StoreError::Invalid("personal QR card"))
    }
}
