-- Every call to the desk for a support request, kept (issue 16, point 1): the submit's own call
-- is attempt 1, each "Retry handoff" adds one. The request row keeps the latest outcome. An
-- attempt without `finished_at` is a call in flight: the partial unique index lets one exist per
-- request at a time, so the row is the claim taken before the desk is called, and two attempts
-- for one request can never both reach the desk.
CREATE TABLE support_request_handoff_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    support_request_id BIGINT NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL CHECK (attempt >= 1),
    started_at TEXT NOT NULL,
    actor_user_id BIGINT NULL REFERENCES users (id) ON DELETE SET NULL,
    actor_label TEXT NOT NULL,
    finished_at TEXT NULL,
    outcome TEXT NULL CHECK (outcome IN ('external_ticket_created', 'external_handoff_failed')),
    lookup TEXT NULL CHECK (lookup IN ('created', 'found_existing', 'created_after_failed_search')),
    failure_code TEXT NULL CHECK (failure_code IN ('not_configured', 'configuration_incomplete', 'timeout', 'unreachable', 'unauthorized', 'rejected', 'malformed_response', 'unfinished', 'interrupted')),
    failure_summary TEXT NULL,
    external_ticket_reference TEXT NULL,
    duration_ms BIGINT NULL,
    UNIQUE (support_request_id, attempt),
    CHECK ((finished_at IS NULL) = (outcome IS NULL))
);
CREATE UNIQUE INDEX support_request_handoff_attempts_in_flight
    ON support_request_handoff_attempts (support_request_id) WHERE finished_at IS NULL;

-- Requests filed before this migration: their one call becomes attempt 1 (still open when it
-- never finished, so the finalizer closes it as interrupted).
INSERT INTO support_request_handoff_attempts (support_request_id, attempt, started_at,
        actor_user_id, actor_label, finished_at, outcome, failure_code, failure_summary,
        external_ticket_reference)
    SELECT id, 1, created_at, created_by_user_id, created_by_label, handoff_finalized_at,
        CASE WHEN handoff_finalized_at IS NULL THEN NULL ELSE handoff_outcome END,
        external_handoff_failure_code, external_handoff_failure_summary, external_ticket_reference
    FROM support_requests WHERE external_handoff_mode = 'create_external_ticket';

-- A failed handoff may be written again, by a retry, and only together with the retry attempt
-- that ended at that moment; a created or linked one never.
DROP TRIGGER support_requests_handoff_once;
CREATE TRIGGER support_requests_handoff_once BEFORE UPDATE OF
    handoff_outcome, external_ticket_id, external_ticket_number, external_ticket_reference,
    external_ticket_url, external_handoff_failure_summary, external_handoff_failure_code,
    handoff_finalized_at ON support_requests
    WHEN NEW.handoff_finalized_at IS NULL
        OR (OLD.handoff_finalized_at IS NOT NULL AND NOT (
            OLD.handoff_outcome IS 'external_handoff_failed'
            AND NEW.handoff_finalized_at IS NOT OLD.handoff_finalized_at
            AND EXISTS (SELECT 1 FROM support_request_handoff_attempts a
                        WHERE a.support_request_id = NEW.id AND a.attempt >= 2
                          AND a.finished_at = NEW.handoff_finalized_at)))
BEGIN
    SELECT RAISE(ABORT, 'support request is immutable: its handoff is written once, and again only to retry a failure');
END;
