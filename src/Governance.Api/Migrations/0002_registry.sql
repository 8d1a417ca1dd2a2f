-- Registry read models, projected inline: models, dataset versions, experiments, model versions, lineage.

CREATE TABLE governance.models (
    key            text        PRIMARY KEY,
    name           text        NOT NULL,
    description    text        NOT NULL DEFAULT '',
    team           text        NOT NULL,
    task_type      text        NOT NULL,
    stages         text[]      NOT NULL,
    kpis           jsonb       NOT NULL DEFAULT '[]',
    registered_at  timestamptz NOT NULL,
    registered_by  text        NOT NULL,
    retired_at     timestamptz
);
CREATE INDEX models_team ON governance.models (team);

CREATE TABLE governance.dataset_versions (
    name           text        NOT NULL,
    version        text        NOT NULL,
    uri            text        NOT NULL,
    digest         text        NOT NULL,
    rows           bigint,
    parents        text[]      NOT NULL DEFAULT '{}',
    registered_at  timestamptz NOT NULL,
    registered_by  text        NOT NULL,
    flagged_reason text,
    flagged_at     timestamptz,
    flagged_by     text,
    PRIMARY KEY (name, version)
);

CREATE TABLE governance.experiments (
    id             text        PRIMARY KEY,
    model          text        NOT NULL,
    hypothesis     text        NOT NULL,
    kind           text        NOT NULL,
    base_version   text,
    started_at     timestamptz NOT NULL,
    started_by     text        NOT NULL,
    outcome        text,
    reason         text,
    concluded_at   timestamptz
);
CREATE INDEX experiments_model ON governance.experiments (model);

CREATE TABLE governance.runs (
    experiment_id  text        NOT NULL,
    run_id         text        NOT NULL,
    code_commit    text        NOT NULL,
    config_hash    text        NOT NULL,
    datasets       text[]      NOT NULL DEFAULT '{}',
    metrics        jsonb       NOT NULL DEFAULT '{}',
    started_at     timestamptz,
    finished_at    timestamptz,
    recorded_by    text        NOT NULL,
    PRIMARY KEY (experiment_id, run_id)
);

CREATE TABLE governance.model_versions (
    model          text        NOT NULL,
    version        text        NOT NULL,
    artifact_uri   text        NOT NULL,
    digest         text        NOT NULL,
    experiment_id  text,
    run_id         text,
    code_commit    text        NOT NULL,
    registered_at  timestamptz NOT NULL,
    registered_by  text        NOT NULL,
    deprecated_at  timestamptz,
    PRIMARY KEY (model, version)
);

-- The current deployment of each stage (filled by promotions/deployments). Gates and the evaluation
-- verdict read "the version now in production" from here.
CREATE TABLE governance.current_deployments (
    model          text        NOT NULL,
    stage          text        NOT NULL,
    version        text        NOT NULL,
    since          timestamptz NOT NULL,
    promotion_id   text,
    approved_by    text[]      NOT NULL DEFAULT '{}',
    fallback       text,
    PRIMARY KEY (model, stage)
);

-- Lineage: nodes are 'dataset:{name}@{v}', 'run:{experiment}/{run}', 'model:{key}@{v}', 'guardrail:…';
-- edges point from upstream (input) to downstream (output).
CREATE TABLE governance.lineage_nodes (
    id             text        PRIMARY KEY,
    kind           text        NOT NULL,
    label          text        NOT NULL
);

CREATE TABLE governance.lineage_edges (
    from_id        text        NOT NULL REFERENCES governance.lineage_nodes (id),
    to_id          text        NOT NULL REFERENCES governance.lineage_nodes (id),
    kind           text        NOT NULL,
    PRIMARY KEY (from_id, to_id, kind),
    CHECK (from_id <> to_id)
);
CREATE INDEX lineage_edges_to ON governance.lineage_edges (to_id, from_id);
