-- Event collection: validation, idempotency, batches, retries, partitions,
-- retention, erasure, scheduling.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
-- Time is injected: every rule that depends on now reads analytics.mock_now,
-- so this test gives the same output on any day.
SET analytics.mock_now = '2026-11-20 12:00:00+00';
SELECT analytics_internal._now();

-- analytics.track: every validation rule, with its SQLSTATE
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT analytics.track(NULL);
SELECT analytics.track('');
SELECT analytics.track('   ');
SELECT analytics.track(repeat('x', 201));
SELECT analytics.track(repeat('é', 200), occurred_at => '2026-11-03 10:00Z') IS NOT NULL AS two_hundred_chars_ok;
SELECT analytics.track('e', occurred_at => NULL);
SELECT analytics.track('e', occurred_at => analytics_internal._now() + interval '1 day 1 second');
SELECT analytics.track('e', occurred_at => analytics_internal._now() + interval '1 day') IS NOT NULL AS skew_limit_inclusive;
SELECT analytics.track('e', duration_ms => -1);
SELECT analytics.track('e', occurred_at => '2026-11-03 10:00Z', duration_ms => 0) IS NOT NULL AS zero_duration_ok;
SELECT analytics.track('e', props => '[1, 2]');
SELECT analytics.track('e', props => '"text"');
SELECT analytics.track('e', props => jsonb_build_object('big', repeat('x', 65536)));
SELECT analytics.track('e', session_id => repeat('s', 1001));
SELECT analytics.track('e', device_id => repeat('d', 1001));
SELECT analytics.track('e', user_id => repeat('u', 1001));
SELECT analytics.track('e', screen => repeat('c', 1001));
SELECT analytics.track('e', event_id => NULL);
-- the SQLSTATEs, for clients that branch on them
DO $$
DECLARE
	calls text[] := ARRAY[
		$c$SELECT analytics.track(NULL)$c$,
		$c$SELECT analytics.track('')$c$,
		$c$SELECT analytics.track(repeat('x', 201))$c$,
		$c$SELECT analytics.track('e', occurred_at => analytics_internal._now() + interval '2 days')$c$,
		$c$SELECT analytics.track('e', duration_ms => -5)$c$,
		$c$SELECT analytics.track('e', props => '[]')$c$,
		$c$SELECT analytics.track('e', props => jsonb_build_object('big', repeat('x', 65536)))$c$,
		$c$SELECT analytics.track('e', user_id => repeat('u', 1001))$c$,
		$c$SELECT analytics.track('e', occurred_at => '-infinity')$c$,
		$c$SELECT analytics.track('e', occurred_at => '2016-01-01 00:00Z')$c$,
		$c$SELECT analytics.track('e', duration_ms => 3000000000)$c$,
		$c$SELECT analytics.track('e', user_id => repeat('字', 1000))$c$,
		$c$INSERT INTO analytics.events (event_id, occurred_at, event_name) VALUES (gen_random_uuid(), '-infinity', 'e')$c$];
	c text;
	state text;
BEGIN
	FOREACH c IN ARRAY calls LOOP
		BEGIN
			EXECUTE c;
			RAISE NOTICE '% -> no error', c;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
			RAISE NOTICE '% -> %', c, state;
		END;
	END LOOP;
END
$$;

-- The skew limit follows the GUC (superuser-only).
SET analytics.max_clock_skew = '1h';
SELECT analytics.track('e', occurred_at => analytics_internal._now() + interval '2 hours');
RESET analytics.max_clock_skew;

