#!/usr/bin/env bash
# pg_dump / pg_restore keeps every stored and rejected event, partitions
# included, and the restore runs without a single error.
# Runs against the cluster make test started (PGHOST/PGPORT exported).
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
src=it_dump
dst=it_restore
dump="$WORK/it/analytics.dump"

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" -c "CREATE DATABASE $src"
$PSQL -d "$src" >/dev/null <<'SQL'
CREATE EXTENSION analytics;
SELECT analytics.generate_demo_events(40, 45, 3, '2026-11-21');
SELECT count(*) FROM analytics.ensure_partitions();
-- parked in the DEFAULT partition: a month before the first partition
SELECT analytics.track('parked', '{"why": "no partition"}', '2025-06-01 10:00Z', user_id => 'u-parked');
SELECT * FROM analytics.track_batch('[{"event_name": ""}, {"event_name": "x", "colour": 1}, 7]');
SQL

# What must survive: rows and checksums of events (by partition) and rejected events.
state() {
	$PSQL -d "$1" <<'SQL'
SELECT 'events', count(*), md5(string_agg(e::text, '|' ORDER BY e.event_id, e.occurred_at)) FROM analytics.events e;
SELECT 'partition ' || tableoid::regclass, count(*), md5(string_agg(e::text, '|' ORDER BY e.event_id, e.occurred_at))
FROM analytics.events e GROUP BY tableoid ORDER BY 1;
SELECT 'rejected', count(*), md5(string_agg(r::text, '|' ORDER BY r.id)) FROM analytics.rejected_events r;
SELECT 'indexes', count(*), string_agg(indexrelid::regclass::text, ',' ORDER BY indexrelid::regclass::text)
FROM pg_index WHERE indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'analytics.events'::regclass);
SQL
}
before=$(state "$src")
echo "$before" | head -3
[ "$(echo "$before" | grep -c '^partition analytics.events_default|1|')" = 1 ] || { echo "expected one parked event"; exit 1; }
[ "$(echo "$before" | grep '^rejected' | cut -d'|' -f2)" = 3 ] || { echo "expected three rejected events"; exit 1; }

"$PGBIN/pg_dump" -Fc -f "$dump" "$src"
$PSQL -d postgres -c "CREATE DATABASE $dst"
# --exit-on-error: any error during the restore fails the test
"$PGBIN/pg_restore" --exit-on-error -d "$dst" "$dump" 2>"$WORK/it/restore.err"
if [ -s "$WORK/it/restore.err" ]; then
	echo "pg_restore printed:"; cat "$WORK/it/restore.err"; exit 1
fi
after=$(state "$dst")
if [ "$before" != "$after" ]; then
	echo "restored state differs"; diff <(echo "$before") <(echo "$after"); exit 1
fi
echo "restored: identical counts and checksums ($(echo "$after" | grep -c '^partition') partitions)"

# The restored database keeps working: ids continue, partitions are found.
$PSQL -d "$dst" <<'SQL' | tee "$WORK/it/after-restore.out"
SELECT rejected = 1 AS rejected_again FROM analytics.track_batch('[{"event_name": ""}]');
SELECT max(id) = 4 AS ids_continue FROM analytics.rejected_events;
SELECT count(*) = 1 AS parked_moved FROM analytics.ensure_partitions() WHERE moved_events > 0;
SELECT analytics.track('after_restore', occurred_at => '2026-11-20 10:00Z') IS NOT NULL AS tracked;
SQL
[ "$(tr -d '\n' < "$WORK/it/after-restore.out")" = "tttt" ] || { echo "restored database misbehaves"; exit 1; }
echo "dump/restore ok"
