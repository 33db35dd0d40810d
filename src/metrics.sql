
-- src/metrics.sql: the metric catalog. A metric names a daily series (a
-- measure of a materialized aggregate, or a query for a day range) and how
-- a period's value is formed from the days (sum, ratio, average, last);
-- analytics.metric_values gives it per day, ISO week, month, quarter or
-- year. Goals, predictions and comparisons (issue 15) build on it.

-- The built-in materialized aggregate activity_days: per UTC day, the
-- distinct users and sessions and the events of all event names (the daily
-- active users and sessions of the catalog below).
SELECT analytics_internal._matagg_builtin('activity_days', 'analytics.events', 'occurred_at', '1 day', '{}',
	ARRAY['pg_catalog.count(DISTINCT user_id) AS users', 'pg_catalog.count(DISTINCT session_id) AS sessions',
		'pg_catalog.count(*) AS events']);

-- A metric's query, run as its owner (C, src/metrics.c).
CREATE FUNCTION analytics_internal._metric_rows(role oid, sql text, from_date date, to_date date,
	value_columns int, with_dimension boolean)
RETURNS TABLE (day date, a float8, b float8, dimension text)
AS 'MODULE_PATHNAME', 'metric_rows'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION analytics_internal._metric_rows(oid, text, date, date, int, boolean) IS 'Internal: runs a metric''s daily query for the days from_date to to_date, read-only, as the given role (restricted operation, search_path pinned), after checking its columns: (day date, value or numerator float8[, denominator float8][, dimension text])';
REVOKE ALL ON FUNCTION analytics_internal._metric_rows(oid, text, date, date, int, boolean) FROM PUBLIC;

CREATE TABLE analytics.metrics (
	name text PRIMARY KEY,
	description text NOT NULL,
	unit text,
	aggregation text NOT NULL CHECK (aggregation OPERATOR(pg_catalog.=) ANY (ARRAY['sum', 'ratio', 'average', 'last'])),
	scale float8 NOT NULL DEFAULT 1,
	aggregate text,
	measure text,
	numerator text,
	denominator text,
	dimension text,
	filters jsonb NOT NULL DEFAULT '{}',
	query text,
	owner oid NOT NULL,
	builtin boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL,
	CHECK ((aggregate IS NULL) OPERATOR(pg_catalog.<>) (query IS NULL))
);
COMMENT ON TABLE analytics.metrics IS 'The metric catalog: each metric''s daily series (a measure of a materialized aggregate, or a query) and how a period''s value is formed from its days; read with analytics.metric_values';
COMMENT ON COLUMN analytics.metrics.name IS 'Name (lower-case letters, digits, underscores)';
COMMENT ON COLUMN analytics.metrics.description IS 'What it measures, in words';
COMMENT ON COLUMN analytics.metrics.unit IS 'Unit of its values (currency, %, s, users, ...)';
COMMENT ON COLUMN analytics.metrics.aggregation IS 'A period''s value from its days: sum (of the daily values); ratio or average (scale x sum of numerators / sum of denominators, never an average of daily ratios; an average without a denominator is the mean over the days with a value); last (the value of the period''s last day with one)';
COMMENT ON COLUMN analytics.metrics.scale IS 'Factor of a ratio or average (100 for a percentage), 1 otherwise';
COMMENT ON COLUMN analytics.metrics.aggregate IS 'The materialized aggregate it reads (its _live view), or NULL for a query';
COMMENT ON COLUMN analytics.metrics.measure IS 'The aggregate''s column summed (sum) or taken (last)';
COMMENT ON COLUMN analytics.metrics.numerator IS 'The aggregate''s column summed as the numerator (ratio, average)';
COMMENT ON COLUMN analytics.metrics.denominator IS 'The aggregate''s column summed as the denominator (ratio, average); NULL for an average over days';
COMMENT ON COLUMN analytics.metrics.dimension IS 'The dimension of its values: a dimension column of the aggregate, or the name of a query''s last column; NULL when it has none';
COMMENT ON COLUMN analytics.metrics.filters IS 'Dimension columns of the aggregate and the value each must have (as text), {} for none';
COMMENT ON COLUMN analytics.metrics.query IS 'A query returning the metric''s daily rows for the days $1 to $2 (dates): (day date, value float8[, dimension text]), or (day date, numerator float8, denominator float8[, dimension text]) for a ratio or an average; NULL when it reads an aggregate';
COMMENT ON COLUMN analytics.metrics.owner IS 'OID of the role that defined it: its query runs as that role';
COMMENT ON COLUMN analytics.metrics.builtin IS 'True for the metrics the extension ships (made by CREATE EXTENSION, not dumped)';
COMMENT ON COLUMN analytics.metrics.created_at IS 'When it was defined';
SELECT pg_catalog.pg_extension_config_dump('analytics.metrics', 'WHERE NOT builtin');

