#!/usr/bin/env bash
# Materialized aggregate benchmark (issue 14) on a throwaway cluster
# (test/tmp/matbench, port MATBENCH_PORT, default 5492): two materialized
# aggregates over MATBENCH_EVENTS events (default 10M) in analytics.events,
# serial (max_parallel_workers_per_gather = 0):
#   daily_event_counts  per day and event_name: count(*), count(DISTINCT
#                       user_id), count(DISTINCT session_id)
#   daily_screen_time   per day and session_id:
#                       analytics.screen_seconds(occurred_at, screen) AS st
# and a chained one, whose source is the second one's table:
#   screen_time_per_day per day: analytics.rollup(st) AS st (the triggers
#                       on analytics.daily_screen_time log the days its
#                       refresh rewrites; this one is refreshed after it)
#
# The events are those of test/bench/event_aggregates.sh (events / 50 users
# x 5 sessions a day apart x 10 events, the same hashes), with an event_name
# derived from the screen and funnel step, and the users' first sessions
# spread over MATBENCH_DAYS days (default 90, the raw retention the README
# takes as example) ending yesterday (UTC), so that the 30 days of late
# events are a part of the history, not all of it.
#
# Every round (MATBENCH_ROUNDS, default 3) starts from the same events:
#   1. builds the aggregates (create_materialized_aggregate: the full build,
#      timed); adds through analytics.track_batch (the triggers fire) 1% new
#      events on the last day and 0.1% late events scattered over the 30 days
#      before it, and times the incremental refresh (target: at most 5% of
#      the full build); times a refresh with nothing changed, 5 times
#      (target: median under 50 ms);
#   2. times MATBENCH_BATCHES (default 100) batches of 1,000 events through
#      track_batch (one client, a transaction per batch) with the
#      aggregates defined (the benchmark's and the three built-in ones on
#      analytics.events), drops the benchmark's and takes the built-ins'
#      triggers off, and times the same batches without any (target: at
#      least 0.9x);
#   then deletes what it added (no aggregate defined: nothing is logged).
# The last round also checks the tables against their defining queries
# computed from scratch (EXCEPT both ways).
#   3. after the rounds, builds the aggregates once more and times the
#      dashboard questions, screen time by screen over the last 28 days (a
#      rollup of the daily per-session states, and of the 28 per-day states
#      of the chained table) and event counts by day and event name,
#      from the materialized tables against the same questions asked of the
#      raw events (equal answers checked; target at least 100x faster); then
#      adds the 1% new events again without refreshing and times the _live
#      views against the (now stale) tables (target at most 2x), checking
#      that the live answers equal the raw ones.
#
# Ratios are medians over rounds of the two times in one round (best/best in
# brackets). Every timed query reads its result. Targets are printed, not
# enforced; a failed correctness check makes the script exit non-zero. Uses
# the installed extension: run make install first. About 18 minutes on 2
# cores at 10M events (4 of them loading); MATBENCH_EVENTS=200000 in 3.
source "$(dirname "$0")/../lib.sh"

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
MATBENCH_PORT=${MATBENCH_PORT:-5492}
DB=matbench
EVENTS=${MATBENCH_EVENTS:-10000000}
DAYS=${MATBENCH_DAYS:-90}
ROUNDS=${MATBENCH_ROUNDS:-3}
BATCHES=${MATBENCH_BATCHES:-100}
PER_BATCH=1000
NOOP_RUNS=5
DASH_RUNS=${BENCH_RUNS:-3}
LIVE_RUNS=${BENCH_SHORT_RUNS:-5}
PGBENCH=$PGBIN/pgbench

[[ $EVENTS =~ ^[1-9][0-9]*$ ]] && [ $((EVENTS % 100000)) -eq 0 ] ||
	die "MATBENCH_EVENTS must be a positive multiple of 100000 (1% of it in whole batches of 1000), not '$EVENTS'"
[[ $DAYS =~ ^[0-9]+$ ]] && [ "$DAYS" -ge 40 ] || die "MATBENCH_DAYS must be a whole number of days, at least 40, not '$DAYS'"
for v in ROUNDS BATCHES DASH_RUNS LIVE_RUNS; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive whole number, not '${!v}'"
done
[ -x "$PGBENCH" ] || die "$PGBENCH not found (it comes with postgresql-15)"
[ -f "$($PG_CONFIG --sharedir)/extension/analytics.control" ] ||
	die "the analytics extension is not installed: run make install (or make test) first"

USERS=$((EVENTS / 50))
NEW=$((EVENTS / 100))		# new events on the last day, per round
LATE=$((EVENTS / 1000))		# late events over the 30 days before it
NEW_BATCHES=$((NEW / PER_BATCH))
LATE_BATCHES=$(((LATE + PER_BATCH - 1) / PER_BATCH))
CHANGE_BATCHES=$((NEW_BATCHES + LATE_BATCHES))
TPUT_FIRST=$((CHANGE_BATCHES + 1))

source "$BENCH_DIR/lib.sh"

