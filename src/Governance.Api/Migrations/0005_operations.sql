-- Operations read models, projected inline: incidents, alerts, the on-call queue, SLOs and their breaches,
-- and the SLO measurements (a plain append-only table, not events: they are data, not decisions).

-- The promotions branch creates a minimal incidents table for its gate; whichever migration runs first,
-- the table ends up with every column.
CREATE TABLE IF NOT EXISTS governance.incidents (
    id             text        PRIMARY KEY,
    model          text,
    severity       text,
    status         text,
    opened_at      timestamptz
);
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS team            text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS stage           text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS version         text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS title           text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS source          text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS category        text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS assignee        text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS opened_by       text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS ack_deadline    timestamptz;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS acknowledged_at timestamptz;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS acknowledged_by text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS escalated_at    timestamptz;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS mitigated_at    timestamptz;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS resolved_at     timestamptz;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS postmortem_at   timestamptz;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS slo_id          text;
ALTER TABLE governance.incidents ADD COLUMN IF NOT EXISTS alert_id        text;
CREATE INDEX IF NOT EXISTS incidents_model_status ON governance.incidents (model, status);
CREATE INDEX IF NOT EXISTS incidents_team_status ON governance.incidents (team, status);
-- What the escalation pass scans: unacknowledged incidents with a deadline.
CREATE INDEX IF NOT EXISTS incidents_unacknowledged ON governance.incidents (ack_deadline)
    WHERE status = 'open' AND escalated_at IS NULL AND ack_deadline IS NOT NULL;

CREATE TABLE governance.alerts (
    id              text        PRIMARY KEY,
    rule            text        NOT NULL,
    model           text        NOT NULL,
    team            text,
    severity        text        NOT NULL,
    dedup_key       text,
    summary         text        NOT NULL,
    status          text        NOT NULL,
    repeats         int         NOT NULL DEFAULT 0,
    fired_at        timestamptz NOT NULL,
    last_fired_at   timestamptz NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text,
    actionable      boolean,
    incident_id     text,
    resolved_at     timestamptz
);
-- Dedup: at most one unresolved alert per key, enforced by the database so racing writers cannot both open one.
CREATE UNIQUE INDEX alerts_open_dedup ON governance.alerts (dedup_key) WHERE dedup_key IS NOT NULL AND status <> 'resolved';
CREATE INDEX alerts_rule_fired ON governance.alerts (rule, fired_at);
CREATE INDEX alerts_team_fired ON governance.alerts (team, fired_at);

-- The on-call queue: one row per unresolved incident and per unacknowledged alert.
CREATE TABLE governance.queue_items (
    kind           text        NOT NULL,
    id             text        NOT NULL,
    team           text        NOT NULL,
    model          text        NOT NULL,
    severity       text        NOT NULL,
    title          text        NOT NULL,
    status         text        NOT NULL,
    opened_at      timestamptz NOT NULL,
    ack_deadline   timestamptz,
    acknowledged   boolean     NOT NULL DEFAULT false,
    assignee       text,
    PRIMARY KEY (kind, id)
);
CREATE INDEX queue_items_team ON governance.queue_items (team, severity, opened_at);

CREATE TABLE governance.slos (
    id             text        PRIMARY KEY,
    name           text        NOT NULL,
    model          text        NOT NULL,
    team           text,
    stage          text        NOT NULL,
    objective      double precision NOT NULL,
    slo_window     interval    NOT NULL,
    label_delay    interval    NOT NULL,
    breach_kind    text,
    breach_since   timestamptz,
    incident_id    text,
    defined_at     timestamptz NOT NULL
);
CREATE INDEX slos_model ON governance.slos (model);

CREATE TABLE governance.slo_breaches (
    slo_id         text        NOT NULL,
    kind           text        NOT NULL,
    model          text        NOT NULL,
    team           text,
    breached_at    timestamptz NOT NULL,
    recovered_at   timestamptz,
    incident_id    text,
    long_burn_rate double precision NOT NULL,
    short_burn_rate double precision NOT NULL,
    PRIMARY KEY (slo_id, breached_at)
);
CREATE INDEX slo_breaches_team ON governance.slo_breaches (team, breached_at);

-- Bucketed counts keyed by prediction time. Late and corrected buckets are new rows; the newest row for a
-- bucket wins. Nothing is ever updated.
CREATE TABLE governance.slo_measurements (
    seq            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slo_id         text        NOT NULL,
    bucket_from    timestamptz NOT NULL,
    bucket_to      timestamptz NOT NULL,
    good           bigint      NOT NULL,
    total          bigint      NOT NULL,
    received_at    timestamptz NOT NULL
);
CREATE INDEX slo_measurements_slo ON governance.slo_measurements (slo_id, bucket_from, bucket_to, seq DESC);
