
-- src/funnel.sql: funnels.

CREATE FUNCTION analytics_internal.funnel_trans(internal, timestamptz, int, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.funnel_trans(internal, timestamptz, int, interval, text)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.funnel_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.funnel_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'funnel_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.funnel_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.funnel_level_final(internal)
RETURNS int AS 'MODULE_PATHNAME', 'funnel_level_final' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.funnel_times_final(internal)
RETURNS timestamptz[] AS 'MODULE_PATHNAME', 'funnel_times_final' LANGUAGE C PARALLEL SAFE;

COMMENT ON FUNCTION analytics_internal.funnel_trans(internal, timestamptz, int, interval) IS 'Transition function of funnel_level and funnel_times';
COMMENT ON FUNCTION analytics_internal.funnel_trans(internal, timestamptz, int, interval, text) IS 'Transition function of funnel_level and funnel_times with modes';
COMMENT ON FUNCTION analytics_internal.funnel_combine(internal, internal) IS 'Combine function of funnel_level and funnel_times';
COMMENT ON FUNCTION analytics_internal.funnel_serialize(internal) IS 'Serialize function of funnel_level and funnel_times';
COMMENT ON FUNCTION analytics_internal.funnel_deserialize(bytea, internal) IS 'Deserialize function of funnel_level and funnel_times; checks every length and step';
COMMENT ON FUNCTION analytics_internal.funnel_level_final(internal) IS 'Final function of funnel_level';
COMMENT ON FUNCTION analytics_internal.funnel_times_final(internal) IS 'Final function of funnel_times';

-- The final functions sort the kept events in place: the state stays valid,
-- so it may be shared (FINALFUNC_MODIFY = SHAREABLE). SSPACE tells the
-- planner what a state takes (16 bytes a kept event; 640 bytes stands for
-- an entity with a few dozen kept events), so hash aggregation plans its
-- memory instead of spilling to disk.
CREATE AGGREGATE analytics.funnel_level(ts timestamptz, step int, "window" interval) (
	SFUNC = analytics_internal.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics_internal.funnel_level_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.funnel_combine,
	SERIALFUNC = analytics_internal.funnel_serialize,
	DESERIALFUNC = analytics_internal.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_level(timestamptz, int, interval) IS 'Highest funnel step reached in order within the window of a step-1 event, over one entity''s events';

CREATE AGGREGATE analytics.funnel_level(ts timestamptz, step int, "window" interval, mode text) (
	SFUNC = analytics_internal.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics_internal.funnel_level_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.funnel_combine,
	SERIALFUNC = analytics_internal.funnel_serialize,
	DESERIALFUNC = analytics_internal.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_level(timestamptz, int, interval, text) IS 'funnel_level with modes strict_order, strict_deduplication, strict_increase (comma-separated)';

CREATE AGGREGATE analytics.funnel_times(ts timestamptz, step int, "window" interval) (
	SFUNC = analytics_internal.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics_internal.funnel_times_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.funnel_combine,
	SERIALFUNC = analytics_internal.funnel_serialize,
	DESERIALFUNC = analytics_internal.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_times(timestamptz, int, interval) IS 'Times at which each step was reached, in the first chain to reach the highest funnel level';

CREATE AGGREGATE analytics.funnel_times(ts timestamptz, step int, "window" interval, mode text) (
	SFUNC = analytics_internal.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics_internal.funnel_times_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.funnel_combine,
	SERIALFUNC = analytics_internal.funnel_serialize,
	DESERIALFUNC = analytics_internal.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_times(timestamptz, int, interval, text) IS 'funnel_times with modes strict_order, strict_deduplication, strict_increase (comma-separated)';

-- Across entities: a plain bigint[] state, so Citus can push partial
-- aggregation to its workers.
CREATE FUNCTION analytics_internal.funnel_dropoff_trans(bigint[], int, int)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'funnel_dropoff_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.funnel_dropoff_combine(bigint[], bigint[])
RETURNS bigint[] AS 'MODULE_PATHNAME', 'funnel_dropoff_combine' LANGUAGE C PARALLEL SAFE;

COMMENT ON FUNCTION analytics_internal.funnel_dropoff_trans(bigint[], int, int) IS 'Transition function of funnel_dropoff';
COMMENT ON FUNCTION analytics_internal.funnel_dropoff_combine(bigint[], bigint[]) IS 'Combine function of funnel_dropoff: adds the counts';

CREATE AGGREGATE analytics.funnel_dropoff(level int, nsteps int) (
	SFUNC = analytics_internal.funnel_dropoff_trans,
	STYPE = bigint[],
	COMBINEFUNC = analytics_internal.funnel_dropoff_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_dropoff(int, int) IS 'For k = 1..nsteps, the number of entities whose funnel level is at least k';

CREATE FUNCTION analytics.funnel_report(counts bigint[], step_names text[] DEFAULT NULL)
RETURNS TABLE (step int, step_name text, entities bigint, conversion_from_previous float8,
	dropoff_from_previous bigint, dropoff_pct float8, conversion_from_first float8)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n int := pg_catalog.cardinality(counts);
BEGIN
	-- Counts come from analytics.funnel_dropoff: entities reaching at least
	-- step k, so they never increase. Others would give conversions above 1
	-- and negative drop-offs: refused, as are NULL and negative counts.
	IF pg_catalog.array_ndims(counts) > 1 THEN
		RAISE EXCEPTION 'funnel_report counts must be a one-dimensional array'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF counts IS NULL OR pg_catalog.array_position(counts, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'funnel_report counts must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF step_names IS NOT NULL AND
		pg_catalog.cardinality(step_names) <> pg_catalog.cardinality(counts) THEN
		RAISE EXCEPTION 'funnel_report needs one step name per count'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = pg_catalog.format('There are %s counts and %s step names.',
					pg_catalog.cardinality(counts), pg_catalog.cardinality(step_names));
	END IF;
	IF n > 1024 THEN
		RAISE EXCEPTION 'too many funnel steps'
			USING ERRCODE = 'program_limit_exceeded',
				DETAIL = pg_catalog.format('There are %s counts; a funnel has 1 to 1024 steps.', n);
	END IF;
	FOR k IN 1 .. n LOOP
		IF counts[k] < 0 THEN
			RAISE EXCEPTION 'funnel_report count % is negative', counts[k]
				USING ERRCODE = 'invalid_parameter_value',
					DETAIL = pg_catalog.format('Step %s has %s entities.', k, counts[k]);
		END IF;
		IF k > 1 AND counts[k] > counts[k - 1] THEN
			RAISE EXCEPTION 'funnel_report counts must not increase from one step to the next'
				USING ERRCODE = 'invalid_parameter_value',
					DETAIL = pg_catalog.format('Step %s has %s entities, more than the %s of step %s.',
						k, counts[k], counts[k - 1], k - 1),
					HINT = 'The counts are those of analytics.funnel_dropoff: the entities that reached at least each step.';
		END IF;
	END LOOP;
	RETURN QUERY
	SELECT u.k::int,
		coalesce(step_names[u.k], 'step ' || u.k),
		u.c,
		u.c::float8 / NULLIF(pg_catalog.lag(u.c) OVER w, 0),
		pg_catalog.lag(u.c) OVER w - u.c,
		100 * (pg_catalog.lag(u.c) OVER w - u.c)::float8 / NULLIF(pg_catalog.lag(u.c) OVER w, 0),
		u.c::float8 / NULLIF(pg_catalog.first_value(u.c) OVER w, 0)
	FROM pg_catalog.unnest(counts) WITH ORDINALITY AS u(c, k)
	WINDOW w AS (ORDER BY u.k)
	ORDER BY u.k;
END
$$;
COMMENT ON FUNCTION analytics.funnel_report(bigint[], text[]) IS 'The drop-off table of a funnel from funnel_dropoff counts: conversion as fractions, drop-off in entities and percent';

-- One call over analytics.events.
CREATE FUNCTION analytics.funnel(steps text[], "window" interval, since timestamptz, until timestamptz,
	entity text DEFAULT 'user_id', event_name text DEFAULT NULL, step_property text DEFAULT NULL,
	breakdown_property text DEFAULT NULL, mode text DEFAULT '')
RETURNS TABLE (breakdown text, step int, step_name text, entities bigint,
	conversion_from_previous float8, dropoff_from_previous bigint, dropoff_pct float8,
	conversion_from_first float8, median_seconds_from_previous float8, p90_seconds_from_previous float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	nsteps int := pg_catalog.cardinality(steps);
	step_expr text;
	filter text;
	dup record;
	missing record;
BEGIN
	IF steps IS NULL OR nsteps < 1 OR pg_catalog.array_position(steps, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'steps must be a non-empty array without NULLs'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- the limit of funnel_level, checked before any row is read
	IF nsteps > 1024 THEN
		RAISE EXCEPTION 'too many funnel steps'
			USING ERRCODE = 'program_limit_exceeded',
				DETAIL = pg_catalog.format('There are %s steps; a funnel has 1 to 1024.', nsteps);
	END IF;
	-- Each event is matched to one step (its name's position in steps), so
	-- a repeated name could never reach its second position: refused.
	SELECT s.name, pg_catalog.array_agg(s.k ORDER BY s.k) AS positions INTO dup
	FROM pg_catalog.unnest(steps) WITH ORDINALITY AS s(name, k)
	GROUP BY s.name HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1
	ORDER BY pg_catalog.min(s.k) LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'funnel step "%" is repeated', dup.name
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = pg_catalog.format('Steps %s are all "%s"; each event is matched to one step, so the later ones could never be reached.',
					pg_catalog.array_to_string(dup.positions, ', '), dup.name),
				HINT = 'Give each step its own event name, or tell the occurrences apart by a property with event_name and step_property.';
	END IF;
	IF since IS NULL OR until IS NULL OR "window" IS NULL THEN
		RAISE EXCEPTION 'window, since and until must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- the only identifier spliced into the query: one of the entity columns
	IF entity IS NULL OR entity NOT IN ('user_id', 'session_id', 'device_id') THEN
		RAISE EXCEPTION 'invalid funnel entity "%"', entity
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'The entity is one of user_id, session_id and device_id.';
	END IF;
	IF event_name IS NOT NULL AND step_property IS NULL THEN
		RAISE EXCEPTION 'step_property is required with event_name'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'With event_name, steps match the value of props->>step_property on that event.';
	END IF;
	-- modes are checked here, before any row, so that an empty range errs too
	PERFORM analytics.funnel_level(ts, 1, "window", mode)
	FROM (VALUES (NULL::timestamptz)) AS v(ts);

	IF event_name IS NULL THEN
		step_expr := 'pg_catalog.array_position($1, e.event_name)';
		filter := 'e.event_name OPERATOR(pg_catalog.=) ANY ($1)';
	ELSE
		step_expr := 'pg_catalog.array_position($1, e.props OPERATOR(pg_catalog.->>) $6)';
		filter := 'e.event_name OPERATOR(pg_catalog.=) $5';
	END IF;
	-- A name that never occurs in the range makes its step and every later
	-- one count 0: say which, rather than leave a silent 0 (a typo, or a
	-- name the app does not send).
	IF event_name IS NOT NULL AND NOT EXISTS (
		SELECT FROM analytics.events e
		WHERE e.event_name OPERATOR(pg_catalog.=) funnel.event_name
			AND e.occurred_at OPERATOR(pg_catalog.>=) since AND e.occurred_at OPERATOR(pg_catalog.<) until) THEN
		RAISE NOTICE 'event "%" does not occur in the range', event_name
			USING DETAIL = pg_catalog.format('No event named "%s" occurred from %s to %s (excluded): every step counts 0.',
				event_name, since, until);
	ELSE
		-- one index probe (event_name, occurred_at) a step; with event_name,
		-- a scan of that event's rows that stops at the first match
		FOR missing IN
			SELECT s.name, s.k FROM pg_catalog.unnest(steps) WITH ORDINALITY AS s(name, k)
			WHERE funnel.event_name IS NULL AND NOT EXISTS (
				SELECT FROM analytics.events e
				WHERE e.event_name OPERATOR(pg_catalog.=) s.name
					AND e.occurred_at OPERATOR(pg_catalog.>=) since AND e.occurred_at OPERATOR(pg_catalog.<) until)
			UNION ALL
			SELECT s.name, s.k FROM pg_catalog.unnest(steps) WITH ORDINALITY AS s(name, k)
			WHERE funnel.event_name IS NOT NULL AND NOT EXISTS (
				SELECT FROM analytics.events e
				WHERE e.event_name OPERATOR(pg_catalog.=) funnel.event_name
					AND e.occurred_at OPERATOR(pg_catalog.>=) since AND e.occurred_at OPERATOR(pg_catalog.<) until
					AND e.props OPERATOR(pg_catalog.->>) step_property OPERATOR(pg_catalog.=) s.name)
			ORDER BY 2
		LOOP
			IF funnel.event_name IS NULL THEN
				RAISE NOTICE 'funnel step % "%" does not occur in the range', missing.k, missing.name
					USING DETAIL = pg_catalog.format('No event named "%s" occurred from %s to %s (excluded): this step and every later one count 0.',
						missing.name, since, until);
			ELSE
				RAISE NOTICE 'funnel step % "%" does not occur in the range', missing.k, missing.name
					USING DETAIL = pg_catalog.format('No "%s" event with %s "%s" occurred from %s to %s (excluded): this step and every later one count 0.',
						funnel.event_name, step_property, missing.name, since, until);
			END IF;
		END LOOP;
	END IF;

	-- strict_order needs the entity's other events too
	IF position('strict_order' IN mode) > 0 THEN
		filter := 'true';
	END IF;

	RETURN QUERY EXECUTE pg_catalog.format($q$
		WITH ev AS MATERIALIZED (
			SELECT e.%1$I AS entity, e.occurred_at AS ts, %2$s AS step,
				e.props OPERATOR(pg_catalog.->>) $7 AS bval
			FROM analytics.events e
			WHERE e.occurred_at OPERATOR(pg_catalog.>=) $3 AND e.occurred_at OPERATOR(pg_catalog.<) $4
				AND e.%1$I IS NOT NULL AND %3$s
		),
		chains AS (
			SELECT ev.entity, analytics.funnel_times(ev.ts, ev.step, $2, $8) AS times
			FROM ev GROUP BY ev.entity
		),
		-- first touch: the breakdown value on the chain's step-1 event (a hash
		-- join on entity and time, not a scan per entity)
		firsts AS (
			SELECT ev.entity, ev.ts, pg_catalog.min(ev.bval) AS bd
			FROM ev WHERE $7 IS NOT NULL AND ev.step OPERATOR(pg_catalog.=) 1
			GROUP BY ev.entity, ev.ts
		),
		entities AS (
			SELECT c.entity, c.times, pg_catalog.cardinality(c.times) AS level, f.bd
			FROM chains c
			LEFT JOIN firsts f ON f.entity OPERATOR(pg_catalog.=) c.entity
				AND f.ts OPERATOR(pg_catalog.=) c.times[1]
			WHERE pg_catalog.cardinality(c.times) OPERATOR(pg_catalog.>) 0
		),
		counts AS (
			SELECT x.bd, analytics.funnel_dropoff(x.level, $9) AS counts
			FROM entities x GROUP BY x.bd
		),
		gaps AS (
			SELECT x.bd, g.k::int AS k,
				pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY g.secs) AS median,
				pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY g.secs) AS p90
			FROM entities x,
				LATERAL (SELECT k, pg_catalog.date_part('epoch', x.times[k] OPERATOR(pg_catalog.-) x.times[k - 1]) AS secs
						 FROM pg_catalog.generate_series(2, x.level) AS k) g
			GROUP BY x.bd, g.k
		)
		SELECT c.bd, r.step, r.step_name, r.entities, r.conversion_from_previous,
			r.dropoff_from_previous, r.dropoff_pct, r.conversion_from_first, g.median, g.p90
		FROM counts c
		CROSS JOIN LATERAL analytics.funnel_report(c.counts, $1) r
		LEFT JOIN gaps g ON g.bd IS NOT DISTINCT FROM c.bd AND g.k OPERATOR(pg_catalog.=) r.step
		ORDER BY c.bd NULLS FIRST, r.step
	$q$, entity, step_expr, filter)
	USING steps, "window", since, until, event_name, step_property, breakdown_property,
		coalesce(mode, ''), nsteps;
END
$$;
COMMENT ON FUNCTION analytics.funnel(text[], interval, timestamptz, timestamptz, text, text, text, text, text) IS 'A funnel over analytics.events in one call: entities, conversion, drop-off and time between steps per step, optionally broken down by a property';

-- Support functions of internal-state aggregates are not for direct calls:
-- one fed another aggregate's state (in a hand-made aggregate) would read it
-- as its own. The aggregates still run for everyone (PostgreSQL checks the
-- aggregate owner's right to call them).
REVOKE EXECUTE ON FUNCTION analytics_internal.funnel_combine(internal,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.funnel_deserialize(bytea,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.funnel_level_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.funnel_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.funnel_times_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.funnel_trans(internal,timestamp with time zone,integer,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.funnel_trans(internal,timestamp with time zone,integer,interval,text) FROM PUBLIC;
