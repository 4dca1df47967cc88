//! Demo data of PRODUCT.md, loaded with `tenantpilot demo seed --password P`. Idempotent: a
//! second run changes nothing but resetting the demo users' passwords to `P`.

use crate::features::providers::model::SimulatedScenario;
use crate::{
    access::Role,
    audit::AuditContext,
    auth::users::{self, NewUser},
    db::Db,
    error::ServiceError,
    features::{
        members, tenants,
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
            members::service::add_member(db, &actx, now, ws, email, role, selection).await?;
            report.created += 1;
        }
    }
    seed_operations(db, now, &mut report).await?;
    Ok(report)
}

/// Demo provider state per tenant: scenario now, scenario before the change (if any) and how
/// many days ago it changed.
/// A demo provider: tenant, directory, scenario now, and the earlier scenario with the number
/// of days since it changed.
type DemoProvider = (
    &'static str,
    &'static str,
    SimulatedScenario,
    Option<(SimulatedScenario, i64)>,
);

const PROVIDERS: [DemoProvider; 3] = [
    (
        "contoso",
        "contoso.onmicrosoft.com",
        SimulatedScenario::Healthy,
        None,
    ),
    // Consent was revoked twelve days ago; every run since failed.
    (
        "fabrikam",
        "fabrikam.onmicrosoft.com",
        SimulatedScenario::ConsentMissing,
        Some((SimulatedScenario::Healthy, 12)),
    ),
    // Two permissions were granted eight days ago; runs before were partial.
    (
        "northwind",
        "northwindtraders.onmicrosoft.com",
        SimulatedScenario::Healthy,
        Some((SimulatedScenario::PermissionsMissing, 8)),
    ),
];

/// Runs per demo tenant, spread over the last 40 days.
const DEMO_RUNS: i64 = 20;

/// Gives each demo tenant a simulated provider connection and 40 days of run history produced
/// by the real executor logic (so reports, verification and counts are what live runs give).
/// Tenants that already have runs are left alone.
async fn seed_operations(
    db: &Db,
    now: DateTime<Utc>,
    report: &mut SeedReport,
) -> Result<(), ServiceError> {
    use crate::features::operations::{
        model::RunType,
        repo as runs,
        runner::{self, Artifact, Finished},
    };
    use crate::features::providers::{self, ProviderClient, service::ConnectionForm};
    let actx = AuditContext::cli();
    for (ext, directory, scenario, before) in PROVIDERS {
        let Some(tenant) = tenants::repo::find_by_external_id(db, ext).await? else {
            continue;
        };
        let connection = match providers::repo::find_for_tenant(db, tenant.id).await? {
            Some(c) => c,
            None => {
                let mut tx = db.begin().await?;
                let c = providers::service::save_connection(
                    &mut tx,
                    &actx,
                    now,
                    tenant.workspace_id,
                    tenant.id,
                    &ConnectionForm {
                        kind: "simulated".into(),
                        directory_id: directory.into(),
                        display_name: "Microsoft 365 (Demo)".into(),
                        scenario: scenario.as_str().into(),
                    },
                )
                .await?;
                tx.commit().await?;
                report.created += 1;
                c
            }
        };
        if runs::count_tenant_runs(db, tenant.id).await? > 0 {
            report.existing += 1;
            continue;
        }
        let owner = MEMBERS
            .iter()
            .find(|(_, _, ws, role, _)| {
                *role == Role::Owner && {
                    let ws_of_tenant = TENANTS.iter().find(|t| t.1 == ext).map(|t| t.0);
                    ws_of_tenant == Some(*ws)
                }
            })
            .map(|m| m.0);
        let owner = match owner {
            Some(email) => users::find_by_email(db, email).await?,
            None => None,
        };
        for i in 0..DEMO_RUNS {
            // Oldest first; the last run of each tenant is a verification.
            let kind = if i == DEMO_RUNS - 1 {
                RunType::ProviderConnectionVerify
            } else {
                RunType::ALL[(i as usize) % RunType::ALL.len()]
            };
            let mut created = now - chrono::Duration::days(40)
                + chrono::Duration::hours(i * 40 * 24 / DEMO_RUNS + 3);
            if i == DEMO_RUNS - 1 {
                // contoso verified two hours ago (fresh); fabrikam three days ago (stale).
                created = now
                    - if ext == "fabrikam" {
                        chrono::Duration::days(3)
                    } else {
                        chrono::Duration::hours(2)
                    };
            }
            let days_ago = (now - created).num_days();
            let scenario_then = match before {
                Some((earlier, changed)) if days_ago >= changed => earlier,
                _ => scenario,
            };
            let by_user = i % 3 != 2;
            let (user_id, label) = match (&owner, by_user) {
                (Some(u), true) => (Some(u.id), u.email.clone()),
                _ => (None, "system".to_string()),
            };
            let mut tx = db.begin().await?;
            let run_id = runs::insert(
                &mut tx,
                &runs::NewRun {
                    workspace_id: tenant.workspace_id,
                    tenant_id: tenant.id,
                    run_type: kind.as_str(),
                    initiator_user_id: user_id,
                    initiator_label: &label,
                    context: serde_json::json!({"demo": true}),
                },
                created,
            )
            .await?;
            tx.commit().await?;
            let Some(run) = runs::find(db, run_id).await? else {
                continue;
            };
            let finished = if i == 7 && ext == "contoso" {
                // One run whose instance died mid-way, as recovery leaves it.
                Finished {
                    completion: crate::features::operations::model::Completion::failed(
                        crate::features::operations::model::ReasonCode::Orphaned,
                        "The instance running this operation stopped before it finished.",
                    ),
                    artifact: Artifact::None,
                }
            } else if i == 11 && ext == "northwind" {
                Finished {
                    completion: crate::features::operations::model::Completion::failed(
                        crate::features::operations::model::ReasonCode::RetryableProviderFailure,
                        "The provider throttled the request; it asked to retry after 30 s.",
                    ),
                    artifact: Artifact::None,
                }
            } else if kind == RunType::ReviewPackGenerate {
                let pack = crate::features::reports::service::build_review_pack(
                    db,
                    &tenant,
                    created,
                    &|_, _| {},
                )
                .await
                .map_err(|e| ServiceError::Db(sqlx::Error::Protocol(e.to_string())))?;
                Finished {
                    completion: crate::features::operations::model::Completion::succeeded(
                        crate::features::operations::model::SummaryCounts::of(&[(
                            "bytes",
                            pack.content.len() as i64,
                        )]),
                    ),
                    artifact: Artifact::ReviewPack(pack),
                }
            } else {
                let client = ProviderClient::Simulated {
                    scenario: scenario_then,
                    directory_id: directory.to_string(),
                };
                runner::produce(kind, &run, &connection, &client, created).await
            };
            let completed = created + chrono::Duration::seconds(20 + i * 7);
            runner::finish_at(db, &run, &finished, completed).await?;
            report.created += 1;
        }
    }
    Ok(())
}

/// Whether the installation has no users yet (`serve` then explains how to load demo data).
pub async fn is_empty(db: &Db) -> Result<bool, sqlx::Error> {
    let n: i64 = with_db!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(p)
        .await)?;
    Ok(n == 0)
}
