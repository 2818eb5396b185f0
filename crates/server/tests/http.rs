//! The server's HTTP surface, driven through the router with no socket.

use advocase_core::api::{ApiError, HealthReport};
use advocase_server::{AppState, app, db};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

const WASM: &str = "advocase-0123456789abcdef_bg.wasm";
const JS: &str = "advocase-0123456789abcdef.js";

/// A static dir shaped like Trunk's output, and a fresh migrated database.
async fn fixture() -> (Router, TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(dist.join("icons")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        format!(
            "<!doctype html><title>Advocase</title>{}",
            "<!-- shell -->".repeat(40)
        ),
    )
    .unwrap();
    // Magic number plus enough body to be worth compressing.
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(std::iter::repeat_n(b"advocase ".as_slice(), 500).flatten());
    std::fs::write(dist.join(WASM), wasm).unwrap();
    std::fs::write(dist.join(JS), "export function init() {}\n".repeat(50)).unwrap();
    std::fs::write(
        dist.join("sw.js"),
        "self.addEventListener('fetch', () => {});\n".repeat(10),
    )
    .unwrap();
    std::fs::write(
        dist.join("manifest.webmanifest"),
        r#"{"name":"Advocase","short_name":"Advocase","display":"standalone"}"#,
    )
    .unwrap();
    let pool = db::open_sqlite(&tmp.path().join("data/advocase.db"))
        .await
        .unwrap();
    (app(AppState::new(pool), &dist), tmp)
}

async fn get(
    router: &Router,
    uri: &str,
    accept_encoding: Option<&str>,
) -> axum::response::Response {
    let mut req = Request::get(uri);
    if let Some(enc) = accept_encoding {
        req = req.header(header::ACCEPT_ENCODING, enc);
    }
    router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

async fn body_bytes(res: axum::response::Response) -> Vec<u8> {
    res.into_body().collect().await.unwrap().to_bytes().to_vec()
}

fn header_of(res: &axum::response::Response, name: header::HeaderName) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn health_reports_version_and_a_migrated_database() {
    let (router, _tmp) = fixture().await;
    let res = get(&router, "/api/health", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "application/json");
    assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-store");
    let report: HealthReport = serde_json::from_slice(&body_bytes(res).await).unwrap();
    assert_eq!(report.status, "ok");
    assert_eq!(report.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(report.database.status, "ok");
    assert_eq!(report.database.backend, "sqlite");
    assert_eq!(report.database.schema_version, Some(db::known_migrations()));
    assert!(db::known_migrations() >= 2);
}

#[tokio::test]
async fn health_says_degraded_when_the_database_is_gone() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), "x").unwrap();
    let pool = db::open_sqlite(&tmp.path().join("a.db")).await.unwrap();
    pool.close().await;
    let router = app(AppState::new(pool), tmp.path());
    let res = get(&router, "/api/health", None).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let report: HealthReport = serde_json::from_slice(&body_bytes(res).await).unwrap();
    assert_eq!(report.status, "degraded");
    assert_eq!(report.database.status, "error");
    assert_eq!(report.database.schema_version, None);
}

#[tokio::test]
async fn reopening_a_database_does_not_rerun_migrations() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("advocase.db");
    db::open_sqlite(&path).await.unwrap().close().await;
    let pool = db::open_sqlite(&path).await.unwrap();
    assert_eq!(
        db::health(&pool).await.schema_version,
        Some(db::known_migrations())
    );
}

#[tokio::test]
async fn every_sqlite_connection_is_durable_and_waits_for_locks() {
    let tmp = tempfile::tempdir().unwrap();
    let db = db::open_sqlite(&tmp.path().join("a.db")).await.unwrap();
    // Several at once, so they are distinct connections of the pool.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(db.pool.acquire().await.unwrap());
    }
    for conn in &mut conns {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        for (pragma, want) in [
            ("synchronous", 2),
            ("foreign_keys", 1),
            ("busy_timeout", 5000),
        ] {
            let got: i64 = sqlx::query_scalar(&format!("PRAGMA {pragma}"))
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(got, want, "PRAGMA {pragma}");
        }
    }
}

