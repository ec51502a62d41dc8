-- Exchange staging schema, version 1 (SQLite). Applied by the daemon at start (or `exchange migrate`).
-- Timestamps are UTC text in ISO 8601 ('yyyy-MM-ddTHH:mm:ss.fffffffZ'), so text order is time order.

CREATE TABLE watermarks (
    dataset     TEXT    NOT NULL PRIMARY KEY,
    watermark   TEXT    NULL,              -- last extracted composite watermark (opaque to the store)
    last_seq    INTEGER NOT NULL DEFAULT 0, -- sequence number of the dataset's last batch
    updated_at  TEXT    NOT NULL
);

CREATE TABLE batches (
    batch_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset         TEXT    NOT NULL,
    seq             INTEGER NOT NULL,
    row_count       INTEGER NOT NULL,
    format          TEXT    NOT NULL,
    payload         BLOB    NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT    NOT NULL,
    watermark_from  TEXT    NULL,
    watermark_to    TEXT    NULL,
    origin          INTEGER NOT NULL,     -- 0 extracted, 1 pushed
    created_at      TEXT    NOT NULL,
    UNIQUE (dataset, seq)
);

CREATE TABLE cursors (
    insurer     TEXT    NOT NULL,
    dataset     TEXT    NOT NULL,
    acked_seq   INTEGER NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (insurer, dataset)
);

CREATE TABLE push_keys (
    dataset     TEXT    NOT NULL,
    batch_key   TEXT    NOT NULL,
    batch_id    INTEGER NOT NULL REFERENCES batches (batch_id),
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (dataset, batch_key)
);

CREATE TABLE requests (
    request_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    insurer        TEXT    NOT NULL,
    msg_id         TEXT    NOT NULL,
    ref_msg_id     TEXT    NOT NULL UNIQUE,
    inf_no         TEXT    NOT NULL,
    input          TEXT    NOT NULL,
    input_sha256   TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('Pending', 'Processing', 'Completed', 'Failed', 'Expired')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_by     TEXT    NULL,
    lease_until    TEXT    NULL,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    UNIQUE (insurer, msg_id)
);
CREATE INDEX ix_requests_status_created ON requests (status, created_at);

CREATE TABLE responses (
    request_id    INTEGER NOT NULL PRIMARY KEY REFERENCES requests (request_id), -- one request, one response
    inf_code      INTEGER NOT NULL,
    err_msg       TEXT    NULL,
    output        TEXT    NULL,
    responded_at  TEXT    NOT NULL,
    read_at       TEXT    NULL
);

CREATE TABLE audit_log (
    audit_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT    NOT NULL,
    principal       TEXT    NOT NULL,
    operation       TEXT    NOT NULL,
    object_id       TEXT    NULL,
    outcome         TEXT    NOT NULL,
    remote_address  TEXT    NULL
);
CREATE INDEX ix_audit_log_at ON audit_log (at);

CREATE TABLE load_samples (
    sample_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    probe       TEXT    NOT NULL,
    value       REAL    NULL,
    gate_state  TEXT    NOT NULL,
    reason      TEXT    NULL
);
CREATE INDEX ix_load_samples_at ON load_samples (at);
