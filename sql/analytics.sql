-- Foundation: installation, roles, privileges, search_path safety.
SET DateStyle = ISO;

-- Installing over an existing schema named analytics fails clearly.
CREATE SCHEMA analytics;
CREATE EXTENSION analytics;
DROP SCHEMA analytics;
CREATE EXTENSION analytics;

-- Not relocatable, not trusted, needs a superuser, objects in the schemas
-- analytics and analytics_internal.
SELECT e.extname, e.extrelocatable, e.extnamespace::regnamespace AS extschema,
	v.trusted, v.superuser, v.version = e.extversion AS current
FROM pg_extension e JOIN pg_available_extension_versions v ON v.name = e.extname AND v.version = e.extversion
WHERE e.extname = 'analytics';
SELECT count(*) AS objects_outside_analytics
FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass
	AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'analytics')
	AND p.pronamespace NOT IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace);

-- The schema analytics holds only what users call (\df analytics.*, a BI
-- tool's navigator): no helper named _*, no support function of an aggregate
-- or a type. screen_time_merge, the state function of rollup, stays: it
-- merges two screen_time values, and users call it.
SELECT p.oid::regprocedure::text AS internal_in_analytics
FROM pg_proc p
WHERE p.pronamespace = 'analytics'::regnamespace
	AND (p.proname LIKE '\_%'
		OR p.oid IN (SELECT unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
				a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) FROM pg_aggregate a)
		OR p.oid IN (SELECT unnest(ARRAY[t.typinput, t.typoutput, t.typreceive, t.typsend]::oid[]) FROM pg_type t
			WHERE t.typnamespace = 'analytics'::regnamespace))
	AND p.oid <> 'analytics.screen_time_merge(analytics.screen_time, analytics.screen_time)'::regprocedure
UNION ALL
SELECT c.oid::regclass::text FROM pg_class c
WHERE c.relnamespace = 'analytics'::regnamespace AND c.relname LIKE '\_%'
ORDER BY 1;
-- and what moved is there: the helpers, and support functions such as funnel's
SELECT to_regprocedure('analytics_internal._now()') IS NOT NULL AS now_moved,
	to_regprocedure('analytics' || '._now()') IS NULL AS now_gone,
	(SELECT count(*) FROM pg_proc p
	 WHERE p.pronamespace = 'analytics_internal'::regnamespace AND p.proname LIKE 'funnel\_%') AS funnel_support;
-- Nobody but the three roles may even look inside.
SELECT r.rolname, has_schema_privilege(r.rolname, 'analytics_internal', 'USAGE') AS internal_usage
FROM (VALUES ('analytics_writer'), ('analytics_reader'), ('analytics_admin')) r(rolname)
UNION ALL SELECT 'public', EXISTS (SELECT FROM pg_namespace n, aclexplode(n.nspacl) x
	WHERE n.nspname = 'analytics_internal' AND x.grantee = 0)
ORDER BY 1;

-- The three group roles exist and cannot log in.
SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname LIKE 'analytics\_%' ORDER BY 1;

-- GUCs: defaults, and the prefix is reserved.
LOAD 'analytics';
SHOW analytics.max_clock_skew;
SET analytics.no_such_setting = 1;

-- Every SECURITY DEFINER function pins search_path and is not executable by PUBLIC.
SELECT p.oid::regprocedure AS definer_function,
	'search_path=pg_catalog, pg_temp' = ANY (p.proconfig) AS pinned_search_path,
	has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
FROM pg_proc p WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND p.prosecdef
ORDER BY p.proname;

-- Every user-facing object has a comment (internal helpers start with "_").
SELECT 'function ' || p.oid::regprocedure AS missing_comment
FROM pg_proc p
WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND p.proname NOT LIKE '\_%'
	AND obj_description(p.oid, 'pg_proc') IS NULL
UNION ALL
SELECT 'relation ' || c.oid::regclass
FROM pg_class c
WHERE c.relnamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND c.relkind IN ('r', 'p', 'v', 'm')
	AND obj_description(c.oid, 'pg_class') IS NULL
