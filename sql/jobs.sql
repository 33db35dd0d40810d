-- The scheduled-job registry: analytics.jobs, analytics.job_runs,
-- analytics.scheduled_jobs, create_job, alter_job, drop_job, run_job.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never
SET analytics.mock_now = '2026-03-01 12:50:00+00';

CREATE TABLE public.job_log (n int, config text);
GRANT INSERT ON public.job_log TO PUBLIC;

-- Without pg_cron: the job is registered, not scheduled.
SELECT analytics.create_job('load_three', 'data_sync', '0 0 29 2 *',
	'INSERT INTO public.job_log (n) SELECT g FROM pg_catalog.generate_series(1, 3) g');
SELECT name, job_type, schedule, is_active, is_scheduled, last_run_at, next_run_at, last_status,
	run_count, success_rate, avg_seconds, config_text
FROM analytics.scheduled_jobs;

-- A manual run: recorded running, then success with the rows inserted (3);
-- the clock is analytics.mock_now, so it takes 0 seconds.
SELECT analytics.run_job('load_three') AS run_id;
SELECT count(*) AS logged FROM public.job_log;
SELECT run_id, job_name, started_at, finished_at, status, error, rows_affected, manual, config FROM analytics.job_runs;

-- The command reads its config: the job's, with run_job's override merged in.
SELECT analytics.create_job('with_config', 'report', '0 0 29 2 *',
	$$INSERT INTO public.job_log (config) VALUES (analytics.job_config()::text)$$,
	'{"days": 7, "target": "screen"}');
SELECT analytics.run_job('with_config');
SELECT analytics.run_job('with_config', '{"days": 28, "extra": true}');
SELECT config FROM public.job_log WHERE config IS NOT NULL ORDER BY config;
SELECT run_id, config FROM analytics.job_runs WHERE job_name = 'with_config' ORDER BY run_id;
-- outside a run
SELECT analytics.job_config();

-- A failing run: the error goes on to the caller, the command's work is
-- undone, and the failure is recorded (by a worker, so it survives).
SELECT analytics.create_job('fails', 'custom', '0 0 29 2 *',
	'INSERT INTO public.job_log (n) VALUES (1 / 0)');
SELECT analytics.run_job('fails');
SELECT count(*) AS logged FROM public.job_log;
SELECT run_id, status, error, rows_affected, finished_at FROM analytics.job_runs WHERE job_name = 'fails';
-- other jobs are not disturbed
SELECT analytics.run_job('load_three') AS run_id;

-- Created and run in one transaction: the run is recorded with the
-- transaction (no worker can see the job yet).
BEGIN;
SELECT analytics.create_job('same_xact', 'custom', '0 0 29 2 *', 'SELECT 1');
SELECT analytics.run_job('same_xact') IS NOT NULL AS ran;
COMMIT;
SELECT status, rows_affected FROM analytics.job_runs WHERE job_name = 'same_xact';
-- A running row left by a run whose transaction was rolled back after its
-- row was committed: the next run marks it failed.
BEGIN;
SELECT analytics.run_job('load_three') IS NOT NULL AS ran;
SELECT status FROM analytics.job_runs WHERE run_id = (SELECT max(run_id) FROM analytics.job_runs);
ROLLBACK;
SELECT run_id, status FROM analytics.job_runs WHERE job_name = 'load_three' ORDER BY run_id;
SELECT analytics.run_job('load_three') IS NOT NULL AS ran;
SELECT run_id, status, error FROM analytics.job_runs WHERE job_name = 'load_three' ORDER BY run_id;

-- The registry's figures, for runs written by hand (12:50 is now):
-- success 10:00:00-10:00:30 (30 s), success 11:00:00-11:01:00 (60 s), failed
-- 12:00:00-12:00:15 (15 s, "boom"), skipped at 12:30 (not a run).
-- run_count 3, success_count 2, failure_count 1, success_rate 2/3,
-- avg_seconds (30 + 60 + 15) / 3 = 35, last run the failed one at 12:00.
SELECT analytics.create_job('figures', 'refresh', '*/20 * * * *', 'SELECT 1');
INSERT INTO analytics.job_runs (job_id, job_name, started_at, finished_at, status, error)
SELECT job_id, name, s::timestamptz, f::timestamptz, st, e
FROM analytics.jobs, (VALUES ('2026-03-01 10:00:00+00', '2026-03-01 10:00:30+00', 'success', NULL),
	('2026-03-01 11:00:00+00', '2026-03-01 11:01:00+00', 'success', NULL),
	('2026-03-01 12:00:00+00', '2026-03-01 12:00:15+00', 'failed', 'boom'),
	('2026-03-01 12:30:00+00', '2026-03-01 12:30:00+00', 'skipped', 'a run of this job was still going')) v(s, f, st, e)
WHERE name = 'figures';
SELECT name, last_run_at, last_status, last_error, run_count, success_count, failure_count,
	round(success_rate::numeric, 4) AS success_rate, avg_seconds
