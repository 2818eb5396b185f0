use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use advocase_core::access::Role;
use advocase_core::followup::Windows;
use advocase_core::sync::{DEFAULT_LOCK_AFTER_MINUTES, LOCK_AFTER_MINUTES, NewUser};
use advocase_server::accounts::{self, AccountError};
use advocase_server::certs;
use advocase_server::config::{self, DEFAULT_SESSION_HOURS, DatabaseLocation, ServeConfig};
use advocase_server::tls::Https;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Advocase server: serves the coordinators' app and its sync API.
#[derive(Parser)]
#[command(name = "advocase-server", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the built client and the JSON API until Ctrl-C or SIGTERM.
    Serve {
        /// Address and port to listen on.
        #[arg(
            long,
            env = "ADVOCASE_ADDR",
            default_value = "127.0.0.1:8080",
            value_name = "HOST:PORT"
        )]
        addr: SocketAddr,
        #[command(flatten)]
        database: Database,
        /// Directory holding the built client (made by `trunk build --release`).
        #[arg(
            long,
            env = "ADVOCASE_STATIC_DIR",
            default_value = "dist",
            value_name = "DIR"
        )]
        static_dir: PathBuf,
        /// How long a sign-in lasts, in hours; a device works offline on it until then.
        #[arg(
            long,
            env = "ADVOCASE_SESSION_HOURS",
            default_value_t = DEFAULT_SESSION_HOURS,
            value_name = "HOURS",
            value_parser = clap::value_parser!(u64).range(1..=24 * 90)
        )]
        session_hours: u64,
        /// Minutes without input before a tablet locks and asks for its PIN
        /// (1 to 30); devices learn it when they sign in.
        #[arg(
            long,
            env = "ADVOCASE_LOCK_AFTER_MINUTES",
            default_value_t = DEFAULT_LOCK_AFTER_MINUTES,
            value_name = "MINUTES",
            value_parser = clap::value_parser!(u8).range(
                i64::from(*LOCK_AFTER_MINUTES.start())..=i64::from(*LOCK_AFTER_MINUTES.end())
            )
        )]
        lock_after_minutes: u8,
        /// Minutes an urgent escalation may wait for an acknowledgement
        /// before it shows overdue to its sender and the managers (1 to
        /// 1440); devices learn it with the hospital's numbers.
        #[arg(
            long,
            env = "ADVOCASE_ESCALATION_URGENT_MINUTES",
            default_value_t = Windows::default().urgent_minutes,
            value_name = "MINUTES",
            value_parser = config::urgent_minutes
        )]
        escalation_urgent_minutes: u32,
        /// Working days (Monday to Friday) a routine escalation may wait
        /// for an acknowledgement before it shows overdue (1 to 20).
        #[arg(
            long,
            env = "ADVOCASE_ESCALATION_ROUTINE_DAYS",
            default_value_t = Windows::default().routine_working_days,
            value_name = "DAYS",
            value_parser = config::routine_days
        )]
        escalation_routine_days: u32,
        /// The hospital's time zone (IANA name, e.g. America/New_York):
        /// reports count days and hours in it. Default: the machine's
        /// (TZ, /etc/timezone or /etc/localtime), else UTC.
        #[arg(
            long,
            env = "ADVOCASE_TIME_ZONE",
            value_name = "ZONE",
            value_parser = config::time_zone
        )]
        time_zone: Option<chrono_tz::Tz>,
        /// Log format: `text` for people, `json` for log collectors.
        #[arg(long, env = "ADVOCASE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
        log_format: String,
        #[command(flatten)]
        https: HttpsArgs,
    },
    /// Make a small local certificate authority (once; later runs keep it)
    /// and a server certificate signed by it for the given host names, for
    /// `serve --tls-cert DIR/server.pem --tls-key DIR/server-key.pem`.
    MakeCerts {
        /// Where ca.pem, ca-key.pem, server.pem and server-key.pem go.
        #[arg(long, default_value = "certs", value_name = "DIR")]
        dir: PathBuf,
        /// A host name or IP address the tablets reach the server by; repeat
        /// for each.
        #[arg(long = "host", value_name = "NAME_OR_IP", required = true)]
        hosts: Vec<String>,
        /// Replace an existing server-key.pem with a new key (the CA is
        /// always kept).
        #[arg(long)]
        force: bool,
    },
    /// Create an administrator account (they manage accounts and see no
    /// patient data). The password is read from ADVOCASE_ADMIN_PASSWORD or,
    /// if that is not set, from the first line of standard input.
    CreateAdmin {
        /// Lower-case letters, digits, '.', '_' and '-'.
        #[arg(long, value_name = "USERNAME")]
        username: String,
        /// The name shown in the app; the username if not given.
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        #[command(flatten)]
        database: Database,
    },
    /// Seed a demo hospital (units, a directory of about 60 entries, five
    /// accounts, a caseload) into a database of its own, and print the
    /// accounts and their passwords; then `serve --database` the same file.
    /// Refuses a database that holds accounts and is not a demo's; on the
    /// demo's own database it only prints the accounts again.
    SeedDemo {
        /// Never read from ADVOCASE_DATABASE: the demo must not find the
        /// real database by accident.
        #[arg(long, default_value = "data/demo.db", value_name = "PATH_OR_URL")]
        database: String,
        /// How many cases the caseload holds.
        #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=20_000))]
        cases: u64,
    },
    /// Recompute the audit trail's hash chain: "audit trail intact: N rows"
    /// (exit 0), or the first broken seq and why (exit 1).
    VerifyAudit {
        #[command(flatten)]
        database: Database,
    },
}