-- The event contract (issue 13). now is 2026-11-20 12:00 UTC; the default
-- analytics.max_event_age is 315360000 s = 3650 days, so the oldest time
-- taken is 2026-11-20 12:00 - 3650 days = 2016-11-22 12:00 (the ten years
-- from 2016-11-20 hold 3652 days: 2020 and 2024 are leap years).
-- Times must be finite (0.1.0 took -infinity, then ensure_partitions and the
-- daily views failed).
SELECT analytics.track('contract', occurred_at => '-infinity', user_id => 'uc');
SELECT analytics.track('contract', occurred_at => 'infinity', user_id => 'uc');
-- one second before the horizon: 315360001 s before now
SELECT analytics.track('contract', occurred_at => '2016-11-22 11:59:59Z', user_id => 'uc');
SELECT analytics.track('contract', occurred_at => '2016-11-22 12:00Z', user_id => 'uc') IS NOT NULL AS horizon_inclusive;
-- the horizon follows the setting (superuser-only): 2 hours = 7200 s > 3600 s
SET analytics.max_event_age = '1h';
SELECT analytics.track('contract', occurred_at => analytics_internal._now() - interval '2 hours', user_id => 'uc');
RESET analytics.max_event_age;
-- durations up to 2^31 - 1 = 2147483647 ms, what screen_seconds takes
-- (0.1.0 took 3e9, then screen_time_stats failed for every reader)
SELECT analytics.track('contract', duration_ms => 3000000000, user_id => 'uc');
SELECT analytics.track('contract', occurred_at => '2026-11-19 00:00Z', duration_ms => 2147483647, user_id => 'uc') IS NOT NULL AS max_duration_ok;
-- identifiers up to 1000 bytes: U+5B57 takes 3 bytes in UTF-8, so 334 of it
-- take 1002 bytes (refused), 333 take 999 (taken)
SELECT analytics.track('contract', user_id => repeat('字', 334));
SELECT analytics.track('contract', occurred_at => '2026-11-19 00:00Z', device_id => repeat('字', 333), user_id => 'uc') IS NOT NULL AS bytes_999_ok;
-- A batch keeps its good events and rejects each bad one with its reason
-- (0.1.0 failed the whole batch on "index row size 3024 exceeds btree
-- version 4 maximum 2704": 1000 x 3 bytes + 24 bytes of index entry; and a
-- 3000-byte user_id it rightly refused failed it on rejected_events_user_idx).
-- Events 1 and 7 are valid (7 is on the horizon), 2 to 6 are not: 2 accepted,
-- 5 rejected. The past one is 63930772800 s before now (Python:
-- datetime(2026,11,20,12) - datetime(1,1,1)).
SELECT * FROM analytics.track_batch(jsonb_build_array(
	jsonb_build_object('event_name', 'contract', 'occurred_at', '2026-11-20T10:00:00Z', 'user_id', 'uc',
		'session_id', 'sc', 'screen', 'contract_screen', 'duration_ms', 2147483647),
	jsonb_build_object('event_name', 'contract', 'user_id', repeat('字', 1000)),
	jsonb_build_object('event_name', 'contract', 'user_id', 'uc', 'session_id', repeat('字', 1000)),
	jsonb_build_object('event_name', 'contract', 'user_id', repeat('x', 3000)),
	jsonb_build_object('event_name', 'contract', 'user_id', 'uc', 'occurred_at', '0001-01-01T00:00:00Z'),
	jsonb_build_object('event_name', 'contract', 'user_id', 'uc', 'duration_ms', 3000000000),
	jsonb_build_object('event_name', 'contract', 'user_id', 'uc', 'occurred_at', '2016-11-22T12:00:00Z')));
SELECT octet_length(payload->>'user_id') AS user_id_bytes, octet_length(payload->>'session_id') AS session_id_bytes,
	reason
FROM analytics.rejected_events WHERE payload->>'event_name' = 'contract' ORDER BY id;
SELECT occurred_at, user_id, session_id, octet_length(device_id) AS device_id_bytes, duration_ms
FROM analytics.events WHERE event_name = 'contract' ORDER BY occurred_at, duration_ms NULLS FIRST, device_id NULLS FIRST;
-- The views 0.1.0 broke keep working. 'contract' has events on 2016-11-22
-- (2), 2026-11-19 (2) and 2026-11-20 (1): event_counts_filled has every day
-- from 2016-11-22 to 2026-11-20, 3650 + 1 = 3651 rows summing to 5;
-- event_anomalies the complete days, before 2026-11-20: 3650; event_forecast
-- 14 days after the last complete one, 2026-11-20 to 2026-12-03.
SELECT count(*) AS days, sum(events) AS events, min(day), max(day)
FROM analytics.event_counts_filled WHERE event_name = 'contract';
SELECT count(*) AS days, max(day) FROM analytics.event_anomalies WHERE event_name = 'contract';
SELECT count(*) AS days, min(day), max(day) FROM analytics.event_forecast WHERE event_name = 'contract';
-- session sc has one view of contract_screen with duration_ms 2147483647:
-- 2147483.647 s
SELECT screen, total_seconds, views, sessions, users FROM analytics.screen_time_stats WHERE screen = 'contract_screen';
-- rejected_events_user_idx is a hash index: any user_id fits, and the
-- lookup of analytics.forget_user uses it
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM analytics.rejected_events r WHERE r.payload ->> 'user_id' = 'uc';
RESET enable_seqscan;
-- uc: 5 events (3 tracked, 2 from the batch) and 3 rejects (3, 5, 6)
SELECT analytics.forget_user('uc') AS uc, analytics.forget_user(repeat('字', 1000)) AS cjk,
	analytics.forget_user(repeat('x', 3000)) AS long_ascii;
