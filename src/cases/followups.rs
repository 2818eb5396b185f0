//! The commands of a case's follow-ups and escalations: each a change in
//! the case's log, as every command is (see the module above).

use super::*;

impl Cases {
    /// A follow-up on the case (`from`: the interaction it came from).
    pub fn add_task(
        &self,
        case_id: Id,
        draft: &TaskDraft,
        from: Option<Id>,
        user: &str,
    ) -> Result<Id, SaveError> {
        let file = self.file(case_id)?;
        let task = draft
            .validate(clock::new_id(), from, &clock::actor(user))
            .map_err(SaveError::Invalid)?;
        let id = task.id;
        let op = file.add_task(task).map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)?;
        Ok(id)
    }

    /// Sets fields of one follow-up (done, cancelled, reassigned, moved…);
    /// each merges on its own when synced.
    pub fn set_task(
        &self,
        case_id: Id,
        task: Id,
        values: Vec<TaskValue>,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .set_task(task, values)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    pub fn settle_task(
        &self,
        case_id: Id,
        conflict: &TaskConflict,
        restore_lost: bool,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .settle_task(conflict, restore_lost)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    pub fn escalate(
        &self,
        case_id: Id,
        draft: &EscalationDraft,
        user: &str,
    ) -> Result<(), SaveError> {
        self.file(case_id)?;
        let escalation = draft
            .validate(clock::new_id(), &clock::actor(user))
            .map_err(SaveError::Invalid)?;
        self.record(
            case_id,
            Op::Escalate {
                escalation: Box::new(escalation),
            },
            user,
        )
    }

    /// Acknowledges, answers or passes on one of the case's escalations.
    pub fn respond(
        &self,
        case_id: Id,
        escalation: Id,
        answer: Answer,
        user: &str,
    ) -> Result<(), SaveError> {
        let response = Response {
            id: clock::new_id(),
            escalation,
            answer,
            by: user.to_owned(),
            at: clock::now(),
        };
        let op = self
            .file(case_id)?
            .respond(response)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }
}
