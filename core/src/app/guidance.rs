//! Scan guidance: from each frame the scanner could not read, a hint in words — nothing in view,
//! too small (move closer), too dark (torch), blurred (hold still) — and, for a code it did read
//! that is not for this screen, what that code is (a bank transfer code, a web link, an ID card
//! in citizen mode). Hints change only when one has held for a moment, and a screen reader
//! hears each at most every few seconds, so it is not flooded.

use crate::scan::FrameObservation;

/// What the scanner tells the user.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HintKind {
    /// The opening line: point the camera at the poster.
    Aim,
    /// Nothing like a QR code in view for a while.
    NothingInView,
    /// A code is in view but too small: move closer.
    TooSmall,
    /// Too dark: turn the torch on.
    TooDark,
    /// A code is in view but does not read: hold still.
    Blurred,
    /// A VietQR bank-transfer code.
    BankTransfer,
    /// Another payment code.
    Payment,
    /// A web link that is not a QuetMa poster.
    WebLink,
    /// Wi-Fi settings.
    Wifi,
    /// A CCCD / BHYT / national ID QR (citizen mode: that is for a business's scanner).
    IdCard,
    /// A personal QR (citizen mode: that is shown to a business, not scanned).
    PersonalCode,
    /// A staff enrolment code (business mode opens with it).
    EnrolmentCode,
    /// A poster whose signature fails or whose key is not trusted: possibly fake.
    BadPoster,
    /// A venue poster on the business scanner (scan the visitor's code).
    PosterOnScanner,
    /// Any other code.
    ForeignCode,
}

impl HintKind {
    /// Its text id in the catalog.
    pub fn text_id(self) -> &'static str {
        match self {
            Self::Aim => "hint-aim",
            Self::NothingInView => "hint-nothing",
            Self::TooSmall => "hint-too-small",
            Self::TooDark => "hint-too-dark",
            Self::Blurred => "hint-blurred",
            Self::BankTransfer => "hint-bank",
            Self::Payment => "hint-payment",
            Self::WebLink => "hint-link",
            Self::Wifi => "hint-wifi",
            Self::IdCard => "hint-id-card",
            Self::PersonalCode => "hint-personal",
            Self::EnrolmentCode => "hint-enrolment",
            Self::BadPoster => "hint-bad-poster",
            Self::PosterOnScanner => "hint-poster-on-scanner",
            Self::ForeignCode => "hint-foreign",
        }
    }

    /// Whether the hint names a code that was read (played with the "foreign" sound).
    pub fn is_code(self) -> bool {
        !matches!(
            self,
            Self::Aim | Self::NothingInView | Self::TooSmall | Self::TooDark | Self::Blurred
        )
    }
}

/// Mean luma under which a frame is too dark to read.
pub const DARK_LUMA: u8 = 40;
/// Finder size (7 modules) under which a code is too small, as a fraction of the frame's
/// shorter side: a version-3 code (29 modules) then spans under a fifth of it.
pub const SMALL_FINDER_FRACTION: f64 = 0.045;
/// How long nothing must be seen before "nothing in view" replaces the opening line.
pub const NOTHING_AFTER_MS: i64 = 2_500;
/// How long a new frame hint must hold before it shows.
pub const SETTLE_MS: i64 = 400;
/// Least time between two screen-reader announcements of hints.
pub const ANNOUNCE_EVERY_MS: i64 = 4_000;

/// The hint a frame with no readable code gives.
pub fn frame_hint(o: &FrameObservation) -> HintKind {
    if o.mean_luma < DARK_LUMA {
        return HintKind::TooDark;
    }
    if !o.finder_seen {
        return HintKind::NothingInView;
    }
    if f64::from(o.finder_px) < SMALL_FINDER_FRACTION * f64::from(o.short_side_px) {
        return HintKind::TooSmall;
    }
    HintKind::Blurred
}

/// The throttle: which hint shows, and when a screen reader hears it.
#[derive(Debug, Clone)]
pub struct HintState {
    shown: HintKind,
    candidate: HintKind,
    candidate_since: i64,
    opened_at: i64,
    last_announced_at: Option<i64>,
    last_announced: Option<HintKind>,
}

