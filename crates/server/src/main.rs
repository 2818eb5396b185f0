use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use advocase_core::access::Role;
use advocase_core::sync::NewUser;
use advocase_server::accounts::{self, AccountError};
use advocase_server::config::{DEFAULT_SESSION_HOURS, DatabaseLocation, ServeConfig};
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
        /// Log format: `text` for people, `json` for log collectors.
        #[arg(long, env = "ADVOCASE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
        log_format: String,
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
            log_format,
        } => {
            init_tracing(&log_format);
            runtime.block_on(async {
                let database =
                    DatabaseLocation::parse(&database.database).map_err(|e| e.to_string())?;
                advocase_server::serve(ServeConfig {
                    addr,
                    database,
                    static_dir,
                    session_hours,
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
    let created = accounts::create(&db, &new, advocase_server::now_ms()).await;
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
