//! Validation that reports every problem at once, each tied to the form
//! field it concerns, so a coordinator fixes a form in one pass.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct FieldError {
    /// The form field's name, e.g. `patient.name` or `follow_up.due`.
    pub field: String,
    /// What is wrong and how to fix it, for a person.
    pub message: String,
}
crate::record!(FieldError);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for `field`, for showing beside that input.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.field.as_str()).collect()
    }

    /// `Ok(value)` when nothing was wrong.
    pub fn into_result<T>(self, value: T) -> Result<T, Problems> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Requires non-blank text within `max` characters; returns it trimmed.
    pub fn text(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() {
            self.add(field, format!("{label} is required."));
        } else {
            self.max_len(field, label, v, max);
        }
        v.to_owned()
    }

    /// Optional text within `max` characters; returns it trimmed.
    pub fn optional_text(&mut self, field: &str, label: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        self.max_len(field, label, v, max);
        v.to_owned()
    }

    fn max_len(&mut self, field: &str, label: &str, v: &str, max: usize) {
        let n = v.chars().count();
        if n > max {
            self.add(
                field,
                format!("{label} is too long ({n} characters; at most {max})."),
            );
        }
    }
}

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let msgs: Vec<_> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&msgs.join(" "))
    }
}

impl std::error::Error for Problems {}
