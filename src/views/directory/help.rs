//! "Who can help?" on a case: the directory entries that match its kind,
//! category, unit, language and words, best first, each with why.

use advocase_core::caseload::CaseFile;
use advocase_core::directory::suggest::who_can_help;
use leptos::prelude::*;

use crate::views::fields::Shown;

use super::card;
use crate::clock;

/// For the case page's memo of its case (a memo of its own, or a derived
/// signal, would be a signal type compiled for this one use: README, Size).
#[component]
pub fn WhoCanHelp(file: Memo<Option<CaseFile>>) -> impl IntoView {
    let directory = crate::app::handles().directory;
    let found = Memo::new(move |_| {
        let case = file.with(|f| f.as_ref().map(|f| f.case.clone()))?;
        let today = clock::today();
        let cards: String = directory.structure.with(|structure| {
            directory.with_live(|live| {
                who_can_help(&live.entries, &case, structure)
                    .into_iter()
                    .map(|s| card(&live.entries[s.entry], today, &s.why))
                    .collect()
            })
        });
        (!cards.is_empty()).then_some(cards)
    });
    view! {
        <section class="panel" aria-labelledby="help-title">
            <h2 id="help-title">"Who can help?"</h2>
            <Shown when=Signal::derive(move || found.with(Option::is_some)) fallback=|| view! {
                <p class="muted">"No directory entry matches this case. " <a href="/directory">"Search the directory"</a></p>
            }>
                <ul class="entries" inner_html=move || found.get().unwrap_or_default()></ul>
            </Shown>
        </section>
    }
}
