//! A case as FHIR R4 resources, for a Bundle of type `collection`
//! (docs/FHIR.md has the mapping and what is left out):
//!
//! - the patient as a `Patient` (one per case: Advocase keeps no master
//!   patient index, the MRN is the identifier a receiver matches on);
//! - each interaction as it stands now as a `Communication`;
//! - each follow-up as a `Task`;
//! - each discharge checklist as a `CarePlan`, its items as activities.
//!
//! Every resource's id is a UUID (the record's own, or derived from the
//! case's for the patient), and references inside the bundle are
//! `urn:uuid:` full URLs, so the bundle stands on its own.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::caseload::CaseFile;
use crate::checklist::ItemState;
use crate::followup::TaskStatus;
use crate::id::Id;
use crate::interaction;
use crate::reference::Channel;

/// The salt of a case's patient id (`Id::derived`).
const PATIENT_SALT: u8 = 0x50;

const PARTICIPATION_MODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode";

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn url(id: Id) -> String {
    format!("urn:uuid:{id}")
}

/// The HL7 v3 ParticipationMode a channel is.
fn mode(c: Channel) -> (&'static str, &'static str) {
    match c {
        Channel::BedsideVisit | Channel::Meeting | Channel::WalkIn => ("FACE", "face-to-face"),
        Channel::Phone => ("PHONE", "telephone"),
        Channel::VideoCall => ("VIDEOCONF", "videoconferencing"),
        Channel::Email => ("EMAILWRIT", "email"),
        Channel::Letter => ("MAILWRIT", "mail"),
        Channel::PortalMessage => ("ELECTRONIC", "electronic data"),
    }
}

fn entry(id: Id, resource: Value) -> Value {
    json!({ "fullUrl": url(id), "resource": resource })
}

