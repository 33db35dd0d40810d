-- Dashboard views: screen time, home filters, booking tags, the schedule
-- import funnel and its summary; plain scalar columns, reader access, index
-- use. Every expected value is worked out by hand in the comment above its
-- query, from the definitions in src/dashboards.sql.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql

-- Events go in with INSERT INTO analytics.events, as the tests run as the
-- superuser: (occurred_at, event_name, session_id, user_id, screen,
-- duration_ms, props), each with a fresh event_id.

-- Screen time: three sessions, inserted out of order, and one event without
-- a session. Only these events have a session_id: every other event of this
-- file has none, so it cannot change screen time. Each session has one user
-- and no two events of a session share an instant, so the values depend on no
-- tie-break and must hold unchanged when the view switches to the C aggregate
-- analytics.screen_seconds.
-- Session sA (user uA), 2026-11-02:
INSERT INTO analytics.events (event_id, occurred_at, event_name, session_id, user_id, screen, duration_ms, props)
SELECT gen_random_uuid(), v.* FROM (VALUES
	('2026-11-02 11:00:20Z'::timestamptz, 'open_screen', 'sA', 'uA', 'booking', 5000::bigint, '{}'::jsonb),
	('2026-11-02 10:00:00Z', 'open_screen', 'sA', 'uA', 'home', NULL, '{}'),
	('2026-11-02 11:01:10Z', 'open_screen', 'sA', 'uA', 'home', NULL, '{}'),
	('2026-11-02 10:01:00Z', 'open_screen', 'sA', 'uA', 'search', NULL, '{}'),
	('2026-11-02 10:00:30Z', 'tap', 'sA', 'uA', NULL, NULL, '{}'),
	('2026-11-02 10:02:00Z', 'tap', 'sA', 'uA', NULL, NULL, '{}'),
	('2026-11-02 11:00:00Z', 'tap', 'sA', 'uA', NULL, NULL, '{}'),
	('2026-11-02 11:00:50Z', 'tap', 'sA', 'uA', NULL, NULL, '{}'),
	-- Session sB (user uA):
	('2026-11-02 09:00:00Z', 'app_start', 'sB', 'uA', NULL, NULL, '{}'),
	('2026-11-02 09:00:10Z', 'open_screen', 'sB', 'uA', 'home', 12500, '{}'),
	('2026-11-02 09:00:40Z', 'open_screen', 'sB', 'uA', 'search', NULL, '{}'),
	('2026-11-02 09:30:40Z', 'tap', 'sB', 'uA', NULL, NULL, '{}'),
	-- Session sC (user uB):
	('2026-11-02 12:00:00Z', 'open_screen', 'sC', 'uB', 'home', NULL, '{}'),
	('2026-11-02 12:00:45Z', 'open_screen', 'sC', 'uB', 'profile', 0, '{}'),
	('2026-11-02 12:01:00Z', 'tap', 'sC', 'uB', NULL, NULL, '{}'),
	-- No session (user uC): left out entirely.
	('2026-11-02 13:00:00Z', 'open_screen', NULL, 'uC', 'home', 99000, '{}'),
	('2026-11-02 13:05:00Z', 'open_screen', NULL, 'uC', 'settings', NULL, '{}')
) AS v;

-- Default timeout 1800 s.
-- sA in time order:
--   10:00:00 home view 1 (no duration) -> 10:00:30 tap: 30 s to home
--   10:00:30 tap -> 10:01:00 search: 30 s to home; home view 1 = 60 s
--   10:01:00 search (no duration) -> 10:02:00 tap: 60 s to search
--   10:02:00 tap -> 11:00:00 tap: 3480 s > 1800, idle, 0 s
--   11:00:00 tap -> 11:00:20 booking: 20 s to search; search view = 80 s
--   11:00:20 booking, duration 5000 ms: 5 s (the 30 s + 20 s up to the next
--            view are replaced by the duration)
--   11:01:10 home view 2: last event of the session, 0 s
-- sB: 09:00:00 app_start -> 09:00:10: before any screen, counts nowhere
--   09:00:10 home, duration 12500 ms: 12.5 s (not the 30 s gap)
--   09:00:40 search -> 09:30:40 tap: 1800 s, exactly the timeout, counts: 1800 s
--   09:30:40 tap: last event
-- sC: 12:00:00 home -> 12:00:45 profile: 45 s to home
--   12:00:45 profile, duration 0 ms: 0 s (not the 15 s up to the tap)
-- uC's events have no session: settings does not appear, home gains nothing.
--   home:    60 + 0 + 12.5 + 45 = 117.5 s; views 4 (sA 2, sB 1, sC 1);
--            sessions 3 (sA, sB, sC); users 2 (uA, uB); avg 117.5 / 3 = 39.167
--   search:  80 + 1800 = 1880 s; views 2; sessions 2; users 1; avg 940
--   booking: 5 s; views 1; sessions 1; users 1; avg 5
--   profile: 0 s; views 1; sessions 1; users 1 (uB); avg 0
SELECT screen, total_seconds, views, sessions, users, round(avg_seconds_per_session::numeric, 3) AS avg_seconds
FROM analytics.screen_time_stats ORDER BY screen COLLATE "C";

