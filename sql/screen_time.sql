-- Screen time: analytics.screen_seconds, the analytics.screen_time type, its
-- accessors and analytics.rollup. Expected values are worked out by hand from
-- the rules (src/screen_time.c header); the arithmetic is in the comments.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set VERBOSITY default
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql

-- Hand-worked sessions: one row per event.
CREATE TABLE st_ev (sid text, ts timestamptz, screen text, duration_ms bigint);
INSERT INTO st_ev VALUES
	-- a: idle gap, NULL-screen activity, the last event is activity
	('a', '2026-03-02 09:00:00Z', 'home', NULL),
	('a', '2026-03-02 09:00:30Z', 'search', NULL),
	('a', '2026-03-02 09:01:10Z', NULL, NULL),
	('a', '2026-03-02 09:01:20Z', 'home', NULL),
	('a', '2026-03-02 10:00:00Z', NULL, NULL),
	('a', '2026-03-02 10:00:45Z', 'settings', NULL),
	('a', '2026-03-02 10:02:00Z', NULL, NULL),
	-- b: the last screen ends at the session's last event
	('b', '2026-03-02 12:00:00Z', 'home', NULL),
	('b', '2026-03-02 12:05:00Z', 'about', NULL),
	-- c: one event
	('c', '2026-03-02 09:00:00Z', 'home', NULL),
	-- d: only other activity
	('d', '2026-03-02 09:00:00Z', NULL, NULL),
	('d', '2026-03-02 09:00:10Z', NULL, NULL),
	-- e: activity before the first view counts for no screen
	('e', '2026-03-02 08:59:00Z', NULL, NULL),
	('e', '2026-03-02 09:00:00Z', 'home', NULL),
	('e', '2026-03-02 09:01:00Z', NULL, NULL),
	-- f: duration overrides
	('f', '2026-03-02 09:00:00Z', 'home', 12000),
	('f', '2026-03-02 09:00:30Z', NULL, NULL),
	('f', '2026-03-02 09:01:00Z', 'search', NULL),
	('f', '2026-03-02 09:01:20Z', NULL, NULL),
	('f', '2026-03-02 09:02:00Z', 'home', 1500),
	('f', '2026-03-02 09:03:00Z', 'search', NULL),
	('f', '2026-03-02 09:03:10Z', NULL, NULL),
	-- g: a measured duration longer than the gap and than the idle timeout
	('g', '2026-03-02 09:00:00Z', 'video', 3600000),
	('g', '2026-03-02 09:10:00Z', 'home', NULL),
	('g', '2026-03-02 09:10:05Z', NULL, NULL),
	-- h: duration_ms on activity is ignored; duration 0 is a measured 0
	('h', '2026-03-02 09:00:00Z', 'home', NULL),
	('h', '2026-03-02 09:00:10Z', NULL, 99999),
	('h', '2026-03-02 09:00:20Z', 'list', 0),
	('h', '2026-03-02 09:01:20Z', NULL, NULL),
	-- t1: two views at the same instant: byte order of the names decides
	('t1', '2026-03-02 09:00:00Z', 'search', NULL),
	('t1', '2026-03-02 09:00:00Z', 'home', NULL),
	('t1', '2026-03-02 09:00:40Z', NULL, NULL),
	-- t2: byte order, not the collation: 'Zebra' (0x5A) before 'apple' (0x61)
	('t2', '2026-03-02 09:00:00Z', 'apple', NULL),
	('t2', '2026-03-02 09:00:00Z', 'Zebra', NULL),
	('t2', '2026-03-02 09:00:30Z', NULL, NULL),
	-- t3: the same screen twice at one instant: no duration first
	('t3', '2026-03-02 09:00:00Z', 'home', 5000),
	('t3', '2026-03-02 09:00:00Z', 'home', NULL),
	('t3', '2026-03-02 09:01:00Z', NULL, NULL),
	-- t4: a view and activity at one instant: the view first
	('t4', '2026-03-02 09:00:00Z', NULL, NULL),
	('t4', '2026-03-02 09:00:00Z', 'home', NULL),
	('t4', '2026-03-02 09:00:20Z', NULL, NULL);

-- Default idle timeout (analytics.session_idle_timeout, 1800 s).
-- a: home   09:00:00 -> 09:00:30 = 30 s
--    search 09:00:30 -> 09:01:10 = 40 s, then activity 09:01:10 -> 09:01:20 = 10 s: search 50 s
--    home   09:01:20 -> 10:00:00 = 58 min 40 s = 3520 s > 1800: 0 (user gone); home stays current:
--           activity 10:00:00 -> 10:00:45 = 45 s: home 30 + 45 = 75 s, 2 views
--    settings 10:00:45 -> 10:02:00 = 75 s; 10:02:00 is the last event
-- b: home 12:00 -> 12:05 = 300 s; about is the last event: 0 s, 1 view
-- c: one view, nothing after it: home 0 s, 1 view
-- d: no view: empty
-- e: 08:59 -> 09:00 has no current screen: 0; home 09:00 -> 09:01 = 60 s
-- t1: ties ordered home, search: home -> search 0 s; search 09:00:00 -> 09:00:40 = 40 s
-- t2: ties ordered Zebra, apple: Zebra 0 s; apple 09:00:00 -> 09:00:30 = 30 s
-- t4: ties ordered home, activity: home 0 + 0 + 20 = 20 s
SELECT sid, analytics.screen_seconds(ts, screen) AS st
FROM st_ev WHERE sid IN ('a', 'b', 'c', 'd', 'e', 't1', 't2', 't4') GROUP BY sid ORDER BY sid;

