//! The Microsoft provider: client-credentials tokens from a configurable authority and Graph
//! calls against a configurable base URL.
//!
//! Every answer is mapped to a [`ProviderFault`] the run and the verification report
//! understand. Fault details are built from our own words plus, at most, the error code and
//! the first sentence of what Microsoft said; the client secret and access tokens are scrubbed
//! from anything taken from a response, and raw bodies are never passed on or logged.

use crate::config::MicrosoftConfig;
use crate::features::providers::model::{
    AccessCheck, AdminRole, HIGH_PRIVILEGE_ROLE_TEMPLATES, Inventory, ProviderFault,
};
use crate::outbound;
use reqwest::{RequestBuilder, Response, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use std::time::Duration;

/// Graph pages followed per listing; a tenant larger than this is reported as truncated rather
/// than letting one sync run for ever.
const MAX_PAGES: usize = 50;
/// Directory roles read per tenant (Entra has well under a hundred built-in roles).
const MAX_ROLES: usize = 200;

/// A bearer token for Graph; never printed.
struct AccessToken(SecretString);

/// A client for one directory.
pub struct MicrosoftClient {
    config: MicrosoftConfig,
    directory_id: String,
    client_secret: SecretString,
    http: reqwest::Client,
}

impl std::fmt::Debug for MicrosoftClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftClient")
            .field("authority_url", &self.config.authority_url)
            .field("graph_base_url", &self.config.graph_base_url)
            .field("client_id", &self.config.client_id)
            .field("directory_id", &self.directory_id)
            .finish_non_exhaustive()
    }
}

