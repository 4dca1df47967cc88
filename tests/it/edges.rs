//! Issue 11 points 1 and 4 through the whole router (and, for what only a real connection
//! shows, through hyper on a real socket): the post-login redirect stays on our origin, caching
//! headers, hashed static assets, the header-size limit, the system plane's 404 for anonymous
//! callers, and `Connection: close` on refused oversized requests.

use crate::support::{PASSWORD, TestApp};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use std::net::SocketAddr;
use tenantpilot::web::assets::{css_href, js_href};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const OWNER: &str = "owner@contoso.test";

async fn login_with_next(app: &TestApp, email: &str, next: &str) -> crate::support::Resp {
    let anon = app.anonymous().await;
    app.post_form(
        "/login",
        &anon,
        &[("email", email), ("password", PASSWORD), ("next", next)],
    )
    .await
}

#[tokio::test]
async fn a_hostile_next_after_sign_in_lands_on_the_start_page() {
    let app = TestApp::new().await;
    // The form encoding turns the TAB into `%09`: `next=/%09/evil.example/x` on the wire.
    for hostile in [
        "/\t/evil.example/x",
        "//evil.example/x",
        "/\\evil.example",
        "/%2F/evil.example",
        "/%252F%252Fevil.example",
        "https://evil.example/",
        "/..//evil.example",
    ] {
        let r = login_with_next(&app, OWNER, hostile).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{hostile:?}: {}", r.body);
        assert_eq!(r.header("location"), Some("/admin"), "{hostile:?}");
    }
    // Positive controls: a local target is honoured, in canonical form.
    let r = login_with_next(&app, OWNER, "/admin/t/fabrikam?y=1").await;
    assert_eq!(r.header("location"), Some("/admin/t/fabrikam?y=1"));
    let r = login_with_next(&app, OWNER, "/admin/./t/fabrikam").await;
    assert_eq!(r.header("location"), Some("/admin/t/fabrikam"));
    // The login page does not carry a hostile `next` into its form either.
    let page = app.get("/login?next=%2F%09%2Fevil.example%2Fx", None).await;
    assert!(
        page.body.contains(r#"name="next" value="""#),
        "hostile next dropped"
    );
    let page = app.get("/login?next=%2Fadmin%2Foperations", None).await;
    assert!(
        page.body
            .contains(r#"name="next" value="/admin/operations""#),
        "local next kept"
    );
}

#[tokio::test]
async fn pages_and_api_answers_are_not_stored_but_hashed_assets_are_cached_for_a_year() {
    let app = TestApp::new().await;
    let session = app.session_for(OWNER).await;
    let token = app.token_for(OWNER).await;
    let page = app.get("/admin/w/contoso-msp", Some(&session)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let login = app.get("/login", None).await;
    assert_eq!(login.header("cache-control"), Some("no-store"));
    for path in ["/api/v1/me", "/api/v1/tenants", "/api/v1/no-such-thing"] {
        let r = app.api(Method::GET, path, Some(&token), None).await;
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
    }
    let anonymous_api = app.api(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(anonymous_api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous_api.header("cache-control"), Some("no-store"));
    // A handler's own stricter policy is kept.
    assert_eq!(
        app.get("/readyz", None).await.header("cache-control"),
        Some("no-store")
    );

    // Every page links the assets by their hashed URLs, which are cacheable and immutable.
    assert!(page.body.contains(css_href()), "page links {}", css_href());
    assert!(page.body.contains(js_href()), "page links {}", js_href());
    assert!(login.body.contains(css_href()));
    for (href, kind) in [(css_href(), "text/css"), (js_href(), "text/javascript")] {
        let r = app.get(href, None).await;
        assert_eq!(r.status, StatusCode::OK, "{href}");
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{href}"
        );
        assert!(
            r.header("content-type")
                .is_some_and(|v| v.starts_with(kind)),
            "{href}"
        );
        assert!(!r.body.is_empty());
    }
    // Unhashed and stale names are gone (404), so no page can keep using an old file.
    for stale in [
        "/static/app.css",
        "/static/app.js",
        "/static/app.0000000000.css",
        "/static/app.0000000000.js",
        "/static/other.txt",
    ] {
        let r = app.get(stale, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{stale}");
        assert_ne!(
            r.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{stale}"
        );
    }
}

fn with_filler(mut request: Request<Body>, bytes: usize) -> Request<Body> {
    request.headers_mut().insert(
        "x-filler",
        "a".repeat(bytes).parse().expect("ASCII header value"),
    );
    request
}

#[tokio::test]
async fn oversized_request_headers_are_refused_with_431() {
    let app = TestApp::new().await;
    let session = app.session_for(OWNER).await;
    let token = app.token_for(OWNER).await;
    let page = |bytes| {
        with_filler(
            Request::builder()
                .uri("/admin/w/contoso-msp")
                .header(header::HOST, "localhost")
                .header(header::COOKIE, &session.cookie)
                .body(Body::empty())
                .unwrap(),
            bytes,
        )
    };
    let api = |bytes| {
        with_filler(
            Request::builder()
                .uri("/api/v1/me")
                .header(header::HOST, "localhost")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
            bytes,
        )
    };
    // 10 KB of headers are normal.
    assert_eq!(app.send(page(10 * 1024)).await.status, StatusCode::OK);
    assert_eq!(app.send(api(10 * 1024)).await.status, StatusCode::OK);
    // 70 KB are not.
    let r = app.send(page(70 * 1024)).await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert!(r.body.contains("Request headers too large"), "{}", r.body);
    assert_eq!(r.header("connection"), Some("close"));
    let r = app.send(api(70 * 1024)).await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.json()["status"], 431);
    assert_eq!(
        r.json()["type"],
        "urn:tenantpilot:problem:request-header-fields-too-large"
    );
    // The limit is configurable.
    let mut config = tenantpilot::config::Config::default();
    config.http.max_header_bytes = 64 * 1024;
    let roomy = TestApp::with_config(config).await;
    let s = roomy.session_for(OWNER).await;
    let r = roomy
        .send(with_filler(
            Request::builder()
                .uri("/admin/w/contoso-msp")
                .header(header::HOST, "localhost")
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
            40 * 1024,
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_system_plane_is_404_for_anonymous_callers_too() {
    let app = TestApp::new().await;
    let missing = app.get("/no-such-page", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    for path in [
        "/system",
        "/system/controls",
        "/system/workspaces",
        "/system/support-desk",
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.header("location"), None, "{path}");
        assert!(!r.body.contains("/login?next"), "{path}");
    }
    let anon = app.anonymous().await;
    let r = app
        .post_form(
            "/system/controls/operation_starts",
            &anon,
            &[("action", "pause"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The admin plane still sends anonymous browsers to the login page.
    let admin = app.get("/admin/w/contoso-msp", None).await;
    assert_eq!(admin.status, StatusCode::FOUND);
    // The API without a token stays 401 (every API route answers so).
    let r = app
        .api(Method::GET, "/api/v1/system/telemetry/summary", None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Platform users sign in at /login and land on the console.
    let r = login_with_next(&app, "platform@tenantpilot.test", "").await;
    assert_eq!(r.header("location"), Some("/system"));
    let platform = app.session_for("platform@tenantpilot.test").await;
    assert_eq!(
        app.get("/system", Some(&platform)).await.status,
        StatusCode::OK
    );
}

/// The app served by hyper on a free local port, as `serve` does.
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}

/// Reads one response head (status and lower-cased headers) and its `content-length` body.
async fn read_response(
    stream: &mut (impl AsyncReadExt + Unpin),
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.expect("read response");
        assert!(n > 0, "connection closed before a response arrived");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "connection closed inside the body");
        body.extend_from_slice(&chunk[..n]);
    }
    (status, headers, body)
}

/// Whether the server ends the connection (EOF or reset) instead of waiting for more.
async fn server_closes(stream: &mut (impl AsyncReadExt + Unpin)) -> bool {
    let mut chunk = [0u8; 1024];
    // A generous bound only so a regression fails instead of hanging the suite.
    let wait = std::time::Duration::from_secs(10);
    loop {
        match tokio::time::timeout(wait, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

/// Fails instead of hanging the suite when the server never answers (generous bound).
async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(20), f)
        .await
        .expect("the server answered")
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn refused_oversized_requests_close_the_keep_alive_connection() {
    let app = TestApp::new().await;
    let addr = serve(&app).await;
    let limit = app.state.config.http.body_limit_bytes;

    // Positive control: a normal request on a keep-alive connection leaves it open for the next.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    for _ in 0..2 {
        stream
            .write_all(
                b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n",
            )
            .await
            .expect("write");
        let (status, headers, _) = bounded(read_response(&mut stream)).await;
        assert_eq!(status, 200);
        assert_ne!(header(&headers, "connection"), Some("close"));
    }

    // The API refuses by `Content-Length` up front; the login form's CSRF check reads the
    // body (it carries the token) and hits the limit while reading.
    let anon = app.anonymous().await;
    for (path, content_type, cookie) in [
        (
            "/api/v1/tenants/fabrikam/operations",
            "application/json",
            "",
        ),
        (
            "/login",
            "application/x-www-form-urlencoded",
            anon.cookie.as_str(),
        ),
    ] {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\
             Cookie: {cookie}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            limit * 2
        );
        stream.write_all(head.as_bytes()).await.expect("write head");
        // More than the limit is sent (from a second task, as the server stops reading), the
        // rest of the announced body never comes.
        let (mut reader, mut writer) = stream.into_split();
        let sender = tokio::spawn(async move {
            let _ = writer.write_all(&vec![b'a'; limit + 16 * 1024]).await;
            writer
        });
        let (status, headers, _) = bounded(read_response(&mut reader)).await;
        assert_eq!(status, 413, "{path}");
        assert_eq!(header(&headers, "connection"), Some("close"), "{path}");
        assert!(
            server_closes(&mut reader).await,
            "{path}: connection closed"
        );
        sender.abort();
    }

    // Oversized headers through hyper itself: 431 and closed, not 200.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let (status, headers, _) = bounded(read_response(&mut stream)).await;
    assert_eq!(status, 431);
    assert_eq!(header(&headers, "connection"), Some("close"));
    assert!(server_closes(&mut stream).await);

    // A new connection works.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let (status, _, body) = bounded(read_response(&mut stream)).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("ok"));
}
