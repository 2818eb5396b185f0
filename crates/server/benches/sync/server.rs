//! The server under test: the real router on a runtime of its own, driven
//! over loopback HTTP, and the CPU time its threads use.

use std::time::{Duration, Instant};

use advocase_core::access::Role;
use advocase_core::id::Id;
use advocase_core::replica::Replica;
use advocase_core::sample::Rng;
use advocase_core::sync::{NewUser, PullPage, PushRequest, PushResponse, Session};
use advocase_server::config::DatabaseLocation;
use advocase_server::{AppState, accounts, app, db, now_ms};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::backends;

pub(crate) const PASSWORD: &str = "benchmark password, not a secret";

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) client: Client<HttpConnector, Full<Bytes>>,
    pub(crate) db: advocase_server::db::Db,
    pub(crate) _tmp: tempfile::TempDir,
}

impl Server {
    /// The server on a runtime of its own (threads named `advocase-server`,
    /// as many as the cores), so its CPU time is told apart from the
    /// benchmark's devices ([`server_cpu`]).
    pub(crate) async fn start(location: DatabaseLocation, tmp: tempfile::TempDir) -> Self {
        let (ready, started) = tokio::sync::oneshot::channel();
        let root = tmp.path().to_path_buf();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .thread_name("advocase-server")
                // Blocking threads (the fold's) kept for the whole run:
                // `server_cpu` sums the threads alive when it reads, and
                // one exiting mid-measure took its CPU time with it (a
                // crowd push once printed 0.00 s).
                .thread_keep_alive(std::time::Duration::from_secs(24 * 3600))
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let db = db::open(&location).await.expect("database opens");
                let router = app(AppState::new(db.clone()), &root);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let base = format!("http://{}", listener.local_addr().unwrap());
                for i in 0..100 {
                    let new = NewUser {
                        username: format!("c{i}"),
                        display_name: format!("Coordinator {i}"),
                        role: if i == 0 {
                            Role::Manager
                        } else {
                            Role::Coordinator
                        },
                        units: vec![format!("Unit {}", i % 10)],
                        password: PASSWORD.into(),
                    };
                    accounts::create(&db, &new, now_ms())
                        .await
                        .expect("account");
                }
                ready.send((base, db)).ok();
                axum::serve(listener, router).await
            })
        });
        let (base, db) = started.await.expect("the server started");
        Server {
            base,
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(200)
                .build_http(),
            db,
            _tmp: tmp,
        }
    }

    pub(crate) async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> T {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let res = self
            .client
            .request(req.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .expect("request");
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).expect("json")
    }

    /// A coordinator account covering `unit`, made beside the server.
    pub(crate) async fn coordinator(&self, username: &str, unit: &str) {
        let new = NewUser {
            username: username.into(),
            display_name: format!("Coordinator {username}"),
            role: Role::Coordinator,
            units: vec![unit.into()],
            password: PASSWORD.into(),
        };
        accounts::create(&self.db, &new, now_ms())
            .await
            .expect("account");
    }

    pub(crate) async fn login(&self, username: &str) -> String {
        let body =
            serde_json::json!({ "username": username, "password": PASSWORD, "device": null });
        let s: Session = self.call("POST", "/api/login", None, Some(&body)).await;
        s.token
    }

    pub(crate) async fn push(&self, token: &str, req: &PushRequest) -> PushResponse {
        self.call("POST", "/api/sync/push", Some(token), Some(req))
            .await
    }

    /// A page after `replica`'s cursor, leaving out its own changes it
    /// holds, as the app asks.
    pub(crate) async fn pull(&self, token: &str, replica: &Replica, limit: usize) -> PullPage {
        let path = format!(
            "/api/sync/pull?after={}&limit={limit}&device={}&own_from={}",
            replica.state.cursor, replica.state.device, replica.own_from
        );
        self.call::<(), _>("GET", &path, Some(token), None).await
    }
}

impl Server {
    /// A GET's status, body length and time, asking for `encoding`.
    pub(crate) async fn bytes(
        &self,
        path: &str,
        token: &str,
        encoding: Option<&str>,
    ) -> (usize, Duration) {
        let mut req = hyper::Request::builder()
            .method("GET")
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {token}"));
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        let t = Instant::now();
        let res = self
            .client
            .request(req.body(Full::new(Bytes::new())).unwrap())
            .await
            .expect("request");
        assert!(res.status().is_success(), "{path}: {}", res.status());
        let n = res.into_body().collect().await.unwrap().to_bytes().len();
        (n, t.elapsed())
    }
}

pub(crate) async fn open(backend: &str) -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let location = backends::location(backend, tmp.path());
    Server::start(location, tmp).await
}

pub(crate) fn device(n: u64) -> Id {
    Rng::new(n).id(1_795_000_000_000 + n)
}

/// CPU seconds the server's threads have used: its runtime's
/// (`advocase-server`) and SQLite's workers, read from /proc.
pub(crate) fn server_cpu() -> f64 {
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state …`: the name may hold spaces, the rest not.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        if !(comm.starts_with("advocase-server") || comm.starts_with("sqlx-sqlite")) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        // utime and stime: fields 14 and 15 of the line, 12 and 13 here.
        ticks += fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
    }
    ticks as f64 / tick
}
