//! A minimal HTTPS (and plain HTTP) client for tests against a real
//! listener: rustls with ring, trusting only the CA it is given, as a tablet
//! with that CA installed would.
//!
//! Declare with `#[path = "support/https_client.rs"] mod https_client;`.

#![allow(dead_code)] // each test file uses its own part of this

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A client that trusts exactly the certificates in `ca_pem` (none if `None`).
pub fn client_config(ca_pem: Option<&Path>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = ca_pem {
        for cert in CertificateDer::pem_file_iter(path).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let mut config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// GET `path` over TLS from `addr`, naming the server `server_name` (SNI
/// and the name its certificate must carry). An error is the handshake's.
pub async fn get_https(
    addr: SocketAddr,
    server_name: &str,
    config: Arc<ClientConfig>,
    path: &str,
) -> Result<Answer, String> {
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let name = ServerName::try_from(server_name.to_owned()).map_err(|e| e.to_string())?;
    let tls = TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    let host = if addr.port() == 443 {
        server_name.to_owned()
    } else {
        format!("{server_name}:{}", addr.port())
    };
    Ok(send(TokioIo::new(tls), &host, path).await)
}

/// GET `path` over plain HTTP from `addr` with the `Host` header given.
pub async fn get_http(addr: SocketAddr, host: &str, path: &str) -> Answer {
    let tcp = TcpStream::connect(addr).await.unwrap();
    send(TokioIo::new(tcp), host, path).await
}

async fn send<IO>(io: TokioIo<IO>, host: &str, path: &str) -> Answer
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
    tokio::spawn(conn);
    let req = Request::get(path)
        .header("host", host)
        .body(Empty::<Bytes>::new())
        .unwrap();
    let res = sender.send_request(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer {
        status,
        headers,
        body,
    }
}
