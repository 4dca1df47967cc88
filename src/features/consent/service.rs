//! Rules of the admin-consent flow.
//!
//! Starting ([`start`]) needs `onboarding.manage` and a connection; it stores a request whose
//! `state` is a fresh random token (only its SHA-256 is stored), bound to the tenant, the
//! connection's directory and the initiator, expiring after
//! `providers.admin_consent_expiry_minutes`, and returns the authority URL carrying the raw
//! state: Microsoft's `{authority_url}/{directory}/v2.0/adminconsent` for the Microsoft kind,
//! the local simulated authority for the simulated kind.
//!
//! Answering ([`answer`]) refuses, writing nothing, a state that is missing or unknown, used,
//! expired, a grant from another directory, a request whose connection changed since, and a
//! button-mode answer in any browser but the initiator's session. Otherwise, in one
//! transaction: the request is marked used by a statement only one answer can pass, the
//! connection's consent is recorded, the answer is audited with the initiator as actor, and a
//! grant queues a `provider.connection.verify` run started by the initiator.

use super::model::{
    Answered, CALLBACK_PATH, CallbackParams, ConsentMode, ConsentOutcome, ConsentRequest,
    MAX_ERROR_DESCRIPTION, Refusal, Started,
};
use super::repo::{self, NewRequest};
use crate::access::{Capability, TenantScope};
use crate::audit::{self, Actor, AuditContext, AuditEntry};
use crate::auth::{random_token, token_hash};
use crate::config::Config;
use crate::error::{AppError, AppResult, ServiceError};
use crate::features::operations::{
    model::RunType,
    service::{self as operations, Initiator},
};
use crate::features::providers::{
    model::{Connection, ConsentState, ProviderKind},
    service as providers,
};
use crate::outbound::urlencode;
use crate::state::AppState;
use serde_json::json;

/// Requests listed on the consent page.
const RECENT: i64 = 5;
/// Longest `state` looked up (ours are 43 characters).
const MAX_STATE: usize = 512;

/// Our callback, the only `redirect_uri` we send and the simulated authority accepts.
pub fn callback_url(config: &Config) -> String {
    format!("{}{CALLBACK_PATH}", config.public_url.trim_end_matches('/'))
}

/// Why the flow cannot start for `connection` (a Fluent id), or `None` when it can.
pub fn unavailable(config: &Config, connection: Option<&Connection>) -> Option<&'static str> {
    match connection {
        None => Some("consent-unavailable-no-connection"),
        Some(c)
            if c.kind == ProviderKind::Microsoft
                && config.providers.microsoft.client_id.trim().is_empty() =>
        {
            Some("consent-unavailable-client-id")
        }
        Some(_) => None,
    }
}

/// The authority base and the client id asked about, by the connection's kind.
fn authority(config: &Config, connection: &Connection) -> (String, String) {
    match connection.kind {
        ProviderKind::Microsoft => (
            config
                .providers
                .microsoft
                .authority_url
                .trim_end_matches('/')
                .to_string(),
            config.providers.microsoft.client_id.trim().to_string(),
        ),
        ProviderKind::Simulated => (
            format!(
                "{}/simulated-authority",
                config.public_url.trim_end_matches('/')
            ),
            providers::SIMULATED_CLIENT_ID.to_string(),
        ),
    }
}

/// `{authority}/{directory}/v2.0/adminconsent?client_id=…&scope=…&redirect_uri=…&state=…`.
pub fn authority_url(config: &Config, connection: &Connection, state: &str) -> String {
    let (base, client_id) = authority(config, connection);
    format!(
        "{base}/{}/v2.0/adminconsent?client_id={}&scope={}&redirect_uri={}&state={}",
        urlencode(&connection.directory_id),
        urlencode(&client_id),
        urlencode(&config.providers.microsoft.graph_scope),
        urlencode(&callback_url(config)),
        urlencode(state)
    )
}

