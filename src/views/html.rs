//! Read-only markup written as text, for long lists that never change in
//! place (directory entries): each `view!` element is compiled code of its
//! own, while a string costs only its bytes. Everything from data goes
//! through [`escape`]; links are plain `<a href>`, which `nav`
//! follows like every other link.

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
