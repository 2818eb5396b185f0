//! What build of the client this is, shown in Settings and the footer so a
//! coordinator can tell IT exactly what they run.

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Set by the build scripts from `git describe`; absent in ad-hoc builds.
pub const BUILD_ID: Option<&str> = option_env!("ADVOCASE_BUILD_ID");

pub fn describe() -> String {
    match BUILD_ID {
        Some(id) if !id.is_empty() => format!("{VERSION} ({id})"),
        _ => VERSION.to_owned(),
    }
}
