
-- src/reports.sql: chart data (Vega-Lite) and reports from templates. A
-- template is a title and an ordered list of sections (text, table, chart,
-- KPI tiles, goals); analytics.generate_report builds a report for a period
-- as a JSON document (README, Reports, documents it) and renders it in the
-- format asked for; the file is kept in analytics.reports.
--
-- Queries of tables and charts run as the role that owns the template
-- (read-only, restricted operation, search_path pinned: C, src/reports.c),
-- as a view's query runs as the view's owner; chart_data's as its caller.

CREATE FUNCTION analytics_internal._report_rows(role oid, sql text, from_date date, to_date date, max_rows int)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'report_rows'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION analytics_internal._report_rows(oid, text, date, date, int) IS 'Internal: runs a report query for the days $1 to $2, read-only, as the given role; returns {"columns": [{"name", "type"}], "rows": [[...]], "truncated"} with typed JSON values';
REVOKE ALL ON FUNCTION analytics_internal._report_rows(oid, text, date, date, int) FROM PUBLIC;

-- ---------- chart data ----------

-- A relation named schema-qualified (never through pg_temp), and a column of
-- it with its type.
CREATE FUNCTION analytics_internal._chart_relation(source text)
RETURNS oid
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	parts text[];
	rel oid;
BEGIN
	BEGIN
		parts := parse_ident(coalesce(source, ''));
	EXCEPTION WHEN invalid_parameter_value THEN
		parts := NULL;
	END;
	IF parts IS NULL OR array_length(parts, 1) <> 2 OR parts[1] LIKE 'pg\_temp%' THEN
		RAISE EXCEPTION 'invalid chart source "%"', source
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Name a table or view with its schema, as in analytics.kpi_daily.';
	END IF;
	SELECT c.oid INTO rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = parts[1] AND c.relname = parts[2] AND c.relkind IN ('r', 'v', 'm', 'p', 'f');
	IF rel IS NULL THEN
		RAISE EXCEPTION 'relation "%" does not exist', source USING ERRCODE = 'undefined_table';
	END IF;
	RETURN rel;
END
$$;
COMMENT ON FUNCTION analytics_internal._chart_relation(text) IS 'Internal: the table or view a chart reads, named schema.name (not in pg_temp)';

CREATE FUNCTION analytics_internal._chart_column(rel oid, col text)
RETURNS regtype
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t regtype;
BEGIN
	SELECT a.atttypid::regtype INTO t FROM pg_attribute a
	WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
	IF t IS NULL THEN
		RAISE EXCEPTION 'column "%" does not exist in %', col, rel::regclass USING ERRCODE = 'undefined_column';
	END IF;
	RETURN t;
END
$$;
COMMENT ON FUNCTION analytics_internal._chart_column(oid, text) IS 'Internal: the type of a column of a chart''s relation; an error naming it when it is missing';

-- The spec of a chart (see analytics.chart_data), its query run as role.
CREATE FUNCTION analytics_internal._chart_spec(kind text, source text, x text, y text[], series text, bucket text,
	from_date date, to_date date, role oid, title text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	rel oid := analytics_internal._chart_relation(source);
	xtype regtype;
	ytype regtype;
	temporal boolean;
	xexpr text;
	sexpr text := 'NULL::text';
	measures text;
	filter text := '';
	col text;
	sql text;
	rows jsonb;
	vals jsonb;
	multi boolean;
	ylabel text;
	spec jsonb;
	mark text;
BEGIN
	IF kind IS NULL OR kind NOT IN ('line', 'bar', 'pie', 'area', 'heatmap') THEN
		RAISE EXCEPTION 'invalid chart kind "%"', kind
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use line, bar, pie, area or heatmap.';
	END IF;
	IF x IS NULL THEN
		RAISE EXCEPTION 'a chart needs an x column' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	y := coalesce(y, '{}');
	IF kind IN ('pie', 'heatmap') AND (cardinality(y) > 1 OR series IS NOT NULL) THEN
		RAISE EXCEPTION 'a % chart shows one measure', kind
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Give at most one y column and no series.';
	END IF;
	xtype := analytics_internal._chart_column(rel, x);
	temporal := xtype IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype);
	IF bucket IS NOT NULL AND bucket NOT IN ('hour', 'day', 'week', 'month', 'quarter', 'year') THEN
		RAISE EXCEPTION 'invalid bucket "%"', bucket
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use hour, day, week (ISO), month, quarter or year.';
	END IF;
	IF (bucket IS NOT NULL OR kind = 'heatmap') AND NOT temporal THEN
		RAISE EXCEPTION 'column "%" is of type %, not a date or a time', x, xtype
			USING ERRCODE = 'datatype_mismatch',
				DETAIL = CASE WHEN kind = 'heatmap' THEN 'A heatmap places x by day of week and hour.'
					ELSE 'Only dates and times are bucketed.' END;
	END IF;
	IF kind = 'heatmap' AND xtype = 'date'::regtype THEN
		RAISE EXCEPTION 'column "%" is a date: a heatmap needs times', x
			USING ERRCODE = 'datatype_mismatch', DETAIL = 'A heatmap places x by day of week and hour.';
	END IF;
	IF bucket = 'hour' AND xtype = 'date'::regtype THEN
		RAISE EXCEPTION 'column "%" is a date: it has no hours', x USING ERRCODE = 'datatype_mismatch';
	END IF;
	-- x, in UTC for times
	xexpr := CASE WHEN xtype = 'timestamptz'::regtype THEN format('pg_catalog.timezone(''UTC'', t.%I)', x)
		WHEN xtype = 'date'::regtype AND bucket IS NOT NULL THEN format('(t.%I)::pg_catalog.timestamp', x)
		ELSE format('t.%I', x) END;
	IF kind = 'heatmap' THEN
		xexpr := format('(pg_catalog.date_part(''isodow'', %s))::int, (pg_catalog.date_part(''hour'', %s))::int', xexpr, xexpr);
	ELSIF bucket = 'hour' THEN
		xexpr := format('pg_catalog.date_trunc(''hour'', %s)', xexpr);
	ELSIF bucket IS NOT NULL THEN
		xexpr := format('(pg_catalog.date_trunc(%L, %s))::date', bucket, xexpr);
	ELSIF xtype = 'timestamptz'::regtype THEN
		xexpr := xexpr;
	ELSIF NOT temporal THEN
		xexpr := format('(t.%I)::text', x);
	END IF;
	IF series IS NOT NULL THEN
		PERFORM analytics_internal._chart_column(rel, series);
		sexpr := format('(t.%I)::text', series);
	END IF;
	-- the measures: each y summed, or the rows counted
	IF cardinality(y) = 0 THEN
		measures := '(''rows'', 1::pg_catalog.numeric)';
		ylabel := 'rows';
	ELSE
		FOREACH col IN ARRAY y LOOP
			ytype := analytics_internal._chart_column(rel, col);
			IF ytype NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype, 'real'::regtype,
				'double precision'::regtype, 'numeric'::regtype) THEN
				RAISE EXCEPTION 'column "%" is of type %, not a number', col, ytype USING ERRCODE = 'datatype_mismatch';
			END IF;
		END LOOP;
		SELECT string_agg(format('(%L, (t.%I)::pg_catalog.numeric)', c, c), ', ' ORDER BY o) INTO measures
		FROM unnest(y) WITH ORDINALITY u(c, o);
		ylabel := array_to_string(y, ', ');
	END IF;
	-- the period: on x when it is a date or a time, else on a day column
	IF from_date IS NOT NULL OR to_date IS NOT NULL THEN
		col := CASE WHEN temporal THEN x
			WHEN EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = 'day' AND a.attnum > 0
				AND NOT a.attisdropped AND a.atttypid = 'date'::regtype) THEN 'day'
			WHEN EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = rel AND a.attname = 'month' AND a.attnum > 0
				AND NOT a.attisdropped AND a.atttypid = 'date'::regtype) THEN 'month' END;
		IF col = 'month' AND NOT temporal THEN
			-- a monthly view: the months that overlap the period
			filter := ' WHERE ($1 IS NULL OR t.month >= (pg_catalog.date_trunc(''month'', $1::pg_catalog.timestamp))::date)'
				' AND ($2 IS NULL OR t.month <= $2)';
		ELSIF col IS NOT NULL THEN
			IF analytics_internal._chart_column(rel, col) = 'timestamptz'::regtype THEN
				filter := format(' WHERE ($1 IS NULL OR t.%1$I >= pg_catalog.timezone(''UTC'', $1::pg_catalog.timestamp))'
					' AND ($2 IS NULL OR t.%1$I < pg_catalog.timezone(''UTC'', ($2 + 1)::pg_catalog.timestamp))', col);
			ELSE
				filter := format(' WHERE ($1 IS NULL OR t.%1$I >= $1) AND ($2 IS NULL OR t.%1$I < $2 + 1)', col);
			END IF;
		END IF;
	END IF;
	sql := format('SELECT %s, %s AS series, m.measure, pg_catalog.sum(m.value) AS value FROM %s t'
		' CROSS JOIN LATERAL (VALUES %s) m(measure, value)%s GROUP BY %s ORDER BY %s',
		xexpr, sexpr, rel::regclass, measures, filter,
		CASE WHEN kind = 'heatmap' THEN '1, 2, 3, 4' ELSE '1, 2, 3' END,
		CASE WHEN kind = 'heatmap' THEN '1, 2, 3, 4' ELSE '1, 2, 3' END);
	rows := analytics_internal._report_rows(role, sql, coalesce(from_date, '-infinity'), coalesce(to_date, 'infinity'),
		100000) -> 'rows';
	multi := series IS NOT NULL OR cardinality(y) > 1;
	IF kind = 'heatmap' THEN
		SELECT coalesce(jsonb_agg(jsonb_build_object(
				'dow', (ARRAY['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])[(r ->> 0)::int],
				'dow_number', (r ->> 0)::int, 'hour', (r ->> 1)::int, 'value', r -> 4) ORDER BY o), '[]')
		INTO vals FROM jsonb_array_elements(rows) WITH ORDINALITY e(r, o);
	ELSE
		SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('x', r -> 0,
				'series', CASE WHEN NOT multi THEN NULL
					WHEN series IS NOT NULL AND cardinality(y) > 1 THEN to_jsonb((r ->> 1) || ' ' || (r ->> 2))
					WHEN series IS NOT NULL THEN r -> 1
					ELSE r -> 2 END,
				'value', r -> 3,
				'percent', CASE WHEN kind = 'pie' THEN
					to_jsonb(100 * (r ->> 3)::float8 / nullif(total, 0)) END))
				|| jsonb_build_object('value', r -> 3) ORDER BY o), '[]')
		INTO vals
		FROM (SELECT e.r, e.o, sum((e.r ->> 3)::float8) OVER () AS total
			FROM jsonb_array_elements(rows) WITH ORDINALITY e(r, o)) e;
	END IF;
	mark := CASE kind WHEN 'pie' THEN 'arc' WHEN 'heatmap' THEN 'rect' ELSE kind END;
	spec := jsonb_build_object(
		'$schema', 'https://vega.github.io/schema/vega-lite/v5.json',
		'title', coalesce(title, ylabel || ' by ' || x),
		'data', jsonb_build_object('values', vals),
		'mark', jsonb_build_object('type', mark, 'tooltip', true) || CASE WHEN kind = 'line' THEN '{"point": true}'::jsonb ELSE '{}'::jsonb END,
		'usermeta', jsonb_build_object('analytics', jsonb_strip_nulls(jsonb_build_object('kind', kind,
			'source', rel::regclass::text, 'x', x, 'x_type', CASE WHEN temporal THEN 'temporal' ELSE 'nominal' END,
			'y', to_jsonb(y), 'series', series, 'bucket', bucket, 'from', from_date, 'to', to_date, 'y_title', ylabel))));
	IF kind = 'pie' THEN
		spec := spec || jsonb_build_object('encoding', jsonb_build_object(
			'theta', jsonb_build_object('field', 'value', 'type', 'quantitative', 'title', ylabel),
			'color', jsonb_build_object('field', 'x', 'type', 'nominal', 'title', x),
			'tooltip', jsonb_build_array(jsonb_build_object('field', 'x', 'type', 'nominal', 'title', x),
				jsonb_build_object('field', 'value', 'type', 'quantitative', 'title', ylabel),
				jsonb_build_object('field', 'percent', 'type', 'quantitative', 'title', '%', 'format', '.1f'))));
	ELSIF kind = 'heatmap' THEN
		spec := spec || jsonb_build_object('encoding', jsonb_build_object(
			'x', jsonb_build_object('field', 'hour', 'type', 'ordinal', 'title', 'hour (UTC)'),
			'y', jsonb_build_object('field', 'dow', 'type', 'ordinal', 'title', 'day of week',
				'sort', jsonb_build_array('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')),
			'color', jsonb_build_object('field', 'value', 'type', 'quantitative', 'title', ylabel)));
	ELSE
		spec := spec || jsonb_build_object('encoding', jsonb_build_object(
			'x', jsonb_build_object('field', 'x', 'type', CASE WHEN temporal THEN 'temporal' ELSE 'nominal' END,
				'title', x) || CASE WHEN NOT temporal THEN '{"sort": null}'::jsonb ELSE '{}'::jsonb END,
			'y', jsonb_build_object('field', 'value', 'type', 'quantitative', 'title', ylabel))
			|| CASE WHEN multi THEN jsonb_build_object('color', jsonb_build_object('field', 'series', 'type', 'nominal',
				'title', coalesce(series, 'measure'))) ELSE '{}'::jsonb END
			|| CASE WHEN multi AND kind = 'bar' THEN jsonb_build_object('xOffset', jsonb_build_object('field', 'series'))
				ELSE '{}'::jsonb END);
	END IF;
	RETURN spec;
