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
        "ADVOCASE_LOCK_AFTER_MINUTES",
        "ADVOCASE_ESCALATION_URGENT_MINUTES",
        "ADVOCASE_ESCALATION_ROUTINE_DAYS",
        "ADVOCASE_ADMIN_PASSWORD",
        "ADVOCASE_TLS_CERT",
        "ADVOCASE_TLS_KEY",
        "ADVOCASE_HTTP_REDIRECT",
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
        "--lock-after-minutes",
        "ADVOCASE_LOCK_AFTER_MINUTES",
        "[default: 5]",
        "--escalation-urgent-minutes",
        "ADVOCASE_ESCALATION_URGENT_MINUTES",
        "[default: 240]",
        "--escalation-routine-days",
        "ADVOCASE_ESCALATION_ROUTINE_DAYS",
        "--time-zone",
        "ADVOCASE_TIME_ZONE",
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

#[test]
fn escalation_windows_of_zero_or_absurd_length_are_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    for (flag, env, value, range) in [
        (
            "--escalation-urgent-minutes",
            "ADVOCASE_ESCALATION_URGENT_MINUTES",
            "0",
            "1..=1440",
        ),
        (
            "--escalation-urgent-minutes",
            "ADVOCASE_ESCALATION_URGENT_MINUTES",
            "10000",
            "1..=1440",
        ),
        (
            "--escalation-urgent-minutes",
            "ADVOCASE_ESCALATION_URGENT_MINUTES",
            "4h",
            "1..=1440",
        ),
        (
            "--escalation-routine-days",
            "ADVOCASE_ESCALATION_ROUTINE_DAYS",
            "0",
            "1..=20",
        ),
        (
            "--escalation-routine-days",
            "ADVOCASE_ESCALATION_ROUTINE_DAYS",
            "365",
            "1..=20",
        ),
        // Not a window, but refused the same way: a zone no one has.
        (
            "--time-zone",
            "ADVOCASE_TIME_ZONE",
            "Mars/Olympus_Mons",
            "America/New_York",
        ),
    ] {
        for by_env in [false, true] {
            let mut cmd = server();
            cmd.args(["serve", "--static-dir"]).arg(&missing);
            if by_env {
                cmd.env(env, value);
            } else {
                cmd.args([flag, value]);
            }
            let out = cmd.output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{flag} {value}: {err}");
            assert!(
                err.contains(flag) && err.contains(range) && !err.contains("panicked"),
                "{err}"
            );
        }
    }
    // In range: the start then fails later, on the missing client (exit 1).
    let out = server()
        .args(["serve", "--escalation-urgent-minutes", "60"])
        .args(["--escalation-routine-days", "3", "--static-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(stderr_line(&out).contains("index.html"));
}

#[test]
fn lock_after_minutes_outside_1_to_30_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    for (flag, env) in [
        (Some("0"), None),
        (Some("31"), None),
        (Some("five"), None),
        (None, Some("0")),
        (None, Some("45")),
    ] {
        let mut cmd = server();
        cmd.args(["serve", "--static-dir"]).arg(&missing);
        if let Some(v) = flag {
            cmd.args(["--lock-after-minutes", v]);
        }
        if let Some(v) = env {
            cmd.env("ADVOCASE_LOCK_AFTER_MINUTES", v);
        }
        let out = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag:?} {env:?}: {err}");
        assert!(
            err.contains("--lock-after-minutes") && !err.contains("panicked"),
            "{err}"
        );
        if flag != Some("five") {
            assert!(err.contains("1..=30"), "the range is named: {err}");
        }
    }
    // Both ends are accepted: the start then fails later, on the missing
    // client (exit 1), not on the flag.
    for v in ["1", "30"] {
        let out = server()
            .args(["serve", "--lock-after-minutes", v, "--static-dir"])
            .arg(&missing)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{v}");
        assert!(stderr_line(&out).contains("trunk build --release"));
    }
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

