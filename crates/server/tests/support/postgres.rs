//! A throwaway PostgreSQL server for integration tests and benches: started
//! once per process, one brand-new database per call. Only std and libc, so
//! any test or bench can pull it in with `#[path = ...] mod postgres;`.
//!
//! Set ADVOCASE_TEST_POSTGRES_URL (postgres://user@host:port/db, a user that
//! may CREATE DATABASE) to use an existing server; its databases are left behind.
#![allow(dead_code)] // each includer uses a different subset

use std::fs::{self, File};
use std::io::Error;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ENV: &str = "ADVOCASE_TEST_POSTGRES_URL";
const HINT: &str = "run scripts/setup.sh (it installs the Debian `postgresql` package) or set ADVOCASE_TEST_POSTGRES_URL";
const INITDB_FLAGS: &str = "-U postgres --auth=trust --no-sync -E UTF8 --locale=C";
// Durability is worthless here; tests run in parallel, each with a pool.
const SERVER_FLAGS: &str = "-c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
    -c synchronous_commit=off -c max_connections=300";
// Arguments: postgres pid, directory. See spawn_watchdog.
const WATCHDOG: &str = r#"trap '' INT HUP TERM QUIT; read -r _
kill -QUIT "$1" 2>/dev/null; i=0
while [ $i -lt 50 ] && kill -0 "$1" 2>/dev/null && ! grep -qs ') Z' "/proc/$1/stat"
do sleep 0.1; i=$((i+1)); done
rm -rf "$2""#;

// Read by the atexit handler, which takes no arguments.
static PG_PID: AtomicI32 = AtomicI32::new(0);
static WATCHDOG_PID: AtomicI32 = AtomicI32::new(0);
static DIR: OnceLock<PathBuf> = OnceLock::new();
/// psql and a database URL to issue CREATE DATABASE from. A Result, so that
/// after a failed start every test fails at once instead of retrying it.
static SERVER: OnceLock<Result<(PathBuf, String), String>> = OnceLock::new();
static NEXT_DB: AtomicU64 = AtomicU64::new(0);

/// A URL (postgres://...) of a brand-new, empty database on a throwaway server
/// started once per process. Panics with a clear one-line message naming what to
/// install (`scripts/setup.sh` installs the `postgresql` package) if the binaries are missing.
pub fn fresh_database_url() -> String {
    // The start time keeps names unique on a shared external server, where
    // pids from other runs or containers collide.
    static STAMP: OnceLock<u64> = OnceLock::new();
    let stamp = STAMP.get_or_init(|| nanos() % 0xff_ffff);
    let n = NEXT_DB.fetch_add(1, SeqCst);
    let name = format!("advocase_test_{}_{stamp:x}_{n}", std::process::id());
    let admin = &server().1;
    // Keep the ?query (sslmode and the like), which may itself contain '/'.
    let (base, query) = admin.split_at(admin.find('?').unwrap_or(admin.len()));
    let prefix = base.rsplit_once('/').filter(|(p, _)| !p.ends_with('/'));
    let bad = || panic!("{ENV}={admin}: expected postgres://user@host:port/database");
    let prefix = prefix.unwrap_or_else(bad).0;
    psql(admin, &format!("CREATE DATABASE {name}"));
    format!("{prefix}/{name}{query}")
}

/// The server's version for reports: `postgres --version` of the binaries in use.
pub fn server_version() -> String {
    if std::env::var_os(ENV).is_some() {
        let version = psql(&server().1, "SHOW server_version");
        return format!("PostgreSQL {} ({ENV})", version.trim());
    }
    let bin = bin_dir().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(bin.join("postgres")).arg("--version").output();
    let out = out.expect("postgres --version").stdout;
    String::from_utf8_lossy(&out).trim().into()
}

/// Runs `sql` with psql against `url`; returns the unaligned, tuples-only output.
pub fn psql(url: &str, sql: &str) -> String {
    let out = run_psql(&server().0, url, sql);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "psql {url} -c {sql:?}: {err}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn server() -> &'static (PathBuf, String) {
    let server = SERVER.get_or_init(|| match std::env::var(ENV) {
        Ok(url) => Ok((find_psql(None)?, url)),
        Err(_) => start().inspect_err(|_| stop()),
    });
    server.as_ref().unwrap_or_else(|e| panic!("{e}"))
}

fn run_psql(psql: &Path, url: &str, sql: &str) -> Output {
    let mut cmd = Command::new(psql);
    cmd.args(["-XqAt", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]);
    let out = cmd.env("PGCONNECT_TIMEOUT", "10").output();
    out.unwrap_or_else(|e| panic!("{}: {e}", psql.display()))
}

