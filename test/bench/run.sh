#!/usr/bin/env bash
# make bench: ingestion benchmarks on a throwaway cluster (test/tmp/bench).
#
#   A. single events, 4 clients, BENCH_SECONDS each run (default 15):
#      analytics.track against a plain INSERT into an unpartitioned copy of
#      analytics.events with the same indexes (no validation), run A B A B,
#      best tps of each.
#   B. batches of 1000 events, 2 clients: analytics.track_batch against a
#      server-side COPY of the same events from CSV files, two rounds of
#      BENCH_BATCHES batches each (default 20 per BENCH_SECOND), best of each.
#
# Prints the ratios and their targets; a missed target is not a failure (the
# timings depend on the machine). Exits non-zero only when something breaks,
# including events not all stored exactly once. Uses the installed extension:
# run make install first. Not part of make test.
source "$(dirname "$0")/../lib.sh"

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
BENCH_PORT=${BENCH_PORT:-5496}
BENCH_DB=analytics_bench
BENCH_SECONDS=${BENCH_SECONDS:-15}
BENCH_BATCHES=${BENCH_BATCHES:-$((BENCH_SECONDS * 20))}
PGBENCH=$PGBIN/pgbench
EVENTS_PER_BATCH=1000

[[ $BENCH_SECONDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a whole number of seconds, not '$BENCH_SECONDS'"
[[ $BENCH_BATCHES =~ ^[1-9][0-9]*$ ]] || die "BENCH_BATCHES must be a positive whole number, not '$BENCH_BATCHES'"
# Two clients share each round: make it even.
BENCH_BATCHES=$(( (BENCH_BATCHES + 1) / 2 * 2 ))
TOTAL_BATCHES=$((2 * BENCH_BATCHES))
[ -x "$PGBENCH" ] || die "$PGBENCH not found (it comes with postgresql-15)"
[ -f "$($PG_CONFIG --sharedir)/extension/analytics.control" ] ||
	die "the analytics extension is not installed: run make install (or make test) first"

# The numbers of the last pgbench run: tps and latency average in ms.
TPS=
LATENCY=

# run_pgbench LABEL SCRIPT PGBENCH-OPTIONS...: runs pgbench, keeps its output
# in $WORK/bench/pgbench-LABEL.log and sets TPS and LATENCY.
run_pgbench() {
	local label=$1 script=$2 log="$WORK/bench/pgbench-$1.log"
	shift 2
	$PSQL -d "$BENCH_DB" -c 'VACUUM ANALYZE' -c 'CHECKPOINT'
	if ! "$PGBENCH" -n -f "$BENCH_DIR/$script" "$@" "$BENCH_DB" >"$log" 2>&1; then
		cat "$log"
		die "pgbench $label failed"
	fi
	grep -q '^number of failed transactions: 0 ' "$log" || { cat "$log"; die "pgbench $label had failed transactions"; }
	TPS=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	LATENCY=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$log")
	[ -n "$TPS" ] && [ -n "$LATENCY" ] || { cat "$log"; die "no tps in the output of pgbench $label"; }
}

# calc EXPRESSION: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
# best A B: the larger of two numbers.
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0) ? a : b }'; }

say "machine"
echo "cpus:       $(nproc)"
echo "cpu model:  $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "memory:     $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "postgresql: $("$PGBIN/postgres" --version)"

say "starting the bench cluster (test/tmp/bench, port $BENCH_PORT)"
stop_cluster bench
as_pg rm -rf "$WORK/bench"
start_cluster bench "$BENCH_PORT" "$BENCH_DB"
trap 'stop_cluster bench' EXIT
as_pg mkdir -p "$WORK/bench"
ensure_database "$BENCH_DB"
# No autovacuum: it would take one of the CPUs at random moments. Every run
# starts after a VACUUM ANALYZE and a CHECKPOINT instead.
$PSQL -d "$BENCH_DB" -c 'ALTER SYSTEM SET autovacuum = off' -c 'SELECT pg_reload_conf()' >/dev/null
echo "server:     $($PSQL -d "$BENCH_DB" -Atc 'SELECT version()')"
echo "settings:   $($PSQL -d "$BENCH_DB" -Atc "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
	FROM pg_settings WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', 'max_wal_size', 'autovacuum')")"

$PSQL -d "$BENCH_DB" <<'SQL'
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS analytics CASCADE;
CREATE EXTENSION analytics;
SELECT count(*) AS partitions_created FROM analytics.ensure_partitions() \gset
-- Baselines: analytics.events without partitions, with the indexes
-- analytics_internal._index_event_partition gives every partition.
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.plain_events (LIKE analytics.events INCLUDING DEFAULTS);
CREATE UNIQUE INDEX plain_events_key ON bench.plain_events (event_id, occurred_at);
CREATE INDEX plain_events_time_brin ON bench.plain_events USING brin (occurred_at);
CREATE INDEX plain_events_name_time ON bench.plain_events (event_name, occurred_at);
CREATE INDEX plain_events_user_time ON bench.plain_events (user_id, occurred_at);
CREATE INDEX plain_events_session_time ON bench.plain_events (session_id, occurred_at);
-- the COPY baseline: the same table again, indexes included
CREATE TABLE bench.copy_events (LIKE bench.plain_events INCLUDING ALL);
CREATE SEQUENCE bench.copy_seq;
CREATE SEQUENCE bench.batch_seq;
SQL
month_part=$($PSQL -d "$BENCH_DB" -Atc "SELECT to_regclass('analytics.events_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM'))")
[ -n "$month_part" ] || die "ensure_partitions made no partition for the current month"
echo "partition:  $month_part"

