-- Keys have ids and can be revoked; the secret side of a key never travels in an event (docs/security.md).

-- Which keys each principal holds, projected inline from principal streams: ids and dates, never a hash.
CREATE TABLE governance.principal_keys (
    key_id      text        PRIMARY KEY,
    principal   text        NOT NULL,
    issued_at   timestamptz NOT NULL,
    issued_by   text        NOT NULL,
    revoked_at  timestamptz,
    revoked_by  text
);
CREATE INDEX principal_keys_principal ON governance.principal_keys (principal);

-- The SHA-256 of each key. An operational record, not a projection: the command writes it before the event that
-- makes the key live, and a key authenticates only while principal_keys holds it unrevoked, so a row whose event
-- never committed opens nothing.
CREATE TABLE governance.api_key_hashes (
    key_id      text        PRIMARY KEY,
    key_hash    bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Browser sessions: the cookie holds a random id, this table its SHA-256 and the key it was opened with.
CREATE TABLE governance.sessions (
    id_hash     bytea       PRIMARY KEY,
    principal   text        NOT NULL,
    key_id      text        NOT NULL,
    roles       text[]      NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_key_id ON governance.sessions (key_id);
CREATE INDEX sessions_expires_at ON governance.sessions (expires_at);

-- Principals from before key ids keep their key: its id is derived from its hash exactly as the service derives it
-- when it reads such a principal's old events (ApiKeys.LegacyKeyId).
INSERT INTO governance.principal_keys (key_id, principal, issued_at, issued_by)
SELECT encode(substring(sha256(convert_to('legacy:' || encode(key_hash, 'hex'), 'UTF8')) FROM 1 FOR 8), 'hex'),
       name, created_at, created_by
  FROM governance.principals;

INSERT INTO governance.api_key_hashes (key_id, key_hash)
SELECT encode(substring(sha256(convert_to('legacy:' || encode(key_hash, 'hex'), 'UTF8')) FROM 1 FOR 8), 'hex'), key_hash
  FROM governance.principals;

ALTER TABLE governance.principals DROP COLUMN key_hash;
