-- One row per daemon (node) that uses the store, written by its readiness check: a committed write, so a full disk or a
-- read-only store makes the node not ready, and the status page lists the nodes and when each last wrote.
CREATE TABLE node_heartbeats (
    node       TEXT NOT NULL PRIMARY KEY,
    address    TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
