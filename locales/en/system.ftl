# System console: dashboard, Control Tower, operational controls (features/system)
nav-system-controls = Controls
nav-system-support-desk = Support desk
system-window-label = Window
system-window-24h = Last 24 hours
system-window-7d = Last 7 days
system-window-30d = Last 30 days
system-window-range = { $from } – { $to }
system-tower-title = Control Tower
system-health-healthy = Healthy
system-health-degraded = Degraded
system-health-critical = Critical
system-kpi-runs-started = Runs started
system-kpi-succeeded = Succeeded
system-kpi-partial-note = { $count ->
    [one] plus one partially succeeded
   *[other] plus { $count } partially succeeded
}
system-kpi-failed = Failed
system-kpi-orphaned-note = { $count ->
    [one] one of them orphaned
   *[other] { $count } of them orphaned
}
system-kpi-success-rate = Success rate
system-kpi-success-rate-note = { $count ->
    [one] of one completed run
   *[other] of { $count } completed runs
}
system-kpi-active = Active now
system-kpi-active-note = { $queued } queued, { $running } running
system-kpi-stuck = Stuck now
system-kpi-stuck-note = Queued over 15 minutes or running without a heartbeat
system-telemetry-title = Product telemetry
system-telemetry-events = { $count ->
    [one] One event in { $window }
   *[other] { $count } events in { $window }
}
system-chart-title = Events per day
system-chart-description = Stacked bars: one bar per UTC day, one colour per event family. The legend and the data table below give the same numbers.
system-chart-legend = Event families
system-chart-empty = No events to draw in this window.
system-chart-data = Show the numbers
system-chart-day = Day (UTC)
system-offenders-title = Top offenders
system-offenders-intro = Tenants and operation types with the most failed runs
system-offenders-empty = No failed runs in this window.
system-failures-title = Recent failures
system-failures-intro = The latest failed runs
system-failures-empty = No failed runs in this window.
system-col-tenant = Tenant
system-col-type = Operation
system-col-failures = Failures
system-col-last-failure = Last failure
system-col-reason = Reason
system-col-time = Time
system-installation-title = Installation
system-controls-title = Operational controls
system-controls-intro = Pause a part of TenantPilot for everyone or for one workspace while you investigate, without a deploy. Every pause and resume is recorded in the audit log.
system-controls-while-paused = While paused:
system-controls-state-running = Running
system-controls-state-paused-global = Paused everywhere
system-controls-state-paused-workspaces = { $count ->
    [one] Paused for one workspace
   *[other] Paused for { $count } workspaces
}
system-controls-active-pauses = Active pauses
system-controls-scope-global = Everywhere
system-controls-scope-workspace = One workspace
system-controls-scope-workspace-named = Workspace { $workspace }
system-controls-paused-by = Paused by { $user } on { $time }, { $until }.
system-controls-until = until { $time }
system-controls-until-resumed = until resumed
system-controls-field-note = Note (optional)
system-controls-resume = Resume
system-controls-pause-summary = Pause this control
system-controls-field-reason = Reason
system-controls-field-scope = Scope
system-controls-field-workspace = Workspace (for the workspace scope)
system-controls-field-duration = Duration
system-controls-global-only = This control can only be paused everywhere.
system-controls-duration-until-resumed = Until resumed
system-controls-duration-1h = 1 hour
system-controls-duration-24h = 24 hours
system-controls-duration-7d = 7 days
system-controls-pause = Pause
system-controls-history-title = Recent changes
system-controls-history-empty = No control has been paused yet.
system-controls-history-paused = Paused
system-controls-history-resumed = Resumed
system-controls-col-change = Change
system-controls-col-control = Control
system-controls-col-by = By
system-controls-not-paused = This control is not paused in that scope (any more). Reload the page to see its current state.
system-control-operation-starts = Operation starts
system-control-operation-starts-description = Users starting operation runs from tenant pages, the onboarding wizard and the API.
system-control-operation-starts-effect = new runs are refused with an explanation; runs already queued or running carry on.
system-control-review-pack-generation = Review pack generation
system-control-review-pack-generation-description = Users requesting review packs (review pack runs). Other operations are not affected.
system-control-review-pack-generation-effect = new review pack requests are refused; packs already requested are still built.
system-control-run-execution = Run execution
system-control-run-execution-description = Executors on every instance picking up queued runs.
system-control-run-execution-effect = queued runs wait in the queue and start after the resume; running runs finish.
system-control-support-desk-handoff = Support desk handoff
system-control-support-desk-handoff-description = Creating tickets in the external support desk from support requests.
system-control-support-desk-handoff-effect = support requests are still recorded, but no external ticket is created; linking an existing ticket still works.
validation-control-action = Choose pause or resume.
validation-control-reason-required = Say why you pause this control.
validation-control-reason-too-long = Keep the reason to 500 characters.
validation-control-scope = Choose everywhere or one workspace.
validation-control-scope-global-only = A workspace pause is not possible for this control; pause it everywhere.
validation-control-workspace-required = Enter the workspace to pause it for.
validation-control-workspace-unknown = There is no workspace with this key.
validation-control-duration = Choose one of the offered durations.
flash-control-paused = The control is paused.
flash-control-pause-updated = The pause was updated.
flash-control-resumed = The control is running again.
system-controls-refused-operation-starts = Starting operations is paused by the platform operators for now. Runs already queued carry on; try again later.
system-controls-refused-review-pack-generation = Requesting review packs is paused by the platform operators for now. Try again later.

