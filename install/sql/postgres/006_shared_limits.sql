-- Limits that the nodes sharing this store enforce together, so that a load balancer spreading one insurer's calls over
-- several nodes gives it no more than one node would. Each check is one INSERT ... ON CONFLICT ... DO UPDATE ... WHERE
-- statement on one row (PostgreSQL staging only: a SQLite store has one node, which keeps these in memory).

-- The decoded wsse:Nonce bytes of accepted PasswordDigest tokens, per principal, until expires_at (twice the replay
-- window). An expired row is reused in place; the nodes delete expired rows in bulk now and then (by expires_at).
CREATE TABLE used_nonces (
    principal  text        NOT NULL,
    nonce      bytea       NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (principal, nonce)
);
CREATE INDEX ix_used_nonces_expires_at ON used_nonces (expires_at);

-- Each principal's last answered Poll, and the one before it so that a poll the store could not answer is taken back.
CREATE TABLE poll_pacing (
    principal        text        NOT NULL PRIMARY KEY,
    last_poll_at     timestamptz NOT NULL,
    previous_poll_at timestamptz
);

-- Each principal's token bucket (Exchange:Security:RateLimit): the tokens left when it was last refilled.
CREATE TABLE rate_buckets (
    principal   text             NOT NULL PRIMARY KEY,
    tokens      double precision NOT NULL,
    refilled_at timestamptz      NOT NULL
);

-- Failed authentications per remote address and minute, over all nodes: written only when an authentication fails, so a
-- node refuses an address unchecked once the nodes together counted its allowance. Past minutes are deleted now and then.
CREATE TABLE failed_authentications (
    address      text        NOT NULL,
    window_start timestamptz NOT NULL,
    failures     integer     NOT NULL,
    PRIMARY KEY (address, window_start)
);
CREATE INDEX ix_failed_authentications_window ON failed_authentications (window_start);