say "A. single events: 4 clients, ${BENCH_SECONDS} s a run, INSERT and track alternately"
insert_best=0
track_best=0
for round in 1 2; do
	run_pgbench "insert-$round" insert.sql -c 4 -j 2 -T "$BENCH_SECONDS"
	printf '  round %s  plain INSERT      %10.1f tps  (latency %s ms)\n' "$round" "$TPS" "$LATENCY"
	insert_best=$(best "$insert_best" "$TPS")
	run_pgbench "track-$round" track.sql -c 4 -j 2 -T "$BENCH_SECONDS"
	printf '  round %s  analytics.track   %10.1f tps  (latency %s ms)\n' "$round" "$TPS" "$LATENCY"
	track_best=$(best "$track_best" "$TPS")
done
$PSQL -d "$BENCH_DB" -Atc "SELECT format('  stored: %s plain rows, %s tracked events, %s rejected',
	(SELECT count(*) FROM bench.plain_events), (SELECT count(*) FROM analytics.events),
	(SELECT count(*) FROM analytics.rejected_events))"
ratio_a=$(calc "$track_best / $insert_best")
printf 'track/insert ratio: %s (target >= 0.70)   track %.1f tps, insert %.1f tps (best of 2)\n' \
	"$ratio_a" "$track_best" "$insert_best"

say "B. batches of $EVENTS_PER_BATCH events: generating $TOTAL_BATCHES batches"
# B starts from empty tables on both sides, so that its row counts can be
# checked and both sides insert into indexes of the same size.
$PSQL -d "$BENCH_DB" -c 'TRUNCATE analytics.events, analytics.rejected_events, bench.plain_events'
# Distinct random events within the current UTC month (up to now), stored
# once in bench.batch_events, then as JSON arrays (bench.batches) and as CSV
# files written by the server itself.
$PSQL -d "$BENCH_DB" -v batches="$TOTAL_BATCHES" -v per_batch="$EVENTS_PER_BATCH" -v dir="$WORK/bench" <<'SQL'
SELECT setseed(0.42) AS seed \gset
CREATE TABLE bench.batch_events AS
WITH raw AS (
	SELECT b.batch_id, i.ord, gen_random_uuid() AS event_id,
		m.month_start + random() * (now() - m.month_start) AS occurred_at,
		(ARRAY['open_screen', 'open_screen', 'open_screen', 'tap_button', 'search', 'view_room',
			'home_filters_opened', 'booking_created'])[1 + floor(random() * 8)::int] AS event_name,
		1 + floor(random() * 5000)::int AS person,
		(ARRAY['home', 'search', 'schedule', 'map', 'room', 'profile'])[1 + floor(random() * 6)::int] AS screen,
		random() AS r
	FROM (SELECT timezone('UTC', date_trunc('month', timezone('UTC', now()))) AS month_start) m,
		generate_series(1, :batches) AS b(batch_id),
		generate_series(1, :per_batch) AS i(ord)
)
SELECT batch_id, ord, event_id, occurred_at, event_name,
	'session-' || person || '-' || floor(r * 20)::int AS session_id,
	'device-' || person AS device_id,
	CASE WHEN r < 0.9 THEN 'user-' || person END AS user_id,
	screen,
	CASE WHEN event_name = 'open_screen' THEN floor(r * 60000)::bigint END AS duration_ms,
	jsonb_build_object('screen', screen, 'app_version', '2.' || floor(r * 10)::int || '.0',
		'platform', CASE WHEN person % 3 = 0 THEN 'ios' ELSE 'android' END) AS props
FROM raw;
CREATE UNIQUE INDEX ON bench.batch_events (batch_id, ord);

CREATE TABLE bench.batches (id int PRIMARY KEY, payload jsonb NOT NULL);
INSERT INTO bench.batches
SELECT batch_id, jsonb_agg(jsonb_build_object(
		'event_id', event_id,
		'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
		'event_name', event_name, 'session_id', session_id, 'device_id', device_id,
		'user_id', user_id, 'screen', screen, 'duration_ms', duration_ms, 'props', props)
	ORDER BY ord)
FROM bench.batch_events GROUP BY batch_id;

SET bench.dir = :'dir';
DO $$
BEGIN
	FOR b IN 1..(SELECT max(batch_id) FROM bench.batch_events) LOOP
		EXECUTE format('COPY (SELECT event_id, to_char(occurred_at AT TIME ZONE %L, %L), event_name,
				session_id, device_id, user_id, screen, duration_ms, props
			FROM bench.batch_events WHERE batch_id = %s ORDER BY ord) TO %L WITH (FORMAT csv)',
			'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"', b,
			current_setting('bench.dir') || '/batch_' || b || '.csv');
	END LOOP;