FROM analytics.scheduled_jobs WHERE name = 'figures';
-- load_three: 4 runs, 3 success (the 1st, 2nd and 4th), 1 failed (the rolled-back one), 0 s each
SELECT name, last_status, run_count, success_count, failure_count, round(success_rate::numeric, 4) AS success_rate, avg_seconds
FROM analytics.scheduled_jobs WHERE name = 'load_three';

-- With pg_cron: alter_job schedules the jobs registered before it. Their
-- schedules fire on 29 February or are paused, so pg_cron runs nothing
-- while this test runs.
CREATE EXTENSION pg_cron;
SELECT analytics.alter_job('figures', is_active => false);
SELECT analytics.alter_job('load_three');
SELECT jobname, schedule, command, active FROM cron.job ORDER BY jobname;
-- next run after 12:50 of 1 March 2026 on 29 February: 2028-02-29 (2027
-- is not a leap year); figures is paused: none
SELECT name, is_active, is_scheduled, next_run_at FROM analytics.scheduled_jobs WHERE name IN ('figures', 'load_three') ORDER BY 1;
-- every 20 minutes once active again: 13:00
SELECT analytics.alter_job('figures', is_active => true, schedule => '*/20 * 29 2 *', config => '{"k": 1}');
SELECT jobname, schedule, active FROM cron.job WHERE jobname = 'analytics_figures';
SELECT name, schedule, next_run_at, config, config_text FROM analytics.scheduled_jobs WHERE name = 'figures';
SELECT analytics.alter_job('figures', schedule => '*/20 * * * *', is_active => false);
SELECT name, next_run_at FROM analytics.scheduled_jobs WHERE name = 'figures';
-- created with pg_cron: scheduled at once; the pg_cron command names the registry id
SELECT analytics.create_job('nightly', 'goal_update', '@daily', 'SELECT 1', '{"goal": "sessions"}') > 0 AS scheduled;
SELECT c.command = format('SELECT analytics_internal._job_tick(%L, %s)', j.name, j.job_id) AS wrapper, c.schedule, c.active
FROM cron.job c JOIN analytics.jobs j ON j.cron_job_id = c.jobid WHERE j.name = 'nightly';
SELECT analytics.alter_job('nightly', is_active => false);
-- the wrapper: a tick whose id no longer carries that name runs nothing
SELECT analytics_internal._job_tick('nightly', 999);
-- a tick of a paused job runs nothing either
SELECT analytics_internal._job_tick('nightly', (SELECT job_id FROM analytics.jobs WHERE name = 'nightly'));

-- drop_job: unscheduled, its runs gone
SELECT analytics.drop_job('load_three');
SELECT count(*) AS load_three_runs FROM analytics.job_runs WHERE job_name = 'load_three';
SELECT jobname FROM cron.job ORDER BY 1;

-- Validation: nothing is created or scheduled
SELECT analytics.create_job('Bad Name', 'custom', '* * * * *', 'SELECT 1');
SELECT analytics.create_job(repeat('a', 49), 'custom', '* * * * *', 'SELECT 1');
SELECT analytics.create_job('x;drop', 'custom', '* * * * *', 'SELECT 1');
SELECT analytics.create_job('ok_name', 'cleanup', '* * * * *', 'SELECT 1');
SELECT analytics.create_job('ok_name', 'custom', '61 * * * *', 'SELECT 1');
SELECT analytics.create_job('ok_name', 'custom', '0 0 30 2 *', 'SELECT 1');
SELECT analytics.create_job('ok_name', 'custom', NULL, 'SELECT 1');
SELECT analytics.create_job('ok_name', 'custom', '* * * * *', '  ');
SELECT analytics.create_job('ok_name', 'custom', '* * * * *', 'SELECT 1', '[1]');
SELECT analytics.create_job('nightly', 'custom', '* * * * *', 'SELECT 1');
SELECT analytics.alter_job('figures', schedule => 'every day');
SELECT analytics.alter_job('figures', config => '"x"');
SELECT analytics.alter_job('no_such_job', is_active => true);
SELECT analytics.drop_job('no_such_job');
SELECT analytics.run_job('no_such_job');
SELECT analytics.run_job('figures', '[]');
SELECT count(*) AS jobs FROM analytics.jobs;
SELECT jobname FROM cron.job ORDER BY 1;
-- the table checks writes that bypass the functions
INSERT INTO analytics.jobs (name, job_type, schedule, command) VALUES ('direct', 'custom', '* * * 13 *', 'SELECT 1');

-- A command that runs its own job fails at once (instead of recursing
-- until the stack gives out).
SELECT analytics.create_job('selfish', 'custom', '0 0 29 2 *', $$SELECT analytics.run_job('selfish')$$) > 0 AS scheduled;
\set VERBOSITY terse
SELECT analytics.run_job('selfish');
\set VERBOSITY default
-- two runs of one job in one transaction are not a recursion
SELECT analytics.create_job('twice', 'custom', '0 0 29 2 *', 'SELECT 1') > 0 AS scheduled;
BEGIN;
SELECT analytics.run_job('twice') IS NOT NULL AS first, analytics.run_job('twice') IS NOT NULL AS second;
COMMIT;
SELECT status, count(*) FROM analytics.job_runs WHERE job_name = 'twice' GROUP BY 1;
SELECT analytics.drop_job('twice');
SELECT analytics.drop_job('selfish');

