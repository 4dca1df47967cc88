//! E-mail for invitations and reset links (issue 15, points 2 and 4), against a real SMTP
//! server: Python's `aiosmtpd` on a free loopback port, with a handler that writes every
//! received message (envelope recipients, decoded subject and body) as JSON into a tempdir.

use crate::support::{TestApp, cli};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tenantpilot::config::{Config, MailConfig, MailTls};

const WS: &str = "contoso-msp";

const HANDLER: &str = r#"
import asyncio, email, email.policy, json, os, sys
from aiosmtpd.controller import Controller
out, port = sys.argv[1], int(sys.argv[2])
class Handler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        n = len([f for f in os.listdir(out) if f.endswith(".json")])
        tmp = os.path.join(out, f"{n}.tmp")
        with open(tmp, "w") as f:
            json.dump({"rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
                       "subject": str(msg["subject"]), "to": str(msg["to"]),
                       "body": msg.get_body().get_content()}, f)
        os.rename(tmp, os.path.join(out, f"{n}.json"))
        return "250 OK"
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
asyncio.new_event_loop().run_forever()
"#;

/// A running SMTP server that records what it receives; killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl SmtpServer {
    fn start() -> SmtpServer {
        let probe = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status();
        assert!(
            probe.is_ok_and(|s| s.success()),
            "python3 cannot import aiosmtpd, which the mail tests need as their SMTP server: \
             run `pip install aiosmtpd`"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("smtp_handler.py");
        std::fs::write(&script, HANDLER).expect("handler script");
        let inbox = dir.path().join("inbox");
        std::fs::create_dir(&inbox).expect("inbox dir");
        let port = free_port();
        let child = Command::new("python3")
            .arg(&script)
            .arg(&inbox)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 starts");
        let server = SmtpServer { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }

    /// The received messages, oldest first.
    fn messages(&self) -> Vec<Value> {
        read_inbox(&self.inbox())
    }
}

fn read_inbox(dir: &Path) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("inbox")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort_by_key(|p| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u32>().ok())
    });
    files
        .iter()
        .map(|p| serde_json::from_str(&std::fs::read_to_string(p).expect("message")).expect("json"))
        .collect()
}

fn mail_config(port: u16) -> Config {
    Config {
        mail: Some(MailConfig {
            host: "127.0.0.1".into(),
            port,
            tls: MailTls::None,
            username: None,
            password: None,
            from: "TenantPilot <tenantpilot@msp.test>".into(),
            timeout_secs: 5,
        }),
        ..Config::default()
    }
}

async fn set_locale(app: &TestApp, email: &str, locale: &str) {
    tenantpilot::with_db!(app.db(), |p| sqlx::query(
        "UPDATE users SET locale = $1 WHERE email = $2"
    )
    .bind(locale)
    .bind(email)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .expect("locale set");
}

/// The link shown once on the page, from its `<code>` element.
fn shown_link(body: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\">");
    let start = body.find(&marker).expect("link shown") + marker.len();
    body[start..]
        .split('<')
        .next()
        .expect("link text")
        .to_string()
}

#[tokio::test]
async fn a_german_owners_invitation_is_mailed_in_german_with_the_link() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_config(mail_config(smtp.port)).await;
    set_locale(&app, "owner@contoso.test", "de").await;
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/invitations"),
            &owner,
            &[
                ("email", "neu@contoso.test"),
                ("role", "operator"),
                ("entitlement", "all"),
                ("tenants", ""),
            ],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    let link = shown_link(&r.body, "invitation-link-value");
    assert!(link.contains("/invitations/"), "{link}");
    // The page says it was mailed, and no failure warning.
    assert!(r.body.contains("Er wurde außerdem per E-Mail gesendet."));
    assert!(!r.body.contains("data-testid=\"mail-not-sent\""));
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let m = &messages[0];
    assert_eq!(m["rcpt"], serde_json::json!(["neu@contoso.test"]));
    assert_eq!(m["from"], "tenantpilot@msp.test");
    let subject = m["subject"].as_str().expect("subject");
    assert!(subject.starts_with("Einladung zu "), "{subject}");
    let body = m["body"].as_str().expect("body");
    assert!(body.contains(&link), "{body}");
    assert!(body.contains("owner@contoso.test lädt Sie"), "{body}");
    assert!(body.contains("Operator"), "{body}");
    assert!(body.contains("Der Link funktioniert einmal"), "{body}");
    // A resend mails the new link (and the old one is not in it).
    let id = app
        .int(
            "SELECT id FROM invitations WHERE email = $1",
            &["neu@contoso.test".into()],
        )
        .await;
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/invitations/{id}/resend"),
            &owner,
            &[],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    let new_link = shown_link(&r.body, "invitation-link-value");
    assert_ne!(new_link, link);
    let messages = smtp.messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let body = messages[1]["body"].as_str().expect("body");
    assert!(body.contains(&new_link) && !body.contains(&link), "{body}");
}

