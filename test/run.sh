#!/usr/bin/env bash
# make test: the set-up of make demo, then pg_regress and the isolation specs
# (make installcheck, each on a private server) and every integration test in
# test/integration/.
# Exits non-zero on any failure.
source "$(dirname "$0")/lib.sh"

TEST_PORT=${TEST_PORT:-5498}
passed=0
failed=0

ensure_packages
build_and_install "-DUSE_ASSERT_CHECKING"

# installcheck STEP DIFFS ARGS...: one make installcheck step (pg_regress tests,
# or isolation specs), counted in the summary; its diffs printed.
installcheck() {
	local step=$1 diffs=$2 status n_ok n_bad
	shift 2
	say "$step"
	set +e
	as_pg make -C "$ROOT" -s installcheck PG_CONFIG="$PG_CONFIG" REGRESS_OUT="$WORK/regress" "$@" \
		2>&1 | tee "$WORK/$step.log"
	status=${PIPESTATUS[0]}
	set -e
	n_ok=$(grep -cE '\.\.\. ok|^ok ' "$WORK/$step.log" || true)
	n_bad=$(grep -cE '\.\.\. FAILED|^not ok ' "$WORK/$step.log" || true)
	if [ "$status" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; fi
	passed=$((passed + n_ok))
	failed=$((failed + n_bad))
	if [ -s "$diffs" ]; then
		say "$diffs"
		cat "$diffs"
	fi
}

as_pg rm -rf "$WORK/regress"
as_pg mkdir -p "$WORK/regress"
# pg_regress tests (sql/, expected/), then the isolation specs
# (test/isolation/), each on a private server started by its runner
installcheck pg_regress "$WORK/regress/regression.diffs" ISOLATION=
installcheck isolation "$WORK/regress/isolation/regression.diffs" REGRESS=

say "integration tests (cluster test/tmp/it, port $TEST_PORT)"
stop_cluster it
as_pg rm -rf "$WORK/it"
start_cluster it "$TEST_PORT" analytics_it
trap 'stop_cluster it' EXIT
for t in "$ROOT"/test/integration/*.sh; do
	name=$(basename "$t" .sh)
	if bash "$t" >"$WORK/it-$name.log" 2>&1; then
		printf 'ok      %s\n' "$name"
		passed=$((passed + 1))
	else
		printf 'FAILED  %s\n' "$name"
		sed 's/^/    /' "$WORK/it-$name.log" | tail -40
		failed=$((failed + 1))
	fi
done

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
