//! Where the server listens, keeps its data and finds the built client, and
//! the one-line errors a hospital IT admin sees when one of those is wrong.

use std::fs::{self, OpenOptions};
use std::io;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use advocase_core::followup::Windows;

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    pub database: DatabaseLocation,
    pub static_dir: PathBuf,
    /// How long a sign-in lasts: a device works offline on it until then.
    pub session_hours: u64,
    /// Minutes without input before a tablet locks (1..=30), told to each
    /// device when it signs in.
    pub lock_after_minutes: u8,
    /// Serve HTTPS (and maybe the HTTP redirect) instead of plain HTTP.
    pub https: Option<crate::tls::Https>,
    /// How long an escalation may wait for an acknowledgement before it is
    /// overdue, sent to every device with the hospital's numbers.
    pub escalation: Windows,
    /// The hospital's time zone: a report's days and hours are counted in it.
    pub time_zone: chrono_tz::Tz,
}

/// `--time-zone` / `ADVOCASE_TIME_ZONE`: an IANA zone name.
pub fn time_zone(value: &str) -> Result<chrono_tz::Tz, String> {
    value.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        "give an IANA time zone name such as America/New_York or Europe/London".to_owned()
    })
}

/// The machine's own zone, when `--time-zone` is not given: `TZ`, then
/// `/etc/timezone`, then where `/etc/localtime` links to; UTC if none of
/// them names a zone. The server logs which one it uses.
pub fn machine_time_zone() -> chrono_tz::Tz {
    let from_env = std::env::var("TZ")
        .ok()
        .map(|v| v.trim_start_matches(':').to_owned());
    let from_file = || fs::read_to_string("/etc/timezone").ok();
    let from_link = || {
        let target = fs::read_link("/etc/localtime").ok()?;
        let text = target.to_string_lossy().into_owned();
        text.split_once("zoneinfo/")
            .map(|(_, zone)| zone.to_owned())
    };
    [from_env, from_file(), from_link()]
        .into_iter()
        .flatten()
        .find_map(|name| time_zone(&name).ok())
        .unwrap_or(chrono_tz::Tz::UTC)
}

/// `--escalation-urgent-minutes` / `ADVOCASE_ESCALATION_URGENT_MINUTES`:
/// a whole number of minutes in [`Windows::URGENT_MINUTES`].
pub fn urgent_minutes(value: &str) -> Result<u32, String> {
    within(
        value,
        Windows::URGENT_MINUTES,
        "minutes",
        "an urgent escalation waits at least a minute and at most a day (1440)",
    )
}

/// `--escalation-routine-days` / `ADVOCASE_ESCALATION_ROUTINE_DAYS`: a
/// whole number of working days in [`Windows::ROUTINE_WORKING_DAYS`].
pub fn routine_days(value: &str) -> Result<u32, String> {
    within(
        value,
        Windows::ROUTINE_WORKING_DAYS,
        "working days",
        "a routine escalation waits at least one working day and at most 20",
    )
}

/// The message becomes clap's "invalid value '…' for '--flag': …", one line
/// and exit code 2, like every other bad setting.
fn within(value: &str, range: RangeInclusive<u32>, unit: &str, why: &str) -> Result<u32, String> {
    let wanted = || {
        format!(
            "give a whole number of {unit} from {} to {} ({}..={}): {why}",
            range.start(),
            range.end(),
            range.start(),
            range.end()
        )
    };
    let n: u32 = value.trim().parse().map_err(|_| wanted())?;
    if range.contains(&n) {
        Ok(n)
    } else {
        Err(wanted())
    }
}

/// A shift plus margin: nobody is signed out halfway through one.
pub const DEFAULT_SESSION_HOURS: u64 = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    /// A `postgres://` URL, kept whole (sslmode and the like ride in its query).
    Postgres(String),
}

/// Everything that can stop the server from starting. Each message is one
/// line that says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(
        "cannot listen on {addr}: the address is already in use (is another advocase-server running? choose another with --addr or ADVOCASE_ADDR)"
    )]
    AddrInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error(
        "static directory '{}' does not contain the built client (no index.html): build it with `scripts/run`, or `trunk build --release`, or point --static-dir / ADVOCASE_STATIC_DIR at it",
        .0.display()
    )]
    StaticDirMissing(PathBuf),
    #[error("database directory '{}' is not writable: {source} (choose another with --database or ADVOCASE_DATABASE)", dir.display())]
    DatabaseDirNotWritable { dir: PathBuf, source: io::Error },
    #[error(
        "unsupported database '{0}': give a SQLite file path, a sqlite:// URL or a postgres:// URL"
    )]
    UnsupportedDatabase(String),
    #[error("cannot open database {database}: {source}")]
    DatabaseOpen {
        database: String,
        source: sqlx::Error,
    },
    #[error("cannot migrate database {database}: {source}")]
    Migrate {
        database: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("server stopped: {0}")]
    Serve(io::Error),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

impl DatabaseLocation {
    /// Accepts a plain path (`data/advocase.db`), a `sqlite:` URL or a
    /// `postgres://` / `postgresql://` URL.
    pub fn parse(s: &str) -> Result<Self, StartError> {
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(DatabaseLocation::Postgres(s.to_owned()));
        }
        if lower.contains("://") && !lower.starts_with("sqlite://") {
            // Never echo a URL back: it may carry a password.
            let scheme = s.split("://").next().unwrap_or_default();
            return Err(StartError::UnsupportedDatabase(format!("{scheme}://…")));
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.is_empty() {
            return Err(StartError::UnsupportedDatabase(s.to_owned()));
        }
        Ok(DatabaseLocation::Sqlite(PathBuf::from(path)))
    }