SELECT count(*) AS left_over FROM analytics.rejected_events WHERE payload->>'event_name' = 'contract';

-- Direct INSERTs keep the contract too (CHECK constraint events_contract).
-- It holds the rules that do not depend on now: a restore years later
-- must take every event it once took.
INSERT INTO analytics.events (event_id, occurred_at, event_name) VALUES ('40000000-0000-4000-8000-000000000001', '-infinity', 'e');
INSERT INTO analytics.events (event_id, occurred_at, event_name, duration_ms) VALUES ('40000000-0000-4000-8000-000000000001', '2026-11-20 10:00Z', 'e', 3000000000);
INSERT INTO analytics.events_default (event_id, occurred_at, event_name, user_id) VALUES ('40000000-0000-4000-8000-000000000001', '2026-11-20 10:00Z', 'e', repeat('字', 1000));
INSERT INTO analytics.events (event_id, occurred_at, received_at, event_name) VALUES ('40000000-0000-4000-8000-000000000001', '2026-11-20 10:00Z', 'infinity', 'e');
INSERT INTO analytics.events (event_id, occurred_at, event_name) VALUES ('40000000-0000-4000-8000-000000000001', '2026-11-20 10:00Z', ' ');
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'analytics.events'::regclass AND contype = 'c';

-- Idempotency: same (event_id, occurred_at) and content stores nothing new.
SELECT analytics.track('open_screen', '{"from": "push"}', '2026-11-03 09:00Z', 's1', 'd1', 'u1', 'home', 1500,
	'10000000-0000-4000-8000-000000000001');
SELECT analytics.track('open_screen', '{"from": "push"}', '2026-11-03 09:00Z', 's1', 'd1', 'u1', 'home', 1500,
	'10000000-0000-4000-8000-000000000001');
SELECT count(*) FROM analytics.events WHERE event_id = '10000000-0000-4000-8000-000000000001';
-- ... different content under the same key is refused and the stored event kept
SELECT analytics.track('open_screen', '{"from": "email"}', '2026-11-03 09:00Z', 's1', 'd1', 'u1', 'home', 1500,
	'10000000-0000-4000-8000-000000000001');
SELECT analytics.track('open_screen', '{"from": "push"}', '2026-11-03 09:00Z', 's1', 'd1', 'u1', 'home', 1501,
	'10000000-0000-4000-8000-000000000001');
SELECT props, duration_ms FROM analytics.events WHERE event_id = '10000000-0000-4000-8000-000000000001';
-- defaults: props {} and a fresh event_id each call
SELECT count(DISTINCT analytics.track('default_check', occurred_at => '2026-11-03 09:30Z')) FROM generate_series(1, 3);
SELECT props FROM analytics.events WHERE event_name = 'default_check' LIMIT 1;

-- analytics.event_parse: the JSON forms accepted for each field
SELECT (p).occurred_at, (p).problem
FROM (VALUES
	('2026-11-20T10:00:00Z'),
	('2026-11-20t10:00:00z'),
	('2026-11-20 10:00Z'),
	('2026-11-20T10:00:00.5+02:00'),
	('2026-11-20T10:00:00.123456789-0530'),
	('2026-11-20T10:00:00.9999995Z'),
	('2024-02-29T00:00:00+00'),
	('2025-02-29T00:00:00Z'),
	('2026-11-20T24:00:00Z'),
	('2026-11-20T10:00:00'),
	('2026-11-20T10:00:00+16:00'),
	('20261120T100000Z'),
	('yesterday')
) AS t(ts)
CROSS JOIN LATERAL (SELECT analytics.event_parse(jsonb_build_object('event_name', 'e', 'occurred_at', t.ts),
	'2026-11-21 00:00Z') AS p) x;
