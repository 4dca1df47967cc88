//! Configuration: defaults, then an optional TOML file, then `TENANTPILOT_*` environment variables
//! (nested keys with `__`), then `DATABASE_URL`. One place so every instance reads the same rules.

pub mod desk;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Everything the service reads at start-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://…` (embedded, default) or `postgres://…`.
    pub database_url: String,
    /// Address `serve` listens on.
    pub bind: String,
    /// Public base URL; an `https://` URL marks session cookies `Secure`.
    pub public_url: String,
    /// Session lifetime rules.
    pub session: SessionConfig,
    /// Brute-force protection for the login form.
    pub login_throttle: ThrottleConfig,
    /// Request limits that protect the service from oversized or slow requests.
    pub http: HttpConfig,
    /// How tenants' Microsoft clouds are reached and how long a verification stays fresh.
    pub providers: ProvidersConfig,
    /// The background run executor.
    pub operations: OperationsConfig,
    /// The one external support desk that support requests may be handed off to.
    pub support_desk: desk::SupportDeskConfig,
    /// Product usage telemetry retention.
    pub telemetry: TelemetryConfig,
    /// API bearer token lifetimes.
    pub api_tokens: ApiTokensConfig,
    /// Database pool behaviour when the database is slow or gone.
    pub database: DatabaseConfig,
    /// Invitations and password reset links.
    #[serde(default)]
    pub members: MembersConfig,
    /// The audit log's CSV export.
    #[serde(default)]
    pub audit: AuditConfig,
    /// Outgoing e-mail for invitations and reset links; absent means no mail is sent (the
    /// links are still shown once to copy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<MailConfig>,
}

/// How the SMTP connection is secured.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display, strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum MailTls {
    /// Plain SMTP (only for a relay on the same host or a trusted network).
    None,
    /// Plain connection upgraded with `STARTTLS` (usually port 587); refused if the server
    /// does not offer it.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// The SMTP server invitations and reset links are sent through.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// SMTP server host name.
    pub host: String,
    /// SMTP port (587 for `starttls`, 465 for `tls`, 25 for `none` are usual).
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub tls: MailTls,
    /// SMTP user name; without it no authentication is attempted.
    #[serde(default)]
    pub username: Option<String>,
    /// SMTP password; only ever held in memory.
    #[serde(default, serialize_with = "crate::secret::serialize_secret")]
    pub password: Option<secrecy::SecretString>,
    /// Sender address, e.g. `TenantPilot <tenantpilot@msp.example>`.
    pub from: String,
    /// Budget for one message (connect, greeting, TLS and sending), in seconds.
    #[serde(default = "default_mail_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_mail_timeout_secs() -> u64 {
    10
}

/// Never prints the password (not even that one is set beyond a flag).
impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password_set", &self.password.is_some())
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

impl MailConfig {
    /// Rejects a configuration that could never send.
    pub fn validate(&self) -> Result<(), String> {
        if self.host.trim().is_empty() || self.host.contains(['/', ' ', ':']) {
            return Err(
                "mail.host must be the SMTP server's host name (no scheme, port or path)".into(),
            );
        }
        if self.port == 0 {
            return Err("mail.port must be between 1 and 65535".into());
        }
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(format!(
                "mail.from {:?} is not an e-mail address; use e.g. \"TenantPilot <tenantpilot@msp.example>\"",
                self.from
            ));
        }
        if self.password.is_some() && self.username.as_deref().is_none_or(str::is_empty) {
            return Err(
                "mail.password is set but mail.username is not; set both or neither".into(),
            );
        }
        if !(1..=120).contains(&self.timeout_secs) {
            return Err("mail.timeout_secs must be between 1 and 120; 10 is the default".into());
        }
        Ok(())
    }
}

/// How long the single-use links of the team features stay valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembersConfig {
    /// Days an invitation link can be accepted.
    pub invitation_days: i64,
    /// Minutes a password reset link can be used.
    pub password_reset_minutes: i64,
}

impl Default for MembersConfig {
    fn default() -> Self {
        Self {
            invitation_days: 7,
            password_reset_minutes: 60,
        }
    }
}

