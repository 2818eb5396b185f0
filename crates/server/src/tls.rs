//! HTTPS: the rustls configuration read from PEM files, a listener that does
//! TLS handshakes beside the accept loop, HSTS on every answer, and the
//! optional plain-HTTP listener that sends browsers to the https:// address.
//!
//! A tablet reaching the server by its name needs https:// for the service
//! worker and WebCrypto (docs/DEPLOY.md), so the server can serve it itself,
//! without OpenSSL and without a proxy in front.

use std::future::Future;
use std::io;
use std::net::{Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, HOST, LOCATION, STRICT_TRANSPORT_SECURITY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::StartError;
use crate::idle::{Idle, QUIET};

/// One year, and nothing more: whether every subdomain must be HTTPS too
/// (`includeSubDomains`, `preload`) is the hospital IT's decision, not ours.
pub const HSTS: HeaderValue = HeaderValue::from_static("max-age=31536000");

const MAKE_CERTS: &str = "`advocase-server make-certs` writes one";

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What `serve --tls-cert … --tls-key … [--http-redirect ADDR]` asked for,
/// with the certificate already read and checked.
#[derive(Debug, Clone)]
pub struct Https {
    pub config: Arc<ServerConfig>,
    /// Where to listen for plain HTTP and answer with a redirect.
    pub redirect: Option<SocketAddr>,
}

/// A certificate or key that cannot be used. Each message is one line naming
/// the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS {what} '{}': {source} (set --tls-{flag} / ADVOCASE_TLS_{})", path.display(), flag.to_ascii_uppercase())]
    Read {
        what: &'static str,
        flag: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(
        "the TLS certificate file '{}' holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\"); {hint}",
        .path.display()
    )]
    NoCertificate { path: PathBuf, hint: &'static str },
    #[error(
        "the TLS key file '{}' holds no unencrypted PEM private key (\"-----BEGIN PRIVATE KEY-----\"); {hint}",
        .path.display()
    )]
    NoKey { path: PathBuf, hint: &'static str },
    #[error("the TLS {what} file '{}' is not valid PEM: {reason}", path.display())]
    BadPem {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "the TLS certificate '{}' and key '{}' cannot be used together: {reason} (is the key the certificate's own?)",
        cert.display(), key.display()
    )]
    Unusable {
        cert: PathBuf,
        key: PathBuf,
        reason: rustls::Error,
    },
    #[error(
        "cannot listen on {addr} for --http-redirect: the address is already in use (choose another with --http-redirect or ADVOCASE_HTTP_REDIRECT)"
    )]
    RedirectAddrInUse { addr: SocketAddr },
    #[error("cannot listen on {addr} for --http-redirect: {source}")]
    RedirectBind { addr: SocketAddr, source: io::Error },
}

impl Https {
    /// Reads the certificate chain and key, and checks they belong together.
    pub fn load(cert: &Path, key: &Path, redirect: Option<SocketAddr>) -> Result<Https, TlsError> {
        Ok(Https {
            config: Arc::new(server_config(cert, key)?),
            redirect,
        })
    }

    /// Binds the redirect listener, if one was asked for, before the server
    /// says it is listening: a port in use must stop the start.
    pub async fn bind_redirect(&self) -> Result<Option<TcpListener>, TlsError> {
        let Some(addr) = self.redirect else {
            return Ok(None);
        };
        match TcpListener::bind(addr).await {
            Ok(l) => Ok(Some(l)),
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                Err(TlsError::RedirectAddrInUse { addr })
            }
            Err(source) => Err(TlsError::RedirectBind { addr, source }),
        }
    }
}

/// The rustls server configuration: ring as the one crypto provider, TLS 1.2
/// and 1.3, HTTP/1.1 (what the server speaks).
pub fn server_config(cert: &Path, key: &Path) -> Result<ServerConfig, TlsError> {
    let cert_pem = std::fs::read(cert).map_err(|source| TlsError::Read {
        what: "certificate",
        flag: "cert",
        path: cert.to_path_buf(),
        source,
    })?;
    let key_pem = std::fs::read(key).map_err(|source| TlsError::Read {
        what: "key",
        flag: "key",
        path: key.to_path_buf(),
        source,
    })?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadPem {
            what: "certificate",
            path: cert.to_path_buf(),
            reason: e.to_string(),
        })?;
    if chain.is_empty() {
        let hint = if PrivateKeyDer::from_pem_slice(&cert_pem).is_ok() {
            "it holds a private key: are --tls-cert and --tls-key swapped?"
        } else {
            MAKE_CERTS
        };
        return Err(TlsError::NoCertificate {
            path: cert.to_path_buf(),
            hint,
        });
    }
    let private_key = match PrivateKeyDer::from_pem_slice(&key_pem) {
        Ok(k) => k,
        Err(rustls::pki_types::pem::Error::NoItemsFound) => {
            let hint = if contains(&key_pem, b"ENCRYPTED PRIVATE KEY") {
                "it holds an encrypted one, and the server cannot ask for a passphrase: decrypt it (openssl pkey -in KEY -out KEY.pem)"
            } else if contains(&key_pem, b"BEGIN CERTIFICATE") {
                "it holds a certificate: are --tls-cert and --tls-key swapped?"
            } else {
                MAKE_CERTS
            };
            return Err(TlsError::NoKey {
                path: key.to_path_buf(),
                hint,
            });
        }
        Err(e) => {
            return Err(TlsError::BadPem {
                what: "key",
                path: key.to_path_buf(),
                reason: e.to_string(),
            });
        }
    };
    let unusable = |reason| TlsError::Unusable {
        cert: cert.to_path_buf(),
        key: key.to_path_buf(),
        reason,
    };
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(unusable)?
            .with_no_client_auth()
            .with_single_cert(chain, private_key)
            .map_err(unusable)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Serves `router` over TLS on `listener` (with HSTS on every answer) and,