FAILED=()
check() {
	if [ "$3" = true ]; then
		echo "check: $1: ok ($2)"
	else
		echo "check: $1: FAILED ($2)"
		FAILED+=("$1")
	fi
}
# median of the numbers given
median() {
	printf '%s\n' "$@" | grep . | sort -g |
		awk '{ r[NR] = $1 } END { printf "%.2f", NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}
# median over i of A[i] / B[i] (two space-separated lists of one length)
median_ratio() {
	paste -d ' ' <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) |
		awk '{ printf "%.6f\n", $1 / $2 }' | sort -g |
		awk '{ r[NR] = $1 } END { printf "%.4f", NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}
minimum() { printf '%s\n' "$@" | grep . | sort -g | head -1; }
maximum() { printf '%s\n' "$@" | grep . | sort -g | tail -1; }

# run_batches FIRST COUNT LABEL: batches FIRST .. FIRST+COUNT-1 of
# bench.batches through analytics.track_batch, one client, one transaction a
# batch (test/bench/track_batch.sql); sets EPS (events per second).
EPS=
run_batches() {
	local first=$1 count=$2 log="$WORK/matbench-pgbench-$3.log" tps
	$PSQL -d "$DB" -Atc "SELECT setval('bench.batch_seq', $first, false)" >/dev/null
	$PSQL -d "$DB" -c 'CHECKPOINT'
	if ! "$PGBENCH" -n -f "$BENCH_DIR/track_batch.sql" -c 1 -t "$count" "$DB" >"$log" 2>&1; then
		cat "$log"
		die "pgbench $3 failed"
	fi
	grep -q '^number of failed transactions: 0 ' "$log" || { cat "$log"; die "pgbench $3 had failed transactions"; }
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log")
	[ -n "$tps" ] || { cat "$log"; die "no tps in the output of pgbench $3"; }
	EPS=$(calc "$tps * $PER_BATCH")
}

EC_DEF="'daily_event_counts', 'analytics.events', 'occurred_at', '1 day', ARRAY['event_name'],
	ARRAY['count(*) AS events', 'count(DISTINCT user_id) AS users', 'count(DISTINCT session_id) AS sessions']"
ST_DEF="'daily_screen_time', 'analytics.events', 'occurred_at', '1 day', ARRAY['session_id'],
	ARRAY['analytics.screen_seconds(occurred_at, screen) AS st']"
SD_DEF="'screen_time_per_day', 'analytics.daily_screen_time', 'bucket', '1 day', '{}',
	ARRAY['analytics.rollup(st) AS st']"

say "machine"
# The settings of test/bench/event_aggregates.sh: no autovacuum (VACUUM and
# CHECKPOINT run before the timings instead), no JIT, no synchronized scans,
# serial, and hash memory for the 1M (day, session) states of a build.
bench_cluster matbench "$MATBENCH_PORT" "shared_buffers = '2GB'" "work_mem = '2GB'" \
	"hash_mem_multiplier = 5" "maintenance_work_mem = '1GB'" "max_wal_size = '8GB'" \
	"autovacuum = off" "jit = off" "synchronize_seqscans = off" "max_parallel_workers_per_gather = 0"

say "data: $EVENTS events, $USERS users x 5 sessions x 10 events over $DAYS days ending yesterday (UTC)"
start_s=$(date +%s.%N)
$PSQL -d "$DB" -v users="$USERS" -v days="$DAYS" <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA bench;
-- the first day of the history (UTC midnight); the last day is yesterday
CREATE TABLE bench.span AS
SELECT timezone('UTC', date_trunc('day', timezone('UTC', now())) - make_interval(days => :days)) AS t0,
	(date_trunc('day', timezone('UTC', now())) - interval '1 day')::date AS last_day;
-- partitions for every month from the first day on: one event parked in
-- the default partition makes ensure_partitions start there
INSERT INTO analytics.events (event_id, occurred_at, event_name) SELECT gen_random_uuid(), t0, 'marker' FROM bench.span;
SELECT count(*) AS partitions FROM analytics.ensure_partitions('1 month') \gset
DELETE FROM analytics.events WHERE event_name = 'marker';

-- test/bench/event_aggregates.sh's generator: a user's first session
-- starts within the first days - 5 days, the next ones a day apart plus
-- 0-20 hours; events 150 s apart plus 0-119 s, one session in 10 with an
-- idle gap of 31-91 minutes; 40% funnel steps 1-4, 70% screen views.
INSERT INTO analytics.events (event_id, occurred_at, event_name, session_id, device_id, user_id, screen, duration_ms)
WITH s AS (
	SELECT u, (u - 1) * 5 + k + 1 AS session_id,
		(SELECT t0 FROM bench.span)
			+ make_interval(secs => (hashint4(u) & 2147483647) % ((:days - 5) * 86400))
			+ make_interval(days => k)
			+ make_interval(secs => (hashint8extended((u - 1) * 5 + k, 7) & 2147483647) % (20 * 3600)) AS start,
		hashint8extended((u - 1) * 5 + k, 11) & 2147483647 AS hs
	FROM generate_series(1, :users) u, generate_series(0, 4) k
), e AS (
	SELECT s.u, s.session_id, s.start, s.hs, e,
		hashint8extended(s.session_id * 10 + e, 3) & 9223372036854775807 AS h
	FROM s, generate_series(0, 9) e
), g AS (
	SELECT u, session_id, e,
		start + make_interval(secs => e * 150 + h % 120
			+ CASE WHEN hs % 10 = 0 AND e >= 1 + hs / 10 % 9 THEN 1860 + hs / 100 % 3600 ELSE 0 END) AS ts,
		CASE WHEN h / 120 % 100 < 40 THEN
				CASE WHEN h / 120 % 100 < 16 THEN 1 WHEN h / 120 % 100 < 28 THEN 2 WHEN h / 120 % 100 < 36 THEN 3 ELSE 4 END
			WHEN h / 12000 % 2 = 0 THEN 0 END AS step,
		CASE WHEN h / 24000 % 100 < 70 THEN
			(ARRAY['home', 'search', 'schedule', 'map', 'room', 'profile'])[1 + h / 2400000 % 6] END AS screen,
		CASE WHEN h / 24000 % 100 < 70 AND h / 14400000 % 2 = 0 THEN 500 + h / 28800000 % 120000 END::bigint AS duration_ms
	FROM e
)
SELECT md5('base-' || session_id || '-' || e)::uuid, ts,
	CASE WHEN screen IS NOT NULL THEN 'open_screen'
		ELSE (ARRAY['tap_button', 'search', 'view_room', 'booking_started', 'booking_created', 'scroll'])[1 + coalesce(step, 5)]
	END,
	'session-' || session_id, 'device-' || u, 'user-' || u, screen, duration_ms
FROM g
ORDER BY ts;
SQL
gen_s=$(calc "$(date +%s.%N) - $start_s")
start_s=$(date +%s.%N)
$PSQL -d "$DB" -c 'VACUUM ANALYZE analytics.events'
vac_s=$(calc "$(date +%s.%N) - $start_s")
read -r n_rows n_sessions first_day last_day n_days n_last table_size <<<"$($PSQL -d "$DB" -At -F ' ' -c "
	SELECT count(*), count(DISTINCT session_id), min(occurred_at AT TIME ZONE 'UTC')::date, (SELECT last_day FROM bench.span),
		count(DISTINCT (occurred_at AT TIME ZONE 'UTC')::date),
		count(*) FILTER (WHERE (occurred_at AT TIME ZONE 'UTC')::date = (SELECT last_day FROM bench.span)),
		(SELECT pg_size_pretty(sum(pg_total_relation_size(i.inhrelid))) FROM pg_inherits i WHERE i.inhparent = 'analytics.events'::regclass)
	FROM analytics.events")"
echo "  loaded in $gen_s s (INSERT ... SELECT ... ORDER BY occurred_at into the partitions and their indexes), VACUUM ANALYZE $vac_s s"
echo "  $n_rows events, $n_sessions sessions, days $first_day to $last_day ($n_days days with events; $n_last on the last day), $table_size with indexes"
$PSQL -d "$DB" -At -c "SELECT '  event names: ' || string_agg(event_name || ' ' || n, ', ' ORDER BY n DESC)
	FROM (SELECT event_name, count(*) AS n FROM analytics.events GROUP BY 1) x"
[ "$n_rows" = "$EVENTS" ] && [ "$n_sessions" = $((USERS * 5)) ] || die "the generated data is not $EVENTS events in $((USERS * 5)) sessions"
[ "$($PSQL -d "$DB" -Atc "SELECT max(occurred_at) < date_trunc('day', now()) FROM analytics.events")" = t ] ||
	die "events after yesterday (UTC): the history must end yesterday"

say "changes: $NEW new events on $last_day, $LATE late events over the 30 days before; $BATCHES batches of $PER_BATCH for track_batch"
# Sessions of 10 events as above. New: started on the last day (by 20:00,
# ending before midnight). Late: each session on a random day of the 30
# before the last one. Throughput: within the last hour, in today's bucket.
# The same events in every round (the round deletes them at its end); as
# JSON arrays of $PER_BATCH in bench.batches: 1..$NEW_BATCHES new,
# then late, then from $TPUT_FIRST the throughput batches.
$PSQL -d "$DB" -v users="$USERS" -v new="$NEW" -v late="$LATE" -v batches="$BATCHES" -v per_batch="$PER_BATCH" \
	-v new_batches="$NEW_BATCHES" -v tput_first="$TPUT_FIRST" <<'SQL'
SET client_min_messages = warning;
CREATE TABLE bench.gen_events AS
WITH s AS (
	SELECT kind, i, n,
		CASE kind
			WHEN 'new' THEN timezone('UTC', (SELECT last_day FROM bench.span)::timestamp)
				+ make_interval(secs => (hashint8extended(i, 21) & 2147483647) % (20 * 3600))
			WHEN 'late' THEN timezone('UTC', (SELECT last_day FROM bench.span)::timestamp) - interval '30 days'
				+ make_interval(secs => (hashint8extended(i, 22) & 2147483647) % (30 * 86400 - 3 * 3600))
			ELSE now() - interval '1 hour' + make_interval(secs => (hashint8extended(i, 23) & 2147483647) % 900)
		END AS start,
		1 + (hashint8extended(i, 24) & 2147483647) % :users AS u
	FROM (VALUES ('new', :new), ('late', :late), ('tput', :batches * :per_batch)) k(kind, n),
		generate_series(0, n / 10 - 1) i
), e AS (
	SELECT s.*, e, hashint8extended(i * 10 + e, CASE kind WHEN 'new' THEN 25 WHEN 'late' THEN 26 ELSE 27 END) & 9223372036854775807 AS h
	FROM s, generate_series(0, 9) e
), g AS (
	SELECT kind, i, e, u, start + make_interval(secs => e * 150 + h % 120) AS ts,
		CASE WHEN h / 120 % 100 < 40 THEN
				CASE WHEN h / 120 % 100 < 16 THEN 1 WHEN h / 120 % 100 < 28 THEN 2 WHEN h / 120 % 100 < 36 THEN 3 ELSE 4 END
			WHEN h / 12000 % 2 = 0 THEN 0 END AS step,
		CASE WHEN h / 24000 % 100 < 70 THEN
			(ARRAY['home', 'search', 'schedule', 'map', 'room', 'profile'])[1 + h / 2400000 % 6] END AS screen
	FROM e
)
SELECT kind, row_number() OVER (PARTITION BY kind ORDER BY ts, i, e) - 1 AS ord,
	md5(kind || '-' || i || '-' || e)::uuid AS event_id, ts AS occurred_at,
	CASE WHEN screen IS NOT NULL THEN 'open_screen'
		ELSE (ARRAY['tap_button', 'search', 'view_room', 'booking_started', 'booking_created', 'scroll'])[1 + coalesce(step, 5)]
	END AS event_name,
	kind || '-session-' || i AS session_id, 'device-' || u AS device_id, 'user-' || u AS user_id, screen
FROM g;
CREATE UNIQUE INDEX ON bench.gen_events (event_id, occurred_at);
ALTER TABLE bench.gen_events ADD COLUMN batch int;
UPDATE bench.gen_events SET batch = CASE kind WHEN 'new' THEN 1 + ord / :per_batch
	WHEN 'late' THEN :new_batches + 1 + ord / :per_batch ELSE :tput_first + ord / :per_batch END;
CREATE TABLE bench.batches (id int PRIMARY KEY, payload jsonb NOT NULL);
INSERT INTO bench.batches
SELECT batch, jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
		'event_id', event_id,
		'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
		'event_name', event_name, 'session_id', session_id, 'device_id', device_id,
		'user_id', user_id, 'screen', screen)) ORDER BY ord)
