//! Vietnamese first, English on request: `?lang=en` (remembered in a cookie) or the
//! `qm_lang` cookie.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// Cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "qm_lang";

/// The portal's two languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Tiếng Việt (the default).
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// `vi` or `en` (also the HTML `lang` attribute).
    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// Parses `vi` / `en`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks the text in this language.
    pub fn t<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Vi => vi,
            Self::En => en,
        }
    }

    /// The language a request asks for: `?lang=` first, then the cookie, then Vietnamese.
    pub fn from_parts(parts: &Parts) -> Self {
        query_lang(parts.uri.query())
            .or_else(|| {
                super::auth::cookie(&parts.headers, LANG_COOKIE).and_then(|v| Self::parse(&v))
            })
            .unwrap_or_default()
    }
}

/// The `lang` parameter of a query string, if it names a language.
pub fn query_lang(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_parts(parts))
    }
}

/// A message in both languages (validation errors, row errors, flashes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Vietnamese.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Msg {
    /// A message from two texts.
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.t(&self.vi, &self.en)
    }
}
