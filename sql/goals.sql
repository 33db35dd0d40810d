-- KPI goals: current value, progress, forecast (against R's lm:
-- test/reference/goals_forecast.R), on-track, projected completion, daily
-- required progress, status at the boundaries, alerts exactly once,
-- validation, privileges. Values by hand unless marked R.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

-- A daily series of one's own, and two metrics over it: amount (a sum) and
-- 100 x ok / total (a ratio: 1 of 20 every day, 5%).
CREATE TABLE public.daily (day date PRIMARY KEY, amount float8, ok float8, total float8);
GRANT SELECT ON public.daily TO PUBLIC;
INSERT INTO public.daily (day, amount, ok, total)
SELECT '2026-03-01'::date + i::int, v, 1, 20
FROM unnest(ARRAY[5.5, 7.25, 6.0, 8.5, 7.75, 9.0, 10.5, 9.25, 11.0, 12.5, 11.75, 3.0]::float8[]) WITH ORDINALITY x(v, i);
-- 03-02 .. 03-12 complete (99 in all), 03-13 (today below) 3 so far
SELECT min(day), max(day), sum(amount) FILTER (WHERE day <= '2026-03-12') AS complete_total FROM public.daily;
SELECT analytics.create_metric('test_amount', 'sum',
	query => 'SELECT d.day, d.amount FROM public.daily d WHERE d.day BETWEEN $1 AND $2');
SELECT analytics.create_metric('test_rate', 'ratio', scale => 100,
	query => 'SELECT d.day, d.ok, d.total FROM public.daily d WHERE d.day BETWEEN $1 AND $2');

-- forecast_total against R (lm of the 11 complete days on t = 0 .. 10, the
-- 19 days t = 11 .. 29): total 356.25, 95% interval 305.310635707801 to
-- 407.189364292199, 80% 325.106892045192 to 387.393107954808; the interval
-- of the total, not the sum of 19 daily intervals (which is wider)
SELECT abs((f).total - 356.25) < 1e-9 AS total_r, abs((f).lower - 305.310635707801) < 1e-9 AS lower_r,
	abs((f).upper - 407.189364292199) < 1e-9 AS upper_r, (f).season,
	abs((f80).lower - 325.106892045192) < 1e-9 AND abs((f80).upper - 387.393107954808) < 1e-9 AS r_80,
	(f).upper - (f).lower < (SELECT sum(p.upper - p.lower) FROM unnest(pts) p) AS narrower_than_summed
FROM (SELECT analytics.forecast_total(timezone('UTC', d.day::timestamp), d.amount, 19, '1 day', 0.95, 0) AS f,
		analytics.forecast_total(timezone('UTC', d.day::timestamp), d.amount, 19, '1 day', 0.8, 0) AS f80,
		analytics.linear_forecast(timezone('UTC', d.day::timestamp), d.amount, 19, '1 day', 0.95, 0) AS pts
	FROM public.daily d WHERE d.day <= '2026-03-12') x;

