//! Interactions: who the coordinator spoke with, when, how, what was said and
//! what was promised. They are append-only: a correction is a new
//! [`Interaction`] that `amends` the original, which stays in the history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{Actor, MAX_SHORT, MAX_TEXT};
use crate::id::Id;
use crate::reference::{Channel, Identified, Party};
use crate::validation::Problems;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Interaction {
    pub id: Id,
    pub case_id: Id,
    /// When it took place (defaults to when it was logged).
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
    pub duration_minutes: Option<u32>,
    pub channel: Channel,
    pub with: Party,
    pub summary: String,
    pub outcome: String,
    pub follow_up: Option<FollowUp>,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub recorded_at: DateTime<Utc>,
    /// The interaction this one corrects, if it is an amendment.
    pub amends: Option<Id>,
    /// The directory entry spoken with, if the coordinator named one
    /// (issue 13). Absent in interactions logged before, and left out of
    /// the JSON when absent, so older devices read newer logs unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contacted>,
}
crate::record!(Interaction);

/// Whom in the directory an interaction was with: the entry and its name
/// as it was then, so the timeline still reads if it is renamed or retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Contacted {
    pub entry: Id,
    pub name: String,
}
crate::record!(Contacted);

/// Something promised, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct FollowUp {
    pub what: String,
    #[serde(with = "crate::wire_time::day")]
    pub due: NaiveDate,
    /// What kind of task it is (`followup::Task::promised`); absent in
    /// follow-ups logged before tasks, which become "Other".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<crate::reference::TaskKind>,
    /// Minutes after local midnight, when a time was promised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u16>,
}
crate::record!(FollowUp);

/// The quick-log form, as typed. `at` is already converted from the
/// device's local time by the caller (empty = now).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct InteractionDraft {
    #[serde(with = "crate::wire_time::utc_opt", default)]
    pub at: Option<DateTime<Utc>>,
    /// The device's local date of `at`, for comparing with follow-up dates.
    #[serde(with = "crate::wire_time::day_opt", default)]
    pub at_local_date: Option<NaiveDate>,
    pub duration_minutes: String,
    pub channel: String,
    pub with: String,
    pub summary: String,
    pub outcome: String,
    pub follow_up: String,
    /// `YYYY-MM-DD` or empty.
    pub follow_up_due: String,
    /// The follow-up's kind (`TaskKind`'s identifier); empty is "other".
    pub follow_up_kind: String,
    /// "14:30" or empty.
    pub follow_up_time: String,
    /// Chosen from the directory, or none.
    pub contact: Option<Contacted>,
}
crate::record!(InteractionDraft);

