#!/usr/bin/env bash
# make demo: packages, build, install, a throwaway cluster with pg_cron,
# demo data, the answers, and how to connect. Safe to run again.
# Its days are those before analytics_internal._now(), in UTC (the views' days), so
# PGOPTIONS='-c analytics.mock_now=2031-01-01' shows the demo of another date.
source "$(dirname "$0")/lib.sh"

DEMO_PORT=${DEMO_PORT:-5499}
DEMO_DB=analytics_demo

ensure_packages
build_and_install ""
say "starting the demo cluster (test/tmp/demo, port $DEMO_PORT, pg_cron preloaded)"
start_cluster demo "$DEMO_PORT" "$DEMO_DB"
ensure_database "$DEMO_DB"

say "creating the extension and loading demo events"
$PSQL -d "$DEMO_DB" -f "$ROOT/test/demo_events.sql"

$PSQL -d "$DEMO_DB" -P footer=off <<'SQL'
\echo
\echo 'What was collected, by event (all demo days)'
SELECT event_name, count(*) AS events, count(DISTINCT user_id) AS users,
	count(DISTINCT session_id) AS sessions, min(occurred_at)::date AS first_day,
	max(occurred_at)::date AS last_day
FROM analytics.events GROUP BY 1 ORDER BY 2 DESC;

\echo 'Events per day, last 7 days (analytics.event_counts_daily)'
SELECT day,
	sum(events) FILTER (WHERE event_name = 'open_screen') AS open_screen,
	sum(events) FILTER (WHERE event_name = 'home_filters_opened') AS home_filters_opened,
	sum(events) FILTER (WHERE event_name = 'booking_created') AS booking_created,
	sum(events) FILTER (WHERE event_name = 'schedule_import_step') AS schedule_import_step,
	sum(events) AS all_events
FROM analytics.event_counts_daily
WHERE day > timezone('UTC', analytics_internal._now())::date - 7
GROUP BY day ORDER BY day;

\echo 'Rejected events, kept with their reason (analytics.rejected_events)'
SELECT id, payload, reason FROM analytics.rejected_events ORDER BY id;

\echo 'Where the events are stored (monthly partitions)'
SELECT tableoid::regclass AS partition, count(*) AS events FROM analytics.events GROUP BY 1 ORDER BY 1;

\echo 'Scheduled with pg_cron'
SELECT jobname, schedule, command FROM cron.job ORDER BY jobname;

\echo 'The job registry (analytics.scheduled_jobs)'
SELECT name, job_type, schedule, is_active, next_run_at, last_status, run_count, success_count, failure_count
FROM analytics.scheduled_jobs ORDER BY name;
SQL

$PSQL -d "$DEMO_DB" -P footer=off <<'SQL'
\echo 'Where students spend their time (analytics.screen_time_stats)'
SELECT screen, round(total_seconds::numeric, 1) AS total_seconds, views, sessions, users,
	round(avg_seconds_per_session::numeric, 1) AS avg_seconds_per_session
FROM analytics.screen_time_stats ORDER BY total_seconds DESC, screen;

\echo 'Home filters applied (analytics.filter_usage)'
SELECT filter, uses, users FROM analytics.filter_usage ORDER BY uses DESC, filter;

\echo 'Most used booking tags by building and time window (analytics.booking_tags, top 12)'
SELECT building, time_window, tag, bookings FROM analytics.booking_tags
ORDER BY bookings DESC, building, time_window, tag LIMIT 12;

\echo 'Schedule import funnel per method (analytics.schedule_import_funnel)'
SELECT method, step, step_name, users, dropoff_from_previous, round(dropoff_pct::numeric, 1) AS dropoff_pct
FROM analytics.schedule_import_funnel ORDER BY method, step;

\echo 'Schedule import summary (analytics.schedule_import_summary)'
SELECT most_common_method, highest_dropoff_method, highest_dropoff_step FROM analytics.schedule_import_summary;

\echo 'Per-attempt import funnel by method, within 1 hour (analytics.funnel, C aggregates)'
SELECT breakdown AS method, step, step_name, entities AS sessions,
	round(conversion_from_previous::numeric, 3) AS conversion, dropoff_from_previous AS dropoff,
	round(median_seconds_from_previous::numeric, 1) AS median_seconds