fn make_certs(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    server()
        .arg("make-certs")
        .arg("--dir")
        .arg(dir)
        .args(["--host", "localhost", "--host", "127.0.0.1"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn https_flags_are_documented_and_go_together() {
    let out = server().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "--tls-cert",
        "ADVOCASE_TLS_CERT",
        "--tls-key",
        "ADVOCASE_TLS_KEY",
        "--http-redirect",
        "ADVOCASE_HTTP_REDIRECT",
    ] {
        assert!(help.contains(expected), "--help lacks {expected}:\n{help}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("x.pem");
    for (args, env, missing) in [
        (vec!["--tls-cert"], None, "--tls-key"),
        (vec!["--tls-key"], None, "--tls-cert"),
        (vec![], Some("ADVOCASE_TLS_CERT"), "--tls-key"),
    ] {
        let mut cmd = server();
        cmd.args(["serve", "--static-dir"]).arg(tmp.path());
        for flag in &args {
            cmd.arg(flag).arg(&file);
        }
        if let Some(var) = env {
            cmd.env(var, &file);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(missing) && !err.contains("panicked"), "{err}");
    }
    let out = server()
        .args(["serve", "--http-redirect", "127.0.0.1:8080"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--tls-cert"), "the redirect needs TLS: {err}");
}

#[test]
fn an_unusable_certificate_exits_2_with_one_line_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), "x").unwrap();
    let certs = tmp.path().join("certs");
    assert!(make_certs(&certs, &[]).status.success());
    let junk = tmp.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let key = certs.join("server-key.pem");
    let cert = certs.join("server.pem");
    for (cert, key, expected) in [
        (&junk, &key, "junk.pem"),
        (&tmp.path().join("missing.pem"), &key, "missing.pem"),
        (&cert, &junk, "junk.pem"),
        (&key, &cert, "swapped"),
    ] {
        let out = server()
            .args(["serve", "--addr", "127.0.0.1:0", "--static-dir"])
            .arg(tmp.path())
            .arg("--database")
            .arg(tmp.path().join("a.db"))
            .arg("--tls-cert")
            .arg(cert)
            .arg("--tls-key")
            .arg(key)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{expected}");
        let line = stderr_line(&out);
        assert!(line.contains(expected), "{line}");
        assert!(
            !tmp.path().join("a.db").exists(),
            "stopped before the database"
        );
    }
}

#[test]
fn make_certs_prints_what_it_wrote_and_what_to_run_next() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    let out = make_certs(&dir, &[]);
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "ca.pem",
        "ca-key.pem",
        "server.pem",
        "server-key.pem",
        "written",
        "CA fingerprint (SHA-256)",
        "advocase-server serve",
        "--tls-cert",
        "curl --cacert",
    ] {
        assert!(said.contains(expected), "{expected}:\n{said}");
    }
    let key = std::fs::read(dir.join("server-key.pem")).unwrap();
    let out = make_certs(&dir, &[]);
    assert!(out.status.success());
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains("kept: the CA the tablets already trust"),
        "{said}"
    );
    assert_eq!(std::fs::read(dir.join("server-key.pem")).unwrap(), key);
    let out = make_certs(&dir, &["--force"]);
    assert!(out.status.success());
    assert_ne!(std::fs::read(dir.join("server-key.pem")).unwrap(), key);

    let out = server()
        .args(["make-certs", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--host"));
    let out = server()
        .args(["make-certs", "--host", "https://x.example", "--dir"])
        .arg(tmp.path().join("other"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_line(&out).contains("https://x.example"));
}

#[cfg(unix)]
#[test]
fn https_server_answers_over_tls_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    #[path = "support/https_client.rs"]
    mod https_client;

    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("index.html"), "<title>Advocase</title>").unwrap();
    let certs = tmp.path().join("certs");
    assert!(make_certs(&certs, &[]).status.success());
    // Free ports: bound, read, released.
    let free = || {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let (https, redirect) = (free(), free());
    let mut child = server()
        .args(["serve", "--addr", &https.to_string(), "--static-dir"])
        .arg(tmp.path())
        .arg("--database")
        .arg(tmp.path().join("data/advocase.db"))
        .env("ADVOCASE_TLS_CERT", certs.join("server.pem"))
        .env("ADVOCASE_TLS_KEY", certs.join("server-key.pem"))
        .env("ADVOCASE_HTTP_REDIRECT", redirect.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("advocase-server listening"));
    assert!(
        listening.as_deref().is_some_and(|l| l.contains("https")),
        "{listening:?}"
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = https_client::client_config(Some(&certs.join("ca.pem")));
        let res = https_client::get_https(https, "localhost", config, "/api/health")
            .await
            .unwrap();
        assert_eq!(res.status, 200);
        assert_eq!(
            res.header("strict-transport-security"),
            Some("max-age=31536000")
        );
        let host = format!("localhost:{}", redirect.port());
        let res = https_client::get_http(redirect, &host, "/settings?x=1").await;
        assert_eq!(res.status, 308);
        assert_eq!(
            res.header("location"),
            Some(format!("https://localhost:{}/settings?x=1", https.port()).as_str())
        );
    });

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}\n{rest:?}");
    assert!(
        rest.iter().any(|l| l.contains("advocase-server stopped")),
        "{rest:?}"
    );
}
