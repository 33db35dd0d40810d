-- src/screen_time.sql: screen time per session, and rollups of it.
--
-- analytics.screen_seconds aggregates one session's events into an
-- analytics.screen_time value (seconds and views per screen); the accessors
-- read it; analytics.rollup merges values across sessions and days, so a
-- table of daily values answers any date range without the raw events.
-- The rules are in the header of src/screen_time.c and in the README.

-- The type: seconds (kept to the microsecond) and views per screen.
CREATE TYPE analytics.screen_time;

CREATE FUNCTION analytics_internal.screen_time_in(cstring)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_time_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_time_in(cstring) IS 'Text input of analytics.screen_time: {"screen": {"seconds": s, "views": n}, ...}';

CREATE FUNCTION analytics_internal.screen_time_out(analytics.screen_time)
RETURNS cstring
AS 'MODULE_PATHNAME', 'screen_time_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_time_out(analytics.screen_time) IS 'Text output of analytics.screen_time, screens in byte order of their names';

CREATE FUNCTION analytics_internal.screen_time_recv(internal)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_time_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_time_recv(internal) IS 'Binary input of analytics.screen_time (binary COPY, clients reading binary results, binary logical replication): version word, screen count, then per screen its name, microseconds and views; every length and count checked';

CREATE FUNCTION analytics_internal.screen_time_send(analytics.screen_time)
RETURNS bytea
AS 'MODULE_PATHNAME', 'screen_time_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_time_send(analytics.screen_time) IS 'Binary output of analytics.screen_time, screens in byte order of their names';

CREATE TYPE analytics.screen_time (
	INPUT = analytics_internal.screen_time_in,
	OUTPUT = analytics_internal.screen_time_out,
	RECEIVE = analytics_internal.screen_time_recv,
	SEND = analytics_internal.screen_time_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE analytics.screen_time IS 'Seconds and views per screen, from analytics.screen_seconds; merged by analytics.rollup';

-- analytics.screen_seconds: support functions

CREATE FUNCTION analytics_internal.screen_seconds_trans(internal, timestamptz, text)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_seconds_trans(internal, timestamptz, text) IS 'Transition function of analytics.screen_seconds(timestamptz, text)';

CREATE FUNCTION analytics_internal.screen_seconds_trans(internal, timestamptz, text, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_seconds_trans(internal, timestamptz, text, interval) IS 'Transition function of analytics.screen_seconds(timestamptz, text, interval)';

CREATE FUNCTION analytics_internal.screen_seconds_trans(internal, timestamptz, text, bigint, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_seconds_trans(internal, timestamptz, text, bigint, interval) IS 'Transition function of analytics.screen_seconds(timestamptz, text, bigint, interval)';

CREATE FUNCTION analytics_internal.screen_seconds_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_seconds_combine(internal, internal) IS 'Combine function of analytics.screen_seconds: merges partial states';

CREATE FUNCTION analytics_internal.screen_seconds_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'screen_seconds_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_seconds_serialize(internal) IS 'Serialize function of analytics.screen_seconds';

CREATE FUNCTION analytics_internal.screen_seconds_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_seconds_deserialize(bytea, internal) IS 'Deserialize function of analytics.screen_seconds; checks every count and index';

-- STABLE: without an idle_timeout it reads analytics.session_idle_timeout.
CREATE FUNCTION analytics_internal.screen_seconds_final(internal)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_seconds_final'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_seconds_final(internal) IS 'Final function of analytics.screen_seconds: sorts the events and sums the time per screen';

-- analytics.screen_seconds: the aggregates
--
-- FINALFUNC_MODIFY = READ_ONLY (the default, spelled out): the final function
-- sorts unsorted events in a copy and leaves the state as it was, so the
-- aggregate runs as a window aggregate (transitions go on after each final
-- call) and its state may be shared with other aggregates of the same
-- arguments.

CREATE AGGREGATE analytics.screen_seconds(ts timestamptz, screen text) (
	SFUNC = analytics_internal.screen_seconds_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics_internal.screen_seconds_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = analytics_internal.screen_seconds_combine,
	SERIALFUNC = analytics_internal.screen_seconds_serialize,
	DESERIALFUNC = analytics_internal.screen_seconds_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.screen_seconds(timestamptz, text) IS 'Seconds and views per screen over one session''s events (NULL screen: other activity); gaps longer than analytics.session_idle_timeout count zero';

CREATE AGGREGATE analytics.screen_seconds(ts timestamptz, screen text, idle_timeout interval) (
	SFUNC = analytics_internal.screen_seconds_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics_internal.screen_seconds_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = analytics_internal.screen_seconds_combine,
	SERIALFUNC = analytics_internal.screen_seconds_serialize,
	DESERIALFUNC = analytics_internal.screen_seconds_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.screen_seconds(timestamptz, text, interval) IS 'Seconds and views per screen over one session''s events; gaps longer than idle_timeout (the same in every row; NULL: analytics.session_idle_timeout) count zero';

CREATE AGGREGATE analytics.screen_seconds(ts timestamptz, screen text, duration_ms bigint, idle_timeout interval) (
	SFUNC = analytics_internal.screen_seconds_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics_internal.screen_seconds_final,
	FINALFUNC_MODIFY = READ_ONLY,
	COMBINEFUNC = analytics_internal.screen_seconds_combine,
	SERIALFUNC = analytics_internal.screen_seconds_serialize,
	DESERIALFUNC = analytics_internal.screen_seconds_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.screen_seconds(timestamptz, text, bigint, interval) IS 'Seconds and views per screen over one session''s events; a view with duration_ms counts that duration instead of the time until the next view';

-- Merging values: analytics.rollup

CREATE FUNCTION analytics.screen_time_merge(a analytics.screen_time, b analytics.screen_time)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_time_merge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_time_merge(analytics.screen_time, analytics.screen_time) IS 'Sums two screen_time values screen by screen (seconds and views)';

CREATE AGGREGATE analytics.rollup(analytics.screen_time) (
	SFUNC = analytics.screen_time_merge,
	STYPE = analytics.screen_time,
	COMBINEFUNC = analytics.screen_time_merge,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.rollup(analytics.screen_time) IS 'Merges screen_time values across sessions and days: seconds and views summed per screen; NULLs ignored';

-- Accessors

CREATE FUNCTION analytics.screen_time_rows(st analytics.screen_time)
RETURNS TABLE (screen text, seconds float8, views bigint)
AS 'MODULE_PATHNAME', 'screen_time_rows'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
ROWS 20;
COMMENT ON FUNCTION analytics.screen_time_rows(analytics.screen_time) IS 'One row per screen of a screen_time value: seconds descending, then screen name in byte order';

CREATE FUNCTION analytics.seconds_on(st analytics.screen_time, screen text)
RETURNS float8
AS 'MODULE_PATHNAME', 'screen_time_seconds_on'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.seconds_on(analytics.screen_time, text) IS 'Seconds on one screen of a screen_time value; 0 for a screen it does not hold';

-- Support functions of internal-state aggregates are not for direct calls:
-- one fed another aggregate's state (in a hand-made aggregate) would read it
-- as its own. The aggregates still run for everyone (PostgreSQL checks the
-- aggregate owner's right to call them).
REVOKE EXECUTE ON FUNCTION analytics_internal.screen_seconds_combine(internal,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.screen_seconds_deserialize(bytea,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.screen_seconds_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.screen_seconds_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.screen_seconds_trans(internal,timestamp with time zone,text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.screen_seconds_trans(internal,timestamp with time zone,text,bigint,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.screen_seconds_trans(internal,timestamp with time zone,text,interval) FROM PUBLIC;