FROM bench.gen_events GROUP BY batch;
CREATE SEQUENCE bench.batch_seq;
-- the days each kind touches
CREATE TABLE bench.touched AS
SELECT DISTINCT kind, (occurred_at AT TIME ZONE 'UTC')::date AS day FROM bench.gen_events;
VACUUM ANALYZE bench.gen_events, bench.batches, bench.touched;
SQL
read -r n_new n_late n_tput late_days late_lo late_hi new_days n_batches <<<"$($PSQL -d "$DB" -At -F ' ' -c "
	SELECT count(*) FILTER (WHERE kind = 'new'), count(*) FILTER (WHERE kind = 'late'), count(*) FILTER (WHERE kind = 'tput'),
		(SELECT count(*) FROM bench.touched WHERE kind = 'late'),
		(SELECT min(day) FROM bench.touched WHERE kind = 'late'), (SELECT max(day) FROM bench.touched WHERE kind = 'late'),
		(SELECT string_agg(day::text, ',') FROM bench.touched WHERE kind = 'new'),
		(SELECT count(*) FROM bench.batches)
	FROM bench.gen_events")"
echo "  new: $n_new events on $new_days; late: $n_late events on $late_days days from $late_lo to $late_hi; throughput: $n_tput; $n_batches batches"
[ "$n_new" = "$NEW" ] && [ "$n_late" = "$LATE" ] && [ "$new_days" = "$last_day" ] &&
	[ "$n_batches" = $((CHANGE_BATCHES + BATCHES)) ] || die "the generated changes are not as planned"
