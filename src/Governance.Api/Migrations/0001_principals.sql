-- Principals and their API key hashes, projected inline from principal streams.
CREATE TABLE governance.principals (
    name        text        PRIMARY KEY,
    roles       text[]      NOT NULL,
    key_hash    bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL
);

-- The audit log is filtered by model; every model-related event names its model in its body.
CREATE INDEX events_model ON governance.events ((data ->> 'model'), tx_id, seq);
CREATE INDEX events_stream_id_pattern ON governance.events (stream_id text_pattern_ops);