END
$$;
COMMENT ON FUNCTION analytics_internal._chart_spec(text, text, text, text[], text, text, date, date, oid, text) IS 'Internal: the Vega-Lite specification of a chart of a relation, its query run as the given role';

CREATE FUNCTION analytics.chart_data(kind text, source text, x text, y text[], series text DEFAULT NULL,
	bucket text DEFAULT NULL, from_date date DEFAULT NULL, to_date date DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF from_date IS NOT NULL AND to_date IS NOT NULL AND from_date > to_date THEN
		RAISE EXCEPTION 'from_date % is after to_date %', from_date, to_date USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN analytics_internal._chart_spec(kind, source, x, y, series, bucket, from_date, to_date,
		analytics_internal._matagg_caller());
END
$$;
COMMENT ON FUNCTION analytics.chart_data(text, text, text, text[], text, text, date, date) IS 'A chart (line, bar, pie, area or heatmap) of a table or view as a Vega-Lite v5 specification with its data inline: each y column summed per x (bucketed by hour, day, week, month, quarter or year when given) and series, the rows counted when y is empty; pie data carry percentages, a heatmap places x by day of week and hour (UTC); from_date and to_date filter x when it is a date or time, else the relation''s day column, else its month column (the months that overlap them); read as the caller';

-- ---------- templates ----------

CREATE TABLE analytics.report_templates (
	name text PRIMARY KEY,
	title text NOT NULL,
	description text,
	sections jsonb NOT NULL,
	owner oid NOT NULL,
	builtin boolean NOT NULL DEFAULT false,
	created_at timestamptz NOT NULL
);
COMMENT ON TABLE analytics.report_templates IS 'Report templates: a title and an ordered list of sections (text, table, chart, kpis, goals; README, Reports); their queries run as the owner';
COMMENT ON COLUMN analytics.report_templates.name IS 'Name (lower-case letters, digits, underscores)';
COMMENT ON COLUMN analytics.report_templates.title IS 'Title printed on the report';
COMMENT ON COLUMN analytics.report_templates.description IS 'What it is for';
COMMENT ON COLUMN analytics.report_templates.sections IS 'The sections, in order: a JSON array of objects with a kind (text, table, chart, kpis, goals) and its fields (README, Reports)';
COMMENT ON COLUMN analytics.report_templates.owner IS 'OID of the role that defined it: its queries run as that role';
COMMENT ON COLUMN analytics.report_templates.builtin IS 'True for the templates the extension ships (made by CREATE EXTENSION, not dumped)';
COMMENT ON COLUMN analytics.report_templates.created_at IS 'When it was defined';
SELECT pg_catalog.pg_extension_config_dump('analytics.report_templates', 'WHERE NOT builtin');

-- The sections of a template, checked: kinds, fields, queries (run on an
-- empty range), chart columns, metrics.
CREATE FUNCTION analytics_internal._report_check_sections(sections jsonb, role oid)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s jsonb;
	i int := 0;
	k text;
	m text;
	names text[] := '{}';
BEGIN
	IF sections IS NULL OR jsonb_typeof(sections) <> 'array' OR jsonb_array_length(sections) = 0 THEN
		RAISE EXCEPTION 'a template''s sections must be a non-empty JSON array'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR s IN SELECT e FROM jsonb_array_elements(sections) e LOOP
		i := i + 1;
		IF jsonb_typeof(s) <> 'object' THEN
			RAISE EXCEPTION 'section % is not a JSON object', i USING ERRCODE = 'invalid_parameter_value';
		END IF;
		k := s ->> 'kind';
		IF k IS NULL OR k NOT IN ('text', 'table', 'chart', 'kpis', 'goals') THEN
			RAISE EXCEPTION 'section % has an invalid kind "%"', i, coalesce(k, 'NULL')
				USING ERRCODE = 'invalid_parameter_value', HINT = 'Use text, table, chart, kpis or goals.';
		END IF;
		IF s ? 'name' THEN
			IF (s ->> 'name') = ANY (names) THEN
				RAISE EXCEPTION 'two sections are named "%"', s ->> 'name' USING ERRCODE = 'invalid_parameter_value';
			END IF;
			names := names || (s ->> 'name');
		END IF;
		IF s ? 'lookback_days' AND NOT (jsonb_typeof(s -> 'lookback_days') = 'number'
			AND (s ->> 'lookback_days')::numeric BETWEEN 1 AND 3660 AND (s ->> 'lookback_days')::numeric % 1 = 0) THEN
			RAISE EXCEPTION 'section %: lookback_days must be a whole number of days from 1 to 3660', i
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF k = 'text' AND jsonb_typeof(s -> 'text') IS DISTINCT FROM 'string' THEN
			RAISE EXCEPTION 'section % (text) needs a "text" string', i USING ERRCODE = 'invalid_parameter_value';
		ELSIF k = 'table' THEN
			IF jsonb_typeof(s -> 'query') IS DISTINCT FROM 'string' THEN
				RAISE EXCEPTION 'section % (table) needs a "query" string', i
					USING ERRCODE = 'invalid_parameter_value', HINT = 'A SELECT that may read the period''s days as $1 and $2.';
			END IF;
			IF s ? 'columns' AND jsonb_typeof(s -> 'columns') <> 'object' THEN
				RAISE EXCEPTION 'section % (table): "columns" must map column names to {"label", "format"}', i
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			PERFORM analytics_internal._report_rows(role, s ->> 'query', '2000-01-02', '2000-01-01', 1);
		ELSIF k = 'chart' THEN
			IF jsonb_typeof(s -> 'y') IS NOT NULL AND jsonb_typeof(s -> 'y') <> 'array' THEN
				RAISE EXCEPTION 'section % (chart): "y" must be an array of column names', i
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			PERFORM analytics_internal._chart_spec(s ->> 'chart', s ->> 'source', s ->> 'x',
				ARRAY(SELECT jsonb_array_elements_text(coalesce(s -> 'y', '[]'))), s ->> 'series', s ->> 'bucket',
				'2000-01-02', '2000-01-01', role);
		ELSIF k = 'kpis' THEN
			IF jsonb_typeof(s -> 'metrics') IS DISTINCT FROM 'array' OR jsonb_array_length(s -> 'metrics') = 0 THEN
				RAISE EXCEPTION 'section % (kpis) needs a "metrics" array', i USING ERRCODE = 'invalid_parameter_value';
			END IF;
			FOR m IN SELECT jsonb_array_elements_text(s -> 'metrics') LOOP
				IF NOT EXISTS (SELECT FROM analytics.metrics x WHERE x.name = m) THEN
					RAISE EXCEPTION 'metric "%" does not exist', m
						USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.metrics lists them.';
				END IF;
			END LOOP;
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics_internal._report_check_sections(jsonb, oid) IS 'Internal: checks a template''s sections (kinds, fields, queries and charts run on an empty range as the role, metrics)';

CREATE FUNCTION analytics.create_report_template(name text, title text, sections jsonb, description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	caller oid := analytics_internal._matagg_caller();
BEGIN
	IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
		RAISE EXCEPTION 'invalid template name "%"', name
			USING ERRCODE = 'invalid_name',
				DETAIL = 'A name is 1 to 63 characters: lower-case letters, digits and underscores, starting with a letter.';
	END IF;
	IF title IS NULL OR title = '' THEN
		RAISE EXCEPTION 'a template needs a title' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF EXISTS (SELECT FROM analytics.report_templates t WHERE t.name = create_report_template.name) THEN
		RAISE EXCEPTION 'template "%" already exists', name USING ERRCODE = 'duplicate_object';
	END IF;
	PERFORM analytics_internal._report_check_sections(sections, caller);
	INSERT INTO analytics.report_templates (name, title, description, sections, owner, created_at)
	VALUES (name, title, description, sections, caller, analytics_internal._now());
END
$$;
COMMENT ON FUNCTION analytics.create_report_template(text, text, jsonb, text) IS 'Adds a report template: a title and its sections (README, Reports), checked by running its queries on an empty range; they run as the calling role';

CREATE FUNCTION analytics.drop_report_template(name text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t analytics.report_templates;
BEGIN
	SELECT * INTO t FROM analytics.report_templates x WHERE x.name = drop_report_template.name;
	IF t.name IS NULL THEN
		RAISE EXCEPTION 'template "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
	IF t.builtin THEN
		RAISE EXCEPTION 'template "%" ships with the extension', name USING ERRCODE = 'object_in_use';
	END IF;
	IF NOT pg_has_role(analytics_internal._matagg_caller(), t.owner, 'USAGE') THEN
		RAISE EXCEPTION 'must be a member of role "%" to drop template "%"', pg_get_userbyid(t.owner), name
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	DELETE FROM analytics.report_templates x WHERE x.name = t.name;
END
$$;
COMMENT ON FUNCTION analytics.drop_report_template(text) IS 'Removes a report template (not one the extension ships); its reports stay';

-- ---------- reports ----------

CREATE TABLE analytics.reports (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL,
	template text NOT NULL,
	report_type text NOT NULL
		CHECK (report_type OPERATOR(pg_catalog.=) ANY (ARRAY['daily', 'weekly', 'monthly', 'annual', 'custom'])),
	format text NOT NULL CHECK (format OPERATOR(pg_catalog.=) ANY (ARRAY['pdf', 'xlsx', 'csv', 'json', 'html'])),
	status text NOT NULL
		CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['pending', 'generating', 'completed', 'failed'])),
	parameters jsonb NOT NULL DEFAULT '{}',
	period_from date NOT NULL,
	period_to date NOT NULL,
	generated_at timestamptz,
	scheduled boolean NOT NULL DEFAULT false,
	schedule_config jsonb,
	email_recipients text[] NOT NULL DEFAULT '{}',
	created_by text NOT NULL,
	created_at timestamptz NOT NULL,
	error text,
	file bytea,
	media_type text,
	file_size bigint,
	sha256 text,
	CHECK ((status OPERATOR(pg_catalog.=) 'completed') OPERATOR(pg_catalog.=) (file IS NOT NULL))
);
COMMENT ON TABLE analytics.reports IS 'Generated reports: what was asked (template, type, format, parameters, period), their status, and the file itself (a dump keeps it); analytics.report_file returns it';
COMMENT ON COLUMN analytics.reports.id IS 'Report id';
COMMENT ON COLUMN analytics.reports.name IS 'Name (the template''s title and the period when not given)';
COMMENT ON COLUMN analytics.reports.template IS 'The template it was made from';
COMMENT ON COLUMN analytics.reports.report_type IS 'daily (yesterday), weekly (the last ISO week), monthly (the last month), annual (the last year), custom (from and to in parameters); UTC';
COMMENT ON COLUMN analytics.reports.format IS 'pdf, xlsx, csv, json or html';
COMMENT ON COLUMN analytics.reports.status IS 'pending, generating, completed or failed';
COMMENT ON COLUMN analytics.reports.parameters IS 'Parameters given: from and to (custom), section (the table of a CSV)';
COMMENT ON COLUMN analytics.reports.period_from IS 'First UTC day reported';
COMMENT ON COLUMN analytics.reports.period_to IS 'Last UTC day reported';
COMMENT ON COLUMN analytics.reports.generated_at IS 'When it was generated';
COMMENT ON COLUMN analytics.reports.scheduled IS 'Whether a scheduled job made it';
COMMENT ON COLUMN analytics.reports.schedule_config IS 'The schedule that made it (name, schedule, recipients), NULL when made by hand';
COMMENT ON COLUMN analytics.reports.email_recipients IS 'Addresses it is sent to';
COMMENT ON COLUMN analytics.reports.created_by IS 'Role that asked for it';
COMMENT ON COLUMN analytics.reports.created_at IS 'When it was asked for';
COMMENT ON COLUMN analytics.reports.error IS 'Why it failed (status failed)';
COMMENT ON COLUMN analytics.reports.file IS 'The file (status completed); NULL otherwise';
COMMENT ON COLUMN analytics.reports.media_type IS 'The file''s media type (application/pdf, ...)';
COMMENT ON COLUMN analytics.reports.file_size IS 'The file''s size in bytes';
COMMENT ON COLUMN analytics.reports.sha256 IS 'SHA-256 of the file, in hex';
SELECT pg_catalog.pg_extension_config_dump('analytics.reports', '');

-- The period of a report type for the UTC day today (see reports.report_type).
CREATE FUNCTION analytics_internal._report_period(report_type text, parameters jsonb, today date,
	OUT from_date date, OUT to_date date)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	CASE report_type
		WHEN 'daily' THEN
			from_date := today - 1;
			to_date := today - 1;
		WHEN 'weekly' THEN
			to_date := (date_trunc('week', today::timestamp))::date - 1;
			from_date := to_date - 6;
		WHEN 'monthly' THEN
			from_date := (date_trunc('month', today::timestamp) - interval '1 month')::date;
			to_date := (date_trunc('month', today::timestamp))::date - 1;
		WHEN 'annual' THEN
			from_date := (date_trunc('year', today::timestamp) - interval '1 year')::date;
			to_date := (date_trunc('year', today::timestamp))::date - 1;
		WHEN 'custom' THEN
			BEGIN
				from_date := (parameters ->> 'from')::date;
				to_date := (parameters ->> 'to')::date;
			EXCEPTION WHEN invalid_datetime_format OR datetime_field_overflow THEN
				RAISE EXCEPTION 'invalid custom period: from "%" to "%"', parameters ->> 'from', parameters ->> 'to'
					USING ERRCODE = 'invalid_parameter_value', HINT = 'Give dates as YYYY-MM-DD.';
			END;
			IF from_date IS NULL OR to_date IS NULL OR from_date > to_date OR NOT isfinite(from_date)
				OR NOT isfinite(to_date) THEN
				RAISE EXCEPTION 'a custom report needs parameters "from" <= "to" (finite dates)'
					USING ERRCODE = 'invalid_parameter_value',
						HINT = 'For example parameters => ''{"from": "2026-01-01", "to": "2026-03-31"}''.';
			END IF;
		ELSE
			RAISE EXCEPTION 'invalid report type "%"', report_type
				USING ERRCODE = 'invalid_parameter_value', HINT = 'Use daily, weekly, monthly, annual or custom.';
	END CASE;
END
$$;
COMMENT ON FUNCTION analytics_internal._report_period(text, jsonb, date) IS 'Internal: the first and last UTC day of a report of a type (daily: yesterday; weekly: the last ISO week; monthly: the last month; annual: the last year; custom: parameters from and to)';

-- The document of a report (README, Reports): its metadata, then each
-- section with typed values.
CREATE FUNCTION analytics_internal._report_document(t analytics.report_templates, r analytics.reports)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s jsonb;
	out jsonb := '[]';
	sec jsonb;
	f date;
	d jsonb;
	cols jsonb;
	m analytics.metrics;
	tiles jsonb;
	len int;
	pf date;
	cur float8;
	prev float8;
BEGIN
	FOR s IN SELECT e FROM jsonb_array_elements(t.sections) e LOOP
		-- a section's days: the period, or the lookback_days ending with it
		f := CASE WHEN s ? 'lookback_days' THEN r.period_to - (s ->> 'lookback_days')::int + 1 ELSE r.period_from END;
		sec := jsonb_strip_nulls(jsonb_build_object('kind', s ->> 'kind', 'name', s -> 'name', 'title', s -> 'title',
			'from', f, 'to', r.period_to));
		CASE s ->> 'kind'
			WHEN 'text' THEN
				sec := sec || jsonb_build_object('text', replace(replace(replace(s ->> 'text', '{from}', f::text),
					'{to}', r.period_to::text), '{title}', t.title));
			WHEN 'table' THEN
				d := analytics_internal._report_rows(t.owner, s ->> 'query', f, r.period_to,
					coalesce((s ->> 'max_rows')::int, 10000));
				SELECT jsonb_agg(c || jsonb_strip_nulls(jsonb_build_object(
						'label', coalesce(s -> 'columns' -> (c ->> 'name') -> 'label', c -> 'name'),
						'format', s -> 'columns' -> (c ->> 'name') -> 'format')) ORDER BY o)
				INTO cols FROM jsonb_array_elements(d -> 'columns') WITH ORDINALITY x(c, o);
				sec := sec || jsonb_build_object('columns', coalesce(cols, '[]'), 'rows', d -> 'rows',
					'truncated', d -> 'truncated', 'main', coalesce(s -> 'main', 'false'));
			WHEN 'chart' THEN
				sec := sec || jsonb_build_object('chart', s ->> 'chart', 'spec',
					analytics_internal._chart_spec(s ->> 'chart', s ->> 'source', s ->> 'x',
						ARRAY(SELECT jsonb_array_elements_text(coalesce(s -> 'y', '[]'))), s ->> 'series', s ->> 'bucket',
						f, r.period_to, t.owner, s ->> 'title'));
			WHEN 'kpis' THEN
				-- each metric over the days, against the as many days before
				len := r.period_to - f + 1;
				-- the period before: the month, year, ... before; as many days
				-- before for a custom period or a lookback
				pf := CASE WHEN s ? 'lookback_days' OR r.report_type NOT IN ('monthly', 'annual') THEN f - len
					WHEN r.report_type = 'monthly' THEN (f - interval '1 month')::date
					ELSE (f - interval '1 year')::date END;
				tiles := '[]';
				FOR m IN SELECT x.* FROM jsonb_array_elements_text(s -> 'metrics') WITH ORDINALITY e(name, o)
					JOIN analytics.metrics x ON x.name = e.name ORDER BY e.o
				LOOP
					cur := (SELECT v.value FROM analytics_internal._metric_series(m, f, r.period_to, 'all', NULL) v);
					prev := (SELECT v.value FROM analytics_internal._metric_series(m, pf, f - 1, 'all', NULL) v);
					IF m.aggregation = 'sum' THEN
						cur := coalesce(cur, 0);
						prev := coalesce(prev, 0);
					END IF;
					tiles := tiles || jsonb_build_array(jsonb_build_object('metric', m.name, 'label', m.description,
						'unit', m.unit, 'value', cur, 'previous_value', prev, 'change', cur - prev,
						'change_pct', CASE WHEN prev <> 0 THEN 100 * (cur - prev) / abs(prev) END,
						'previous_from', pf, 'previous_to', f - 1));
				END LOOP;
				sec := sec || jsonb_build_object('tiles', tiles);
			WHEN 'goals' THEN
				d := analytics_internal._report_rows(t.owner,
					'SELECT g.name, g.metric, g.status, g.start_date, g.end_date, g.target_value, g.current_value,'
					' g.progress_percentage, g.forecast_value, g.on_track, g.projected_completion_date'
					' FROM analytics.goal_progress g WHERE g.start_date <= $2 AND (g.end_date >= $1 OR g.status = ''active'')'
					' ORDER BY g.end_date, g.name', f, r.period_to, 10000);
				SELECT jsonb_agg(c || jsonb_build_object('label', initcap(replace(c ->> 'name', '_', ' ')))
						|| CASE WHEN c ->> 'type' = 'number' THEN '{"format": "#,##0.00"}'::jsonb ELSE '{}'::jsonb END ORDER BY o)
				INTO cols FROM jsonb_array_elements(d -> 'columns') WITH ORDINALITY x(c, o);
				sec := sec || jsonb_build_object('columns', cols, 'rows', d -> 'rows', 'truncated', d -> 'truncated',
					'main', false);
		END CASE;
		out := out || jsonb_build_array(sec);
	END LOOP;
	RETURN jsonb_build_object('report', jsonb_build_object('id', r.id, 'name', r.name, 'template', t.name,
			'title', t.title, 'report_type', r.report_type, 'format', r.format,
			'period', jsonb_build_object('from', r.period_from, 'to', r.period_to),
			'generated_at', to_char(timezone('UTC', r.generated_at), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
			'parameters', r.parameters),
		'sections', out);
END
$$;
COMMENT ON FUNCTION analytics_internal._report_document(analytics.report_templates, analytics.reports) IS 'Internal: the JSON document of a report: metadata, then each section of its template with typed values for its period';

-- A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
CREATE FUNCTION analytics_internal._csv_field(v jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE WHEN v IS NULL OR jsonb_typeof(v) = 'null' THEN ''
		WHEN jsonb_typeof(v) = 'string' THEN
			CASE WHEN (v #>> '{}') ~ '[,"\r\n]' THEN '"' || replace(v #>> '{}', '"', '""') || '"' ELSE v #>> '{}' END
		WHEN jsonb_typeof(v) IN ('object', 'array') THEN '"' || replace(v::text, '"', '""') || '"'
		ELSE v #>> '{}' END
$$;
COMMENT ON FUNCTION analytics_internal._csv_field(jsonb) IS 'Internal: a JSON value as an RFC 4180 CSV field';

-- The CSV of a report: one table, the section named by parameters.section,
-- else the one marked main, else the first table.
CREATE FUNCTION analytics_internal._report_csv(doc jsonb, section text)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sec jsonb;
BEGIN
	IF section IS NOT NULL THEN
		SELECT e INTO sec FROM jsonb_array_elements(doc -> 'sections') e
		WHERE e ? 'columns' AND (e ->> 'name' = section OR e ->> 'title' = section) LIMIT 1;
		IF sec IS NULL THEN
			RAISE EXCEPTION 'the report has no table section "%"', section
				USING ERRCODE = 'invalid_parameter_value', HINT = 'Name a table section of the template (its name or title).';
		END IF;
	ELSE
		SELECT e INTO sec FROM jsonb_array_elements(doc -> 'sections') WITH ORDINALITY x(e, o)
		WHERE e ? 'columns' ORDER BY (e ->> 'main')::boolean IS TRUE DESC, o LIMIT 1;
		IF sec IS NULL THEN
			RAISE EXCEPTION 'template "%" has no table for a CSV', doc -> 'report' ->> 'template'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;
	RETURN convert_to(
		(SELECT string_agg(analytics_internal._csv_field(c -> 'label'), ',' ORDER BY o)
		 FROM jsonb_array_elements(sec -> 'columns') WITH ORDINALITY x(c, o)) || E'\r\n' ||
		coalesce((SELECT string_agg((SELECT string_agg(analytics_internal._csv_field(v), ',' ORDER BY vo)
				FROM jsonb_array_elements(r) WITH ORDINALITY y(v, vo)) || E'\r\n', '' ORDER BY ro)
			FROM jsonb_array_elements(sec -> 'rows') WITH ORDINALITY z(r, ro)), ''),
		'UTF8');
END
$$;
COMMENT ON FUNCTION analytics_internal._report_csv(jsonb, text) IS 'Internal: one table of a report document as RFC 4180 CSV (UTF-8, header row, CRLF)';

-- The file of a report document in a format, and its media type.
CREATE FUNCTION analytics_internal._report_render_file(doc jsonb, format text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'report_render'
LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION analytics_internal._report_render_file(jsonb, text) IS 'Internal: a report document drawn as a PDF (cairo), an HTML page with SVG charts or an Excel workbook (libxlsxwriter)';

CREATE FUNCTION analytics_internal._report_render(doc jsonb, format text, OUT file bytea, OUT media_type text)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	CASE format
		WHEN 'json' THEN
			file := convert_to(jsonb_pretty(doc) || E'\n', 'UTF8');
			media_type := 'application/json';
		WHEN 'csv' THEN
			file := analytics_internal._report_csv(doc, doc -> 'report' -> 'parameters' ->> 'section');
			media_type := 'text/csv; charset=utf-8';
		WHEN 'pdf' THEN
			file := analytics_internal._report_render_file(doc, 'pdf');
			media_type := 'application/pdf';
		WHEN 'html' THEN
			file := analytics_internal._report_render_file(doc, 'html');
			media_type := 'text/html; charset=utf-8';
		WHEN 'xlsx' THEN
			file := analytics_internal._report_render_file(doc, 'xlsx');
			media_type := 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
	END CASE;
END
$$;
COMMENT ON FUNCTION analytics_internal._report_render(jsonb, text) IS 'Internal: a report document as a file in a format (json, csv, html, pdf, xlsx), with its media type';

CREATE FUNCTION analytics_internal._report_retention()
RETURNS int
AS 'MODULE_PATHNAME', 'report_retention'
LANGUAGE C STABLE;
COMMENT ON FUNCTION analytics_internal._report_retention() IS 'Internal: the setting analytics.report_retention, in seconds';

CREATE FUNCTION analytics_internal._report_prune()
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	WITH gone AS (
		DELETE FROM analytics.reports r
		WHERE analytics_internal._report_retention() OPERATOR(pg_catalog.>) 0
			AND r.created_at OPERATOR(pg_catalog.<) (analytics_internal._now()
				OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => analytics_internal._report_retention()))
		RETURNING 1
	)
	SELECT pg_catalog.count(*) FROM gone
$$;
COMMENT ON FUNCTION analytics_internal._report_prune() IS 'Internal: deletes the reports (and their files) made longer ago than analytics.report_retention';

CREATE FUNCTION analytics_internal._report_generate(template text, report_type text, format text, parameters jsonb,
	name text, scheduled boolean, schedule_config jsonb, recipients text[], caller oid)
RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t analytics.report_templates;
	r analytics.reports;
	p record;
	doc jsonb;
	f record;
	msg text;
	detail text;
BEGIN
	SELECT * INTO t FROM analytics.report_templates x WHERE x.name = _report_generate.template;
	IF t.name IS NULL THEN
		RAISE EXCEPTION 'template "%" does not exist', template
			USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.report_templates lists them.';
	END IF;
	IF format IS NULL OR format NOT IN ('pdf', 'xlsx', 'csv', 'json', 'html') THEN
		RAISE EXCEPTION 'invalid report format "%"', format
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use pdf, xlsx, csv, json or html.';
	END IF;
	parameters := coalesce(parameters, '{}');
	IF jsonb_typeof(parameters) <> 'object' THEN
		RAISE EXCEPTION 'report parameters must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	p := analytics_internal._report_period(report_type, parameters, (timezone('UTC', analytics_internal._now()))::date);
	r.id := gen_random_uuid();
	r.name := coalesce(name, t.title || ', ' || CASE WHEN p.from_date = p.to_date THEN p.from_date::text
		ELSE p.from_date || ' to ' || p.to_date END);
	r.template := t.name;
	r.report_type := report_type;
	r.format := format;
	r.status := 'generating';
	r.parameters := parameters;
	r.period_from := p.from_date;
	r.period_to := p.to_date;
	r.scheduled := scheduled;
	r.schedule_config := schedule_config;
	r.email_recipients := coalesce(recipients, '{}');
	r.created_by := pg_get_userbyid(caller);
	r.created_at := analytics_internal._now();
	r.generated_at := r.created_at;
	-- a failure records failed and why, and no file: the rendering is
	-- undone with its subtransaction
	BEGIN
		doc := analytics_internal._report_document(t, r);
		f := analytics_internal._report_render(doc, format);
		r.file := f.file;
		r.media_type := f.media_type;
		r.file_size := length(f.file);
		r.sha256 := encode(sha256(f.file), 'hex');
		r.status := 'completed';
	EXCEPTION WHEN query_canceled OR admin_shutdown THEN
		RAISE;
	WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
		r.status := 'failed';
		r.error := msg || CASE WHEN detail <> '' THEN ' (' || detail || ')' ELSE '' END;
		r.file := NULL;
		RAISE WARNING 'report "%" failed: %', r.name, r.error;
	END;
	INSERT INTO analytics.reports SELECT r.*;
	PERFORM analytics_internal._report_prune();
	RETURN r.id;
END
$$;
COMMENT ON FUNCTION analytics_internal._report_generate(text, text, text, jsonb, text, boolean, jsonb, text[], oid) IS 'Internal: generates a report (see analytics.generate_report) and records it, completed with its file or failed with the error';

CREATE FUNCTION analytics.generate_report(template text, report_type text, format text, parameters jsonb DEFAULT '{}',
	name text DEFAULT NULL)
RETURNS uuid
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT analytics_internal._report_generate(template, report_type, format, parameters, name, false, NULL, NULL,
		analytics_internal._matagg_caller())
$$;
COMMENT ON FUNCTION analytics.generate_report(text, text, text, jsonb, text) IS 'Generates a report from a template for a period (report_type daily: yesterday; weekly: the last ISO week; monthly: the last month; annual: the last year; custom: parameters from and to; UTC) in a format (pdf, xlsx, csv, json, html); returns its id (analytics.reports; a failure is recorded as failed with its error)';

CREATE FUNCTION analytics.report_file(id uuid)
RETURNS bytea
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
BEGIN
	SELECT x.name, x.status, x.file, x.error INTO r FROM analytics.reports x WHERE x.id = report_file.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'report % does not exist', coalesce(id::text, 'NULL') USING ERRCODE = 'undefined_object';
	END IF;
	IF r.status <> 'completed' THEN
		RAISE EXCEPTION 'report "%" has no file: it is %', r.name, r.status
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = coalesce('It failed: ' || r.error || '.', NULL);
	END IF;
	RETURN r.file;
END
$$;
COMMENT ON FUNCTION analytics.report_file(uuid) IS 'The file of a completed report (bytea)';

-- The templates the extension ships (README, Reports, shows them).
CREATE FUNCTION analytics_internal._report_template_builtin(name text, title text, description text, sections jsonb)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	INSERT INTO analytics.report_templates (name, title, description, sections, owner, builtin, created_at)
	VALUES (name, title, description, sections, (SELECT u.oid FROM pg_catalog.pg_roles u WHERE u.rolname OPERATOR(pg_catalog.=) 'analytics_reader'),
		true, '2026-12-01 00:00:00+00')
$$;
COMMENT ON FUNCTION analytics_internal._report_template_builtin(text, text, text, jsonb) IS 'Install script only: adds one of the templates the extension ships (their queries run as analytics_reader)';
REVOKE ALL ON FUNCTION analytics_internal._report_template_builtin(text, text, text, jsonb) FROM PUBLIC;

SELECT analytics_internal._report_template_builtin('daily_kpi_summary', 'Daily KPI summary',
	'Revenue, transactions, average transaction value and payment failure rate of the period against the period before, and the last 7 days with their 7-day moving averages',
	$j$[
	{"kind": "text", "text": "KPIs of {from} to {to} (UTC days), against the period before."},
	{"kind": "kpis", "title": "Key figures", "metrics": ["revenue", "transactions", "average_transaction_value", "payment_failure_rate"]},
	{"kind": "table", "name": "last_7_days", "title": "The last 7 days", "main": true, "lookback_days": 7,
	 "query": "SELECT k.day, k.revenue, k.orders AS transactions, k.avg_order_value, k.revenue_7d_avg, p.failure_rate, p.failure_rate_7d FROM analytics.kpi_daily k LEFT JOIN analytics.payment_kpis_daily p ON p.day = k.day WHERE k.day BETWEEN $1 AND $2 ORDER BY k.day",
	 "columns": {"day": {"label": "Day", "format": "yyyy-mm-dd"}, "revenue": {"label": "Revenue", "format": "#,##0.00"},
		"transactions": {"label": "Transactions", "format": "#,##0"}, "avg_order_value": {"label": "Average value", "format": "#,##0.00"},
		"revenue_7d_avg": {"label": "Revenue, 7-day average", "format": "#,##0.00"}, "failure_rate": {"label": "Failure rate %", "format": "0.00"},
		"failure_rate_7d": {"label": "Failure rate %, 7 days", "format": "0.00"}}},
	{"kind": "chart", "title": "Revenue, last 28 days", "chart": "line", "source": "analytics.kpi_daily", "x": "day",
	 "y": ["revenue", "revenue_7d_avg"], "lookback_days": 28}
	]$j$);

SELECT analytics_internal._report_template_builtin('monthly_sales', 'Monthly sales report',
	'The warehouse''s KPI questions for the months of the period: totals and growth, top products, categories, payment methods, regions, segments, product margins, discounts, customer value and payment health',
	$j$[
	{"kind": "text", "text": "Sales of {from} to {to} (UTC), from the warehouse's KPI views."},
	{"kind": "kpis", "title": "Key figures", "metrics": ["revenue", "transactions", "average_transaction_value", "new_customers", "profit"]},
	{"kind": "table", "name": "months", "title": "1. Revenue and growth by month", "main": true,
	 "query": "SELECT m.month, m.revenue, m.orders, m.customers, m.new_customers, m.avg_order_value, m.gross_profit, m.profit_margin_pct, m.mom_growth_pct FROM analytics.sales_monthly m WHERE m.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 ORDER BY m.month",
	 "columns": {"month": {"label": "Month", "format": "yyyy-mm"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}, "orders": {"label": "Orders", "format": "#,##0"},
		"customers": {"label": "Customers", "format": "#,##0"}, "new_customers": {"label": "New customers", "format": "#,##0"},
		"avg_order_value": {"label": "Average order", "format": "#,##0.00"}, "gross_profit": {"label": "Gross profit", "format": "#,##0.00"},
		"profit_margin_pct": {"label": "Margin %", "format": "0.00"}, "mom_growth_pct": {"label": "Growth %", "format": "0.00"}}},
	{"kind": "chart", "title": "Daily revenue", "chart": "line", "source": "analytics.kpi_daily", "x": "day", "y": ["revenue"]},
	{"kind": "table", "name": "top_products", "title": "2. Top 10 products by revenue",
	 "query": "SELECT p.product_name, p.category, sum(p.revenue) AS revenue, sum(p.units) AS units FROM analytics.top_products p WHERE p.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT 10",
	 "columns": {"product_name": {"label": "Product"}, "category": {"label": "Category"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}, "units": {"label": "Units", "format": "#,##0"}}},
	{"kind": "table", "name": "categories", "title": "3. Categories",
	 "query": "SELECT c.category, sum(c.revenue) AS revenue, sum(c.gross_profit) AS gross_profit, round(100 * sum(c.gross_profit) / nullif(sum(c.revenue), 0), 2) AS margin_pct FROM analytics.category_sales c WHERE c.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 GROUP BY 1 ORDER BY 2 DESC",
	 "columns": {"category": {"label": "Category"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}, "gross_profit": {"label": "Gross profit", "format": "#,##0.00"}, "margin_pct": {"label": "Margin %", "format": "0.00"}}},
	{"kind": "chart", "title": "Revenue by category", "chart": "bar", "source": "analytics.category_sales", "x": "category", "y": ["revenue"]},
	{"kind": "table", "name": "payment_methods", "title": "4. Payment methods",
	 "query": "SELECT p.payment_method, sum(p.orders) AS orders, sum(p.revenue) AS revenue FROM analytics.payment_methods p WHERE p.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 GROUP BY 1 ORDER BY 3 DESC",
	 "columns": {"payment_method": {"label": "Payment method"}, "orders": {"label": "Orders", "format": "#,##0"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}}},
	{"kind": "chart", "title": "Revenue share by payment method", "chart": "pie", "source": "analytics.payment_methods", "x": "payment_method", "y": ["revenue"]},
	{"kind": "table", "name": "regions", "title": "5. Regions",
	 "query": "SELECT g.region, sum(g.revenue) AS revenue, sum(g.orders) AS orders, sum(g.customers) AS customers FROM analytics.sales_geography g WHERE g.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 GROUP BY 1 ORDER BY 2 DESC",
	 "columns": {"region": {"label": "Region"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}, "orders": {"label": "Orders", "format": "#,##0"}, "customers": {"label": "Customers (by month)", "format": "#,##0"}}},
	{"kind": "table", "name": "segments", "title": "6. Customer segments",
	 "query": "SELECT s.segment, sum(s.customers) AS customers, sum(s.orders) AS orders, sum(s.revenue) AS revenue FROM analytics.customer_segments s WHERE s.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 GROUP BY 1 ORDER BY 4 DESC",
	 "columns": {"segment": {"label": "Segment"}, "customers": {"label": "Customers (by month)", "format": "#,##0"}, "orders": {"label": "Orders", "format": "#,##0"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}}},
	{"kind": "table", "name": "product_margins", "title": "7. Products by gross profit",
	 "query": "SELECT p.product_name, sum(p.revenue) AS revenue, sum(p.gross_profit) AS gross_profit, round(100 * sum(p.gross_profit) / nullif(sum(p.revenue), 0), 2) AS margin_pct, sum(p.returned_lines) AS returned_lines FROM analytics.product_performance p WHERE p.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 10",
	 "columns": {"product_name": {"label": "Product"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}, "gross_profit": {"label": "Gross profit", "format": "#,##0.00"}, "margin_pct": {"label": "Margin %", "format": "0.00"}, "returned_lines": {"label": "Returned lines", "format": "#,##0"}}},
	{"kind": "table", "name": "discounts", "title": "8. Discounts",
	 "query": "SELECT d.discount_band, sum(d.lines) AS lines, sum(d.discount) AS discount, sum(d.revenue) AS revenue FROM analytics.discount_analysis d WHERE d.month BETWEEN date_trunc('month', $1::timestamp)::date AND $2 GROUP BY d.discount_band, d.band_order ORDER BY d.band_order",
	 "columns": {"discount_band": {"label": "Discount band"}, "lines": {"label": "Lines", "format": "#,##0"}, "discount": {"label": "Discount", "format": "#,##0.00"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}}},
	{"kind": "table", "name": "customer_value", "title": "9. Top 10 customers by lifetime value",
	 "query": "SELECT c.customer_name, c.segment, c.orders, c.revenue, c.clv FROM analytics.customer_value c WHERE c.last_purchase >= $1 ORDER BY c.clv DESC NULLS LAST, c.customer_id LIMIT 10",
	 "columns": {"customer_name": {"label": "Customer"}, "segment": {"label": "Segment"}, "orders": {"label": "Orders", "format": "#,##0"}, "revenue": {"label": "Revenue", "format": "#,##0.00"}, "clv": {"label": "Lifetime value", "format": "#,##0.00"}}},
	{"kind": "table", "name": "payments", "title": "10. Payments by channel",
	 "query": "SELECT p.channel, sum(p.transactions) AS transactions, sum(p.failed) AS failed, round(100.0 * sum(p.failed) / nullif(sum(p.transactions), 0), 2) AS failure_rate FROM analytics.payment_kpis p WHERE p.day BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 2 DESC",
	 "columns": {"channel": {"label": "Channel"}, "transactions": {"label": "Transactions", "format": "#,##0"}, "failed": {"label": "Failed", "format": "#,##0"}, "failure_rate": {"label": "Failure rate %", "format": "0.00"}}}
	]$j$);

SELECT analytics_internal._report_template_builtin('app_usage', 'App usage report',
	'Screen time by screen, home filters, booking tags and the schedule-import funnel of the period',
	$j$[
	{"kind": "text", "text": "App usage of {from} to {to} (UTC days), from the events."},
	{"kind": "kpis", "title": "Key figures", "metrics": ["daily_active_users", "sessions", "screen_time_seconds", "import_funnel_completion_rate"]},
	{"kind": "table", "name": "screens", "title": "Screen time by screen", "main": true,
	 "query": "SELECT s.screen, sum(s.seconds) AS seconds, sum(s.views) AS views, sum(s.sessions) AS sessions FROM analytics.screen_time_by_day s WHERE s.day BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 2 DESC, 1",
	 "columns": {"screen": {"label": "Screen"}, "seconds": {"label": "Seconds", "format": "#,##0.0"}, "views": {"label": "Views", "format": "#,##0"}, "sessions": {"label": "Sessions (by day)", "format": "#,##0"}}},
	{"kind": "chart", "title": "Screen time by screen", "chart": "bar", "source": "analytics.screen_time_by_day", "x": "screen", "y": ["seconds"]},
	{"kind": "table", "name": "filters", "title": "Home filters",
	 "query": "SELECT f.filter, sum(f.uses) AS uses FROM analytics.filter_usage_daily f WHERE f.day BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 2 DESC, 1",
	 "columns": {"filter": {"label": "Filter"}, "uses": {"label": "Uses", "format": "#,##0"}}},
	{"kind": "chart", "title": "Filter uses", "chart": "pie", "source": "analytics.filter_usage_daily", "x": "filter", "y": ["uses"]},
	{"kind": "table", "name": "booking_tags", "title": "Booking tags",
	 "query": "SELECT b.tag, sum(b.bookings) AS bookings FROM analytics.booking_tags_daily b WHERE b.day BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 2 DESC, 1",
	 "columns": {"tag": {"label": "Tag"}, "bookings": {"label": "Bookings", "format": "#,##0"}}},
	{"kind": "table", "name": "import_funnel", "title": "Schedule import funnel",
	 "query": "SELECT f.method, f.step, f.step_name, sum(f.users) AS users FROM analytics.schedule_import_funnel_daily f WHERE f.day BETWEEN $1 AND $2 GROUP BY 1, 2, 3 ORDER BY 1, 2",
	 "columns": {"method": {"label": "Method"}, "step": {"label": "Step", "format": "0"}, "step_name": {"label": "Step name"}, "users": {"label": "Users", "format": "#,##0"}}},
	{"kind": "chart", "title": "Events by day of week and hour", "chart": "heatmap", "source": "analytics.events", "x": "occurred_at", "y": []}
	]$j$);

SELECT analytics_internal._report_template_builtin('goal_progress', 'Goal progress',
	'The goals active in the period or ending in it: progress, forecast and status',
	$j$[
	{"kind": "text", "text": "Goals of {from} to {to} (UTC days), as analytics.update_goals last computed them."},
	{"kind": "goals", "name": "goals", "title": "Goals"},
	{"kind": "chart", "title": "Progress of the goals (%)", "chart": "bar", "source": "analytics.goal_progress", "x": "name", "y": ["progress_percentage"]}
	]$j$);

-- Scheduling and email. A scheduled report is a job of the registry
-- (src/jobs.sql) of type report: each run generates the report of its
-- period and, when it completed, queues one delivery per recipient in the
-- outbox, analytics.report_deliveries. The job report_delivery (every
-- minute, type report) sends what is due through the mail server
-- (analytics.smtp_*), so the transaction that makes a report never waits
-- for the mail server. Each delivery is claimed (sending) in a transaction
-- of its own before its message goes out and marked sent once the server
-- has accepted it (src/jobs.c): it is sent at most once. A run stopped
-- between the two leaves it sending; the next run marks it failed (the
-- server may have accepted it), and analytics.resend_delivery queues it
-- again.
CREATE TABLE analytics.report_deliveries (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	report uuid NOT NULL REFERENCES analytics.reports ON DELETE CASCADE,
	recipient text NOT NULL,
	subject text NOT NULL,
	message text NOT NULL,
	status text NOT NULL DEFAULT 'queued'
		CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'sending', 'sent', 'failed'])),
	attempts int NOT NULL DEFAULT 0,
	next_attempt_at timestamptz,
	last_attempt_at timestamptz,
	last_error text,
	sent_at timestamptz,
	created_at timestamptz NOT NULL
);
CREATE INDEX report_deliveries_due ON analytics.report_deliveries (next_attempt_at) WHERE status OPERATOR(pg_catalog.=) 'queued';
CREATE INDEX report_deliveries_report ON analytics.report_deliveries (report);
COMMENT ON TABLE analytics.report_deliveries IS 'The outbox of report emails: one row per report and recipient, sent by analytics.deliver_reports (the report_delivery job)';
COMMENT ON COLUMN analytics.report_deliveries.id IS 'Delivery id (the message''s Message-ID names it)';
COMMENT ON COLUMN analytics.report_deliveries.report IS 'The report whose file is attached';
COMMENT ON COLUMN analytics.report_deliveries.recipient IS 'The address it is sent to';
COMMENT ON COLUMN analytics.report_deliveries.subject IS 'The message''s subject';
COMMENT ON COLUMN analytics.report_deliveries.message IS 'The message''s text';
COMMENT ON COLUMN analytics.report_deliveries.status IS 'queued (to be sent at next_attempt_at), sending (handed to the mail server), sent (the server accepted it) or failed (see last_error)';
COMMENT ON COLUMN analytics.report_deliveries.attempts IS 'Attempts made so far';
COMMENT ON COLUMN analytics.report_deliveries.next_attempt_at IS 'When it is tried next (queued)';
COMMENT ON COLUMN analytics.report_deliveries.last_attempt_at IS 'When it was last tried';
COMMENT ON COLUMN analytics.report_deliveries.last_error IS 'Why the last attempt failed';
COMMENT ON COLUMN analytics.report_deliveries.sent_at IS 'When the mail server accepted it';
COMMENT ON COLUMN analytics.report_deliveries.created_at IS 'When it was queued';
SELECT pg_catalog.pg_extension_config_dump('analytics.report_deliveries', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.report_deliveries_id_seq', '');

CREATE FUNCTION analytics_internal._report_mail_send(recipient text, subject text, body text, html text,
	filename text, media_type text, file bytea, message_id text)
RETURNS text
AS 'MODULE_PATHNAME', 'report_mail_send'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION analytics_internal._report_mail_send(text, text, text, text, text, text, bytea, text) IS 'Internal: sends one message with a report attached through analytics.smtp_server; NULL when the server accepted it, else why not';

CREATE FUNCTION analytics_internal._delivery_record(step text, delivery_id bigint, at timestamptz, error text, max_attempts int)
RETURNS boolean
AS 'MODULE_PATHNAME', 'delivery_record'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION analytics_internal._delivery_record(text, bigint, timestamptz, text, int) IS 'Internal: a step of a delivery (claim, sent, retry) committed by a background worker at once; NULL when no worker could';

-- Recipients: addresses, none with a line break, a comma or angle brackets.
CREATE FUNCTION analytics_internal._report_check_recipients(recipients text[])
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a text;
BEGIN
	IF recipients IS NULL OR cardinality(recipients) OPERATOR(pg_catalog.=) 0 THEN
		RAISE EXCEPTION 'a report must be sent to at least one recipient' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOREACH a IN ARRAY recipients LOOP
		IF a IS NULL OR a OPERATOR(pg_catalog.!~) '^[^@\s<>,;"()\[\]\\]+@[^@\s<>,;"()\[\]\\]+\.[^@\s<>,;"()\[\]\\.]+$' THEN
			RAISE EXCEPTION 'invalid email address %', coalesce('"' OPERATOR(pg_catalog.||) a OPERATOR(pg_catalog.||) '"', 'NULL')
				USING ERRCODE = 'invalid_parameter_value', DETAIL = 'An address is written as name@example.com, one per array element.';
		END IF;
	END LOOP;
	RETURN ARRAY(SELECT DISTINCT x FROM unnest(recipients) x ORDER BY 1);
END
$$;
COMMENT ON FUNCTION analytics_internal._report_check_recipients(text[]) IS 'Internal: the recipients, checked, each once; raises invalid_parameter_value on a bad address';

-- Queues a completed report's delivery to each recipient.
CREATE FUNCTION analytics_internal._report_queue(id uuid, recipients text[], subject text, message text)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
	n int;
BEGIN
	SELECT x.name, x.status, x.error, x.period_from, x.period_to INTO r FROM analytics.reports x WHERE x.id OPERATOR(pg_catalog.=) _report_queue.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'report % does not exist', coalesce(id::text, 'NULL') USING ERRCODE = 'undefined_object';
	END IF;
	IF r.status OPERATOR(pg_catalog.<>) 'completed' THEN
		RAISE EXCEPTION 'report "%" has no file: it is %', r.name, r.status
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = coalesce('It failed: ' OPERATOR(pg_catalog.||) r.error OPERATOR(pg_catalog.||) '.', NULL);
	END IF;
	subject := pg_catalog.regexp_replace(coalesce(NULLIF(subject, ''), r.name), '[\r\n]+', ' ', 'g');
	message := coalesce(NULLIF(message, ''), pg_catalog.format('The report "%s" (%s to %s, UTC) is attached.',
		r.name, r.period_from, r.period_to));
	INSERT INTO analytics.report_deliveries (report, recipient, subject, message, next_attempt_at, created_at)
	SELECT _report_queue.id, a, subject, message, analytics_internal._now(), analytics_internal._now()
	FROM unnest(analytics_internal._report_check_recipients(recipients)) a;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION analytics_internal._report_queue(uuid, text[], text, text) IS 'Internal: queues the delivery of a completed report to each recipient; their number';

CREATE FUNCTION analytics.email_report(id uuid, recipients text[], subject text DEFAULT NULL, message text DEFAULT NULL)
RETURNS int
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT analytics_internal._report_queue(id, recipients, subject, message)
$$;
COMMENT ON FUNCTION analytics.email_report(uuid, text[], text, text) IS 'Queues a completed report''s delivery by email to each recipient (subject: the report''s name when not given); the report_delivery job sends them; the number queued';

-- The file name a report is attached under: its name in ASCII letters,
-- digits, dots, dashes and underscores, and the format's extension.
CREATE FUNCTION analytics_internal._report_filename(name text, format text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT coalesce(NULLIF(pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.lower(name), '[^a-z0-9.-]+', '_', 'g'), '_.'), ''), 'report')
		OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) format
