#!/usr/bin/env bash
# pg_dump / pg_restore keeps every stored and rejected event, partitions
# included, and every row of the retail warehouse (staging, dimensions,
# facts, load runs, rejects and the days each run changed, the customer rows
# kept for SCD type 2, the KPI summaries and their refresh watermark), reports
# with their files, templates, scheduled reports and queued emails: every
# table the extension registers for pg_dump. The restore runs without a
# single error.
# Runs against the cluster make test started (PGHOST/PGPORT exported).
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
src=it_dump
dst=it_restore
dump="$WORK/it/analytics.dump"

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" -c "CREATE DATABASE $src"
$PSQL -d "$src" >/dev/null <<'SQL'
CREATE EXTENSION analytics;
SELECT analytics.generate_demo_events(40, 45, 3, '2026-11-21');
SELECT count(*) FROM analytics.ensure_partitions();
-- parked in the DEFAULT partition: a month before the first partition
SELECT analytics.track('parked', '{"why": "no partition"}', '2025-06-01 10:00Z', user_id => 'u-parked');
SELECT * FROM analytics.track_batch('[{"event_name": ""}, {"event_name": "x", "colour": 1}, 7]');
-- a materialized aggregate (an ordinary table in schema analytics; its
-- definition and change log are extension configuration tables)
SELECT analytics.create_materialized_aggregate('daily_counts', 'analytics.events', 'occurred_at', '1 day',
	ARRAY['event_name'], ARRAY['count(*) AS events']);
-- a metric of one's own (the catalog is dumped without the shipped ones)
SELECT analytics.create_metric('daily_count_events', 'sum', 'daily_counts', measure => 'events');
-- the built-in daily counts, refreshed, then a day whose raw events go
-- unseen by the triggers (as a dropped partition's would): it stays
-- materialized, through the dump too
SELECT analytics.track('retired', occurred_at => '2026-10-01 09:00Z') IS NOT NULL;
SELECT count(*) FROM analytics.refresh_materialized_aggregate('event_days');
ALTER TABLE analytics.events DISABLE TRIGGER analytics_matagg_delete;
DELETE FROM analytics.events WHERE event_name = 'retired';
ALTER TABLE analytics.events ENABLE ALWAYS TRIGGER analytics_matagg_delete;
SQL
# The warehouse: the test fixtures loaded (rows in every dimension, fact,
# run and reject), then the same files staged again and left in staging.
fixtures="$ROOT/test/data/warehouse"
stage_fixtures() {
	$PSQL -d "$src" <<SQL
\\copy analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active) FROM '$fixtures/channels.csv' CSV HEADER
\\copy analytics.stg_products (product_id, product_name, category, subcategory, unit_cost, unit_price, supplier_id, active) FROM '$fixtures/products.csv' CSV HEADER
\\copy analytics.stg_stores (store_id, store_name, city, state, region, country, manager, open_date, active) FROM '$fixtures/stores.csv' CSV HEADER
\\copy analytics.stg_customers (customer_id, first_name, last_name, email, phone, city, state, region, country, segment, updated_at) FROM '$fixtures/customers.csv' CSV HEADER
\\copy analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id, payment_method, quantity, unit_price, discount, status) FROM '$fixtures/sales.csv' CSV HEADER
\\copy analytics.stg_payments (transaction_id, txn_ts, customer_id, channel_id, city, amount, status, processing_time) FROM '$fixtures/payments.csv' CSV HEADER
\\copy analytics.stg_interactions (interaction_id, customer_id, channel_id, interaction_type, interaction_ts, duration, status) FROM '$fixtures/interactions.csv' CSV HEADER
SQL
}
stage_fixtures
$PSQL -d "$src" -c "SELECT count(*) FROM analytics.load_warehouse()" \
	-c "SELECT count(*) FROM analytics.refresh_retail_summaries()" >/dev/null
stage_fixtures
# reports with their files (PDF and Excel), a failed one, a template of
# one's own, a scheduled report and a queued email
$PSQL -d "$src" >/dev/null <<'SQL'
SET client_min_messages = error;
SELECT analytics.create_report_template('channels', 'Channels', '[{"kind": "table", "main": true,
	"query": "SELECT s.channel, sum(s.revenue) AS revenue FROM analytics.sales_daily s WHERE s.day BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 1"}]');
SELECT analytics.generate_report('monthly_sales', 'custom', f, '{"from": "2024-01-01", "to": "2024-12-31"}')
FROM unnest(ARRAY['pdf', 'xlsx', 'csv']) f;
SELECT analytics.generate_report('channels', 'custom', 'csv', '{"from": "2024-01-01", "to": "2024-12-31", "section": "nope"}');
SELECT analytics.schedule_report('channels_monthly', 'channels', 'xlsx', '0 6 1 * *', ARRAY['team@example.com']);
SELECT analytics.email_report(id, ARRAY['a@example.com']) FROM analytics.reports WHERE format = 'pdf';
SQL

