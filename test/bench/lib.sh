# Helpers shared by the benchmark scripts (sourced after test/lib.sh, with
# DB set): timing rounds, ratios and the machine's load.

# calc EXPRESSION: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
# Some CPU pressure: microseconds during which some task waited for a CPU.
cpu_wait() { awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/cpu 2>/dev/null || echo 0; }
# CPU time stolen by the hypervisor, and all CPU time, in clock ticks.
cpu_steal() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print $9, t }' /proc/stat; }

# run_sql SQL: runs SQL once in a new session (with the settings in
# PGOPTIONS, if any) under \timing; sets RESULT (its output) and MS.
RESULT=
MS=
run_sql() {
	local out
	out=$($PSQL -d "$DB" -At -c '\timing on' -c "$1" 2>&1) || { printf '%s\n' "$out" >&2; die "query failed: $1"; }
	MS=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | tail -1)
	RESULT=$(grep -v '^Time: ' <<<"$out" || true)
	[ -n "$MS" ] || { printf '%s\n' "$out" >&2; die "no timing for: $1"; }
}

# bench ROUNDS LABEL SQL [LABEL SQL...]: ROUNDS rounds, each running every query
# once in turn (so that any load from elsewhere hits all of them alike).
# BEST[label] is the best time in ms, TIMES[label] every time in round order,
# OUT[label] the result, which must be the same every time. PGOPTIONS set
# around the call applies to all of them.
declare -A BEST TIMES OUT
bench() {
	local rounds=$1 r i label sql
	shift
	local -a args=("$@")
	for ((r = 1; r <= rounds; r++)); do
		for ((i = 0; i < ${#args[@]}; i += 2)); do
			label=${args[i]}
			sql=${args[i + 1]}
			run_sql "$sql"
			printf '  run %d  %-44s %9.0f ms   -> %s\n' "$r" "$label" "$MS" "$(head -c 60 <<<"$RESULT")"
			TIMES[$label]="${TIMES[$label]:-} $MS"
			if [ -z "${BEST[$label]:-}" ] || awk -v a="$MS" -v b="${BEST[$label]}" 'BEGIN { exit !(a < b) }'; then
				BEST[$label]=$MS
			fi
			if [ -n "${OUT[$label]:-}" ] && [ "${OUT[$label]}" != "$RESULT" ]; then
				die "$label gave '${OUT[$label]}', then '$RESULT'"
			fi
			OUT[$label]=$RESULT
		done
	done
}

# paired A B: the median over rounds of A's time / B's time in the same
# round (A and B timed in one bench call). The machine is a shared VM whose
# speed drifts over minutes: a round's two queries run seconds apart and see
# the same speed, while the best of each may come from different phases. The
# summary prints this ratio and the ratio of the best times.
paired() {
	paste -d ' ' <(tr ' ' '\n' <<<"${TIMES[$1]}" | grep .) <(tr ' ' '\n' <<<"${TIMES[$2]}" | grep .) |
		awk '{ printf "%.6f\n", $1 / $2 }' | sort -n |
		awk '{ r[NR] = $1 } END { printf "%.2f", NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'
}

# bench_cluster NAME PORT 'setting = value' ...: prints the machine, starts a
# fresh cluster test/tmp/NAME on PORT (stopped when the script exits) with
# these settings (set by ALTER SYSTEM, then a restart, as shared_buffers
# needs), creates DB with the extension and pg_prewarm, and prints the
# server and the settings in effect.
bench_cluster() {
	local name=$1 port=$2 setting
	local names="'TimeZone', 'max_parallel_workers_per_gather', 'max_parallel_workers', 'parallel_setup_cost', 'parallel_tuple_cost'"
	shift 2
	echo "cpus:       $(nproc)"
	echo "cpu model:  $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
	echo "memory:     $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "postgresql: $("$PGBIN/postgres" --version) ($PGBIN)"
	echo "load:       $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) before the run"
	echo "build:      $(cd "$ROOT" && git log -1 --format='%h %s' 2>/dev/null | cut -c1-100 || echo '?')"

	say "starting the $name cluster (test/tmp/$name, port $port)"
	stop_cluster "$name"
	as_pg rm -rf "$WORK/$name"
	start_cluster "$name" "$port" "$DB"
	# shellcheck disable=SC2064 # the name is fixed now
	trap "stop_cluster $name" EXIT
	ensure_database "$DB"
	for setting in "$@"; do
		$PSQL -d "$DB" -c "ALTER SYSTEM SET $setting" >/dev/null
		names="$names, '$(sed 's/[[:space:]]*=.*//' <<<"$setting")'"
	done
	as_pg "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w -t 60 restart >/dev/null ||
		{ tail -20 "$CLUSTER_DIR/server.log"; die "the $name cluster did not restart"; }
	echo "server:     $($PSQL -d "$DB" -Atc 'SELECT version()')"
	echo "settings:   $($PSQL -d "$DB" -Atc "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name)
		FROM pg_settings WHERE name IN ($names)")"
	$PSQL -d "$DB" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION analytics' -c 'CREATE EXTENSION pg_prewarm'
	echo "extension:  analytics $($PSQL -d "$DB" -Atc "SELECT extversion FROM pg_extension WHERE extname = 'analytics'")"
}