impl Default for HintState {
    fn default() -> Self {
        Self::new(0)
    }
}

/// What a new observation changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HintChange {
    /// The hint now shown.
    pub shown: HintKind,
    /// Whether to announce it.
    pub announce: bool,
}

impl HintState {
    /// Fresh, showing [`HintKind::Aim`], at `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        Self {
            shown: HintKind::Aim,
            candidate: HintKind::Aim,
            candidate_since: now_ms,
            opened_at: now_ms,
            last_announced_at: None,
            last_announced: None,
        }
    }

    /// The hint shown.
    pub fn shown(&self) -> HintKind {
        self.shown
    }

    /// Feeds one frame's hint at `now_ms`; `Some` when the shown hint changes.
    pub fn observe(&mut self, hint: HintKind, now_ms: i64) -> Option<HintChange> {
        // The opening line stays for a moment before "nothing in view" says so.
        let hint = if hint == HintKind::NothingInView && now_ms - self.opened_at < NOTHING_AFTER_MS
        {
            HintKind::Aim
        } else {
            hint
        };
        if hint != self.candidate {
            self.candidate = hint;
            self.candidate_since = now_ms;
        }
        // A code that was read is certain: no settling. Frame hints must hold.
        let settled = hint.is_code() || now_ms - self.candidate_since >= SETTLE_MS;
        if !settled || hint == self.shown {
            return None;
        }
        self.shown = hint;
        let quiet = self
            .last_announced_at
            .is_none_or(|t| now_ms - t >= ANNOUNCE_EVERY_MS);
        let announce = quiet && (self.last_announced != Some(hint) || hint.is_code());
        if announce {
            self.last_announced_at = Some(now_ms);
            self.last_announced = Some(hint);
        }
        Some(HintChange {
            shown: hint,
            announce,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(finder: bool, px: u32, luma: u8) -> FrameObservation {
        FrameObservation {
            finder_seen: finder,
            finder_px: px,
            short_side_px: 720,
            mean_luma: luma,
        }
    }

    #[test]
    fn hints_from_observations() {
        assert_eq!(frame_hint(&obs(false, 0, 20)), HintKind::TooDark);
        assert_eq!(frame_hint(&obs(false, 0, 120)), HintKind::NothingInView);
        assert_eq!(frame_hint(&obs(true, 20, 120)), HintKind::TooSmall);
        assert_eq!(frame_hint(&obs(true, 90, 120)), HintKind::Blurred);
    }

    #[test]
    fn hints_settle_and_announcements_are_throttled() {
        let mut h = HintState::new(0);
        // "Nothing" within the opening moment stays "aim".
        assert_eq!(h.observe(HintKind::NothingInView, 100), None);
        assert_eq!(h.shown(), HintKind::Aim);
        // After it, it must hold SETTLE_MS.
        assert_eq!(h.observe(HintKind::NothingInView, 2_600), None);
        let c = h.observe(HintKind::NothingInView, 3_100).unwrap();
        assert_eq!(
            c,
            HintChange {
                shown: HintKind::NothingInView,
                announce: true
            }
        );
        // Flicker between two hints: nothing shows until one holds.
        assert_eq!(h.observe(HintKind::TooDark, 3_200), None);
        assert_eq!(h.observe(HintKind::NothingInView, 3_300), None);
        assert_eq!(h.observe(HintKind::TooDark, 3_400), None);
        let c = h.observe(HintKind::TooDark, 3_900).unwrap();
        // Shown, but announced only 4 s after the last announcement.
        assert_eq!(
            c,
            HintChange {
                shown: HintKind::TooDark,
                announce: false
            }
        );
        // A read code shows at once.
        let c = h.observe(HintKind::BankTransfer, 8_000).unwrap();
        assert_eq!(
            c,
            HintChange {
                shown: HintKind::BankTransfer,
                announce: true
            }
        );
        // 100 frames of the same: no change, no announcement.
        for i in 0..100 {
            assert_eq!(h.observe(HintKind::BankTransfer, 8_000 + i * 33), None);
        }
    }
}