-- and every column of every view and table, internal ones included (Power
-- BI's navigator and psql's \d+ show them); the partitions of analytics.events
-- (events_default, and the monthly ones made at run time) are left out: they
-- are read through analytics.events, whose columns are covered
UNION ALL
SELECT 'column ' || c.oid::regclass || '.' || quote_ident(a.attname)
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND c.relkind IN ('r', 'p', 'v', 'm')
	AND NOT c.relispartition
	AND col_description(c.oid, a.attnum) IS NULL
ORDER BY 1;

-- Roles: writers only ingest, readers only read, admins maintain, PUBLIC nothing.
CREATE ROLE test_app LOGIN IN ROLE analytics_writer;
CREATE ROLE test_bi LOGIN IN ROLE analytics_reader;
CREATE ROLE test_ops LOGIN IN ROLE analytics_admin;
CREATE ROLE test_nobody LOGIN;

SET ROLE test_app;
SELECT analytics.track('role_check', occurred_at => '2026-11-01 12:00Z',
	event_id => '00000000-0000-4000-8000-000000000001');
SELECT * FROM analytics.track_batch('[{"event_name": "role_check", "occurred_at": "2026-11-01T12:00:01Z"}]');
SELECT count(*) FROM analytics.events;
INSERT INTO analytics.events (event_id, occurred_at, event_name) VALUES (gen_random_uuid(), now(), 'direct');
SELECT * FROM analytics.ensure_partitions();
RESET ROLE;

SET ROLE test_bi;
SELECT event_name, count(*) FROM analytics.events GROUP BY 1;
SELECT day, event_name, events FROM analytics.event_counts_daily;
SELECT analytics.track('reader_write');
INSERT INTO analytics.events (event_id, occurred_at, event_name) VALUES (gen_random_uuid(), now(), 'direct');
DELETE FROM analytics.events;
RESET ROLE;

SET ROLE test_ops;
SELECT count(*) >= 1 AS partitions_created FROM analytics.ensure_partitions();
SELECT analytics.forget_user('nobody-by-that-name');
SELECT analytics.track('admin_write');
RESET ROLE;

SET ROLE test_nobody;
SELECT analytics.track('public_write');
SELECT count(*) FROM analytics.events;
SELECT count(*) FROM analytics.rejected_events;
RESET ROLE;

-- Planted temporary objects: a privileged function (SECURITY DEFINER, run as
-- the extension's owner) must never use an object the caller made first. For
-- every temporary name any function of the extension mentions, each role
-- plants a temporary table of that name with triggers, or a temporary view
-- that calls a function of theirs, then calls every SECURITY DEFINER function
-- of the extension. Were the planted object written or read, its trigger or
-- function would run as the owner and say so in a NOTICE: the expected output
-- has none, but for the control at the end, a function built the way 0.1.0's
-- ensure_partitions was (reusing pg_temp.analytics_parked), which must be caught.
CREATE FUNCTION public.planted_names() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT DISTINCT m[1] FROM pg_proc p,
		regexp_matches(p.prosrc, '(?:pg_temp\.|TEMP(?:ORARY)? TABLE (?:IF NOT EXISTS )?)([a-z_][a-z0-9_]*)', 'gi') m
	WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace)
	UNION SELECT 'load_' || e FROM unnest('{products,stores,channels,customers,sales,payments,interactions}'::text[]) e
	-- the transition tables of the materialized aggregates' triggers
	UNION SELECT unnest('{matagg_new,matagg_old}'::text[])
	ORDER BY 1
