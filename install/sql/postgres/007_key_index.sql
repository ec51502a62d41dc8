-- The keys a dataset with "Deletes": "Reconcile" has staged, written in the transaction of each extracted batch: a key is
-- here exactly while a staged upsert of it is the latest word insurers have. Reconciliation compares these keys with the
-- source's; a key missing at the source gets a tombstone and leaves this table in the tombstone batch's transaction.
CREATE TABLE staged_keys (
    key_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dataset  text   NOT NULL,
    key_json text   NOT NULL, -- the key's JSON value as the payload writes it: 42, "A-7"
    seq      bigint NOT NULL, -- the batch that staged it last
    UNIQUE (dataset, key_json)
);

-- Per dataset, the reconciliation pass in progress or the last one finished.
CREATE TABLE key_reconciliation (
    dataset      text        NOT NULL PRIMARY KEY,
    started_at   timestamptz NOT NULL,
    start_seq    bigint      NOT NULL, -- keys staged by a later batch are left to the next pass
    first_key_id bigint      NOT NULL, -- the staged keys this pass judges: key_id in [first_key_id, last_key_id]
    last_key_id  bigint      NOT NULL,
    after_key    text        NULL,     -- where the walk of the source's keys goes on (null: from the start)
    seen         bytea       NULL,     -- one bit per key_id of the range: found at the source in this pass
    finished_at  timestamptz NULL,
    deleted      bigint      NOT NULL DEFAULT 0
);