$$;
COMMENT ON FUNCTION analytics_internal._report_filename(text, text) IS 'Internal: the file name of a report''s attachment';

CREATE FUNCTION analytics.deliver_reports(max_messages int DEFAULT 100)
RETURNS int
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d record;
	err text;
	ok boolean;
	sent int := 0;
BEGIN
	IF max_messages IS NULL OR max_messages OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'max_messages must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- one sender at a time; it holds this lock until its transaction ends
	IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('analytics.report_deliveries'), 0) THEN
		RAISE NOTICE 'reports are being delivered by another session';
		RETURN 0;
	END IF;
	-- A delivery still sending belongs to a run that ended before it
	-- recorded the server's answer: the server may have accepted it.
	UPDATE analytics.report_deliveries x
	SET status = 'failed', next_attempt_at = NULL,
		last_error = 'the run sending it ended before the mail server''s answer was recorded: it may have been delivered, so it is not sent again (analytics.resend_delivery sends it again)'
	WHERE x.status OPERATOR(pg_catalog.=) 'sending';
	FOR d IN
		SELECT x.id, x.recipient, x.subject, x.message, r.id AS report_id, r.name, r.format, r.media_type, r.file
		FROM analytics.report_deliveries x JOIN analytics.reports r ON r.id OPERATOR(pg_catalog.=) x.report
		WHERE x.status OPERATOR(pg_catalog.=) 'queued' AND x.next_attempt_at OPERATOR(pg_catalog.<=) analytics_internal._now()
			AND r.status OPERATOR(pg_catalog.=) 'completed'
		ORDER BY x.next_attempt_at, x.id
		LIMIT max_messages
	LOOP
		ok := analytics_internal._delivery_record('claim', d.id, analytics_internal._job_clock(), NULL, NULL);
		IF ok IS NULL THEN
			RAISE WARNING 'report deliveries are not sent: no background worker could record them'
				USING HINT = 'Raise max_worker_processes, or call analytics.deliver_reports outside a transaction that writes analytics.report_deliveries.';
			EXIT;
		ELSIF NOT ok THEN
			-- queued by this transaction (not committed), or taken meanwhile
			CONTINUE;
		END IF;
		err := analytics_internal._report_mail_send(d.recipient, d.subject, d.message,
			CASE WHEN d.format OPERATOR(pg_catalog.=) 'html' THEN pg_catalog.convert_from(d.file, 'UTF8') END,
			analytics_internal._report_filename(d.name, d.format), d.media_type, d.file,
			pg_catalog.format('report-delivery-%s.%s@analytics', d.id, d.report_id));
		IF err IS NULL THEN
			ok := analytics_internal._delivery_record('sent', d.id, analytics_internal._job_clock(), NULL, NULL);
			sent := sent OPERATOR(pg_catalog.+) 1;
		ELSE
			ok := analytics_internal._delivery_record('retry', d.id, analytics_internal._job_clock(), err,
				pg_catalog.current_setting('analytics.report_delivery_attempts')::int);
			RAISE WARNING 'report "%" was not sent to %: %', d.name, d.recipient, err;
		END IF;
		IF ok IS NOT TRUE THEN
			RAISE WARNING 'the outcome of delivery % could not be recorded: it stays sending', d.id
				USING DETAIL = 'The next run marks it failed; the server log says why.';
		END IF;
	END LOOP;
	RETURN sent;
