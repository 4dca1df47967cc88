//! Users: workspace users and platform users share the table but never mix: a platform user
//! cannot be a workspace member, and the system plane admits only platform users.

use crate::audit::{self, AuditContext, AuditEntry};
use crate::db::{Db, Tx};
use crate::error::{Invalid, ServiceError};
use crate::i18n::Locale;
use crate::{validate, with_db, with_tx};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::sync::LazyLock;

/// A user as the rest of the app sees it (never carries the password hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    /// Internal id.
    pub id: i64,
    /// Sign-in address, lowercase.
    pub email: String,
    /// Shown in the UI and audit log.
    pub display_name: String,
    /// Operator of the system plane.
    pub is_platform: bool,
    /// Preferred language tag, when set.
    pub locale: Option<String>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl User {
    /// Preferred language, when the user chose one.
    pub fn preferred_locale(&self) -> Option<Locale> {
        self.locale.as_deref().and_then(Locale::parse)
    }
}

const COLUMNS: &str = "id, email, display_name, is_platform, locale, created_at";

/// SQL of [`find_by_email`].
pub static FIND_BY_EMAIL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM users WHERE email = $1"));

/// Finds a user by normalised e-mail.
pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<User>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_EMAIL.as_str())
        .bind(email)
        .fetch_optional(p)
        .await)
}

/// SQL of [`find_credentials`].
pub const FIND_CREDENTIALS: &str = "SELECT id, password_hash FROM users WHERE email = $1";

/// The stored hash and user for a sign-in attempt.
pub async fn find_credentials(db: &Db, email: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_CREDENTIALS)
        .bind(email)
        .fetch_optional(p)
        .await)
}

/// SQL of [`find_by_id`].
pub static FIND_BY_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM users WHERE id = $1"));

/// Finds a user by id.
pub async fn find_by_id(db: &Db, id: i64) -> Result<Option<User>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_as(FIND_BY_ID.as_str())
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`insert`].
pub static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO users (email, display_name, password_hash, is_platform, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    )
});

async fn insert(
    tx: &mut Tx,
    email: &str,
    display_name: &str,
    password_hash: &str,
    is_platform: bool,
    now: DateTime<Utc>,
) -> Result<User, sqlx::Error> {
    with_tx!(tx, |c| sqlx::query_as(INSERT.as_str())
        .bind(email)
        .bind(display_name)
        .bind(password_hash)
        .bind(is_platform)
        .bind(now)
        .fetch_one(c)
        .await)
}

/// Input for a new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address.
    pub email: String,
    /// Display name; defaults to the part of the address before '@'.
    pub display_name: Option<String>,
    /// Plain password, hashed before storage.
    pub password: String,
    /// Platform operator instead of workspace user.
    pub is_platform: bool,
}

/// A new account that passed validation, with its password hashed: ready to insert.
#[derive(Debug, Clone)]
pub struct PreparedUser {
    email: String,
    display_name: String,
    password_hash: String,
    is_platform: bool,
}

/// Validates `input` and hashes its password, outside any transaction (hashing is slow).
pub async fn prepare(input: NewUser) -> Result<PreparedUser, ServiceError> {
    let email = validate::normalize_email(&input.email);
    let display_name = input
        .display_name
        .clone()
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    let mut errors = Vec::new();
    validate::email("email", &email, &mut errors);
    validate::text("display_name", &display_name, 120, &mut errors);
    password_rules(&input.password, &mut errors);
    validate::finish(errors)?;
    let password_hash = crate::auth::passwords::hash(input.password)
        .await
        .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(e.to_string())))?;
    Ok(PreparedUser {
        email,
        display_name,
        password_hash,
        is_platform: input.is_platform,
    })
}

/// Stores a prepared account in the caller's transaction, auditing `user.created`.
pub async fn insert_prepared(
    tx: &mut Tx,
    actx: &AuditContext,
    now: DateTime<Utc>,
    prepared: &PreparedUser,
) -> Result<User, ServiceError> {
    let user = insert(
        tx,
        &prepared.email,
        &prepared.display_name,
        &prepared.password_hash,
        prepared.is_platform,
        now,
    )
    .await
    .map_err(ServiceError::unique_as("email", "validation-email-taken"))?;
    let entry = AuditEntry::new("user.created", "user", user.id.to_string())
        .with(json!({ "platform": user.is_platform }));
    audit::record(tx, actx, now, entry).await?;
    Ok(user)
}

