-- src/matagg.sql: materialized aggregates. A plain table analytics.<name>
-- holds the defining query's result per time bucket (and dimensions);
-- statement-level triggers on the source log, in the writing transaction,
-- the distinct buckets every INSERT, UPDATE and DELETE touched; a refresh
-- recomputes only those buckets; analytics.<name>_live answers exactly
-- between refreshes. The expressions of a definition run as the role that
-- defined it (as REFRESH MATERIALIZED VIEW runs as the view's owner), never
-- as the extension's owner.

-- The check of one piece of a definition (C, src/matagg.c): one
-- expression, optionally AS name; returns the column name it gives.
CREATE FUNCTION analytics_internal._matagg_expression(expr text, kind text)
RETURNS text
AS 'MODULE_PATHNAME', 'matagg_expression'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._matagg_expression(text, text) IS 'Checks that a dimension, measure or filter of a materialized aggregate is exactly one expression without subquery or window function; returns the column name it gives (AS name, or a bare column''s name), else NULL';

CREATE FUNCTION analytics_internal._matagg_caller()
RETURNS oid
AS 'MODULE_PATHNAME', 'matagg_caller'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._matagg_caller() IS 'The role the caller acts as (current_user outside every SECURITY DEFINER function, SET ROLE included)';

CREATE FUNCTION analytics_internal._matagg_run_as(role oid, sql text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'matagg_run_as'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics_internal._matagg_run_as(oid, text) IS 'Runs one statement as the given role (restricted operation, search_path pinned), as REFRESH MATERIALIZED VIEW runs as the owner; returns the rows processed';
REVOKE ALL ON FUNCTION analytics_internal._matagg_run_as(oid, text) FROM PUBLIC;

-- The definitions (user data: dumped).
CREATE TABLE analytics_internal.materialized_aggregates (
	name text PRIMARY KEY,
	source regclass NOT NULL,
	time_column text NOT NULL,
	bucket interval NOT NULL,
	dimensions text[] NOT NULL,
	measures text[] NOT NULL,
	filter text,
	column_names text[] NOT NULL,
	definer oid NOT NULL,
	created_at timestamptz NOT NULL,
	needs_full_refresh boolean NOT NULL DEFAULT false,
	row_count bigint DEFAULT 0,
	refresh_count bigint NOT NULL DEFAULT 0,
	last_refresh_at timestamptz,
	last_refresh_seconds float8,
	last_refresh_buckets bigint,
	builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE analytics_internal.materialized_aggregates IS 'Definitions and refresh state of the materialized aggregates (read them through analytics.materialized_aggregates)';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.name IS 'Name: the table analytics.<name> and the view analytics.<name>_live';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.source IS 'The table aggregated';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.time_column IS 'The source''s column whose UTC time puts a row in a bucket';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.bucket IS 'Width of a bucket: a fixed interval (buckets start at 2000-01-03 00:00 UTC, a Monday, and every width after), or 1 month, 3 months or 1 year';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.dimensions IS 'Dimension expressions as given (each optionally AS name)';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.measures IS 'Measure (aggregate) expressions as given (each AS name unless a bare column)';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.filter IS 'Condition on the source''s rows, NULL for every row';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.column_names IS 'Column names of the table after bucket and day: dimensions, then measures';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.definer IS 'OID of the role that defined it (and owns its table and view); its expressions run as that role';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.created_at IS 'When it was defined';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.needs_full_refresh IS 'True after the source was truncated (or its triggers were found missing): the next refresh recomputes every bucket';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.row_count IS 'Rows of analytics.<name> after the last refresh; NULL until the next refresh counts them (a built-in aggregate''s rows may come from a restore)';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.refresh_count IS 'Refreshes done (the initial build counted)';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.last_refresh_at IS 'When the last refresh ran (analytics_internal._now())';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.last_refresh_seconds IS 'How long the last refresh took, in seconds (wall clock)';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.last_refresh_buckets IS 'Buckets the last refresh recomputed';
COMMENT ON COLUMN analytics_internal.materialized_aggregates.builtin IS 'True for the aggregates the extension''s install script creates (their definitions are not dumped: CREATE EXTENSION makes them again; their rows are)';
SELECT pg_catalog.pg_extension_config_dump('analytics_internal.materialized_aggregates', 'WHERE NOT builtin');

-- The change log: one row per (aggregate, bucket) a statement touched,
-- written by the statement's own transaction (so it commits or rolls back
-- with the data), consumed by the refresh. Rows of transactions still open
-- when a refresh starts are invisible to it and stay for the next one.
CREATE TABLE analytics_internal.materialized_aggregate_changes (
	aggregate text NOT NULL,
	bucket timestamp NOT NULL
);
CREATE INDEX ON analytics_internal.materialized_aggregate_changes (aggregate, bucket);
COMMENT ON TABLE analytics_internal.materialized_aggregate_changes IS 'Buckets of materialized aggregates changed since their last refresh (a row per statement and bucket; duplicates allowed, so writers never wait for each other)';
COMMENT ON COLUMN analytics_internal.materialized_aggregate_changes.aggregate IS 'Name of the materialized aggregate';
COMMENT ON COLUMN analytics_internal.materialized_aggregate_changes.bucket IS 'Start of the changed bucket (UTC)';
SELECT pg_catalog.pg_extension_config_dump('analytics_internal.materialized_aggregate_changes', '');

-- SQL of a definition's parts. t: the time column as a UTC timestamp.
CREATE FUNCTION analytics_internal._matagg_utc(time_column text, time_type regtype)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE time_type
		WHEN 'timestamptz'::regtype THEN pg_catalog.format('(s.%I AT TIME ZONE ''UTC'')', time_column)
		WHEN 'timestamp'::regtype THEN pg_catalog.format('s.%I', time_column)
		ELSE pg_catalog.format('s.%I::timestamp', time_column) END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_utc(text, regtype) IS 'SQL of a time column (alias s) as a UTC timestamp';

CREATE FUNCTION analytics_internal._matagg_bucket_of(width interval, t text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE width
		WHEN interval '1 month' THEN pg_catalog.format('pg_catalog.date_trunc(''month'', %s)', t)
		WHEN interval '3 months' THEN pg_catalog.format('pg_catalog.date_trunc(''quarter'', %s)', t)
		WHEN interval '1 year' THEN pg_catalog.format('pg_catalog.date_trunc(''year'', %s)', t)
		ELSE pg_catalog.format('pg_catalog.date_bin(%L::interval, %s, timestamp ''2000-01-03'')', width, t) END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_bucket_of(interval, text) IS 'SQL of the bucket (a UTC timestamp) of a UTC timestamp expression';

-- The rows of the source in [lo, hi) (UTC timestamps, SQL expressions),
-- sargable on the time column.
CREATE FUNCTION analytics_internal._matagg_range(time_column text, time_type regtype, lo text, hi text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT CASE time_type
		WHEN 'timestamptz'::regtype THEN pg_catalog.format('s.%1$I >= (%2$s) AT TIME ZONE ''UTC'' AND s.%1$I < (%3$s) AT TIME ZONE ''UTC''', time_column, lo, hi)
		WHEN 'timestamp'::regtype THEN pg_catalog.format('s.%1$I >= %2$s AND s.%1$I < %3$s', time_column, lo, hi)
		ELSE pg_catalog.format('s.%1$I >= (%2$s)::date AND s.%1$I < (%3$s)::date', time_column, lo, hi) END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_range(text, regtype, text, text) IS 'SQL of the condition that a source row''s time is in [lo, hi) (UTC timestamps)';

-- The defining query of an aggregate, for the rows where cond holds.
CREATE FUNCTION analytics_internal._matagg_query(a analytics_internal.materialized_aggregates, cond text,
	rel text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	time_type regtype;
	t text;
	b text;
	n_dims int := coalesce(array_length(a.dimensions, 1), 0);
BEGIN
	SELECT at.atttypid INTO time_type FROM pg_attribute at
	WHERE at.attrelid = a.source AND at.attname = a.time_column AND NOT at.attisdropped;
	t := analytics_internal._matagg_utc(a.time_column, time_type);
	b := analytics_internal._matagg_bucket_of(a.bucket, t);
	RETURN format('SELECT %s AS bucket, (%s)::date AS day%s%s FROM %s AS s WHERE %s AND pg_catalog.isfinite(s.%I)%s GROUP BY %s',
		b, b,
		(SELECT string_agg(', ' || d, '' ORDER BY i) FROM unnest(a.dimensions) WITH ORDINALITY x(d, i)),
		(SELECT string_agg(', ' || m, '' ORDER BY i) FROM unnest(a.measures) WITH ORDINALITY x(m, i)),
		coalesce(rel, a.source::text), cond, a.time_column,
		CASE WHEN a.filter IS NULL THEN '' ELSE format(' AND (%s)', a.filter) END,
		(SELECT string_agg(g::text, ', ') FROM generate_series(1, 2 + n_dims) g));
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_query(analytics_internal.materialized_aggregates, text, text) IS 'SQL of a materialized aggregate''s defining query over the source rows meeting a condition (rel: another relation of the source''s shape to read instead, the source aggregate''s _live view for a chained one)';

-- The materialized aggregate whose table a chained one aggregates (by its
-- bucket or day), or a row of NULLs.
CREATE FUNCTION analytics_internal._matagg_upstream(a analytics_internal.materialized_aggregates)
RETURNS analytics_internal.materialized_aggregates
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT m.* FROM analytics_internal.materialized_aggregates m
	WHERE a.time_column IN ('bucket', 'day')
		AND pg_catalog.to_regclass(pg_catalog.format('analytics.%I', m.name)) = a.source
$$;
COMMENT ON FUNCTION analytics_internal._matagg_upstream(analytics_internal.materialized_aggregates) IS 'The materialized aggregate whose table a chained materialized aggregate reads by its bucket or day (NULLs if none): refreshed before it, read through its _live view by the chained one''s';

-- The triggers that log changed buckets. One set per source, shared by its
-- aggregates; ENABLE ALWAYS, so that they also fire when the loader runs
-- with session_replication_role = replica.
CREATE FUNCTION analytics_internal._matagg_capture()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a record;
	time_type regtype;
	t text;
	tab text;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE analytics_internal.materialized_aggregates m SET needs_full_refresh = true
		WHERE m.source = TG_RELID AND NOT m.needs_full_refresh;
		RETURN NULL;
	END IF;
	-- the aggregates of one time column and bucket width share the work
	FOR a IN SELECT m.time_column, m.bucket, array_agg(m.name ORDER BY m.name) AS names
		FROM analytics_internal.materialized_aggregates m
		WHERE m.source = TG_RELID GROUP BY m.time_column, m.bucket ORDER BY m.time_column, m.bucket
	LOOP
		SELECT at.atttypid INTO time_type FROM pg_attribute at
		WHERE at.attrelid = TG_RELID AND at.attname = a.time_column AND NOT at.attisdropped;
		t := analytics_internal._matagg_utc(a.time_column, time_type);
		FOREACH tab IN ARRAY CASE TG_OP WHEN 'INSERT' THEN '{matagg_new}'::text[]
			WHEN 'DELETE' THEN '{matagg_old}'::text[] ELSE '{matagg_old,matagg_new}'::text[] END
		LOOP
			EXECUTE format('INSERT INTO analytics_internal.materialized_aggregate_changes (aggregate, bucket)
				SELECT n.n, b.b FROM (SELECT DISTINCT %s AS b FROM %I AS s WHERE pg_catalog.isfinite(s.%I)) b,
					pg_catalog.unnest($1) n(n)',
				analytics_internal._matagg_bucket_of(a.bucket, t), tab, a.time_column)
			USING a.names;
		END LOOP;
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_capture() IS 'Trigger function: logs the buckets a statement touched for every materialized aggregate of the table (a TRUNCATE marks them for a full refresh)';
REVOKE ALL ON FUNCTION analytics_internal._matagg_capture() FROM PUBLIC;

CREATE FUNCTION analytics_internal._matagg_has_triggers(source regclass)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT count(*) = 4 FROM pg_trigger tg
	WHERE tg.tgrelid = source AND tg.tgname LIKE 'analytics\_matagg\_%'
		AND tg.tgfoid = 'analytics_internal._matagg_capture()'::regprocedure AND tg.tgenabled = 'A'
$$;
COMMENT ON FUNCTION analytics_internal._matagg_has_triggers(regclass) IS 'Whether the table has its four change-logging triggers, enabled always';

CREATE FUNCTION analytics_internal._matagg_set_triggers(source regclass, present boolean)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	op text;
BEGIN
	FOREACH op IN ARRAY '{insert,update,delete,truncate}'::text[]
	LOOP
		IF EXISTS (SELECT FROM pg_trigger tg WHERE tg.tgrelid = source AND tg.tgname = 'analytics_matagg_' || op) THEN
			EXECUTE format('DROP TRIGGER %I ON %s', 'analytics_matagg_' || op, source);
		END IF;
		IF present THEN
			EXECUTE format('CREATE TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT
				EXECUTE FUNCTION analytics_internal._matagg_capture()',
				'analytics_matagg_' || op, upper(op), source,
				CASE op WHEN 'insert' THEN 'REFERENCING NEW TABLE AS matagg_new'
					WHEN 'update' THEN 'REFERENCING OLD TABLE AS matagg_old NEW TABLE AS matagg_new'
					WHEN 'delete' THEN 'REFERENCING OLD TABLE AS matagg_old' ELSE '' END);
			EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', source, 'analytics_matagg_' || op);
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_set_triggers(regclass, boolean) IS 'Creates (again) or drops the change-logging triggers of a source table';

-- Validates the name of a materialized aggregate; returns its definition.
CREATE FUNCTION analytics_internal._matagg_get(name text, lock boolean DEFAULT false)
RETURNS analytics_internal.materialized_aggregates
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a analytics_internal.materialized_aggregates;
BEGIN
	IF lock THEN
		SELECT * INTO a FROM analytics_internal.materialized_aggregates m WHERE m.name = _matagg_get.name FOR UPDATE;
	ELSE
		SELECT * INTO a FROM analytics_internal.materialized_aggregates m WHERE m.name = _matagg_get.name;
	END IF;
	IF a.name IS NULL THEN
		RAISE EXCEPTION 'materialized aggregate "%" does not exist', name
			USING ERRCODE = 'undefined_object',
				HINT = 'SELECT name FROM analytics.materialized_aggregates lists them.';
	END IF;
	RETURN a;
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_get(text, boolean) IS 'The definition of a materialized aggregate, or an error naming it';

-- Recomputes buckets: everything (full), or the runs of consecutive buckets
-- given, each [lo, hi). Returns the rows deleted and inserted.
CREATE FUNCTION analytics_internal._matagg_recompute(a analytics_internal.materialized_aggregates,
	full_refresh boolean, los timestamp[], his timestamp[])
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	time_type regtype;
	mat_cond text;
	src_cond text;
	deleted bigint;
	inserted bigint;
BEGIN
	IF NOT full_refresh AND coalesce(array_length(los, 1), 0) = 0 THEN
		RETURN '{0,0}';
	END IF;
	SELECT at.atttypid INTO time_type FROM pg_attribute at
	WHERE at.attrelid = a.source AND at.attname = a.time_column AND NOT at.attisdropped;
	IF time_type IS NULL THEN
		RAISE EXCEPTION 'column "%" of the source % of materialized aggregate "%" no longer exists',
			a.time_column, a.source, a.name
			USING ERRCODE = 'undefined_column';
	END IF;
	IF full_refresh THEN
		mat_cond := 'true';
		src_cond := 'true';
	ELSE
		SELECT string_agg(format('(bucket >= %L AND bucket < %L)', lo, hi), ' OR '),
			string_agg('(' || analytics_internal._matagg_range(a.time_column, time_type,
				format('%L::timestamp', lo), format('%L::timestamp', hi)) || ')', ' OR ')
		INTO mat_cond, src_cond
		FROM unnest(los, his) r(lo, hi);
		src_cond := '(' || src_cond || ')';
	END IF;
	deleted := analytics_internal._matagg_run_as(a.definer,
		format('DELETE FROM analytics.%I WHERE %s', a.name, mat_cond));
	inserted := analytics_internal._matagg_run_as(a.definer,
		format('INSERT INTO analytics.%I %s', a.name, analytics_internal._matagg_query(a, src_cond)));
	RETURN ARRAY[deleted, inserted];
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_recompute(analytics_internal.materialized_aggregates, boolean, timestamp[], timestamp[]) IS 'Recomputes a materialized aggregate''s buckets (all, or the ranges [lo, hi) given) from its source, as the role that defined it';

CREATE FUNCTION analytics.refresh_materialized_aggregate(name text, from_time timestamptz DEFAULT NULL,
	to_time timestamptz DEFAULT NULL)
RETURNS TABLE (refreshed_buckets bigint, deleted_rows bigint, inserted_rows bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a analytics_internal.materialized_aggregates;
	started timestamptz := clock_timestamp();
	full_refresh boolean;
	lo timestamp;
	hi timestamp;
	los timestamp[];
	his timestamp[];
	n bigint;
	counts bigint[];
	total bigint;
	u analytics_internal.materialized_aggregates;
BEGIN
	a := analytics_internal._matagg_get(name);
	IF (from_time IS NULL) <> (to_time IS NULL) OR from_time >= to_time
		OR NOT isfinite(from_time) OR NOT isfinite(to_time) THEN
		RAISE EXCEPTION 'a refresh window needs a finite from_time before a finite to_time, or neither'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- chained: the source aggregate first, so that its changes reach this
	-- one's change log
	u := analytics_internal._matagg_upstream(a);
	IF u.name IS NOT NULL THEN
		PERFORM analytics.refresh_materialized_aggregate(u.name);
	END IF;
	-- one refresh of an aggregate at a time; the second one skips
	IF NOT pg_try_advisory_xact_lock(1634627937, hashtext(a.name)) THEN
		RAISE NOTICE 'materialized aggregate "%" is being refreshed by another session: skipped', a.name;
		RETURN QUERY SELECT 0::bigint, 0::bigint, 0::bigint;
		RETURN;
	END IF;
	a := analytics_internal._matagg_get(name, true);
	-- triggers lost (a restore does not bring back triggers that the
	-- extension put on a user's table): back, and every bucket from the
	-- source's first one on recomputed; earlier buckets, whose rows
	-- retention dropped, are kept
	IF NOT analytics_internal._matagg_has_triggers(a.source) THEN
		PERFORM analytics_internal._matagg_set_triggers(a.source, true);
		IF NOT a.needs_full_refresh THEN
			EXECUTE format('SELECT pg_catalog.min(s.%I) FROM %s s WHERE pg_catalog.isfinite(s.%I)',
				a.time_column, a.source, a.time_column) INTO from_time;
			IF from_time IS NULL THEN
				from_time := 'infinity';	-- an empty source: nothing to recompute
			END IF;
			to_time := 'infinity';
		END IF;
	END IF;
	full_refresh := a.needs_full_refresh;
	IF full_refresh THEN
		DELETE FROM analytics_internal.materialized_aggregate_changes c WHERE c.aggregate = a.name;
		counts := analytics_internal._matagg_recompute(a, true, NULL, NULL);
		EXECUTE format('SELECT count(DISTINCT bucket) FROM analytics.%I', a.name) INTO n;
	ELSE
		IF from_time IS NOT NULL THEN
			-- the window's buckets, all of them
			EXECUTE format('SELECT %s, %s', analytics_internal._matagg_bucket_of(a.bucket, '$1'),
				analytics_internal._matagg_bucket_of(a.bucket, '$2'))
				INTO lo, hi USING from_time AT TIME ZONE 'UTC', to_time AT TIME ZONE 'UTC';
			IF hi < to_time AT TIME ZONE 'UTC' THEN
				hi := hi + a.bucket;
			END IF;
			DELETE FROM analytics_internal.materialized_aggregate_changes c
			WHERE c.aggregate = a.name AND c.bucket >= lo AND c.bucket < hi;
			los := ARRAY[lo];
			his := ARRAY[hi];
			EXECUTE format('SELECT count(*) FROM (SELECT DISTINCT bucket FROM analytics.%I WHERE bucket >= $1 AND bucket < $2) x', a.name)
				INTO n USING lo, hi;
		ELSE
			-- the changed buckets, in runs of consecutive ones
			WITH taken AS (
				DELETE FROM analytics_internal.materialized_aggregate_changes c
				WHERE c.aggregate = a.name RETURNING c.bucket
			), b AS (
				SELECT DISTINCT t.bucket FROM taken t
			), runs AS (
				SELECT b.bucket, count(*) FILTER (WHERE NOT b.follows) OVER (ORDER BY b.bucket) AS run
				FROM (SELECT b.bucket, coalesce(lag(b.bucket) OVER (ORDER BY b.bucket) + a.bucket = b.bucket, false) AS follows
					FROM b) b
			)
			SELECT array_agg(r.lo ORDER BY r.lo), array_agg(r.hi ORDER BY r.lo), coalesce(sum(r.n), 0)
			INTO los, his, n
			FROM (SELECT min(runs.bucket) AS lo, max(runs.bucket) + a.bucket AS hi, count(*) AS n
				FROM runs GROUP BY runs.run) r;
		END IF;
		counts := analytics_internal._matagg_recompute(a, false, los, his);
		IF a.row_count IS NULL THEN
			EXECUTE format('SELECT pg_catalog.count(*) FROM analytics.%I', a.name) INTO total;
		ELSE
			total := a.row_count - counts[1] + counts[2];
		END IF;
	END IF;
	UPDATE analytics_internal.materialized_aggregates m
	SET needs_full_refresh = false,
		row_count = CASE WHEN full_refresh THEN counts[2] ELSE total END,
		refresh_count = m.refresh_count + 1,
		last_refresh_at = analytics_internal._now(),
		last_refresh_seconds = extract(epoch FROM clock_timestamp() - started),
		last_refresh_buckets = n
	WHERE m.name = a.name;
	RETURN QUERY SELECT n, counts[1], counts[2];
END
$$;
COMMENT ON FUNCTION analytics.refresh_materialized_aggregate(text, timestamptz, timestamptz) IS 'Recomputes the buckets of a materialized aggregate that changed since its last refresh (or every bucket in [from_time, to_time)), from its source, as the role that defined it; a second refresh of the same aggregate at the same time skips with a NOTICE';

-- The column comments of a materialized aggregate's table or _live view
-- (rel: its name in schema analytics).
CREATE FUNCTION analytics_internal._matagg_comment_columns(a analytics_internal.materialized_aggregates, rel text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET IntervalStyle = 'postgres'
AS $$
DECLARE
	n_dims int := coalesce(array_length(a.dimensions, 1), 0);
BEGIN
	EXECUTE format('COMMENT ON COLUMN analytics.%I.bucket IS %L', rel, format('Start of the %s bucket (UTC)', a.bucket));
	EXECUTE format('COMMENT ON COLUMN analytics.%I.day IS %L', rel, 'UTC day in which the bucket starts');
	FOR i IN 1 .. array_length(a.column_names, 1) LOOP
		EXECUTE format('COMMENT ON COLUMN analytics.%I.%I IS %L', rel, a.column_names[i],
			CASE WHEN i <= n_dims THEN 'Dimension: ' || a.dimensions[i] ELSE 'Measure: ' || a.measures[i - n_dims] END);
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_comment_columns(analytics_internal.materialized_aggregates, text) IS 'Comments the columns of a materialized aggregate''s table or _live view: the bucket, the day, each dimension and measure as defined';

CREATE FUNCTION analytics.create_materialized_aggregate(name text, source regclass, time_column text,
	bucket interval, dimensions text[], measures text[], filter text DEFAULT NULL, schedule text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET IntervalStyle = 'postgres'
AS $$
DECLARE
	a analytics_internal.materialized_aggregates;
	time_type regtype;
	src record;
	names text[] := '{}';
	col text;
	piece text;
	i int;
	key_cols text;
	n_dims int;
	caller oid := analytics_internal._matagg_caller();
BEGIN
	-- the name: a plain lower-case identifier, free in schema analytics
	IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,39}$' THEN
		RAISE EXCEPTION 'invalid materialized aggregate name "%"', name
			USING ERRCODE = 'invalid_name',
				DETAIL = 'A name is 1 to 40 characters: lower-case letters, digits and underscores, starting with a letter (its refresh job is refresh_<name>).';
	END IF;
	IF to_regclass(format('analytics.%I', name)) IS NOT NULL
		OR to_regclass(format('analytics.%I', name || '_live')) IS NOT NULL
		OR EXISTS (SELECT FROM analytics_internal.materialized_aggregates m WHERE m.name = create_materialized_aggregate.name) THEN
		RAISE EXCEPTION 'relation "analytics.%" already exists', name
			USING ERRCODE = 'duplicate_table',
				HINT = 'Pick another name, or drop the existing materialized aggregate with analytics.drop_materialized_aggregate.';
	END IF;
	-- the source: a table that the caller may read; outside the extension's
	-- own tables, one that they may also put triggers on
	IF source IS NULL THEN
		RAISE EXCEPTION 'source must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT c.relkind, c.relpersistence, c.relnamespace::regnamespace::text AS nsp INTO src
	FROM pg_class c WHERE c.oid = source;
	IF src.relkind NOT IN ('r', 'p') OR src.relpersistence = 't' THEN
		RAISE EXCEPTION '% is not a permanent table', source
			USING ERRCODE = 'wrong_object_type',
				DETAIL = 'A materialized aggregate follows the changes of a table (or partitioned table) through triggers; views, foreign tables and temporary tables have none.';
	END IF;
	IF NOT has_table_privilege(caller, source, 'SELECT')
		OR (src.nsp <> 'analytics' AND NOT has_table_privilege(caller, source, 'TRIGGER')) THEN
		RAISE EXCEPTION 'permission denied for table %', source
			USING ERRCODE = 'insufficient_privilege',
				DETAIL = 'Defining a materialized aggregate needs SELECT on its source and, for a table outside the schema analytics, TRIGGER.';
	END IF;
	SELECT at.atttypid INTO time_type FROM pg_attribute at
	WHERE at.attrelid = source AND at.attname = time_column AND at.attnum > 0 AND NOT at.attisdropped;
	IF time_type IS NULL THEN
		RAISE EXCEPTION 'column "%" of % does not exist', time_column, source
			USING ERRCODE = 'undefined_column';
	END IF;
	IF time_type NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
		RAISE EXCEPTION 'time column "%" of % is of type %', time_column, source, time_type
			USING ERRCODE = 'datatype_mismatch',
				DETAIL = 'The time column must be a timestamptz, a timestamp (taken as UTC) or a date.';
	END IF;
	-- the bucket: a fixed width, or whole months a date_trunc can make
	IF bucket IS NULL OR NOT (bucket IN (interval '1 month', interval '3 months', interval '1 year')
		OR extract(month FROM bucket) = 0 AND extract(year FROM bucket) = 0 AND bucket >= interval '1 second') THEN
		RAISE EXCEPTION 'invalid bucket width %', bucket
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Use a positive width without months (''1 hour'', ''1 day'', ''7 days''), or ''1 month'', ''3 months'' or ''1 year''.';
	END IF;
	IF time_type = 'date'::regtype AND bucket < interval '1 month'
		AND extract(epoch FROM bucket)::numeric % 86400 <> 0 THEN
		RAISE EXCEPTION 'bucket width % is not a whole number of days, for the date column "%"', bucket, time_column
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- the pieces: each one expression, each column named once
	n_dims := coalesce(array_length(dimensions, 1), 0);
	IF measures IS NULL OR coalesce(array_length(measures, 1), 0) = 0 THEN
		RAISE EXCEPTION 'a materialized aggregate needs at least one measure'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	FOR i IN 1 .. n_dims + array_length(measures, 1) LOOP
		piece := CASE WHEN i <= n_dims THEN dimensions[i] ELSE measures[i - n_dims] END;
		IF piece IS NULL THEN
			RAISE EXCEPTION 'a % must not be null', CASE WHEN i <= n_dims THEN 'dimension' ELSE 'measure' END
				USING ERRCODE = 'null_value_not_allowed';
		END IF;
		col := analytics_internal._matagg_expression(piece, CASE WHEN i <= n_dims THEN 'dimension' ELSE 'measure' END);
		IF col IS NULL THEN
			RAISE EXCEPTION '% "%" needs a name', CASE WHEN i <= n_dims THEN 'dimension' ELSE 'measure' END, piece
				USING ERRCODE = 'invalid_parameter_value',
					HINT = 'Add AS name, as in ''count(*) AS events''.';
		END IF;
		IF col IN ('bucket', 'day') OR col = ANY (names) THEN
			RAISE EXCEPTION 'column name "%" is used twice', col
				USING ERRCODE = 'duplicate_column',
					DETAIL = 'Every dimension and measure needs a name of its own, other than bucket and day.';
		END IF;
		names := names || col;
	END LOOP;
	IF filter IS NOT NULL THEN
		PERFORM analytics_internal._matagg_expression(filter, 'filter');
	END IF;

	a := ROW(name, source, time_column, bucket, coalesce(dimensions, '{}'), measures, filter, names,
		caller, analytics_internal._now(),
		false, 0, 0, NULL, NULL, NULL, false)::analytics_internal.materialized_aggregates;
	INSERT INTO analytics_internal.materialized_aggregates SELECT a.*;

	-- the table, owned by the definer, with the columns of the defining
	-- query: their types read off a view of it (parse analysis only: nothing
	-- of the definition runs as the extension's owner), which also reports
	-- a missing column or a type error now, naming what is wrong
	EXECUTE format('CREATE VIEW analytics_internal.%I AS %s', '_matagg_shape_' || a.name,
		analytics_internal._matagg_query(a, 'false'));
	EXECUTE format('CREATE TABLE analytics.%I (%s)', a.name,
		(SELECT string_agg(format('%I %s', ('{bucket,day}'::text[] || names)[at.attnum],
			format_type(at.atttypid, at.atttypmod)), ', ' ORDER BY at.attnum)
		 FROM pg_attribute at
		 WHERE at.attrelid = format('analytics_internal.%I', '_matagg_shape_' || a.name)::regclass AND at.attnum > 0));
	EXECUTE format('DROP VIEW analytics_internal.%I', '_matagg_shape_' || a.name);
	EXECUTE format('ALTER TABLE analytics.%I OWNER TO %I', a.name, pg_get_userbyid(caller));
	EXECUTE format('ALTER TABLE analytics.%I ALTER COLUMN bucket SET NOT NULL, ALTER COLUMN day SET NOT NULL', a.name);
	key_cols := (SELECT string_agg(quote_ident(c), ', ' ORDER BY o)
		FROM unnest(ARRAY['bucket'] || names[1:n_dims]) WITH ORDINALITY x(c, o));
	IF n_dims = 0 THEN
		EXECUTE format('ALTER TABLE analytics.%I ADD PRIMARY KEY (bucket)', a.name);
	ELSE
		-- dimensions may be NULL (a group of its own): unique, NULLs equal
		EXECUTE format('ALTER TABLE analytics.%I ADD UNIQUE NULLS NOT DISTINCT (%s)', a.name, key_cols);
	END IF;
	-- dashboards filter on day
	EXECUTE format('CREATE INDEX ON analytics.%I (day)', a.name);
	EXECUTE format('COMMENT ON TABLE analytics.%I IS %L', a.name,
		format('Materialized aggregate of %s per %s bucket (UTC) of %s%s%s: refreshed by analytics.refresh_materialized_aggregate(%L); analytics.%s_live is exact between refreshes',
			source, bucket, time_column,
			CASE WHEN n_dims > 0 THEN ' and ' || array_to_string(dimensions, ', ') ELSE '' END,
			CASE WHEN filter IS NOT NULL THEN ' where ' || filter ELSE '' END, a.name, a.name));
	PERFORM analytics_internal._matagg_comment_columns(a, a.name);

	-- the live view: current buckets from the table, changed ones from the
	-- source, or everything from the source while a full refresh is due
	PERFORM analytics_internal._matagg_create_live(a);

	EXECUTE format('GRANT SELECT ON analytics.%I, analytics.%I TO analytics_reader, analytics_admin',
		a.name, a.name || '_live');

	IF NOT analytics_internal._matagg_has_triggers(source) THEN
		PERFORM analytics_internal._matagg_set_triggers(source, true);
	END IF;
	-- the first build: every bucket
	UPDATE analytics_internal.materialized_aggregates m SET needs_full_refresh = true WHERE m.name = a.name;
	PERFORM analytics.refresh_materialized_aggregate(a.name);
	IF schedule IS NOT NULL THEN
		PERFORM analytics.schedule_refresh(a.name, schedule);
	END IF;
	RETURN (SELECT m.row_count FROM analytics_internal.materialized_aggregates m WHERE m.name = a.name);
END
$$;
COMMENT ON FUNCTION analytics.create_materialized_aggregate(text, regclass, text, interval, text[], text[], text, text) IS 'Creates the table analytics.<name> (bucket, day, dimensions, measures) computed from source per UTC time bucket, the view analytics.<name>_live, and the triggers that log changed buckets; builds it; with schedule, refreshes it with pg_cron; returns its rows';

-- The aggregates the install script ships (see the feature files that
-- define them): made like any other, marked built-in, their table's rows
-- dumped (they are extension members, and a table may hold buckets whose
-- raw rows retention has dropped). Nothing is scheduled.
CREATE FUNCTION analytics_internal._matagg_builtin(name text, source regclass, time_column text,
	bucket interval, dimensions text[], measures text[], filter text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM analytics.create_materialized_aggregate(name, source, time_column, bucket, dimensions, measures, filter);
	-- its rows may yet come from a restore: counted by the next refresh
	UPDATE analytics_internal.materialized_aggregates m SET builtin = true, row_count = NULL
	WHERE m.name = _matagg_builtin.name;
	PERFORM pg_catalog.pg_extension_config_dump(pg_catalog.format('analytics.%I', name)::regclass, '');
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_builtin(text, regclass, text, interval, text[], text[], text) IS 'Install script only: creates one of the extension''s built-in materialized aggregates (not scheduled; its rows dumped)';
REVOKE ALL ON FUNCTION analytics_internal._matagg_builtin(text, regclass, text, interval, text[], text[], text) FROM PUBLIC;

CREATE FUNCTION analytics_internal._matagg_create_live(a analytics_internal.materialized_aggregates)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	time_type regtype;
	cols text;
	xcols text;
	u analytics_internal.materialized_aggregates := analytics_internal._matagg_upstream(a);
	changed text;
	full_due text;
	rel text := a.source::text;
BEGIN
	SELECT at.atttypid INTO time_type FROM pg_attribute at
	WHERE at.attrelid = a.source AND at.attname = a.time_column AND NOT at.attisdropped;
	cols := (SELECT string_agg('m.' || quote_ident(c), ', ' ORDER BY o)
		FROM unnest('{bucket,day}'::text[] || a.column_names) WITH ORDINALITY x(c, o));
	-- a changed bucket's rows: bucket and day taken from the change log's
	-- side, so that a filter on them applies before the source is read
	xcols := (SELECT string_agg(', x.' || quote_ident(c), '' ORDER BY o)
		FROM unnest(a.column_names) WITH ORDINALITY x(c, o));
	-- the buckets to compute from the source, and whether everything is
	changed := format('SELECT c.bucket FROM analytics_internal.materialized_aggregate_changes c WHERE c.aggregate = %L', a.name);
	full_due := format('(SELECT d.needs_full_refresh FROM analytics_internal.materialized_aggregates d WHERE d.name = %L)', a.name);
	IF u.name IS NOT NULL THEN
		-- chained: the source aggregate's pending buckets too (mapped to
		-- this one's buckets), computed from its _live view
		changed := changed || format(' UNION ALL SELECT %s FROM analytics_internal.materialized_aggregate_changes c WHERE c.aggregate = %L',
			analytics_internal._matagg_bucket_of(a.bucket,
				CASE a.time_column WHEN 'day' THEN '(c.bucket)::date::timestamp' ELSE 'c.bucket' END), u.name);
		full_due := format('(%s OR (SELECT d.needs_full_refresh FROM analytics_internal.materialized_aggregates d WHERE d.name = %L))',
			full_due, u.name);
		rel := format('analytics.%I', u.name || '_live');
	END IF;
	EXECUTE format($v$CREATE VIEW analytics.%2$I AS
SELECT %3$s FROM analytics.%1$I m
WHERE NOT %4$s
	AND NOT EXISTS (SELECT FROM (%5$s) c WHERE c.bucket = m.bucket)
UNION ALL
SELECT b.changed, (b.changed)::date%8$s FROM (SELECT DISTINCT c.bucket AS changed FROM (%5$s) c) b
	CROSS JOIN LATERAL (%6$s) x
WHERE NOT %4$s
UNION ALL
SELECT y.* FROM (%7$s) y
WHERE %4$s$v$,
		a.name, a.name || '_live', cols, full_due, changed,
		analytics_internal._matagg_query(a, analytics_internal._matagg_range(a.time_column, time_type,
			'b.changed', format('b.changed + %L::interval', a.bucket)), rel),
		analytics_internal._matagg_query(a, 'true', rel), xcols);
	EXECUTE format('ALTER VIEW analytics.%I OWNER TO %I', a.name || '_live', (SELECT r.rolname FROM pg_roles r WHERE r.oid = a.definer));
	EXECUTE format('COMMENT ON VIEW analytics.%I IS %L', a.name || '_live',
		format('analytics.%s, exact between refreshes: buckets changed since the last refresh are computed from %s', a.name, rel));
	PERFORM analytics_internal._matagg_comment_columns(a, a.name || '_live');
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_create_live(analytics_internal.materialized_aggregates) IS 'Creates the view analytics.<name>_live of a materialized aggregate';

-- Dropping or scheduling an aggregate is for the role that defined it (or
-- a member of it); refreshing is for every admin, since a refresh computes
-- as the definer anyway.
CREATE FUNCTION analytics_internal._matagg_require_definer(a analytics_internal.materialized_aggregates)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT a.builtin AND NOT pg_has_role(analytics_internal._matagg_caller(), a.definer, 'USAGE') THEN
		RAISE EXCEPTION 'must be a member of role "%" to change materialized aggregate "%"',
			pg_get_userbyid(a.definer), a.name
			USING ERRCODE = 'insufficient_privilege';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._matagg_require_definer(analytics_internal.materialized_aggregates) IS 'Raises unless the caller acts as (a member of) the role that defined the materialized aggregate';

CREATE FUNCTION analytics.drop_materialized_aggregate(name text)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a analytics_internal.materialized_aggregates;
BEGIN
	a := analytics_internal._matagg_get(name, true);
	IF a.builtin THEN
		RAISE EXCEPTION 'cannot drop materialized aggregate "%" because extension analytics requires it', a.name
			USING ERRCODE = 'dependent_objects_still_exist',
				HINT = 'A built-in aggregate costs a trigger per statement on its source; analytics.schedule_refresh(name, NULL) stops its refreshes.';
	END IF;
	PERFORM analytics_internal._matagg_require_definer(a);
	PERFORM analytics_internal._matagg_unschedule(a.name);
	EXECUTE format('DROP VIEW IF EXISTS analytics.%I', a.name || '_live');
	EXECUTE format('DROP TABLE IF EXISTS analytics.%I', a.name);
	DELETE FROM analytics_internal.materialized_aggregate_changes c WHERE c.aggregate = a.name;
	DELETE FROM analytics_internal.materialized_aggregates m WHERE m.name = a.name;
	IF NOT EXISTS (SELECT FROM analytics_internal.materialized_aggregates m WHERE m.source = a.source) THEN
		PERFORM analytics_internal._matagg_set_triggers(a.source, false);
	END IF;
END
$$;
COMMENT ON FUNCTION analytics.drop_materialized_aggregate(text) IS 'Drops a materialized aggregate: its table, its _live view, its refresh job, and the source''s triggers when no other aggregate uses them';

-- Scheduling (pg_cron): a named job per aggregate; scheduling again
-- replaces the schedule.
CREATE FUNCTION analytics_internal._matagg_unschedule(name text)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT FROM analytics_internal._job_register('refresh_' || name, 'refresh', NULL, NULL)
$$;
COMMENT ON FUNCTION analytics_internal._matagg_unschedule(text) IS 'Removes the registry job refreshing a materialized aggregate, if any';

CREATE FUNCTION analytics.schedule_refresh(name text, schedule text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	a analytics_internal.materialized_aggregates;
BEGIN
	a := analytics_internal._matagg_get(name);
	PERFORM analytics_internal._matagg_require_definer(a);
	IF schedule IS NOT NULL THEN
		PERFORM analytics_internal._require_pg_cron();
	END IF;
	RETURN analytics_internal._job_register('refresh_' || a.name, 'refresh', schedule,
		format('SELECT pg_catalog.sum(r.refreshed_buckets) FROM analytics.refresh_materialized_aggregate(%L) r', a.name));
END
$$;
COMMENT ON FUNCTION analytics.schedule_refresh(text, text) IS 'Schedules the refresh of a materialized aggregate as the registry job "refresh_<name>" (pg_cron''s analytics_refresh_<name>); scheduling again replaces the schedule, NULL unschedules; returns the pg_cron job id';

CREATE VIEW analytics.materialized_aggregates AS
SELECT m.name, (SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = m.source) AS source, m.time_column, m.bucket::text AS bucket,
	array_to_string(m.dimensions, ', ') AS dimensions, array_to_string(m.measures, ', ') AS measures,
	m.filter, pg_catalog.pg_get_userbyid(m.definer)::text AS definer,
	m.row_count AS rows,
	(SELECT count(DISTINCT c.bucket) FROM analytics_internal.materialized_aggregate_changes c
	 WHERE c.aggregate = m.name) AS pending_buckets,
	m.needs_full_refresh,
	m.refresh_count,
	m.last_refresh_at,
	m.last_refresh_seconds,
	m.last_refresh_buckets,
	m.created_at,
	m.builtin
FROM analytics_internal.materialized_aggregates m;
COMMENT ON VIEW analytics.materialized_aggregates IS 'Every materialized aggregate: its definition, its rows, the buckets waiting to be refreshed, and its last refresh';
COMMENT ON COLUMN analytics.materialized_aggregates.name IS 'Name: the table analytics.<name> and the view analytics.<name>_live';
COMMENT ON COLUMN analytics.materialized_aggregates.source IS 'The table aggregated (schema.table)';
COMMENT ON COLUMN analytics.materialized_aggregates.time_column IS 'The source''s column whose UTC time puts a row in a bucket';
COMMENT ON COLUMN analytics.materialized_aggregates.bucket IS 'Width of a bucket, as text (''1 day'', ''01:00:00'', ''1 mon'')';
COMMENT ON COLUMN analytics.materialized_aggregates.dimensions IS 'Dimension expressions, comma-separated';
COMMENT ON COLUMN analytics.materialized_aggregates.measures IS 'Measure expressions, comma-separated';
COMMENT ON COLUMN analytics.materialized_aggregates.filter IS 'Condition on the source''s rows, NULL for every row';
COMMENT ON COLUMN analytics.materialized_aggregates.definer IS 'Role that defined it: it owns the table and the view, and the refresh computes as it';
COMMENT ON COLUMN analytics.materialized_aggregates.rows IS 'Rows of the table after the last refresh';
COMMENT ON COLUMN analytics.materialized_aggregates.pending_buckets IS 'Buckets changed since the last refresh (committed changes), which the next refresh recomputes';
COMMENT ON COLUMN analytics.materialized_aggregates.needs_full_refresh IS 'True when the next refresh recomputes every bucket (after a TRUNCATE of the source, or triggers found missing)';
COMMENT ON COLUMN analytics.materialized_aggregates.refresh_count IS 'Refreshes done, the first build counted';
COMMENT ON COLUMN analytics.materialized_aggregates.last_refresh_at IS 'When the last refresh ran';
COMMENT ON COLUMN analytics.materialized_aggregates.last_refresh_seconds IS 'How long the last refresh took, in seconds';
COMMENT ON COLUMN analytics.materialized_aggregates.last_refresh_buckets IS 'Buckets the last refresh recomputed';
COMMENT ON COLUMN analytics.materialized_aggregates.created_at IS 'When it was defined';
COMMENT ON COLUMN analytics.materialized_aggregates.builtin IS 'True for the aggregates the extension ships (made by CREATE EXTENSION, not droppable, refreshed only when scheduled)';

REVOKE ALL ON FUNCTION analytics.create_materialized_aggregate(text, regclass, text, interval, text[], text[], text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.refresh_materialized_aggregate(text, timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.drop_materialized_aggregate(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.schedule_refresh(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.create_materialized_aggregate(text, regclass, text, interval, text[], text[], text, text) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.refresh_materialized_aggregate(text, timestamptz, timestamptz) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.drop_materialized_aggregate(text) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.schedule_refresh(text, text) TO analytics_admin;
GRANT SELECT ON analytics.materialized_aggregates TO analytics_reader, analytics_admin;
-- the live views read these as their owner (the role that defined them)
GRANT SELECT ON analytics_internal.materialized_aggregates, analytics_internal.materialized_aggregate_changes
	TO analytics_reader, analytics_admin;
