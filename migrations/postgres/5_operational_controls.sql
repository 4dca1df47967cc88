-- Operational controls (spec 242): the active pauses of the code-owned controls, one row per
-- control and scope ('global' or 'workspace:<id>'). A resume deletes the row; who paused and
-- resumed what, when and why stays in the audit log. An expired pause is ignored by every
-- reader and overwritten by the next pause of the same control and scope.
CREATE TABLE operational_control_pauses (
    control_key TEXT NOT NULL,
    scope_key TEXT NOT NULL,
    workspace_id BIGINT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    paused_by_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    paused_by_label TEXT NOT NULL,
    paused_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NULL,
    PRIMARY KEY (control_key, scope_key),
    CHECK ((scope_key = 'global') = (workspace_id IS NULL))
);

-- System console: window counts and failure lists read runs by creation time.
CREATE INDEX operation_runs_created ON operation_runs (created_at, status, outcome, reason_code);
CREATE INDEX operation_runs_failed ON operation_runs (created_at, id) WHERE outcome = 'failed';
-- The controls page lists the latest control changes from the audit log.
CREATE INDEX audit_events_target ON audit_events (target_type, id);