-- Goals, now 2026-03-13 12:00 UTC:
--   a: test_amount >= 300 from 03-02 to 03-31, alert at 50%
--   e: test_amount >= 1000 over the same days (off track)
--   c: test_amount >= 1000 from 03-02 to 03-05 (over: failed)
--   b: test_rate <= 10 from 03-02 to 03-10 (over: judged, achieved)
--   f: test_amount >= 200 from 03-02 to 03-13 (its end day: still active)
--   g: test_amount >= 50 from 03-13 to 03-20 (its start day)
--   h: test_amount >= 50 from 03-20 to 03-31 (not started)
--   d: no metric, 100, alert at 50%
SET analytics.mock_now = '2026-03-13 12:00:00+00';
CREATE TEMP TABLE ids AS
SELECT 'a' AS k, analytics.create_goal('a', 'test_amount', 300, '2026-03-02', '2026-03-31', alert_threshold => 50) AS id
UNION ALL SELECT 'e', analytics.create_goal('e', 'test_amount', 1000, '2026-03-02', '2026-03-31')
UNION ALL SELECT 'c', analytics.create_goal('c', 'test_amount', 1000, '2026-03-02', '2026-03-05')
UNION ALL SELECT 'b', analytics.create_goal('b', 'test_rate', 10, '2026-03-02', '2026-03-10', direction => 'at_most')
UNION ALL SELECT 'f', analytics.create_goal('f', 'test_amount', 200, '2026-03-02', '2026-03-13')
UNION ALL SELECT 'g', analytics.create_goal('g', 'test_amount', 50, '2026-03-13', '2026-03-20')
UNION ALL SELECT 'h', analytics.create_goal('h', 'test_amount', 50, '2026-03-20', '2026-03-31')
UNION ALL SELECT 'd', analytics.create_goal('d', NULL, 100, '2026-03-01', '2026-03-31', alert_threshold => 50);
SELECT analytics.update_goals() AS computed;
-- By hand: a current 99 + 3 = 102, 34%, (300 - 102) / 19 days left =
-- 10.42105..; forecast (R) 99 + 356.25 = 455.25 from 404.310635707801 to
-- 506.189364292199: on track; running total 99 + the daily forecasts
-- reaches 300 on 03-25 (R). e: the same forecast, 10.2%, off track,
-- (1000 - 102) / 19 = 47.26315.., 1000 reached on 04-18 (R); c: 5.5 + 7.25
-- + 6 + 8.5 = 27.25, over since 03-05: failed; b: 100 x 9 / 180 = 5 <= 10
-- after 03-10: achieved; f: 102 on its last day: active, 98 to go in 1 day,
-- forecast (R) 99 + 12.9 for 03-13 = 111.9 from 109.742039602641 to
-- 114.057960397359 < 200: off track (200 on 03-19, R); g: 3 on its first
-- day, no complete day to fit, (50 - 3) / 8 = 5.875; h: not started; d:
-- nothing recorded.
SELECT i.k, g.status, g.current_value, round(g.progress_percentage::numeric, 6) AS progress,
	round(g.daily_required_progress::numeric, 6) AS required, g.on_track, g.projected_completion_date AS completion
FROM analytics.goals g JOIN ids i USING (id) ORDER BY i.k;
SELECT i.k, abs(g.forecast_value - 455.25) < 1e-9 AS value_r, abs(g.forecast_lower - 404.310635707801) < 1e-9 AS lower_r,
	abs(g.forecast_upper - 506.189364292199) < 1e-9 AS upper_r
FROM analytics.goals g JOIN ids i USING (id) WHERE i.k IN ('a', 'e') ORDER BY i.k;
SELECT abs(g.forecast_value - 111.9) < 1e-9 AS value_r, abs(g.forecast_lower - 109.742039602641) < 1e-9 AS lower_r,
	abs(g.forecast_upper - 114.057960397359) < 1e-9 AS upper_r
FROM analytics.goals g JOIN ids i USING (id) WHERE i.k = 'f';
SELECT i.k, g.forecast_value IS NULL AS no_forecast FROM analytics.goals g JOIN ids i USING (id)
WHERE i.k IN ('c', 'b', 'g', 'h', 'd') ORDER BY i.k;
-- alerts: b achieved, c failed, e and f off track
SELECT i.k, a.kind, a.episode, a.payload ->> 'name' AS name FROM analytics.goal_alerts a JOIN ids i ON i.id = a.goal_id
ORDER BY i.k, a.kind;
-- again: nothing new (exactly once); finished goals frozen
SELECT analytics.update_goals() AS computed;
SELECT count(*) AS alerts FROM analytics.goal_alerts;

-- 03-14: 03-13 ends at 3, 250 arrive on 03-14. a: 99 + 3 + 250 = 352 >=
-- 300: achieved, with its threshold alert (117% >= 50%); e: 352, still off
-- track (no second alert); f: its end day passed at 102: failed; g: 3 + 250
-- = 253 >= 50: achieved (one complete day: no forecast).
INSERT INTO public.daily VALUES ('2026-03-14', 250, 1, 20);
SET analytics.mock_now = '2026-03-14 08:00:00+00';
SELECT analytics.update_goals() AS computed;
SELECT i.k, g.status, g.current_value, g.on_track FROM analytics.goals g JOIN ids i USING (id)
WHERE i.k IN ('a', 'e', 'f', 'g') ORDER BY i.k;
SELECT i.k, a.kind, a.episode FROM analytics.goal_alerts a JOIN ids i ON i.id = a.goal_id ORDER BY i.k, a.kind;

