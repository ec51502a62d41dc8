-- Unauthenticated and malformed calls are audited aggregated: one row per remote address, outcome and minute, with the
-- number of calls it stands for. Every other row stands for one call.
ALTER TABLE audit_log ADD COLUMN calls integer NOT NULL DEFAULT 1;
