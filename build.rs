//! Rebuilds when a migration file is added or removed: `sqlx::migrate!` embeds the folders'
//! files, and Cargo only notices edits to files already included without this hint.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
