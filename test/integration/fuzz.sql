-- test/integration/fuzz.sql, run by fuzz.sh: garbage fed to every aggregate
-- deserialize function, every binary receive function and every text input
-- function of the extension, all found in the catalog. Every call must end
-- in a valid value or an ERROR with one of the SQLSTATEs allowed for its
-- kind; the session (and server) must survive. Deterministic: setseed.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION analytics;
CREATE SCHEMA fuzz;
\i :helpers

-- What may end a call, by kind of target:
--   deserialize (then serialize): only 22P03, the SQLSTATE of a corrupt state
--   deserialize (then the final function): 22P03, or what the final function
--     raises for a state rows could build (class 22 data exception, 54 limits)
--   receive: 22P03, or 22021 for a name that is not valid in the encoding
--   input: 22P02
CREATE TABLE fuzz.targets (
	id int PRIMARY KEY,
	kind text NOT NULL,
	name text NOT NULL,			-- what is tested, for the report
	fn regproc NOT NULL,		-- the function fed garbage
	call text NOT NULL,			-- prepared statement or type
	allowed text NOT NULL		-- regular expression over SQLSTATEs
);

-- Twin aggregates route bytes to a deserialize function through the
-- aggregate machinery (a SQL caller cannot pass an internal argument): the
-- partial aggregate keeps its input with string_agg(bytea)'s transition and
-- emits it, unchanged, as the serialized state (bytea_string_agg_finalfn is
-- an (internal) -> bytea function); the finalize aggregate hands it to the
-- deserialize function under test, then the combine function and either the
-- serialize function (again) or the real final function. Only a plan with a
-- Partial Aggregate may run them: checked below before any call.
DO $$
DECLARE
	a record;
	n int := 0;
BEGIN
	FOR a IN
		SELECT DISTINCT g.aggdeserialfn, g.aggcombinefn, g.aggserialfn, g.aggfinalfn, g.aggfinalmodify
		FROM pg_aggregate g
			JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = g.aggfnoid
				AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
			JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'analytics'
		WHERE g.aggdeserialfn <> 0
		ORDER BY 1, 4
	LOOP
		-- per deserialize function: a twin ending in its serialize function
		IF NOT EXISTS (SELECT FROM fuzz.targets WHERE kind = 'deserialize' AND fn = a.aggdeserialfn) THEN
			n := n + 1;
			EXECUTE format($f$CREATE AGGREGATE fuzz.twin_%s(bytea, bytea) (
				SFUNC = pg_catalog.bytea_string_agg_transfn, STYPE = internal,
				SERIALFUNC = pg_catalog.bytea_string_agg_finalfn, DESERIALFUNC = %s,
				COMBINEFUNC = %s, FINALFUNC = %s, FINALFUNC_MODIFY = READ_WRITE, PARALLEL = SAFE)$f$,
				n, a.aggdeserialfn, a.aggcombinefn, a.aggserialfn);
			INSERT INTO fuzz.targets VALUES (n, 'deserialize', a.aggdeserialfn || ' + ' || a.aggserialfn,
				a.aggdeserialfn, 'fz_' || n, '^22P03$');
		END IF;
		-- per final function: a twin ending in it
		n := n + 1;
		EXECUTE format($f$CREATE AGGREGATE fuzz.twin_%s(bytea, bytea) (
			SFUNC = pg_catalog.bytea_string_agg_transfn, STYPE = internal,
			SERIALFUNC = pg_catalog.bytea_string_agg_finalfn, DESERIALFUNC = %s,
			COMBINEFUNC = %s, FINALFUNC = %s, FINALFUNC_MODIFY = %s, PARALLEL = SAFE)$f$,
			n, a.aggdeserialfn, a.aggcombinefn, a.aggfinalfn,
			CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END);
		INSERT INTO fuzz.targets VALUES (n, 'final', a.aggdeserialfn || ' + ' || a.aggfinalfn,
			a.aggdeserialfn, 'fz_' || n, '^(22...|54...)$');
	END LOOP;
	-- every base type: its receive and its input function
	FOR a IN
		SELECT t.oid::regtype AS typ, t.typreceive, t.typinput
		FROM pg_type t
			JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
				AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
			JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'analytics'
		WHERE t.typtype = 'b' AND t.typcategory <> 'A'
		ORDER BY t.oid
	LOOP
		IF a.typreceive = 0 THEN
			RAISE EXCEPTION 'type % has no binary receive function', a.typ;
		END IF;
		n := n + 1;
		INSERT INTO fuzz.targets VALUES (n, 'receive', a.typreceive::text, a.typreceive, a.typ::text, '^(22P03|22021)$');
		n := n + 1;
		INSERT INTO fuzz.targets VALUES (n, 'input', a.typinput::text, a.typinput, a.typ::text, '^22P02$');
	END LOOP;
