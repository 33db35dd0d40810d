#!/usr/bin/env bash
# make sanitize: the whole pg_regress suite (the Makefile's REGRESS list)
# with memory and undefined-behaviour checking, on pg_regress's own
# temporary server started from a private install tree (test/private.sh):
# the shared PostgreSQL install is never touched, so no test lock is needed.
# Not part of make test: under valgrind the suite takes 1.5-2 hours on 2 cores
# (funnel alone 35 minutes against 13 s); SANITIZE_PASSES=ubsan takes a minute.
#
# Debian's server has no assertions (--enable-cassert) and no sanitizers, so
# the checking covers the extension's code, in two passes:
#
#   ubsan     the extension built with -fsanitize=undefined and
#             float-cast-overflow (gcc), no recovery: signed overflow, bad
#             shifts, misaligned or null pointers, out-of-range float-to-
#             integer conversions, bad bool/enum loads, out-of-bounds array
#             indexes with known bounds. A report ends the backend, which
#             fails the test that ran it.
#   valgrind  the server under valgrind's memcheck (leak checking off: the
#             server frees memory by dropping memory contexts), the
#             extension built with -g: use of uninitialised memory, reads
#             and writes outside malloc'd blocks, use after free. palloc
#             chunks share malloc'd blocks, so overruns inside a block are
#             not seen (Debian's server is not built with USE_VALGRIND).
#             Errors whose stack passes through the extension's sources are
#             the extension's; the others (the server's own, e.g. padding
#             bytes written to disk) are counted and listed apart.
#
# AddressSanitizer is not used: Debian's server (and psql) hang in
# bindtextdomain() at start when libasan is preloaded into them, and an
# instrumented library needs it preloaded.
#
#   SANITIZE_PASSES  "ubsan valgrind" (default), or one of them
#   SANITIZE_TESTS   tests to run (default: the Makefile's REGRESS list)
#   SANITIZE_RUN     a name for this run, so that two can run side by side
#                    (results in test/tmp/sanitize-NAME/)
#
# Results: test/tmp/sanitize/{ubsan,valgrind}/result.txt. Exits non-zero
# when a test fails, a backend crashes or the extension's code has a report.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/private.sh"

