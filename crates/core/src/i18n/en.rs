//! English: the reference every other language is checked against. The
//! default templates are written in English, so there is no template table.

use super::{Key, Language};

pub(super) const LANGUAGE: Language = Language {
    code: "en",
    name: "English",
    known_as: &["english", "inglés"],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    texts: TEXTS,
    templates: &[],
};

const TEXTS: &[(Key, &str)] = &[
    (Key::LongDate, "{weekday} {day} {month} {year}"),
    (Key::DayAndMonth, "{weekday} {day} {month}"),
    (Key::Date, "{day} {month} {year}"),
    // The discharge sheet.
    (Key::SheetTitle, "Your plan for leaving the hospital"),
    (Key::SheetFor, "For {name}"),
    (
        Key::PlanDateAndPlace,
        "You are expected to leave the hospital on {date}, to go to: {place}.",
    ),
    (
        Key::PlanDate,
        "You are expected to leave the hospital on {date}.",
    ),
    (
        Key::PlanPlace,
        "When you leave the hospital, you will go to: {place}.",
    ),
    (Key::NotePreferred, "Your preferred language: {language}."),
    (
        Key::NoteAskForSheet,
        "Ask us for this sheet in your language, or for an interpreter. It is free.",
    ),
    (
        Key::NoteInterpreterCanRead,
        "Ask us for an interpreter. The interpreter can read this sheet to you in your language. It is free.",
    ),
    (
        Key::NoteInterpreter,
        "You can ask for an interpreter at any time. It is free.",
    ),
    (Key::AskForThisSheet, "Ask us for this sheet in English."),
    (
        Key::SheetIntro,
        "Go through this list with us before you leave. A check mark means it is done; a dash means it does not apply to you. Ask about anything that is not clear.",
    ),
    (Key::WhoHelps, "Who helps: {who}"),
    (Key::ByDate, "By {date}"),
    (Key::ToDo, "To do"),
    (Key::Done, "Done"),
    (Key::NotApplicable, "Does not apply to you"),
    (Key::WhoPatient, "You"),
    (Key::WhoFamily, "You and your family or caregiver"),
    (Key::WhoCoordinator, "Your patient advocate"),
    (Key::WhoNurse, "Your nurse"),
    (Key::WhoPhysician, "Your doctor"),
    (Key::WhoSocialWork, "The social worker"),
    (Key::WhoPharmacy, "The pharmacist"),
    (Key::WhoCaseManagement, "The case manager"),
    (Key::ToHome, "home"),
    (Key::ToHomeWithServices, "home with home-health services"),
    (Key::ToSkilledNursing, "a skilled nursing facility"),
    (Key::ToRehabilitation, "inpatient rehabilitation"),
    (Key::ToOtherFacility, "another facility or hospital"),
    (Key::ToHospice, "hospice care"),
    (Key::NotesHeading, "My questions and phone numbers"),
    (Key::SheetFooter, "{title} · printed {date}"),
    (Key::PrintInThisLanguage, "Print in English"),
    (Key::OnlyInEnglish, "(in English only)"),
    (Key::AddedSection, "Added for this patient"),
    // The rights sheet.
    (Key::RightsTitle, "Your rights as a patient"),
    (
        Key::RightsIntro,
        "You have rights as a patient in this hospital. We must respect them. This sheet explains them in plain words. Ask us about anything that is not clear.",
    ),
    (Key::RightsCareHeading, "Taking part in your care"),
    (
        Key::RightsCareInformed,
        "You have the right to know about your health, in words you understand.",
    ),
    (
        Key::RightsCarePlan,
        "You have the right to take part in planning your care. This includes your plan for leaving the hospital.",
    ),
    (
        Key::RightsCareDecide,
        "You have the right to make decisions about your care. You can ask for a treatment, or say no to a treatment.",
    ),
    (
        Key::RightsCareRepresentative,
        "A person you choose (your representative) can make these decisions with you or for you, as state law allows.",
    ),
    (
        Key::RightsDirectivesHeading,
        "Your wishes in writing (advance directives)",
    ),
    (
        Key::RightsDirectivesWhat,
        "An advance directive is a paper that says what care you want if one day you cannot decide for yourself. It can also name a person to decide for you.",
    ),
    (
        Key::RightsDirectivesRight,
        "You have the right to make one. Our staff must follow it, as the law allows.",
    ),
    (
        Key::RightsDirectivesAsk,
        "If you want information about advance directives, ask us.",
    ),
    (
        Key::RightsToldHeading,
        "Telling your family and your doctor",
    ),
    (
        Key::RightsToldFamily,
        "If you want, we will quickly tell a family member or another person you choose that you are in the hospital.",
    ),
    (
        Key::RightsToldDoctor,
        "If you want, we will also tell your own doctor.",
    ),
    (Key::RightsSafetyHeading, "Privacy and safety"),
    (Key::RightsSafetyPrivacy, "You have the right to privacy."),
    (
        Key::RightsSafetyPlace,
        "You have the right to receive care in a safe place.",
    ),
    (
        Key::RightsSafetyAbuse,
        "No one may abuse or harass you. If it happens, tell us right away.",
    ),
    (Key::RightsRecordsHeading, "Your medical records"),
    (
        Key::RightsRecordsPrivate,
        "Your medical records are confidential. We must protect them.",
    ),
    (
        Key::RightsRecordsAccess,
        "You have the right to see the information in your records and to get a copy, within a reasonable time. Ask us how.",
    ),
    (Key::RightsRestraintHeading, "Restraint and seclusion"),
    (
        Key::RightsRestraintWhat,
        "Restraint means anything that limits how you can move, including some uses of medicine. Seclusion means keeping you alone in a room you are not allowed to leave.",
    ),
    (
        Key::RightsRestraintOnlyForSafety,
        "They may be used only to keep you or others safe, and must stop as soon as it is safe.",
    ),
    (
        Key::RightsRestraintNever,
        "They must never be used as punishment, or because it is easier for staff.",
    ),
    (Key::RightsVisitorsHeading, "Visitors"),
    (
        Key::RightsVisitorsChoose,
        "You have the right to choose your visitors. This can be your spouse, your partner (including a same-sex partner), a family member or a friend.",
    ),
    (
        Key::RightsVisitorsChange,
        "You can change your mind about a visitor at any time.",
    ),
    (
        Key::RightsVisitorsNoDiscrimination,
        "We do not limit visitors because of race, color, national origin, religion, sex, gender identity, sexual orientation or disability.",
    ),
    (
        Key::RightsVisitorsLimits,
        "Sometimes visits must be limited for health or safety reasons. If so, we will tell you why.",
    ),
    (Key::RightsLanguageHeading, "Help with language"),
    (
        Key::RightsLanguageInterpreter,
        "You have the right to an interpreter, free of charge. This includes sign language.",
    ),
    (
        Key::RightsLanguagePapers,
        "You can ask for important papers in your language, or ask someone to read them to you.",
    ),
    (
        Key::RightsLanguageNoFamily,
        "You do not have to ask a family member or friend to interpret for you.",
    ),
    (
        Key::RightsLanguageAsk,
        "To get an interpreter, tell any staff member.",
    ),
    (Key::InterpreterServices, "Interpreter services"),
    (
        Key::RightsConcernHeading,
        "If you have a concern or a complaint",
    ),
    (
        Key::RightsConcernTellUs,
        "Tell us. You can talk to your nurse, your doctor or any staff member. We can often fix a problem right away.",
    ),
    (
        Key::RightsConcernOffice,
        "You can also contact our patient relations office.",
    ),
    (Key::PatientRelations, "Patient relations office"),
    (
        Key::RightsConcernGrievance,
        "You can file a grievance. A grievance is a formal complaint. You can make it by talking to us or in writing. A person you choose can make it for you.",
    ),
    (
        Key::RightsConcernNoEffect,
        "Raising a concern or a complaint will not affect your care.",
    ),
    (Key::RightsAfterHeading, "After you file a grievance"),
    (Key::RightsAfterLookInto, "We look into your grievance."),
    (
        Key::RightsAfterAnswer,
        "We send you an answer in writing. The answer tells you whom you can contact here, what we did to look into it, what we found and when we finished.",
    ),
    (
        Key::RightsAfterDays,
        "We aim to send it within {days} days.",
    ),
    (
        Key::RightsAfterLonger,
        "Some grievances take longer. If yours does, we will send you a letter to tell you, and to say when you will get our answer.",
    ),
    (Key::RightsOutsideHeading, "Help from outside the hospital"),
    (
        Key::RightsOutsideState,
        "You can also contact the state agency that checks hospitals. You can do this at any time, whether or not you have used our process.",
    ),
    (Key::StateAgency, "State agency that checks hospitals"),
    (
        Key::RightsOutsideQio,
        "If you have Medicare, you can also call the Quality Improvement Organization (QIO).",
    ),
    (
        Key::RightsOutsideQioWhy,
        "Call the QIO if you have a concern about the quality of your care, or if you think you are being discharged from the hospital too soon.",
    ),
    (
        Key::RightsOutsideTooSoon,
        "If you think you are leaving too soon, call the QIO before you leave the hospital. The notice \"An Important Message from Medicare About Your Rights\" we gave you explains how.",
    ),
    (Key::Qio, "Quality Improvement Organization (QIO)"),
    (Key::ContactLine, "{name}: {phone}"),
    (Key::AskForNumber, "ask us for this number"),
    (
        Key::RightsSource,
        "Based on 42 CFR 482.13 (Medicare Conditions of Participation: Patient's rights)",
    ),
    (
        Key::RightsSourceLanguage,
        "Help with language: Section 1557 of the Affordable Care Act (45 CFR 92.201)",
    ),
];