-- By hand: 60 of 100 crosses 50% (one alert), 70 does not alert again, a
-- new target (200) re-arms it: 70 is 35%, 120 is 60% (its second alert),
-- 200 achieves it.
SELECT analytics.record_progress((SELECT id FROM ids WHERE k = 'd'), 60);
SELECT analytics.record_progress((SELECT id FROM ids WHERE k = 'd'), 70);
SELECT analytics.update_goal((SELECT id FROM ids WHERE k = 'd'), target_value => 200);
SELECT progress_percentage, alert_sent FROM analytics.goals WHERE id = (SELECT id FROM ids WHERE k = 'd');
SELECT analytics.record_progress((SELECT id FROM ids WHERE k = 'd'), 120);
SELECT analytics.record_progress((SELECT id FROM ids WHERE k = 'd'), 200);
SELECT a.kind, a.episode, (a.payload ->> 'current_value')::float8 AS at_value FROM analytics.goal_alerts a
WHERE a.goal_id = (SELECT id FROM ids WHERE k = 'd') ORDER BY a.id;
SELECT status FROM analytics.goals WHERE id = (SELECT id FROM ids WHERE k = 'd');

-- Cancelled by hand only, then frozen; a finished goal cannot change.
SELECT analytics.cancel_goal((SELECT id FROM ids WHERE k = 'h'));
SELECT status FROM analytics.goals WHERE id = (SELECT id FROM ids WHERE k = 'h');
SELECT analytics.update_goal((SELECT id FROM ids WHERE k = 'h'), target_value => 10);
SELECT analytics.record_progress((SELECT id FROM ids WHERE k = 'a'), 1);

-- Validation
SELECT analytics.create_goal('x', 'no_such_metric', 1, '2026-03-01', '2026-03-31');
SELECT analytics.create_goal('x', 'test_amount', 1, '2026-03-31', '2026-03-01');
SELECT analytics.create_goal('x', 'test_amount', 'NaN', '2026-03-01', '2026-03-31');
SELECT analytics.create_goal('x', 'test_amount', 1, '2026-03-01', '2026-03-31', direction => 'more');
SELECT analytics.create_goal('x', 'test_amount', 1, '2026-03-01', '2026-03-31', confidence => 0.999);
SELECT analytics.create_goal('x', 'test_amount', 1, '2026-03-01', '2026-03-31', alert_threshold => -5);
SELECT analytics.record_progress((SELECT id FROM ids WHERE k = 'e'), 5);
SELECT analytics.cancel_goal('00000000-0000-4000-8000-000000000000');
SELECT count(*) AS goals FROM analytics.goals;

-- The BI view: plain scalar columns
SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
WHERE a.attrelid = 'analytics.goal_progress'::regclass AND a.attnum > 0 ORDER BY a.attnum;
SELECT name, status, round(progress_percentage::numeric, 2) AS progress FROM analytics.goal_progress ORDER BY name;

-- Privileges: readers read goals; only the creating role (or a member)
-- changes a goal.
CREATE ROLE goal_admin IN ROLE analytics_admin;
CREATE ROLE goal_other IN ROLE analytics_admin;
CREATE ROLE goal_reader IN ROLE analytics_reader;
SET ROLE goal_admin;
SELECT analytics.create_goal('mine', NULL, 10, '2026-03-01', '2026-03-31') IS NOT NULL AS created;
RESET ROLE;
SET ROLE goal_other;
SELECT analytics.record_progress((SELECT id FROM analytics.goals WHERE name = 'mine'), 5);
RESET ROLE;
SET ROLE goal_reader;
SELECT count(*) > 0 AS reads FROM analytics.goal_progress;
SELECT analytics.update_goals();
RESET ROLE;
SET ROLE goal_admin;
SELECT analytics.record_progress((SELECT id FROM analytics.goals WHERE name = 'mine'), 5);
RESET ROLE;
SELECT current_value, created_by FROM analytics.goals WHERE name = 'mine';
DELETE FROM analytics.goals WHERE name = 'mine';
DROP ROLE goal_admin, goal_other, goal_reader;

