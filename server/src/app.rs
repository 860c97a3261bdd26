//! The whole service: router, start-up (schema, partitions, admin bootstrap, retention job) and
//! the listener.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// Every route: device and tool JSON API, web check-in page, portal.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::api::router())
        .merge(crate::web::router())
        .merge(crate::portal::router())
        .merge(crate::well_known::router())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Brings the database up to date and makes the partitions the window needs.
pub async fn prepare(state: &AppState) -> Result<(), crate::db::DbError> {
    crate::db::schema::migrate(&state.db).await?;
    crate::retention::prepare(state).await?;
    Ok(())
}

/// Serves until Ctrl-C / SIGTERM, with the retention job every `purge_every`.
pub async fn serve(
    state: AppState,
    listen: SocketAddr,
    purge_every: Duration,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let purge = crate::retention::spawn(state.clone(), purge_every);
    tracing::info!(%listen, "listening");
    // The peer address feeds the web check-in rate limit (`web::client_address`).
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let r = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await;
    purge.abort();
    r
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
