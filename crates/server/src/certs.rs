//! `make-certs`: a small local certificate authority and a server
//! certificate signed by it, so an IT admin can try Advocase over https://
//! on a ward network in minutes (docs/DEPLOY.md).
//!
//! The CA is made once and then kept: the tablets trust it, so a second run
//! (a renewal, another hostname) issues a new server certificate under the
//! same CA. No key file is ever overwritten without `--force`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SanType, SerialNumber,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, DnsName};
use time::{Duration, OffsetDateTime};

pub const CA_CERT: &str = "ca.pem";
pub const CA_KEY: &str = "ca-key.pem";
pub const SERVER_CERT: &str = "server.pem";
pub const SERVER_KEY: &str = "server-key.pem";

/// Browsers refuse server certificates valid for more than 398 days.
pub const SERVER_DAYS: i64 = 397;
/// Ten years: installing a CA on every tablet is done once.
pub const CA_DAYS: i64 = 3653;
/// Certificates start an hour early, for tablets whose clock runs behind.
const BACKDATE: Duration = Duration::hours(1);

/// What `make-certs` was asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub dir: PathBuf,
    /// Host names and IP addresses the server is reached by.
    pub hosts: Vec<String>,
    /// Replace `server-key.pem` with a new key (never the CA's).
    pub force: bool,
}

/// What `make-certs` did, for the person who ran it.
#[derive(Debug, Clone)]
pub struct Issued {
    pub dir: PathBuf,
    /// The CA was already there and was used as it is.
    pub ca_reused: bool,
    pub server_key: KeyOutcome,
    /// As they appear in the certificate, IP addresses as IP SANs.
    pub hosts: Vec<String>,
    /// SHA-256 of ca.pem's certificate, as tablets show it.
    pub ca_fingerprint: String,
    pub ca_not_after: OffsetDateTime,
    pub server_not_after: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    New,
    /// The existing server key was kept and certified again.
    Kept,
    /// `--force`: the existing key was replaced.
    Replaced,
}

#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("give at least one --host (the name or IP address tablets use to reach the server)")]
    NoHosts,
    #[error(
        "'{0}' is not a host name or IP address (give it without https:// or a port, e.g. --host advocase.ward.example --host 10.0.0.5)"
    )]
    BadHost(String),
    #[error("cannot write in '{}': {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "'{}' is there without '{}': move it away (or put its partner back); make-certs never replaces a CA the tablets may trust",
        present.display(), missing.display()
    )]
    HalfCa { present: PathBuf, missing: PathBuf },
    #[error(
        "the CA in '{}' cannot be used: {reason}; move {CA_CERT} and {CA_KEY} away to make a new CA (every tablet must then trust the new {CA_CERT})",
        dir.display()
    )]
    UnusableCa { dir: PathBuf, reason: String },
    #[error(
        "'{}' cannot be read as a private key ({reason}); pass --force to replace it with a new one",
        path.display()
    )]
    UnusableServerKey { path: PathBuf, reason: String },
    #[error("the system's random number generator failed")]
    Random,
    #[error("cannot make the certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
}

