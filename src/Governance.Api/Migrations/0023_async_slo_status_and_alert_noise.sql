-- SLO status and alert noise are written by Marten's async daemon (DESIGN §3). What a command reads stays inline: an
-- SLO's definition (ingestion refuses an unknown SLO), an alert's identity and state (one unresolved alert per dedup
-- key, checked by the index in the append transaction), the on-call queue.

-- An SLO's active breach is its slo_breaches row not yet recovered; the copy on governance.slos goes, so the inline
-- table holds nothing the daemon writes.
ALTER TABLE governance.slos DROP COLUMN breach_kind, DROP COLUMN breach_since, DROP COLUMN incident_id;
CREATE INDEX slo_breaches_active ON governance.slo_breaches (slo_id) WHERE recovered_at IS NULL;

-- One row per alert with what the noise report and the shift report count: its rule and team, when it fired, and
-- whether, when and as what it was acknowledged.
CREATE TABLE governance.alert_noise (
    alert_id        text        PRIMARY KEY,
    rule            text        NOT NULL,
    team            text,
    fired_at        timestamptz NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text,
    actionable      boolean
);
-- Served at once after the upgrade; the new projection then replays the log over them (its writes are idempotent).
INSERT INTO governance.alert_noise (alert_id, rule, team, fired_at, acknowledged_at, acknowledged_by, actionable)
SELECT id, rule, team, fired_at, acknowledged_at, acknowledged_by, actionable FROM governance.alerts;
CREATE INDEX alert_noise_rule_fired ON governance.alert_noise (rule, fired_at);
CREATE INDEX alert_noise_team_fired ON governance.alert_noise (team, fired_at);

DROP INDEX governance.alerts_rule_fired;
DROP INDEX governance.alerts_team_fired;
ALTER TABLE governance.alerts DROP COLUMN acknowledged_at, DROP COLUMN acknowledged_by, DROP COLUMN actionable;
