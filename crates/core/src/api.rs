//! Shapes of the JSON the server and the client exchange under `/api`.

use serde::{Deserialize, Serialize};

use crate::access::Role;

/// `GET /api/health`: whether the server and its database can serve sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct HealthReport {
    /// `"ok"` when everything answers, `"degraded"` otherwise.
    pub status: String,
    /// The server's release version (`CARGO_PKG_VERSION`).
    pub version: String,
    pub database: DatabaseHealth,
}
crate::record!(HealthReport);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct DatabaseHealth {
    /// `"ok"` or `"error"`.
    pub status: String,
    /// `"sqlite"` or `"postgres"`.
    pub backend: String,
    /// Number of migrations applied; `None` when the database did not answer.
    pub schema_version: Option<i64>,
}
crate::record!(DatabaseHealth);

/// Every error the API returns has this body, whatever the status code, so a
/// client can always show `message` to a person and branch on `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ApiError {
    /// A stable machine-readable code such as `not_found` or `payload_too_large`.
    pub error: String,
    /// One sentence for a person.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}
crate::record!(ApiError);

/// `GET /api/colleagues`: the people a coordinator may escalate a case to
/// (active coordinators and managers, the asker included; never an
/// administrator or a deactivated account), ordered by username. No
/// password data, nothing about cases. The device keeps the list for
/// offline use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Colleagues {
    pub colleagues: Vec<Colleague>,
}
crate::record!(Colleagues);

/// One person in [`Colleagues`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Colleague {
    pub username: String,
    pub display_name: String,
    /// `coordinator` or `manager`.
    pub role: Role,
    /// The units a coordinator covers, as the account names them (a
    /// manager's list is usually empty: they see every unit).
    #[serde(default)]
    pub units: Vec<String>,
}
crate::record!(Colleague);

impl ApiError {
    pub fn new(error: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            message: message.into(),
            field: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_omits_absent_field_and_reads_it_back() {
        let e = ApiError::new("not_found", "no such route");
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"error":"not_found","message":"no such route"}"#);
        let with_field = r#"{"error":"invalid","message":"too long","field":"summary"}"#;
        let back: ApiError = serde_json::from_str(with_field).unwrap();
        assert_eq!(back.field.as_deref(), Some("summary"));
    }

    #[test]
    fn colleagues_round_trip_with_their_wire_names() {
        let list = Colleagues {
            colleagues: vec![Colleague {
                username: "ana".into(),
                display_name: "Ana Ruiz".into(),
                role: Role::Coordinator,
                units: vec!["4 West".into()],
            }],
        };
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(
            json,
            r#"{"colleagues":[{"username":"ana","display_name":"Ana Ruiz","role":"coordinator","units":["4 West"]}]}"#
        );
        assert_eq!(serde_json::from_str::<Colleagues>(&json).unwrap(), list);
        let no_units: Colleague =
            serde_json::from_str(r#"{"username":"mia","display_name":"Mia","role":"manager"}"#)
                .unwrap();
        assert!(no_units.units.is_empty());
    }

    #[test]
    fn health_report_round_trips_a_database_that_did_not_answer() {
        let r = HealthReport {
            status: "degraded".into(),
            version: "0.1.0".into(),
            database: DatabaseHealth {
                status: "error".into(),
                backend: "sqlite".into(),
                schema_version: None,
            },
        };
        let back: HealthReport = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
