//! Outbound HTTP: the one place the service builds clients that call other people's servers
//! (Microsoft identity platform and Graph today, support-desk connectors later).
//!
//! Keeping it in one place means every outbound call gets the same safety rails: bounded
//! connect and total timeouts so a slow provider cannot pin a run worker, no redirects that
//! leave the host we meant to talk to (credentials and tokens stay where they were sent), an
//! identifying `User-Agent` so providers' support teams can find our traffic, and a TLS stack
//! whose crypto provider is chosen by us rather than by whichever dependency wins a race.

use reqwest::redirect::{Attempt, Policy};
use std::sync::Once;
use std::time::Duration;

/// `User-Agent` sent on every outbound request, so providers can tell our traffic apart when
/// they investigate throttling or abuse reports.
pub const USER_AGENT: &str = concat!("TenantPilot/", env!("CARGO_PKG_VERSION"));

/// Same-host redirects followed before giving up: enough for a trailing-slash or
/// HTTP-to-HTTPS hop, too few for a redirect loop to burn the time budget.
pub const MAX_REDIRECTS: usize = 3;

/// A client could not be built. Rare (broken TLS set-up); callers map it to their own
/// "connection unhealthy" vocabulary rather than panicking in a run worker.
#[derive(Debug, thiserror::Error)]
#[error("the outbound HTTP client could not be built: {0}")]
pub struct OutboundError(String);

static CRYPTO_PROVIDER: Once = Once::new();

/// reqwest is built without a default crypto provider (`rustls-no-provider`), so rustls needs
/// one installed process-wide before the first client exists. Installing is first-wins; if
/// something else (a test harness, another library) installed one already, that one is used.
fn install_crypto_provider() {
    CRYPTO_PROVIDER.call_once(|| {
        // Err means a provider is already installed, which is exactly what we want.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Whether a redirect from `previous` to `next` stays on the same origin host: same host,
/// same port, and never a downgrade from `https` to `http`.
fn same_host(previous: &reqwest::Url, next: &reqwest::Url) -> bool {
    let downgrade = previous.scheme() == "https" && next.scheme() != "https";
    !downgrade
        && previous.host_str() == next.host_str()
        && previous.port_or_known_default() == next.port_or_known_default()
}

fn redirect_policy() -> Policy {
    Policy::custom(|attempt: Attempt| {
        let Some(previous) = attempt.previous().last().cloned() else {
            return attempt.stop();
        };
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if !same_host(&previous, attempt.url()) {
            // An error rather than a silent stop: the caller should learn that the server
            // tried to send it elsewhere, not misread a 3xx as an ordinary answer.
            attempt.error("refused a redirect to another host")
        } else {
            attempt.follow()
        }
    })
}

/// The HTTP client for calls to external services. `connect_timeout` bounds establishing the
/// connection (TCP + TLS); `total_timeout` bounds each request from sending to the last body
/// byte, so one unresponsive provider cannot hold a worker indefinitely. Build one per unit of
/// work (a provider run) or share it; clients are cheap to clone and pool connections.
pub fn client(
    connect_timeout: Duration,
    total_timeout: Duration,
) -> Result<reqwest::Client, OutboundError> {
    install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(total_timeout)
        .redirect(redirect_policy())
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| OutboundError(e.to_string()))
}

/// Percent-encodes a query-string value.
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|s| s.trim_start_matches("v=").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn same_host_rules() {
        assert!(same_host(
            &url("https://a.example/x"),
            &url("https://a.example:443/y")
        ));
        assert!(same_host(
            &url("http://a.example/x"),
            &url("https://a.example:80/y")
        ));
        assert!(!same_host(
            &url("https://a.example/x"),
            &url("http://a.example/y")
        ));
        assert!(!same_host(
            &url("https://a.example/x"),
            &url("https://b.example/x")
        ));
        assert!(!same_host(
            &url("http://127.0.0.1:1/x"),
            &url("http://127.0.0.1:2/x")
        ));
    }

    #[test]
    fn client_builds_twice() {
        let t = Duration::from_secs(1);
        assert!(client(t, t).is_ok());
        assert!(client(t, t).is_ok());
    }

    #[tokio::test]
    async fn follows_same_host_redirects_only_and_sends_user_agent() {
        let a = MockServer::start().await;
        let b = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/hop"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "/end"))
            .mount(&a)
            .await;
        Mock::given(method("GET"))
            .and(path("/end"))
            .and(wiremock::matchers::header("user-agent", USER_AGENT))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .mount(&a)
            .await;
        Mock::given(method("GET"))
            .and(path("/away"))
            .respond_with(
                ResponseTemplate::new(302).insert_header("location", format!("{}/end", b.uri())),
            )
            .mount(&a)
            .await;
        Mock::given(method("GET"))
            .and(path("/loop"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
            .mount(&a)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&b)
            .await;

        let t = Duration::from_secs(2);
        let c = client(t, t).unwrap();
        let ok = c.get(format!("{}/hop", a.uri())).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        assert_eq!(ok.text().await.unwrap(), "ok");

        let away = c.get(format!("{}/away", a.uri())).send().await.unwrap_err();
        assert!(away.is_redirect(), "{away:?}");

        let looped = c.get(format!("{}/loop", a.uri())).send().await.unwrap_err();
        assert!(looped.is_redirect(), "{looped:?}");
        let hops = a
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/loop")
            .count();
        assert_eq!(hops, 1 + MAX_REDIRECTS);
    }
}
