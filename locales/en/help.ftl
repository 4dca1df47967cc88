# Contextual help text (en). Spec 244: the catalog in src/features/help/catalog.rs names these
# ids; every id here must also exist in locales/de/help.ftl. Reason labels of the provider
# topics reuse `reason-*` from operations.ftl.

## Help block chrome
help-badge = Contextual help
help-safe-next-action = Safe next action
help-troubleshooting-steps = Troubleshooting steps
help-docs-links = Documentation
help-glossary = Glossary
help-opens-new-tab = (opens in a new tab)

## Neutral fallback, shown when a host asks for a topic the catalog does not have
help-fallback-headline = Contextual help
help-fallback-explanation = There is no specific guidance for this situation yet. The details on this page remain the source of truth.
help-fallback-step-1 = Review the status and reason shown on this page.
help-fallback-step-2 = If the issue persists, open a support request with the current diagnostic summary.
help-fallback-next = Review the details on this page before taking further action.

## admin-consent-required
help-admin-consent-required-headline = Admin consent required
help-admin-consent-required-explanation = This workflow is blocked until admin consent is granted for the current provider connection.
help-admin-consent-required-step-1 = Sign in to the customer tenant as a Global Administrator or Privileged Role Administrator.
help-admin-consent-required-step-2 = Grant admin consent for the current provider connection.
help-admin-consent-required-step-3 = Re-run verification or reopen support diagnostics after consent completes.
help-admin-consent-required-next = Grant admin consent and re-run verification.

## required-permissions-missing
help-required-permissions-missing-headline = Required permissions missing
help-required-permissions-missing-explanation = The provider app is missing one or more required permissions for the current workflow.
help-required-permissions-missing-step-1 = Review the required permissions matrix for the current tenant.
help-required-permissions-missing-step-2 = Grant the missing application permissions and renew admin consent so they take effect.
help-required-permissions-missing-step-3 = Refresh verification after the missing permissions are granted.
help-required-permissions-missing-next = Open required permissions and confirm the missing grants.

## connection-unhealthy
help-connection-unhealthy-headline = Provider connection needs review
help-connection-unhealthy-explanation = The provider connection is degraded or unavailable, so the current result cannot be treated as healthy.
help-connection-unhealthy-step-1 = Review the latest provider connection health signal.
help-connection-unhealthy-step-2 = Confirm the connection points at the right directory and the app is still enabled in the customer tenant.
help-connection-unhealthy-step-3 = Retry the workflow after the provider connection is healthy again.
help-connection-unhealthy-next = Review the provider connection before retrying.

## verification-stale
help-verification-stale-headline = Verification result is stale
help-verification-stale-explanation = The most recent verification result is too old or mismatched to trust for the current onboarding decision.
help-verification-stale-step-1 = Run verification again for the currently selected provider connection.
help-verification-stale-step-2 = Use the refreshed result before continuing onboarding.
help-verification-stale-next = Refresh verification before continuing onboarding.

## verification-failed
help-verification-failed-headline = Verification failed
help-verification-failed-explanation = The latest verification run did not produce a decision-grade result for the current tenant context.
help-verification-failed-step-1 = Review the blocking reason before retrying verification.
help-verification-failed-step-2 = Open the operation run for technical detail such as the provider's error code.
help-verification-failed-step-3 = Confirm the prerequisite is fixed, then run verification again.
help-verification-failed-next = Review the blocking reason and retry verification.

## diagnostic-evidence-incomplete
help-diagnostic-evidence-incomplete-headline = Diagnostic evidence is incomplete
help-diagnostic-evidence-incomplete-explanation = Support diagnostics can summarize the issue, but the available evidence is not complete enough for a final conclusion.
help-diagnostic-evidence-incomplete-reason = Evidence incomplete
help-diagnostic-evidence-incomplete-step-1 = Review the available evidence and supporting references in the current support context.
help-diagnostic-evidence-incomplete-step-2 = Check which items support diagnostics could not collect.
help-diagnostic-evidence-incomplete-step-3 = Collect a fresh verification or operation result before making a final decision.
help-diagnostic-evidence-incomplete-next = Collect a fresher or more complete diagnostic signal.

