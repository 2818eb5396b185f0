//! What a patient reads, in the patient's language: the discharge sheet, the
//! default templates' texts and the rights sheet. Coordinators' screens stay
//! in English and do not come here.
//!
//! Each language is one file of data (`en.rs`, `es.rs`): a `Language`
//! with its name, month and weekday names, a table of texts by [`Key`] and
//! the default templates' texts by their English. Static tables searched
//! linearly: a few hundred entries cost the client's .wasm less than a map.
//!
//! To add a language:
//! 1. copy `es.rs` to `xx.rs` (its ISO 639-1 code) and translate every
//!    value, keeping each `{placeholder}` as it is;
//! 2. add `mod xx;`, a `Lang` variant, its place in `Lang::ALL` and in
//!    `Lang::language` below.
//!
//! The tests then say what is missing: a key without a text, a key twice, a
//! placeholder lost, a default template's text without a translation.

mod en;
mod es;
mod rights;

pub use rights::{RightsContacts, RightsSection, RightsSheet, rights_sheet};

use chrono::{Datelike, NaiveDate};

use crate::checklist::ItemState;
use crate::reference::{Destination, Responsible};

/// A language a patient's sheet can be printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    fn language(self) -> &'static Language {
        match self {
            Lang::En => &en::LANGUAGE,
            Lang::Es => &es::LANGUAGE,
        }
    }

    /// ISO 639-1: "en", "es".
    pub fn code(self) -> &'static str {
        self.language().code
    }

    /// The language's name in itself: "English", "Español".
    pub fn name(self) -> &'static str {
        self.language().name
    }

    /// The language a coordinator's freehand "Preferred language" names
    /// ("Spanish (Mexico)", "ES-mx", "castellano"), if we can print it: the
    /// first word that names one of ours decides, so "English, some
    /// Spanish" stays English.
    pub fn recognize(preferred_language: &str) -> Option<Lang> {
        let folded = fold(preferred_language);
        folded
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .find_map(|word| {
                Lang::ALL.into_iter().find(|l| {
                    let lang = l.language();
                    word == lang.code || lang.known_as.iter().any(|n| fold(n) == word)
                })
            })
    }

    /// The sheet language for a patient: the preferred one if we have it,
    /// English otherwise.
    pub fn for_patient(preferred_language: &str) -> Lang {
        Lang::recognize(preferred_language).unwrap_or(Lang::En)
    }
}

/// Lower case without accents, so "Español", "espanol" and "ESPAÑOL" match.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        })
        .collect()
}

/// Everything one language file defines.
struct Language {
    /// ISO 639-1.
    code: &'static str,
    /// Its name in itself.
    name: &'static str,
    /// Words a coordinator may type for it (any case, accents optional),
    /// besides `code`.
    known_as: &'static [&'static str],
    /// January first.
    months: [&'static str; 12],
    /// Monday first.
    weekdays: [&'static str; 7],
    texts: &'static [(Key, &'static str)],
    /// The default templates' names, section titles and item texts, by
    /// their English (a started checklist keeps only the text).
    templates: &'static [(&'static str, &'static str)],
}

