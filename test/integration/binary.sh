#!/usr/bin/env bash
# Binary forms of analytics.screen_time: a table of values (NULL, empty, JSON
# escapes, the largest time and view count, 1,000 screens, in an array and in
# a composite column) goes through binary COPY out and in, and through
# pg_dump -Fc and pg_restore, with every value equal after (compared as text,
# the canonical form worked out by hand below). The same after 0.1.0 is
# updated to 0.2.0. With client_encoding LATIN1 names travel in LATIN1, as
# text does, and come back equal.
# Runs against the cluster make test started (PGHOST/PGPORT exported).
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
src=it_binary
dst=it_binary_restore
upd=it_binary_update
out="$WORK/it"
dump="$out/binary.dump"

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
	-c "DROP DATABASE IF EXISTS $upd" -c "CREATE DATABASE $src" -c "CREATE DATABASE $upd"

# fill DB: the values, each given in text (canonical output written by hand:
# keys in byte order, seconds as exact decimals of the microseconds kept)
fill() {
	$PSQL -d "$1" >/dev/null <<'SQL'
CREATE TYPE st_pair AS (st analytics.screen_time, n int);
CREATE TABLE st_values (id int PRIMARY KEY, st analytics.screen_time, sts analytics.screen_time[], pair st_pair, expected text);
INSERT INTO st_values (id, st, expected) VALUES
	(1, NULL, NULL),
	(2, '{}', '{}'),
	(3, '{"search": {"seconds": 50.5, "views": 1}, "home": {"seconds": 75, "views": 2}}',
		'{"home": {"seconds": 75, "views": 2}, "search": {"seconds": 50.5, "views": 1}}'),
	(4, '{"\u00e9t\u00e9 \"q\" \\ \/": {"seconds": 0.000001, "views": 0}, "": {"seconds": 9223372036854.775807, "views": 9223372036854775807}}',
		'{"": {"seconds": 9223372036854.775807, "views": 9223372036854775807}, "été \"q\" \\ /": {"seconds": 0.000001, "views": 0}}');
-- 1,000 screens s0000 .. s0999, screen i with i + 0.25 seconds and i views
INSERT INTO st_values (id, st, expected)
SELECT 5, v::analytics.screen_time, v
FROM (SELECT '{' || string_agg(format('"s%s": {"seconds": %s.25, "views": %s}', lpad(i::text, 4, '0'), i, i), ', ' ORDER BY i) || '}' AS v
	FROM generate_series(0, 999) i) x;
UPDATE st_values SET sts = ARRAY[st, NULL, '{"a": {"seconds": 1, "views": 1}}'], pair = ROW(st, id);
SQL
}
# state DB: every value as text, and whether it is the expected canonical form
state() {
	$PSQL -d "$1" <<'SQL'
SELECT id, st IS NOT DISTINCT FROM NULL AND expected IS NULL OR st::text = expected,
	md5(st::text), md5(sts::text), md5(pair::text) FROM st_values ORDER BY id;
SQL
}
$PSQL -d "$src" -c "CREATE EXTENSION analytics"
fill "$src"
before=$(state "$src")
echo "$before" | cut -d'|' -f1,2
[ "$(echo "$before" | cut -d'|' -f2 | sort -u)" = t ] || { echo "a value is not its expected text"; exit 1; }

# binary COPY out and in
as_pg rm -f "$out/st_values.bin"
$PSQL -d "$src" <<SQL
COPY st_values TO '$out/st_values.bin' WITH (FORMAT binary);
CREATE TABLE st_copy (LIKE st_values);
COPY st_copy FROM '$out/st_values.bin' WITH (FORMAT binary);
SQL
copied=$($PSQL -d "$src" <<'SQL'
SELECT id, st IS NOT DISTINCT FROM NULL AND expected IS NULL OR st::text = expected,
	md5(st::text), md5(sts::text), md5(pair::text) FROM st_copy ORDER BY id;
SQL
)
[ "$before" = "$copied" ] || { echo "binary COPY changed values"; diff <(echo "$before") <(echo "$copied"); exit 1; }
echo "binary COPY: $(echo "$copied" | wc -l) rows equal"

# pg_dump -Fc, pg_restore
"$PGBIN/pg_dump" -Fc -f "$dump" "$src"
$PSQL -d postgres -c "CREATE DATABASE $dst"
"$PGBIN/pg_restore" --exit-on-error -d "$dst" "$dump" 2>"$out/binary-restore.err"
[ ! -s "$out/binary-restore.err" ] || { echo "pg_restore printed:"; cat "$out/binary-restore.err"; exit 1; }
after=$(state "$dst")
[ "$before" = "$after" ] || { echo "restored values differ"; diff <(echo "$before") <(echo "$after"); exit 1; }
echo "pg_dump -Fc / pg_restore: equal"

# names in LATIN1: 'é' (U+00E9) is the byte e9 on the wire (c3 a9 in UTF-8);
# the file holds it, and it reads back as the same value
as_pg rm -f "$out/st_latin1.bin"
latin=$(PGCLIENTENCODING=LATIN1 $PSQL -d "$src" <<SQL
COPY (SELECT st FROM st_values WHERE id = 4) TO '$out/st_latin1.bin' WITH (FORMAT binary);
SELECT position('\xe974e920'::bytea IN pg_read_binary_file('$out/st_latin1.bin')) > 0,
	position('\xc3a974c3a920'::bytea IN pg_read_binary_file('$out/st_latin1.bin')) = 0;
CREATE TABLE st_latin1 (st analytics.screen_time);
COPY st_latin1 FROM '$out/st_latin1.bin' WITH (FORMAT binary);
SELECT (SELECT st::text FROM st_latin1) = (SELECT st::text FROM st_values WHERE id = 4);
SQL
)
[ "$(echo $latin)" = "t|t t" ] || { echo "LATIN1 names: $latin"; exit 1; }
echo "LATIN1 client encoding: names converted both ways"

# 0.1.0 updated to 0.2.0: the type gets send and receive, binary COPY works
$PSQL -d "$upd" -c "CREATE EXTENSION analytics VERSION '0.1.0'"
[ "$($PSQL -d "$upd" -c "SELECT typsend = 0 AND typreceive = 0 FROM pg_type WHERE oid = 'analytics.screen_time'::regtype")" = t ] ||
	{ echo "0.1.0 already had send and receive?"; exit 1; }
$PSQL -d "$upd" -c "ALTER EXTENSION analytics UPDATE TO '0.2.0'"
[ "$($PSQL -d "$upd" -c "SELECT typsend = 'analytics_internal.screen_time_send'::regproc AND typreceive = 'analytics_internal.screen_time_recv'::regproc FROM pg_type WHERE oid = 'analytics.screen_time'::regtype")" = t ] ||
	{ echo "the update did not set send and receive"; exit 1; }
fill "$upd"
$PSQL -d "$upd" <<SQL
COPY st_values TO '$out/st_values.bin' WITH (FORMAT binary);
TRUNCATE st_values;
COPY st_values FROM '$out/st_values.bin' WITH (FORMAT binary);
SQL
updated=$(state "$upd")
[ "$before" = "$updated" ] || { echo "binary COPY after the update changed values"; diff <(echo "$before") <(echo "$updated"); exit 1; }
echo "updated from 0.1.0: binary COPY equal"
echo "binary ok"