#[tokio::test]
async fn an_invitation_survives_a_mail_server_that_is_down() {
    // Nothing listens on this port: the send fails fast (connection refused).
    let app = TestApp::with_config(mail_config(free_port())).await;
    let owner = app.session_for("owner@contoso.test").await;
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/invitations"),
            &owner,
            &[
                ("email", "down@contoso.test"),
                ("role", "readonly"),
                ("entitlement", "all"),
                ("tenants", ""),
            ],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert!(shown_link(&r.body, "invitation-link-value").contains("/invitations/"));
    assert!(
        r.body.contains("data-testid=\"mail-not-sent\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("The e-mail could not be sent"));
    assert!(!r.body.contains("It has also been sent by e-mail."));
    assert_eq!(
        app.int(
            "SELECT COUNT(*) FROM invitations WHERE email = $1",
            &["down@contoso.test".into()],
        )
        .await,
        1
    );
    // The API says mailed=false for the same situation.
    let token = app.token_for("owner@contoso.test").await;
    let r = app
        .api(
            axum::http::Method::POST,
            &format!("/api/v1/workspaces/{WS}/invitations"),
            Some(&token),
            Some(r#"{"email": "down2@contoso.test", "role": "readonly", "all_tenants": true}"#),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.json()["mailed"], false);
}

#[tokio::test]
async fn an_owner_issues_a_members_reset_link_shown_once_mailed_and_audited() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_config(mail_config(smtp.port)).await;
    let owner = app.session_for("owner@contoso.test").await;
    let id = app
        .int(
            "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id
             JOIN workspaces w ON w.id = m.workspace_id WHERE u.email = $1 AND w.slug = $2",
            &["operator@contoso.test".into(), WS.into()],
        )
        .await;
    let before = app.audit_count("user.password_reset_requested").await;
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/members/{id}/password-reset"),
            &owner,
            &[],
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let link = shown_link(&r.body, "reset-link-value");
    assert!(link.contains("/password-reset/"), "{link}");
    assert_eq!(
        app.audit_count("user.password_reset_requested").await,
        before + 1
    );
    let metadata = app
        .text(
            "SELECT CAST(metadata AS TEXT) FROM audit_events WHERE action = 'user.password_reset_requested'
             ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await
        .expect("audit metadata");
    assert!(
        metadata
            .replace(' ', "")
            .contains("\"issued_by\":\"owner\""),
        "{metadata}"
    );
    assert!(!metadata.contains(&link), "{metadata}");
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(
        messages[0]["rcpt"],
        serde_json::json!(["operator@contoso.test"])
    );
    assert_eq!(messages[0]["subject"], "Set a new TenantPilot password");
    assert!(
        messages[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains(&link))
    );
    // The link works: it opens the reset page.
    let path = link
        .split_once("/password-reset/")
        .map(|(_, t)| format!("/password-reset/{t}"));
    let page = app.get(&path.expect("path"), None).await;
    assert_eq!(page.status.as_u16(), 200);
    // A member of another workspace is 404 here (positive control above).
    let other = app
        .int(
            "SELECT m.id FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
             WHERE w.slug <> $1 ORDER BY m.id LIMIT 1",
            &[WS.into()],
        )
        .await;
    let r = app
        .post_form(
            &format!("/admin/w/{WS}/members/{other}/password-reset"),
            &owner,
            &[],
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn the_cli_mails_a_reset_link_in_the_users_language_configured_from_the_environment() {
    let smtp = SmtpServer::start();
    let app = TestApp::new().await;
    set_locale(&app, "manager@contoso.test", "de").await;
    let port = smtp.port.to_string();
    let (code, stdout, stderr) = cli(
        &app.state.config.database_url,
        &["user", "reset-password", "--email", "manager@contoso.test"],
        &[
            ("TENANTPILOT_MAIL__HOST", "127.0.0.1"),
            ("TENANTPILOT_MAIL__PORT", port.as_str()),
            ("TENANTPILOT_MAIL__TLS", "none"),
            ("TENANTPILOT_MAIL__FROM", "tenantpilot@msp.test"),
        ],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let link = stdout.trim();
    assert!(link.contains("/password-reset/"), "{stdout}");
    assert!(
        stderr.contains("e-mailed to manager@contoso.test"),
        "{stderr}"
    );
    let messages = smtp.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(
        messages[0]["rcpt"],
        serde_json::json!(["manager@contoso.test"])
    );
    assert_eq!(
        messages[0]["subject"],
        "Neues TenantPilot-Passwort festlegen"
    );
    assert!(
        messages[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains(link))
    );
    // Without [mail] the CLI prints the link and sends nothing.
    let (code, stdout, stderr) = cli(
        &app.state.config.database_url,
        &["user", "reset-password", "--email", "manager@contoso.test"],
        &[],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("/password-reset/"));
    assert!(!stderr.contains("e-mailed"), "{stderr}");
    assert_eq!(smtp.messages().len(), 1);
}
