//! Text normalisation shared by every rule that compares or stores what people type or cards
//! carry: Unicode NFC (Vietnamese has precomposed and combining forms of the same letter) and
//! white space trimmed and collapsed to single spaces.

use unicode_normalization::UnicodeNormalization;

/// NFC, trimmed, inner runs of white space collapsed to one space.
pub fn normalise(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn composes_and_collapses() {
        // "Nguyễn" with a combining circumflex and tilde.
        let decomposed = "  Nguye\u{302}\u{303}n \t Va\u{306}n\nAn ";
        assert_eq!(super::normalise(decomposed), "Nguyễn Văn An");
        assert_eq!(super::normalise("   "), "");
    }
}
