use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use advocase_server::config::{DatabaseLocation, ServeConfig};
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
        /// SQLite database file (or sqlite:// URL); its directory is created if missing.
        #[arg(
            long,
            env = "ADVOCASE_DATABASE",
            default_value = "data/advocase.db",
            value_name = "PATH_OR_URL"
        )]
        database: String,
        /// Directory holding the built client (made by `trunk build --release`).
        #[arg(
            long,
            env = "ADVOCASE_STATIC_DIR",
            default_value = "dist",
            value_name = "DIR"
        )]
        static_dir: PathBuf,
        /// Log format: `text` for people, `json` for log collectors.
        #[arg(long, env = "ADVOCASE_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
        log_format: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Serve {
        addr,
        database,
        static_dir,
        log_format,
    } = cli.command;
    init_tracing(&log_format);
    let run = async {
        let database = DatabaseLocation::parse(&database)?;
        advocase_server::serve(ServeConfig {
            addr,
            database,
            static_dir,
        })
        .await
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
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