impl InteractionDraft {
    /// Validates into an interaction on `case_id` (an amendment of `amends` if given).
    pub fn validate(
        &self,
        id: Id,
        case_id: Id,
        amends: Option<Id>,
        actor: &Actor,
    ) -> Result<Interaction, Problems> {
        let mut p = Problems::default();
        let at = self.at.unwrap_or(actor.now);
        if at > actor.now + chrono::Duration::minutes(5) {
            p.add("at", "An interaction cannot be logged in the future.");
        }
        let at_date = self.at_local_date.unwrap_or(actor.today);
        let duration_minutes = match self.duration_minutes.trim() {
            "" => None,
            s => match s.parse::<u32>() {
                Ok(m) if m <= 24 * 60 => Some(m),
                _ => {
                    p.add(
                        "duration_minutes",
                        "Duration must be a number of minutes, at most 1440.",
                    );
                    None
                }
            },
        };
        let channel = ident::<Channel>(&mut p, "channel", "channel", &self.channel);
        let with = ident::<Party>(&mut p, "with", "party", &self.with);
        let summary = p.text("summary", "What was said", &self.summary, MAX_TEXT);
        let outcome = p.optional_text("outcome", "Outcome", &self.outcome, MAX_TEXT);
        let what = p.optional_text("follow_up", "Follow-up", &self.follow_up, MAX_SHORT * 5);
        let follow_up = match (what.is_empty(), self.follow_up_due.trim()) {
            (true, "") => None,
            (false, "") => {
                p.add(
                    "follow_up_due",
                    "Give the date the follow-up was promised for.",
                );
                None
            }
            (true, _) => {
                p.add("follow_up", "Say what was promised.");
                None
            }
            (false, due) => match crate::dates::parse_iso(due.trim()) {
                Some(d) if d < at_date => {
                    p.add(
                        "follow_up_due",
                        "The follow-up cannot be due before the interaction.",
                    );
                    None
                }
                Some(d) => {
                    let kind = match self.follow_up_kind.trim() {
                        "" => None,
                        k => {
                            let kind = crate::reference::TaskKind::from_ident(k);
                            if kind.is_none() {
                                p.add("follow_up_kind", "Choose what kind of follow-up it is.");
                            }
                            kind
                        }
                    };
                    let time = match self.follow_up_time.trim() {
                        "" => None,
                        t => {
                            let m = crate::followup::task::parse_clock(t);
                            if m.is_none() {
                                p.add("follow_up_time", "A time like 14:30, or leave it empty.");
                            }
                            m
                        }
                    };
                    Some(FollowUp {
                        what,
                        due: d,
                        kind,
                        time,
                    })
                }
                None => {
                    p.add(
                        "follow_up_due",
                        "The follow-up date must be a date like 2026-11-23.",
                    );
                    None
                }
            },
        };
        let contact = self.contact.as_ref().map(|c| Contacted {
            entry: c.entry,
            name: p.text("contact", "Person contacted", &c.name, MAX_SHORT),
        });
        if contact.as_ref().is_some_and(|c| c.entry.is_nil()) {
            p.add("contact", "Choose the person contacted from the directory.");
        }
        let (Some(channel), Some(with)) = (channel, with) else {
            return Err(p);
        };
        p.into_result(Interaction {
            id,
            case_id,
            at,
            duration_minutes,
            channel,
            with,
            summary,
            outcome,
            follow_up,
            by: actor.user.clone(),
            recorded_at: actor.now,
            amends,
            contact,
        })
    }
}

fn ident<T: Identified>(p: &mut Problems, field: &str, what: &str, s: &str) -> Option<T> {
    let s = s.trim();
    if s.is_empty() {
        p.add(field, format!("Choose the {what}."));
        return None;
    }
    let parsed = T::from_ident(s);
    if parsed.is_none() {
        p.add(field, format!("Unknown {what} '{s}'."));
    }
    parsed
}

/// An interaction as the timeline shows it: the latest correction in place
/// of the original, with every earlier version kept for the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// What stands now (the original if it was never amended).
    pub current: &'a Interaction,
    /// The first entry, whose time places the item on the timeline.
    pub original: &'a Interaction,
    /// Earlier versions, oldest first (empty when never amended).
    pub superseded: Vec<&'a Interaction>,
}

/// Resolves amendments: one [`Resolved`] per original, ordered by when the
/// original took place. An amendment of an amendment belongs to the same
/// original; amendments whose original is missing (not yet synced) stand on
/// their own rather than vanish.
pub fn resolve<'a>(interactions: &'a [Interaction]) -> Vec<Resolved<'a>> {
    use std::collections::HashMap;
    let by_id: HashMap<Id, &'a Interaction> = interactions.iter().map(|i| (i.id, i)).collect();
    let root_of = |mut i: &'a Interaction| {
        // Bounded walk: a malformed cycle cannot hang the timeline.
        for _ in 0..interactions.len() {
            match i.amends.and_then(|a| by_id.get(&a)) {
                Some(&parent) => i = parent,
                None => break,
            }
        }
        i.id
    };
    let mut groups: HashMap<Id, Vec<&'a Interaction>> = HashMap::new();
    for i in interactions {
        groups.entry(root_of(i)).or_default().push(i);
    }
    let mut out: Vec<Resolved<'_>> = groups
        .into_iter()
        .map(|(root, mut versions)| {
            crate::order::sort_by_key(&mut versions, |v| (v.amends.is_some(), v.recorded_at, v.id));
            let original = by_id[&root];
            let current = versions.pop().expect("a group has at least its root");
            Resolved {
                current,
                original,
                superseded: versions,
            }
        })
        .collect();
    crate::order::sort_by_key(&mut out, |r| (r.original.at, r.original.id));
    out
}