macro_rules! keys {
    ($($(#[$meta:meta])* $key:ident),+ $(,)?) => {
        /// A text on a patient's sheet. Its words are in each language file.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Key { $($(#[$meta])* $key),+ }

        impl Key {
            pub const ALL: &'static [Key] = &[$(Key::$key),+];
        }
    };
}

keys! {
    /// `{weekday} {day} {month} {year}`, see `dates::long_in`.
    LongDate,
    /// `{weekday} {day} {month}`, see `dates::day_and_month_in`.
    DayAndMonth,
    /// `{day} {month} {year}`, see `dates::date_in`.
    Date,

    // The discharge sheet.
    SheetTitle,
    SheetFor,
    PlanDateAndPlace,
    PlanDate,
    PlanPlace,
    /// The patient prefers another language: see [`language_note`].
    NotePreferred,
    NoteAskForSheet,
    NoteInterpreterCanRead,
    NoteInterpreter,
    /// In the language itself: "ask us for this sheet in English".
    AskForThisSheet,
    SheetIntro,
    WhoHelps,
    ByDate,
    ToDo,
    Done,
    NotApplicable,
    WhoPatient,
    WhoFamily,
    WhoCoordinator,
    WhoNurse,
    WhoPhysician,
    WhoSocialWork,
    WhoPharmacy,
    WhoCaseManagement,
    ToHome,
    ToHomeWithServices,
    ToSkilledNursing,
    ToRehabilitation,
    ToOtherFacility,
    ToHospice,
    NotesHeading,
    SheetFooter,
    /// In the language itself, on the link that switches the sheet to it.
    PrintInThisLanguage,
    /// Beside a checklist text nobody translated (a manager's own item).
    OnlyInEnglish,
    /// The section of items added for one patient
    /// (`checklist::ADDED_SECTION`).
    AddedSection,

    // The rights sheet (rights.rs puts them in order).
    RightsTitle,
    RightsIntro,
    RightsCareHeading,
    RightsCareInformed,
    RightsCarePlan,
    RightsCareDecide,
    RightsCareRepresentative,
    RightsDirectivesHeading,
    RightsDirectivesWhat,
    RightsDirectivesRight,
    RightsDirectivesAsk,
    RightsToldHeading,
    RightsToldFamily,
    RightsToldDoctor,
    RightsSafetyHeading,
    RightsSafetyPrivacy,
    RightsSafetyPlace,
    RightsSafetyAbuse,
    RightsRecordsHeading,
    RightsRecordsPrivate,
    RightsRecordsAccess,
    RightsRestraintHeading,
    RightsRestraintWhat,
    RightsRestraintOnlyForSafety,
    RightsRestraintNever,
    RightsVisitorsHeading,
    RightsVisitorsChoose,
    RightsVisitorsChange,
    RightsVisitorsNoDiscrimination,
    RightsVisitorsLimits,
    RightsLanguageHeading,
    RightsLanguageInterpreter,
    RightsLanguagePapers,
    RightsLanguageNoFamily,
    RightsLanguageAsk,
    InterpreterServices,
    RightsConcernHeading,
    RightsConcernTellUs,
    RightsConcernOffice,
    PatientRelations,
    RightsConcernGrievance,
    RightsConcernNoEffect,
    RightsAfterHeading,
    RightsAfterLookInto,
    RightsAfterAnswer,
    RightsAfterDays,
    RightsAfterLonger,
    RightsOutsideHeading,
    RightsOutsideState,
    StateAgency,
    RightsOutsideQio,
    RightsOutsideQioWhy,
    RightsOutsideTooSoon,
    Qio,
    /// `{name}: {phone}`.
    ContactLine,
    /// In place of a number the hospital has not configured.
    AskForNumber,
    RightsSource,
    RightsSourceLanguage,
}

/// The text for `key` in `lang`, or in English if `lang` lacks it (the
/// tests make sure none does).
pub fn text(lang: Lang, key: Key) -> &'static str {
    let find = |l: Lang| {
        l.language()
            .texts
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, t)| *t)
    };
    find(lang).or_else(|| find(Lang::En)).unwrap_or_default()
}

/// The month's name in `lang` ("noviembre"), for crate::dates.
pub(crate) fn month(lang: Lang, d: NaiveDate) -> &'static str {
    lang.language().months[d.month0() as usize]
}

/// The weekday's name in `lang` ("lunes"), for crate::dates.
pub(crate) fn weekday(lang: Lang, d: NaiveDate) -> &'static str {
    lang.language().weekdays[d.weekday().num_days_from_monday() as usize]
}

/// `template` with each `{name}` in `values` replaced, in one pass (a value
/// containing braces is left alone); unknown placeholders stay as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Who helps with an item, said to the patient ("Your nurse").
pub fn responsible(lang: Lang, r: Responsible) -> &'static str {
    text(
        lang,
        match r {
            Responsible::Patient => Key::WhoPatient,
            Responsible::Family => Key::WhoFamily,
            Responsible::Coordinator => Key::WhoCoordinator,
            Responsible::Nurse => Key::WhoNurse,
            Responsible::Physician => Key::WhoPhysician,
            Responsible::SocialWork => Key::WhoSocialWork,
            Responsible::Pharmacy => Key::WhoPharmacy,
            Responsible::CaseManagement => Key::WhoCaseManagement,
        },
    )
}

/// Where the patient goes, as said inside a sentence ("home").
pub fn destination(lang: Lang, d: Destination) -> &'static str {
    text(
        lang,
        match d {
            Destination::Home => Key::ToHome,
            Destination::HomeWithServices => Key::ToHomeWithServices,
            Destination::SkilledNursing => Key::ToSkilledNursing,
            Destination::Rehabilitation => Key::ToRehabilitation,
            Destination::OtherFacility => Key::ToOtherFacility,
            Destination::Hospice => Key::ToHospice,
        },
    )
}

