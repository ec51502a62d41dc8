-- Exchange staging schema, version 1 (PostgreSQL). Applied by the daemon at start (or `exchange migrate`).

CREATE TABLE watermarks (
    dataset     text        NOT NULL PRIMARY KEY,
    watermark   text        NULL,               -- last extracted composite watermark (opaque to the store)
    last_seq    bigint      NOT NULL DEFAULT 0, -- sequence number of the dataset's last batch
    updated_at  timestamptz NOT NULL
);

CREATE TABLE batches (
    batch_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset         text        NOT NULL,
    seq             bigint      NOT NULL,
    row_count       integer     NOT NULL,
    format          text        NOT NULL,
    payload         bytea       NOT NULL,
    size_bytes      bigint      NOT NULL,
    sha256          text        NOT NULL,
    watermark_from  text        NULL,
    watermark_to    text        NULL,
    origin          smallint    NOT NULL,     -- 0 extracted, 1 pushed
    created_at      timestamptz NOT NULL,
    UNIQUE (dataset, seq)
);

CREATE TABLE cursors (
    insurer     text        NOT NULL,
    dataset     text        NOT NULL,
    acked_seq   bigint      NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (insurer, dataset)
);

CREATE TABLE push_keys (
    dataset     text        NOT NULL,
    batch_key   text        NOT NULL,
    batch_id    bigint      NOT NULL REFERENCES batches (batch_id),
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (dataset, batch_key)
);

CREATE TABLE requests (
    request_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    insurer        text        NOT NULL,
    msg_id         text        NOT NULL,
    ref_msg_id     text        NOT NULL UNIQUE,
    inf_no         text        NOT NULL,
    input          text        NOT NULL,
    input_sha256   text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('Pending', 'Processing', 'Completed', 'Failed', 'Expired')),
    attempts       integer     NOT NULL DEFAULT 0,
    claimed_by     text        NULL,
    lease_until    timestamptz NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    UNIQUE (insurer, msg_id)
);
CREATE INDEX ix_requests_status_created ON requests (status, created_at);

CREATE TABLE responses (
    request_id    bigint      NOT NULL PRIMARY KEY REFERENCES requests (request_id), -- one request, one response
    inf_code      integer     NOT NULL,
    err_msg       text        NULL,
    output        text        NULL,
    responded_at  timestamptz NOT NULL,
    read_at       timestamptz NULL
);

CREATE TABLE audit_log (
    audit_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL,
    principal       text        NOT NULL,
    operation       text        NOT NULL,
    object_id       text        NULL,
    outcome         text        NOT NULL,
    remote_address  text        NULL
);
CREATE INDEX ix_audit_log_at ON audit_log (at);

CREATE TABLE load_samples (
    sample_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz      NOT NULL,
    source      text             NOT NULL,
    probe       text             NOT NULL,
    value       double precision NULL,
    gate_state  text             NOT NULL,
    reason      text             NULL
);
CREATE INDEX ix_load_samples_at ON load_samples (at);
