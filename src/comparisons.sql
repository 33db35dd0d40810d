
-- src/comparisons.sql: comparisons and calculations over the metrics of the
-- catalog (src/metrics.sql): a metric's members (or the whole) against a
-- previous period, sentences about it, correlations and regressions between
-- metrics, and a metric's anomalies.

-- A metric per member (or the whole, member NULL) over a range of days.
CREATE FUNCTION analytics_internal._metric_members(m analytics.metrics, from_date date, to_date date, by_member boolean)
RETURNS TABLE (member text, value float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN by_member THEN s.dimension ELSE 'all' END, s.value
	FROM analytics_internal._metric_series(m, from_date, to_date, 'all', CASE WHEN by_member THEN '*' END) s
$$;
COMMENT ON FUNCTION analytics_internal._metric_members(analytics.metrics, date, date, boolean) IS 'Internal: a metric over a range of days, per member of its dimension or as a whole (member ''all'')';

CREATE FUNCTION analytics.compare_metric(metric text, by text, from_date date, to_date date,
	against text DEFAULT 'previous_period')
RETURNS TABLE (member text, value float8, previous_value float8, change float8, change_pct float8, share_pct float8,
	deviation float8, rank bigint, is_best boolean, is_worst boolean, variance float8)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics;
	days int;
	prev_from date;
	prev_to date;
BEGIN
	SELECT * INTO m FROM analytics.metrics x WHERE x.name = metric;
	IF m.name IS NULL THEN
		RAISE EXCEPTION 'metric "%" does not exist', metric
			USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.metrics lists them.';
	END IF;
	IF by IS NULL OR by <> 'period' AND by IS DISTINCT FROM m.dimension THEN
		RAISE EXCEPTION 'metric "%" cannot be compared by "%"', m.name, coalesce(by, 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				HINT = CASE WHEN m.dimension IS NULL THEN 'Compare it by period.'
					ELSE format('Compare it by period or by %s.', m.dimension) END;
	END IF;
	IF from_date IS NULL OR to_date IS NULL OR from_date > to_date OR NOT isfinite(from_date) OR NOT isfinite(to_date) THEN
		RAISE EXCEPTION 'compare_metric needs finite from_date <= to_date' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	days := to_date - from_date + 1;
	IF against = 'previous_period' THEN
		prev_from := from_date - days;
		prev_to := from_date - 1;
	ELSIF against = 'previous_year' THEN
		prev_from := (from_date - interval '1 year')::date;
		prev_to := (to_date - interval '1 year')::date;
	ELSE
		RAISE EXCEPTION 'invalid comparison "%"', coalesce(against, 'NULL')
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use previous_period (the same number of days before) or previous_year.';
	END IF;
	RETURN QUERY
	WITH cur AS (
		SELECT c.member, c.value FROM analytics_internal._metric_members(m, from_date, to_date, by <> 'period') c
	), prev AS (
		SELECT p.member, p.value FROM analytics_internal._metric_members(m, prev_from, prev_to, by <> 'period') p
	), j AS (
		SELECT COALESCE(c.member, p.member) AS member, c.value, p.value AS previous_value
		FROM cur c FULL JOIN prev p ON p.member = c.member
	)
	SELECT j.member, j.value, j.previous_value, j.value - j.previous_value,
		CASE WHEN j.previous_value <> 0 THEN 100 * (j.value - j.previous_value) / abs(j.previous_value) END,
		CASE WHEN m.aggregation = 'sum' AND sum(j.value) OVER () <> 0 THEN 100 * j.value / sum(j.value) OVER () END,
		j.value - avg(j.value) OVER (),
		CASE WHEN j.value IS NOT NULL THEN rank() OVER (ORDER BY j.value DESC NULLS LAST) END,
		j.value = max(j.value) OVER (), j.value = min(j.value) OVER (),
		var_samp(j.value) OVER ()
	FROM j
	ORDER BY 8, 1;
END
$$;
COMMENT ON FUNCTION analytics.compare_metric(text, text, date, date, text) IS 'A metric from from_date to to_date per member of its dimension (by the dimension) or as a whole (by period), against the same days before (previous_period) or a year before (previous_year): value, previous value, change, change %, share % (sums), deviation from the members'' mean, rank, best, worst, and the variance across members';

-- Short sentences with the numbers of compare_metric: by period, the
-- change of the whole; by a dimension, the member that grew most, the one
-- that fell most, and the largest.
CREATE FUNCTION analytics.metric_insights(metric text, by text, from_date date, to_date date,
	against text DEFAULT 'previous_period')
RETURNS SETOF text
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
	n bigint;
	span text := CASE against WHEN 'previous_year' THEN 'the same days a year before'
		ELSE format('the previous %s days', to_date - from_date + 1) END;
	what text := replace(metric, '_', ' ');
BEGIN
	IF by = 'period' THEN
		FOR r IN SELECT * FROM analytics.compare_metric(metric, by, from_date, to_date, against) LOOP
			RETURN NEXT format('%s was %s from %s to %s%s', initcap(what), analytics_internal._num(r.value), from_date, to_date,
				CASE WHEN r.change_pct IS NULL THEN format(' (nothing to compare in %s)', span)
					ELSE format(', %s %s%% against %s (%s)', CASE WHEN r.change >= 0 THEN 'up' ELSE 'down' END,
						analytics_internal._num(abs(r.change_pct)), span, analytics_internal._num(r.previous_value)) END);
		END LOOP;
		RETURN;
	END IF;
	SELECT count(*) INTO n FROM analytics.compare_metric(metric, by, from_date, to_date, against) c WHERE c.value IS NOT NULL;
	SELECT * INTO r FROM analytics.compare_metric(metric, by, from_date, to_date, against) c
	WHERE c.change_pct > 0 ORDER BY c.change_pct DESC, c.member LIMIT 1;
	IF FOUND THEN
		RETURN NEXT format('%s %s grew %s%% against %s, the most of %s %s values', r.member, what,
			analytics_internal._num(r.change_pct), span, n, by);
	END IF;
	SELECT * INTO r FROM analytics.compare_metric(metric, by, from_date, to_date, against) c
	WHERE c.change_pct < 0 ORDER BY c.change_pct, c.member LIMIT 1;
	IF FOUND THEN
		RETURN NEXT format('%s %s fell %s%% against %s, the most of %s %s values', r.member, what,
			analytics_internal._num(abs(r.change_pct)), span, n, by);
	END IF;
	SELECT * INTO r FROM analytics.compare_metric(metric, by, from_date, to_date, against) c
	WHERE c.is_best ORDER BY c.member LIMIT 1;
	IF FOUND THEN
		RETURN NEXT format('%s has the highest %s: %s%s', r.member, what, analytics_internal._num(r.value),
			CASE WHEN r.share_pct IS NOT NULL THEN format(', %s%% of the total', analytics_internal._num(r.share_pct)) ELSE '' END);
	END IF;
END
$$;
COMMENT ON FUNCTION analytics.metric_insights(text, text, date, date, text) IS 'Sentences with the numbers of analytics.compare_metric: the change of the whole (by period), or the member that grew most, the one that fell most and the largest (by a dimension)';

-- A number for a sentence: at most one decimal, no trailing zeros.
CREATE FUNCTION analytics_internal._num(x float8)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN x IS NULL THEN 'n/a'
		ELSE pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.to_char(pg_catalog.round(x::numeric, 1), 'FM999999999999990.0'), '0'), '.') END
