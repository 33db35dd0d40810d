#!/usr/bin/env bash
# make sqlsmith: random SQL from sqlsmith (Debian package) against the
# extension, as a login that holds analytics_reader and analytics_writer but
# is no superuser, on demo data, on a private cluster from a private install
# tree (test/private.sh), so it never touches the shared PostgreSQL install
# and needs no test lock. Not part of make test: 100,000 queries take a while.
#
#   SQLSMITH_QUERIES  queries in all (default 100000)
#   SQLSMITH_CHUNK    queries per sqlsmith run (default 10000); run i uses
#                     seed SQLSMITH_SEED + i, so a run is reproducible
#   SQLSMITH_SEED     first seed (default 1)
#   SQLSMITH_PORT     the private cluster's port (default 5491)
#   SQLSMITH_CFLAGS   compiler flags (default -DUSE_ASSERT_CHECKING; add
#                     -fsanitize=undefined for UBSan, see test/sanitize.sh)
#   SQLSMITH_WRAP     a command prefix the server runs under (such as
#                     valgrind and its options; see test/private.sh)
#
# Reports queries run, errors by SQLSTATE and by message (numbers and quoted
# text elided), and backend crashes (the postmaster's "terminated by signal"
# and "was terminated" lines, with the query that was running). Exits
# non-zero on any crash. Everything lands in test/tmp/sqlsmith/.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private.sh"

QUERIES=${SQLSMITH_QUERIES:-100000}
CHUNK=${SQLSMITH_CHUNK:-10000}
SEED=${SQLSMITH_SEED:-1}
PORT=${SQLSMITH_PORT:-5491}
CFLAGS_SMITH=${SQLSMITH_CFLAGS:--DUSE_ASSERT_CHECKING}
WRAP=${SQLSMITH_WRAP:-}
DB=analytics_smith
SMITH_ROLE=smith

PACKAGES="$PACKAGES sqlsmith"
ensure_packages

OUT="$WORK/sqlsmith"
stop_cluster sqlsmith-cluster
private_install sqlsmith "$CFLAGS_SMITH" "$WRAP"
as_pg rm -rf "$WORK/sqlsmith-cluster" "$OUT"/run-*.log
# pg_cron's worker watches the postgres database: no cron schema in $DB,
# whose tables sqlsmith would list but smith may not use.
start_cluster sqlsmith-cluster "$PORT" postgres
trap 'stop_cluster sqlsmith-cluster' EXIT
LOG="$CLUSTER_DIR/server.log"

# Every error's SQLSTATE in the log, no statement texts (a big log otherwise).
$PSQL -d postgres <<-'SQL'
	ALTER SYSTEM SET log_line_prefix = 'sqlstate=%e ';
	ALTER SYSTEM SET log_min_error_statement = 'panic';
	ALTER SYSTEM SET jit = off;
	-- which of the extension's functions the queries reached
	ALTER SYSTEM SET track_functions = 'all';
	SELECT pg_reload_conf();
SQL
ensure_database "$DB"

say "demo data: events (200 users, 28 days to 2026-01-31) and a year of retail sales"
$PSQL -d "$DB" <<-SQL
	SET client_min_messages = warning;
	CREATE EXTENSION analytics;
	-- Fixed dates: the same data and the same answers on any day.
	ALTER DATABASE $DB SET analytics.mock_now = '2026-02-01 12:00:00+00';
	SET analytics.mock_now = '2026-02-01 12:00:00+00';
	SELECT analytics.generate_demo_events(200, 28, 42, '2026-01-31');
	SELECT count(*) FROM analytics.ensure_partitions();
	SELECT * FROM analytics.generate_demo_sales();
	SELECT * FROM analytics.load_warehouse();
	SELECT count(*) FROM analytics.refresh_retail_summaries();
	ANALYZE;
	DROP ROLE IF EXISTS $SMITH_ROLE;
	CREATE ROLE $SMITH_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
	GRANT analytics_reader, analytics_writer TO $SMITH_ROLE;
SQL
$PSQL -d "$DB" -At -c "SELECT 'events: ' || count(*) FROM analytics.events" \
	-c "SELECT 'fact_sales: ' || count(*) FROM analytics.fact_sales" \
	-c "SELECT 'smith is superuser: ' || rolsuper FROM pg_roles WHERE rolname = '$SMITH_ROLE'"

