//! The domestic health declaration (khai báo y tế nội địa), after the tokhaiyte.vn "khai báo
//! toàn dân" form of 2021–22 (`shared/VN-FORMATS.md` §3.3), with Vietnamese and English labels.
//!
//! Health answers are sensitive data (Law 91/2025): they are stored apart from the visit log,
//! only under an explicit, separate consent of their own ([`ConsentPurpose::HealthDeclaration`])
//! that can be withdrawn — which deletes the answers. A parent may declare on behalf of a
//! dependent (khai hộ); the record says who declared.

use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use crate::payload::personal::{DeclarationStatus, DeclarationSummary};
use crate::store::{DAY_MS, Store, StoreError, new_id};

/// Version of the consent text the user agreed to (bump when the text changes).
pub const CONSENT_TEXT_VERSION: &str = "2026-11-v1";

/// The consent text shown before the first declaration, Vietnamese.
pub const CONSENT_TEXT_VI: &str = "Tôi đồng ý để ứng dụng lưu các câu trả lời khai báo y tế của tôi \
(hoặc của người tôi khai hộ) trên điện thoại này, tách riêng khỏi lịch sử check-in, chỉ để phục vụ \
phòng chống dịch. Tôi có thể rút lại đồng ý bất cứ lúc nào; khi đó các câu trả lời sẽ bị xoá.";
/// The consent text, English.
pub const CONSENT_TEXT_EN: &str = "I agree that the app keeps my health declaration answers (or \
those of the person I declare for) on this phone, apart from the check-in history, for epidemic \
control only. I can withdraw this consent at any time; the answers are then deleted.";
/// The form's warning, Vietnamese (as on tokhaiyte.vn).
pub const WARNING_VI: &str =
    "Khuyến cáo: Khai báo thông tin sai là vi phạm pháp luật Việt Nam và có thể xử lý hình sự";
/// The form's warning, English.
pub const WARNING_EN: &str =
    "Warning: false declarations violate Vietnamese law and may be prosecuted";

/// How many days a declaration counts as current (the form asks about the past 14 days).
pub const LOOKBACK_DAYS: i64 = 14;

/// What a consent is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Keeping health-declaration answers.
    HealthDeclaration,
}

impl ConsentPurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::HealthDeclaration => "health_declaration",
        }
    }
}

/// Sex as the form asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
    /// Khác.
    Other,
}

/// The six symptoms the domestic form lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    /// Sốt.
    Fever,
    /// Ho.
    Cough,
    /// Khó thở.
    ShortnessOfBreath,
    /// Viêm phổi.
    Pneumonia,
    /// Đau họng.
    SoreThroat,
    /// Mệt mỏi.
    Fatigue,
}

impl Symptom {
    /// All, in form order.
    pub const ALL: [Symptom; 6] = [
        Self::Fever,
        Self::Cough,
        Self::ShortnessOfBreath,
        Self::Pneumonia,
        Self::SoreThroat,
        Self::Fatigue,
    ];

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Fever => "Sốt",
            Self::Cough => "Ho",
            Self::ShortnessOfBreath => "Khó thở",
            Self::Pneumonia => "Viêm phổi",
            Self::SoreThroat => "Đau họng",
            Self::Fatigue => "Mệt mỏi",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Fever => "Fever",
            Self::Cough => "Cough",
            Self::ShortnessOfBreath => "Shortness of breath",
            Self::Pneumonia => "Pneumonia",
            Self::SoreThroat => "Sore throat",
            Self::Fatigue => "Fatigue",
        }
    }
}

/// The answers of one declaration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationForm {
    /// Họ tên (stored in capitals, as the form asks).
    pub full_name: String,
    /// Số hộ chiếu / CMND / CCCD (optional).
    pub id_number: Option<String>,
    /// Năm sinh.
    pub birth_year: u16,
    /// Giới tính.
    pub sex: Sex,
    /// Quốc tịch, ISO 3166-1 alpha-2 (e.g. `VN`).
    pub nationality: String,
    /// Tỉnh / thành phố.
    pub province: String,
    /// Phường / xã (2025 units: no district).
    pub commune: String,
    /// Số nhà, phố, tổ dân phố / thôn / đội.
    pub street: String,
    /// Điện thoại.
    pub phone: String,
    /// Email (optional).
    pub email: Option<String>,
    /// Places (provinces, countries) visited in the past 14 days; empty = none.
    pub visited_places: Vec<String>,
    /// Symptoms in the past 14 days.
    pub symptoms: Vec<Symptom>,
    /// Other symptoms, free text.
    pub other_symptoms: Option<String>,
    /// Contact with a COVID-19 patient or suspected case.
    pub contact_case: bool,
    /// Contact with someone from a country with COVID-19.
    pub contact_from_affected_country: bool,
    /// Contact with someone with symptoms (fever, cough, shortness of breath, pneumonia).
    pub contact_symptomatic: bool,
}

