#!/usr/bin/env bash
# The upgrade chain: 0.1.0 (the frozen install script) updated to the current
# version equals a fresh install of it, and keeps every row.
#
# 1. Catalog: a database with 0.1.0 updated by ALTER EXTENSION ... UPDATE and
#    a database with a fresh install are compared object by object: both are
#    copied, the copies' objects released from the extension (so that pg_dump
#    dumps them, definitions, comments and grants included), and the two
#    schema dumps must be identical.
# 2. Data: a 0.1.0 database holding rows in every table (events in several
#    partitions and parked, rejects, the warehouse loaded from the fixtures
#    and staged again, screen_time states kept in a user table) is updated;
#    every table keeps its rows (the columns 0.1.0 had, checksummed), every
#    stored state reads the same, and the updated database keeps working.
# Runs against the cluster make test started (PGHOST/PGPORT exported).
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
out="$WORK/it"
old=it_up_old
upd=it_up_data
new=it_up_new
version=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$ROOT/analytics.control")
first=0.1.0
[ "$version" != "$first" ] || { echo "nothing to upgrade: the version is still $first"; exit 0; }

for db in $old $upd $new ${old}_copy ${new}_copy; do
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db"
done

# 1. Catalog ---------------------------------------------------------------
$PSQL -d postgres -c "CREATE DATABASE $old" -c "CREATE DATABASE $new"
$PSQL -d "$old" -c "CREATE EXTENSION analytics VERSION '$first'" \
	-c "ALTER EXTENSION analytics UPDATE"
$PSQL -d "$new" -c "CREATE EXTENSION analytics"
for db in $old $new; do
	got=$($PSQL -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'analytics'")
	[ "$got" = "$version" ] || { echo "$db: extension version $got, expected $version"; exit 1; }
done

# The extension's members, as pg_describe_object names them.
members() {
	$PSQL -d "$1" -c "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
		WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
			AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'analytics')
		ORDER BY 1"
}
if ! diff <(members $old) <(members $new) >"$out/upgrade-members.diff"; then
	echo "the updated extension's members differ from a fresh install's (< updated, > fresh):"
	cat "$out/upgrade-members.diff"; exit 1
fi

# pg_dump leaves extension members out: dump copies whose objects are released.
schema_dump() {
	local db=$1 copy=$1_copy
	$PSQL -d postgres -c "CREATE DATABASE $copy TEMPLATE $db"
	$PSQL -d "$copy" -c "DELETE FROM pg_depend WHERE refclassid = 'pg_extension'::regclass
		AND deptype = 'e' AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'analytics')"
	"$PGBIN/pg_dump" --schema-only --no-owner -d "$copy" | grep -v -e '^-- Dumped by pg_dump version' -e '^\\restrict ' -e '^\\unrestrict '
	$PSQL -d postgres -c "DROP DATABASE $copy"
}
schema_dump $old >"$out/upgrade-updated.sql"
schema_dump $new >"$out/upgrade-fresh.sql"
if ! diff -u "$out/upgrade-updated.sql" "$out/upgrade-fresh.sql" >"$out/upgrade-schema.diff"; then
	echo "the updated catalog differs from a fresh install's (- updated, + fresh):"
	head -200 "$out/upgrade-schema.diff"; exit 1
fi
echo "catalog: $first updated to $version equals a fresh install ($(members $new | wc -l) members, $(grep -c '^CREATE' "$out/upgrade-fresh.sql") CREATE statements compared)"