END
$$;
SELECT kind, name FROM fuzz.targets ORDER BY id;

-- Valid serialized states to mutate, made by the real transition and
-- serialize functions: maker aggregates end in the serialize function.
CREATE AGGREGATE fuzz.mk_screen(timestamptz, text, bigint, interval) (
	SFUNC = analytics_internal.screen_seconds_trans, STYPE = internal,
	FINALFUNC = analytics_internal.screen_seconds_serialize, FINALFUNC_MODIFY = READ_WRITE);
CREATE AGGREGATE fuzz.mk_funnel(timestamptz, int, interval, text) (
	SFUNC = analytics_internal.funnel_trans, STYPE = internal,
	FINALFUNC = analytics_internal.funnel_serialize, FINALFUNC_MODIFY = READ_WRITE);
CREATE AGGREGATE fuzz.mk_forecast(timestamptz, float8, int, interval, float8, int) (
	SFUNC = analytics_internal.linear_forecast_trans, STYPE = internal,
	FINALFUNC = analytics_internal.forecast_serialize, FINALFUNC_MODIFY = READ_WRITE);
CREATE AGGREGATE fuzz.mk_season(timestamptz, float8, interval) (
	SFUNC = analytics_internal.detect_season_trans, STYPE = internal,
	FINALFUNC = analytics_internal.forecast_serialize, FINALFUNC_MODIFY = READ_WRITE);
CREATE AGGREGATE fuzz.mk_kmeans(float8[], int, int, int) (
	SFUNC = analytics_internal.kmeans_trans, STYPE = internal,
	FINALFUNC = analytics_internal.kmeans_serialize, FINALFUNC_MODIFY = READ_WRITE);
CREATE AGGREGATE fuzz.mk_kmeans_from(float8[], float8[], int) (
	SFUNC = analytics_internal.kmeans_from_trans, STYPE = internal,
	FINALFUNC = analytics_internal.kmeans_serialize, FINALFUNC_MODIFY = READ_WRITE);
CREATE AGGREGATE fuzz.mk_repeated(bigint, tid) (
	SFUNC = analytics_internal._repeated_rows_trans, STYPE = internal,
	FINALFUNC = analytics_internal._repeated_rows_serialize, FINALFUNC_MODIFY = READ_WRITE);

CREATE TABLE fuzz.seeds (fn regproc, seed bytea);
INSERT INTO fuzz.seeds
SELECT 'analytics_internal.screen_seconds_deserialize'::regproc, fuzz.mk_screen(ts, screen, d, t)
FROM (VALUES ('2026-03-02 09:00Z'::timestamptz, 'home', NULL::bigint), ('2026-03-02 09:00:30Z', 'search', 1500),
	('2026-03-02 09:01Z', NULL, NULL), ('2026-03-02 09:02Z', 'home', NULL)) v(ts, screen, d),
	(VALUES (interval '10 minutes')) p(t)
UNION ALL
SELECT 'analytics_internal.screen_seconds_deserialize', fuzz.mk_screen('2026-03-02 09:00Z', 'été', NULL, NULL)
UNION ALL
SELECT 'analytics_internal.screen_seconds_deserialize', fuzz.mk_screen('2026-03-02 10:00Z'::timestamptz - i * interval '7 seconds',
	's' || (i % 5), CASE WHEN i % 3 = 0 THEN i * 100 END, NULL)
FROM generate_series(1, 12) i
UNION ALL
SELECT 'analytics_internal.funnel_deserialize', fuzz.mk_funnel('2026-03-02 09:00Z'::timestamptz + s * interval '1 minute', s % 4,
	'1 hour', 'strict_order')
FROM generate_series(1, 7) s
UNION ALL
SELECT 'analytics_internal.funnel_deserialize', fuzz.mk_funnel('2026-03-02 09:00Z'::timestamptz - s * interval '1 minute', s,
	'30 minutes', NULL)
