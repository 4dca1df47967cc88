# Text of the runs area (issue 13).

## Named counts of runs and stored reports (count-<key>).
count-managed_devices = Managed devices
count-configuration_profiles = Configuration profiles
count-permissions_required = Permissions required
count-permissions_granted = Permissions granted
count-permissions_missing = Permissions missing
count-roles = Directory roles
count-high_privilege_roles = High-privilege roles
count-high_privilege_members = Members of high-privilege roles
count-members = Role members
count-files = Files
count-bytes = Size (bytes)
count-required = Required
count-granted = Granted
count-missing = Missing
count-additional = Granted beyond required

## Live progress.
run-elapsed = Elapsed
run-elapsed-minutes = { $minutes } min
run-elapsed-seconds = { $seconds } s
run-refresh = Refresh
run-live-hint = This operation is still in progress; its status updates on this page.
run-waiting-worker = Waiting for a worker to pick it up.
run-waiting-paused = Run execution is paused by the platform operators. The operation starts when they resume it.

## What next.
run-next-title = What next
run-next-reason = Why
run-next-action = Action
run-retry = Retry run
run-retry-hint = Starts a new run of the same type for this tenant.
run-grant-consent = Grant admin consent
run-grant-consent-hint = Admin consent is missing for this tenant; grant it, then verify again.
run-retry-not-retryable = Only a completed run that failed or partially succeeded can be retried.
run-retry-unknown-type = This version does not know this run's type, so it cannot be retried.
run-retry-blocked-connection = This tenant has no provider connection; a retry cannot succeed. Connect a provider first.
run-retry-blocked-consent = Admin consent is missing for this tenant; a retry cannot succeed. Grant admin consent first.

## Permission legend.
run-permission-legend = Legend
run-permission-granted = Granted
run-permission-missing = Missing
run-permission-unknown = Unknown
run-permission-unknown-hint = the provider did not say whether it is granted; verify again to find out.

## What a run's reason means, said on its page (the stored summary stays English for the API).
run-summary-stored = Stored technical message (English, as the provider or service wrote it)
run-summary-admin-consent-required = Admin consent for the provider connection is missing, so the provider refused access.
run-summary-required-permissions-missing = The provider connection lacks required permissions; grant them and run the operation again.
run-summary-connection-unhealthy = The provider connection did not answer correctly; check it before trying again.
run-summary-verification-stale = The last verification is too old to rely on; verify the provider connection again.
run-summary-verification-failed = The verification did not produce a usable result.
run-summary-retryable-provider-failure = The provider throttled the request or did not answer in time; try again shortly.
run-summary-provider-connection-missing = This tenant has no provider connection. Connect a provider in onboarding, then retry.
run-summary-orphaned = The instance running this operation stopped before it finished.
run-summary-unknown-operation-type = This version does not know this operation's type, so it could not run.
run-summary-internal-error = The operation stopped because of an internal error.