# Telemetry
telemetry-family-onboarding-checkpoints = Onboarding checkpoints
telemetry-family-support-diagnostics = Support diagnostics
telemetry-family-operations-started = Operations started
telemetry-family-stored-reports = Stored reports
telemetry-family-review-packs-requested = Review packs requested
telemetry-active-workspaces = Active workspaces
telemetry-empty = No telemetry recorded in { $window }.
telemetry-validation-window = Choose one of the windows 24h, 7d or 30d.

# Platform pauses shown before the click (banner, disabled actions, run execution confirmation)
pause-banner-title = Paused by the platform operators
pause-banner-scope-global = everywhere
pause-banner-scope-workspace = in this workspace
pause-banner-until = until { $time }
pause-banner-until-resumed = until they resume it
pause-banner-reason = Reason given:
pause-disabled-operation-starts = Starting runs is paused by the platform operators: { $reason }
pause-disabled-review-pack-generation = Generating review packs is paused by the platform operators: { $reason }
pause-disabled-support-desk-handoff = Creating external tickets is paused by the platform operators, so this request is kept in TenantPilot only (linking a ticket you already opened still works). Reason given: { $reason }
system-confirm-run-execution-title = Pause run execution everywhere?
system-confirm-run-execution-intro = While run execution is paused, TenantPilot picks up no queued run: the executors of every instance stop claiming work until you resume. Runs already running finish; users can still start runs, which wait in the queue.
system-confirm-run-execution-queued = { $n ->
    [one] 1 run is queued now and will wait until you resume.
   *[other] { $n } runs are queued now and will wait until you resume.
}
system-confirm-run-execution-instances = This affects every instance of TenantPilot that shares this database.
system-confirm-reason = Your reason:
system-confirm-duration = Duration:
system-confirm-run-execution-yes = Yes, pause run execution
system-confirm-cancel = Cancel and keep running

# Workspaces (/system/workspaces)
nav-system-workspaces = Workspaces
system-workspaces-title = Workspaces
system-workspaces-intro = Every workspace of this installation with its members, tenants and pending invitations. Create a workspace here together with the invitation of its first owner.
system-workspaces-list-title = All workspaces
system-workspaces-empty = There are no workspaces yet. Create the first one with the form below.
system-workspaces-truncated = Showing the first { $count } workspaces by name.
system-workspaces-col-workspace = Workspace
system-workspaces-col-members = Members
system-workspaces-col-tenants = Tenants
system-workspaces-col-invitations = Pending invitations
system-workspaces-col-created = Created
system-workspaces-no-owner = No owner yet: nobody is a member and no invitation is pending.
system-workspaces-create-title = Create a workspace
system-workspaces-create-intro = The first owner gets an invitation for every tenant of the workspace. You see the invitation link once, right after creating.
system-workspaces-field-name = Name
system-workspaces-field-slug = URL key (optional)
system-workspaces-field-slug-hint = Lowercase letters, digits and hyphens. Leave it empty to derive it from the name.
system-workspaces-field-email = E-mail address of the first owner
system-workspaces-create = Create workspace and invite owner
system-workspaces-created-title = Workspace { $name } created
system-workspaces-created-slug = URL key: { $slug }.
validation-workspace-name-taken = A workspace with this name already exists. Choose another name.
validation-workspace-slug-needed = The name gives no URL key. Enter one: lowercase letters, digits and hyphens.
system-workspaces-invite-owner = Invite owner
system-workspaces-owner-invited-title = Owner invited to { $name }
conflict-workspace-has-owner = This workspace already has a member or a pending invitation; its owners manage the team on their members page.