$$;
COMMENT ON FUNCTION analytics_internal._num(float8) IS 'Internal: a number as text with at most one decimal (the insights'' sentences)';

-- Daily values of several metrics side by side, the days where all have one.
CREATE FUNCTION analytics_internal._metrics_side_by_side(metrics text[], from_date date, to_date date)
RETURNS TABLE (day date, k int, value float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics;
	i int;
BEGIN
	IF metrics IS NULL OR coalesce(array_length(metrics, 1), 0) < 2 THEN
		RAISE EXCEPTION 'give at least two metrics' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF from_date IS NULL OR to_date IS NULL OR from_date > to_date OR NOT isfinite(from_date) OR NOT isfinite(to_date) THEN
		RAISE EXCEPTION 'a range of days needs finite from_date <= to_date' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR i IN 1 .. array_length(metrics, 1) LOOP
		SELECT * INTO m FROM analytics.metrics x WHERE x.name = metrics[i];
		IF m.name IS NULL THEN
			RAISE EXCEPTION 'metric "%" does not exist', metrics[i]
				USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.metrics lists them.';
		END IF;
		RETURN QUERY SELECT s.period_start, i, s.value
			FROM analytics_internal._metric_series(m, from_date, to_date, 'day', NULL) s WHERE s.value IS NOT NULL;
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics_internal._metrics_side_by_side(text[], date, date) IS 'Internal: the daily values of several metrics (k: the position in the array)';

-- Pearson correlation of each pair of metrics over the days where both have
-- a value, with its two-sided p value (the t test of r with n - 2 degrees
-- of freedom, the same as the slope's in a regression of one on the other).
CREATE FUNCTION analytics.metric_correlations(metrics text[], from_date date, to_date date)
RETURNS TABLE (metric_a text, metric_b text, r float8, n bigint, p_value float8)
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	WITH d AS MATERIALIZED (SELECT * FROM analytics_internal._metrics_side_by_side(metrics, from_date, to_date)),
	pairs AS MATERIALIZED (
		SELECT a.k AS ka, b.k AS kb, a.value AS x, b.value AS y FROM d a JOIN d b ON b.day = a.day AND b.k > a.k
	),
	stats AS (
		SELECT p.ka, p.kb, corr(p.y, p.x) AS r, count(*) AS n FROM pairs p GROUP BY p.ka, p.kb
	)
	-- the p value: the slope's in the regression of one on the other (the
	-- same t test); none for fewer than 3 days or a constant series, 0 for
	-- a perfect line
	SELECT metrics[s.ka], metrics[s.kb], s.r, s.n,
		CASE WHEN s.n > 2 AND abs(s.r) = 1 THEN 0::float8
			WHEN s.n > 2 AND s.r IS NOT NULL THEN (SELECT ((analytics.ols(p.y, ARRAY[p.x])).p_values)[2]
				FROM pairs p WHERE p.ka = s.ka AND p.kb = s.kb) END
	FROM stats s
	ORDER BY s.ka, s.kb
$$;
COMMENT ON FUNCTION analytics.metric_correlations(text[], date, date) IS 'Pearson r of each pair of metrics over their common days from from_date to to_date, with n and the two-sided p value';

-- A regression of one metric on others (analytics.ols over their common days).
CREATE FUNCTION analytics.metric_regression(target text, predictors text[], from_date date, to_date date)
RETURNS analytics.ols_fit
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	WITH d AS MATERIALIZED (SELECT * FROM analytics_internal._metrics_side_by_side(ARRAY[target] || predictors, from_date, to_date)),
	w AS (
		SELECT d.day, max(d.value) FILTER (WHERE d.k = 1) AS y,
			array_agg(d.value ORDER BY d.k) FILTER (WHERE d.k > 1) AS x, count(*) AS have
		FROM d GROUP BY d.day
	)
	SELECT analytics.ols(w.y, w.x) FROM w WHERE w.have = 1 + array_length(predictors, 1)
$$;
COMMENT ON FUNCTION analytics.metric_regression(text, text[], date, date) IS 'Least squares of one metric''s daily values on others'' (analytics.ols with an intercept) over the days all of them have a value';

-- A metric's daily anomalies: the z-score of each day against the window of
-- days before it (zscore over ROWS window PRECEDING), as event_anomalies.
CREATE FUNCTION analytics.metric_anomalies(metric text, from_date date, to_date date, "window" int DEFAULT 28,
	threshold float8 DEFAULT NULL)
RETURNS TABLE (day date, value float8, zscore float8, is_anomaly boolean)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics := analytics_internal._metric_for_prediction(metric, 0.95, NULL);
	cut float8 := coalesce(threshold, analytics.anomaly_threshold());
BEGIN
	IF "window" IS NULL OR "window" < 2 OR "window" > 365 THEN
		RAISE EXCEPTION 'window must be from 2 to 365 days, not %', coalesce("window"::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF cut IS NULL OR NOT (cut >= 0) OR cut = 'Infinity' THEN
		RAISE EXCEPTION 'threshold must be a finite number >= 0' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF from_date IS NULL OR to_date IS NULL OR from_date > to_date OR NOT isfinite(from_date) OR NOT isfinite(to_date) THEN
		RAISE EXCEPTION 'metric_anomalies needs finite from_date <= to_date' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	SELECT w.day, w.value, w.z, abs(w.z) > cut
	FROM (SELECT d.day, d.value, analytics.zscore(d.value) OVER (ORDER BY d.day ROWS BETWEEN "window" PRECEDING AND CURRENT ROW) AS z
		FROM analytics_internal._metric_daily(m, from_date - "window", to_date, NULL) d) w
	WHERE w.day >= from_date
	ORDER BY 1;
END
$$;
COMMENT ON FUNCTION analytics.metric_anomalies(text, date, date, int, float8) IS 'A metric''s days from from_date to to_date with the z-score of each against the window (default 28) days before it and whether |z| > threshold (default analytics.anomaly_threshold)';

REVOKE ALL ON FUNCTION analytics.compare_metric(text, text, date, date, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.metric_insights(text, text, date, date, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.metric_correlations(text[], date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.metric_regression(text, text[], date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.metric_anomalies(text, date, date, int, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.compare_metric(text, text, date, date, text),
	analytics.metric_insights(text, text, date, date, text), analytics.metric_correlations(text[], date, date),
	analytics.metric_regression(text, text[], date, date), analytics.metric_anomalies(text, date, date, int, float8)
	TO analytics_reader, analytics_admin;
