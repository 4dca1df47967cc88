-- Product usage telemetry (spec 243): a bounded, tenant-owned ledger of five adoption events,
-- two rollups kept in the same transaction as every ledger insert (so the console summary never
-- scans the ledger), and the run ledger of the job scheduler.
CREATE TABLE product_usage_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    actor_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    event_name TEXT NOT NULL,
    feature_area TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    metadata TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
-- Window edges of the summary, retention batches.
CREATE INDEX product_usage_events_time ON product_usage_events (occurred_at);
-- Tenant deletion cascades here; per-tenant lookups.
CREATE INDEX product_usage_events_tenant ON product_usage_events (tenant_id, occurred_at);
-- User deletion sets the actor to NULL.
CREATE INDEX product_usage_events_actor ON product_usage_events (actor_user_id)
    WHERE actor_user_id IS NOT NULL;

-- Events per hour and event name (family counts and the daily chart). `day` is the UTC day
-- of the hour, so the chart's per-day sums are grouped in SQL without date functions.
CREATE TABLE product_usage_hourly (
    bucket_start TEXT NOT NULL,
    day TEXT NOT NULL,
    event_name TEXT NOT NULL,
    events BIGINT NOT NULL,
    PRIMARY KEY (bucket_start, event_name)
);

-- Workspaces with events per UTC day, with the first and last event time of that day, so the
-- distinct active workspaces of a window that starts or ends inside a day stay exact.
CREATE TABLE product_usage_workspace_days (
    day TEXT NOT NULL,
    workspace_id BIGINT NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    PRIMARY KEY (day, workspace_id)
);

-- Scheduler run ledger: one row per job and slot; the instance whose insert wins runs the job.
CREATE TABLE job_runs (
    job TEXT NOT NULL,
    slot TEXT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    finished_at TEXT NULL,
    outcome TEXT NULL CHECK (outcome IN ('succeeded', 'failed')),
    detail TEXT NULL,
    PRIMARY KEY (job, slot)
);