FROM generate_series(1, 5) s
UNION ALL
SELECT 'analytics_internal.funnel_deserialize', fuzz.mk_funnel(ts, 1, '1 day', 'strict_increase,strict_deduplication')
-- the first and last finite times (infinite ones are refused since 0.2.0)
FROM (VALUES (timestamptz '4714-11-24 00:00:00+00 BC'), ('294276-12-31 23:59:59.999999+00'), ('2026-03-02')) v(ts)
UNION ALL
SELECT 'analytics_internal.forecast_deserialize', fuzz.mk_forecast('2026-03-01'::timestamptz + i * interval '1 day', (i * 2.5 + i % 3)::float8,
	3, '1 day', 0.9, 0)
FROM generate_series(1, 10) i
UNION ALL
SELECT 'analytics_internal.forecast_deserialize', fuzz.mk_forecast('2026-01-01'::timestamptz + i * interval '1 month', (i % 4)::float8,
	2, '1 month', 0.95, -1)
FROM generate_series(1, 14) i
UNION ALL
SELECT 'analytics_internal.forecast_deserialize', fuzz.mk_season('2026-03-01'::timestamptz + i * interval '1 hour', (i % 6)::float8, '1 hour')
FROM generate_series(1, 12) i
UNION ALL
SELECT 'analytics_internal.kmeans_deserialize', fuzz.mk_kmeans(ARRAY[i, i % 3]::float8[], 2, 7, 20)
FROM generate_series(1, 6) i
UNION ALL
SELECT 'analytics_internal.kmeans_deserialize', fuzz.mk_kmeans_from(ARRAY[i, i * 0.5, -i]::float8[], '{{0,0,0},{5,2,-5}}', 10)
FROM generate_series(1, 5) i
UNION ALL
SELECT 'analytics_internal._repeated_rows_deserialize', fuzz.mk_repeated(h, t)
FROM (VALUES (1::bigint, '(0,1)'::tid), (2, '(0,2)'), (1, '(3,4)'), (-5, '(7,1)')) v(h, t)
UNION ALL
SELECT 'analytics_internal._repeated_rows_deserialize', fuzz.mk_repeated(i % 3, format('(%s,%s)', i, i % 7 + 1)::tid)
FROM generate_series(1, 9) i;
-- binary forms of every base type: its send function over its text input
CREATE TABLE fuzz.text_seeds (typ regtype, seed text);
INSERT INTO fuzz.text_seeds VALUES
	('analytics.screen_time', '{}'),
	('analytics.screen_time', '{"home": {"seconds": 75, "views": 2}, "search": {"seconds": 50.5, "views": 1}}'),
	('analytics.screen_time', '{"": {"seconds": 9223372036854.775807, "views": 9223372036854775807}, "été \"q\" \\ \/": {"seconds": 0.000001, "views": 0}}'),
	('analytics.screen_time', ' { "b" : { "views" : 2 , "seconds" : 1.5e3 } , "a" : {"seconds": 0.0000005, "views": 0} } ');
DO $$
DECLARE
	s record;
	b bytea;
BEGIN
	FOR s IN SELECT x.typ, x.seed, t.typsend, t.typreceive FROM fuzz.text_seeds x JOIN pg_type t ON t.oid = x.typ LOOP
		EXECUTE format('SELECT %s(%L::%s)', s.typsend, s.seed, s.typ) INTO b;
		INSERT INTO fuzz.seeds VALUES (s.typreceive, b);
	END LOOP;
END
$$;
-- every target has seeds
DO $$
DECLARE
	f text;
BEGIN
	SELECT string_agg(DISTINCT t.name, ', ') INTO f FROM fuzz.targets t
	WHERE (t.kind <> 'input' AND NOT EXISTS (SELECT FROM fuzz.seeds s WHERE s.fn = t.fn))
		OR (t.kind = 'input' AND NOT EXISTS (SELECT FROM fuzz.text_seeds s WHERE s.typ = t.call::regtype));
	IF f IS NOT NULL THEN
		RAISE EXCEPTION 'no valid form to mutate for %', f;
	END IF;
END
$$;
SELECT fn, count(*) AS seeds, min(length(seed)) AS shortest, max(length(seed)) AS longest
FROM fuzz.seeds GROUP BY fn ORDER BY fn;