END
$$;
COMMENT ON FUNCTION analytics.deliver_reports(int) IS 'Sends the queued report emails that are due (at most max_messages) through analytics.smtp_server, each at most once; a refused one is retried 1, 2, 4, ... minutes later, up to analytics.report_delivery_attempts attempts; the number sent (the report_delivery job runs it every minute)';

CREATE FUNCTION analytics.resend_delivery(id bigint)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE analytics.report_deliveries x
	SET status = 'queued', attempts = 0, next_attempt_at = analytics_internal._now(), last_error = NULL
	WHERE x.id OPERATOR(pg_catalog.=) resend_delivery.id AND x.status OPERATOR(pg_catalog.=) ANY (ARRAY['failed', 'sent']);
	IF NOT FOUND THEN
		RAISE EXCEPTION 'delivery % is not failed or sent', coalesce(id::text, 'NULL')
			USING ERRCODE = 'object_not_in_prerequisite_state',
				DETAIL = 'Only a failed or sent delivery is queued again; a queued one is sent by the next run.';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics.resend_delivery(bigint) IS 'Queues a failed (or sent) delivery again, as new';

-- The report_type a schedule implies: a run on fixed days of a month and
-- year is annual, on fixed days of the month monthly, on fixed weekdays
-- weekly, else daily.
CREATE FUNCTION analytics_internal._report_schedule_type(schedule text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f text[] := pg_catalog.regexp_split_to_array(pg_catalog.btrim(schedule), '\s+');
BEGIN
	IF f[1] OPERATOR(pg_catalog.~) '^@' THEN
		RETURN CASE pg_catalog.lower(f[1]) WHEN '@daily' THEN 'daily' WHEN '@midnight' THEN 'daily'
			WHEN '@weekly' THEN 'weekly' WHEN '@monthly' THEN 'monthly' WHEN '@yearly' THEN 'annual'
			WHEN '@annually' THEN 'annual' END;
	END IF;
	IF cardinality(f) OPERATOR(pg_catalog.<>) 5 THEN
		RETURN NULL;
	END IF;
	RETURN CASE WHEN f[3] OPERATOR(pg_catalog.<>) '*' AND f[4] OPERATOR(pg_catalog.<>) '*' THEN 'annual'
		WHEN f[3] OPERATOR(pg_catalog.<>) '*' THEN 'monthly'
		WHEN f[5] OPERATOR(pg_catalog.<>) '*' THEN 'weekly'
		ELSE 'daily' END;
END
$$;
COMMENT ON FUNCTION analytics_internal._report_schedule_type(text) IS 'Internal: the report type (period) a cron schedule implies, NULL when it implies none (@hourly, @reboot)';

CREATE FUNCTION analytics.schedule_report(name text, template text, format text, schedule text,
	recipients text[] DEFAULT '{}', parameters jsonb DEFAULT '{}', subject text DEFAULT NULL, message text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
	report_type text;
	cfg jsonb;
	job bigint;
BEGIN
	IF NOT EXISTS (SELECT FROM analytics.report_templates t WHERE t.name OPERATOR(pg_catalog.=) schedule_report.template) THEN
		RAISE EXCEPTION 'template "%" does not exist', template
			USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.report_templates lists them.';
	END IF;
	IF format IS NULL OR NOT format OPERATOR(pg_catalog.=) ANY (ARRAY['pdf', 'xlsx', 'csv', 'json', 'html']) THEN
		RAISE EXCEPTION 'invalid report format %', coalesce('"' OPERATOR(pg_catalog.||) format OPERATOR(pg_catalog.||) '"', 'NULL')
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use pdf, xlsx, csv, json or html.';
	END IF;
	parameters := coalesce(parameters, '{}');
	IF pg_catalog.jsonb_typeof(parameters) OPERATOR(pg_catalog.<>) 'object' THEN
		RAISE EXCEPTION 'report parameters must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM analytics.cron_validate(schedule);
	report_type := coalesce(parameters ->> 'report_type', analytics_internal._report_schedule_type(schedule));
	IF report_type IS NULL OR NOT report_type OPERATOR(pg_catalog.=) ANY (ARRAY['daily', 'weekly', 'monthly', 'annual']) THEN
		RAISE EXCEPTION 'a scheduled report''s period must be daily, weekly, monthly or annual'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = pg_catalog.format('The schedule "%s" with report_type %s does not say which.', schedule, coalesce(parameters ->> 'report_type', 'unset')),
				HINT = 'Set it in parameters, as in ''{"report_type": "weekly"}''.';
	END IF;
	IF cardinality(recipients) OPERATOR(pg_catalog.>) 0 THEN
		recipients := analytics_internal._report_check_recipients(recipients);
	END IF;
	cfg := pg_catalog.jsonb_build_object('name', name, 'schedule', schedule, 'template', template, 'format', format, 'report_type', report_type,
		'parameters', parameters OPERATOR(pg_catalog.-) 'report_type', 'recipients', coalesce(to_jsonb(recipients), '[]'),
		'subject', subject, 'message', message);
	IF name OPERATOR(pg_catalog.=) 'report_delivery' THEN
		RAISE EXCEPTION 'job name "report_delivery" is reserved'
			USING ERRCODE = 'reserved_name', DETAIL = 'The job of that name sends the reports'' emails.';
	END IF;
	-- scheduling again under one name replaces the schedule
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) schedule_report.name;
	IF FOUND THEN
		IF j.job_type OPERATOR(pg_catalog.<>) 'report' THEN
			RAISE EXCEPTION 'job "%" exists and is not a report', name
				USING ERRCODE = 'duplicate_object', DETAIL = pg_catalog.format('It is a %s job.', j.job_type);
		END IF;
		PERFORM analytics.drop_job(name);
	END IF;
	PERFORM analytics.create_job(name, 'report', schedule, 'SELECT analytics_internal._report_scheduled()', cfg);
	SELECT x.job_id INTO job FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) schedule_report.name;
	-- the sender of every scheduled report
	IF cardinality(recipients) OPERATOR(pg_catalog.>) 0
		AND NOT EXISTS (SELECT FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) 'report_delivery') THEN
		PERFORM analytics.create_job('report_delivery', 'report', '* * * * *', 'SELECT analytics.deliver_reports()');
	END IF;
	RETURN job;
