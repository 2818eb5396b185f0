//! Serving the built client: precompressed files when the build made them,
//! the app shell for client-side routes, and cache headers that let a
//! tablet keep hashed assets forever but always revalidate the shell.

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, IF_MODIFIED_SINCE, IF_UNMODIFIED_SINCE,
    LAST_MODIFIED, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
// API answers carry patient data: no browser or proxy cache may keep them.
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// Only this origin's own files run, and nothing inline: the build moves
/// Trunk's inline bootstrap into a file (scripts/post-build.mjs).
/// 'wasm-unsafe-eval' lets the page compile its WebAssembly, nothing more.
/// The shell's own answer adds the hash of each `<style>` block it
/// carries ([`shell_policy`]): the stylesheet is inlined by the build so
/// the first paint waits for no second request.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'";
/// No window opened from elsewhere keeps a handle on the app's.
pub const CROSS_ORIGIN_OPENER_POLICY: &str = "same-origin";
/// Devices the app never uses. Only features Chromium knows (an unknown one,
/// such as the retired `interest-cohort`, is a console warning).
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// [`CSP`] with `style-src` also allowing each `<style>` block of `html`
/// by its SHA-256 (the build inlines the stylesheet into `index.html`,
/// scripts/post-build.mjs). Style attributes stay refused, and so does any
/// other inline style: only these exact blocks are allowed.
pub fn shell_policy(html: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let mut sources = String::new();
    let mut rest = html;
    while let Some(open) = rest.find("<style") {
        let Some(start) = rest[open..].find('>').map(|i| open + i + 1) else {
            break;
        };
        let Some(len) = rest[start..].find("</style") else {
            break;
        };
        let digest = Sha256::digest(&rest.as_bytes()[start..start + len]);
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        sources.push_str(&format!(" 'sha256-{hash}'"));
        rest = &rest[start + len..];
    }
    CSP.replacen("style-src 'self'", &format!("style-src 'self'{sources}"), 1)
}

/// Sets [`shell_policy`] on the HTML answers (the shell, under any route),
/// read from `index.html` as it is now: a new build copied over a running
/// server is served with its own hashes.
async fn with_shell_policy(index: std::path::PathBuf, mut res: Response) -> Response {
    let html = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if html
        && let Ok(text) = tokio::fs::read_to_string(&index).await
        && let Ok(value) = HeaderValue::try_from(shell_policy(&text))
    {
        res.headers_mut().insert(CONTENT_SECURITY_POLICY, value);
    }
    res
}

/// Files under `dir`, with `index.html` for any path that looks like a route
/// of the app (no file extension), so deep links and reloads work.
pub fn service(dir: &Path) -> Router {
    let index = dir.join("index.html");
    let policy_index = index.clone();
    let shell = move |req: Request| async move {
        if looks_like_file(req.uri().path()) {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        }
        match ServeFile::new(index)
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(req)
            .await
        {
            Ok(r) => r.map(Body::new),
            Err(never) => match never {},
        }
    };
    Router::new()
        .fallback_service(
            ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(shell.into_service()),
        )
        .layer(axum::middleware::map_response(move |res: Response| {
            with_shell_policy(policy_index.clone(), res)
        }))
}

fn looks_like_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
}

/// Trunk names built assets `name-<16 hex digits>[_bg].ext`: their content
/// can never change under that name.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(file) = path.rsplit('/').next() else {
        return false;
    };
    let Some((stem, _ext)) = file.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Sets `Cache-Control` by what the response is, and the headers every page
/// of a PHI-handling app should carry (API answers too: a JSON error opened
/// in a tab is a page).
pub async fn headers(mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    // The shell (index.html, sw.js, the manifest) is revalidated on every
    // start, and a file's date says nothing about its content: deployments
    // that keep or normalise dates (`cp -p`, rsync -t, reproducible container
    // images) and two builds within one second share a Last-Modified, and a
    // 304 would keep every tablet on the old build. These files are small:
    // they are always sent whole.
    let shell = !path.starts_with("/api") && !is_hashed_asset(&path);
    if shell {
        req.headers_mut().remove(IF_MODIFIED_SINCE);
        req.headers_mut().remove(IF_UNMODIFIED_SINCE);
    }
    let mut res = next.run(req).await;
    if shell {
        res.headers_mut().remove(LAST_MODIFIED);
    }
    let event_stream = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/event-stream"));
    let cache = if event_stream {
        // The live channel: no patient data, never cached, as SSE wants.
        REVALIDATE
    } else if path.starts_with("/api/") || path == "/api" {
        NO_STORE
    } else if is_hashed_asset(&path) && res.status().is_success() {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let h = res.headers_mut();
    h.insert(CACHE_CONTROL, cache);
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // The shell's answer carries its own (CSP with its styles' hashes).
    if !h.contains_key(CONTENT_SECURITY_POLICY) {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static(CROSS_ORIGIN_OPENER_POLICY),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS_POLICY),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_hashed_asset("/advocase-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/advocase-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed_asset("/main-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/manifest.webmanifest"));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
        assert!(!is_hashed_asset("/advocase-xyz.js"));
    }

    #[test]
    fn the_shell_policy_allows_its_style_blocks_by_hash_and_nothing_else() {
        assert_eq!(shell_policy("<!doctype html><title>A</title>"), CSP);
        let html =
            "<html><head><style>body{margin:0}</style></head><body><style media=print>p{}</style>";
        let policy = shell_policy(html);
        // sha256("body{margin:0}") and sha256("p{}"), base64.
        assert!(
            policy.contains(
                "style-src 'self' 'sha256-IAdwN3biDCQ3brrgp1m8kBEsPQYyqfREKOEfeoREopc=' 'sha256-"
            ),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{policy}"
        );
        // An unclosed block allows nothing.
        assert_eq!(shell_policy("<style>body{"), CSP);
    }

    #[test]
    fn routes_without_extension_are_not_files() {
        assert!(!looks_like_file("/settings"));
        assert!(!looks_like_file("/cases/0192"));
        assert!(looks_like_file("/missing.js"));
    }
}