-- Mutations of a valid binary form: every kind of damage a length or count
-- check must catch. Integers are written big-endian (pq_send*) and
-- little-endian (states copied from memory on this machine).
CREATE FUNCTION fuzz.rev(b bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(string_agg(substring(b FROM i FOR 1), ''::bytea ORDER BY i DESC), ''::bytea)
	FROM generate_series(1, length(b)) i
$$;
CREATE FUNCTION fuzz.random_bytes(n int) RETURNS bytea LANGUAGE sql VOLATILE AS $$
	SELECT coalesce(decode(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), '' ORDER BY i), 'hex'), ''::bytea)
	FROM generate_series(1, n) i
$$;
CREATE FUNCTION fuzz.mutations(seed bytea) RETURNS SETOF bytea LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	len int := length(seed);
	pos int;
	b bytea;
	w bytea;
BEGIN
	-- truncated: about 48 prefixes, every one of short forms
	FOR l IN 0 .. len - 1 BY greatest(1, len / 48) LOOP
		RETURN NEXT substring(seed FROM 1 FOR l);
	END LOOP;
	-- one flipped bit, 160 times
	FOR k IN 1 .. 160 LOOP
		pos := floor(random() * len * 8)::int;
		RETURN NEXT set_bit(seed, pos, 1 - get_bit(seed, pos));
	END LOOP;
	-- one byte set to an edge value, 60 times
	FOR k IN 1 .. 60 LOOP
		RETURN NEXT set_byte(seed, floor(random() * len)::int, (ARRAY[0, 1, 127, 128, 255])[1 + floor(random() * 5)::int]);
	END LOOP;
	-- a 4-byte and an 8-byte word in the first 64 bytes replaced by an edge
	-- value: the lengths, counts and versions of every header
	FOR off IN 0 .. least(len - 4, 64) LOOP
		FOREACH w IN ARRAY ARRAY[int4send(0), int4send(1), int4send(-1), int4send(2147483647), int4send(-2147483648),
			int4send(65536), int4send(len), int4send(len / 16), int4send(3)] LOOP
			RETURN NEXT overlay(seed PLACING w FROM off + 1 FOR 4);
			IF off % 4 = 0 THEN
				RETURN NEXT overlay(seed PLACING fuzz.rev(w) FROM off + 1 FOR 4);
			END IF;
		END LOOP;
	END LOOP;
	FOR off IN 0 .. least(len - 8, 64) BY 4 LOOP
		FOREACH w IN ARRAY ARRAY[int8send(0), int8send(-1), int8send(9223372036854775807),
			int8send(-9223372036854775808), int8send(4611686018427387904), int8send(len)] LOOP
			RETURN NEXT overlay(seed PLACING w FROM off + 1 FOR 8);
			RETURN NEXT overlay(seed PLACING fuzz.rev(w) FROM off + 1 FOR 8);
		END LOOP;
	END LOOP;
	-- extra bytes, a chunk cut out, doubled
	FOR k IN 1 .. 6 LOOP
		RETURN NEXT seed || fuzz.random_bytes(1 + floor(random() * 16)::int);
		pos := floor(random() * len)::int;
		RETURN NEXT overlay(seed PLACING ''::bytea FROM pos + 1 FOR 1 + floor(random() * 8)::int);
	END LOOP;
	RETURN NEXT seed || seed;
	-- several bytes replaced at random places, 40 times
	FOR k IN 1 .. 40 LOOP
		b := seed;
		FOR j IN 1 .. 1 + floor(random() * 6)::int LOOP
			b := set_byte(b, floor(random() * len)::int, floor(random() * 256)::int);
		END LOOP;
		RETURN NEXT b;
	END LOOP;
END
$$;

-- Mutations of a valid text form
CREATE FUNCTION fuzz.text_mutations(seed text) RETURNS SETOF text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	len int := length(seed);
	alphabet text[] := ARRAY['{', '}', '[', ']', '"', ':', ',', '\', ' ', '0', '1', '9', '-', '+', '.', 'e', 'E',
		'u', 'n', 't', 'x', 'é', E'\n', '\u', '\u0000', '\ud800', '1e999', '99999999999999999999', '"seconds"',
		'"views"', '{"a": {"seconds": 1, "views": 1}}', 'null', '-0', '0.0000005'];
	pos int;