END
$$;
COMMENT ON FUNCTION analytics.schedule_report(text, text, text, text, text[], jsonb, text, text) IS 'Schedules a report as a job of analytics.jobs (type report; again under one name: replaces it): each run generates it for its period (parameters report_type, else implied by the schedule: fixed days of the month are monthly, fixed weekdays weekly, ...) and queues its email to the recipients; its job_id in analytics.jobs';

CREATE FUNCTION analytics.unschedule_report(name text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) unschedule_report.name
		AND x.job_type OPERATOR(pg_catalog.=) 'report' AND x.name OPERATOR(pg_catalog.<>) 'report_delivery') THEN
		RAISE EXCEPTION 'scheduled report "%" does not exist', name USING ERRCODE = 'undefined_object';
	END IF;
	PERFORM analytics.drop_job(name);
END
$$;
COMMENT ON FUNCTION analytics.unschedule_report(text) IS 'Removes a scheduled report (its job); its reports and deliveries stay';

-- The command of a scheduled report's job.
CREATE FUNCTION analytics_internal._report_scheduled()
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cfg jsonb := analytics.job_config();
	report_id uuid;
	recipients text[];
BEGIN
	IF cfg ->> 'template' IS NULL THEN
		RAISE EXCEPTION 'a scheduled report runs as its job''s command only' USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
	recipients := ARRAY(SELECT pg_catalog.jsonb_array_elements_text(coalesce(cfg -> 'recipients', '[]')));
	report_id := analytics_internal._report_generate(cfg ->> 'template', cfg ->> 'report_type', cfg ->> 'format',
		coalesce(cfg -> 'parameters', '{}'), NULL, true, cfg, recipients, analytics_internal._matagg_caller());
	-- a failed report is recorded, and nothing is sent
	IF cardinality(recipients) OPERATOR(pg_catalog.>) 0
		AND (SELECT r.status FROM analytics.reports r WHERE r.id OPERATOR(pg_catalog.=) report_id) OPERATOR(pg_catalog.=) 'completed' THEN
		PERFORM analytics_internal._report_queue(report_id, recipients, cfg ->> 'subject', cfg ->> 'message');
	END IF;
	RETURN report_id;
