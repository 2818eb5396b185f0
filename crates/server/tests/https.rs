//! HTTPS: the security headers every answer carries, HSTS only over TLS,
//! the HTTP-to-HTTPS redirect, `make-certs`' CA and server certificate, and
//! a real TLS listener answering a client that trusts only that CA.

#[path = "support/https_client.rs"]
mod https_client;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use advocase_server::certs::{self, CertError, KeyOutcome};
use advocase_server::static_files::{CROSS_ORIGIN_OPENER_POLICY, CSP, PERMISSIONS_POLICY};
use advocase_server::tls::{self, Https};
use advocase_server::{AppState, app, db};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tempfile::TempDir;
use tower::ServiceExt;
use x509_parser::prelude::{GeneralName, X509Certificate};

const HOSTS: [&str; 2] = ["advocase.ward.example", "10.0.0.5"];

/// A static dir with a shell, and a fresh migrated database.
async fn fixture() -> (Router, TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Advocase</title>",
    )
    .unwrap();
    let pool = db::open_sqlite(&tmp.path().join("data/advocase.db"))
        .await
        .unwrap();
    (app(AppState::new(pool), &dist), tmp)
}

async fn oneshot(router: &Router, req: Request<Body>) -> axum::response::Response {
    router.clone().oneshot(req).await.unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn header_of(res: &axum::response::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn pages_and_api_answers_carry_the_security_headers_but_no_hsts_over_http() {
    let (router, _tmp) = fixture().await;
    for uri in ["/", "/settings", "/api/health", "/api/nope", "/missing.js"] {
        let res = oneshot(&router, get(uri)).await;
        let csp = header_of(&res, "content-security-policy").unwrap_or_default();
        assert_eq!(csp, CSP, "{uri}");
        assert!(!csp.contains("unsafe-inline"), "{uri}");
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{uri}: {csp}");
        }
        assert_eq!(
            header_of(&res, "cross-origin-opener-policy").as_deref(),
            Some(CROSS_ORIGIN_OPENER_POLICY),
            "{uri}"
        );
        assert_eq!(CROSS_ORIGIN_OPENER_POLICY, "same-origin");
        let permissions = header_of(&res, "permissions-policy").unwrap_or_default();
        assert_eq!(permissions, PERMISSIONS_POLICY, "{uri}");
        for feature in ["camera=()", "microphone=()", "geolocation=()"] {
            assert!(permissions.contains(feature), "{uri}: {permissions}");
        }
        assert_eq!(
            header_of(&res, "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            header_of(&res, "strict-transport-security"),
            None,
            "{uri}: HSTS only over TLS"
        );
    }
}

#[tokio::test]
async fn the_shell_answer_allows_its_inlined_stylesheet_by_hash_only() {
    let (router, tmp) = fixture().await;
    let css = "body{margin:0}";
    std::fs::write(
        tmp.path().join("dist/index.html"),
        format!("<!doctype html><title>Advocase</title><style>{css}</style>"),
    )
    .unwrap();
    let policy = advocase_server::static_files::shell_policy(&format!("<style>{css}</style>"));
    assert_ne!(policy, CSP);
    for uri in ["/", "/settings", "/index.html"] {
        let res = oneshot(&router, get(uri)).await;
        assert_eq!(
            header_of(&res, "content-security-policy"),
            Some(policy.clone()),
            "{uri}"
        );
    }
    // Everything else keeps the plain policy.
    for uri in ["/api/health", "/missing.js"] {
        let res = oneshot(&router, get(uri)).await;
        assert_eq!(
            header_of(&res, "content-security-policy").as_deref(),
            Some(CSP),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn the_tls_router_adds_hsts_to_every_answer() {
    let (router, _tmp) = fixture().await;
    let router = tls::with_hsts(router);
    for uri in ["/", "/api/health", "/api/nope", "/missing.js"] {
        let res = oneshot(&router, get(uri)).await;
        assert_eq!(
            header_of(&res, "strict-transport-security").as_deref(),
            Some("max-age=31536000"),
            "{uri}"
        );
        assert_eq!(
            header_of(&res, "content-security-policy").as_deref(),
            Some(CSP)
        );
    }
}

#[tokio::test]
async fn the_redirect_listener_sends_every_request_to_https_keeping_path_and_query() {
    let redirect = tls::redirect_app(8443);
    let cases = [
        (
            "advocase.ward.example",
            "/",
            "https://advocase.ward.example:8443/",
        ),
        (
            "Advocase.Ward.Example:8080",
            "/cases/0192?q=smith&x=1",
            "https://advocase.ward.example:8443/cases/0192?q=smith&x=1",
        ),
        (
            "10.0.0.5:80",
            "/api/health",
            "https://10.0.0.5:8443/api/health",
        ),
        (
            "[fe80::1]:8080",
            "/settings",
            "https://[fe80::1]:8443/settings",
        ),
    ];
    for method in [Method::GET, Method::POST, Method::HEAD] {
        for (host, path, location) in cases {
            let req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(header::HOST, host)
                .body(Body::empty())
                .unwrap();
            let res = oneshot(&redirect, req).await;
            assert_eq!(
                res.status(),
                StatusCode::PERMANENT_REDIRECT,
                "{method} {host}{path}"
            );
            assert_eq!(header_of(&res, "location").as_deref(), Some(location));
            assert_eq!(header_of(&res, "strict-transport-security"), None);
        }
    }

    // The standard port is left out.
    let req = Request::get("/x?y")
        .header(header::HOST, "advocase.ward.example:80")
        .body(Body::empty())
        .unwrap();
    let res = oneshot(&tls::redirect_app(443), req).await;
    assert_eq!(
        header_of(&res, "location").as_deref(),
        Some("https://advocase.ward.example/x?y")
    );

    let res = oneshot(&redirect, get("/")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "no Host header");
    for bad in [
        "",
        "evil.example/path",
        "user@advocase.ward.example",
        "advocase.ward.example:99999",
        "advocase.ward.example:",
        "a b",
        "[zz]:80",
        "::1",
    ] {
        let req = Request::get("/")
            .header(header::HOST, bad)
            .body(Body::empty())
            .unwrap();
        let res = oneshot(&redirect, req).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(header_of(&res, "location"), None, "{bad:?}");
    }
}

fn make(dir: &Path, hosts: &[&str], force: bool) -> Result<certs::Issued, CertError> {
    certs::make(
        &certs::Request {
            dir: dir.to_path_buf(),
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            force,
        },
        time::OffsetDateTime::now_utc(),
    )
}

fn pem_certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn parse<'a>(der: &'a CertificateDer<'_>) -> X509Certificate<'a> {
    x509_parser::parse_x509_certificate(der).unwrap().1
}

fn days(cert: &X509Certificate<'_>) -> i64 {
    let v = cert.validity();
    (v.not_after.to_datetime() - v.not_before.to_datetime()).whole_days()
}

/// The chain verifies for `name` against a store holding only ca.pem.
fn verifies_for(dir: &Path, name: &str) -> Result<(), rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in pem_certs(&dir.join("ca.pem")) {
        roots.add(ca).unwrap();
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .unwrap();
    let chain = pem_certs(&dir.join("server.pem"));
    verifier
        .verify_server_cert(
            &chain[0],
            &chain[1..],
            &ServerName::try_from(name.to_owned()).unwrap(),
            &[],
            UnixTime::now(),
        )
        .map(|_| ())
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[cfg(unix)]
fn mode(dir: &Path, name: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(dir.join(name))
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn make_certs_writes_a_ca_and_a_server_certificate_that_chains_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    let issued = make(&dir, &HOSTS, false).unwrap();
    assert!(!issued.ca_reused);
    assert_eq!(issued.server_key, KeyOutcome::New);

    let ca_der = pem_certs(&dir.join("ca.pem"));
    assert_eq!(ca_der.len(), 1);
    let ca = parse(&ca_der[0]);
    assert!(ca.is_ca());
    assert_eq!(
        ca.basic_constraints()
            .unwrap()
            .unwrap()
            .value
            .path_len_constraint,
        Some(0)
    );
    let ca_days = days(&ca);
    assert!((3650..=3654).contains(&ca_days), "CA valid {ca_days} days");
    assert_eq!(issued.ca_fingerprint, certs::fingerprint(&ca_der[0]));

    // Leaf first, then the CA.
    let chain = pem_certs(&dir.join("server.pem"));
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], ca_der[0]);
    let leaf = parse(&chain[0]);
    assert!(!leaf.is_ca());
    assert_eq!(leaf.issuer(), ca.subject());
    let leaf_days = days(&leaf);
    assert!(
        leaf_days <= 397,
        "server certificate valid {leaf_days} days"
    );
    assert!(
        leaf_days >= 390,
        "server certificate valid {leaf_days} days"
    );
    let sans: Vec<String> = leaf
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => format!("dns:{d}"),
            GeneralName::IPAddress(ip) => format!("ip:{ip:?}"),
            other => format!("other:{other:?}"),
        })
        .collect();
    assert_eq!(sans, ["dns:advocase.ward.example", "ip:[10, 0, 0, 5]"]);
    let eku = leaf.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth);

    verifies_for(&dir, "advocase.ward.example").unwrap();
    verifies_for(&dir, "10.0.0.5").unwrap();
    assert!(verifies_for(&dir, "other.ward.example").is_err());
    assert!(verifies_for(&dir, "10.0.0.6").is_err());

    #[cfg(unix)]
    {
        assert_eq!(mode(&dir, "ca-key.pem"), 0o600);
        assert_eq!(mode(&dir, "server-key.pem"), 0o600);
        assert_eq!(mode(&dir, "ca.pem") & 0o044, 0o044, "ca.pem is for sharing");
    }

    let summary = issued.summary();
    for expected in [
        "ca.pem",
        "ca-key.pem",
        "server.pem",
        "server-key.pem",
        "advocase.ward.example, 10.0.0.5",
        &issued.ca_fingerprint,
        "advocase-server serve --addr 0.0.0.0:8443 --tls-cert",
        "curl --cacert",
        "https://advocase.ward.example:8443/api/health",
    ] {
        assert!(summary.contains(expected), "{expected}:\n{summary}");
    }
}

#[test]
fn a_second_run_keeps_the_ca_and_no_key_is_overwritten_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    make(&dir, &HOSTS, false).unwrap();
    let (ca, ca_key, key, cert) = (
        read(&dir, "ca.pem"),
        read(&dir, "ca-key.pem"),
        read(&dir, "server-key.pem"),
        read(&dir, "server.pem"),
    );

    // A renewal, with one more name: same CA, same key, a new certificate.
    let issued = make(
        &dir,
        &["advocase.ward.example", "10.0.0.5", "advocase"],
        false,
    )
    .unwrap();
    assert!(issued.ca_reused);
    assert_eq!(issued.server_key, KeyOutcome::Kept);
    assert_eq!(read(&dir, "ca.pem"), ca);
    assert_eq!(read(&dir, "ca-key.pem"), ca_key);
    assert_eq!(read(&dir, "server-key.pem"), key);
    assert_ne!(read(&dir, "server.pem"), cert);
    let old = pem_certs(&dir.join("server.pem"));
    let new_leaf = parse(&old[0]);
    let first = CertificateDer::pem_slice_iter(&cert)
        .next()
        .unwrap()
        .unwrap();
    assert_ne!(
        new_leaf.raw_serial(),
        parse(&first).raw_serial(),
        "a renewed certificate never repeats a serial number"
    );
    verifies_for(&dir, "advocase").unwrap();
    assert!(issued.summary().contains("kept"));

    // --force: a new server key, and still the same CA.
    let issued = make(&dir, &HOSTS, true).unwrap();
    assert_eq!(issued.server_key, KeyOutcome::Replaced);
    assert!(issued.ca_reused);
    assert_ne!(read(&dir, "server-key.pem"), key);
    assert_eq!(read(&dir, "ca.pem"), ca);
    assert_eq!(read(&dir, "ca-key.pem"), ca_key);
    verifies_for(&dir, "advocase.ward.example").unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&dir, "server-key.pem"), 0o600);

    // No temporary files left behind.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["ca-key.pem", "ca.pem", "server-key.pem", "server.pem"]
    );
}