BEGIN
	FOR l IN 0 .. len - 1 LOOP
		RETURN NEXT substr(seed, 1, l);
	END LOOP;
	FOR k IN 1 .. 150 LOOP
		pos := floor(random() * len)::int;
		-- one character replaced, or something inserted
		RETURN NEXT overlay(seed PLACING alphabet[1 + floor(random() * array_length(alphabet, 1))::int]
			FROM pos + 1 FOR floor(random() * 2)::int);
	END LOOP;
	FOR k IN 1 .. 30 LOOP
		pos := floor(random() * len)::int;
		RETURN NEXT overlay(seed PLACING '' FROM pos + 1 FOR 1 + floor(random() * 10)::int);
	END LOOP;
END
$$;

SELECT setseed(0.20261203);
CREATE TABLE fuzz.inputs (id serial PRIMARY KEY, fn regproc, b bytea, t text, valid boolean);
-- per seed: the seed itself (valid), then its mutations
INSERT INTO fuzz.inputs (fn, b, valid)
SELECT fn, seed, true FROM fuzz.seeds ORDER BY fn, seed;
INSERT INTO fuzz.inputs (fn, b, valid)
SELECT s.fn, m, false FROM (SELECT fn, seed FROM fuzz.seeds ORDER BY fn, seed) s, fuzz.mutations(s.seed) m;
-- and per function: the empty input and 400 random byte strings of 1 to 200 bytes
INSERT INTO fuzz.inputs (fn, b, valid)
SELECT f.fn, CASE WHEN i = 0 THEN ''::bytea ELSE fuzz.random_bytes(1 + floor(random() * 200)::int) END, false
FROM (SELECT DISTINCT fn FROM fuzz.seeds ORDER BY fn) f, generate_series(0, 400) i;
-- text: seeds, mutations, then special cases and random strings
INSERT INTO fuzz.inputs (fn, t, valid)
SELECT t.typinput, s.seed, true FROM fuzz.text_seeds s JOIN pg_type t ON t.oid = s.typ ORDER BY s.seed;
INSERT INTO fuzz.inputs (fn, t, valid)
SELECT t.typinput, m, false FROM (SELECT typ, seed FROM fuzz.text_seeds ORDER BY seed) s JOIN pg_type t ON t.oid = s.typ,
	fuzz.text_mutations(s.seed) m;
INSERT INTO fuzz.inputs (fn, t, valid)
SELECT t.typinput, x, false
FROM (SELECT DISTINCT typ FROM fuzz.text_seeds) s JOIN pg_type t ON t.oid = s.typ,
	unnest(ARRAY['', ' ', '{', '}', '[]', '""', 'null', repeat('{', 10000), repeat('[', 10000),
		repeat('{"a":', 5000), '{"a": {"seconds": 1, "views": 1}' || repeat(', "a": {"seconds": 1, "views": 1}', 3) || '}',
		'{"a": {"seconds": ' || repeat('9', 5000) || ', "views": 1}}',
		'{"a": {"seconds": 0.' || repeat('0', 5000) || '1, "views": 1}}',
		'{"a": {"seconds": 1e-99999999999, "views": 1}}', '{"a": {"seconds": 1e+99999999999, "views": 1}}',
		'{"a": {"views": ' || repeat('9', 5000) || ', "seconds": 1}}',
		'{"\ud83d\ude00": {"seconds": 1, "views": 1}}', '{"\udead": {"seconds": 1, "views": 1}}',
		'{"' || repeat('x', 100000) || '": {"seconds": 1, "views": 1}}']) x;
INSERT INTO fuzz.inputs (fn, t, valid)
SELECT t.typinput, (SELECT string_agg(chr(32 + floor(random() * 95)::int), '') FROM generate_series(1, 1 + (i % 60) + i * 0)), false
FROM (SELECT DISTINCT typ FROM fuzz.text_seeds) s JOIN pg_type t ON t.oid = s.typ, generate_series(1, 300) i;
SELECT fn, count(*) AS inputs FROM fuzz.inputs GROUP BY fn ORDER BY fn;

-- The calls. Twins run on one-page table scanned by a parallel plan that
-- workers do not join (max_parallel_workers = 0): the leader runs the partial
-- aggregate, which serializes, and the finalize aggregate, which
-- deserializes. The generic plan is used for every call and checked first.
CREATE TABLE fuzz.pad AS SELECT i AS id FROM generate_series(1, 64) i;
ANALYZE fuzz.pad;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 1;
SET max_parallel_workers = 0;
SET plan_cache_mode = force_generic_plan;
CREATE TABLE fuzz.results (target int, input int, sqlstate text, message text, result text);
DO $$
DECLARE
	t record;
	i record;
	plan text;
	l text;
	r text;
	st text;
	msg text;
