//! `[support_desk]`: the one external desk support requests may be handed off to. Credentials
//! live here (or in `TENANTPILOT_SUPPORT_DESK__*`), never in the database, and are serialized as
//! absent so a configuration dump never shows them.

use crate::config::serialize_secret;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Which desk is configured; `none` leaves only internal requests and linking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeskKind {
    /// No desk: `create_external_ticket` is unavailable.
    #[default]
    None,
    /// Our documented JSON webhook contract.
    Webhook,
    /// HaloPSA REST API.
    Halopsa,
    /// ConnectWise PSA (Manage) REST API.
    Connectwise,
    /// Datto Autotask PSA REST API.
    Autotask,
    /// Request Tracker 5 REST2.
    RequestTracker,
}

impl DeskKind {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeskKind::None => "none",
            DeskKind::Webhook => "webhook",
            DeskKind::Halopsa => "halopsa",
            DeskKind::Connectwise => "connectwise",
            DeskKind::Autotask => "autotask",
            DeskKind::RequestTracker => "request_tracker",
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

/// `halopsa`: OAuth client credentials, then `POST {url}/Tickets` with an array body.
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
}

/// `connectwise`: Basic `companyId+publicKey:privateKey` plus a `clientId` header.
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
}

/// `request_tracker`: RT 5 REST2 with an auth token.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RequestTrackerConfig {
    /// Auth token (`Authorization: token …`).
    #[serde(serialize_with = "serialize_secret")]
    pub token: Option<SecretString>,
    /// Queue new tickets go to.
    pub queue: String,
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
        Ok(())
    }
}