FROM analytics.funnel('{started,file_selected,completed}', '1 hour', analytics_internal._now() - interval '29 days', analytics_internal._now(),
	entity => 'session_id', event_name => 'schedule_import_step', step_property => 'step',
	breakdown_property => 'method');

\echo 'Events per day (analytics.event_counts_daily, last 3 days)'
SELECT day, event_name, events, users, sessions FROM analytics.event_counts_daily
WHERE day > timezone('UTC', analytics_internal._now())::date - 3 ORDER BY day, event_name;

\echo 'Trend of each event''s daily count over the demo period (analytics.trend_summary)'
SELECT event_name, (t).n AS days, round((t).slope_per_step::numeric, 2) AS change_per_day,
	round((t).slope_p_value::numeric, 4) AS p_value, (t).direction, round((t).r_squared::numeric, 3) AS r_squared
FROM (SELECT event_name, analytics.trend_summary(day::timestamp AT TIME ZONE 'UTC', events, '1 day') AS t
	FROM analytics.event_counts_daily WHERE day < timezone('UTC', analytics_internal._now())::date GROUP BY event_name) s
ORDER BY event_name;

\echo 'Forecast of daily counts, next 7 days of the 2 most frequent events (analytics.event_forecast)'
SELECT day, event_name, round(forecast::numeric, 1) AS forecast, round(lower::numeric, 1) AS lower,
	round(upper::numeric, 1) AS upper
FROM analytics.event_forecast
WHERE event_name IN (SELECT event_name FROM analytics.event_counts_daily
		GROUP BY event_name ORDER BY sum(events) DESC LIMIT 2)
	AND day < (SELECT min(day) + 7 FROM analytics.event_forecast)
ORDER BY event_name, day;

\echo 'Daily anomalies, latest 8 (analytics.event_anomalies: |z| > analytics.anomaly_threshold, 3,'
\echo 'against the 28 days before; complete UTC days only)'
SELECT day, event_name, events, round(zscore::numeric, 2) AS zscore
FROM analytics.event_anomalies WHERE is_anomaly ORDER BY day DESC, event_name LIMIT 8;
SQL

say "loading a year of retail demo data through staging into the star schema"
$PSQL -d "$DEMO_DB" -P footer=off <<'SQL'
\echo 'Staged (analytics.generate_demo_sales: 2025, seed 1, with deliberate bad rows)'
SELECT * FROM analytics.generate_demo_sales();
\echo 'Loaded (analytics.load_warehouse: rows_in = inserted + updated + unchanged + duplicates + rejected)'
SELECT * FROM analytics.load_warehouse();
\echo 'KPI summaries refreshed for the loaded days (analytics.refresh_retail_summaries(): runs of consecutive days)'
SELECT * FROM analytics.refresh_retail_summaries();
\echo 'The refresh scheduled every 5 minutes, for the next loads (analytics.schedule_kpi_refresh)'
SELECT analytics.schedule_kpi_refresh() IS NOT NULL AS kpi_refresh_scheduled \gset
SELECT jobname, schedule, command FROM cron.job ORDER BY jobname;
\echo 'Quarantined rows by reason (analytics.load_rejects; values elided)'
SELECT entity, regexp_replace(reason, '''[^'']*''', '''...''', 'g') AS reason, count(*) AS rows
FROM analytics.load_rejects GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 10;
\echo 'Daily KPIs, last 7 days (analytics.kpi_daily: completed sales)'
SELECT * FROM analytics.kpi_daily ORDER BY day DESC LIMIT 7;
\echo 'Sales by month with month-over-month growth (analytics.sales_monthly)'
SELECT month, revenue, orders, avg_order_value, profit_margin_pct, new_customers, mom_growth_pct
FROM analytics.sales_monthly ORDER BY month;
\echo 'Segments in the last month (analytics.customer_segments)'
SELECT * FROM analytics.customer_segments WHERE month = (SELECT max(month) FROM analytics.customer_segments) ORDER BY revenue DESC;
\echo 'Payments, last 3 days (analytics.payment_kpis_daily)'
SELECT * FROM analytics.payment_kpis_daily ORDER BY day DESC LIMIT 3;
\echo 'Most valuable customers (analytics.customer_value: CLV = AOV x orders per year x expected lifespan)'
SELECT customer_id, customer_name, segment, orders, revenue, avg_order_value, purchase_frequency,
	expected_lifespan_years, clv