/// The audit log's CSV export (`[audit]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Most rows one CSV export writes (`audit.export_max_rows`, env
    /// `TENANTPILOT_AUDIT__EXPORT_MAX_ROWS`); a longer log is cut there and the file's last
    /// line says so.
    pub export_max_rows: i64,
}

impl AuditConfig {
    /// Largest cap that may be configured.
    pub const MAX_EXPORT_ROWS: i64 = 1_000_000;
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            export_max_rows: 10_000,
        }
    }
}

/// API bearer token settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiTokensConfig {
    /// Lifetime in days of a token created without an explicit expiry choice.
    pub default_days: i64,
}

impl ApiTokensConfig {
    /// Longest lifetime a token may be given, in days (ten years).
    pub const MAX_DAYS: i64 = 3650;
}

/// Database pool settings (the URL stays the top-level `database_url`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// How long a request waits for a pooled connection before it fails with `503`, in
    /// milliseconds; short, so a lost database answers fast instead of piling up requests.
    pub acquire_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            acquire_timeout_ms: 2000,
        }
    }
}

/// Product usage telemetry settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// Ledger rows older than this many days are pruned (daily, and by `product-usage prune`).
    pub retention_days: i64,
    /// Rows deleted per statement while pruning, so a prune never holds long locks.
    pub prune_batch_size: i64,
    /// How often each instance's job scheduler checks for due jobs (the daily prune among them);
    /// at most an hour, so a day's slot is always picked up that day.
    pub scheduler_interval_secs: u64,
}

/// Provider settings. Secrets live here (or in the environment), never in the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvidersConfig {
    /// A verification report older than this is stale.
    pub verification_freshness_hours: i64,
    /// Minutes an admin-consent request (button or link) may be answered before its `state`
    /// expires.
    #[serde(default = "default_admin_consent_expiry_minutes")]
    pub admin_consent_expiry_minutes: i64,
    /// The `microsoft` provider kind.
    pub microsoft: MicrosoftConfig,
}

fn default_admin_consent_expiry_minutes() -> i64 {
    30
}

/// The multi-tenant app registration the MSP uses to reach customer tenants.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MicrosoftConfig {
    /// Token authority base, e.g. `https://login.microsoftonline.com`.
    pub authority_url: String,
    /// Graph base, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base_url: String,
    /// Scope requested with client credentials.
    pub graph_scope: String,
    /// Application (client) id of the app registration.
    pub client_id: String,
    /// Client secret; only ever held in memory.
    #[serde(default, serialize_with = "crate::secret::serialize_secret")]
    pub client_secret: Option<secrecy::SecretString>,
    /// Connect timeout for each call.
    pub connect_timeout_secs: u64,
    /// Total budget for each call.
    pub request_timeout_secs: u64,
    /// A `Retry-After` up to this long is waited out once; longer ones fail the run as retryable.
    pub max_retry_after_secs: u64,
}

/// Run executor settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationsConfig {
    /// Runs one instance executes at the same time.
    pub workers: usize,
    /// How often an idle instance looks for queued runs (other instances' starts).
    pub poll_interval_ms: u64,
    /// A running run whose executor has not reported for this long is failed as orphaned.
    pub orphan_after_secs: i64,
}

/// How long a signed-in session lives.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// A session unused for this long ends.
    pub idle_minutes: i64,
    /// A session ends this long after sign-in, however active.
    pub absolute_hours: i64,
}

/// Failed sign-ins allowed per window before further attempts are refused.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleConfig {
    /// Failures for one e-mail address within the window.
    pub max_account_failures: i64,
    /// Failures from one client address within the window.
    pub max_ip_failures: i64,
    /// Length of the window.
    pub window_minutes: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
}

