//! Group commit: writes that arrive while one is being committed wait in a
//! queue and are then committed together, in one transaction.
//!
//! Pushes (`changes::writer`) and audit records (`audit::Records`) use it.
//! Both must commit one at a time in order (server_seq order; the audit
//! chain's), and a commit waits for the disk: one by one, the hundredth of
//! a hundred tablets waited for 99 commits (issue 16). Together they share
//! the lock and the commit, and a write waits for at most the group before
//! its own.
//!
//! Nothing changes for a write's answer: a group's writes are made one
//! after the other in the order they arrived, each seeing the ones before
//! it, exactly as if each had its own transaction; each is answered only
//! once its group has committed. A group that fails is rolled back whole and
//! its writes are then made one by one, so one write's failure is never
//! another's.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Mutex;

use tokio::sync::oneshot;

use crate::db::Db;

/// A kind of write committed in groups.
pub trait Batch: Sized + 'static {
    type Job: Send + 'static;
    type Answer: Send + 'static;
    /// What the log calls these writes.
    const WHAT: &'static str;
    /// How much a group holds at most, in [`Batch::weight`]: a bound on how
    /// long a group's first write waits for its last.
    const MAX_WEIGHT: usize;
    fn weight(job: &Self::Job) -> usize;
    /// This kind's queue, shared by every clone of `db`.
    fn queue(db: &Db) -> &Queue<Self>;
    /// Makes `jobs` in order in one transaction and commits it: one answer
    /// per job, or the error that rolled them all back.
    fn store(
        db: &Db,
        jobs: &[Self::Job],
    ) -> impl Future<Output = Result<Vec<Self::Answer>, sqlx::Error>> + Send;
}

type Reply<B> = oneshot::Sender<Result<<B as Batch>::Answer, sqlx::Error>>;
type Waiting<B> = Vec<(<B as Batch>::Job, Reply<B>)>;

/// The writes waiting, and whether a task is committing groups.
pub struct Queue<B: Batch> {
    inner: Mutex<(Waiting<B>, bool)>,
}

impl<B: Batch> Default for Queue<B> {
    fn default() -> Self {
        Queue {
            inner: Mutex::new((Vec::new(), false)),
        }
    }
}

impl<B: Batch> std::fmt::Debug for Queue<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Queue({})", B::WHAT)
    }
}

/// Makes `job` (in the next group) and answers once its group committed.
pub async fn submit<B: Batch>(db: &Db, job: B::Job) -> Result<B::Answer, sqlx::Error> {
    let (reply, answered) = oneshot::channel();
    let start = {
        let mut q = B::queue(db).inner.lock().expect("group queue");
        q.0.push((job, reply));
        !std::mem::replace(&mut q.1, true)
    };
    if start {
        spawn::<B>(db);
    }
    answered.await.map_err(|_| {
        sqlx::Error::Protocol(format!("{} dropped before it was committed", B::WHAT))
    })?
}

/// A task of its own, not the request's: a client that hangs up must not
/// stop a group holding others' writes. It runs only while writes wait, so
/// it never keeps a closed pool's connections.
fn spawn<B: Batch>(db: &Db) {
    let db = db.clone();
    tokio::spawn(async move {
        let mut turn = Turn::<B>(Some(db), PhantomData);
        while let Some(jobs) = turn.next() {
            let db = turn.0.as_ref().expect("the group's database");
            store::<B>(db, jobs).await;
        }
    });
}

/// The committing task's turn, ended however the task ends: if it panicked
/// with writes still queued, another task takes them.
struct Turn<B: Batch>(Option<Db>, PhantomData<fn() -> B>);

impl<B: Batch> Turn<B> {
    /// The next group, or `None` (and the turn over) when none waits.
    fn next(&mut self) -> Option<Waiting<B>> {
        let db = self.0.clone()?;
        let mut q = B::queue(&db).inner.lock().expect("group queue");
        if q.0.is_empty() {
            q.1 = false;
            self.0 = None;
            return None;
        }
        let mut weight = 0;
        let take =
            q.0.iter()
                .take_while(|(j, _)| {
                    weight += B::weight(j);
                    weight <= B::MAX_WEIGHT
                })
                .count()
                .max(1);
        Some(q.0.drain(..take).collect())
    }
}

impl<B: Batch> Drop for Turn<B> {
    fn drop(&mut self) {
        if let Some(db) = self.0.take() {
            let waiting = {
                let mut q = B::queue(&db)
                    .inner
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                q.1 = !q.0.is_empty();
                q.1
            };
            if waiting {
                spawn::<B>(&db);
            }
        }
    }
}

async fn store<B: Batch>(db: &Db, group: Waiting<B>) {
    let (jobs, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
    match B::store(db, &jobs).await {
        Ok(answers) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                // The client may have hung up: its write is made anyway.
                let _ = reply.send(Ok(answer));
            }
        }
        Err(e) if jobs.len() == 1 => {
            let _ = replies.into_iter().next().map(|r| r.send(Err(e)));
        }
        Err(e) => {
            tracing::warn!(error = %e, writes = jobs.len(), "a group of {} failed: making each alone", B::WHAT);
            for (job, reply) in jobs.into_iter().zip(replies) {
                let alone = B::store(db, std::slice::from_ref(&job)).await;
                let _ = reply.send(alone.map(|mut a| a.pop().expect("one answer per write")));
            }
        }
    }
}
