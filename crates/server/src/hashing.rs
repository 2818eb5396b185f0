//! The password hashing pool: every Argon2id hash and check (sign-in,
//! account creation, a password change) runs on one of a fixed set of
//! threads, as many as the machine has cores, in the order asked.
//!
//! Why not `spawn_blocking`: each Argon2id run takes 19 MiB and tens of
//! milliseconds of one core. Run on the blocking pool, a burst of sign-ins
//! ran hundreds at once, each on its own thread; glibc's per-thread arenas
//! then kept every one of those 19 MiB blocks (the server's memory rose
//! from 29 MiB to about 960 MiB over 101 account creations and stayed
//! there), and they finished no sooner, the cores being busy anyway. On a
//! fixed pool the memory is bounded by the pool's size, and a burst waits
//! in a queue whose waiting time is logged.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use crate::secrets;

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    jobs: Mutex<Sender<Job>>,
    size: usize,
    /// Jobs asked for and not finished (waiting and running).
    pending: AtomicUsize,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let size = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (send, receive) = channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        for n in 0..size {
            let receive = Arc::clone(&receive);
            std::thread::Builder::new()
                .name(format!("password-hashing-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while taking the next job.
                        let job = receive.lock().map(|r| r.recv());
                        let Ok(Ok(job)) = job else { return };
                        job();
                    }
                })
                .expect("a password hashing thread starts");
        }
        Pool {
            jobs: Mutex::new(send),
            size,
            pending: AtomicUsize::new(0),
        }
    })
}

/// Runs `work` on the pool and waits for it without holding an async
/// thread. The time it waited for a free thread is logged (figures only).
async fn pooled<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let pool = pool();
    let asked = Instant::now();
    let queued = pool.pending.fetch_add(1, Ordering::SeqCst);
    let (send, answer) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let waited_ms = asked.elapsed().as_millis() as u64;
        let result = work();
        let took_ms = asked.elapsed().as_millis() as u64 - waited_ms;
        if queued >= pool.size {
            tracing::info!(what, queued, waited_ms, took_ms, "password hashing queued");
        } else {
            tracing::debug!(what, waited_ms, took_ms, "password hashing");
        }
        pool.pending.fetch_sub(1, Ordering::SeqCst);
        let _ = send.send(result);
    });
    pool.jobs
        .lock()
        .expect("the job queue is never poisoned: sending cannot panic")
        .send(job)
        .expect("the hashing threads never stop");
    answer.await.expect("a hashing job always answers")
}

/// A new password's PHC string (`secrets::hash_password`), on the pool.
pub async fn hash(password: String) -> String {
    pooled("hash", move || secrets::hash_password(&password)).await
}

/// Whether `password` matches `stored` (`secrets::verify_password`), on
/// the pool.
pub async fn verify(password: String, stored: String) -> bool {
    pooled("verify", move || {
        secrets::verify_password(&password, &stored)
    })
    .await
}

/// The decoy hash made once at start (`secrets::decoy_hash`), on the pool.
pub async fn warm_decoy() {
    pooled("decoy", || {
        secrets::decoy_hash();
    })
    .await
}

/// How many hashing threads there are.
pub fn size() -> usize {
    pool().size
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_runs_in_parallel_but_never_more_at_once_than_the_pool_has_threads() {
        let stored = secrets::hash_password("correct horse battery");
        let size = size();
        // Counted by the work itself, however the pool runs it.
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let burst = (0..size * 4)
            .map(|n| {
                let (stored, running, most) = (stored.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    let password = if n % 2 == 0 {
                        "correct horse battery"
                    } else {
                        "wrong horse battery"
                    };
                    let matches = pooled("test", move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let matches = secrets::verify_password(password, &stored);
                        running.fetch_sub(1, Ordering::SeqCst);
                        matches
                    })
                    .await;
                    (n, matches)
                })
            })
            .collect::<Vec<_>>();
        for task in burst {
            let (n, matches) = task.await.unwrap();
            assert_eq!(matches, n % 2 == 0, "job {n} got its own answer");
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= size, "{most} at once on {size} threads");
        if size > 1 {
            assert!(most > 1, "a burst uses more than one thread");
        }
        let hashed = hash("another password".into()).await;
        assert!(verify("another password".into(), hashed).await);
    }
}