#[test]
fn a_half_or_unusable_ca_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    make(&dir, &HOSTS, false).unwrap();
    let cert = read(&dir, "server.pem");

    let key = read(&dir, "ca-key.pem");
    std::fs::remove_file(dir.join("ca-key.pem")).unwrap();
    for force in [false, true] {
        let err = make(&dir, &HOSTS, force).unwrap_err();
        assert!(matches!(err, CertError::HalfCa { .. }), "{err}");
        assert!(err.to_string().contains("ca-key.pem"), "{err}");
        assert!(!dir.join("ca-key.pem").exists());
        assert_eq!(read(&dir, "server.pem"), cert, "nothing written");
    }

    // A CA file that is not a CA (the server certificate copied over it).
    std::fs::write(dir.join("ca-key.pem"), &key).unwrap();
    let ca = read(&dir, "ca.pem");
    std::fs::write(dir.join("ca.pem"), &cert[..cert.len() - ca.len()]).unwrap();
    let err = make(&dir, &HOSTS, true).unwrap_err();
    assert!(matches!(err, CertError::UnusableCa { .. }), "{err}");
    assert!(err.to_string().contains("not a CA"), "{err}");

    // A key that is not the CA's.
    std::fs::write(dir.join("ca.pem"), &ca).unwrap();
    std::fs::copy(dir.join("server-key.pem"), dir.join("ca-key.pem")).unwrap();
    let err = make(&dir, &HOSTS, true).unwrap_err();
    assert!(err.to_string().contains("not the key of ca.pem"), "{err}");
    assert_eq!(read(&dir, "server.pem"), cert, "nothing written");
}