/// A field of the form, for labels and validation messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Họ tên.
    FullName,
    /// Số giấy tờ.
    IdNumber,
    /// Năm sinh.
    BirthYear,
    /// Giới tính.
    Sex,
    /// Quốc tịch.
    Nationality,
    /// Tỉnh / thành phố.
    Province,
    /// Phường / xã.
    Commune,
    /// Địa chỉ.
    Street,
    /// Điện thoại.
    Phone,
    /// Email.
    Email,
    /// Nơi đã đến.
    VisitedPlaces,
    /// Triệu chứng.
    Symptoms,
    /// Tiếp xúc.
    Contacts,
}

impl Field {
    /// Every field, in the form's order.
    pub const ALL: [Field; 13] = [
        Self::FullName,
        Self::IdNumber,
        Self::BirthYear,
        Self::Sex,
        Self::Nationality,
        Self::Province,
        Self::Commune,
        Self::Street,
        Self::Phone,
        Self::Email,
        Self::VisitedPlaces,
        Self::Symptoms,
        Self::Contacts,
    ];

    /// Vietnamese label, as on the form.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::FullName => "Họ tên (ghi chữ IN HOA)",
            Self::IdNumber => "Số hộ chiếu / CMND / CCCD",
            Self::BirthYear => "Năm sinh",
            Self::Sex => "Giới tính",
            Self::Nationality => "Quốc tịch",
            Self::Province => "Tỉnh / thành phố",
            Self::Commune => "Phường / xã",
            Self::Street => "Số nhà, phố, tổ dân phố / thôn / đội",
            Self::Phone => "Điện thoại",
            Self::Email => "Email",
            Self::VisitedPlaces => {
                "Trong vòng 14 ngày qua, Anh/Chị có đến tỉnh/thành phố, quốc gia/vùng lãnh thổ nào (Có thể đi qua nhiều nơi)"
            }
            Self::Symptoms => {
                "Trong vòng 14 ngày qua, Anh/Chị có thấy xuất hiện ít nhất 1 trong các dấu hiệu: sốt, ho, khó thở, viêm phổi, đau họng, mệt mỏi không?"
            }
            Self::Contacts => "Trong vòng 14 ngày qua, Anh/Chị có tiếp xúc với:",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::FullName => "Full name (CAPITALS)",
            Self::IdNumber => "Passport / ID number",
            Self::BirthYear => "Year of birth",
            Self::Sex => "Sex",
            Self::Nationality => "Nationality",
            Self::Province => "Province / city",
            Self::Commune => "Ward / commune",
            Self::Street => "House number, street, hamlet",
            Self::Phone => "Phone",
            Self::Email => "Email",
            Self::VisitedPlaces => {
                "In the past 14 days, which provinces/cities or countries/territories have you been to? (several allowed)"
            }
            Self::Symptoms => {
                "In the past 14 days, have you had at least one of: fever, cough, shortness of breath, pneumonia, sore throat, fatigue?"
            }
            Self::Contacts => "In the past 14 days, have you been in contact with:",
        }
    }

    /// Whether the form requires it.
    pub fn required(self) -> bool {
        !matches!(
            self,
            Self::IdNumber | Self::Email | Self::VisitedPlaces | Self::Symptoms
        )
    }
}

/// The contact questions' labels, Vietnamese and English, in form order.
pub const CONTACT_QUESTIONS: [(&str, &str); 3] = [
    (
        "Người bệnh hoặc nghi ngờ, mắc bệnh COVID-19",
        "A COVID-19 patient or suspected case",
    ),
    (
        "Người từ nước có bệnh COVID-19",
        "Someone from a country with COVID-19",
    ),
    (
        "Người có biểu hiện (Sốt, ho, khó thở, Viêm phổi)",
        "Someone with symptoms (fever, cough, shortness of breath, pneumonia)",
    ),
];