-- Duration overrides (4-argument form, NULL idle_timeout: the GUC's 1800 s)
-- f: home@09:00:00 measured 12 s; its gaps (30 s, 30 s) add nothing
--    search@09:01:00: 20 s to activity, 40 s to 09:02:00: 60 s
--    home@09:02:00 measured 1.5 s; its gap (60 s) adds nothing: home 13.5 s, 2 views
--    search@09:03:00: 10 s to the last event: search 70 s, 2 views
-- g: video measured 3600 s (more than the 600 s gap and the 1800 s timeout)
--    home 09:10:00 -> 09:10:05 = 5 s
-- h: home 09:00:00 -> 09:00:10 -> 09:00:20 = 20 s (the activity's 99999 ms is ignored)
--    list measured 0 s: its 60 s gap adds nothing
-- t3: ties ordered home (no duration), home (5000): first home 0 s gap;
--    second home measured 5 s, its 60 s gap adds nothing: home 5 s, 2 views
SELECT sid, analytics.screen_seconds(ts, screen, duration_ms, NULL) AS st
FROM st_ev WHERE sid IN ('f', 'g', 'h', 't3') GROUP BY sid ORDER BY sid;
-- without durations (3-argument form), f counts gaps only:
-- home 30 + 30 = 60 s, then 60 s = 120 s; search 20 + 40 = 60 s, then 10 s = 70 s
SELECT analytics.screen_seconds(ts, screen, '30 minutes') FROM st_ev WHERE sid = 'f';

-- The idle timeout: a gap equal to it counts, a longer one does not.
-- a: home's gap is 3520 s: with a timeout >= 3520 s home = 75 + 3520 = 3595 s, else 75 s
SELECT t AS idle_timeout, analytics.seconds_on(analytics.screen_seconds(ts, screen, t), 'home') AS home
FROM st_ev, (VALUES (interval '1 hour'), ('3520 seconds'), ('3519 seconds'), ('1 day')) v(t)
WHERE sid = 'a' GROUP BY t ORDER BY t;
-- the 2-argument form follows the GUC: 59 min = 3540 s >= 3520: 3595 s; 3519 s: 75 s
SET analytics.session_idle_timeout = '59min';
SELECT analytics.seconds_on(analytics.screen_seconds(ts, screen), 'home') AS home_3540s FROM st_ev WHERE sid = 'a';
SET analytics.session_idle_timeout = 3519;
SELECT analytics.seconds_on(analytics.screen_seconds(ts, screen), 'home') AS home_3519s FROM st_ev WHERE sid = 'a';
-- ... and so do NULL timeouts
SELECT analytics.seconds_on(analytics.screen_seconds(ts, screen, NULL::interval), 'home') AS home_3519s FROM st_ev WHERE sid = 'a';
RESET analytics.session_idle_timeout;
-- NULL timeouts beside a given one take that one; equal durations written
-- differently are the same timeout: 3600 s >= 3520: 3595 s
SELECT analytics.seconds_on(analytics.screen_seconds(ts, screen,
	CASE WHEN screen = 'search' THEN NULL WHEN screen IS NULL THEN interval '60 minutes' ELSE interval '1 hour' END), 'home') AS home_3600s
FROM st_ev WHERE sid = 'a';

-- Input order does not matter: reversed, and by a hash of the row
SELECT sid, analytics.screen_seconds(ts, screen, duration_ms, NULL) AS st
FROM (SELECT * FROM st_ev ORDER BY ts DESC, screen DESC, duration_ms DESC NULLS LAST) s
GROUP BY sid ORDER BY sid;
SELECT count(*) AS differences FROM (
	SELECT sid, analytics.screen_seconds(ts, screen, duration_ms, NULL)::text
	FROM (SELECT * FROM st_ev ORDER BY md5(sid || ts || coalesce(screen, '') || coalesce(duration_ms, -1))) s GROUP BY sid
	EXCEPT
	SELECT sid, analytics.screen_seconds(ts, screen, duration_ms, NULL)::text
	FROM (SELECT * FROM st_ev ORDER BY ts) s GROUP BY sid) x;

-- As a window aggregate: the final function sorts a copy and leaves the state
-- as it was (FINALFUNC_MODIFY = READ_ONLY); transitions go on after it
-- row 1: search@09:00:20 alone: 0 s
-- row 2: + home@09:00:00: home 09:00:00 -> 09:00:20 = 20 s, search 0 s
-- row 3: + activity@09:00:50: search 09:00:20 -> 09:00:50 = 30 s
SELECT n, analytics.screen_seconds(ts, screen) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING)
FROM (VALUES (1, timestamptz '2026-03-02 09:00:20Z', 'search'), (2, '2026-03-02 09:00:00Z', 'home'),
	(3, '2026-03-02 09:00:50Z', NULL)) v(n, ts, screen);

-- NULL ts is ignored; no rows (or only NULL ts) give NULL
SELECT analytics.screen_seconds(ts, screen) FROM (VALUES (timestamptz '2026-03-02 09:00Z', 'home'),
	(NULL, 'search'), ('2026-03-02 09:00:10Z', NULL)) v(ts, screen);
SELECT analytics.screen_seconds(ts, screen) IS NULL AS no_rows FROM st_ev WHERE false;
SELECT analytics.screen_seconds(NULL::timestamptz, 'home') IS NULL AS null_ts;

-- Errors
SELECT analytics.screen_seconds(ts, 'home', -1, NULL) FROM (VALUES (timestamptz '2026-03-02 09:00Z')) v(ts);
SELECT analytics.screen_seconds(ts, 'home', 2147483648, NULL) FROM (VALUES (timestamptz '2026-03-02 09:00Z')) v(ts);
SELECT analytics.screen_seconds(ts, NULL, -5, NULL) FROM (VALUES (timestamptz '2026-03-02 09:00Z')) v(ts);
SELECT analytics.screen_seconds(ts, 'home', '0') FROM (VALUES (timestamptz '2026-03-02 09:00Z')) v(ts);
SELECT analytics.screen_seconds(ts, 'home', '-5 minutes') FROM (VALUES (timestamptz '2026-03-02 09:00Z')) v(ts);
SELECT analytics.screen_seconds(ts, 'home', '1 day -24 hours') FROM (VALUES (timestamptz '2026-03-02 09:00Z')) v(ts);
SELECT analytics.screen_seconds(ts, screen, t) FROM (VALUES
	(timestamptz '2026-03-02 09:00Z', 'home', interval '10 minutes'),
	('2026-03-02 09:01Z', 'search', '20 minutes')) v(ts, screen, t);
SELECT analytics.screen_seconds(ts, 'home') FROM (VALUES (timestamptz 'infinity')) v(ts);
-- the SQLSTATEs
DO $$
DECLARE
	calls text[] := ARRAY[
		$c$SELECT analytics.screen_seconds(now(), 'home', -1, NULL)$c$,
		$c$SELECT analytics.screen_seconds(now(), 'home', '0')$c$,
		$c$SELECT analytics.screen_seconds(ts, 'x', t) FROM (VALUES (now(), interval '1s'), (now(), '2s')) v(ts, t)$c$,
		$c$SELECT '{"a": {"seconds": -1, "views": 1}}'::analytics.screen_time$c$,
		$c$SELECT '{'::analytics.screen_time$c$];
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

-- Text form: keys in byte order, JSON escapes, exact decimal seconds
SELECT '{}'::analytics.screen_time;
SELECT ' { "b" : { "views" : 2 , "seconds" : 1.5e3 } , "a" : {"seconds": 0.0000005, "views": 0} } '::analytics.screen_time;
-- seconds are kept to the microsecond, rounding half up: 0.0000004 -> 0, 2.0000015 -> 2.000002
SELECT '{"x": {"seconds": 0.0000004, "views": 1}, "y": {"seconds": 2.0000015, "views": 1}, "z": {"seconds": -0, "views": 1}}'::analytics.screen_time;
-- the largest time: 2^63 - 1 microseconds
SELECT '{"x": {"seconds": 9223372036854.775807, "views": 9223372036854775807}}'::analytics.screen_time;
SELECT '{"x": {"seconds": 9223372036854.775808, "views": 1}}'::analytics.screen_time;
SELECT '{"\u00e9t\u00e9 \"q\" \\ \/": {"seconds": 1, "views": 1}}'::analytics.screen_time;
-- round trips: text -> value -> text, and value -> text -> value
SELECT st::text = st::text::analytics.screen_time::text AS same_text, st::text
FROM (SELECT analytics.screen_seconds(ts, screen) AS st FROM (VALUES
	(timestamptz '2026-03-02 09:00:00Z', E'line\nbreak'), ('2026-03-02 09:00:00.000001Z', 'quote"d\'),
	('2026-03-02 09:00:00.250001Z', 'été'), ('2026-03-02 09:00:01Z', E'tab\there'), ('2026-03-02 09:00:03Z', NULL)) v(ts, screen)) s;
-- garbage is refused
SELECT '{"a": {"seconds": -1, "views": 1}}'::analytics.screen_time;
SELECT '{'::analytics.screen_time;
SELECT 'null'::analytics.screen_time;
SELECT ''::analytics.screen_time;
SELECT '[]'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "views": 1}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "views": 1}, "a": {"seconds": 2, "views": 1}}'::analytics.screen_time;
SELECT '{"a": 5}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1}}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "views": 1, "x": 2}}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "seconds": 2, "views": 1}}'::analytics.screen_time;
SELECT '{"a": {"seconds": "1", "views": 1}}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "views": 1.5}}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "views": -2}}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "views": 99999999999999999999}}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1e400, "views": 1}}'::analytics.screen_time;
SELECT '{"a": {"seconds": 1, "views": 1, "more": {"x": 1}}}'::analytics.screen_time;
SELECT '{"a\u0000": {"seconds": 1, "views": 1}}'::analytics.screen_time;

