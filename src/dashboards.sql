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
-- src/events.sql. Each view has a daily form, analytics.<view>_daily, at the
-- end of this file.

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

-- Daily forms
--
-- Power BI filters every page by date, so each dashboard view has a daily
-- form with a UTC day column first: analytics.<view>_daily. The views above
-- stay as they were, the all-time figures, since most of their figures do
-- not add up across days (distinct users and sessions, medians, ratios,
-- one-row summaries). In each daily view, the counts and sums that do add up
-- (summed over all days they equal the all-time view's figure) say so in
-- their comments; the others are that day's own figure.
--
-- filter_usage_daily and booking_tags_daily count the events of each day:
-- like analytics.event_counts_daily, a series of days (the filter on day
-- applies to it) with a LATERAL scan of each day's occurred_at range, so a
-- filter on day reads only the partitions of those days.
--
-- screen_time_stats_daily counts each session on the UTC day of its first
-- event (its start day), with all of its events: a session crossing midnight
-- stays whole, and total_seconds, views and sessions add up across days to
-- screen_time_stats. A filter on day reads the partitions from the first
-- day kept on (the sessions started that day and their later events) and
-- probes the (session_id, occurred_at) index of earlier partitions once per
-- session (whether it started before).
--
-- schedule_import_funnel_daily counts each user and method on the UTC day
-- of the user's first start (a cohort), with the steps reached at any time
-- after it: users and dropoff_from_previous add up across days to
-- schedule_import_funnel. A cohort's first start can only be known from all
-- earlier events, and its later steps come from any later day, so this view
-- and schedule_import_summary_daily read every schedule_import_step event
-- (through the (event_name, occurred_at) index of each partition) whatever
-- the filter on day.

CREATE VIEW analytics.filter_usage_daily AS
SELECT d.day, u.filter, u.uses, u.users
FROM analytics_internal._event_days() AS d(day)
CROSS JOIN LATERAL (
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
		AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
		AND e.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', (d.day OPERATOR(pg_catalog.+) 1)::timestamp)
	GROUP BY f.filter
) u;
COMMENT ON VIEW analytics.filter_usage_daily IS 'analytics.filter_usage per UTC day of the home_filters_opened events: uses add up across days to filter_usage.uses, users are that day''s distinct users; a filter on day reads only the partitions of those days';
COMMENT ON COLUMN analytics.filter_usage_daily.day IS 'UTC calendar day of the events'' occurred_at';
COMMENT ON COLUMN analytics.filter_usage_daily.filter IS 'Filter name, as in analytics.filter_usage';
COMMENT ON COLUMN analytics.filter_usage_daily.uses IS 'home_filters_opened events that day that applied the filter; summed over all days: filter_usage.uses';
COMMENT ON COLUMN analytics.filter_usage_daily.users IS 'Distinct non-NULL user_id among those events of the day (0 when none has one); does not add up across days';

CREATE VIEW analytics.booking_tags_daily AS
SELECT d.day, b.building, b.time_window, b.tag, b.bookings
FROM analytics_internal._event_days() AS d(day)
CROSS JOIN LATERAL (
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
		AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
		AND e.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', (d.day OPERATOR(pg_catalog.+) 1)::timestamp)
	GROUP BY 1, 2, 3
) b;
COMMENT ON VIEW analytics.booking_tags_daily IS 'analytics.booking_tags per UTC day of the booking_created events; bookings add up across days to booking_tags.bookings; a filter on day reads only the partitions of those days';
COMMENT ON COLUMN analytics.booking_tags_daily.day IS 'UTC calendar day of the events'' occurred_at';
COMMENT ON COLUMN analytics.booking_tags_daily.building IS 'props.building, as in analytics.booking_tags';
COMMENT ON COLUMN analytics.booking_tags_daily.time_window IS 'props.time_window, as in analytics.booking_tags';
COMMENT ON COLUMN analytics.booking_tags_daily.tag IS 'A tag, or ''(none)'', as in analytics.booking_tags';
COMMENT ON COLUMN analytics.booking_tags_daily.bookings IS 'booking_created events that day with that building, time window and tag; summed over all days: booking_tags.bookings';

-- The sessions whose first event is on the given UTC day: those with an
-- event that day and none before it (a probe of the (session_id,
-- occurred_at) index of the earlier partitions per session).
CREATE FUNCTION analytics_internal._sessions_started(day date)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT s.session_id
FROM (SELECT DISTINCT e.session_id
	FROM analytics.events e
	WHERE e.session_id IS NOT NULL
		AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', day::timestamp)
		AND e.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', (day OPERATOR(pg_catalog.+) 1)::timestamp)) s
-- a scalar subquery with LIMIT stays a probe per session (NOT EXISTS could
-- become an anti join reading every earlier event)
WHERE (SELECT 1 FROM analytics.events p
		WHERE p.session_id OPERATOR(pg_catalog.=) s.session_id
			AND p.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', day::timestamp)
		LIMIT 1) IS NULL
$$;
COMMENT ON FUNCTION analytics_internal._sessions_started(date) IS 'Internal: the session_id of the sessions whose first event is on the given UTC day';

CREATE VIEW analytics.screen_time_stats_daily AS
SELECT d.day, x.screen, x.total_seconds, x.views, x.sessions, x.users, x.avg_seconds_per_session
FROM analytics_internal._event_days() AS d(day)
CROSS JOIN LATERAL (
	SELECT p.screen, p.total_seconds, p.views, p.sessions, COALESCE(v.users, 0) AS users,
		p.total_seconds / p.sessions AS avg_seconds_per_session
	FROM (
		SELECT r.screen, pg_catalog.sum(r.seconds) AS total_seconds, pg_catalog.sum(r.views)::bigint AS views,
			pg_catalog.count(*) AS sessions
		FROM (
			-- one analytics.screen_seconds state per session started that day,
			-- over all of its events
			SELECT e.session_id,
				analytics.screen_seconds(e.occurred_at, e.screen, e.duration_ms, NULL::pg_catalog.interval) AS st
			FROM analytics.events e
			WHERE e.session_id IN (SELECT z.session_id FROM analytics_internal._sessions_started(d.day) AS z(session_id))
				AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
			GROUP BY e.session_id
		) s, analytics.screen_time_rows(s.st) r
		GROUP BY r.screen
	) p
	LEFT JOIN (
		SELECT e.screen, pg_catalog.count(DISTINCT e.user_id) AS users
		FROM analytics.events e
		WHERE e.session_id IN (SELECT z.session_id FROM analytics_internal._sessions_started(d.day) AS z(session_id))
			AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
			AND e.screen IS NOT NULL
		GROUP BY e.screen
	) v ON v.screen OPERATOR(pg_catalog.=) p.screen
) x;
COMMENT ON VIEW analytics.screen_time_stats_daily IS 'analytics.screen_time_stats per UTC day a session started (the day of its first event), each session whole: total_seconds, views and sessions add up across days to screen_time_stats, users and avg_seconds_per_session are the day''s own';
COMMENT ON COLUMN analytics.screen_time_stats_daily.day IS 'UTC calendar day of the first event of the sessions counted';
COMMENT ON COLUMN analytics.screen_time_stats_daily.screen IS 'Screen name (events.screen) of the screen views';
COMMENT ON COLUMN analytics.screen_time_stats_daily.total_seconds IS 'Seconds spent on the screen in the sessions started that day (all of their events, rules as in screen_time_stats); summed over all days: screen_time_stats.total_seconds';
COMMENT ON COLUMN analytics.screen_time_stats_daily.views IS 'Screen views in the sessions started that day; summed over all days: screen_time_stats.views';
COMMENT ON COLUMN analytics.screen_time_stats_daily.sessions IS 'Sessions started that day with at least one view of the screen; summed over all days: screen_time_stats.sessions';
COMMENT ON COLUMN analytics.screen_time_stats_daily.users IS 'Distinct non-NULL user_id among the views of the screen in those sessions (0 when none has one); does not add up across days';
COMMENT ON COLUMN analytics.screen_time_stats_daily.avg_seconds_per_session IS 'total_seconds / sessions of the day, in seconds';

CREATE VIEW analytics.schedule_import_funnel_daily AS
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
		(pg_catalog.timezone('UTC', pg_catalog.max(s.t1)))::date AS day,
		pg_catalog.max(s.t2) IS NOT NULL AS reached2,
		COALESCE(pg_catalog.bool_or(s.step = 3 AND s.occurred_at >= s.t2), false) AS reached3
	FROM with_t2 s
	GROUP BY s.method, s.user_id
	HAVING pg_catalog.max(s.t1) IS NOT NULL
),
per_method AS (
	SELECT u.day, u.method,
		pg_catalog.count(*) AS users1,
		pg_catalog.count(*) FILTER (WHERE u.reached2) AS users2,
		pg_catalog.count(*) FILTER (WHERE u.reached3) AS users3
	FROM per_user u
	GROUP BY u.day, u.method
)
SELECT m.day, m.method, k.step, k.step_name, k.users,
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
COMMENT ON VIEW analytics.schedule_import_funnel_daily IS 'analytics.schedule_import_funnel per cohort: the UTC day of each user''s first start of the method, with the steps the user reached at any time after it; users and dropoff_from_previous add up across days to schedule_import_funnel';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.day IS 'UTC calendar day of the user''s first started event for the method (the cohort)';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.method IS 'props.method of schedule_import_step events (a string); a method appears on the days a user first started it';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.step IS 'Step number: 1 started, 2 file_selected, 3 completed';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.step_name IS 'Step name: started, file_selected or completed (props.step)';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.users IS 'Users of the cohort who reached the step in order (rules as in schedule_import_funnel, at any time after the first start); summed over all days: schedule_import_funnel.users';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.dropoff_from_previous IS 'users of the previous step - users of this step, in the cohort; 0 for step 1; summed over all days: schedule_import_funnel.dropoff_from_previous';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.dropoff_pct IS '100 x dropoff_from_previous / users of the previous step in the cohort, in percent (0-100); NULL for step 1 and when the previous step has no users; does not add up across days';

-- Per cohort day, the summary of that day's funnel rows, with the rules of
-- analytics.schedule_import_summary; a day appears when a cohort started.
CREATE VIEW analytics.schedule_import_summary_daily AS
WITH f AS MATERIALIZED (
	SELECT * FROM analytics.schedule_import_funnel_daily
)
SELECT d.day, c.method AS most_common_method,
	x.method AS highest_dropoff_method,
	x.step_name AS highest_dropoff_step
FROM (SELECT DISTINCT f.day FROM f) d
LEFT JOIN LATERAL (
	SELECT f.method FROM f
	WHERE f.day OPERATOR(pg_catalog.=) d.day AND f.step = 1
	ORDER BY f.users DESC, f.method COLLATE pg_catalog."C"
	LIMIT 1
) c ON true
LEFT JOIN LATERAL (
	SELECT f.method, f.step_name FROM f
	WHERE f.day OPERATOR(pg_catalog.=) d.day AND f.step > 1 AND f.dropoff_pct IS NOT NULL
	ORDER BY f.dropoff_pct DESC, f.method COLLATE pg_catalog."C", f.step_name COLLATE pg_catalog."C"
	LIMIT 1
) x ON true;
COMMENT ON VIEW analytics.schedule_import_summary_daily IS 'analytics.schedule_import_summary per cohort day of analytics.schedule_import_funnel_daily: the method most users first started that day, and the method and step with the highest drop-off percentage in that day''s cohort (ties: alphabetical)';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.day IS 'UTC calendar day of the cohort (users'' first start), a day of schedule_import_funnel_daily';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.most_common_method IS 'The method with the most users at step 1 that day (ties: first in C collation order)';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.highest_dropoff_method IS 'The method of the day''s step 2 or 3 row with the highest dropoff_pct (ties: first method, then step_name, in C collation order); NULL when no such row has a dropoff_pct';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.highest_dropoff_step IS 'The step_name (file_selected or completed) of that row; NULL when highest_dropoff_method is';

-- Built-in materialized aggregates (src/matagg.sql) for the app's
-- dashboards; refreshed when scheduled, exact through their _live views.
--
-- screen_time_session_days: per UTC day and session, the
-- analytics.screen_seconds state of that day's events of the session (rules
-- as in screen_time_stats, the timeout being analytics.session_idle_timeout
-- when the state is computed). A session's day is cut at UTC midnight: the
-- gap from its last event before midnight to its first event after counts
-- toward neither day. Merged with analytics.rollup, the states of any range
-- of days give that range's screen time exactly (screen_time_by_day).
SELECT analytics_internal._matagg_builtin('screen_time_session_days', 'analytics.events', 'occurred_at', '1 day',
	ARRAY['session_id'],
	ARRAY['analytics.screen_seconds(occurred_at, screen, duration_ms, NULL::pg_catalog.interval) AS st'],
	'session_id IS NOT NULL');

