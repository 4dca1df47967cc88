-- Operations: provider connections, operation runs, verification reports, stored reports,
-- review packs and onboarding drafts.
CREATE TABLE provider_connections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL UNIQUE REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('simulated', 'microsoft')),
    directory_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    simulated_scenario TEXT NULL,
    consent_state TEXT NOT NULL CHECK (consent_state IN ('granted', 'missing', 'unknown')),
    health TEXT NOT NULL CHECK (health IN ('healthy', 'unhealthy', 'unknown')),
    granted_permissions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE operation_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    run_type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed')),
    outcome TEXT NULL CHECK (outcome IN ('succeeded', 'partially_succeeded', 'failed')),
    reason_code TEXT NULL,
    summary_message TEXT NULL,
    summary_counts TEXT NOT NULL,
    progress_done INTEGER NOT NULL,
    progress_total INTEGER NOT NULL,
    initiator_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    initiator_label TEXT NOT NULL,
    context TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT NULL,
    completed_at TEXT NULL,
    heartbeat_at TEXT NULL,
    claimed_by TEXT NULL
);
CREATE INDEX operation_runs_tenant ON operation_runs (tenant_id, id);
CREATE INDEX operation_runs_tenant_type ON operation_runs (tenant_id, run_type, id);
CREATE INDEX operation_runs_workspace ON operation_runs (workspace_id, id);
CREATE INDEX operation_runs_open ON operation_runs (status, id) WHERE status <> 'completed';

CREATE TABLE verification_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id BIGINT NOT NULL REFERENCES provider_connections (id) ON DELETE CASCADE,
    run_id BIGINT NOT NULL REFERENCES operation_runs (id) ON DELETE CASCADE,
    overall TEXT NOT NULL CHECK (overall IN ('ready', 'blocked', 'failed')),
    consent_state TEXT NOT NULL,
    health TEXT NOT NULL,
    reason_code TEXT NULL,
    permissions TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
CREATE INDEX verification_reports_tenant ON verification_reports (tenant_id, checked_at, id);
CREATE INDEX verification_reports_run ON verification_reports (run_id);

CREATE TABLE stored_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('permission_posture', 'entra_admin_roles')),
    run_id BIGINT NOT NULL REFERENCES operation_runs (id) ON DELETE CASCADE,
    summary TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX stored_reports_tenant ON stored_reports (tenant_id, kind, id);

CREATE TABLE review_packs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    run_id BIGINT NOT NULL UNIQUE REFERENCES operation_runs (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content BLOB NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX review_packs_tenant ON review_packs (tenant_id, id);

CREATE TABLE onboarding_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    tenant_id BIGINT NULL REFERENCES tenants (id) ON DELETE SET NULL,
    current_step TEXT NOT NULL CHECK (current_step IN ('identify', 'connect', 'verify', 'complete')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'completed')),
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    started_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    updated_by BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT NULL
);
CREATE INDEX onboarding_drafts_workspace ON onboarding_drafts (workspace_id, id);