/// Origin of the authority the consent page's button form is sent on to, for its
/// `form-action` policy (the form's redirect leaves our origin for Microsoft's).
pub fn authority_origin(config: &Config, connection: &Connection) -> Option<String> {
    let (base, _) = authority(config, connection);
    reqwest::Url::parse(&base)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// What the consent page shows.
#[derive(Debug, Clone)]
pub struct PageData {
    /// The tenant's connection.
    pub connection: Option<Connection>,
    /// Why the flow cannot start (Fluent id).
    pub unavailable: Option<&'static str>,
    /// Lifetime of a request.
    pub expiry_minutes: i64,
    /// Newest requests, newest first.
    pub recent: Vec<ConsentRequest>,
}

/// The consent page's data for a tenant in scope.
pub async fn page_data(state: &AppState, scope: &TenantScope) -> AppResult<PageData> {
    let connection = providers::find_for_tenant(&state.db, scope.tenant.id).await?;
    let recent = repo::recent_for_tenant(&state.db, scope.tenant.id, RECENT).await?;
    Ok(PageData {
        unavailable: unavailable(&state.config, connection.as_ref()),
        connection,
        expiry_minutes: state.config.providers.admin_consent_expiry_minutes,
        recent,
    })
}

/// Starts a request as the scope's user: `403` without `onboarding.manage`, `409` when the
/// flow is unavailable, else the authority URL. Audits `provider.admin_consent_requested`.
pub async fn start(
    state: &AppState,
    actx: &AuditContext,
    scope: &TenantScope,
    mode: ConsentMode,
) -> AppResult<Started> {
    scope.require(Capability::OnboardingManage)?;
    let connection = providers::find_for_tenant(&state.db, scope.tenant.id).await?;
    if let Some(key) = unavailable(&state.config, connection.as_ref()) {
        return Err(AppError::Conflict(key));
    }
    let Some(connection) = connection else {
        return Err(AppError::Conflict("consent-unavailable-no-connection"));
    };
    let raw_state = random_token();
    let now = state.now();
    let expires_at =
        now + chrono::Duration::minutes(state.config.providers.admin_consent_expiry_minutes);
    let mut tx = state.db.begin().await?;
    let id = repo::insert(
        &mut tx,
        &NewRequest {
            state_hash: &token_hash(&raw_state),
            tenant_id: scope.tenant.id,
            connection_id: connection.id,
            directory_id: &connection.directory_id,
            initiator_user_id: scope.identity.user.id,
            mode,
            expires_at,
        },
        now,
    )
    .await?;
    let entry = AuditEntry::new(
        "provider.admin_consent_requested",
        "provider_connection",
        connection.id.to_string(),
    )
    .scoped(Some(scope.tenant.workspace_id), Some(scope.tenant.id))
    .with(json!({
        "consent_request_id": id,
        "mode": mode.as_str(),
        "expires_at": expires_at.to_rfc3339(),
    }));
    audit::record(&mut tx, actx, now, entry).await?;
    tx.commit().await?;
    Ok(Started {
        url: authority_url(&state.config, &connection, &raw_state),
        expires_at,
    })
}

/// A stored request of tenant `scope` that has been answered (the initiator's result page).
pub async fn answered_in_scope(
    state: &AppState,
    scope: &TenantScope,
    raw_id: &str,
) -> AppResult<ConsentRequest> {
    let id: i64 = raw_id.parse().map_err(|_| AppError::NotFound)?;
    repo::find_for_tenant(&state.db, id, scope.tenant.id)
        .await?
        .filter(|r| r.outcome.is_some())
        .ok_or(AppError::NotFound)
}

/// The answer the callback carries, judged against the request before anything is written.
fn judge(
    request: &ConsentRequest,
    params: &CallbackParams,
    visitor: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ConsentOutcome, Refusal> {
    if request.used_at.is_some() {
        return Err(Refusal::AlreadyUsed);
    }
    if request.expires_at <= now {
        return Err(Refusal::Expired);
    }
    if request.mode == ConsentMode::Button && visitor != Some(request.initiator_user_id) {
        return Err(Refusal::NotInitiator);
    }
    if params
        .error
        .as_deref()
        .is_some_and(|e| !e.trim().is_empty())
    {
        return Ok(ConsentOutcome::Denied);
    }
    if !params
        .admin_consent
        .as_deref()
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return Err(Refusal::Malformed);
    }
    let directory = params.tenant.as_deref().unwrap_or("").trim();
    if !directory.eq_ignore_ascii_case(&request.directory_id) {
        return Err(Refusal::OtherDirectory);
    }
    Ok(ConsentOutcome::Granted)
}

/// Redacted, bounded text of a denial: the error code and its description as Microsoft sent
/// them, after the one redaction pass.
fn denial_text(params: &CallbackParams) -> String {
    let code = params.error.as_deref().unwrap_or("").trim();
    let description = params.error_description.as_deref().unwrap_or("").trim();
    let text = if description.is_empty() {
        code.to_string()
    } else {
        format!("{code}: {description}")
    };
    crate::redact::text(&text)
        .chars()
        .take(MAX_ERROR_DESCRIPTION)
        .collect()
}

/// Records the administrator's answer (see the module docs). `visitor` is the signed-in user
/// of the answering browser, if any; `request_id` correlates the audit row.
pub async fn answer(
    state: &AppState,
    request_id: Option<String>,
    visitor: Option<i64>,
    params: &CallbackParams,
) -> AppResult<Result<Answered, Refusal>> {
    let Some(raw_state) = params
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= MAX_STATE)
    else {
        return Ok(Err(Refusal::UnknownState));
    };
    let Some(mut request) = repo::find_by_state(&state.db, &token_hash(raw_state)).await? else {
        return Ok(Err(Refusal::UnknownState));
    };
    let now = state.now();
    let outcome = match judge(&request, params, visitor, now) {
        Ok(outcome) => outcome,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let connection = providers::find_for_tenant(&state.db, request.tenant_id).await?;
    if !connection.as_ref().is_some_and(|c| {
        c.id == request.connection_id && c.directory_id.eq_ignore_ascii_case(&request.directory_id)
    }) {
        return Ok(Err(Refusal::ConnectionChanged));
    }
    let description = (outcome == ConsentOutcome::Denied).then(|| denial_text(params));
    let mut tx = state.db.begin().await?;
    if !repo::mark_used(&mut tx, request.id, outcome, description.as_deref(), now).await? {
        // Another answer won between the read and this statement.
        return Ok(Err(Refusal::AlreadyUsed));
    }
    let consent = match outcome {
        ConsentOutcome::Granted => ConsentState::Granted,
        ConsentOutcome::Denied => ConsentState::Missing,
    };
    if !providers::record_consent(
        &mut tx,
        request.connection_id,
        &request.directory_id,
        consent,
        now,
    )
    .await?
    {
        return Ok(Err(Refusal::ConnectionChanged));
    }
    let actx = AuditContext {
        actor: Actor::User {
            id: request.initiator_user_id,
            label: request.initiator_email.clone(),
        },
        request_id,
    };
    let entry = AuditEntry::new(
        match outcome {
            ConsentOutcome::Granted => "provider.admin_consent_granted",
            ConsentOutcome::Denied => "provider.admin_consent_denied",
        },
        "provider_connection",
        request.connection_id.to_string(),
    )
    .scoped(Some(request.workspace_id), Some(request.tenant_id))
    .with(json!({
        "consent_request_id": request.id,
        "mode": request.mode.as_str(),
        "directory_id": request.directory_id,
        "answered_by_initiator": visitor == Some(request.initiator_user_id),
        "error": params.error.as_deref().map(|e| e.chars().take(64).collect::<String>()),
        "error_description": description,
    }));
    audit::record(&mut tx, &actx, now, entry).await?;
    let run_id = match outcome {
        ConsentOutcome::Granted => queue_verification(&mut tx, &actx, state, &request).await?,
        ConsentOutcome::Denied => None,
    };
    tx.commit().await?;
    if run_id.is_some() {
        operations::wake(state);
    }
    request.used_at = Some(now);
    request.outcome = Some(outcome);
    request.error_description = description;
    request.run_id = run_id;
    Ok(Ok(Answered {
        by_initiator: visitor == Some(request.initiator_user_id),
        request,
        outcome,
    }))
}

/// Queues the verification a grant asks for, started by the initiator, and links it to the
/// request. While a platform operator has paused starts, the grant is still recorded and no
/// run is queued (the result page then offers the dashboard's own verify action).
async fn queue_verification(
    tx: &mut crate::db::Tx,
    actx: &AuditContext,
    state: &AppState,
    request: &ConsentRequest,
) -> Result<Option<i64>, ServiceError> {
    let queued = operations::queue_in(
        tx,
        actx,
        state,
        request.workspace_id,
        request.tenant_id,
        RunType::ProviderConnectionVerify,
        &Initiator::User {
            id: request.initiator_user_id,
            email: request.initiator_email.clone(),
        },
        json!({ "admin_consent_request_id": request.id }),
    )
    .await;
    match queued {
        Ok(run_id) => {
            repo::set_run(tx, request.id, run_id).await?;
            Ok(Some(run_id))
        }
        Err(ServiceError::Conflict(_)) => Ok(None),
        Err(other) => Err(other),
    }
}
