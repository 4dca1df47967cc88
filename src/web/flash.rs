//! One-shot notifications after a redirect. The cookie carries only a message id from a fixed
//! list, never text, so nothing a user typed is ever reflected through it.

use axum_extra::extract::cookie::{Cookie, SameSite};

/// Cookie name.
pub const COOKIE: &str = "tp_flash";

/// Messages a redirect can announce.
const KNOWN: [(&str, Level); 7] = [
    ("flash-signed-out", Level::Info),
    ("flash-profile-saved", Level::Success),
    ("flash-control-paused", Level::Success),
    ("flash-control-pause-updated", Level::Success),
    ("flash-control-resumed", Level::Success),
    ("flash-token-revoked", Level::Success),
    ("flash-token-already-revoked", Level::Info),
];

/// How a flash is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Neutral.
    Info,
    /// Something worked.
    Success,
}

/// A notification to show once.
#[derive(Debug, Clone, Copy)]
pub struct Flash {
    /// Message id.
    pub key: &'static str,
    /// Style.
    pub level: Level,
}

impl Flash {
    /// Reads a cookie value; unknown ids are ignored.
    pub fn parse(value: &str) -> Option<Flash> {
        KNOWN
            .iter()
            .find(|(k, _)| *k == value)
            .map(|(key, level)| Flash { key, level: *level })
    }

    /// CSS class for the level.
    pub fn class(&self) -> &'static str {
        match self.level {
            Level::Info => "flash-info",
            Level::Success => "flash-success",
        }
    }
}

/// Cookie that sets the flash for the next page.
pub fn set(key: &'static str) -> Cookie<'static> {
    Cookie::build((COOKIE, key))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .build()
}
