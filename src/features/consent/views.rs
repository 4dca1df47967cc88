//! Page views of the admin-consent flow: askama structs and the mapping from service data.

use super::model::{ConsentMode, ConsentOutcome, ConsentRequest, Refusal};
use super::service::PageData;
use crate::access::{Capability, TenantScope, missing_capability_reason};
use crate::features::providers::model::{ConsentState, REQUIRED_PERMISSIONS};
use crate::features::providers::service::AuthorityRequest;
use crate::web::shell::Shell;
use askama::Template;
use chrono::{DateTime, Utc};

/// One earlier request as the consent page lists it.
pub(super) struct RequestRow {
    pub(super) created_at: DateTime<Utc>,
    pub(super) mode_key: &'static str,
    pub(super) initiator: String,
    /// Fluent id of its state: granted, denied, open or expired.
    pub(super) state_key: &'static str,
    pub(super) run_id: Option<i64>,
}

/// A link created for the customer's administrator, shown once.
pub(super) struct CreatedLink {
    pub(super) url: String,
    pub(super) expires_at: DateTime<Utc>,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub(super) struct ConsentPage {
    pub(super) shell: Shell,
    pub(super) tenant_ext: String,
    pub(super) tenant_name: String,
    pub(super) connection_label: Option<String>,
    pub(super) directory_id: Option<String>,
    pub(super) consent_key: Option<String>,
    pub(super) consent_granted: bool,
    pub(super) permissions: Vec<&'static str>,
    pub(super) expiry_minutes: i64,
    /// Why the actions are disabled, in words (capability or availability).
    pub(super) disabled_reason: Option<String>,
    pub(super) created_link: Option<CreatedLink>,
    pub(super) recent: Vec<RequestRow>,
}

fn mode_key(mode: ConsentMode) -> &'static str {
    match mode {
        ConsentMode::Button => "consent-mode-button",
        ConsentMode::Link => "consent-mode-link",
    }
}

fn state_key(request: &ConsentRequest, now: DateTime<Utc>) -> &'static str {
    match request.outcome {
        Some(outcome) => outcome.label_key(),
        None if request.is_closed(now) => "consent-state-expired",
        None => "consent-state-open",
    }
}

/// The consent page for `scope`, with a just-created link when there is one.
pub(super) fn consent_page(
    shell: Shell,
    scope: &TenantScope,
    data: PageData,
    created_link: Option<CreatedLink>,
    now: DateTime<Utc>,
) -> ConsentPage {
    let disabled_reason =
        missing_capability_reason(scope.role, Capability::OnboardingManage, shell.t)
            .or_else(|| data.unavailable.map(|key| shell.t.t(key)));
    let connection = data.connection.as_ref();
    ConsentPage {
        tenant_ext: scope.tenant.external_id.clone(),
        tenant_name: scope.tenant.name.clone(),
        connection_label: connection
            .map(|c| format!("{} ({})", c.display_name, shell.t.t(c.kind.label_key()))),
        directory_id: connection.map(|c| c.directory_id.clone()),
        consent_key: connection.map(|c| format!("consent-{}", c.consent_state)),
        consent_granted: connection.is_some_and(|c| c.consent() == ConsentState::Granted),
        permissions: REQUIRED_PERMISSIONS.to_vec(),
        expiry_minutes: data.expiry_minutes,
        disabled_reason,
        created_link,
        recent: data
            .recent
            .iter()
            .map(|r| RequestRow {
                created_at: r.created_at,
                mode_key: mode_key(r.mode),
                initiator: r.initiator_email.clone(),
                state_key: state_key(r, now),
                run_id: r.run_id,
            })
            .collect(),
        shell,
    }
}

#[derive(Template)]
#[template(path = "consent_result.html")]
pub(super) struct ResultPage {
    pub(super) shell: Shell,
    pub(super) tenant_ext: String,
    pub(super) tenant_name: String,
    pub(super) granted: bool,
    pub(super) error_description: Option<String>,
    pub(super) run_id: Option<i64>,
}

/// The initiator's result page for an answered request.
pub(super) fn result_page(
    shell: Shell,
    scope: &TenantScope,
    request: ConsentRequest,
) -> ResultPage {
    ResultPage {
        shell,
        tenant_ext: scope.tenant.external_id.clone(),
        tenant_name: scope.tenant.name.clone(),
        granted: request.outcome == Some(ConsentOutcome::Granted),
        error_description: request.error_description,
        run_id: request.run_id,
    }
}

/// The thank-you page the customer's administrator sees (no tenant data), or a refusal.
#[derive(Template)]
#[template(path = "consent_public.html")]
pub(super) struct PublicPage {
    pub(super) shell: Shell,
    /// Fluent id of the headline.
    pub(super) title_key: &'static str,
    /// Fluent id of the explanation.
    pub(super) message_key: &'static str,
    /// Stable refusal code (`data-refusal`), for tests and support.
    pub(super) refusal: Option<&'static str>,
}

/// Thank-you page after an anonymous answer.
pub(super) fn thanks_page(shell: Shell, granted: bool) -> PublicPage {
    PublicPage {
        shell,
        title_key: "consent-thanks-title",
        message_key: if granted {
            "consent-thanks-granted"
        } else {
            "consent-thanks-denied"
        },
        refusal: None,
    }
}

/// Refusal page of the callback.
pub(super) fn refused_page(shell: Shell, refusal: Refusal) -> PublicPage {
    PublicPage {
        shell,
        title_key: "consent-refused-title",
        message_key: refusal.message_key(),
        refusal: Some(refusal.code()),
    }
}

/// The simulated authority's consent prompt (or its refusal).
#[derive(Template)]
#[template(path = "simulated_authority.html")]
pub(super) struct AuthorityPage {
    pub(super) shell: Shell,
    pub(super) request: Option<AuthorityRequest>,
    pub(super) fault_key: Option<&'static str>,
    pub(super) permissions: Vec<&'static str>,
}
