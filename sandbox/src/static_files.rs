//! Static files: `--www` at `/`, `--pkg` at `/pkg/`, with exact MIME types for `.wasm` and
//! `.js`, and the strict Content-Security-Policy on HTML pages when `--csp` is set.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

use crate::{SandboxConfig, GRAPHQL_PATH, LINK_SCRIPT_PATH, STRICT_CSP};

/// The MIME type the sandbox insists on for a path's extension, if any.
pub(crate) fn forced_mime(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "wasm" => Some("application/wasm"),
        "js" | "mjs" => Some("text/javascript; charset=utf-8"),
        _ => None,
    }
}

/// Adds the static services and the header fix-ups to `router`.
pub(crate) fn attach(router: Router, config: &SandboxConfig) -> Router {
    let mut router = router;
    if let Some(pkg) = &config.pkg_dir {
        router = router.nest_service("/pkg", ServeDir::new(pkg));
    }
    router = match &config.www_dir {
        Some(www) => router.fallback_service(ServeDir::new(www)),
        None => router.route("/", get(index)),
    };
    router.layer(middleware::from_fn_with_state(config.csp, fix_headers))
}

async fn fix_headers(State(csp): State<bool>, request: Request, next: Next) -> Response {
    let mime = forced_mime(request.uri().path());
    let mut response = next.run(request).await;
    let ok = response.status().is_success();
    let headers = response.headers_mut();
    if ok {
        if let Some(mime) = mime {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
        }
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if csp && is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(STRICT_CSP),
        );
    }
    response
}

async fn index() -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>quiltt-sandbox</title></head><body>\
<h1>quiltt-sandbox</h1>\
<p>A local stand-in for Quiltt's GraphQL API and Plaid Link. No <code>--www</code> directory \
was given, so there is no demo page here.</p><ul>\
<li>GraphQL: <code>POST {GRAPHQL_PATH}</code> with <code>Authorization: Bearer &lt;session token&gt;</code></li>\
<li>Plaid Link stand-in: <a href=\"{LINK_SCRIPT_PATH}\">{LINK_SCRIPT_PATH}</a></li>\
<li>Connections: <a href=\"/__sandbox/connections\">/__sandbox/connections</a></li>\
<li>Schema: <a href=\"/__sandbox/schema.graphql\">/__sandbox/schema.graphql</a></li>\
</ul></body></html>\n"
    ))
}
