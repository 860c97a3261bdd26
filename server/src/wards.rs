//! Vietnam's communes (xã, phường, đặc khu) by their 5-digit code, so pages show
//! "Phường Hà Đông" instead of "09556".
//!
//! The list is data, not code: `server/data/wards-2025.csv` (the units from 1 July 2025, see
//! `server/data/README.md`) is built in, and a deployment replaces it with the official export
//! (`quetma serve --wards-file`, `QUETMA_WARDS_FILE`). A code the list does not know is shown
//! as the code.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use unicode_normalization::UnicodeNormalization as _;

/// The built-in list (CSV: `code,name,province_code,province`; `#` comment lines).
pub const EMBEDDED_CSV: &str = include_str!("../data/wards-2025.csv");

/// One commune-level unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ward {
    /// Official code (1–99999; shown with 5 digits).
    pub code: u32,
    /// Full name with its type, e.g. `Phường Hà Đông`.
    pub name: String,
    /// Province name, e.g. `Thành phố Hà Nội` (may be empty).
    pub province: String,
}

impl Ward {
    /// The code with its leading zeros (`09556`).
    pub fn code_text(&self) -> String {
        format!("{:05}", self.code)
    }

    /// The province without `Thành phố ` / `Tỉnh ` (`Hà Nội`).
    pub fn province_short(&self) -> &str {
        self.province
            .strip_prefix("Thành phố ")
            .or_else(|| self.province.strip_prefix("Tỉnh "))
            .unwrap_or(&self.province)
    }

    /// The name without its type (`Hà Đông`).
    pub fn short_name(&self) -> &str {
        ["Phường ", "Xã ", "Đặc khu ", "Thị trấn "]
            .iter()
            .find_map(|p| self.name.strip_prefix(p))
            .unwrap_or(&self.name)
    }

    /// What a form's ward box holds once chosen: `Phường Hà Đông · Hà Nội (09556)`.
    pub fn choice(&self) -> String {
        if self.province.is_empty() {
            format!("{} ({})", self.name, self.code_text())
        } else {
            format!(
                "{} · {} ({})",
                self.name,
                self.province_short(),
                self.code_text()
            )
        }
    }
}

/// Why a ward list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WardsError {
    /// The file could not be read.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// The header lacks `code` or `name`.
    #[error("the ward list needs a header with `code` and `name` columns")]
    Header,
    /// A row is not usable.
    #[error("ward list line {line}: {reason}")]
    Row {
        /// Line in the file (1-based, comments counted).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// No row at all.
    #[error("the ward list is empty")]
    Empty,
}

/// The list, looked up by code.
#[derive(Clone, Default)]
pub struct Wards {
    list: Vec<Ward>,
    by_code: HashMap<u32, usize>,
}

impl std::fmt::Debug for Wards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Wards({} units)", self.list.len())
    }
}

static EMBEDDED: LazyLock<Arc<Wards>> = LazyLock::new(|| {
    Arc::new(Wards::parse(EMBEDDED_CSV).unwrap_or_else(|e| {
        // The built-in file is checked by a unit test; never fail a server over it.
        tracing::error!(error = %e, "built-in ward list unreadable");
        Wards::default()
    }))
});

impl Wards {
    /// The built-in list (parsed once).
    pub fn embedded() -> Arc<Self> {
        Arc::clone(&EMBEDDED)
    }

    /// Reads a CSV list from `path` (UTF-8; header with `code` and `name`, optionally
    /// `province`; other columns ignored; `#` lines are comments).
    pub fn load(path: &Path) -> Result<Self, WardsError> {
        let text = std::fs::read_to_string(path).map_err(|e| WardsError::Io(path.to_owned(), e))?;
        Self::parse(&text)
    }

