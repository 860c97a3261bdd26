//! Every sound and vibration the app makes, described once. Each outcome has its own pair, so a
//! person who cannot see the screen (or is looking at the visitor, not the phone) knows what
//! happened: one short buzz and a high beep for "counted", two soft taps and a low tone for
//! "already counted", one long buzz and the error tone for "refused".

use super::Effect;

/// A sound. The shell maps each cue to one platform tone (Android `ToneGenerator`, iOS system
/// sounds), the same cue always to the same tone.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoundCue {
    /// A check-in made (citizen), a visitor counted (business): one high beep.
    Success,
    /// The same visitor again within the dedupe window: one low tone.
    AlreadyCounted,
    /// Refused or unreadable: the error tone.
    Rejected,
    /// A code that is not ours (a bank transfer code, a link): two short low beeps.
    Foreign,
}

/// A vibration: alternating wait and buzz durations in ms (Android's `VibrationEffect`
/// waveform form; iOS plays the buzzes as haptic taps at those times).
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HapticPattern {
    /// `[wait, buzz, wait, buzz, …]` in ms.
    pub timings_ms: Vec<u32>,
}

impl HapticPattern {
    fn of(t: &[u32]) -> Self {
        Self {
            timings_ms: t.to_vec(),
        }
    }
}

/// What happened, for the feedback it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Checked in / counted.
    Success,
    /// Already counted.
    AlreadyCounted,
    /// Refused.
    Rejected,
    /// A code that is not ours.
    Foreign,
}

/// The sound and vibration for an outcome.
pub fn effects(outcome: Outcome) -> [Effect; 2] {
    let (cue, pattern) = match outcome {
        Outcome::Success => (SoundCue::Success, HapticPattern::of(&[0, 60])),
        Outcome::AlreadyCounted => (
            SoundCue::AlreadyCounted,
            HapticPattern::of(&[0, 30, 90, 30]),
        ),
        Outcome::Rejected => (SoundCue::Rejected, HapticPattern::of(&[0, 400])),
        Outcome::Foreign => (SoundCue::Foreign, HapticPattern::of(&[0, 120, 80, 120])),
    };
    [Effect::PlaySound { cue }, Effect::Vibrate { pattern }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_sounds_and_feels_different() {
        let all = [
            Outcome::Success,
            Outcome::AlreadyCounted,
            Outcome::Rejected,
            Outcome::Foreign,
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                let (ea, eb) = (effects(*a), effects(*b));
                assert_ne!(ea[0], eb[0], "{a:?} and {b:?} sound the same");
                assert_ne!(ea[1], eb[1], "{a:?} and {b:?} vibrate the same");
            }
        }
    }
}