SELECT (p).event_id, (p).user_id, (p).session_id, (p).duration_ms, (p).problem
FROM (VALUES
	('{"event_name": "e", "event_id": "ABCDEF00-0000-4000-8000-00000000000A", "user_id": 42, "session_id": 7.5, "duration_ms": 12.000}'),
	('{"event_name": "e", "event_id": "abcdef00000040008000000000000000"}'),
	('{"event_name": "e", "event_id": 5}'),
	('{"event_name": "e", "duration_ms": 1.5}'),
	('{"event_name": "e", "duration_ms": "15"}'),
	('{"event_name": "e", "duration_ms": 99999999999999999999}'),
	('{"event_name": "e", "screen": 3}'),
	('{"event_name": 3}'),
	('{"event_name": "e", "user_id": true}'),
	('{"event_name": "e", "props": [1]}'),
	('{"event_name": "e", "Event_Name": "x"}'),
	('{"event_name": null}'),
	('[]'),
	('null')
) AS t(j)
CROSS JOIN LATERAL (SELECT analytics.event_parse(t.j::jsonb, '2026-11-21 00:00Z') AS p) x;
-- absent fields: occurred_at is the receipt time, props {}, event_id random (version 4)
SELECT (p).occurred_at, (p).props, substr((p).event_id::text, 15, 1) AS uuid_version
FROM (SELECT analytics.event_parse('{"event_name": "e", "occurred_at": null, "props": null}', '2026-11-21 00:00Z') AS p) x;

-- analytics.track_batch: a mixed batch, counted exactly
SELECT * FROM analytics.track_batch('[
	{"event_id": "20000000-0000-4000-8000-000000000001", "event_name": "booking_created", "occurred_at": "2026-11-04T08:00:00Z", "user_id": "u2", "props": {"building": "Library"}},
	{"event_id": "20000000-0000-4000-8000-000000000002", "event_name": "open_screen", "occurred_at": "2026-11-04T08:00:01Z", "user_id": "u2", "screen": "booking", "duration_ms": 3000},
	{"event_id": "20000000-0000-4000-8000-000000000001", "event_name": "booking_created", "occurred_at": "2026-11-04T08:00:00Z", "user_id": "u2", "props": {"building": "Library"}},
	{"event_id": "10000000-0000-4000-8000-000000000001", "event_name": "open_screen", "occurred_at": "2026-11-03T09:00:00Z", "session_id": "s1", "device_id": "d1", "user_id": "u1", "screen": "home", "duration_ms": 1500, "props": {"from": "push"}},
	{"event_id": "10000000-0000-4000-8000-000000000001", "event_name": "open_screen", "occurred_at": "2026-11-03T09:00:00Z", "user_id": "u1"},
	{"event_id": "20000000-0000-4000-8000-000000000002", "event_name": "open_screen", "occurred_at": "2026-11-04T08:00:01Z", "user_id": "u2", "screen": "search", "duration_ms": 3000},
	{"event_name": "", "user_id": "u3"},
	{"event_name": "e", "duration_ms": -1, "user_id": "u3"},
	{"event_name": "e", "occurred_at": "2030-01-01T00:00:00Z", "user_id": "u3"},
	"not an object",
	{"event_name": "e", "colour": "red"},
	{"event_name": "checkout", "occurred_at": "2026-11-04T09:00:00Z", "user_id": "u4", "props": {"total": 12.5}}
]');
SELECT payload, split_part(reason, '. ', 1) AS reason FROM analytics.rejected_events ORDER BY id;
SELECT CASE WHEN event_name = 'checkout' THEN '(generated)' ELSE event_id::text END AS event_id,
	event_name, occurred_at, user_id, screen, duration_ms, props
FROM analytics.events WHERE user_id IN ('u2', 'u4') ORDER BY occurred_at;
-- Re-sending a whole batch, more often than PL/pgSQL's switch to generic
-- plans (5 calls): stored once, then all duplicates.
SELECT g AS send, b.*
FROM generate_series(1, 7) g,
	LATERAL analytics.track_batch((SELECT jsonb_agg(jsonb_build_object('event_id', md5('resend' || i)::uuid,
		'event_name', 'resend', 'occurred_at', '2026-11-05T00:00:00Z', 'user_id', 'u7', 'props', jsonb_build_object('i', i)))
		FROM generate_series(1, 50) i WHERE g > 0)) b	-- depends on g: called once per send
