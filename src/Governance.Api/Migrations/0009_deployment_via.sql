-- What put a version in a stage: a promotion's deployment or a rollback. Nobody approves a rollback, so the rows a
-- rollback opened show no promotion and no approvers (they used to repeat those of the promotion that first brought the
-- version in, which read as if the return had been approved).
ALTER TABLE governance.deployment_intervals ADD COLUMN via text NOT NULL DEFAULT 'promotion';
ALTER TABLE governance.current_deployments ADD COLUMN via text NOT NULL DEFAULT 'promotion';

-- Existing rows: an interval opened by a rollback is the one right after an interval a rollback closed.
UPDATE governance.deployment_intervals i SET via = 'rollback', promotion_id = NULL, approved_by = '{}'
FROM (SELECT id, lag(rolled_back) OVER (PARTITION BY model, stage ORDER BY id) AS after_rollback
      FROM governance.deployment_intervals) p
WHERE p.id = i.id AND p.after_rollback;

UPDATE governance.current_deployments c SET via = 'rollback', promotion_id = NULL, approved_by = '{}'
FROM governance.deployment_intervals i
WHERE i.model = c.model AND i.stage = c.stage AND i."to" IS NULL AND i.via = 'rollback';
