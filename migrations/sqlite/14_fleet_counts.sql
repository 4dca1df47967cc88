-- Fleet list cost bounded by the page, not the workspace (issue 17, growth target).
--
-- The verdict counts above the list were a GROUP BY over every tenant of the workspace. They
-- are now kept per workspace and stored verdict by the triggers below, in the transaction of
-- whatever writes `tenants` (the product's insert and report hook, bulk loaders, tests' SQL).
-- A counter row changes only when a tenant's verdict does, so most report refreshes (ready
-- stays ready) write no counter row. Stale is time-dependent ("ready and verified before the
-- freshness cutoff") and so cannot be stored: it is counted per request from the range of
-- `tenants_ready_verified` before the cutoff, which also serves the fleet page's stale and
-- ready branches when their tenants are few.
CREATE TABLE tenant_verdict_counts (
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    report_verdict TEXT NOT NULL CHECK (report_verdict IN ('blocked', 'ready', 'not_verified')),
    tenants INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, report_verdict)
);

INSERT INTO tenant_verdict_counts (workspace_id, report_verdict, tenants)
    SELECT workspace_id, report_verdict, COUNT(*) FROM tenants GROUP BY workspace_id, report_verdict;

CREATE TRIGGER tenants_verdict_counts_insert AFTER INSERT ON tenants
BEGIN
    INSERT INTO tenant_verdict_counts (workspace_id, report_verdict, tenants)
    VALUES (NEW.workspace_id, NEW.report_verdict, 1)
    ON CONFLICT (workspace_id, report_verdict)
    DO UPDATE SET tenants = tenant_verdict_counts.tenants + 1;
END;
CREATE TRIGGER tenants_verdict_counts_delete AFTER DELETE ON tenants
BEGIN
    UPDATE tenant_verdict_counts SET tenants = tenants - 1
    WHERE workspace_id = OLD.workspace_id AND report_verdict = OLD.report_verdict;
END;
CREATE TRIGGER tenants_verdict_counts_update AFTER UPDATE OF report_verdict, workspace_id ON tenants
    WHEN OLD.report_verdict IS NOT NEW.report_verdict OR OLD.workspace_id IS NOT NEW.workspace_id
BEGIN
    UPDATE tenant_verdict_counts SET tenants = tenants - 1
    WHERE workspace_id = OLD.workspace_id AND report_verdict = OLD.report_verdict;
    INSERT INTO tenant_verdict_counts (workspace_id, report_verdict, tenants)
    VALUES (NEW.workspace_id, NEW.report_verdict, 1)
    ON CONFLICT (workspace_id, report_verdict)
    DO UPDATE SET tenants = tenant_verdict_counts.tenants + 1;
END;

-- Ready tenants by verification time: the stale count, and the stale and ready branches of
-- the attention-ordered page when their tenants are few.
CREATE INDEX tenants_ready_verified ON tenants (workspace_id, verified_at, id)
    WHERE report_verdict = 'ready';