-- The timeout follows analytics.session_idle_timeout.
-- 1799 s: sB's 1800 s gap is now idle: search = 80 + 0 = 80 s, avg 80 / 2 = 40;
-- the other screens' gaps (30, 30, 45 s) are unchanged.
SET analytics.session_idle_timeout = 1799;
SHOW analytics.session_idle_timeout;
SELECT screen, total_seconds, views, sessions, users, round(avg_seconds_per_session::numeric, 3) AS avg_seconds
FROM analytics.screen_time_stats ORDER BY screen COLLATE "C";
-- 1 h = 3600 s: sA's 3480 s gap counts: search = (60 + 3480 + 20) + 1800 = 5360 s,
-- avg 5360 / 2 = 2680; home, booking, profile unchanged.
SET analytics.session_idle_timeout = '1h';
SHOW analytics.session_idle_timeout;
SELECT screen, total_seconds, views, sessions, users, round(avg_seconds_per_session::numeric, 3) AS avg_seconds
FROM analytics.screen_time_stats ORDER BY screen COLLATE "C";
RESET analytics.session_idle_timeout;

-- Home filters (no session), 2026-11-03.
INSERT INTO analytics.events (event_id, occurred_at, event_name, session_id, user_id, screen, duration_ms, props)
SELECT gen_random_uuid(), v.* FROM (VALUES
	('2026-11-03 10:00Z'::timestamptz, 'home_filters_opened', NULL::text, 'u1', NULL::text, NULL::bigint, '{"filters": ["place", "time"]}'::jsonb),
	('2026-11-03 10:05Z', 'home_filters_opened', NULL, 'u1', NULL, NULL, '{"filters": ["place"]}'),
	('2026-11-03 10:10Z', 'home_filters_opened', NULL, 'u2', NULL, NULL, '{"filters": {"place": true, "time": false, "close_to_me": true, "utilities": "yes"}}'),
	('2026-11-03 10:15Z', 'home_filters_opened', NULL, 'u2', NULL, NULL, '{"filters": ["time", "time", 3, null, ""]}'),
	('2026-11-03 10:20Z', 'home_filters_opened', NULL, 'u3', NULL, NULL, '{"filters": "place"}'),
	('2026-11-03 10:25Z', 'home_filters_opened', NULL, 'u3', NULL, NULL, '{}'),
	('2026-11-03 10:30Z', 'home_filters_opened', NULL, 'u3', NULL, NULL, '{"filters": {"utilities": {"on": true}, "": true}}'),
	('2026-11-03 10:35Z', 'home_filters_opened', NULL, NULL, NULL, NULL, '{"filters": ["utilities"]}'),
	('2026-11-03 10:40Z', 'home_filters_opened', NULL, 'u4', NULL, NULL, '{"filters": [["place"]]}'),
	('2026-11-03 10:45Z', 'home_filters_opened', NULL, 'u4', NULL, NULL, '[1]'),
	('2026-11-03 10:50Z', 'home_filters_opened', NULL, 'u4', NULL, NULL, '"place"'),
	('2026-11-03 10:55Z', 'home_filters_opened', NULL, 'u4', NULL, NULL, '{"filters": null}'),
	('2026-11-03 11:00Z', 'home_filters_opened', NULL, 'u4', NULL, NULL, '{"filters": {"place": "true"}}'),
	('2026-11-03 11:05Z', 'search_filters_opened', NULL, 'u4', NULL, NULL, '{"filters": ["place"]}')
) AS v;

