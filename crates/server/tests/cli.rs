//! The real binary's start-up errors: one line on stderr, a failing exit code.

use std::process::Command;

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_advocase-server"));
    for var in [
        "ADVOCASE_ADDR",
        "ADVOCASE_DATABASE",
        "ADVOCASE_STATIC_DIR",
        "ADVOCASE_LOG_FORMAT",
        "ADVOCASE_SESSION_HOURS",
        "ADVOCASE_ADMIN_PASSWORD",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn stderr_line(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<_> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        lines.len(),
        1,
        "exactly one error line expected, got:\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    lines[0].to_owned()
}

#[test]
fn help_documents_every_setting_and_its_environment_variable() {
    let out = server().args(["serve", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "--addr",
        "ADVOCASE_ADDR",
        "127.0.0.1:8080",
        "--database",
        "ADVOCASE_DATABASE",
        "data/advocase.db",
        "--static-dir",
        "ADVOCASE_STATIC_DIR",
        "dist",
        "--session-hours",
        "ADVOCASE_SESSION_HOURS",
        "16",
        "postgres://",
    ] {
        assert!(help.contains(expected), "--help lacks {expected}:\n{help}");
    }
}

#[test]
fn missing_static_dir_says_how_to_build_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = server()
        .args(["serve", "--addr", "127.0.0.1:0", "--static-dir"])
        .arg(tmp.path().join("nope"))
        .arg("--database")
        .arg(tmp.path().join("a.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let line = stderr_line(&out);
    assert!(
        line.contains("nope") && line.contains("trunk build --release"),
        "{line}"
    );
}

#[test]
fn port_in_use_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), "x").unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = server()
        .args(["serve", "--addr", &addr, "--static-dir"])
        .arg(tmp.path())
        .arg("--database")
        .arg(tmp.path().join("a.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let line = stderr_line(&out);
    assert!(
        line.contains(&addr) && line.contains("already in use"),
        "{line}"
    );
}

#[test]
fn unwritable_database_directory_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), "x").unwrap();
    // A file where the directory should be: refused even for root.
    std::fs::write(tmp.path().join("data"), "in the way").unwrap();
    let out = server()
        .args(["serve", "--addr", "127.0.0.1:0", "--static-dir"])
        .arg(tmp.path())
        .env("ADVOCASE_DATABASE", tmp.path().join("data/advocase.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let line = stderr_line(&out);
    assert!(
        line.contains("database directory") && line.contains("not writable"),
        "{line}"
    );
}

#[test]
fn malformed_address_is_refused_by_the_argument_parser() {
    let out = server()
        .args(["serve", "--addr", "localhost-8080"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--addr") && !err.contains("panicked"), "{err}");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly_and_keeps_the_database() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), "x").unwrap();
    let db = tmp.path().join("data/advocase.db");
    let mut child = server()
        .args(["serve", "--addr", "127.0.0.1:0", "--static-dir"])
        .arg(tmp.path())
        .arg("--database")
        .arg(&db)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut start = Vec::new();
    for line in lines.by_ref().map_while(Result::ok) {
        let listening = line.contains("advocase-server listening");
        start.push(line);
        if listening {
            break;
        }
    }
    assert!(
        start
            .last()
            .is_some_and(|l| l.contains("advocase-server listening")),
        "the server never said it was listening: {start:?}"
    );
    assert!(
        start
            .iter()
            .any(|l| l.contains("no active administrator account yet")
                && l.contains("advocase-server create-admin --username")),
        "a new server says how to make the first account: {start:?}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert!(
        exit.success(),
        "SIGTERM is a normal stop, not a failure: {exit:?}\n{rest:?}"
    );
    assert!(
        rest.iter().any(|l| l.contains("advocase-server stopped")),
        "{rest:?}"
    );
    assert!(db.is_file(), "the database was created and is still there");
}
