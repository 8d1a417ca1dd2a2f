-- The newest count of each SLO bucket, kept at ingestion next to the append-only measurements, so breach
-- detection sums rows instead of re-reading and de-duplicating every correction ever sent.
CREATE TABLE governance.slo_buckets (
    slo_id       text        NOT NULL,
    bucket_from  timestamptz NOT NULL,
    bucket_to    timestamptz NOT NULL,
    good         bigint      NOT NULL,
    total        bigint      NOT NULL,
    seq          bigint      NOT NULL,
    PRIMARY KEY (slo_id, bucket_from, bucket_to)
);

INSERT INTO governance.slo_buckets (slo_id, bucket_from, bucket_to, good, total, seq)
SELECT DISTINCT ON (slo_id, bucket_from, bucket_to) slo_id, bucket_from, bucket_to, good, total, seq
FROM governance.slo_measurements
ORDER BY slo_id, bucket_from, bucket_to, seq DESC;
