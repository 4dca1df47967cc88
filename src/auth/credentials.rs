//! Passwords and sessions a user manages themselves (issue 15, point 4): change the password
//! (current one required; the user's other sessions end), single-use reset links issued by an
//! owner or the CLI, and ending one or all of one's sessions. Reset links are stored as the
//! SHA-256 of their token only, like sessions and invitations.

use super::{passwords, random_token, sessions, token_hash, users};
use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::{Db, Tx};
use crate::error::{Invalid, ServiceError};
use crate::i18n::{Locale, Tr};
use crate::mail::{MailOutcome, Outgoing};
use crate::{with_db, with_tx};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Path under `public_url` where a reset link points; the token follows.
pub const RESET_PATH: &str = "/password-reset/";

/// Hashes `password` after checking today's rules; a rule broken is a field error on `field`.
async fn new_hash(field: &'static str, password: String) -> Result<String, ServiceError> {
    let mut errors = Vec::new();
    users::password_rules(&password, &mut errors);
    for e in &mut errors {
        e.field = field;
    }
    crate::validate::finish(errors)?;
    passwords::hash(password)
        .await
        .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(e.to_string())))
}

/// Changes user `user_id`'s password after checking `current`, ends their other sessions (all
/// but `keep_session_hash`) and audits `user.password_changed`. A wrong current password is a
/// field error on `current_password`.
pub async fn change_password(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    user_id: i64,
    current: String,
    new: String,
    keep_session_hash: &str,
) -> Result<u64, ServiceError> {
    let stored = users::password_hash_of(db, user_id).await?;
    if !passwords::verify(current, stored).await {
        return Err(ServiceError::Invalid(vec![Invalid {
            field: "current_password",
            key: "validation-current-password-wrong",
        }]));
    }
    let hash = new_hash("new_password", new).await?;
    let mut tx = db.begin().await?;
    users::set_password_hash(&mut tx, user_id, &hash).await?;
    let ended = sessions::delete_all_for_user(&mut tx, user_id, keep_session_hash).await?;
    let entry = AuditEntry::new("user.password_changed", "user", user_id.to_string())
        .with(json!({ "via": "account", "sessions_ended": ended }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(ended)
}

/// SQL of [`issue_reset`].
pub const INSERT_RESET: &str = "INSERT INTO password_resets (user_id, token_hash,
         requested_by_label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";

/// A reset link, shown (or mailed) once.
#[derive(Debug, Clone)]
pub struct IssuedReset {
    /// `{public_url}/password-reset/{token}`.
    pub link: String,
    /// Refused after this.
    pub expires_at: DateTime<Utc>,
    /// Whether it was also e-mailed to the user (after the commit; a failure keeps the link).
    pub mail: MailOutcome,
}

/// Who a reset link is issued by, for the audit entry.
#[derive(Debug, Clone, Copy)]
pub enum ResetIssuer {
    /// The operator CLI (`tenantpilot user reset-password`).
    Cli,
    /// An owner of workspace `workspace_id`, for one of its members.
    Owner {
        /// The workspace the member belongs to; the audit entry is scoped to it.
        workspace_id: i64,
    },
}

/// Inserts a reset link for user `user_id` in `tx` and audits `user.password_reset_requested`
/// there (never the link). Not yet mailed: that happens after the commit
/// ([`mail_reset`]), so a mail failure never loses the link.
pub async fn issue_reset_in(
    tx: &mut Tx,
    actx: &AuditContext,
    now: DateTime<Utc>,
    config: &crate::config::Config,
    user_id: i64,
    issuer: ResetIssuer,
) -> Result<IssuedReset, ServiceError> {
    let token = random_token();
    let expires_at = now + Duration::minutes(config.members.password_reset_minutes);
    crate::execute!(
        &mut *tx,
        sqlx::query(INSERT_RESET)
            .bind(user_id)
            .bind(token_hash(&token))
            .bind(actx.actor.label())
            .bind(now)
            .bind(expires_at)
    )?;
    let entry = AuditEntry::new("user.password_reset_requested", "user", user_id.to_string());
    let entry = match issuer {
        ResetIssuer::Cli => entry.with(json!({ "expires_at": expires_at })),
        ResetIssuer::Owner { workspace_id } => entry
            .scoped(Some(workspace_id), None)
            .with(json!({ "expires_at": expires_at, "issued_by": "owner" })),
    };
    audit::record(tx, actx, now, entry).await?;
    Ok(IssuedReset {
        link: format!(
            "{}{RESET_PATH}{token}",
            config.public_url.trim_end_matches('/')
        ),
        expires_at,
        mail: MailOutcome::NotConfigured,
    })
}

/// E-mails a reset link to `user` in their own language (their stored one, else English)
/// when `[mail]` is configured, and records the outcome on `issued`.
pub async fn mail_reset(
    config: &crate::config::Config,
    user: &users::User,
    issued: &mut IssuedReset,
) {
    let t = Tr(user.preferred_locale().unwrap_or(Locale::En));
    let when = t.datetime(issued.expires_at);
    let body = [
        t.t1("mail-reset-intro", "email", &user.email),
        format!("{}\n{}", t.t("mail-reset-action"), issued.link),
        t.t1("mail-reset-expires", "when", &when),
        t.t("mail-reset-ignore"),
    ]
    .join("\n\n");
    let subject = t.t("mail-reset-subject");
    issued.mail = MailOutcome::of(
        config.mail.as_ref(),
        "password_reset",
        &Outgoing {
            to: &user.email,
            subject: &subject,
            body: &body,
        },
    )
    .await;
}

/// Issues a single-use reset link for the user with address `email`, auditing
/// `user.password_reset_requested` (never the link), and e-mails it when mail is configured.
/// Platform operators included: the CLI is how they get back in.
pub async fn issue_reset(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    config: &crate::config::Config,
    email: &str,
) -> Result<IssuedReset, ServiceError> {
    let user = users::find_by_email(db, &crate::validate::normalize_email(email))
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let mut tx = db.begin().await?;
    let mut issued = issue_reset_in(&mut tx, actx, now, config, user.id, ResetIssuer::Cli).await?;
    tx.commit().await?;
    mail_reset(config, &user, &mut issued).await;
    Ok(issued)
}

/// SQL of [`reset_is_open`].
pub const FIND_OPEN_RESET: &str = "SELECT user_id FROM password_resets
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";

/// The user a reset token can still reset, if any (unknown, used and expired look the same).
pub async fn reset_is_open(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(FIND_OPEN_RESET)
        .bind(token_hash(token))
        .bind(now)
        .fetch_optional(p)
        .await)
}

/// SQL of [`reset_password`].
pub const CLAIM_RESET: &str = "UPDATE password_resets SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id";

async fn claim_reset(
    tx: &mut Tx,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_scalar(CLAIM_RESET)
        .bind(now)
        .bind(token_hash(token))
        .fetch_optional(c)
        .await)
}

