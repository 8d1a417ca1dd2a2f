-- How long the last regeneration of a model's document took: a model whose document is expensive to build (a long
-- history) is regenerated less often, so the docs projection never takes more than a small share of the machine.
ALTER TABLE governance.model_docs ADD COLUMN generation_ms int NOT NULL DEFAULT 0;
