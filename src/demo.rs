//! Demo data of PRODUCT.md, loaded with `tenantpilot demo seed --password P`. Idempotent: a
//! second run changes nothing but resetting the demo users' passwords to `P`.

use crate::{
    access::Role,
    audit::AuditContext,
    auth::users::{self, NewUser},
    db::Db,
    error::ServiceError,
    features::{
        tenants,
        workspaces::{self, model::TenantSelection},
    },
    with_db,
};
use chrono::{DateTime, Utc};

/// The demo workspaces: slug, name.
pub const WORKSPACES: [(&str, &str); 2] = [
    ("contoso-msp", "Contoso MSP"),
    ("northwind-msp", "Northwind MSP"),
];

/// The demo tenants: workspace, external id, name.
pub const TENANTS: [(&str, &str, &str); 3] = [
    ("contoso-msp", "contoso", "Contoso Ltd"),
    ("contoso-msp", "fabrikam", "Fabrikam Inc"),
    ("northwind-msp", "northwind", "Northwind Traders"),
];

/// A demo workspace user: e-mail, name, workspace, role, tenants (`None` = all).
pub type DemoMember = (
    &'static str,
    &'static str,
    &'static str,
    Role,
    Option<&'static [&'static str]>,
);

/// The demo workspace users.
pub const MEMBERS: [DemoMember; 5] = [
    (
        "owner@contoso.test",
        "Olivia Owner",
        "contoso-msp",
        Role::Owner,
        None,
    ),
    (
        "manager@contoso.test",
        "Max Manager",
        "contoso-msp",
        Role::Manager,
        None,
    ),
    (
        "operator@contoso.test",
        "Oskar Operator",
        "contoso-msp",
        Role::Operator,
        None,
    ),
    (
        "readonly@contoso.test",
        "Rita Readonly",
        "contoso-msp",
        Role::Readonly,
        Some(&["contoso"]),
    ),
    (
        "owner@northwind.test",
        "Nora Northwind",
        "northwind-msp",
        Role::Owner,
        None,
    ),
];

/// The demo platform operator.
pub const PLATFORM_USER: &str = "platform@tenantpilot.test";

/// What a seed run did.
#[derive(Debug, Default)]
pub struct SeedReport {
    /// Records created this run.
    pub created: usize,
    /// Records that already existed.
    pub existing: usize,
}

/// Loads (or refreshes) the demo data.
pub async fn seed(db: &Db, now: DateTime<Utc>, password: &str) -> Result<SeedReport, ServiceError> {
    let actx = AuditContext::cli();
    let mut report = SeedReport::default();
    let mut pw_errors = Vec::new();
    users::password_rules(password, &mut pw_errors);
    crate::validate::finish(pw_errors)?;
    for (slug, name) in WORKSPACES {
        if workspaces::repo::find_by_slug(db, slug).await?.is_some() {
            report.existing += 1;
        } else {
            workspaces::service::create(db, &actx, now, slug, name).await?;
            report.created += 1;
        }
    }
    for (ws, ext, name) in TENANTS {
        if tenants::repo::find_by_external_id(db, ext).await?.is_some() {
            report.existing += 1;
        } else {
            tenants::service::create(db, &actx, now, ws, ext, name).await?;
            report.created += 1;
        }
    }
    let hash = crate::auth::passwords::hash(password.to_string())
        .await
        .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(e.to_string())))?;
    let platform = [(PLATFORM_USER, "Pat Platform", true)];
    let people = MEMBERS
        .iter()
        .map(|(email, name, ..)| (*email, *name, false))
        .chain(platform);
    for (email, name, is_platform) in people {
        if users::find_by_email(db, email).await?.is_some() {
            with_db!(db, |p| sqlx::query(
                "UPDATE users SET password_hash = $1 WHERE email = $2"
            )
            .bind(&hash)
            .bind(email)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
            report.existing += 1;
        } else {
            users::create(
                db,
                &actx,
                now,
                NewUser {
                    email: email.into(),
                    display_name: Some(name.into()),
                    password: password.into(),
                    is_platform,
                },
            )
            .await?;
            report.created += 1;
        }
    }
    for (email, _, ws, role, only) in MEMBERS {
        let selection = match only {
            None => TenantSelection::All,
            Some(list) => TenantSelection::Only(list.iter().map(|s| s.to_string()).collect()),
        };
        let already = match users::find_by_email(db, email).await? {
            Some(u) => workspaces::repo::find_for_user(db, u.id, ws)
                .await?
                .is_some(),
            None => false,
        };
        if already {
            report.existing += 1;
        } else {
            workspaces::service::add_member(db, &actx, now, ws, email, role, selection).await?;
            report.created += 1;
        }
    }
    Ok(report)
}

/// Whether the installation has no users yet (`serve` then explains how to load demo data).
pub async fn is_empty(db: &Db) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(p)
        .await)?;
    Ok(n == 0)
}