/// Request limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// A request taking longer than this is answered with 408.
    pub request_timeout_secs: u64,
    /// Largest total size of the request headers (names plus values), in bytes; more is `431`.
    pub max_header_bytes: usize,
    /// After SIGTERM or Ctrl-C, how long in-flight requests and running runs may take to
    /// finish before the process stops them and exits.
    pub shutdown_grace_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://./data/tenantpilot.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            session: SessionConfig {
                idle_minutes: 12 * 60,
                absolute_hours: 7 * 24,
            },
            login_throttle: ThrottleConfig {
                max_account_failures: 5,
                max_ip_failures: 50,
                window_minutes: 15,
                trust_forwarded_for: false,
            },
            http: HttpConfig {
                body_limit_bytes: 1024 * 1024,
                request_timeout_secs: 30,
                max_header_bytes: 16 * 1024,
                shutdown_grace_secs: 20,
            },
            providers: ProvidersConfig {
                verification_freshness_hours: 24,
                admin_consent_expiry_minutes: default_admin_consent_expiry_minutes(),
                microsoft: MicrosoftConfig {
                    authority_url: "https://login.microsoftonline.com".into(),
                    graph_base_url: "https://graph.microsoft.com/v1.0".into(),
                    graph_scope: "https://graph.microsoft.com/.default".into(),
                    client_id: String::new(),
                    client_secret: None,
                    connect_timeout_secs: 5,
                    request_timeout_secs: 15,
                    max_retry_after_secs: 5,
                },
            },
            operations: OperationsConfig {
                workers: 2,
                poll_interval_ms: 1000,
                orphan_after_secs: 120,
            },
            support_desk: desk::SupportDeskConfig::default(),
            telemetry: TelemetryConfig {
                retention_days: 90,
                prune_batch_size: 10_000,
                scheduler_interval_secs: 300,
            },
            api_tokens: ApiTokensConfig { default_days: 90 },
            database: DatabaseConfig::default(),
            members: MembersConfig::default(),
            audit: AuditConfig::default(),
            mail: None,
        }
    }
}

/// Top-level keys, for picking our variables out of the environment.
const TOP_LEVEL_KEYS: [&str; 15] = [
    "database_url",
    "bind",
    "public_url",
    "session",
    "login_throttle",
    "http",
    "providers",
    "operations",
    "support_desk",
    "telemetry",
    "api_tokens",
    "database",
    "members",
    "audit",
    "mail",
];

/// `TENANTPILOT_*` variable names that are neither settings nor `TENANTPILOT_CONFIG`.
fn ignored_env_keys(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut ignored: Vec<String> = names
        .filter(|name| {
            name.strip_prefix("TENANTPILOT_").is_some_and(|rest| {
                let top = rest.split("__").next().unwrap_or("");
                !top.eq_ignore_ascii_case("config")
                    && !TOP_LEVEL_KEYS.iter().any(|k| top.eq_ignore_ascii_case(k))
            })
        })
        .collect();
    ignored.sort();
    ignored
}