# 2. Data ------------------------------------------------------------------
$PSQL -d postgres -c "CREATE DATABASE $upd"
$PSQL -d "$upd" >/dev/null <<SQL
CREATE EXTENSION analytics VERSION '$first';
SELECT analytics.generate_demo_events(40, 45, 3, '2026-11-21');
SELECT count(*) FROM analytics.ensure_partitions();
-- parked in the DEFAULT partition: a month before the first partition
SELECT analytics.track('parked', '{"why": "no partition"}', '2025-06-01 10:00Z', user_id => 'u-parked');
SELECT * FROM analytics.track_batch('[{"event_name": ""}, {"event_name": "x", "colour": 1}, 7]');
-- screen_time states kept in a user table, per user and rolled up
CREATE TABLE public.kept_screen_time AS
SELECT e.user_id, analytics.screen_seconds(e.occurred_at, e.screen) AS st
FROM analytics.events e GROUP BY e.user_id;
-- events 0.1.0 accepted against the 0.2.0 contract (inserted directly: the
-- 0.2.0 library under 0.1.0's track already refuses them); the update moves
-- them to rejected_events, so the row checks below leave them out
INSERT INTO analytics.events (event_id, occurred_at, event_name, duration_ms, user_id) VALUES
	('badbad00-0000-4000-8000-000000000001', '-infinity', 'bad_time', NULL, NULL),
	('badbad00-0000-4000-8000-000000000002', '2026-11-10 10:00Z', 'bad_duration', 3000000000, NULL),
	('badbad00-0000-4000-8000-000000000003', '2026-11-10 10:00Z', 'bad_user', NULL, repeat('字', 400));
SQL
fixtures="$ROOT/test/data/warehouse"
$PSQL -d "$upd" <<SQL
\\copy analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active) FROM '$fixtures/channels.csv' CSV HEADER
\\copy analytics.stg_products (product_id, product_name, category, subcategory, unit_cost, unit_price, supplier_id, active) FROM '$fixtures/products.csv' CSV HEADER
\\copy analytics.stg_stores (store_id, store_name, city, state, region, country, manager, open_date, active) FROM '$fixtures/stores.csv' CSV HEADER
\\copy analytics.stg_customers (customer_id, first_name, last_name, email, phone, city, state, region, country, segment, updated_at) FROM '$fixtures/customers.csv' CSV HEADER
\\copy analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id, payment_method, quantity, unit_price, discount, status) FROM '$fixtures/sales.csv' CSV HEADER
\\copy analytics.stg_payments (transaction_id, txn_ts, customer_id, channel_id, city, amount, status, processing_time) FROM '$fixtures/payments.csv' CSV HEADER
\\copy analytics.stg_interactions (interaction_id, customer_id, channel_id, interaction_type, interaction_ts, duration, status) FROM '$fixtures/interactions.csv' CSV HEADER
SELECT count(*) FROM analytics.load_warehouse() \\g /dev/null
-- a reload's files left in staging
\\copy analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id, payment_method, quantity, unit_price, discount, status) FROM '$fixtures/sales.csv' CSV HEADER
SQL

