//! Test harness: a fresh migrated database per test (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` is set), the demo data, a manual clock, and helpers that drive the
//! router exactly as a browser or API client would.

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use chrono::{TimeZone, Utc};
use std::sync::Arc;
use tenantpilot::{
    audit::AuditContext,
    auth::{sessions, tokens, users},
    clock::ManualClock,
    config::Config,
    db::Db,
    features::tenants::model::Tenant,
    state::AppState,
};
use tower::ServiceExt;

mod database;
pub use database::{TestDatabase, backend_from_env};

/// The operational-controls form that pauses operation starts for contoso-msp for an hour.
pub const PAUSE_CONTOSO_STARTS: &[(&str, &str)] = &[
    ("action", "pause"),
    ("reason", "Provider incident"),
    ("scope", "workspace"),
    ("workspace", "contoso-msp"),
    ("duration", "1h"),
];

/// Password of every demo user in tests.
pub const PASSWORD: &str = "test-demo-pass";

/// A running application over a fresh database.
pub struct TestApp {
    pub tdb: TestDatabase,
    pub state: AppState,
    pub router: Router,
    pub clock: Arc<ManualClock>,
}

/// A browser session: cookie plus the CSRF token its forms carry.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// What came back.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// All `Set-Cookie` values.
    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    /// Value of cookie `name` set by this response.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies().iter().find_map(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }
}

/// The first `name="_csrf" value="…"` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

impl TestApp {
    /// Fresh database with demo data and default configuration.
    pub async fn new() -> TestApp {
        Self::with_config(Config::default()).await
    }

