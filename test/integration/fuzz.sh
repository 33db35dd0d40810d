#!/usr/bin/env bash
# Garbage fed to every aggregate deserialize function (through twin
# aggregates whose partial step passes bytes through unchanged), every binary
# receive function (binary COPY) and every text input function of the
# extension, found in the catalog: about 45,000 calls from seeded mutations
# of valid forms (truncated, bits flipped, lengths and counts replaced by
# edge values, bytes added or cut) and random bytes. Every call ends in a
# value or an ERROR with an SQLSTATE allowed for its kind (never XX000), and
# the server never crashes. See fuzz.sql.
# Runs against the cluster make test started (PGHOST/PGPORT exported).
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1"
db=it_fuzz
out="$WORK/it"
log="$PGHOST/server.log"
[ -f "$log" ] || die "no server log at $log"
log_start=$(stat -c %s "$log")

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
# the failures land in a file the postgres user can write when we run as root
failures="$out/fuzz-failures.txt"
rm -f "$failures"
start=$(date +%s)
$PSQL -d "$db" -v helpers="$ROOT/test/binary_helpers.sql" -v failures="$failures" \
	-f "$ROOT/test/integration/fuzz.sql" >"$out/fuzz.out" 2>&1 ||
	{ cat "$out/fuzz.out"; echo "fuzz.sql failed (a crash would end the session here)"; exit 1; }
echo "fuzz.sql ran in $(($(date +%s) - start)) s"
cat "$out/fuzz.out"

status=0
if [ -s "$failures" ]; then
	echo "failing calls:"; head -50 "$failures"; status=1
fi
# no backend died, in this test's part of the log
if tail -c +"$((log_start + 1))" "$log" | grep -E "terminated by signal|server process .* was terminated|PANIC" ; then
	echo "the server log shows a crash"; status=1
fi
[ "$($PSQL -At -d "$db" -c "SELECT 1")" = 1 ] || { echo "the server does not answer"; status=1; }
[ "$status" = 0 ] && echo "fuzz ok"
exit "$status"
