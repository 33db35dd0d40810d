#!/usr/bin/env bash
# Goal-update benchmark (issue 15) on a throwaway cluster (test/tmp/goalbench,
# port GOALBENCH_PORT, default 5493): GOALBENCH_GOALS active goals (default
# 1,000) over 10 metrics on GOALBENCH_DAYS days of daily data (default 1,096:
# three years) ending the day before "today" (analytics.mock_now, fixed at
# 2026-06-15 12:00 UTC so that every run computes the same thing).
#
# The data: bench.orders, 24 orders a day in two channels (web, app) with an
# amount, units, a failed flag, a processing time and a stock level; the
# materialized aggregate bench_days (per day and channel: revenue, orders,
# units, failed, ms, stock) built once, so that the metrics read a current
# table through its _live view, as a scheduled refresh leaves it; and 10
# metrics: 9 of them measures of bench_days (sums, a ratio, an average, a
# last value, two filtered on a channel), one a query of bench.orders.
#
# The goals: GOALBENCH_GOALS / 10 per metric, their start days spread over
# the three years, their end days over the next 200 days, targets that none
# reaches (they stay active: every round computes all of them), at_least for
# the sums and at_most for the others.
#
# Timed, BENCH_RUNS rounds (default 5), each in one session:
#   series   the 10 metrics' daily series once over the whole range
#            (analytics.metric_values, first day to today, every value read)
#   goals    BEGIN; SELECT analytics.update_goals(); ROLLBACK (every goal
#            computed; the rollback keeps the rounds alike)
# Target: goals / series at most 3 (median over rounds of the two times in
# one round; best/best in brackets). Printed, not enforced.
#
# Checks (a failure makes the script exit non-zero): after one committed
# update_goals, every goal of a sum metric holds as current_value the sum of
# analytics.metric_values over [start_date, today], every ratio goal the
# ratio of the sums of its numerator and denominator over that range
# (computed here from the table, independently of the metric code), and
# every goal has a forecast.
#
# Uses the installed extension: run make install first. About a minute.
source "$(dirname "$0")/../lib.sh"

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
GOALBENCH_PORT=${GOALBENCH_PORT:-5493}
DB=goalbench
GOALS=${GOALBENCH_GOALS:-1000}
DAYS=${GOALBENCH_DAYS:-1096}
RUNS=${BENCH_RUNS:-5}
TODAY=2026-06-15

[[ $GOALS =~ ^[1-9][0-9]*$ ]] && [ $((GOALS % 10)) -eq 0 ] || die "GOALBENCH_GOALS must be a positive multiple of 10, not '$GOALS'"
[[ $DAYS =~ ^[0-9]+$ ]] && [ "$DAYS" -ge 60 ] || die "GOALBENCH_DAYS must be a whole number of days, at least 60, not '$DAYS'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive whole number, not '$RUNS'"
[ -f "$($PG_CONFIG --sharedir)/extension/analytics.control" ] ||
	die "the analytics extension is not installed: run make install (or make test) first"

source "$BENCH_DIR/lib.sh"

say "machine"
bench_cluster goalbench "$GOALBENCH_PORT" "shared_buffers = '512MB'" "jit = off" "autovacuum = off"

say "data: $DAYS days x 24 orders, 10 metrics, $GOALS goals"
$PSQL -d "$DB" -v ON_ERROR_STOP=1 -q <<SQL
SET analytics.mock_now = '$TODAY 12:00+00';
CREATE SCHEMA bench;
CREATE TABLE bench.orders (at timestamptz NOT NULL, channel text NOT NULL, amount float8 NOT NULL,
	units int NOT NULL, failed int NOT NULL, ms float8 NOT NULL, stock int NOT NULL);
-- a trend, a weekly pattern and some noise (a fixed hash, not random())
INSERT INTO bench.orders
SELECT timezone('UTC', d + make_interval(hours => h)),
	CASE WHEN h % 3 = 0 THEN 'app' ELSE 'web' END,
	round((20 + 0.01 * k + 5 * (extract(isodow FROM d) >= 6)::int + (hashint4(k * 24 + h) % 1000) / 100.0)::numeric, 2),
	1 + abs(hashint4(k * 24 + h + 7)) % 4,
	(abs(hashint4(k * 24 + h + 13)) % 50 = 0)::int,
	100 + abs(hashint4(k * 24 + h + 17)) % 400,
	1000 - k / 4 + h
FROM generate_series(1, $DAYS) k,
	LATERAL (SELECT ('$TODAY'::date - $DAYS + k - 1)::timestamp AS d) dd,
	generate_series(0, 23) h;
SELECT analytics.create_materialized_aggregate('bench_days', 'bench.orders', 'at', '1 day', ARRAY['channel'],
	ARRAY['sum(amount) AS revenue', 'count(*) AS orders', 'sum(units) AS units', 'sum(failed) AS failed',
		'sum(ms) AS ms', 'max(stock) AS stock']);
SELECT analytics.create_metric('bench_revenue', 'sum', 'bench_days', measure => 'revenue', dimension => 'channel');
SELECT analytics.create_metric('bench_orders', 'sum', 'bench_days', measure => 'orders', dimension => 'channel');
SELECT analytics.create_metric('bench_units', 'sum', 'bench_days', measure => 'units', dimension => 'channel');
SELECT analytics.create_metric('bench_web_revenue', 'sum', 'bench_days', measure => 'revenue', filters => '{"channel": "web"}');
SELECT analytics.create_metric('bench_app_orders', 'sum', 'bench_days', measure => 'orders', filters => '{"channel": "app"}');
SELECT analytics.create_metric('bench_failure_rate', 'ratio', 'bench_days', numerator => 'failed', denominator => 'orders',
	scale => 100, unit => '%');
