#!/usr/bin/env bash
# Sliding-frame benchmark of the anomaly aggregates (moved here from
# sql/anomaly.sql, where a 60 s statement_timeout stood for this: a test must
# not depend on the machine's speed). On a throwaway cluster (test/tmp/frames,
# port FRAMES_PORT, default 5493), serial, work_mem 64MB (the window's rows
# stay in memory: spilled to disk, PostgreSQL itself steps back to the frame
# head row by row):
#
#   1. analytics.zscore over frames of up to 50,001 rows, 100,000 rows;
#   2. analytics.robust_zscore over frames of up to 10,001 rows, 50,000 rows;
#
# each against count(v) over the same window (which PostgreSQL moves in O(1)
# a row: the floor of the plan). With the inverse transition functions used,
# each is a small multiple of the floor and well under a second; aggregated
# afresh for every row they would take some 3.75 * 10^9 transitions (zscore,
# about ten minutes) and 4.5 * 10^8 insertions into arrays of thousands of
# values (robust_zscore). Targets: zscore at most 5x the floor, robust_zscore
# at most 50x; a missed target is printed, not a failure. The results
# (scored: every row but the first two) are checked: a wrong one fails.
# Uses the installed extension; hold /tmp/analytics-test.lock around the run.
source "$(dirname "$0")/../lib.sh"

FRAMES_PORT=${FRAMES_PORT:-5493}
DB=frames
RUNS=${BENCH_RUNS:-3}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive whole number, not '$RUNS'"
[ -f "$($PG_CONFIG --sharedir)/extension/analytics.control" ] ||
	die "the analytics extension is not installed: run make install (or make test) first"
source "$(dirname "$0")/lib.sh"

bench_cluster frames "$FRAMES_PORT" "work_mem = '64MB'" "jit = off" "max_parallel_workers_per_gather = 0"

z="SELECT count(z) FROM (SELECT analytics.zscore((g % 97)::float8) OVER (ORDER BY g ROWS BETWEEN 50000 PRECEDING AND CURRENT ROW) AS z FROM generate_series(1, 100000) g) x"
zf="SELECT count(z) FROM (SELECT count((g % 97)::float8) OVER (ORDER BY g ROWS BETWEEN 50000 PRECEDING AND CURRENT ROW) AS z FROM generate_series(1, 100000) g) x"
r="SELECT count(z) FROM (SELECT analytics.robust_zscore((g % 97)::float8) OVER (ORDER BY g ROWS BETWEEN 10000 PRECEDING AND CURRENT ROW) AS z FROM generate_series(1, 50000) g) x"
rf="SELECT count(z) FROM (SELECT count((g % 97)::float8) OVER (ORDER BY g ROWS BETWEEN 10000 PRECEDING AND CURRENT ROW) AS z FROM generate_series(1, 50000) g) x"

say "timings"
bench "$RUNS" zscore "$z" zscore_floor "$zf" robust "$r" robust_floor "$rf"

say "summary"
# scored: g % 97 never gives a frame of equal values, nor one where more
# than half of the values are equal (MAD 0): every row but the first two
failed=0
[ "${OUT[zscore]}" = 99998 ] || { echo "zscore scored ${OUT[zscore]} rows, expected 99998"; failed=1; }
[ "${OUT[robust]}" = 49998 ] || { echo "robust_zscore scored ${OUT[robust]} rows, expected 49998"; failed=1; }
ratio_z=$(paired zscore zscore_floor)
ratio_r=$(paired robust robust_floor)
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "MISSED" }'; }
printf '1. zscore, frames up to 50,001 rows: best %.0f ms, %sx the floor (target <= 5: %s)\n' \
	"${BEST[zscore]}" "$ratio_z" "$(verdict "$ratio_z" 5)"
printf '2. robust_zscore, frames up to 10,001 rows: best %.0f ms, %sx the floor (target <= 50: %s)\n' \
	"${BEST[robust]}" "$ratio_r" "$(verdict "$ratio_r" 50)"
echo "(timings only inform: a missed target does not fail the benchmark)"
[ "$failed" = 0 ] || die "correctness checks failed"
echo "all correctness checks passed"
