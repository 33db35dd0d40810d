#!/usr/bin/env bash
# Real pg_cron fires jobs of the registry: two jobs scheduled every minute
# ('* * * * *') in the cron database (analytics_it), one that inserts 2 rows,
# one that divides by zero. pg_cron 1.4 ticks once a minute, so the test
# polls (once a second, at most 150 s) until both have a finished run fired
# by pg_cron, then checks what the registry says: the first succeeded (2 rows
# affected, success_rate 1, no error), the second failed with PostgreSQL's
# message ("division by zero"), each recorded by the extension's wrapper
# (manual = false), and pg_cron's own log agrees (the wrapper raises the
# job's error after recording it). The database is dropped at the end (WITH
# (FORCE): pg_cron's launcher is connected to it), as it was before.
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
db=analytics_it

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
trap '$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
$PSQL -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION pg_cron;
CREATE EXTENSION analytics;
CREATE TABLE public.cron_log (n int);
SELECT analytics.create_job('it_ok', 'custom', '* * * * *',
	'INSERT INTO public.cron_log SELECT g FROM pg_catalog.generate_series(1, 2) g');
SELECT analytics.create_job('it_fail', 'custom', '* * * * *', 'SELECT 1 / 0');
SQL

finished() {
	$PSQL -d "$db" -c "SELECT count(DISTINCT job_name) FROM analytics.job_runs
		WHERE NOT manual AND status IN ('success', 'failed')"
}
for i in $(seq 1 150); do
	[ "$(finished)" = 2 ] && break
	sleep 1
done
[ "$(finished)" = 2 ] || { echo "pg_cron did not run both jobs within 150 s"; $PSQL -d "$db" -c "TABLE analytics.job_runs"; exit 1; }
# the jobs stop here, so that the figures below do not move
$PSQL -d "$db" -c "SELECT analytics.alter_job('it_ok', is_active => false), analytics.alter_job('it_fail', is_active => false)" >/dev/null
# a run that pg_cron started before the pause ends (each job's runs hold its lock)
for i in $(seq 1 60); do
	[ "$($PSQL -d "$db" -c "SELECT count(*) FROM analytics.job_runs WHERE status = 'running'")" = 0 ] && break
	sleep 1
done

got=$($PSQL -d "$db" <<'SQL'
SELECT name, last_status, COALESCE(last_error, '-'), run_count = success_count + failure_count,
	success_count > 0, failure_count, success_rate, avg_seconds >= 0, next_run_at IS NULL
FROM analytics.scheduled_jobs WHERE name = 'it_ok';
SELECT name, last_status, last_error, run_count = failure_count, success_count, failure_count > 0,
	success_rate, avg_seconds >= 0, next_run_at IS NULL
FROM analytics.scheduled_jobs WHERE name = 'it_fail';
-- every run of it_ok inserted its 2 rows, and says so
SELECT bool_and(rows_affected = 2), (SELECT count(*) FROM public.cron_log) = 2 * count(*)
FROM analytics.job_runs WHERE job_name = 'it_ok' AND status = 'success';
-- fired by pg_cron, not by hand; none skipped
SELECT bool_and(NOT manual), count(*) FILTER (WHERE status = 'skipped') FROM analytics.job_runs;
-- pg_cron's log: the wrapper's error for it_fail
SELECT DISTINCT d.status, split_part(d.return_message, E'\n', 1) FROM cron.job_run_details d
JOIN cron.job c ON c.jobid = d.jobid WHERE c.jobname = 'analytics_it_fail' AND d.status <> 'running';
SQL
)
want='it_ok|success|-|t|t|0|1|t|t
it_fail|failed|division by zero|t|0|t|0|t|t
t|t
t|0
failed|ERROR:  job "it_fail" failed: division by zero'
if [ "$got" != "$want" ]; then
	echo "registry after pg_cron's runs:"; echo "$got"; echo "expected:"; echo "$want"
	$PSQL -d "$db" -c "TABLE analytics.job_runs"
	exit 1
fi
echo "pg_cron fired both jobs; the registry shows a success and a failure"
