# Text of the dashboard area (issue 13).

## Disabled actions: the role an action needs, in words
reason-needs-role-operator = Needs the operator role — ask a workspace owner.
reason-needs-role-manager = Needs the manager role — ask a workspace owner.
reason-needs-role-owner = Needs the owner role — ask a workspace owner.

## Starts that cannot succeed, said before the click (and by the server if asked anyway)
start-blocked-admin-consent-required = Needs admin consent — grant it first.
start-blocked-provider-connection-missing = Needs a provider connection — connect the tenant first.

## The decision card at the top of the tenant dashboard
dashboard-decision-title = What needs attention
dashboard-label-verdict = Verdict
dashboard-label-blocker = Dominant blocker
dashboard-label-primary-action = Primary next action
dashboard-no-blocker = Nothing blocks this tenant.
dashboard-never-verified = The provider connection has not been verified yet.
dashboard-action-grant-consent = Grant admin consent
dashboard-action-review-permissions = Review permissions
dashboard-action-rerun-verification = Re-run verification
dashboard-action-run-verification = Run verification
dashboard-action-connect = Connect a provider
dashboard-start-title = Start a run
dashboard-reports-title = Reports and review packs
dashboard-reports-all = All reports and review packs

## The tenant's required permissions
permissions-title = Required permissions
permissions-intro = Application permissions TenantPilot needs in this tenant, as the newest verification found them.
permissions-col-permission = Permission
permissions-col-state = State
permissions-granted = Granted
permissions-missing = Missing
permissions-unknown = Unknown
permissions-legend-unknown = Unknown: the verification could not tell (for example, consent was missing or the provider did not answer). Re-run verification once the blocker is fixed.
permissions-from-run = From verification { $id }
permissions-checked-at = Checked at
permissions-none = No verification has run yet, so no permission was checked.
permissions-count-missing = { $n } missing
permissions-count-granted = { $n } granted
permissions-count-unknown = { $n } unknown
permissions-back = Back to the dashboard