-- Applied, event by event:
--   u1 array [place, time] -> place, time
--   u1 array [place] -> place
--   u2 object: place true, close_to_me true -> place, close_to_me
--      (time false, utilities "yes" not boolean)
--   u2 array [time, time, 3, null, ""] -> time, once (3 and null are not
--      strings, "" is not a name)
--   u3 a string; no filters; object with {"on": true} and "" -> nothing
--   no user, array [utilities] -> utilities
--   u4 nested array, props an array, props a string, filters null,
--      "true" as a string -> nothing; search_filters_opened is another event
--   close_to_me: uses 1, users 1 (u2)
--   place:       uses 3 (u1, u1, u2), users 2
--   time:        uses 2 (u1, u2), users 2
--   utilities:   uses 1, users 0 (no user_id)
SELECT filter, uses, users FROM analytics.filter_usage ORDER BY filter COLLATE "C";

-- Bookings (no session), 2026-11-04.
INSERT INTO analytics.events (event_id, occurred_at, event_name, session_id, user_id, screen, duration_ms, props)
SELECT gen_random_uuid(), v.* FROM (VALUES
	('2026-11-04 10:00Z'::timestamptz, 'booking_created', NULL::text, 'u1', NULL::text, NULL::bigint, '{"building": "Library", "time_window": "morning", "tags": ["quiet", "group"]}'::jsonb),
	('2026-11-04 10:05Z', 'booking_created', NULL, 'u2', NULL, NULL, '{"building": "Library", "time_window": "morning", "tags": ["quiet"]}'),
	('2026-11-04 10:10Z', 'booking_created', NULL, 'u1', NULL, NULL, '{"building": "Library", "time_window": "morning", "tags": []}'),
	('2026-11-04 10:15Z', 'booking_created', NULL, 'u2', NULL, NULL, '{"building": "Library", "time_window": "morning"}'),
	('2026-11-04 10:20Z', 'booking_created', NULL, 'u3', NULL, NULL, '{"building": "Main", "time_window": "evening", "tags": ["quiet", "quiet", 7]}'),
	('2026-11-04 10:25Z', 'booking_created', NULL, 'u3', NULL, NULL, '{"time_window": "evening", "tags": ["group"]}'),
	('2026-11-04 10:30Z', 'booking_created', NULL, 'u3', NULL, NULL, '{"building": 12, "time_window": null, "tags": "quiet"}'),
	('2026-11-04 10:35Z', 'booking_created', NULL, 'u4', NULL, NULL, '{"building": "", "time_window": "afternoon", "tags": [""]}'),
	('2026-11-04 10:40Z', 'booking_created', NULL, 'u4', NULL, NULL, '[1]'),
	('2026-11-04 10:45Z', 'booking_cancelled', NULL, 'u4', NULL, NULL, '{"building": "Library", "time_window": "morning", "tags": ["quiet"]}')
) AS v;

-- Per booking_created event (building, time_window: tags):
--   1 Library, morning: quiet, group
--   2 Library, morning: quiet
--   3 Library, morning: [] -> (none)
--   4 Library, morning: no tags -> (none)
--   5 Main, evening: quiet (twice, once counted; 7 is not a string)
--   6 no building -> (unknown), evening: group
--   7 building 12 (a number) -> (unknown), time_window null -> (unknown),
--     tags a string, not an array -> (none)
--   8 building "" -> (unknown), afternoon: [""] has no name -> (none)
--   9 props an array -> (unknown), (unknown), (none)
--   booking_cancelled is another event.
--   (unknown) (unknown) (none)  2  (7, 9)
--   (unknown) afternoon (none)  1  (8)
--   (unknown) evening   group   1  (6)
--   Library   morning   (none)  2  (3, 4)
--   Library   morning   group   1  (1)
--   Library   morning   quiet   2  (1, 2)
--   Main      evening   quiet   1  (5)
SELECT building, time_window, tag, bookings FROM analytics.booking_tags
ORDER BY building COLLATE "C", time_window COLLATE "C", tag COLLATE "C";

