-- src/dashboards.sql: the views behind the app's dashboards.
--
-- Every view exposes plain scalar columns only (text, int, bigint, float8):
-- no arrays, json/jsonb, composites, intervals or timestamptz, so that Power
-- BI in DirectQuery mode can read them. Durations are in seconds (float8).
-- Each view reads analytics.events through a filter on event_name where its
-- definition allows, so the (event_name, occurred_at) index of each partition
-- serves it.
--
-- Properties are read defensively: a property is used only when it has the
-- JSON type the definition expects (jsonb_typeof guards, no casts that can
-- fail), so odd or hand-written events never make a view raise an error.
-- Names (filters, tags, buildings, time windows) are JSON strings; the empty
-- string is not a name.
--
-- analytics.event_counts_daily, the fifth dashboard view, is in
-- src/events.sql.

-- Screen time
--
-- Per screen, over all sessions (events with a session_id; events without one
-- belong to no session and are left out). Within a session, events are taken
-- in order of occurred_at (then event_id, a tie-break only: events at the
-- same instant are 0 seconds apart). A screen view is an event with a
-- non-NULL screen (open_screen in the app).
--   * The time from one event to the next event of its session counts
--     toward the screen last shown (the latest screen view at or before the
--     earlier event); time before the first screen view of a session counts
--     toward nothing.
--   * A gap longer than analytics.session_idle_timeout seconds counts zero
--     (a gap of exactly the timeout counts in full); the screen shown stays
--     the same after the gap.
--   * The last event of a session ends it: nothing counts after it.
--   * A screen view with a non-NULL duration_ms counts duration_ms / 1000
--     seconds instead of the gap-based time up to the next screen view (the
--     app measured it; the idle timeout does not apply to it).
-- total_seconds sums all views of the screen; views counts them; sessions
-- and users count the distinct session_id and user_id of those views (a view
-- without user_id counts in views, not in users); avg_seconds_per_session =
-- total_seconds / sessions.
--
-- The timeout is the analytics.session_idle_timeout setting (seconds,
-- default 1800), read once per query; when the module is not loaded in the
-- session and the setting was never set, the default applies.
--
-- Every event of a session matters (the gaps between all of them count), so
-- this view reads all events with a session_id, not one event_name; the
-- (session_id, occurred_at) index of each partition can supply the order. A
-- filter on screen applies after the per-session pass.
--
-- This body is plain SQL (LEAD over each session). It is to be replaced by the
-- C aggregate analytics.screen_seconds(occurred_at, screen, duration_ms,
-- idle_timeout) per session, read back with analytics.screen_time_rows(), with
-- the same rules and the same columns.
CREATE VIEW analytics.screen_time_stats AS
-- one analytics.screen_seconds state per session (the rules live in the C
-- aggregate; a NULL idle_timeout means analytics.session_idle_timeout)
WITH sessions AS (
	SELECT e.session_id,
		analytics.screen_seconds(e.occurred_at, e.screen, e.duration_ms, NULL::pg_catalog.interval) AS st
	FROM analytics.events e
	WHERE e.session_id IS NOT NULL
	GROUP BY e.session_id
),
per_screen AS (
	SELECT r.screen, pg_catalog.sum(r.seconds) AS total_seconds, pg_catalog.sum(r.views)::bigint AS views,
		pg_catalog.count(*) AS sessions
	FROM sessions s, analytics.screen_time_rows(s.st) r
	GROUP BY r.screen
),
-- users who viewed each screen (a state keeps no users)
viewers AS (
	SELECT e.screen, pg_catalog.count(DISTINCT e.user_id) AS users
	FROM analytics.events e
	WHERE e.session_id IS NOT NULL AND e.screen IS NOT NULL
	GROUP BY e.screen
)
SELECT p.screen, p.total_seconds, p.views, p.sessions, COALESCE(v.users, 0) AS users,
	p.total_seconds / p.sessions AS avg_seconds_per_session