/// What is wrong with a form: the fields, never their values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("declaration fields invalid: {fields:?}")]
pub struct FormErrors {
    /// The fields that failed.
    pub fields: Vec<Field>,
}

use crate::text::normalise as clean;

impl DeclarationForm {
    /// Validates and normalises the form (name in capitals, NFC, single spaces). Returns every
    /// failing field at once, so the screen can mark them all.
    pub fn validated(&self, this_year: i32) -> Result<Self, FormErrors> {
        let mut bad = Vec::new();
        let full_name = clean(&self.full_name).to_uppercase();
        if full_name.is_empty() || full_name.chars().count() > 100 {
            bad.push(Field::FullName);
        }
        let id_number = self
            .id_number
            .as_deref()
            .map(clean)
            .filter(|s| !s.is_empty());
        if id_number
            .as_ref()
            .is_some_and(|s| s.len() > 20 || !s.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            bad.push(Field::IdNumber);
        }
        if i32::from(self.birth_year) < 1900 || i32::from(self.birth_year) > this_year {
            bad.push(Field::BirthYear);
        }
        let nationality = self.nationality.trim().to_ascii_uppercase();
        if nationality.len() != 2 || !nationality.bytes().all(|b| b.is_ascii_uppercase()) {
            bad.push(Field::Nationality);
        }
        let province = clean(&self.province);
        if province.is_empty() || province.chars().count() > 80 {
            bad.push(Field::Province);
        }
        let commune = clean(&self.commune);
        if commune.is_empty() || commune.chars().count() > 80 {
            bad.push(Field::Commune);
        }
        let street = clean(&self.street);
        if street.is_empty() || street.chars().count() > 200 {
            bad.push(Field::Street);
        }
        let phone: String = self.phone.chars().filter(|c| !c.is_whitespace()).collect();
        let digits = phone.trim_start_matches('+');
        if !(9..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            bad.push(Field::Phone);
        }
        let email = self.email.as_deref().map(clean).filter(|s| !s.is_empty());
        if email.as_ref().is_some_and(|e| {
            e.len() > 120 || e.split('@').count() != 2 || e.starts_with('@') || e.ends_with('@')
        }) {
            bad.push(Field::Email);
        }
        let visited_places: Vec<String> = self
            .visited_places
            .iter()
            .map(|p| clean(p))
            .filter(|p| !p.is_empty())
            .collect();
        if visited_places.len() > 30 || visited_places.iter().any(|p| p.chars().count() > 80) {
            bad.push(Field::VisitedPlaces);
        }
        let other_symptoms = self
            .other_symptoms
            .as_deref()
            .map(clean)
            .filter(|s| !s.is_empty());
        if other_symptoms
            .as_ref()
            .is_some_and(|s| s.chars().count() > 200)
        {
            bad.push(Field::Symptoms);
        }
        if !bad.is_empty() {
            return Err(FormErrors { fields: bad });
        }
        let mut symptoms = self.symptoms.clone();
        symptoms.sort();
        symptoms.dedup();
        Ok(Self {
            full_name,
            id_number,
            birth_year: self.birth_year,
            sex: self.sex,
            nationality,
            province,
            commune,
            street,
            phone,
            email,
            visited_places,
            symptoms,
            other_symptoms,
            contact_case: self.contact_case,
            contact_from_affected_country: self.contact_from_affected_country,
            contact_symptomatic: self.contact_symptomatic,
        })
    }

    /// The one-word status a personal QR shows.
    pub fn status(&self) -> DeclarationStatus {
        let symptoms = !self.symptoms.is_empty() || self.other_symptoms.is_some();
        let contact =
            self.contact_case || self.contact_from_affected_country || self.contact_symptomatic;
        match (symptoms, contact) {
            (false, false) => DeclarationStatus::Clear,
            (true, false) => DeclarationStatus::Symptoms,
            (false, true) => DeclarationStatus::Contact,
            (true, true) => DeclarationStatus::SymptomsAndContact,
        }
    }
}

/// A stored declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    /// Id.
    pub id: String,
    /// Whose declaration.
    pub profile_id: String,
    /// Who made it (the same profile, or the owner declaring on behalf of a dependent).
    pub declared_by: String,
    /// When, Unix ms.
    pub declared_at: i64,
    /// The answers.
    pub form: DeclarationForm,
}