/// HTTPS: both files or neither; the redirect only with them.
#[derive(clap::Args)]
struct HttpsArgs {
    /// Serve HTTPS with this certificate chain (PEM, the server's
    /// certificate first, as `make-certs` writes server.pem).
    #[arg(
        long,
        env = "ADVOCASE_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM, unencrypted).
    #[arg(
        long,
        env = "ADVOCASE_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,
    /// Also listen for plain HTTP here and answer every request with a
    /// redirect to https:// (needs --tls-cert).
    #[arg(
        long,
        env = "ADVOCASE_HTTP_REDIRECT",
        value_name = "HOST:PORT",
        requires = "tls_cert"
    )]
    http_redirect: Option<SocketAddr>,
}

impl HttpsArgs {
    fn load(self) -> Result<Option<Https>, advocase_server::tls::TlsError> {
        match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Https::load(&cert, &key, self.http_redirect).map(Some),
            // clap's `requires`: both or neither.
            _ => Ok(None),
        }
    }
}

#[derive(clap::Args)]
struct Database {
    /// SQLite database file (or sqlite:// URL; its directory is created if
    /// missing), or a postgres:// URL.
    #[arg(
        long,
        env = "ADVOCASE_DATABASE",
        default_value = "data/advocase.db",
        value_name = "PATH_OR_URL"
    )]
    database: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Serve {
            addr,
            database,
            static_dir,
            session_hours,
            lock_after_minutes,
            escalation_urgent_minutes,
            escalation_routine_days,
            time_zone,
            log_format,
            https,
        } => {
            let https = match https.load() {
                Ok(https) => https,
                // A certificate that cannot be used is a bad argument: exit 2.
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            init_tracing(&log_format);
            runtime.block_on(async {
                let database =
                    DatabaseLocation::parse(&database.database).map_err(|e| e.to_string())?;
                advocase_server::serve(ServeConfig {
                    addr,
                    database,
                    static_dir,
                    session_hours,
                    lock_after_minutes,
                    https,
                    escalation: Windows {
                        urgent_minutes: escalation_urgent_minutes,
                        routine_working_days: escalation_routine_days,
                    },
                    time_zone: time_zone.unwrap_or_else(config::machine_time_zone),
                })
                .await
                .map_err(|e| e.to_string())
            })
        }
        Command::CreateAdmin {
            username,
            display_name,
            database,
        } => {
            init_tracing("text");
            runtime.block_on(create_admin(username, display_name, &database.database))
        }
        Command::SeedDemo { database, cases } => {
            runtime.block_on(seed_demo(&database, cases as usize))
        }
        Command::VerifyAudit { database } => {
            return runtime.block_on(verify_audit(&database.database));
        }
        Command::MakeCerts { dir, hosts, force } => {
            let request = certs::Request { dir, hosts, force };
            certs::make(&request, time::OffsetDateTime::now_utc())
                .map(|issued| print!("{}", issued.summary()))
                .map_err(|e| e.to_string())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn create_admin(
    username: String,
    display_name: Option<String>,
    database: &str,
) -> Result<(), String> {
    // Before the password is asked for: a typo here should not cost a retype.
    accounts::check_username(&username).map_err(|e| e.to_string())?;
    let password = read_password(&username)?;
    accounts::check_password(&password).map_err(|e| e.to_string())?;
    let location = DatabaseLocation::parse(database).map_err(|e| e.to_string())?;
    let db = advocase_server::db::open(&location)
        .await
        .map_err(|e| e.to_string())?;
    let new = NewUser {
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username,
        role: Role::Admin,
        units: Vec::new(),
        password,
    };
    // Recorded as done on the server's console: who ran it is not known here.
    let by = accounts::ChangedBy {
        username: advocase_server::audit::CLI.to_owned(),
        device: None,
    };
    let created = accounts::create_as(&db, &new, advocase_server::now_ms(), &by).await;
    db.close().await;
    match created {
        Ok(user) => {
            println!("created administrator '{}'", user.username);
            Ok(())
        }
        Err(AccountError::Taken(name)) => Err(format!(
            "an account named '{name}' already exists (an administrator can change it in the app)"
        )),
        Err(e) => Err(e.to_string()),
    }
}

async fn seed_demo(database: &str, cases: usize) -> Result<(), String> {
    let location = DatabaseLocation::parse(database).map_err(|e| e.to_string())?;
    let db = advocase_server::db::open(&location)
        .await
        .map_err(|e| e.to_string())?;
    let seeded = advocase_server::demo::seed(
        &db,
        cases,
        chrono::DateTime::from_timestamp_millis(advocase_server::now_ms() as i64)
            .unwrap_or_default(),
    )
    .await;
    db.close().await;
    let accounts = seeded.map_err(|e| e.to_string())?;
    println!("Demo hospital ready in {database}. Sign in with (demo data only, nothing real):");
    for a in accounts {
        let covers = if a.covers.is_empty() {
            String::new()
        } else {
            format!(", covers {}", a.covers.join(", "))
        };
        println!(
            "    {:<8} password {}   ({}{covers})",
            a.username, a.password, a.role
        );
    }
    Ok(())
}

async fn verify_audit(database: &str) -> ExitCode {
    let checked = async {
        let location = DatabaseLocation::parse(database).map_err(|e| e.to_string())?;
        let db = advocase_server::db::open(&location)
            .await
            .map_err(|e| e.to_string())?;
        let checked = advocase_server::audit::chain::verify(&db).await;
        db.close().await;
        checked.map_err(|e| format!("cannot read the audit trail: {e}"))
    };
    match checked.await {
        Ok(Ok(intact)) => {
            println!("audit trail intact: {} rows", intact.rows);
            // Worth keeping somewhere else: a later run must still end here.
            println!("head: seq {} sha256 {}", intact.rows, intact.head);
            ExitCode::SUCCESS
        }
        Ok(Err(broken)) => {
            println!("audit trail broken at {broken}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// From the environment (scripts, containers) or the first line of standard
/// input (`... < file`, or typed: it is not hidden, so prefer the others).
fn read_password(username: &str) -> Result<String, String> {
    if let Ok(password) = std::env::var("ADVOCASE_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Password for {username} (at least 12 characters; it will be shown as typed):");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn init_tracing(format: &str) {
    let filter = EnvFilter::try_from_env("ADVOCASE_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.compact().init();
    }
}