PASSES=${SANITIZE_PASSES:-ubsan valgrind}
tests=${SANITIZE_TESTS:-$(sed -n 's/^REGRESS = //p' "$ROOT/Makefile")}
SRC_FILES=$(cd "$ROOT/src" && ls ./*.c | sed 's#^\./##' | paste -sd'|')
PACKAGES="$PACKAGES valgrind"
ensure_packages
failed=0

# run_regress OUT: pg_regress on a temporary instance from the private tree.
run_regress() {
	local out=$1
	printf 'jit = off\n' | as_pg tee "$out/jit.conf" >/dev/null
	set +e
	# shellcheck disable=SC2086
	(cd "$ROOT" && as_pg env UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		"$PG_REGRESS" --bindir="$PGBIN" --inputdir=. --outputdir="$out/regress" \
		--temp-instance="$out/regress/tmp_check" --temp-config=test/regress.conf \
		--temp-config="$out/jit.conf" --dbname=contrib_regression $tests) 2>&1 | tee "$out/regress.log"
	status=${PIPESTATUS[0]}
	set -e
	crashes=$(grep -cE 'terminated by signal|server process .* was terminated' \
		"$out/regress/log/postmaster.log" 2>/dev/null || true)
	if [ -s "$out/regress/regression.diffs" ]; then
		say "regression.diffs"
		head -100 "$out/regress/regression.diffs"
	fi
}

summary_head() {
	echo "$1: $(date -u +%Y-%m-%d), analytics $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$ROOT/analytics.control"), PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}'), gcc $(gcc -dumpversion)"
	echo "tests: $tests"
	echo "pg_regress exit status: $status ($(grep -cE '\.\.\. ok|^ok ' "$OUT/regress.log" || true) ok, $(grep -cE '\.\.\. FAILED|^not ok ' "$OUT/regress.log" || true) failed)"
	echo "backend crashes: $crashes"
}

for pass in $PASSES; do
	OUT="$WORK/sanitize${SANITIZE_RUN:+-$SANITIZE_RUN}/$pass"
	REPORTS="$OUT/reports"
	as_pg rm -rf "$OUT"
	as_pg mkdir -p "$OUT/regress" "$REPORTS"
	case $pass in
	ubsan)
		FLAGS="-DUSE_ASSERT_CHECKING -g -O1 -fno-omit-frame-pointer -fsanitize=undefined"
		FLAGS="$FLAGS -fsanitize=float-cast-overflow -fno-sanitize-recover=all"
		private_install "sanitize-tree${SANITIZE_RUN:+-$SANITIZE_RUN}" "$FLAGS"
		nm -D "$PRIVATE_ROOT/usr/lib/postgresql/15/lib/analytics.so" | grep -q __ubsan_handle ||
			die "analytics.so has no UBSan checks"
		export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$REPORTS/ubsan"
		say "pg_regress, extension built with UBSan: $tests"
		run_regress "$OUT"
		nreports=$(find "$REPORTS" -type f | wc -l)
		for f in "$REPORTS"/*; do [ -f "$f" ] && { echo "--- $f"; head -40 "$f"; }; done
		{
			summary_head "sanitize ubsan"
			echo "flags: $FLAGS"
			echo "UBSan reports: $nreports"
		} | tee "$OUT/result.txt"
		;;
	valgrind)
		FLAGS="-DUSE_ASSERT_CHECKING -g -O1 -fno-omit-frame-pointer"
		VG="valgrind --quiet --tool=memcheck --leak-check=no --track-origins=yes --num-callers=30"
		VG="$VG --error-markers=VALGRINDERROR-BEGIN,VALGRINDERROR-END --log-file=$REPORTS/%p.log"
		private_install "sanitize-tree${SANITIZE_RUN:+-$SANITIZE_RUN}" "$FLAGS" "$VG"
		export UBSAN_OPTIONS=""
		say "pg_regress, server under valgrind memcheck: $tests"
		run_regress "$OUT"
		# One error a block; the extension's when a frame is in its sources.
		cat "$REPORTS"/*.log 2>/dev/null | awk -v src="\\((${SRC_FILES}):[0-9]+\\)" -v ext="$OUT/extension.txt" -v core="$OUT/server.txt" '
			/VALGRINDERROR-BEGIN/ { blk = ""; inb = 1; next }
			/VALGRINDERROR-END/ { if ($0 ~ src || blk ~ src) print blk "\n" > ext; else print blk "\n" > core; inb = 0; next }
			inb { sub(/^==[0-9]+== ?/, ""); blk = blk $0 "\n" }'
		n_ext=$(awk 'BEGIN{RS=""} END{print NR}' "$OUT/extension.txt" 2>/dev/null || echo 0)
		n_core=$(awk 'BEGIN{RS=""} END{print NR}' "$OUT/server.txt" 2>/dev/null || echo 0)
		nreports=$n_ext
		[ -s "$OUT/extension.txt" ] && { say "valgrind errors in the extension's code"; head -200 "$OUT/extension.txt"; }
		{
			summary_head "sanitize valgrind"
			echo "flags: $FLAGS; $VG"
			echo "valgrind errors in the extension's code: $n_ext"
			echo "valgrind errors elsewhere (the server's own): $n_core"
			if [ -s "$OUT/server.txt" ]; then
				awk 'BEGIN{RS=""; FS="\n"} {k=$1; for (i=2; i<=NF; i++) if ($i ~ /(at|by) 0x/) { f=$i; sub(/.*: /, "", f); k=k " / " f; break } n[k]++} END{for (k in n) printf "  %d  %s\n", n[k], k}' \
					"$OUT/server.txt" | sort -rn | sed -n 1,15p
			fi
		} | tee "$OUT/result.txt"
		;;
	*) die "unknown pass $pass (ubsan, valgrind)" ;;
	esac
	if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$nreports" -ne 0 ]; then failed=1; fi
done
[ "$failed" -eq 0 ]
