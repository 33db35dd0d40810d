-- Materialized aggregates: create, refresh only what changed, _live views,
-- validation, privileges. Expected values are worked out by hand from the
-- rows below, and every refreshed table is compared with the defining
-- query computed from scratch (EXCEPT both ways).
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
CREATE EXTENSION pg_cron;
SET analytics.mock_now = '2026-11-20 12:00:00+00';
CREATE TABLE public.sales (id int PRIMARY KEY, ts timestamptz, shop text, amount numeric);
INSERT INTO public.sales VALUES
	(1, '2026-11-01 10:00Z', 'a', 10),
	(2, '2026-11-01 23:59:59Z', 'b', 5),
	(3, '2026-11-02 00:00Z', 'a', 7),
	(4, '2026-11-03 12:00Z', NULL, 1),
	(5, '2026-11-03 13:00Z', NULL, 2);
-- From scratch, by hand: the defining query written out.
CREATE VIEW public.daily_sales_scratch AS
SELECT date_trunc('day', ts AT TIME ZONE 'UTC') AS bucket, (ts AT TIME ZONE 'UTC')::date AS day, shop,
	count(*) AS n, sum(amount) AS total
FROM public.sales GROUP BY 1, 2, 3;
CREATE FUNCTION public.daily_sales_differs(rel regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %s EXCEPT SELECT * FROM public.daily_sales_scratch)
		UNION ALL (SELECT * FROM public.daily_sales_scratch EXCEPT SELECT * FROM %s)) x', rel, rel) INTO n;
	RETURN n;
END $$;

-- Daily sales per shop. By hand: 11-01 a 1 10, 11-01 b 1 5, 11-02 a 1 7,
-- 11-03 (no shop) 2 3 (ids 4 and 5 in one group: NULL is a group).
SELECT analytics.create_materialized_aggregate('daily_sales', 'public.sales', 'ts', '1 day',
	'{shop}', '{count(*) AS n, sum(amount) AS total}') AS rows;
SELECT * FROM analytics.daily_sales ORDER BY bucket, shop;
\d+ analytics.daily_sales
SELECT obj_description('analytics.daily_sales'::regclass, 'pg_class');
SELECT name, source, time_column, bucket, dimensions, measures, filter, rows, pending_buckets,
	needs_full_refresh, refresh_count, last_refresh_at, last_refresh_seconds >= 0 AS timed,
	last_refresh_buckets, created_at
FROM analytics.materialized_aggregates WHERE NOT builtin;

-- Changes: a late sale (2026-10-15, b, 4), a sale moved to another day
-- (id 1 to 11-02 09:00), a sale deleted (id 4). Only the touched days are
-- logged: 10-15 (new), 11-01 and 11-02 (the move), 11-03 (the delete).
INSERT INTO public.sales VALUES (6, '2026-10-15 08:00Z', 'b', 4);
UPDATE public.sales SET ts = '2026-11-02 09:00Z' WHERE id = 1;
DELETE FROM public.sales WHERE id = 4;
-- a change rolled back leaves nothing to refresh
BEGIN;
INSERT INTO public.sales VALUES (99, '2026-11-19 08:00Z', 'z', 1);
ROLLBACK;
SELECT DISTINCT bucket FROM analytics_internal.materialized_aggregate_changes ORDER BY 1;
SELECT pending_buckets FROM analytics.materialized_aggregates WHERE name = 'daily_sales';
-- The table still holds the old answer; the live view has the new one. By
-- hand: 10-15 b 1 4, 11-01 b 1 5, 11-02 a 2 17, 11-03 (no shop) 1 2.
SELECT public.daily_sales_differs('analytics.daily_sales') > 0 AS table_is_stale;
SELECT * FROM analytics.daily_sales_live ORDER BY bucket, shop;
SELECT public.daily_sales_differs('analytics.daily_sales_live') AS live_differs;
-- The refresh recomputes the 4 logged days (in two runs: 10-15, then
-- 11-01..11-03): it deletes their 4 old rows and inserts 4.
SELECT * FROM analytics.refresh_materialized_aggregate('daily_sales');
SELECT public.daily_sales_differs('analytics.daily_sales') AS table_differs;
SELECT rows, pending_buckets, refresh_count, last_refresh_buckets FROM analytics.materialized_aggregates WHERE NOT builtin;
-- Nothing changed: nothing recomputed.
SELECT * FROM analytics.refresh_materialized_aggregate('daily_sales');