-- Last and average metrics, and goals sharing a metric (one series read
-- for all of them), now 2026-05-07 12:00 UTC. Exact lines, so the
-- intervals have no width; by hand:
--   test_level (last): 10, 12, 14, 16, 18 on 05-01 .. 05-05, nothing on
--   05-06 and 05-07. L, at most 40 from 05-01 to 05-20: current 18 (the last
--   value); forecast at 05-20, 19 days after the first value: 10 + 2 x 19 =
--   48 (the line at end_date, not 14 steps after the last value): off track.
--   test_ms (average): numerators 100 + 10 t and denominators 2 on 05-01 ..
--   05-06 (t = 0 .. 5), 50 / 1 so far today. A, at most 60 from 05-01 to
--   05-10: current (750 + 50) / 13 = 61.538461..; forecast (750 + 160 + 170
--   + 180 + 190) / (12 + 4 x 2) = 1450 / 20 = 72.5. B, from 05-03 to 05-10:
--   current (540 + 50) / 9 = 65.5555..; forecast (540 + 700) / 16 = 77.5.
CREATE TABLE public.levels (day date PRIMARY KEY, level float8, ms float8, n float8);
GRANT SELECT ON public.levels TO PUBLIC;
INSERT INTO public.levels
SELECT '2026-05-01'::date + t, CASE WHEN t <= 4 THEN 10 + 2 * t END, 100 + 10 * t, 2 FROM generate_series(0, 5) t;
INSERT INTO public.levels VALUES ('2026-05-07', NULL, 50, 1);
SELECT analytics.create_metric('test_level', 'last',
	query => 'SELECT d.day, d.level FROM public.levels d WHERE d.day BETWEEN $1 AND $2 AND d.level IS NOT NULL');
SELECT analytics.create_metric('test_ms', 'average',
	query => 'SELECT d.day, d.ms, d.n FROM public.levels d WHERE d.day BETWEEN $1 AND $2');
SET analytics.mock_now = '2026-05-07 12:00:00+00';
SELECT analytics.create_goal('L', 'test_level', 40, '2026-05-01', '2026-05-20', 'at_most') IS NOT NULL AS l,
	analytics.create_goal('A', 'test_ms', 60, '2026-05-01', '2026-05-10', 'at_most') IS NOT NULL AS a,
	analytics.create_goal('B', 'test_ms', 60, '2026-05-03', '2026-05-10', 'at_most') IS NOT NULL AS b;
SELECT analytics.update_goals() >= 3 AS updated;
SELECT name, status, round(current_value::numeric, 6) AS current_value, round(forecast_value::numeric, 6) AS forecast,
	round(forecast_lower::numeric, 6) AS lower, round(forecast_upper::numeric, 6) AS upper, on_track
FROM analytics.goals WHERE name IN ('L', 'A', 'B') ORDER BY name;
DELETE FROM analytics.goals WHERE name IN ('L', 'A', 'B');
SELECT analytics.drop_metric('test_level'), analytics.drop_metric('test_ms');
DROP TABLE public.levels;

-- Scheduling: the registry's job goal_update
CREATE EXTENSION pg_cron;
SELECT analytics.schedule_goal_updates() > 0 AS scheduled;
SELECT name, job_type, schedule, command FROM analytics.jobs WHERE name = 'goal_update';
SELECT analytics.schedule_goal_updates('0 * * * *') > 0 AS rescheduled;
SELECT schedule FROM analytics.jobs WHERE name = 'goal_update';
SELECT analytics.schedule_goal_updates(NULL);
SELECT count(*) AS jobs FROM analytics.jobs WHERE name = 'goal_update';
DROP EXTENSION pg_cron;

RESET analytics.mock_now;
DROP EXTENSION analytics CASCADE;
DROP TABLE public.daily;
