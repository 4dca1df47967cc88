//! `[support_desk]`: the one external desk support requests may be handed off to. Credentials
//! live here (or in `TENANTPILOT_SUPPORT_DESK__*`), never in the database, and are serialized as
//! absent so a configuration dump never shows them.

use crate::secret::serialize_secret;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

crate::text_enum!(
    /// Which desk is configured; `none` leaves only internal requests and linking.
    DeskKind [Default] {
        /// No desk: `create_external_ticket` is unavailable.
        #[default]
        None = "none",
        /// Our documented JSON webhook contract.
        Webhook = "webhook",
        /// HaloPSA REST API.
        Halopsa = "halopsa",
        /// ConnectWise PSA (Manage) REST API.
        Connectwise = "connectwise",
        /// Datto Autotask PSA REST API.
        Autotask = "autotask",
        /// Request Tracker 5 REST2.
        RequestTracker = "request_tracker",
    }
);

impl DeskKind {
    /// The desk's product name as people know it ("Create a ticket in HaloPSA"); `None` for no
    /// desk and for the webhook, which is our own contract whatever system answers it.
    pub fn display_name(self) -> Option<&'static str> {
        match self {
            DeskKind::None | DeskKind::Webhook => None,
            DeskKind::Halopsa => Some("HaloPSA"),
            DeskKind::Connectwise => Some("ConnectWise PSA"),
            DeskKind::Autotask => Some("Autotask"),
            DeskKind::RequestTracker => Some("Request Tracker"),
        }
    }
}

/// The support desk section.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportDeskConfig {
    /// The configured desk.
    pub kind: DeskKind,
    /// Base URL of the desk's API (for `webhook`, the endpoint itself).
    pub url: String,
    /// Where a person opens a created ticket; `{id}` and `{number}` are replaced.
    pub ticket_url_template: String,
    /// Total budget for one create call, in milliseconds (at most 5000).
    pub timeout_ms: u64,
    /// `webhook` settings.
    pub webhook: WebhookConfig,
    /// `halopsa` settings.
    pub halopsa: HaloPsaConfig,
    /// `connectwise` settings.
    pub connectwise: ConnectWiseConfig,
    /// `autotask` settings.
    pub autotask: AutotaskConfig,
    /// `request_tracker` settings.
    pub request_tracker: RequestTrackerConfig,
}

impl Default for SupportDeskConfig {
    fn default() -> Self {
        Self {
            kind: DeskKind::None,
            url: String::new(),
            ticket_url_template: String::new(),
            timeout_ms: 5000,
            webhook: WebhookConfig::default(),
            halopsa: HaloPsaConfig::default(),
            connectwise: ConnectWiseConfig::default(),
            autotask: AutotaskConfig::default(),
            request_tracker: RequestTrackerConfig::default(),
        }
    }
}

/// `webhook`: `POST {url}` with our JSON body.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// When set, the body is signed: `X-TenantPilot-Signature: sha256=<hex HMAC-SHA256>`.
    #[serde(serialize_with = "serialize_secret")]
    pub hmac_secret: Option<SecretString>,
}

/// Desk-side priority ids per TenantPilot severity. Priorities are records in each desk, so
/// their ids differ between instances; an unset entry falls back to the connector's default
/// (the desk's out-of-the-box ids where it has well-known ones, else "let the desk decide").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PriorityIds {
    /// Priority for severity `low`.
    pub low: Option<i64>,
    /// Priority for severity `normal` (also used for an unknown severity).
    pub normal: Option<i64>,
    /// Priority for severity `high`.
    pub high: Option<i64>,
    /// Priority for severity `blocking`.
    pub blocking: Option<i64>,
}

impl PriorityIds {
    /// The configured id for `severity`, if any; unknown severities count as `normal` so a
    /// new severity never sends a ticket without a priority the desk understands.
    pub fn for_severity(&self, severity: &str) -> Option<i64> {
        match severity {
            "low" => self.low,
            "high" => self.high,
            "blocking" => self.blocking,
            _ => self.normal,
        }
    }

    /// The configured id for `severity`, else the desk's built-in one.
    pub fn or_builtin(&self, severity: &str, builtin: fn(&str) -> i64) -> i64 {
        self.for_severity(severity)
            .unwrap_or_else(|| builtin(severity))
    }
}

