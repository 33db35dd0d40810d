-- Benchmark A baseline: one event as a plain INSERT into an unpartitioned
-- copy of analytics.events, no validation. pgbench sets :client_id.
\set uid random(1, 100000)
\set dur random(0, 60000)
INSERT INTO bench.plain_events (event_id, occurred_at, event_name, session_id, device_id, user_id,
	screen, duration_ms, props)
VALUES (gen_random_uuid(), now(), 'open_screen', 'session-' || :client_id, 'device-' || :client_id,
	'user-' || :uid, 'home', :dur, '{"screen":"home"}'::jsonb);
