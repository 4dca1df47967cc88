//! The job scheduler's run ledger: several instances on one database run a daily job once per
//! day, the next day runs again, and the spawned loop ticks on its own.

use crate::support::{NowForTests, TestApp};
use chrono::Duration;
use tenantpilot::config::Config;
use tenantpilot::features::telemetry::recorder::{TenantRef, seams};
use tenantpilot::jobs::{self, JobStatus, PRODUCT_USAGE_PRUNE};

async fn old_event(app: &TestApp, age_days: i64) {
    let t = app.tenant("contoso").await;
    let owner = tenantpilot::auth::users::find_by_email(app.db(), "owner@contoso.test")
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.db().begin().await.unwrap();
    assert!(
        seams::operation_started(
            &mut tx,
            TenantRef {
                workspace_id: t.workspace_id,
                tenant_id: t.id,
            },
            Some(owner.id),
            1,
            "inventory.sync",
            app.clock.now_for_tests() - Duration::days(age_days),
        )
        .await
        .unwrap()
    );
    tx.commit().await.unwrap();
}

async fn events(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM product_usage_events").await
}

#[tokio::test]
async fn two_instances_prune_once_per_day() {
    let app = TestApp::new().await;
    let b = app.second_instance().await;
    old_event(&app, 120).await;
    old_event(&app, 95).await;
    let before = events(&app).await;

    let (ra, rb) = tokio::join!(
        jobs::tick(&app.state, "instance-a"),
        jobs::tick(&b, "instance-b")
    );
    // Only the prune matters here; the handoff finalizer has tests/handoff_finalizer.rs.
    let prune_only = |mut o: Vec<jobs::JobOutcome>| {
        o.retain(|o| o.job == PRODUCT_USAGE_PRUNE);
        o
    };
    let (ra, rb) = (prune_only(ra.unwrap()), prune_only(rb.unwrap()));
    assert_eq!((ra.len(), rb.len()), (1, 1));
    let outcomes = [&ra[0], &rb[0]];
    assert!(outcomes.iter().all(|o| o.job == PRODUCT_USAGE_PRUNE));
    assert!(outcomes.iter().all(|o| o.slot == "2026-11-23"));
    let ran: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(o.status, JobStatus::Succeeded { .. }))
        .collect();
    assert_eq!(ran.len(), 1, "exactly one instance pruned: {outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| o.status == JobStatus::AlreadyClaimed)
            .count(),
        1
    );
    let JobStatus::Succeeded { detail } = &ran[0].status else {
        unreachable!()
    };
    // The two old rows plus whatever demo history is older than 90 days (none: 40 days).
    assert_eq!(detail, "deleted 2 product usage events older than 90 days");
    assert_eq!(events(&app).await, before - 2);

    let ledger = jobs::repo::runs_of(app.db(), PRODUCT_USAGE_PRUNE)
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1);
    assert_eq!(ledger[0].slot, "2026-11-23");
    assert_eq!(ledger[0].outcome.as_deref(), Some("succeeded"));
    assert!(ledger[0].finished_at.is_some());
    assert!(["instance-a", "instance-b"].contains(&ledger[0].claimed_by.as_str()));

    // Later the same day: nobody runs it again.
    app.clock.advance(Duration::hours(14));
    old_event(&app, 100).await;
    for (state, id) in [(&app.state, "instance-a"), (&b, "instance-b")] {
        let r = jobs::tick(state, id).await.unwrap();
        assert_eq!(r[0].status, JobStatus::AlreadyClaimed);
    }
    assert_eq!(
        jobs::repo::runs_of(app.db(), PRODUCT_USAGE_PRUNE)
            .await
            .unwrap()
            .len(),
        1
    );

    // The next UTC day: runs again, once.
    app.clock.advance(Duration::hours(2));
    let (ra, rb) = tokio::join!(
        jobs::tick(&b, "instance-b"),
        jobs::tick(&app.state, "instance-a")
    );
    let statuses = [ra.unwrap().remove(0), rb.unwrap().remove(0)];
    assert!(statuses.iter().all(|o| o.slot == "2026-11-24"));
    assert_eq!(
        statuses
            .iter()
            .filter(|o| matches!(o.status, JobStatus::Succeeded { .. }))
            .count(),
        1
    );
    let ledger = jobs::repo::runs_of(app.db(), PRODUCT_USAGE_PRUNE)
        .await
        .unwrap();
    let slots: Vec<&str> = ledger.iter().map(|r| r.slot.as_str()).collect();
    assert_eq!(slots, ["2026-11-23", "2026-11-24"]);
    assert_eq!(events(&app).await, before - 2, "the third old row went too");
    b.db.close().await;
}

#[tokio::test]
async fn the_spawned_scheduler_ticks_by_itself() {
    let mut config = Config::default();
    config.telemetry.scheduler_interval_secs = 1;
    let app = TestApp::with_config(config).await;
    old_event(&app, 200).await;
    let before = events(&app).await;
    let handle = jobs::spawn(app.state.clone());
    let mut ledger = Vec::new();
    for _ in 0..100 {
        ledger = jobs::repo::runs_of(app.db(), PRODUCT_USAGE_PRUNE)
            .await
            .unwrap();
        if ledger.iter().any(|r| r.finished_at.is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    handle.abort();
    assert_eq!(ledger.len(), 1, "{ledger:?}");
    assert_eq!(ledger[0].outcome.as_deref(), Some("succeeded"));
    assert_eq!(events(&app).await, before - 1, "the old row went");
}

#[test]
fn the_interval_is_validated() {
    let mut c = Config::default();
    c.telemetry.scheduler_interval_secs = 0;
    assert!(
        c.validate()
            .unwrap_err()
            .to_string()
            .contains("scheduler_interval_secs")
    );
    c.telemetry.scheduler_interval_secs = 7200;
    assert!(c.validate().is_err());
    c.telemetry.scheduler_interval_secs = 300;
    assert!(c.validate().is_ok());
}