# What must survive: rows and checksums of events (by partition) and rejected events.
state() {
	$PSQL -d "$1" <<'SQL'
SELECT 'events', count(*), md5(string_agg(e::text, '|' ORDER BY e.event_id, e.occurred_at)) FROM analytics.events e;
SELECT 'partition ' || tableoid::regclass, count(*), md5(string_agg(e::text, '|' ORDER BY e.event_id, e.occurred_at))
FROM analytics.events e GROUP BY tableoid ORDER BY 1;
SELECT 'rejected', count(*), md5(string_agg(r::text, '|' ORDER BY r.id)) FROM analytics.rejected_events r;
SELECT 'materialized', count(*), md5(string_agg(m::text, '|' ORDER BY m.bucket, m.event_name)) FROM analytics.daily_counts m;
SELECT 'indexes', count(*), string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text)
FROM pg_index WHERE indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'analytics.events'::regclass);
SELECT 'table ' || c.oid::regclass, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]::text,
	(xpath('/row/m/text()', query_to_xml(format('SELECT md5(string_agg(t::text, ''|'' ORDER BY t::text)) AS m FROM %s t', c.oid::regclass), false, true, '')))[1]::text
-- every table of user data the extension registers for pg_dump
FROM pg_class c WHERE c.relkind = 'r'
	AND c.oid = ANY ((SELECT e.extconfig FROM pg_extension e WHERE e.extname = 'analytics')::oid[])
	-- the materialized aggregates' change log gains the restore's own
	-- inserts into events (harmless: those days are recomputed once), and
	-- the built-in rows of the aggregate and metric catalogs are made by
	-- CREATE EXTENSION, not dumped
	AND c.oid NOT IN ('analytics_internal.materialized_aggregate_changes'::regclass,
		'analytics_internal.materialized_aggregates'::regclass, 'analytics.metrics'::regclass,
		'analytics.report_templates'::regclass)
ORDER BY 1;
SELECT 'metrics', count(*), md5(string_agg(m::text, '|' ORDER BY m.name)) FROM analytics.metrics m WHERE NOT m.builtin;
SELECT 'templates', count(*), md5(string_agg(t::text, '|' ORDER BY t.name)) FROM analytics.report_templates t WHERE NOT t.builtin;
SELECT 'catalog', count(*), md5(string_agg(m::text, '|' ORDER BY m.name))
FROM analytics_internal.materialized_aggregates m WHERE NOT m.builtin;
SELECT 'built-in event_days', count(*), md5(string_agg(m::text, '|' ORDER BY m.bucket, m.event_name)) FROM analytics.event_days m;
SQL
}
before=$(state "$src")
head -3 <<<"$before"	# (a pipe into head could end echo with SIGPIPE, fatal under pipefail)
[ "$(echo "$before" | grep -c '^partition analytics.events_default|1|')" = 1 ] || { echo "expected one parked event"; exit 1; }
[ "$($PSQL -d "$src" -Atc "SELECT count(*) FROM analytics.event_days WHERE event_name = 'retired'")" = 1 ] || { echo "expected the retired event's day materialized"; exit 1; }
[ "$(echo "$before" | grep '^rejected' | cut -d'|' -f2)" = 3 ] || { echo "expected three rejected events"; exit 1; }
# 25 facts and dimension rows loaded, 19 rejects, 48 rows staged again
[ "$(echo "$before" | grep '^table analytics.load_rejects|' | cut -d'|' -f2)" = 19 ] || { echo "expected 19 load rejects"; exit 1; }
[ "$(echo "$before" | grep '^table analytics.fact_sales|' | cut -d'|' -f2)" = 6 ] || { echo "expected 6 sales"; exit 1; }
[ "$(echo "$before" | grep '^table analytics.stg_sales|' | cut -d'|' -f2)" = 16 ] || { echo "expected 16 staged sales"; exit 1; }
[ "$(echo "$before" | grep '^table analytics.customer_source_rows|' | cut -d'|' -f2)" = 4 ] || { echo "expected 4 customer rows kept"; exit 1; }
# the run's 5 days, refreshed: 3 summary days, the watermark at run 1
[ "$(echo "$before" | grep '^table analytics.load_run_days|' | cut -d'|' -f2)" = 5 ] || { echo "expected 5 load run days"; exit 1; }
[ "$($PSQL -d "$src" -Atc 'SELECT count(*) FROM analytics.retail_daily_totals')" = 3 ] || { echo "expected 3 summary days"; exit 1; }
[ "$(echo "$before" | grep '^table analytics_internal.retail_summaries_watermark|' | cut -d'|' -f2)" = 1 ] || { echo "expected the watermark"; exit 1; }
[ "$(echo "$before" | grep '^table analytics.reports|' | cut -d'|' -f2)" = 4 ] || { echo "expected 4 reports"; exit 1; }
[ "$(echo "$before" | grep '^table analytics.report_deliveries|' | cut -d'|' -f2)" = 1 ] || { echo "expected 1 delivery"; exit 1; }
[ "$(echo "$before" | grep '^templates|' | cut -d'|' -f2)" = 1 ] || { echo "expected 1 template of one's own"; exit 1; }

