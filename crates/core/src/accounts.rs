//! The Accounts page drawn (`GET /api/accounts/page`): a new account's form,
//! then everyone's account with its forms (deactivate or reactivate, the
//! units a coordinator covers, a new password). The server draws it for
//! administrators and the app shows it as a desk page
//! (docs/ARCHITECTURE.md), so none of it is compiled into every tablet's
//! download. Each form is sent as the browser writes it; the answer is the
//! page again, with what was done said at its top.

use crate::access::{Role, User};
use crate::markup::escape;

/// Where the new account's form goes; an account's own forms go to
/// `{FORMS}/{username}`.
pub const FORMS: &str = "/api/accounts/page";

/// The units to choose from: checkboxes named `name` for the structure's
/// live units (`offered`), then any unit text `chosen` holds that names none
/// of them, so saving never drops it unseen. Without a structure, one text
/// field of units, comma-separated.
fn units(id: &str, name: &str, offered: &[String], chosen: &[String]) -> String {
    if offered.is_empty() {
        return format!(
            r#"<div class="field"><label for="{id}">Units covered (comma-separated)</label><input id="{id}" name="{name}" type="text" value="{}"></div>"#,
            escape(&chosen.join(", "))
        );
    }
    let unlisted = chosen.iter().filter(|c| !offered.contains(c));
    let boxes: String = offered
        .iter()
        .map(|u| (u, escape(u)))
        .chain(unlisted.map(|c| (c, format!("{} (names no unit)", escape(c)))))
        .enumerate()
        // An id each: a refusal naming the field marks the first.
        .map(|(i, (value, label))| {
            format!(
                r#"<label class="check"><input id="{id}-{i}" type="checkbox" name="{name}" value="{}"{}><span>{label}</span></label>"#,
                escape(value),
                if chosen.contains(value) { " checked" } else { "" }
            )
        })
        .collect();
    format!(
        r#"<fieldset class="checks" id="{id}"><legend>Units covered</legend>{boxes}</fieldset>"#
    )
}

/// A labelled field; `attributes` go on the input.
fn field(id: &str, name: &str, label: &str, kind: &str, attributes: &str) -> String {
    format!(
        r#"<div class="field grow"><label for="{id}">{label}</label><input id="{id}" name="{name}" type="{kind}"{attributes}></div>"#
    )
}

