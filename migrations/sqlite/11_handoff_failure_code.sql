-- Why a handoff failed, as a code (support_desk::HandoffFailure) beside the English summary, so
-- the request page says it in the reader's language (issue 14, point 3). Requests filed before
-- this migration get the code their stored summary was written from; the summary stays for
-- the API. The column joins the handoff fields that are written exactly once.
ALTER TABLE support_requests ADD COLUMN external_handoff_failure_code TEXT NULL
    CHECK (external_handoff_failure_code IN ('not_configured', 'configuration_incomplete',
        'timeout', 'unreachable', 'unauthorized', 'rejected', 'malformed_response', 'unfinished',
        'interrupted'));

UPDATE support_requests SET external_handoff_failure_code = CASE
        WHEN external_handoff_failure_summary LIKE 'No external support desk is configured%' THEN 'not_configured'
        WHEN external_handoff_failure_summary LIKE 'The support desk configuration is incomplete%' THEN 'configuration_incomplete'
        WHEN external_handoff_failure_summary LIKE 'The support desk did not answer within%' THEN 'timeout'
        WHEN external_handoff_failure_summary LIKE 'The support desk could not be reached%' THEN 'unreachable'
        WHEN external_handoff_failure_summary LIKE 'The support desk rejected the credentials%' THEN 'unauthorized'
        WHEN external_handoff_failure_summary LIKE 'The support desk refused the ticket%' THEN 'rejected'
        WHEN external_handoff_failure_summary LIKE 'The support desk answered in an unexpected format%' THEN 'malformed_response'
        WHEN external_handoff_failure_summary LIKE 'The handoff was interrupted%' THEN 'interrupted'
    END
    WHERE external_handoff_failure_summary IS NOT NULL;

DROP TRIGGER support_requests_handoff_once;
CREATE TRIGGER support_requests_handoff_once BEFORE UPDATE OF
    handoff_outcome, external_ticket_id, external_ticket_number, external_ticket_reference,
    external_ticket_url, external_handoff_failure_summary, external_handoff_failure_code,
    handoff_finalized_at ON support_requests
    WHEN OLD.handoff_finalized_at IS NOT NULL OR NEW.handoff_finalized_at IS NULL
BEGIN
    SELECT RAISE(ABORT, 'support request is immutable: its handoff is written exactly once');
END;