"$PGBIN/pg_dump" -Fc -f "$dump" "$src"
$PSQL -d postgres -c "CREATE DATABASE $dst"
# --exit-on-error: any error during the restore fails the test
"$PGBIN/pg_restore" --exit-on-error -d "$dst" "$dump" 2>"$WORK/it/restore.err"
if [ -s "$WORK/it/restore.err" ]; then
	echo "pg_restore printed:"; cat "$WORK/it/restore.err"; exit 1
fi
after=$(state "$dst")
if [ "$before" != "$after" ]; then
	echo "restored state differs"; diff <(echo "$before") <(echo "$after"); exit 1
fi
echo "restored: identical counts and checksums ($(echo "$after" | grep -c '^partition') partitions)"

# The restored database keeps working: ids continue, partitions are found.
$PSQL -d "$dst" <<'SQL' | tee "$WORK/it/after-restore.out"
SELECT rejected = 1 AS rejected_again FROM analytics.track_batch('[{"event_name": ""}]');
SELECT max(id) = 4 AS ids_continue FROM analytics.rejected_events;
SELECT count(*) = 1 AS parked_moved FROM analytics.ensure_partitions() WHERE moved_events > 0;
SELECT analytics.track('after_restore', occurred_at => '2026-11-20 10:00Z') IS NOT NULL AS tracked;
-- the watermark came along: the restored run's days are refreshed already
SELECT count(*) = 0 AS nothing_to_refresh FROM analytics.refresh_retail_summaries();
-- the staged files load as a reload (all unchanged), and the run ids continue
SELECT sum(inserted + updated) = 0 AND sum(unchanged) = 25 AS reload_unchanged FROM analytics.load_warehouse();
SELECT max(run_id) = 2 AND count(*) = 2 AS runs_continue FROM analytics.load_runs;
-- the reload's 5 days (apart from each other) are refreshed, the watermark at run 2
SELECT count(*) = 5 AS reload_refreshed FROM analytics.refresh_retail_summaries();
SELECT last_run_id = 2 AS watermark_moved FROM analytics_internal.retail_summaries_watermark;
-- the materialized aggregate: its table and change log came back; the
-- triggers on analytics.events are the extension's own (its built-in
-- aggregates need them), so CREATE EXTENSION made them again, and the
-- restore's COPY into events logged its days: the refresh makes the table
-- equal the events (those tracked since the restore included), then
-- changes are logged as before
SELECT count(*) = 4 AS triggers_back FROM pg_trigger WHERE tgrelid = 'analytics.events'::regclass AND tgname LIKE 'analytics\_matagg\_%';
SELECT refreshed_buckets > 0 AS rebuilt FROM analytics.refresh_materialized_aggregate('daily_counts');
SELECT count(*) = 0 AS equals_scratch FROM (
	(SELECT bucket, day, event_name, events FROM analytics.daily_counts
	 EXCEPT SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC'), (occurred_at AT TIME ZONE 'UTC')::date, event_name, count(*)
		FROM analytics.events GROUP BY 1, 2, 3)
	UNION ALL
	(SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC'), (occurred_at AT TIME ZONE 'UTC')::date, event_name, count(*)
		FROM analytics.events GROUP BY 1, 2, 3
	 EXCEPT SELECT bucket, day, event_name, events FROM analytics.daily_counts)) x;
SELECT analytics.track('logged_again', occurred_at => '2026-11-20 11:00Z') IS NOT NULL AS tracked_again;
SELECT pending_buckets = 1 AS logged_again FROM analytics.materialized_aggregates WHERE name = 'daily_counts';
-- the built-in aggregate, refreshed after the restore: the retired event's
-- day (no raw event left) is still there
SELECT count(*) >= 0 AS refreshed FROM analytics.refresh_materialized_aggregate('event_days');
SELECT events = 1 AS retained_day_kept FROM analytics.event_counts_daily WHERE event_name = 'retired' AND day = '2026-10-01';
-- the user's metric came back, and reads its aggregate
SELECT sum(value) = (SELECT sum(events) FROM analytics.daily_counts_live WHERE day BETWEEN '2026-10-01' AND '2026-11-30') AS metric_restored
FROM analytics.metric_values('daily_count_events', '2026-10-01', '2026-11-30', 'month');
SQL
[ "$(tr -d '\n' < "$WORK/it/after-restore.out")" = "ttttttttttttttttt" ] || { echo "restored database misbehaves"; exit 1; }
echo "dump/restore ok"
