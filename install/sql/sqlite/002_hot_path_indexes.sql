-- Exchange staging schema, version 2: indexes for the statements that run on every call or every few seconds.

-- Poll lists the caller's answered, unread requests on every call; without this index that is a scan of responses.
CREATE INDEX ix_responses_unread ON responses (responded_at, request_id) WHERE read_at IS NULL;

-- The operator snapshot (every few seconds) reads each insurer's last successful Poll and the latest refusals.
-- Without these both were scans of the whole audit log, which holds at least 184 days of calls.
CREATE INDEX ix_audit_log_last_poll ON audit_log (principal, at) WHERE operation = 'Poll' AND outcome = 'ok';
CREATE INDEX ix_audit_log_failures ON audit_log (audit_id) WHERE outcome <> 'ok';
