-- Principals and their API key hashes, projected inline from principal streams.
CREATE TABLE governance.principals (
    name        text        PRIMARY KEY,
    roles       text[]      NOT NULL,
    key_hash    bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL
);

-- (Indexes on the log for the audit feed moved to 0022 when the log moved onto Marten.)