/// Makes (or reuses) the CA in `req.dir` and issues a server certificate
/// for `req.hosts`, valid from `now` (less an hour) for [`SERVER_DAYS`].
pub fn make(req: &Request, now: OffsetDateTime) -> Result<Issued, CertError> {
    let sans = subject_alt_names(&req.hosts)?;
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CertError::Io { path, source }
    };
    fs::create_dir_all(&req.dir).map_err(io_err(&req.dir))?;
    let path = |name: &str| req.dir.join(name);
    let not_before = now.replace_nanosecond(0).unwrap_or(now) - BACKDATE;

    let (ca_cert_pem, ca_key, ca_reused) = match (
        path(CA_CERT).try_exists().map_err(io_err(&path(CA_CERT)))?,
        path(CA_KEY).try_exists().map_err(io_err(&path(CA_KEY)))?,
    ) {
        (true, true) => {
            let cert = fs::read_to_string(path(CA_CERT)).map_err(io_err(&path(CA_CERT)))?;
            let key = fs::read_to_string(path(CA_KEY)).map_err(io_err(&path(CA_KEY)))?;
            let key = KeyPair::from_pem(&key).map_err(|e| CertError::UnusableCa {
                dir: req.dir.clone(),
                reason: format!("{CA_KEY} is not a private key ({e})"),
            })?;
            (cert, key, true)
        }
        (false, false) => {
            let key = KeyPair::generate()?;
            let mut params = ca_params(not_before);
            params.serial_number = Some(random_serial()?);
            let cert = params.self_signed(&key)?.pem();
            (cert, key, false)
        }
        (present, _) => {
            let (present, missing) = if present {
                (CA_CERT, CA_KEY)
            } else {
                (CA_KEY, CA_CERT)
            };
            return Err(CertError::HalfCa {
                present: path(present),
                missing: path(missing),
            });
        }
    };
    let ca = check_ca(&ca_cert_pem, &ca_key, now).map_err(|reason| CertError::UnusableCa {
        dir: req.dir.clone(),
        reason,
    })?;

    let (server_key, server_key_outcome) = if path(SERVER_KEY)
        .try_exists()
        .map_err(io_err(&path(SERVER_KEY)))?
    {
        if req.force {
            (KeyPair::generate()?, KeyOutcome::Replaced)
        } else {
            let pem = fs::read_to_string(path(SERVER_KEY)).map_err(io_err(&path(SERVER_KEY)))?;
            let key = KeyPair::from_pem(&pem).map_err(|e| CertError::UnusableServerKey {
                path: path(SERVER_KEY),
                reason: e.to_string(),
            })?;
            (key, KeyOutcome::Kept)
        }
    } else {
        (KeyPair::generate()?, KeyOutcome::New)
    };

    // Never past the CA: a certificate outliving its issuer fails anyway.
    let server_not_after = (not_before + Duration::days(SERVER_DAYS)).min(ca.not_after);
    let issuer = Issuer::from_ca_cert_pem(&ca_cert_pem, &ca_key)?;
    let mut params = CertificateParams::default();
    params.subject_alt_names = sans;
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, req.hosts[0].trim().to_ascii_lowercase());
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Advocase");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = server_not_after;
    params.serial_number = Some(random_serial()?);
    let server_cert = params.signed_by(&server_key, &issuer)?;

    // Keys first: a certificate on disk always has its key beside it.
    if !ca_reused {
        write(&path(CA_KEY), ca_key.serialize_pem().as_bytes(), true)?;
        write(&path(CA_CERT), ca_cert_pem.as_bytes(), false)?;
    }
    if server_key_outcome != KeyOutcome::Kept {
        write(
            &path(SERVER_KEY),
            server_key.serialize_pem().as_bytes(),
            true,
        )?;
    }
    let chain = format!("{}{}", server_cert.pem(), ca_cert_pem);
    write(&path(SERVER_CERT), chain.as_bytes(), false)?;

    Ok(Issued {
        dir: req.dir.clone(),
        ca_reused,
        server_key: server_key_outcome,
        hosts: req
            .hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        ca_fingerprint: ca.fingerprint,
        ca_not_after: ca.not_after,
        server_not_after,
    })
}

/// Each host as a SAN: IP addresses as IP SANs (browsers ignore an IP
/// written as a DNS name), everything else a checked DNS name.
fn subject_alt_names(hosts: &[String]) -> Result<Vec<SanType>, CertError> {
    if hosts.is_empty() {
        return Err(CertError::NoHosts);
    }
    let mut sans = Vec::new();
    for host in hosts {
        let host = host.trim().to_ascii_lowercase();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&host);
        let san = if let Ok(ip) = host.parse::<IpAddr>() {
            SanType::IpAddress(ip)
        } else {
            DnsName::try_from(host)
                .ok()
                .filter(|_| !host.ends_with('.') && !host.starts_with('*'))
                .and_then(|_| host.to_owned().try_into().ok())
                .map(SanType::DnsName)
                .ok_or_else(|| CertError::BadHost(host.to_owned()))?
        };
        if !sans.contains(&san) {
            sans.push(san);
        }
    }
    Ok(sans)
}

fn ca_params(not_before: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    // The date tells two CAs apart in a tablet's list of trusted ones.
    params.distinguished_name.push(
        DnType::CommonName,
        format!("Advocase local CA {}", not_before.date()),
    );
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Advocase");
    // Signs server certificates only, never another CA.
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = not_before;
    params.not_after = not_before + Duration::days(CA_DAYS);
    params
}

/// 16 random bytes: a renewed certificate for the same key must not repeat
/// the serial number (rcgen's default is a hash of the key), or browsers
/// that saw the old one refuse the new one.
fn random_serial() -> Result<SerialNumber, CertError> {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| CertError::Random)?;
    // Positive and never shorter than it looks.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}

