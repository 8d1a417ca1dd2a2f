-- The previous store's schema, copied verbatim from src/Governance.EventStore/Migrations (0001_event_store.sql,
-- 0002_lock_stream.sql) before that project was deleted, so the import can be tested against what it wrote.
-- Its migrator created the schema first.
CREATE SCHEMA IF NOT EXISTS governance;

-- 0001_event_store.sql
-- The event log, its streams, and the bookkeeping of projections.
CREATE TABLE governance.events (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx_id        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    id           uuid        NOT NULL UNIQUE,
    stream_id    text        NOT NULL,
    stream_type  text        NOT NULL,
    version      int         NOT NULL,
    type         text        NOT NULL,
    data         jsonb       NOT NULL,
    metadata     jsonb       NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    hash         bytea       NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (stream_id, version),
    CONSTRAINT events_version_positive CHECK (version > 0)
);

CREATE INDEX events_position ON governance.events (tx_id, seq);
CREATE INDEX events_type ON governance.events (type, seq);
CREATE INDEX events_recorded_at ON governance.events (recorded_at);
CREATE INDEX events_actor ON governance.events ((metadata ->> 'actor'), seq);

CREATE TABLE governance.streams (
    id          text        PRIMARY KEY,
    type        text        NOT NULL,
    version     int         NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    archived    boolean     NOT NULL DEFAULT false,
    last_hash   bytea       NOT NULL
);

CREATE TABLE governance.projection_checkpoints (
    name        text        PRIMARY KEY,
    tx_id       xid8        NOT NULL DEFAULT '0',
    seq         bigint      NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    state       text        NOT NULL DEFAULT 'running',
    last_error  text
);

CREATE TABLE governance.dead_letter_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection  text        NOT NULL,
    event_seq   bigint      NOT NULL,
    error       text        NOT NULL,
    attempts    int         NOT NULL,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (projection, event_seq)
);

-- The bytes an event's hash covers. Computed from the stored jsonb text, which PostgreSQL
-- normalises, so the writer and the verifier agree without a canonical-JSON library.
CREATE FUNCTION governance.event_canonical(
    p_id uuid, p_stream_id text, p_stream_type text, p_version int, p_type text,
    p_data jsonb, p_metadata jsonb, p_recorded_at timestamptz)
RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT convert_to(
        p_id::text || chr(31) || p_stream_id || chr(31) || p_stream_type || chr(31) ||
        p_version::text || chr(31) || p_type || chr(31) || p_data::text || chr(31) ||
        p_metadata::text || chr(31) ||
        to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'UTF8')
$$;

-- The chain is computed by the database itself, so no client can write a hash that lies.
CREATE FUNCTION governance.events_chain_hash() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous bytea;
BEGIN
    IF NEW.version > 1 THEN
        SELECT e.hash INTO previous FROM governance.events e
         WHERE e.stream_id = NEW.stream_id AND e.version = NEW.version - 1;
        IF previous IS NULL THEN
            RAISE EXCEPTION 'stream % has no version % to chain to', NEW.stream_id, NEW.version - 1
                USING ERRCODE = '23505';
        END IF;
    ELSE
        previous := '\x'::bytea;
    END IF;
    NEW.hash := sha256(previous || governance.event_canonical(
        NEW.id, NEW.stream_id, NEW.stream_type, NEW.version, NEW.type,
        NEW.data, NEW.metadata, NEW.recorded_at));
    RETURN NEW;
END $$;

CREATE TRIGGER events_chain BEFORE INSERT ON governance.events
    FOR EACH ROW EXECUTE FUNCTION governance.events_chain_hash();

-- The log is append-only in the database, not only by convention.
CREATE FUNCTION governance.events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'governance.events is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501';
END $$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON governance.events
    FOR EACH ROW EXECUTE FUNCTION governance.events_reject_change();

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON governance.events
    FOR EACH STATEMENT EXECUTE FUNCTION governance.events_reject_change();

-- 0002_lock_stream.sql
-- Locks a stream's row and checks the writer's expected version in the same round trip as the inserts that
-- follow it: a mismatch raises GV409 (the actual version in DETAIL) and the whole append rolls back.
-- p_expected: the exact version, 0 for "no stream yet".
CREATE FUNCTION governance.lock_stream(p_stream_id text, p_expected int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    current_version int;
BEGIN
    SELECT version INTO current_version FROM governance.streams WHERE id = p_stream_id FOR UPDATE;
    current_version := coalesce(current_version, 0);
    IF current_version <> p_expected THEN
        RAISE EXCEPTION 'stream % is at version %, not %', p_stream_id, current_version, p_expected
            USING ERRCODE = 'GV409', DETAIL = current_version::text;
    END IF;
    RETURN current_version;
END $$;