## retryable-provider-failure
help-retryable-provider-failure-headline = Provider failure looks retryable
help-retryable-provider-failure-explanation = The current provider issue appears temporary, so the next safe step is to retry once the dependency recovers.
help-retryable-provider-failure-step-1 = Confirm the provider dependency has recovered.
help-retryable-provider-failure-step-2 = If Microsoft Graph throttled the request, wait for the indicated retry interval before trying again.
help-retryable-provider-failure-step-3 = Retry the workflow after the provider-side issue clears.
help-retryable-provider-failure-next = Retry after the provider dependency recovers.

## manual-handoff-required
help-manual-handoff-required-headline = Manual support handoff required
help-manual-handoff-required-explanation = TenantPilot can summarize the current issue, but a human support handoff is still required for the next step.
help-manual-handoff-required-reason = Handoff required
help-manual-handoff-required-step-1 = Review the current references before handing off the case.
help-manual-handoff-required-step-2 = Capture the safe next step and the supporting evidence for the receiving operator.
help-manual-handoff-required-step-3 = Open a support request so the handoff has a traceable reference.
help-manual-handoff-required-next = Hand off the case with the current diagnostic summary and supporting references.

## Approved documentation links
help-link-grant-admin-consent = Grant tenant-wide admin consent to an application
help-link-permissions-consent-overview = Permissions and consent in the Microsoft identity platform
help-link-graph-permissions-reference = Microsoft Graph permissions reference
help-link-graph-throttling = Microsoft Graph throttling guidance
help-link-graph-errors = Microsoft Graph error responses
help-link-entra-error-codes = Microsoft Entra authentication error codes (AADSTS)
help-link-service-health = Check Microsoft 365 service health

## Glossary
help-term-tenant = Tenant
help-term-tenant-definition = A customer's Microsoft 365 organization that your workspace manages.
help-term-workspace = Workspace
help-term-workspace-definition = Your MSP or team in TenantPilot; it groups managed tenants and decides who may see them.
help-term-provider-connection = Provider connection
help-term-provider-connection-definition = How TenantPilot reaches a tenant's Microsoft cloud: the app, its consent and permissions, and its health.
help-term-admin-consent = Admin consent
help-term-admin-consent-definition = A tenant administrator's approval for the app to use its permissions across the whole organization.
help-term-application-permission = Application permission
help-term-application-permission-definition = A permission the app uses on its own, without a signed-in user; it always needs admin consent.
help-term-verification = Verification
help-term-verification-definition = A check of consent, permissions and health of a provider connection; the result is stored as a verification report.
help-term-freshness-window = Freshness window
help-term-freshness-window-definition = How long a verification result stays trustworthy before it counts as stale.
help-term-support-diagnostics = Support diagnostics
help-term-support-diagnostics-definition = A redacted, machine-readable summary of a tenant or an operation run for troubleshooting.
help-term-evidence = Evidence
help-term-evidence-definition = The records a diagnosis rests on: verification reports, operation runs and their reason codes.
help-term-throttling = Throttling
help-term-throttling-definition = Microsoft Graph temporarily limiting requests; it answers with HTTP 429 and a retry interval.
help-term-operation-run = Operation run
help-term-operation-run-definition = One tenant-bound job with a status, an outcome and a reason code.
help-term-support-request = Support request
help-term-support-request-definition = An immutable intake record with an SR reference that can be handed off to your support desk.

## Tenant-aware topic actions
help-actions = Actions
help-action-grant-admin-consent = Grant admin consent
help-action-open-required-permissions = Open required permissions
help-action-rerun-verification = Re-run verification
help-action-review-connection = Review provider connection