changed_days=$($PSQL -d "$DB" -Atc "SELECT count(DISTINCT day) FROM bench.touched WHERE kind IN ('new', 'late')")
# the share of the events (before the changes) that lie in the changed days:
# the least a bucket-granular refresh must read again
changed_share=$($PSQL -d "$DB" -Atc "SELECT round(100.0 * count(*) / $EVENTS, 1) FROM analytics.events
	WHERE occurred_at >= (SELECT timezone('UTC', min(day)::timestamp) FROM bench.touched WHERE kind IN ('new', 'late'))
		AND (occurred_at AT TIME ZONE 'UTC')::date IN (SELECT day FROM bench.touched WHERE kind IN ('new', 'late'))")
echo "  the changes touch $changed_days of the $n_days days, which hold $changed_share% of the events"

# remove KINDS...: deletes the generated events of these kinds (no aggregate
# is defined then: nothing logs them) and vacuums
remove() {
	local kinds
	kinds=$(printf "'%s'," "$@")
	$PSQL -d "$DB" -c "DELETE FROM analytics.events e USING bench.gen_events g
		WHERE g.kind IN (${kinds%,}) AND e.event_id = g.event_id AND e.occurred_at = g.occurred_at" \
		-c 'VACUUM analytics.events' >/dev/null
}
# count_kind KIND: events of that kind stored
count_kind() {
	$PSQL -d "$DB" -Atc "SELECT count(*) FROM analytics.events e JOIN bench.gen_events g
		ON e.event_id = g.event_id AND e.occurred_at = g.occurred_at WHERE g.kind = '$1'"
}

# The exactness check: each table against its defining query written out
# from scratch (EXCEPT both ways; screen_time states compared as text).
SCRATCH_EC="SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AS bucket, (occurred_at AT TIME ZONE 'UTC')::date AS day,
	event_name, count(*) AS events, count(DISTINCT user_id) AS users, count(DISTINCT session_id) AS sessions
	FROM analytics.events GROUP BY 1, 2, 3"
SCRATCH_SD="SELECT bucket, day, analytics.rollup(st)::text AS st FROM analytics.daily_screen_time GROUP BY 1, 2"
SCRATCH_ST="SELECT date_trunc('day', occurred_at AT TIME ZONE 'UTC') AS bucket, (occurred_at AT TIME ZONE 'UTC')::date AS day,
	session_id, analytics.screen_seconds(occurred_at, screen)::text AS st
	FROM analytics.events GROUP BY 1, 2, 3"
differs() {
	$PSQL -d "$DB" -Atc "SELECT count(*) FROM ((SELECT $2 FROM $1 EXCEPT $3) UNION ALL ($3 EXCEPT SELECT $2 FROM $1)) x"
}

$PSQL -d "$DB" -c 'CHECKPOINT' -c "SELECT count(pg_prewarm(c.oid)) FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid
	WHERE i.inhparent = 'analytics.events'::regclass" >/dev/null
load_start=$(cut -d' ' -f1 /proc/loadavg)
wait_start=$(cpu_wait)
read -r steal_start total_start <<<"$(cpu_steal)"
clock_start=$(date +%s.%N)

T_BUILD_EC= T_BUILD_ST= T_BUILD_SD= T_BUILD= T_REFRESH_EC= T_REFRESH_ST= T_REFRESH_SD= T_REFRESH=
T_NOOP_EC= T_NOOP_ST= T_NOOP_SD= EPS_WITH= EPS_WITHOUT=
for ((r = 1; r <= ROUNDS; r++)); do
	say "round $r of $ROUNDS"
	run_sql "SELECT analytics.create_materialized_aggregate($EC_DEF)"
	ec_ms=$MS
	ec_rows=$RESULT
	run_sql "SELECT analytics.create_materialized_aggregate($ST_DEF)"
	st_ms=$MS
	st_rows=$RESULT
	run_sql "SELECT analytics.create_materialized_aggregate($SD_DEF)"
	sd_ms=$MS
	sd_rows=$RESULT
	printf '  full build: daily_event_counts %9.0f ms (%s rows), daily_screen_time %9.0f ms (%s rows), screen_time_per_day %7.0f ms (%s rows)\n' \
		"$ec_ms" "$ec_rows" "$st_ms" "$st_rows" "$sd_ms" "$sd_rows"
	if [ "$r" = 1 ]; then
		rows_ec=$ec_rows rows_st=$st_rows rows_sd=$sd_rows
	elif [ "$ec_rows" != "$rows_ec" ] || [ "$st_rows" != "$rows_st" ] || [ "$sd_rows" != "$rows_sd" ]; then
		check "round $r builds the rows of round 1" "$ec_rows/$st_rows/$sd_rows against $rows_ec/$rows_st/$rows_sd" false
	fi
	T_BUILD_EC+=" $ec_ms" T_BUILD_ST+=" $st_ms" T_BUILD_SD+=" $sd_ms" T_BUILD+=" $(calc "$ec_ms + $st_ms + $sd_ms")"

	run_batches 1 "$CHANGE_BATCHES" "changes-$r"
	printf '  changes: %s batches through track_batch (%.0f events/s)\n' "$CHANGE_BATCHES" "$EPS"
	pending=$($PSQL -d "$DB" -Atc "SELECT string_agg(name || ' ' || pending_buckets, ', ' ORDER BY name) FROM analytics.materialized_aggregates")
	run_sql "SELECT sum(refreshed_buckets), sum(deleted_rows), sum(inserted_rows) FROM analytics.refresh_materialized_aggregate('daily_event_counts')"
	ref_ec_ms=$MS ref_ec=$RESULT
	run_sql "SELECT sum(refreshed_buckets), sum(deleted_rows), sum(inserted_rows) FROM analytics.refresh_materialized_aggregate('daily_screen_time')"
	ref_st_ms=$MS ref_st=$RESULT
	# the second level: the days the first refresh rewrote
	run_sql "SELECT sum(refreshed_buckets), sum(deleted_rows), sum(inserted_rows) FROM analytics.refresh_materialized_aggregate('screen_time_per_day')"
	ref_sd_ms=$MS ref_sd=$RESULT
	printf '  incremental refresh (pending: %s): daily_event_counts %7.0f ms (buckets|deleted|inserted %s), daily_screen_time %7.0f ms (%s), then screen_time_per_day %7.0f ms (%s)\n' \
		"$pending" "$ref_ec_ms" "$ref_ec" "$ref_st_ms" "$ref_st" "$ref_sd_ms" "$ref_sd"
	T_REFRESH_EC+=" $ref_ec_ms" T_REFRESH_ST+=" $ref_st_ms" T_REFRESH_SD+=" $ref_sd_ms"
	T_REFRESH+=" $(calc "$ref_ec_ms + $ref_st_ms + $ref_sd_ms")"
	[ "${ref_ec%%|*}" = "$changed_days" ] && [ "${ref_st%%|*}" = "$changed_days" ] && [ "${ref_sd%%|*}" = "$changed_days" ] ||
		check "round $r: the refresh recomputes the $changed_days changed days" "$ref_ec; $ref_st; $ref_sd" false

	noop=()
	for ((i = 1; i <= NOOP_RUNS; i++)); do
		run_sql "SELECT sum(refreshed_buckets) FROM analytics.refresh_materialized_aggregate('daily_event_counts')"
		[ "$RESULT" = 0 ] || check "a refresh with nothing changed recomputes nothing" "$RESULT buckets" false
		T_NOOP_EC+=" $MS"
		noop+=("$MS")
		run_sql "SELECT sum(refreshed_buckets) FROM analytics.refresh_materialized_aggregate('daily_screen_time')"
		[ "$RESULT" = 0 ] || check "a refresh with nothing changed recomputes nothing" "$RESULT buckets" false
		T_NOOP_ST+=" $MS"
		noop+=("$MS")
		run_sql "SELECT sum(refreshed_buckets) FROM analytics.refresh_materialized_aggregate('screen_time_per_day')"
		[ "$RESULT" = 0 ] || check "a refresh with nothing changed recomputes nothing" "$RESULT buckets" false
		T_NOOP_SD+=" $MS"
		noop+=("$MS")
	done
	echo "  refresh with nothing changed (event counts, screen time, screen time per day in turn): ${noop[*]} ms"

	if [ "$r" = "$ROUNDS" ]; then
		d_ec=$(differs analytics.daily_event_counts 'bucket, day, event_name, events, users, sessions' "$SCRATCH_EC")
		check "daily_event_counts after the refresh = its query from scratch" "$d_ec rows differ (EXCEPT both ways)" \
			"$([ "$d_ec" = 0 ] && echo true || echo false)"
		d_st=$(differs analytics.daily_screen_time 'bucket, day, session_id, st::text' "$SCRATCH_ST")
		check "daily_screen_time after the refresh = its query from scratch" "$d_st rows differ (EXCEPT both ways)" \
			"$([ "$d_st" = 0 ] && echo true || echo false)"
		d_sd=$(differs analytics.screen_time_per_day 'bucket, day, st::text' "$SCRATCH_SD")
		check "screen_time_per_day after the refresh = its query from scratch" "$d_sd rows differ (EXCEPT both ways)" \
			"$([ "$d_sd" = 0 ] && echo true || echo false)"
	fi

	run_batches "$TPUT_FIRST" "$BATCHES" "with-$r"
	eps_with=$EPS
	n_with=$(count_kind tput)
	$PSQL -d "$DB" -c "SELECT analytics.drop_materialized_aggregate('daily_event_counts')" \
		-c "SELECT analytics.drop_materialized_aggregate('screen_time_per_day')" \
		-c "SELECT analytics.drop_materialized_aggregate('daily_screen_time')" >/dev/null
	remove tput
	# without any aggregate: the built-in ones (event_days,
	# screen_time_session_days, import_funnel_days) cannot be dropped, so
	# their triggers go for this run and its removal (which they then never
	# see), and come back after
	$PSQL -d "$DB" -c "SELECT analytics_internal._matagg_set_triggers('analytics.events', false)" >/dev/null
	run_batches "$TPUT_FIRST" "$BATCHES" "without-$r"
	eps_without=$EPS
	n_without=$(count_kind tput)
	printf '  track_batch, %s batches of %s: with the aggregates %8.0f events/s, without %8.0f events/s (%s)\n' \
		"$BATCHES" "$PER_BATCH" "$eps_with" "$eps_without" "$(calc "$eps_with / $eps_without")"
	check "round $r: every throughput event stored once on both sides" "$n_with and $n_without of $n_tput" \
		"$([ "$n_with" = "$n_tput" ] && [ "$n_without" = "$n_tput" ] && echo true || echo false)"
	EPS_WITH+=" $eps_with" EPS_WITHOUT+=" $eps_without"
	remove tput
	$PSQL -d "$DB" -c "SELECT analytics_internal._matagg_set_triggers('analytics.events', true)" >/dev/null
	remove new late
	[ "$($PSQL -d "$DB" -Atc 'SELECT count(*) FROM analytics.events')" = "$EVENTS" ] ||
		die "round $r did not leave the $EVENTS events it started from"
done

say "dashboard questions: materialized tables against the raw events"
run_sql "SELECT analytics.create_materialized_aggregate($EC_DEF)"
run_sql "SELECT analytics.create_materialized_aggregate($ST_DEF)"
run_sql "SELECT analytics.create_materialized_aggregate($SD_DEF)"
lo=$($PSQL -d "$DB" -Atc "SELECT last_day - 27 FROM bench.span")
# Screen time by screen over the 28 days up to the last: the rollup of the
# daily (day, session) states, read as text rows (seconds, views per
# screen). The raw question builds the same states from the events.
screen_q() {
	echo "SELECT string_agg(format('%s=%s/%s', r.screen, r.seconds, r.views), ' ' ORDER BY r.screen)
	FROM (SELECT analytics.rollup(st) AS st FROM ($1) d) w, analytics.screen_time_rows(w.st) r"
}
Q_ST_MAT=$(screen_q "SELECT st FROM analytics.daily_screen_time WHERE day BETWEEN date '$lo' AND date '$last_day'")
# the chained table: a rollup of 28 per-day states
Q_ST_CHAIN=$(screen_q "SELECT st FROM analytics.screen_time_per_day WHERE day BETWEEN date '$lo' AND date '$last_day'")
Q_ST_LIVE=$(screen_q "SELECT st FROM analytics.daily_screen_time_live WHERE day BETWEEN date '$lo' AND date '$last_day'")
Q_ST_RAW=$(screen_q "SELECT analytics.screen_seconds(occurred_at, screen) AS st FROM analytics.events
	WHERE occurred_at >= timestamptz '$lo 00:00+00' AND occurred_at < timestamptz '$last_day 00:00+00' + interval '1 day'
	GROUP BY (occurred_at AT TIME ZONE 'UTC')::date, session_id")
# Event counts by day and event name, every day: what
# analytics.event_counts_daily answers (its query written out, so that
# this baseline stays the raw one whatever the view becomes).
counts_q() {
	echo "SELECT count(*), sum(events), sum(users), sum(sessions),
		md5(string_agg(format('%s/%s/%s/%s/%s', day, event_name, events, users, sessions), ',' ORDER BY day, event_name))
	FROM ($1) c"
}
Q_EC_MAT=$(counts_q "SELECT day, event_name, events, users, sessions FROM analytics.daily_event_counts")
Q_EC_LIVE=$(counts_q "SELECT day, event_name, events, users, sessions FROM analytics.daily_event_counts_live")
Q_EC_RAW=$(counts_q "SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, event_name, count(*) AS events,
	count(DISTINCT user_id) AS users, count(DISTINCT session_id) AS sessions FROM analytics.events GROUP BY 1, 2")
bench "$DASH_RUNS" "screen time 28 days, raw events" "$Q_ST_RAW" "screen time 28 days, materialized" "$Q_ST_MAT" \
	"screen time 28 days, chained" "$Q_ST_CHAIN" \
	"event counts by day, raw events" "$Q_EC_RAW" "event counts by day, materialized" "$Q_EC_MAT"
speed_st=$(paired "screen time 28 days, raw events" "screen time 28 days, materialized")
speed_sd=$(paired "screen time 28 days, raw events" "screen time 28 days, chained")
speed_ec=$(paired "event counts by day, raw events" "event counts by day, materialized")
check "screen time by screen over 28 days: materialized = raw" "${OUT[screen time 28 days, materialized]}" \
	"$([ "${OUT[screen time 28 days, materialized]}" = "${OUT[screen time 28 days, raw events]}" ] && echo true || echo false)"
check "screen time by screen over 28 days: chained = raw" "${OUT[screen time 28 days, chained]}" \
	"$([ "${OUT[screen time 28 days, chained]}" = "${OUT[screen time 28 days, raw events]}" ] && echo true || echo false)"
check "event counts by day: materialized = raw" "${OUT[event counts by day, materialized]}" \
	"$([ "${OUT[event counts by day, materialized]}" = "${OUT[event counts by day, raw events]}" ] && echo true || echo false)"

say "the _live views with 1% unrefreshed ($NEW new events on $last_day)"
run_batches 1 "$NEW_BATCHES" "unrefreshed"
$PSQL -d "$DB" -At -c "SELECT '  pending: ' || string_agg(name || ' ' || pending_buckets || ' bucket(s)', ', ' ORDER BY name)
	FROM analytics.materialized_aggregates"
$PSQL -d "$DB" -c 'VACUUM ANALYZE analytics_internal.materialized_aggregate_changes' >/dev/null
bench "$LIVE_RUNS" "screen time 28 days, materialized (stale)" "$Q_ST_MAT" "screen time 28 days, _live" "$Q_ST_LIVE" \
	"event counts by day, materialized (stale)" "$Q_EC_MAT" "event counts by day, _live" "$Q_EC_LIVE"
live_st=$(paired "screen time 28 days, _live" "screen time 28 days, materialized (stale)")
live_ec=$(paired "event counts by day, _live" "event counts by day, materialized (stale)")
bench 1 "screen time 28 days, raw events (after)" "$Q_ST_RAW" "event counts by day, raw events (after)" "$Q_EC_RAW"
check "screen time, _live = raw with the unrefreshed events" "${OUT[screen time 28 days, _live]}" \
	"$([ "${OUT[screen time 28 days, _live]}" = "${OUT[screen time 28 days, raw events (after)]}" ] && echo true || echo false)"
check "event counts, _live = raw with the unrefreshed events" "${OUT[event counts by day, _live]}" \
	"$([ "${OUT[event counts by day, _live]}" = "${OUT[event counts by day, raw events (after)]}" ] && echo true || echo false)"
check "the stale tables differ from the raw answers (the live view had work to do)" "" \
	"$([ "${OUT[event counts by day, materialized (stale)]}" != "${OUT[event counts by day, raw events (after)]}" ] && echo true || echo false)"
$PSQL -d "$DB" -At -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) $Q_ST_LIVE" >"$WORK/matbench-explain-live-screen.txt"
$PSQL -d "$DB" -At -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) $Q_EC_LIVE" >"$WORK/matbench-explain-live-counts.txt"

wait_end=$(cpu_wait)
read -r steal_end total_end <<<"$(cpu_steal)"
clock_end=$(date +%s.%N)
load_end=$(cut -d' ' -f1 /proc/loadavg)

ratio_refresh=$(median_ratio "$T_REFRESH" "$T_BUILD")
ratio_refresh_ec=$(median_ratio "$T_REFRESH_EC" "$T_BUILD_EC")
ratio_refresh_st=$(median_ratio "$T_REFRESH_ST" "$T_BUILD_ST")
ratio_refresh_sd=$(median_ratio "$T_REFRESH_SD" "$T_BUILD_SD")
# shellcheck disable=SC2086 # lists of numbers
ratio_refresh_best=$(calc "$(minimum $T_REFRESH) / $(minimum $T_BUILD)")
# shellcheck disable=SC2086
noop_ec=$(median $T_NOOP_EC)
# shellcheck disable=SC2086
noop_st=$(median $T_NOOP_ST)
# shellcheck disable=SC2086
noop_sd=$(median $T_NOOP_SD)
# shellcheck disable=SC2086
noop_max=$(maximum $T_NOOP_EC $T_NOOP_ST $T_NOOP_SD)
ratio_tput=$(median_ratio "$EPS_WITH" "$EPS_WITHOUT")
# shellcheck disable=SC2086
ratio_tput_best=$(calc "$(maximum $EPS_WITH) / $(maximum $EPS_WITHOUT)")

say "summary"
echo "data: $EVENTS events over $n_days days ($first_day to $last_day), $ROUNDS rounds; changes: $NEW new on the last day + $LATE late on $late_days days before it, touching $changed_days days ($changed_share% of the events)"
echo "ratios: median over rounds of the two figures in one round (best/best in brackets)"
# shellcheck disable=SC2086
printf 'full build (the three aggregates): median %.0f ms (event counts %.0f, screen time %.0f, screen time per day %.0f)\n' \
	"$(median $T_BUILD)" "$(median $T_BUILD_EC)" "$(median $T_BUILD_ST)" "$(median $T_BUILD_SD)"
# shellcheck disable=SC2086
printf 'incremental refresh / full build: %.3f [%.3f] (target <= 0.05; event counts %.3f, screen time %.3f, screen time per day %.3f; %s%% of the events lie in the changed days)   median %.0f ms\n' \
	"$ratio_refresh" "$ratio_refresh_best" "$ratio_refresh_ec" "$ratio_refresh_st" "$ratio_refresh_sd" "$changed_share" "$(median $T_REFRESH)"
# shellcheck disable=SC2086
printf 'incremental refresh, medians: event counts %.0f ms, screen time %.0f ms, then screen time per day %.0f ms\n' \
	"$(median $T_REFRESH_EC)" "$(median $T_REFRESH_ST)" "$(median $T_REFRESH_SD)"
printf 'refresh with nothing changed: median %.1f ms (event counts), %.1f ms (screen time), %.1f ms (screen time per day), max %.1f ms (target < 50 ms)\n' \
	"$noop_ec" "$noop_st" "$noop_sd" "$noop_max"
# shellcheck disable=SC2086
printf 'track_batch with / without the aggregates: %.3f [%.3f] (target >= 0.9)   median %.0f vs %.0f events/s\n' \
	"$ratio_tput" "$ratio_tput_best" "$(median $EPS_WITH)" "$(median $EPS_WITHOUT)"
printf 'screen time by screen, 28 days: raw / materialized %.0fx [%.0fx] (target >= 100x)   best %.0f ms vs %.1f ms\n' \
	"$speed_st" "$(calc "${BEST[screen time 28 days, raw events]} / ${BEST[screen time 28 days, materialized]}")" \
	"${BEST[screen time 28 days, raw events]}" "${BEST[screen time 28 days, materialized]}"
printf 'screen time by screen, 28 days, chained (28 per-day states): raw / chained %.0fx [%.0fx] (target >= 100x)   best %.0f ms vs %.1f ms\n' \
	"$speed_sd" "$(calc "${BEST[screen time 28 days, raw events]} / ${BEST[screen time 28 days, chained]}")" \
	"${BEST[screen time 28 days, raw events]}" "${BEST[screen time 28 days, chained]}"
printf 'event counts by day: raw / materialized %.0fx [%.0fx] (target >= 100x)   best %.0f ms vs %.1f ms\n' \
	"$speed_ec" "$(calc "${BEST[event counts by day, raw events]} / ${BEST[event counts by day, materialized]}")" \
	"${BEST[event counts by day, raw events]}" "${BEST[event counts by day, materialized]}"
printf '_live / materialized, 1%% unrefreshed: screen time %.2f [%.2f], event counts %.2f [%.2f] (target <= 2)   best %.0f vs %.0f ms, %.1f vs %.1f ms\n' \
	"$live_st" "$(calc "${BEST[screen time 28 days, _live]} / ${BEST[screen time 28 days, materialized (stale)]}")" \
	"$live_ec" "$(calc "${BEST[event counts by day, _live]} / ${BEST[event counts by day, materialized (stale)]}")" \
	"${BEST[screen time 28 days, _live]}" "${BEST[screen time 28 days, materialized (stale)]}" \
	"${BEST[event counts by day, _live]}" "${BEST[event counts by day, materialized (stale)]}"
awk -v w0="$wait_start" -v w1="$wait_end" -v c0="$clock_start" -v c1="$clock_end" -v l0="$load_start" -v l1="$load_end" \
	-v s0="$steal_start" -v s1="$steal_end" -v t0="$total_start" -v t1="$total_end" \
	'BEGIN { printf "other load during the timings: CPU pressure %.0f%% of the time, steal %.1f%% of CPU time, load average %s then %s\n",
		(w1 - w0) / 1e4 / (c1 - c0), (t1 > t0 ? 100 * (s1 - s0) / (t1 - t0) : 0), l0, l1 }'
echo "(timings only inform: a missed target does not fail the benchmark; plans of the _live queries in $WORK/matbench-explain-live-*.txt)"
if [ ${#FAILED[@]} -gt 0 ]; then
	die "correctness checks failed: ${FAILED[*]}"
fi
echo "all correctness checks passed"