ORDER BY g;
SELECT analytics.forget_user('u7');
-- empty batch; not an array; NULL
SELECT * FROM analytics.track_batch('[]');
SELECT * FROM analytics.track_batch('{"event_name": "e"}');
SELECT * FROM analytics.track_batch(NULL);

-- analytics.retry_rejected: after allowing a larger clock skew the 2030
-- event is valid; the others stay rejected; a second run changes nothing.
SELECT count(*) AS rejected_before FROM analytics.rejected_events;
SET analytics.max_clock_skew = '3650d';
SELECT * FROM analytics.retry_rejected();
SELECT * FROM analytics.retry_rejected();
RESET analytics.max_clock_skew;
SELECT event_name, occurred_at, user_id FROM analytics.events WHERE occurred_at > '2029-01-01';
SELECT split_part(reason, '. ', 1) AS reason FROM analytics.rejected_events ORDER BY id;
-- A retried event keeps when it arrived: without occurred_at it happened then.
INSERT INTO analytics.rejected_events (received_at, payload, reason)
VALUES ('2026-10-01 12:00Z', '{"event_name": "parked", "user_id": "u6"}', 'refused by an older rule');
SELECT * FROM analytics.retry_rejected();
SELECT occurred_at, received_at FROM analytics.events WHERE event_name = 'parked';

-- Partitions: events wait in the DEFAULT partition, ensure_partitions moves them
SELECT tableoid::regclass AS partition, count(*) FROM analytics.events GROUP BY 1 ORDER BY 1;
SELECT analytics.track('old', occurred_at => '2026-01-15 12:00Z', user_id => 'u5') IS NOT NULL AS stored;
SELECT analytics.track('old', occurred_at => '2026-01-31 23:59:59.999999Z', user_id => 'u5') IS NOT NULL AS stored;
SELECT analytics.track('old', occurred_at => '2026-02-01 00:00Z', user_id => 'u5') IS NOT NULL AS stored;
SET TimeZone = 'America/New_York';	-- month bounds are UTC, whatever the session says
-- months from 2026-01 through 2027-02 (the month of now + 3 months): 12 + 2 = 14
SELECT count(*) AS created, sum(moved_events) AS moved
FROM analytics.ensure_partitions();
SET TimeZone = 'UTC';
SELECT tableoid::regclass AS partition, count(*) FROM analytics.events
WHERE occurred_at < '2026-11-05' OR occurred_at > '2029-01-01' GROUP BY 1 ORDER BY 1;
SELECT count(*) AS in_default FROM analytics.events_default;
SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'analytics.events_p202601'::regclass;
SELECT indexrelid::regclass AS index_of_new_partition FROM pg_index
WHERE indrelid = 'analytics.events_p202601'::regclass ORDER BY 1;
SELECT count(*) AS created_again FROM analytics.ensure_partitions();
-- At most analytics.max_new_partitions (240) partitions a call. A row dated
-- 0001-01-15 (finite: the table takes it) would need every month from
-- 0001-01 to 2027-02: 2026 x 12 + 2 = 24314, of which the 14 above exist:
-- 24300 to create. None is created.
INSERT INTO analytics.events_default (event_id, occurred_at, event_name)
VALUES ('40000000-0000-4000-8000-000000000002', '0001-01-15 00:00Z', 'typo');
SELECT * FROM analytics.ensure_partitions();
DO $$
BEGIN
	PERFORM analytics.ensure_partitions();
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'SQLSTATE %', SQLSTATE;
END
$$;
-- the 14 months and events_default
SELECT count(*) AS partitions FROM pg_inherits WHERE inhparent = 'analytics.events'::regclass;
DELETE FROM analytics.events_default WHERE event_name = 'typo';
-- the limit is inclusive: with 1, one missing month (2025-12) is created;
-- then 2025-10 and 2025-11 are missing: 2 > 1
SET analytics.max_new_partitions = 1;
INSERT INTO analytics.events_default (event_id, occurred_at, event_name)
VALUES ('40000000-0000-4000-8000-000000000003', '2025-12-15 00:00Z', 'limit_check');
SELECT * FROM analytics.ensure_partitions();
INSERT INTO analytics.events_default (event_id, occurred_at, event_name)
VALUES ('40000000-0000-4000-8000-000000000004', '2025-10-15 00:00Z', 'limit_check');
SELECT * FROM analytics.ensure_partitions();
RESET analytics.max_new_partitions;
DELETE FROM analytics.events WHERE event_name = 'limit_check';
DROP TABLE analytics.events_p202512;
-- new events go straight to their month
SELECT analytics.track('late', occurred_at => '2026-01-20 00:00Z', user_id => 'u5') IS NOT NULL AS stored;
SELECT tableoid::regclass FROM analytics.events WHERE event_name = 'late';
SELECT * FROM analytics.ensure_partitions('-1 day');
-- the index serves the idempotency lookup, per month
EXPLAIN (COSTS OFF) SELECT * FROM analytics.events
WHERE event_id = '10000000-0000-4000-8000-000000000001' AND occurred_at = '2026-11-03 09:00Z';

