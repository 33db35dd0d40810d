-- Funnels: funnel_level, funnel_times, funnel_dropoff, funnel_report, funnel.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql

-- Hand-worked cases: (minute, step) per entity, window 10 minutes unless said.
CREATE TABLE cases (name text, minute int, step int);
INSERT INTO cases VALUES
	-- steps 1, 2, 3 in order: level 3 in every mode
	('in_order', 0, 1), ('in_order', 1, 2), ('in_order', 2, 3),
	-- step 3 exactly 10 minutes after step 1: the window is inclusive
	('window_edge', 0, 1), ('window_edge', 5, 2), ('window_edge', 10, 3),
	-- step 3 at 11 minutes: outside the window, level 2
	('window_broken', 0, 1), ('window_broken', 5, 2), ('window_broken', 11, 3),
	-- the start at 0 reaches step 2 at 8 but step 3 at 18 is too late;
	-- the start at 9 takes step 2 at 15 and step 3 at 18: level 3
	('later_start', 0, 1), ('later_start', 8, 2), ('later_start', 9, 1),
	('later_start', 15, 2), ('later_start', 18, 3),
	-- step 2 before step 1: after the step 1 at 1 comes step 3 only: level 1
	('order_broken', 0, 2), ('order_broken', 1, 1), ('order_broken', 2, 3),
	-- no step 1: level 0
	('no_step_1', 0, 2), ('no_step_1', 1, 3),
	-- equal timestamps may advance consecutive steps (not under strict_increase)
	('equal_ts', 0, 1), ('equal_ts', 0, 2), ('equal_ts', 0, 3),
	-- other events (NULL, 0) between steps 1 and 2; a row without time is ignored
	('others', 0, 1), ('others', 1, NULL), ('others', 2, 0), ('others', 3, 2), ('others', NULL, 3),
	-- 1, 2, 1, 2, 3: default 3; dedup: the start at 0 ends at the repeated 1
	-- (level 2), the start at 2 goes on to 3 (level 3)
	('repeat', 0, 1), ('repeat', 1, 2), ('repeat', 2, 1), ('repeat', 3, 2), ('repeat', 4, 3),
	-- 1, 2, 2, 3: dedup ends the chain at the repeated step 2: level 2
	('repeat_step_2', 0, 1), ('repeat_step_2', 1, 2), ('repeat_step_2', 2, 2), ('repeat_step_2', 3, 3),
	-- 1, 2, 1, 3: default 3 (the start at 0); dedup: the repeated 1 ends that
	-- chain at level 2 and the start at 2 finds no step 2: level 2
	('repeat_step_1', 0, 1), ('repeat_step_1', 1, 2), ('repeat_step_1', 2, 1), ('repeat_step_1', 3, 3),
	-- 1, 2, 4, 3 (ClickHouse's example, 4 steps): strict_order stops at the 4
	-- (level 2); otherwise the 4 is passed over and 3@3 counts (level 3)
	('intervening', 0, 1), ('intervening', 1, 2), ('intervening', 2, 4), ('intervening', 3, 3),
	-- 1@0, 2@0, 2@1, 3@1: default 3 (1@0 2@0 3@1); strict_increase passes
	-- over 2@0, takes 2@1, then 3@1 is not later: level 2; dedup takes 2@0
	-- and 2@1 repeats it: level 2
	('ties', 0, 1), ('ties', 0, 2), ('ties', 1, 2), ('ties', 1, 3);
-- the same as later_start, arriving in reverse order
INSERT INTO cases SELECT 'unsorted', minute, step FROM cases WHERE name = 'later_start' ORDER BY minute DESC;

CREATE VIEW case_events AS
SELECT name, '2026-03-01 00:00Z'::timestamptz + minute * interval '1 minute' AS ts, step FROM cases;

-- Each case in every mode against the values worked out in the comments
-- above (columns: default, strict_order, strict_deduplication,
-- strict_increase, strict_increase + strict_deduplication).
SELECT name, default_mode, strict_order, dedup, increase, increase_dedup,
	(default_mode, strict_order, dedup, increase, increase_dedup) = expected AS as_worked_out
FROM (
	SELECT name,
		analytics.funnel_level(ts, step, '10 minutes') AS default_mode,
		analytics.funnel_level(ts, step, '10 minutes', 'strict_order') AS strict_order,
		analytics.funnel_level(ts, step, '10 minutes', 'strict_deduplication') AS dedup,
		analytics.funnel_level(ts, step, '10 minutes', 'strict_increase') AS increase,
		analytics.funnel_level(ts, step, '10 minutes', ' strict_increase , strict_deduplication ') AS increase_dedup
	FROM case_events GROUP BY name
) got
JOIN (VALUES
	-- intervening: the 4 is skipped, 3@3 follows (3) except under strict_order (2);
	-- ties: dedup takes 2@0, so 2@1 repeats step 2 (2);
	-- strict_order: equal_ts 1,2,3 adjacent -> 3; others: NULL and 0 rows between 1 and 2 -> 1;
	-- repeat 1,2,1,2,3: the run from 1@2 is 1,2,3 -> 3; later_start 1,2,1,2,3 -> the run 1@9,2@15,3@18 -> 3;
	-- order_broken 2,1,3: 1 then 3 -> 1; window_broken 1,2 then 3 too late -> 2
	('equal_ts',      ROW(3, 3, 3, 1, 1)),
	('in_order',      ROW(3, 3, 3, 3, 3)),
	('intervening',   ROW(3, 2, 3, 3, 3)),
	('later_start',   ROW(3, 3, 3, 3, 3)),
	('no_step_1',     ROW(0, 0, 0, 0, 0)),
	('order_broken',  ROW(1, 1, 1, 1, 1)),
	('others',        ROW(2, 1, 2, 2, 2)),
	('repeat',        ROW(3, 3, 3, 3, 3)),
	('repeat_step_1', ROW(3, 2, 2, 3, 2)),
	('repeat_step_2', ROW(3, 2, 2, 3, 2)),
	('ties',          ROW(3, 2, 2, 2, 2)),
	('unsorted',      ROW(3, 3, 3, 3, 3)),
	('window_broken', ROW(2, 2, 2, 2, 2)),
	('window_edge',   ROW(3, 3, 3, 3, 3))
) AS e(name, expected) USING (name)
ORDER BY name;

-- funnel_times: the first chain to reach the top level; for later_start the
-- start at 9 (steps at 9, 15, 18); for ties under strict_increase 1@0, 2@1.
SELECT name, analytics.funnel_times(ts, step, '10 minutes') AS times
FROM case_events WHERE name IN ('later_start', 'unsorted', 'window_broken', 'no_step_1', 'repeat')
GROUP BY name ORDER BY name;
SELECT analytics.funnel_times(ts, step, '10 minutes', 'strict_increase') AS ties_increase
FROM case_events WHERE name = 'ties';
-- two chains finish step 3 at minute 6 (starts 0 and 3): the later start is kept
SELECT analytics.funnel_times(ts, step, '10 minutes') AS tie_on_finish
FROM (VALUES ('2026-03-01 00:00Z'::timestamptz, 1), ('2026-03-01 00:02Z', 2), ('2026-03-01 00:03Z', 1),
	('2026-03-01 00:05Z', 2), ('2026-03-01 00:06Z', 3)) AS v(ts, step);

-- 64 steps a second apart reach 64; without step 40, 39. Steps go up to 1024.
SELECT analytics.funnel_level(ts, step, '1 hour') AS sixty_four,
	analytics.funnel_level(ts, step, '1 hour') FILTER (WHERE step <> 40) AS without_step_40,
	analytics.funnel_level(ts, step, '30 seconds') AS window_of_30_s
FROM (SELECT '2026-03-01 00:00Z'::timestamptz + k * interval '1 second' AS ts, k AS step
	  FROM generate_series(1, 64) k) s;
SELECT analytics.funnel_level(ts, step, '1 day') AS thousand_steps
FROM (SELECT '2026-03-01 00:00Z'::timestamptz + k * interval '1 second' AS ts, k AS step
	  FROM generate_series(1, 1024) k) s;

-- No rows, only NULLs, only other events
SELECT analytics.funnel_level(ts, step, '1 hour') AS no_rows, analytics.funnel_times(ts, step, '1 hour') AS no_times
FROM case_events WHERE false;
SELECT analytics.funnel_level(NULL::timestamptz, NULL::int, '1 hour') AS nulls_only;

-- Errors
SELECT analytics.funnel_level(ts, step, '10 minutes', 'strict_order,bogus') FROM case_events;
SELECT analytics.funnel_level(now(), -1, '1 hour');
SELECT analytics.funnel_level(now(), 1025, '1 hour');
SELECT analytics.funnel_level(now(), 1, '-1 hour');
SELECT analytics.funnel_level(now(), 1, NULL::interval);
-- states built with different windows never mix, within a group or across
SELECT analytics.funnel_level(ts, step, CASE WHEN step = 1 THEN interval '1 hour' ELSE interval '2 hours' END)
FROM case_events WHERE name = 'in_order';

-- funnel_dropoff: levels 0, 1, 2, 3, 3 over 3 steps -> {4, 3, 2};
-- a level above nsteps counts at every step
SELECT analytics.funnel_dropoff(level, 3) FROM (VALUES (0), (1), (2), (3), (3), (NULL)) v(level);
SELECT analytics.funnel_dropoff(level, 3) FROM (VALUES (5)) v(level);
SELECT analytics.funnel_dropoff(level, 3) FROM (VALUES (1)) v(level) WHERE false;
SELECT analytics.funnel_dropoff(level, n) FROM (VALUES (1, 3), (1, 4)) v(level, n);
SELECT analytics.funnel_dropoff(-1, 3);
SELECT analytics.funnel_dropoff(1, 0);
SELECT analytics_internal.funnel_dropoff_combine('{1,2}', '{1,2,3}');
SELECT analytics_internal.funnel_dropoff_combine('{{1,2}}', '{1,2}');

-- funnel_report: 10 -> 6 -> 3: conversion 0.6 and 0.5, drop-off 4 (40 %) and
-- 3 (50 %), from the first 0.6 and 0.3
SELECT * FROM analytics.funnel_report('{10,6,3}', '{visit,signup,buy}');
SELECT * FROM analytics.funnel_report('{0,0}');
SELECT * FROM analytics.funnel_report('{1,2}', '{a}');

-- analytics.funnel over analytics.events
INSERT INTO analytics.events (event_id, occurred_at, event_name, user_id, props)
SELECT gen_random_uuid(), '2026-03-01 00:00Z'::timestamptz + m * interval '1 minute', e, u, p::jsonb
FROM (VALUES
	-- u1: signup, view 2 min later, buy 3 min after that: level 3
	('u1', 0, 'signup', '{"src": "ad"}'), ('u1', 2, 'view', '{}'), ('u1', 5, 'buy', '{}'),
	-- u2: the view comes 20 minutes later, outside the window: level 1
	('u2', 0, 'signup', '{"src": "organic"}'), ('u2', 20, 'view', '{}'),
	-- u3: view before signup does not count; signup, view 2 min later: level 2
	('u3', 0, 'view', '{}'), ('u3', 1, 'signup', '{"src": "ad"}'), ('u3', 3, 'view', '{}'),
	-- u4: buy before view: signup, view 2 min later: level 2
	('u4', 0, 'signup', '{"src": "ad"}'), ('u4', 1, 'buy', '{}'), ('u4', 2, 'view', '{}'),
	-- u5: outside the time range
	('u5', -60, 'signup', '{"src": "ad"}'),
	-- u6: an import funnel told by a property of one event
	('u6', 0, 'import', '{"step": "started"}'), ('u6', 1, 'import', '{"step": "done"}')
) AS v(u, m, e, p);
-- entities 4, 3, 1; conversion 0.75 and 1/3; drop-off 1 (25 %) and 2 (66.7 %);
-- seconds from the previous step: step 2 {120, 120, 120}, step 3 {180}
SELECT step, step_name, entities, round(conversion_from_previous::numeric, 4) AS conv_prev,
	dropoff_from_previous, round(dropoff_pct::numeric, 2) AS dropoff_pct,
	round(conversion_from_first::numeric, 4) AS conv_first,
	median_seconds_from_previous, p90_seconds_from_previous
FROM analytics.funnel('{signup,view,buy}', '10 minutes', '2026-03-01 00:00Z', '2026-03-02 00:00Z');
-- by first touch src: ad = u1, u3, u4 (3, 3, 1); organic = u2 (1, 0, 0)
SELECT breakdown, step, entities, round(conversion_from_previous::numeric, 4) AS conv_prev,
	dropoff_from_previous, round(dropoff_pct::numeric, 2) AS dropoff_pct,
	round(conversion_from_first::numeric, 4) AS conv_first, median_seconds_from_previous
FROM analytics.funnel('{signup,view,buy}', '10 minutes', '2026-03-01 00:00Z', '2026-03-02 00:00Z',
	breakdown_property => 'src');
SELECT step, step_name, entities
FROM analytics.funnel('{started,done}', '1 hour', '2026-03-01 00:00Z', '2026-03-02 00:00Z',
	event_name => 'import', step_property => 'step');
-- identifiers cannot inject SQL; property names are values, not SQL
SELECT * FROM analytics.funnel('{signup}', '1 hour', '2026-03-01', '2026-03-02', entity => 'user_id; drop table cases');
SELECT count(*) AS rows FROM analytics.funnel('{signup}', '1 hour', '2026-03-01', '2026-03-02',
	breakdown_property => $$src'); DROP TABLE cases; --$$);
SELECT count(*) AS cases_still_there FROM cases;
SELECT * FROM analytics.funnel('{signup}', '1 hour', '2026-03-01', '2026-03-02', mode => 'nope');
SELECT * FROM analytics.funnel('{}', '1 hour', '2026-03-01', '2026-03-02');
SELECT * FROM analytics.funnel('{import}', '1 hour', '2026-03-01', '2026-03-02', event_name => 'import');

-- Issue 13: repeated steps, inconsistent counts, the step limit, names that
-- never occur.
-- A repeated step name: each event is matched to one step (the first
-- position of its name), so step 2 "view" could never be reached: an error
-- naming the step and its positions 2, 3, before any row is read.
SELECT * FROM analytics.funnel('{signup,view,view,buy}', '10 minutes', '2026-03-01 00:00Z', '2026-03-02 00:00Z');
-- ... also among property values
SELECT * FROM analytics.funnel('{started,started}', '1 hour', '2026-03-01 00:00Z', '2026-03-02 00:00Z',
	event_name => 'import', step_property => 'step');
-- 1,025 steps: refused up front, though no event matches any of them
SELECT count(*) FROM analytics.funnel(ARRAY(SELECT 's' || g FROM generate_series(1, 1025) g),
	'1 hour', '2026-03-01 00:00Z', '2026-03-02 00:00Z');
-- 1,024 steps is the limit and works: only s1 and s2 are there... none of
-- them occurs, so 1,024 notices would follow; the count of rows alone is
-- checked with notices off: 0 rows (no entity reaches step 1)
SET client_min_messages = warning;
SELECT count(*) AS rows FROM analytics.funnel(ARRAY(SELECT 's' || g FROM generate_series(1, 1024) g),
	'1 hour', '2026-03-01 00:00Z', '2026-03-02 00:00Z');
RESET client_min_messages;
-- A step name that never occurs in the range: a NOTICE naming it (step 2
-- "vue", a typo); the other steps are as above (4 entities at signup, none
-- after: "vue" never occurs, so 0 at steps 2 and 3)
SELECT step, step_name, entities
FROM analytics.funnel('{signup,vue,buy}', '10 minutes', '2026-03-01 00:00Z', '2026-03-02 00:00Z');
-- u5's signup lies an hour before the range: with the range
-- [2026-02-28 23:00, 23:30) only signup occurs: notices for view and buy
SELECT step, step_name, entities
FROM analytics.funnel('{signup,view,buy}', '10 minutes', '2026-02-28 23:00Z', '2026-02-28 23:30Z');
-- with event_name: the property value "finished" never occurs on "import"
SELECT step, step_name, entities
FROM analytics.funnel('{started,finished}', '1 hour', '2026-03-01 00:00Z', '2026-03-02 00:00Z',
	event_name => 'import', step_property => 'step');
-- ... and an event name that does not occur at all: one notice for it
SELECT step, step_name, entities
FROM analytics.funnel('{started,done}', '1 hour', '2026-03-01 00:00Z', '2026-03-02 00:00Z',
	event_name => 'imprt', step_property => 'step');

-- funnel_report: counts from funnel_dropoff never increase and are not
-- negative or NULL; others are refused (5 then 10 gave conversion 2 and
-- drop-off -100 %)
SELECT * FROM analytics.funnel_report('{5,10}', '{a,b}');
SELECT * FROM analytics.funnel_report('{5,-1}');
SELECT * FROM analytics.funnel_report('{-1}');
SELECT * FROM analytics.funnel_report('{5,NULL}');
SELECT * FROM analytics.funnel_report(NULL);
SELECT * FROM analytics.funnel_report('{{5,4},{3,2}}');
SELECT count(*) FROM analytics.funnel_report(ARRAY(SELECT 0::bigint FROM generate_series(1, 1025)));
-- equal counts are consistent: 5 -> 5 -> 0: conversion 1 then 0, drop-off 0
-- (0 %) then 5 (100 %), from the first 1 and 0
SELECT * FROM analytics.funnel_report('{5,5,0}');

-- Times: infinite or out-of-range ones are an error, never an overflow.
-- Step 1 at -infinity and step 2 a day later in a 1-hour window: ts - start
-- overflowed and came out negative, within the window (level 2).
SELECT analytics.funnel_level(ts, step, '1 hour')
FROM (VALUES ('-infinity'::timestamptz, 1), ('2026-03-01 00:00Z', 2)) v(ts, step);
SELECT analytics.funnel_times(ts, step, '1 hour')
FROM (VALUES ('2026-03-01 00:00Z'::timestamptz, 1), ('infinity', 2)) v(ts, step);
-- also on a row that is no step (it could not change the result, but the
-- data is wrong), in every mode
SELECT analytics.funnel_level(ts, step, '1 hour')
FROM (VALUES ('2026-03-01 00:00Z'::timestamptz, 1), ('infinity', 0)) v(ts, step);
SELECT analytics.funnel_level(ts, step, '1 hour', 'strict_order')
FROM (VALUES ('2026-03-01 00:00Z'::timestamptz, 1), ('infinity', NULL)) v(ts, step);
-- The first and last finite times (4714-11-24 BC and 294276-12-31) are
-- 9.435e18 microseconds apart, more than an int64 holds (9.223e18): beyond
-- any window, even 290,000 years (9.02e18 us): level 1, times of step 1
-- only. Before, the difference wrapped to a negative number: level 2.
SELECT analytics.funnel_level(ts, step, '290000 years') AS level,
	analytics.funnel_times(ts, step, '290000 years') AS times
FROM (VALUES ('4714-11-24 00:00:00+00 BC'::timestamptz, 1), ('294276-12-31 23:59:59+00', 2)) v(ts, step);
SELECT analytics.funnel_level(ts, step, '290000 years', m) AS level
FROM (VALUES ('4714-11-24 00:00:00+00 BC'::timestamptz, 1), ('294276-12-31 23:59:59+00', 2)) v(ts, step),
	(VALUES ('strict_order'), ('strict_increase'), ('strict_deduplication')) AS modes(m)
GROUP BY m ORDER BY m;
-- 200,000 years apart (6.3e18 us, fits an int64) within a 290,000-year
-- window: level 2, so the check above is the overflow, not the size
SELECT analytics.funnel_level(ts, step, '290000 years')
FROM (VALUES ('2000-01-01 00:00Z'::timestamptz, 1), ('202000-01-01 00:00Z', 2)) v(ts, step);

-- Randomized equivalence with a slow reference that follows the definition
-- directly: from every step-1 event, take each next step at its first
-- occurrence (with the modes' conditions); the level is the best chain, the
-- times those of the chain finishing first (latest start among ties).
CREATE FUNCTION funnel_reference(ts timestamptz[], steps int[], win interval, mode text,
	OUT level int, OUT times timestamptz[])
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	n int := coalesce(cardinality(ts), 0);
	so bool := mode LIKE '%strict_order%';
	sd bool := mode LIKE '%strict_deduplication%';
	si bool := mode LIKE '%strict_increase%';
	lvl int;
	m int;
	t timestamptz[];
BEGIN
	level := 0;
	times := '{}';
	FOR i IN 1..n LOOP
		CONTINUE WHEN steps[i] <> 1;
		lvl := 1;
		t := ARRAY[ts[i]];
		m := i;
		FOR j IN i + 1..n LOOP
			EXIT WHEN ts[j] - ts[i] > win;
			IF steps[j] = lvl + 1 AND (NOT si OR ts[j] > ts[m]) THEN
				lvl := lvl + 1;
				t := t || ts[j];
				m := j;
			ELSIF so THEN
				EXIT;
			ELSIF sd AND steps[j] BETWEEN 1 AND lvl THEN
				EXIT;
			END IF;
		END LOOP;
		IF lvl > level OR (lvl = level AND (t[lvl] < times[lvl] OR (t[lvl] = times[lvl] AND t[1] >= times[1]))) THEN
			level := lvl;
			times := t;
		END IF;
	END LOOP;
END
$$;

SELECT setseed(0.25);
CREATE TABLE random_events AS
SELECT u, '2026-03-01 00:00Z'::timestamptz + (random() * 30)::int * interval '1 minute' AS ts,
	CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 4)::int END AS step
FROM generate_series(1, 100000) u, LATERAL generate_series(1, 1 + (random() * 9)::int + (u * 0)) k;
SELECT count(*) >= 500000 AS enough_rows, count(DISTINCT u) AS entities FROM random_events;
ANALYZE random_events;

CREATE TABLE random_arrays AS
SELECT u, array_agg(ts ORDER BY ts, coalesce(step, 0)) AS tss,
	array_agg(coalesce(step, 0) ORDER BY ts, coalesce(step, 0)) AS steps
FROM random_events GROUP BY u;
SELECT m AS mode, count(*) AS entities,
	count(*) FILTER (WHERE c.level IS DISTINCT FROM r.level) AS level_mismatches,
	count(*) FILTER (WHERE c.times IS DISTINCT FROM r.times) AS times_mismatches,
	count(*) FILTER (WHERE r.level >= 2) > 10000 AS many_multi_step
FROM unnest(ARRAY['', 'strict_order', 'strict_deduplication', 'strict_increase',
	'strict_deduplication,strict_increase', 'strict_order,strict_increase']) AS m
CROSS JOIN LATERAL (
	SELECT e.u, analytics.funnel_level(e.ts, e.step, '10 minutes', m) AS level,
		analytics.funnel_times(e.ts, e.step, '10 minutes', m) AS times
	FROM random_events e GROUP BY e.u
) c
JOIN LATERAL (
	SELECT a.u, f.level, f.times
	FROM random_arrays a, LATERAL funnel_reference(a.tss, a.steps, '10 minutes', m) f
) r USING (u)
GROUP BY m ORDER BY m;

-- Hash aggregation defers appends to a log applied in batches. The same
-- levels and times come from sorted aggregation, which appends directly:
-- (1) when the hash table spills to disk (work_mem 64 kB), so that states
-- and their log are reset batch by batch; (2) when windows differ between
-- entities, so that states made with another window than the log's take
-- the direct path.
CREATE VIEW levels_by_user AS
SELECT u, analytics.funnel_level(ts, step, '10 minutes') AS level,
	analytics.funnel_times(ts, step, '10 minutes', 'strict_increase') AS times,
	analytics.funnel_level(ts, step, CASE WHEN u % 3 = 0 THEN interval '10 minutes' ELSE interval '5 minutes' END) AS mixed
FROM random_events GROUP BY u;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SET enable_sort = off;
SELECT pg_temp.hash_batches('SELECT * FROM levels_by_user') > 1 AS hash_aggregate_spills;
CREATE TABLE hashed_result AS SELECT * FROM levels_by_user;
RESET work_mem;
RESET hash_mem_multiplier;
RESET enable_sort;
SET enable_hashagg = off;
CREATE TABLE sorted_result AS SELECT * FROM levels_by_user;
RESET enable_hashagg;
RESET max_parallel_workers_per_gather;
SELECT (SELECT count(*) FROM (SELECT * FROM hashed_result EXCEPT SELECT * FROM sorted_result) a) AS hashed_only,
	(SELECT count(*) FROM (SELECT * FROM sorted_result EXCEPT SELECT * FROM hashed_result) b) AS sorted_only,
	(SELECT count(*) FROM hashed_result) AS entities,
	(SELECT count(*) FROM hashed_result WHERE mixed <> level) > 1000 AS windows_matter;
-- a window that changes within a group is refused on the direct path too
SELECT u, analytics.funnel_level(ts, step, CASE WHEN step = 1 THEN interval '1 hour' ELSE interval '2 hours' END)
FROM random_events WHERE u <= 1000 GROUP BY u;
-- ... and so is a mode that changes within a group
SELECT u, analytics.funnel_level(ts, step, '1 hour', CASE WHEN step = 1 THEN '' ELSE 'strict_order' END)
FROM random_events WHERE u <= 1000 GROUP BY u;
DROP VIEW levels_by_user;

-- Parallel: partial states combine to the serial result (>= 1M rows).
CREATE TABLE big AS
SELECT u, '2026-03-01 00:00Z'::timestamptz + ((u * 13 + k * 37) % 60) * interval '1 minute' AS ts,
	(u * 7 + k * 3) % 5 AS step
FROM generate_series(1, 100000) u, generate_series(1, 10) k;
ANALYZE big;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE serial_result AS
SELECT u % 1000 AS g, analytics.funnel_level(ts, step, '20 minutes') AS level,
	analytics.funnel_times(ts, step, '20 minutes', 'strict_increase') AS times
FROM big GROUP BY u % 1000;
CREATE TABLE serial_dropoff AS SELECT analytics.funnel_dropoff(step, 4) AS counts FROM big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT u % 1000 AS g, analytics.funnel_level(ts, step, '20 minutes') AS level,
	analytics.funnel_times(ts, step, '20 minutes', 'strict_increase') AS times
FROM big GROUP BY u % 1000;
CREATE TABLE parallel_result AS
SELECT u % 1000 AS g, analytics.funnel_level(ts, step, '20 minutes') AS level,
	analytics.funnel_times(ts, step, '20 minutes', 'strict_increase') AS times
FROM big GROUP BY u % 1000;
SELECT (SELECT count(*) FROM (SELECT * FROM serial_result EXCEPT SELECT * FROM parallel_result) a) AS serial_only,
	(SELECT count(*) FROM (SELECT * FROM parallel_result EXCEPT SELECT * FROM serial_result) b) AS parallel_only,
	(SELECT count(*) FROM parallel_result) AS groups;
EXPLAIN (COSTS OFF) SELECT analytics.funnel_dropoff(step, 4) FROM big;
-- the bigint[] state through its text form, then combined
SELECT (SELECT counts FROM serial_dropoff) = analytics.funnel_dropoff(step, 4) AS parallel_equals_serial,
	(SELECT counts FROM serial_dropoff) AS counts
FROM big;
SELECT analytics_internal.funnel_dropoff_combine(s1::text::bigint[], s2::text::bigint[]) = (SELECT counts FROM serial_dropoff)
	AS text_round_trip_combines
FROM (SELECT analytics.funnel_dropoff(step, 4) FILTER (WHERE u % 2 = 0) AS s1,
		analytics.funnel_dropoff(step, 4) FILTER (WHERE u % 2 = 1) AS s2 FROM big) x;
-- states of different windows meet in the combine step and are refused
SELECT analytics.funnel_level(ts, step, CASE WHEN u < 50000 THEN interval '1 hour' ELSE interval '2 hours' END)
FROM big;
RESET ALL;

DROP EXTENSION analytics CASCADE;
