//! What sync calls on the caseload. Each persists before the next network
//! step, so an interruption at any point loses nothing and repeats nothing.

use super::*;

impl Cases {
    pub fn outbox(&self, max: usize) -> Vec<Change> {
        self.replica.with_value(|r| r.outbox(max))
    }

    /// Who recorded the changes still waiting to be sent.
    pub fn unsent_authors(&self) -> Vec<String> {
        let mut who: Vec<String> = self
            .replica
            .with_value(|r| r.outbox(usize::MAX))
            .into_iter()
            .map(|c| c.by)
            .collect();
        advocase_core::order::sort(&mut who);
        who.dedup();
        who
    }

    /// The pull's query: after the cursor, leaving out this device's own
    /// changes it holds (`Replica::own_from`).
    pub fn pull_query(&self) -> String {
        self.replica.with_value(|r| {
            format!(
                "after={}&device={}&own_from={}",
                r.state.cursor, r.state.device, r.own_from
            )
        })
    }

    pub fn on_push(&self, sent: &[Change], results: &[PushResult]) -> Result<(), SaveError> {
        self.transact(|r| Ok(((), r.on_push(sent, results))))
    }

    /// Sets one change aside locally, when the server could not even read it
    /// (it refused the request, not the change).
    pub fn refuse(&self, change: &Change, reason: Refusal) -> Result<(), SaveError> {
        self.transact(|r| {
            let log = r.logs.get_mut(&change.case_id).ok_or(SaveError::NotFound)?;
            let mut entry = log.get(change.id).cloned().ok_or(SaveError::NotFound)?;
            entry.refused = Some(reason);
            log.put(entry);
            Ok(((), one(change.case_id)))
        })
    }

    pub fn on_pull(&self, page: &PullPage) -> Result<(), SaveError> {
        let now_ms = clock::now_ms();
        self.transact(|r| Ok(((), r.on_pull(page, now_ms))))
    }

    pub fn incomplete(&self) -> Vec<Id> {
        self.replica.with_value(Replica::incomplete)
    }

    pub fn on_history(&self, case: Id, changes: &[Pulled]) -> Result<(), SaveError> {
        let now_ms = clock::now_ms();
        self.transact(|r| {
            r.take_history(case, changes, now_ms);
            Ok(((), one(case)))
        })
    }

    /// Drops what the device need not keep (see `Replica::evict`).
    pub fn evict(&self, hidden: &[Id], keep_closed_days: u32) -> Result<usize, SaveError> {
        let now = clock::now();
        self.transact(|r| {
            let gone = r.evict(hidden, now, keep_closed_days);
            Ok((gone.len(), advocase_core::order::set_of(gone)))
        })
    }
}