-- Retention: whole months older than the cutoff go, with the parked events
-- of those months; newer months stay.
INSERT INTO analytics.events_default (event_id, occurred_at, event_name)
VALUES ('30000000-0000-4000-8000-000000000001', '2020-03-10 00:00Z', 'ancient');
SELECT count(*) FILTER (WHERE dropped_events > 0) AS months_with_events,
	sum(dropped_events) AS dropped
FROM analytics.drop_partitions((analytics_internal._now() - '2026-02-01 00:00Z') - interval '1 day');
SELECT to_regclass('analytics.events_p202601') IS NULL AS january_dropped,
	to_regclass('analytics.events_p202602') IS NOT NULL AS february_kept;
SELECT event_name, occurred_at FROM analytics.events WHERE user_id = 'u5' OR event_name = 'ancient' ORDER BY 2;
SELECT * FROM analytics.drop_partitions('-1 day');

-- Erasure: the person's events and rejected events, nobody else's
SELECT analytics.track('rejected_later', user_id => 'u3', occurred_at => '2026-11-04 10:00Z') IS NOT NULL AS stored;
SELECT (SELECT count(*) FROM analytics.events WHERE user_id = 'u3') AS events_u3,
	(SELECT count(*) FROM analytics.rejected_events WHERE payload->>'user_id' = 'u3') AS rejected_u3;
SELECT analytics.forget_user('u3');
SELECT (SELECT count(*) FROM analytics.events WHERE user_id = 'u3') AS events_u3,
	(SELECT count(*) FROM analytics.rejected_events WHERE payload->>'user_id' = 'u3') AS rejected_u3,
	(SELECT count(*) FROM analytics.events WHERE user_id = 'u2') AS events_u2;
SELECT analytics.forget_user(NULL);

-- analytics.event_counts_daily
SELECT day, event_name, events, users, sessions FROM analytics.event_counts_daily
WHERE day BETWEEN '2026-11-03' AND '2026-11-04' AND length(event_name) < 20 ORDER BY 1, 2;

-- event_counts_daily and event_counts_filled read the built-in
-- materialized aggregate event_days (through its _live view). A fresh set
-- of events (now 2026-11-20):
--   a: 08-30 10:00 and 11:00 (u1, s1), 09-02 (u2, no session),
--      10-01 00:00 (u1, s2), 10-01 23:59:59 (no user, s2)
--   b: 09-30 23:59:59 (u3), 10-02 12:00 (u3)
-- event_counts_daily: (08-30, a, 2 events, 1 user, 1 session),
--   (09-02, a, 1, 1, 0), (09-30, b, 1, 1, 0), (10-01, a, 2, 1, 1),
--   (10-02, b, 1, 1, 0)
-- event_counts_filled: a from 08-30 to 10-01 (33 days, 5 events: 2 on
--   08-30, 1 on 09-02, 2 on 10-01, 0 on the 30 others), b from 09-30 to
--   10-02 (1, 0, 1); from 10-01: (10-01, a, 2), (10-01, b, 0), (10-02, b, 1)
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql
DELETE FROM analytics.events;
SELECT count(*) > 0 AS changed_days_logged FROM analytics.refresh_materialized_aggregate('event_days');
INSERT INTO analytics.events (event_id, occurred_at, received_at, event_name, user_id, session_id)
SELECT gen_random_uuid(), v.ts, v.ts, v.name, v.user_id, v.session_id
FROM (VALUES
	('2026-08-30 10:00Z'::timestamptz, 'a', 'u1', 's1'),
	('2026-08-30 11:00Z', 'a', 'u1', 's1'),
	('2026-09-02 12:00Z', 'a', 'u2', NULL),
	('2026-10-01 00:00Z', 'a', 'u1', 's2'),
	('2026-10-01 23:59:59Z', 'a', NULL, 's2'),
	('2026-09-30 23:59:59Z', 'b', 'u3', NULL),
	('2026-10-02 12:00Z', 'b', 'u3', NULL)
) AS v(ts, name, user_id, session_id);
SELECT count(*) >= 0 AS partitions_ensured FROM analytics.ensure_partitions();
-- not refreshed yet: the changed days come from the events
SELECT * FROM analytics.event_counts_daily ORDER BY day, event_name;
-- Power BI's shape with changed days pending: the partitions read (the
-- scans that ran) are those of the changed days the filter keeps
SELECT since, pg_temp.partitions_read(format('select "day", "event_name", sum("events") from (select * from analytics.event_counts_daily) "$Table" where "day" >= date %L group by 1, 2 limit 1000001', since)) AS daily_reads
FROM unnest(ARRAY['2026-10-01', '2026-09-15', '2026-08-01']::date[]) since;
SELECT * FROM analytics.refresh_materialized_aggregate('event_days');
SELECT * FROM analytics.event_counts_daily ORDER BY day, event_name;
SELECT event_name, count(*) AS days, sum(events) AS events, min(day) AS first_day, max(day) AS last_day,
	count(*) FILTER (WHERE events = 0) AS empty_days