$$;
SELECT string_agg(n, ', ') AS planted_names FROM public.planted_names() n;
-- Each privileged function, called with arguments that reach its work.
CREATE TABLE public.privileged_calls (fn regprocedure PRIMARY KEY, call text NOT NULL);
GRANT SELECT ON public.privileged_calls TO PUBLIC;
INSERT INTO public.privileged_calls VALUES
	('analytics.track(text, jsonb, timestamptz, text, text, text, text, bigint, uuid)',
	 $c$SELECT analytics.track('attack', occurred_at => '2026-11-10 10:00Z')$c$),
	('analytics.track_batch(jsonb)', $c$SELECT * FROM analytics.track_batch('[{"event_name": "attack", "occurred_at": "2026-11-10T10:00:00Z"}, {"event_name": ""}]')$c$),
	('analytics.retry_rejected()', $c$SELECT * FROM analytics.retry_rejected()$c$),
	('analytics.ensure_partitions(interval)', $c$SELECT * FROM analytics.ensure_partitions('1 month')$c$),
	('analytics.drop_partitions(interval)', $c$SELECT * FROM analytics.drop_partitions('100 years')$c$),
	('analytics.forget_user(text)', $c$SELECT analytics.forget_user('attack-user')$c$),
	('analytics.schedule_maintenance(text)', $c$SELECT analytics.schedule_maintenance()$c$),
	('analytics.schedule_kpi_refresh(text)', $c$SELECT analytics.schedule_kpi_refresh()$c$),
	('analytics.generate_demo_events(int, int, int, date)', $c$SELECT analytics.generate_demo_events(2, 2, 1, '2026-11-10')$c$),
	('analytics.load_warehouse()', $c$SELECT count(*) FROM analytics.load_warehouse()$c$),
	('analytics.create_materialized_aggregate(text, regclass, text, interval, text[], text[], text, text)',
	 $c$SELECT analytics.create_materialized_aggregate('attack_new', 'analytics.events', 'occurred_at', '1 day', '{event_name}', '{count(*) AS n}')$c$),
	('analytics.refresh_materialized_aggregate(text, timestamptz, timestamptz)',
	 $c$SELECT * FROM analytics.refresh_materialized_aggregate('attack_counts')$c$),
	('analytics.drop_materialized_aggregate(text)', $c$SELECT analytics.drop_materialized_aggregate('attack_counts')$c$),
	('analytics.schedule_refresh(text, text)', $c$SELECT analytics.schedule_refresh('attack_counts', '0 3 * * *')$c$),
	('analytics.create_metric(text, text, text, text, text, text, text, jsonb, text, float8, text, text)',
	 $c$SELECT analytics.create_metric('attack_metric', 'sum', 'event_days', measure => 'events')$c$),
	('analytics.drop_metric(text)', $c$SELECT analytics.drop_metric('attack_metric')$c$),
	('analytics.metric_values(text, date, date, text, text)',
	 $c$SELECT count(*) FROM analytics.metric_values('events', '2026-11-01', '2026-11-30', 'week', '*')$c$),
	('analytics.create_goal(text, text, float8, date, date, text, float8, float8, text, text)',
	 $c$SELECT analytics.create_goal('attack goal', 'events', 10, '2026-11-01', '2026-11-30')$c$),
	('analytics.update_goal(uuid, text, float8, date, float8, text)',
	 $c$SELECT analytics.update_goal((SELECT id FROM analytics.goals LIMIT 1), target_value => 20)$c$),
	('analytics.cancel_goal(uuid)', $c$SELECT analytics.cancel_goal((SELECT id FROM analytics.goals LIMIT 1))$c$),
	('analytics.record_progress(uuid, float8)', $c$SELECT analytics.record_progress((SELECT id FROM analytics.goals LIMIT 1), 1)$c$),
	('analytics.update_goals()', $c$SELECT analytics.update_goals()$c$),
	('analytics.schedule_goal_updates(text)', $c$SELECT analytics.schedule_goal_updates()$c$),
	('analytics.metric_trend(text, date, date, float8, text)',
	 $c$SELECT count(*) FROM analytics.metric_trend('events', '2026-11-01', '2026-11-30')$c$),
	('analytics.predict_metric(text, int, float8, text)', $c$SELECT count(*) FROM analytics.predict_metric('events', 3)$c$),
	('analytics.forecast_metric(text, text, int, float8)', $c$SELECT count(*) FROM analytics.forecast_metric('events', 'week', 2)$c$),
	('analytics.compare_metric(text, text, date, date, text)',
	 $c$SELECT count(*) FROM analytics.compare_metric('events', 'event_name', '2026-11-01', '2026-11-30')$c$),
	('analytics.metric_insights(text, text, date, date, text)',
	 $c$SELECT count(*) FROM analytics.metric_insights('events', 'event_name', '2026-11-01', '2026-11-30')$c$),
	('analytics.metric_correlations(text[], date, date)',
	 $c$SELECT count(*) FROM analytics.metric_correlations(ARRAY['events', 'sessions'], '2026-11-01', '2026-11-30')$c$),
	('analytics.metric_regression(text, text[], date, date)',
	 $c$SELECT analytics.metric_regression('events', ARRAY['sessions'], '2026-11-01', '2026-11-30') IS NULL$c$),
	('analytics.metric_anomalies(text, date, date, int, float8)',
	 $c$SELECT count(*) FROM analytics.metric_anomalies('events', '2026-11-01', '2026-11-30')$c$),
	('analytics.chart_data(text, text, text, text[], text, text, date, date)',
	 $c$SELECT analytics.chart_data('bar', 'analytics.event_days', 'bucket', ARRAY['events'], 'event_name', 'week') IS NULL$c$),
	('analytics.create_report_template(text, text, jsonb, text)',
	 $c$SELECT analytics.create_report_template('attack_template', 'Attack', '[{"kind": "table", "main": true, "query": "SELECT e.bucket, e.events FROM analytics.event_days e WHERE e.bucket BETWEEN $1 AND $2"}]')$c$),
	('analytics.drop_report_template(text)', $c$SELECT analytics.drop_report_template('attack_template')$c$),
	('analytics.generate_report(text, text, text, jsonb, text)',
	 $c$SELECT analytics.generate_report('attack_template', 'custom', 'xlsx', '{"from": "2026-11-01", "to": "2026-11-30"}') IS NULL$c$),
	('analytics.report_file(uuid)', $c$SELECT length(analytics.report_file((SELECT id FROM analytics.reports ORDER BY created_at LIMIT 1)))$c$),
	('analytics.email_report(uuid, text[], text, text)',
	 $c$SELECT analytics.email_report((SELECT id FROM analytics.reports WHERE status = 'completed' ORDER BY created_at LIMIT 1), ARRAY['a@example.com'])$c$),
	('analytics.deliver_reports(int)', $c$SELECT analytics.deliver_reports()$c$),
	('analytics.resend_delivery(bigint)', $c$SELECT analytics.resend_delivery((SELECT min(id) FROM analytics.report_deliveries))$c$),
	('analytics_internal._report_scheduled()',
	 $c$SELECT set_config('analytics.job_config', '{"template": "attack_template", "format": "csv", "report_type": "monthly", "recipients": ["a@example.com"]}', true) IS NULL, analytics_internal._report_scheduled() IS NULL$c$),
	-- the trigger function that logs changed buckets, fired by a write
	('analytics_internal._matagg_capture()', $c$SELECT analytics.track('attack', occurred_at => '2026-11-10 11:00Z')$c$);