/// Validates, hashes and stores a new user, auditing `user.created`.
pub async fn create(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    input: NewUser,
) -> Result<User, ServiceError> {
    let prepared = prepare(input).await?;
    let mut tx = db.begin().await?;
    let user = insert_prepared(&mut tx, actx, now, &prepared).await?;
    tx.commit().await?;
    Ok(user)
}

/// Password length rules (no composition rules: length is what matters).
pub fn password_rules(password: &str, errors: &mut Vec<Invalid>) {
    let len = password.chars().count();
    if len < crate::auth::passwords::MIN_LENGTH {
        errors.push(Invalid {
            field: "password",
            key: "validation-password-short",
        });
    } else if len > crate::auth::passwords::MAX_LENGTH {
        errors.push(Invalid {
            field: "password",
            key: "validation-too-long",
        });
    }
}

/// Checks a profile change: a display name and a language tag (`""` = follow the browser).
/// Returns the parsed language and every field error at once, so forms can show them together.
pub fn check_profile(
    display_name: &str,
    locale_tag: Option<&str>,
) -> (Option<Locale>, Vec<Invalid>) {
    let mut errors = Vec::new();
    validate::text("display_name", display_name, 120, &mut errors);
    let locale = match locale_tag {
        None | Some("") => None,
        Some(tag) => {
            let parsed = Locale::parse(tag);
            if parsed.is_none() {
                errors.push(Invalid {
                    field: "locale",
                    key: "validation-locale",
                });
            }
            parsed
        }
    };
    (locale, errors)
}

/// SQL of [`update_profile`].
pub static UPDATE_PROFILE: LazyLock<String> = LazyLock::new(|| {
    format!("UPDATE users SET display_name = $1, locale = $2 WHERE id = $3 RETURNING {COLUMNS}")
});

/// Changes display name and language, auditing `user.profile_updated`.
pub async fn update_profile(
    db: &Db,
    actx: &AuditContext,
    now: DateTime<Utc>,
    user_id: i64,
    display_name: &str,
    locale: Option<Locale>,
) -> Result<User, ServiceError> {
    let mut errors = Vec::new();
    validate::text("display_name", display_name, 120, &mut errors);
    validate::finish(errors)?;
    let mut tx = db.begin().await?;
    let user: Option<User> = with_tx!(&mut tx, |c| sqlx::query_as(UPDATE_PROFILE.as_str())
        .bind(display_name.trim())
        .bind(locale.map(|l| l.as_str()))
        .bind(user_id)
        .fetch_optional(c)
        .await)?;
    let user = user.ok_or(ServiceError::NotFound("user"))?;
    let entry = AuditEntry::new("user.profile_updated", "user", user.id.to_string())
        .with(json!({ "locale": user.locale }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(user)
}

/// SQL of [`password_hash_of`].
pub const PASSWORD_HASH_OF: &str = "SELECT password_hash FROM users WHERE id = $1";

/// The stored password hash of user `id`.
pub async fn password_hash_of(db: &Db, id: i64) -> Result<Option<String>, sqlx::Error> {
    with_db!(db, |p| sqlx::query_scalar(PASSWORD_HASH_OF)
        .bind(id)
        .fetch_optional(p)
        .await)
}

/// SQL of [`set_password_hash`].
pub const SET_PASSWORD_HASH: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";

/// Replaces user `id`'s password hash in the caller's transaction.
pub async fn set_password_hash(tx: &mut Tx, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    crate::execute!(&mut *tx, sqlx::query(SET_PASSWORD_HASH).bind(hash).bind(id))?;
    Ok(())
}

/// SQL of [`record_sign_in`].
pub const RECORD_SIGN_IN: &str = "UPDATE users SET last_sign_in_at = $1 WHERE id = $2";

/// Notes a sign-in (the members page shows the last one).
pub async fn record_sign_in(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    crate::execute!(&mut *tx, sqlx::query(RECORD_SIGN_IN).bind(now).bind(id))?;
    Ok(())
}

/// Every statement above by name, for the test that prepares each on both databases and for
/// the EXPLAIN pass.
pub fn statements() -> Vec<(&'static str, &'static str)> {
    vec![
        ("FIND_BY_EMAIL", FIND_BY_EMAIL.as_str()),
        ("FIND_BY_ID", FIND_BY_ID.as_str()),
        ("INSERT", INSERT.as_str()),
        ("UPDATE_PROFILE", UPDATE_PROFILE.as_str()),
        ("FIND_CREDENTIALS", FIND_CREDENTIALS),
        ("PASSWORD_HASH_OF", PASSWORD_HASH_OF),
        ("SET_PASSWORD_HASH", SET_PASSWORD_HASH),
        ("RECORD_SIGN_IN", RECORD_SIGN_IN),
    ]
}