FROM per_screen p
LEFT JOIN viewers v ON v.screen OPERATOR(pg_catalog.=) p.screen;
COMMENT ON VIEW analytics.screen_time_stats IS 'Time spent per screen over all sessions (seconds): time between consecutive events of a session counts toward the screen last shown, gaps over analytics.session_idle_timeout count zero, the last event ends the session, a view with duration_ms counts that instead; events without session_id are left out';
COMMENT ON COLUMN analytics.screen_time_stats.screen IS 'Screen name (events.screen) of the screen views';
COMMENT ON COLUMN analytics.screen_time_stats.total_seconds IS 'Seconds spent on the screen over all sessions (microsecond precision): the time to the next event of the session while the screen was the last shown, a gap over analytics.session_idle_timeout counting 0, or duration_ms / 1000 for a view that has duration_ms';
COMMENT ON COLUMN analytics.screen_time_stats.views IS 'Screen views: events with this screen and a session_id';
COMMENT ON COLUMN analytics.screen_time_stats.sessions IS 'Sessions (distinct session_id) with at least one view of the screen';
COMMENT ON COLUMN analytics.screen_time_stats.users IS 'Distinct non-NULL user_id among the views of the screen (0 when none has one)';
COMMENT ON COLUMN analytics.screen_time_stats.avg_seconds_per_session IS 'total_seconds / sessions, in seconds';

-- Home filters
--
-- One row per filter name applied in home_filters_opened events. props.filters
-- is either an array (each string element is a filter applied) or an object
-- (each key whose value is JSON true is a filter applied; false, null and
-- non-boolean values are not). Anything else (missing, a scalar, non-string
-- array elements, the empty string) applies nothing. A filter named twice in
-- one event is one use. uses = events that applied the filter; users =
-- distinct user_id among them (events without user_id count in uses only).
CREATE VIEW analytics.filter_usage AS
SELECT f.filter,
	pg_catalog.count(*) AS uses,
	pg_catalog.count(DISTINCT e.user_id) AS users
FROM analytics.events e
CROSS JOIN LATERAL (
	SELECT DISTINCT x.filter
	FROM (
		SELECT a.value #>> '{}' AS filter
		FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'filters') = 'array'
			THEN e.props -> 'filters' END) AS a
		WHERE pg_catalog.jsonb_typeof(a.value) = 'string'
		UNION ALL
		SELECT o.key
		FROM pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'filters') = 'object'
			THEN e.props -> 'filters' END) AS o
		WHERE o.value = 'true'::jsonb
	) x
	WHERE x.filter <> ''
) f
WHERE e.event_name = 'home_filters_opened'
GROUP BY f.filter;
COMMENT ON VIEW analytics.filter_usage IS 'Home filters applied, from home_filters_opened events: props.filters as an array of names or an object of booleans (true = applied); uses = events, users = distinct users';
COMMENT ON COLUMN analytics.filter_usage.filter IS 'Filter name: a non-empty string element of props.filters (array form) or a key of props.filters whose value is true (object form), in home_filters_opened events';
COMMENT ON COLUMN analytics.filter_usage.uses IS 'home_filters_opened events that applied the filter (named twice in one event: one use)';
COMMENT ON COLUMN analytics.filter_usage.users IS 'Distinct non-NULL user_id among those events (0 when none has one)';

-- Bookings by tag
--
-- One row per (building, time_window, tag) of booking_created events, with
-- bookings = events carrying that tag. building and time_window are the
-- string props of those names; a missing, null, non-string or empty value
-- shows as '(unknown)'. Tags are the distinct non-empty strings of the
-- props.tags array; a booking with none (tags missing, not an array, empty,
-- or without a string) appears once with tag '(none)'. Labels rather than
-- NULLs, so that BI slicers and filters can select these groups like any
-- other (a real building named '(unknown)' would share its row).
CREATE VIEW analytics.booking_tags AS
SELECT
	CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'building') = 'string' AND e.props ->> 'building' <> ''
		THEN e.props ->> 'building' ELSE '(unknown)' END AS building,
	CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'time_window') = 'string' AND e.props ->> 'time_window' <> ''
		THEN e.props ->> 'time_window' ELSE '(unknown)' END AS time_window,
	COALESCE(t.tag, '(none)') AS tag,
	pg_catalog.count(*) AS bookings
