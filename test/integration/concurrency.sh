#!/usr/bin/env bash
# 4 clients call analytics.track through pgbench, 250 calls each, as a
# writer login: no errors, and exactly one stored event per call (1,000).
# Then 4 clients each send all of the same 200 events twice, concurrently,
# each client starting at another event (so that they meet on the same keys):
# 1,600 calls, no errors, each event stored once (200). Counts, not time:
# nothing here depends on the machine's speed. (The races themselves, one
# step at a time, are the isolation specs in test/isolation.)
source "$(dirname "$0")/../lib.sh"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -At"
db=it_concurrency
out="$WORK/it"

$PSQL -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
$PSQL -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION analytics;
SELECT count(*) FROM analytics.ensure_partitions();
DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'it_app') THEN
		CREATE ROLE it_app LOGIN IN ROLE analytics_writer;
	END IF;
END $$;
SQL

cat >"$out/track.pgbench" <<'EOF2'
\set u random(1, 1000)
SELECT analytics.track('open_screen', '{"screen": "home"}', now(), 'session-' || :client_id, 'device-' || :client_id, 'user-' || :u, 'home', 1200);
EOF2
"$PGBIN/pgbench" -n -c 4 -j 2 -t 250 -U it_app -f "$out/track.pgbench" "$db" >"$out/pgbench-track.out" 2>&1 ||
	{ cat "$out/pgbench-track.out"; exit 1; }
calls=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out/pgbench-track.out")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out/pgbench-track.out")
stored=$($PSQL -d "$db" -c "SELECT count(*) FROM analytics.events")
echo "track: $calls successful calls, ${failed:-0} failed, $stored stored"
[ "$calls" = 1000 ] || { cat "$out/pgbench-track.out"; echo "expected 4 x 250 calls"; exit 1; }
[ "${failed:-0}" = 0 ] || exit 1
[ "$stored" = 1000 ] || { echo "expected one stored event per call"; exit 1; }

# Concurrent re-sends of the same events: at-least-once delivery. One
# pgbench transaction sends the 200 events, one statement (and transaction)
# each; client c starts at event 50 c + 1.
for ((i = 0; i < 200; i++)); do
	k="(($i + :client_id * 50) % 200 + 1)"
	echo "SELECT analytics.track('retry', '{}', '2026-11-20 12:00Z'::timestamptz + $k * interval '1 second', user_id => 'user-' || $k, event_id => md5('resend' || $k)::uuid);"
done >"$out/resend.pgbench"
"$PGBIN/pgbench" -n -c 4 -j 2 -t 2 -U it_app -f "$out/resend.pgbench" "$db" >"$out/pgbench-resend.out" 2>&1 ||
	{ cat "$out/pgbench-resend.out"; exit 1; }
resent=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out/pgbench-resend.out")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out/pgbench-resend.out")
distinct=$($PSQL -d "$db" -c "SELECT count(*) || ' ' || count(DISTINCT event_id) FROM analytics.events WHERE event_name = 'retry'")
echo "resend: $resent rounds of 200 calls (4 clients x 2), ${failed:-0} failed, stored (rows, distinct ids): $distinct"
[ "$resent" = 8 ] || { cat "$out/pgbench-resend.out"; echo "expected 8 rounds"; exit 1; }
[ "${failed:-0}" = 0 ] || exit 1
[ "$distinct" = "200 200" ] || { echo "expected each of the 200 events stored once"; exit 1; }
echo "concurrency ok"