    /// For logs and error messages: a PostgreSQL URL without its user and
    /// password, which must never reach a log.
    pub fn describe(&self) -> String {
        match self {
            DatabaseLocation::Sqlite(path) => format!("'{}'", path.display()),
            DatabaseLocation::Postgres(url) => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
                let rest = rest.split(['?', '#']).next().unwrap_or_default();
                let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let host = authority.rsplit('@').next().unwrap_or_default();
                format!("'{scheme}://{host}{path}'")
            }
        }
    }
}

/// The built client must be there before we accept connections: a server
/// that answers every page with 404 looks broken in a way nobody can read.
pub fn check_static_dir(dir: &Path) -> Result<(), StartError> {
    if dir.join("index.html").is_file() {
        Ok(())
    } else {
        Err(StartError::StaticDirMissing(dir.to_path_buf()))
    }
}

/// Creates the database's directory if needed and proves we can write in it,
/// so a read-only mount fails at start with its name, not at the first save.
pub fn prepare_database_dir(db_file: &Path) -> Result<(), StartError> {
    let dir = match db_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |source| StartError::DatabaseDirNotWritable {
        dir: dir.clone(),
        source,
    };
    fs::create_dir_all(&dir).map_err(fail)?;
    let probe = dir.join(format!(".advocase-write-probe-{}", std::process::id()));
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)
        .map_err(fail)?;
    fs::remove_file(&probe).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            time_zone("America/New_York"),
            Ok(chrono_tz::America::New_York)
        );
        assert_eq!(time_zone(" Europe/London "), Ok(chrono_tz::Europe::London));
        for bad in ["", "EST5EDT6", "Mars/Olympus_Mons", "new york"] {
            assert!(
                time_zone(bad).unwrap_err().contains("America/New_York"),
                "{bad}"
            );
        }
        // Whatever the machine says, the fallback is a zone.
        let _: chrono_tz::Tz = machine_time_zone();
    }

    #[test]
    fn escalation_windows_accept_their_ranges_and_refuse_zero_and_absurd_values() {
        assert_eq!(urgent_minutes("240"), Ok(240));
        assert_eq!(urgent_minutes("1"), Ok(1));
        assert_eq!(urgent_minutes(" 1440 "), Ok(1440));
        assert_eq!(routine_days("1"), Ok(1));
        assert_eq!(routine_days("20"), Ok(20));
        let defaults = Windows::default();
        assert!(Windows::URGENT_MINUTES.contains(&defaults.urgent_minutes));
        assert!(Windows::ROUTINE_WORKING_DAYS.contains(&defaults.routine_working_days));
        for bad in ["0", "1441", "-5", "four hours", "", "99999999999", "2.5"] {
            let e = urgent_minutes(bad).unwrap_err();
            assert!(
                e.contains("1..=1440") && e.contains("minutes"),
                "{bad}: {e}"
            );
        }
        for bad in ["0", "21", "365", "one", "1.5"] {
            let e = routine_days(bad).unwrap_err();
            assert!(
                e.contains("1..=20") && e.contains("working days"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn database_location_accepts_paths_and_sqlite_urls() {
        assert_eq!(
            DatabaseLocation::parse("data/advocase.db").unwrap(),
            DatabaseLocation::Sqlite("data/advocase.db".into())
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:///var/lib/advocase.db").unwrap(),
            DatabaseLocation::Sqlite("/var/lib/advocase.db".into())
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:x.db").unwrap(),
            DatabaseLocation::Sqlite("x.db".into())
        );
    }

    #[test]
    fn postgres_urls_are_accepted_and_described_without_credentials() {
        let url = "postgres://admin:hunter2@db.example:5432/advocase?sslmode=require";
        let location = DatabaseLocation::parse(url).unwrap();
        assert_eq!(location, DatabaseLocation::Postgres(url.into()));
        assert_eq!(location.describe(), "'postgres://db.example:5432/advocase'");
        let location = DatabaseLocation::parse("postgresql://db/advocase").unwrap();
        assert_eq!(location.describe(), "'postgresql://db/advocase'");
    }

    #[test]
    fn unsupported_database_urls_are_refused_without_echoing_credentials() {
        let err = DatabaseLocation::parse("mysql://admin:hunter2@db/advocase").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unsupported database 'mysql://…'"), "{msg}");
        assert!(!msg.contains("hunter2"));
        assert!(DatabaseLocation::parse("").is_err());
    }

    #[test]
    fn static_dir_without_index_names_the_build_command() {
        let dir = tempfile::tempdir().unwrap();
        let msg = check_static_dir(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("trunk build --release"), "{msg}");
        fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        check_static_dir(dir.path()).unwrap();
    }

    #[test]
    fn database_dir_is_created_and_a_file_in_the_way_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        prepare_database_dir(&tmp.path().join("new/sub/advocase.db")).unwrap();
        assert!(tmp.path().join("new/sub").is_dir());

        let blocker = tmp.path().join("blocker");
        fs::write(&blocker, "not a directory").unwrap();
        let msg = prepare_database_dir(&blocker.join("advocase.db"))
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("database directory"), "{msg}");
        assert!(msg.contains("not writable"), "{msg}");
    }
}