/// Why a declaration was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeclarationError {
    /// No current consent for health data for this profile.
    #[error("no consent for keeping health declarations")]
    NoConsent,
    /// The form is invalid.
    #[error(transparent)]
    Form(#[from] FormErrors),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Records an explicit consent (the user ticked it after reading [`CONSENT_TEXT_VI`]).
    pub fn grant_consent(
        &self,
        profile_id: &str,
        purpose: ConsentPurpose,
    ) -> Result<String, StoreError> {
        self.profile(profile_id)?;
        let now = self.now_ms();
        let id = new_id()?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO consents (id, profile_id, purpose, text_version, granted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, profile_id, purpose.as_str(), CONSENT_TEXT_VERSION, now],
            )?;
            Ok(())
        })?;
        Ok(id)
    }

    /// Withdraws consent: the profile's declarations are deleted at once.
    pub fn withdraw_consent(
        &self,
        profile_id: &str,
        purpose: ConsentPurpose,
    ) -> Result<usize, StoreError> {
        let now = self.now_ms();
        self.write(|tx| {
            tx.execute(
                "UPDATE consents SET withdrawn_at = ?3
                 WHERE profile_id = ?1 AND purpose = ?2 AND withdrawn_at IS NULL",
                params![profile_id, purpose.as_str(), now],
            )?;
            let removed = match purpose {
                ConsentPurpose::HealthDeclaration => tx.execute(
                    "DELETE FROM declarations WHERE profile_id = ?1",
                    [profile_id],
                )?,
            };
            Ok(removed)
        })
    }

    pub(crate) fn current_consent(
        &self,
        profile_id: &str,
        purpose: ConsentPurpose,
    ) -> Result<Option<String>, StoreError> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT id FROM consents WHERE profile_id = ?1 AND purpose = ?2
                 AND withdrawn_at IS NULL ORDER BY granted_at DESC LIMIT 1",
                params![profile_id, purpose.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores a declaration for `profile_id`, made by `declared_by` (the same profile, or the
    /// owner for a dependent). Needs a current consent for the declared-for profile.
    pub fn declare(
        &self,
        profile_id: &str,
        declared_by: &str,
        form: &DeclarationForm,
    ) -> Result<Declaration, DeclarationError> {
        self.profile(profile_id)?;
        self.profile(declared_by)?;
        let consent = self
            .current_consent(profile_id, ConsentPurpose::HealthDeclaration)?
            .ok_or(DeclarationError::NoConsent)?;
        let now = self.now_ms();
        let this_year = crate::citizen::visits::local_date(now, time::UtcOffset::UTC)?.year();
        let form = form.validated(this_year)?;
        let answers = serde_json::to_string(&form).map_err(|_| StoreError::Malformed("form"))?;
        let id = new_id()?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO declarations (id, profile_id, declared_by, declared_at, answers,
                   consent_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, profile_id, declared_by, now, answers, consent],
            )?;
            Ok(())
        })?;
        Ok(Declaration {
            id,
            profile_id: profile_id.into(),
            declared_by: declared_by.into(),
            declared_at: now,
            form,
        })
    }

    /// A profile's declarations, newest first.
    pub fn declarations(&self, profile_id: &str) -> Result<Vec<Declaration>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, profile_id, declared_by, declared_at, answers FROM declarations
             WHERE profile_id = ?1 ORDER BY declared_at DESC, id",
        )?;
        let rows = stmt.query_map([profile_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, profile_id, declared_by, declared_at, answers) = row?;
            let form =
                serde_json::from_str(&answers).map_err(|_| StoreError::Malformed("answers"))?;
            out.push(Declaration {
                id,
                profile_id,
                declared_by,
                declared_at,
                form,
            });
        }
        Ok(out)
    }

    /// The summary of the newest declaration of the last [`LOOKBACK_DAYS`], for a personal QR.
    pub fn latest_declaration_summary(
        &self,
        profile_id: &str,
    ) -> Result<Option<DeclarationSummary>, StoreError> {
        let now = self.now_ms();
        let Some(latest) = self.declarations(profile_id)?.into_iter().next() else {
            return Ok(None);
        };
        if latest.declared_at < now - LOOKBACK_DAYS * DAY_MS {
            return Ok(None);
        }
        let offset = time::UtcOffset::from_whole_seconds(self.settings().utc_offset_minutes * 60)
            .map_err(|_| StoreError::Invalid("UTC offset"))?;
        Ok(Some(DeclarationSummary {
            declared_on: crate::citizen::visits::local_date(latest.declared_at, offset)?,
            status: latest.form.status(),
        }))
    }
}