-- The loader's shortcut (session_replication_role = replica skips
-- ordinary triggers) does not hide a change: the triggers fire always.
SET session_replication_role = replica;
INSERT INTO public.sales VALUES (7, '2026-11-03 14:00Z', NULL, 5);
RESET session_replication_role;
SELECT DISTINCT bucket FROM analytics_internal.materialized_aggregate_changes ORDER BY 1;
-- 11-03 (no shop) is now 2 sales, 7
SELECT * FROM analytics.daily_sales_live WHERE day = '2026-11-03';

-- A window: every bucket in it is recomputed, logged or not; logged ones
-- outside it stay logged. [11-02 06:00, 11-03 00:00) covers the day 11-02
-- (1 row: deleted and inserted); 11-03 stays pending.
SELECT * FROM analytics.refresh_materialized_aggregate('daily_sales', '2026-11-02 06:00Z', '2026-11-03 00:00Z');
SELECT DISTINCT bucket FROM analytics_internal.materialized_aggregate_changes ORDER BY 1;
SELECT * FROM analytics.refresh_materialized_aggregate('daily_sales');
SELECT public.daily_sales_differs('analytics.daily_sales') AS table_differs;
SELECT * FROM analytics.refresh_materialized_aggregate('daily_sales', '2026-11-03 00:00Z', '2026-11-02 00:00Z');
SELECT * FROM analytics.refresh_materialized_aggregate('daily_sales', '2026-11-03 00:00Z', NULL);

-- Other widths and a filter. The sales now: id 6 10-15 08:00 (4), id 2
-- 11-01 23:59:59 (5), id 3 11-02 00:00 (7), id 1 11-02 09:00 (10), id 5
-- 11-03 13:00 (2), id 7 11-03 14:00 (5).
-- Hourly, amount > 3: every sale but id 5, one an hour.
SELECT analytics.create_materialized_aggregate('hourly_big_sales', 'public.sales', 'ts', '1 hour',
	'{}', '{count(*) AS n}', 'amount > 3') AS rows;
SELECT * FROM analytics.hourly_big_sales ORDER BY bucket;
-- Weeks of 7 days start on Mondays: 2026-10-15 (a Thursday) is in the week
-- of Monday 10-12, 11-01 (a Sunday) in that of 10-26, 11-02 and 11-03 in
-- that of Monday 11-02.
SELECT analytics.create_materialized_aggregate('weekly_sales', 'public.sales', 'ts', '7 days',
	'{}', '{sum(amount) AS total, min(id) AS first_id}') AS rows;
SELECT * FROM analytics.weekly_sales ORDER BY bucket;
-- Months: October 4; November 5 + 7 + 10 + 2 + 5 = 29.
SELECT analytics.create_materialized_aggregate('monthly_sales', 'public.sales', 'ts', '1 month',
	'{}', '{sum(amount) AS total}') AS rows;
SELECT * FROM analytics.monthly_sales ORDER BY bucket;
-- A shared source: one set of triggers logs for every aggregate of it.
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'public.sales'::regclass ORDER BY 1;
UPDATE public.sales SET amount = 6 WHERE id = 5;
SELECT aggregate, bucket FROM analytics_internal.materialized_aggregate_changes ORDER BY 1, 2;
-- id 5 now counts as big (6 > 3): hour 11-03 13:00 appears; November 33
SELECT * FROM analytics.hourly_big_sales_live WHERE day = '2026-11-03' ORDER BY bucket;
SELECT * FROM analytics.monthly_sales_live ORDER BY bucket;

-- TRUNCATE logs no rows: it marks every aggregate of the table for a full
-- refresh, and the live view computes from the source meanwhile.
TRUNCATE public.sales;
INSERT INTO public.sales VALUES (10, '2026-11-05 10:00Z', 'c', 3);
SELECT name, needs_full_refresh FROM analytics.materialized_aggregates WHERE NOT builtin ORDER BY 1;
SELECT * FROM analytics.daily_sales_live;
SELECT * FROM analytics.refresh_materialized_aggregate('daily_sales');
SELECT * FROM analytics.daily_sales;
SELECT public.daily_sales_differs('analytics.daily_sales') AS table_differs;

