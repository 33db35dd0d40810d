-- Benchmark B baseline: the next batch of 1000 events by server-side COPY
-- from its CSV file. pgbench -D dir=... gives the directory. Needs the simple
-- query protocol (pgbench's default): it substitutes :dir and :n inside the
-- quoted file name, where -M extended or -M prepared would make them $1.
SELECT nextval('bench.copy_seq') AS n \gset
COPY bench.copy_events (event_id, occurred_at, event_name, session_id, device_id, user_id, screen,
	duration_ms, props) FROM ':dir/batch_:n.csv' WITH (FORMAT csv);
