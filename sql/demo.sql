-- Demo data: deterministic, valid, realistic in shape.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

-- Same arguments, identical rows; another seed, other rows.
SELECT (SELECT md5(string_agg(e::text, '|' ORDER BY e.event_id)) FROM analytics.demo_events(30, 10, 7, '2026-11-01') e)
	 = (SELECT md5(string_agg(e::text, '|' ORDER BY e.event_id)) FROM analytics.demo_events(30, 10, 7, '2026-11-01') e)
	AS same_rows,
	(SELECT md5(string_agg(e::text, '|' ORDER BY e.event_id)) FROM analytics.demo_events(30, 10, 7, '2026-11-01') e)
	 = (SELECT md5(string_agg(e::text, '|' ORDER BY e.event_id)) FROM analytics.demo_events(30, 10, 8, '2026-11-01') e)
	AS same_as_other_seed;
-- The default until is the last complete UTC day before now (injected with
-- analytics.mock_now): at 2031-01-01 00:30 UTC, when New York's CURRENT_DATE
-- is still 2030-12-31, it is 2030-12-31: the rows of until => '2030-12-31',
-- the 10 days 2030-12-22 through 2030-12-31.
SET analytics.mock_now = '2031-01-01 00:30Z';
SET TimeZone = 'America/New_York';
SELECT (SELECT md5(string_agg(e::text, '|' ORDER BY e.event_id)) FROM analytics.demo_events(30, 10, 7) e)
	 = (SELECT md5(string_agg(e::text, '|' ORDER BY e.event_id)) FROM analytics.demo_events(30, 10, 7, '2030-12-31') e)
	AS default_is_utc_yesterday,
	(SELECT min(occurred_at) >= '2030-12-22 00:00Z' AND max(occurred_at) < '2031-01-01 00:00Z'
	 FROM analytics.demo_events(30, 10, 7) e) AS ten_days_to_utc_yesterday;
SET TimeZone = 'UTC';
RESET analytics.mock_now;

-- Loading: a second identical load adds nothing (deterministic event ids).
SELECT analytics.generate_demo_events(300, 30, 42, '2026-11-21') AS loaded \gset
-- about 300 users x 30 days x 0.55 active x 2 sessions x 6.5 events = 64,000
SELECT :loaded = count(*) AS all_loaded, count(*) BETWEEN 40000 AND 90000 AS expected_volume FROM analytics.events;
SELECT analytics.generate_demo_events(300, 30, 42, '2026-11-21') AS loaded_again;

-- Every demo event passes the collection rules, as a JSON event would.
SELECT count(*) AS invalid
FROM analytics.events e,
	LATERAL analytics.event_parse(to_jsonb(e) - 'received_at', e.received_at) p
WHERE p.problem IS NOT NULL;

-- Inside the requested days, users and event names.
SELECT min(occurred_at)::date >= '2026-10-23' AS from_first_day, max(occurred_at) < '2026-11-22' AS to_last_day,
	count(DISTINCT user_id) <= 300 AS users_bounded
FROM analytics.events;
SELECT event_name FROM analytics.events GROUP BY 1 ORDER BY 1;

-- Screen views carry app-measured durations on the five screens.
SELECT screen, min(duration_ms) > 0 AS positive_durations FROM analytics.events
WHERE event_name = 'open_screen' GROUP BY 1 ORDER BY 1;
SELECT count(*) AS screen_views_without_duration FROM analytics.events
WHERE event_name = 'open_screen' AND (duration_ms IS NULL OR screen IS NULL);

-- Filters and bookings carry their properties.
SELECT DISTINCT f AS filter FROM analytics.events, jsonb_array_elements_text(props->'filters') f
WHERE event_name = 'home_filters_opened' ORDER BY 1;
SELECT count(*) FILTER (WHERE props ? 'building' AND props ? 'time_window' AND jsonb_typeof(props->'tags') = 'array')
	= count(*) AS bookings_complete
FROM analytics.events WHERE event_name = 'booking_created';

-- The import funnel: each attempt starts, file_selected comes only after
-- started, completed/failed only after file_selected; drop-off differs by
-- method (pdf completes least, ics most).
WITH attempts AS (
	SELECT session_id, props->>'method' AS method, array_agg(props->>'step' ORDER BY occurred_at) AS steps
	FROM analytics.events WHERE event_name = 'schedule_import_step'
	GROUP BY session_id, props->>'method'
)
SELECT count(*) FILTER (WHERE steps[1] <> 'started') AS not_starting_with_started,
	count(*) FILTER (WHERE 'completed' = ANY (steps) AND NOT 'file_selected' = ANY (steps)) AS completed_without_file
FROM attempts;
WITH steps AS (
	SELECT props->>'method' AS method, props->>'step' AS step, count(*) AS n
	FROM analytics.events WHERE event_name = 'schedule_import_step' GROUP BY 1, 2
), rates AS (
	SELECT method, sum(n) FILTER (WHERE step = 'completed')::float8 / sum(n) FILTER (WHERE step = 'started') AS completion
	FROM steps GROUP BY method
)
SELECT (SELECT completion FROM rates WHERE method = 'ics') > (SELECT completion FROM rates WHERE method = 'manual')
	AND (SELECT completion FROM rates WHERE method = 'manual') > (SELECT completion FROM rates WHERE method = 'pdf')
	AS ics_beats_manual_beats_pdf,
	(SELECT count(DISTINCT step) FROM steps) AS distinct_steps;

SELECT analytics.generate_demo_events(0, 1, 1);

DROP EXTENSION analytics CASCADE;