-- Roles: a job runs as the role that created it, and only that role runs it;
-- readers read the registry; others see nothing.
CREATE ROLE test_jobs_ops LOGIN IN ROLE analytics_admin;
CREATE ROLE test_jobs_ops2 LOGIN IN ROLE analytics_admin;
CREATE ROLE test_jobs_bi LOGIN IN ROLE analytics_reader;
CREATE ROLE test_jobs_nobody LOGIN;
GRANT USAGE ON SCHEMA cron TO test_jobs_ops, test_jobs_ops2;
SET ROLE test_jobs_ops;
SELECT analytics.create_job('ops_job', 'report', '0 0 29 2 *',
	$$INSERT INTO public.job_log (config) VALUES (current_user)$$) > 0 AS scheduled;
SELECT analytics.run_job('ops_job') IS NOT NULL AS ran;
SELECT analytics.run_job('ops_job', '{"again": 1}') IS NOT NULL AS ran;
SELECT analytics.run_job('nightly');
SET ROLE test_jobs_ops2;
SELECT analytics.run_job('ops_job');
SELECT analytics.alter_job('ops_job', is_active => false);
SELECT analytics.drop_job('ops_job');
UPDATE analytics.jobs SET command = 'SELECT 2' WHERE name = 'ops_job';
-- nor, through the columns admins may write, retune another's job or
-- forge its runs: row security lets each role change only its own
UPDATE analytics.jobs SET config = '{"retuned": true}', schedule = '* * * * *' WHERE name = 'ops_job';
DELETE FROM analytics.jobs WHERE name = 'ops_job';
INSERT INTO analytics.job_runs (job_id, job_name, started_at, status)
SELECT job_id, name, '2026-11-20 12:00Z', 'success' FROM analytics.jobs WHERE name = 'ops_job';
UPDATE analytics.job_runs SET status = 'success', error = NULL WHERE job_name = 'ops_job';
-- still there, unchanged: config {}, schedule 0 0 29 2 *
SELECT name, config, schedule FROM analytics.jobs WHERE name = 'ops_job';
SET ROLE test_jobs_bi;
SELECT name, last_status, run_count, success_count FROM analytics.scheduled_jobs WHERE name = 'ops_job';
SELECT count(*) FROM analytics.job_runs;
SELECT analytics.run_job('ops_job');
SET ROLE test_jobs_nobody;
SELECT count(*) FROM analytics.scheduled_jobs;
SELECT analytics.create_job('nobody_job', 'custom', '* * * * *', 'SELECT 1');
RESET ROLE;
SELECT config FROM public.job_log WHERE config LIKE 'test%';
SELECT j.name, j.owner, c.username FROM analytics.jobs j JOIN cron.job c ON c.jobid = j.cron_job_id WHERE j.name = 'ops_job';
-- a superuser alters and drops any job, but runs only its own
SELECT analytics.run_job('ops_job');
SELECT analytics.drop_job('ops_job');

-- Retention: the maintenance job (schedule_maintenance, registered through
-- create_job) deletes runs that finished more than analytics.job_run_retention
-- ago (a running run is kept). 12:50 now, retention 1 hour: the runs of
-- "figures" that finished at 10:00:30 and 11:01:00 go, the failed one
-- (12:00:15) and the skipped one (12:30) stay.
SHOW analytics.job_run_retention;
SELECT analytics.schedule_maintenance() > 0 AS scheduled;
SELECT name, job_type, schedule, is_active, next_run_at FROM analytics.scheduled_jobs WHERE name = 'ensure_partitions';
SELECT jobname, schedule, command LIKE 'SELECT analytics_internal._job_tick(''ensure_partitions'', %)' AS wrapper FROM cron.job WHERE jobname = 'analytics_ensure_partitions';
SET analytics.job_run_retention = '1h';
SELECT analytics.run_job('ensure_partitions') IS NOT NULL AS ran;
SELECT status, started_at FROM analytics.job_runs WHERE job_name = 'figures' ORDER BY started_at;
SELECT name, last_status, run_count FROM analytics.scheduled_jobs WHERE name = 'ensure_partitions';
-- scheduling again keeps one job and changes its schedule
SELECT analytics.schedule_maintenance('30 1 * * *') > 0 AS rescheduled;
SELECT name, schedule FROM analytics.scheduled_jobs WHERE name = 'ensure_partitions';
SELECT count(*) FROM cron.job WHERE jobname = 'analytics_ensure_partitions';
RESET analytics.job_run_retention;

-- Every column of the view is a plain scalar but config
SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
WHERE a.attrelid = 'analytics.scheduled_jobs'::regclass AND a.attnum > 0 ORDER BY a.attnum;

DROP EXTENSION pg_cron;
DROP EXTENSION analytics CASCADE;
DROP TABLE public.job_log;
DROP OWNED BY test_jobs_ops, test_jobs_ops2, test_jobs_bi, test_jobs_nobody;
DROP ROLE test_jobs_ops, test_jobs_ops2, test_jobs_bi, test_jobs_nobody;