impl MicrosoftClient {
    /// A client for `directory_id`; fails when the app registration is not configured.
    pub fn new(config: &MicrosoftConfig, directory_id: &str) -> Result<Self, ProviderFault> {
        if config.client_id.trim().is_empty() {
            return Err(ProviderFault::NotConfigured(
                "providers.microsoft.client_id is not set".into(),
            ));
        }
        let client_secret = match &config.client_secret {
            Some(s) if !s.expose_secret().trim().is_empty() => s.clone(),
            _ => {
                return Err(ProviderFault::NotConfigured(
                    "providers.microsoft.client_secret is not set".into(),
                ));
            }
        };
        let directory_id = directory_id.trim();
        // The id becomes a path segment of the token URL; anything but a GUID or domain name
        // could point the request at another endpoint.
        if directory_id.is_empty()
            || !directory_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(ProviderFault::NotConfigured(
                "the connection's directory id is not a tenant id or domain name".into(),
            ));
        }
        let http = outbound::client(
            Duration::from_secs(config.connect_timeout_secs),
            Duration::from_secs(config.request_timeout_secs),
        )
        .map_err(|e| ProviderFault::Unhealthy(e.to_string()))?;
        Ok(MicrosoftClient {
            config: config.clone(),
            directory_id: directory_id.to_string(),
            client_secret,
            http,
        })
    }

    /// Token + roles claim + Graph probe.
    pub async fn check_access(&self) -> Result<AccessCheck, ProviderFault> {
        let (token, granted_permissions) = self.token().await?;
        let url = format!("{}/organization?$select=id,displayName", self.graph_base());
        match self.graph_get(&token, "organization", &url).await {
            Ok(_) => Ok(AccessCheck {
                granted_permissions,
                graph_healthy: true,
                detail: None,
            }),
            // The token works but Graph refuses or fails: that is the health verdict, not an
            // error of the check itself.
            Err(ProviderFault::PermissionsMissing(detail) | ProviderFault::Unhealthy(detail)) => {
                Ok(AccessCheck {
                    granted_permissions,
                    graph_healthy: false,
                    detail: Some(detail),
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Managed device and configuration counts.
    pub async fn inventory(&self) -> Result<Inventory, ProviderFault> {
        let (token, _) = self.token().await?;
        let base = self.graph_base();
        let mut managed_devices = 0i64;
        let devices_truncated = self
            .walk(
                &token,
                "deviceManagement/managedDevices",
                format!("{base}/deviceManagement/managedDevices?$select=id&$top=999"),
                |items| {
                    managed_devices += items.len() as i64;
                    Ok(true)
                },
            )
            .await?;
        let mut configuration_profiles = 0i64;
        let profiles_truncated = self
            .walk(
                &token,
                "deviceManagement/deviceConfigurations",
                format!("{base}/deviceManagement/deviceConfigurations?$select=id&$top=999"),
                |items| {
                    configuration_profiles += items.len() as i64;
                    Ok(true)
                },
            )
            .await?;
        Ok(Inventory {
            managed_devices,
            configuration_profiles,
            truncated: devices_truncated || profiles_truncated,
        })
    }

    /// Directory roles.
    pub async fn admin_roles(&self) -> Result<Vec<AdminRole>, ProviderFault> {
        let (token, _) = self.token().await?;
        let base = self.graph_base();
        let mut listed: Vec<RoleEntry> = Vec::new();
        let roles_truncated = self
            .walk(
                &token,
                "directoryRoles",
                format!("{base}/directoryRoles?$select=id,displayName,roleTemplateId"),
                |items| {
                    for item in items {
                        if listed.len() == MAX_ROLES {
                            return Ok(false);
                        }
                        listed.push(RoleEntry::parse(item)?);
                    }
                    Ok(listed.len() < MAX_ROLES)
                },
            )
            .await?;
        if roles_truncated {
            tracing::debug!(roles = listed.len(), "directory role listing truncated");
        }
        let mut roles = Vec::with_capacity(listed.len());
        for role in listed {
            let what = format!("directoryRoles/{}/members", role.id);
            let mut member_count = 0i64;
            let members_truncated = self
                .walk(
                    &token,
                    &what,
                    format!("{base}/{what}?$select=id"),
                    |items| {
                        member_count += items.len() as i64;
                        Ok(true)
                    },
                )
                .await?;
            if members_truncated {
                tracing::debug!(members = member_count, "role member listing truncated");
            }
            let high_privilege = HIGH_PRIVILEGE_ROLE_TEMPLATES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&role.role_template_id));
            roles.push(AdminRole {
                display_name: role.display_name,
                role_template_id: role.role_template_id,
                member_count,
                high_privilege,
            });
        }
        Ok(roles)
    }

    fn graph_base(&self) -> &str {
        self.config.graph_base_url.trim_end_matches('/')
    }

    /// Only links back into the configured Graph base are followed, so a tampered or
    /// misrouted `@odata.nextLink` cannot carry our bearer token to another server.
    fn follows(&self, link: &str) -> bool {
        let base = self.graph_base();
        link.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
    }

    /// Client-credentials token for the directory, and the application permissions it carries.
    async fn token(&self) -> Result<(AccessToken, Vec<String>), ProviderFault> {
        let url = format!(
            "{}/{}/oauth2/v2.0/token",
            self.config.authority_url.trim_end_matches('/'),
            self.directory_id
        );
        let form = [
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("scope", self.config.graph_scope.as_str()),
            ("grant_type", "client_credentials"),
        ];
        let response = self
            .send("the token endpoint", || self.http.post(&url).form(&form))
            .await?;
        let status = response.status();
        let body = read_body("the token endpoint", response).await?;
        if !status.is_success() {
            return Err(token_fault(
                status,
                &body,
                &[self.client_secret.expose_secret()],
            ));
        }
        let (token, roles) = parse_token_response(&body)?;
        Ok((AccessToken(token), roles))
    }

    /// GET a Graph URL with the bearer token; the JSON body on success, a mapped fault otherwise.
    async fn graph_get(
        &self,
        token: &AccessToken,
        what: &str,
        url: &str,
    ) -> Result<Value, ProviderFault> {
        let response = self
            .send(what, || {
                self.http
                    .get(url)
                    .bearer_auth(token.0.expose_secret())
                    .header(header::ACCEPT, "application/json")
            })
            .await?;
        let status = response.status();
        let body = read_body(what, response).await?;
        if !status.is_success() {
            return Err(graph_fault(
                what,
                status,
                &body,
                &[self.client_secret.expose_secret(), token.0.expose_secret()],
            ));
        }
        serde_json::from_slice(&body).map_err(|_| {
            ProviderFault::InvalidResponse(format!("Graph answered {what} with malformed JSON."))
        })
    }

    /// Follows a Graph listing page by page, handing each page's `value` items to `visit`
    /// until it returns `false`. Returns whether items were left unread (page bound hit, an
    /// unfollowable next link, or `visit` stopping early).
    async fn walk(
        &self,
        token: &AccessToken,
        what: &str,
        first: String,
        mut visit: impl FnMut(&[Value]) -> Result<bool, ProviderFault>,
    ) -> Result<bool, ProviderFault> {
        let mut next = Some(first);
        let mut pages = 0;
        while let Some(url) = next.take() {
            if pages == MAX_PAGES {
                tracing::debug!(call = what, pages, "page bound reached");
                return Ok(true);
            }
            pages += 1;
            let body = self.graph_get(token, what, &url).await?;
            let (items, link) = parse_page(what, &body)?;
            let more = visit(items)?;
            match link {
                None => {}
                Some(_) if !more => return Ok(true),
                Some(link) if self.follows(link) => next = Some(link.to_string()),
                Some(_) => {
                    tracing::debug!(call = what, "next link leaves the Graph base; not followed");
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    /// Sends a request; a throttled answer with a short enough `Retry-After` is waited out and
    /// the request sent once more.
    async fn send(
        &self,
        what: &str,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, ProviderFault> {
        let first = self.execute(what, build()).await?;
        let Some(retry_after) = throttled(&first) else {
            return Ok(first);
        };
        match retry_after {
            Some(secs) if secs <= self.config.max_retry_after_secs => {
                drop(first);
                tracing::debug!(call = what, secs, "throttled; waiting once before retrying");
                tokio::time::sleep(Duration::from_secs(secs)).await;
                let second = self.execute(what, build()).await?;
                match throttled(&second) {
                    None => Ok(second),
                    Some(retry_after) => Err(ProviderFault::Throttled { retry_after }),
                }
            }
            retry_after => Err(ProviderFault::Throttled { retry_after }),
        }
    }

    async fn execute(
        &self,
        what: &str,
        request: RequestBuilder,
    ) -> Result<Response, ProviderFault> {
        match request.send().await {
            Ok(response) => {
                tracing::debug!(
                    call = what,
                    status = response.status().as_u16(),
                    "provider answered"
                );
                Ok(response)
            }
            Err(e) => {
                tracing::debug!(
                    call = what,
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    "provider call failed"
                );
                Err(transport_fault(what, &e))
            }
        }
    }
}

mod wire;
use wire::*;

#[cfg(test)]
mod tests;