#[test]
fn make_certs_refuses_what_is_not_a_host() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in [
        "https://advocase.ward.example",
        "advocase.ward.example:8443",
        "a b",
    ] {
        let err = make(tmp.path(), &[bad], false).unwrap_err();
        assert!(matches!(err, CertError::BadHost(_)), "{bad}: {err}");
    }
    assert!(matches!(
        make(tmp.path(), &[], false),
        Err(CertError::NoHosts)
    ));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// Certificates for `localhost` and 127.0.0.1 from make-certs, a TLS
/// listener and a redirect listener on free ports, served until `stop`.
struct Running {
    dir: PathBuf,
    https: SocketAddr,
    redirect: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<Result<(), advocase_server::config::StartError>>,
    _tmp: TempDir,
}

async fn start() -> Running {
    let (router, tmp) = fixture().await;
    let dir = tmp.path().join("certs");
    make(&dir, &["localhost", "127.0.0.1"], false).unwrap();
    let https = Https::load(
        &dir.join("server.pem"),
        &dir.join("server-key.pem"),
        Some("127.0.0.1:0".parse().unwrap()),
    )
    .unwrap();
    let listener = advocase_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let redirect = https.bind_redirect().await.unwrap().unwrap();
    let (https_addr, redirect_addr) = (
        listener.local_addr().unwrap(),
        redirect.local_addr().unwrap(),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(async move {
        tls::serve(listener, &https, Some(redirect), router, async {
            let _ = stopped.await;
        })
        .await
    });
    Running {
        dir,
        https: https_addr,
        redirect: redirect_addr,
        stop,
        served,
        _tmp: tmp,
    }
}

#[tokio::test]
async fn https_round_trip_with_a_client_trusting_only_the_made_ca() {
    let server = start().await;
    let trusting = https_client::client_config(Some(&server.dir.join("ca.pem")));

    for name in ["localhost", "127.0.0.1"] {
        let res = https_client::get_https(server.https, name, trusting.clone(), "/api/health")
            .await
            .unwrap();
        assert_eq!(res.status, StatusCode::OK, "{name}");
        assert_eq!(
            res.header("strict-transport-security"),
            Some("max-age=31536000")
        );
        assert_eq!(res.header("content-security-policy"), Some(CSP));
        let health: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
        assert!(health.get("version").is_some(), "{health}");
    }
    let page = https_client::get_https(server.https, "localhost", trusting.clone(), "/settings")
        .await
        .unwrap();
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page.body).contains("<title>Advocase</title>"));
    assert_eq!(
        page.header("strict-transport-security"),
        Some("max-age=31536000")
    );

    // A device without the CA cannot connect, and does not stop the others.
    let untrusting = https_client::client_config(None);
    let err = https_client::get_https(server.https, "localhost", untrusting, "/")
        .await
        .unwrap_err();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // Nor does one that never says hello.
    let _silent = tokio::net::TcpStream::connect(server.https).await.unwrap();
    let res = https_client::get_https(server.https, "localhost", trusting.clone(), "/")
        .await
        .unwrap();
    assert_eq!(res.status, StatusCode::OK);

    // Plain HTTP on the redirect port goes to the TLS port, path and query kept.
    let host = format!("localhost:{}", server.redirect.port());
    let res = https_client::get_http(server.redirect, &host, "/cases/1?q=a%20b").await;
    assert_eq!(res.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        res.header("location"),
        Some(format!("https://localhost:{}/cases/1?q=a%20b", server.https.port()).as_str())
    );
    let res = https_client::get_http(server.redirect, "bad host", "/").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // Stopping ends both listeners cleanly.
    server.stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), server.served)
        .await
        .expect("the server stops when asked")
        .unwrap()
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(server.redirect)
            .await
            .is_err()
    );
}

#[test]
fn unusable_certificate_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    make(&dir, &HOSTS, false).unwrap();
    let (cert, key) = (dir.join("server.pem"), dir.join("server-key.pem"));
    assert!(Https::load(&cert, &key, None).is_ok());

    let missing = dir.join("nope.pem");
    let msg = Https::load(&missing, &key, None).unwrap_err().to_string();
    assert!(
        msg.contains("nope.pem") && msg.contains("--tls-cert"),
        "{msg}"
    );
    let msg = Https::load(&key, &cert, None).unwrap_err().to_string();
    assert!(msg.contains("swapped"), "{msg}");
    let msg = Https::load(&cert, &cert, None).unwrap_err().to_string();
    assert!(
        msg.contains("server.pem") && msg.contains("private key"),
        "{msg}"
    );
    // The CA's certificate with the server's key: they do not belong together.
    let msg = Https::load(&dir.join("ca.pem"), &key, None)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("cannot be used together"), "{msg}");
    let garbage = dir.join("garbage.pem");
    std::fs::write(
        &garbage,
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let msg = Https::load(&garbage, &key, None).unwrap_err().to_string();
    assert!(
        msg.contains("garbage.pem") && msg.contains("not valid PEM"),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "one line: {msg}");
}
