-- The demo database's events, loaded by make demo (test/demo.sh) and by the
-- README test (test/integration/readme.sh): the extension, demo events,
-- partitions, the app's own path, and the maintenance job.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS analytics CASCADE;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION analytics;
-- 200 students over the last 28 days (UTC), then one partition per month
SELECT analytics.generate_demo_events(200, 28, 42) AS demo_events_loaded \gset
SELECT count(*) AS partitions_created FROM analytics.ensure_partitions() \gset
-- the app's own path: one event, and a batch with a bad event in it
SELECT analytics.track('open_screen', '{"screen": "home"}', screen => 'home', user_id => 'user-1',
	session_id => 'live', duration_ms => 4200) IS NOT NULL AS tracked \gset
SELECT * FROM analytics.track_batch('[
	{"event_name": "open_screen", "screen": "search", "user_id": "user-2", "duration_ms": 9000},
	{"event_name": "booking_created", "user_id": "user-2", "props": {"building": "Library"}},
	{"event_name": "", "user_id": "user-3"}]') \gset batch_
SELECT analytics.schedule_maintenance() IS NOT NULL AS maintenance_scheduled \gset
