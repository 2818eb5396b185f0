//! Coordinating care after the first conversation (issue 14): follow-ups
//! (`task.rs`), escalations (`escalation.rs`) and My day (`my_day.rs`),
//! the coordinator's start page computed from them.

pub mod escalation;
pub mod my_day;
pub mod task;

pub use escalation::{Answer, Escalation, EscalationDraft, Recipient, Response, Standing, Windows};
pub use task::{Task, TaskDraft, TaskStatus, TaskValue, task_key};