/// An item's state, said to the patient. A reason for "not applicable" is
/// the care team's wording and stays off the sheet.
pub fn item_state(lang: Lang, s: &ItemState) -> &'static str {
    text(
        lang,
        match s {
            ItemState::ToDo => Key::ToDo,
            ItemState::Done { .. } => Key::Done,
            ItemState::NotApplicable { .. } => Key::NotApplicable,
        },
    )
}

/// A default template's name, section title or item text in `lang`, found
/// by its English; `None` for text nobody translated (a manager's own item:
/// print the English, marked with [`Key::OnlyInEnglish`]). English is
/// always itself.
pub fn template_text(lang: Lang, english: &str) -> Option<&str> {
    if lang == Lang::En {
        return Some(english);
    }
    lang.language()
        .templates
        .iter()
        .find(|(en, _)| *en == english)
        .map(|(_, t)| *t)
}

/// The line about language on a sheet printed in `lang`, for a patient
/// whose "Preferred language" reads `preferred_language`. It promises a
/// printed sheet only in a language we can print; for any other it offers
/// an interpreter who reads the sheet aloud.
pub fn language_note(
    lang: Lang,
    preferred_language: &str,
    interpreter_needed: bool,
) -> Option<String> {
    let typed = preferred_language.trim();
    let preferred = |name: &str| fill(text(lang, Key::NotePreferred), &[("language", name)]);
    match Lang::recognize(typed) {
        // As the coordinator typed it: "Spanish (Mexico)" on an English
        // sheet, not "Español".
        Some(other) if other != lang => Some(format!(
            "{} {} {}",
            preferred(typed),
            text(lang, Key::NoteAskForSheet),
            text(other, Key::AskForThisSheet)
        )),
        None if !typed.is_empty() => Some(format!(
            "{} {}",
            preferred(typed),
            text(lang, Key::NoteInterpreterCanRead)
        )),
        // The sheet is in the patient's language (or none is recorded):
        // whoever reads a translated sheet should know interpreters are free.
        _ => (interpreter_needed || lang != Lang::En)
            .then(|| text(lang, Key::NoteInterpreter).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::default_templates::default_templates;
    use std::collections::{BTreeSet, HashSet};

    #[test]
    fn freehand_preferred_languages_map_to_a_sheet_language() {
        for es in [
            "Spanish",
            "spanish",
            "Español",
            "espanol",
            "ESPAÑOL",
            "es",
            "ES-mx",
            "Spanish (Mexico)",
            "Castellano",
            " Mexican Spanish ",
        ] {
            assert_eq!(Lang::for_patient(es), Lang::Es, "{es}");
        }
        for en in [
            "",
            "English",
            "en-US",
            "Vietnamese",
            "Tiếng Việt",
            "English, some Spanish",
            "Portuguese",
            "Estonian",
        ] {
            assert_eq!(Lang::for_patient(en), Lang::En, "{en}");
        }
        assert_eq!(Lang::recognize("Vietnamese"), None);
        assert_eq!(Lang::recognize("inglés"), Some(Lang::En));
    }

    #[test]
    fn languages_have_codes_and_their_own_names() {
        let codes: Vec<_> = Lang::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(codes, ["en", "es"]);
        assert_eq!(Lang::Es.name(), "Español");
        assert_eq!(Lang::En.name(), "English");
    }

    #[test]
    fn every_key_has_one_non_empty_text_in_every_language() {
        for lang in Lang::ALL {
            let texts = lang.language().texts;
            for key in Key::ALL {
                let n = texts.iter().filter(|(k, _)| k == key).count();
                assert_eq!(n, 1, "{lang:?} has {key:?} {n} times");
            }
            for (key, t) in texts {
                assert!(!t.trim().is_empty(), "{lang:?} {key:?} is empty");
                assert_eq!(*t, t.trim(), "{lang:?} {key:?} has spaces around it");
            }
            let l = lang.language();
            assert!(
                l.months.iter().chain(&l.weekdays).all(|n| !n.is_empty()),
                "{lang:?} has an empty month or weekday name"
            );
        }
    }

    fn placeholders(t: &str) -> BTreeSet<&str> {
        t.split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn every_translation_keeps_the_english_placeholders() {
        for lang in Lang::ALL {
            for &key in Key::ALL {
                assert_eq!(
                    placeholders(text(lang, key)),
                    placeholders(text(Lang::En, key)),
                    "{lang:?} {key:?}"
                );
            }
        }
        assert_eq!(
            placeholders(text(Lang::En, Key::PlanDateAndPlace)),
            BTreeSet::from(["date", "place"])
        );
    }

    #[test]
    fn every_default_template_text_is_translated_and_no_translation_is_stale() {
        let mut english = Vec::new();
        for t in default_templates() {
            english.push(t.name);
            for s in t.sections {
                english.push(s.title);
                english.extend(s.items.into_iter().map(|i| i.text));
            }
        }
        for lang in Lang::ALL {
            for e in &english {
                let t = template_text(lang, e);
                assert!(t.is_some_and(|t| !t.trim().is_empty()), "{lang:?}: {e}");
            }
            let table = lang.language().templates;
            let mut seen = HashSet::new();
            for (e, _) in table {
                assert!(seen.insert(e), "{lang:?} translates {e:?} twice");
                assert!(english.iter().any(|x| x == e), "{lang:?}: stale {e:?}");
            }
        }
        assert_eq!(template_text(Lang::Es, "An item a manager wrote"), None);
        assert_eq!(
            template_text(Lang::En, "An item a manager wrote"),
            Some("An item a manager wrote")
        );
        assert_eq!(template_text(Lang::Es, "Medicines"), Some("Medicamentos"));
    }

    #[test]
    fn fill_replaces_named_placeholders_once() {
        assert_eq!(
            fill(
                "By {date}, to {place}.",
                &[("date", "Monday"), ("place", "home")]
            ),
            "By Monday, to home."
        );
        assert_eq!(fill("{a}{a} {b} {", &[("a", "{b}")]), "{b}{b} {b} {");
        assert_eq!(fill("no braces", &[]), "no braces");
        assert_eq!(
            fill(text(Lang::Es, Key::SheetFor), &[("name", "Ana Núñez")]),
            "Para Ana Núñez"
        );
    }

    #[test]
    fn patient_words_for_vocabulary_in_both_languages() {
        assert_eq!(responsible(Lang::En, Responsible::Nurse), "Your nurse");
        assert_eq!(responsible(Lang::Es, Responsible::Physician), "Su médico");
        assert_eq!(destination(Lang::En, Destination::Home), "home");
        assert_eq!(destination(Lang::Es, Destination::Home), "su casa");
        assert_eq!(item_state(Lang::Es, &ItemState::ToDo), "Pendiente");
        for lang in Lang::ALL {
            let whos: HashSet<_> = Responsible::ALL
                .iter()
                .map(|r| responsible(lang, *r))
                .collect();
            assert_eq!(whos.len(), Responsible::ALL.len(), "{lang:?}");
            let places: HashSet<_> = Destination::ALL
                .iter()
                .map(|d| destination(lang, *d))
                .collect();
            assert_eq!(places.len(), Destination::ALL.len(), "{lang:?}");
        }
    }

    #[test]
    fn the_language_note_promises_only_sheets_we_can_print() {
        assert_eq!(language_note(Lang::En, "", false), None);
        assert_eq!(language_note(Lang::En, "English", false), None);
        assert_eq!(
            language_note(Lang::En, "english", true).as_deref(),
            Some("You can ask for an interpreter at any time. It is free.")
        );
        let es = language_note(Lang::Es, "Spanish", false).unwrap();
        assert!(
            es.contains("intérprete") && !es.contains("esta hoja en"),
            "{es}"
        );
        let spanish_on_english = language_note(Lang::En, "Spanish (Mexico)", true).unwrap();
        assert_eq!(
            spanish_on_english,
            "Your preferred language: Spanish (Mexico). Ask us for this sheet in your language, \
             or for an interpreter. It is free. Pídanos esta hoja en español."
        );
        let vietnamese = language_note(Lang::En, " Vietnamese ", false).unwrap();
        assert!(vietnamese.starts_with("Your preferred language: Vietnamese. "));
        assert!(!vietnamese.contains("sheet in"), "{vietnamese}");
        let english_on_spanish = language_note(Lang::Es, "English", false).unwrap();
        assert!(english_on_spanish.ends_with("Ask us for this sheet in English."));
    }
}
