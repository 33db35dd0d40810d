-- Foundation: installation, roles, privileges, search_path safety.
SET DateStyle = ISO;

-- Installing over an existing schema named analytics fails clearly.
CREATE SCHEMA analytics;
CREATE EXTENSION analytics;
DROP SCHEMA analytics;
CREATE EXTENSION analytics;

-- Not relocatable, not trusted, needs a superuser, objects in schema analytics.
SELECT e.extname, e.extrelocatable, e.extnamespace::regnamespace AS extschema,
	v.trusted, v.superuser, v.version = e.extversion AS current
FROM pg_extension e JOIN pg_available_extension_versions v ON v.name = e.extname AND v.version = e.extversion
WHERE e.extname = 'analytics';
SELECT count(*) AS objects_outside_analytics
FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refclassid = 'pg_extension'::regclass
	AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'analytics')
	AND p.pronamespace <> 'analytics'::regnamespace;

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
FROM pg_proc p WHERE p.pronamespace = 'analytics'::regnamespace AND p.prosecdef
ORDER BY p.proname;

-- Every user-facing object has a comment (internal helpers start with "_").
SELECT 'function ' || p.oid::regprocedure AS missing_comment
FROM pg_proc p
WHERE p.pronamespace = 'analytics'::regnamespace AND p.proname NOT LIKE '\_%'
	AND obj_description(p.oid, 'pg_proc') IS NULL
UNION ALL
SELECT 'relation ' || c.oid::regclass
FROM pg_class c
WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
	AND obj_description(c.oid, 'pg_class') IS NULL;

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
