-- The handoff finalizer (issue 11, point 6) looks every few minutes for create handoffs that
-- never got their one write. Only in-flight or interrupted requests are in this index, so the
-- scan stays tiny however many requests (and diagnostic bundles) the table holds; without it
-- SQLite would read every row's context to reach the trailing handoff columns.
CREATE INDEX support_requests_unfinalized_create ON support_requests (id)
    WHERE handoff_finalized_at IS NULL AND external_handoff_mode = 'create_external_ticket';
