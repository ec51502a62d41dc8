-- The keys a dataset with "Deletes": "Reconcile" has staged, written in the transaction of each extracted batch: a key is
-- here exactly while a staged upsert of it is the latest word insurers have. Reconciliation compares these keys with the
-- source's; a key missing at the source gets a tombstone and leaves this table in the tombstone batch's transaction.
CREATE TABLE staged_keys (
    key_id   INTEGER PRIMARY KEY,
    dataset  TEXT    NOT NULL,
    key_json TEXT    NOT NULL, -- the key's JSON value as the payload writes it: 42, "A-7"
    seq      INTEGER NOT NULL, -- the batch that staged it last
    UNIQUE (dataset, key_json)
);

-- Per dataset, the reconciliation pass in progress or the last one finished.
CREATE TABLE key_reconciliation (
    dataset      TEXT    NOT NULL PRIMARY KEY,
    started_at   TEXT    NOT NULL,
    start_seq    INTEGER NOT NULL, -- keys staged by a later batch are left to the next pass
    first_key_id INTEGER NOT NULL, -- the staged keys this pass judges: key_id in [first_key_id, last_key_id]
    last_key_id  INTEGER NOT NULL,
    after_key    TEXT    NULL,     -- where the walk of the source's keys goes on (null: from the start)
    seen         BLOB    NULL,     -- one bit per key_id of the range: found at the source in this pass
    finished_at  TEXT    NULL,
    deleted      INTEGER NOT NULL DEFAULT 0
);
