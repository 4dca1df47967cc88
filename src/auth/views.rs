//! Page views of this feature: askama structs and the mapping from service data to them.

use crate::web::shell::Shell;
use askama::Template;

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    pub(super) shell: Shell,
    pub(super) email: String,
    pub(super) next: String,
    pub(super) error: Option<String>,
}
