#!/usr/bin/env bash
# make test: the set-up of make demo, then pg_regress (make installcheck, on
# its own private server) and every integration test in test/integration/.
# Exits non-zero on any failure.
source "$(dirname "$0")/lib.sh"

TEST_PORT=${TEST_PORT:-5498}
passed=0
failed=0

ensure_packages
build_and_install "-DUSE_ASSERT_CHECKING"

say "pg_regress (make installcheck)"
as_pg rm -rf "$WORK/regress"
as_pg mkdir -p "$WORK/regress"
set +e
as_pg make -C "$ROOT" -s installcheck PG_CONFIG="$PG_CONFIG" REGRESS_OUT="$WORK/regress" \
	2>&1 | tee "$WORK/regress.log"
status=${PIPESTATUS[0]}
set -e
n_ok=$(grep -cE '\.\.\. ok|^ok ' "$WORK/regress.log" || true)
n_bad=$(grep -cE '\.\.\. FAILED|^not ok ' "$WORK/regress.log" || true)
if [ "$status" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; fi
passed=$((passed + n_ok))
failed=$((failed + n_bad))
if [ -s "$WORK/regress/regression.diffs" ]; then
	say "regression.diffs"
	cat "$WORK/regress/regression.diffs"
fi

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
