#!/usr/bin/env bash
# 4 clients call analytics.track through pgbench for 10 s as a writer login:
# no errors, and exactly one stored event per successful call. Then 4 clients
# re-send the same 200 events concurrently: each is stored once.
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
"$PGBIN/pgbench" -n -c 4 -j 2 -T 10 -U it_app -f "$out/track.pgbench" "$db" >"$out/pgbench-track.out" 2>&1 ||
	{ cat "$out/pgbench-track.out"; exit 1; }
calls=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out/pgbench-track.out")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out/pgbench-track.out")
stored=$($PSQL -d "$db" -c "SELECT count(*) FROM analytics.events")
echo "track: $calls successful calls, ${failed:-0} failed, $stored stored"
[ -n "$calls" ] && [ "$calls" -gt 0 ] || { cat "$out/pgbench-track.out"; exit 1; }
[ "${failed:-0}" = 0 ] || exit 1
[ "$stored" = "$calls" ] || { echo "stored events differ from successful calls"; exit 1; }

# Concurrent re-sends of the same events: at-least-once delivery.
cat >"$out/resend.pgbench" <<'EOF2'
\set k random(1, 200)
SELECT analytics.track('retry', '{}', '2026-11-20 12:00Z'::timestamptz + :k * interval '1 second', user_id => 'user-' || :k, event_id => md5('resend' || :k)::uuid);
EOF2
"$PGBIN/pgbench" -n -c 4 -j 2 -T 5 -U it_app -f "$out/resend.pgbench" "$db" >"$out/pgbench-resend.out" 2>&1 ||
	{ cat "$out/pgbench-resend.out"; exit 1; }
resent=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out/pgbench-resend.out")
distinct=$($PSQL -d "$db" -c "SELECT count(*) FROM analytics.events WHERE event_name = 'retry'")
echo "resend: $resent calls for 200 events, $distinct stored"
[ "$distinct" = 200 ] || { echo "expected each of the 200 events stored once"; exit 1; }
echo "concurrency ok"
