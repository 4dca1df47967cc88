//! Issue 11 point 7 with the real binary (on the database the harness selects): SIGTERM stops accepting connections, lets the request
//! in flight finish, and the process exits 0 within the grace period.
//!
//! The request in flight is a sign-in whose form body arrives in two parts, the second only
//! after SIGTERM: the server has accepted it and is reading it when the signal comes, and it must
//! still answer with the normal sign-in redirect and session cookie.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_tenantpilot");
const PASSWORD: &str = "sigterm-pass";

/// Kills the server if the test fails before it exits by itself.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Sends `request` on a new connection and reads the whole answer (the server closes it).
fn exchange(addr: SocketAddr, request: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    stream.write_all(request.as_bytes())?;
    read_all(&mut stream)
}

fn read_all(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut out = Vec::new();
    stream.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn cookie<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    response
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .filter_map(|c| c.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn csrf_field(html: &str) -> Option<&str> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(&html[start..end])
}

#[test]
fn sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    // SQLite by default, a fresh PostgreSQL database when TEST_DATABASE_URL is set.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let tdb = runtime.block_on(crate::support::TestDatabase::new());
    let url = tdb.url.clone();
    let seeded = Command::new(BIN)
        .args(["demo", "seed", "--password", PASSWORD])
        .env("DATABASE_URL", &url)
        .current_dir(dir.path())
        .output()
        .expect("demo seed runs");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let addr: SocketAddr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let mut server = Server(
        Command::new(BIN)
            .args(["serve", "--bind", &addr.to_string()])
            .env("DATABASE_URL", &url)
            .env("TENANTPILOT_HTTP__SHUTDOWN_GRACE_SECS", "15")
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts"),
    );

    let health = "GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let mut ready = false;
    for _ in 0..120 {
        if exchange(addr, health).is_ok_and(|r| r.starts_with("HTTP/1.1 200")) {
            ready = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(ready, "server became ready");

    let login = exchange(
        addr,
        "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .expect("login page");
    let pre_session = cookie(&login, "tp_csrf").expect("pre-session cookie");
    let token = csrf_field(&login).expect("csrf field");
    let body = serde_urlencoded::to_string([
        ("_csrf", token),
        ("email", "owner@contoso.test"),
        ("password", PASSWORD),
        ("next", "/admin/operations"),
    ])
    .expect("form");
    let (first, rest) = body.split_at(body.len() / 2);

    let mut in_flight = TcpStream::connect(addr).expect("connect");
    in_flight
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        in_flight,
        "POST /login HTTP/1.1\r\nHost: localhost\r\nCookie: tp_csrf={pre_session}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .expect("send the first half");
    in_flight.flush().expect("flush");
    // Give the server a moment to start reading the body before the signal.
    std::thread::sleep(Duration::from_millis(300));

    let signalled = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());

    // New connections are refused once the signal is handled.
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(addr).is_err() {
            refused = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(refused, "the listener closed after SIGTERM");
    assert!(
        matches!(server.0.try_wait(), Ok(None)),
        "the process waits for the request in flight"
    );

    in_flight
        .write_all(rest.as_bytes())
        .expect("send the rest after SIGTERM");
    let answer = read_all(&mut in_flight).expect("answer to the request in flight");
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert!(
        answer.contains("location: /admin/operations"),
        "signed in and redirected: {answer}"
    );
    assert!(cookie(&answer, "tp_session").is_some(), "{answer}");

    let mut exit = None;
    for _ in 0..200 {
        if let Ok(Some(status)) = server.0.try_wait() {
            exit = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let exit = exit.expect("the process exited after SIGTERM");
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(15),
        "exited within the grace period"
    );
    runtime.block_on(tdb.db.close());
    drop(tdb);
}