\i :abs_srcdir/test/binary_helpers.sql
-- Binary form (send and receive): uint32 version 1, uint32 flags 0, int32
-- screen count, then per screen int32 name length, the name, int64
-- microseconds, int64 views, all big-endian. Worked out by hand for b 1.5 s
-- (1,500,000 = 0x16e360 microseconds) and 2 views, a 0 s and 0 views,
-- screens in byte order:
--   00000001 00000000 00000002
--   00000001 61 0000000000000000 0000000000000000
--   00000001 62 000000000016e360 0000000000000002
SELECT analytics_internal.screen_time_send('{"b": {"seconds": 1.5, "views": 2}, "a": {"seconds": 0, "views": 0}}')
	= ('\x' || '00000001' || '00000000' || '00000002'
		|| '00000001' || '61' || '0000000000000000' || '0000000000000000'
		|| '00000001' || '62' || '000000000016e360' || '0000000000000002')::bytea
	AS send_as_worked_out;
-- receive (through binary COPY) builds what the text input builds: screens
-- sorted (b sent first), the empty value, a UTF-8 name (c3 a9) with 1 us
SELECT pg_temp.binary_recv(('\x' || '00000001' || '00000000' || '00000002'
		|| '00000001' || '62' || '000000000016e360' || '0000000000000002'
		|| '00000001' || '61' || '0000000000000000' || '0000000000000000')::bytea, 'analytics.screen_time')
	= '{"a": {"seconds": 0, "views": 0}, "b": {"seconds": 1.5, "views": 2}}'::analytics.screen_time::text AS sorted_like_text;