-- Schedule import funnel (no session), 2026-11-05 unless said.
-- ics
INSERT INTO analytics.events (event_id, occurred_at, event_name, session_id, user_id, screen, duration_ms, props)
SELECT gen_random_uuid(), v.* FROM (VALUES
	('2026-11-05 10:00Z'::timestamptz, 'schedule_import_step', NULL::text, 'u1', NULL::text, NULL::bigint, '{"method": "ics", "step": "started"}'::jsonb),
	('2026-11-05 10:01Z', 'schedule_import_step', NULL, 'u1', NULL, NULL, '{"method": "ics", "step": "file_selected"}'),
	('2026-11-05 10:02Z', 'schedule_import_step', NULL, 'u1', NULL, NULL, '{"method": "ics", "step": "completed"}'),
	('2026-11-05 10:10Z', 'schedule_import_step', NULL, 'u2', NULL, NULL, '{"method": "ics", "step": "started"}'),
	('2026-11-05 10:11Z', 'schedule_import_step', NULL, 'u2', NULL, NULL, '{"method": "ics", "step": "file_selected"}'),
	('2026-11-05 10:12Z', 'schedule_import_step', NULL, 'u2', NULL, NULL, '{"method": "ics", "step": "failed"}'),
	('2026-11-05 10:20Z', 'schedule_import_step', NULL, 'u3', NULL, NULL, '{"method": "ics", "step": "file_selected"}'),
	('2026-11-05 10:21Z', 'schedule_import_step', NULL, 'u3', NULL, NULL, '{"method": "ics", "step": "started"}'),
	('2026-11-05 10:22Z', 'schedule_import_step', NULL, 'u3', NULL, NULL, '{"method": "ics", "step": "completed"}'),
	('2026-11-05 10:30Z', 'schedule_import_step', NULL, 'u4', NULL, NULL, '{"method": "ics", "step": "started"}'),
	('2026-11-05 10:31Z', 'schedule_import_step', NULL, 'u4', NULL, NULL, '{"method": "ics", "step": "completed"}'),
	-- pdf
	('2026-11-05 11:00Z', 'schedule_import_step', NULL, 'u1', NULL, NULL, '{"method": "pdf", "step": "started"}'),
	('2026-11-05 11:01Z', 'schedule_import_step', NULL, 'u1', NULL, NULL, '{"method": "pdf", "step": "file_selected"}'),
	('2026-11-05 11:02Z', 'schedule_import_step', NULL, 'u1', NULL, NULL, '{"method": "pdf", "step": "completed"}'),
	('2026-11-05 11:10:00Z', 'schedule_import_step', NULL, 'u5', NULL, NULL, '{"method": "pdf", "step": "started"}'),
	('2026-11-05 11:10:00Z', 'schedule_import_step', NULL, 'u5', NULL, NULL, '{"method": "pdf", "step": "file_selected"}'),
	('2026-11-05 11:10:30Z', 'schedule_import_step', NULL, 'u5', NULL, NULL, '{"method": "pdf", "step": "failed"}'),
	('2026-11-05 11:20Z', 'schedule_import_step', NULL, 'u6', NULL, NULL, '{"method": "pdf", "step": "started"}'),
	('2026-11-05 11:21Z', 'schedule_import_step', NULL, 'u6', NULL, NULL, '{"method": "pdf", "step": "abandoned"}'),
	('2026-11-06 09:00Z', 'schedule_import_step', NULL, 'u6', NULL, NULL, '{"method": "pdf", "step": "started"}'),
	('2026-11-06 09:01Z', 'schedule_import_step', NULL, 'u6', NULL, NULL, '{"method": "pdf", "step": "file_selected"}'),
	('2026-11-05 11:30Z', 'schedule_import_step', NULL, 'u7', NULL, NULL, '{"method": "pdf", "step": "started"}'),
	-- manual
	('2026-11-05 12:00Z', 'schedule_import_step', NULL, 'u8', NULL, NULL, '{"method": "manual", "step": "started"}'),
	('2026-11-05 12:01Z', 'schedule_import_step', NULL, 'u8', NULL, NULL, '{"method": "manual", "step": "file_selected"}'),
	('2026-11-05 12:02Z', 'schedule_import_step', NULL, 'u8', NULL, NULL, '{"method": "manual", "step": "completed"}'),
	('2026-11-05 12:10Z', 'schedule_import_step', NULL, 'u9', NULL, NULL, '{"method": "manual", "step": "started"}'),
	('2026-11-05 12:11Z', 'schedule_import_step', NULL, 'u9', NULL, NULL, '{"method": "manual", "step": "abandoned"}')
) AS v;
-- left out: no user; no method; a method that is a number or an array; an
-- unknown step; a method nobody started (csv)
INSERT INTO analytics.events (event_id, occurred_at, event_name, session_id, user_id, screen, duration_ms, props)
SELECT gen_random_uuid(), v.* FROM (VALUES
	('2026-11-05 12:20Z'::timestamptz, 'schedule_import_step', NULL::text, NULL::text, NULL::text, NULL::bigint, '{"method": "ics", "step": "started"}'::jsonb),
	('2026-11-05 12:30Z', 'schedule_import_step', NULL, 'u10', NULL, NULL, '{"step": "started"}'),
	('2026-11-05 12:31Z', 'schedule_import_step', NULL, 'u10', NULL, NULL, '{"method": 5, "step": "started"}'),
	('2026-11-05 12:32Z', 'schedule_import_step', NULL, 'u10', NULL, NULL, '{"method": "ics", "step": "reviewed"}'),
	('2026-11-05 12:40Z', 'schedule_import_step', NULL, 'u12', NULL, NULL, '{"method": "csv", "step": "completed"}'),
	('2026-11-05 12:41Z', 'schedule_import_step', NULL, 'u12', NULL, NULL, '{"method": ["ics"], "step": "started"}')
) AS v;