/// One account: who it is, and its forms.
fn account(u: &User, offered: &[String]) -> String {
    // Usernames are lower-case letters, digits, '.', '_' and '-': an id
    // and a path as they are (escaped all the same).
    let name = escape(&u.username);
    let post = format!(r#"data-post="{FORMS}/{name}""#);
    let covered = if u.units.is_empty() {
        String::new()
    } else {
        format!(" · {}", escape(&u.units.join(", ")))
    };
    let (class, state, button) = if u.active {
        ("account", "", "Deactivate")
    } else {
        ("account inactive", " · deactivated", "Reactivate")
    };
    let mut out = format!(
        r#"<li class="{class}"><p><strong>{}</strong> ({name}) · {}{covered}{state}</p><form class="button-row" {post} novalidate><input type="hidden" name="active" value="{}"><button type="submit">{button} {name}</button></form>"#,
        escape(&u.display_name),
        u.role.label(),
        !u.active,
    );
    if u.role == Role::Coordinator && !offered.is_empty() {
        out += &format!(
            r#"<form class="stack" aria-label="Units covered by {name}" {post} novalidate><input type="hidden" name="change" value="units">{}<button type="submit">Save units covered</button></form>"#,
            units(&format!("account-{name}-units"), "units", offered, &u.units)
        );
    }
    out += &format!(
        r#"<form class="inline-form" aria-label="New password for {name}" {post} novalidate>{}<button type="submit">Set password</button></form></li>"#,
        field(
            &format!("account-{name}-password"),
            "password",
            "New password",
            "password",
            r#" autocomplete="new-password""#
        )
    );
    out
}

/// The page: `said`, what the last form did, at its top; `users` in the
/// order given; `offered`, the structure's live units by name.
pub fn render(users: &[User], offered: &[String], said: Option<&str>) -> String {
    let mut out = said.map_or_else(String::new, |s| {
        format!(r#"<p class="notice info" role="status">{}</p>"#, escape(s))
    });
    let roles: String = Role::ALL
        .iter()
        .map(|r| {
            let chosen = if *r == Role::Coordinator {
                " selected"
            } else {
                ""
            };
            format!(
                r#"<option value="{}"{chosen}>{}</option>"#,
                r.ident(),
                r.label()
            )
        })
        .collect();
    out += &format!(
        r#"<section class="panel" aria-labelledby="new-account"><h2 id="new-account">New account</h2><form class="stack" aria-label="New account" data-post="{FORMS}" novalidate>{}{}<div class="field"><label for="new-account-role">Role</label><select id="new-account-role" name="role">{roles}</select></div>{}{}<button type="submit" class="primary">Create account</button></form></section>"#,
        // A username is typed as it is stored.
        field(
            "new-account-username",
            "username",
            "Username",
            "text",
            r#" autocomplete="off" autocapitalize="none" spellcheck="false""#
        ),
        field(
            "new-account-display_name",
            "display_name",
            "Full name",
            "text",
            ""
        ),
        units("new-account-units", "units", offered, &[]),
        field(
            "new-account-password",
            "password",
            "First password (at least 12 characters)",
            "password",
            r#" autocomplete="new-password""#
        ),
    );
    out += r#"<section class="panel" aria-labelledby="accounts"><h2 id="accounts">Everyone</h2><ul class="plain accounts">"#;
    for u in users {
        out += &account(u, offered);
    }
    out + "</ul></section>"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(username: &str, role: Role, units: &[&str], active: bool) -> User {
        User {
            username: username.into(),
            display_name: format!("<b>{username}</b>"),
            role,
            units: units.iter().map(|u| (*u).to_owned()).collect(),
            active,
        }
    }

    #[test]
    fn every_account_has_its_forms_and_names_are_escaped() {
        let users = [
            user("ana", Role::Coordinator, &["Maternity", "Old ward 9"], true),
            user("root", Role::Admin, &[], false),
        ];
        let offered = ["Cardiology 4B".to_owned(), "Maternity".to_owned()];
        let html = render(&users, &offered, Some("Account <ana> created."));
        assert!(html.starts_with(
            r#"<p class="notice info" role="status">Account &lt;ana&gt; created.</p>"#
        ));
        assert!(html.contains("&lt;b&gt;ana&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"));
        // The new account's units, none chosen; ana's, with the text that
        // names no unit kept and chosen.
        assert_eq!(html.matches("<legend>Units covered</legend>").count(), 2);
        assert!(html.contains(r#"value="Maternity" checked><span>Maternity</span>"#));
        assert!(
            html.contains(r#"value="Old ward 9" checked><span>Old ward 9 (names no unit)</span>"#)
        );
        assert!(
            html.contains(
                r#"aria-label="Units covered by ana" data-post="/api/accounts/page/ana""#
            )
        );
        // An administrator covers no unit; each account has its password
        // form and its one button, by what it would do.
        assert!(!html.contains("Units covered by root"));
        assert!(html.contains(r#"aria-label="New password for root""#));
        assert!(html.contains(r#"id="account-root-password" name="password""#));
        assert!(html.contains(r#"value="true"><button type="submit">Reactivate root</button>"#));
        assert!(html.contains(r#"value="false"><button type="submit">Deactivate ana</button>"#));
        assert!(html.contains(r#"<option value="coordinator" selected>Coordinator</option>"#));
        assert!(!html.contains("style="), "the CSP forbids style attributes");
        // Every control has its label (a checkbox is inside its own).
        for id in html.split(r#"<input id=""#).skip(1) {
            let id = id.split('"').next().unwrap();
            let boxed = format!(r#"<label class="check"><input id="{id}""#);
            assert!(
                html.contains(&format!(r#"<label for="{id}">"#)) || html.contains(&boxed),
                "{id}"
            );
        }
    }

    #[test]
    fn without_a_structure_units_are_typed() {
        let users = [user("ana", Role::Coordinator, &["4 West", "5 East"], true)];
        let html = render(&users, &[], None);
        assert!(!html.contains("role=\"status\""));
        assert!(html.contains(r#"<label for="new-account-units">Units covered (comma-separated)</label><input id="new-account-units" name="units" type="text" value="">"#));
        // Nothing to choose from: ana's units are shown, not a form.
        assert!(html.contains(" · 4 West, 5 East</p>"));
        assert!(!html.contains("Units covered by ana"));
    }
}
