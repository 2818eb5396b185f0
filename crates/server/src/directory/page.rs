//! The hospital's structure page the app shows (`/api/structure/page`,
//! drawn by `advocase_core::directory::page`), for administrators. Its
//! units form is sent whole with each action (`do`: `add:units`,
//! `retire:departments.2`, `map:0`, or a save) and answered with the page,
//! the draft kept as typed; a save and a mapping go through the same checks
//! and storage as `/api/structure` and `/api/structure/map`. The CSV form
//! goes to `/api/structure/page/import`, answered with its section.

use advocase_core::directory::page::{self, Import, Said, draft_of, editable, is_saved, value};
use advocase_core::directory::wire::MapText;
use advocase_core::directory::{Department, Structure, Unit};
use advocase_core::id::Id;
use axum::extract::{DefaultBodyLimit, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Router, extract::FromRequest};

use super::csv::{MAX_CSV_BYTES, import_file, new_id, too_large};
use super::structure::{self, Refused, newest, unmatched_texts};
use crate::api::Failure;
use crate::auth::Admin;
use crate::body::{html, page_form};
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/structure/page", get(drawn).post(act))
        // A file as large as the JSON import takes, with the form around it.
        .route(
            "/structure/page/import",
            post(import).layer(DefaultBodyLimit::max(MAX_CSV_BYTES + 64 * 1024)),
        )
}

const STALE: &str = "Someone else saved the units and departments first, so your changes were \
not saved. The form now shows their version: make your changes again.";
const MAP_STALE: &str =
    "Someone else saved the units meanwhile: the list now shows the newest. Map it again.";

/// The page with `draft` in its form and `said` where it belongs.
async fn draw(state: &AppState, draft: &Structure, said: &Said) -> Result<Response, Failure> {
    let saved = newest(&state.db.pool).await?;
    let unmatched = unmatched_texts(&state.db).await?;
    let at = chrono::DateTime::from_timestamp_millis(saved.saved_at_ms).unwrap_or_default();
    let saved_at = advocase_core::dates::date_time(crate::report::local(state)(at));
    Ok(html(page::render(
        draft,
        &saved,
        &saved_at,
        &unmatched,
        said,
        &Import::None,
    )))
}

/// `GET /api/structure/page`: the newest version in the form.
async fn drawn(State(state): State<AppState>, _: Admin) -> Result<Response, Failure> {
    let saved = newest(&state.db.pool).await?;
    draw(&state, &editable(saved), &Said::default()).await
}

/// `POST /api/structure/page`: the units form with its action.
async fn act(
    State(state): State<AppState>,
    Admin(user): Admin,
    req: Request,
) -> Result<Response, Failure> {
    let fields = page_form(req, &state, "/api/structure").await?;
    let mut draft = draft_of(&fields);
    let mut said = Said::default();
    let action = value(&fields, "do").unwrap_or("save");
    let (verb, what) = action.split_once(':').unwrap_or((action, ""));
    match verb {
        "add" if what == "units" => {
            draft.units.push(Unit {
                id: new_id(),
                aliases: vec![String::new()],
                ..Unit::default()
            });
            said.focus = Some(format!("units.{}.name", draft.units.len() - 1));
        }
        "add" => {
            draft.departments.push(Department {
                id: new_id(),
                ..Department::default()
            });
            said.focus = Some(format!("departments.{}.name", draft.departments.len() - 1));
        }
        "retire" => retire(&state, &mut draft, &mut said, what).await?,
        "map" => map(&state, &user.username, &fields, &mut draft, &mut said, what).await?,
        _ => save(&state, &user.username, &mut draft, &mut said).await?,
    }
    draw(&state, &draft, &said).await
}

/// Row `row` (`units.2`): a row of the version saved is retired or
/// restored, and keeps the focus; one added since is taken out, and the
/// focus goes to its list's Add button.
async fn retire(
    state: &AppState,
    draft: &mut Structure,
    said: &mut Said,
    row: &str,
) -> Result<(), Failure> {
    let (list, i) = row.split_once('.').unwrap_or_default();
    let units = list == "units";
    let Ok(i) = i.parse::<usize>() else {
        return Ok(());
    };
    let id = if units {
        draft.units.get(i).map(|r| r.id)
    } else {
        draft.departments.get(i).map(|r| r.id)
    };
    let Some(id) = id else { return Ok(()) };
    let saved = is_saved(&newest(&state.db.pool).await?, id);
    match (units, saved) {
        (true, true) => draft.units[i].retired ^= true,
        (true, false) => drop(draft.units.remove(i)),
        (false, true) => draft.departments[i].retired ^= true,
        (false, false) => drop(draft.departments.remove(i)),
    }
    said.focus = Some(if saved {
        format!("{row}.retire")
    } else {
        format!("{list}.add")
    });
    Ok(())
}

