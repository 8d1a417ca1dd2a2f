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