-- ics: started u1, u2, u3, u4 (the user-less start is left out) = 4
--   file_selected at or after the first start: u1 (10:01 >= 10:00),
--   u2 (10:11 >= 10:10); u3's file_selected (10:20) came before its start
--   (10:21); u4 has none -> 2
--   completed at or after that file_selected: u1 (10:02 >= 10:01); u2 failed;
--   u3 and u4 completed without a file_selected after starting -> 1
--   drop-off: step 2: 4 - 2 = 2, 100 * 2 / 4 = 50; step 3: 2 - 1 = 1, 100 * 1 / 2 = 50
-- manual: started u8, u9 = 2; file_selected u8 = 1; completed u8 = 1
--   step 2: 1, 50; step 3: 0, 0
-- pdf: started u1, u5, u6, u7 = 4
--   file_selected: u1; u5 at the same instant as its start (at or after
--   counts); u6 the next day, after its first start -> 3
--   completed: u1 -> 1
--   step 2: 4 - 3 = 1, 100 * 1 / 4 = 25; step 3: 3 - 1 = 2, 100 * 2 / 3 = 66.67
-- csv: nobody started, no rows. Step 1: drop-off 0, percent NULL.
SELECT method, step, step_name, users, dropoff_from_previous, round(dropoff_pct::numeric, 2) AS dropoff_pct
FROM analytics.schedule_import_funnel ORDER BY method COLLATE "C", step;

-- Summary: most users started: ics 4 = pdf 4 > manual 2, tie -> ics.
-- Highest drop-off among steps 2-3: pdf completed 66.67 (then ics 50, 50,
-- manual 50, pdf 25, manual 0) -> pdf, completed.
SELECT * FROM analytics.schedule_import_summary;

-- Ties on the highest drop-off, across methods: another manual user who only
-- starts makes manual 3, 1, 1: step 2 drop-off 2, 100 * 2 / 3 = 66.67, equal
-- to pdf completed (100 * 2 / 3) -> alphabetical: manual, file_selected.
-- Started: ics 4, pdf 4, manual 3 -> ics.
BEGIN;
INSERT INTO analytics.events (event_id, occurred_at, event_name, user_id, props)
VALUES (gen_random_uuid(), '2026-11-05 12:50Z', 'schedule_import_step', 'u11', '{"method": "manual", "step": "started"}');
SELECT method, step, users, dropoff_from_previous, round(dropoff_pct::numeric, 2) AS dropoff_pct
FROM analytics.schedule_import_funnel WHERE method = 'manual' ORDER BY step;
SELECT * FROM analytics.schedule_import_summary;
ROLLBACK;

-- Ties within a method: without pdf, the highest drop-off is 50 at
-- (ics, completed), (ics, file_selected) and (manual, file_selected) ->
-- ics, completed (completed < file_selected). Started: ics 4 > manual 2.
BEGIN;
DELETE FROM analytics.events WHERE event_name = 'schedule_import_step' AND props ->> 'method' = 'pdf';
SELECT * FROM analytics.schedule_import_summary;
ROLLBACK;

-- No funnel data: one row of NULLs, and no funnel rows.
BEGIN;
DELETE FROM analytics.events WHERE event_name = 'schedule_import_step';
SELECT count(*) AS funnel_rows FROM analytics.schedule_import_funnel;
SELECT * FROM analytics.schedule_import_summary;
ROLLBACK;

-- Only plain scalar columns: no arrays, json/jsonb, composites, domains,
-- enums, ranges, intervals or timestamptz in any dashboard view.
SELECT c.relname AS view, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.oid IN ('analytics.screen_time_stats'::regclass, 'analytics.filter_usage'::regclass,
		'analytics.booking_tags'::regclass, 'analytics.schedule_import_funnel'::regclass,
		'analytics.schedule_import_summary'::regclass, 'analytics.event_counts_daily'::regclass)
	AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;
