//! Issue 11 point 5 against a real PostgreSQL cluster this test creates on a free port
//! (`initdb` + `pg_ctl`) and stops: with the database gone `/readyz` answers 503 within a second
//! and other requests get the clean 503 within the acquire timeout (2 s); when the database
//! returns, the service recovers by itself.
//!
//! The time bounds are behaviour the issue asks for, asserted with margins (1.5 s for "within
//! 1 s", 3.5 s for "within 2 s") so a loaded CI machine does not flake; without the fix each of
//! these requests waits the old 15 s acquire timeout.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};
use tenantpilot::{
    audit::AuditContext,
    auth::{sessions, tokens, users},
    clock::{Clock, ManualClock},
    config::Config,
    db::{Db, migrate},
    state::AppState,
};
use tower::ServiceExt;

/// `initdb` and `pg_ctl` of the newest installed PostgreSQL.
fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A throwaway cluster; stopped when dropped, even when the test fails.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

impl Cluster {
    fn command(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        if self.as_postgres {
            // PostgreSQL refuses to run as root.
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn create(bin: PathBuf) -> Cluster {
        let dir = tempfile::Builder::new()
            .prefix("tp-outage-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let as_postgres = is_root();
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown")
                .success();
            assert!(ok, "chown of the cluster folder to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cluster = Cluster {
            bin,
            dir,
            port,
            as_postgres,
        };
        let out = cluster
            .command("initdb")
            .arg("-D")
            .arg(cluster.data())
            .args(["-A", "trust", "-U", "postgres", "--no-sync"])
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        cluster
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .args(["-w", "-t", "60", "start"])
            .output()
            .expect("pg_ctl start runs");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {} {}",
            String::from_utf8_lossy(&out.stdout),
            log_of(self.dir.path())
        );
    }

    fn stop_immediately(&self) -> bool {
        self.command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop_immediately();
    }
}

fn log_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("log")).unwrap_or_default()
}

struct Resp {
    status: StatusCode,
    content_type: String,
    body: String,
    took: Duration,
}

async fn send(router: &Router, path: &str, auth: (&'static str, &str)) -> Resp {
    let mut b = Request::builder()
        .uri(path)
        .header(header::HOST, "localhost");
    if !auth.1.is_empty() {
        b = b.header(auth.0, auth.1);
    }
    let started = Instant::now();
    let response = router
        .clone()
        .oneshot(b.body(Body::empty()).expect("request"))
        .await
        .expect("router is infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(response.into_body(), 4 * 1024 * 1024)
        .await
        .expect("body");
    Resp {
        status,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        took: started.elapsed(),
    }
}

/// Polls `path` until it answers 200; the number of attempts bounds a broken recovery.
async fn until_ok(router: &Router, path: &str, auth: (&'static str, &str)) -> usize {
    for attempt in 1..=60 {
        if send(router, path, auth).await.status == StatusCode::OK {
            return attempt;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("{path} did not recover after the database came back");
}

#[tokio::test]
async fn a_lost_database_fails_fast_and_the_service_recovers_by_itself() {
    let Some(bin) = pg_bin() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have PostgreSQL's initdb and pg_ctl under /usr/lib/postgresql/*/bin"
        );
        eprintln!("note: no initdb under /usr/lib/postgresql/*/bin; the outage test did not run");
        return;
    };
    let cluster = Cluster::create(bin);
    cluster.start();

    let config = Config {
        database_url: cluster.url(),
        ..Config::default()
    };
    assert_eq!(config.database.acquire_timeout_ms, 2000, "the default");
    let db = Db::connect_with(&config.database_url, &config.database)
        .await
        .expect("connect to the test cluster");
    migrate::run(&db).await.expect("migrations");
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    tenantpilot::demo::seed(&db, clock.now(), "outage-pass")
        .await
        .expect("demo seed");
    let user = users::find_by_email(&db, "owner@contoso.test")
        .await
        .expect("user query")
        .expect("demo owner");
    let mut tx = db.begin().await.expect("tx");
    let session = sessions::create(
        &mut tx,
        user.id,
        clock.now(),
        &config.session,
        sessions::SessionOrigin::default(),
    )
    .await
    .expect("session");
    tx.commit().await.expect("commit");
    let token = tokens::create_for_email(
        &db,
        &AuditContext::cli(),
        clock.now(),
        "owner@contoso.test",
        "outage",
        tokens::Expiry::Never,
    )
    .await
    .expect("token")
    .secret;
    let state = AppState::new(db.clone(), config, clock);
    let router = tenantpilot::app(state);
    let cookie = format!("tp_session={}", session.token);
    let bearer = format!("Bearer {token}");
    let none = ("x-none", "");
    let browser = ("cookie", cookie.as_str());
    let api = ("authorization", bearer.as_str());
    let page = "/admin/w/contoso-msp";

    // Positive controls while the database is up.
    assert_eq!(send(&router, "/readyz", none).await.status, StatusCode::OK);
    assert_eq!(send(&router, page, browser).await.status, StatusCode::OK);
    assert_eq!(
        send(&router, "/api/v1/me", api).await.status,
        StatusCode::OK
    );

    assert!(cluster.stop_immediately(), "pg_ctl stop -m immediate");

    // Several rounds: the first ones use the pool's now-dead connections, later ones wait for
    // a new connection that cannot be made.
    for round in 0..3 {
        let ready = send(&router, "/readyz", none).await;
        assert_eq!(
            ready.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "round {round}"
        );
        assert!(
            ready.body.contains(r#""status":"unavailable""#),
            "{}",
            ready.body
        );
        assert!(
            ready.took < Duration::from_millis(1500),
            "round {round}: /readyz took {:?}",
            ready.took
        );
        let html = send(&router, page, browser).await;
        assert_eq!(
            html.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "round {round}"
        );
        assert!(
            html.content_type.starts_with("text/html"),
            "{}",
            html.content_type
        );
        assert!(
            html.body.contains("Temporarily unavailable"),
            "{}",
            html.body
        );
        assert!(
            html.took < Duration::from_millis(3500),
            "round {round}: page took {:?}",
            html.took
        );
        let json = send(&router, "/api/v1/me", api).await;
        assert_eq!(
            json.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "round {round}"
        );
        assert_eq!(json.content_type, "application/problem+json");
        assert!(json.body.contains("service-unavailable"), "{}", json.body);
        assert!(
            json.took < Duration::from_millis(3500),
            "round {round}: API took {:?}",
            json.took
        );
    }

    cluster.start();
    until_ok(&router, "/readyz", none).await;
    until_ok(&router, page, browser).await;
    // Once recovered, it stays recovered: every following request succeeds.
    for _ in 0..5 {
        assert_eq!(send(&router, page, browser).await.status, StatusCode::OK);
        assert_eq!(
            send(&router, "/api/v1/me", api).await.status,
            StatusCode::OK
        );
        assert_eq!(send(&router, "/readyz", none).await.status, StatusCode::OK);
    }
    db.close().await;
}
