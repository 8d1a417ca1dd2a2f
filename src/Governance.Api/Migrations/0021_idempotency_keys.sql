-- Answers remembered for Idempotency-Key retries (docs/security.md): an operational record, not an event.
CREATE TABLE governance.idempotency_keys (
    principal     text        NOT NULL,
    key           text        NOT NULL,
    method        text        NOT NULL,
    path          text        NOT NULL,
    body_hash     bytea       NOT NULL,
    -- Who holds the key while the first request runs; a retry that finds it held waits for the answer.
    claim         uuid        NOT NULL,
    claimed_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Business time (the service's clock): the key is remembered for 24 hours from here.
    created_at    timestamptz NOT NULL,
    completed_at  timestamptz,
    status        int,
    content_type  text,
    location      text,
    etag          text,
    body          bytea,
    -- The answer showed a secret once (a new API key): only that it succeeded is kept, never the secret.
    secret        boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_at ON governance.idempotency_keys (created_at);
