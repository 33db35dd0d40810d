-- Benchmark B candidate: the next batch of 1000 events, the same events as
-- the CSV files, as one JSON array through analytics.track_batch.
SELECT nextval('bench.batch_seq') AS n \gset
SELECT * FROM analytics.track_batch((SELECT payload FROM bench.batches WHERE id = :n));