/// Configuration that could not be read; the message names the key or file at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Loads the configuration; `TENANTPILOT_CONFIG` names the TOML file (default `tenantpilot.toml`
    /// in the working directory, read only when present).
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("TENANTPILOT_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("tenantpilot.toml"));
        if std::env::var_os("TENANTPILOT_CONFIG").is_some() && !file.exists() {
            return Err(ConfigError(format!(
                "TENANTPILOT_CONFIG points at {}, which does not exist",
                file.display()
            )));
        }
        let mut figment = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(&file))
            .merge(
                // Only our own keys: tools around the service (test runners, wrappers) may set
                // other TENANTPILOT_* variables that are none of our business.
                Env::prefixed("TENANTPILOT_").split("__").filter(|key| {
                    let top = key.as_str().split('.').next().unwrap_or("");
                    TOP_LEVEL_KEYS.iter().any(|k| top.eq_ignore_ascii_case(k))
                }),
            );
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(("database_url", url));
        }
        let ignored = ignored_env_keys(std::env::vars().map(|(k, _)| k));
        if !ignored.is_empty() {
            // Not fatal (wrappers set their own TENANTPILOT_* variables), but never silent:
            // a misspelt setting would otherwise vanish.
            tracing::warn!(
                variables = %ignored.join(", "),
                "ignoring environment variables that are not TenantPilot settings; check their spelling"
            );
        }
        let config: Config = figment.extract().map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Rejects values that would make the service unsafe or unusable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.session.idle_minutes < 1 || self.session.absolute_hours < 1 {
            return Err(ConfigError(
                "session.idle_minutes and session.absolute_hours must be at least 1".into(),
            ));
        }
        let t = &self.login_throttle;
        if t.max_account_failures < 1 || t.max_ip_failures < 1 || t.window_minutes < 1 {
            return Err(ConfigError(
                "login_throttle values must be at least 1".into(),
            ));
        }
        if self.http.body_limit_bytes < 1024 {
            return Err(ConfigError(
                "http.body_limit_bytes must be at least 1024".into(),
            ));
        }
        if self.http.max_header_bytes < 1024 {
            return Err(ConfigError(
                "http.max_header_bytes must be at least 1024".into(),
            ));
        }
        if self.http.shutdown_grace_secs > 3600 {
            return Err(ConfigError(
                "http.shutdown_grace_secs must be at most 3600 (an hour); 20 is the default".into(),
            ));
        }
        if !(1..=90).contains(&self.members.invitation_days) {
            return Err(ConfigError(
                "members.invitation_days must be between 1 and 90; 7 is the default".into(),
            ));
        }
        if !(5..=7 * 24 * 60).contains(&self.members.password_reset_minutes) {
            return Err(ConfigError(
                "members.password_reset_minutes must be between 5 and 10080 (a week); 60 is the default"
                    .into(),
            ));
        }
        if !(1..=AuditConfig::MAX_EXPORT_ROWS).contains(&self.audit.export_max_rows) {
            return Err(ConfigError(format!(
                "audit.export_max_rows must be between 1 and {}; 10000 is the default",
                AuditConfig::MAX_EXPORT_ROWS
            )));
        }
        if !(100..=60_000).contains(&self.database.acquire_timeout_ms) {
            return Err(ConfigError(
                "database.acquire_timeout_ms must be between 100 and 60000".into(),
            ));
        }
        if self.providers.verification_freshness_hours < 1 {
            return Err(ConfigError(
                "providers.verification_freshness_hours must be at least 1".into(),
            ));
        }
        if !(1..=7 * 24 * 60).contains(&self.providers.admin_consent_expiry_minutes) {
            return Err(ConfigError(
                "providers.admin_consent_expiry_minutes must be between 1 and 10080 (a week)"
                    .into(),
            ));
        }
        let ms = &self.providers.microsoft;
        for (key, url) in [
            ("providers.microsoft.authority_url", &ms.authority_url),
            ("providers.microsoft.graph_base_url", &ms.graph_base_url),
        ] {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "{key} must start with http:// or https://"
                )));
            }
        }
        if ms.request_timeout_secs < 1 || ms.connect_timeout_secs < 1 {
            return Err(ConfigError(
                "providers.microsoft timeouts must be at least 1 second".into(),
            ));
        }
        if self.operations.workers < 1 || self.operations.orphan_after_secs < 10 {
            return Err(ConfigError(
                "operations.workers must be at least 1 and operations.orphan_after_secs at least 10"
                    .into(),
            ));
        }
        if self.operations.poll_interval_ms < 50 {
            return Err(ConfigError(
                "operations.poll_interval_ms must be at least 50 (idle instances poll the database)"
                    .into(),
            ));
        }
        if self.telemetry.retention_days < 1 || self.telemetry.prune_batch_size < 1 {
            return Err(ConfigError(
                "telemetry.retention_days and telemetry.prune_batch_size must be at least 1".into(),
            ));
        }
        if !(1..=3600).contains(&self.telemetry.scheduler_interval_secs) {
            return Err(ConfigError(
                "telemetry.scheduler_interval_secs must be between 1 and 3600".into(),
            ));
        }
        if !(1..=ApiTokensConfig::MAX_DAYS).contains(&self.api_tokens.default_days) {
            return Err(ConfigError(format!(
                "api_tokens.default_days must be between 1 and {}",
                ApiTokensConfig::MAX_DAYS
            )));
        }
        self.support_desk
            .validate()
            .map_err(|e| ConfigError(format!("support_desk: {e}")))?;
        if let Some(mail) = &self.mail {
            mail.validate().map_err(ConfigError)?;
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError(
                "public_url must start with http:// or https://".into(),
            ));
        }
        Ok(())
    }

    /// Whether cookies must carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn defaults_are_valid_and_bad_values_are_refused() {
        assert!(Config::default().validate().is_ok());
        let mut c = Config::default();
        c.session.idle_minutes = 0;
        assert!(c.validate().is_err());
        let c = Config {
            public_url: "tenantpilot.example".into(),
            ..Config::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("public_url"));
        let mut c = Config::default();
        c.http.body_limit_bytes = 10;
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.operations.poll_interval_ms = 0;
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("poll_interval_ms")
        );
        let mut c = Config::default();
        c.providers.verification_freshness_hours = 0;
        assert!(c.validate().unwrap_err().to_string().contains("freshness"));
        let mut c = Config::default();
        c.providers.microsoft.authority_url = "login.example".into();
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("authority_url")
        );
        assert!(!Config::default().secure_cookies());
    }

    #[test]
    fn edge_limits_are_bounded() {
        let refused = |change: fn(&mut Config), key: &str| {
            let mut c = Config::default();
            change(&mut c);
            let message = c
                .validate()
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string());
            assert!(message.contains(key), "{key}: {message:?}");
        };
        // Positive control: the defaults pass.
        assert!(Config::default().validate().is_ok());
        refused(|c| c.http.max_header_bytes = 1023, "http.max_header_bytes");
        refused(
            |c| c.http.shutdown_grace_secs = 3601,
            "http.shutdown_grace_secs",
        );
        refused(
            |c| c.database.acquire_timeout_ms = 99,
            "database.acquire_timeout_ms",
        );
        refused(
            |c| c.database.acquire_timeout_ms = 60_001,
            "database.acquire_timeout_ms",
        );
    }

    fn mail() -> super::MailConfig {
        super::MailConfig {
            host: "smtp.example".into(),
            port: 587,
            tls: super::MailTls::Starttls,
            username: Some("tp".into()),
            password: Some("hunter2-secret".to_string().into()),
            from: "TenantPilot <tp@msp.example>".into(),
            timeout_secs: 10,
        }
    }

    #[test]
    fn mail_is_validated_and_its_password_never_printed() {
        let ok = Config {
            mail: Some(mail()),
            ..Config::default()
        };
        assert!(ok.validate().is_ok());
        assert!(!format!("{ok:?}").contains("hunter2"));
        assert!(format!("{ok:?}").contains("smtp.example"));
        assert!(!serde_json::to_string(&ok).unwrap().contains("hunter2"));
        for (change, key) in [
            (
                (|m: &mut super::MailConfig| m.from = "not an address".into()) as fn(&mut _),
                "mail.from",
            ),
            (|m| m.host = "smtp://x".into(), "mail.host"),
            (|m| m.port = 0, "mail.port"),
            (|m| m.username = None, "mail.username"),
            (|m| m.timeout_secs = 0, "mail.timeout_secs"),
        ] {
            let mut m = mail();
            change(&mut m);
            let c = Config {
                mail: Some(m),
                ..Config::default()
            };
            let message = c.validate().unwrap_err().to_string();
            assert!(message.contains(key), "{key}: {message}");
        }
    }

    #[test]
    fn api_token_default_days_is_bounded() {
        assert_eq!(Config::default().api_tokens.default_days, 90);
        for bad in [0, -1, super::ApiTokensConfig::MAX_DAYS + 1] {
            let mut c = Config::default();
            c.api_tokens.default_days = bad;
            assert!(
                c.validate()
                    .unwrap_err()
                    .to_string()
                    .contains("api_tokens.default_days"),
                "{bad}"
            );
        }
    }

    #[test]
    fn unrelated_or_misspelt_variables_are_reported() {
        let names = [
            "TENANTPILOT_SESSION__IDLE_MINUTES",
            "TENANTPILOT_SESION__IDLE_MINUTES",
            "TENANTPILOT_CONFIG",
            "TENANTPILOT_BIN",
            "TENANTPILOT_BIND",
            "PATH",
        ]
        .map(String::from);
        assert_eq!(
            super::ignored_env_keys(names.into_iter()),
            vec!["TENANTPILOT_BIN", "TENANTPILOT_SESION__IDLE_MINUTES"]
        );
    }
}
