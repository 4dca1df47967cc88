# Support diagnostics (en).
diagnostics-title = Support diagnostics
diagnostics-open = Open support diagnostics
diagnostics-readonly = Read-only preview; secrets are never collected and personal data is replaced by placeholders.
diagnostics-back = Back
diagnostics-dominant-issue = Dominant issue
diagnostics-no-issue = No open issue was found.
diagnostics-evidence-incomplete = The evidence is incomplete (no provider connection or no verification yet).
diagnostics-download = Download JSON
diagnostics-redaction = Redaction
diagnostics-redaction-none = Nothing needed redacting.
diagnostics-rule = Rule
diagnostics-count = Count
diagnostics-replacement = Replaced by
diagnostics-not-collected = Not collected
diagnostics-bundle = Bundle (JSON)
more-actions = More

## What a bundle left out (item codes of `not_collected`), and why.
not-collected-client-secret = Client secret
not-collected-client-secret-reason = Secrets are never collected; the client secret lives only in the service configuration.
not-collected-access-tokens = Access tokens
not-collected-access-tokens-reason = Provider tokens are used in memory and never stored.
not-collected-audit-log = Audit log
not-collected-audit-log-reason = The audit log is available to workspace owners and managers on its own page.
not-collected-provider-connection = Provider connection
not-collected-provider-connection-reason = The tenant has no provider connection.
not-collected-verification = Verification
not-collected-verification-reason = The provider connection has never been verified.
not-collected-recent-runs-beyond-size-limit = Older operations
not-collected-recent-runs-beyond-size-limit-reason = The bundle is limited to { $size }; older operations were left out.
not-collected-support-diagnostics = Support diagnostics
not-collected-support-diagnostics-reason = The requester may not view support diagnostics, so no diagnostic snapshot was attached.
