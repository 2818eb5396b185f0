pub mod guide;
pub mod settings;
