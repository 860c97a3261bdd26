//! Case codes: the one-time code a tracing officer gives a confirmed person, so that their phone
//! sends its own history to the case (`POST /api/v1/case-share`). The code is two digits — the
//! days of history asked for — then a Base32 token; the portal shows it as text and as a QR
//! `{BASE}/K/{CODE}` in upper case (one alphanumeric QR segment).
//!
//! [`parse_link`] reads the QR (or a link that opened the app); [`parse_typed`] reads a code
//! typed by hand, forgiving spaces, dashes, lower case and the look-alike characters Base32
//! leaves out (`0`/`O`, `1`/`I`, `8`/`B` in the token; `O`/`I`/`L` in the digits).

/// Path segment of a case-code link.
pub const CASE_PATH: &str = "/K/";

/// Shortest and longest token after the two digits (the server issues 16 Base32 characters).
pub const TOKEN_CHARS: std::ops::RangeInclusive<usize> = 10..=64;

/// A case code, validated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseCode {
    /// The code as the server expects it (upper case, no separators).
    pub code: String,
    /// Days of history the tracer asked for (the code's first two digits), 1–99.
    pub window_days: u32,
}

/// A case-code link read from a QR or a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseCodeLink {
    /// The deployment's base URL as printed (lower-cased scheme and host, no trailing slash).
    pub base_url: String,
    /// The code.
    pub code: CaseCode,
}

impl CaseCodeLink {
    /// Whether the link belongs to the deployment at `server_url` (same scheme, host and port,
    /// compared case-insensitively).
    pub fn is_for(&self, server_url: &str) -> bool {
        self.base_url
            .eq_ignore_ascii_case(server_url.trim().trim_end_matches('/'))
    }
}

/// Why a typed code is not a case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum CaseCodeError {
    /// Nothing typed.
    #[error("empty")]
    Empty,
    /// Too short or too long.
    #[error("wrong length")]
    Length,
    /// The first two characters are not the days (01–99).
    #[error("no window days")]
    Days,
    /// A character that no case code has.
    #[error("invalid character")]
    Character,
}

fn is_base32(c: char) -> bool {
    c.is_ascii_uppercase() || ('2'..='7').contains(&c)
}

