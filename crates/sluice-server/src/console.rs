//! The web console: static HTML, CSS and JavaScript modules compiled into the binary
//! (`include_str!`), served at `/` without a token. The pages call the public API with
//! the token the user enters (kept in the browser's sessionStorage), so the console can
//! do nothing a client of the API cannot.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// The console's files: path under `/console/`, content type, content.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", "text/javascript; charset=utf-8", include_str!("../console/app.js")),
    ("sql.js", "text/javascript; charset=utf-8", include_str!("../console/sql.js")),
    ("charts.js", "text/javascript; charset=utf-8", include_str!("../console/charts.js")),
    ("style.css", "text/css; charset=utf-8", include_str!("../console/style.css")),
];

const INDEX: &str = include_str!("../console/index.html");

/// `/` and `/console/{file}`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/", get(index)).route("/console/{file}", get(asset))
}

async fn index() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")], INDEX).into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => ([(header::CONTENT_TYPE, *kind), (header::CACHE_CONTROL, "no-cache")], *body).into_response(),
        None => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "no such file in the console").into_response(),
    }
}