    /// Parses a CSV list (see [`Wards::load`]). Every row must have a code of 1–5 digits
    /// (1–99999) and a name; a code may appear once.
    pub fn parse(text: &str) -> Result<Self, WardsError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|_| WardsError::Header)?
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let col = |n: &str| header.iter().position(|h| h == n);
        let (Some(code_col), Some(name_col)) = (col("code"), col("name")) else {
            return Err(WardsError::Header);
        };
        let province_col = col("province");
        let mut wards = Self::default();
        for row in reader.records() {
            let row = row.map_err(|e| WardsError::Row {
                line: e.position().map_or(0, |p| p.line()),
                reason: e.to_string(),
            })?;
            let line = row.position().map_or(0, |p| p.line());
            let bad = |reason: &str| WardsError::Row {
                line,
                reason: reason.to_owned(),
            };
            let code_text = row.get(code_col).unwrap_or("");
            let code = parse_code(code_text).ok_or_else(|| bad("the code is not 1–5 digits"))?;
            let name: String = row.get(name_col).unwrap_or("").nfc().collect();
            if name.is_empty() {
                return Err(bad("no name"));
            }
            let province: String = province_col
                .and_then(|c| row.get(c))
                .unwrap_or("")
                .nfc()
                .collect();
            if wards.by_code.contains_key(&code) {
                return Err(bad("the code appears twice"));
            }
            wards.by_code.insert(code, wards.list.len());
            wards.list.push(Ward {
                code,
                name,
                province,
            });
        }
        if wards.list.is_empty() {
            return Err(WardsError::Empty);
        }
        Ok(wards)
    }

    /// The unit with `code`.
    pub fn get(&self, code: i64) -> Option<&Ward> {
        let code = u32::try_from(code).ok()?;
        self.by_code.get(&code).map(|&i| &self.list[i])
    }

    /// Every unit, in the file's order.
    pub fn all(&self) -> &[Ward] {
        &self.list
    }

    /// How many units the list holds.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The unit's name, or its 5-digit code when the list does not know it.
    pub fn name_or_code(&self, code: i64) -> String {
        self.get(code)
            .map_or_else(|| format!("{code:05}"), |w| w.name.clone())
    }

    /// `Phường Hà Đông (09556)`, or `09556` when the list does not know the code.
    pub fn label(&self, code: i64) -> String {
        self.get(code).map_or_else(
            || format!("{code:05}"),
            |w| format!("{} ({})", w.name, w.code_text()),
        )
    }

    /// What a person typed in a ward box, as a code: a code (`09556`, `9556`), a chosen
    /// list entry (`Phường Hà Đông · Hà Nội (09556)`), or a name (`Phường Hà Đông`,
    /// `Hà Đông`, `Hà Đông, Hà Nội`; any case) that names exactly one unit.
    pub fn resolve(&self, typed: &str) -> Result<u32, WardLookup> {
        let t: String = typed.trim().nfc().collect();
        if t.is_empty() {
            return Err(WardLookup::Empty);
        }
        if t.bytes().all(|b| b.is_ascii_digit()) {
            return parse_code(&t).ok_or(WardLookup::BadCode);
        }
        // A list entry ends with "(NNNNN)".
        if let Some((_, inner)) = t.strip_suffix(')').and_then(|s| s.rsplit_once('('))
            && let Some(code) = parse_code(inner.trim())
        {
            return Ok(code);
        }
        let key = fold(&t);
        let (name_part, province_part) = match key.split_once([',', '·']) {
            Some((n, p)) => (n.trim().to_owned(), Some(p.trim().to_owned())),
            None => (key.clone(), None),
        };
        let hits: Vec<&Ward> = self
            .list
            .iter()
            .filter(|w| {
                let full = fold(&w.name);
                let short = fold(w.short_name());
                (full == name_part || short == name_part)
                    && province_part
                        .as_ref()
                        .is_none_or(|p| fold(&w.province) == *p || fold(w.province_short()) == *p)
            })
            .collect();
        match hits.as_slice() {
            [one] => Ok(one.code),
            [] => Err(WardLookup::Unknown),
            many => Err(WardLookup::Ambiguous(
                many.iter().map(|w| w.choice()).collect(),
            )),
        }
    }
}