-- A timestamp (UTC) and a date column.
CREATE TABLE public.visits (at timestamp, on_day date, n int);
INSERT INTO public.visits VALUES ('2026-11-01 23:00', '2026-11-01', 1), ('2026-11-02 01:00', '2026-11-02', 2),
	('infinity', 'infinity', 100), (NULL, NULL, 1000);
SELECT analytics.create_materialized_aggregate('visits_by_hour', 'public.visits', 'at', '2 hours', '{}', '{sum(n) AS n}');
-- 2-hour buckets from 2000-01-03 00:00: 22:00-24:00 and 00:00-02:00; the
-- infinite and NULL times belong to no bucket
SELECT * FROM analytics.visits_by_hour ORDER BY bucket;
SELECT analytics.create_materialized_aggregate('visits_by_day', 'public.visits', 'on_day', '1 day', '{}', '{sum(n) AS n}');
SELECT * FROM analytics.visits_by_day ORDER BY bucket;
INSERT INTO public.visits VALUES ('-infinity', '-infinity', 1), ('2026-11-02 01:30', '2026-11-02', 4);
SELECT * FROM analytics.visits_by_day_live ORDER BY bucket;

-- Events and the extension's own aggregates: daily per-session screen time
-- states, rolled up over days, equal the aggregate over the raw events.
SELECT count(analytics.track('screen_view', occurred_at => t, session_id => s, screen => sc)) AS tracked
FROM (VALUES ('2026-07-10 10:00:00Z'::timestamptz, 's1', 'home'), ('2026-07-10 10:00:40Z', 's1', 'search'),
	('2026-07-10 10:01:00Z', 's1', 'home'), ('2026-11-10 09:00:00Z', 's2', 'home'),
	('2026-11-10 09:02:00Z', 's2', 'settings'), ('2026-11-10 09:02:30Z', 's2', 'home')) v(t, s, sc);
SELECT count(*) FROM analytics.ensure_partitions('1 month');
SELECT analytics.create_materialized_aggregate('daily_screen_time', 'analytics.events', 'occurred_at', '1 day',
	ARRAY['session_id'], ARRAY['analytics.screen_seconds(occurred_at, screen) AS st', 'count(*) AS events']) AS rows;
SELECT (SELECT analytics.rollup(st) FROM analytics.daily_screen_time)::text
	= (SELECT analytics.rollup(st)::text FROM (SELECT analytics.screen_seconds(occurred_at, screen ORDER BY occurred_at) st
		FROM analytics.events GROUP BY session_id) x) AS rollup_equals_raw;
SELECT day, session_id, events, analytics.seconds_on(st, 'home') AS home_seconds
FROM analytics.daily_screen_time ORDER BY day;
-- Retention: dropping July's partition fires no trigger; July stays
-- materialized, and a refresh keeps it.
SELECT partition_name, dropped_events FROM analytics.drop_partitions('3 months');
SELECT count(*) AS july_raw_events FROM analytics.events WHERE occurred_at < '2026-08-01';
SELECT * FROM analytics.refresh_materialized_aggregate('daily_screen_time');
SELECT day, session_id, events FROM analytics.daily_screen_time ORDER BY day;
SELECT day, session_id, events FROM analytics.daily_screen_time_live ORDER BY day;
-- Erasure deletes through analytics.events: the day is recomputed, and
-- the erased session goes.
SELECT analytics.track('screen_view', occurred_at => '2026-11-10 09:05:00Z', session_id => 's3', screen => 'home',
	user_id => 'u3') IS NOT NULL AS tracked;
SELECT * FROM analytics.refresh_materialized_aggregate('daily_screen_time');
SELECT day, session_id, events FROM analytics.daily_screen_time ORDER BY day, session_id;
SELECT analytics.forget_user('u3');
SELECT DISTINCT bucket FROM analytics_internal.materialized_aggregate_changes WHERE aggregate = 'daily_screen_time';
SELECT * FROM analytics.refresh_materialized_aggregate('daily_screen_time');
SELECT day, session_id, events FROM analytics.daily_screen_time ORDER BY day;

