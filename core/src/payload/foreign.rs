//! What a code that is none of ours is, in words a person understands: the scanner says "this
//! is a bank transfer code" instead of silently doing nothing (the complaint users made most of
//! the national apps' scanners).

/// A kind of code QuetMa does not use, recognised so the app can say what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForeignKind {
    /// A VietQR / NAPAS 247 bank-transfer code (EMVCo merchant-presented QR).
    VietQr,
    /// Another EMVCo payment code (a card scheme's or a wallet's).
    Payment,
    /// A web link that is not a QuetMa poster.
    WebLink,
    /// Wi-Fi network settings.
    Wifi,
    /// Anything else.
    Other,
}

/// NAPAS's application id inside a VietQR merchant account field.
const NAPAS_AID: &str = "A000000727";

/// Names what `text` is (call it on texts that `classify` calls unknown).
pub fn describe(text: &str) -> ForeignKind {
    let t = text.trim();
    // EMVCo QR: payload format indicator "00" "02" "01" first.
    if t.starts_with("000201") {
        if t.to_ascii_uppercase().contains(NAPAS_AID) {
            return ForeignKind::VietQr;
        }
        return ForeignKind::Payment;
    }
    let lower = t.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return ForeignKind::WebLink;
    }
    if t.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("WIFI:")) {
        return ForeignKind::Wifi;
    }
    ForeignKind::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        // A VietQR transfer code (NAPAS 247, account to a bank, amount 50 000 VND).
        let vietqr = "00020101021238570010A000000727012700069704220113VQRQ00000000208QRIBFTTA53037045405500005802VN62150811Thanh toan6304ABCD";
        assert_eq!(describe(vietqr), ForeignKind::VietQr);
        assert_eq!(
            describe("000201010211520400005303840"),
            ForeignKind::Payment
        );
        assert_eq!(describe("https://vnexpress.net/"), ForeignKind::WebLink);
        assert_eq!(
            describe("WIFI:S:Quan ca phe;T:WPA;P:12345678;;"),
            ForeignKind::Wifi
        );
        assert_eq!(describe("hello"), ForeignKind::Other);
        assert_eq!(describe(""), ForeignKind::Other);
    }
}