-- screen_time_days: per UTC day, those states merged (analytics.rollup)
-- and the sessions counted: a chained aggregate over the table above (its
-- refresh refreshes that one first; its _live view reads that one's).
SELECT analytics_internal._matagg_builtin('screen_time_days', 'analytics.screen_time_session_days', 'bucket', '1 day',
	'{}', ARRAY['analytics.rollup(st) AS st', 'pg_catalog.count(*) AS sessions']);

CREATE VIEW analytics.screen_time_by_day AS
SELECT d.day, r.screen, r.seconds, r.views, d.sessions
FROM analytics.screen_time_days_live d, analytics.screen_time_rows(d.st) r;
COMMENT ON VIEW analytics.screen_time_by_day IS 'Screen time per UTC day and screen, from the materialized daily states (analytics.screen_time_days_live, a rollup of the per-session ones): each day''s events of each session, cut at UTC midnight; seconds and views add up over any range of days';
COMMENT ON COLUMN analytics.screen_time_by_day.day IS 'UTC calendar day of the events';
COMMENT ON COLUMN analytics.screen_time_by_day.screen IS 'Screen name (events.screen)';
COMMENT ON COLUMN analytics.screen_time_by_day.seconds IS 'Seconds on the screen that day (rules of screen_time_stats within each session''s events of the day; a gap across UTC midnight counts toward neither day)';
COMMENT ON COLUMN analytics.screen_time_by_day.views IS 'Views of the screen that day';
COMMENT ON COLUMN analytics.screen_time_by_day.sessions IS 'Sessions with events that day (any screen), the same on every row of the day';

-- import_funnel_days: per UTC day and props.method, the schedule_import_step
-- events of each step (started, file_selected, completed) and the distinct
-- users who started or completed that day. Per day of the events, not per
-- cohort (schedule_import_funnel_daily follows each user from the first
-- start, which no per-day aggregate can).
SELECT analytics_internal._matagg_builtin('import_funnel_days', 'analytics.events', 'occurred_at', '1 day',
	ARRAY['props ->> ''method'' AS method'],
	ARRAY['pg_catalog.count(*) FILTER (WHERE props ->> ''step'' = ''started'') AS started',
		'pg_catalog.count(*) FILTER (WHERE props ->> ''step'' = ''file_selected'') AS file_selected',
		'pg_catalog.count(*) FILTER (WHERE props ->> ''step'' = ''completed'') AS completed',
		'pg_catalog.count(DISTINCT user_id) FILTER (WHERE props ->> ''step'' = ''started'') AS users_started',
		'pg_catalog.count(DISTINCT user_id) FILTER (WHERE props ->> ''step'' = ''completed'') AS users_completed'],
	'event_name = ''schedule_import_step'' AND pg_catalog.jsonb_typeof(props -> ''method'') = ''string''');

GRANT SELECT ON analytics.screen_time_by_day TO analytics_reader;

GRANT SELECT ON analytics.screen_time_stats_daily, analytics.filter_usage_daily, analytics.booking_tags_daily,
	analytics.schedule_import_funnel_daily, analytics.schedule_import_summary_daily TO analytics_reader;
