
-- src/predictions.sql: predictions and forecasts of the metrics of the
-- catalog (src/metrics.sql), from the time-series aggregates of
-- src/forecast.sql.

-- A metric's daily series for the days from_date to to_date: every day
-- from the first with a value on (0 when it has none) for a sum, the days
-- with a value otherwise.
CREATE FUNCTION analytics_internal._metric_daily(m analytics.metrics, from_date date, to_date date, member text)
RETURNS TABLE (day date, value float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH s AS (
		SELECT x.period_start AS day, x.value
		FROM analytics_internal._metric_series(m, from_date, to_date, 'day', _metric_daily.member) x
		WHERE x.value IS NOT NULL
	)
	SELECT (g.g)::date, COALESCE(s.value, 0)
	FROM (SELECT min(s.day) AS lo FROM s) b,
		pg_catalog.generate_series(b.lo::timestamp, to_date::timestamp, '1 day') g(g)
	LEFT JOIN s ON s.day = (g.g)::date
	WHERE m.aggregation = 'sum'
	UNION ALL
	SELECT s.day, s.value FROM s WHERE m.aggregation <> 'sum'
$$;
COMMENT ON FUNCTION analytics_internal._metric_daily(analytics.metrics, date, date, text) IS 'Internal: a metric''s daily values for a range of days, days without a value counting 0 for a sum (from its first day with one)';

-- The checks shared by the functions below.
CREATE FUNCTION analytics_internal._metric_for_prediction(metric text, confidence float8, member text)
RETURNS analytics.metrics
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics;
BEGIN
	SELECT * INTO m FROM analytics.metrics x WHERE x.name = metric;
	IF m.name IS NULL THEN
		RAISE EXCEPTION 'metric "%" does not exist', metric
			USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.metrics lists them.';
	END IF;
	IF confidence IS NULL OR NOT (confidence >= 0.5 AND confidence <= 0.99) THEN
		RAISE EXCEPTION 'confidence must be between 0.5 and 0.99, not %', coalesce(confidence::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF member IS NOT NULL AND (m.dimension IS NULL OR member = '*') THEN
		RAISE EXCEPTION '%', CASE WHEN m.dimension IS NULL THEN format('metric "%s" has no dimension', m.name)
			ELSE 'a prediction is of one member or of all together, not ''*''' END
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN m;
END
$$;
COMMENT ON FUNCTION analytics_internal._metric_for_prediction(text, float8, text) IS 'Internal: a metric of the catalog, after checking the confidence level (0.5 to 0.99) and the member';

-- The trend of a metric over a range of days: increasing or decreasing when
-- the slope's two-sided confidence interval at the given level excludes
-- zero (its p value below 1 - confidence), else stable; its strength (R^2);
-- the slope per day; the season detect_season finds (0: none).
CREATE FUNCTION analytics.metric_trend(metric text, from_date date, to_date date, confidence float8 DEFAULT 0.95,
	member text DEFAULT NULL)
RETURNS TABLE (trend text, strength float8, slope_per_day float8, season int, days bigint)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics := analytics_internal._metric_for_prediction(metric, confidence, member);
BEGIN
	IF from_date IS NULL OR to_date IS NULL OR from_date > to_date OR NOT isfinite(from_date) OR NOT isfinite(to_date) THEN
		RAISE EXCEPTION 'metric_trend needs finite from_date <= to_date' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	SELECT CASE WHEN (t).slope_p_value < 1 - confidence THEN CASE WHEN (t).slope_per_step > 0 THEN 'increasing' ELSE 'decreasing' END
			ELSE 'stable' END,
		(t).r_squared, (t).slope_per_step, COALESCE((s).period, 0), (t).n
	FROM (SELECT analytics.trend_summary(timezone('UTC', d.day::timestamp), d.value, '1 day') AS t,
			analytics.detect_season(timezone('UTC', d.day::timestamp), d.value, '1 day') AS s
		FROM analytics_internal._metric_daily(m, from_date, to_date, member) d
		WHERE (SELECT count(*) FROM analytics_internal._metric_daily(m, from_date, to_date, member)) >= 3
		HAVING count(*) >= 3) x;
END
$$;
COMMENT ON FUNCTION analytics.metric_trend(text, date, date, float8, text) IS 'The trend of a metric''s daily values from from_date to to_date: increasing or decreasing when the slope''s confidence interval excludes zero, else stable; R^2; slope per day; the season found; the days used (no row with fewer than 3)';

-- Daily predictions of a metric for the days after yesterday (UTC), from
-- its last 365 complete days (linear_forecast with season -1: the seasonal
-- term of the period it detects), and the trend of those days.
CREATE FUNCTION analytics.predict_metric(metric text, days int, confidence float8 DEFAULT 0.95, member text DEFAULT NULL)
RETURNS TABLE (day date, predicted float8, lower float8, upper float8, trend text, strength float8,
	slope_per_day float8, season int)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics := analytics_internal._metric_for_prediction(metric, confidence, member);
	last_day date := (timezone('UTC', analytics_internal._now()))::date - 1;
	tr record;
BEGIN
	IF days IS NULL OR days < 1 OR days > 365 THEN
		RAISE EXCEPTION 'days must be from 1 to 365, not %', coalesce(days::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT * INTO tr FROM analytics.metric_trend(metric, last_day - 364, last_day, confidence, member);
	IF tr.days IS NULL THEN
		RAISE EXCEPTION 'metric "%" has fewer than 3 days with a value in the 365 days to %', metric, last_day
			USING ERRCODE = 'data_exception';
	END IF;
	RETURN QUERY
	SELECT (timezone('UTC', p.ts))::date, p.forecast, p.lower, p.upper, tr.trend, tr.strength, tr.slope_per_day,
		tr.season
	FROM (SELECT analytics.linear_forecast(timezone('UTC', d.day::timestamp), d.value, days, '1 day', confidence, -1) AS f
		FROM analytics_internal._metric_daily(m, last_day - 364, last_day, member) d) x,
		unnest(x.f) p
	WHERE (timezone('UTC', p.ts))::date > last_day
	ORDER BY 1;
END
$$;
COMMENT ON FUNCTION analytics.predict_metric(text, int, float8, text) IS 'Daily predictions of a metric for the next days (1 to 365) after yesterday (UTC), from its last 365 complete days (linear trend, with the season detect_season finds), with prediction intervals at the confidence (0.5 to 0.99) and the trend of those days';

-- Forecasts of a metric per period (day, week, month, quarter, year): the
-- complete periods before the current one (up to 5 years back) as the
-- series, a season detected on that grain, 1 to 24 periods ahead.
CREATE FUNCTION analytics.forecast_metric(metric text, period text, periods int, confidence float8 DEFAULT 0.95)
RETURNS TABLE (period_start date, predicted float8, lower float8, upper float8, season int)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics := analytics_internal._metric_for_prediction(metric, confidence, NULL);
	today date := (timezone('UTC', analytics_internal._now()))::date;
	this_period date;
	step interval;
	found int;
BEGIN
	IF period IS NULL OR period NOT IN ('day', 'week', 'month', 'quarter', 'year') THEN
		RAISE EXCEPTION 'invalid period "%"', period
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use day, week, month, quarter or year.';
	END IF;
	IF periods IS NULL OR periods < 1 OR periods > 24 THEN
		RAISE EXCEPTION 'periods must be from 1 to 24, not %', coalesce(periods::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	this_period := analytics_internal._period_start(today, period);
	step := CASE period WHEN 'day' THEN interval '1 day' WHEN 'week' THEN interval '7 days'
		WHEN 'month' THEN interval '1 month' WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END;
	SELECT count(*) INTO found
	FROM analytics_internal._metric_series(m, (this_period - interval '5 years')::date, this_period - 1, period, NULL) s
	WHERE s.value IS NOT NULL;
	IF found >= 3 THEN
		SELECT (analytics.detect_season(timezone('UTC', s.period_start::timestamp), s.value, step)).period INTO found
		FROM analytics_internal._metric_series(m, (this_period - interval '5 years')::date, this_period - 1, period, NULL) s
		WHERE s.value IS NOT NULL;
	ELSE
		found := NULL;
	END IF;
	IF found IS NULL THEN
		RAISE EXCEPTION 'metric "%" has fewer than 3 complete periods of a % before %', metric, period, this_period
			USING ERRCODE = 'data_exception';
	END IF;
	RETURN QUERY
	SELECT (timezone('UTC', p.ts))::date, p.forecast, p.lower, p.upper, found
	FROM (SELECT analytics.linear_forecast(timezone('UTC', s.period_start::timestamp), s.value, periods, step, confidence, -1) AS f
		FROM analytics_internal._metric_series(m, (this_period - interval '5 years')::date, this_period - 1, period, NULL) s
		WHERE s.value IS NOT NULL) x,
		unnest(x.f) p
	ORDER BY 1;
END
$$;
COMMENT ON FUNCTION analytics.forecast_metric(text, text, int, float8) IS 'Forecasts of a metric for the next 1 to 24 periods (day, week, month, quarter, year) from its complete periods (up to 5 years back), with the season detected on that grain and prediction intervals at the confidence (0.5 to 0.99)';

REVOKE ALL ON FUNCTION analytics.metric_trend(text, date, date, float8, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.predict_metric(text, int, float8, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.forecast_metric(text, text, int, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.metric_trend(text, date, date, float8, text),
	analytics.predict_metric(text, int, float8, text), analytics.forecast_metric(text, text, int, float8)
	TO analytics_reader, analytics_admin;