FROM analytics.customer_value ORDER BY clv DESC LIMIT 5;
SQL

say "the built-in materialized aggregates, refreshed by pg_cron every minute"
$PSQL -d "$DEMO_DB" -P footer=off <<'SQL'
SELECT count(analytics.schedule_refresh(name, '* * * * *')) AS scheduled
FROM analytics.materialized_aggregates WHERE builtin \gset
SELECT sum(r.refreshed_buckets) AS refreshed FROM analytics.materialized_aggregates m,
	analytics.refresh_materialized_aggregate(m.name) r WHERE m.builtin \gset
\echo 'The materialized aggregates (analytics.materialized_aggregates)'
SELECT name, source, bucket, dimensions, rows, pending_buckets, last_refresh_buckets FROM analytics.materialized_aggregates ORDER BY name;
\echo 'Screen time by screen, last 28 days (analytics.screen_time_by_day: the daily per-session states rolled up)'
SELECT screen, round(sum(seconds)) AS seconds, sum(views) AS views
FROM analytics.screen_time_by_day
WHERE day > timezone('UTC', analytics_internal._now())::date - 28
GROUP BY screen ORDER BY 2 DESC LIMIT 6;
\echo 'Daily sales metrics, last 5 days (analytics.metrics_daily)'
SELECT * FROM analytics.metrics_daily ORDER BY day DESC LIMIT 5;
\echo 'A late event arrives; analytics.event_counts_daily (the _live view of event_days) is exact before the next refresh'
SELECT analytics.track('open_screen', occurred_at => analytics_internal._now() - interval '3 days', screen => 'home') IS NOT NULL AS tracked \gset
SELECT m.day, m.events AS materialized, l.events AS live
FROM analytics.event_days m JOIN analytics.event_counts_daily l USING (day, event_name)
WHERE event_name = 'open_screen' AND m.day = timezone('UTC', analytics_internal._now() - interval '3 days')::date;
SQL

say "KPI goals over the metric catalog, updated by pg_cron every 15 minutes"
$PSQL -d "$DEMO_DB" -P footer=off <<'SQL'
-- two goals over the last 20 days and the next 10: the events at 1.1 times
-- their pace so far (alert at 50%), and at 3 times (off track)
WITH pace AS (
	SELECT sum(value) / 20 AS per_day FROM analytics.metric_values('events',
		timezone('UTC', analytics_internal._now())::date - 20, timezone('UTC', analytics_internal._now())::date - 1)
)
SELECT count(analytics.create_goal(g.name, 'events', round(p.per_day * 31 * g.factor),
		timezone('UTC', analytics_internal._now())::date - 20, timezone('UTC', analytics_internal._now())::date + 10,
		alert_threshold => 50)) AS goals
FROM pace p, (VALUES ('Events at 1.1x pace', 1.1), ('Events at 3x pace', 3.0)) g(name, factor) \gset
SELECT analytics.update_goals() AS computed \gset
SELECT analytics.schedule_goal_updates() IS NOT NULL AS goals_scheduled \gset
\echo 'Goals (analytics.goal_progress): progress, forecast at the end day with its 95% interval, on track'
SELECT name, status, target_value, current_value, round(progress_percentage::numeric, 1) AS progress_pct,
	round(forecast_value::numeric) AS forecast, round(forecast_lower::numeric) AS lower, round(forecast_upper::numeric) AS upper,
	on_track, projected_completion_date, round(daily_required_progress::numeric, 1) AS required_per_day