BEGIN
	FOR t IN SELECT * FROM fuzz.targets ORDER BY id LOOP
		IF t.kind IN ('deserialize', 'final') THEN
			EXECUTE format('PREPARE %I (bytea) AS SELECT fuzz.twin_%s(CASE WHEN id = 1 THEN $1 END, %L::bytea)::text FROM fuzz.pad',
				t.call, t.id, '\x');
			plan := '';
			FOR l IN EXECUTE format('EXPLAIN (COSTS OFF) EXECUTE %I(NULL)', t.call) LOOP
				plan := plan || E'\n' || l;
			END LOOP;
			IF plan NOT LIKE '%Finalize Aggregate%Partial Aggregate%' THEN
				RAISE EXCEPTION 'twin of % would not run partially (a crash):%', t.name, E'\n' || plan;
			END IF;
		END IF;
		FOR i IN SELECT * FROM fuzz.inputs WHERE fn = t.fn ORDER BY id LOOP
			r := NULL;
			st := NULL;
			msg := NULL;
			BEGIN
				IF t.kind IN ('deserialize', 'final') THEN
					EXECUTE format('EXECUTE %I(%L)', t.call, i.b) INTO r;
				ELSIF t.kind = 'receive' THEN
					r := pg_temp.binary_recv(i.b, t.call::regtype);
				ELSE
					EXECUTE format('SELECT CAST($1 AS %s)::text', t.call) INTO r USING i.t;
				END IF;
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
			END;
			INSERT INTO fuzz.results VALUES (t.id, i.id, st, msg, r);
		END LOOP;
	END LOOP;
END
$$;

-- Cases found by this test, each fixed, each checked exactly. A funnel state
-- kept other events (step 0) only under strict_order; with another mode the
-- final function read chain[-1] and crashed (a segfault on the mutation of
-- a strict_increase,strict_deduplication state whose first event became
-- step 0). Here: events at steps 1, 2, 3 a minute apart, the second turned
-- into step 0 (byte 52 of the data: 28 bytes of header, then 16 per event:
-- ts, step, padding). Without a mode: refused. Under strict_order the same
-- change is a valid state: level 1 (by the definition: the step-1 event is
-- followed by another event, which breaks the chain; the step-3 event does
-- not follow a step-2 event).
CREATE TABLE fuzz.cases (id int, target text, b bytea, sqlstate text, detail text, result text);
INSERT INTO fuzz.cases
SELECT 1, 'analytics_internal.funnel_deserialize + analytics_internal.funnel_level_final',
	overlay(fuzz.mk_funnel(ts, step, '1 hour', NULL) PLACING '\x00000000'::bytea FROM 53 FOR 4),
	'22P03', 'Event 1 is another event (step 0), which only strict_order keeps.', NULL
FROM (VALUES (timestamptz '2026-03-02 09:00Z', 1), ('2026-03-02 09:01Z', 2), ('2026-03-02 09:02Z', 3)) v(ts, step)
UNION ALL
SELECT 2, 'analytics_internal.funnel_deserialize + analytics_internal.funnel_level_final',
	overlay(fuzz.mk_funnel(ts, step, '1 hour', 'strict_order') PLACING '\x00000000'::bytea FROM 53 FOR 4),
	NULL, NULL, '1'
FROM (VALUES (timestamptz '2026-03-02 09:00Z', 1), ('2026-03-02 09:01Z', 2), ('2026-03-02 09:02Z', 3)) v(ts, step);
CREATE TABLE fuzz.case_results AS SELECT id, NULL::text AS sqlstate, NULL::text AS detail, NULL::text AS result FROM fuzz.cases WHERE false;
DO $$
DECLARE
	c record;
	r text;
	st text;
	d text;
BEGIN
	FOR c IN SELECT x.*, t.call FROM fuzz.cases x JOIN fuzz.targets t ON t.name = x.target ORDER BY x.id LOOP
		r := NULL;
		st := NULL;
		d := NULL;
		BEGIN
			EXECUTE format('EXECUTE %I(%L)', c.call, c.b) INTO r;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, d = PG_EXCEPTION_DETAIL;
		END;
		INSERT INTO fuzz.case_results VALUES (c.id, st, d, r);
	END LOOP;
