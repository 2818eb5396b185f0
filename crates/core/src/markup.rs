//! Markup written as text: what the client draws as strings (long lists,
//! forms read back on submit) and the report's page (`report::page`).

/// Text made safe for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The attributes tying control `id` to its problem, if it has one
/// (`aria-invalid`, described by the problem's line), and `autofocus` when
/// it is to be focused; then that line, to go under the control. The desk
/// pages' forms.
pub fn tied(id: &str, message: Option<&str>, focus: bool) -> (String, String) {
    let mut attributes = if focus {
        " autofocus".to_owned()
    } else {
        String::new()
    };
    let line = match message {
        Some(m) => {
            attributes += &format!(r#" aria-invalid="true" aria-describedby="{id}-error""#);
            format!(
                r#"<p class="field-error" id="{id}-error">{}</p>"#,
                escape(m)
            )
        }
        None => String::new(),
    };
    (attributes, line)
}

/// A form's problems at its top, announced: `heading`, then each problem a
/// link to its control (`id_of` its field). Empty without problems.
pub fn summary(
    heading: &str,
    problems: &crate::validation::Problems,
    id_of: fn(&str) -> String,
) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let items: String = problems
        .0
        .iter()
        .map(|p| {
            format!(
                r##"<li><a href="#{}">{}</a></li>"##,
                id_of(&p.field),
                escape(&p.message)
            )
        })
        .collect();
    format!(
        r#"<div class="notice error error-summary" role="alert"><p>{heading}</p><ul>{items}</ul></div>"#
    )
}

/// The form's successful controls as a browser would send them (the desk
/// forms' render tests).
#[cfg(test)]
pub(crate) fn sent(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..].split('"').next()?.to_owned())
    };
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let tag = &rest[..rest.find('>').unwrap()];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        if tag.starts_with("input") {
            let kind = attr(tag, "type").unwrap_or_default();
            if (kind == "checkbox" || kind == "radio") && !tag.contains(" checked") {
                continue;
            }
            out.push((name, unescape(&attr(tag, "value").unwrap_or_default())));
        } else if tag.starts_with("select") {
            let body = &rest[..rest.find("</select>").unwrap()];
            let chosen = body
                .split("<option ")
                .find(|o| o.contains(" selected"))
                .or_else(|| body.split("<option ").nth(1))
                .unwrap();
            out.push((name, attr(&format!(" {chosen}"), "value").unwrap()));
        } else if tag.starts_with("textarea") {
            let body = &rest[rest.find('>').unwrap() + 1..rest.find("</textarea>").unwrap()];
            out.push((name, unescape(body)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            super::escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }
}
