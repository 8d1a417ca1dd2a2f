-- Outgoing webhooks (DESIGN §13). Subscriptions are events (webhook streams); this table is their inline read model.
-- subscribed_seq is the log position of webhook_subscribed: only events after it are delivered, however far behind
-- the dispatcher is when the subscription is made.
CREATE TABLE governance.webhooks (
    id              text        PRIMARY KEY,
    url             text        NOT NULL,
    events          text[]      NOT NULL,
    model           text,
    description     text        NOT NULL,
    status          text        NOT NULL,
    subscribed_seq  bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    created_by      text        NOT NULL,
    secret_rotated_at timestamptz,
    disabled_at     timestamptz,
    disabled_reason text
);

-- The signing secrets. They are needed in clear to sign (HMAC), so they live here and never in an event; the command
-- that makes one writes it in the transaction that appends its event. expires_at is set when a newer secret replaces it.
CREATE TABLE governance.webhook_secrets (
    webhook_id  text        NOT NULL,
    secret_id   text        NOT NULL,
    secret      text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    PRIMARY KEY (webhook_id, secret_id)
);

-- One row per committed event per matching subscription, written by the dispatcher in the transaction that moves its
-- progress (so nothing is missed or doubled). The payload is fixed at that moment: every attempt sends the same bytes.
CREATE TABLE governance.webhook_deliveries (
    id               bigserial   PRIMARY KEY,
    webhook_id       text        NOT NULL,
    event_seq        bigint      NOT NULL,
    event_id         uuid        NOT NULL,
    event_type       text        NOT NULL,
    stream_id        text        NOT NULL,
    stream_version   bigint      NOT NULL,
    recorded_at      timestamptz NOT NULL,
    payload          text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending',
    attempts         int         NOT NULL DEFAULT 0,
    retries_from     int         NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    committed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_attempt_at  timestamptz,
    last_status_code int,
    last_duration_ms int,
    last_error       text,
    delivered_at     timestamptz,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_pending ON governance.webhook_deliveries (webhook_id, stream_id, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON governance.webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_recorded ON governance.webhook_deliveries (webhook_id, recorded_at);

-- Every attempt, for the delivery log.
CREATE TABLE governance.webhook_attempts (
    delivery_id  bigint      NOT NULL,
    attempt      int         NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code  int,
    duration_ms  int         NOT NULL,
    error        text,
    PRIMARY KEY (delivery_id, attempt)
);

-- Who is sending a subscription's events of one stream right now: one sender per (subscription, stream) keeps the order.
CREATE TABLE governance.webhook_streams (
    webhook_id   text        NOT NULL,
    stream_id    text        NOT NULL,
    lease_owner  uuid,
    lease_until  timestamptz,
    PRIMARY KEY (webhook_id, stream_id)
);
