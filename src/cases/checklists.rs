//! The commands of a case's discharge checklists: each a change in the
//! case's log, as every command is (see the module above).

use super::*;

impl Cases {
    /// Starts a discharge checklist from `template` as this device has it.
    pub fn start_checklist(
        &self,
        case_id: Id,
        template: &Template,
        user: &str,
    ) -> Result<Id, SaveError> {
        let id = clock::new_id();
        let op = self
            .file(case_id)?
            .start_checklist(template, clock::new_id, id)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)?;
        Ok(id)
    }

    pub fn add_item(
        &self,
        case_id: Id,
        checklist: Id,
        draft: &ItemDraft,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .add_item(checklist, draft, clock::new_id())
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    /// Sets fields of one item; each merges on its own when synced.
    pub fn set_item(
        &self,
        case_id: Id,
        checklist: Id,
        item: Id,
        values: Vec<ItemValue>,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .set_item(checklist, item, values)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }

    pub fn settle_item(
        &self,
        case_id: Id,
        conflict: &ItemConflict,
        restore_lost: bool,
        user: &str,
    ) -> Result<(), SaveError> {
        let op = self
            .file(case_id)?
            .settle_item(conflict, restore_lost)
            .map_err(SaveError::Invalid)?;
        self.record(case_id, op, user)
    }
}
