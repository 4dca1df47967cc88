//! The load generator's HTTP side: a keep-alive loopback client, signing in through the real
//! login form, and latency percentiles.

use anyhow::{Context, anyhow, bail};
use std::time::Duration;
use tenantpilot::{
    auth::sessions::COOKIE,
    web::csrf::{FIELD, PRE_SESSION_COOKIE},
};

/// A loopback HTTP client: no redirects followed, keep-alive pool as large as the load.
pub fn http_client(clients: usize) -> anyhow::Result<reqwest::Client> {
    // reqwest is built without a default rustls provider; plain HTTP never uses it, but the
    // builder insists on one being installed. Err means one already is.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(clients.max(1))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let pair = v.split(';').next()?.trim();
            let (k, val) = pair.split_once('=')?;
            (k == name && !val.is_empty()).then(|| val.to_string())
        })
}

/// The `value` of the hidden input named `field` in `html`.
pub fn hidden_value(html: &str, field: &str) -> Option<String> {
    let marker = format!("name=\"{field}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_string())
}

/// Signs in as `email` through the login form and returns the session cookie's value.
pub async fn login(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let form = client.get(format!("{base}/login")).send().await?;
    if form.status() != reqwest::StatusCode::OK {
        bail!("GET /login answered {}", form.status());
    }
    let pre = set_cookie(&form, PRE_SESSION_COOKIE)
        .ok_or_else(|| anyhow!("GET /login set no {PRE_SESSION_COOKIE} cookie"))?;
    let html = form.text().await?;
    let token =
        hidden_value(&html, FIELD).ok_or_else(|| anyhow!("the login form has no {FIELD} field"))?;
    let answer = client
        .post(format!("{base}/login"))
        .header(
            reqwest::header::COOKIE,
            format!("{PRE_SESSION_COOKIE}={pre}"),
        )
        .form(&[("email", email), ("password", password), (FIELD, &token)])
        .send()
        .await?;
    if answer.status() != reqwest::StatusCode::SEE_OTHER {
        bail!(
            "POST /login answered {} instead of 303 (wrong password or CSRF?)",
            answer.status()
        );
    }
    let session =
        set_cookie(&answer, COOKIE).ok_or_else(|| anyhow!("POST /login set no {COOKIE} cookie"))?;
    println!("signed in as {email}");
    Ok(session)
}

/// Milliseconds of a duration.
pub fn ms(d: &Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted latencies, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    ms(&sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&v, 50.0), 50.0);
        assert_eq!(percentile_ms(&v, 99.0), 99.0);
        assert_eq!(percentile_ms(&v, 100.0), 100.0);
        assert_eq!(percentile_ms(&[], 99.0), 0.0);
    }

    #[test]
    fn reads_cookies_and_hidden_fields() {
        assert_eq!(
            hidden_value(
                r#"<input type="hidden" name="_csrf" value="abc-1">"#,
                "_csrf"
            ),
            Some("abc-1".into())
        );
        assert_eq!(hidden_value("<form></form>", "_csrf"), None);
    }
}
