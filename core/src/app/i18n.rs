//! The app's texts: one Fluent catalog per language (`texts/vi.ftl`, `texts/en.ftl`), compiled
//! into the library, switchable at run time. Fluent (Mozilla's localisation system) gives
//! plurals and variables in the translator's hands, and one catalog serves both shells.
//!
//! A missing message or argument never panics: the message id is shown, and a test checks that
//! both catalogs define the same ids with no errors.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The app's languages. Vietnamese is the default.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
}

impl Language {
    /// Both, Vietnamese first.
    pub const ALL: [Language; 2] = [Language::Vi, Language::En];

    /// BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// The language for a tag (`vi`, `en-GB`, …); `None` for others.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Its own name, as a language picker shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::Vi => "Tiếng Việt",
            Self::En => "English",
        }
    }
}

const VI: &str = include_str!("texts/vi.ftl");
const EN: &str = include_str!("texts/en.ftl");

/// The compiled catalogs.
pub struct Texts {
    vi: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Texts")
    }
}

fn bundle(lang: Language, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around variables: the shells show plain strings.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => r,
        Err((r, errors)) => {
            tracing::error!(
                ?lang,
                count = errors.len(),
                "text catalog has syntax errors"
            );
            r
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            ?lang,
            count = errors.len(),
            "text catalog has duplicate ids"
        );
    }
    bundle
}

impl Default for Texts {
    fn default() -> Self {
        Self::new()
    }
}

impl Texts {
    /// Both catalogs.
    pub fn new() -> Self {
        Self {
            vi: bundle(Language::Vi, VI),
            en: bundle(Language::En, EN),
        }
    }

    fn bundle(&self, lang: Language) -> &FluentBundle<FluentResource> {
        match lang {
            Language::Vi => &self.vi,
            Language::En => &self.en,
        }
    }

    /// The message `id` in `lang`, without arguments.
    pub fn get(&self, lang: Language, id: &str) -> String {
        self.format(lang, id, None)
    }

    /// The message `id` in `lang` with `args` (name, value) pairs.
    pub fn with(&self, lang: Language, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fa = FluentArgs::new();
        for (k, v) in args {
            match v {
                Arg::Str(s) => fa.set(*k, FluentValue::from(*s)),
                Arg::Num(n) => fa.set(*k, FluentValue::from(*n)),
            }
        }
        self.format(lang, id, Some(&fa))
    }

    fn format(&self, lang: Language, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(id, ?lang, "missing text");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(id, ?lang, "text formatted with errors");
        }
        text.into_owned()
    }

    /// Every message id of a catalog (for the catalog tests).
    #[doc(hidden)]
    pub fn ids(lang: Language) -> Vec<String> {
        let source = match lang {
            Language::Vi => VI,
            Language::En => EN,
        };
        let Ok(resource) = FluentResource::try_new(source.to_owned()) else {
            return Vec::new();
        };
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }
}

/// A message argument.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// Text.
    Str(&'a str),
    /// A number (plural rules apply).
    Num(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_parse_and_define_the_same_ids() {
        for (lang, src) in [(Language::Vi, VI), (Language::En, EN)] {
            assert!(
                FluentResource::try_new(src.to_owned()).is_ok(),
                "{lang:?} catalog has syntax errors"
            );
        }
        let mut vi = Texts::ids(Language::Vi);
        let mut en = Texts::ids(Language::En);
        vi.sort();
        en.sort();
        let only_vi: Vec<_> = vi.iter().filter(|i| !en.contains(i)).collect();
        let only_en: Vec<_> = en.iter().filter(|i| !vi.contains(i)).collect();
        assert!(
            only_vi.is_empty() && only_en.is_empty(),
            "vi only {only_vi:?}, en only {only_en:?}"
        );
        assert!(vi.len() > 100, "catalog has {} messages", vi.len());
    }

    #[test]
    fn variables_and_plurals() {
        let t = Texts::new();
        assert_eq!(
            t.with(Language::En, "people-count", &[("count", Arg::Num(1))]),
            "1 person"
        );
        assert_eq!(
            t.with(Language::En, "people-count", &[("count", Arg::Num(3))]),
            "3 people"
        );
        assert_eq!(
            t.with(Language::Vi, "people-count", &[("count", Arg::Num(3))]),
            "3 người"
        );
        assert_eq!(t.get(Language::Vi, "no-such-message"), "no-such-message");
    }

    #[test]
    fn language_tags() {
        assert_eq!(Language::from_tag("vi-VN"), Some(Language::Vi));
        assert_eq!(Language::from_tag("en_GB"), Some(Language::En));
        assert_eq!(Language::from_tag("fr"), None);
    }
}
