//! The web portal (accounts, venue registration, posters, staff enrolment, ward and tracing
//! views). Owned by the portal work; the server merges [`router`] into its routes.

use axum::Router;

use crate::state::AppState;

/// The portal's routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
