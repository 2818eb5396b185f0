// `sqlx::migrate!` embeds crates/server/migrations at compile time; without
// this, adding a migration file alone would not rebuild the server.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