-- every SECURITY DEFINER function is attacked (a new one must be added above)
SELECT p.oid::regprocedure AS definer_function_not_attacked
FROM pg_proc p WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND p.prosecdef
	AND p.oid NOT IN (SELECT fn FROM public.privileged_calls);
-- a parked event and a staged row, so that partitions are carved and a load runs
SET analytics.mock_now = '2026-11-20 12:00:00+00';
INSERT INTO analytics.events_default (event_id, occurred_at, event_name)
VALUES ('00000000-0000-4000-8000-0000000000aa', '2026-09-15 10:00Z', 'parked');
INSERT INTO analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active)
VALUES ('C1', 'Web', 'online', '2.5', 'true');
-- a materialized aggregate of the events, so that a write fires its triggers
SELECT analytics.create_materialized_aggregate('attack_counts', 'analytics.events', 'occurred_at', '1 day',
	'{event_name}', '{count(*) AS n}');
-- a report template and a report, so that templates are dropped and files read
SELECT analytics.create_report_template('attack_template', 'Attack', '[{"kind": "table", "main": true, "query": "SELECT e.bucket, e.events FROM analytics.event_days e WHERE e.bucket BETWEEN $1 AND $2"}]') IS NULL AS created;
SELECT analytics.generate_report('attack_template', 'custom', 'csv', '{"from": "2026-11-01", "to": "2026-11-30"}') IS NULL AS generated;
SELECT analytics.email_report((SELECT id FROM analytics.reports), ARRAY['ops@example.com']) AS queued;
CREATE FUNCTION public.attack_everything(attack_calls text[], names text[])
RETURNS TABLE (call text, outcome text, attacks int) LANGUAGE plpgsql AS $attack$
DECLARE
	n text;
	c text;
	how text;
	state text;
	results text[] := '{}';
