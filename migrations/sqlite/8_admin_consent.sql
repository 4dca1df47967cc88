-- Tenant-wide admin consent (issue 13, point 3). One row per consent request an engineer
-- started, by button (continued in their own browser) or as a link for the customer's global
-- administrator. Only the SHA-256 of the `state` parameter is stored: the raw value lives in the
-- authority URL alone. A row is used at most once (`used_at`), and refused after `expires_at`.
CREATE TABLE admin_consent_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state_hash TEXT NOT NULL UNIQUE,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id BIGINT NOT NULL REFERENCES provider_connections (id) ON DELETE CASCADE,
    directory_id TEXT NOT NULL,
    initiator_user_id BIGINT NOT NULL REFERENCES users (id),
    mode TEXT NOT NULL CHECK (mode IN ('button', 'link')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT NULL,
    outcome TEXT NULL CHECK (outcome IN ('granted', 'denied')),
    error_description TEXT NULL CHECK (length(error_description) <= 500),
    run_id BIGINT NULL REFERENCES operation_runs (id) ON DELETE SET NULL
);
CREATE INDEX admin_consent_requests_tenant ON admin_consent_requests (tenant_id, created_at);
