-- Helpers shared by the pg_regress suites in sql/, included at the top of a
-- suite with
--   \getenv abs_srcdir PG_ABS_SRCDIR
--   \i :abs_srcdir/test/regress_helpers.sql
-- They live in pg_temp (called as pg_temp.name), so every suite gets its own
-- and none outlives its session.

-- Agreement with a reference: 1e-9 relative, or 1e-12 absolute when the
-- reference is 0; NULL (R's NA) agrees only with NULL. Computed in numeric:
-- p values near float8's smallest would underflow in float8.
CREATE FUNCTION pg_temp.close_to(ours float8, ref float8) RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN CASE WHEN ours IS NULL OR ref IS NULL THEN ours IS NULL AND ref IS NULL
	WHEN ours = ref THEN true
	WHEN ref = 0 THEN abs(ours) <= 1e-12
	ELSE abs(ours::numeric - ref::numeric) <= 1e-9 * abs(ref::numeric) END;

-- Deterministic pseudo-noise in [-5.04, 5.04] without autocorrelation (the
-- same formula in test/reference/*.R).
CREATE FUNCTION pg_temp.noise(i bigint) RETURNS float8
LANGUAGE sql IMMUTABLE
RETURN ((i * i * 7919 + i * 104729) % 1009 - 504)::float8 / 100;

-- How many workers a parallel plan launched (its Gather node, EXPLAIN ANALYZE).
CREATE FUNCTION pg_temp.workers_launched(query text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF, SUMMARY OFF) ' || query INTO plan;
	RETURN jsonb_path_query_first(plan, '$.**."Workers Launched"')::int;
END $$;

-- How many batches the top HashAggregate of a query used (more than 1: it
-- spilled to disk).
CREATE FUNCTION pg_temp.hash_batches(query text) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF, SUMMARY OFF) ' || query INTO plan;
	RETURN (plan->0->'Plan'->>'HashAgg Batches')::int;
END $$;

-- Whether some line of a query's plan (EXPLAIN, COSTS OFF) contains pattern.
CREATE FUNCTION pg_temp.plan_mentions(query text, pattern text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		IF line LIKE '%' || pattern || '%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END
$$;

-- The tables (partitions) a query actually read, sorted and comma-separated:
-- the scan nodes of EXPLAIN ANALYZE that ran at least once. Run-time
-- partition pruning (a LATERAL scan per day, parameterized by the day) shows
-- only there: EXPLAIN without ANALYZE lists every partition such a plan may
-- reach, and EXPLAIN ANALYZE marks the others "never executed" (loops 0).
-- Subqueries inside functions (analytics_internal._event_name_spans's index
-- probes) do not appear.
CREATE FUNCTION pg_temp.partitions_read(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query INTO plan;
	RETURN (SELECT string_agg(DISTINCT n ->> 'Relation Name', ', ' ORDER BY n ->> 'Relation Name')
		FROM jsonb_path_query(plan, 'strict $.**') AS n
		WHERE jsonb_typeof(n) = 'object' AND n ? 'Relation Name' AND (n ->> 'Actual Loops')::int > 0);
END
$$;

-- Rows in one query's result and not the other's, both ways (0: the same
-- rows); each query may end in LIMIT.
CREATE FUNCTION pg_temp.except_both(a text, b text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM (((%1$s) EXCEPT (%2$s)) UNION ALL ((%2$s) EXCEPT (%1$s))) x', a, b) INTO n;
	RETURN n;
END
$$;