BEGIN
	FOREACH c IN ARRAY attack_calls LOOP
		FOREACH n IN ARRAY names LOOP
			FOREACH how IN ARRAY ARRAY['table', 'view'] LOOP
				BEGIN
					EXECUTE format($f$CREATE FUNCTION pg_temp.attack_trigger() RETURNS trigger LANGUAGE plpgsql AS $b$
						BEGIN RAISE NOTICE 'planted %s %I written as %%', current_user; RETURN NULL; END $b$ $f$, how, n);
					EXECUTE format($f$CREATE FUNCTION pg_temp.attack_read() RETURNS TABLE (event_id uuid, occurred_at timestamptz,
						received_at timestamptz, event_name text, session_id text, device_id text, user_id text, screen text,
						duration_ms bigint, props jsonb) LANGUAGE plpgsql AS $b$
						BEGIN RAISE NOTICE 'planted %s %I read as %%', current_user; END $b$ $f$, how, n);
					IF how = 'table' THEN
						EXECUTE format('CREATE TEMP TABLE %I AS SELECT * FROM pg_temp.attack_read() WITH NO DATA', n);
						EXECUTE format('CREATE TRIGGER a AFTER INSERT OR UPDATE OR DELETE ON pg_temp.%I
							FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.attack_trigger()', n);
						EXECUTE format('CREATE TRIGGER b AFTER TRUNCATE ON pg_temp.%I
							FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.attack_trigger()', n);
					ELSE
						EXECUTE format('CREATE TEMP VIEW %I AS SELECT * FROM pg_temp.attack_read()', n);
						EXECUTE format('CREATE TRIGGER a INSTEAD OF INSERT OR UPDATE OR DELETE ON pg_temp.%I
							FOR EACH ROW EXECUTE FUNCTION pg_temp.attack_trigger()', n);
					END IF;
					BEGIN
						EXECUTE c;
						state := 'ran';
					EXCEPTION WHEN OTHERS THEN
						GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
						state := 'error ' || state;
					END;
					results := results || (c || '|' || state);
					RAISE EXCEPTION 'undo the call and the plant';
				EXCEPTION WHEN raise_exception THEN
					IF SQLERRM <> 'undo the call and the plant' THEN
						RAISE;
					END IF;
				END;
			END LOOP;
		END LOOP;
	END LOOP;
	RETURN QUERY SELECT split_part(r, '|', 1), split_part(r, '|', 2), count(*)::int
		FROM unnest(results) r GROUP BY 1, 2 ORDER BY 1, 2;
END
$attack$;
GRANT EXECUTE ON FUNCTION public.attack_everything(text[], text[]) TO PUBLIC;
SET client_min_messages = notice;
SET ROLE test_app;
SELECT * FROM public.attack_everything((SELECT array_agg(call ORDER BY fn::text) FROM public.privileged_calls),
	ARRAY(SELECT public.planted_names()));
SET ROLE test_bi;
SELECT * FROM public.attack_everything((SELECT array_agg(call ORDER BY fn::text) FROM public.privileged_calls),
	ARRAY(SELECT public.planted_names()));
SET ROLE test_ops;
SELECT * FROM public.attack_everything((SELECT array_agg(call ORDER BY fn::text) FROM public.privileged_calls),
	ARRAY(SELECT public.planted_names()));
RESET ROLE;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'test\_%' ORDER BY 1;
-- The control: a privileged function that reuses a caller's temporary table.
CREATE FUNCTION public.reuses_parked() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF pg_catalog.to_regclass('pg_temp.analytics_parked') IS NULL THEN
		CREATE TEMP TABLE analytics_parked (LIKE analytics.events) ON COMMIT DROP;
	END IF;
	INSERT INTO pg_temp.analytics_parked SELECT * FROM analytics.events_default;
END
$$;
SET ROLE test_ops;
SELECT * FROM public.attack_everything(ARRAY['SELECT public.reuses_parked()'], ARRAY['analytics_parked']);
RESET ROLE;
DROP FUNCTION public.reuses_parked(), public.attack_everything(text[], text[]), public.planted_names();
DROP TABLE public.privileged_calls;
DELETE FROM analytics.stg_channels;
RESET analytics.mock_now;

-- Support functions of aggregates with an internal state are not for
-- calling: none is executable by PUBLIC (an aggregate checks its owner's
-- right to them, not the caller's); nor are internal aggregates ("_").
SELECT DISTINCT f::regprocedure AS internal_state_support_function_public
FROM pg_aggregate a
	JOIN pg_proc p ON p.oid = a.aggfnoid
	CROSS JOIN LATERAL unnest(ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn,
		a.aggdeserialfn, a.aggmtransfn, a.aggminvtransfn, a.aggmfinalfn]::oid[]) f
WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND f <> 0
	AND 'internal'::regtype IN (a.aggtranstype, a.aggmtranstype)
	AND has_function_privilege('public', f, 'EXECUTE')
UNION ALL
SELECT p.oid::regprocedure FROM pg_proc p
WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND p.prokind = 'a' AND p.proname LIKE '\_%'
	AND has_function_privilege('public', p.oid, 'EXECUTE')
ORDER BY 1;
-- Those of concrete states (float8[], bigint[], screen_time) are callable by
-- design (states kept in tables are merged and read with them): each checks
-- every state it is given (the feature tests feed them broken states).
SELECT DISTINCT a.aggfnoid::regprocedure AS aggregate, a.aggtranstype::regtype AS state
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace) AND a.aggtranstype <> 'internal'::regtype
ORDER BY 1;

-- Planted shadows: public functions and operators that would change results
-- if the extension resolved names through the caller's search_path.
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01 00:00Z'::timestamptz $$;
CREATE FUNCTION public.gen_random_uuid() RETURNS uuid LANGUAGE sql AS $$ SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;
CREATE FUNCTION public.jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'array' $$;
CREATE FUNCTION public.count(bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$;
CREATE FUNCTION public.text_never_equal(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.text_never_equal);
CREATE FUNCTION public.jsonb_fake_field(jsonb, text) RETURNS text LANGUAGE sql AS $$ SELECT 'shadow' $$;
CREATE OPERATOR public.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = public.jsonb_fake_field);
SET search_path = public, pg_catalog;

-- The same calls as above give the same answers under the shadows.
SELECT analytics.track('shadow_check', '{"k": "v"}', '2026-11-02 08:00Z', user_id => 'shadow-user',
	event_id => '00000000-0000-4000-8000-000000000002');
SELECT analytics.track('shadow_check', '{"k": "v"}', '2026-11-02 08:00Z', user_id => 'shadow-user',
	event_id => '00000000-0000-4000-8000-000000000002');
SELECT * FROM analytics.track_batch('{"not": "an array"}');
SELECT * FROM analytics.track_batch('[{"event_name": "shadow_check", "occurred_at": "2026-11-02T08:00:01Z", "user_id": "shadow-user"},
	{"event_name": "", "user_id": "shadow-user"}]');
SELECT event_id <> '00000000-0000-0000-0000-000000000000' AS real_uuid,
	received_at > '2000-01-02'::timestamptz AS real_now
FROM analytics.events WHERE event_name OPERATOR(pg_catalog.=) 'shadow_check' ORDER BY occurred_at;
SELECT day, events FROM analytics.event_counts_daily WHERE event_name OPERATOR(pg_catalog.=) 'shadow_check';
SELECT analytics.forget_user('shadow-user');
RESET search_path;

DROP FUNCTION public.now(), public.gen_random_uuid(), public.jsonb_typeof(jsonb), public.count(bigint);
DROP OPERATOR public.= (text, text);
DROP OPERATOR public.->> (jsonb, text);
DROP FUNCTION public.text_never_equal(text, text), public.jsonb_fake_field(jsonb, text);

DROP EXTENSION analytics CASCADE;
DROP ROLE test_app, test_bi, test_ops, test_nobody;