-- Chaining: an aggregate whose source is another one's table. Its
-- triggers log the days the first refresh rewrote; the second refresh
-- recomputes them from the first table. Now: 07-10 s1 (3 events, home 40),
-- 11-10 s2 (3 events, home 120).
SELECT analytics.create_materialized_aggregate('screen_time_per_day', 'analytics.daily_screen_time', 'bucket', '1 day',
	'{}', ARRAY['analytics.rollup(st) AS st', 'sum(events) AS events']) AS rows;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'analytics.daily_screen_time'::regclass;
-- New events: s4 on 11-10 (home 60 s, settings 10 s, home), s5 on 11-11
-- (home 45 s, search). Nothing is logged for the second level until the
-- first one is refreshed.
SELECT count(analytics.track('screen_view', occurred_at => t, session_id => s, screen => sc)) AS tracked
FROM (VALUES ('2026-11-10 10:00:00Z'::timestamptz, 's4', 'home'), ('2026-11-10 10:01:00Z', 's4', 'settings'),
	('2026-11-10 10:01:10Z', 's4', 'home'), ('2026-11-11 08:00:00Z', 's5', 'home'),
	('2026-11-11 08:00:45Z', 's5', 'search')) v(t, s, sc);
SELECT name, pending_buckets FROM analytics.materialized_aggregates WHERE NOT builtin AND name LIKE '%screen%' ORDER BY name;
-- The second level's _live view is exact already: the first level's
-- pending days come from the first level's _live view. By hand: 07-10 3
-- events, home 40; 11-10 6, home 120 + 60 = 180; 11-11 2, home 45.
SELECT day, events, analytics.seconds_on(st, 'home') AS home_seconds
FROM analytics.screen_time_per_day_live ORDER BY day;
-- Refreshing the second level refreshes the first one first: 11-10 and
-- 11-11 there (deletes s2's row, inserts s2, s4, s5), whose DELETE and
-- INSERT log those days for the second level; then the second: those 2
-- days (deletes 11-10's row, inserts 11-10 and 11-11).
SELECT * FROM analytics.refresh_materialized_aggregate('screen_time_per_day');
SELECT name, pending_buckets, last_refresh_buckets FROM analytics.materialized_aggregates
WHERE name IN ('daily_screen_time', 'screen_time_per_day') ORDER BY name;
SELECT day, events, analytics.seconds_on(st, 'home') AS home_seconds
FROM analytics.screen_time_per_day ORDER BY day;
-- equal to the rollup per day computed from scratch, from the first table
-- and, for the days still in the raw events, from them
SELECT count(*) AS differences FROM (
	(SELECT bucket, st::text, events FROM analytics.screen_time_per_day
	 EXCEPT SELECT bucket, analytics.rollup(st)::text, sum(events) FROM analytics.daily_screen_time GROUP BY bucket)
	UNION ALL
	(SELECT bucket, analytics.rollup(st)::text, sum(events) FROM analytics.daily_screen_time GROUP BY bucket
	 EXCEPT SELECT bucket, st::text, events FROM analytics.screen_time_per_day)) x;
SELECT count(*) AS differences_from_raw FROM (
	(SELECT day, st::text FROM analytics.screen_time_per_day WHERE day >= '2026-08-01'
	 EXCEPT SELECT day, analytics.rollup(st)::text FROM (SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day,
			analytics.screen_seconds(occurred_at, screen ORDER BY occurred_at) st
		FROM analytics.events GROUP BY 1, session_id) r GROUP BY day)
	UNION ALL
	(SELECT day, analytics.rollup(st)::text FROM (SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day,
			analytics.screen_seconds(occurred_at, screen ORDER BY occurred_at) st
		FROM analytics.events GROUP BY 1, session_id) r GROUP BY day
	 EXCEPT SELECT day, st::text FROM analytics.screen_time_per_day WHERE day >= '2026-08-01')) x;
-- the first level cannot be dropped under the second (its _live view reads
-- the first one's)
\set VERBOSITY terse
SELECT analytics.drop_materialized_aggregate('daily_screen_time');
\set VERBOSITY default
-- dropping the second level takes the triggers off the first table; the
-- new events are deleted again
SELECT analytics.drop_materialized_aggregate('screen_time_per_day');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'analytics.daily_screen_time'::regclass;
DELETE FROM analytics.events WHERE session_id IN ('s4', 's5');
SELECT * FROM analytics.refresh_materialized_aggregate('daily_screen_time');
SELECT day, session_id, events FROM analytics.daily_screen_time ORDER BY day;

-- Validation: names and expressions cannot inject SQL, missing columns
-- are named, and nothing is left behind by a failed call.
\set VERBOSITY terse
SELECT analytics.create_materialized_aggregate('x; drop table public.sales', 'public.sales', 'ts', '1 day', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('X', 'public.sales', 'ts', '1 day', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate(repeat('x', 41), 'public.sales', 'ts', '1 day', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('daily_sales', 'public.sales', 'ts', '1 day', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}',
	'{"count(*) AS n FROM public.sales; DROP TABLE public.sales; --"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}',
	'{"count(*)) AS n FROM public.sales; DROP TABLE public.sales; SELECT (1"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{count(*) AS n}',
	'true) OR (true');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{count(*) AS n}',
	'true GROUP BY 1; DROP TABLE public.sales');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{"shop, amount"}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}',
	'{"(SELECT count(*) FROM pg_authid) AS n"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}',
	'{"sum(amount) FILTER (WHERE EXISTS (SELECT FROM pg_authid)) AS n"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{"count(*) OVER () AS n"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{*}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{"  "}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{sum(amount)}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{"count(*) AS day"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{shop}', '{"count(*) AS shop"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{"count(*) AS n"}', 'amount > 0 AS f');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{nope}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{"sum(nope) AS n"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{"amount AS n"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{"count(*) AS c"}', '{"count(*) AS n"}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'nope', '1 day', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'shop', '1 day', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 month 2 days', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '0 seconds', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.visits', 'on_day', '1 hour', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('x', 'public.daily_sales_scratch', 'bucket', '1 day', '{}', '{count(*) AS n}');
CREATE TEMP TABLE caller_table (ts timestamptz);
SELECT analytics.create_materialized_aggregate('x', 'pg_temp.caller_table', 'ts', '1 day', '{}', '{count(*) AS n}');
SELECT * FROM analytics.refresh_materialized_aggregate('nope');
SELECT analytics.drop_materialized_aggregate('nope');
\set VERBOSITY default
SELECT count(*) AS left_behind FROM pg_class
WHERE relnamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace)
	AND (relname IN ('x', 'x_live') OR relname LIKE '\_matagg\_shape%');
-- the failed calls left the table and its data alone
SELECT count(*) AS sales FROM public.sales;

-- Privileges. The expressions run as the role that defined the aggregate,
-- whoever refreshes: a superuser's refresh does not run an admin's
-- function as superuser.
CREATE ROLE mat_ops IN ROLE analytics_admin;
CREATE ROLE mat_bi IN ROLE analytics_reader;
CREATE FUNCTION public.whoami(numeric) RETURNS text LANGUAGE sql AS $$ SELECT current_user::text $$;
GRANT SELECT, TRIGGER ON public.sales TO mat_ops;
SET ROLE mat_bi;
SELECT analytics.create_materialized_aggregate('x', 'public.sales', 'ts', '1 day', '{}', '{count(*) AS n}');
SELECT count(*) FROM analytics.daily_sales;
SET ROLE mat_ops;
-- without TRIGGER on a table outside the schema analytics: refused
SELECT analytics.create_materialized_aggregate('x', 'public.visits', 'at', '1 day', '{}', '{count(*) AS n}');
SELECT analytics.create_materialized_aggregate('sales_by', 'public.sales', 'ts', '1 month', '{}',
	'{max(public.whoami(amount)) AS who, count(*) AS n}') AS rows;
RESET ROLE;
SELECT * FROM analytics.sales_by;
INSERT INTO public.sales VALUES (11, '2026-11-06 10:00Z', 'c', 1);
SELECT * FROM analytics.refresh_materialized_aggregate('sales_by');
SELECT * FROM analytics.sales_by;
SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
WHERE c.oid IN ('analytics.sales_by'::regclass, 'analytics.sales_by_live'::regclass) ORDER BY 1;
SET ROLE mat_bi;
SELECT who, n FROM analytics.sales_by_live;
SELECT name, rows FROM analytics.materialized_aggregates WHERE name = 'sales_by';
RESET ROLE;
-- another admin may refresh it (computing as mat_ops) but not drop it
CREATE ROLE mat_other IN ROLE analytics_admin;
SET ROLE mat_other;
SELECT * FROM analytics.refresh_materialized_aggregate('sales_by');
\set VERBOSITY terse
SELECT analytics.drop_materialized_aggregate('sales_by');
SELECT analytics.schedule_refresh('sales_by', '0 * * * *');
\set VERBOSITY default
RESET ROLE;
DROP ROLE mat_other;
-- the definer loses the right to read the source: the refresh fails, as
-- them, and changes nothing
REVOKE SELECT ON public.sales FROM mat_ops;
INSERT INTO public.sales VALUES (12, '2026-11-07 10:00Z', 'c', 1);
\set VERBOSITY terse
SELECT * FROM analytics.refresh_materialized_aggregate('sales_by');
\set VERBOSITY default
SELECT n FROM analytics.sales_by;
GRANT SELECT ON public.sales TO mat_ops;

-- Scheduling (pg_cron): a named job; scheduling again replaces it.
SELECT analytics.schedule_refresh('daily_sales', '*/10 * * * *') > 0 AS scheduled;
SELECT analytics.schedule_refresh('daily_sales', '0 * * * *') > 0 AS scheduled;
SELECT jobname, schedule FROM cron.job WHERE jobname LIKE 'analytics\_refresh\_%';
SELECT name, job_type, schedule, is_active FROM analytics.scheduled_jobs;
-- a run through the registry, recorded like a scheduled one
INSERT INTO public.sales VALUES (13, '2026-11-08 10:00Z', 'c', 1);
SELECT analytics.run_job('refresh_daily_sales') AS rows_affected;
SELECT job_name, status, rows_affected FROM analytics.job_runs;

-- Drop: table, view, job, and the triggers with the last aggregate of
-- their table.
SELECT analytics.drop_materialized_aggregate('daily_sales');
SELECT count(*) AS jobs FROM cron.job WHERE jobname = 'analytics_refresh_daily_sales';
SELECT count(*) AS registered FROM analytics.jobs WHERE name = 'refresh_daily_sales';
SELECT to_regclass('analytics.daily_sales') IS NULL AS dropped, to_regclass('analytics.daily_sales_live') IS NULL AS view_dropped;
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'public.sales'::regclass;
SELECT analytics.drop_materialized_aggregate(name) FROM analytics.materialized_aggregates WHERE source = 'public.sales';
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'public.sales'::regclass;
SELECT count(*) AS changes_left FROM analytics_internal.materialized_aggregate_changes
WHERE aggregate NOT IN (SELECT name FROM analytics.materialized_aggregates);

-- Built-in aggregates: made by CREATE EXTENSION, not scheduled, not
-- droppable; the views of the dashboards read their _live views.
SELECT name, source, dimensions, filter IS NOT NULL AS filtered FROM analytics.materialized_aggregates
WHERE builtin ORDER BY name;
SELECT analytics.drop_materialized_aggregate('event_days');
SELECT count(*) AS builtin_jobs FROM analytics.jobs WHERE name LIKE 'refresh\_%' AND name IN
	(SELECT 'refresh_' || name FROM analytics.materialized_aggregates WHERE builtin);
-- Events, by hand (session_idle_timeout 1800 s, no duration_ms):
--   s1 (u1): 11-10 23:50 home, 23:55 map, 11-11 00:10 tap (no screen)
--   s2 (u2): 11-10 10:00 home, 10:01 search, 10:03 scroll
--   import steps: u1 started csv 11-10 09:00, u1 completed csv 11-10 09:05,
--     u2 started csv 11-10 11:00, u2 started ics 11-11 08:00, u3 started
--     with a numeric method 11-10 (no method: left out)
-- event_counts_daily: 11-10 open_screen 3 events 2 users 2 sessions,
--   schedule_import_step 4 (u1, u2, u3) 3 users 0 sessions, scroll 1 1 1,
--   search 1 1 1; 11-11 schedule_import_step 1 1 0, tap 1 1 1
-- screen_time_by_day: 11-10 home 300 (s1 23:50-23:55) + 180 (s2 10:00 to
--   10:03, search and scroll on home) = 480 s, 2 views; map 0 s (the last
--   event of s1 that day), 1 view; 2 sessions. 11-11: s1's tap shows no
--   screen: no row (the 15 minutes across midnight count toward no day).
-- import_funnel_days: 11-10 csv started 2, file_selected 0, completed 1,
--   users_started 2, users_completed 1; 11-11 ics started 1, users 1, 0.
DELETE FROM analytics.events;
INSERT INTO analytics.events (event_id, occurred_at, received_at, event_name, session_id, user_id, screen, props)
SELECT gen_random_uuid(), v.ts, v.ts, v.name, v.sid, v.uid, v.screen, v.props::jsonb
FROM (VALUES
	('2026-11-10 23:50Z'::timestamptz, 'open_screen', 's1', 'u1', 'home', '{}'),
	('2026-11-10 23:55Z', 'open_screen', 's1', 'u1', 'map', '{}'),
	('2026-11-11 00:10Z', 'tap', 's1', 'u1', NULL, '{}'),
	('2026-11-10 10:00Z', 'open_screen', 's2', 'u2', 'home', '{}'),
	('2026-11-10 10:01Z', 'search', 's2', 'u2', NULL, '{}'),
	('2026-11-10 10:03Z', 'scroll', 's2', 'u2', NULL, '{}'),
	('2026-11-10 09:00Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "csv", "step": "started"}'),
	('2026-11-10 09:05Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "csv", "step": "completed"}'),
	('2026-11-10 11:00Z', 'schedule_import_step', NULL, 'u2', NULL, '{"method": "csv", "step": "started"}'),
	('2026-11-11 08:00Z', 'schedule_import_step', NULL, 'u2', NULL, '{"method": "ics", "step": "started"}'),
	('2026-11-10 12:00Z', 'schedule_import_step', NULL, 'u3', NULL, '{"method": 5, "step": "started"}')
) v(ts, name, sid, uid, screen, props);
-- before any refresh (the changed days from the events) and after
SELECT * FROM analytics.event_counts_daily WHERE day >= '2026-11-10' ORDER BY day, event_name;
SELECT day, screen, seconds, views, sessions FROM analytics.screen_time_by_day ORDER BY day, screen;
SELECT day, method, started, file_selected, completed, users_started, users_completed
FROM analytics.import_funnel_days_live ORDER BY day, method;
-- each recomputes 11-10, 11-11 and the days of the events deleted above
SELECT name, r.refreshed_buckets >= 2 AS recomputed, r.inserted_rows FROM analytics.materialized_aggregates m,
	analytics.refresh_materialized_aggregate(m.name) r
WHERE m.builtin AND m.source = 'analytics.events' ORDER BY name;
SELECT (SELECT count(*) FROM analytics.event_days) AS event_day_rows,
	(SELECT count(*) FROM analytics.screen_time_session_days) AS session_day_rows,
	(SELECT count(*) FROM analytics.import_funnel_days) AS funnel_rows;
SELECT * FROM analytics.event_counts_daily WHERE day >= '2026-11-10' ORDER BY day, event_name;
SELECT day, screen, seconds, views, sessions FROM analytics.screen_time_by_day ORDER BY day, screen;
SELECT day, method, started, file_selected, completed, users_started, users_completed
FROM analytics.import_funnel_days ORDER BY day, method;
-- retention: a day whose raw events are gone stays in the daily counts
-- (drop_partitions detaches whole months; here the rows of 11-11 go
-- without the triggers seeing it, as a dropped partition's would)
ALTER TABLE analytics.events DISABLE TRIGGER analytics_matagg_delete;
DELETE FROM analytics.events WHERE occurred_at >= '2026-11-11';
ALTER TABLE analytics.events ENABLE ALWAYS TRIGGER analytics_matagg_delete;
SELECT day, event_name, events FROM analytics.event_counts_daily WHERE day = '2026-11-11' ORDER BY 2;

SELECT analytics.drop_materialized_aggregate(name) FROM analytics.materialized_aggregates WHERE NOT builtin;
DROP FUNCTION public.whoami(numeric), public.daily_sales_differs(regclass);
DROP VIEW public.daily_sales_scratch;
DROP TABLE public.sales, public.visits;
DROP ROLE mat_ops, mat_bi;
RESET analytics.mock_now;
DROP EXTENSION pg_cron;
DROP EXTENSION analytics;
