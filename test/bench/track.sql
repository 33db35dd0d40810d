-- Benchmark A candidate: the same event through analytics.track.
\set uid random(1, 100000)
\set dur random(0, 60000)
SELECT analytics.track('open_screen', '{"screen":"home"}'::jsonb, now(), 'session-' || :client_id,
	'device-' || :client_id, 'user-' || :uid, 'home', :dur);