SELECT analytics.create_metric('bench_avg_order', 'ratio', 'bench_days', numerator => 'revenue', denominator => 'orders');
SELECT analytics.create_metric('bench_avg_ms', 'average', 'bench_days', numerator => 'ms', denominator => 'orders');
SELECT analytics.create_metric('bench_stock', 'last', 'bench_days', measure => 'stock', filters => '{"channel": "web"}');
SELECT analytics.create_metric('bench_big_orders', 'sum', query => \$q\$
	SELECT (timezone('UTC', o.at))::date, count(*)::float8 FROM bench.orders o
	WHERE o.at >= timezone('UTC', \$1::timestamp) AND o.at < timezone('UTC', (\$2 + 1)::timestamp) AND o.amount > 30
	GROUP BY 1 \$q\$);
SELECT count(*) FROM (
	SELECT analytics.create_goal('goal ' || i, m.name,
		CASE WHEN m.aggregation = 'sum' THEN 1e12 ELSE 1e9 END,
		'$TODAY'::date - 30 - (i * 37) % ($DAYS - 31), '$TODAY'::date + (i * 13) % 200,
		CASE WHEN m.aggregation = 'sum' THEN 'at_least' ELSE 'at_most' END)
	FROM generate_series(0, $GOALS - 1) i
	JOIN (SELECT name, aggregation, row_number() OVER (ORDER BY name) - 1 AS r
		FROM analytics.metrics WHERE name LIKE 'bench%') m ON m.r = i % 10) x;
VACUUM ANALYZE;
CHECKPOINT;
SQL
echo "orders: $($PSQL -d "$DB" -Atc 'SELECT count(*) FROM bench.orders'), bench_days rows: $($PSQL -d "$DB" -Atc 'SELECT count(*) FROM analytics.bench_days'), active goals: $($PSQL -d "$DB" -Atc "SELECT count(*) FROM analytics.goals WHERE status = 'active'")"

SERIES="SELECT count(*), round(sum(v.value)::numeric, 2) FROM analytics.metrics m,
	analytics.metric_values(m.name, '$TODAY'::date - $DAYS, '$TODAY'::date) v WHERE m.name LIKE 'bench%'"
GOALS_SQL="BEGIN; SELECT analytics.update_goals(); ROLLBACK"

say "timings: $RUNS rounds"
export PGOPTIONS="-c analytics.mock_now=${TODAY}T12:00:00+00"
bench "$RUNS" series "$SERIES" goals "$GOALS_SQL"
ratio=$(paired goals series)
best=$(calc "${BEST[goals]} / ${BEST[series]}")

say "checks"
failed=0
bad=$($PSQL -d "$DB" -v ON_ERROR_STOP=1 -At <<SQL
SELECT analytics.update_goals();
-- sums: the sum of the metric's daily values over the goal's range so far
WITH sums AS (
	SELECT g.id, g.current_value,
		(SELECT coalesce(sum(v.value), 0) FROM analytics.metric_values(g.metric, g.start_date, LEAST('$TODAY'::date, g.end_date)) v) AS expected
	FROM analytics.goals g JOIN analytics.metrics m ON m.name = g.metric WHERE m.aggregation = 'sum'
),
-- ratios: from the table itself
ratios AS (
	SELECT g.id, g.current_value,
		m.scale * (SELECT sum(CASE WHEN m.name = 'bench_failure_rate' THEN o.failed ELSE o.amount END) / count(*)
			FROM bench.orders o
			WHERE o.at >= timezone('UTC', g.start_date::timestamp)
				AND o.at < timezone('UTC', (LEAST('$TODAY'::date, g.end_date) + 1)::timestamp)) AS expected
	FROM analytics.goals g JOIN analytics.metrics m ON m.name = g.metric WHERE m.name IN ('bench_failure_rate', 'bench_avg_order')
)
SELECT 'sum goals off: ' || count(*) FILTER (WHERE abs(current_value - expected) > 1e-9 * greatest(1, abs(expected)))
	|| ' of ' || count(*) FROM sums
UNION ALL
SELECT 'ratio goals off: ' || count(*) FILTER (WHERE abs(current_value - expected) > 1e-9 * greatest(1, abs(expected)))
	|| ' of ' || count(*) FROM ratios
UNION ALL
SELECT 'goals without a forecast: ' || count(*) FILTER (WHERE forecast_value IS NULL) || ' of ' || count(*) FROM analytics.goals;
SQL
)
echo "$bad"
grep -Eq '^sum goals off: 0 of [1-9]' <<<"$bad" || failed=1
grep -Eq '^ratio goals off: 0 of [1-9]' <<<"$bad" || failed=1
grep -Eq '^goals without a forecast: 0 of ' <<<"$bad" || failed=1

say "summary"
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r <= t) ? "met" : "MISSED" }'; }
printf 'update_goals, %d goals over 10 metrics x %d days: best %.0f ms; the 10 daily series once: best %.0f ms\n' \
	"$GOALS" "$DAYS" "${BEST[goals]}" "${BEST[series]}"
printf 'update_goals / series ratio: %s (target <= 3: %s; median of %d rounds; best/best %s)\n' \
	"$ratio" "$(verdict "$ratio" 3)" "$RUNS" "$best"
echo "(timings only inform: a missed target does not fail the benchmark)"
[ "$failed" = 0 ] || die "correctness checks failed"