END
$$;
COMMENT ON FUNCTION analytics_internal._report_scheduled() IS 'Internal: the command of a scheduled report''s job: generates the report its config describes and queues its deliveries when it completed';

REVOKE ALL ON FUNCTION analytics_internal._chart_relation(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._chart_column(oid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._chart_spec(text, text, text, text[], text, text, date, date, oid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_check_sections(jsonb, oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_period(text, jsonb, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_document(analytics.report_templates, analytics.reports) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_render(jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_prune() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_retention() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_generate(text, text, text, jsonb, text, boolean, jsonb, text[], oid) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.chart_data(text, text, text, text[], text, text, date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.create_report_template(text, text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.drop_report_template(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.generate_report(text, text, text, jsonb, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.report_file(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.chart_data(text, text, text, text[], text, text, date, date),
	analytics.report_file(uuid) TO analytics_reader, analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.create_report_template(text, text, jsonb, text), analytics.drop_report_template(text),
	analytics.generate_report(text, text, text, jsonb, text) TO analytics_admin;
GRANT SELECT ON analytics.report_templates, analytics.reports TO analytics_reader, analytics_admin;
REVOKE ALL ON FUNCTION analytics_internal._report_mail_send(text, text, text, text, text, text, bytea, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._delivery_record(text, bigint, timestamptz, text, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_check_recipients(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_queue(uuid, text[], text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_filename(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_schedule_type(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._report_scheduled() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.email_report(uuid, text[], text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.deliver_reports(int) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.resend_delivery(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.schedule_report(text, text, text, text, text[], jsonb, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.unschedule_report(text) FROM PUBLIC;
-- schedule_report checks as its caller: what create_job and drop_job need
GRANT EXECUTE ON FUNCTION analytics.email_report(uuid, text[], text, text), analytics.deliver_reports(int),
	analytics.resend_delivery(bigint), analytics.schedule_report(text, text, text, text, text[], jsonb, text, text),
	analytics.unschedule_report(text), analytics_internal._report_schedule_type(text),
	analytics_internal._report_check_recipients(text[]), analytics_internal._report_scheduled() TO analytics_admin;
GRANT SELECT ON analytics.report_deliveries TO analytics_reader, analytics_admin;
