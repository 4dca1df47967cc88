//! Issue 11 point 7, the executor side: on the stop signal the run workers, the orphan sweeper
//! and the job scheduler end, and a run queued afterwards is left queued for another instance
//! (or the next start) instead of being claimed by a stopping one.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tenantpilot::{features::operations::runner, jobs, shutdown};

async fn start(app: &TestApp, token: &str) -> i64 {
    let r = app
        .api(
            Method::POST,
            "/api/v1/tenants/contoso/operations",
            Some(token),
            Some(&json!({ "type": "provider.connection.verify" }).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    r.json()["id"].as_i64().expect("run id")
}

async fn status(app: &TestApp, token: &str, id: i64) -> Value {
    app.api(
        Method::GET,
        &format!("/api/v1/operations/{id}"),
        Some(token),
        None,
    )
    .await
    .json()["status"]
        .clone()
}

#[tokio::test]
async fn stopped_executors_end_and_claim_no_further_run() {
    let app = TestApp::new().await;
    let token = app.token_for("owner@contoso.test").await;
    let (trigger, stop) = shutdown::channel();
    let mut handles = runner::spawn_until(app.state.clone(), stop.clone()).await;
    handles.push(jobs::spawn_until(app.state.clone(), stop));

    // Positive control: while running, the executor completes what a request queued.
    let first = start(&app, &token).await;
    let mut done = Value::Null;
    for _ in 0..200 {
        done = status(&app, &token, first).await;
        if done == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done, "completed");

    trigger.stop();
    for handle in handles {
        // A bound only so a regression fails instead of hanging; the loops end at once.
        tokio::time::timeout(Duration::from_secs(10), handle)
            .await
            .expect("a background loop ended after the stop signal")
            .expect("it did not panic");
    }
    let second = start(&app, &token).await;
    // Long enough for a live worker (woken at once by the queue notification) to claim it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status(&app, &token, second).await, "queued");
}
