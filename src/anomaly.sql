-- src/anomaly.sql: anomaly scores over a window frame, and the daily view.
--
-- analytics.zscore, analytics.zscore_anomaly and analytics.robust_zscore
-- score the last value of a window frame against the frame's other values;
-- they are meant for frames ending at the current row, such as
-- OVER (ORDER BY day ROWS BETWEEN 28 PRECEDING AND CURRENT ROW). The rules
-- are in the header of src/anomaly.c and in the README.
--
-- All three have exact inverse transitions (moving-aggregate mode), so a
-- sliding frame costs O(1) per row for zscore, O(frame) for robust_zscore,
-- and gives the same result to the bit as recomputing the frame. Their final
-- functions only read the state (FINALFUNC_MODIFY = READ_ONLY). There is no
-- combine function: the result depends on which value is last in the frame,
-- which a partial aggregate cannot know; they are parallel safe, and a
-- parallel plan runs them above the Gather.

-- analytics.zscore and analytics.zscore_anomaly: support functions

CREATE FUNCTION analytics_internal.zscore_trans(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.zscore_trans(internal, float8) IS 'Transition function of analytics.zscore: adds a value to the exact sums';

CREATE FUNCTION analytics_internal.zscore_inv(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.zscore_inv(internal, float8) IS 'Inverse transition function of analytics.zscore: removes a value from the exact sums';

CREATE FUNCTION analytics_internal.zscore_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'zscore_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.zscore_final(internal) IS 'Final function of analytics.zscore: the z-score of the last value against the others; leaves the state as it was';

CREATE FUNCTION analytics_internal.zscore_trans(internal, float8, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.zscore_trans(internal, float8, float8) IS 'Transition function of analytics.zscore_anomaly: checks the threshold, adds a value to the exact sums';

CREATE FUNCTION analytics_internal.zscore_inv(internal, float8, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.zscore_inv(internal, float8, float8) IS 'Inverse transition function of analytics.zscore_anomaly: removes a value from the exact sums';

CREATE FUNCTION analytics_internal.zscore_anomaly_final(internal)
RETURNS boolean
AS 'MODULE_PATHNAME', 'zscore_anomaly_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.zscore_anomaly_final(internal) IS 'Final function of analytics.zscore_anomaly: whether |z-score| exceeds the threshold; leaves the state as it was';

-- analytics.zscore and analytics.zscore_anomaly: the aggregates

CREATE AGGREGATE analytics.zscore(value float8) (
	SFUNC = analytics_internal.zscore_trans,
	STYPE = internal,
	SSPACE = 1360,
	FINALFUNC = analytics_internal.zscore_final,
	FINALFUNC_MODIFY = READ_ONLY,
	MSFUNC = analytics_internal.zscore_trans,
	MINVFUNC = analytics_internal.zscore_inv,
	MSTYPE = internal,
	MSSPACE = 1360,
	MFINALFUNC = analytics_internal.zscore_final,
	MFINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.zscore(float8) IS 'Z-score of the window frame''s last value against the frame''s other values (their mean and sample standard deviation); NULL with fewer than 2 others or zero deviation';

CREATE AGGREGATE analytics.zscore_anomaly(value float8, threshold float8) (
	SFUNC = analytics_internal.zscore_trans,
	STYPE = internal,
	SSPACE = 1360,
	FINALFUNC = analytics_internal.zscore_anomaly_final,
	FINALFUNC_MODIFY = READ_ONLY,
	MSFUNC = analytics_internal.zscore_trans,
	MINVFUNC = analytics_internal.zscore_inv,
	MSTYPE = internal,
	MSSPACE = 1360,
	MFINALFUNC = analytics_internal.zscore_anomaly_final,
	MFINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.zscore_anomaly(float8, float8) IS 'Whether the absolute z-score of the window frame''s last value exceeds threshold (a finite number >= 0, the same in every row); NULL when the z-score is NULL';

-- analytics.robust_zscore

CREATE FUNCTION analytics_internal.robust_zscore_trans(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'robust_zscore_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.robust_zscore_trans(internal, float8) IS 'Transition function of analytics.robust_zscore: inserts a value in the sorted frame';

CREATE FUNCTION analytics_internal.robust_zscore_inv(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'robust_zscore_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.robust_zscore_inv(internal, float8) IS 'Inverse transition function of analytics.robust_zscore: removes a value from the sorted frame';

CREATE FUNCTION analytics_internal.robust_zscore_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'robust_zscore_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.robust_zscore_final(internal) IS 'Final function of analytics.robust_zscore: median and MAD of the others, O(frame); leaves the state as it was';

CREATE AGGREGATE analytics.robust_zscore(value float8) (
	SFUNC = analytics_internal.robust_zscore_trans,
	STYPE = internal,
	SSPACE = 300,
	FINALFUNC = analytics_internal.robust_zscore_final,
	FINALFUNC_MODIFY = READ_ONLY,
	MSFUNC = analytics_internal.robust_zscore_trans,
	MINVFUNC = analytics_internal.robust_zscore_inv,
	MSTYPE = internal,
	MSSPACE = 300,
	MFINALFUNC = analytics_internal.robust_zscore_final,
	MFINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.robust_zscore(float8) IS 'Modified z-score 0.6745 (x - median) / MAD of the window frame''s last value x against the frame''s other values; NULL with fewer than 2 others or MAD 0';

-- Daily anomalies
--
-- One row per event_name and UTC day, from the event's first to its last day
-- with events: days without events count 0. zscore is analytics.zscore of
-- the day's count against the 28 days before it (ROWS BETWEEN 28 PRECEDING
-- AND CURRENT ROW over the dense days of the event), NULL for an event's
-- first two days and when those days all have the same count. is_anomaly =
-- |zscore| > the analytics.anomaly_threshold setting (default 3), read when
-- the query runs; NULL when zscore is NULL. Only complete days count: the
-- current UTC day is left out (its partial count would look low every
-- morning), as in analytics.event_forecast.
--
-- Filters on day do not change the z-scores: each is computed from its own
-- 28-day frame (see below).
-- The setting as the view reads it: a C function, so that a session that has
-- not loaded the library yet (a BI tool's fresh connection filtering on
-- is_anomaly) loads it, and with it the setting, instead of failing in
-- current_setting().
CREATE FUNCTION analytics.anomaly_threshold()
RETURNS float8
AS 'MODULE_PATHNAME', 'analytics_anomaly_threshold_setting'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.anomaly_threshold() IS 'The setting analytics.anomaly_threshold (loads the library, which defines it)';

-- The z-score is a window per event name over event_counts_filled (a row
-- per name and day, read from the materialized daily counts), ROWS 28
-- PRECEDING over the dense days of the event name, as in the 0.1.0
-- definition. A filter on day applies after the window (each day's z-score
-- needs the 28 days before it); the window reads the daily counts, a few
-- rows a day, not the events.
CREATE VIEW analytics.event_anomalies AS
SELECT w.day, w.event_name, w.events, w.zscore,
	pg_catalog.abs(w.zscore) OPERATOR(pg_catalog.>)
		analytics.anomaly_threshold() AS is_anomaly
FROM (
	SELECT f.day, f.event_name, f.events,
		analytics.zscore(f.events::pg_catalog.float8) OVER (PARTITION BY f.event_name ORDER BY f.day
			ROWS BETWEEN 28 PRECEDING AND CURRENT ROW) AS zscore
	FROM analytics.event_counts_filled f
	WHERE f.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', analytics_internal._now()))::date
) w;
COMMENT ON VIEW analytics.event_anomalies IS 'Events per event_name and UTC day (days without events count 0), with the z-score of each day against the 28 days before it and is_anomaly = |zscore| > analytics.anomaly_threshold; complete days only (the current UTC day is left out)';
COMMENT ON COLUMN analytics.event_anomalies.day IS 'UTC calendar day, every day from the event name''s first day with events to its last day with events before the current UTC day (analytics_internal._now()); the current day is left out';
COMMENT ON COLUMN analytics.event_anomalies.event_name IS 'Event name as tracked';
COMMENT ON COLUMN analytics.event_anomalies.events IS 'Events that occurred that UTC day; 0 on a day without events';
COMMENT ON COLUMN analytics.event_anomalies.zscore IS 'analytics.zscore of the day''s count against the event name''s up to 28 days before it (ROWS 28 PRECEDING): (events - their mean) / their sample standard deviation; NULL with fewer than 2 days before it or when those days all have the same count';
COMMENT ON COLUMN analytics.event_anomalies.is_anomaly IS '|zscore| > the analytics.anomaly_threshold setting (default 3), read when the query runs; NULL when zscore is NULL';

GRANT SELECT ON analytics.event_anomalies TO analytics_reader;

-- Support functions of internal-state aggregates are not for direct calls:
-- one fed another aggregate's state (in a hand-made aggregate) would read it
-- as its own. The aggregates still run for everyone (PostgreSQL checks the
-- aggregate owner's right to call them).
REVOKE EXECUTE ON FUNCTION analytics_internal.robust_zscore_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.robust_zscore_inv(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.robust_zscore_trans(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.zscore_anomaly_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.zscore_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.zscore_inv(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.zscore_inv(internal,double precision,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.zscore_trans(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.zscore_trans(internal,double precision,double precision) FROM PUBLIC;