/// Saves the draft: every problem at once, each at its field (the first
/// focused); someone else's newer version replaces it.
async fn save(
    state: &AppState,
    username: &str,
    draft: &mut Structure,
    said: &mut Said,
) -> Result<(), Failure> {
    let next = page::to_save(draft);
    let refused = match next.check() {
        Err(p) => Refused::Invalid(p),
        Ok(()) => match structure::store(&state.db, next, username, now_ms()).await? {
            Ok(saved) => {
                tracing::info!(username = %username, version = saved.version, "hospital structure saved");
                said.rows = Some((true, format!("Saved as version {}.", saved.version)));
                *draft = editable(saved);
                return Ok(());
            }
            Err(r) => r,
        },
    };
    match refused {
        Refused::Invalid(p) => {
            said.focus = p.0.first().map(|e| e.field.clone());
            said.problems = p;
        }
        Refused::Stale { .. } => {
            *draft = editable(newest(&state.db.pool).await?);
            said.rows = Some((false, STALE.into()));
        }
    }
    Ok(())
}

/// Maps the text of row `row` of the unmatched list to the unit chosen
/// there, as `/api/structure/map` does; the draft keeps what is typed, now
/// made from the new version, with the text among the unit's other names.
async fn map(
    state: &AppState,
    username: &str,
    fields: &[(String, String)],
    draft: &mut Structure,
    said: &mut Said,
    row: &str,
) -> Result<(), Failure> {
    let Ok(i) = row.parse::<usize>() else {
        return Ok(());
    };
    let text = value(fields, &format!("map.{i}.text"))
        .unwrap_or_default()
        .trim()
        .to_owned();
    let choice = value(fields, &format!("map.{i}")).unwrap_or_default();
    said.focus = Some(format!("map.{i}"));
    said.picked = Some((i, choice.to_owned()));
    let Ok(unit) = choice.parse::<Id>() else {
        said.map_problem = Some((i, format!("Choose the unit “{text}” means.")));
        return Ok(());
    };
    let req = MapText {
        version: draft.version,
        text: text.clone(),
        unit,
    };
    // The version the draft may be untouched from, as the form holds it
    // (who saved it and when are not in the form).
    let before = Structure {
        saved_by: String::new(),
        saved_at_ms: 0,
        ..editable(newest(&state.db.pool).await?)
    };
    match structure::map_text(&state.db, username, &req).await? {
        Ok(saved) => {
            let name = saved
                .units
                .iter()
                .find(|u| u.id == unit)
                .map(|u| u.name.clone());
            said.map = Some((
                true,
                format!("“{text}” now names {}.", name.unwrap_or_default()),
            ));
            said.focus = None;
            said.picked = None;
            // Untouched, the draft is the new version; else the same alias
            // goes into it.
            if *draft == before {
                *draft = editable(saved);
            } else {
                draft.version = saved.version;
                if let Some(a) = draft
                    .units
                    .iter_mut()
                    .find(|u| u.id == unit)
                    .and_then(|u| u.aliases.first_mut())
                {
                    if !a.trim().is_empty() {
                        a.push_str(", ");
                    }
                    a.push_str(&text);
                }
            }
        }
        Err(Refused::Stale { .. }) => {
            *draft = editable(newest(&state.db.pool).await?);
            said.map = Some((false, MAP_STALE.into()));
            said.focus = None;
        }
        Err(Refused::Invalid(p)) => {
            let message = p.0.first().map(|e| e.message.clone()).unwrap_or_default();
            said.map_problem = Some((i, message));
        }
    }
    Ok(())
}

/// `POST /api/structure/page/import`: the CSV form (its `file`); the
/// answer is the CSV section, saying what was imported or every bad row.
async fn import(
    State(state): State<AppState>,
    Admin(user): Admin,
    req: Request,
) -> Result<Response, Failure> {
    let unreadable = || {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The form could not be read: send it again.",
        )
    };
    let mut form = Multipart::from_request(req, &state)
        .await
        .map_err(|_| unreadable())?;
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            let chosen = field.file_name().is_some_and(|f| !f.is_empty());
            let bytes = field.bytes().await.map_err(|_| too_large())?;
            if bytes.len() > MAX_CSV_BYTES {
                return Err(too_large());
            }
            file = chosen.then_some(bytes);
        }
    }
    let result = match file {
        None => Import::Refused("Choose a CSV file first.".into(), Vec::new()),
        Some(bytes) => match import_file(&state, &user.username, &bytes).await? {
            Ok(done) => Import::Done(done),
            Err(no) => Import::Refused(no.message, no.problems),
        },
    };
    Ok(html(page::csv_section(&result)))
}
