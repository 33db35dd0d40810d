
-- src/forecast.sql: time series: linear_forecast, trend_summary, detect_season.

CREATE TYPE analytics.forecast_point AS (
	ts timestamptz,
	forecast float8,
	lower float8,
	upper float8
);
COMMENT ON TYPE analytics.forecast_point IS 'One step of a linear_forecast: the time, the forecast and its prediction interval';

CREATE TYPE analytics.trend AS (
	n bigint,
	slope_per_step float8,
	intercept float8,
	slope_stderr float8,
	slope_p_value float8,
	r_squared float8,
	direction text,
	residual_stddev float8
);
COMMENT ON TYPE analytics.trend IS 'Result of trend_summary: the least-squares line in steps from the first observation, its test and strength';

CREATE TYPE analytics.season AS (
	period int,
	strength float8
);
COMMENT ON TYPE analytics.season IS 'Result of detect_season: the period in steps (0 for none) and its autocorrelation';

-- linear_forecast and detect_season keep every observation (internal state)
CREATE FUNCTION analytics_internal.linear_forecast_trans(internal, timestamptz, float8, int, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'linear_forecast_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.linear_forecast_trans(internal, timestamptz, float8, int, interval, float8, int)
RETURNS internal AS 'MODULE_PATHNAME', 'linear_forecast_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.detect_season_trans(internal, timestamptz, float8, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'detect_season_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.forecast_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'forecast_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.forecast_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'forecast_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.forecast_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'forecast_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.linear_forecast_final(internal)
RETURNS analytics.forecast_point[] AS 'MODULE_PATHNAME', 'linear_forecast_final' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.detect_season_final(internal)
RETURNS analytics.season AS 'MODULE_PATHNAME', 'detect_season_final' LANGUAGE C PARALLEL SAFE;

COMMENT ON FUNCTION analytics_internal.linear_forecast_trans(internal, timestamptz, float8, int, interval) IS 'Transition function of linear_forecast';
COMMENT ON FUNCTION analytics_internal.linear_forecast_trans(internal, timestamptz, float8, int, interval, float8, int) IS 'Transition function of linear_forecast with confidence and season';
COMMENT ON FUNCTION analytics_internal.detect_season_trans(internal, timestamptz, float8, interval) IS 'Transition function of detect_season';
COMMENT ON FUNCTION analytics_internal.forecast_combine(internal, internal) IS 'Combine function of linear_forecast and detect_season';
COMMENT ON FUNCTION analytics_internal.forecast_serialize(internal) IS 'Serialize function of linear_forecast and detect_season';
COMMENT ON FUNCTION analytics_internal.forecast_deserialize(bytea, internal) IS 'Deserialize function of linear_forecast and detect_season; checks the header and every observation';
COMMENT ON FUNCTION analytics_internal.linear_forecast_final(internal) IS 'Final function of linear_forecast';
COMMENT ON FUNCTION analytics_internal.detect_season_final(internal) IS 'Final function of detect_season';

-- The final functions sort the observations in place: the state stays
-- valid, so it may be shared (FINALFUNC_MODIFY = SHAREABLE).
CREATE AGGREGATE analytics.linear_forecast(ts timestamptz, value float8, horizon int, step interval) (
	SFUNC = analytics_internal.linear_forecast_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.linear_forecast_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.forecast_combine,
	SERIALFUNC = analytics_internal.forecast_serialize,
	DESERIALFUNC = analytics_internal.forecast_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.linear_forecast(timestamptz, float8, int, interval) IS 'Least-squares linear trend forecast for steps 1..horizon after the last observation, with 95% prediction intervals';

CREATE AGGREGATE analytics.linear_forecast(ts timestamptz, value float8, horizon int, step interval,
										   confidence float8, season int) (
	SFUNC = analytics_internal.linear_forecast_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.linear_forecast_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.forecast_combine,
	SERIALFUNC = analytics_internal.forecast_serialize,
	DESERIALFUNC = analytics_internal.forecast_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.linear_forecast(timestamptz, float8, int, interval, float8, int) IS 'Linear trend forecast with additive seasonal terms (season: period in steps, 0 none, -1 detect) and prediction intervals at the given confidence';

CREATE AGGREGATE analytics.detect_season(ts timestamptz, value float8, step interval) (
	SFUNC = analytics_internal.detect_season_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.detect_season_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.forecast_combine,
	SERIALFUNC = analytics_internal.forecast_serialize,
	DESERIALFUNC = analytics_internal.forecast_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.detect_season(timestamptz, float8, interval) IS 'Period (in steps) of the strongest cycle in the detrended series'' autocorrelation, and its strength';

-- forecast_total: the sum of the next horizon steps, with the interval of
-- the sum (the steps share the coefficients' error: not the sum of the
-- steps' intervals). The state and support functions of linear_forecast.
CREATE TYPE analytics.forecast_total AS (
	total float8,
	lower float8,
	upper float8,
	season int
);
COMMENT ON TYPE analytics.forecast_total IS 'Result of analytics.forecast_total: the forecast sum of the steps after the last observation, its prediction interval, and the season fitted (0: none)';

CREATE FUNCTION analytics_internal.forecast_total_final(internal)
RETURNS analytics.forecast_total AS 'MODULE_PATHNAME', 'forecast_total_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.forecast_total_final(internal) IS 'Final function of forecast_total';
REVOKE EXECUTE ON FUNCTION analytics_internal.forecast_total_final(internal) FROM PUBLIC;

CREATE AGGREGATE analytics.forecast_total(ts timestamptz, value float8, horizon int, step interval,
										  confidence float8, season int) (
	SFUNC = analytics_internal.linear_forecast_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.forecast_total_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.forecast_combine,
	SERIALFUNC = analytics_internal.forecast_serialize,
	DESERIALFUNC = analytics_internal.forecast_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.forecast_total(timestamptz, float8, int, interval, float8, int) IS 'Sum of the linear-trend (and seasonal, season -1 detects) forecasts of steps 1..horizon after the last observation, with the prediction interval of the sum: Var = s^2 (horizon + u''(X''X)^-1 u), u the sum of the future design rows';

-- trend_summary: O(1) state of a concrete type (float8[])
CREATE FUNCTION analytics_internal.trend_summary_trans(float8[], timestamptz, float8, interval)
RETURNS float8[] AS 'MODULE_PATHNAME', 'trend_summary_trans' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION analytics_internal.trend_summary_combine(float8[], float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'trend_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics_internal.trend_summary_final(float8[])
RETURNS analytics.trend AS 'MODULE_PATHNAME', 'trend_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION analytics_internal.trend_summary_trans(float8[], timestamptz, float8, interval) IS 'Transition function of trend_summary (Youngs-Cramer updates)';
COMMENT ON FUNCTION analytics_internal.trend_summary_combine(float8[], float8[]) IS 'Combine function of trend_summary';
COMMENT ON FUNCTION analytics_internal.trend_summary_final(float8[]) IS 'Final function of trend_summary';

CREATE AGGREGATE analytics.trend_summary(ts timestamptz, value float8, step interval) (
	SFUNC = analytics_internal.trend_summary_trans,
	STYPE = float8[],
	FINALFUNC = analytics_internal.trend_summary_final,
	COMBINEFUNC = analytics_internal.trend_summary_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.trend_summary(timestamptz, float8, interval) IS 'Least-squares trend per step: slope, intercept at the first observation, its test, direction and R-squared';

-- Event forecast (Power BI DirectQuery and psql: plain scalar columns)
--
-- For each event name, its daily counts (UTC days) from its first day to its
-- last complete day, days without events counting 0, forecast for the 14
-- days after that by linear_forecast with a detected season (a weekly cycle
-- gives 7), 95% prediction intervals. The current UTC day is not complete
-- and is left out, so that a partial day does not pull the trend down.
-- Counts cannot be negative: forecast and bounds are clamped at 0. Event
-- names with fewer than 3 complete days have no forecast.
--
-- The fit uses every complete day of the event name, so a filter on the
-- forecast day cannot shorten what is read: its look-back is the whole
-- history (any shorter one would change the values); it is read from the
-- materialized daily counts (event_counts_filled), not from the events.
CREATE VIEW analytics.event_forecast AS
WITH complete AS (
	SELECT c.event_name, c.day, c.events
	FROM analytics.event_counts_filled c
	WHERE c.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', analytics_internal._now()))::date
),
fits AS (
	-- a 24-hour step: the day after a UTC midnight, whatever the session's zone
	SELECT d.event_name,
		analytics.linear_forecast(pg_catalog.timezone('UTC', d.day::timestamp), d.events::float8, 14,
			'24 hours'::pg_catalog.interval, 0.95::float8, -1) AS points
	FROM complete d
	GROUP BY d.event_name
	HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>=) 3
)
SELECT (pg_catalog.timezone('UTC', p.ts))::date AS day, f.event_name,
	GREATEST(p.forecast, 0::float8) AS forecast,
	GREATEST(p.lower, 0::float8) AS lower,
	GREATEST(p.upper, 0::float8) AS upper
FROM fits f
CROSS JOIN LATERAL pg_catalog.unnest(f.points) AS p;
COMMENT ON VIEW analytics.event_forecast IS 'Daily event counts forecast for the 14 days after each event name''s last complete UTC day, with weekly (detected) season and 95% prediction intervals, clamped at 0';
COMMENT ON COLUMN analytics.event_forecast.day IS 'UTC calendar day forecast: the 1st to 14th day after the event name''s last complete day (its last day with events before the current UTC day)';
COMMENT ON COLUMN analytics.event_forecast.event_name IS 'Event name as tracked; only names with at least 3 complete days (empty days included) are forecast';
COMMENT ON COLUMN analytics.event_forecast.forecast IS 'Forecast events that day: linear trend plus the detected seasonal terms (analytics.linear_forecast, season -1) over the complete days of event_counts_filled, clamped at 0';
COMMENT ON COLUMN analytics.event_forecast.lower IS 'Lower bound of the 95% prediction interval of the forecast, clamped at 0';
COMMENT ON COLUMN analytics.event_forecast.upper IS 'Upper bound of the 95% prediction interval of the forecast, clamped at 0';

GRANT SELECT ON analytics.event_forecast TO analytics_reader;

-- Support functions of internal-state aggregates are not for direct calls:
-- one fed another aggregate's state (in a hand-made aggregate) would read it
-- as its own. The aggregates still run for everyone (PostgreSQL checks the
-- aggregate owner's right to call them).
REVOKE EXECUTE ON FUNCTION analytics_internal.detect_season_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.detect_season_trans(internal,timestamp with time zone,double precision,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.forecast_combine(internal,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.forecast_deserialize(bytea,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.forecast_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.linear_forecast_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.linear_forecast_trans(internal,timestamp with time zone,double precision,integer,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.linear_forecast_trans(internal,timestamp with time zone,double precision,integer,interval,double precision,integer) FROM PUBLIC;