/// Checks an upper-case code with no separators.
fn checked(code: &str) -> Result<CaseCode, CaseCodeError> {
    if code.is_empty() {
        return Err(CaseCodeError::Empty);
    }
    let (days, token) = (code.get(..2), code.get(2..));
    let (Some(days), Some(token)) = (days, token) else {
        return Err(CaseCodeError::Length);
    };
    if !TOKEN_CHARS.contains(&token.chars().count()) {
        return Err(CaseCodeError::Length);
    }
    let window_days: u32 = days
        .parse()
        .ok()
        .filter(|d| (1..=99).contains(d) && days.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(CaseCodeError::Days)?;
    if !token.chars().all(is_base32) {
        return Err(CaseCodeError::Character);
    }
    Ok(CaseCode {
        code: code.to_owned(),
        window_days,
    })
}

/// Reads a code typed by hand (or pasted: a whole link is accepted too).
pub fn parse_typed(text: &str) -> Result<CaseCode, CaseCodeError> {
    if let Some(link) = parse_link(text) {
        return Ok(link.code);
    }
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '_'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if cleaned.is_empty() {
        return Err(CaseCodeError::Empty);
    }
    if !cleaned.is_ascii() {
        return Err(CaseCodeError::Character);
    }
    // The digits first, then the token: each part's look-alikes folded into its own alphabet.
    let fixed: String = cleaned
        .chars()
        .enumerate()
        .map(|(i, c)| match (i < 2, c) {
            (true, 'O') => '0',
            (true, 'I' | 'L') => '1',
            (false, '0') => 'O',
            (false, '1') => 'I',
            (false, '8') => 'B',
            _ => c,
        })
        .collect();
    checked(&fixed)
}

/// Parses `text` as a case-code link (`https://host/K/CODE`, any case). `None` for anything
/// else (never panics).
pub fn parse_link(text: &str) -> Option<CaseCodeLink> {
    let (base_url, code) = super::enrolment::deployment_link(text, CASE_PATH)?;
    let code = checked(&code.to_ascii_uppercase()).ok()?;
    Some(CaseCodeLink { base_url, code })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn portal_qr_texts_parse() {
        let l = parse_link("HTTPS://QR.HADONG.GOV.VN/K/14ABCDEFGHIJKLMNOP").unwrap();
        assert_eq!(l.base_url, "https://qr.hadong.gov.vn");
        assert_eq!(l.code.code, "14ABCDEFGHIJKLMNOP");
        assert_eq!(l.code.window_days, 14);
        assert!(l.is_for("https://qr.hadong.gov.vn/"));
        assert!(!l.is_for("https://evil.example"));
        let local = parse_link("http://127.0.0.1:8080/k/07abcdefghijklmnop").unwrap();
        assert!(local.is_for("http://127.0.0.1:8080"));
        assert_eq!(local.code.window_days, 7);
    }

    #[test]
    fn typed_codes_forgive_spacing_case_and_look_alikes() {
        let c = parse_typed(" 14 abcd-efgh ijkl mnop ").unwrap();
        assert_eq!(c.code, "14ABCDEFGHIJKLMNOP");
        // O for zero in the digits; zero, one and eight in the token.
        let c = parse_typed("O7AB0DEFGH1JKLM8OP").unwrap();
        assert_eq!(c.code, "07ABODEFGHIJKLMBOP");
        assert_eq!(c.window_days, 7);
        // A pasted link is a code too.
        assert_eq!(
            parse_typed("https://qr.hadong.gov.vn/K/14ABCDEFGHIJKLMNOP")
                .unwrap()
                .code,
            "14ABCDEFGHIJKLMNOP"
        );
    }

    #[test]
    fn bad_codes_say_why() {
        assert_eq!(parse_typed("  "), Err(CaseCodeError::Empty));
        assert_eq!(parse_typed("14ABC"), Err(CaseCodeError::Length));
        assert_eq!(parse_typed("00ABCDEFGHIJKLMNOP"), Err(CaseCodeError::Days));
        assert_eq!(parse_typed("XYABCDEFGHIJKLMNOP"), Err(CaseCodeError::Days));
        assert_eq!(
            parse_typed("14ABCDEFGHIJKLMN9P"),
            Err(CaseCodeError::Character)
        );
        assert_eq!(
            parse_typed("14ABCDEFGHIJKLMNÖP"),
            Err(CaseCodeError::Character)
        );
    }

    #[test]
    fn other_links_are_not_case_codes() {
        for t in [
            "",
            "HTTPS://QR.HADONG.GOV.VN/E/14ABCDEFGHIJKLMNOP",
            "HTTPS://QR.HADONG.GOV.VN/K/14SHORT",
            "HTTPS://QR.HADONG.GOV.VN/K/14ABCDEFGHIJKLMNOP?x=1",
            "FTP://X/K/14ABCDEFGHIJKLMNOP",
            "HTTPS:///K/14ABCDEFGHIJKLMNOP",
            "HTTPS://A B/K/14ABCDEFGHIJKLMNOP",
        ] {
            assert_eq!(parse_link(t), None, "{t}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = parse_link(&s);
            let _ = parse_typed(&s);
        }

        #[test]
        fn issued_codes_round_trip(days in 1u32..=99, token in "[A-Z2-7]{16}") {
            let code = format!("{days:02}{token}");
            let link = parse_link(&format!("HTTPS://QR.EXAMPLE.VN/K/{code}")).unwrap();
            prop_assert_eq!(&link.code.code, &code);
            prop_assert_eq!(link.code.window_days, days);
            prop_assert_eq!(parse_typed(&code.to_lowercase()).unwrap().code, code);
        }
    }
}
