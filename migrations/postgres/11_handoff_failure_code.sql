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

CREATE OR REPLACE FUNCTION support_requests_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Foreign keys set to NULL by a deleted user or run change nothing else and pass.
    IF ROW(NEW.handoff_outcome, NEW.external_ticket_id, NEW.external_ticket_number,
           NEW.external_ticket_reference, NEW.external_ticket_url,
           NEW.external_handoff_failure_summary, NEW.external_handoff_failure_code,
           NEW.handoff_finalized_at)
       IS DISTINCT FROM
       ROW(OLD.handoff_outcome, OLD.external_ticket_id, OLD.external_ticket_number,
           OLD.external_ticket_reference, OLD.external_ticket_url,
           OLD.external_handoff_failure_summary, OLD.external_handoff_failure_code,
           OLD.handoff_finalized_at)
       AND (OLD.handoff_finalized_at IS NOT NULL OR NEW.handoff_finalized_at IS NULL) THEN
        RAISE EXCEPTION 'support request % is immutable: its handoff is written exactly once', OLD.internal_reference;
    END IF;
    IF ROW(NEW.id, NEW.internal_reference, NEW.workspace_id, NEW.tenant_id, NEW.primary_context_type,
           NEW.created_by_label, NEW.severity, NEW.summary, NEW.reproduction_notes,
           NEW.contact_name, NEW.contact_email, NEW.attachment_mode, NEW.context::text, NEW.created_at,
           NEW.external_handoff_mode)
       IS DISTINCT FROM
       ROW(OLD.id, OLD.internal_reference, OLD.workspace_id, OLD.tenant_id, OLD.primary_context_type,
           OLD.created_by_label, OLD.severity, OLD.summary, OLD.reproduction_notes,
           OLD.contact_name, OLD.contact_email, OLD.attachment_mode, OLD.context::text, OLD.created_at,
           OLD.external_handoff_mode) THEN
        RAISE EXCEPTION 'support request % is immutable: only the handoff fields may be written once', OLD.internal_reference;
    END IF;
    RETURN NEW;
END;
$$;