struct Ca {
    fingerprint: String,
    not_after: OffsetDateTime,
}

/// A CA certificate that is a CA, belongs to `key` and has not expired.
fn check_ca(pem: &str, key: &KeyPair, now: OffsetDateTime) -> Result<Ca, String> {
    let der = CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| format!("{CA_CERT} holds no PEM certificate ({e})"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| format!("{CA_CERT} is not a certificate ({e})"))?;
    if !cert.is_ca() {
        return Err(format!("{CA_CERT} is not a CA certificate"));
    }
    if *cert.public_key().subject_public_key.data != *key.der_bytes() {
        return Err(format!("{CA_KEY} is not the key of {CA_CERT}"));
    }
    let not_after = cert.validity().not_after.to_datetime();
    if not_after <= now {
        return Err(format!("it expired on {}", not_after.date()));
    }
    Ok(Ca {
        fingerprint: fingerprint(&der),
        not_after,
    })
}

/// SHA-256 of a certificate, `AB:CD:…`, as iPadOS and Android show it.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

/// Writes `path` whole or not at all (a temporary file renamed over it),
/// keys readable by their owner only.
fn write(path: &Path, contents: &[u8], private: bool) -> Result<(), CertError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        match fs::remove_file(&tmp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if private { 0o600 } else { 0o644 });
        }
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    result.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        CertError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

impl Issued {
    /// What was written, and what to do next.
    pub fn summary(&self) -> String {
        let dir = self.dir.display();
        let at = |name: &str| self.dir.join(name).display().to_string();
        let mut out = format!("In {dir}:\n");
        if self.ca_reused {
            out += &format!(
                "  {CA_CERT:<15}kept: the CA the tablets already trust (until {})\n  {CA_KEY:<15}kept\n",
                self.ca_not_after.date()
            );
        } else {
            out += &format!(
                "  {CA_CERT:<15}written: the new CA's certificate, to install on every tablet (valid until {})\n  {CA_KEY:<15}written (0600): the CA's key; keep it secret, it is needed to renew\n",
                self.ca_not_after.date()
            );
        }
        out += &format!(
            "  {SERVER_CERT:<15}written: the server certificate for {}, then the CA (valid until {})\n",
            self.hosts.join(", "),
            self.server_not_after.date()
        );
        out += &format!(
            "  {SERVER_KEY:<15}{}\n",
            match self.server_key {
                KeyOutcome::New => "written (0600): the server's key",
                KeyOutcome::Replaced => "replaced (0600, --force): a new server key",
                KeyOutcome::Kept => "kept: the server's key (--force makes a new one)",
            }
        );
        out += &format!("CA fingerprint (SHA-256): {}\n\n", self.ca_fingerprint);
        let host = self.hosts[0].as_str();
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_owned()
        };
        out += &format!(
            "Next: install {} on the tablets (docs/DEPLOY.md), then\n  advocase-server serve --addr 0.0.0.0:8443 --tls-cert {} --tls-key {}\n  curl --cacert {} https://{host}:8443/api/health\n",
            at(CA_CERT),
            at(SERVER_CERT),
            at(SERVER_KEY),
            at(CA_CERT),
        );
        out += &format!(
            "Renew before {}: run the same make-certs again (the CA stays) and restart the server.\n",
            self.server_not_after.date()
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_become_dns_or_ip_sans() {
        let sans = subject_alt_names(&[
            "Advocase.Ward.Example".into(),
            "10.0.0.5".into(),
            "[fe80::1]".into(),
            "localhost".into(),
            "10.0.0.5".into(),
        ])
        .unwrap();
        assert_eq!(
            sans,
            vec![
                SanType::DnsName("advocase.ward.example".to_owned().try_into().unwrap()),
                SanType::IpAddress("10.0.0.5".parse().unwrap()),
                SanType::IpAddress("fe80::1".parse().unwrap()),
                SanType::DnsName("localhost".to_owned().try_into().unwrap()),
            ]
        );
        for bad in [
            "https://advocase.example",
            "advocase.example:8443",
            "",
            "a b",
            "*.example",
        ] {
            assert!(
                matches!(subject_alt_names(&[bad.into()]), Err(CertError::BadHost(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(subject_alt_names(&[]), Err(CertError::NoHosts)));
    }
}