FROM analytics.goal_progress ORDER BY name;
\echo 'Their alerts (analytics.goal_alerts, also sent as NOTIFY analytics_goal_alerts)'
SELECT g.name, a.kind, a.payload ->> 'progress_percentage' AS progress_pct
FROM analytics.goal_alerts a JOIN analytics.goals g ON g.id = a.goal_id ORDER BY a.id;
\echo 'Monthly revenue and payment failure rate from the metric catalog (analytics.metric_values)'
SELECT r.period_start AS month, round(r.value::numeric, 2) AS revenue, round(f.value::numeric, 2) AS failure_rate_pct
FROM analytics.metric_values('revenue', '2025-01-01', '2025-12-31', 'month') r
JOIN analytics.metric_values('payment_failure_rate', '2025-01-01', '2025-12-31', 'month') f USING (period_start)
ORDER BY 1 LIMIT 6;
SQL

say "reports: one of each format, made in the database (analytics.generate_report)"
$PSQL -d "$DEMO_DB" -P footer=off <<'SQL'
-- the retail demo data is 2025: its last month, and its last week
SELECT analytics.generate_report('monthly_sales', 'custom', 'pdf', '{"from": "2025-12-01", "to": "2025-12-31"}') IS NOT NULL AS pdf,
	analytics.generate_report('monthly_sales', 'custom', 'xlsx', '{"from": "2025-12-01", "to": "2025-12-31"}') IS NOT NULL AS xlsx,
	analytics.generate_report('daily_kpi_summary', 'custom', 'csv', '{"from": "2025-12-31", "to": "2025-12-31"}') IS NOT NULL AS csv,
	analytics.generate_report('app_usage', 'weekly', 'html') IS NOT NULL AS html,
	analytics.generate_report('goal_progress', 'monthly', 'json') IS NOT NULL AS json \gset
-- the monthly sales report, every 1st of the month at 06:00 UTC (add
-- recipients, and set analytics.smtp_server, to have it emailed)
SELECT analytics.schedule_report('monthly_sales_pdf', 'monthly_sales', 'pdf', '0 6 1 * *') IS NOT NULL AS scheduled \gset
\echo 'Reports (analytics.reports): the files are kept in the database'
SELECT name, format, status, pg_size_pretty(file_size) AS size, left(sha256, 12) AS sha256
FROM analytics.reports ORDER BY created_at, format;
SQL
reports_dir="$WORK/demo-reports"
rm -rf "$reports_dir" && mkdir -p "$reports_dir"
$PSQL -d "$DEMO_DB" -Atc "SELECT id || ' ' || analytics_internal._report_filename(name, format) FROM analytics.reports WHERE status = 'completed'" |
	while read -r id file; do
		$PSQL -d "$DEMO_DB" -Atc "SELECT encode(analytics.report_file('$id'), 'base64')" | base64 -d >"$reports_dir/$file"
	done
echo "The report files, saved from analytics.report_file(id), are in $reports_dir:"
ls -l "$reports_dir" | sed 1d | awk '{ printf "  %8s  %s\n", $5, $9 }'

say "waiting (at most 150 s) for pg_cron to run the refresh jobs once"
for _ in $(seq 1 75); do
	n=$($PSQL -d "$DEMO_DB" -Atc "SELECT count(*) FROM analytics.job_runs WHERE job_name LIKE 'refresh\_%' AND status <> 'running'")
	[ "$n" -ge 6 ] && break
	sleep 2
done
$PSQL -d "$DEMO_DB" -P footer=off <<'SQL'
\echo 'The job registry (analytics.scheduled_jobs): runs recorded by the extension'
SELECT name, job_type, schedule, is_active, last_status, run_count, success_count, failure_count,
	last_run_at IS NOT NULL AS has_run, next_run_at
FROM analytics.scheduled_jobs ORDER BY name;
\echo 'Their runs (analytics.job_runs)'
SELECT job_name, status, manual, rows_affected, error FROM analytics.job_runs ORDER BY run_id;
SQL

say "the demo database is running. Connect with:"
echo "  psql \"host=localhost port=$DEMO_PORT dbname=$DEMO_DB user=postgres\""
echo "Stop it with: $( is_root && echo 'runuser -u postgres -- ' )$PGBIN/pg_ctl -D $CLUSTER_DIR/data stop"