fn start() -> Result<(PathBuf, String), String> {
    let bin = bin_dir()?;
    let psql = find_psql(Some(&bin))?;
    // initdb and postgres refuse to run as root, so then run them as the
    // postgres user, in /tmp, which unlike a private TMPDIR it can reach.
    let root = unsafe { libc::geteuid() } == 0;
    let owner = root.then(postgres_user).transpose()?;
    let tmp = owner.map_or_else(std::env::temp_dir, |_| "/tmp".into());
    let dir = tmp.join(format!("advocase-pg-{}-{}", std::process::id(), nanos()));
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
    }
    DIR.set(dir.clone()).expect("started twice");
    unsafe { libc::atexit(stop) };

    let data = dir.join("data");
    let mut initdb = Command::new(bin.join("initdb"));
    initdb.arg("-D").arg(&data).args(INITDB_FLAGS.split(' '));
    let out = as_owner(&mut initdb, owner).current_dir(&dir).output();
    let out = out.map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("initdb failed ({}): {}", out.status, err.trim()));
    }

    // Another process may take the port in the gap; postgres then exits and
    // its log says so.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
    let port = port.map_err(|e| format!("no free port: {e}"))?.port();
    let log_path = dir.join("postgres.log");
    let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log_too = log.try_clone().map_err(|e| e.to_string())?;
    let mut postgres = Command::new(bin.join("postgres"));
    postgres.arg("-D").arg(&data).arg("-k").arg(&dir);
    postgres.args(format!("-p {port} {SERVER_FLAGS}").split_whitespace());
    postgres.stdin(Stdio::null()).stdout(log_too).stderr(log);
    // Its own process group, so a Ctrl-C aimed at the tests does not stop it
    // under them; cleanup follows the test process instead.
    postgres.current_dir(&dir).process_group(0);
    as_owner(&mut postgres, owner);
    let mut child = postgres.spawn().map_err(|e| format!("postgres: {e}"))?;
    PG_PID.store(child.id() as i32, SeqCst);
    spawn_watchdog(child.id(), &dir)?;

    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = Instant::now() + Duration::from_secs(30);
    // An open port is not enough: while starting up it refuses sessions.
    while !run_psql(&psql, &url, "SELECT 1").status.success() {
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<_> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        if let Ok(Some(status)) = child.try_wait() {
            PG_PID.store(0, SeqCst); // reaped, so the pid may be reused
            return Err(format!("postgres exited ({status}); log tail:\n{tail}"));
        }
        if Instant::now() > deadline {
            return Err(format!("postgres not ready after 30 s; log tail:\n{tail}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok((psql, url))
}

/// Cleans up after a test process killed by SIGKILL, where atexit never runs.
/// It waits for EOF on a pipe only this process holds (std pipes are
/// close-on-exec), so it wakes as soon as the process dies, unlike polling a
/// pid that lingers as a zombie or gets reused. A zombie postgres counts as
/// stopped: orphaned, it stays one until init gets round to reaping it.
fn spawn_watchdog(pg_pid: u32, dir: &Path) -> Result<(), String> {
    let mut sh = Command::new("sh");
    sh.args(["-c", WATCHDOG, "advocase-pg-watchdog", &pg_pid.to_string()]);
    sh.arg(dir).stdout(Stdio::null()).stderr(Stdio::null());
    let child = sh.stdin(Stdio::piped()).process_group(0).spawn();
    let mut child = child.map_err(|e| format!("watchdog sh: {e}"))?;
    WATCHDOG_PID.store(child.id() as i32, SeqCst);
    std::mem::forget(child.stdin.take()); // the write end lives as long as we do
    Ok(())
}

extern "C" fn stop() {
    let watchdog = WATCHDOG_PID.swap(0, SeqCst);
    if watchdog > 0 {
        unsafe { libc::kill(watchdog, libc::SIGKILL) };
    }
    let pid = PG_PID.swap(0, SeqCst);
    if pid > 0 {
        unsafe { libc::kill(pid, libc::SIGQUIT) };
        let deadline = Instant::now() + Duration::from_secs(5);
        let running = || unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) } == 0;
        while running() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    if let Some(dir) = DIR.get() {
        let _ = fs::remove_dir_all(dir);
    }
}

fn as_owner(cmd: &mut Command, owner: Option<(u32, u32)>) -> &mut Command {
    let Some((uid, gid)) = owner else { return cmd };
    // Dropping privileges in the child itself, unlike su or runuser, keeps the
    // spawned pid the server's own. Only async-signal-safe calls in there.
    unsafe {
        cmd.pre_exec(move || {
            let ok = libc::setgroups(0, std::ptr::null()) == 0 && libc::setgid(gid) == 0;
            let ok = ok && libc::setuid(uid) == 0;
            ok.then_some(()).ok_or_else(Error::last_os_error)
        })
    }
}

fn postgres_user() -> Result<(u32, u32), String> {
    let pw = unsafe { libc::getpwnam(c"postgres".as_ptr()) };
    let user = unsafe { pw.as_ref() }.map(|pw| (pw.pw_uid, pw.pw_gid));
    user.ok_or_else(|| format!("no `postgres` user to run PostgreSQL as (it refuses root): {HINT}"))
}

fn bin_dir() -> Result<PathBuf, String> {
    let has_server = |d: &Path| d.join("postgres").is_file() && d.join("initdb").is_file();
    let version = |e: fs::DirEntry| {
        let version: f64 = e.file_name().to_str()?.parse().ok()?;
        Some((version, e.path().join("bin"))).filter(|(_, bin)| has_server(bin))
    };
    let dirs = fs::read_dir("/usr/lib/postgresql").into_iter().flatten();
    let versions = dirs.flatten().filter_map(version);
    let newest = versions.max_by(|a, b| a.0.total_cmp(&b.0));
    let on_path = || on_path("postgres").filter(|d| has_server(d));
    let found = newest.map(|(_, bin)| bin).or_else(on_path);
    found.ok_or_else(|| format!("PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH: {HINT}"))
}

fn find_psql(bin: Option<&Path>) -> Result<PathBuf, String> {
    let beside = bin.map(|b| b.join("psql")).filter(|p| p.is_file());
    let found = beside.or_else(|| on_path("psql").map(|d| d.join("psql")));
    found.ok_or_else(|| format!("psql not found: {HINT}"))
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join(name).is_file())
}

fn nanos() -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH);
    now.map_or(0, |d| d.as_nanos() as u64)
}
