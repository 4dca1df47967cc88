-- Support requests (spec 246) with external handoff fields (spec 256). A row is immutable once
-- written, except for exactly one write of the handoff fields (`handoff_finalized_at` marks it);
-- the triggers enforce both rules for every writer, not just our service.
CREATE TABLE support_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    internal_reference TEXT NOT NULL UNIQUE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    primary_context_type TEXT NOT NULL CHECK (primary_context_type IN ('tenant', 'operation_run')),
    operation_run_id BIGINT NULL REFERENCES operation_runs (id) ON DELETE SET NULL,
    created_by_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    created_by_label TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('low', 'normal', 'high', 'blocking')),
    summary TEXT NOT NULL,
    reproduction_notes TEXT NULL,
    contact_name TEXT NULL,
    contact_email TEXT NULL,
    attachment_mode TEXT NOT NULL CHECK (attachment_mode IN ('diagnostic_snapshot_attached', 'canonical_context_only')),
    context TEXT NOT NULL,
    created_at TEXT NOT NULL,
    external_handoff_mode TEXT NOT NULL CHECK (external_handoff_mode IN ('internal_only', 'create_external_ticket', 'link_existing_ticket')),
    handoff_outcome TEXT NULL CHECK (handoff_outcome IN ('external_ticket_created', 'external_ticket_linked', 'external_handoff_failed')),
    external_ticket_id TEXT NULL,
    external_ticket_number TEXT NULL,
    external_ticket_reference TEXT NULL,
    external_ticket_url TEXT NULL,
    external_handoff_failure_summary TEXT NULL,
    handoff_finalized_at TEXT NULL
);
CREATE INDEX support_requests_tenant_latest ON support_requests (tenant_id, primary_context_type, id);
CREATE INDEX support_requests_run_latest ON support_requests (operation_run_id, id) WHERE operation_run_id IS NOT NULL;

CREATE TRIGGER support_requests_handoff_once BEFORE UPDATE OF
    handoff_outcome, external_ticket_id, external_ticket_number, external_ticket_reference,
    external_ticket_url, external_handoff_failure_summary, handoff_finalized_at ON support_requests
    WHEN OLD.handoff_finalized_at IS NOT NULL OR NEW.handoff_finalized_at IS NULL
BEGIN
    SELECT RAISE(ABORT, 'support request is immutable: its handoff is written exactly once');
END;
CREATE TRIGGER support_requests_immutable BEFORE UPDATE OF
    id, internal_reference, workspace_id, tenant_id, primary_context_type, created_by_label,
    severity, summary, reproduction_notes, contact_name, contact_email, attachment_mode, context,
    created_at, external_handoff_mode ON support_requests
BEGIN
    SELECT RAISE(ABORT, 'support request is immutable: only the handoff fields may be written once');
END;