#[tokio::test]
async fn unknown_api_route_is_a_json_404_and_wrong_method_a_json_405() {
    let (router, _tmp) = fixture().await;
    let res = get(&router, "/api/no-such-thing?patient=Jane", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "application/json");
    let err: ApiError = serde_json::from_slice(&body_bytes(res).await).unwrap();
    assert_eq!(err.error, "not_found");
    assert!(err.message.contains("/api/no-such-thing"));
    assert!(
        !err.message.contains("Jane"),
        "query strings may hold PHI and are never echoed"
    );

    let res = router
        .clone()
        .oneshot(Request::post("/api/health").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let err: ApiError = serde_json::from_slice(&body_bytes(res).await).unwrap();
    assert_eq!(err.error, "method_not_allowed");

    // Nested and merged routes answer the same way.
    for (method, uri) in [("GET", "/api/sync/push"), ("DELETE", "/api/login")] {
        let req = Request::builder().method(method).uri(uri);
        let res = router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{uri}");
        let err: ApiError = serde_json::from_slice(&body_bytes(res).await).unwrap();
        assert_eq!(err.error, "method_not_allowed");
    }
    let res = get(&router, "/api/sync/nothing", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let err: ApiError = serde_json::from_slice(&body_bytes(res).await).unwrap();
    assert_eq!(err.error, "not_found");
}

#[tokio::test]
async fn assets_have_their_mime_types_and_cache_rules() {
    let (router, _tmp) = fixture().await;
    let cases = [
        (
            format!("/{WASM}"),
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
        (
            format!("/{JS}"),
            "text/javascript",
            "public, max-age=31536000, immutable",
        ),
        ("/".to_owned(), "text/html", "no-cache"),
        ("/index.html".to_owned(), "text/html", "no-cache"),
        ("/sw.js".to_owned(), "text/javascript", "no-cache"),
        (
            "/manifest.webmanifest".to_owned(),
            "application/manifest+json",
            "no-cache",
        ),
    ];
    for (path, mime, cache) in cases {
        let res = get(&router, &path, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(
            header_of(&res, header::CONTENT_TYPE).starts_with(mime),
            "{path}: {:?}",
            res.headers()
        );
        assert_eq!(header_of(&res, header::CACHE_CONTROL), cache, "{path}");
        assert_eq!(
            header_of(&res, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_shell_is_sent_whole_whatever_its_file_date_says() {
    // A deployment that keeps file dates must still reach every tablet: the
    // service worker's update check is a conditional request.
    let (router, _tmp) = fixture().await;
    for path in ["/sw.js", "/index.html", "/", "/cases"] {
        let res = router
            .clone()
            .oneshot(
                Request::get(path)
                    .header(header::IF_MODIFIED_SINCE, "Fri, 01 Jan 2100 00:00:00 GMT")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(header_of(&res, header::LAST_MODIFIED), "", "{path}");
        assert!(!body_bytes(res).await.is_empty(), "{path}");
    }
    // Hashed assets never change under their name: they keep their validator.
    let res = get(&router, &format!("/{WASM}"), None).await;
    assert_ne!(header_of(&res, header::LAST_MODIFIED), "");
}

#[tokio::test]
async fn app_routes_get_the_shell_but_missing_files_get_404() {
    let (router, _tmp) = fixture().await;
    let res = get(&router, "/settings", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-cache");
    assert!(
        String::from_utf8(body_bytes(res).await)
            .unwrap()
            .contains("<title>Advocase</title>")
    );

    let res = get(&router, "/advocase-ffffffffffffffff.js", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        header_of(&res, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable",
        "a 404 must never be cached forever"
    );
}

#[tokio::test]
async fn responses_are_compressed_with_brotli_or_gzip_as_the_browser_asks() {
    let (router, _tmp) = fixture().await;
    let plain = body_bytes(get(&router, &format!("/{WASM}"), None).await).await;

    let res = get(&router, &format!("/{WASM}"), Some("br")).await;
    assert_eq!(header_of(&res, header::CONTENT_ENCODING), "br");
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "application/wasm");
    let br = body_bytes(res).await;
    assert!(
        br.len() < plain.len() / 4,
        "brotli {} vs plain {}",
        br.len(),
        plain.len()
    );

    let res = get(&router, "/index.html", Some("gzip")).await;
    assert_eq!(header_of(&res, header::CONTENT_ENCODING), "gzip");
    let gz = body_bytes(res).await;
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic");

    let res = get(&router, "/api/health", Some("gzip")).await;
    assert_eq!(
        header_of(&res, header::CONTENT_ENCODING),
        "gzip",
        "API JSON is compressed too"
    );
}

#[tokio::test]
async fn api_answers_are_compressed_with_zstd_or_brotli_as_the_client_offers() {
    let (router, _tmp) = fixture().await;
    let plain = body_bytes(get(&router, "/api/health", None).await).await;
    // What Chromium and Firefox send: zstd, the cheapest of the four.
    let res = get(&router, "/api/health", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(header_of(&res, header::CONTENT_ENCODING), "zstd");
    let zst = body_bytes(res).await;
    assert_eq!(zstd::decode_all(&zst[..]).unwrap(), plain);
    // Safari: brotli.
    let res = get(&router, "/api/health", Some("gzip, deflate, br")).await;
    assert_eq!(header_of(&res, header::CONTENT_ENCODING), "br");
    let br = body_bytes(res).await;
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
    assert_eq!(out, plain);
}

#[tokio::test]
async fn precompressed_files_from_the_build_are_served_as_they_are() {
    let (router, tmp) = fixture().await;
    // The build writes .br next to each asset; the server must send those
    // bytes, not compress again (it could not do as well on the fly).
    let marker = b"precompressed-by-the-build";
    std::fs::write(tmp.path().join("dist").join(format!("{JS}.br")), marker).unwrap();
    let res = get(&router, &format!("/{JS}"), Some("br, gzip")).await;
    assert_eq!(header_of(&res, header::CONTENT_ENCODING), "br");
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "text/javascript");
    assert_eq!(body_bytes(res).await, marker);
}
