-- The fleet view (issue 13, point 1): each tenant carries its newest verification report's
-- verdict before freshness (`blocked` for a blocked or failed report, `ready`, or
-- `not_verified` when it has none) and that report's `checked_at`. Stale is "ready and
-- verified_at older than the freshness cutoff", computed per request from a bound cutoff, so
-- the list can sort and filter on these two columns through one index instead of looking up
-- each tenant's newest report. The providers service refreshes both columns in the same
-- transaction that stores a report (tenants::repo::REFRESH_REPORT_VERDICT, the statement below
-- with `WHERE id = $1`). A report references its connection with ON DELETE CASCADE, so a tenant
-- whose verdict is not `not_verified` always has a connection.
ALTER TABLE tenants ADD COLUMN report_verdict TEXT NOT NULL DEFAULT 'not_verified'
    CHECK (report_verdict IN ('blocked', 'ready', 'not_verified'));
ALTER TABLE tenants ADD COLUMN verified_at TIMESTAMPTZ NULL;

UPDATE tenants SET
    report_verdict = COALESCE((SELECT CASE WHEN v.overall = 'ready' THEN 'ready' ELSE 'blocked' END
        FROM verification_reports v WHERE v.tenant_id = tenants.id
        ORDER BY v.checked_at DESC, v.id DESC LIMIT 1), 'not_verified'),
    verified_at = (SELECT v.checked_at FROM verification_reports v WHERE v.tenant_id = tenants.id
        ORDER BY v.checked_at DESC, v.id DESC LIMIT 1);

-- The default fleet page (attention order) reads each verdict's tenants in name order and stops
-- after the page; the verdict filter reads one verdict's range.
CREATE INDEX tenants_fleet ON tenants (workspace_id, report_verdict, name, id);
-- Failed runs of the last 7 days per listed tenant: a range of this small partial index.
CREATE INDEX operation_runs_tenant_failed ON operation_runs (tenant_id, created_at)
    WHERE outcome = 'failed';
-- The newest support request of a listed tenant, whatever its context type.
CREATE INDEX support_requests_tenant ON support_requests (tenant_id, id);