/// `halopsa`: OAuth client credentials, then `POST {url}/Tickets` with an array body. `url` is
/// the resource server including `/api`, e.g. `https://acme.halopsa.com/api`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct HaloPsaConfig {
    /// Token endpoint, e.g. `https://acme.halopsa.com/auth/token`.
    pub auth_url: String,
    /// Hosted tenant name (`?tenant=`), when the instance needs it.
    pub tenant: String,
    /// API application client id.
    pub client_id: String,
    /// API application client secret.
    #[serde(serialize_with = "serialize_secret")]
    pub client_secret: Option<SecretString>,
    /// OAuth scope requested; empty means `all`. Narrow it (e.g. `edit:tickets`) when the Halo
    /// application is set up with fewer permissions.
    pub scope: String,
    /// Ticket type new tickets get (`tickettype_id`); unset uses Halo's default type.
    pub tickettype_id: Option<i64>,
    /// Halo client (the customer) tickets are raised against (`client_id` on the ticket, not
    /// the OAuth client id above); unset leaves it to Halo's defaults and rules.
    pub customer_id: Option<i64>,
    /// Halo site of that customer (`site_id`), when tickets must land on a specific site.
    pub site_id: Option<i64>,
    /// Team tickets are assigned to (`team_id`); unset leaves routing to Halo's rules.
    pub team_id: Option<i64>,
    /// `priority_id` per severity; unset entries use Halo's defaults (1 critical … 4 low).
    pub priority_ids: PriorityIds,
}

/// `connectwise`: Basic `companyId+publicKey:privateKey` plus a `clientId` header. `url` is the
/// API base, e.g. `https://api-na.myconnectwise.net/v4_6_release/apis/3.0`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectWiseConfig {
    /// Company id used to sign in.
    pub company_id: String,
    /// API member public key.
    pub public_key: String,
    /// API member private key.
    #[serde(serialize_with = "serialize_secret")]
    pub private_key: Option<SecretString>,
    /// Developer `clientId` header value.
    pub client_id: String,
    /// Service board new tickets go to (`board.name`).
    pub board: String,
    /// Identifier of the ConnectWise company (the customer) tickets are raised for
    /// (`company.identifier`); not the sign-in company id above.
    pub company_identifier: String,
    /// `priority.id` per severity; ConnectWise priority ids are instance-specific, so unset
    /// entries send no priority and the board's default applies.
    pub priority_ids: PriorityIds,
}

/// `autotask`: zone lookup, then header authentication.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AutotaskConfig {
    /// API user name (also used for the zone lookup).
    pub username: String,
    /// API user secret.
    #[serde(serialize_with = "serialize_secret")]
    pub secret: Option<SecretString>,
    /// API tracking identifier (`ApiIntegrationCode`).
    pub integration_code: String,
    /// Autotask company (the customer) tickets are raised for (`companyID`).
    pub company_id: Option<i64>,
    /// Service desk queue new tickets land in (`queueID`).
    pub queue_id: Option<i64>,
    /// Ticket status picklist value for new tickets; unset means `1` (New).
    pub status_id: Option<i64>,
    /// Ticket source picklist value (`source`); unset leaves Autotask's default.
    pub source_id: Option<i64>,
    /// `priority` picklist value per severity; unset entries use Autotask's built-in values
    /// (low 3, normal 2, high 1, blocking 4 = Critical).
    pub priority_ids: PriorityIds,
    /// Name of a ticket user-defined field that receives the `SR-…` reference, so tickets can
    /// be found by it; empty puts the reference only in the title and description.
    pub reference_udf: String,
}

/// `request_tracker`: RT 5 REST2. `url` is the REST2 base, e.g.
/// `https://rt.example.com/REST/2.0`. Authenticates with an auth token or, where tokens are not
/// available, with a user name and password (HTTP Basic).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RequestTrackerConfig {
    /// Auth token (`Authorization: token …`); used instead of `username`/`password` when set.
    #[serde(serialize_with = "serialize_secret")]
    pub token: Option<SecretString>,
    /// RT user name for HTTP Basic authentication, when no `token` is set.
    pub username: String,
    /// Password of `username`.
    #[serde(serialize_with = "serialize_secret")]
    pub password: Option<SecretString>,
    /// Queue new tickets go to (name or numeric id).
    pub queue: String,
    /// Name of a ticket custom field (applied to the queue) that receives the `SR-…` reference;
    /// empty puts the reference only in the subject and content.
    pub reference_field: String,
    /// `Priority` per severity; unset entries use 0 / 50 / 100 / 100 for low / normal / high /
    /// blocking (RT's default Low / Medium / High labels).
    pub priorities: PriorityIds,
}

