//! Staff-phone enrolment links: the one-time QR a venue owner's portal shows,
//! `{BASE}/E/{CODE}` in upper case (one alphanumeric QR segment). A staff phone's app redeems
//! the code at its own deployment's `POST /api/v1/enrol`; a stock camera opens a page saying to
//! use the app.

/// Path segment of an enrolment link.
pub const ENROL_PATH: &str = "/E/";

/// Shortest and longest code accepted (the server issues 32 Base32 characters).
pub const CODE_CHARS: std::ops::RangeInclusive<usize> = 16..=64;

/// A parsed enrolment link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentLink {
    /// The deployment's base URL as printed (lower-cased scheme and host, no trailing slash).
    pub base_url: String,
    /// The one-time code (upper case).
    pub code: String,
}

impl EnrolmentLink {
    /// Whether the link belongs to the deployment at `server_url` (same scheme, host and port,
    /// compared case-insensitively).
    pub fn is_for(&self, server_url: &str) -> bool {
        self.base_url
            .eq_ignore_ascii_case(server_url.trim().trim_end_matches('/'))
    }
}

/// Splits a link of this kind of deployment, `http(s)://host{prefix}TAIL` (scheme, host and
/// prefix in any case), into its lower-case base URL (`https://host`) and `TAIL` without a
/// trailing `/`. `None` for anything else (never panics). Shared by the enrolment and
/// case-code links.
pub(crate) fn deployment_link<'a>(text: &'a str, prefix: &str) -> Option<(String, &'a str)> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let after_scheme = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return None;
    };
    let rest = t.get(after_scheme..)?;
    let slash = rest.find('/')?;
    let host = rest.get(..slash)?;
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    {
        return None;
    }
    let path = rest.get(slash..)?;
    let tail = path
        .get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .and_then(|_| path.get(prefix.len()..))?;
    let base_url = format!(
        "{}{}",
        lower.get(..after_scheme)?,
        host.to_ascii_lowercase()
    );
    Some((base_url, tail.trim_end_matches('/')))
}

/// Parses `text` as an enrolment link. `None` for anything else (never panics).
pub fn parse(text: &str) -> Option<EnrolmentLink> {
    let (base_url, code) = deployment_link(text, ENROL_PATH)?;
    if !CODE_CHARS.contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(EnrolmentLink {
        base_url,
        code: code.to_ascii_uppercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn portal_links_parse() {
        let l = parse("HTTPS://QR.HADONG.GOV.VN/E/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").unwrap();
        assert_eq!(l.base_url, "https://qr.hadong.gov.vn");
        assert_eq!(l.code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        assert!(l.is_for("https://qr.hadong.gov.vn/"));
        assert!(!l.is_for("https://evil.example"));
        let local = parse("HTTP://127.0.0.1:8080/E/ABCDEFGHIJKLMNOP").unwrap();
        assert!(local.is_for("http://127.0.0.1:8080"));
    }

    #[test]
    fn others_do_not() {
        for t in [
            "",
            "HTTPS://QR.HADONG.GOV.VN/V/ABC",
            "HTTPS://QR.HADONG.GOV.VN/E/SHORT",
            "HTTPS://QR.HADONG.GOV.VN/E/ABCDEFGHIJKLMNOP?x=1",
            "FTP://X/E/ABCDEFGHIJKLMNOPQRST",
            "HTTPS:///E/ABCDEFGHIJKLMNOPQRST",
            "HTTPS://A B/E/ABCDEFGHIJKLMNOPQRST",
        ] {
            assert_eq!(parse(t), None, "{t}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = parse(&s);
        }
    }
}
