//! The rights sheet, "Your rights as a patient": 42 CFR 482.13 and
//! Section 1557 language access in plain words
//! (../shared/reference/patient-rights.md). The words are in the language
//! files; this file puts them in order and adds the hospital's numbers.

use super::{Key, Lang, fill, text};
use crate::reference::DEFAULT_GRIEVANCE_RESPONSE_DAYS;

/// The numbers and names a hospital's administrator configures. Any left
/// out (or blank) is printed as "ask us for this number": the sheet never
/// invents one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RightsContacts {
    pub patient_relations_phone: Option<String>,
    pub state_agency_name: Option<String>,
    pub state_agency_phone: Option<String>,
    pub qio_name: Option<String>,
    pub qio_phone: Option<String>,
    pub interpreter_phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightsSection {
    pub heading: &'static str,
    /// Short paragraphs, each one or a few sentences.
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightsSheet {
    pub title: &'static str,
    pub intro: &'static str,
    pub sections: Vec<RightsSection>,
    /// What it is based on, for the foot of the sheet.
    pub sources: [&'static str; 2],
}

/// A number or name the administrator filled in (blank is not).
fn configured(v: Option<&String>) -> Option<&str> {
    v.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The rights sheet in `lang`, with the hospital's numbers.
pub fn rights_sheet(lang: Lang, contacts: &RightsContacts) -> RightsSheet {
    use Key::*;
    let t = |k: Key| text(lang, k).to_owned();
    let contact = |name: Option<&String>, usual: Key, phone: Option<&String>| {
        let name = configured(name).unwrap_or(text(lang, usual));
        let phone = configured(phone).unwrap_or(text(lang, AskForNumber));
        fill(text(lang, ContactLine), &[("name", name), ("phone", phone)])
    };
    let section = |heading: Key, paragraphs: Vec<String>| RightsSection {
        heading: text(lang, heading),
        paragraphs,
    };
    let days = DEFAULT_GRIEVANCE_RESPONSE_DAYS.to_string();
    let c = contacts;
    RightsSheet {
        title: text(lang, RightsTitle),
        intro: text(lang, RightsIntro),
        sections: vec![
            // 482.13(b)(1)-(2)
            section(
                RightsCareHeading,
                vec![
                    t(RightsCareInformed),
                    t(RightsCarePlan),
                    t(RightsCareDecide),
                    t(RightsCareRepresentative),
                ],
            ),
            // (b)(3)
            section(
                RightsDirectivesHeading,
                vec![
                    t(RightsDirectivesWhat),
                    t(RightsDirectivesRight),
                    t(RightsDirectivesAsk),
                ],
            ),
            // (b)(4)
            section(
                RightsToldHeading,
                vec![t(RightsToldFamily), t(RightsToldDoctor)],
            ),
            // (c)
            section(
                RightsSafetyHeading,
                vec![
                    t(RightsSafetyPrivacy),
                    t(RightsSafetyPlace),
                    t(RightsSafetyAbuse),
                ],
            ),
            // (d)
            section(
                RightsRecordsHeading,
                vec![t(RightsRecordsPrivate), t(RightsRecordsAccess)],
            ),
            // (e)
            section(
                RightsRestraintHeading,
                vec![
                    t(RightsRestraintWhat),
                    t(RightsRestraintOnlyForSafety),
                    t(RightsRestraintNever),
                ],
            ),
            // (h)
            section(
                RightsVisitorsHeading,
                vec![
                    t(RightsVisitorsChoose),
                    t(RightsVisitorsChange),
                    t(RightsVisitorsNoDiscrimination),
                    t(RightsVisitorsLimits),
                ],
            ),
            // Section 1557 of the ACA, 45 CFR 92.201
            section(
                RightsLanguageHeading,
                vec![
                    t(RightsLanguageInterpreter),
                    t(RightsLanguagePapers),
                    t(RightsLanguageNoFamily),
                    t(RightsLanguageAsk),
                    contact(None, InterpreterServices, c.interpreter_phone.as_ref()),
                ],
            ),
            // (a)(2): whom to contact; spoken or written
            section(
                RightsConcernHeading,
                vec![
                    t(RightsConcernTellUs),
                    t(RightsConcernOffice),
                    contact(None, PatientRelations, c.patient_relations_phone.as_ref()),
                    t(RightsConcernGrievance),
                    t(RightsConcernNoEffect),
                ],
            ),
            // (a)(2)(iii) and CMS guidance (A-0123): a written response, 7
            // days on average, a letter when it will take longer
            section(
                RightsAfterHeading,
                vec![
                    t(RightsAfterLookInto),
                    t(RightsAfterAnswer),
                    fill(text(lang, RightsAfterDays), &[("days", &days)]),
                    t(RightsAfterLonger),
                ],
            ),
            // (a)(2): the state agency whatever our process; the QIO for
            // Medicare patients (quality of care, a discharge too early)
            section(
                RightsOutsideHeading,
                vec![
                    t(RightsOutsideState),
                    contact(
                        c.state_agency_name.as_ref(),
                        StateAgency,
                        c.state_agency_phone.as_ref(),
                    ),
                    t(RightsOutsideQio),
                    t(RightsOutsideQioWhy),
                    t(RightsOutsideTooSoon),
                    contact(c.qio_name.as_ref(), Qio, c.qio_phone.as_ref()),
                ],
            ),
        ],
        sources: [text(lang, RightsSource), text(lang, RightsSourceLanguage)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_text(s: &RightsSheet) -> String {
        let mut out = format!("{}\n{}\n", s.title, s.intro);
        for section in &s.sections {
            out += section.heading;
            out += "\n";
            for p in &section.paragraphs {
                out += p;
                out += "\n";
            }
        }
        out + &s.sources.join("\n")
    }

    #[test]
    fn the_sheet_prints_configured_numbers_and_invents_none() {
        let contacts = RightsContacts {
            patient_relations_phone: Some("(555) 010-2000".into()),
            state_agency_name: Some("Department of Public Health".into()),
            state_agency_phone: Some("  ".into()),
            qio_name: None,
            qio_phone: Some("1-888-555-0199".into()),
            interpreter_phone: None,
        };
        let en = rights_sheet(Lang::En, &contacts);
        let text = all_text(&en);
        assert_eq!(en.title, "Your rights as a patient");
        assert!(
            text.contains("Patient relations office: (555) 010-2000"),
            "{text}"
        );
        assert!(text.contains("Department of Public Health: ask us for this number"));
        assert!(text.contains("Quality Improvement Organization (QIO): 1-888-555-0199"));
        assert!(text.contains("Interpreter services: ask us for this number"));
        assert!(text.contains("within 7 days"));
        assert!(text.contains(
            "Based on 42 CFR 482.13 (Medicare Conditions of Participation: Patient's rights)"
        ));

        let es = all_text(&rights_sheet(Lang::Es, &contacts));
        assert!(es.contains("Oficina de relaciones con los pacientes: (555) 010-2000"));
        assert!(es.contains("Department of Public Health: pídanos este número"));
        assert!(es.contains("Servicio de intérpretes: pídanos este número"));
        assert!(es.contains("en un plazo de 7 días"));
        assert!(es.starts_with("Sus derechos como paciente"));
    }

    #[test]
    fn both_languages_have_the_same_shape_and_no_placeholder_left() {
        let none = RightsContacts::default();
        let en = rights_sheet(Lang::En, &none);
        assert!(en.sections.len() >= 10);
        for lang in Lang::ALL {
            let sheet = rights_sheet(lang, &none);
            let shape = |s: &RightsSheet| -> Vec<usize> {
                s.sections.iter().map(|s| s.paragraphs.len()).collect()
            };
            assert_eq!(shape(&sheet), shape(&en), "{lang:?}");
            let text = all_text(&sheet);
            assert!(
                !text.contains('{') && !text.contains('}'),
                "{lang:?}: {text}"
            );
        }
    }
}