/// Why a typed ward did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WardLookup {
    /// Nothing typed.
    Empty,
    /// Digits, but not a code (0, or more than 5 digits).
    BadCode,
    /// No unit of that name.
    Unknown,
    /// Several units have that name (their list entries).
    Ambiguous(Vec<String>),
}

/// A code of 1–5 digits, 1–99999.
fn parse_code(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|c| (1..=99_999).contains(c))
}

/// Lower case, NFC, single spaces: how names are compared.
fn fold(s: &str) -> String {
    s.nfc()
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_is_the_2025_one() {
        let w = Wards::parse(EMBEDDED_CSV).unwrap_or_else(|e| panic!("{e}"));
        // 2,621 xã + 687 phường + 13 đặc khu.
        assert_eq!(w.len(), 3321);
        assert_eq!(w.label(9556), "Phường Hà Đông (09556)");
        assert_eq!(w.name_or_code(9886), "Phường Dương Nội");
        assert_eq!(w.name_or_code(9562), "Phường Yên Nghĩa");
        assert_eq!(w.name_or_code(9568), "Phường Phú Lương");
        assert_eq!(w.name_or_code(9552), "Phường Kiến Hưng");
        assert_eq!(w.name_or_code(4), "Phường Ba Đình");
        // Unknown: the code.
        assert_eq!(w.label(12345), "12345");
        let types = ["Phường ", "Xã ", "Đặc khu "];
        assert!(
            w.all()
                .iter()
                .all(|u| types.iter().any(|t| u.name.starts_with(t)))
        );
    }

    #[test]
    fn typed_names_codes_and_choices_resolve() {
        let w = Wards::embedded();
        assert_eq!(w.resolve("09556"), Ok(9556));
        assert_eq!(w.resolve(" 9556 "), Ok(9556));
        assert_eq!(w.resolve("Phường Hà Đông · Hà Nội (09556)"), Ok(9556));
        assert_eq!(w.resolve("phường hà đông"), Ok(9556));
        assert_eq!(w.resolve("Dương Nội"), Ok(9886));
        // Decomposed input (NFD) matches too.
        let nfd: String = "Dương Nội".nfd().collect();
        assert_eq!(w.resolve(&nfd), Ok(9886));
        // Phú Lương: a phường in Hà Nội and xã elsewhere.
        match w.resolve("Phú Lương") {
            Err(WardLookup::Ambiguous(c)) => {
                assert!(c.len() >= 3, "{c:?}");
                assert!(c.contains(&"Phường Phú Lương · Hà Nội (09568)".to_owned()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(w.resolve("Phú Lương, Hà Nội"), Ok(9568));
        assert_eq!(w.resolve("Phường Phú Lương"), Ok(9568));
        assert_eq!(w.resolve(""), Err(WardLookup::Empty));
        assert_eq!(w.resolve("123456"), Err(WardLookup::BadCode));
        assert_eq!(w.resolve("00000"), Err(WardLookup::BadCode));
        assert_eq!(w.resolve("12ab"), Err(WardLookup::Unknown));
    }

    #[test]
    fn a_replacement_list_is_checked() {
        let ok = Wards::parse("\u{feff}name,code,extra\nPhường Thử,00123,x\n# c\nXã Mẫu,7,y\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.label(123), "Phường Thử (00123)");
        assert_eq!(ok.label(7), "Xã Mẫu (00007)");
        assert!(matches!(
            Wards::parse("id,title\n1,x\n"),
            Err(WardsError::Header)
        ));
        assert!(matches!(
            Wards::parse("code,name\n1,A\n1,B\n"),
            Err(WardsError::Row { line: 3, .. })
        ));
        assert!(matches!(
            Wards::parse("code,name\n12a,A\n"),
            Err(WardsError::Row { .. })
        ));
        assert!(matches!(
            Wards::parse("code,name\n"),
            Err(WardsError::Empty)
        ));
    }
}