-- Columns that are not plain scalars, per relation: the check itself is
-- shown to catch each kind on a view made of them (5 of its 6 columns).
CREATE FUNCTION pg_temp.not_plain_columns(rel regclass) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
	WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
		AND (t.typtype <> 'b' OR t.typcategory = 'A'
			OR t.oid IN ('json'::regtype, 'jsonb'::regtype, 'interval'::regtype, 'timestamptz'::regtype))
$$;
CREATE TEMP VIEW not_plain AS SELECT ARRAY[1] AS a, '{}'::jsonb AS j, interval '1 s' AS i,
	now() AS t, NULL::analytics.parsed_event AS r, 1.5::float8 AS fine;
SELECT pg_temp.not_plain_columns('not_plain') AS not_plain_in_control;
DROP VIEW not_plain;
SELECT c.relname AS view, c.relkind, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented,
	pg_temp.not_plain_columns(c.oid) AS not_plain_columns
FROM pg_class c
WHERE c.relnamespace = 'analytics'::regnamespace
	AND c.relname IN ('screen_time_stats', 'filter_usage', 'booking_tags', 'schedule_import_funnel',
		'schedule_import_summary', 'event_counts_daily')
ORDER BY c.relname;

-- Readers can read every dashboard view; a login without the role cannot.
CREATE ROLE dash_bi LOGIN IN ROLE analytics_reader;
CREATE ROLE dash_nobody LOGIN;
SET ROLE dash_bi;
-- rows, by the counts above: 4 screens, 4 filters, 7 booking rows,
-- 3 methods x 3 steps, 1 summary row
SELECT (SELECT count(*) FROM analytics.screen_time_stats) AS screen_time_stats,
	(SELECT count(*) FROM analytics.filter_usage) AS filter_usage,
	(SELECT count(*) FROM analytics.booking_tags) AS booking_tags,
	(SELECT count(*) FROM analytics.schedule_import_funnel) AS schedule_import_funnel,
	(SELECT count(*) FROM analytics.schedule_import_summary) AS schedule_import_summary,
	(SELECT count(*) > 0 FROM analytics.event_counts_daily) AS event_counts_daily;
SELECT (SELECT count(*) FROM analytics.screen_time_stats_daily) > 0 AS screen_time_stats_daily,
	(SELECT count(*) FROM analytics.filter_usage_daily) > 0 AS filter_usage_daily,
	(SELECT count(*) FROM analytics.booking_tags_daily) > 0 AS booking_tags_daily,
	(SELECT count(*) FROM analytics.schedule_import_funnel_daily) > 0 AS schedule_import_funnel_daily,
	(SELECT count(*) FROM analytics.schedule_import_summary_daily) > 0 AS schedule_import_summary_daily;
RESET ROLE;
SET ROLE dash_nobody;
SELECT count(*) FROM analytics.screen_time_stats;
SELECT count(*) FROM analytics.schedule_import_summary;
RESET ROLE;

