# Text of the fleet area (issue 13).
fleet-count = { $n ->
    [one] 1 tenant
   *[other] { $n } tenants
}
fleet-filter-verdict = Verdict
fleet-filter-search = Name or directory id
fleet-filter-sort = Sort by
fleet-filter-dir = Direction
fleet-filter-apply = Apply
fleet-filter-reset = Reset
fleet-filter-all = All verdicts
fleet-dir-asc = Ascending
fleet-dir-desc = Descending
fleet-sort-attention = Needs attention first
fleet-sort-name = Name
fleet-sort-last-verified = Last verified
fleet-sort-failed-runs = Failed operations (7 days)
fleet-counts-label = Tenants per verdict
fleet-table-label = Managed tenants, scrollable
fleet-col-tenant = Tenant
fleet-col-verdict = Verdict
fleet-col-consent = Admin consent
fleet-col-health = Health
fleet-col-verified = Last verified
fleet-col-failed = Failed operations (7 days)
fleet-col-support = Latest support request
fleet-failed-link = Failed operations of { $tenant } in the last 7 days
fleet-no-connection = No provider connection
fleet-no-support = None
fleet-handoff-internal_only = TenantPilot only
fleet-handoff-external_ticket_created = External ticket created
fleet-handoff-external_ticket_linked = External ticket linked
fleet-handoff-external_handoff_failed = Handoff failed
fleet-no-match = No tenant matches these filters.
fleet-page-empty = This page is past the end of the list.
fleet-first-page = Back to the first page
fleet-pager-prev = Previous
fleet-pager-next = Next
time-never = never
time-just-now = just now
time-minutes-ago = { $n ->
    [one] 1 minute ago
   *[other] { $n } minutes ago
}
time-hours-ago = { $n ->
    [one] 1 hour ago
   *[other] { $n } hours ago
}
time-days-ago = { $n ->
    [one] 1 day ago
   *[other] { $n } days ago
}
