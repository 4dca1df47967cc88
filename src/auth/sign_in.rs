//! Signing in with e-mail and password: the throttle, the constant-work password check, the
//! new session (the old one ends), and `auth.login` audited in the session's transaction.

use super::{passwords, sessions, throttle, token_hash, users, users::User};
use crate::{
    audit::{self, AuditContext, AuditEntry},
    error::AppError,
    state::AppState,
    validate,
};
use serde_json::json;

/// Why a sign-in was refused; each answer is the same whether or not the account exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// E-mail or password left empty.
    MissingFields,
    /// Too many failures for this account or address: try again after this many seconds.
    Throttled { retry_after_seconds: u64 },
    /// Unknown e-mail or wrong password (recorded as a failure for the throttle).
    Invalid,
}

/// A signed-in user and the token of their new session (for the cookie only).
pub struct SignedIn {
    pub user: User,
    pub session_token: String,
}

/// Signs `email` in with `password` from `client_ip`, ending `previous_session` (the token in
/// the caller's cookie) if there was one.
pub async fn sign_in(
    state: &AppState,
    mut actx: AuditContext,
    email: &str,
    password: String,
    client_ip: &str,
    user_agent: Option<&str>,
    previous_session: Option<&str>,
) -> Result<Result<SignedIn, Refusal>, AppError> {
    let now = state.now();
    let email = validate::normalize_email(email);
    if email.is_empty() || password.is_empty() {
        return Ok(Err(Refusal::MissingFields));
    }
    let cfg = &state.config.login_throttle;
    if let Some(wait) = throttle::check(&state.db, &email, client_ip, now, cfg).await? {
        return Ok(Err(Refusal::Throttled {
            retry_after_seconds: wait,
        }));
    }
    let credentials = users::find_credentials(&state.db, &email).await?;
    let user_id = credentials.as_ref().map(|(id, _)| *id);
    let verified = passwords::verify(password, credentials.map(|(_, hash)| hash)).await;
    let user = match (verified, user_id) {
        (true, Some(id)) => users::find_by_id(&state.db, id).await?,
        _ => None,
    };
    let Some(user) = user else {
        throttle::record_failure(&state.db, &email, client_ip, now, cfg).await?;
        return Ok(Err(Refusal::Invalid));
    };
    throttle::clear_account(&state.db, &email).await?;
    if let Some(old) = previous_session {
        sessions::delete(&state.db, &token_hash(old)).await?;
    }
    let mut tx = state.db.begin().await?;
    let origin = sessions::SessionOrigin {
        user_agent,
        client_ip: Some(client_ip),
    };
    let session = sessions::create(&mut tx, user.id, now, &state.config.session, origin).await?;
    users::record_sign_in(&mut tx, user.id, now).await?;
    actx.actor = audit::Actor::User {
        id: user.id,
        label: user.email.clone(),
    };
    let entry = AuditEntry::new("auth.login", "user", user.id.to_string()).with(json!({}));
    audit::record(&mut tx, &actx, now, entry).await?;
    tx.commit().await?;
    Ok(Ok(SignedIn {
        user,
        session_token: session.token,
    }))
}

/// Opens a session for `user` right after they proved who they are another way (accepting an
/// invitation with a new account), auditing `auth.login`; returns the cookie's token.
pub async fn open_session(
    state: &AppState,
    user: &User,
    client_ip: &str,
    user_agent: Option<&str>,
) -> Result<String, AppError> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let origin = sessions::SessionOrigin {
        user_agent,
        client_ip: Some(client_ip),
    };
    let session = sessions::create(&mut tx, user.id, now, &state.config.session, origin).await?;
    users::record_sign_in(&mut tx, user.id, now).await?;
    let actx = AuditContext {
        actor: audit::Actor::User {
            id: user.id,
            label: user.email.clone(),
        },
        request_id: None,
    };
    let entry = AuditEntry::new("auth.login", "user", user.id.to_string())
        .with(json!({ "via": "invitation" }));
    audit::record(&mut tx, &actx, now, entry).await?;
    tx.commit().await?;
    Ok(session.token)
}
