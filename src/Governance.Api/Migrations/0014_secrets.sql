-- Keys the service derives from its database, so every node of one deployment shares them and a new database gets
-- new ones. gen_random_uuid() draws from the server's strong random source; two of them give 244 random bits.
CREATE TABLE governance.secrets (
    name text PRIMARY KEY,
    value bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

INSERT INTO governance.secrets (name, value)
VALUES ('audit-cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