FROM analytics.events e
LEFT JOIN LATERAL (
	SELECT DISTINCT a.value #>> '{}' AS tag
	FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'tags') = 'array'
		THEN e.props -> 'tags' END) AS a
	WHERE pg_catalog.jsonb_typeof(a.value) = 'string' AND a.value #>> '{}' <> ''
) t ON true
WHERE e.event_name = 'booking_created'
GROUP BY 1, 2, 3;
COMMENT ON VIEW analytics.booking_tags IS 'Bookings per building, time window and tag, from booking_created events; a booking without tags counts under tag ''(none)'', a missing building or time window shows as ''(unknown)''';
COMMENT ON COLUMN analytics.booking_tags.building IS 'props.building of the booking_created event; ''(unknown)'' when missing, null, not a string or empty';
COMMENT ON COLUMN analytics.booking_tags.time_window IS 'props.time_window of the booking_created event; ''(unknown)'' when missing, null, not a string or empty';
COMMENT ON COLUMN analytics.booking_tags.tag IS 'A distinct non-empty string of the props.tags array; ''(none)'' for a booking without one';
COMMENT ON COLUMN analytics.booking_tags.bookings IS 'booking_created events with that building, time window and tag (a booking with n tags counts in n rows)';

-- Schedule import funnel
--
-- From schedule_import_step events with a user_id and string props.method
-- and props.step; steps other than the three below (failed, abandoned, ...)
-- are ignored. Per method, per user, over all time:
--   step 1 started:       the user has a started event; t1 = the first one
--   step 2 file_selected: a file_selected event at or after t1; t2 = the first
--   step 3 completed:     a completed event at or after t2
-- (taking the earliest time at each step finds every user who reached the
-- steps in order). users = distinct users who reached the step.
-- A method appears when at least one user started it. dropoff_from_previous =
-- users(step - 1) - users(step), 0 for step 1; dropoff_pct = 100 *
-- dropoff_from_previous / users(step - 1), NULL for step 1 (there is no
-- previous step: NULL, not 0, so averages over steps ignore it) and when
-- users(step - 1) is 0.
--
-- Plain SQL; the C funnel aggregates (analytics.funnel_level) may replace the
-- body later with the same columns.
CREATE VIEW analytics.schedule_import_funnel AS
WITH steps AS (
	SELECT e.props ->> 'method' AS method, e.user_id, e.occurred_at,
		CASE e.props ->> 'step' WHEN 'started' THEN 1 WHEN 'file_selected' THEN 2 ELSE 3 END AS step
	FROM analytics.events e
	WHERE e.event_name = 'schedule_import_step'
		AND e.user_id IS NOT NULL
		AND pg_catalog.jsonb_typeof(e.props -> 'method') = 'string'
		AND pg_catalog.jsonb_typeof(e.props -> 'step') = 'string'
		AND e.props ->> 'step' IN ('started', 'file_selected', 'completed')
),
with_t1 AS (
	SELECT s.*,
		pg_catalog.min(s.occurred_at) FILTER (WHERE s.step = 1) OVER (PARTITION BY s.method, s.user_id) AS t1
	FROM steps s
),
with_t2 AS (
	SELECT s.*,
		pg_catalog.min(s.occurred_at) FILTER (WHERE s.step = 2 AND s.occurred_at >= s.t1)
			OVER (PARTITION BY s.method, s.user_id) AS t2
	FROM with_t1 s
),
per_user AS (
	SELECT s.method, s.user_id,
		pg_catalog.max(s.t1) IS NOT NULL AS reached1,
		pg_catalog.max(s.t2) IS NOT NULL AS reached2,
		COALESCE(pg_catalog.bool_or(s.step = 3 AND s.occurred_at >= s.t2), false) AS reached3
	FROM with_t2 s
	GROUP BY s.method, s.user_id
),
per_method AS (
	SELECT u.method,
		pg_catalog.count(*) FILTER (WHERE u.reached1) AS users1,
		pg_catalog.count(*) FILTER (WHERE u.reached2) AS users2,
		pg_catalog.count(*) FILTER (WHERE u.reached3) AS users3
	FROM per_user u
	GROUP BY u.method
	HAVING pg_catalog.count(*) FILTER (WHERE u.reached1) > 0
)
SELECT m.method, k.step, k.step_name, k.users,
	COALESCE(k.previous - k.users, 0) AS dropoff_from_previous,
	CASE WHEN k.previous > 0
		THEN 100 * (k.previous - k.users)::pg_catalog.float8 / k.previous::pg_catalog.float8
	END AS dropoff_pct
