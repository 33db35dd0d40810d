#!/usr/bin/env bash
# Event aggregate benchmark on a throwaway cluster (test/tmp/aggbench, port
# AGGBENCH_PORT, default 5495): analytics.funnel_level and
# analytics.screen_seconds over 10M generated events (200k users, 1M
# sessions of 10 events, 40% funnel-relevant), serial unless said otherwise.
#
#   A. funnel_level grouped by user against count(*) grouped by user, and
#      against a plain-SQL funnel (window functions) that must give the same
#      level for every user.
#   B. screen_seconds grouped by session against count(*) grouped by
#      session, and against a LEAD() window-function version of the same
#      rules that must give the same seconds and views per screen.
#   C. the aggregates with 2 parallel workers: speedup = serial / parallel.
#   D. memory: bytes per stored event (HashAggregate peak memory of the
#      aggregate minus that of count(*) over the same groups), and what the
#      planner's estimate of the state size does at a moderate work_mem.
#   E. A and B's aggregates again on a copy ordered by (user_id, ts).
#   F. analytics.rollup of 5k, 10k and 20k one-screen screen_time values,
#      each a different screen: the time per value at 20k over that at 5k
#      (about 1 when a rollup costs O(n log n); about 4 when it cost O(n^2),
#      as in 0.1.0). AGGBENCH_ONLY=rollup runs only this part (a minute).
#
# Every timed query reads the aggregate's result (a sum over it): PostgreSQL
# drops subquery outputs nobody reads. Each query runs several times,
# interleaved with its baseline: the aggregate against count(*) and the
# parallel runs BENCH_SHORT_RUNS times (default 7), the comparisons with
# plain SQL BENCH_RUNS times (default 3). A ratio is the median over rounds
# of the two times in one round; the ratio of the best times is printed too.
# Prints the ratios and their targets; a missed target is not a failure (the
# timings depend on the machine and on whatever else runs on it). Exits
# non-zero only when something breaks or a correctness check fails. Uses the
# installed extension: run make install first. Takes about 9 minutes on 2
# cores. The serial runs are one backend on an otherwise idle machine: other
# work on it, or on the host of a VM, shows in the timings (the summary
# prints the CPU pressure and steal seen during them).
source "$(dirname "$0")/../lib.sh"

