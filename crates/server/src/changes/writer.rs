//! Pushes committed in groups (`crate::group`): pushes that arrive while
//! one is being stored are stored together, in arrival order, each as if
//! alone, in one transaction with one commit (docs/SYNC.md, "The cursor and
//! concurrent pushes").

use advocase_core::access::User;
use advocase_core::sync::PushRequest;

use super::{Job, Pushed, store_group};
use crate::db::Db;
use crate::group::{self, Batch, Queue};

/// Pushes, as a kind of write committed in groups.
pub struct Pushes;

impl Batch for Pushes {
    type Job = Job;
    type Answer = Pushed;
    const WHAT: &'static str = "push";
    /// Changes a group stores at most: ten full batches.
    const MAX_WEIGHT: usize = 5_000;

    fn weight(job: &Self::Job) -> usize {
        job.req.changes.len()
    }

    fn queue(db: &Db) -> &Queue<Self> {
        &db.writer
    }

    async fn store(db: &Db, jobs: &[Self::Job]) -> Result<Vec<Pushed>, sqlx::Error> {
        store_group(db, jobs).await
    }
}

/// Stores `req` (in the next group) and answers it once its group commits.
pub async fn submit(
    db: &Db,
    user: User,
    req: PushRequest,
    now_ms: u64,
) -> Result<Pushed, sqlx::Error> {
    // Made ready here, in the request's task: see `Ready`.
    group::submit::<Pushes>(db, Job::new(user, req, now_ms)).await
}
