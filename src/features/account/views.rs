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
    /// Field errors of the password form.
    pub(super) password_errors: Vec<Invalid>,
    /// The user's live sessions; the account page of a platform operator lists them too.
    pub(super) sessions: Vec<SessionItem>,
}

/// A session row of the account page.
pub(super) struct SessionItem {
    pub(super) handle: String,
    pub(super) device: String,
    pub(super) address: String,
    pub(super) opened: String,
    pub(super) last_seen: String,
    pub(super) current: bool,
}

/// A short name for a browser from its `User-Agent`: the product tokens people recognise,
/// else the first characters.
pub(super) fn device_of(user_agent: Option<&str>) -> Option<String> {
    let ua = user_agent?.trim();
    if ua.is_empty() {
        return None;
    }
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/", "curl/"]
        .iter()
        .find(|b| ua.contains(**b))
        .map(|b| match *b {
            "Edg/" => "Edge",
            other => other.trim_end_matches('/'),
        });
    let system = ["Windows", "Mac OS X", "Android", "iPhone", "Linux"]
        .iter()
        .find(|s| ua.contains(**s))
        .map(|s| if *s == "Mac OS X" { "macOS" } else { s });
    Some(match (browser, system) {
        (Some(b), Some(s)) => format!("{b} · {s}"),
        (Some(b), None) => b.to_string(),
        _ => ua.chars().take(60).collect(),
    })
}

pub(super) fn message(t: Tr, errors: &[Invalid], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(|e| t.t(e.key))
}

impl AccountPage {
    fn error_for(&self, field: &str) -> Option<String> {
        message(self.shell.t, &self.errors, field)
    }

    fn password_error_for(&self, field: &str) -> Option<String> {
        message(self.shell.t, &self.password_errors, field)
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

#[derive(Template)]
#[template(path = "password_reset.html")]
pub(super) struct ResetPage {
    pub(super) shell: Shell,
    pub(super) token: String,
    /// False when the link is unknown, used or expired.
    pub(super) usable: bool,
    pub(super) errors: Vec<Invalid>,
}

impl ResetPage {
    fn error_for(&self, field: &str) -> Option<String> {
        message(self.shell.t, &self.errors, field)
    }
}

#[cfg(test)]
mod tests {
    use super::device_of;

    #[test]
    fn devices_are_named_by_browser_and_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        assert_eq!(device_of(Some(chrome)).as_deref(), Some("Chrome · Linux"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120 Safari/537.36 Edg/120";
        assert_eq!(device_of(Some(edge)).as_deref(), Some("Edge · Windows"));
        assert_eq!(device_of(Some("curl/8.5")).as_deref(), Some("curl"));
        assert_eq!(device_of(Some("  ")), None);
        assert_eq!(device_of(None), None);
    }
}