SELECT pg_temp.binary_recv('\x000000010000000000000000', 'analytics.screen_time') AS empty;
SELECT pg_temp.binary_recv('\x00000001000000000000000100000002c3a900000000000000010000000000000000', 'analytics.screen_time') AS utf8_name;
-- every length, count and value is checked: 22P03 invalid_binary_representation
-- (22021 for a name that is not valid UTF-8, as for text)
DO $$
DECLARE
	c record;
	st text;
	msg text;
	det text;
BEGIN
	FOR c IN SELECT * FROM (VALUES
		('empty', '\x'),
		('version 2', '\x000000020000000000000000'),
		('flag set', '\x000000010000000100000000'),
		('count -1', '\x0000000100000000ffffffff'),
		('count 2^31 - 1, one screen', '\x0000000100000000' || '7fffffff' || '00000001610000000000000000' || '0000000000000000'),
		('name length -1', '\x000000010000000000000001ffffffff' || '00000000000000000000000000000000'),
		('name longer than the rest', '\x00000001000000000000000100000010' || '61' || '00000000000000000000000000000000'),
		('negative time', '\x00000001000000000000000100000001' || '61' || 'ffffffffffffffff' || '0000000000000000'),
		('negative views', '\x00000001000000000000000100000001' || '61' || '0000000000000000' || '8000000000000000'),
		('screen twice', '\x000000010000000000000002' || '00000001610000000000000000' || '0000000000000000'
			|| '00000001610000000000000001' || '0000000000000001'),
		('trailing byte', '\x00000001000000000000000000'),
		('name not UTF-8', '\x00000001000000000000000100000001ff' || '00000000000000000000000000000000'),
		('zero byte in a name', '\x0000000100000000000000010000000100' || '00000000000000000000000000000000')
	) v(what, hex) LOOP
		BEGIN
			PERFORM pg_temp.binary_recv(c.hex::bytea, 'analytics.screen_time');
			RAISE NOTICE '%: accepted', c.what;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
			RAISE NOTICE '%: % % / %', c.what, st, msg, det;
		END;
	END LOOP;
END
$$;

-- Accessors, on session a (home 75 s / 2, search 50 s / 1, settings 75 s / 1)
CREATE TABLE st_sessions AS
SELECT sid, analytics.screen_seconds(ts, screen) AS st FROM st_ev GROUP BY sid;
-- seconds descending, ties by name
SELECT r.* FROM st_sessions, analytics.screen_time_rows(st) r WHERE sid = 'a';
SELECT analytics.seconds_on(st, 'search') AS search, analytics.seconds_on(st, 'nowhere') AS nowhere,
	analytics.seconds_on(st, NULL) AS null_screen, analytics.seconds_on(NULL, 'home') AS null_value
