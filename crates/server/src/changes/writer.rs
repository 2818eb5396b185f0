//! Group commit: pushes that arrive while one is being stored wait in a
//! queue, and are then stored together in one transaction.
//!
//! Why: a push must commit in server_seq order (docs/SYNC.md, "The cursor
//! and concurrent pushes"), so pushes hold one lock from their first number
//! to their commit, and a commit waits for the disk. One at a time, the
//! hundredth of a hundred tablets pushing at once waited for the other 99
//! commits (issue 16). Together they share one lock and one commit, and a
//! push waits for at most the group before its own.
//!
//! Nothing changes for a push's answers: the pushes of a group are stored
//! one after the other in the order they arrived, each seeing what the
//! ones before it stored, exactly as if each had its own transaction. If a
//! group fails, each of its pushes is tried again alone, so one push's
//! failure is never another's.

use std::sync::Mutex;

use advocase_core::access::User;
use advocase_core::sync::PushRequest;
use tokio::sync::oneshot;

use super::{Pushed, store_group};
use crate::db::Db;

/// Changes one group stores at most (ten full batches): a bound on how
/// long the first push of a group waits for the last.
const MAX_GROUP_CHANGES: usize = 5_000;

struct Job {
    user: User,
    req: PushRequest,
    now_ms: u64,
    answer: oneshot::Sender<Result<Pushed, sqlx::Error>>,
}

/// The pushes waiting, and whether a task is storing groups.
#[derive(Default)]
pub struct Writer {
    queue: Mutex<Queue>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    storing: bool,
}

/// Stores `req` (in the next group) and answers it once its group commits.
pub async fn submit(
    db: &Db,
    user: User,
    req: PushRequest,
    now_ms: u64,
) -> Result<Pushed, sqlx::Error> {
    let (answer, answered) = oneshot::channel();
    let start = {
        let mut q = db.writer.queue.lock().expect("writer queue");
        q.jobs.push(Job {
            user,
            req,
            now_ms,
            answer,
        });
        !std::mem::replace(&mut q.storing, true)
    };
    if start {
        spawn(db);
    }
    answered
        .await
        .map_err(|_| sqlx::Error::Protocol("the push was dropped before it was stored".into()))?
}

/// A task of its own, not the request's: a tablet that hangs up must not
/// stop the group that holds other tablets' pushes. It runs only while
/// pushes wait, so it never keeps a closed pool's connections.
fn spawn(db: &Db) {
    let db = db.clone();
    tokio::spawn(async move {
        let mut guard = Storing(Some(db));
        while let Some(jobs) = guard.next() {
            let db = guard.0.as_ref().expect("the writer's database");
            store(db, jobs).await;
        }
    });
}

/// Ends the storing task's turn however the task ends: if it panicked with
/// pushes still queued, another task takes them.
struct Storing(Option<Db>);

impl Storing {
    /// The next group, or `None` (and the turn ended) when none waits.
    fn next(&mut self) -> Option<Vec<Job>> {
        let writer = self.0.as_ref()?.writer.clone();
        let mut q = writer.queue.lock().expect("writer queue");
        if q.jobs.is_empty() {
            q.storing = false;
            self.0 = None;
            return None;
        }
        let mut changes = 0;
        let take = q
            .jobs
            .iter()
            .take_while(|j| {
                changes += j.req.changes.len();
                changes <= MAX_GROUP_CHANGES
            })
            .count()
            .max(1);
        Some(q.jobs.drain(..take).collect())
    }
}

impl Drop for Storing {
    fn drop(&mut self) {
        if let Some(db) = self.0.take() {
            let waiting = {
                let mut q = db.writer.queue.lock().unwrap_or_else(|e| e.into_inner());
                q.storing = !q.jobs.is_empty();
                q.storing
            };
            if waiting {
                spawn(&db);
            }
        }
    }
}

async fn store(db: &Db, jobs: Vec<Job>) {
    let pushes: Vec<_> = jobs.iter().map(|j| (&j.user, &j.req, j.now_ms)).collect();
    match store_group(db, &pushes).await {
        Ok(answers) => {
            for (job, pushed) in jobs.into_iter().zip(answers) {
                // The tablet may have hung up: its push is stored anyway,
                // and its retry is answered from the ledger.
                let _ = job.answer.send(Ok(pushed));
            }
        }
        Err(e) if jobs.len() == 1 => {
            let _ = jobs.into_iter().next().map(|j| j.answer.send(Err(e)));
        }
        Err(e) => {
            tracing::warn!(
                error = %e,
                pushes = jobs.len(),
                "a group of pushes failed: storing each alone"
            );
            for job in jobs {
                let alone = store_group(db, &[(&job.user, &job.req, job.now_ms)]).await;
                let _ = job
                    .answer
                    .send(alone.map(|mut a| a.pop().expect("one answer per push")));
            }
        }
    }
}
