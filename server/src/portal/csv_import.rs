//! Bulk venue creation from a CSV (`name,address,ward,category,stay_minutes`): every row is
//! checked first; one bad row means nothing is created and every problem is reported.

use super::form::{FieldError, VenueDraft, VenueForm};
use super::i18n::Msg;
use crate::wards::Wards;

/// The header the CSV must start with (columns in any order; extra columns are refused).
pub const COLUMNS: [&str; 5] = ["name", "address", "ward", "category", "stay_minutes"];
/// Most rows one upload may hold.
pub const MAX_ROWS: usize = 2000;
/// Largest upload accepted, bytes.
pub const MAX_BYTES: usize = 1024 * 1024;

/// A problem with one row (or the file as a whole: `line` 0 / 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line of the file as a spreadsheet numbers it (the header is line 1); 0 for the file.
    pub line: usize,
    /// Column name, or `""` for the whole row / file.
    pub field: &'static str,
    /// What is wrong.
    pub message: Msg,
}

/// Parses and validates a whole upload. `Ok` only if every row is good.
pub fn parse(bytes: &[u8], wards: &Wards) -> Result<Vec<VenueDraft>, Vec<RowError>> {
    let file_err = |vi: &str, en: &str| {
        vec![RowError {
            line: 0,
            field: "",
            message: Msg::new(vi, en),
        }]
    };
    if bytes.len() > MAX_BYTES {
        return Err(file_err(
            "Tệp lớn hơn 1 MB.",
            "The file is larger than 1 MB.",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(file_err(
            "Tệp phải là CSV mã hoá UTF-8.",
            "The file must be a UTF-8 CSV.",
        ));
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_ascii_lowercase()).collect(),
        Err(_) => {
            return Err(file_err(
                "Không đọc được dòng tiêu đề.",
                "The header line cannot be read.",
            ));
        }
    };
    let mut index = [usize::MAX; 5];
    for (i, col) in COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h == col) {
            Some(p) => index[i] = p,
            None if *col == "stay_minutes" => {}
            None => {
                return Err(vec![RowError {
                    line: 1,
                    field: col,
                    message: Msg::new(
                        format!("Thiếu cột “{col}”. Tiêu đề cần có: {}.", COLUMNS.join(",")),
                        format!(
                            "Column “{col}” is missing. The header must be: {}.",
                            COLUMNS.join(",")
                        ),
                    ),
                }]);
            }
        }
    }
    let mut drafts = Vec::new();
    let mut errors = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        if n >= MAX_ROWS {
            errors.push(RowError {
                line,
                field: "",
                message: Msg::new(
                    format!("Tối đa {MAX_ROWS} dòng mỗi lần tải lên."),
                    format!("At most {MAX_ROWS} rows per upload."),
                ),
            });
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                errors.push(RowError {
                    line,
                    field: "",
                    message: Msg::new(
                        "Dòng không đúng định dạng CSV.",
                        "The line is not valid CSV.",
                    ),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let get = |i: usize| {
            index
                .get(i)
                .and_then(|&p| record.get(p))
                .unwrap_or_default()
                .to_owned()
        };
        let form = VenueForm {
            name: get(0),
            address: get(1),
            ward: get(2),
            category: get(3),
            stay_minutes: get(4),
        };
        match form.validate(wards) {
            Ok(d) => drafts.push(d),
            Err(field_errors) => errors.extend(field_errors.into_iter().map(
                |FieldError { field, message }| RowError {
                    line,
                    field,
                    message,
                },
            )),
        }
    }
    if drafts.is_empty() && errors.is_empty() {
        return Err(file_err(
            "Tệp không có dòng dữ liệu nào.",
            "The file has no data rows.",
        ));
    }
    if errors.is_empty() {
        Ok(drafts)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_file_with_bom_and_optional_stay() {
        let csv = "\u{feff}name,address,ward,category,stay_minutes\n\
                   Chợ Hà Đông,1 Quang Trung,09877,market,\n\
                   \"Quán phở, Số 1\",2 Lê Lợi,09877,restaurant,45\n";
        let drafts = parse(csv.as_bytes(), &Wards::embedded()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].default_stay_minutes, 60);
        assert_eq!(drafts[1].name, "Quán phở, Số 1");
    }

    #[test]
    fn bad_rows_are_numbered_like_a_spreadsheet() {
        let csv = "name,address,ward,category,stay_minutes\n\
                   A,1 X,09877,shop,30\n\
                   ,2 Y,abc,shop,30\n";
        let errors = parse(csv.as_bytes(), &Wards::embedded())
            .err()
            .unwrap_or_default();
        let got: Vec<_> = errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(got, [(3, "name"), (3, "ward")]);
    }

    #[test]
    fn missing_column_is_a_header_error() {
        let errors = parse(b"name,address\nA,B\n", &Wards::embedded())
            .err()
            .unwrap_or_default();
        assert_eq!(errors[0].line, 1);
        assert_eq!(errors[0].field, "ward");
    }
}