FROM per_method m
CROSS JOIN LATERAL (VALUES
	(1, 'started', m.users1, NULL::pg_catalog.int8),
	(2, 'file_selected', m.users2, m.users1),
	(3, 'completed', m.users3, m.users2)
) AS k(step, step_name, users, previous);
COMMENT ON VIEW analytics.schedule_import_funnel IS 'Schedule import funnel per method (started -> file_selected -> completed): users who reached each step in order, drop-off from the previous step in users and percent (NULL for step 1)';
COMMENT ON COLUMN analytics.schedule_import_funnel.method IS 'props.method of schedule_import_step events (a string); a method appears once a user has started it';
COMMENT ON COLUMN analytics.schedule_import_funnel.step IS 'Step number: 1 started, 2 file_selected, 3 completed';
COMMENT ON COLUMN analytics.schedule_import_funnel.step_name IS 'Step name: started, file_selected or completed (props.step)';
COMMENT ON COLUMN analytics.schedule_import_funnel.users IS 'Distinct user_id who reached the step in order: a started event; then a file_selected at or after their first start; then a completed at or after that first file selection';
COMMENT ON COLUMN analytics.schedule_import_funnel.dropoff_from_previous IS 'users of the previous step - users of this step; 0 for step 1';
COMMENT ON COLUMN analytics.schedule_import_funnel.dropoff_pct IS '100 x dropoff_from_previous / users of the previous step, in percent (0-100); NULL for step 1 and when the previous step has no users';

-- One row: most_common_method = the method with the most users at step 1;
-- highest_dropoff_method and highest_dropoff_step = the method and step_name
-- with the highest dropoff_pct among steps 2 and 3. Ties go to the first in
-- alphabetical (C collation) order of method, then step_name. Equal ratios
-- give equal float8 percentages (one correctly rounded division of exact
-- integers), so ties are exact. NULLs when there is no funnel data.
CREATE VIEW analytics.schedule_import_summary AS
WITH f AS MATERIALIZED (
	SELECT * FROM analytics.schedule_import_funnel
)
SELECT c.method AS most_common_method,
	d.method AS highest_dropoff_method,
	d.step_name AS highest_dropoff_step
FROM (VALUES (1)) AS one (x)
LEFT JOIN (
	SELECT f.method FROM f
	WHERE f.step = 1
	ORDER BY f.users DESC, f.method COLLATE pg_catalog."C"
	LIMIT 1
) c ON true
LEFT JOIN (
	SELECT f.method, f.step_name FROM f
	WHERE f.step > 1 AND f.dropoff_pct IS NOT NULL
	ORDER BY f.dropoff_pct DESC, f.method COLLATE pg_catalog."C", f.step_name COLLATE pg_catalog."C"
	LIMIT 1
) d ON true;
COMMENT ON VIEW analytics.schedule_import_summary IS 'One row: the import method most users started, and the method and step with the highest drop-off percentage (ties: alphabetical)';
COMMENT ON COLUMN analytics.schedule_import_summary.most_common_method IS 'The method with the most users at step 1 of analytics.schedule_import_funnel (ties: first in C collation order); NULL without funnel data';
COMMENT ON COLUMN analytics.schedule_import_summary.highest_dropoff_method IS 'The method of the step 2 or 3 row with the highest dropoff_pct (ties: first method, then step_name, in C collation order); NULL when no such row has a dropoff_pct';
COMMENT ON COLUMN analytics.schedule_import_summary.highest_dropoff_step IS 'The step_name (file_selected or completed) of that row; NULL when highest_dropoff_method is';

GRANT SELECT ON analytics.screen_time_stats, analytics.filter_usage, analytics.booking_tags,
	analytics.schedule_import_funnel, analytics.schedule_import_summary TO analytics_reader;