-- Views bind their functions and operators when created: planted shadows
-- change nothing (same answers as above).
CREATE FUNCTION public.jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'array' $$;
CREATE FUNCTION public.count(bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$;
CREATE FUNCTION public.text_never_equal(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_never_equal);
SET search_path = public, pg_catalog;
SELECT filter, uses, users FROM analytics.filter_usage ORDER BY filter COLLATE "C";
SELECT * FROM analytics.schedule_import_summary;
RESET search_path;
DROP OPERATOR public.= (text, text);
DROP FUNCTION public.jsonb_typeof(jsonb), public.count(bigint), public.text_never_equal(text, text);

-- The event_name filter of each view reaches the (event_name, occurred_at)
-- index of the partitions (sequential scans off: the table is tiny).
SET enable_seqscan = off;
SELECT v AS view, pg_temp.plan_mentions('SELECT * FROM analytics.' || v, 'events_default_name_time') AS uses_name_index
FROM unnest(ARRAY['filter_usage', 'booking_tags', 'schedule_import_funnel', 'schedule_import_summary']) v;
RESET enable_seqscan;

-- Daily forms (analytics.<view>_daily), on a fresh set of events in three
-- monthly partitions (2026-01 to 2026-03; now is 2026-03-20):
--   home_filters_opened: 01-15 u1 ["a", "b"]; 02-10 u1 {"a": true};
--     02-10 23:30 u2 ["a"]; 03-05 u2 ["b"]
--     -> (01-15, a, 1 use, 1 user), (01-15, b, 1, 1), (02-10, a, 2, 2),
--        (03-05, b, 1, 1); summed: a 3 uses, b 2 (filter_usage: a 3 uses
--        2 users, b 2 uses 2 users: users do not add up, 1 + 2 for a)
--   booking_created: 01-20 X/am ["t"]; 02-11 X/am ["t", "u"]; 03-06 no
--     building, window or tags -> (01-20, X, am, t, 1), (02-11, X, am, t, 1),
--     (02-11, X, am, u, 1), (03-06, (unknown), (unknown), (none), 1)
--   sessions: s1 (u1) 01-31 23:50 home, 02-01 00:10 list, 02-01 00:20 tap:
--     starts 01-31, home 20 min = 1200 s, list 10 min = 600 s (the last
--     event ends it); s2 (u2) 03-07 12:00 home, 12:05 tap: home 300 s
--     -> (01-31, home, 1200 s, 1 view, 1 session, 1 user, 1200),
--        (01-31, list, 600, 1, 1, 1, 600), (03-07, home, 300, 1, 1, 1, 300):
--        s1 is counted whole on its start day, not on 02-01
--   schedule_import_step, method csv: u1 started 01-10, file_selected
--     02-02, completed 03-03; u2 started 02-15 and again 03-01 (cohort:
--     the first start, 02-15)
--     -> 01-10: started 1, file_selected 1 (drop 0, 0 %), completed 1
--        (0, 0 %); 02-15: started 1, file_selected 0 (drop 1, 100 %),
--        completed 0 (drop 0, NULL: no previous users); all time: 2, 1, 1
--     summary: 01-10 csv, the top drop-off a tie at 0 % between
--     file_selected and completed: completed (C order); 02-15 csv,
--     file_selected
DELETE FROM analytics.events;
SET analytics.mock_now = '2026-03-20 12:00Z';
INSERT INTO analytics.events (event_id, occurred_at, received_at, event_name, session_id, user_id, screen, props)
SELECT gen_random_uuid(), v.ts, v.ts, v.name, v.session_id, v.user_id, v.screen, v.props
FROM (VALUES
	('2026-01-15 10:00Z'::timestamptz, 'home_filters_opened', NULL::text, 'u1', NULL::text, '{"filters": ["a", "b"]}'::jsonb),
	('2026-02-10 09:00Z', 'home_filters_opened', NULL, 'u1', NULL, '{"filters": {"a": true}}'),
	('2026-02-10 23:30Z', 'home_filters_opened', NULL, 'u2', NULL, '{"filters": ["a"]}'),
	('2026-03-05 08:00Z', 'home_filters_opened', NULL, 'u2', NULL, '{"filters": ["b"]}'),
	('2026-01-20 10:00Z', 'booking_created', NULL, 'u1', NULL, '{"building": "X", "time_window": "am", "tags": ["t"]}'),
	('2026-02-11 10:00Z', 'booking_created', NULL, 'u1', NULL, '{"building": "X", "time_window": "am", "tags": ["t", "u"]}'),
	('2026-03-06 10:00Z', 'booking_created', NULL, 'u2', NULL, '{}'),
	('2026-01-31 23:50Z', 'open_screen', 's1', 'u1', 'home', '{}'),
	('2026-02-01 00:10Z', 'open_screen', 's1', 'u1', 'list', '{}'),
	('2026-02-01 00:20Z', 'tap', 's1', 'u1', NULL, '{}'),
	('2026-03-07 12:00Z', 'open_screen', 's2', 'u2', 'home', '{}'),
	('2026-03-07 12:05Z', 'tap', 's2', 'u2', NULL, '{}'),
	('2026-01-10 10:00Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "csv", "step": "started"}'),
	('2026-02-02 10:00Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "csv", "step": "file_selected"}'),
	('2026-03-03 10:00Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "csv", "step": "completed"}'),
	('2026-02-15 10:00Z', 'schedule_import_step', NULL, 'u2', NULL, '{"method": "csv", "step": "started"}'),
	('2026-03-01 10:00Z', 'schedule_import_step', NULL, 'u2', NULL, '{"method": "csv", "step": "started"}')
) AS v(ts, name, session_id, user_id, screen, props);
SELECT count(*) AS partitions_created FROM analytics.ensure_partitions('1 month');
SELECT * FROM analytics.filter_usage_daily ORDER BY day, filter COLLATE "C";
SELECT * FROM analytics.booking_tags_daily ORDER BY day, tag COLLATE "C";
SELECT * FROM analytics.screen_time_stats_daily ORDER BY day, screen COLLATE "C";
SELECT * FROM analytics.schedule_import_funnel_daily ORDER BY day, method, step;
SELECT * FROM analytics.schedule_import_summary_daily ORDER BY day;
-- the additive figures summed over the days equal the all-time views (no
-- row either way)
(SELECT filter, sum(uses) FROM analytics.filter_usage_daily GROUP BY 1
 EXCEPT SELECT filter, uses FROM analytics.filter_usage)
UNION ALL
(SELECT filter, uses FROM analytics.filter_usage
 EXCEPT SELECT filter, sum(uses) FROM analytics.filter_usage_daily GROUP BY 1);
(SELECT building, time_window, tag, sum(bookings) FROM analytics.booking_tags_daily GROUP BY 1, 2, 3
 EXCEPT SELECT building, time_window, tag, bookings FROM analytics.booking_tags)
UNION ALL
(SELECT building, time_window, tag, bookings FROM analytics.booking_tags
 EXCEPT SELECT building, time_window, tag, sum(bookings) FROM analytics.booking_tags_daily GROUP BY 1, 2, 3);
(SELECT screen, sum(total_seconds), sum(views), sum(sessions) FROM analytics.screen_time_stats_daily GROUP BY 1
 EXCEPT SELECT screen, total_seconds, views, sessions FROM analytics.screen_time_stats)
UNION ALL
(SELECT screen, total_seconds, views, sessions FROM analytics.screen_time_stats
 EXCEPT SELECT screen, sum(total_seconds), sum(views), sum(sessions) FROM analytics.screen_time_stats_daily GROUP BY 1);
(SELECT method, step, sum(users), sum(dropoff_from_previous) FROM analytics.schedule_import_funnel_daily GROUP BY 1, 2
 EXCEPT SELECT method, step, users, dropoff_from_previous FROM analytics.schedule_import_funnel)
UNION ALL
(SELECT method, step, users, dropoff_from_previous FROM analytics.schedule_import_funnel
 EXCEPT SELECT method, step, sum(users), sum(dropoff_from_previous) FROM analytics.schedule_import_funnel_daily GROUP BY 1, 2);

-- Power BI's shape with a date filter from 2026-02-01: the partitions read
-- (pg_temp.partitions_read: the scans that ran), and the same rows as the
-- unfiltered view restricted to those days (EXCEPT both ways: 0 rows).
--   filter_usage_daily, booking_tags_daily: February and March only.
--   screen_time_stats_daily: every partition from February on (the later
--     events of the sessions started: March, the empty April and the
--     default partition through their (session_id, occurred_at) index), and
--     January's index once for s1 (it has events on 02-01: did it start
--     before? yes, on 01-31: not a February session).
--   schedule_import_funnel_daily and _summary_daily: every partition (a
--     cohort's first start and later steps can be on any day).
CREATE TEMP TABLE bi_views (v text, cols text);
INSERT INTO bi_views VALUES
	('filter_usage_daily', '"day", "filter", sum("uses") AS uses, sum("users") AS users'),
	('booking_tags_daily', '"day", "building", "time_window", "tag", sum("bookings") AS bookings'),
	('screen_time_stats_daily', '"day", "screen", sum("total_seconds") AS s, sum("views") AS v, sum("sessions") AS n, sum("users") AS u'),
	('schedule_import_funnel_daily', '"day", "method", "step", sum("users") AS users, sum("dropoff_pct") AS pct'),
	('schedule_import_summary_daily', '"day", "most_common_method", "highest_dropoff_method", "highest_dropoff_step", count(*) AS n');
CREATE FUNCTION pg_temp.bi_query(v text, cols text, since date) RETURNS text
LANGUAGE sql RETURN format('select %s from (select * from analytics.%I) "$Table" where "day" >= date %L group by %s limit 1000001',
	cols, v, since, (SELECT string_agg(i::text, ', ') FROM generate_series(1, array_length(string_to_array(cols, ', "'), 1)) i));
CREATE FUNCTION pg_temp.bi_mismatches(v text, cols text, since date) RETURNS bigint
LANGUAGE sql RETURN pg_temp.except_both(pg_temp.bi_query(v, cols, since),
	format('SELECT * FROM (%s) w WHERE w.day >= %L',
		replace(pg_temp.bi_query(v, cols, since), format('where "day" >= date %L', since), ''), since));
SELECT v AS view, pg_temp.partitions_read(pg_temp.bi_query(v, cols, '2026-02-01')) AS partitions_read,
	pg_temp.bi_mismatches(v, cols, '2026-02-01') AS mismatches
FROM bi_views ORDER BY v;
RESET analytics.mock_now;

DROP EXTENSION analytics CASCADE;
DROP ROLE dash_bi, dash_nobody;
