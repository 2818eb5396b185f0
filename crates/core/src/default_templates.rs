//! The two discharge-planning templates every hospital starts with, as
//! data (../shared/reference/discharge-templates.md), in our own words with
//! their sources. Their ids are fixed, so every server and device agrees on
//! them; they are version 1 of those ids.

use crate::checklist::{Section, Template, TemplateItem};
use crate::id::Id;
use crate::reference::Responsible;

fn uuid(s: &str) -> Id {
    s.parse().expect("built-in template ids are valid UUIDs")
}

fn section(title: &str, items: &[(&str, Responsible, bool)]) -> Section {
    Section {
        title: title.to_owned(),
        items: items
            .iter()
            .map(|(text, responsible, required)| TemplateItem {
                text: (*text).to_owned(),
                responsible: *responsible,
                required: *required,
            })
            .collect(),
    }
}

/// The two templates every hospital starts with (fixed ids, so every server
/// and device agrees on them), in our own words, each with its source.
pub fn default_templates() -> Vec<Template> {
    use Responsible::*;
    vec![
        Template {
            id: uuid("0192f000-0000-7000-8000-000000000001"),
            version: 1,
            name: "Discharge planning checklist (patient and caregiver)".into(),
            source: "Medicare (CMS), \"Your Discharge Planning Checklist\", CMS Product No. 11376"
                .into(),
            sections: vec![
                section(
                    "Where you go next",
                    &[
                        (
                            "We agreed where you will go after the hospital (home, home with services, or a facility)",
                            Family,
                            true,
                        ),
                        (
                            "The person who will help you is named and part of the planning",
                            Family,
                            false,
                        ),
                        (
                            "If you go to a facility, you were given choices and one was chosen",
                            CaseManagement,
                            false,
                        ),
                    ],
                ),
                section(
                    "Your condition",
                    &[
                        (
                            "You can say what your condition is and how to help your recovery",
                            Nurse,
                            false,
                        ),
                        (
                            "You know the warning signs and whom to call about them",
                            Nurse,
                            true,
                        ),
                        (
                            "You have written information about your condition",
                            Nurse,
                            false,
                        ),
                    ],
                ),
                section(
                    "Medicines",
                    &[
                        (
                            "You have a complete list of your medicines, with what is new, changed or stopped",
                            Pharmacy,
                            true,
                        ),
                        (
                            "You know how and when to take each one and which side effects to watch for",
                            Pharmacy,
                            false,
                        ),
                        (
                            "You know how to get your medicines and can afford them",
                            Coordinator,
                            false,
                        ),
                    ],
                ),
                section(
                    "Equipment and help at home",
                    &[
                        (
                            "Medical equipment you need is ordered and its delivery arranged",
                            CaseManagement,
                            false,
                        ),
                        (
                            "Help with bathing, dressing, eating and using the toilet is arranged",
                            SocialWork,
                            false,
                        ),
                        (
                            "Home-health or other services are arranged and insurance coverage checked",
                            Coordinator,
                            false,
                        ),
                        (
                            "You were given instructions for diet and activity",
                            Nurse,
                            false,
                        ),
                    ],
                ),
                section(
                    "Follow-up",
                    &[
                        (
                            "Follow-up appointments are made, with date, place and transport",
                            Coordinator,
                            true,
                        ),
                        (
                            "Tests still pending, and who will follow them up, are known",
                            Physician,
                            false,
                        ),
                        (
                            "You have a named person to call with questions after you leave",
                            Coordinator,
                            true,
                        ),
                    ],
                ),
                section(
                    "Your caregiver",
                    &[
                        (
                            "Your caregiver knows what help you need and was shown how to give it",
                            Nurse,
                            false,
                        ),
                        (
                            "Your caregiver knows where to find support and respite",
                            SocialWork,
                            false,
                        ),
                    ],
                ),
                section(
                    "Paperwork and the trip home",
                    &[
                        (
                            "You have a written discharge plan in your language",
                            Nurse,
                            true,
                        ),
                        ("Transport home is arranged", Family, false),
                    ],
                ),
            ],
        },
        Template {
            id: uuid("0192f000-0000-7000-8000-000000000002"),
            version: 1,
            name: "Re-Engineered Discharge (RED): 12 components".into(),
            source:
                "AHRQ, \"Re-Engineered Discharge (RED) Toolkit\" (Boston University Medical Center)"
                    .into(),
            sections: vec![section(
                "RED components",
                &[
                    (
                        "Find out whether language help is needed, and arrange it",
                        Coordinator,
                        true,
                    ),
                    (
                        "Make the follow-up appointments and post-discharge tests",
                        Coordinator,
                        true,
                    ),
                    (
                        "Plan who follows up test results still pending at discharge",
                        Physician,
                        true,
                    ),
                    (
                        "Organise outpatient services and medical equipment after discharge",
                        CaseManagement,
                        false,
                    ),
                    (
                        "Identify the right medicines and how the patient will get them",
                        Pharmacy,
                        true,
                    ),
                    (
                        "Check the discharge plan against national guidelines",
                        Physician,
                        false,
                    ),
                    (
                        "Teach a written discharge plan the patient can understand",
                        Nurse,
                        true,
                    ),
                    (
                        "Teach the patient about the diagnosis and the medicines",
                        Nurse,
                        false,
                    ),
                    ("Go over what to do if a problem comes up", Nurse, false),
                    ("Check understanding with teach-back", Nurse, true),
                    (
                        "Send the discharge summary quickly to the clinicians taking over care",
                        Physician,
                        true,
                    ),
                    (
                        "Reinforce the plan by telephone after discharge (usually within 2–3 days)",
                        Coordinator,
                        false,
                    ),
                ],
            )],
        },
    ]
}