FROM analytics.event_counts_filled GROUP BY 1 ORDER BY 1;
SELECT * FROM analytics.event_counts_filled WHERE day >= '2026-10-01' ORDER BY day, event_name;
-- refreshed: no event is read, only the materialized table and the change
-- log; the same rows as the unfiltered view restricted to those days
-- (EXCEPT both ways: no row)
SELECT since, pg_temp.partitions_read(format('select "day", "event_name", sum("events") from (select * from analytics.event_counts_daily) "$Table" where "day" >= date %L group by 1, 2 limit 1000001', since)) AS daily_reads,
	pg_temp.partitions_read(format('select "day", "event_name", sum("events") from (select * from analytics.event_counts_filled) "$Table" where "day" >= date %L group by 1, 2 limit 1000001', since)) AS filled_reads
FROM unnest(ARRAY['2026-10-01', '2026-08-01']::date[]) since;
SELECT pg_temp.except_both(
		'select "day", "event_name", sum("events"), sum("users"), sum("sessions") from (select * from analytics.event_counts_daily) "$Table" where "day" >= date ''2026-09-15'' group by 1, 2 limit 1000001',
		'SELECT * FROM (SELECT * FROM analytics.event_counts_daily OFFSET 0) d WHERE day >= ''2026-09-15''') AS daily_mismatches,
	pg_temp.except_both(
		'select "day", "event_name", sum("events") from (select * from analytics.event_counts_filled) "$Table" where "day" >= date ''2026-09-15'' group by 1, 2 limit 1000001',
		'SELECT * FROM (SELECT * FROM analytics.event_counts_filled OFFSET 0) f WHERE day >= ''2026-09-15''') AS filled_mismatches;
-- in the plan (EXPLAIN, COSTS OFF) the filter reaches the table's day index
-- and the change log's buckets
SET enable_seqscan = off;
SELECT pg_temp.plan_mentions('SELECT * FROM analytics.event_counts_daily WHERE day >= ''2026-10-01''',
		'Index Cond: (day >= ''2026-10-01''::date)') AS day_index,
	pg_temp.plan_mentions('SELECT * FROM analytics.event_counts_daily WHERE day >= ''2026-10-01''',
		'Filter: ((bucket)::date >= ''2026-10-01''::date)') AS changed_days_filtered;
RESET enable_seqscan;

-- Scheduling: needs pg_cron; a named job, so scheduling twice keeps one job.
SELECT analytics.schedule_maintenance();
CREATE EXTENSION pg_cron;
SELECT analytics.schedule_maintenance() > 0 AS scheduled;
SELECT analytics.schedule_maintenance('30 1 * * *') > 0 AS rescheduled;
SELECT jobname, schedule, command FROM cron.job;
SELECT analytics.schedule_maintenance('not a schedule');
DROP EXTENSION pg_cron;

DROP EXTENSION analytics CASCADE;