/// The bundle's entries for one case, the patient first.
pub fn entries(file: &CaseFile, unit: &str) -> Vec<Value> {
    let c = &file.case;
    let patient_id = c.id.derived(PATIENT_SALT);
    let subject = json!({ "reference": url(patient_id), "display": c.patient.name });
    let mut out = Vec::new();

    let mut patient = json!({
        "resourceType": "Patient",
        "id": patient_id.to_string(),
        "name": [{ "text": c.patient.name }],
    });
    if !c.patient.mrn.trim().is_empty() {
        patient["identifier"] = json!([{
            "type": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                "code": "MR",
                "display": "Medical record number"
            }] },
            "value": c.patient.mrn.trim(),
        }]);
    }
    if let Some(dob) = c.patient.date_of_birth {
        patient["birthDate"] = json!(dob.to_string());
    }
    if !c.patient.preferred_language.trim().is_empty() {
        patient["communication"] = json!([{
            "language": { "text": c.patient.preferred_language.trim() },
            "preferred": true,
        }]);
    }
    out.push(entry(patient_id, patient));

    let topic = match c.category {
        Some(cat) => format!("{}: {}", c.kind.label(), cat.label()),
        None => c.kind.label().to_owned(),
    };
    for r in interaction::resolve(&file.interactions) {
        let i = r.current;
        let (code, display) = mode(i.channel);
        let mut text = i.summary.clone();
        if !i.outcome.trim().is_empty() {
            text = format!("{text}\n\nOutcome: {}", i.outcome);
        }
        let mut resource = json!({
            "resourceType": "Communication",
            "id": r.original.id.to_string(),
            "status": "completed",
            "subject": subject,
            "topic": { "text": topic },
            "sent": instant(i.at),
            "medium": [{
                "coding": [{ "system": PARTICIPATION_MODE, "code": code, "display": display }],
                "text": i.channel.label(),
            }],
            "recipient": [{ "display": match &i.contact {
                Some(x) => format!("{} ({})", x.name, i.with.label()),
                None => i.with.label().to_owned(),
            } }],
            "sender": { "display": i.by },
            "payload": [{ "contentString": text }],
        });
        if !unit.is_empty() {
            resource["note"] = json!([{ "text": format!("Unit: {unit}") }]);
        }
        out.push(entry(r.original.id, resource));
    }

    for t in &c.tasks {
        let status = match t.status {
            TaskStatus::Open => "requested",
            TaskStatus::Done { .. } => "completed",
            TaskStatus::Cancelled { .. } => "cancelled",
        };
        let mut resource = json!({
            "resourceType": "Task",
            "id": t.id.to_string(),
            "status": status,
            "intent": "order",
            "code": { "text": t.kind.label() },
            "description": t.title,
            "for": subject,
            "authoredOn": instant(t.created_at),
            "owner": { "display": t.owner },
            "restriction": { "period": { "end": t.due.to_string() } },
        });
        // A due time is hospital wall time, and FHIR's dateTime needs an
        // offset with a time: the period keeps the date, a note the time.
        if let Some(m) = t.time {
            resource["note"] = json!([{
                "text": format!("Due at {:02}:{:02} local time", m / 60, m % 60)
            }]);
        }
        match &t.status {
            TaskStatus::Done { at, .. } => resource["lastModified"] = json!(instant(*at)),
            TaskStatus::Cancelled { reason, at, .. } => {
                resource["statusReason"] = json!({ "text": reason });
                resource["lastModified"] = json!(instant(*at));
            }
            TaskStatus::Open => {}
        }
        if !t.notes.trim().is_empty() {
            let mut notes = resource["note"].as_array().cloned().unwrap_or_default();
            notes.push(json!({ "text": t.notes }));
            resource["note"] = Value::Array(notes);
        }
        out.push(entry(t.id, resource));
    }

    for k in &c.checklists {
        let ready = k.progress().is_ready();
        let activity: Vec<Value> = k
            .items
            .iter()
            .map(|i| {
                let (status, reason) = match &i.state {
                    ItemState::ToDo => ("not-started", None),
                    ItemState::Done { .. } => ("completed", None),
                    ItemState::NotApplicable { reason, .. } => ("cancelled", Some(reason)),
                };
                let mut detail = json!({
                    "status": status,
                    "description": i.text,
                    "performer": [{ "display": i.responsible.label() }],
                });
                if let Some(r) = reason {
                    detail["statusReason"] = json!({ "text": r });
                }
                if let Some(due) = i.due {
                    detail["scheduledString"] = json!(format!("by {due}"));
                }
                json!({ "detail": detail })
            })
            .collect();
        let mut resource = json!({
            "resourceType": "CarePlan",
            "id": k.id.to_string(),
            "status": if ready && !c.status.is_active() { "completed" } else { "active" },
            "intent": "plan",
            "title": k.title,
            "category": [{ "text": "Discharge planning" }],
            "subject": subject,
            "activity": activity,
        });
        if let Some(on) = c.expected_discharge {
            resource["period"] = json!({ "end": on.to_string() });
        }
        out.push(entry(k.id, resource));
    }
    out
}

/// Writes a Bundle of type `collection` piece by piece: its opening, each
/// entry, its end. FHIR allows no empty array, so `entry` is opened by the
/// first entry and left out of a bundle with none.
pub struct Bundle {
    entries: usize,
}

impl Bundle {
    pub fn open(id: Id, at: DateTime<Utc>) -> (Bundle, String) {
        let head = format!(
            "{{\"resourceType\":\"Bundle\",\"id\":\"{id}\",\"type\":\"collection\",\"timestamp\":\"{}\"",
            instant(at)
        );
        (Bundle { entries: 0 }, head)
    }

    /// One entry, with what goes before it.
    pub fn entry(&mut self, e: &Value) -> String {
        let sep = if self.entries == 0 {
            ",\"entry\":["
        } else {
            ","
        };
        self.entries += 1;
        format!("{sep}{e}")
    }

    pub fn close(&self) -> &'static str {
        if self.entries == 0 { "}" } else { "]}" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_json_with_or_without_entries() {
        let id = Id::new_v7(1_790_000_000_000, [7; 10]);
        let at = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let (b, head) = Bundle::open(id, at);
        let v: Value = serde_json::from_str(&format!("{head}{}", b.close())).unwrap();
        assert_eq!(v["resourceType"], "Bundle");
        assert_eq!(v["type"], "collection");
        assert_eq!(v.get("entry"), None, "no empty array");
        let (mut b, mut text) = Bundle::open(id, at);
        for n in 0..3 {
            text.push_str(&b.entry(&json!({ "fullUrl": format!("urn:uuid:{n}") })));
        }
        text.push_str(b.close());
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["entry"].as_array().unwrap().len(), 3);
    }
}
