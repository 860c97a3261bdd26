//! Links that open the app (Android App Links, iOS Universal Links): a poster URL lands on the
//! confirm screen, an enrolment URL on the enrolment screen, a case-code URL on the "share my
//! history" preview, anything else on home with a note.

use super::view::{Banner, Level};
use super::{App, Effect, Route};
use crate::payload::{Scanned, classify};

impl App {
    /// A URL that opened the app.
    pub(crate) fn open_url(&mut self, url: &str) -> Vec<Effect> {
        match classify(url, &self.trust) {
            Scanned::Venue(poster) => {
                let mut fx = self.navigate(Route::Home);
                fx.extend(self.begin_confirm(poster, url));
                fx
            }
            Scanned::Enrolment(link) => self.enrolment_link(link),
            Scanned::CaseCode(link) => self.case_code_link(link),
            Scanned::Invalid(_) => {
                self.notice = Some(Banner {
                    text: self.t("link-bad-poster"),
                    level: Level::Danger,
                    action: None,
                });
                self.navigate(Route::Home)
            }
            _ => {
                self.notice = Some(Banner {
                    text: self.t("link-unknown"),
                    level: Level::Warning,
                    action: None,
                });
                self.navigate(Route::Home)
            }
        }
    }
}