    /// Fresh database with demo data and a custom configuration.
    pub async fn with_config(mut config: Config) -> TestApp {
        let tdb = TestDatabase::new().await;
        config.database_url = tdb.url.clone();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
        ));
        tenantpilot::demo::seed(&tdb.db, clock.now_for_tests(), PASSWORD)
            .await
            .expect("demo seed");
        let state = AppState::new(tdb.db.clone(), config, clock.clone());
        let router = tenantpilot::app(state.clone());
        TestApp {
            tdb,
            state,
            router,
            clock,
        }
    }

    pub fn db(&self) -> &Db {
        &self.tdb.db
    }

    /// Sends a request through the whole middleware stack.
    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .expect("body");
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET with an optional session.
    pub async fn get(&self, path: &str, session: Option<&Session>) -> Resp {
        let mut b = Request::builder()
            .uri(path)
            .header(header::HOST, "localhost");
        if let Some(s) = session {
            b = b.header(header::COOKIE, &s.cookie);
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    /// Form POST carrying the session's (or the anonymous session's) CSRF token.
    pub async fn post_form(&self, path: &str, session: &Session, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", session.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, &session.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// API request with a bearer token.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        json: Option<&str>,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match json {
            Some(j) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(j.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }

    /// An anonymous browser that has loaded the login page (pre-session CSRF cookie).
    pub async fn anonymous(&self) -> Session {
        let page = self.get("/login", None).await;
        let token = page.cookie("tp_csrf").expect("login page sets tp_csrf");
        Session {
            cookie: format!("tp_csrf={token}"),
            csrf: csrf_in(&page.body).expect("csrf field"),
        }
    }

    /// Signs in through the real login form.
    pub async fn login(&self, email: &str) -> Session {
        let anon = self.anonymous().await;
        let r = self
            .post_form("/login", &anon, &[("email", email), ("password", PASSWORD)])
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {email}: {}",
            r.body
        );
        let cookie = format!(
            "tp_session={}",
            r.cookie("tp_session").expect("session cookie")
        );
        let page = self
            .get(
                "/account",
                Some(&Session {
                    cookie: cookie.clone(),
                    csrf: String::new(),
                }),
            )
            .await;
        Session {
            csrf: csrf_in(&page.body).expect("csrf on account page"),
            cookie,
        }
    }

    /// A session created directly (no password hashing), for tests that need many.
    pub async fn session_for(&self, email: &str) -> Session {
        let user = users::find_by_email(self.db(), email)
            .await
            .unwrap()
            .expect("user");
        let mut tx = self.db().begin().await.unwrap();
        let s = sessions::create(
            &mut tx,
            user.id,
            self.clock.now_for_tests(),
            &self.state.config.session,
            sessions::SessionOrigin::default(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let identity = sessions::resolve(
            self.db(),
            &s.token,
            self.clock.now_for_tests(),
            &self.state.config.session,
        )
        .await
        .unwrap()
        .expect("fresh session resolves");
        let csrf = match identity.via {
            tenantpilot::auth::Via::Session { csrf_token, .. } => csrf_token,
            _ => unreachable!(),
        };
        Session {
            cookie: format!("tp_session={}", s.token),
            csrf,
        }
    }

    /// A new API token for `email` with the configured default lifetime.
    pub async fn token_for(&self, email: &str) -> String {
        let days = self.state.config.api_tokens.default_days;
        self.token_with(email, "test", tokens::Expiry::Days(days))
            .await
            .secret
    }

    /// A new API token for `email`, created now by the CLI actor.
    pub async fn token_with(
        &self,
        email: &str,
        name: &str,
        expiry: tokens::Expiry,
    ) -> tokens::CreatedToken {
        tokens::create_for_email(
            self.db(),
            &AuditContext::cli(),
            self.clock.now_for_tests(),
            email,
            name,
            expiry,
        )
        .await
        .expect("token")
    }

    /// One integer from a fixed query (`SELECT COUNT(*) FROM …` with no values in it).
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.int(sql, &[]).await
    }

    /// One integer from a query whose text is built at run time only from identifiers the
    /// test names (a table from a fixed list); values always go through [`TestApp::int`].
    pub async fn scalar(&self, sql: &str) -> i64 {
        self.int(sql, &[]).await
    }

    /// One integer from `sql`, with `args` bound to `$1`, `$2`, … in order.
    pub async fn int(&self, sql: &str, args: &[Arg<'_>]) -> i64 {
        self.one(sql, args).await
    }

    /// One nullable text from `sql` (the row must exist), with `args` bound in order. The SQL
    /// text may name a column the test chooses; values are never formatted into it.
    pub async fn text(&self, sql: &str, args: &[Arg<'_>]) -> Option<String> {
        self.one(sql, args).await
    }

    /// One value of type `T` from the single row `sql` returns, with `args` bound in order.
    async fn one<T>(&self, sql: &str, args: &[Arg<'_>]) -> T
    where
        T: Send
            + Unpin
            + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'r> sqlx::Decode<'r, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>,
    {
        tenantpilot::with_db!(self.db(), |p| {
            let mut q = sqlx::query_scalar::<_, T>(sqlx::AssertSqlSafe(sql.to_string()));
            for arg in args {
                q = match *arg {
                    Arg::Int(v) => q.bind(v),
                    Arg::Text(v) => q.bind(v),
                };
            }
            q.fetch_one(p).await
        })
        .unwrap_or_else(|e| panic!("query {sql}: {e}"))
    }

    /// Posts the platform operator's form for operational control `key` (pause or resume,
    /// with its scope and reason in `fields`) and expects it accepted.
    pub async fn control(&self, key: &str, fields: &[(&str, &str)]) {
        let platform = self.session_for("platform@tenantpilot.test").await;
        // Confirmed up front: pausing run execution asks first (ignored by other controls).
        let mut fields = fields.to_vec();
        fields.push(("confirm", "yes"));
        let r = self
            .post_form(&format!("/system/controls/{key}"), &platform, &fields)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{key}: {}", r.body);
    }

    /// Pauses operation starts for workspace contoso-msp for an hour, as a platform operator.
    pub async fn pause_contoso_starts(&self) {
        self.control("operation_starts", PAUSE_CONTOSO_STARTS).await;
    }

    /// How many audit events with `action` exist.
    pub async fn audit_count(&self, action: &str) -> i64 {
        self.int(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1",
            &[action.into()],
        )
        .await
    }

    /// How many audit events with `action` name `target_id` as their target.
    pub async fn audit_count_for(&self, action: &str, target_id: &str) -> i64 {
        self.int(
            "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND target_id = $2",
            &[action.into(), target_id.into()],
        )
        .await
    }

    /// The tenant with URL key `external_id`, if it exists.
    pub async fn find_tenant(&self, external_id: &str) -> Option<Tenant> {
        tenantpilot::features::tenants::repo::find_by_external_id(self.db(), external_id)
            .await
            .unwrap_or_else(|e| panic!("tenant lookup {external_id}: {e}"))
    }

    /// The tenant with URL key `external_id`; panics when it is not there.
    pub async fn tenant(&self, external_id: &str) -> Tenant {
        self.find_tenant(external_id)
            .await
            .unwrap_or_else(|| panic!("tenant {external_id} exists"))
    }

    /// Internal id of the tenant with URL key `external_id`.
    pub async fn tenant_id(&self, external_id: &str) -> i64 {
        self.tenant(external_id).await.id
    }

    /// Internal id of the user with `email`.
    pub async fn user_id(&self, email: &str) -> i64 {
        users::find_by_email(self.db(), email)
            .await
            .unwrap_or_else(|e| panic!("user lookup {email}: {e}"))
            .unwrap_or_else(|| panic!("user {email} exists"))
            .id
    }

    /// Gives `ext`'s simulated provider connection `scenario` (`healthy`, `throttled`, …), as
    /// onboarding's connect step would save it.
    pub async fn set_scenario(&self, ext: &str, scenario: &str) {
        let tenant = self.tenant(ext).await;
        let mut tx = self.db().begin().await.unwrap();
        tenantpilot::features::providers::service::save_connection(
            &mut tx,
            &AuditContext::cli(),
            self.clock.now_for_tests(),
            tenant.workspace_id,
            tenant.id,
            &tenantpilot::features::providers::service::ConnectionForm {
                kind: "simulated".into(),
                directory_id: format!("{ext}.onmicrosoft.com"),
                display_name: String::new(),
                scenario: scenario.into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// Starts a run of `run_type` for `tenant` through the API; returns the accepted body.
    pub async fn start_api(&self, token: &str, tenant: &str, run_type: &str) -> serde_json::Value {
        let r = self.try_start_api(token, tenant, run_type).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        r.json()
    }

    /// Asks the API to start a run of `run_type` on `tenant`, whatever the answer.
    pub async fn try_start_api(&self, token: &str, tenant: &str, run_type: &str) -> Resp {
        self.api(
            Method::POST,
            &format!("/api/v1/tenants/{tenant}/operations"),
            Some(token),
            Some(&serde_json::json!({ "type": run_type }).to_string()),
        )
        .await
    }

    /// `GET path` as `session` with a German `Accept-Language`.
    pub async fn get_de(&self, path: &str, session: &Session) -> Resp {
        let request = Request::builder()
            .uri(path)
            .header(header::HOST, "localhost")
            .header(header::COOKIE, &session.cookie)
            .header(header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9")
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// Gives `tenant` a Microsoft provider connection to `directory`, saved by the CLI actor
    /// through the same rule onboarding's connect step uses.
    pub async fn connect_microsoft(&self, tenant: &str, directory: &str) {
        use tenantpilot::features::providers::service::{ConnectionForm, save_connection};
        let tenant = self.tenant(tenant).await;
        let mut tx = self.db().begin().await.unwrap();
        save_connection(
            &mut tx,
            &AuditContext::cli(),
            self.clock.now_for_tests(),
            tenant.workspace_id,
            tenant.id,
            &ConnectionForm {
                kind: "microsoft".into(),
                directory_id: directory.into(),
                display_name: String::new(),
                scenario: String::new(),
            },
        )
        .await
        .expect("microsoft connection saved");
        tx.commit().await.unwrap();
    }

    /// A second instance: its own pool on the same database, the same clock and configuration.
    pub async fn second_instance(&self) -> AppState {
        let db = Db::connect(&self.tdb.url).await.expect("second pool");
        AppState::new(db, self.state.config.as_ref().clone(), self.clock.clone())
    }
}

/// A value bound to the next `$n` placeholder of a test query.
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a> {
    /// An integer (ids, counts).
    Int(i64),
    /// A text (actions, references, external ids).
    Text(&'a str),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(v.as_str())
    }
}

/// A configuration whose support desk is the generic webhook at `url` with `timeout_ms` and
/// HMAC key `hmac_secret`; the fake desk behind `url` is the test's own `wiremock` server.
pub fn webhook_desk(url: &str, timeout_ms: u64, hmac_secret: &str) -> Config {
    let mut config = Config::default();
    config.support_desk.kind = tenantpilot::support_desk::DeskKind::Webhook;
    config.support_desk.url = url.to_string();
    config.support_desk.timeout_ms = timeout_ms;
    config.support_desk.webhook.hmac_secret = Some(hmac_secret.to_string().into());
    config
}

/// Runs the real `tenantpilot` binary on `db_url` with `args` and extra `env`, feeding `stdin`
/// (or an empty input); returns its exit code, standard output and standard error.
pub fn cli(
    db_url: &str,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tenantpilot"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "error")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut input = child.stdin.take().expect("piped stdin");
    if let Some(text) = stdin {
        input
            .write_all(text.as_bytes())
            .expect("stdin accepts input");
    }
    drop(input);
    let out = child.wait_with_output().expect("binary finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The element that starts at `start` up to and including the first `end` after it.
pub fn fragment<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} on the page: {html}"));
    let to = html[from..]
        .find(end)
        .map(|i| from + i + end.len())
        .unwrap_or_else(|| panic!("{end} after {start}"));
    &html[from..to]
}

/// `insta` filters for HTML fragments: support references, ids in paths, times, form versions
/// and CSRF tokens, so a page snapshot holds on both databases.
pub fn html_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"SR-[0-9A-HJKMNP-TV-Z]{26}", "[reference]"),
        (r"/\d+(\b|/)", "/[id]$1"),
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?",
            "[time]",
        ),
        (
            r#"name="version" value="\d+""#,
            r#"name="version" value="[version]""#,
        ),
        (
            r#"name="_csrf" value="[^"]*""#,
            r#"name="_csrf" value="[csrf]""#,
        ),
    ]
}

/// Lets tests read the manual clock through the `Clock` trait without importing it everywhere.
pub trait NowForTests {
    fn now_for_tests(&self) -> chrono::DateTime<Utc>;
}

impl NowForTests for ManualClock {
    fn now_for_tests(&self) -> chrono::DateTime<Utc> {
        tenantpilot::clock::Clock::now(self)
    }
}

/// The demo actors of the access matrix, in column order.
pub const ACTORS: [&str; 7] = [
    "owner@contoso.test",
    "manager@contoso.test",
    "operator@contoso.test",
    "readonly@contoso.test",
    "owner@northwind.test",
    "anonymous",
    "platform@tenantpilot.test",
];

/// Adds `n` tenants named `Bulk Customer 00001…` to contoso's workspace and refreshes
/// PostgreSQL's statistics, for the plan tests that need a large workspace.
pub async fn add_bulk_tenants(p: &sqlx::PgPool, n: i64) {
    sqlx::query(
        "INSERT INTO tenants (workspace_id, external_id, name, created_at)
         SELECT w.id, 'bulk-' || g, 'Bulk Customer ' || lpad(g::text, 5, '0'), now()
         FROM workspaces w, generate_series(1, $1) g WHERE w.slug = 'contoso-msp'",
    )
    .bind(n)
    .execute(p)
    .await
    .unwrap();
    sqlx::raw_sql("ANALYZE").execute(p).await.unwrap();
}

/// How PostgreSQL ran `sql` prepared with parameter types `types` over ten executions with the
/// literal arguments `args`: `(generic plans, custom plans, rows of the last execution)`. A
/// custom plan is a fresh planning on that execution.
pub async fn plan_choices(
    p: &sqlx::PgPool,
    types: &str,
    sql: &str,
    args: &str,
) -> (i64, i64, usize) {
    let mut conn = p.acquire().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "PREPARE probe ({types}) AS {sql}"
    )))
    .execute(&mut *conn)
    .await
    .unwrap();
    let mut rows = 0;
    for _ in 0..10 {
        rows = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("EXECUTE probe ({args})")))
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .len();
    }
    let (generic, custom) = sqlx::query_as(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'probe'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    sqlx::raw_sql("DEALLOCATE probe")
        .execute(&mut *conn)
        .await
        .unwrap();
    (generic, custom, rows)
}