target="host=$CLUSTER_DIR port=$PORT dbname=$DB user=$SMITH_ROLE"
done_queries=0
run=0
crashes_seen=0
start=$(date +%s)
while [ "$done_queries" -lt "$QUERIES" ]; do
	n=$((QUERIES - done_queries))
	[ "$n" -gt "$CHUNK" ] && n=$CHUNK
	seed=$((SEED + run))
	say "sqlsmith run $run: seed $seed, $n queries ($done_queries done)"
	rlog="$OUT/run-$run.log"
	# sqlsmith exits on a lost connection: a crash ends the run early.
	set +e
	sqlsmith --target="$target" --seed="$seed" --max-queries="$n" --exclude-catalog \
		--verbose >"$rlog" 2>&1
	set -e
	# --verbose ends with "queries: N (x gen/s, y exec/s)".
	got=$(grep -ao 'queries: [0-9]*' "$rlog" | tail -1 | grep -o '[0-9]*' || true)
	[ -n "$got" ] || { tail -20 "$rlog"; die "sqlsmith printed no query count (see $rlog)"; }
	done_queries=$((done_queries + got))
	crashes_now=$(grep -cE 'terminated by signal|server process .* was terminated' "$LOG" || true)
	if [ "$crashes_now" -gt "$crashes_seen" ]; then
		printf 'crash during run %s (seed %s)\n' "$run" "$seed"
		crashes_seen=$crashes_now
	fi
	[ "$got" -ge "$n" ] || tail -5 "$rlog"
	# the server may still be in crash recovery
	for _ in $(seq 60); do
		$PGBIN/pg_isready -q -h "$CLUSTER_DIR" -p "$PORT" && break
		sleep 1
	done
	run=$((run + 1))
done
elapsed=$(( $(date +%s) - start ))

crashes=$(grep -cE 'terminated by signal|server process .* was terminated' "$LOG" || true)
{
	echo "sqlsmith $(dpkg-query -W -f='${Version}' sqlsmith) (Debian) against analytics $($PSQL -d "$DB" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'analytics'") on $($PSQL -d "$DB" -Atc 'SHOW server_version'), $(date -u +%Y-%m-%d)"
	echo "role $SMITH_ROLE (analytics_reader, analytics_writer; not superuser), seeds $SEED..$((SEED + run - 1)), $run runs"
	echo "queries: $done_queries in ${elapsed}s"
	echo "backend crashes: $crashes"
	echo "errors by SQLSTATE:"
	grep -ao '^sqlstate=[0-9A-Z]\{5\} ERROR: ' "$LOG" | cut -c10-14 | sort | uniq -c | sort -rn |
		sed 's/^/  /'
	echo "errors by message (top 40; numbers, quoted text and names elided):"
	grep -a '^sqlstate=[0-9A-Z]\{5\} ERROR: ' "$LOG" |
		sed -E 's/"[^"]*"/"..."/g; '"s/'[^']*'/'...'/g"'; s/^sqlstate=([0-9A-Z]{5}) ERROR:  (.*)$/\2\t\1/;
			s/[0-9]+(\.[0-9]+)?([^\t]*\t)/N\2/g; s/[0-9]+(\.[0-9]+)?([^\t]*\t)/N\2/g; s/^(.*)\t(.*)$/\2 \1/' |
		sort | uniq -c | sort -rn | sed -n 1,40p | cut -c1-160 | sed 's/^/  /'
	$PSQL -d "$DB" -At <<-'SQL'
		SELECT pg_stat_force_next_flush();
		SELECT format('extension functions called: %s of %s (aggregate support functions are not counted), %s calls',
			count(s.funcid), count(*), coalesce(sum(s.calls), 0))
		FROM pg_proc p LEFT JOIN pg_stat_user_functions s ON s.funcid = p.oid
		WHERE p.pronamespace = 'analytics'::regnamespace AND p.prokind = 'f';
	SQL
	if [ "$crashes" -gt 0 ]; then
		echo "crashes (postmaster log):"
		grep -aE -A2 'terminated by signal|server process .* was terminated' "$LOG" | cut -c1-2000
	fi
	if [ -n "$WRAP" ] || [[ $CFLAGS_SMITH == *sanitize* ]]; then
		echo "sanitizer or valgrind reports in the server log: $(grep -acE '(^==[0-9]+== [A-Z]|runtime error:)' "$LOG" || true)"
	fi
} | tee "$OUT/report.txt"
[ "$crashes" -eq 0 ]
