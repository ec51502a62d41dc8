-- Exchange staging schema, version 3: batch headers read from an index, never from the batch rows.

-- A batch row stores its payload before size_bytes, sha256, origin and created_at. A payload larger than a page lives on
-- a chain of overflow pages, and SQLite reaches the columns after it only by reading that whole chain: every Poll read
-- every page of every unacknowledged batch it listed, again after each commit (an audit row, say) had emptied the
-- connection's page cache. With 20 listed batches of 1 MB each one Poll query took 7.7 ms instead of 0.11 ms.
-- This index holds every header column, so Poll, the headers after a sequence number, and the operator's per-dataset
-- figures and extraction activity are answered from it (EXPLAIN QUERY PLAN: USING COVERING INDEX).
CREATE INDEX ix_batches_headers ON batches (dataset, seq, batch_id, row_count, created_at, format, size_bytes, sha256, origin);
