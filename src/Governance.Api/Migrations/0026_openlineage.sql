-- OpenLineage ingest (DESIGN §13): runs as producers report them, and which datasets each run or job read and wrote,
-- so a dataset is joined to the registry by URI whichever comes first, the event or the registration.

CREATE TABLE governance.pipeline_runs (
    run_id         text        PRIMARY KEY,
    job_namespace  text        NOT NULL,
    job_name       text        NOT NULL,
    state          text,
    state_at       timestamptz,
    events         int         NOT NULL
);

-- Every dataset an OpenLineage event named, by the URI the registry is joined on ({namespace}/{name}[@version]), with
-- the run or job node that read it (input) or wrote it (output). The edges are drawn from here again when a dataset
-- version or model version with that URI is registered later.
CREATE TABLE governance.openlineage_datasets (
    uri            text        NOT NULL,
    node_id        text        NOT NULL,
    role           text        NOT NULL CHECK (role IN ('input', 'output')),
    PRIMARY KEY (uri, node_id, role)
);

CREATE INDEX dataset_versions_uri ON governance.dataset_versions (uri);
CREATE INDEX model_versions_artifact_uri ON governance.model_versions (artifact_uri);

-- The node a URI stands for: the registered dataset version with that uri, else the model version with that
-- artifactUri (the first registered, when several share one), else an external dataset.
CREATE FUNCTION governance.lineage_node_for_uri(u text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(
        (SELECT 'dataset:' || name || '@' || version FROM governance.dataset_versions WHERE uri = u ORDER BY registered_at, name, version LIMIT 1),
        (SELECT 'model:' || model || '@' || version FROM governance.model_versions WHERE artifact_uri = u ORDER BY registered_at, model, version LIMIT 1),
        'external:' || u)
$$;