/// if given, the redirect on `redirect`, until `shutdown` resolves; then both
/// stop accepting and let requests in flight finish, as plain HTTP does.
pub async fn serve(
    listener: TcpListener,
    https: &Https,
    redirect: Option<TcpListener>,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let https_port = listener.local_addr().map_err(StartError::Serve)?.port();
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        // An error means the sender is gone: stop as well.
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let tls = TlsListener::new(listener, Arc::clone(&https.config));
    let main = axum::serve(Idle::new(tls, QUIET), with_hsts(router))
        .with_graceful_shutdown(until_stopped(stopped.clone()));
    match redirect {
        None => main.await.map_err(StartError::Serve),
        Some(plain) => {
            let redirect = axum::serve(Idle::new(plain, QUIET), redirect_app(https_port))
                .with_graceful_shutdown(until_stopped(stopped));
            let (a, b) = tokio::join!(main.into_future(), redirect.into_future());
            a.and(b).map_err(StartError::Serve)
        }
    }
}

/// `router` with `Strict-Transport-Security` on every answer: only ever
/// sent over TLS (a browser ignores it over plain HTTP anyway).
pub fn with_hsts(router: Router) -> Router {
    router.layer(axum::middleware::from_fn(hsts))
}

async fn hsts(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut().insert(STRICT_TRANSPORT_SECURITY, HSTS);
    res
}

/// The plain-HTTP side: every request gets 308 to the same host, path and
/// query on https:// at `https_port` (the port left out when it is 443).
pub fn redirect_app(https_port: u16) -> Router {
    Router::new().fallback(move |req: Request| async move { redirect(&req, https_port) })
}

fn redirect(req: &Request, https_port: u16) -> Response {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(host_of);
    let Some(host) = host else {
        return (
            StatusCode::BAD_REQUEST,
            "Bad request: the Host header is missing or malformed.\n",
        )
            .into_response();
    };
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let location = format!("https://{host}{port}{path}");
    match HeaderValue::try_from(location) {
        Ok(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [
                (LOCATION, location),
                // Not kept by the browser: the HTTPS port may change.
                (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
        )
            .into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "Bad request.\n").into_response(),
    }
}

/// The host part of a `Host` header (`name`, `name:port`, `1.2.3.4:port`,
/// `[v6]:port`), lower-cased, or `None` if it is anything else: no user
/// info, no path, nothing a Location header should repeat.
pub fn host_of(header: &str) -> Option<String> {
    let (host, port) = if let Some(rest) = header.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{}]", v6.to_ascii_lowercase()), port)
    } else {
        let (host, port) = match header.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (header, None),
        };
        let name_like = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            && !host.starts_with(['.', '-'])
            && !host.contains("..");
        // IPv4 addresses are name-like; IPv6 ones come in brackets.
        if !name_like {
            return None;
        }
        (host.to_ascii_lowercase(), port)
    };
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        port.parse::<u16>().ok()?;
    }
    Some(host)
}

/// A TCP listener whose connections come out TLS-wrapped. Handshakes run
/// in their own tasks, so a slow or silent client never holds up the others;
/// axum sees only finished ones.
pub struct TlsListener {
    local: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    _accepting: AbortOnDrop,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> TlsListener {
        let local = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let (tx, ready) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        let accepting = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(conn) => conn,
                    Err(e) => {
                        accept_error(e).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        // Typically a device that does not trust the CA yet.
                        Ok(Err(e)) => {
                            tracing::info!(peer = %peer.ip(), "TLS handshake failed: {e}")
                        }
                        Err(_) => tracing::debug!(peer = %peer.ip(), "TLS handshake timed out"),
                    }
                });
            }
        });
        TlsListener {
            local,
            ready,
            _accepting: AbortOnDrop(accepting),
        }
    }
}

/// As axum does for plain TCP: a dropped connection is nothing; anything
/// else (out of file descriptors) is logged and retried a second later.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept error: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task ended (it never does on its own): no more
            // connections, ever.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_headers_are_read_strictly() {
        assert_eq!(
            host_of("advocase.ward.example").as_deref(),
            Some("advocase.ward.example")
        );
        assert_eq!(
            host_of("Advocase.Ward.Example:8080").as_deref(),
            Some("advocase.ward.example")
        );
        assert_eq!(host_of("10.0.0.5:80").as_deref(), Some("10.0.0.5"));
        assert_eq!(host_of("[FE80::1]:8080").as_deref(), Some("[fe80::1]"));
        assert_eq!(host_of("[::1]").as_deref(), Some("[::1]"));
        for bad in [
            "",
            ":8080",
            "evil.example/path",
            "user@host",
            "host:",
            "host:99999",
            "host:80:80",
            "host name",
            "[not-v6]:80",
            "[::1]x",
            "::1",
            ".host",
            "a..b",
            "host:8x",
        ] {
            assert_eq!(host_of(bad), None, "{bad:?}");
        }
    }
}