END
$$;
SELECT c.id, c.target, r.sqlstate, r.detail, r.result FROM fuzz.cases c JOIN fuzz.case_results r USING (id) ORDER BY c.id;

-- What ended the calls
SELECT t.kind, t.name, coalesce(r.sqlstate, 'value') AS outcome, count(*)
FROM fuzz.results r JOIN fuzz.targets t ON t.id = r.target
GROUP BY 1, 2, 3, t.id ORDER BY t.id, 3;

-- Checks; each prints the failing calls (none expected) and fuzz.sh fails
-- on any row.
\pset format unaligned
\pset tuples_only on
\o :failures
-- 1. an SQLSTATE not allowed for its kind (XX000 internal error among them)
SELECT 'disallowed SQLSTATE', t.name, r.sqlstate, r.message, left(coalesce(i.b::text, i.t), 200)
FROM fuzz.results r JOIN fuzz.targets t ON t.id = r.target JOIN fuzz.inputs i ON i.id = r.input
WHERE r.sqlstate !~ t.allowed;
-- 2. a valid form refused
SELECT 'valid form refused', t.name, r.sqlstate, r.message, left(coalesce(i.b::text, i.t), 200)
FROM fuzz.results r JOIN fuzz.targets t ON t.id = r.target JOIN fuzz.inputs i ON i.id = r.input
WHERE i.valid AND r.sqlstate IS NOT NULL;
-- 3. deserialize + serialize gives a valid state back unchanged (so the bytes
-- really reached the deserialize function), and what it accepted
-- serializes to bytes it accepts again, unchanged
SELECT 'valid state changed', t.name, r.result, i.b::text
FROM fuzz.results r JOIN fuzz.targets t ON t.id = r.target JOIN fuzz.inputs i ON i.id = r.input
WHERE t.kind = 'deserialize' AND i.valid AND r.result IS DISTINCT FROM i.b::text;
CREATE FUNCTION pg_temp.twin_again(stmt text, b text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE format('EXECUTE %I(%L)', stmt, b) INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT 'serialized state not stable', t.name, r.result, pg_temp.twin_again(t.call, r.result)
FROM fuzz.results r JOIN fuzz.targets t ON t.id = r.target
WHERE t.kind = 'deserialize' AND r.sqlstate IS NULL AND r.result IS NOT NULL
	AND pg_temp.twin_again(t.call, r.result) IS DISTINCT FROM r.result;
-- 4. an accepted binary form: sent and received again, the same value
CREATE FUNCTION pg_temp.resend(typ regtype, v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	b bytea;
BEGIN
	EXECUTE format('SELECT %s(%L::%s)', (SELECT typsend FROM pg_type WHERE oid = typ), v, typ) INTO b;
	RETURN pg_temp.binary_recv(b, typ);
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT 'received value not stable', t.name, r.result, pg_temp.resend(t.call::regtype, r.result)
FROM fuzz.results r JOIN fuzz.targets t ON t.id = r.target
WHERE t.kind = 'receive' AND r.sqlstate IS NULL
	AND pg_temp.resend(t.call::regtype, r.result) IS DISTINCT FROM r.result;
-- 5. an accepted text form: its output read again, the same value
CREATE FUNCTION pg_temp.reinput(typ regtype, v text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE format('SELECT CAST($1 AS %s)::text', typ) INTO r USING v;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT 'text value not stable', t.name, r.result, pg_temp.reinput(t.call::regtype, r.result)
FROM fuzz.results r JOIN fuzz.targets t ON t.id = r.target
WHERE t.kind = 'input' AND r.sqlstate IS NULL
	AND pg_temp.reinput(t.call::regtype, r.result) IS DISTINCT FROM r.result;
-- 6. a case not as expected (or not run)
SELECT 'case', c.id, c.target, r.sqlstate, r.detail, r.result
FROM fuzz.cases c LEFT JOIN fuzz.case_results r USING (id)
WHERE r.id IS NULL OR r.sqlstate IS DISTINCT FROM c.sqlstate OR r.detail IS DISTINCT FROM c.detail
	OR r.result IS DISTINCT FROM c.result;
-- 7. every target got at least 1000 inputs and refused some
SELECT 'too few calls or no refusal', t.name, count(r.*), count(r.sqlstate)
FROM fuzz.targets t LEFT JOIN fuzz.results r ON r.target = t.id
GROUP BY t.id, t.name HAVING count(r.*) < 1000 OR count(r.sqlstate) = 0;
\o
