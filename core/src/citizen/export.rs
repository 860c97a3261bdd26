//! Export of one's own history for a tracer: JSON (complete) or CSV (spreadsheet), with local
//! times. The citizen chooses to hand it over; nothing leaves the phone by itself.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::visits::Visit;
use crate::store::{Store, StoreError};

/// One exported visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedVisit {
    /// Profile's full name (it is the user's own export).
    pub person: String,
    /// Venue id.
    pub venue_id: String,
    /// Venue name.
    pub venue_name: String,
    /// Venue address.
    pub venue_address: String,
    /// Start, RFC 3339 local time.
    pub start: String,
    /// End, RFC 3339 local time (the planned end while still open).
    pub end: String,
    /// Whether the visit is still open.
    pub open: bool,
}

fn local(ms: i64, offset: UtcOffset) -> Result<String, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| StoreError::Malformed("timestamp"))?
        .to_offset(offset)
        .format(&Rfc3339)
        .map_err(|_| StoreError::Malformed("timestamp"))
}

fn csv_field(s: &str) -> String {
    // RFC 4180 quoting, and a leading quote against formula injection in spreadsheets.
    let guarded = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) || guarded != s {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

impl Store {
    /// The visits (not cancelled) of the retention window, for one profile or all, oldest
    /// first, ready to export.
    pub fn export_visits(
        &self,
        profile_id: Option<&str>,
    ) -> Result<Vec<ExportedVisit>, StoreError> {
        let offset = UtcOffset::from_whole_seconds(self.settings().utc_offset_minutes * 60)
            .map_err(|_| StoreError::Invalid("UTC offset"))?;
        let names: std::collections::HashMap<String, String> = self
            .profiles()?
            .into_iter()
            .map(|p| (p.id, p.full_name))
            .collect();
        let mut days = self.history_by_day(profile_id)?;
        days.reverse();
        let mut out = Vec::new();
        for day in days {
            let mut visits: Vec<Visit> = day.visits;
            visits.reverse();
            for v in visits {
                out.push(ExportedVisit {
                    person: names.get(&v.profile_id).cloned().unwrap_or_default(),
                    venue_id: v.venue_id.clone(),
                    venue_name: v.venue_name.clone(),
                    venue_address: v.venue_address.clone(),
                    start: local(v.started_at, offset)?,
                    end: local(v.effective_end(), offset)?,
                    open: v.is_open(),
                });
            }
        }
        Ok(out)
    }

    /// The export as pretty JSON.
    pub fn export_json(&self, profile_id: Option<&str>) -> Result<String, StoreError> {
        serde_json::to_string_pretty(&self.export_visits(profile_id)?)
            .map_err(|_| StoreError::Malformed("export"))
    }

    /// The export as CSV (UTF-8, header row in Vietnamese / English).
    pub fn export_csv(&self, profile_id: Option<&str>) -> Result<String, StoreError> {
        let mut out = String::from(
            "Người / Person,Mã địa điểm / Venue id,Địa điểm / Venue,Địa chỉ / Address,Bắt đầu / Start,Kết thúc / End,Đang ở / Open\n",
        );
        for v in self.export_visits(profile_id)? {
            let row = [
                csv_field(&v.person),
                csv_field(&v.venue_id),
                csv_field(&v.venue_name),
                csv_field(&v.venue_address),
                csv_field(&v.start),
                csv_field(&v.end),
                if v.open { "1".into() } else { "0".into() },
            ];
            out.push_str(&row.join(","));
            out.push('\n');
        }
        Ok(out)
    }
}