AGGBENCH_PORT=${AGGBENCH_PORT:-5495}
DB=aggbench
RUNS=${BENCH_RUNS:-3}
SHORT_RUNS=${BENCH_SHORT_RUNS:-7}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive whole number, not '$RUNS'"
[[ $SHORT_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SHORT_RUNS must be a positive whole number, not '$SHORT_RUNS'"
[ -f "$($PG_CONFIG --sharedir)/extension/analytics.control" ] ||
	die "the analytics extension is not installed: run make install (or make test) first"

# Memory: the planner sizes a hash aggregate's internal-type state at 8 kB a
# group (ALLOCSET_DEFAULT_INITSIZE: neither aggregate declares SSPACE) and
# spills once groups x 8 kB exceeds work_mem x hash_mem_multiplier, whatever
# the real use. 1M sessions x 8 kB needs about 8.3 GB of hash memory; the
# states really take under 1 GB (section D). The plain-SQL versions sort 4M
# and 10M rows in memory with 2 GB.
WORK_MEM=2GB
HASH_MEM_MULTIPLIER=5
PAR_OPTS="-c max_parallel_workers_per_gather=2 -c parallel_setup_cost=0 -c parallel_tuple_cost=0"

source "$(dirname "$0")/lib.sh"

FAILED=()
# check NAME CONDITION-TEXT OK: prints the check; a failure is remembered.
check() {
	if [ "$3" = true ]; then
		echo "check: $1: ok ($2)"
	else
		echo "check: $1: FAILED ($2)"
		FAILED+=("$1")
	fi
}

# hashagg_stats LABEL SQL: EXPLAIN ANALYZE of SQL; sets HA_MEM_KB,
# HA_BATCHES, HA_DISK_KB (of the first HashAggregate) and HA_MS.
HA_MEM_KB=
HA_BATCHES=
HA_DISK_KB=
HA_MS=
hashagg_stats() {
	local plan line
	plan=$($PSQL -d "$DB" -At -c "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) $2") || die "EXPLAIN failed: $2"
	printf '%s\n' "$plan" >"$WORK/aggbench-explain-$1.txt"
	line=$(grep -m1 -E '^ *Batches: ' <<<"$plan" | sed 's/^ *//' || true)
	[ -z "$line" ] && line=$(grep -m1 -E 'Batches: [0-9]+ ' <<<"$plan" || true)
	HA_BATCHES=$(sed -n 's/.*Batches: \([0-9]*\).*/\1/p' <<<"$line")
	HA_MEM_KB=$(sed -n 's/.*Memory Usage: \([0-9]*\)kB.*/\1/p' <<<"$line")
	HA_DISK_KB=$(sed -n 's/.*Disk Usage: \([0-9]*\)kB.*/\1/p' <<<"$line")
	HA_DISK_KB=${HA_DISK_KB:-0}
	HA_MS=$(sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p' <<<"$plan")
	[ -n "$HA_BATCHES" ] && [ -n "$HA_MEM_KB" ] && [ -n "$HA_MS" ] ||
		{ printf '%s\n' "$plan"; die "no HashAggregate figures in the plan of $1"; }
}

say "machine"
# No autovacuum (it would take a CPU at random moments: VACUUM ANALYZE and
# CHECKPOINT run before the timings instead), no JIT (its compile time, up to
# a second here, would land on some queries and not others), no synchronized
# scans (every scan reads the table from its first block, so the aggregates
# see the same order each time), serial by default.
bench_cluster aggbench "$AGGBENCH_PORT" "shared_buffers = '2GB'" "work_mem = '$WORK_MEM'" \
	"hash_mem_multiplier = $HASH_MEM_MULTIPLIER" "maintenance_work_mem = '1GB'" "max_wal_size = '8GB'" \
	"autovacuum = off" "jit = off" "synchronize_seqscans = off" "max_parallel_workers_per_gather = 0"

# F: rollup of n one-screen values, n distinct screens. Sets ROLLUP_RATIO (time
# per value at 20k / at 5k, median over rounds) and ROLLUP_BEST.
ROLLUP_RATIO=
ROLLUP_BEST=
rollup_section() {
	local n q
	local -a args=()
	say "F. analytics.rollup of n one-screen values, each a different screen"
	$PSQL -d "$DB" -c 'CREATE SCHEMA IF NOT EXISTS bench' -c 'DROP TABLE IF EXISTS bench.st_one' \
		-c "CREATE TABLE bench.st_one AS
			SELECT i, ('{\"screen_' || md5(i::text) || '\": {\"seconds\": ' || i % 1000 || ', \"views\": 1}}')::analytics.screen_time AS st
			FROM generate_series(1, 20000) i" \
		-c 'VACUUM ANALYZE bench.st_one' >/dev/null
	for n in 5000 10000 20000; do
		# the result is read: its screens counted and their seconds summed
		q="SELECT count(*), sum(r.seconds), sum(r.views)
			FROM (SELECT analytics.rollup(st) AS st FROM bench.st_one WHERE i <= $n) x, analytics.screen_time_rows(x.st) r"
		args+=("rollup of $n" "$q")
	done
	bench "$SHORT_RUNS" "${args[@]}"
	check "rollup of 20k values holds 20k screens and all seconds" "${OUT[rollup of 20000]}" \
		"$([ "${OUT[rollup of 20000]}" = "20000|9990000|20000" ] && echo true || echo false)"
	ROLLUP_RATIO=$(paste -d ' ' <(tr ' ' '\n' <<<"${TIMES[rollup of 20000]}" | grep .) <(tr ' ' '\n' <<<"${TIMES[rollup of 5000]}" | grep .) |
		awk '{ printf "%.6f\n", ($1 / 20000) / ($2 / 5000) }' | sort -n |
		awk '{ r[NR] = $1 } END { printf "%.2f", NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }')
	ROLLUP_BEST=$(calc "(${BEST[rollup of 20000]} / 20000) / (${BEST[rollup of 5000]} / 5000)")
	printf 'rollup time per value, 20k / 5k: %s [best/best %s] (target about 1; 0.1.0: about 4)   best %.0f, %.0f, %.0f ms for 5k, 10k, 20k\n' \
		"$ROLLUP_RATIO" "$ROLLUP_BEST" "${BEST[rollup of 5000]}" "${BEST[rollup of 10000]}" "${BEST[rollup of 20000]}"
}
if [ "${AGGBENCH_ONLY:-}" = rollup ]; then
	rollup_section
	[ ${#FAILED[@]} -eq 0 ] || die "correctness checks failed: ${FAILED[*]}"
	exit 0
fi

say "data: 10M events, 200k users x 5 sessions x 10 events"
# Deterministic: every attribute comes from hashint8extended of the session
# or event number. A user's first session starts within 14 days of March 1,
# 2024, the next ones a day apart plus 0-20 hours (so 4 to 44 hours
# between sessions). Events of a session are 150 s apart plus 0-119 s (no
# two events of a user share a timestamp); one session in 10 has one idle
# gap of 31-91 minutes. 40% of the events are funnel steps 1-4 (16%, 12%,
# 8%, 4%), the rest step 0 or NULL; 70% are views of one of 6 screens, half
# of them with duration_ms, the rest other activity (screen NULL). The table
# is stored in time order (ts, user_id), as events arrive: the events of a
# user or a session are spread over the table, not contiguous.
start_s=$(date +%s.%N)
$PSQL -d "$DB" <<'SQL'
CREATE SCHEMA bench;
CREATE TABLE bench.ev AS
WITH s AS (
	SELECT u, (u - 1) * 5 + k + 1 AS session_id,
		timestamptz '2024-03-01 00:00:00+00'
			+ make_interval(secs => (hashint4(u) & 2147483647) % (14 * 86400))
			+ make_interval(days => k)
			+ make_interval(secs => (hashint8extended((u - 1) * 5 + k, 7) & 2147483647) % (20 * 3600)) AS start,
		hashint8extended((u - 1) * 5 + k, 11) & 2147483647 AS hs
	FROM generate_series(1, 200000) u, generate_series(0, 4) k
), e AS (
	SELECT s.u, s.session_id, s.start, s.hs, e,
		hashint8extended(s.session_id * 10 + e, 3) & 9223372036854775807 AS h
	FROM s, generate_series(0, 9) e
)
SELECT u AS user_id, session_id,
	start + make_interval(secs => e * 150 + h % 120
		-- the idle gap: before event 1 + hs / 10 % 9 of one session in 10
		+ CASE WHEN hs % 10 = 0 AND e >= 1 + hs / 10 % 9 THEN 1860 + hs / 100 % 3600 ELSE 0 END) AS ts,
	CASE WHEN h / 120 % 100 < 40 THEN
			CASE WHEN h / 120 % 100 < 16 THEN 1 WHEN h / 120 % 100 < 28 THEN 2 WHEN h / 120 % 100 < 36 THEN 3 ELSE 4 END
		WHEN h / 12000 % 2 = 0 THEN 0 END AS step,
	CASE WHEN h / 24000 % 100 < 70 THEN
		(ARRAY['home', 'search', 'schedule', 'map', 'room', 'profile'])[1 + h / 2400000 % 6] END AS screen,
	CASE WHEN h / 24000 % 100 < 70 AND h / 14400000 % 2 = 0 THEN 500 + h / 28800000 % 120000 END::bigint AS duration_ms
FROM e
ORDER BY ts, user_id;
SQL
gen_s=$(calc "$(date +%s.%N) - $start_s")
start_s=$(date +%s.%N)
$PSQL -d "$DB" -c 'VACUUM ANALYZE bench.ev'
vac_s=$(calc "$(date +%s.%N) - $start_s")
echo "  generated in $gen_s s (CREATE TABLE AS ... ORDER BY ts), VACUUM ANALYZE $vac_s s"
stats=$($PSQL -d "$DB" -At -F ' ' -c "SELECT count(*), count(DISTINCT user_id), count(DISTINCT session_id),
		count(*) FILTER (WHERE step BETWEEN 1 AND 4), count(screen), count(duration_ms),
		pg_size_pretty(pg_table_size('bench.ev')) FROM bench.ev")
read -r n_rows n_users n_sessions n_funnel n_views n_durations table_size <<<"$stats"
printf '  %s rows, %s users, %s sessions, %s funnel-relevant (%s%%), %s screen views (%s%%), %s with duration_ms (%s%% of views), table %s\n' \
	"$n_rows" "$n_users" "$n_sessions" "$n_funnel" "$(calc "100 * $n_funnel / $n_rows")" \
	"$n_views" "$(calc "100 * $n_views / $n_rows")" "$n_durations" "$(calc "100 * $n_durations / $n_views")" "$table_size"
$PSQL -d "$DB" -At -c "SELECT format('  first 20k users: %s gaps over 30 min within sessions (%s sessions), session spans p50 %s, p90 %s, max %s; steps %s',
		(SELECT count(*) FROM (SELECT ts - lag(ts) OVER (PARTITION BY session_id ORDER BY ts) AS g
			FROM bench.ev WHERE user_id <= 20000) x WHERE g > interval '30 min'),
		(SELECT count(*) FROM bench.ev WHERE user_id <= 20000) / 10,
		p[1], p[2], p[3],
		(SELECT string_agg(coalesce(step::text, 'NULL') || ':' || c, ' ' ORDER BY step) FROM
			(SELECT step, count(*) AS c FROM bench.ev GROUP BY step) s))
	FROM (SELECT percentile_disc(ARRAY[0.5, 0.9, 1]) WITHIN GROUP (ORDER BY span) AS p
		FROM (SELECT max(ts) - min(ts) AS span FROM bench.ev WHERE user_id <= 20000 GROUP BY session_id) s) q"
[ "$n_rows" = 10000000 ] && [ "$n_users" = 200000 ] && [ "$n_sessions" = 1000000 ] ||
	die "the generated data is not 10M rows, 200k users, 1M sessions"

# The plain-SQL versions, as views.
$PSQL -d "$DB" <<'SQL'
-- Greedy funnel chains (window 1 hour, steps 1-4) in plain SQL, the same
-- definition as analytics.funnel_level: events in (ts, step) order; every
-- step-1 event starts a chain, which takes each next step at its first
-- occurrence after the previous one, as long as that is within the window of
-- the step-1 event; a user's level is the best chain's (0 without step 1).
--
-- Window frames over each user's funnel events walked backwards (so that
-- every frame only grows and min() runs incrementally; O(n) a pass):
--   p1: n2, n3, n4 = ts of the first step-2, -3, -4 event after each event.
--   p2: for a step-2 event, t4 = n4 of the first step-3 event after it.
--   p3: for a step-1 event, t3 = n3 and t4 = p2's t4 of the first step-2
--       event after it (the chain's step 2 is that event).
-- "Of the first step-k event after it" is the minimum over all later step-k
-- events, as these values never decrease along the order.
CREATE VIEW bench.sql_funnel AS
WITH p1 AS (
	SELECT user_id, ts, step,
		min(ts) FILTER (WHERE step = 2) OVER w AS n2,
		min(ts) FILTER (WHERE step = 3) OVER w AS n3,
		min(ts) FILTER (WHERE step = 4) OVER w AS n4
	FROM bench.ev
	WHERE step BETWEEN 1 AND 4
	WINDOW w AS (PARTITION BY user_id ORDER BY ts DESC, step DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), p2 AS (
	SELECT user_id, ts, step, n2, n3,
		CASE WHEN step = 2 THEN min(n4) FILTER (WHERE step = 3) OVER w END AS t4_after_2
	FROM p1
	WINDOW w AS (PARTITION BY user_id ORDER BY ts DESC, step DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), p3 AS (
	SELECT user_id, ts, step, n2,
		min(n3) FILTER (WHERE step = 2) OVER w AS t3,
		min(t4_after_2) FILTER (WHERE step = 2) OVER w AS t4
	FROM p2
	WINDOW w AS (PARTITION BY user_id ORDER BY ts DESC, step DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT user_id,
	max(CASE WHEN t4 <= ts + interval '1 hour' THEN 4 WHEN t3 <= ts + interval '1 hour' THEN 3
		WHEN n2 <= ts + interval '1 hour' THEN 2 ELSE 1 END) AS level
FROM p3
WHERE step = 1
GROUP BY user_id;

-- Screen time per session and screen with LEAD(), the rules of
-- analytics.screen_seconds(ts, screen, duration_ms, '30 min'): events in
-- (ts, screen in byte order with NULL last, duration_ms with NULL first)
-- order; the gap to the next event counts toward the latest screen view when
-- it is at most 30 minutes, unless that view has a duration_ms, which counts
-- instead; nothing counts after the last event.
--   a: each event's gap to the next one, 0 when over the timeout or last.
--   b: the gaps before each event (running sum) and the session's total.
--   c: per view, the gaps from it to the next view (or the session's end),
--      or its duration_ms.
CREATE VIEW bench.sql_screen AS
WITH a AS (
	SELECT session_id, ts, screen, duration_ms,
		CASE WHEN lead(ts) OVER w - ts <= interval '30 min' THEN lead(ts) OVER w - ts
			ELSE interval '0' END AS gap
	FROM bench.ev
	WINDOW w AS (PARTITION BY session_id ORDER BY ts, screen COLLATE "C" NULLS LAST, duration_ms NULLS FIRST)
), b AS (
	SELECT session_id, ts, screen, duration_ms,
		sum(gap) OVER w - gap AS before,
		sum(gap) OVER (PARTITION BY session_id) AS total
	FROM a
	WINDOW w AS (PARTITION BY session_id ORDER BY ts, screen COLLATE "C" NULLS LAST, duration_ms NULLS FIRST
		ROWS UNBOUNDED PRECEDING)
), c AS (
	SELECT session_id, screen,
		CASE WHEN duration_ms IS NOT NULL THEN duration_ms * interval '1 millisecond'
			ELSE lead(before, 1, total) OVER w - before END AS spent
	FROM b
	WHERE screen IS NOT NULL
	WINDOW w AS (PARTITION BY session_id ORDER BY ts, screen COLLATE "C" NULLS LAST, duration_ms NULLS FIRST)
)
SELECT session_id, screen, date_part('epoch', sum(spent)) AS seconds, count(*) AS views
FROM c
GROUP BY session_id, screen;
SQL

# The timed queries. TABLE is replaced by the table's name.
Q_COUNT_USER='SELECT sum(c) FROM (SELECT user_id, count(*) AS c FROM TABLE GROUP BY user_id) q'
Q_FUNNEL="SELECT sum(l) FROM (SELECT user_id, analytics.funnel_level(ts, step, '1 hour') AS l FROM TABLE GROUP BY user_id) q"
Q_SQL_FUNNEL='SELECT sum(level) FROM bench.sql_funnel'
Q_COUNT_SESSION='SELECT sum(c) FROM (SELECT session_id, count(*) AS c FROM TABLE GROUP BY session_id) q'
# seconds on one screen, as exact microseconds (the same sum in any order)
Q_SCREEN="SELECT sum((analytics.seconds_on(st, 'home') * 1e6)::bigint)
	FROM (SELECT session_id, analytics.screen_seconds(ts, screen, duration_ms, '30 min') AS st FROM TABLE GROUP BY session_id) q"
# Per screen over all sessions: microseconds, views, (session, screen) rows
# and a checksum weighting each session's microseconds by session_id % 1009.
# The same outer query reads the aggregate and the LEAD() version.
screen_totals() {
	echo "SELECT string_agg(format('%s=%s/%s/%s/%s', screen, usecs, views, n, chk), ' ' ORDER BY screen)
	FROM (SELECT screen, sum(round(seconds * 1e6)::bigint) AS usecs, sum(views) AS views, count(*) AS n,
			sum(round(seconds * 1e6)::bigint * (session_id % 1009)) AS chk
		FROM ($1) r GROUP BY screen) t"
}
Q_SCREEN_ROWS=$(screen_totals "SELECT q.session_id, r.screen, r.seconds, r.views
	FROM (SELECT session_id, analytics.screen_seconds(ts, screen, duration_ms, '30 min') AS st
		FROM bench.ev GROUP BY session_id) q, analytics.screen_time_rows(q.st) r")
Q_SQL_SCREEN=$(screen_totals 'SELECT session_id, screen, seconds, views FROM bench.sql_screen')
on() { echo "${2//TABLE/$1}"; }

$PSQL -d "$DB" -c 'CHECKPOINT' -c "SELECT pg_prewarm('bench.ev')" >/dev/null
load_start=$(cut -d' ' -f1 /proc/loadavg)
wait_start=$(cpu_wait)
read -r steal_start total_start <<<"$(cpu_steal)"
clock_start=$(date +%s.%N)

say "A. funnel_level(ts, step, '1 hour') grouped by user"
bench "$SHORT_RUNS" "count(*) by user" "$(on bench.ev "$Q_COUNT_USER")" \
	"funnel_level by user" "$(on bench.ev "$Q_FUNNEL")"
ratio_funnel=$(paired "funnel_level by user" "count(*) by user")
best_funnel=$(calc "${BEST[funnel_level by user]} / ${BEST[count(*) by user]}")
printf 'funnel_level/count(*) ratio: %s (target <= 1.5; median of %d rounds; best/best %s: funnel_level %.0f ms, count(*) %.0f ms)\n' \
	"$ratio_funnel" "$SHORT_RUNS" "$best_funnel" "${BEST[funnel_level by user]}" "${BEST[count(*) by user]}"
bench "$RUNS" "funnel_level by user, against SQL" "$(on bench.ev "$Q_FUNNEL")" \
	"plain SQL funnel by user" "$Q_SQL_FUNNEL"
speed_sql_funnel=$(paired "plain SQL funnel by user" "funnel_level by user, against SQL")
best_sql_funnel=$(calc "${BEST[plain SQL funnel by user]} / ${BEST[funnel_level by user, against SQL]}")
printf 'plain SQL funnel / funnel_level: %.1fx faster (target >= 3; median of %d rounds; best/best %.1fx: plain SQL %.0f ms, funnel_level %.0f ms)\n' \
	"$speed_sql_funnel" "$RUNS" "$best_sql_funnel" "${BEST[plain SQL funnel by user]}" "${BEST[funnel_level by user, against SQL]}"
check "count(*) by user sums to every row" "${OUT[count(*) by user]}" \
	"$([ "${OUT[count(*) by user]}" = 10000000 ] && echo true || echo false)"
check "sum of funnel levels, aggregate = plain SQL" "${OUT[funnel_level by user]} and ${OUT[plain SQL funnel by user]}" \
	"$([ "${OUT[funnel_level by user]}" = "${OUT[plain SQL funnel by user]}" ] && echo true || echo false)"
cmp=$($PSQL -d "$DB" -At -F ' ' <<'SQL'
SELECT count(*) FILTER (WHERE f.l IS DISTINCT FROM coalesce(s.level, 0)), count(*),
	(SELECT string_agg(level || ':' || n, ' ' ORDER BY level) FROM
		(SELECT coalesce(f2.l, -1) AS level, count(*) AS n FROM (SELECT user_id, analytics.funnel_level(ts, step, '1 hour') AS l
			FROM bench.ev GROUP BY user_id) f2 GROUP BY 1) d)
FROM (SELECT user_id, analytics.funnel_level(ts, step, '1 hour') AS l FROM bench.ev GROUP BY user_id) f
FULL JOIN bench.sql_funnel s USING (user_id);
SQL
)
read -r mismatches compared levels <<<"$cmp"
check "funnel level per user, aggregate = plain SQL" "$mismatches mismatches over $compared users; users per level $levels" \
	"$([ "$mismatches" = 0 ] && [ "$compared" = 200000 ] && echo true || echo false)"

say "B. screen_seconds(ts, screen, duration_ms, '30 min') grouped by session"
bench "$SHORT_RUNS" "count(*) by session" "$(on bench.ev "$Q_COUNT_SESSION")" \
	"screen_seconds by session (seconds_on)" "$(on bench.ev "$Q_SCREEN")"
ratio_screen=$(paired "screen_seconds by session (seconds_on)" "count(*) by session")
best_screen=$(calc "${BEST[screen_seconds by session (seconds_on)]} / ${BEST[count(*) by session]}")
printf 'screen_seconds/count(*) ratio: %s (target <= 2; median of %d rounds; best/best %s: screen_seconds + seconds_on %.0f ms, count(*) %.0f ms)\n' \
	"$ratio_screen" "$SHORT_RUNS" "$best_screen" "${BEST[screen_seconds by session (seconds_on)]}" "${BEST[count(*) by session]}"
bench "$RUNS" "screen_seconds, rows per screen" "$Q_SCREEN_ROWS" \
	"LEAD() SQL, rows per screen" "$Q_SQL_SCREEN"
speed_lead=$(paired "LEAD() SQL, rows per screen" "screen_seconds, rows per screen")
speed_lead_on=$(calc "${BEST[LEAD() SQL, rows per screen]} / ${BEST[screen_seconds by session (seconds_on)]}")
printf 'LEAD() SQL / screen_seconds: %.1fx (target >= 4; median of rounds)   both giving seconds and views per session and screen: LEAD() %.0f ms, screen_seconds + screen_time_rows %.0f ms, best of %d (%.1fx against screen_seconds + seconds_on)\n' \
	"$speed_lead" "${BEST[LEAD() SQL, rows per screen]}" "${BEST[screen_seconds, rows per screen]}" "$RUNS" "$speed_lead_on"
check "count(*) by session sums to every row" "${OUT[count(*) by session]}" \
	"$([ "${OUT[count(*) by session]}" = 10000000 ] && echo true || echo false)"
echo "  screen=microseconds/views/(session, screen) rows/checksum:"
echo "  aggregate: ${OUT[screen_seconds, rows per screen]}"
echo "  LEAD() SQL: ${OUT[LEAD() SQL, rows per screen]}"
check "seconds and views per screen, aggregate = LEAD() SQL" "identical totals, row counts and checksums" \
	"$([ "${OUT[screen_seconds, rows per screen]}" = "${OUT[LEAD() SQL, rows per screen]}" ] && echo true || echo false)"
views_total=$(tr ' ' '\n' <<<"${OUT[screen_seconds, rows per screen]}" | awk -F'[=/]' '{ s += $3 } END { print s }')
check "views = screen views in the table" "$views_total of $n_views" \
	"$([ "$views_total" = "$n_views" ] && echo true || echo false)"
home_usecs=$(tr ' ' '\n' <<<"${OUT[screen_seconds, rows per screen]}" | awk -F'[=/]' '$1 == "home" { print $2 }')
check "seconds_on(st, 'home') summed = the home total of screen_time_rows" "${OUT[screen_seconds by session (seconds_on)]} us" \
	"$([ "${OUT[screen_seconds by session (seconds_on)]}" = "$home_usecs" ] && echo true || echo false)"

wait_serial=$(cpu_wait)
read -r steal_serial total_serial <<<"$(cpu_steal)"
clock_serial=$(date +%s.%N)
load_serial=$(cut -d' ' -f1 /proc/loadavg)

say "C. 2 parallel workers (parallel_setup_cost = 0, parallel_tuple_cost = 0)"
for q in "$Q_FUNNEL" "$Q_SCREEN"; do
	dflt=$(PGOPTIONS="-c max_parallel_workers_per_gather=2" $PSQL -d "$DB" -At -c "EXPLAIN $(on bench.ev "$q")" | grep -c 'Gather' || true)
	echo "  with default parallel costs the planner picks for $(grep -o 'analytics\.[a-z_]*(' <<<"$q" | tail -1 | tr -d '(') a $([ "$dflt" -gt 0 ] && echo parallel || echo serial) plan"
done
PGOPTIONS=$PAR_OPTS $PSQL -d "$DB" -At -c "EXPLAIN (COSTS OFF) $(on bench.ev "$Q_FUNNEL")" | sed 's/^/  plan: /'
PGOPTIONS=$PAR_OPTS bench "$SHORT_RUNS" "parallel count(*) by user" "$(on bench.ev "$Q_COUNT_USER")" \
	"parallel funnel_level by user" "$(on bench.ev "$Q_FUNNEL")" \
	"parallel count(*) by session" "$(on bench.ev "$Q_COUNT_SESSION")" \
	"parallel screen_seconds by session" "$(on bench.ev "$Q_SCREEN")"
par_funnel=$(calc "${BEST[funnel_level by user]} / ${BEST[parallel funnel_level by user]}")
par_screen=$(calc "${BEST[screen_seconds by session (seconds_on)]} / ${BEST[parallel screen_seconds by session]}")
par_count_u=$(calc "${BEST[count(*) by user]} / ${BEST[parallel count(*) by user]}")
par_count_s=$(calc "${BEST[count(*) by session]} / ${BEST[parallel count(*) by session]}")
printf 'parallel speedup (2 workers): funnel %s, screen %s   (count(*) by user %s, by session %s)\n' \
	"$par_funnel" "$par_screen" "$par_count_u" "$par_count_s"
check "parallel results = serial results" "funnel ${OUT[parallel funnel_level by user]}, screen ${OUT[parallel screen_seconds by session]}" \
	"$([ "${OUT[parallel funnel_level by user]}" = "${OUT[funnel_level by user]}" ] &&
		[ "${OUT[parallel screen_seconds by session]}" = "${OUT[screen_seconds by session (seconds_on)]}" ] &&
		[ "${OUT[parallel count(*) by user]}" = 10000000 ] && [ "${OUT[parallel count(*) by session]}" = 10000000 ] &&
		echo true || echo false)"

say "D. memory: HashAggregate peak memory, aggregate minus count(*) over the same groups"
hashagg_stats count_user "$(on bench.ev "$Q_COUNT_USER")"
mem_count_user=$HA_MEM_KB
hashagg_stats funnel "$(on bench.ev "$Q_FUNNEL")"
mem_funnel=$HA_MEM_KB
batches_funnel=$HA_BATCHES
hashagg_stats count_session "$(on bench.ev "$Q_COUNT_SESSION")"
mem_count_session=$HA_MEM_KB
hashagg_stats screen "$(on bench.ev "$Q_SCREEN")"
mem_screen=$HA_MEM_KB
batches_screen=$HA_BATCHES
n_stored_screen=$($PSQL -d "$DB" -Atc 'SELECT count(ts) FROM bench.ev')
bpe_funnel=$(calc "($mem_funnel - $mem_count_user) * 1024 / $n_funnel")
bpe_screen=$(calc "($mem_screen - $mem_count_session) * 1024 / $n_stored_screen")
bpg_funnel=$(calc "($mem_funnel - $mem_count_user) * 1024 / $n_users")
bpg_screen=$(calc "($mem_screen - $mem_count_session) * 1024 / $n_sessions")
printf '  by user:    count(*) %s kB, funnel_level %s kB (%s batch): %s bytes per user, %s per stored event (%s stored: steps 1-4)\n' \
	"$mem_count_user" "$mem_funnel" "$batches_funnel" "$bpg_funnel" "$bpe_funnel" "$n_funnel"
printf '  by session: count(*) %s kB, screen_seconds %s kB (%s batch): %s bytes per session, %s per stored event (%s stored: every row)\n' \
	"$mem_count_session" "$mem_screen" "$batches_screen" "$bpg_screen" "$bpe_screen" "$n_stored_screen"
echo "  design: 16 bytes per stored event in either state (FunnelEvent, ScreenEvent), plus the state header"
echo "  and the array's unused capacity (it doubles; a screen_seconds state holds 12 events inline in 256 bytes);"
echo "  screen names are stored once for all sessions"
[ "$batches_funnel" = 1 ] && [ "$batches_screen" = 1 ] ||
	echo "  (a HashAggregate spilled: its memory is not the whole state; raise work_mem)"

# The planner's view of the state size. Copies of the two aggregates, made
# from the extension's own support functions, that declare SSPACE (the
# bytes per group measured above, rounded up) show what the estimate does.
sspace_funnel=$(awk -v b="$bpg_funnel" 'BEGIN { printf "%d", int(b / 64 + 1) * 64 }')
sspace_screen=$(awk -v b="$bpg_screen" 'BEGIN { printf "%d", int(b / 64 + 1) * 64 }')
$PSQL -d "$DB" <<SQL
CREATE AGGREGATE bench.funnel_level_sspace(timestamptz, int, interval) (
	SFUNC = analytics_internal.funnel_trans, STYPE = internal, SSPACE = $sspace_funnel,
	FINALFUNC = analytics_internal.funnel_level_final, FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.funnel_combine, SERIALFUNC = analytics_internal.funnel_serialize,
	DESERIALFUNC = analytics_internal.funnel_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE bench.screen_seconds_sspace(timestamptz, text, bigint, interval) (
	SFUNC = analytics_internal.screen_seconds_trans, STYPE = internal, SSPACE = $sspace_screen,
	FINALFUNC = analytics_internal.screen_seconds_final,
	COMBINEFUNC = analytics_internal.screen_seconds_combine, SERIALFUNC = analytics_internal.screen_seconds_serialize,
	DESERIALFUNC = analytics_internal.screen_seconds_deserialize, PARALLEL = SAFE);
SQL
echo "  at work_mem = 512MB (hash_mem_multiplier 2: 1 GB of hash memory, more than either state takes):"
for name in funnel_level screen_seconds; do
	if [ $name = funnel_level ]; then q=$Q_FUNNEL sspace=$sspace_funnel; else q=$Q_SCREEN sspace=$sspace_screen; fi
	for variant in "analytics.$name" "bench.${name}_sspace"; do
		PGOPTIONS="-c work_mem=512MB -c hash_mem_multiplier=2" hashagg_stats "$variant-512MB" \
			"$(on bench.ev "${q//analytics.$name(/$variant(}")"
		printf '    %-40s %s batch(es), %7s kB memory, %7s kB on disk, %6.0f ms (EXPLAIN ANALYZE)\n' \
			"$variant$([ "$variant" = "analytics.$name" ] && echo ' (as declared)' || echo " (SSPACE $sspace)")" \
			"$HA_BATCHES" "$HA_MEM_KB" "$HA_DISK_KB" "$HA_MS"
	done
done

say "E. the same aggregates on a copy ordered by (user_id, ts)"
# Every group's events arrive together and in order: the final functions
# skip their sort, and each group's rows fall to one parallel worker.
$PSQL -d "$DB" -c 'CREATE TABLE bench.ev_by_user AS SELECT * FROM bench.ev ORDER BY user_id, ts' \
	-c 'VACUUM ANALYZE bench.ev_by_user' -c 'CHECKPOINT' -c "SELECT pg_prewarm('bench.ev_by_user')" >/dev/null
bench "$SHORT_RUNS" "by-user order: count(*) by user" "$(on bench.ev_by_user "$Q_COUNT_USER")" \
	"by-user order: funnel_level" "$(on bench.ev_by_user "$Q_FUNNEL")" \
	"by-user order: count(*) by session" "$(on bench.ev_by_user "$Q_COUNT_SESSION")" \
	"by-user order: screen_seconds" "$(on bench.ev_by_user "$Q_SCREEN")"
PGOPTIONS=$PAR_OPTS bench "$SHORT_RUNS" "by-user order: parallel funnel_level" "$(on bench.ev_by_user "$Q_FUNNEL")" \
	"by-user order: parallel screen_seconds" "$(on bench.ev_by_user "$Q_SCREEN")"
ratio_funnel_u=$(paired "by-user order: funnel_level" "by-user order: count(*) by user")
ratio_screen_u=$(paired "by-user order: screen_seconds" "by-user order: count(*) by session")
par_funnel_u=$(calc "${BEST[by-user order: funnel_level]} / ${BEST[by-user order: parallel funnel_level]}")
par_screen_u=$(calc "${BEST[by-user order: screen_seconds]} / ${BEST[by-user order: parallel screen_seconds]}")
printf 'by (user_id, ts): funnel_level/count(*) %s, screen_seconds/count(*) %s, parallel speedup funnel %s, screen %s\n' \
	"$ratio_funnel_u" "$ratio_screen_u" "$par_funnel_u" "$par_screen_u"
check "results do not depend on the table's order" "funnel ${OUT[by-user order: funnel_level]}, screen ${OUT[by-user order: screen_seconds]}" \
	"$([ "${OUT[by-user order: funnel_level]}" = "${OUT[funnel_level by user]}" ] &&
		[ "${OUT[by-user order: parallel funnel_level]}" = "${OUT[funnel_level by user]}" ] &&
		[ "${OUT[by-user order: screen_seconds]}" = "${OUT[screen_seconds by session (seconds_on)]}" ] &&
		[ "${OUT[by-user order: parallel screen_seconds]}" = "${OUT[screen_seconds by session (seconds_on)]}" ] &&
		echo true || echo false)"

rollup_section

say "summary"
echo "data: $n_rows events ($n_users users, $n_sessions sessions, $n_funnel funnel-relevant) in time order, generated in $gen_s s; serial, $SHORT_RUNS rounds (plain SQL comparisons: $RUNS)"
echo "ratios: median over rounds of the two queries' times in the same round (best/best in brackets)"
printf 'funnel_level/count(*) ratio: %s [%s] (target <= 1.5)   best %.0f ms vs %.0f ms\n' \
	"$ratio_funnel" "$best_funnel" "${BEST[funnel_level by user]}" "${BEST[count(*) by user]}"
printf 'plain SQL funnel / funnel_level: %.1fx [%.1fx] faster (target >= 3)   best %.0f ms vs %.0f ms\n' \
	"$speed_sql_funnel" "$best_sql_funnel" "${BEST[plain SQL funnel by user]}" "${BEST[funnel_level by user, against SQL]}"
printf 'screen_seconds/count(*) ratio: %s [%s] (target <= 2)   best %.0f ms vs %.0f ms\n' \
	"$ratio_screen" "$best_screen" "${BEST[screen_seconds by session (seconds_on)]}" "${BEST[count(*) by session]}"
printf 'LEAD() SQL / screen_seconds: %.1fx [%.1fx] (target >= 4)   best %.0f ms vs %.0f ms (per session and screen on both sides)\n' \
	"$speed_lead" "$(calc "${BEST[LEAD() SQL, rows per screen]} / ${BEST[screen_seconds, rows per screen]}")" \
	"${BEST[LEAD() SQL, rows per screen]}" "${BEST[screen_seconds, rows per screen]}"
printf 'parallel speedup (2 workers): funnel %s, screen %s   (ordered by user: funnel %s, screen %s)\n' \
	"$par_funnel" "$par_screen" "$par_funnel_u" "$par_screen_u"
printf 'bytes per stored event: funnel %.0f, screen %.0f   (design 16 + overhead; %.0f and %.0f bytes per group)\n' \
	"$bpe_funnel" "$bpe_screen" "$bpg_funnel" "$bpg_screen"
printf 'ordered by (user_id, ts): funnel_level/count(*) %s, screen_seconds/count(*) %s\n' "$ratio_funnel_u" "$ratio_screen_u"
printf 'rollup time per value, 20k / 5k distinct screens: %s [%s] (target about 1)\n' "$ROLLUP_RATIO" "$ROLLUP_BEST"
awk -v w0="$wait_start" -v w1="$wait_serial" -v c0="$clock_start" -v c1="$clock_serial" -v l0="$load_start" -v l1="$load_serial" \
	-v s0="$steal_start" -v s1="$steal_serial" -v t0="$total_start" -v t1="$total_serial" \
	'BEGIN { printf "other load during the serial timings (A, B): CPU pressure %.0f%% of the time, steal %.1f%% of CPU time, load average %s then %s\n",
		(w1 - w0) / 1e4 / (c1 - c0), (t1 > t0 ? 100 * (s1 - s0) / (t1 - t0) : 0), l0, l1 }'
echo "(timings only inform: a missed target does not fail the benchmark)"
if [ ${#FAILED[@]} -gt 0 ]; then
	die "correctness checks failed: ${FAILED[*]}"
fi
echo "all correctness checks passed"