-- The daily query of a metric: the query given, or a read of the
-- aggregate's _live view for the days $1 to $2.
CREATE FUNCTION analytics_internal._metric_sql(m analytics.metrics)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(m.query, pg_catalog.format(
		'SELECT m.day, (m.%s)::pg_catalog.float8%s%s FROM analytics.%I m WHERE m.day >= $1 AND m.day <= $2%s',
		pg_catalog.quote_ident(COALESCE(m.measure, m.numerator)),
		CASE WHEN m.aggregation IN ('sum', 'last') THEN ''
			WHEN m.denominator IS NULL THEN ', 1::pg_catalog.float8'
			ELSE pg_catalog.format(', (m.%I)::pg_catalog.float8', m.denominator) END,
		CASE WHEN m.dimension IS NULL THEN '' ELSE pg_catalog.format(', (m.%I)::text', m.dimension) END,
		m.aggregate || '_live',
		(SELECT pg_catalog.string_agg(pg_catalog.format(' AND (m.%I)::text = %L', f.key, f.value), '' ORDER BY f.key)
		 FROM pg_catalog.jsonb_each_text(m.filters) f)))
$$;
COMMENT ON FUNCTION analytics_internal._metric_sql(analytics.metrics) IS 'Internal: the SQL of a metric''s daily rows for the days $1 to $2';

