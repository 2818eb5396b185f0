//! The coordinator's pocket reference: grievance rules, complaint categories,
//! channels and kinds of case, each with the source to cite to a patient or
//! a surveyor. It is compiled in, so it reads the same with no network.

use advocase_core::reference::{
    CaseKind, Channel, ComplaintCategory, ComplaintDomain, GRIEVANCE_RULES, GRIEVANCE_SOURCE,
    PATIENT_RIGHTS, Party, RIGHTS_SOURCE, Source, TAXONOMY_SOURCE,
};
use leptos::prelude::*;

#[component]
pub fn Guide() -> impl IntoView {
    view! {
        <h1>"Coordinator's guide"</h1>
        <section class="panel" aria-labelledby="grievance-rules">
            <h2 id="grievance-rules">"Grievances: the rules"</h2>
            <ul class="rules">
                {GRIEVANCE_RULES.iter().map(|rule| view! { <li>{*rule}</li> }).collect_view()}
            </ul>
            <Cite source=GRIEVANCE_SOURCE/>
        </section>
        <section class="panel" aria-labelledby="patient-rights">
            <h2 id="patient-rights">"Patients' rights"</h2>
            <p>"Every case has " <strong>"Print rights sheet"</strong> ": these rights in plain words and large type, in English or Spanish, with the hospital's numbers an administrator entered in Settings."</p>
            <ul class="rules">
                {PATIENT_RIGHTS.iter().map(|rule| view! { <li>{*rule}</li> }).collect_view()}
            </ul>
            <Cite source=RIGHTS_SOURCE/>
        </section>
        <section class="panel" aria-labelledby="categories">
            <h2 id="categories">"Complaint categories"</h2>
            {ComplaintDomain::ALL
                .iter()
                .map(|domain| {
                    let domain = *domain;
                    view! {
                        <h3>{domain.label()}</h3>
                        <dl class="categories">
                            {ComplaintCategory::ALL
                                .iter()
                                .filter(move |c| c.domain() == domain)
                                .map(|c| view! { <dt>{c.label()}</dt> <dd>{c.examples()}</dd> })
                                .collect_view()}
                        </dl>
                    }
                })
                .collect_view()}
            <Cite source=TAXONOMY_SOURCE/>
        </section>
        <section class="panel" aria-labelledby="channels">
            <h2 id="channels">"Interaction channels"</h2>
            <p>"A complaint that arrives in writing is always handled as a grievance."</p>
            <ul class="chips">
                {Channel::ALL
                    .iter()
                    .map(|c| {
                        view! {
                            <li class:written=c.is_written()>
                                {c.label()}
                                {c.is_written().then_some(" (written)")}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
        <section class="panel" aria-labelledby="kinds">
            <h2 id="kinds">"Kinds of case"</h2>
            <ul class="chips">{CaseKind::ALL.iter().map(|k| view! { <li>{k.label()}</li> }).collect_view()}</ul>
            <h2>"People you deal with"</h2>
            <ul class="chips">{Party::ALL.iter().map(|p| view! { <li>{p.label()}</li> }).collect_view()}</ul>
        </section>
    }
}

#[component]
fn Cite(source: Source) -> impl IntoView {
    view! {
        <p class="source">
            "Source: " <cite>{source.title}</cite> ". " {source.detail}
        </p>
    }
}