impl SupportDeskConfig {
    /// Rejects settings that could never work, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.timeout_ms == 0 || self.timeout_ms > 5000 {
            return Err("timeout_ms must be between 1 and 5000".into());
        }
        if self.kind != DeskKind::None
            && !(self.url.starts_with("http://") || self.url.starts_with("https://"))
        {
            return Err(format!(
                "url must start with http:// or https:// when kind = {}",
                self.kind.as_str()
            ));
        }
        match self.kind {
            DeskKind::Halopsa => {
                let h = &self.halopsa;
                if !(h.auth_url.starts_with("http://") || h.auth_url.starts_with("https://")) {
                    return Err(
                        "halopsa.auth_url must start with http:// or https:// when kind = halopsa"
                            .into(),
                    );
                }
                required("halopsa", "client_id", !blank(&h.client_id))?;
                required("halopsa", "client_secret", has_secret(&h.client_secret))?;
            }
            DeskKind::Connectwise => {
                let c = &self.connectwise;
                required("connectwise", "company_id", !blank(&c.company_id))?;
                required("connectwise", "public_key", !blank(&c.public_key))?;
                required("connectwise", "private_key", has_secret(&c.private_key))?;
                required("connectwise", "client_id", !blank(&c.client_id))?;
                required("connectwise", "board", !blank(&c.board))?;
                required(
                    "connectwise",
                    "company_identifier",
                    !blank(&c.company_identifier),
                )?;
            }
            DeskKind::Autotask => {
                let a = &self.autotask;
                required("autotask", "username", !blank(&a.username))?;
                required("autotask", "secret", has_secret(&a.secret))?;
                required("autotask", "integration_code", !blank(&a.integration_code))?;
                required("autotask", "company_id", a.company_id.is_some())?;
                required("autotask", "queue_id", a.queue_id.is_some())?;
            }
            DeskKind::RequestTracker => {
                let r = &self.request_tracker;
                if !has_secret(&r.token) {
                    if blank(&r.username) && !has_secret(&r.password) {
                        return Err("request_tracker.token (or request_tracker.username and \
                                    request_tracker.password) is required when kind = \
                                    request_tracker"
                            .into());
                    }
                    required("request_tracker", "username", !blank(&r.username))?;
                    required("request_tracker", "password", has_secret(&r.password))?;
                }
                required("request_tracker", "queue", !blank(&r.queue))?;
                if r.reference_field
                    .chars()
                    .any(|c| matches!(c, '{' | '}' | '\'' | '"' | '\\') || c.is_control())
                {
                    return Err("request_tracker.reference_field must not contain braces, \
                                quotes, backslashes or control characters"
                        .into());
                }
            }
            DeskKind::None | DeskKind::Webhook => {}
        }
        Ok(())
    }
}

fn blank(value: &str) -> bool {
    value.trim().is_empty()
}

fn has_secret(secret: &Option<SecretString>) -> bool {
    use secrecy::ExposeSecret;
    secret
        .as_ref()
        .is_some_and(|s| !s.expose_secret().trim().is_empty())
}

/// `Err("<kind>.<key> is required when kind = <kind>")` unless `present`.
fn required(kind: &str, key: &str, present: bool) -> Result<(), String> {
    if present {
        Ok(())
    } else {
        Err(format!("{kind}.{key} is required when kind = {kind}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> Option<SecretString> {
        Some(SecretString::from(s.to_string()))
    }

    fn with(kind: DeskKind) -> SupportDeskConfig {
        SupportDeskConfig {
            kind,
            url: "https://desk.example/api".into(),
            ..SupportDeskConfig::default()
        }
    }

    #[test]
    fn none_and_webhook_need_nothing_more() {
        assert!(SupportDeskConfig::default().validate().is_ok());
        assert!(with(DeskKind::Webhook).validate().is_ok());
    }

    #[test]
    fn halopsa_names_the_missing_key() {
        let mut c = with(DeskKind::Halopsa);
        assert!(c.validate().unwrap_err().contains("halopsa.auth_url"));
        c.halopsa.auth_url = "https://desk.example/auth/token".into();
        assert_eq!(
            c.validate().unwrap_err(),
            "halopsa.client_id is required when kind = halopsa"
        );
        c.halopsa.client_id = "app".into();
        c.halopsa.client_secret = secret("  ");
        assert!(c.validate().unwrap_err().contains("halopsa.client_secret"));
        c.halopsa.client_secret = secret("s3cret");
        assert!(c.validate().is_ok());
    }

    #[test]
    fn connectwise_names_the_missing_key() {
        let mut c = with(DeskKind::Connectwise);
        c.connectwise.company_id = "acme".into();
        c.connectwise.public_key = "pub".into();
        c.connectwise.private_key = secret("priv");
        c.connectwise.client_id = "cid".into();
        c.connectwise.board = "Help Desk".into();
        assert_eq!(
            c.validate().unwrap_err(),
            "connectwise.company_identifier is required when kind = connectwise"
        );
        c.connectwise.company_identifier = "Contoso".into();
        assert!(c.validate().is_ok());
    }

    #[test]
    fn autotask_names_the_missing_key() {
        let mut c = with(DeskKind::Autotask);
        c.autotask.username = "api@example.com".into();
        c.autotask.secret = secret("sec");
        c.autotask.integration_code = "CODE".into();
        c.autotask.company_id = Some(1);
        assert_eq!(
            c.validate().unwrap_err(),
            "autotask.queue_id is required when kind = autotask"
        );
        c.autotask.queue_id = Some(2);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn priority_ids_fall_back_to_normal_for_unknown_severities() {
        let p = PriorityIds {
            normal: Some(3),
            ..PriorityIds::default()
        };
        assert_eq!(p.for_severity("weird"), Some(3));
        assert_eq!(p.for_severity("low"), None);
    }
}
