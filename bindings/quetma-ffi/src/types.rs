//! Records and enums that cross the boundary, and their conversions from and to core types.
//! No rules here: every field is copied from (or into) a core value.

use quetma_core::citizen::{self, Relation as CoreRelation};
use quetma_core::declaration::{self as decl};
use quetma_core::outbox;
use quetma_core::payload::personal::{DeclarationStatus as CoreStatus, DeclarationSummary};
use quetma_core::payload::venue::{VenueCategory as CoreCategory, VenueInfo};
use quetma_core::payload::{ContactSource as CoreSource, DisplayHint, IdKind as CoreIdKind};
use quetma_core::store::{ResetReason, StoreReset};

// ---------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------

macro_rules! mirror_enum {
    ($(#[$meta:meta])* $name:ident <=> $core:path { $($(#[$vmeta:meta])* $v:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($(#[$vmeta])* $v),+ }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                use $core as C;
                match v { $(C::$v => Self::$v),+ }
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                use $core as C;
                match v { $($name::$v => C::$v),+ }
            }
        }
    };
}

mirror_enum! {
    /// Who a profile is to the phone's owner.
    Relation <=> CoreRelation {
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
}

mirror_enum! {
    /// Which kind of identity number a record carries.
    IdKind <=> CoreIdKind {
        /// 12-digit CCCD / Căn cước number.
        Cccd,
        /// 9-digit old identity card.
        Cmnd,
        /// Passport.
        Passport,
        /// BHYT card number.
        Bhyt,
        /// Anything else.
        Other,
    }
}

mirror_enum! {
    /// What kind of place a venue is.
    VenueCategory <=> CoreCategory {
        /// Shop.
        Shop,
        /// Traditional market.
        Market,
        /// Supermarket.
        Supermarket,
        /// Restaurant, café.
        Restaurant,
        /// Office.
        Office,
        /// Factory.
        Factory,
        /// School.
        School,
        /// Hospital, clinic, pharmacy.
        Healthcare,
        /// Hotel, guest house.
        Lodging,
        /// Public administration.
        Government,
        /// Stations, airports.
        Transport,
        /// Places of worship.
        Worship,
        /// Leisure.
        Leisure,
        /// Anything else.
        Other,
    }
}

mirror_enum! {
    /// Why a visit ended.
    EndReason <=> citizen::EndReason {
        /// Checked out by hand.
        Manual,
        /// The default (or chosen) stay ran out.
        DefaultStay,
        /// The same profile checked in elsewhere.
        NextCheckIn,
        /// The longest stay allowed was reached.
        Cap,
        /// The user edited the times.
        Edited,
    }
}

mirror_enum! {
    /// Where a contact record came from.
    ContactSource <=> CoreSource {
        /// A QuetMa personal QR.
        PersonalQr,
        /// A CCCD / Căn cước card.
        Cccd,
        /// A BHYT card.
        Bhyt,
        /// The national personal QR.
        NationalQr,
        /// Typed in by staff.
        Manual,
    }
}

mirror_enum! {
    /// What the latest health declaration said.
    DeclarationStatus <=> CoreStatus {
        /// No symptoms, no contact.
        Clear,
        /// Symptoms declared.
        Symptoms,
        /// Contact with a case declared.
        Contact,
        /// Both.
        SymptomsAndContact,
    }
}

mirror_enum! {
    /// Sex, as the declaration form asks it.
    Sex <=> decl::Sex {
        /// Nam.
        Male,
        /// Nữ.
        Female,
        /// Khác.
        Other,
    }
}

mirror_enum! {
    /// The six symptoms of the domestic form.
    Symptom <=> decl::Symptom {
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
}

mirror_enum! {
    /// What an outbox entry carries.
    OutboxKind <=> outbox::OutboxKind {
        /// A citizen's visit.
        Visit,
        /// A business scanner's visitor-log entry.
        Visitor,
    }
}

/// A field of the declaration form (for labels and validation errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum FormField {
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

impl From<FormField> for decl::Field {
    fn from(f: FormField) -> Self {
        match f {
            FormField::FullName => Self::FullName,
            FormField::IdNumber => Self::IdNumber,
            FormField::BirthYear => Self::BirthYear,
            FormField::Sex => Self::Sex,
            FormField::Nationality => Self::Nationality,
            FormField::Province => Self::Province,
            FormField::Commune => Self::Commune,
            FormField::Street => Self::Street,
            FormField::Phone => Self::Phone,
            FormField::Email => Self::Email,
            FormField::VisitedPlaces => Self::VisitedPlaces,
            FormField::Symptoms => Self::Symptoms,
            FormField::Contacts => Self::Contacts,
        }
    }
}

/// A label in both languages.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Label {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Label {
    pub(crate) fn of(vi: &str, en: &str) -> Self {
        Self {
            vi: vi.to_owned(),
            en: en.to_owned(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Store reset
// ---------------------------------------------------------------------------------------------

/// Why a fresh store replaced the old one at open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum StoreResetReason {
    /// The vault had no key for an existing database.
    KeyLost,
    /// The vault's key did not open the database.
    WrongKey,
    /// The database file was damaged.
    Corrupt,
}

/// What [`crate::QuetMaApp::open`] had to do to start: show `message` to the user.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreResetInfo {
    /// Why.
    pub reason: StoreResetReason,
    /// The message for the user.
    pub message: Label,
}

impl From<&StoreReset> for StoreResetInfo {
    fn from(r: &StoreReset) -> Self {
        Self {
            reason: match r.reason {
                ResetReason::KeyLost => StoreResetReason::KeyLost,
                ResetReason::WrongKey => StoreResetReason::WrongKey,
                ResetReason::Corrupt => StoreResetReason::Corrupt,
            },
            message: Label::of(r.reason.message_vi(), r.reason.message_en()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------

/// What a new or edited profile says.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProfileInput {
    /// Who they are to the owner.
    pub relation: Relation,
    /// Full name.
    pub full_name: String,
    /// Identity number.
    #[uniffi(default)]
    pub id_number: Option<String>,
    /// Kind of identity number.
    #[uniffi(default)]
    pub id_kind: Option<IdKind>,
    /// Phone number.
    #[uniffi(default)]
    pub phone: Option<String>,
    /// Year of birth.
    #[uniffi(default)]
    pub birth_year: Option<u16>,
}

impl From<ProfileInput> for citizen::NewProfile {
    fn from(p: ProfileInput) -> Self {
        Self {
            relation: p.relation.into(),
            full_name: p.full_name,
            id_number: p.id_number,
            id_kind: p.id_kind.map(Into::into),
            phone: p.phone,
            birth_year: p.birth_year,
        }
    }
}

/// A stored profile.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<citizen::Profile> for Profile {
    fn from(p: citizen::Profile) -> Self {
        Self {
            id: p.id,
            relation: p.relation.into(),
            full_name: p.full_name,
            id_number: p.id_number,
            id_kind: p.id_kind.map(Into::into),
            phone: p.phone,
            birth_year: p.birth_year,
            created_at: p.created_at,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Venues and visits
// ---------------------------------------------------------------------------------------------

/// A venue as its verified poster describes it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Venue {
    /// Venue id.
    pub venue_id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Commune code (2025 units).
    pub commune_code: u32,
    /// Category.
    pub category: VenueCategory,
    /// Default stay in minutes.
    pub default_stay_minutes: u32,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
    /// Id of the authority key that signed the poster.
    pub signed_by: String,
}

impl Venue {
    pub(crate) fn of(info: &VenueInfo, kid: &str) -> Self {
        Self {
            venue_id: info.venue_id.clone(),
            name: info.name.clone(),
            address: info.address.clone(),
            commune_code: info.commune_code,
            category: info.category.into(),
            default_stay_minutes: info.default_stay_minutes,
            issued_at: info.issued_at,
            signed_by: kid.to_owned(),
        }
    }
}

/// One stay at a venue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Visit {
    /// Visit id.
    pub id: String,
    /// Whose visit.
    pub profile_id: String,
    /// Venue id.
    pub venue_id: String,
    /// Venue name.
    pub venue_name: String,
    /// Venue address.
    pub venue_address: String,
    /// Venue category.
    pub category: VenueCategory,
    /// Start, Unix ms.
    pub started_at: i64,
    /// End, Unix ms (`None` while open).
    pub ended_at: Option<i64>,
    /// When it ends by itself if still open, Unix ms.
    pub planned_end: i64,
    /// Why it ended.
    pub end_reason: Option<EndReason>,
    /// The end, or the planned end while open.
    pub effective_end: i64,
    /// Still open.
    pub is_open: bool,
    /// Cancelled by the user.
    pub cancelled: bool,
}

impl From<citizen::Visit> for Visit {
    fn from(v: citizen::Visit) -> Self {
        Self {
            effective_end: v.effective_end(),
            is_open: v.is_open(),
            id: v.id,
            profile_id: v.profile_id,
            venue_id: v.venue_id,
            venue_name: v.venue_name,
            venue_address: v.venue_address,
            category: v.category.into(),
            started_at: v.started_at,
            ended_at: v.ended_at,
            planned_end: v.planned_end,
            end_reason: v.end_reason.map(Into::into),
            cancelled: v.cancelled,
        }
    }
}

/// One local day of history.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DayHistory {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    /// Visits that started that day, newest first.
    pub visits: Vec<Visit>,
}

/// `YYYY-MM-DD`.
pub(crate) fn date_string(d: &time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl From<citizen::DayHistory> for DayHistory {
    fn from(d: citizen::DayHistory) -> Self {
        Self {
            date: date_string(&d.date),
            visits: d.visits.into_iter().map(Into::into).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------------------------

/// The answers of one health declaration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeclarationForm {
    /// Họ tên.
    pub full_name: String,
    /// Số hộ chiếu / CMND / CCCD.
    #[uniffi(default)]
    pub id_number: Option<String>,
    /// Năm sinh.
    pub birth_year: u16,
    /// Giới tính.
    pub sex: Sex,
    /// Quốc tịch (ISO 3166-1 alpha-2).
    pub nationality: String,
    /// Tỉnh / thành phố.
    pub province: String,
    /// Phường / xã.
    pub commune: String,
    /// Số nhà, phố.
    pub street: String,
    /// Điện thoại.
    pub phone: String,
    /// Email.
    #[uniffi(default)]
    pub email: Option<String>,
    /// Places visited in the past 14 days.
    #[uniffi(default)]
    pub visited_places: Vec<String>,
    /// Symptoms in the past 14 days.
    #[uniffi(default)]
    pub symptoms: Vec<Symptom>,
    /// Other symptoms.
    #[uniffi(default)]
    pub other_symptoms: Option<String>,
    /// Contact with a case or suspected case.
    #[uniffi(default = false)]
    pub contact_case: bool,
    /// Contact with someone from a country with COVID-19.
    #[uniffi(default = false)]
    pub contact_from_affected_country: bool,
    /// Contact with someone with symptoms.
    #[uniffi(default = false)]
    pub contact_symptomatic: bool,
}

impl From<DeclarationForm> for decl::DeclarationForm {
    fn from(f: DeclarationForm) -> Self {
        Self {
            full_name: f.full_name,
            id_number: f.id_number,
            birth_year: f.birth_year,
            sex: f.sex.into(),
            nationality: f.nationality,
            province: f.province,
            commune: f.commune,
            street: f.street,
            phone: f.phone,
            email: f.email,
            visited_places: f.visited_places,
            symptoms: f.symptoms.into_iter().map(Into::into).collect(),
            other_symptoms: f.other_symptoms,
            contact_case: f.contact_case,
            contact_from_affected_country: f.contact_from_affected_country,
            contact_symptomatic: f.contact_symptomatic,
        }
    }
}

impl From<decl::DeclarationForm> for DeclarationForm {
    fn from(f: decl::DeclarationForm) -> Self {
        Self {
            full_name: f.full_name,
            id_number: f.id_number,
            birth_year: f.birth_year,
            sex: f.sex.into(),
            nationality: f.nationality,
            province: f.province,
            commune: f.commune,
            street: f.street,
            phone: f.phone,
            email: f.email,
            visited_places: f.visited_places,
            symptoms: f.symptoms.into_iter().map(Into::into).collect(),
            other_symptoms: f.other_symptoms,
            contact_case: f.contact_case,
            contact_from_affected_country: f.contact_from_affected_country,
            contact_symptomatic: f.contact_symptomatic,
        }
    }
}

/// A stored declaration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Declaration {
    /// Id.
    pub id: String,
    /// Whose declaration.
    pub profile_id: String,
    /// Who made it.
    pub declared_by: String,
    /// When, Unix ms.
    pub declared_at: i64,
    /// The answers, normalised.
    pub form: DeclarationForm,
    /// The one-word status a personal QR shows.
    pub status: DeclarationStatus,
}

impl From<decl::Declaration> for Declaration {
    fn from(d: decl::Declaration) -> Self {
        Self {
            status: d.form.status().into(),
            id: d.id,
            profile_id: d.profile_id,
            declared_by: d.declared_by,
            declared_at: d.declared_at,
            form: d.form.into(),
        }
    }
}

/// The latest declaration in brief.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeclarationBrief {
    /// Local date, `YYYY-MM-DD`.
    pub declared_on: String,
    /// What it said.
    pub status: DeclarationStatus,
    /// The status label.
    pub label: Label,
}

impl From<DeclarationSummary> for DeclarationBrief {
    fn from(s: DeclarationSummary) -> Self {
        Self {
            declared_on: date_string(&s.declared_on),
            status: s.status.into(),
            label: Label::of(s.status.label_vi(), s.status.label_en()),
        }
    }
}

/// The texts shown before the first declaration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentText {
    /// Version of the text the user agrees to.
    pub version: String,
    /// The consent text.
    pub consent: Label,
    /// The form's legal warning.
    pub warning: Label,
}

// ---------------------------------------------------------------------------------------------
// Personal QR
// ---------------------------------------------------------------------------------------------

/// The abbreviated name and birth year that stay readable on a personal QR or card.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Hint {
    /// Abbreviated name, e.g. `N. V. An`.
    pub short_name: String,
    /// Year of birth.
    pub birth_year: Option<u16>,
}

impl From<DisplayHint> for Hint {
    fn from(h: DisplayHint) -> Self {
        Self {
            short_name: h.short_name,
            birth_year: h.birth_year,
        }
    }
}

impl From<Hint> for DisplayHint {
    fn from(h: Hint) -> Self {
        Self {
            short_name: h.short_name,
            birth_year: h.birth_year,
        }
    }
}

/// A personal QR ready to show: a luma bitmap at a true physical size and what stays readable
/// on it (the contact record inside is sealed).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PersonalQrBitmap {
    /// What stays readable.
    pub hint: Hint,
    /// The latest declaration, if one was made in the last 14 days.
    pub declaration: Option<DeclarationBrief>,
    /// Side of the square bitmap in pixels (quiet zone included).
    pub width_px: u32,
    /// Pixels per module.
    pub module_px: u32,
    /// Side of the symbol (quiet zone excluded) on this screen, in millimetres.
    pub symbol_mm: f64,
    /// Row-major luma, `width_px × width_px`: 0 dark, 255 light.
    pub luma: Vec<u8>,
}

// ---------------------------------------------------------------------------------------------
// Outbox
// ---------------------------------------------------------------------------------------------

/// One queued upload.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxItem {
    /// Stable client id.
    pub id: String,
    /// What it carries.
    pub kind: OutboxKind,
    /// The JSON body to send (contact records in it are sealed).
    pub body: String,
    /// When first queued, Unix ms.
    pub created_at: i64,
    /// Failed attempts so far.
    pub attempts: u32,
}

impl From<outbox::OutboxItem> for OutboxItem {
    fn from(i: outbox::OutboxItem) -> Self {
        Self {
            id: i.id,
            kind: i.kind.into(),
            body: i.body,
            created_at: i.created_at,
            attempts: i.attempts,
        }
    }
}

/// An upload the server acknowledged: its id and the exact body that was sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SentItem {
    /// Client id.
    pub id: String,
    /// The body as sent.
    pub body: String,
}

/// How much waits in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct OutboxCounts {
    /// Not sent yet.
    pub pending: u64,
    /// Not sent yet and failed at least once.
    pub failing: u64,
    /// Sent and acknowledged.
    pub sent: u64,
    /// Refused by the server for good (never resent).
    pub rejected: u64,
}

impl From<outbox::OutboxCounts> for OutboxCounts {
    fn from(c: outbox::OutboxCounts) -> Self {
        Self {
            pending: c.pending,
            failing: c.failing,
            sent: c.sent,
            rejected: c.rejected,
        }
    }
}
