-- The log moved onto Marten (ADR 0004): events live in governance.mt_events, their hash chain and appending
-- transaction in governance.event_hashes, stream types in governance.mt_streams. Read models, documents and the
-- audit feed read them through one view with the columns they always had.
CREATE VIEW governance.log_events AS
SELECT e.seq_id AS seq,
       h.tx_id,
       e.id,
       e.stream_id,
       s.type AS stream_type,
       e.version::int AS version,
       e.type,
       e.data,
       jsonb_strip_nulls(jsonb_build_object(
           'actor', e.user_name,
           'correlationId', e.correlation_id,
           'causationId', e.causation_id,
           'traceId', CASE WHEN jsonb_typeof(e.headers) = 'object' THEN e.headers ->> 'traceId' END,
           'headers', CASE WHEN jsonb_typeof(e.headers) = 'object' THEN nullif(e.headers - 'traceId', '{}'::jsonb) END)) AS metadata,
       e.timestamp AS recorded_at,
       e.user_name AS actor,
       h.hash
FROM governance.mt_events e
JOIN governance.event_hashes h ON h.seq_id = e.seq_id
JOIN governance.mt_streams s ON s.id = e.stream_id;

-- The audit feed and model documents filter by model; every model-related event names its model in its body.
-- Marten is told to leave these alone (IgnoreIndex), or its migrator would drop them.
CREATE INDEX IF NOT EXISTS gov_events_model ON governance.mt_events ((data ->> 'model'), seq_id);
CREATE INDEX IF NOT EXISTS gov_events_user_name ON governance.mt_events (user_name, seq_id);
CREATE INDEX IF NOT EXISTS gov_events_type ON governance.mt_events (type, seq_id);
CREATE INDEX IF NOT EXISTS gov_events_stream_pattern ON governance.mt_events (stream_id text_pattern_ops);
