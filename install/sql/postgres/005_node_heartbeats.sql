-- One row per daemon (node) that uses the store, written by its readiness check: a committed write, so a full disk or a
-- read-only store makes the node not ready, and the status page lists the nodes and when each last wrote.
CREATE TABLE node_heartbeats (
    node       text        NOT NULL PRIMARY KEY,
    address    text        NOT NULL,
    checked_at timestamptz NOT NULL
);
