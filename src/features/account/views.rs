//! Page views of this feature: askama structs and the mapping from service data to them.

use crate::i18n::{Locale, Tr};
use crate::{auth::tokens::ApiToken, error::Invalid, web::shell::Shell};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A token row of the account page.
pub(super) struct TokenItem {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) prefix: String,
    pub(super) created: String,
    pub(super) last_used: Option<String>,
    pub(super) expires: Option<String>,
    pub(super) state_key: &'static str,
    pub(super) state: &'static str,
    pub(super) revocable: bool,
}

/// The secret of a token just created, shown in the answer to the create form only.
pub(super) struct NewSecret {
    pub(super) secret: String,
    pub(super) name: String,
    pub(super) expires: Option<String>,
}

#[derive(Template)]
#[template(path = "account.html")]
pub(super) struct AccountPage {
    pub(super) shell: Shell,
    pub(super) email: String,
    pub(super) display_name: String,
    pub(super) locale: String,
    pub(super) errors: Vec<Invalid>,
    pub(super) tokens: Vec<TokenItem>,
    pub(super) new_secret: Option<NewSecret>,
    pub(super) token_form: TokenForm,
    pub(super) token_errors: Vec<Invalid>,
    pub(super) default_days: i64,
}

pub(super) fn message(t: Tr, errors: &[Invalid], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| t.t(e.key))
}

impl AccountPage {
    fn error_for(&self, field: &str) -> Option<String> {
        message(self.shell.t, &self.errors, field)
    }

    fn token_error_for(&self, field: &str) -> Option<String> {
        message(self.shell.t, &self.token_errors, field)
    }

    fn default_expiry_label(&self) -> String {
        self.shell
            .t
            .t1("tokens-expiry-default", "days", self.default_days)
    }
}

/// A moment as the account page shows it, in the page's language.
pub(super) fn when(locale: Locale, at: DateTime<Utc>) -> String {
    Tr(locale).datetime(at)
}

pub(super) fn token_item(locale: Locale, now: DateTime<Utc>, t: ApiToken) -> TokenItem {
    let state = t.state(now);
    TokenItem {
        id: t.id,
        name: t.name,
        prefix: t.token_prefix,
        created: when(locale, t.created_at),
        last_used: t.last_used_at.map(|at| when(locale, at)),
        expires: t.expires_at.map(|at| when(locale, at)),
        state_key: state.label_key(),
        state: state.as_str(),
        revocable: t.revoked_at.is_none(),
    }
}

#[derive(Template)]
#[template(path = "account_token_revoke.html")]
pub(super) struct RevokePage {
    pub(super) shell: Shell,
    pub(super) token: TokenItem,
}

/// Which lifetime the create form chose.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryChoice {
    /// `api_tokens.default_days`.
    #[default]
    Default,
    /// The number in `expires_in_days`.
    Days,
    /// No expiry.
    Never,
}

/// Posted token form.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) expiry: ExpiryChoice,
    #[serde(default)]
    pub(super) expires_in_days: String,
}