/// Sets a new password with a reset token: the token is used up, every session of the user
/// ends, and `user.password_changed` is audited. `None` when the token is unknown, used or
/// expired.
pub async fn reset_password(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    token: &str,
    new: String,
) -> Result<Option<i64>, ServiceError> {
    let hash = new_hash("new_password", new).await?;
    let mut tx = db.begin().await?;
    let Some(user_id) = claim_reset(&mut tx, token, now).await? else {
        return Ok(None);
    };
    users::set_password_hash(&mut tx, user_id, &hash).await?;
    let ended = sessions::delete_all_for_user(&mut tx, user_id, "").await?;
    let entry = AuditEntry::new("user.password_changed", "user", user_id.to_string())
        .with(json!({ "via": "reset_link", "sessions_ended": ended }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(Some(user_id))
}

/// Which of a user's sessions to end.
#[derive(Debug, Clone, Copy)]
pub enum SessionsToEnd<'a> {
    /// The one with this handle.
    One(&'a str),
    /// Every one, the current included.
    All,
}

/// Ends the user's sessions, auditing `session.revoked` with how many ended. An unknown
/// handle is `NotFound`.
pub async fn end_sessions(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    user_id: i64,
    which: SessionsToEnd<'_>,
) -> Result<u64, ServiceError> {
    let mut tx = db.begin().await?;
    let ended = match which {
        SessionsToEnd::One(handle) => {
            if !sessions::delete_by_handle(&mut tx, user_id, handle).await? {
                return Err(ServiceError::NotFound("session"));
            }
            1
        }
        SessionsToEnd::All => sessions::delete_all_for_user(&mut tx, user_id, "").await?,
    };
    let entry = AuditEntry::new("session.revoked", "user", user_id.to_string()).with(json!({
        "scope": match which {
            SessionsToEnd::One(_) => "one",
            SessionsToEnd::All => "all",
        },
        "sessions_ended": ended,
    }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("INSERT_RESET", INSERT_RESET),
        ("FIND_OPEN_RESET", FIND_OPEN_RESET),
        ("CLAIM_RESET", CLAIM_RESET),
    ]
}