FROM st_sessions WHERE sid = 'a';
SELECT count(*) AS rows_of_empty FROM st_sessions, analytics.screen_time_rows(st) WHERE sid = 'd';

-- analytics.rollup: sums per screen.
-- a + b: about 0 s / 1; home 75 + 300 = 375 s / 2 + 1 = 3; search 50 s / 1; settings 75 s / 1
SELECT analytics.rollup(st) FROM st_sessions WHERE sid IN ('a', 'b');
-- a ends at 10:02, b starts at 12:00: the 118-minute gap counts zero, so
-- screen_seconds over the union of their events equals the rollup
SELECT analytics.screen_seconds(ts, screen) FROM st_ev WHERE sid IN ('a', 'b');
-- ... it does not hold when the gap is short: moved to 10:10, b's home
-- view follows a's last event (10:02) by 480 s, which then counts for
-- settings: 75 + 480 = 555 s
SELECT analytics.screen_seconds(ts - CASE WHEN sid = 'b' THEN interval '110 minutes' ELSE '0' END, screen)
FROM st_ev WHERE sid IN ('a', 'b');
-- NULLs are ignored; all NULL, or no rows, give NULL
SELECT analytics.rollup(st) FROM (VALUES (NULL::analytics.screen_time), ('{"x": {"seconds": 1.25, "views": 1}}'),
	(NULL), ('{"x": {"seconds": 2, "views": 2}, "w": {"seconds": 0, "views": 1}}')) v(st);
SELECT analytics.rollup(st) IS NULL AS all_null FROM (VALUES (NULL::analytics.screen_time)) v(st);
-- As a window aggregate: each row's value is the state flattened (names in
-- byte order) while transitions go on. Running sums in row order:
-- 1: b 1 s / 1; 2: a 2 / 1, b 1 / 1; 3: a 2 / 1, b 4 / 2 (1 + 3);
-- 4: a 2 / 1, b 4 / 2, c 0.5 / 3
SELECT n, analytics.rollup(st) OVER (ORDER BY n ROWS UNBOUNDED PRECEDING)
FROM (VALUES (1, '{"b": {"seconds": 1, "views": 1}}'::analytics.screen_time),
	(2, '{"a": {"seconds": 2, "views": 1}}'), (3, '{"b": {"seconds": 3, "views": 1}}'),
	(4, '{"c": {"seconds": 0.5, "views": 3}}')) v(n, st);