# Every table of the extension with rows (registered for pg_dump, and the
# events partitions), the user table of states: rows and a checksum over the
# columns the table had in $first, kept in a table of the test's own.
$PSQL -d "$upd" >/dev/null <<'SQL'
-- tables by name: a table of $first may be a view of the same rows now
-- (analytics.retail_daily_totals, derived from the facts)
CREATE TABLE public.upgrade_snapshot (tbl text, cols text, phase text, n bigint, sum text);
CREATE FUNCTION public.upgrade_snap(phase text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	t record;
	n bigint;
	sum text;
BEGIN
	IF phase = 'before' THEN
		INSERT INTO public.upgrade_snapshot (tbl, cols, phase)
		SELECT c.oid::regclass::text,
			(SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
			 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
			'columns'
		FROM pg_class c
		WHERE c.relkind = 'r' AND (c.oid = ANY ((SELECT e.extconfig FROM pg_extension e WHERE e.extname = 'analytics')::oid[])
			OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'analytics.events'::regclass)
			OR c.oid = 'public.kept_screen_time'::regclass);
	END IF;
	FOR t IN SELECT s.tbl, s.cols FROM public.upgrade_snapshot s WHERE s.phase = 'columns' LOOP
		EXECUTE format('SELECT count(*), md5(string_agg(x, ''|'' ORDER BY x)) FROM (SELECT ROW(%s)::text AS x FROM %s t) s
			WHERE x NOT LIKE ''%%badbad00-%%''', t.cols, t.tbl) INTO n, sum;
		INSERT INTO public.upgrade_snapshot VALUES (t.tbl, t.cols, phase, n, sum);
	END LOOP;
	-- what the stored states say, read through the accessors
	INSERT INTO public.upgrade_snapshot
	SELECT 'public.kept_screen_time', 'readouts', phase, count(*),
		md5(string_agg(x, '|' ORDER BY x))
	FROM (SELECT k.user_id || ':' || r::text AS x FROM public.kept_screen_time k, analytics.screen_time_rows(k.st) r
		UNION ALL SELECT 'rollup:' || r::text FROM analytics.screen_time_rows((SELECT analytics.rollup(k.st) FROM public.kept_screen_time k)) r
		UNION ALL SELECT 'home:' || k.user_id || ':' || analytics.seconds_on(k.st, 'home') FROM public.kept_screen_time k) s;
END
$$;
SELECT public.upgrade_snap('before');
SQL
$PSQL -d "$upd" -c "ALTER EXTENSION analytics UPDATE" -c "SELECT public.upgrade_snap('after')" >/dev/null
lost=$($PSQL -d "$upd" <<'SQL'
SELECT format('%s %s: %s rows (%s) before, %s rows (%s) after', b.tbl, b.cols, b.n, b.sum, a.n, a.sum)
FROM public.upgrade_snapshot b
LEFT JOIN public.upgrade_snapshot a ON a.phase = 'after' AND a.tbl = b.tbl AND a.cols = b.cols
WHERE b.phase = 'before' AND (a.n IS DISTINCT FROM b.n OR a.sum IS DISTINCT FROM b.sum);
SQL
)
if [ -n "$lost" ]; then echo "the update changed rows:"; echo "$lost"; exit 1; fi
summary=$($PSQL -d "$upd" -c "SELECT count(*) FILTER (WHERE cols <> 'readouts'), sum(n) FILTER (WHERE cols <> 'readouts'),
	(SELECT n FROM public.upgrade_snapshot WHERE cols = 'readouts' AND phase = 'after')
	FROM public.upgrade_snapshot WHERE phase = 'after'")
IFS='|' read -r tables rows readouts <<<"$summary"
# 40 users' states, so well over 40 readout rows; the warehouse fixtures load 6 sales
[ "$rows" -gt 1000 ] && [ "$readouts" -gt 40 ] || { echo "too little data to prove anything: $summary"; exit 1; }
echo "data: $tables tables, $rows rows and $readouts state readouts unchanged by the update"

# The three events against the contract moved, whole and with their reason.
moved=$($PSQL -d "$upd" -c "SELECT (SELECT count(*) FROM analytics.events WHERE event_id::text LIKE 'badbad00-%'),
	(SELECT string_agg(payload->>'event_name' || ': ' || split_part(split_part(reason, ': ', 2), '. ', 1), '; ' ORDER BY payload->>'event_id')
	 FROM analytics.rejected_events WHERE payload->>'event_id' LIKE 'badbad00-%' AND reason LIKE 'stored before 0.2.0, against the event contract: %')")
echo "moved by the update: $moved"
case $moved in
"0|bad_time: occurred_at is not finite; bad_duration: duration_ms is out of range; bad_user: user_id is longer than 1000 bytes") ;;
*) echo "expected the three events against the contract in rejected_events, and only there"; exit 1 ;;
esac

# The updated database keeps working.
$PSQL -d "$upd" <<'SQL' | tee "$out/after-upgrade.out"
SELECT rejected = 1 AS rejected_again FROM analytics.track_batch('[{"event_name": ""}]');
SELECT count(*) = 1 AS parked_moved FROM analytics.ensure_partitions() WHERE moved_events > 0;
SELECT analytics.track('after_upgrade', occurred_at => '2026-11-20 10:00Z') IS NOT NULL AS tracked;
SELECT sum(inserted + updated) = 0 AS reload_unchanged FROM analytics.load_warehouse();
SELECT max(run_id) = 2 AS runs_continue FROM analytics.load_runs;
-- the reload's days (its sales are on 5 days apart) are there for the KPI refresh
SELECT count(*) = 5 AS kpi_refreshed FROM analytics.refresh_retail_summaries();
SELECT analytics.seconds_on(analytics.rollup(k.st), 'home') > 0 AS states_roll_up FROM public.kept_screen_time k;
SQL
[ "$(tr -d '\n' < "$out/after-upgrade.out")" = "ttttttt" ] || { echo "the updated database misbehaves"; exit 1; }
echo "upgrade ok"