END
$$;
VACUUM ANALYZE bench.batches;
SQL
$PSQL -d "$BENCH_DB" -Atc "SELECT format('  %s events, %s distinct keys, %s batches, %s of JSON, %s',
	count(*), count(DISTINCT (event_id, occurred_at)), count(DISTINCT batch_id),
	(SELECT pg_size_pretty(pg_total_relation_size('bench.batches'))),
	CASE WHEN min(occurred_at) >= timezone('UTC', date_trunc('month', timezone('UTC', now())))
		AND max(occurred_at) <= now() THEN 'all in the current UTC month' ELSE 'NOT ALL IN THE CURRENT MONTH' END)
	FROM bench.batch_events"
n_csv=$(find "$WORK/bench" -maxdepth 1 -name 'batch_*.csv' | wc -l)
[ "$n_csv" -eq "$TOTAL_BATCHES" ] || die "expected $TOTAL_BATCHES CSV files in $WORK/bench, found $n_csv"
as_pg test -r "$WORK/bench/batch_1.csv" || die "the postgres user cannot read $WORK/bench/batch_1.csv"
echo "  $n_csv CSV files in $WORK/bench, $(du -ch --apparent-size "$WORK"/bench/batch_*.csv | tail -1 | cut -f1)"

say "B. $BENCH_BATCHES batches a run, 2 clients, COPY and track_batch alternately"
per_client=$((BENCH_BATCHES / 2))
copy_best=0
batch_best=0
for round in 1 2; do
	run_pgbench "copy-$round" copy.sql -M simple -c 2 -j 2 -t "$per_client" -D dir="$WORK/bench"
	eps=$(calc "$TPS * $EVENTS_PER_BATCH")
	printf '  round %s  COPY               %10.0f events/s  (%s ms a batch)\n' "$round" "$eps" "$LATENCY"
	copy_best=$(best "$copy_best" "$eps")
	run_pgbench "track_batch-$round" track_batch.sql -c 2 -j 2 -t "$per_client"
	eps=$(calc "$TPS * $EVENTS_PER_BATCH")
	printf '  round %s  track_batch        %10.0f events/s  (%s ms a batch)\n' "$round" "$eps" "$LATENCY"
	batch_best=$(best "$batch_best" "$eps")
done
ratio_b=$(calc "$batch_best / $copy_best")
printf 'track_batch/COPY ratio: %s (target >= 0.50)   track_batch %.0f events/s, COPY %.0f events/s (best of 2)\n' \
	"$ratio_b" "$batch_best" "$copy_best"

say "B. check: every event stored exactly once"
check=$($PSQL -d "$BENCH_DB" -At -F ' ' <<SQL
SELECT (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM bench.copy_seq),
	(SELECT count(*) FROM bench.copy_events),
	(SELECT count(DISTINCT (event_id, occurred_at)) FROM bench.copy_events),
	(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM bench.batch_seq),
	(SELECT count(*) FROM analytics.events),
	(SELECT count(*) FROM analytics.events e JOIN bench.batch_events b USING (event_id, occurred_at)),
	(SELECT count(*) FROM analytics.rejected_events);
SQL
)
read -r copy_used copy_rows copy_keys batch_used batch_rows batch_matched rejected <<<"$check"
ok=true
printf '  COPY:        %s batches consumed, %s rows in bench.copy_events (%s distinct keys), expected %s\n' \
	"$copy_used" "$copy_rows" "$copy_keys" "$((TOTAL_BATCHES * EVENTS_PER_BATCH))"
printf '  track_batch: %s batches consumed, %s rows in analytics.events (%s matching the generated events), %s rejected, expected %s\n' \
	"$batch_used" "$batch_rows" "$batch_matched" "$rejected" "$((TOTAL_BATCHES * EVENTS_PER_BATCH))"
for n in "$copy_rows" "$copy_keys" "$batch_rows" "$batch_matched"; do
	[ "$n" -eq "$((TOTAL_BATCHES * EVENTS_PER_BATCH))" ] || ok=false
done
[ "$copy_used" -eq "$TOTAL_BATCHES" ] && [ "$batch_used" -eq "$TOTAL_BATCHES" ] && [ "$rejected" -eq 0 ] || ok=false
if $ok; then
	echo "check: ok (rows = $EVENTS_PER_BATCH x batches consumed on both sides, no duplicate, nothing rejected)"
else
	echo "check: FAILED"
fi

say "summary"
printf 'track/insert ratio: %s (target >= 0.70)   track %.1f tps, insert %.1f tps\n' "$ratio_a" "$track_best" "$insert_best"
printf 'track_batch/COPY ratio: %s (target >= 0.50)   track_batch %.0f events/s, COPY %.0f events/s\n' \
	"$ratio_b" "$batch_best" "$copy_best"
echo "(timings only inform: a missed target does not fail make bench)"
$ok || die "events were not all stored exactly once"