-- a sliding frame (this row and the one before) restarts the rollup each
-- row: 1: b 1/1; 2: a 2/1, b 1/1; 3: a 2/1, b 3/1; 4: b 3/1, c 0.5/3
SELECT n, analytics.rollup(st) OVER (ORDER BY n ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
FROM (VALUES (1, '{"b": {"seconds": 1, "views": 1}}'::analytics.screen_time),
	(2, '{"a": {"seconds": 2, "views": 1}}'), (3, '{"b": {"seconds": 3, "views": 1}}'),
	(4, '{"c": {"seconds": 0.5, "views": 3}}')) v(n, st);
-- Many distinct screens, arriving out of name order (a state of more than
-- 64 screens is kept expanded, in a hash table, and sorted when flattened):
-- 6,000 one-screen values, screen s<i * 7919 % 2000> (7919 is prime to 2000:
-- each of the 2,000 names 3 times) with i ms and 1 view, against sums per
-- name in plain SQL, both ways; in one group, then grouped by i / 100 (61
-- groups of up to 100 distinct screens, made one after another) under a hash
-- aggregate that spills (work_mem 64 kB), then as a running window.
CREATE TEMP TABLE st_many AS
SELECT i, ('{"s' || (i * 7919) % 2000 || '": {"seconds": ' || (i / 1000.0)::numeric(10, 3) || ', "views": 1}}')::analytics.screen_time AS st,
	's' || (i * 7919) % 2000 AS screen, (i / 1000.0)::numeric(10, 3) AS seconds
FROM generate_series(1, 6000) i;
SELECT (SELECT count(*) FROM (
		SELECT r.screen, r.seconds, r.views FROM (SELECT analytics.rollup(st) AS st FROM st_many) x, analytics.screen_time_rows(x.st) r
		EXCEPT SELECT screen, sum(seconds)::float8, count(*) FROM st_many GROUP BY screen) d) AS only_in_rollup,
	(SELECT count(*) FROM (
		SELECT screen, sum(seconds)::float8, count(*) FROM st_many GROUP BY screen
		EXCEPT SELECT r.screen, r.seconds, r.views FROM (SELECT analytics.rollup(st) AS st FROM st_many) x, analytics.screen_time_rows(x.st) r) d) AS only_in_sums,
	(SELECT count(*) FROM (SELECT analytics.rollup(st) AS st FROM st_many) x, analytics.screen_time_rows(x.st)) AS screens;
SET work_mem = '64kB';
SET enable_sort = off;
SELECT pg_temp.hash_batches('SELECT i / 100, analytics.rollup(st) FROM st_many GROUP BY 1') > 1 AS hash_aggregate_spills;
SELECT (SELECT count(*) FROM (
		SELECT x.k, r.screen, r.seconds, r.views FROM (SELECT i / 100 AS k, analytics.rollup(st) AS st FROM st_many GROUP BY 1) x,
			analytics.screen_time_rows(x.st) r
		EXCEPT SELECT i / 100, screen, sum(seconds)::float8, count(*) FROM st_many GROUP BY 1, 2) d) AS only_in_rollup,
	(SELECT count(*) FROM (
		SELECT i / 100, screen, sum(seconds)::float8, count(*) FROM st_many GROUP BY 1, 2
		EXCEPT SELECT x.k, r.screen, r.seconds, r.views FROM (SELECT i / 100 AS k, analytics.rollup(st) AS st FROM st_many GROUP BY 1) x,
			analytics.screen_time_rows(x.st) r) d) AS only_in_sums;
RESET enable_sort;
RESET work_mem;
-- running rollup over rows 1..300: row i holds i distinct screens (i * 7919
-- % 2000 differs for i <= 2000), i views and 1 + 2 + ... + i ms = i(i + 1) / 2000 s
SELECT count(*) AS rows, count(*) FILTER (WHERE screens <> i OR views <> i OR seconds <> i * (i + 1) / 2000.0) AS wrong
FROM (SELECT w.i, count(*) AS screens, sum(r.views) AS views, sum(r.seconds::numeric) AS seconds
	FROM (SELECT i, analytics.rollup(st) OVER (ORDER BY i) AS st FROM st_many WHERE i <= 300) w,
		analytics.screen_time_rows(w.st) r
	GROUP BY w.i) x;
SELECT analytics.screen_time_merge('{"x": {"seconds": 9223372036854.775807, "views": 1}}', '{"x": {"seconds": 0.000001, "views": 1}}');
-- A table of daily values answers a date range. All sessions (durations
-- used), from the per-session values above:
-- home: a 75 + b 300 + c 0 + e 60 + f 13.5 + g 5 + h 20 + t1 0 + t3 5 + t4 20 = 498.5 s,
--       views 2 + 1 + 1 + 1 + 2 + 1 + 1 + 1 + 2 + 1 = 13
-- search: a 50 + f 70 + t1 40 = 160 s, views 1 + 2 + 1 = 4
-- video 3600 s / 1, settings 75 / 1, apple 30 / 1, Zebra, about, list 0 / 1
CREATE TABLE st_daily AS
SELECT ts::date AS day, analytics.rollup(st) AS st
FROM (SELECT min(ts) AS ts, analytics.screen_seconds(ts, screen, duration_ms, NULL) AS st FROM st_ev GROUP BY sid) s
GROUP BY 1;
SELECT r.* FROM (SELECT analytics.rollup(st) AS st FROM st_daily WHERE day BETWEEN '2026-03-01' AND '2026-03-31') x,
	analytics.screen_time_rows(x.st) r;

-- States built with different idle timeouts are never combined silently:
-- partitionwise partial aggregation combines the partitions' states.
CREATE TABLE st_parts (part int, sid int, ts timestamptz, screen text, idle interval) PARTITION BY LIST (part);
CREATE TABLE st_parts_1 PARTITION OF st_parts FOR VALUES IN (1);
CREATE TABLE st_parts_2 PARTITION OF st_parts FOR VALUES IN (2);
INSERT INTO st_parts
SELECT p, s, timestamptz '2026-03-02 09:00Z' + (p * 100 + i) * interval '1 minute', 'home', p * interval '10 minutes'
FROM generate_series(1, 2) p, generate_series(1, 50) s, generate_series(1, 20) i;
ANALYZE st_parts;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT sid, analytics.screen_seconds(ts, screen, idle) FROM st_parts GROUP BY sid;
SELECT sid, analytics.screen_seconds(ts, screen, idle) FROM st_parts GROUP BY sid;
-- with the same timeout, partitionwise equals plain aggregation:
-- per sid, 20 views 1 minute apart in each partition (10:41 to 11:00, 12:21
-- to 12:40), 81 minutes between them: 19 + 19 minutes = 2280 s, 40 views
UPDATE st_parts SET idle = '10 minutes';
SELECT DISTINCT st::text FROM (SELECT sid, analytics.screen_seconds(ts, screen, idle) AS st FROM st_parts GROUP BY sid) s;
RESET enable_partitionwise_aggregate;
SELECT DISTINCT st::text FROM (SELECT sid, analytics.screen_seconds(ts, screen, idle) AS st FROM st_parts GROUP BY sid) s;
RESET max_parallel_workers_per_gather;

-- Parallel aggregation over 1M events: 100,000 sessions of 10 events, 3 hours
-- apart (longer than any session plus the timeout). Gaps of 1 to 7 minutes,
-- a 40-minute idle gap in every third session, ties, activity, durations,
-- and 53 screen names (dictionaries beyond the linear-search size).
CREATE TABLE st_big AS
SELECT s AS sid,
	timestamptz '2000-01-01 00:00Z' + s * interval '3 hours'
		+ (CASE WHEN s % 13 = 0 AND e = 1 THEN 0 ELSE e END) * ((s % 7) + 1) * interval '1 minute'
		+ CASE WHEN e >= 5 AND s % 3 = 0 THEN interval '40 minutes' ELSE interval '0' END AS ts,
	CASE WHEN e = 0 THEN 'home'
		ELSE (ARRAY[NULL, 'home', 'search', 'detail', 'settings_' || (s % 50)])[(s + e) % 5 + 1] END AS screen,
	CASE WHEN (s * e) % 11 = 1 THEN ((s + e) % 100) * 250 END AS duration_ms
FROM generate_series(0, 99999) s, generate_series(0, 9) e
ORDER BY s, e;
ANALYZE st_big;
SELECT count(*) AS events, count(DISTINCT screen) AS screens FROM st_big;

-- A reference implementation of the rules in plain SQL (window functions):
-- events in rule order; each row's current view is the latest view up to it;
-- a measured view adds its duration once, an unmeasured one the gaps after it
-- that are <= 1800 s.
CREATE TABLE st_reference AS
WITH ordered AS (
	SELECT sid, ts, screen, duration_ms,
		lead(ts) OVER w AS next_ts,
		count(screen) OVER (w ROWS UNBOUNDED PRECEDING) AS view_no
	FROM st_big
	WINDOW w AS (PARTITION BY sid ORDER BY ts, screen COLLATE "C" NULLS LAST, duration_ms NULLS FIRST)
), attributed AS (
	SELECT o.*,
		first_value(screen) OVER v AS cur,
		first_value(duration_ms) OVER v AS cur_ms
	FROM ordered o
	WINDOW v AS (PARTITION BY sid, view_no ORDER BY ts, screen COLLATE "C" NULLS LAST, duration_ms NULLS FIRST)
)
SELECT sid, cur AS screen,
	sum(CASE WHEN cur_ms IS NOT NULL THEN CASE WHEN screen IS NOT NULL THEN cur_ms / 1000.0 ELSE 0 END
		WHEN next_ts - ts <= interval '1800 seconds' THEN extract(epoch FROM next_ts - ts)
		ELSE 0 END) AS seconds,
	count(screen) AS views
FROM attributed WHERE view_no > 0 GROUP BY sid, cur;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
-- per-session states (grouped by the session: a partial plan is optional here)
CREATE TABLE st_big_sessions AS
SELECT sid, analytics.screen_seconds(ts, screen, duration_ms, NULL) AS st FROM st_big GROUP BY sid;
-- every session equals the reference
SELECT (SELECT count(*) FROM (
		SELECT sid, r.* FROM st_big_sessions, analytics.screen_time_rows(st) r
		EXCEPT SELECT sid, screen, seconds::float8, views FROM st_reference) x) AS missing_in_reference,
	(SELECT count(*) FROM (
		SELECT sid, screen, seconds::float8, views FROM st_reference
		EXCEPT SELECT sid, r.* FROM st_big_sessions, analytics.screen_time_rows(st) r) x) AS missing_in_states;

-- 1M events as one group: Partial Aggregate in the workers (the plan;
-- whether workers start depends on the machine's load)
EXPLAIN (COSTS OFF)
SELECT analytics.screen_seconds(ts, screen, duration_ms, NULL) FROM st_big;
CREATE TABLE st_par AS
SELECT 'all' AS k, analytics.screen_seconds(ts, screen, duration_ms, NULL) AS st FROM st_big;
-- grouped by a low-cardinality key
EXPLAIN (COSTS OFF) SELECT sid % 4 AS k, analytics.screen_seconds(ts, screen, duration_ms, NULL) FROM st_big GROUP BY 1;
INSERT INTO st_par
SELECT (sid % 4)::text, analytics.screen_seconds(ts, screen, duration_ms, NULL) FROM st_big GROUP BY 1;
-- rollup over the per-session states, and over their text round trips
EXPLAIN (COSTS OFF) SELECT analytics.rollup(st) FROM st_big_sessions;
INSERT INTO st_par SELECT 'rollup', analytics.rollup(st) FROM st_big_sessions;
INSERT INTO st_par SELECT 'rollup text', analytics.rollup(st::text::analytics.screen_time) FROM st_big_sessions;

SET max_parallel_workers_per_gather = 0;
CREATE TABLE st_ser AS
SELECT 'all' AS k, analytics.screen_seconds(ts, screen, duration_ms, NULL) AS st FROM st_big;
INSERT INTO st_ser
SELECT (sid % 4)::text, analytics.screen_seconds(ts, screen, duration_ms, NULL) FROM st_big GROUP BY 1;
INSERT INTO st_ser SELECT 'rollup', analytics.rollup(st) FROM st_big_sessions;
INSERT INTO st_ser SELECT 'rollup text', analytics.rollup(st::text::analytics.screen_time) FROM st_big_sessions;
-- shuffled input (no longer in time order) gives the same value
INSERT INTO st_ser
SELECT 'shuffled', analytics.screen_seconds(ts, screen, duration_ms, NULL)
FROM (SELECT * FROM st_big ORDER BY md5(sid::text || ts || coalesce(screen, ''))) s;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- parallel equals serial, both ways
SELECT (SELECT count(*) FROM (SELECT k, st::text FROM st_par EXCEPT SELECT k, st::text FROM st_ser) x) AS par_not_ser,
	(SELECT count(*) FROM (SELECT k, st::text FROM st_ser WHERE k <> 'shuffled'
		EXCEPT SELECT k, st::text FROM st_par) x) AS ser_not_par;
-- sessions are separated by more than the timeout and start with a view, so
-- the whole table as one group, the rollup of the sessions, the rollup of
-- the text round trips, and shuffled input all agree
SELECT count(DISTINCT st::text) AS distinct_values FROM st_ser WHERE k IN ('all', 'rollup', 'rollup text', 'shuffled');
-- ... and equal the reference summed over sessions
SELECT (SELECT count(*) FROM (
		SELECT r.* FROM st_ser, analytics.screen_time_rows(st) r WHERE k = 'all'
		EXCEPT SELECT screen, sum(seconds)::float8, sum(views) FROM st_reference GROUP BY screen) x) AS missing_in_reference,
	(SELECT count(*) FROM (
		SELECT screen, sum(seconds)::float8, sum(views) FROM st_reference GROUP BY screen
		EXCEPT SELECT r.* FROM st_ser, analytics.screen_time_rows(st) r WHERE k = 'all') x) AS missing_in_value;
-- views by hand: every session opens with home; for e = 1..9 the screen is
-- home when (s + e) % 5 = 1, search when 2, detail when 3. Among e = 1..9 the
-- residue 0 occurs once (e = 5), the others twice; so a session has one such
-- event when (s + e) % 5 = k needs e % 5 = 0, i.e. s % 5 = k, else two:
-- home 100000 + 20000 * 1 + 80000 * 2 = 280000; search, detail 20000 + 160000 = 180000
SELECT r.screen, r.views FROM st_ser, analytics.screen_time_rows(st) r
WHERE k = 'all' AND r.screen IN ('home', 'search', 'detail') ORDER BY 1;

-- Hash aggregation defers appends to a log applied in batches. Per session
-- the values equal the reference: (1) when the hash table spills to disk
-- (work_mem 64 kB), so that states, names and log are reset batch by batch;
-- (2) when sessions give different idle timeouts (30 minutes, or 1800
-- seconds written otherwise), so that some states take the direct path.
SET max_parallel_workers_per_gather = 0;
SET work_mem = '64kB';
SET hash_mem_multiplier = 1;
SET enable_sort = off;
SELECT pg_temp.hash_batches($$SELECT sid, analytics.screen_seconds(ts, screen, duration_ms, NULL) FROM st_big GROUP BY sid$$) > 1
	AS hash_aggregate_spills;
CREATE TABLE st_hashed AS
SELECT sid, analytics.screen_seconds(ts, screen, duration_ms, NULL) AS st,
	analytics.screen_seconds(ts, screen, duration_ms,
		CASE WHEN sid % 3 = 0 THEN interval '30 minutes' WHEN sid % 3 = 1 THEN interval '1800 seconds' END) AS mixed
FROM st_big GROUP BY sid;
RESET work_mem;
RESET hash_mem_multiplier;
RESET enable_sort;
RESET max_parallel_workers_per_gather;
SELECT (SELECT count(*) FROM (
		SELECT sid, r.* FROM st_hashed, analytics.screen_time_rows(st) r
		EXCEPT SELECT sid, screen, seconds::float8, views FROM st_reference) x) AS missing_in_reference,
	(SELECT count(*) FROM (
		SELECT sid, screen, seconds::float8, views FROM st_reference
		EXCEPT SELECT sid, r.* FROM st_hashed, analytics.screen_time_rows(st) r) x) AS missing_in_states,
	(SELECT count(*) FROM st_hashed WHERE mixed::text <> st::text) AS mixed_differs;

DROP TABLE st_ev, st_sessions, st_daily, st_parts, st_big, st_reference, st_big_sessions, st_par, st_ser, st_hashed, st_many;
DROP EXTENSION analytics;
