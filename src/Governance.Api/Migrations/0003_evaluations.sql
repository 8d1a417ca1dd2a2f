-- Evaluation suites and evaluations, projected inline from suite and evaluation streams.

-- One row per suite revision; the current one is the highest revision of a name.
CREATE TABLE governance.evaluation_suites (
    name           text        NOT NULL,
    revision       int         NOT NULL,
    description    text        NOT NULL DEFAULT '',
    definition     jsonb       NOT NULL,          -- {metrics: [{name, threshold, direction, maxRegression?}], slices: [{name, metric, threshold}]}
    change         text        NOT NULL,          -- defined, revised, slice_added
    changed_at     timestamptz NOT NULL,
    changed_by     text        NOT NULL,
    incident_id    text,                          -- the incident a postmortem added the slice for
    PRIMARY KEY (name, revision)
);

-- Every evaluation with its verdict as computed at record time. Gates read "the latest evaluation per suite of
-- this exact version" and the verdict reads the production baseline from here.
CREATE TABLE governance.evaluations (
    id                      text        PRIMARY KEY,
    model                   text        NOT NULL,
    version                 text        NOT NULL,
    suite                   text        NOT NULL,
    suite_revision          int         NOT NULL,
    stage                   text        NOT NULL,
    passed                  boolean     NOT NULL,
    metrics                 jsonb       NOT NULL DEFAULT '{}',
    slices                  jsonb       NOT NULL DEFAULT '{}',
    product_metrics         jsonb       NOT NULL DEFAULT '{}',
    checks                  jsonb       NOT NULL DEFAULT '[]',
    datasets                text[]      NOT NULL DEFAULT '{}',
    baseline_version        text,
    baseline_evaluation_id  text,
    recorded_at             timestamptz NOT NULL,
    recorded_by             text        NOT NULL,
    seq                     bigint      NOT NULL  -- log position: orders evaluations recorded at the same instant
);
CREATE INDEX evaluations_version_suite ON governance.evaluations (model, version, suite, suite_revision, recorded_at, seq);
CREATE INDEX evaluations_suite ON governance.evaluations (suite, recorded_at);
