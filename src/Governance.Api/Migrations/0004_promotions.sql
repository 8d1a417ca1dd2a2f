-- Promotions and deployments, projected inline from promotion and deployment streams.

-- One row per promotion: the approval inbox (GET /promotions?awaitingMe=true) and lists by status and model.
CREATE TABLE governance.promotions (
    id                     text        PRIMARY KEY,
    model                  text        NOT NULL,
    version                text        NOT NULL,
    from_stage             text        NOT NULL,
    target_stage           text        NOT NULL,
    status                 text        NOT NULL,          -- pending, blocked, approved, deployed, rejected, withdrawn
    requested_by           text        NOT NULL,
    requested_at           timestamptz NOT NULL,
    version_registered_by  text        NOT NULL,
    policy_revision        int         NOT NULL,
    required_approvals     int         NOT NULL,
    approver_roles         text[]      NOT NULL,
    allow_self_approval    boolean     NOT NULL,
    approved_by            text[]      NOT NULL DEFAULT '{}',
    gates_passed           boolean     NOT NULL,
    updated_at             timestamptz NOT NULL
);
CREATE INDEX promotions_status ON governance.promotions (status, requested_at);
CREATE INDEX promotions_model ON governance.promotions (model, requested_at);

-- Deployment history: one interval per version's time as the current one of a stage, [from, to). "What ran at T"
-- is one index probe per stage: the latest interval starting at or before T, if it had not ended by T.
CREATE TABLE governance.deployment_intervals (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model            text        NOT NULL,
    stage            text        NOT NULL,
    version          text        NOT NULL,
    "from"           timestamptz NOT NULL,
    "to"             timestamptz,
    promotion_id     text,
    rolled_back      boolean     NOT NULL DEFAULT false,
    approved_by      text[]      NOT NULL DEFAULT '{}',
    fallback         text,
    traffic_percent  int,
    rollback_reason  text,
    incident_id      text
);
CREATE INDEX deployment_intervals_at ON governance.deployment_intervals (model, stage, "from" DESC, id DESC);
CREATE INDEX deployment_intervals_version ON governance.deployment_intervals (model, version, stage);
CREATE UNIQUE INDEX deployment_intervals_open ON governance.deployment_intervals (model, stage) WHERE "to" IS NULL;

-- Incidents as the promotion gate reads them; the incidents slice owns and fills this table.
CREATE TABLE IF NOT EXISTS governance.incidents (
    id         text        PRIMARY KEY,
    model      text        NOT NULL,
    severity   text        NOT NULL,                      -- SEV1 … SEV4
    status     text        NOT NULL,                      -- anything but resolved/closed is open
    opened_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_model_status ON governance.incidents (model, status);
