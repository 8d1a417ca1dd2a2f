-- Generated model documents, kept current by the model_docs async projection.
CREATE TABLE governance.model_docs (
    key          text        PRIMARY KEY,
    markdown     text        NOT NULL,
    events       int         NOT NULL,
    generated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- Newer events than the stored text: readers render from the log until the projection catches up.
    stale        boolean     NOT NULL DEFAULT false
);