CREATE FUNCTION analytics.create_metric(name text, aggregation text, aggregate text DEFAULT NULL,
	measure text DEFAULT NULL, numerator text DEFAULT NULL, denominator text DEFAULT NULL,
	dimension text DEFAULT NULL, filters jsonb DEFAULT '{}', query text DEFAULT NULL, scale float8 DEFAULT 1,
	description text DEFAULT NULL, unit text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics;
	agg analytics_internal.materialized_aggregates;
	dims text[];
	col text;
	f record;
	caller oid := analytics_internal._matagg_caller();
BEGIN
	IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
		RAISE EXCEPTION 'invalid metric name "%"', name
			USING ERRCODE = 'invalid_name',
				DETAIL = 'A name is 1 to 63 characters: lower-case letters, digits and underscores, starting with a letter.';
	END IF;
	IF EXISTS (SELECT FROM analytics.metrics x WHERE x.name = create_metric.name) THEN
		RAISE EXCEPTION 'metric "%" already exists', name
			USING ERRCODE = 'duplicate_object', HINT = 'analytics.drop_metric(name) drops it.';
	END IF;
	IF aggregation IS NULL OR aggregation NOT IN ('sum', 'ratio', 'average', 'last') THEN
		RAISE EXCEPTION 'invalid aggregation "%"', aggregation
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Use sum, ratio (numerator / denominator), average (the same, or the mean over days without a denominator) or last.';
	END IF;
	IF scale IS NULL OR scale = 0 OR scale = 'NaN' OR scale IN ('Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'scale must be a finite number other than 0, not %', coalesce(scale::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF (aggregate IS NULL) = (query IS NULL) THEN
		RAISE EXCEPTION 'a metric reads either a materialized aggregate or a query'
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Give aggregate => with measure => (or numerator => and denominator =>), or query =>.';
	END IF;
	IF aggregation IN ('sum', 'last') AND (numerator IS NOT NULL OR denominator IS NOT NULL)
		OR aggregation IN ('ratio', 'average') AND measure IS NOT NULL THEN
		RAISE EXCEPTION 'a % metric takes %', aggregation,
			CASE WHEN aggregation IN ('sum', 'last') THEN 'a measure, not a numerator or denominator'
				ELSE 'a numerator and a denominator, not a measure' END
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF aggregate IS NOT NULL THEN
		agg := analytics_internal._matagg_get(aggregate);
		dims := agg.column_names[1:coalesce(array_length(agg.dimensions, 1), 0)];
		IF aggregation IN ('sum', 'last') AND measure IS NULL OR aggregation = 'ratio' AND (numerator IS NULL OR denominator IS NULL)
			OR aggregation = 'average' AND numerator IS NULL THEN
			RAISE EXCEPTION 'a % metric of a materialized aggregate needs %', aggregation,
				CASE WHEN aggregation IN ('sum', 'last') THEN 'measure =>' WHEN aggregation = 'ratio' THEN 'numerator => and denominator =>'
					ELSE 'numerator => (and denominator => for a weighted average)' END
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		FOREACH col IN ARRAY ARRAY[measure, numerator, denominator] LOOP
			IF col IS NOT NULL AND NOT col = ANY (agg.column_names[coalesce(array_length(agg.dimensions, 1), 0) + 1:]) THEN
				RAISE EXCEPTION 'column "%" of materialized aggregate "%" does not exist', col, agg.name
					USING ERRCODE = 'undefined_column',
						DETAIL = format('Its measures are %s.', array_to_string(agg.column_names[coalesce(array_length(agg.dimensions, 1), 0) + 1:], ', '));
			END IF;
		END LOOP;
		IF filters IS NULL OR jsonb_typeof(filters) <> 'object' THEN
			RAISE EXCEPTION 'filters must be a JSON object of dimension columns and values'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		FOR f IN SELECT x.key FROM jsonb_each(filters) x
			UNION ALL SELECT dimension WHERE dimension IS NOT NULL LOOP
			IF NOT f.key = ANY (dims) THEN
				RAISE EXCEPTION 'dimension "%" of materialized aggregate "%" does not exist', f.key, agg.name
					USING ERRCODE = 'undefined_column',
						DETAIL = format('Its dimensions are %s.', coalesce(nullif(array_to_string(dims, ', '), ''), 'none'));
			END IF;
		END LOOP;
		IF NOT has_table_privilege(caller, format('analytics.%I', agg.name || '_live'), 'SELECT') THEN
			RAISE EXCEPTION 'permission denied for view analytics.%', agg.name || '_live'
				USING ERRCODE = 'insufficient_privilege';
		END IF;
	ELSIF measure IS NOT NULL OR numerator IS NOT NULL OR denominator IS NOT NULL OR filters <> '{}' THEN
		RAISE EXCEPTION 'a metric defined by a query takes no measure, numerator, denominator or filters'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The query returns the daily values itself.';
	END IF;
	m := ROW(name, coalesce(description, name), unit, aggregation, scale, aggregate, measure, numerator, denominator,
		dimension, coalesce(filters, '{}'), query, caller, false, analytics_internal._now())::analytics.metrics;
	-- the definition runs once, on an empty range: a wrong column or type
	-- is an error naming it
	PERFORM analytics_internal._metric_rows(caller, analytics_internal._metric_sql(m), '2000-01-02', '2000-01-01',
		CASE WHEN aggregation IN ('sum', 'last') THEN 1 ELSE 2 END, dimension IS NOT NULL);
	INSERT INTO analytics.metrics SELECT m.*;
END
$$;
COMMENT ON FUNCTION analytics.create_metric(text, text, text, text, text, text, text, jsonb, text, float8, text, text) IS 'Adds a metric to the catalog: a measure (or numerator and denominator) of a materialized aggregate, with optional dimension filters, or a query for the days $1 to $2; checked by running it on an empty range';

CREATE FUNCTION analytics.drop_metric(name text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	m analytics.metrics;
BEGIN
	SELECT * INTO m FROM analytics.metrics x WHERE x.name = drop_metric.name;
	IF m.name IS NULL THEN
		RAISE EXCEPTION 'metric "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
	IF m.builtin THEN
		RAISE EXCEPTION 'cannot drop metric "%" because extension analytics requires it', name
			USING ERRCODE = 'dependent_objects_still_exist';
	END IF;
	IF NOT pg_has_role(analytics_internal._matagg_caller(), m.owner, 'USAGE') THEN
		RAISE EXCEPTION 'must be a member of role "%" to drop metric "%"', pg_get_userbyid(m.owner), name
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	DELETE FROM analytics.metrics x WHERE x.name = m.name;
END
$$;
COMMENT ON FUNCTION analytics.drop_metric(text) IS 'Removes a metric of the catalog (not one the extension ships)';

-- The first day of the period of a day.
CREATE FUNCTION analytics_internal._period_start(day date, grain text)
RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE grain WHEN 'day' THEN day
		ELSE (pg_catalog.date_trunc(grain, day::timestamp))::date END
$$;
COMMENT ON FUNCTION analytics_internal._period_start(date, text) IS 'Internal: the first day of the day, ISO week (Monday), month, quarter or year of a day';

-- A metric's values per period: the rows of its daily query for the days
-- from_date to to_date, the members of each day added up (member NULL) or
-- kept apart ('*', or one member), then each period's value from its days.
-- grain 'all' makes the whole range one period (the goals' current value).
CREATE FUNCTION analytics_internal._metric_series(m analytics.metrics, from_date date, to_date date, grain text,
	member text)
RETURNS TABLE (period_start date, dimension text, value float8)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	WITH raw AS (
		SELECT r.day, r.a, r.b, r.dimension AS mem
		FROM analytics_internal._metric_rows(m.owner, analytics_internal._metric_sql(m), from_date, to_date,
			CASE WHEN m.aggregation IN ('sum', 'last') THEN 1 ELSE 2 END, m.dimension IS NOT NULL) r
		WHERE r.day >= from_date AND r.day <= to_date
			AND (_metric_series.member IS NULL OR _metric_series.member = '*' OR r.dimension = _metric_series.member)
	),
	daily AS (
		SELECT x.day, CASE WHEN _metric_series.member IS NULL THEN NULL ELSE x.mem END AS mem,
			sum(x.a) AS a, sum(x.b) AS b
		FROM raw x
		GROUP BY 1, 2
	)
	SELECT CASE WHEN grain = 'all' THEN from_date ELSE analytics_internal._period_start(d.day, grain) END, d.mem,
		CASE m.aggregation
			WHEN 'sum' THEN sum(d.a)
			WHEN 'last' THEN (array_agg(d.a ORDER BY d.day DESC))[1]
			ELSE m.scale * sum(d.a) / nullif(sum(d.b), 0) END
	FROM daily d
	GROUP BY 1, 2
	ORDER BY 1, 2
$$;
COMMENT ON FUNCTION analytics_internal._metric_series(analytics.metrics, date, date, text, text) IS 'Internal: a metric''s values per period (grain day, week, month, quarter, year, or all: the range as one period), its rows run as its owner';

CREATE FUNCTION analytics.metric_values(metric text, from_date date, to_date date, grain text DEFAULT 'day',
	member text DEFAULT NULL)
RETURNS TABLE (period_start date, dimension text, value float8)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
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
	IF from_date IS NULL OR to_date IS NULL OR from_date > to_date OR NOT isfinite(from_date) OR NOT isfinite(to_date) THEN
		RAISE EXCEPTION 'metric_values needs finite from_date <= to_date, not % and %',
			coalesce(from_date::text, 'NULL'), coalesce(to_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF grain IS NULL OR grain NOT IN ('day', 'week', 'month', 'quarter', 'year') THEN
		RAISE EXCEPTION 'invalid grain "%"', grain
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use day, week (ISO, from Monday), month, quarter or year.';
	END IF;
	IF member IS NOT NULL AND m.dimension IS NULL THEN
		RAISE EXCEPTION 'metric "%" has no dimension', m.name
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Leave the fifth argument, member, NULL.';
	END IF;
	RETURN QUERY SELECT * FROM analytics_internal._metric_series(m, from_date, to_date, grain, member);
END
$$;
COMMENT ON FUNCTION analytics.metric_values(text, date, date, text, text) IS 'A metric per day, ISO week, month, quarter or year from from_date to to_date (UTC days): (period_start, dimension, value); member (the fifth argument) NULL adds up the members of the dimension each day, ''*'' gives every member, a value that member alone';

-- The metrics the dashboards use (README, Metrics, gives each definition).
CREATE FUNCTION analytics_internal._metric_builtin(name text, aggregation text, description text, unit text,
	aggregate text DEFAULT NULL, measure text DEFAULT NULL, numerator text DEFAULT NULL,
	denominator text DEFAULT NULL, dimension text DEFAULT NULL, query text DEFAULT NULL, scale float8 DEFAULT 1)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT analytics.create_metric(name, aggregation, aggregate, measure, numerator, denominator, dimension, '{}',
		query, scale, description, unit);
	UPDATE analytics.metrics m SET builtin = true WHERE m.name = _metric_builtin.name;
$$;
COMMENT ON FUNCTION analytics_internal._metric_builtin(text, text, text, text, text, text, text, text, text, text, float8) IS 'Install script only: adds one of the metrics the extension ships';
REVOKE ALL ON FUNCTION analytics_internal._metric_builtin(text, text, text, text, text, text, text, text, text, text, float8) FROM PUBLIC;

SELECT analytics_internal._metric_builtin('revenue', 'sum', 'Completed sales revenue (sum of total_amount of completed order lines)', 'currency',
	'sales_days', measure => 'revenue');
SELECT analytics_internal._metric_builtin('transactions', 'sum', 'Orders with a completed line (distinct order_id per day)', 'orders',
	'sales_days', measure => 'orders');
SELECT analytics_internal._metric_builtin('average_transaction_value', 'average', 'Revenue / orders over the period', 'currency',
	'sales_days', numerator => 'revenue', denominator => 'orders');
SELECT analytics_internal._metric_builtin('new_customers', 'sum', 'Customers whose first completed purchase is that day (customer_first_purchase)', 'customers',
	query => 'SELECT p.first_day, pg_catalog.count(*)::pg_catalog.float8 FROM analytics.customer_first_purchase p WHERE p.first_day >= $1 AND p.first_day <= $2 GROUP BY p.first_day');
SELECT analytics_internal._metric_builtin('units_sold', 'sum', 'Units of completed order lines (sum of quantity)', 'units',
	'sales_days', measure => 'units');
SELECT analytics_internal._metric_builtin('profit', 'sum', 'Revenue - cost of the completed lines, per product, over the product-days whose lines all have a cost', 'currency',
	'metrics_products', measure => 'profit', dimension => 'product_key');
SELECT analytics_internal._metric_builtin('payment_failure_rate', 'ratio', '100 x failed payments / payments over the period', '%',
	'payment_days', numerator => 'failed_payments', denominator => 'payments', scale => 100);
SELECT analytics_internal._metric_builtin('average_processing_time', 'average', 'Processing seconds / payments with a processing time, over the period', 's',
	'payment_days', numerator => 'processing_seconds', denominator => 'timed_payments');
SELECT analytics_internal._metric_builtin('daily_active_users', 'average', 'Distinct users with an event that UTC day; over a period, the mean over its days with events', 'users',
	'activity_days', numerator => 'users');
SELECT analytics_internal._metric_builtin('sessions', 'sum', 'Distinct sessions with an event that UTC day (a session across midnight counts on both days)', 'sessions',
	'activity_days', measure => 'sessions');
SELECT analytics_internal._metric_builtin('events', 'sum', 'Events, per event name (dimension: event_name)', 'events',
	'event_days', measure => 'events', dimension => 'event_name');
SELECT analytics_internal._metric_builtin('screen_time_seconds', 'sum', 'Seconds of screen time, per screen (screen_time_by_day: each day''s events of each session)', 's',
	query => 'SELECT d.day, r.seconds, r.screen FROM analytics.screen_time_days_live d, analytics.screen_time_rows(d.st) r WHERE d.day >= $1 AND d.day <= $2',
	dimension => 'screen');
SELECT analytics_internal._metric_builtin('import_funnel_completion_rate', 'ratio', '100 x completed / started schedule_import_step events over the period, per method', '%',
	'import_funnel_days', numerator => 'completed', denominator => 'started', dimension => 'method', scale => 100);

REVOKE ALL ON FUNCTION analytics.create_metric(text, text, text, text, text, text, text, jsonb, text, float8, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.drop_metric(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.metric_values(text, date, date, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.create_metric(text, text, text, text, text, text, text, jsonb, text, float8, text, text) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.drop_metric(text) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.metric_values(text, date, date, text, text) TO analytics_reader, analytics_admin;
GRANT SELECT ON analytics.metrics TO analytics_reader, analytics_admin;
