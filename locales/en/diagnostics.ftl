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
