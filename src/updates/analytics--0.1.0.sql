-- analytics 0.1.0: the install script as released (generated from src/*.sql at
-- commit ffe4429), frozen so that the upgrade chain can be tested from it.
-- Never edit: changes go in analytics--0.1.0--0.2.0.sql and later scripts.
-- src/analytics.sql: the schema and the roles every feature grants to.

\echo Use "CREATE EXTENSION analytics" to load this file. \quit

DO $guard$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname OPERATOR(pg_catalog.=) 'analytics') THEN
		RAISE EXCEPTION 'schema "analytics" already exists'
			USING ERRCODE = 'duplicate_schema',
				DETAIL = 'The analytics extension keeps its objects in a schema of its own named "analytics".',
				HINT = 'Rename or drop the existing schema, then run CREATE EXTENSION analytics again.';
	END IF;
END
$guard$;

CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS 'Objects of the analytics extension';

-- Group roles (NOLOGIN), created if absent; logins are granted them.
DO $roles$
DECLARE
	r text;
BEGIN
	FOREACH r IN ARRAY ARRAY['analytics_writer', 'analytics_reader', 'analytics_admin']
	LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
		END IF;
	END LOOP;
END
$roles$;

GRANT USAGE ON SCHEMA analytics TO analytics_writer, analytics_reader, analytics_admin;

-- src/events.sql: event collection.
--
-- analytics.events is partitioned by month on occurred_at. The partitions
-- carry their own indexes (none on the parent): partitions are created at run
-- time, outside the extension, and pg_dump recreates them and their indexes
-- as ordinary tables; a partitioned index on the extension-owned parent would
-- make the restore create every partition index twice.

CREATE TABLE analytics.events (
	event_id uuid NOT NULL,
	occurred_at timestamptz NOT NULL,
	received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	event_name text NOT NULL,
	session_id text,
	device_id text,
	user_id text,
	screen text,
	duration_ms bigint,
	props jsonb NOT NULL DEFAULT '{}'::jsonb
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE analytics.events IS 'Collected app events, partitioned by month of occurred_at; written through analytics.track and analytics.track_batch';

CREATE TABLE analytics.events_default PARTITION OF analytics.events DEFAULT;
COMMENT ON TABLE analytics.events_default IS 'Events whose month has no partition yet; analytics.ensure_partitions moves them out';

CREATE TABLE analytics.rejected_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	received_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	payload jsonb NOT NULL,
	reason text NOT NULL
);
CREATE INDEX rejected_events_user_idx ON analytics.rejected_events ((payload OPERATOR(pg_catalog.->>) 'user_id'));
COMMENT ON TABLE analytics.rejected_events IS 'Events refused by analytics.track_batch, kept whole with the reason; analytics.retry_rejected tries them again';

SELECT pg_catalog.pg_extension_config_dump('analytics.events_default', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.rejected_events', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.rejected_events_id_seq', '');

-- What an event object parses to: its columns, or why it is refused.
CREATE TYPE analytics.parsed_event AS (
	event_id uuid,
	occurred_at timestamptz,
	event_name text,
	session_id text,
	device_id text,
	user_id text,
	screen text,
	duration_ms bigint,
	props jsonb,
	problem text
);
COMMENT ON TYPE analytics.parsed_event IS 'An event object parsed by analytics.event_parse';

-- Validation, in C

CREATE FUNCTION analytics.event_check(event_name text, props jsonb, occurred_at timestamptz,
	session_id text, device_id text, user_id text, screen text, duration_ms bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'event_check'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.event_check(text, jsonb, timestamptz, text, text, text, text, bigint) IS 'Raises the first problem of an event as an error';

CREATE FUNCTION analytics.event_parse(payload jsonb, received_at timestamptz)
RETURNS analytics.parsed_event
AS 'MODULE_PATHNAME', 'event_parse'
LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.event_parse(jsonb, timestamptz) IS 'Parses and validates one JSON event object received at the given time';

-- Partition maintenance

-- Indexes of one partition: idempotency key, time range, per-event, per-user
-- and per-session access.
CREATE FUNCTION analytics._index_event_partition(part text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	EXECUTE pg_catalog.format('CREATE UNIQUE INDEX %I ON analytics.%I (event_id, occurred_at)', part || '_key', part);
	EXECUTE pg_catalog.format('CREATE INDEX %I ON analytics.%I USING brin (occurred_at)', part || '_time_brin', part);
	EXECUTE pg_catalog.format('CREATE INDEX %I ON analytics.%I (event_name, occurred_at)', part || '_name_time', part);
	EXECUTE pg_catalog.format('CREATE INDEX %I ON analytics.%I (user_id, occurred_at)', part || '_user_time', part);
	EXECUTE pg_catalog.format('CREATE INDEX %I ON analytics.%I (session_id, occurred_at)', part || '_session_time', part);
END
$$;
REVOKE ALL ON FUNCTION analytics._index_event_partition(text) FROM PUBLIC;

SELECT analytics._index_event_partition('events_default');

-- First instant of the UTC month holding ts
CREATE FUNCTION analytics._month_start(ts timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.timezone('UTC', pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', ts)));

-- Start of the month an events_pYYYYMM partition holds
CREATE FUNCTION analytics._partition_start(part name)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN pg_catalog.timezone('UTC', pg_catalog.to_date(pg_catalog.substr(part, 9), 'YYYYMM')::timestamp);

CREATE FUNCTION analytics.ensure_partitions(ahead interval DEFAULT '3 months')
RETURNS TABLE (partition_name text, moved_events bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	first_month timestamptz;
	last_month timestamptz;
	m timestamptz;
	part text;
BEGIN
	IF ahead IS NULL OR ahead < interval '0' THEN
		RAISE EXCEPTION 'ahead must be a non-negative interval'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- No event may land in the default partition while months are carved out.
	LOCK TABLE analytics.events_default IN SHARE ROW EXCLUSIVE MODE;

	SELECT LEAST(
			(SELECT analytics._month_start(pg_catalog.min(d.occurred_at)) FROM analytics.events_default d),
			(SELECT pg_catalog.min(analytics._partition_start(c.relname))
			 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
			 WHERE i.inhparent = 'analytics.events'::regclass AND c.relname ~ '^events_p[0-9]{6}$'),
			analytics._month_start(pg_catalog.now()))
	INTO first_month;
	first_month := analytics._month_start(first_month);
	last_month := analytics._month_start(pg_catalog.now() + ahead);

	m := first_month;
	WHILE m <= last_month LOOP
		part := 'events_p' || pg_catalog.to_char(pg_catalog.timezone('UTC', m), 'YYYYMM');
		IF pg_catalog.to_regclass('analytics.' || part) IS NULL THEN
			IF pg_catalog.to_regclass('pg_temp.analytics_parked') IS NULL THEN
				CREATE TEMP TABLE analytics_parked (LIKE analytics.events) ON COMMIT DROP;
			END IF;
			WITH moved AS (
				DELETE FROM analytics.events_default d
				WHERE d.occurred_at >= m AND d.occurred_at < analytics._month_start(m + interval '32 days')
				RETURNING d.*
			)
			INSERT INTO pg_temp.analytics_parked SELECT * FROM moved;
			GET DIAGNOSTICS moved_events = ROW_COUNT;
			EXECUTE pg_catalog.format(
				'CREATE TABLE analytics.%I PARTITION OF analytics.events FOR VALUES FROM (%L) TO (%L)',
				part, m, analytics._month_start(m + interval '32 days'));
			PERFORM analytics._index_event_partition(part);
			INSERT INTO analytics.events SELECT * FROM pg_temp.analytics_parked;
			TRUNCATE pg_temp.analytics_parked;
			partition_name := part;
			RETURN NEXT;
		END IF;
		m := analytics._month_start(m + interval '32 days');
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics.ensure_partitions(interval) IS 'Creates monthly event partitions from the earliest month present through now() + ahead and moves parked events into them';

CREATE FUNCTION analytics.drop_partitions(older_than interval)
RETURNS TABLE (partition_name text, dropped_events bigint)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cutoff timestamptz;
	p record;
BEGIN
	IF older_than IS NULL OR older_than < interval '0' THEN
		RAISE EXCEPTION 'older_than must be a non-negative interval'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- Whole months only: a month goes when all of it is older than the cutoff.
	cutoff := analytics._month_start(pg_catalog.now() - older_than);
	FOR p IN
		SELECT c.relname::text AS name
		FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'analytics.events'::regclass AND c.relname ~ '^events_p[0-9]{6}$'
			AND analytics._partition_start(c.relname) < cutoff
		ORDER BY 1
	LOOP
		partition_name := p.name;
		EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM analytics.%I', p.name) INTO dropped_events;
		EXECUTE pg_catalog.format('DROP TABLE analytics.%I', p.name);
		RETURN NEXT;
	END LOOP;
	DELETE FROM analytics.events_default d WHERE d.occurred_at < cutoff;
	GET DIAGNOSTICS dropped_events = ROW_COUNT;
	IF dropped_events > 0 THEN
		partition_name := 'events_default';
		RETURN NEXT;
	END IF;
END
$$;
COMMENT ON FUNCTION analytics.drop_partitions(interval) IS 'Retention: drops the monthly event partitions (and parked events) older than the given age';

-- Ingestion

CREATE FUNCTION analytics.track(
	event_name text,
	props jsonb DEFAULT '{}',
	occurred_at timestamptz DEFAULT pg_catalog.now(),
	session_id text DEFAULT NULL,
	device_id text DEFAULT NULL,
	user_id text DEFAULT NULL,
	screen text DEFAULT NULL,
	duration_ms bigint DEFAULT NULL,
	event_id uuid DEFAULT pg_catalog.gen_random_uuid())
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	stored analytics.events;
BEGIN
	PERFORM analytics.event_check(track.event_name, track.props, track.occurred_at, track.session_id,
		track.device_id, track.user_id, track.screen, track.duration_ms);
	IF track.event_id IS NULL THEN
		RAISE EXCEPTION 'event_id is missing' USING ERRCODE = 'null_value_not_allowed';
	END IF;

	INSERT INTO analytics.events (event_id, occurred_at, event_name, session_id, device_id,
		user_id, screen, duration_ms, props)
	VALUES (track.event_id, track.occurred_at, track.event_name, track.session_id, track.device_id,
		track.user_id, track.screen, track.duration_ms, coalesce(track.props, '{}'))
	ON CONFLICT DO NOTHING;

	IF NOT FOUND THEN
		SELECT * INTO stored FROM analytics.events e
		WHERE e.event_id = track.event_id AND e.occurred_at = track.occurred_at;
		IF (stored.event_name, stored.session_id, stored.device_id, stored.user_id, stored.screen,
			stored.duration_ms, stored.props)
			IS DISTINCT FROM
			(track.event_name, track.session_id, track.device_id, track.user_id, track.screen,
			 track.duration_ms, coalesce(track.props, '{}'))
		THEN
			RAISE EXCEPTION 'event_id % was already stored with different content', track.event_id
				USING ERRCODE = 'unique_violation',
					DETAIL = 'An event is stored once per (event_id, occurred_at); the stored one is kept.',
					HINT = 'Give each distinct event its own event_id.';
		END IF;
	END IF;
	RETURN track.event_id;
END
$$;
COMMENT ON FUNCTION analytics.track(text, jsonb, timestamptz, text, text, text, text, bigint, uuid) IS 'Stores one event; re-sending the same (event_id, occurred_at) stores nothing new';

-- Ingests a JSON array of event objects; received[i] is when element i
-- arrived (now() when NULL). Valid new events are stored, repeats counted,
-- everything else kept in analytics.rejected_events with its reason.
CREATE FUNCTION analytics._ingest(events jsonb, received timestamptz[] DEFAULT NULL,
	OUT accepted int, OUT duplicates int, OUT rejected int)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	pending jsonb;				-- valid events not stored by step 1
	pending_received timestamptz[];
	conflicts int;
BEGIN
	-- 1. Parse, store the first occurrence of each valid key, keep the invalid.
	-- Set operations only (hashed subplans): a batch costs O(n).
	WITH parsed AS MATERIALIZED (
		SELECT e.ord, e.payload, r.received_at, p.*
		FROM pg_catalog.jsonb_array_elements(events) WITH ORDINALITY AS e(payload, ord)
		CROSS JOIN LATERAL (SELECT coalesce(received[e.ord], pg_catalog.now()) AS received_at) r
		CROSS JOIN LATERAL analytics.event_parse(e.payload, r.received_at) p
	),
	firsts AS (
		SELECT DISTINCT ON (p.event_id, p.occurred_at) p.*
		FROM parsed p WHERE p.problem IS NULL
		ORDER BY p.event_id, p.occurred_at, p.ord
	),
	ins AS (
		INSERT INTO analytics.events (event_id, occurred_at, received_at, event_name, session_id,
			device_id, user_id, screen, duration_ms, props)
		SELECT f.event_id, f.occurred_at, f.received_at, f.event_name, f.session_id,
			f.device_id, f.user_id, f.screen, f.duration_ms, f.props
		FROM firsts f
		ON CONFLICT DO NOTHING
		RETURNING event_id, occurred_at
	),
	rej AS (
		INSERT INTO analytics.rejected_events (received_at, payload, reason)
		SELECT p.received_at, p.payload, p.problem FROM parsed p
		WHERE p.problem IS NOT NULL ORDER BY p.ord
		RETURNING 1
	),
	-- a valid event was stored when it is its key's first occurrence and the key was inserted
	left_over AS (
		SELECT p.ord, p.payload, p.received_at FROM parsed p
		WHERE p.problem IS NULL
			AND (p.ord NOT IN (SELECT f.ord FROM firsts f)
				 OR (p.event_id, p.occurred_at) NOT IN (SELECT i.event_id, i.occurred_at FROM ins i))
	)
	SELECT (SELECT pg_catalog.count(*) FROM ins),
		(SELECT pg_catalog.count(*) FROM rej),
		(SELECT pg_catalog.jsonb_agg(l.payload ORDER BY l.ord) FROM left_over l),
		(SELECT pg_catalog.array_agg(l.received_at ORDER BY l.ord) FROM left_over l)
	INTO accepted, rejected, pending, pending_received;

	-- 2. Valid events not stored: repeats of a stored event, or conflicts.
	-- A new statement, so it sees what step 1 and concurrent batches stored.
	duplicates := 0;
	IF pending IS NOT NULL THEN
		WITH cand AS (
			SELECT e.i, e.payload, pending_received[e.i] AS received_at, p.*
			FROM pg_catalog.jsonb_array_elements(pending) WITH ORDINALITY AS e(payload, i)
			CROSS JOIN LATERAL analytics.event_parse(e.payload, pending_received[e.i]) p
		),
		judged AS (
			SELECT c.*, (s.event_name, s.session_id, s.device_id, s.user_id, s.screen,
					s.duration_ms, s.props)
				IS DISTINCT FROM (c.event_name, c.session_id, c.device_id, c.user_id, c.screen,
					c.duration_ms, c.props) AND s.event_id IS NOT NULL AS differs
			FROM cand c
			LEFT JOIN analytics.events s ON s.event_id = c.event_id AND s.occurred_at = c.occurred_at
		),
		rej AS (
			INSERT INTO analytics.rejected_events (received_at, payload, reason)
			SELECT j.received_at, j.payload,
				pg_catalog.format('event_id %s was already stored with different content. '
					'An event is stored once per (event_id, occurred_at); give each distinct event its own event_id.',
					j.event_id)
			FROM judged j WHERE j.differs ORDER BY j.i
			RETURNING 1
		)
		SELECT (SELECT pg_catalog.count(*) FROM rej)::int,
			(SELECT pg_catalog.count(*) FROM judged j WHERE NOT j.differs)::int
		INTO conflicts, duplicates;
		rejected := rejected + conflicts;
	END IF;
END
$$;
REVOKE ALL ON FUNCTION analytics._ingest(jsonb, timestamptz[]) FROM PUBLIC;

CREATE FUNCTION analytics.track_batch(events jsonb)
RETURNS TABLE (accepted int, duplicates int, rejected int)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF events IS NULL OR pg_catalog.jsonb_typeof(events) <> 'array' THEN
		RAISE EXCEPTION 'events must be a JSON array'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = pg_catalog.format('The payload is %s.', coalesce('a JSON ' || pg_catalog.jsonb_typeof(events), 'NULL')),
				HINT = 'Send the events as an array of objects, such as [{"event_name": "open_screen"}].';
	END IF;
	RETURN QUERY SELECT i.accepted, i.duplicates, i.rejected FROM analytics._ingest(events) i;
END
$$;
COMMENT ON FUNCTION analytics.track_batch(jsonb) IS 'Stores a JSON array of events; invalid ones go to analytics.rejected_events, none is lost';

CREATE FUNCTION analytics.retry_rejected()
RETURNS TABLE (accepted int, duplicates int, still_rejected int)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	last_id bigint;
	max_id bigint;
	batch jsonb;
	recv timestamptz[];
	r record;
BEGIN
	accepted := 0;
	duplicates := 0;
	still_rejected := 0;
	-- Those still refused come back with new ids: stop at today's last one.
	SELECT pg_catalog.max(id) INTO max_id FROM analytics.rejected_events;
	last_id := 0;
	WHILE last_id < max_id LOOP
		WITH taken AS (
			DELETE FROM analytics.rejected_events x
			WHERE x.id IN (SELECT y.id FROM analytics.rejected_events y
						   WHERE y.id > last_id AND y.id <= max_id ORDER BY y.id LIMIT 10000)
			RETURNING x.id, x.received_at, x.payload
		)
		SELECT pg_catalog.jsonb_agg(t.payload ORDER BY t.id), pg_catalog.array_agg(t.received_at ORDER BY t.id),
			pg_catalog.max(t.id)
		INTO batch, recv, last_id
		FROM taken t;
		EXIT WHEN batch IS NULL;
		SELECT * INTO r FROM analytics._ingest(batch, recv);
		accepted := accepted + r.accepted;
		duplicates := duplicates + r.duplicates;
		still_rejected := still_rejected + r.rejected;
	END LOOP;
	RETURN NEXT;
END
$$;
COMMENT ON FUNCTION analytics.retry_rejected() IS 'Validates rejected events again (after a configuration change) and stores those now valid';

CREATE FUNCTION analytics.forget_user(user_id text)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n_events bigint;
	n_rejected bigint;
BEGIN
	IF forget_user.user_id IS NULL THEN
		RAISE EXCEPTION 'user_id must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	DELETE FROM analytics.events e WHERE e.user_id = forget_user.user_id;
	GET DIAGNOSTICS n_events = ROW_COUNT;
	DELETE FROM analytics.rejected_events r WHERE r.payload ->> 'user_id' = forget_user.user_id;
	GET DIAGNOSTICS n_rejected = ROW_COUNT;
	RETURN n_events + n_rejected;
END
$$;
COMMENT ON FUNCTION analytics.forget_user(text) IS 'Right to erasure: deletes a person''s events and rejected events, returns how many';

-- Scheduling (needs pg_cron in this database)

CREATE FUNCTION analytics._require_pg_cron()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not installed in this database'
			USING ERRCODE = 'feature_not_supported',
				DETAIL = 'Scheduled jobs of the analytics extension run through pg_cron.',
				HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name to this database, restart, and run CREATE EXTENSION pg_cron.';
	END IF;
END
$$;
REVOKE ALL ON FUNCTION analytics._require_pg_cron() FROM PUBLIC;

-- cron.schedule through dynamic SQL: the extension must install without pg_cron.
CREATE FUNCTION analytics._cron_schedule(job_name text, schedule text, command text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	job bigint;
BEGIN
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job USING job_name, schedule, command;
	RETURN job;
END
$$;
REVOKE ALL ON FUNCTION analytics._cron_schedule(text, text, text) FROM PUBLIC;

CREATE FUNCTION analytics.schedule_maintenance(schedule text DEFAULT '7 0 * * *')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM analytics._require_pg_cron();
	-- A named job: scheduling again replaces it instead of adding another.
	RETURN analytics._cron_schedule('analytics_ensure_partitions', schedule,
		'SELECT pg_catalog.count(*) FROM analytics.ensure_partitions()');
END
$$;
COMMENT ON FUNCTION analytics.schedule_maintenance(text) IS 'Schedules analytics.ensure_partitions with pg_cron as the job "analytics_ensure_partitions"';


-- Views

CREATE VIEW analytics.event_counts_daily AS
SELECT (pg_catalog.timezone('UTC', e.occurred_at))::date AS day,
	e.event_name,
	pg_catalog.count(*) AS events,
	pg_catalog.count(DISTINCT e.user_id) AS users,
	pg_catalog.count(DISTINCT e.session_id) AS sessions
FROM analytics.events e
GROUP BY 1, 2;
COMMENT ON VIEW analytics.event_counts_daily IS 'Events collected per UTC day and event name, with distinct users and sessions';

-- Daily counts as a series: for each event name, every UTC day from its
-- first to its last day with events, days without events counting 0 (what
-- time-series models need: one value per step). One pass over the daily
-- counts: each day with events, then the empty days up to the next one.
CREATE VIEW analytics.event_counts_filled AS
WITH daily AS (
	SELECT e.event_name, (pg_catalog.timezone('UTC', e.occurred_at))::date AS day,
		pg_catalog.count(*) AS events
	FROM analytics.events e
	GROUP BY 1, 2
)
SELECT d.day OPERATOR(pg_catalog.+) g.i AS day, d.event_name,
	CASE WHEN g.i OPERATOR(pg_catalog.=) 0 THEN d.events ELSE 0 END AS events
FROM (
	SELECT c.event_name, c.day, c.events,
		pg_catalog.lead(c.day) OVER (PARTITION BY c.event_name ORDER BY c.day) AS next_day
	FROM daily c
) d
CROSS JOIN LATERAL pg_catalog.generate_series(0,
	COALESCE(d.next_day OPERATOR(pg_catalog.-) d.day OPERATOR(pg_catalog.-) 1, 0)) AS g(i);
COMMENT ON VIEW analytics.event_counts_filled IS 'Events per UTC day and event name from each name''s first to its last day, days without events counting 0';

-- Privileges: writers only ingest, readers only read, admins maintain.

REVOKE ALL ON FUNCTION analytics.track(text, jsonb, timestamptz, text, text, text, text, bigint, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.track_batch(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.retry_rejected() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.ensure_partitions(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.drop_partitions(interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.forget_user(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.schedule_maintenance(text) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION analytics.track(text, jsonb, timestamptz, text, text, text, text, bigint, uuid) TO analytics_writer;
GRANT EXECUTE ON FUNCTION analytics.track_batch(jsonb) TO analytics_writer;
GRANT EXECUTE ON FUNCTION analytics.retry_rejected() TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.ensure_partitions(interval) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.drop_partitions(interval) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.forget_user(text) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.schedule_maintenance(text) TO analytics_admin;

GRANT SELECT ON analytics.events, analytics.event_counts_daily, analytics.event_counts_filled TO analytics_reader;
GRANT SELECT ON analytics.rejected_events TO analytics_reader, analytics_admin;

-- src/funnel.sql: funnels.

CREATE FUNCTION analytics.funnel_trans(internal, timestamptz, int, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.funnel_trans(internal, timestamptz, int, interval, text)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.funnel_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.funnel_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'funnel_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics.funnel_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'funnel_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics.funnel_level_final(internal)
RETURNS int AS 'MODULE_PATHNAME', 'funnel_level_final' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.funnel_times_final(internal)
RETURNS timestamptz[] AS 'MODULE_PATHNAME', 'funnel_times_final' LANGUAGE C PARALLEL SAFE;

COMMENT ON FUNCTION analytics.funnel_trans(internal, timestamptz, int, interval) IS 'Transition function of funnel_level and funnel_times';
COMMENT ON FUNCTION analytics.funnel_trans(internal, timestamptz, int, interval, text) IS 'Transition function of funnel_level and funnel_times with modes';
COMMENT ON FUNCTION analytics.funnel_combine(internal, internal) IS 'Combine function of funnel_level and funnel_times';
COMMENT ON FUNCTION analytics.funnel_serialize(internal) IS 'Serialize function of funnel_level and funnel_times';
COMMENT ON FUNCTION analytics.funnel_deserialize(bytea, internal) IS 'Deserialize function of funnel_level and funnel_times; checks every length and step';
COMMENT ON FUNCTION analytics.funnel_level_final(internal) IS 'Final function of funnel_level';
COMMENT ON FUNCTION analytics.funnel_times_final(internal) IS 'Final function of funnel_times';

-- The final functions sort the kept events in place: the state stays valid,
-- so it may be shared (FINALFUNC_MODIFY = SHAREABLE). SSPACE tells the
-- planner what a state takes (16 bytes an event, measured about 630 bytes an
-- entity on the benchmark's data), so hash aggregation plans its memory
-- instead of spilling to disk.
CREATE AGGREGATE analytics.funnel_level(ts timestamptz, step int, "window" interval) (
	SFUNC = analytics.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics.funnel_level_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics.funnel_combine,
	SERIALFUNC = analytics.funnel_serialize,
	DESERIALFUNC = analytics.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_level(timestamptz, int, interval) IS 'Highest funnel step reached in order within the window of a step-1 event, over one entity''s events';

CREATE AGGREGATE analytics.funnel_level(ts timestamptz, step int, "window" interval, mode text) (
	SFUNC = analytics.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics.funnel_level_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics.funnel_combine,
	SERIALFUNC = analytics.funnel_serialize,
	DESERIALFUNC = analytics.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_level(timestamptz, int, interval, text) IS 'funnel_level with modes strict_order, strict_deduplication, strict_increase (comma-separated)';

CREATE AGGREGATE analytics.funnel_times(ts timestamptz, step int, "window" interval) (
	SFUNC = analytics.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics.funnel_times_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics.funnel_combine,
	SERIALFUNC = analytics.funnel_serialize,
	DESERIALFUNC = analytics.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_times(timestamptz, int, interval) IS 'Times at which each step was reached, in the first chain to reach the highest funnel level';

CREATE AGGREGATE analytics.funnel_times(ts timestamptz, step int, "window" interval, mode text) (
	SFUNC = analytics.funnel_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics.funnel_times_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics.funnel_combine,
	SERIALFUNC = analytics.funnel_serialize,
	DESERIALFUNC = analytics.funnel_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_times(timestamptz, int, interval, text) IS 'funnel_times with modes strict_order, strict_deduplication, strict_increase (comma-separated)';

-- Across entities: a plain bigint[] state, so Citus can push partial
-- aggregation to its workers.
CREATE FUNCTION analytics.funnel_dropoff_trans(bigint[], int, int)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'funnel_dropoff_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.funnel_dropoff_combine(bigint[], bigint[])
RETURNS bigint[] AS 'MODULE_PATHNAME', 'funnel_dropoff_combine' LANGUAGE C PARALLEL SAFE;

COMMENT ON FUNCTION analytics.funnel_dropoff_trans(bigint[], int, int) IS 'Transition function of funnel_dropoff';
COMMENT ON FUNCTION analytics.funnel_dropoff_combine(bigint[], bigint[]) IS 'Combine function of funnel_dropoff: adds the counts';

CREATE AGGREGATE analytics.funnel_dropoff(level int, nsteps int) (
	SFUNC = analytics.funnel_dropoff_trans,
	STYPE = bigint[],
	COMBINEFUNC = analytics.funnel_dropoff_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.funnel_dropoff(int, int) IS 'For k = 1..nsteps, the number of entities whose funnel level is at least k';

CREATE FUNCTION analytics.funnel_report(counts bigint[], step_names text[] DEFAULT NULL)
RETURNS TABLE (step int, step_name text, entities bigint, conversion_from_previous float8,
	dropoff_from_previous bigint, dropoff_pct float8, conversion_from_first float8)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF step_names IS NOT NULL AND
		pg_catalog.cardinality(step_names) <> pg_catalog.cardinality(counts) THEN
		RAISE EXCEPTION 'funnel_report needs one step name per count'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = pg_catalog.format('There are %s counts and %s step names.',
					pg_catalog.cardinality(counts), pg_catalog.cardinality(step_names));
	END IF;
	RETURN QUERY
	SELECT u.k::int,
		coalesce(step_names[u.k], 'step ' || u.k),
		u.c,
		u.c::float8 / NULLIF(pg_catalog.lag(u.c) OVER w, 0),
		pg_catalog.lag(u.c) OVER w - u.c,
		100 * (pg_catalog.lag(u.c) OVER w - u.c)::float8 / NULLIF(pg_catalog.lag(u.c) OVER w, 0),
		u.c::float8 / NULLIF(pg_catalog.first_value(u.c) OVER w, 0)
	FROM pg_catalog.unnest(counts) WITH ORDINALITY AS u(c, k)
	WINDOW w AS (ORDER BY u.k)
	ORDER BY u.k;
END
$$;
COMMENT ON FUNCTION analytics.funnel_report(bigint[], text[]) IS 'The drop-off table of a funnel from funnel_dropoff counts: conversion as fractions, drop-off in entities and percent';

-- One call over analytics.events.
CREATE FUNCTION analytics.funnel(steps text[], "window" interval, since timestamptz, until timestamptz,
	entity text DEFAULT 'user_id', event_name text DEFAULT NULL, step_property text DEFAULT NULL,
	breakdown_property text DEFAULT NULL, mode text DEFAULT '')
RETURNS TABLE (breakdown text, step int, step_name text, entities bigint,
	conversion_from_previous float8, dropoff_from_previous bigint, dropoff_pct float8,
	conversion_from_first float8, median_seconds_from_previous float8, p90_seconds_from_previous float8)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	nsteps int := pg_catalog.cardinality(steps);
	step_expr text;
	filter text;
BEGIN
	IF steps IS NULL OR nsteps < 1 OR pg_catalog.array_position(steps, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'steps must be a non-empty array without NULLs'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF since IS NULL OR until IS NULL OR "window" IS NULL THEN
		RAISE EXCEPTION 'window, since and until must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- the only identifier spliced into the query: one of the entity columns
	IF entity IS NULL OR entity NOT IN ('user_id', 'session_id', 'device_id') THEN
		RAISE EXCEPTION 'invalid funnel entity "%"', entity
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'The entity is one of user_id, session_id and device_id.';
	END IF;
	IF event_name IS NOT NULL AND step_property IS NULL THEN
		RAISE EXCEPTION 'step_property is required with event_name'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'With event_name, steps match the value of props->>step_property on that event.';
	END IF;
	-- modes are checked here, before any row, so that an empty range errs too
	PERFORM analytics.funnel_level(ts, 1, "window", mode)
	FROM (VALUES (NULL::timestamptz)) AS v(ts);

	IF event_name IS NULL THEN
		step_expr := 'pg_catalog.array_position($1, e.event_name)';
		filter := 'e.event_name OPERATOR(pg_catalog.=) ANY ($1)';
	ELSE
		step_expr := 'pg_catalog.array_position($1, e.props OPERATOR(pg_catalog.->>) $6)';
		filter := 'e.event_name OPERATOR(pg_catalog.=) $5';
	END IF;
	-- strict_order needs the entity's other events too
	IF position('strict_order' IN mode) > 0 THEN
		filter := 'true';
	END IF;

	RETURN QUERY EXECUTE pg_catalog.format($q$
		WITH ev AS MATERIALIZED (
			SELECT e.%1$I AS entity, e.occurred_at AS ts, %2$s AS step,
				e.props OPERATOR(pg_catalog.->>) $7 AS bval
			FROM analytics.events e
			WHERE e.occurred_at OPERATOR(pg_catalog.>=) $3 AND e.occurred_at OPERATOR(pg_catalog.<) $4
				AND e.%1$I IS NOT NULL AND %3$s
		),
		chains AS (
			SELECT ev.entity, analytics.funnel_times(ev.ts, ev.step, $2, $8) AS times
			FROM ev GROUP BY ev.entity
		),
		-- first touch: the breakdown value on the chain's step-1 event (a hash
		-- join on entity and time, not a scan per entity)
		firsts AS (
			SELECT ev.entity, ev.ts, pg_catalog.min(ev.bval) AS bd
			FROM ev WHERE $7 IS NOT NULL AND ev.step OPERATOR(pg_catalog.=) 1
			GROUP BY ev.entity, ev.ts
		),
		entities AS (
			SELECT c.entity, c.times, pg_catalog.cardinality(c.times) AS level, f.bd
			FROM chains c
			LEFT JOIN firsts f ON f.entity OPERATOR(pg_catalog.=) c.entity
				AND f.ts OPERATOR(pg_catalog.=) c.times[1]
			WHERE pg_catalog.cardinality(c.times) OPERATOR(pg_catalog.>) 0
		),
		counts AS (
			SELECT x.bd, analytics.funnel_dropoff(x.level, $9) AS counts
			FROM entities x GROUP BY x.bd
		),
		gaps AS (
			SELECT x.bd, g.k::int AS k,
				pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY g.secs) AS median,
				pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY g.secs) AS p90
			FROM entities x,
				LATERAL (SELECT k, pg_catalog.date_part('epoch', x.times[k] OPERATOR(pg_catalog.-) x.times[k - 1]) AS secs
						 FROM pg_catalog.generate_series(2, x.level) AS k) g
			GROUP BY x.bd, g.k
		)
		SELECT c.bd, r.step, r.step_name, r.entities, r.conversion_from_previous,
			r.dropoff_from_previous, r.dropoff_pct, r.conversion_from_first, g.median, g.p90
		FROM counts c
		CROSS JOIN LATERAL analytics.funnel_report(c.counts, $1) r
		LEFT JOIN gaps g ON g.bd IS NOT DISTINCT FROM c.bd AND g.k OPERATOR(pg_catalog.=) r.step
		ORDER BY c.bd NULLS FIRST, r.step
	$q$, entity, step_expr, filter)
	USING steps, "window", since, until, event_name, step_property, breakdown_property,
		coalesce(mode, ''), nsteps;
END
$$;
COMMENT ON FUNCTION analytics.funnel(text[], interval, timestamptz, timestamptz, text, text, text, text, text) IS 'A funnel over analytics.events in one call: entities, conversion, drop-off and time between steps per step, optionally broken down by a property';

-- Support functions of internal-state aggregates are not for direct calls:
-- one fed another aggregate's state (in a hand-made aggregate) would read it
-- as its own. The aggregates still run for everyone (PostgreSQL checks the
-- aggregate owner's right to call them).
REVOKE EXECUTE ON FUNCTION analytics.funnel_combine(internal,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.funnel_deserialize(bytea,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.funnel_level_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.funnel_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.funnel_times_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.funnel_trans(internal,timestamp with time zone,integer,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.funnel_trans(internal,timestamp with time zone,integer,interval,text) FROM PUBLIC;
-- src/screen_time.sql: screen time per session, and rollups of it.
--
-- analytics.screen_seconds aggregates one session's events into an
-- analytics.screen_time value (seconds and views per screen); the accessors
-- read it; analytics.rollup merges values across sessions and days, so a
-- table of daily values answers any date range without the raw events.
-- The rules are in the header of src/screen_time.c and in the README.

-- The type: seconds (kept to the microsecond) and views per screen.
CREATE TYPE analytics.screen_time;

CREATE FUNCTION analytics.screen_time_in(cstring)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_time_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_time_in(cstring) IS 'Text input of analytics.screen_time: {"screen": {"seconds": s, "views": n}, ...}';

CREATE FUNCTION analytics.screen_time_out(analytics.screen_time)
RETURNS cstring
AS 'MODULE_PATHNAME', 'screen_time_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_time_out(analytics.screen_time) IS 'Text output of analytics.screen_time, screens in byte order of their names';

CREATE TYPE analytics.screen_time (
	INPUT = analytics.screen_time_in,
	OUTPUT = analytics.screen_time_out,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);
COMMENT ON TYPE analytics.screen_time IS 'Seconds and views per screen, from analytics.screen_seconds; merged by analytics.rollup';

-- analytics.screen_seconds: support functions

CREATE FUNCTION analytics.screen_seconds_trans(internal, timestamptz, text)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_seconds_trans(internal, timestamptz, text) IS 'Transition function of analytics.screen_seconds(timestamptz, text)';

CREATE FUNCTION analytics.screen_seconds_trans(internal, timestamptz, text, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_seconds_trans(internal, timestamptz, text, interval) IS 'Transition function of analytics.screen_seconds(timestamptz, text, interval)';

CREATE FUNCTION analytics.screen_seconds_trans(internal, timestamptz, text, bigint, interval)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_seconds_trans(internal, timestamptz, text, bigint, interval) IS 'Transition function of analytics.screen_seconds(timestamptz, text, bigint, interval)';

CREATE FUNCTION analytics.screen_seconds_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_seconds_combine(internal, internal) IS 'Combine function of analytics.screen_seconds: merges partial states';

CREATE FUNCTION analytics.screen_seconds_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'screen_seconds_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_seconds_serialize(internal) IS 'Serialize function of analytics.screen_seconds';

CREATE FUNCTION analytics.screen_seconds_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'screen_seconds_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_seconds_deserialize(bytea, internal) IS 'Deserialize function of analytics.screen_seconds; checks every count and index';

-- STABLE: without an idle_timeout it reads analytics.session_idle_timeout.
CREATE FUNCTION analytics.screen_seconds_final(internal)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_seconds_final'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_seconds_final(internal) IS 'Final function of analytics.screen_seconds: sorts the events and sums the time per screen';

-- analytics.screen_seconds: the aggregates

CREATE AGGREGATE analytics.screen_seconds(ts timestamptz, screen text) (
	SFUNC = analytics.screen_seconds_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics.screen_seconds_final,
	COMBINEFUNC = analytics.screen_seconds_combine,
	SERIALFUNC = analytics.screen_seconds_serialize,
	DESERIALFUNC = analytics.screen_seconds_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.screen_seconds(timestamptz, text) IS 'Seconds and views per screen over one session''s events (NULL screen: other activity); gaps longer than analytics.session_idle_timeout count zero';

CREATE AGGREGATE analytics.screen_seconds(ts timestamptz, screen text, idle_timeout interval) (
	SFUNC = analytics.screen_seconds_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics.screen_seconds_final,
	COMBINEFUNC = analytics.screen_seconds_combine,
	SERIALFUNC = analytics.screen_seconds_serialize,
	DESERIALFUNC = analytics.screen_seconds_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.screen_seconds(timestamptz, text, interval) IS 'Seconds and views per screen over one session''s events; gaps longer than idle_timeout (the same in every row; NULL: analytics.session_idle_timeout) count zero';

CREATE AGGREGATE analytics.screen_seconds(ts timestamptz, screen text, duration_ms bigint, idle_timeout interval) (
	SFUNC = analytics.screen_seconds_trans,
	STYPE = internal,
	SSPACE = 640,
	FINALFUNC = analytics.screen_seconds_final,
	COMBINEFUNC = analytics.screen_seconds_combine,
	SERIALFUNC = analytics.screen_seconds_serialize,
	DESERIALFUNC = analytics.screen_seconds_deserialize,
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
REVOKE EXECUTE ON FUNCTION analytics.screen_seconds_combine(internal,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.screen_seconds_deserialize(bytea,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.screen_seconds_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.screen_seconds_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.screen_seconds_trans(internal,timestamp with time zone,text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.screen_seconds_trans(internal,timestamp with time zone,text,bigint,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.screen_seconds_trans(internal,timestamp with time zone,text,interval) FROM PUBLIC;

-- src/regression.sql: ols(), multiple linear regression.

CREATE TYPE analytics.ols_fit AS (
	coefficients float8[],
	std_errors float8[],
	t_values float8[],
	p_values float8[],
	r_squared float8,
	adj_r_squared float8,
	residual_stddev float8,
	f_statistic float8,
	n bigint,
	condition_number float8
);
COMMENT ON TYPE analytics.ols_fit IS 'Result of analytics.ols: coefficients (intercept first) with their standard errors, t values and p values, and the fit''s summary';

CREATE FUNCTION analytics.ols_trans(float8[], float8, float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'ols_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics.ols_trans(float8[], float8, float8[], boolean)
RETURNS float8[] AS 'MODULE_PATHNAME', 'ols_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics.ols_combine(float8[], float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'ols_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics.ols_final(float8[])
RETURNS analytics.ols_fit AS 'MODULE_PATHNAME', 'ols_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION analytics.ols_trans(float8[], float8, float8[]) IS 'Transition function of ols: rotates a row into the state''s triangular factor';
COMMENT ON FUNCTION analytics.ols_trans(float8[], float8, float8[], boolean) IS 'Transition function of ols with or without an intercept';
COMMENT ON FUNCTION analytics.ols_combine(float8[], float8[]) IS 'Combine function of ols: merges two triangular factors';
COMMENT ON FUNCTION analytics.ols_final(float8[]) IS 'Final function of ols: solves the factor and computes the inference';

-- The state is a float8[] (format, p, intercept, n, mean and squared
-- deviations of y, sum of y^2, then the AS 274 factor): a concrete type, so
-- partial states travel anywhere a float8[] does.
CREATE AGGREGATE analytics.ols(y float8, x float8[]) (
	SFUNC = analytics.ols_trans,
	STYPE = float8[],
	FINALFUNC = analytics.ols_final,
	COMBINEFUNC = analytics.ols_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.ols(float8, float8[]) IS 'Ordinary least squares of y on the regressors x and an intercept, by orthogonal (Givens) updating';

CREATE AGGREGATE analytics.ols(y float8, x float8[], intercept boolean) (
	SFUNC = analytics.ols_trans,
	STYPE = float8[],
	FINALFUNC = analytics.ols_final,
	COMBINEFUNC = analytics.ols_combine,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.ols(float8, float8[], boolean) IS 'Ordinary least squares of y on the regressors x, with or without an intercept';

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
CREATE FUNCTION analytics.linear_forecast_trans(internal, timestamptz, float8, int, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'linear_forecast_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.linear_forecast_trans(internal, timestamptz, float8, int, interval, float8, int)
RETURNS internal AS 'MODULE_PATHNAME', 'linear_forecast_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.detect_season_trans(internal, timestamptz, float8, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'detect_season_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.forecast_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'forecast_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.forecast_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'forecast_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics.forecast_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'forecast_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics.linear_forecast_final(internal)
RETURNS analytics.forecast_point[] AS 'MODULE_PATHNAME', 'linear_forecast_final' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics.detect_season_final(internal)
RETURNS analytics.season AS 'MODULE_PATHNAME', 'detect_season_final' LANGUAGE C PARALLEL SAFE;

COMMENT ON FUNCTION analytics.linear_forecast_trans(internal, timestamptz, float8, int, interval) IS 'Transition function of linear_forecast';
COMMENT ON FUNCTION analytics.linear_forecast_trans(internal, timestamptz, float8, int, interval, float8, int) IS 'Transition function of linear_forecast with confidence and season';
COMMENT ON FUNCTION analytics.detect_season_trans(internal, timestamptz, float8, interval) IS 'Transition function of detect_season';
COMMENT ON FUNCTION analytics.forecast_combine(internal, internal) IS 'Combine function of linear_forecast and detect_season';
COMMENT ON FUNCTION analytics.forecast_serialize(internal) IS 'Serialize function of linear_forecast and detect_season';
COMMENT ON FUNCTION analytics.forecast_deserialize(bytea, internal) IS 'Deserialize function of linear_forecast and detect_season; checks the header and every observation';
COMMENT ON FUNCTION analytics.linear_forecast_final(internal) IS 'Final function of linear_forecast';
COMMENT ON FUNCTION analytics.detect_season_final(internal) IS 'Final function of detect_season';

-- The final functions sort the observations in place: the state stays
-- valid, so it may be shared (FINALFUNC_MODIFY = SHAREABLE).
CREATE AGGREGATE analytics.linear_forecast(ts timestamptz, value float8, horizon int, step interval) (
	SFUNC = analytics.linear_forecast_trans,
	STYPE = internal,
	FINALFUNC = analytics.linear_forecast_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics.forecast_combine,
	SERIALFUNC = analytics.forecast_serialize,
	DESERIALFUNC = analytics.forecast_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.linear_forecast(timestamptz, float8, int, interval) IS 'Least-squares linear trend forecast for steps 1..horizon after the last observation, with 95% prediction intervals';

CREATE AGGREGATE analytics.linear_forecast(ts timestamptz, value float8, horizon int, step interval,
										   confidence float8, season int) (
	SFUNC = analytics.linear_forecast_trans,
	STYPE = internal,
	FINALFUNC = analytics.linear_forecast_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics.forecast_combine,
	SERIALFUNC = analytics.forecast_serialize,
	DESERIALFUNC = analytics.forecast_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.linear_forecast(timestamptz, float8, int, interval, float8, int) IS 'Linear trend forecast with additive seasonal terms (season: period in steps, 0 none, -1 detect) and prediction intervals at the given confidence';

CREATE AGGREGATE analytics.detect_season(ts timestamptz, value float8, step interval) (
	SFUNC = analytics.detect_season_trans,
	STYPE = internal,
	FINALFUNC = analytics.detect_season_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics.forecast_combine,
	SERIALFUNC = analytics.forecast_serialize,
	DESERIALFUNC = analytics.forecast_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.detect_season(timestamptz, float8, interval) IS 'Period (in steps) of the strongest cycle in the detrended series'' autocorrelation, and its strength';

-- trend_summary: O(1) state of a concrete type (float8[])
CREATE FUNCTION analytics.trend_summary_trans(float8[], timestamptz, float8, interval)
RETURNS float8[] AS 'MODULE_PATHNAME', 'trend_summary_trans' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION analytics.trend_summary_combine(float8[], float8[])
RETURNS float8[] AS 'MODULE_PATHNAME', 'trend_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION analytics.trend_summary_final(float8[])
RETURNS analytics.trend AS 'MODULE_PATHNAME', 'trend_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION analytics.trend_summary_trans(float8[], timestamptz, float8, interval) IS 'Transition function of trend_summary (Youngs-Cramer updates)';
COMMENT ON FUNCTION analytics.trend_summary_combine(float8[], float8[]) IS 'Combine function of trend_summary';
COMMENT ON FUNCTION analytics.trend_summary_final(float8[]) IS 'Final function of trend_summary';

CREATE AGGREGATE analytics.trend_summary(ts timestamptz, value float8, step interval) (
	SFUNC = analytics.trend_summary_trans,
	STYPE = float8[],
	FINALFUNC = analytics.trend_summary_final,
	COMBINEFUNC = analytics.trend_summary_combine,
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
CREATE VIEW analytics.event_forecast AS
WITH complete AS (
	SELECT c.event_name, c.day, c.events
	FROM analytics.event_counts_filled c
	WHERE c.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', pg_catalog.now()))::date
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

GRANT SELECT ON analytics.event_forecast TO analytics_reader;

-- Support functions of internal-state aggregates are not for direct calls:
-- one fed another aggregate's state (in a hand-made aggregate) would read it
-- as its own. The aggregates still run for everyone (PostgreSQL checks the
-- aggregate owner's right to call them).
REVOKE EXECUTE ON FUNCTION analytics.detect_season_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.detect_season_trans(internal,timestamp with time zone,double precision,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.forecast_combine(internal,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.forecast_deserialize(bytea,internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.forecast_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.linear_forecast_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.linear_forecast_trans(internal,timestamp with time zone,double precision,integer,interval) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.linear_forecast_trans(internal,timestamp with time zone,double precision,integer,interval,double precision,integer) FROM PUBLIC;
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

CREATE FUNCTION analytics.zscore_trans(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.zscore_trans(internal, float8) IS 'Transition function of analytics.zscore: adds a value to the exact sums';

CREATE FUNCTION analytics.zscore_inv(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.zscore_inv(internal, float8) IS 'Inverse transition function of analytics.zscore: removes a value from the exact sums';

CREATE FUNCTION analytics.zscore_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'zscore_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.zscore_final(internal) IS 'Final function of analytics.zscore: the z-score of the last value against the others; leaves the state as it was';

CREATE FUNCTION analytics.zscore_trans(internal, float8, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.zscore_trans(internal, float8, float8) IS 'Transition function of analytics.zscore_anomaly: checks the threshold, adds a value to the exact sums';

CREATE FUNCTION analytics.zscore_inv(internal, float8, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'zscore_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.zscore_inv(internal, float8, float8) IS 'Inverse transition function of analytics.zscore_anomaly: removes a value from the exact sums';

CREATE FUNCTION analytics.zscore_anomaly_final(internal)
RETURNS boolean
AS 'MODULE_PATHNAME', 'zscore_anomaly_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.zscore_anomaly_final(internal) IS 'Final function of analytics.zscore_anomaly: whether |z-score| exceeds the threshold; leaves the state as it was';

-- analytics.zscore and analytics.zscore_anomaly: the aggregates

CREATE AGGREGATE analytics.zscore(value float8) (
	SFUNC = analytics.zscore_trans,
	STYPE = internal,
	SSPACE = 1360,
	FINALFUNC = analytics.zscore_final,
	FINALFUNC_MODIFY = READ_ONLY,
	MSFUNC = analytics.zscore_trans,
	MINVFUNC = analytics.zscore_inv,
	MSTYPE = internal,
	MSSPACE = 1360,
	MFINALFUNC = analytics.zscore_final,
	MFINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.zscore(float8) IS 'Z-score of the window frame''s last value against the frame''s other values (their mean and sample standard deviation); NULL with fewer than 2 others or zero deviation';

CREATE AGGREGATE analytics.zscore_anomaly(value float8, threshold float8) (
	SFUNC = analytics.zscore_trans,
	STYPE = internal,
	SSPACE = 1360,
	FINALFUNC = analytics.zscore_anomaly_final,
	FINALFUNC_MODIFY = READ_ONLY,
	MSFUNC = analytics.zscore_trans,
	MINVFUNC = analytics.zscore_inv,
	MSTYPE = internal,
	MSSPACE = 1360,
	MFINALFUNC = analytics.zscore_anomaly_final,
	MFINALFUNC_MODIFY = READ_ONLY,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.zscore_anomaly(float8, float8) IS 'Whether the absolute z-score of the window frame''s last value exceeds threshold (a finite number >= 0, the same in every row); NULL when the z-score is NULL';

-- analytics.robust_zscore

CREATE FUNCTION analytics.robust_zscore_trans(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'robust_zscore_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.robust_zscore_trans(internal, float8) IS 'Transition function of analytics.robust_zscore: inserts a value in the sorted frame';

CREATE FUNCTION analytics.robust_zscore_inv(internal, float8)
RETURNS internal
AS 'MODULE_PATHNAME', 'robust_zscore_inv'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.robust_zscore_inv(internal, float8) IS 'Inverse transition function of analytics.robust_zscore: removes a value from the sorted frame';

CREATE FUNCTION analytics.robust_zscore_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'robust_zscore_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.robust_zscore_final(internal) IS 'Final function of analytics.robust_zscore: median and MAD of the others, O(frame); leaves the state as it was';

CREATE AGGREGATE analytics.robust_zscore(value float8) (
	SFUNC = analytics.robust_zscore_trans,
	STYPE = internal,
	SSPACE = 300,
	FINALFUNC = analytics.robust_zscore_final,
	FINALFUNC_MODIFY = READ_ONLY,
	MSFUNC = analytics.robust_zscore_trans,
	MINVFUNC = analytics.robust_zscore_inv,
	MSTYPE = internal,
	MSSPACE = 300,
	MFINALFUNC = analytics.robust_zscore_final,
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
-- The events are read once, grouped per day; a filter on event_name reaches
-- the (event_name, occurred_at) index of each partition (it is a partition
-- key of the window functions). Filters on day apply after the z-scores, so
-- they do not change them.
CREATE VIEW analytics.event_anomalies AS
WITH scored AS (
	SELECT x.day, x.event_name, x.events,
		analytics.zscore(x.events::pg_catalog.float8) OVER (PARTITION BY x.event_name ORDER BY x.day
			ROWS BETWEEN 28 PRECEDING AND CURRENT ROW) AS zscore
	FROM analytics.event_counts_filled x
	WHERE x.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', pg_catalog.now()))::date
)
SELECT s.day, s.event_name, s.events, s.zscore,
	pg_catalog.abs(s.zscore) OPERATOR(pg_catalog.>)
		pg_catalog.current_setting('analytics.anomaly_threshold')::pg_catalog.float8 AS is_anomaly
FROM scored s;
COMMENT ON VIEW analytics.event_anomalies IS 'Events per event_name and UTC day (days without events count 0), with the z-score of each day against the 28 days before it and is_anomaly = |zscore| > analytics.anomaly_threshold; complete days only (the current UTC day is left out)';

GRANT SELECT ON analytics.event_anomalies TO analytics_reader;

-- Support functions of internal-state aggregates are not for direct calls:
-- one fed another aggregate's state (in a hand-made aggregate) would read it
-- as its own. The aggregates still run for everyone (PostgreSQL checks the
-- aggregate owner's right to call them).
REVOKE EXECUTE ON FUNCTION analytics.robust_zscore_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.robust_zscore_inv(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.robust_zscore_trans(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.zscore_anomaly_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.zscore_final(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.zscore_inv(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.zscore_inv(internal,double precision,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.zscore_trans(internal,double precision) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics.zscore_trans(internal,double precision,double precision) FROM PUBLIC;

-- src/warehouse.sql: the retail warehouse's tables: staging tables that
-- replicate the source CSV files, the calendar dimension, the other
-- dimensions, the facts, and the load bookkeeping.
--
-- Every table here holds user data: each is registered with
-- pg_extension_config_dump (with its sequence), so pg_dump keeps its rows.

-- Staging: exact replicas of the CSV files, every column text, so that any
-- file loads (COPY or \copy ... csv header, naming the columns); the loader
-- validates. source_row numbers the rows in load order, so that a rejected
-- row can name the line it came from.
CREATE TABLE analytics.stg_customers (
	customer_id text, first_name text, last_name text, email text, phone text, city text,
	state text, region text, country text, segment text, updated_at text,
	source_row bigserial PRIMARY KEY
);
CREATE TABLE analytics.stg_products (
	product_id text, product_name text, category text, subcategory text, unit_cost text,
	unit_price text, supplier_id text, active text,
	source_row bigserial PRIMARY KEY
);
CREATE TABLE analytics.stg_stores (
	store_id text, store_name text, city text, state text, region text, country text,
	manager text, open_date text, active text,
	source_row bigserial PRIMARY KEY
);
CREATE TABLE analytics.stg_channels (
	channel_id text, channel_name text, channel_type text, fee_percent text, active text,
	source_row bigserial PRIMARY KEY
);
CREATE TABLE analytics.stg_sales (
	sale_id text, order_id text, sale_ts text, customer_id text, product_id text, store_id text,
	channel_id text, payment_method text, quantity text, unit_price text, discount text, status text,
	source_row bigserial PRIMARY KEY
);
CREATE TABLE analytics.stg_payments (
	transaction_id text, txn_ts text, customer_id text, channel_id text, city text, amount text,
	status text, processing_time text,
	source_row bigserial PRIMARY KEY
);
CREATE TABLE analytics.stg_interactions (
	interaction_id text, customer_id text, channel_id text, interaction_type text,
	interaction_ts text, duration text, status text,
	source_row bigserial PRIMARY KEY
);
COMMENT ON TABLE analytics.stg_customers IS 'Staging replica of the customers CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON TABLE analytics.stg_products IS 'Staging replica of the products CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON TABLE analytics.stg_stores IS 'Staging replica of the stores CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON TABLE analytics.stg_channels IS 'Staging replica of the channels CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON TABLE analytics.stg_sales IS 'Staging replica of the sales CSV, one row per order line (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON TABLE analytics.stg_payments IS 'Staging replica of the payments CSV, one row per transaction (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON TABLE analytics.stg_interactions IS 'Staging replica of the interactions CSV (all text; source_row in load order); emptied by analytics.load_warehouse';

-- The calendar: one row per day, keyed YYYYMMDD.
CREATE TABLE analytics.dim_date (
	date_key int PRIMARY KEY,
	full_date date NOT NULL UNIQUE,
	day smallint NOT NULL,
	month smallint NOT NULL,
	month_name text NOT NULL,
	quarter smallint NOT NULL,
	year smallint NOT NULL,
	iso_year smallint NOT NULL,
	iso_week smallint NOT NULL,
	day_of_week smallint NOT NULL,
	day_name text NOT NULL,
	is_weekend boolean NOT NULL,
	is_month_end boolean NOT NULL,
	CHECK (date_key OPERATOR(pg_catalog.=) pg_catalog.to_char(full_date, 'YYYYMMDD')::int)
);
COMMENT ON TABLE analytics.dim_date IS 'Calendar dimension, one row per day, date_key = YYYYMMDD; iso_week is the ISO 8601 week of iso_year (the days from Monday December 29 on can be week 1 of the next year, from January 1 to 3 week 52 or 53 of the last); day_of_week is ISO (Monday 1 .. Sunday 7); filled by analytics.fill_dim_date';

-- The calendar rows of the given days that are missing (used by
-- fill_dim_date and the loader).
CREATE FUNCTION analytics._dim_date_add(days date[])
RETURNS int
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	WITH added AS (
		INSERT INTO analytics.dim_date (date_key, full_date, day, month, month_name, quarter, year,
			iso_year, iso_week, day_of_week, day_name, is_weekend, is_month_end)
		SELECT to_char(d, 'YYYYMMDD')::int, d, extract(day FROM d), extract(month FROM d),
			to_char(d, 'FMMonth'), extract(quarter FROM d), extract(year FROM d),
			extract(isoyear FROM d), extract(week FROM d), extract(isodow FROM d), to_char(d, 'FMDay'),
			extract(isodow FROM d) OPERATOR(pg_catalog.>=) 6,
			(d OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.=) date_trunc('month', d OPERATOR(pg_catalog.+) 1)::date
		FROM (SELECT DISTINCT d FROM unnest(days) AS u(d) WHERE d IS NOT NULL) x
		ON CONFLICT (date_key) DO NOTHING
		RETURNING 1
	)
	SELECT count(*)::int FROM added
$$;
COMMENT ON FUNCTION analytics._dim_date_add(date[]) IS 'Internal: adds the given days missing from analytics.dim_date; returns how many were added';

-- Refuses a missing or reversed range of days on behalf of caller.
CREATE FUNCTION analytics._require_day_range(caller text, from_date date, to_date date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF from_date IS NULL OR to_date IS NULL THEN
		RAISE EXCEPTION '% needs both from_date and to_date', caller
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF from_date > to_date THEN
		RAISE EXCEPTION '% needs a range with from_date <= to_date, got % to %', caller, from_date, to_date
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics._require_day_range(text, date, date) IS 'Internal: raises an error naming caller when a range of days is missing or reversed';

CREATE FUNCTION analytics.fill_dim_date(from_date date, to_date date)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM analytics._require_day_range('fill_dim_date', from_date, to_date);
	IF to_date - from_date > 366 * 200 THEN
		RAISE EXCEPTION 'fill_dim_date range of % days is too long', to_date - from_date
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Fill at most 200 years at a time.';
	END IF;
	RETURN analytics._dim_date_add(ARRAY(SELECT g.t::date
		FROM generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') AS g(t)));
END
$$;
COMMENT ON FUNCTION analytics.fill_dim_date(date, date) IS 'Adds the days from from_date to to_date (inclusive) missing from analytics.dim_date; returns how many were added';

-- Dimensions: surrogate integer keys, unique natural keys. Customers are
-- SCD type 2 (a version per change of segment or location, valid from
-- valid_from up to, not including, valid_to; the current one has valid_to
-- infinity); the others are type 1 (changed in place).
CREATE TABLE analytics.dim_customer (
	customer_key bigserial PRIMARY KEY,
	customer_id text NOT NULL,
	full_name text,
	email text,
	phone text,
	city text,
	state text,
	region text,
	country text,
	segment text,
	valid_from timestamptz NOT NULL,
	valid_to timestamptz NOT NULL DEFAULT 'infinity',
	is_current boolean NOT NULL DEFAULT true,
	updated_at timestamptz,
	CHECK (valid_to OPERATOR(pg_catalog.>) valid_from),
	CHECK (is_current OPERATOR(pg_catalog.=) (valid_to OPERATOR(pg_catalog.=) 'infinity'::timestamptz)),
	UNIQUE (customer_id, valid_from)
);
CREATE UNIQUE INDEX dim_customer_current ON analytics.dim_customer (customer_id) WHERE is_current;
COMMENT ON TABLE analytics.dim_customer IS 'Customer dimension, SCD type 2 on segment, city, state, region and country (one version per change, valid_from inclusive to valid_to exclusive, the current one open-ended); name, email and phone change in place; updated_at is the newest source updated_at applied to the customer';

-- Every accepted customer row, one per (customer_id, updated_at), the last
-- loaded winning: the history analytics.dim_customer's versions are built
-- from, so that a row arriving late lands where its time puts it.
CREATE TABLE analytics.customer_source_rows (
	customer_id text NOT NULL,
	updated_at timestamptz NOT NULL,
	full_name text,
	email text,
	phone text,
	city text,
	state text,
	region text,
	country text,
	segment text,
	run_id bigint NOT NULL,
	PRIMARY KEY (customer_id, updated_at)
);
COMMENT ON TABLE analytics.customer_source_rows IS 'Every customer row analytics.load_warehouse accepted, one per (customer_id, updated_at), the latest load''s winning (run_id): the history the SCD type 2 versions of analytics.dim_customer are rebuilt from';

CREATE TABLE analytics.dim_product (
	product_key serial PRIMARY KEY,
	product_id text NOT NULL UNIQUE,
	product_name text,
	category text,
	subcategory text,
	unit_cost numeric(12, 2) CHECK (unit_cost OPERATOR(pg_catalog.>=) 0),
	unit_price numeric(12, 2) CHECK (unit_price OPERATOR(pg_catalog.>=) 0),
	supplier_id text,
	active boolean
);
COMMENT ON TABLE analytics.dim_product IS 'Product dimension (type 1), with the unit cost and list price';

CREATE TABLE analytics.dim_store (
	store_key serial PRIMARY KEY,
	store_id text NOT NULL UNIQUE,
	store_name text,
	city text,
	state text,
	region text,
	country text,
	manager text,
	open_date date,
	active boolean
);
COMMENT ON TABLE analytics.dim_store IS 'Store dimension (type 1)';

CREATE TABLE analytics.dim_channel (
	channel_key serial PRIMARY KEY,
	channel_id text NOT NULL UNIQUE,
	channel_name text,
	channel_type text,
	fee_percent numeric(5, 2) NOT NULL CHECK (fee_percent OPERATOR(pg_catalog.>=) 0 AND fee_percent OPERATOR(pg_catalog.<=) 100),
	active boolean
);
COMMENT ON TABLE analytics.dim_channel IS 'Sales and payment channel dimension (type 1), with the fee the channel charges, in percent';

CREATE TABLE analytics.dim_payment (
	payment_key serial PRIMARY KEY,
	payment_method text NOT NULL UNIQUE
);
COMMENT ON TABLE analytics.dim_payment IS 'Payment method dimension (type 1)';

CREATE TABLE analytics.dim_city (
	city_key serial PRIMARY KEY,
	city text NOT NULL UNIQUE,
	state text,
	region text,
	country text
);
COMMENT ON TABLE analytics.dim_city IS 'City dimension (type 1), keyed by the city name payments carry';

-- Facts. Money is numeric with declared precision; every foreign key and
-- time column is indexed.
CREATE TABLE analytics.fact_sales (
	sale_id text PRIMARY KEY,
	order_id text NOT NULL,
	date_key int NOT NULL REFERENCES analytics.dim_date,
	sale_ts timestamptz NOT NULL,
	customer_key bigint NOT NULL REFERENCES analytics.dim_customer,
	product_key int NOT NULL REFERENCES analytics.dim_product,
	store_key int REFERENCES analytics.dim_store,
	channel_key int REFERENCES analytics.dim_channel,
	payment_key int REFERENCES analytics.dim_payment,
	quantity int NOT NULL CHECK (quantity OPERATOR(pg_catalog.>) 0),
	unit_price numeric(12, 2) NOT NULL CHECK (unit_price OPERATOR(pg_catalog.>=) 0),
	discount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (discount OPERATOR(pg_catalog.>=) 0),
	total_amount numeric(14, 2) NOT NULL,
	cost_amount numeric(14, 2),
	status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['completed', 'returned', 'cancelled']))
);
CREATE INDEX fact_sales_date ON analytics.fact_sales (date_key);
CREATE INDEX fact_sales_ts ON analytics.fact_sales (sale_ts);
CREATE INDEX fact_sales_order ON analytics.fact_sales (order_id);
CREATE INDEX fact_sales_customer ON analytics.fact_sales (customer_key);
CREATE INDEX fact_sales_product ON analytics.fact_sales (product_key);
CREATE INDEX fact_sales_store ON analytics.fact_sales (store_key);
CREATE INDEX fact_sales_channel ON analytics.fact_sales (channel_key);
CREATE INDEX fact_sales_payment ON analytics.fact_sales (payment_key);
COMMENT ON TABLE analytics.fact_sales IS 'Order lines: total_amount = quantity x unit_price - discount, cost_amount = quantity x the product''s unit cost at load time, customer_key = the customer version valid at sale_ts';

CREATE TABLE analytics.fact_payments (
	transaction_id text PRIMARY KEY,
	date_key int NOT NULL REFERENCES analytics.dim_date,
	txn_ts timestamptz NOT NULL,
	customer_key bigint REFERENCES analytics.dim_customer,
	channel_key int NOT NULL REFERENCES analytics.dim_channel,
	city_key int REFERENCES analytics.dim_city,
	amount numeric(14, 2) NOT NULL CHECK (amount OPERATOR(pg_catalog.>) 0),
	status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['success', 'failed'])),
	processing_time numeric(10, 3) CHECK (processing_time OPERATOR(pg_catalog.>=) 0),
	processing_delay_bucket text CHECK (processing_delay_bucket OPERATOR(pg_catalog.=) ANY (ARRAY['fast', 'medium', 'slow'])),
	fee_percent numeric(5, 2) NOT NULL CHECK (fee_percent OPERATOR(pg_catalog.>=) 0 AND fee_percent OPERATOR(pg_catalog.<=) 100),
	revenue numeric(14, 4) NOT NULL DEFAULT 0
);
CREATE INDEX fact_payments_date ON analytics.fact_payments (date_key);
CREATE INDEX fact_payments_ts ON analytics.fact_payments (txn_ts);
CREATE INDEX fact_payments_customer ON analytics.fact_payments (customer_key);
CREATE INDEX fact_payments_channel ON analytics.fact_payments (channel_key);
CREATE INDEX fact_payments_city ON analytics.fact_payments (city_key);
COMMENT ON TABLE analytics.fact_payments IS 'Payment transactions: processing_delay_bucket fast (< 2 s), medium (2-5 s), slow (> 5 s); fee_percent is the channel''s fee when the payment was loaded (a later fee change leaves it, like revenue, alone); revenue = amount x fee_percent / 100 for successful transactions, else 0';

CREATE TABLE analytics.fact_interactions (
	interaction_id text PRIMARY KEY,
	date_key int NOT NULL REFERENCES analytics.dim_date,
	interaction_ts timestamptz NOT NULL,
	customer_key bigint REFERENCES analytics.dim_customer,
	channel_key int REFERENCES analytics.dim_channel,
	interaction_type text,
	duration_seconds numeric(12, 3) CHECK (duration_seconds OPERATOR(pg_catalog.>=) 0),
	status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['resolved', 'unresolved', 'abandoned']))
);
CREATE INDEX fact_interactions_date ON analytics.fact_interactions (date_key);
CREATE INDEX fact_interactions_ts ON analytics.fact_interactions (interaction_ts);
CREATE INDEX fact_interactions_customer ON analytics.fact_interactions (customer_key);
CREATE INDEX fact_interactions_channel ON analytics.fact_interactions (channel_key);
COMMENT ON TABLE analytics.fact_interactions IS 'Customer service interactions';

-- Load bookkeeping: one row per analytics.load_warehouse call, and every
-- row it refused, whole, with the reason.
CREATE TABLE analytics.load_runs (
	run_id bigserial PRIMARY KEY,
	started_at timestamptz NOT NULL,
	finished_at timestamptz,
	status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'succeeded', 'failed'])),
	rows_in int,
	inserted int,
	updated int,
	unchanged int,
	duplicates int,
	rejected int,
	error text
);
COMMENT ON TABLE analytics.load_runs IS 'One row per analytics.load_warehouse call: its status, counts and, for a failed run, the error';

CREATE TABLE analytics.load_rejects (
	run_id bigint NOT NULL REFERENCES analytics.load_runs,
	entity text NOT NULL,
	source_row bigint NOT NULL,
	payload jsonb NOT NULL,
	reason text NOT NULL,
	PRIMARY KEY (run_id, entity, source_row)
);
CREATE INDEX load_rejects_entity ON analytics.load_rejects (entity, run_id);
COMMENT ON TABLE analytics.load_rejects IS 'Staging rows refused by analytics.load_warehouse, whole (payload), with the source row and a reason a person understands';

-- Parsing staging text: NULL, never an error, for text that does not parse
-- (or is empty), so the loader can give a reason instead of failing.
CREATE FUNCTION analytics.try_timestamptz(value text)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'try_timestamptz'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_timestamptz(text) IS 'An ISO 8601 date or timestamp (YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]][Z|+HH[:MM]|-HH[:MM]]; no offset means UTC) as timestamptz, or NULL when the text is not one';

CREATE FUNCTION analytics.try_int(value text)
RETURNS int
AS 'MODULE_PATHNAME', 'try_int'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_int(text) IS 'A whole decimal number in the range of int, or NULL when the text is not one';

CREATE FUNCTION analytics.try_numeric(value text, "precision" int, scale int)
RETURNS numeric
AS 'MODULE_PATHNAME', 'try_numeric'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_numeric(text, int, int) IS 'A plain decimal number (no exponent, NaN or infinity) as numeric(precision, scale), rounded to scale decimals, or NULL when the text is not one or does not fit';

CREATE FUNCTION analytics.try_bool(value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'try_bool'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_bool(text) IS 'What boolean input accepts (true, false, t, f, yes, no, on, off, 1, 0), or NULL otherwise';

-- Records a load run as failed in a transaction of its own (a background
-- worker's), so the record survives the rollback of the failed load.
CREATE FUNCTION analytics._record_failed_run(run_id bigint, started_at timestamptz, error text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'record_failed_run'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics._record_failed_run(bigint, timestamptz, text) IS 'Internal step of analytics.load_warehouse: records the run as failed in analytics.load_runs, committed by a background worker whatever becomes of the caller''s transaction; false when no worker could';
REVOKE ALL ON FUNCTION analytics._record_failed_run(bigint, timestamptz, text) FROM PUBLIC;

CREATE FUNCTION analytics.date_key(ts timestamptz)
RETURNS int
AS 'MODULE_PATHNAME', 'date_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.date_key(timestamptz) IS 'The UTC calendar day of a timestamp as YYYYMMDD, the key of analytics.dim_date';

CREATE FUNCTION analytics._trim_or_null(value text)
RETURNS text
AS 'MODULE_PATHNAME', 'trim_or_null'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics._trim_or_null(text) IS 'Internal: the text without surrounding whitespace, NULL when nothing is left (the loader''s notion of a missing value)';

-- The loader's search for repeated natural keys (see _load_stage): the
-- addresses of the rows whose 64-bit key hash another row shares.
CREATE FUNCTION analytics._repeated_rows_trans(internal, bigint, tid)
RETURNS internal AS 'MODULE_PATHNAME', 'repeated_rows_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics._repeated_rows_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'repeated_rows_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics._repeated_rows_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'repeated_rows_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics._repeated_rows_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'repeated_rows_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics._repeated_rows_final(internal)
RETURNS tid[] AS 'MODULE_PATHNAME', 'repeated_rows_final' LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE analytics._repeated_rows(hash bigint, row_address tid) (
	SFUNC = analytics._repeated_rows_trans,
	STYPE = internal,
	FINALFUNC = analytics._repeated_rows_final,
	FINALFUNC_MODIFY = READ_WRITE,
	COMBINEFUNC = analytics._repeated_rows_combine,
	SERIALFUNC = analytics._repeated_rows_serialize,
	DESERIALFUNC = analytics._repeated_rows_deserialize,
	PARALLEL = SAFE
);
COMMENT ON FUNCTION analytics._repeated_rows_trans(internal, bigint, tid) IS 'Transition function of _repeated_rows';
COMMENT ON FUNCTION analytics._repeated_rows_combine(internal, internal) IS 'Combine function of _repeated_rows';
COMMENT ON FUNCTION analytics._repeated_rows_serialize(internal) IS 'Serialize function of _repeated_rows';
COMMENT ON FUNCTION analytics._repeated_rows_deserialize(bytea, internal) IS 'Deserialize function of _repeated_rows; checks the header and every address';
COMMENT ON FUNCTION analytics._repeated_rows_final(internal) IS 'Final function of _repeated_rows (sorts its state in place)';
COMMENT ON AGGREGATE analytics._repeated_rows(bigint, tid) IS 'Internal: the addresses of the rows whose hash another row shares, ordered by hash and address (empty when none); rows with a NULL are left out';

-- Loading, in steps shared by the entities. Each entity is first parsed
-- into a temporary table pg_temp.load_<entity> (source_row, reason, payload
-- and the typed columns); load_stage files its rejected rows and keeps,
-- per natural key, the last valid row; load_merge applies what is left to
-- a type 1 table. These run inside analytics.load_warehouse only.

-- Files the rows with a reason as rejects, drops them and the duplicates
-- (rows whose natural key a later valid row repeats). Returns {rows_in,
-- rejected, duplicates}.
--
-- One pass over pg_temp.load_<entity> counts its rows, notes the address
-- (ctid) of each rejected row and hashes the key of each valid row into
-- _repeated_rows: only the rows whose 64-bit hash repeats can repeat a key,
-- and only their keys are compared. Rejects and earlier rows are then
-- deleted by address. Grouping every valid row by its key instead, and
-- three passes, took 3-3.5 s on 2M sales; this about 1 s.
--
-- ANALYZE samples 300 x default_statistics_target rows: 3,000 here, enough
-- to plan the few statements that read these tables (by their size,
-- mostly); the default 30,000 took 0.6 s on 2M sales, this 0.05 s.
CREATE FUNCTION analytics._load_stage(run_id bigint, entity text, natural_key text[])
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET default_statistics_target = 10
AS $$
DECLARE
	tmp text := 'load_' || entity;
	key_list text := (SELECT string_agg(format('t.%I', k), ', ') FROM unnest(natural_key) AS k);
	hash text;
	rows_in bigint;
	rejects tid[];
	suspects tid[];
	earlier tid[] := '{}';
BEGIN
	EXECUTE format('ANALYZE pg_temp.%I', tmp);
	-- the hash of one text key is hashtextextended's, cheaper than that of
	-- a row of key columns
	IF cardinality(natural_key) = 1 AND (SELECT a.atttypid FROM pg_attribute a
			WHERE a.attrelid = format('pg_temp.%I', tmp)::regclass AND a.attname = natural_key[1]) = 'text'::regtype THEN
		hash := format('pg_catalog.hashtextextended(t.%I, 0)', natural_key[1]);
	ELSE
		hash := format('pg_catalog.hash_record_extended(ROW(%s), 0)', key_list);
	END IF;
	EXECUTE format('SELECT count(*), coalesce(array_agg(t.ctid) FILTER (WHERE t.reason IS NOT NULL), ''{}''),
			analytics._repeated_rows(%s, t.ctid) FILTER (WHERE t.reason IS NULL)
		FROM pg_temp.%I t', hash, tmp)
		INTO rows_in, rejects, suspects;
	-- valid rows always have their key: among the suspects, the rows of a
	-- key but its last
	IF cardinality(suspects) > 0 THEN
		EXECUTE format('SELECT coalesce(array_agg(s.ctid), ''{}'')
			FROM (SELECT t.ctid, t.source_row < max(t.source_row) OVER (PARTITION BY %s) AS earlier
				FROM pg_temp.%I t WHERE t.ctid = ANY ($1)) s
			WHERE s.earlier', key_list, tmp)
			INTO earlier USING suspects;
	END IF;
	-- both leave; the rejects are filed with their staged row
	EXECUTE format('WITH d AS (DELETE FROM pg_temp.%I t WHERE t.ctid = ANY ($3) RETURNING t.source_row, t.reason)
		INSERT INTO analytics.load_rejects (run_id, entity, source_row, payload, reason)
		SELECT $1, $2, d.source_row,
			(SELECT pg_catalog.to_jsonb(s) FROM analytics.%I s WHERE s.source_row = d.source_row), d.reason
		FROM d WHERE d.reason IS NOT NULL', tmp, 'stg_' || entity)
		USING run_id, entity, rejects || earlier;
	-- the statistics still hold when under a tenth of the rows went
	IF cardinality(rejects) + cardinality(earlier) > 0.1 * rows_in THEN
		EXECUTE format('ANALYZE pg_temp.%I', tmp);
	END IF;
	RETURN ARRAY[rows_in, cardinality(rejects), cardinality(earlier)];
END
$$;
COMMENT ON FUNCTION analytics._load_stage(bigint, text, text[]) IS 'Internal step of analytics.load_warehouse: files rejected rows and drops them and the duplicates from pg_temp.load_<entity>; returns {rows_in, rejected, duplicates}';

-- Applies source (a relation expression over pg_temp.load_<entity>) to a
-- table keyed by natural_key: new keys are inserted; existing keys whose
-- compared columns differ are updated (all of columns); the rest are
-- unchanged. Returns {inserted, updated, unchanged}.
--
-- For facts (bulk), shortcuts keep large loads fast. The loader took every
-- key from the dimensions in this same transaction, so the foreign key
-- triggers, one query per row and key, are skipped (session_replication_role
-- = replica, for these statements only); data_quality_checks() still looks
-- for orphans. When the load adds more than a quarter of the table (at
-- least 10,000 rows), the table's non-unique indexes are dropped and
-- rebuilt after the insert, which is several times faster than updating
-- them row by row; when it more than doubles the table, so are its primary
-- key and unique constraints (after the update, which finds its rows by
-- them; the insert's NOT EXISTS becomes a hash anti join; a duplicate would
-- fail the rebuild and the whole load). Only what nothing else depends on
-- (a foreign key, a view grouping by the primary key) is dropped; each is
-- rebuilt as it was: definition, tablespace, comment, clustering, replica
-- identity. The table is then analyzed: the KPI summaries refreshed next
-- would otherwise be planned for the table as it was (nested loops over
-- millions of rows).
CREATE FUNCTION analytics._load_merge(source text, target regclass, natural_key text, columns text[],
	compared text[], bulk boolean DEFAULT false)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	total bigint;
	inserted bigint;
	updated bigint;
	had real;
	large boolean := false;
	rebuild text[] := '{}';
	drop_unique text[] := '{}';
	def text;
	role text := current_setting('session_replication_role');
	space text := current_setting('default_tablespace');
BEGIN
	EXECUTE format('SELECT count(*) FROM %s t', source) INTO total;
	IF bulk THEN
		PERFORM set_config('session_replication_role', 'replica', true);
		had := (SELECT greatest(c.reltuples, 0) FROM pg_class c WHERE c.oid = target);
		large := total >= 10000 AND total > 0.25 * had;
	END IF;
	IF large THEN
		-- the statements that rebuild each index (with its constraint, if
		-- any) as it was: the tablespace through default_tablespace (a
		-- TABLESPACE clause cannot follow the WHERE of a partial index), the
		-- comments, the clustering, the replica identity
		WITH r AS (
			SELECT i.indexrelid, con.conname,
				ARRAY[format('SET LOCAL default_tablespace = %s', coalesce(quote_ident(ts.spcname), '''''')),
					pg_get_indexdef(i.indexrelid)]
				|| CASE WHEN con.oid IS NOT NULL THEN ARRAY[format('ALTER TABLE %s ADD CONSTRAINT %I %s USING INDEX %I%s%s',
					target, con.conname, CASE con.contype WHEN 'p' THEN 'PRIMARY KEY' ELSE 'UNIQUE' END, c.relname,
					CASE WHEN con.condeferrable THEN ' DEFERRABLE' END,
					CASE WHEN con.condeferred THEN ' INITIALLY DEFERRED' END)] ELSE '{}' END
				|| CASE WHEN obj_description(con.oid, 'pg_constraint') IS NOT NULL THEN ARRAY[format(
					'COMMENT ON CONSTRAINT %I ON %s IS %L', con.conname, target, obj_description(con.oid, 'pg_constraint'))] ELSE '{}' END
				|| CASE WHEN obj_description(i.indexrelid, 'pg_class') IS NOT NULL THEN ARRAY[format(
					'COMMENT ON INDEX %s IS %L', i.indexrelid::regclass, obj_description(i.indexrelid, 'pg_class'))] ELSE '{}' END
				|| CASE WHEN i.indisclustered THEN ARRAY[format('ALTER TABLE %s CLUSTER ON %I', target, c.relname)] ELSE '{}' END
				|| CASE WHEN i.indisreplident THEN ARRAY[format('ALTER TABLE %s REPLICA IDENTITY USING INDEX %I',
					target, c.relname)] ELSE '{}' END AS statements
			FROM pg_index i
			JOIN pg_class c ON c.oid = i.indexrelid
			LEFT JOIN pg_tablespace ts ON ts.oid = c.reltablespace
			LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u')
			WHERE i.indrelid = target AND i.indisvalid AND NOT i.indisexclusion
				-- unique: only a constraint's index, only when the load more
				-- than doubles the table
				AND (NOT i.indisunique OR (con.oid IS NOT NULL AND total > 2 * had))
				-- nothing depends on the index or the constraint but each other
				AND NOT EXISTS (SELECT FROM pg_depend d
					WHERE (d.refclassid = 'pg_class'::regclass AND d.refobjid = i.indexrelid
							AND NOT (d.classid = 'pg_constraint'::regclass AND d.objid IS NOT DISTINCT FROM con.oid))
						OR (d.refclassid = 'pg_constraint'::regclass AND d.refobjid = con.oid
							AND NOT (d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid)))
		)
		SELECT (SELECT coalesce(array_agg(x.s ORDER BY r.indexrelid, x.n), '{}')
				FROM r, unnest(r.statements) WITH ORDINALITY AS x(s, n)),
			(SELECT 'DROP INDEX ' || string_agg(r.indexrelid::regclass::text, ', ') FROM r WHERE r.conname IS NULL),
			(SELECT coalesce(array_agg(format('ALTER TABLE %s DROP CONSTRAINT %I', target, r.conname)), '{}')
				FROM r WHERE r.conname IS NOT NULL)
		INTO rebuild, def, drop_unique;
		-- non-unique indexes go before the update, which would maintain them
		IF def IS NOT NULL THEN
			EXECUTE def;
		END IF;
	END IF;
	EXECUTE format('UPDATE %1$s d SET (%3$s) = ROW(%4$s) FROM %2$s t
		WHERE d.%5$I = t.%5$I AND (%6$s) IS DISTINCT FROM (%7$s)',
		target, source,
		(SELECT string_agg(format('%I', c), ', ') FROM unnest(columns) AS c),
		(SELECT string_agg(format('t.%I', c), ', ') FROM unnest(columns) AS c),
		natural_key,
		(SELECT string_agg(format('d.%I', c), ', ') FROM unnest(compared) AS c),
		(SELECT string_agg(format('t.%I', c), ', ') FROM unnest(compared) AS c));
	GET DIAGNOSTICS updated = ROW_COUNT;
	FOREACH def IN ARRAY drop_unique LOOP
		EXECUTE def;
	END LOOP;
	EXECUTE format('INSERT INTO %1$s (%3$I, %4$s) SELECT t.%3$I, %5$s FROM %2$s t
		WHERE NOT EXISTS (SELECT FROM %1$s d WHERE d.%3$I = t.%3$I)',
		target, source, natural_key,
		(SELECT string_agg(format('%I', c), ', ') FROM unnest(columns) AS c),
		(SELECT string_agg(format('t.%I', c), ', ') FROM unnest(columns) AS c));
	GET DIAGNOSTICS inserted = ROW_COUNT;
	IF large THEN
		FOREACH def IN ARRAY rebuild LOOP
			EXECUTE def;
		END LOOP;
		PERFORM set_config('default_tablespace', space, true);
		EXECUTE format('ANALYZE %s', target);
	END IF;
	IF bulk THEN
		PERFORM set_config('session_replication_role', role, true);
	END IF;
	RETURN ARRAY[inserted, updated, total - inserted - updated];
END
$$;
COMMENT ON FUNCTION analytics._load_merge(text, regclass, text, text[], text[], boolean) IS 'Internal step of analytics.load_warehouse: inserts the new keys of source into target and updates those whose compared columns differ (bulk: facts, with the shortcuts described in the source); returns {inserted, updated, unchanged}';

-- The customer version valid at a time t: the row with lo <= t < hi, the
-- first version of a customer reaching back to -infinity (so that a fact
-- before all versions takes the earliest). Used by the loader to key facts
-- and to move them when a history gains a version.
CREATE VIEW analytics._customer_validity AS
SELECT d.customer_id, d.customer_key,
	CASE WHEN d.valid_from OPERATOR(pg_catalog.=) pg_catalog.min(d.valid_from) OVER (PARTITION BY d.customer_id)
		THEN '-infinity'::timestamptz ELSE d.valid_from END AS lo,
	d.valid_to AS hi
FROM analytics.dim_customer d;
COMMENT ON VIEW analytics._customer_validity IS 'Internal: the time range [lo, hi) in which each customer version applies to facts, the first version reaching back to -infinity';

-- Applies pg_temp.load_customers (valid rows, one per (customer_id,
-- updated_at)) to the SCD type 2 dimension. Every accepted row is kept in
-- analytics.customer_source_rows (a row with a stored key replaces it: a
-- correction), and the versions of each customer the load touched are
-- rebuilt from all of that customer's rows, in time order: each run of rows
-- with the same segment, city, state, region and country is one version,
-- valid from its first row's updated_at to the next version's; name, email
-- and phone are type 1, the newest row's on every version. So the
-- dimension is the same whatever order the rows arrive in, across loads. A
-- version with no row behind it (entered by hand, say) first gets one, made
-- from the version, so that its history stays.
--
-- A rebuilt version keeps the key of the old version that began earliest
-- within its validity (so versions that only end elsewhere, or begin a
-- little earlier, keep their keys). One whose validity is unchanged is
-- updated in place; the others are replaced, old versions left without a
-- match are removed, and the facts of those customers move to the version
-- valid at their time (the earliest for facts before all versions).
--
-- Counts, per row: unchanged when stored exactly so already; inserted when
-- it begins a version the dimension did not have; updated when it corrects
-- a stored row, begins an existing version whose start or versioned values
-- change, or is its customer's newest row and changes the name, email or
-- phone (from the current version's, or for a new customer from the row
-- before it); otherwise unchanged (it repeats the version in effect at its
-- time). Returns {inserted, updated, unchanged}.
CREATE FUNCTION analytics._load_customers(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	total bigint;
	inserted bigint;
	updated bigint;
	fact text;
	role text := current_setting('session_replication_role');
BEGIN
	SELECT count(*) INTO total FROM pg_temp.load_customers;

	-- Rows stored exactly so already change nothing.
	DELETE FROM pg_temp.load_customers t
	USING analytics.customer_source_rows s
	WHERE s.customer_id = t.customer_id AND s.updated_at = t.updated_at
		AND (s.full_name, s.email, s.phone, s.city, s.state, s.region, s.country, s.segment)
			IS NOT DISTINCT FROM (t.full_name, t.email, t.phone, t.city, t.state, t.region, t.country, t.segment);

	CREATE TEMP TABLE load_customer_rows ON COMMIT DROP AS
	SELECT t.customer_id, t.updated_at, s.customer_id IS NOT NULL AS correction
	FROM pg_temp.load_customers t
	LEFT JOIN analytics.customer_source_rows s ON s.customer_id = t.customer_id AND s.updated_at = t.updated_at;

	-- A version of these customers without a row at its start gets one.
	INSERT INTO analytics.customer_source_rows (customer_id, updated_at, full_name, email, phone, city, state,
		region, country, segment, run_id)
	SELECT d.customer_id, d.valid_from, d.full_name, d.email, d.phone, d.city, d.state, d.region, d.country,
		d.segment, _load_customers.run_id
	FROM analytics.dim_customer d
	WHERE d.customer_id IN (SELECT r.customer_id FROM pg_temp.load_customer_rows r)
		AND NOT EXISTS (SELECT FROM analytics.customer_source_rows s
			WHERE s.customer_id = d.customer_id AND s.updated_at = d.valid_from);

	INSERT INTO analytics.customer_source_rows AS s (customer_id, updated_at, full_name, email, phone, city, state,
		region, country, segment, run_id)
	SELECT t.customer_id, t.updated_at, t.full_name, t.email, t.phone, t.city, t.state, t.region, t.country,
		t.segment, _load_customers.run_id
	FROM pg_temp.load_customers t
	ON CONFLICT (customer_id, updated_at) DO UPDATE SET full_name = excluded.full_name, email = excluded.email,
		phone = excluded.phone, city = excluded.city, state = excluded.state, region = excluded.region,
		country = excluded.country, segment = excluded.segment, run_id = excluded.run_id;

	-- Every row of the touched customers, in time order: does it begin a
	-- version, is it the newest, and what did the row before it say in name,
	-- email and phone; with its customer's type 1 values and newest updated_at.
	CREATE TEMP TABLE load_customer_history ON COMMIT DROP AS
	SELECT s.customer_id, s.updated_at, s.city, s.state, s.region, s.country, s.segment,
		row_number() OVER w = 1 OR (s.segment, s.city, s.state, s.region, s.country) IS DISTINCT FROM
			(lag(s.segment) OVER w, lag(s.city) OVER w, lag(s.state) OVER w, lag(s.region) OVER w, lag(s.country) OVER w)
			AS begins_version,
		s.updated_at = max(s.updated_at) OVER wall AS is_newest,
		row_number() OVER w > 1 AND (s.full_name, s.email, s.phone) IS DISTINCT FROM
			(lag(s.full_name) OVER w, lag(s.email) OVER w, lag(s.phone) OVER w) AS type1_differs_from_previous,
		last_value(s.full_name) OVER wall AS full_name,
		last_value(s.email) OVER wall AS email,
		last_value(s.phone) OVER wall AS phone,
		max(s.updated_at) OVER wall AS newest
	FROM analytics.customer_source_rows s
	WHERE s.customer_id IN (SELECT r.customer_id FROM pg_temp.load_customer_rows r)
	WINDOW w AS (PARTITION BY s.customer_id ORDER BY s.updated_at),
		wall AS (PARTITION BY s.customer_id ORDER BY s.updated_at ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);

	-- The rebuilt versions, each with the old version whose key it keeps:
	-- same (nothing to do), in_place (same validity, other values) or
	-- neither (replaced, or new when there is no old one).
	CREATE TEMP TABLE load_customer_versions ON COMMIT DROP AS
	SELECT n.*, o.customer_key, o.valid_from AS old_valid_from,
		(o.segment, o.city, o.state, o.region, o.country) IS DISTINCT FROM (n.segment, n.city, n.state, n.region, n.country)
			AS versioned_values_change,
		o.customer_key IS NOT NULL AND (o.valid_from, o.valid_to) = (n.valid_from, n.valid_to) AS in_place,
		o.customer_key IS NOT NULL AND (o.full_name, o.email, o.phone, o.city, o.state, o.region, o.country, o.segment,
			o.valid_from, o.valid_to, o.updated_at) IS NOT DISTINCT FROM (n.full_name, n.email, n.phone, n.city, n.state,
			n.region, n.country, n.segment, n.valid_from, n.valid_to, n.newest) AS same
	FROM (SELECT h.*, h.updated_at AS valid_from,
			coalesce(lead(h.updated_at) OVER (PARTITION BY h.customer_id ORDER BY h.updated_at), 'infinity') AS valid_to
		FROM pg_temp.load_customer_history h WHERE h.begins_version) n
	LEFT JOIN LATERAL (SELECT d.* FROM analytics.dim_customer d
		WHERE d.customer_id = n.customer_id AND d.valid_from >= n.valid_from AND d.valid_from < n.valid_to
		ORDER BY d.valid_from LIMIT 1) o ON true;

	SELECT count(*) FILTER (WHERE v.valid_from IS NOT NULL AND v.customer_key IS NULL),
		count(*) FILTER (WHERE NOT (v.valid_from IS NOT NULL AND v.customer_key IS NULL)
			AND (r.correction
				OR (v.valid_from IS NOT NULL AND (v.old_valid_from <> v.valid_from OR v.versioned_values_change))
				OR (h.is_newest AND CASE WHEN cur.customer_key IS NULL THEN h.type1_differs_from_previous
					ELSE (cur.full_name, cur.email, cur.phone) IS DISTINCT FROM (h.full_name, h.email, h.phone) END)))
	INTO inserted, updated
	FROM pg_temp.load_customer_rows r
	JOIN pg_temp.load_customer_history h ON h.customer_id = r.customer_id AND h.updated_at = r.updated_at
	LEFT JOIN pg_temp.load_customer_versions v ON v.customer_id = r.customer_id AND v.valid_from = r.updated_at
	LEFT JOIN analytics.dim_customer cur ON cur.customer_id = r.customer_id AND cur.is_current;

	-- Versions whose validity stays: changed in place.
	UPDATE analytics.dim_customer d SET full_name = v.full_name, email = v.email, phone = v.phone, city = v.city,
		state = v.state, region = v.region, country = v.country, segment = v.segment, updated_at = v.newest
	FROM pg_temp.load_customer_versions v
	WHERE d.customer_key = v.customer_key AND v.in_place AND NOT v.same;

	-- The old versions of customers whose versions begin or end elsewhere:
	-- a version new or replaced, or an old one left without a match (a new
	-- first version also ends the old first one's reach back in time).
	CREATE TEMP TABLE load_customer_old ON COMMIT DROP AS
	SELECT d.customer_key, d.customer_id FROM analytics.dim_customer d
	WHERE d.customer_id IN (SELECT v.customer_id FROM pg_temp.load_customer_versions v WHERE NOT v.in_place)
		OR d.customer_id IN (SELECT v.customer_id FROM pg_temp.load_customer_versions v GROUP BY v.customer_id
			HAVING count(*) < (SELECT count(*) FROM analytics.dim_customer o WHERE o.customer_id = v.customer_id));

	IF EXISTS (SELECT FROM pg_temp.load_customer_old) THEN
		-- Replace them; facts pointing at removed ones move below, within
		-- this transaction, so the foreign key triggers (which would refuse
		-- the interim) are skipped here.
		PERFORM set_config('session_replication_role', 'replica', true);
		DELETE FROM analytics.dim_customer d USING pg_temp.load_customer_old o
		WHERE d.customer_key = o.customer_key
			AND NOT EXISTS (SELECT FROM pg_temp.load_customer_versions v WHERE v.customer_key = d.customer_key AND v.in_place);
		INSERT INTO analytics.dim_customer (customer_key, customer_id, full_name, email, phone, city, state, region,
			country, segment, valid_from, valid_to, is_current, updated_at)
		SELECT v.customer_key, v.customer_id, v.full_name, v.email, v.phone, v.city, v.state, v.region, v.country,
			v.segment, v.valid_from, v.valid_to, v.valid_to = 'infinity', v.newest
		FROM pg_temp.load_customer_versions v WHERE v.customer_key IS NOT NULL AND NOT v.in_place;
	END IF;
	-- new versions, new keys
	INSERT INTO analytics.dim_customer (customer_id, full_name, email, phone, city, state, region, country,
		segment, valid_from, valid_to, is_current, updated_at)
	SELECT v.customer_id, v.full_name, v.email, v.phone, v.city, v.state, v.region, v.country,
		v.segment, v.valid_from, v.valid_to, v.valid_to = 'infinity', v.newest
	FROM pg_temp.load_customer_versions v WHERE v.customer_key IS NULL
	ORDER BY v.customer_id, v.valid_from;

	IF EXISTS (SELECT FROM pg_temp.load_customer_old) THEN
		-- Facts of those customers belong to the version valid at their time.
		CREATE TEMP TABLE load_moved ON COMMIT DROP AS
		SELECT cv.* FROM analytics._customer_validity cv
		WHERE cv.customer_id IN (SELECT o.customer_id FROM pg_temp.load_customer_old o);
		FOREACH fact IN ARRAY ARRAY['fact_sales:sale_ts', 'fact_payments:txn_ts', 'fact_interactions:interaction_ts'] LOOP
			EXECUTE format('UPDATE analytics.%1$I f SET customer_key = m.customer_key
				FROM pg_temp.load_customer_old o, pg_temp.load_moved m
				WHERE o.customer_key = f.customer_key AND m.customer_id = o.customer_id
					AND f.%2$I >= m.lo AND f.%2$I < m.hi AND f.customer_key <> m.customer_key',
				split_part(fact, ':', 1), split_part(fact, ':', 2));
		END LOOP;
		PERFORM set_config('session_replication_role', role, true);
		DROP TABLE pg_temp.load_moved;
	END IF;
	DROP TABLE pg_temp.load_customer_rows, pg_temp.load_customer_history, pg_temp.load_customer_versions,
		pg_temp.load_customer_old;
	RETURN ARRAY[inserted, updated, total - inserted - updated];
END
$$;
COMMENT ON FUNCTION analytics._load_customers(bigint) IS 'Internal step of analytics.load_warehouse: keeps pg_temp.load_customers in analytics.customer_source_rows, rebuilds the SCD type 2 versions of the customers it touches from all their rows, and moves their facts to the version valid at their time; returns {inserted, updated, unchanged}';

-- The loader.
CREATE FUNCTION analytics.load_warehouse()
RETURNS TABLE (entity text, rows_in int, inserted int, updated int, unchanged int, duplicates int, rejected int)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET default_tablespace = ''
SET temp_tablespaces = ''
AS $$
DECLARE
	run bigint;
	st bigint[];
	mg bigint[];
	counts jsonb := '{}';
	e text;
	err_message text;
	err_detail text;
	err_state text;
	err_hint text;
	err_schema text;
	err_table text;
	err_column text;
	err_constraint text;
	err_datatype text;
	iso constant text := ' (ISO 8601, for example 2025-03-01 or 2025-03-01 14:30:00)';
	methods text[];
	days date[];
	started timestamptz;
	recorded boolean;
	tuple_cost text := current_setting('parallel_tuple_cost');
BEGIN
	-- One load at a time, and no rows added to staging while it runs (they
	-- would be emptied unread).
	LOCK TABLE analytics.stg_customers, analytics.stg_products, analytics.stg_stores, analytics.stg_channels,
		analytics.stg_sales, analytics.stg_payments, analytics.stg_interactions IN SHARE ROW EXCLUSIVE MODE;
	run := nextval('analytics.load_runs_run_id_seq');
	started := clock_timestamp();

	BEGIN
		INSERT INTO analytics.load_runs (run_id, started_at, status) VALUES (run, started, 'running');
		-- Products, stores, channels: type 1 dimensions.
		CREATE TEMP TABLE load_products ON COMMIT DROP AS
		SELECT x.*, CASE
				WHEN x.product_id IS NULL THEN 'missing product_id'
				WHEN x.unit_cost IS NULL THEN CASE WHEN analytics._trim_or_null(s.unit_cost) IS NULL THEN 'missing unit_cost'
					ELSE format('unit_cost %L is not a number up to 9999999999.99', s.unit_cost) END
				WHEN x.unit_price IS NULL THEN CASE WHEN analytics._trim_or_null(s.unit_price) IS NULL THEN 'missing unit_price'
					ELSE format('unit_price %L is not a number up to 9999999999.99', s.unit_price) END
				WHEN x.unit_cost < 0 THEN format('unit_cost %s is negative', x.unit_cost)
				WHEN x.unit_price < 0 THEN format('unit_price %s is negative', x.unit_price)
				WHEN x.active IS NULL AND analytics._trim_or_null(s.active) IS NOT NULL THEN format('active %L is not a boolean', s.active)
			END AS reason
		FROM analytics.stg_products s,
			LATERAL (SELECT s.source_row, analytics._trim_or_null(s.product_id) AS product_id,
				analytics._trim_or_null(s.product_name) AS product_name, analytics._trim_or_null(s.category) AS category,
				analytics._trim_or_null(s.subcategory) AS subcategory, analytics.try_numeric(s.unit_cost, 12, 2) AS unit_cost,
				analytics.try_numeric(s.unit_price, 12, 2) AS unit_price, analytics._trim_or_null(s.supplier_id) AS supplier_id,
				analytics.try_bool(s.active) AS active) x
		ORDER BY s.source_row;
		st := analytics._load_stage(run, 'products', '{product_id}');
		mg := analytics._load_merge('pg_temp.load_products', 'analytics.dim_product', 'product_id',
			'{product_name,category,subcategory,unit_cost,unit_price,supplier_id,active}',
			'{product_name,category,subcategory,unit_cost,unit_price,supplier_id,active}');
		counts := counts || jsonb_build_object('products', st || mg);

		CREATE TEMP TABLE load_stores ON COMMIT DROP AS
		SELECT x.*, CASE
				WHEN x.store_id IS NULL THEN 'missing store_id'
				WHEN x.open_date IS NULL AND analytics._trim_or_null(s.open_date) IS NOT NULL
					THEN format('open_date %L is not a date', s.open_date) || iso
				WHEN x.active IS NULL AND analytics._trim_or_null(s.active) IS NOT NULL THEN format('active %L is not a boolean', s.active)
			END AS reason
		FROM analytics.stg_stores s,
			LATERAL (SELECT s.source_row, analytics._trim_or_null(s.store_id) AS store_id,
				analytics._trim_or_null(s.store_name) AS store_name, analytics._trim_or_null(s.city) AS city,
				analytics._trim_or_null(s.state) AS state, analytics._trim_or_null(s.region) AS region,
				analytics._trim_or_null(s.country) AS country, analytics._trim_or_null(s.manager) AS manager,
				(analytics.try_timestamptz(s.open_date) AT TIME ZONE 'UTC')::date AS open_date,
				analytics.try_bool(s.active) AS active) x
		ORDER BY s.source_row;
		st := analytics._load_stage(run, 'stores', '{store_id}');
		mg := analytics._load_merge('pg_temp.load_stores', 'analytics.dim_store', 'store_id',
			'{store_name,city,state,region,country,manager,open_date,active}',
			'{store_name,city,state,region,country,manager,open_date,active}');
		counts := counts || jsonb_build_object('stores', st || mg);

		CREATE TEMP TABLE load_channels ON COMMIT DROP AS
		SELECT x.*, CASE
				WHEN x.channel_id IS NULL THEN 'missing channel_id'
				WHEN x.fee_percent IS NULL AND analytics._trim_or_null(s.fee_percent) IS NULL THEN 'missing fee_percent'
				WHEN x.fee_percent IS NULL OR x.fee_percent < 0 OR x.fee_percent > 100
					THEN format('fee_percent %L is not a number from 0 to 100', s.fee_percent)
				WHEN x.active IS NULL AND analytics._trim_or_null(s.active) IS NOT NULL THEN format('active %L is not a boolean', s.active)
			END AS reason
		FROM analytics.stg_channels s,
			LATERAL (SELECT s.source_row, analytics._trim_or_null(s.channel_id) AS channel_id,
				analytics._trim_or_null(s.channel_name) AS channel_name, analytics._trim_or_null(s.channel_type) AS channel_type,
				analytics.try_numeric(s.fee_percent, 5, 2) AS fee_percent, analytics.try_bool(s.active) AS active) x
		ORDER BY s.source_row;
		st := analytics._load_stage(run, 'channels', '{channel_id}');
		mg := analytics._load_merge('pg_temp.load_channels', 'analytics.dim_channel', 'channel_id',
			'{channel_name,channel_type,fee_percent,active}', '{channel_name,channel_type,fee_percent,active}');
		counts := counts || jsonb_build_object('channels', st || mg);

		-- Customers: SCD type 2, versions keyed by (customer_id, updated_at).
		CREATE TEMP TABLE load_customers ON COMMIT DROP AS
		SELECT x.*, CASE
				WHEN x.customer_id IS NULL THEN 'missing customer_id'
				WHEN analytics._trim_or_null(s.updated_at) IS NULL THEN 'missing updated_at'
				WHEN x.updated_at IS NULL THEN format('updated_at %L is not a date or timestamp', s.updated_at) || iso
			END AS reason
		FROM analytics.stg_customers s,
			LATERAL (SELECT s.source_row, analytics._trim_or_null(s.customer_id) AS customer_id,
				nullif(concat_ws(' ', analytics._trim_or_null(s.first_name), analytics._trim_or_null(s.last_name)), '') AS full_name,
				analytics._trim_or_null(s.email) AS email, analytics._trim_or_null(s.phone) AS phone,
				analytics._trim_or_null(s.city) AS city, analytics._trim_or_null(s.state) AS state,
				analytics._trim_or_null(s.region) AS region, analytics._trim_or_null(s.country) AS country,
				analytics._trim_or_null(s.segment) AS segment, analytics.try_timestamptz(s.updated_at) AS updated_at) x
		ORDER BY s.source_row;
		st := analytics._load_stage(run, 'customers', '{customer_id,updated_at}');
		mg := analytics._load_customers(run);
		counts := counts || jsonb_build_object('customers', st || mg);

		-- Cities: from customers and stores (type 1: the newest customer
		-- version, else a store, gives state, region and country).
		INSERT INTO analytics.dim_city AS c (city, state, region, country)
		SELECT DISTINCT ON (city) city, state, region, country
		FROM (SELECT d.city, d.state, d.region, d.country, 1 AS pref, d.valid_from AS at
				FROM analytics.dim_customer d WHERE d.city IS NOT NULL
			UNION ALL
			SELECT st.city, st.state, st.region, st.country, 0, '-infinity' FROM analytics.dim_store st WHERE st.city IS NOT NULL) x
		ORDER BY city, pref DESC, at DESC
		ON CONFLICT (city) DO UPDATE SET state = excluded.state, region = excluded.region, country = excluded.country
		WHERE (c.state, c.region, c.country) IS DISTINCT FROM (excluded.state, excluded.region, excluded.country);

		-- The customer version valid at a time, for keying the facts
		CREATE TEMP TABLE load_versions ON COMMIT DROP AS SELECT * FROM analytics._customer_validity;
		ANALYZE pg_temp.load_versions;

		-- Sales. Each value is parsed once, in the scan of staging (y), and
		-- the gross amount quantity x unit_price computed once (x) for the
		-- checks and total_amount: over 2M lines every numeric operation
		-- costs 0.1-0.2 s.
		--
		-- The scan of staging, the parsing and the joins with products,
		-- stores and channels (y) run in parallel workers; the join with the
		-- temporary load_versions, which workers cannot read, and the writing
		-- stay in the leader. The planner does not see the parsing's cost and
		-- finds the default cost of passing each row to the leader
		-- (parallel_tuple_cost 0.1) too high; with 0.01, for these statements
		-- only, it passes them: on 2 cores, parsing 2M lines took 8.9-13.5 s
		-- serially (median 10.4), 5.9-7.9 s (median 7.5) with the parsing in
		-- workers (3 rounds each); with the three joins there too, median 8.0
		-- s against 8.6 s (6 rounds, in a slower hour).
		PERFORM set_config('parallel_tuple_cost', '0.01', true);
		CREATE TEMP TABLE load_sales ON COMMIT DROP AS
		SELECT x.source_row, x.sale_id, x.order_id, x.sale_ts,
			analytics.date_key(x.sale_ts) AS date_key,
			v.customer_key, x.product_key, x.store_key, x.channel_key, x.payment_method,
			x.quantity, x.unit_price, x.discount, x.gross - x.discount AS total_amount,
			x.quantity * x.unit_cost AS cost_amount, x.status,
			CASE
				-- every rule met (the negation of every case below), cheaply:
				-- prices and costs are numeric(12, 2), so a quantity under
				-- 100 keeps both amounts under 1e12 without multiplying
				WHEN x.sale_id IS NOT NULL AND x.order_id IS NOT NULL AND x.sale_ts IS NOT NULL
					AND x.quantity > 0 AND x.unit_price >= 0 AND x.discount >= 0
					AND x.discount <= x.gross AND (x.quantity < 100 OR x.gross < 1e12)
					AND x.status IN ('completed', 'returned', 'cancelled')
					AND v.customer_key IS NOT NULL AND x.product_key IS NOT NULL
					AND (x.store_id IS NULL OR x.store_key IS NOT NULL)
					AND (x.channel_id IS NULL OR x.channel_key IS NOT NULL)
					AND (x.quantity < 100 OR x.quantity * x.unit_cost < 1e12) THEN NULL
				WHEN x.sale_id IS NULL THEN 'missing sale_id'
				WHEN x.order_id IS NULL THEN 'missing order_id'
				WHEN x.customer_id IS NULL THEN 'missing customer_id'
				WHEN x.product_id IS NULL THEN 'missing product_id'
				WHEN analytics._trim_or_null(x.raw_sale_ts) IS NULL THEN 'missing sale_ts'
				WHEN x.sale_ts IS NULL THEN format('sale_ts %L is not a date or timestamp', x.raw_sale_ts) || iso
				WHEN analytics._trim_or_null(x.raw_quantity) IS NULL THEN 'missing quantity'
				WHEN x.quantity IS NULL THEN format('quantity %L is not a whole number', x.raw_quantity)
				WHEN x.quantity <= 0 THEN format('quantity %s is not above 0', x.quantity)
				WHEN analytics._trim_or_null(x.raw_unit_price) IS NULL THEN 'missing unit_price'
				WHEN x.unit_price IS NULL THEN format('unit_price %L is not a number up to 9999999999.99', x.raw_unit_price)
				WHEN x.unit_price < 0 THEN format('unit_price %s is negative', x.unit_price)
				WHEN x.discount IS NULL THEN format('discount %L is not a number up to 9999999999.99', x.raw_discount)
				WHEN x.discount < 0 THEN format('discount %s is negative', x.discount)
				WHEN x.discount > x.gross
					THEN format('discount %s exceeds quantity x unit_price (%s)', x.discount, x.gross)
				WHEN x.gross >= 1e12
					THEN format('quantity x unit_price (%s) is too large: amounts go up to 999999999999.99', x.gross)
				WHEN analytics._trim_or_null(x.raw_status) IS NULL THEN 'missing status'
				WHEN x.status NOT IN ('completed', 'returned', 'cancelled')
					THEN format('status %L is not one of completed, returned, cancelled', x.raw_status)
				WHEN v.customer_key IS NULL THEN format('unknown customer_id %L: not in the warehouse nor among the valid rows of this load', x.customer_id)
				WHEN x.product_key IS NULL THEN format('unknown product_id %L: not in the warehouse nor among the valid rows of this load', x.product_id)
				WHEN x.store_id IS NOT NULL AND x.store_key IS NULL
					THEN format('unknown store_id %L: not in the warehouse nor among the valid rows of this load', x.store_id)
				WHEN x.channel_id IS NOT NULL AND x.channel_key IS NULL
					THEN format('unknown channel_id %L: not in the warehouse nor among the valid rows of this load', x.channel_id)
				WHEN x.quantity * x.unit_cost >= 1e12
					THEN format('quantity x unit_cost (%s) is too large: amounts go up to 999999999999.99', x.quantity * x.unit_cost)
			END AS reason
		FROM (SELECT y.*, y.quantity * y.unit_price AS gross
			FROM (SELECT s.sale_ts AS raw_sale_ts, s.quantity AS raw_quantity, s.unit_price AS raw_unit_price, s.discount AS raw_discount, s.status AS raw_status, s.source_row, analytics._trim_or_null(s.sale_id) AS sale_id, analytics._trim_or_null(s.order_id) AS order_id,
				analytics.try_timestamptz(s.sale_ts) AS sale_ts, analytics._trim_or_null(s.customer_id) AS customer_id,
				analytics._trim_or_null(s.product_id) AS product_id, analytics._trim_or_null(s.store_id) AS store_id,
				analytics._trim_or_null(s.channel_id) AS channel_id, analytics._trim_or_null(s.payment_method) AS payment_method,
				analytics.try_int(s.quantity) AS quantity, analytics.try_numeric(s.unit_price, 12, 2) AS unit_price,
				CASE WHEN analytics._trim_or_null(s.discount) IS NULL THEN 0 ELSE analytics.try_numeric(s.discount, 12, 2) END AS discount,
				-- lower() costs 0.3 s on 2M lines, most of them already in shape
				CASE WHEN s.status IN ('completed', 'returned', 'cancelled') THEN s.status
					ELSE lower(analytics._trim_or_null(s.status)) END AS status,
				p.product_key, p.unit_cost, sto.store_key, ch.channel_key
				FROM analytics.stg_sales s
				LEFT JOIN analytics.dim_product p ON p.product_id = analytics._trim_or_null(s.product_id)
				LEFT JOIN analytics.dim_store sto ON sto.store_id = analytics._trim_or_null(s.store_id)
				LEFT JOIN analytics.dim_channel ch ON ch.channel_id = analytics._trim_or_null(s.channel_id)
				OFFSET 0) y
			OFFSET 0) x
		LEFT JOIN pg_temp.load_versions v ON v.customer_id = x.customer_id AND x.sale_ts >= v.lo AND x.sale_ts < v.hi;
		PERFORM set_config('parallel_tuple_cost', tuple_cost, true);
		st := analytics._load_stage(run, 'sales', '{sale_id}');
		-- payment methods and days in one pass (date_key is the UTC day of
		-- sale_ts), grouped by both at once: one hash lookup per line instead
		-- of one per grouping set (2M lines: 0.5-0.6 s instead of 0.7-1 s)
		SELECT array_agg(DISTINCT k.payment_method) FILTER (WHERE k.payment_method IS NOT NULL),
			array_agg(DISTINCT make_date(k.date_key / 10000, k.date_key / 100 % 100, k.date_key % 100))
				FILTER (WHERE k.date_key IS NOT NULL)
		INTO methods, days
		FROM (SELECT l.payment_method, l.date_key FROM pg_temp.load_sales l
			GROUP BY l.payment_method, l.date_key) k;
		INSERT INTO analytics.dim_payment (payment_method)
		SELECT m FROM unnest(methods) AS u(m)
		ON CONFLICT (payment_method) DO NOTHING;
		PERFORM analytics._dim_date_add(days);
		-- the days whose sales change (for the KPI summaries): the new days and,
		-- for corrected sales, the old ones
		CREATE TEMP TABLE load_days ON COMMIT DROP AS
		SELECT f.date_key FROM analytics.fact_sales f JOIN pg_temp.load_sales l ON l.sale_id = f.sale_id
		WHERE f.date_key <> l.date_key;
		INSERT INTO pg_temp.load_days SELECT to_char(d, 'YYYYMMDD')::int FROM unnest(days) AS u(d);
		mg := analytics._load_merge('(SELECT l.*, d.payment_key FROM pg_temp.load_sales l
			LEFT JOIN analytics.dim_payment d ON d.payment_method = l.payment_method)', 'analytics.fact_sales', 'sale_id',
			'{order_id,date_key,sale_ts,customer_key,product_key,store_key,channel_key,payment_key,quantity,unit_price,discount,total_amount,cost_amount,status}',
			'{order_id,date_key,sale_ts,customer_key,product_key,store_key,channel_key,payment_key,quantity,unit_price,discount,total_amount,status}',
			true);
		counts := counts || jsonb_build_object('sales', st || mg);

		-- Payments (parsed in parallel as sales are).
		PERFORM set_config('parallel_tuple_cost', '0.01', true);
		CREATE TEMP TABLE load_payments ON COMMIT DROP AS
		SELECT x.source_row, x.transaction_id, x.txn_ts,
			analytics.date_key(x.txn_ts) AS date_key,
			v.customer_key, ch.channel_key, x.city, x.amount, x.status, x.processing_time,
			CASE WHEN x.processing_time < 2 THEN 'fast' WHEN x.processing_time <= 5 THEN 'medium'
				WHEN x.processing_time > 5 THEN 'slow' END AS processing_delay_bucket,
			ch.fee_percent,
			CASE WHEN x.status = 'success' THEN round(x.amount * ch.fee_percent / 100, 4) ELSE 0 END AS revenue,
			CASE
				WHEN x.transaction_id IS NULL THEN 'missing transaction_id'
				WHEN x.channel_id IS NULL THEN 'missing channel_id'
				WHEN analytics._trim_or_null(x.raw_txn_ts) IS NULL THEN 'missing txn_ts'
				WHEN x.txn_ts IS NULL THEN format('txn_ts %L is not a date or timestamp', x.raw_txn_ts) || iso
				WHEN analytics._trim_or_null(x.raw_amount) IS NULL THEN 'missing amount'
				WHEN x.amount IS NULL THEN format('amount %L is not a number up to 999999999999.99', x.raw_amount)
				WHEN x.amount <= 0 THEN format('amount %s is not above 0', x.amount)
				WHEN analytics._trim_or_null(x.raw_status) IS NULL THEN 'missing status'
				WHEN x.status NOT IN ('success', 'failed') THEN format('status %L is not one of success, failed', x.raw_status)
				WHEN x.processing_time IS NULL AND analytics._trim_or_null(x.raw_processing_time) IS NOT NULL
					THEN format('processing_time %L is not a number of seconds up to 9999999.999', x.raw_processing_time)
				WHEN x.processing_time < 0 THEN format('processing_time %s is negative', x.processing_time)
				WHEN x.customer_id IS NOT NULL AND v.customer_key IS NULL
					THEN format('unknown customer_id %L: not in the warehouse nor among the valid rows of this load', x.customer_id)
				WHEN ch.channel_key IS NULL THEN format('unknown channel_id %L: not in the warehouse nor among the valid rows of this load', x.channel_id)
			END AS reason
		FROM (SELECT s.txn_ts AS raw_txn_ts, s.amount AS raw_amount, s.status AS raw_status, s.processing_time AS raw_processing_time, s.source_row, analytics._trim_or_null(s.transaction_id) AS transaction_id,
				analytics.try_timestamptz(s.txn_ts) AS txn_ts, analytics._trim_or_null(s.customer_id) AS customer_id,
				analytics._trim_or_null(s.channel_id) AS channel_id, analytics._trim_or_null(s.city) AS city,
				analytics.try_numeric(s.amount, 14, 2) AS amount, lower(analytics._trim_or_null(s.status)) AS status,
				analytics.try_numeric(s.processing_time, 10, 3) AS processing_time
				FROM analytics.stg_payments s
				OFFSET 0) x
		LEFT JOIN pg_temp.load_versions v ON v.customer_id = x.customer_id AND x.txn_ts >= v.lo AND x.txn_ts < v.hi
		LEFT JOIN analytics.dim_channel ch ON ch.channel_id = x.channel_id;
		PERFORM set_config('parallel_tuple_cost', tuple_cost, true);
		st := analytics._load_stage(run, 'payments', '{transaction_id}');
		INSERT INTO analytics.dim_city (city)
		SELECT DISTINCT city FROM pg_temp.load_payments WHERE city IS NOT NULL
		ON CONFLICT (city) DO NOTHING;
		PERFORM analytics._dim_date_add(ARRAY(SELECT DISTINCT (txn_ts AT TIME ZONE 'UTC')::date FROM pg_temp.load_payments));
		INSERT INTO pg_temp.load_days
		SELECT f.date_key FROM analytics.fact_payments f JOIN pg_temp.load_payments l ON l.transaction_id = f.transaction_id
		WHERE f.date_key <> l.date_key
		UNION SELECT date_key FROM pg_temp.load_payments;
		mg := analytics._load_merge('(SELECT l.*, d.city_key FROM pg_temp.load_payments l
			LEFT JOIN analytics.dim_city d ON d.city = l.city)', 'analytics.fact_payments', 'transaction_id',
			'{date_key,txn_ts,customer_key,channel_key,city_key,amount,status,processing_time,processing_delay_bucket,fee_percent,revenue}',
			'{date_key,txn_ts,customer_key,channel_key,city_key,amount,status,processing_time,processing_delay_bucket}', true);
		counts := counts || jsonb_build_object('payments', st || mg);

		-- Interactions (parsed in parallel as sales are).
		PERFORM set_config('parallel_tuple_cost', '0.01', true);
		CREATE TEMP TABLE load_interactions ON COMMIT DROP AS
		SELECT x.source_row, x.interaction_id, x.interaction_ts,
			analytics.date_key(x.interaction_ts) AS date_key,
			v.customer_key, ch.channel_key, x.interaction_type, x.duration_seconds, x.status,
			CASE
				WHEN x.interaction_id IS NULL THEN 'missing interaction_id'
				WHEN analytics._trim_or_null(x.raw_interaction_ts) IS NULL THEN 'missing interaction_ts'
				WHEN x.interaction_ts IS NULL THEN format('interaction_ts %L is not a date or timestamp', x.raw_interaction_ts) || iso
				WHEN x.duration_seconds IS NULL AND analytics._trim_or_null(x.raw_duration) IS NOT NULL
					THEN format('duration %L is not a number of seconds up to 999999999.999', x.raw_duration)
				WHEN x.duration_seconds < 0 THEN format('duration %s is negative', x.duration_seconds)
				WHEN analytics._trim_or_null(x.raw_status) IS NULL THEN 'missing status'
				WHEN x.status NOT IN ('resolved', 'unresolved', 'abandoned')
					THEN format('status %L is not one of resolved, unresolved, abandoned', x.raw_status)
				WHEN x.customer_id IS NOT NULL AND v.customer_key IS NULL
					THEN format('unknown customer_id %L: not in the warehouse nor among the valid rows of this load', x.customer_id)
				WHEN x.channel_id IS NOT NULL AND ch.channel_key IS NULL
					THEN format('unknown channel_id %L: not in the warehouse nor among the valid rows of this load', x.channel_id)
			END AS reason
		FROM (SELECT s.interaction_ts AS raw_interaction_ts, s.duration AS raw_duration, s.status AS raw_status, s.source_row, analytics._trim_or_null(s.interaction_id) AS interaction_id,
				analytics.try_timestamptz(s.interaction_ts) AS interaction_ts, analytics._trim_or_null(s.customer_id) AS customer_id,
				analytics._trim_or_null(s.channel_id) AS channel_id, analytics._trim_or_null(s.interaction_type) AS interaction_type,
				analytics.try_numeric(s.duration, 12, 3) AS duration_seconds, lower(analytics._trim_or_null(s.status)) AS status
				FROM analytics.stg_interactions s
				OFFSET 0) x
		LEFT JOIN pg_temp.load_versions v ON v.customer_id = x.customer_id AND x.interaction_ts >= v.lo AND x.interaction_ts < v.hi
		LEFT JOIN analytics.dim_channel ch ON ch.channel_id = x.channel_id;
		PERFORM set_config('parallel_tuple_cost', tuple_cost, true);
		st := analytics._load_stage(run, 'interactions', '{interaction_id}');
		PERFORM analytics._dim_date_add(ARRAY(SELECT DISTINCT (interaction_ts AT TIME ZONE 'UTC')::date FROM pg_temp.load_interactions));
		mg := analytics._load_merge('pg_temp.load_interactions', 'analytics.fact_interactions', 'interaction_id',
			'{date_key,interaction_ts,customer_key,channel_key,interaction_type,duration_seconds,status}',
			'{date_key,interaction_ts,customer_key,channel_key,interaction_type,duration_seconds,status}', true);
		counts := counts || jsonb_build_object('interactions', st || mg);

		-- KPI summaries: refresh the days touched, as runs of consecutive
		-- days, planned with the calendar's new days counted (planned for a
		-- calendar a few days long, the refresh of a year of new sales took
		-- nested loops over every one of them)
		ANALYZE analytics.dim_date;
		PERFORM analytics.refresh_retail_summaries(min(day), max(day))
		FROM (SELECT d.full_date AS day, d.full_date - (row_number() OVER (ORDER BY d.full_date))::int AS island
			FROM analytics.dim_date d WHERE d.date_key IN (SELECT k.date_key FROM pg_temp.load_days k)) x
		GROUP BY island;

		DROP TABLE pg_temp.load_days, pg_temp.load_products, pg_temp.load_stores, pg_temp.load_channels, pg_temp.load_customers,
			pg_temp.load_versions, pg_temp.load_sales, pg_temp.load_payments, pg_temp.load_interactions;
		TRUNCATE analytics.stg_customers, analytics.stg_products, analytics.stg_stores, analytics.stg_channels,
			analytics.stg_sales, analytics.stg_payments, analytics.stg_interactions RESTART IDENTITY;

		-- counts: entity -> {rows_in, rejected, duplicates, inserted, updated, unchanged}
		UPDATE analytics.load_runs r SET finished_at = clock_timestamp(), status = 'succeeded',
			rows_in = t.rows_in, inserted = t.inserted, updated = t.updated, unchanged = t.unchanged,
			duplicates = t.duplicates, rejected = t.rejected
		FROM (SELECT sum((c.value->>0)::bigint) AS rows_in, sum((c.value->>1)::bigint) AS rejected,
				sum((c.value->>2)::bigint) AS duplicates, sum((c.value->>3)::bigint) AS inserted,
				sum((c.value->>4)::bigint) AS updated, sum((c.value->>5)::bigint) AS unchanged
			FROM jsonb_each(counts) c) t
		WHERE r.run_id = run;
	EXCEPTION WHEN OTHERS THEN
		-- Everything since BEGIN is rolled back: warehouse and staging are as
		-- they were, and the run's row is gone. A background worker records
		-- the run as failed in a transaction of its own, then the error goes
		-- on to the caller, with its SQLSTATE.
		GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT, err_detail = PG_EXCEPTION_DETAIL,
			err_hint = PG_EXCEPTION_HINT, err_state = RETURNED_SQLSTATE, err_schema = SCHEMA_NAME,
			err_table = TABLE_NAME, err_column = COLUMN_NAME, err_constraint = CONSTRAINT_NAME,
			err_datatype = PG_DATATYPE_NAME;
		recorded := analytics._record_failed_run(run, started,
			format('%s (SQLSTATE %s)', err_message, err_state) || coalesce(': ' || nullif(err_detail, ''), ''));
		-- the error as it was (fields included), naming the run
		RAISE EXCEPTION USING ERRCODE = err_state,
			MESSAGE = format('load run %s failed, nothing was loaded: %s', run, err_message),
			DETAIL = coalesce(nullif(err_detail, '') || ' ', '') || 'Staging and the warehouse are unchanged.',
			HINT = coalesce(nullif(err_hint, '') || ' ', '') || CASE WHEN recorded
				THEN 'The run is recorded in analytics.load_runs; fix the cause and call analytics.load_warehouse() again.'
				ELSE 'The run could not be recorded in analytics.load_runs (this transaction locks it, or no background worker was free, see max_worker_processes, or the server log says why); fix the cause and call analytics.load_warehouse() again.' END,
			SCHEMA = err_schema, TABLE = err_table, COLUMN = err_column, CONSTRAINT = err_constraint,
			DATATYPE = err_datatype;
	END;

	FOREACH e IN ARRAY ARRAY['customers', 'products', 'stores', 'channels', 'sales', 'payments', 'interactions'] LOOP
		entity := e;
		rows_in := (counts->e->>0)::int;
		rejected := (counts->e->>1)::int;
		duplicates := (counts->e->>2)::int;
		inserted := (counts->e->>3)::int;
		updated := (counts->e->>4)::int;
		unchanged := (counts->e->>5)::int;
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics.load_warehouse() IS 'Validates, deduplicates and loads everything in the staging tables into the warehouse in one transaction (dimensions first, customers as SCD type 2), files bad rows in analytics.load_rejects, records the run in analytics.load_runs, empties staging; returns the counts per entity';
REVOKE ALL ON FUNCTION analytics.load_warehouse() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.load_warehouse() TO analytics_admin;
REVOKE ALL ON FUNCTION analytics._load_stage(bigint, text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._load_merge(text, regclass, text, text[], text[], boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._load_customers(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics._dim_date_add(date[]) TO analytics_admin;

SELECT pg_catalog.pg_extension_config_dump('analytics.stg_customers', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_customers_source_row_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_products', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_products_source_row_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_stores', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_stores_source_row_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_channels', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_channels_source_row_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_sales', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_sales_source_row_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_payments', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_payments_source_row_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_interactions', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.stg_interactions_source_row_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_date', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_customer', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_customer_customer_key_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.customer_source_rows', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_product', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_product_product_key_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_store', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_store_store_key_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_channel', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_channel_channel_key_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_payment', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_payment_payment_key_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_city', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.dim_city_city_key_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.fact_sales', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.fact_payments', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.fact_interactions', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.load_runs', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.load_runs_run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.load_rejects', '');

-- Staging is written by loaders (admins), the calendar read by BI.
REVOKE ALL ON FUNCTION analytics.fill_dim_date(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._dim_date_add(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._require_day_range(text, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics._require_day_range(text, date, date) TO analytics_admin;
GRANT EXECUTE ON FUNCTION analytics.fill_dim_date(date, date) TO analytics_admin;
GRANT SELECT, INSERT, DELETE ON analytics.stg_customers, analytics.stg_products, analytics.stg_stores,
	analytics.stg_channels, analytics.stg_sales, analytics.stg_payments, analytics.stg_interactions
	TO analytics_admin;
GRANT USAGE ON SEQUENCE analytics.stg_customers_source_row_seq, analytics.stg_products_source_row_seq,
	analytics.stg_stores_source_row_seq, analytics.stg_channels_source_row_seq,
	analytics.stg_sales_source_row_seq, analytics.stg_payments_source_row_seq,
	analytics.stg_interactions_source_row_seq TO analytics_admin;
GRANT SELECT ON analytics.dim_date, analytics.dim_customer, analytics.dim_product, analytics.dim_store,
	analytics.dim_channel, analytics.dim_payment, analytics.dim_city, analytics.fact_sales,
	analytics.fact_payments, analytics.fact_interactions TO analytics_reader, analytics_admin;
GRANT INSERT ON analytics.dim_date TO analytics_admin;
GRANT SELECT ON analytics.load_runs, analytics.load_rejects, analytics.customer_source_rows TO analytics_admin;

-- src/data_quality.sql: analytics.data_quality_checks(), the warehouse's
-- invariants checked over the data itself.
--
-- The tables' constraints prevent most of these problems, but data can
-- bypass them (a restore or a load with triggers disabled, a constraint
-- dropped for a manual fix, rows from an older version), so no check relies
-- on a constraint: each recomputes its invariant from the rows.
--
-- One row per (check, entity), always, in a fixed order: by table
-- (dimensions, then facts), then by check. failing_rows counts rows of the
-- entity's table. A NULL in a required column is reported by null_required
-- only: the other checks skip the values they cannot compare. Status is ok
-- for no failing row, else fail, or warn for the one soft check
-- (future_timestamp).
--
-- Cost: one pass over each fact table (hash joins to the dimensions, one
-- count(*) FILTER per check, in parallel when the planner likes) plus one
-- grouping of its identifiers for duplicates; each dimension is read for its
-- own checks and again by each fact pass that joins it.

CREATE FUNCTION analytics.data_quality_checks()
RETURNS TABLE (check_name text, entity text, failing_rows bigint, status text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	r_date record;
	r_customer record;
	r_product record;
	r_store record;
	r_channel record;
	r_payment record;
	r_city record;
BEGIN
	-- A STABLE function's statements all see the calling query's snapshot,
	-- so the passes below check one state of the warehouse. Each fact pass is
	-- its own RETURN QUERY (which may run in parallel, unlike SELECT INTO)
	-- and frees its hash tables before the next.

	-- The calendar. A date outside years 1-214747 has no int YYYYMMDD key
	-- (and after 294276 no timestamp): the CASE keeps it from the casts.
	SELECT
		pg_catalog.count(*) FILTER (WHERE date_key IS NULL OR full_date IS NULL OR day IS NULL
			OR month IS NULL OR month_name IS NULL OR quarter IS NULL OR year IS NULL
			OR iso_year IS NULL OR iso_week IS NULL OR day_of_week IS NULL OR day_name IS NULL
			OR is_weekend IS NULL OR is_month_end IS NULL) AS null_required,
		pg_catalog.count(*) FILTER (WHERE key_rows > 1 AND date_key IS NOT NULL) AS duplicate_key,
		pg_catalog.count(*) FILTER (WHERE date_rows > 1 AND full_date IS NOT NULL) AS duplicate_date,
		pg_catalog.count(*) FILTER (WHERE full_date IS NOT NULL AND NOT CASE
			WHEN full_date >= '0001-01-01' AND full_date < '214748-01-01' THEN coalesce(
				date_key = pg_catalog.to_char(full_date, 'YYYYMMDD')::int
				AND day = EXTRACT(day FROM full_date)
				AND month = EXTRACT(month FROM full_date)
				AND month_name = pg_catalog.to_char(full_date, 'FMMonth')
				AND quarter = EXTRACT(quarter FROM full_date)
				AND year = EXTRACT(year FROM full_date)
				AND iso_year = EXTRACT(isoyear FROM full_date)
				AND iso_week = EXTRACT(week FROM full_date)
				AND day_of_week = EXTRACT(isodow FROM full_date)
				AND day_name = pg_catalog.to_char(full_date, 'FMDay')
				AND is_weekend = (EXTRACT(isodow FROM full_date) >= 6)
				AND is_month_end = (EXTRACT(month FROM full_date + 1) <> EXTRACT(month FROM full_date)),
				true)
			ELSE false END) AS invalid_calendar
	INTO r_date
	FROM (SELECT *, pg_catalog.count(*) OVER (PARTITION BY date_key) AS key_rows,
			pg_catalog.count(*) OVER (PARTITION BY full_date) AS date_rows
		FROM analytics.dim_date) d;

	-- Customer versions. Ordered by valid_from, consecutive versions of a
	-- customer chain: each starts before it ends and ends where the next
	-- begins; only the last is current, and it is open-ended.
	SELECT
		pg_catalog.count(*) FILTER (WHERE customer_key IS NULL OR customer_id IS NULL
			OR valid_from IS NULL OR valid_to IS NULL OR is_current IS NULL) AS null_required,
		pg_catalog.count(*) FILTER (WHERE key_rows > 1 AND customer_key IS NOT NULL) AS duplicate_key,
		pg_catalog.count(*) FILTER (WHERE version_rows > 1 AND customer_id IS NOT NULL
			AND valid_from IS NOT NULL) AS duplicate_version,
		pg_catalog.count(*) FILTER (WHERE is_current AND current_versions > 1
			AND customer_id IS NOT NULL) AS multiple_current,
		pg_catalog.count(*) FILTER (WHERE customer_id IS NOT NULL AND NOT (
			valid_from < valid_to
			AND valid_to = coalesce(next_from, 'infinity')
			AND is_current = (next_from IS NULL))) AS broken_chain
	INTO r_customer
	FROM (SELECT customer_key, customer_id, valid_from, valid_to, is_current,
			pg_catalog.count(*) OVER (PARTITION BY customer_key) AS key_rows,
			pg_catalog.count(*) OVER (PARTITION BY customer_id, valid_from) AS version_rows,
			pg_catalog.count(*) FILTER (WHERE is_current) OVER (PARTITION BY customer_id) AS current_versions,
			pg_catalog.lead(valid_from) OVER (PARTITION BY customer_id
				ORDER BY valid_from, customer_key) AS next_from
		FROM analytics.dim_customer) c;

	-- The type 1 dimensions.
	SELECT
		pg_catalog.count(*) FILTER (WHERE product_key IS NULL OR product_id IS NULL) AS null_required,
		pg_catalog.count(*) FILTER (WHERE key_rows > 1 AND product_key IS NOT NULL) AS duplicate_key,
		pg_catalog.count(*) FILTER (WHERE id_rows > 1 AND product_id IS NOT NULL) AS duplicate_id,
		pg_catalog.count(*) FILTER (WHERE unit_cost < 0 OR unit_price < 0) AS negative_amount
	INTO r_product
	FROM (SELECT product_key, product_id, unit_cost, unit_price,
			pg_catalog.count(*) OVER (PARTITION BY product_key) AS key_rows,
			pg_catalog.count(*) OVER (PARTITION BY product_id) AS id_rows
		FROM analytics.dim_product) p;

	SELECT
		pg_catalog.count(*) FILTER (WHERE store_key IS NULL OR store_id IS NULL) AS null_required,
		pg_catalog.count(*) FILTER (WHERE key_rows > 1 AND store_key IS NOT NULL) AS duplicate_key,
		pg_catalog.count(*) FILTER (WHERE id_rows > 1 AND store_id IS NOT NULL) AS duplicate_id
	INTO r_store
	FROM (SELECT store_key, store_id,
			pg_catalog.count(*) OVER (PARTITION BY store_key) AS key_rows,
			pg_catalog.count(*) OVER (PARTITION BY store_id) AS id_rows
		FROM analytics.dim_store) s;

	SELECT
		pg_catalog.count(*) FILTER (WHERE channel_key IS NULL OR channel_id IS NULL OR fee_percent IS NULL) AS null_required,
		pg_catalog.count(*) FILTER (WHERE key_rows > 1 AND channel_key IS NOT NULL) AS duplicate_key,
		pg_catalog.count(*) FILTER (WHERE id_rows > 1 AND channel_id IS NOT NULL) AS duplicate_id,
		pg_catalog.count(*) FILTER (WHERE fee_percent < 0 OR fee_percent > 100) AS invalid_value
	INTO r_channel
	FROM (SELECT channel_key, channel_id, fee_percent,
			pg_catalog.count(*) OVER (PARTITION BY channel_key) AS key_rows,
			pg_catalog.count(*) OVER (PARTITION BY channel_id) AS id_rows
		FROM analytics.dim_channel) ch;

	SELECT
		pg_catalog.count(*) FILTER (WHERE payment_key IS NULL OR payment_method IS NULL) AS null_required,
		pg_catalog.count(*) FILTER (WHERE key_rows > 1 AND payment_key IS NOT NULL) AS duplicate_key,
		pg_catalog.count(*) FILTER (WHERE id_rows > 1 AND payment_method IS NOT NULL) AS duplicate_id
	INTO r_payment
	FROM (SELECT payment_key, payment_method,
			pg_catalog.count(*) OVER (PARTITION BY payment_key) AS key_rows,
			pg_catalog.count(*) OVER (PARTITION BY payment_method) AS id_rows
		FROM analytics.dim_payment) pm;

	SELECT
		pg_catalog.count(*) FILTER (WHERE city_key IS NULL OR city IS NULL) AS null_required,
		pg_catalog.count(*) FILTER (WHERE key_rows > 1 AND city_key IS NOT NULL) AS duplicate_key,
		pg_catalog.count(*) FILTER (WHERE id_rows > 1 AND city IS NOT NULL) AS duplicate_id
	INTO r_city
	FROM (SELECT city_key, city,
			pg_catalog.count(*) OVER (PARTITION BY city_key) AS key_rows,
			pg_catalog.count(*) OVER (PARTITION BY city) AS id_rows
		FROM analytics.dim_city) ci;

	RETURN QUERY
	SELECT v.check_name, v.entity, v.failing_rows,
		CASE WHEN v.failing_rows = 0 THEN 'ok' ELSE 'fail' END
	FROM (VALUES
		(1, 'null_required', 'dim_date', r_date.null_required),
		(2, 'duplicate_key', 'dim_date.date_key', r_date.duplicate_key),
		(3, 'duplicate_key', 'dim_date.full_date', r_date.duplicate_date),
		(4, 'invalid_calendar', 'dim_date', r_date.invalid_calendar),
		(5, 'null_required', 'dim_customer', r_customer.null_required),
		(6, 'duplicate_key', 'dim_customer.customer_key', r_customer.duplicate_key),
		(7, 'duplicate_key', 'dim_customer.(customer_id, valid_from)', r_customer.duplicate_version),
		(8, 'multiple_current_versions', 'dim_customer', r_customer.multiple_current),
		(9, 'broken_validity_chain', 'dim_customer', r_customer.broken_chain),
		(10, 'null_required', 'dim_product', r_product.null_required),
		(11, 'duplicate_key', 'dim_product.product_key', r_product.duplicate_key),
		(12, 'duplicate_key', 'dim_product.product_id', r_product.duplicate_id),
		(13, 'negative_amount', 'dim_product', r_product.negative_amount),
		(14, 'null_required', 'dim_store', r_store.null_required),
		(15, 'duplicate_key', 'dim_store.store_key', r_store.duplicate_key),
		(16, 'duplicate_key', 'dim_store.store_id', r_store.duplicate_id),
		(17, 'null_required', 'dim_channel', r_channel.null_required),
		(18, 'duplicate_key', 'dim_channel.channel_key', r_channel.duplicate_key),
		(19, 'duplicate_key', 'dim_channel.channel_id', r_channel.duplicate_id),
		(20, 'invalid_value', 'dim_channel', r_channel.invalid_value),
		(21, 'null_required', 'dim_payment', r_payment.null_required),
		(22, 'duplicate_key', 'dim_payment.payment_key', r_payment.duplicate_key),
		(23, 'duplicate_key', 'dim_payment.payment_method', r_payment.duplicate_id),
		(24, 'null_required', 'dim_city', r_city.null_required),
		(25, 'duplicate_key', 'dim_city.city_key', r_city.duplicate_key),
		(26, 'duplicate_key', 'dim_city.city', r_city.duplicate_id)
		) AS v(ord, check_name, entity, failing_rows)
	ORDER BY v.ord;

	-- Facts: one pass each, joining every dimension by hash, returned as
	-- soon as counted. A dimension joins as one row per key (DISTINCT, GROUP
	-- BY), so that a duplicated key cannot count a fact twice. The calendar
	-- joins with the UTC day each date_key covers (day_start inclusive,
	-- day_end exclusive): a fact whose timestamp falls outside is dated
	-- wrongly (this equals comparing date_key with the timestamp's UTC date
	-- as YYYYMMDD when invalid_calendar is ok, and is much cheaper than
	-- formatting every timestamp); a date without a YYYYMMDD key covers
	-- nothing. Customers join with the times each version covers: its
	-- validity, from -infinity for its customer's earliest version (which
	-- covers the facts before any version), as the loader assigns versions
	-- to sales, payments and interactions alike. They are grouped by join and
	-- aggregate rather than by window functions, which would keep the pass
	-- from running in parallel.
	RETURN QUERY
	SELECT v.check_name, v.entity, v.failing_rows,
		CASE WHEN v.failing_rows = 0 THEN 'ok' WHEN v.soft THEN 'warn' ELSE 'fail' END
	FROM (SELECT
			pg_catalog.count(*) FILTER (WHERE f.sale_id IS NULL OR f.order_id IS NULL OR f.date_key IS NULL
				OR f.sale_ts IS NULL OR f.customer_key IS NULL OR f.product_key IS NULL
				OR f.quantity IS NULL OR f.unit_price IS NULL OR f.discount IS NULL
				OR f.total_amount IS NULL OR f.status IS NULL) AS null_required,
			pg_catalog.count(*) FILTER (WHERE f.date_key IS NOT NULL AND d.date_key IS NULL) AS orphan_date,
			pg_catalog.count(*) FILTER (WHERE f.customer_key IS NOT NULL AND c.customer_key IS NULL) AS orphan_customer,
			pg_catalog.count(*) FILTER (WHERE f.product_key IS NOT NULL AND p.product_key IS NULL) AS orphan_product,
			pg_catalog.count(*) FILTER (WHERE f.store_key IS NOT NULL AND s.store_key IS NULL) AS orphan_store,
			pg_catalog.count(*) FILTER (WHERE f.channel_key IS NOT NULL AND ch.channel_key IS NULL) AS orphan_channel,
			pg_catalog.count(*) FILTER (WHERE f.payment_key IS NOT NULL AND pm.payment_key IS NULL) AS orphan_payment,
			pg_catalog.count(*) FILTER (WHERE f.quantity <= 0
				OR f.status NOT IN ('completed', 'returned', 'cancelled')) AS invalid_value,
			pg_catalog.count(*) FILTER (WHERE f.unit_price < 0 OR f.discount < 0 OR f.cost_amount < 0) AS negative_amount,
			pg_catalog.count(*) FILTER (WHERE f.total_amount <> f.quantity * f.unit_price - f.discount) AS total_mismatch,
			-- with quantity >= 1 and unit_price >= 0, quantity x unit_price <
			-- discount needs unit_price < discount: most rows skip the product
			pg_catalog.count(*) FILTER (WHERE (f.discount > f.unit_price OR f.quantity < 1 OR f.unit_price < 0)
				AND f.discount > f.quantity * f.unit_price) AS discount_exceeds_gross,
			pg_catalog.count(*) FILTER (WHERE NOT (f.sale_ts >= d.day_start AND f.sale_ts < d.day_end)) AS date_mismatch,
			pg_catalog.count(*) FILTER (WHERE NOT (f.sale_ts >= c.covers_from
				AND f.sale_ts < c.covers_to)) AS version_mismatch,
			pg_catalog.count(*) FILTER (WHERE f.sale_ts > pg_catalog.now()) AS future
		FROM analytics.fact_sales f
			LEFT JOIN (SELECT date_key, pg_catalog.min(day_start) AS day_start, pg_catalog.max(day_end) AS day_end
				FROM (SELECT date_key,
						CASE WHEN full_date >= '0001-01-01' AND full_date < '214748-01-01'
							THEN full_date::timestamp AT TIME ZONE 'UTC' END AS day_start,
						CASE WHEN full_date >= '0001-01-01' AND full_date < '214748-01-01'
							THEN (full_date::timestamp + interval '1 day') AT TIME ZONE 'UTC' END AS day_end
					FROM analytics.dim_date) days
				GROUP BY date_key) d ON d.date_key = f.date_key
			LEFT JOIN (SELECT v.customer_key,
					pg_catalog.min(CASE WHEN v.valid_from = e.first_from THEN '-infinity'
						ELSE v.valid_from END) AS covers_from,
					pg_catalog.max(v.valid_to) AS covers_to
				FROM analytics.dim_customer v
					LEFT JOIN (SELECT customer_id, pg_catalog.min(valid_from) AS first_from
						FROM analytics.dim_customer GROUP BY customer_id) e ON e.customer_id = v.customer_id
				GROUP BY v.customer_key) c ON c.customer_key = f.customer_key
			LEFT JOIN (SELECT DISTINCT product_key FROM analytics.dim_product) p ON p.product_key = f.product_key
			LEFT JOIN (SELECT DISTINCT store_key FROM analytics.dim_store) s ON s.store_key = f.store_key
			LEFT JOIN (SELECT DISTINCT channel_key FROM analytics.dim_channel) ch ON ch.channel_key = f.channel_key
			LEFT JOIN (SELECT DISTINCT payment_key FROM analytics.dim_payment) pm ON pm.payment_key = f.payment_key
		) a,
		(SELECT coalesce(pg_catalog.sum(n), 0)::bigint AS duplicate_id
			FROM (SELECT pg_catalog.count(*) AS n FROM analytics.fact_sales WHERE sale_id IS NOT NULL
				GROUP BY sale_id HAVING pg_catalog.count(*) > 1) x) u,
		LATERAL (VALUES
			(1, 'null_required', 'fact_sales', a.null_required, false),
			(2, 'duplicate_key', 'fact_sales.sale_id', u.duplicate_id, false),
			(3, 'orphan_key', 'fact_sales.date_key', a.orphan_date, false),
			(4, 'orphan_key', 'fact_sales.customer_key', a.orphan_customer, false),
			(5, 'orphan_key', 'fact_sales.product_key', a.orphan_product, false),
			(6, 'orphan_key', 'fact_sales.store_key', a.orphan_store, false),
			(7, 'orphan_key', 'fact_sales.channel_key', a.orphan_channel, false),
			(8, 'orphan_key', 'fact_sales.payment_key', a.orphan_payment, false),
			(9, 'invalid_value', 'fact_sales', a.invalid_value, false),
			(10, 'negative_amount', 'fact_sales', a.negative_amount, false),
			(11, 'total_mismatch', 'fact_sales', a.total_mismatch, false),
			(12, 'discount_exceeds_gross', 'fact_sales', a.discount_exceeds_gross, false),
			(13, 'date_key_mismatch', 'fact_sales', a.date_mismatch, false),
			(14, 'customer_version_mismatch', 'fact_sales', a.version_mismatch, false),
			(15, 'future_timestamp', 'fact_sales', a.future, true)
		) AS v(ord, check_name, entity, failing_rows, soft)
	ORDER BY v.ord;

	-- Revenue is stored in numeric(14, 4), which rounds amount x fee / 100
	-- to 4 places, with the fee the payment was loaded with (the channel's
	-- may have changed since). A successful payment without a fee has no
	-- revenue that could be right.
	RETURN QUERY
	SELECT v.check_name, v.entity, v.failing_rows,
		CASE WHEN v.failing_rows = 0 THEN 'ok' WHEN v.soft THEN 'warn' ELSE 'fail' END
	FROM (SELECT
			pg_catalog.count(*) FILTER (WHERE f.transaction_id IS NULL OR f.date_key IS NULL OR f.txn_ts IS NULL
				OR f.channel_key IS NULL OR f.amount IS NULL OR f.status IS NULL
				OR f.fee_percent IS NULL OR f.revenue IS NULL) AS null_required,
			pg_catalog.count(*) FILTER (WHERE f.date_key IS NOT NULL AND d.date_key IS NULL) AS orphan_date,
			pg_catalog.count(*) FILTER (WHERE f.customer_key IS NOT NULL AND c.customer_key IS NULL) AS orphan_customer,
			pg_catalog.count(*) FILTER (WHERE f.channel_key IS NOT NULL AND ch.channel_key IS NULL) AS orphan_channel,
			pg_catalog.count(*) FILTER (WHERE f.city_key IS NOT NULL AND ci.city_key IS NULL) AS orphan_city,
			pg_catalog.count(*) FILTER (WHERE f.status NOT IN ('success', 'failed')
				OR f.processing_time < 0 OR f.fee_percent < 0 OR f.fee_percent > 100) AS invalid_value,
			pg_catalog.count(*) FILTER (WHERE f.amount <= 0) AS negative_amount,
			pg_catalog.count(*) FILTER (WHERE CASE f.status
				WHEN 'failed' THEN f.revenue <> 0
				WHEN 'success' THEN f.amount IS NOT NULL AND f.revenue IS NOT NULL
					AND f.revenue IS DISTINCT FROM pg_catalog.round(f.amount * f.fee_percent / 100, 4)
				END) AS revenue_mismatch,
			pg_catalog.count(*) FILTER (WHERE f.processing_delay_bucket IS DISTINCT FROM CASE
				WHEN f.processing_time < 2 THEN 'fast'
				WHEN f.processing_time <= 5 THEN 'medium'
				WHEN f.processing_time > 5 THEN 'slow' END) AS bucket_mismatch,
			pg_catalog.count(*) FILTER (WHERE NOT (f.txn_ts >= d.day_start AND f.txn_ts < d.day_end)) AS date_mismatch,
			pg_catalog.count(*) FILTER (WHERE NOT (f.txn_ts >= c.covers_from
				AND f.txn_ts < c.covers_to)) AS version_mismatch,
			pg_catalog.count(*) FILTER (WHERE f.txn_ts > pg_catalog.now()) AS future
		FROM analytics.fact_payments f
			LEFT JOIN (SELECT date_key, pg_catalog.min(day_start) AS day_start, pg_catalog.max(day_end) AS day_end
				FROM (SELECT date_key,
						CASE WHEN full_date >= '0001-01-01' AND full_date < '214748-01-01'
							THEN full_date::timestamp AT TIME ZONE 'UTC' END AS day_start,
						CASE WHEN full_date >= '0001-01-01' AND full_date < '214748-01-01'
							THEN (full_date::timestamp + interval '1 day') AT TIME ZONE 'UTC' END AS day_end
					FROM analytics.dim_date) days
				GROUP BY date_key) d ON d.date_key = f.date_key
			LEFT JOIN (SELECT v.customer_key,
					pg_catalog.min(CASE WHEN v.valid_from = e.first_from THEN '-infinity'
						ELSE v.valid_from END) AS covers_from,
					pg_catalog.max(v.valid_to) AS covers_to
				FROM analytics.dim_customer v
					LEFT JOIN (SELECT customer_id, pg_catalog.min(valid_from) AS first_from
						FROM analytics.dim_customer GROUP BY customer_id) e ON e.customer_id = v.customer_id
				GROUP BY v.customer_key) c ON c.customer_key = f.customer_key
			LEFT JOIN (SELECT DISTINCT channel_key FROM analytics.dim_channel) ch ON ch.channel_key = f.channel_key
			LEFT JOIN (SELECT DISTINCT city_key FROM analytics.dim_city) ci ON ci.city_key = f.city_key
		) a,
		(SELECT coalesce(pg_catalog.sum(n), 0)::bigint AS duplicate_id
			FROM (SELECT pg_catalog.count(*) AS n FROM analytics.fact_payments WHERE transaction_id IS NOT NULL
				GROUP BY transaction_id HAVING pg_catalog.count(*) > 1) x) u,
		LATERAL (VALUES
			(1, 'null_required', 'fact_payments', a.null_required, false),
			(2, 'duplicate_key', 'fact_payments.transaction_id', u.duplicate_id, false),
			(3, 'orphan_key', 'fact_payments.date_key', a.orphan_date, false),
			(4, 'orphan_key', 'fact_payments.customer_key', a.orphan_customer, false),
			(5, 'orphan_key', 'fact_payments.channel_key', a.orphan_channel, false),
			(6, 'orphan_key', 'fact_payments.city_key', a.orphan_city, false),
			(7, 'invalid_value', 'fact_payments', a.invalid_value, false),
			(8, 'negative_amount', 'fact_payments', a.negative_amount, false),
			(9, 'revenue_mismatch', 'fact_payments', a.revenue_mismatch, false),
			(10, 'bucket_mismatch', 'fact_payments', a.bucket_mismatch, false),
			(11, 'date_key_mismatch', 'fact_payments', a.date_mismatch, false),
			(12, 'customer_version_mismatch', 'fact_payments', a.version_mismatch, false),
			(13, 'future_timestamp', 'fact_payments', a.future, true)
		) AS v(ord, check_name, entity, failing_rows, soft)
	ORDER BY v.ord;

	RETURN QUERY
	SELECT v.check_name, v.entity, v.failing_rows,
		CASE WHEN v.failing_rows = 0 THEN 'ok' WHEN v.soft THEN 'warn' ELSE 'fail' END
	FROM (SELECT
			pg_catalog.count(*) FILTER (WHERE f.interaction_id IS NULL OR f.date_key IS NULL
				OR f.interaction_ts IS NULL OR f.status IS NULL) AS null_required,
			pg_catalog.count(*) FILTER (WHERE f.date_key IS NOT NULL AND d.date_key IS NULL) AS orphan_date,
			pg_catalog.count(*) FILTER (WHERE f.customer_key IS NOT NULL AND c.customer_key IS NULL) AS orphan_customer,
			pg_catalog.count(*) FILTER (WHERE f.channel_key IS NOT NULL AND ch.channel_key IS NULL) AS orphan_channel,
			pg_catalog.count(*) FILTER (WHERE f.status NOT IN ('resolved', 'unresolved', 'abandoned')
				OR f.duration_seconds < 0) AS invalid_value,
			pg_catalog.count(*) FILTER (WHERE NOT (f.interaction_ts >= d.day_start
				AND f.interaction_ts < d.day_end)) AS date_mismatch,
			pg_catalog.count(*) FILTER (WHERE NOT (f.interaction_ts >= c.covers_from
				AND f.interaction_ts < c.covers_to)) AS version_mismatch,
			pg_catalog.count(*) FILTER (WHERE f.interaction_ts > pg_catalog.now()) AS future
		FROM analytics.fact_interactions f
			LEFT JOIN (SELECT date_key, pg_catalog.min(day_start) AS day_start, pg_catalog.max(day_end) AS day_end
				FROM (SELECT date_key,
						CASE WHEN full_date >= '0001-01-01' AND full_date < '214748-01-01'
							THEN full_date::timestamp AT TIME ZONE 'UTC' END AS day_start,
						CASE WHEN full_date >= '0001-01-01' AND full_date < '214748-01-01'
							THEN (full_date::timestamp + interval '1 day') AT TIME ZONE 'UTC' END AS day_end
					FROM analytics.dim_date) days
				GROUP BY date_key) d ON d.date_key = f.date_key
			LEFT JOIN (SELECT v.customer_key,
					pg_catalog.min(CASE WHEN v.valid_from = e.first_from THEN '-infinity'
						ELSE v.valid_from END) AS covers_from,
					pg_catalog.max(v.valid_to) AS covers_to
				FROM analytics.dim_customer v
					LEFT JOIN (SELECT customer_id, pg_catalog.min(valid_from) AS first_from
						FROM analytics.dim_customer GROUP BY customer_id) e ON e.customer_id = v.customer_id
				GROUP BY v.customer_key) c ON c.customer_key = f.customer_key
			LEFT JOIN (SELECT DISTINCT channel_key FROM analytics.dim_channel) ch ON ch.channel_key = f.channel_key
		) a,
		(SELECT coalesce(pg_catalog.sum(n), 0)::bigint AS duplicate_id
			FROM (SELECT pg_catalog.count(*) AS n FROM analytics.fact_interactions WHERE interaction_id IS NOT NULL
				GROUP BY interaction_id HAVING pg_catalog.count(*) > 1) x) u,
		LATERAL (VALUES
			(1, 'null_required', 'fact_interactions', a.null_required, false),
			(2, 'duplicate_key', 'fact_interactions.interaction_id', u.duplicate_id, false),
			(3, 'orphan_key', 'fact_interactions.date_key', a.orphan_date, false),
			(4, 'orphan_key', 'fact_interactions.customer_key', a.orphan_customer, false),
			(5, 'orphan_key', 'fact_interactions.channel_key', a.orphan_channel, false),
			(6, 'invalid_value', 'fact_interactions', a.invalid_value, false),
			(7, 'date_key_mismatch', 'fact_interactions', a.date_mismatch, false),
			(8, 'customer_version_mismatch', 'fact_interactions', a.version_mismatch, false),
			(9, 'future_timestamp', 'fact_interactions', a.future, true)
		) AS v(ord, check_name, entity, failing_rows, soft)
	ORDER BY v.ord;
END
$$;
COMMENT ON FUNCTION analytics.data_quality_checks() IS 'Checks the warehouse''s invariants over its rows (nulls, duplicate and orphan keys, the calendar, customer versions, amounts, revenue, delay buckets, date keys): one row per check and entity with the failing rows and ok, warn or fail';

REVOKE ALL ON FUNCTION analytics.data_quality_checks() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.data_quality_checks() TO analytics_admin, analytics_reader;

-- src/retail_kpis.sql: the retail KPI views over the star schema of
-- src/warehouse.sql, and the two small summary tables some of them read.
--
-- Shape, for Power BI in DirectQuery mode (Npgsql 4) and for psql:
--   * plain scalar columns only: date, text, boolean, smallint, bigint and
--     numeric with a declared precision: money numeric(16, 2) (payment fees,
--     which carry four decimals, numeric(16, 4)), bounded percentages (0-100)
--     numeric(7, 2), margins numeric(12, 2), seconds numeric(10, 3) or
--     numeric(12, 2), years numeric(10, 4). Values are rounded (half away from
--     zero) only in the view's output, from exact numeric sums.
--   * no timestamptz (Npgsql 4 shifts it to local time), arrays, json or
--     intervals; days are UTC calendar days (dim_date.full_date, which the
--     loader derives from the fact's UTC timestamp), months are the first day
--     of the month as a date.
--   * every view is one GROUP BY whose day, month and dimension columns are
--     grouping columns (or columns of a grouped dimension row), so that
--     PostgreSQL pushes a WHERE on them down into the view: a filter on day
--     becomes a filter on dim_date.full_date (unique index), joined to the
--     fact's indexed date_key. No view uses a window function: one would stop
--     that push-down. Moving averages, month-over-month growth, shares of a
--     month and "new customer" read instead the summary tables below, through
--     subqueries on their indexes, evaluated once per row of the view.
--
-- Definitions shared by the sales views (fact_sales, one row per order line):
--   * revenue = sum of total_amount (quantity x unit_price - discount) over
--     completed lines; returned and cancelled lines are left out.
--   * orders = distinct order_id among those lines (an order counts when one
--     of its lines is completed); customers = distinct customer_id (not
--     customer_key: a customer has a key per SCD2 version).
--   * cost = sum of cost_amount over the same lines; NULL when one of them
--     has no cost (a product without unit cost), and so are gross_profit =
--     revenue - cost and profit_margin_pct = 100 x (revenue - cost) /
--     revenue. The margin is also NULL when revenue <= 0, and when the cost
--     is over 10^7 times the revenue (a margin below -999,999,900%, which
--     would not fit).
--   * avg_order_value = revenue / orders.
-- Where a view reads customer_id only to count customers, it joins
-- dim_customer with LEFT JOIN: every line has its customer (customer_key is
-- NOT NULL and a foreign key), so this is the inner join, but PostgreSQL
-- drops a LEFT JOIN on a primary key when a query reads nothing from it, so
-- that a query that does not ask for customers does not pay for the join.

-- Summary tables, maintained by analytics.refresh_retail_summaries. Both are
-- small: a row per day with data, a row per customer who ever completed a
-- purchase.
CREATE TABLE analytics.retail_daily_totals (
	day date PRIMARY KEY,
	sales_revenue numeric(16, 2) NOT NULL,
	payment_revenue numeric(18, 4) NOT NULL,
	payments bigint NOT NULL,
	failed_payments bigint NOT NULL,
	processing_seconds numeric(18, 3) NOT NULL,
	timed_payments bigint NOT NULL
);
COMMENT ON TABLE analytics.retail_daily_totals IS 'Per UTC day with data (a completed sale or a payment): completed sales revenue, payment fee revenue, payments, failed payments, and the sum and count of processing times; read by the 7-day averages, month-over-month growth and shares; maintained by analytics.refresh_retail_summaries';

CREATE TABLE analytics.customer_first_purchase (
	customer_id text PRIMARY KEY,
	first_day date NOT NULL
);
CREATE INDEX customer_first_purchase_day ON analytics.customer_first_purchase (first_day);
COMMENT ON TABLE analytics.customer_first_purchase IS 'Per customer_id (all SCD2 versions together): the UTC day of the first completed purchase; read by new_customers and the customer lifespan of CLV; maintained by analytics.refresh_retail_summaries';

-- Recomputes both summary tables for the UTC days from from_date to to_date
-- (inclusive), from the facts as they are now:
--   * retail_daily_totals: the rows of those days are replaced;
--   * customer_first_purchase: every customer with a completed sale in the
--     range (unless their recorded first day is before the range) and every
--     customer whose recorded first day is in the range get their first day
--     recomputed over all their completed sales, of any day and any version;
--     a customer with none left loses the row.
-- So the summaries are exact once every day whose facts changed has been
-- refreshed since the change. Every row a call writes is recomputed from the
-- facts as they are, so any range may be refreshed at any time, and again;
-- '-infinity' to 'infinity' rebuilds everything. The loader calls it after each load for the days it touched.
-- One refresh at a time (a SHARE ROW EXCLUSIVE lock); readers never wait.
-- It runs with the caller's rights (admins may write the summaries, as they
-- may fill the calendar).
CREATE FUNCTION analytics.refresh_retail_summaries(from_date date, to_date date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- the range as date_keys (YYYYMMDD, for the years 1 to 9999)
	lo_key int := CASE WHEN from_date < '0001-01-01' THEN -2147483648 WHEN from_date > '9999-12-31' THEN 2147483647
		ELSE to_char(from_date, 'YYYYMMDD')::int END;
	hi_key int := CASE WHEN to_date < '0001-01-01' THEN -2147483648 WHEN to_date > '9999-12-31' THEN 2147483647
		ELSE to_char(to_date, 'YYYYMMDD')::int END;
BEGIN
	PERFORM analytics._require_day_range('refresh_retail_summaries', from_date, to_date);
	LOCK TABLE analytics.retail_daily_totals, analytics.customer_first_purchase IN SHARE ROW EXCLUSIVE MODE;

	DELETE FROM analytics.retail_daily_totals t WHERE t.day >= from_date AND t.day <= to_date;
	INSERT INTO analytics.retail_daily_totals (day, sales_revenue, payment_revenue, payments, failed_payments,
		processing_seconds, timed_payments)
	SELECT d.full_date, COALESCE(s.revenue, 0), COALESCE(p.revenue, 0), p.payments, p.failed,
		COALESCE(p.seconds, 0), p.timed
	FROM analytics.dim_date d
	CROSS JOIN LATERAL (
		SELECT sum(f.total_amount) AS revenue
		FROM analytics.fact_sales f
		WHERE f.date_key = d.date_key AND f.status = 'completed'
	) s
	CROSS JOIN LATERAL (
		SELECT sum(f.revenue) AS revenue, count(*) AS payments,
			count(*) FILTER (WHERE f.status = 'failed') AS failed,
			sum(f.processing_time) AS seconds, count(f.processing_time) AS timed
		FROM analytics.fact_payments f
		WHERE f.date_key = d.date_key
	) p
	WHERE d.full_date >= from_date AND d.full_date <= to_date
		AND (s.revenue IS NOT NULL OR p.payments > 0);

	-- First purchases change for the customers with a completed line in the
	-- range (unless an earlier first purchase stands) and for those whose
	-- first purchase lies in it: their first day is the earliest of their
	-- completed lines, found in the range by the same pass (inside) and out
	-- of it by another (outside), which the date index answers at once when
	-- the range holds all the data. The range is taken on date_key
	-- (YYYYMMDD, in the order of days), lines are grouped by customer_key
	-- before meeting dim_customer, and the summary rows are inserted plainly
	-- (the lock keeps other writers out): one pass over a year of 2M lines
	-- instead of two, each joining every line to its customer and grouping
	-- by customer_id, and 100k speculative inserts (4-6 s, now 1-2 s).
	WITH inside AS MATERIALIZED (
		SELECT c.customer_id, min(k.first_key) AS first_key
		FROM (SELECT f.customer_key, min(f.date_key) AS first_key
			FROM analytics.fact_sales f
			WHERE f.date_key >= lo_key AND f.date_key <= hi_key AND f.status = 'completed'
			GROUP BY f.customer_key) k
		JOIN analytics.dim_customer c ON c.customer_key = k.customer_key
		GROUP BY c.customer_id
	),
	affected AS MATERIALIZED (
		SELECT i.customer_id
		FROM inside i
		WHERE NOT EXISTS (SELECT FROM analytics.customer_first_purchase p
			WHERE p.customer_id = i.customer_id AND p.first_day < from_date)
		UNION
		SELECT p.customer_id
		FROM analytics.customer_first_purchase p
		WHERE p.first_day >= from_date AND p.first_day <= to_date
	),
	outside AS MATERIALIZED (
		SELECT c.customer_id, min(f.date_key) AS first_key
		FROM analytics.dim_customer c
		JOIN analytics.fact_sales f ON f.customer_key = c.customer_key
		WHERE c.customer_id IN (SELECT a.customer_id FROM affected a) AND f.status = 'completed'
			AND (f.date_key < lo_key OR f.date_key > hi_key)
		GROUP BY c.customer_id
	),
	firsts AS MATERIALIZED (
		SELECT a.customer_id, least(i.first_key, o.first_key) AS first_key
		FROM affected a
		LEFT JOIN inside i ON i.customer_id = a.customer_id
		LEFT JOIN outside o ON o.customer_id = a.customer_id
		WHERE i.first_key IS NOT NULL OR o.first_key IS NOT NULL
	),
	gone AS (
		DELETE FROM analytics.customer_first_purchase p
		WHERE p.customer_id IN (SELECT a.customer_id FROM affected a)
			AND NOT EXISTS (SELECT FROM firsts x WHERE x.customer_id = p.customer_id)
	),
	changed AS (
		UPDATE analytics.customer_first_purchase p SET first_day = d.full_date
		FROM firsts x JOIN analytics.dim_date d ON d.date_key = x.first_key
		WHERE p.customer_id = x.customer_id AND p.first_day IS DISTINCT FROM d.full_date
	)
	INSERT INTO analytics.customer_first_purchase (customer_id, first_day)
	SELECT x.customer_id, d.full_date
	FROM firsts x JOIN analytics.dim_date d ON d.date_key = x.first_key
	WHERE NOT EXISTS (SELECT FROM analytics.customer_first_purchase p WHERE p.customer_id = x.customer_id);
END
$$;
COMMENT ON FUNCTION analytics.refresh_retail_summaries(date, date) IS 'Recomputes analytics.retail_daily_totals and analytics.customer_first_purchase for the UTC days from from_date to to_date (inclusive) from the facts; call it after changing the facts of those days (''-infinity'', ''infinity'' rebuilds all)';

-- Daily KPIs
--
-- One row per UTC day with a completed sale. Besides the shared definitions:
--   * units = sum of quantity over completed lines.
--   * new_customers = customers whose first-ever completed purchase (any
--     version of the customer) is that day (customer_first_purchase).
--   * revenue_7d_avg = the average daily revenue over the 7 days ending that
--     day, days without completed sales counting 0. At the start of the data
--     the window is cut at the first day with any order line in fact_sales
--     (any status): the sum is divided by the number of days of the window on
--     or after that day, so the first day's average is its revenue and the
--     third day's is the average of three days. From daily totals.
CREATE VIEW analytics.kpi_daily AS
SELECT g.day,
	g.revenue::numeric(16, 2) AS revenue,
	g.orders,
	g.units,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * 10000000
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	g.customers,
	(SELECT pg_catalog.count(*) FROM analytics.customer_first_purchase p
		WHERE p.first_day = g.day) AS new_customers,
	(SELECT (COALESCE(pg_catalog.sum(t.sales_revenue), 0)
			/ LEAST(7, g.day - (SELECT x.full_date FROM analytics.dim_date x
				WHERE x.date_key = (SELECT pg_catalog.min(y.date_key) FROM analytics.fact_sales y)) + 1)
		)::numeric(16, 2)
		FROM analytics.retail_daily_totals t
		WHERE t.day > g.day - 7 AND t.day <= g.day) AS revenue_7d_avg
FROM (
	SELECT d.full_date AS day,
		pg_catalog.sum(f.total_amount) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(f.cost_amount) END AS cost,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.sum(f.quantity) AS units,
		pg_catalog.count(DISTINCT c.customer_id) AS customers
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
	WHERE f.status = 'completed'
	GROUP BY d.full_date
) g;
COMMENT ON VIEW analytics.kpi_daily IS 'Sales KPIs per UTC day over completed order lines: revenue, orders, units, average order value, gross profit, margin, distinct customers, new customers (first completed purchase that day) and the 7-day average daily revenue (empty days as 0, window cut at the start of the data)';
COMMENT ON COLUMN analytics.kpi_daily.revenue IS 'sum(quantity x unit_price - discount) over completed lines';
COMMENT ON COLUMN analytics.kpi_daily.orders IS 'distinct order_id with a completed line that day';
COMMENT ON COLUMN analytics.kpi_daily.customers IS 'distinct customer_id (not customer_key) with a completed line that day';
COMMENT ON COLUMN analytics.kpi_daily.new_customers IS 'customers whose first-ever completed purchase is that day';
COMMENT ON COLUMN analytics.kpi_daily.revenue_7d_avg IS 'sum of daily revenue over the 7 days ending that day / the number of those days on or after the first day of sales data (7 once the data is a week old)';

-- Daily sales by store and sales channel, with calendar attributes (UTC
-- day). store and channel are NULL for lines without them (online sales have
-- no store).
CREATE VIEW analytics.sales_daily AS
SELECT d.full_date AS day,
	d.day_of_week,
	d.day_name,
	d.is_weekend,
	s.store_id,
	s.store_name,
	ch.channel_name AS channel,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT f.order_id))::numeric(16, 2) AS avg_order_value
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
LEFT JOIN analytics.dim_store s ON s.store_key = f.store_key
LEFT JOIN analytics.dim_channel ch ON ch.channel_key = f.channel_key
WHERE f.status = 'completed'
GROUP BY d.full_date, d.day_of_week, d.day_name, d.is_weekend, s.store_key, ch.channel_key;
COMMENT ON VIEW analytics.sales_daily IS 'Completed sales per UTC day, store and sales channel (NULL store or channel: the lines had none), with ISO day_of_week (Monday 1), day_name and is_weekend: revenue, orders, units, customers, average order value';

-- Monthly sales with month-over-month growth. month = the first day of the
-- UTC calendar month. new_customers = customers whose first-ever completed
-- purchase is in the month. prev_month_revenue = the completed revenue of
-- the calendar month before (0 when it had none, also before the data
-- starts); mom_growth_pct = 100 x (revenue - prev_month_revenue) /
-- prev_month_revenue, NULL when prev_month_revenue is 0. Both previous-month
-- figures come from retail_daily_totals.
CREATE VIEW analytics.sales_monthly AS
SELECT g.month,
	g.revenue::numeric(16, 2) AS revenue,
	g.orders,
	g.units,
	g.customers,
	(SELECT pg_catalog.count(*) FROM analytics.customer_first_purchase p
		WHERE p.first_day >= g.month AND p.first_day < (g.month + '1 month'::interval)::date) AS new_customers,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * 10000000
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	pm.revenue::numeric(16, 2) AS prev_month_revenue,
	(CASE WHEN pm.revenue <> 0 AND pg_catalog.abs(g.revenue - pm.revenue) <= pg_catalog.abs(pm.revenue) * 10000000
		THEN 100 * (g.revenue - pm.revenue) / pm.revenue END)::numeric(12, 2) AS mom_growth_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
		pg_catalog.sum(f.total_amount) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(f.cost_amount) END AS cost,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.sum(f.quantity) AS units,
		pg_catalog.count(DISTINCT c.customer_id) AS customers
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month
) g
CROSS JOIN LATERAL (
	SELECT COALESCE(pg_catalog.sum(t.sales_revenue), 0) AS revenue
	FROM analytics.retail_daily_totals t
	WHERE t.day >= (g.month - '1 month'::interval)::date AND t.day < g.month
) pm;
COMMENT ON VIEW analytics.sales_monthly IS 'Completed sales per UTC calendar month (month = its first day): revenue, orders, units, customers, new customers, average order value, gross profit, margin, the previous month''s revenue and month-over-month growth in percent';

-- Products per month: what sells. revenue, units (sum of quantity), orders
-- and customers over completed lines; avg_selling_price = revenue / units
-- (after discounts). No rank column (a rank would stop filters from reaching
-- the indexes): order by revenue, or use the BI tool's Top N filter.
CREATE VIEW analytics.top_products AS
SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
	p.product_id,
	p.product_name,
	p.category,
	p.subcategory,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	(pg_catalog.sum(f.total_amount) / pg_catalog.sum(f.quantity))::numeric(16, 2) AS avg_selling_price
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_product p ON p.product_key = f.product_key
LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
WHERE f.status = 'completed'
GROUP BY d.year, d.month, p.product_key;
COMMENT ON VIEW analytics.top_products IS 'Completed sales per UTC month and product: revenue, units, orders, customers, average selling price (revenue / units); rank by ordering on revenue';

-- Categories per month. revenue_share_pct = 100 x revenue / the month's
-- completed revenue (from retail_daily_totals), NULL when that is 0.
CREATE VIEW analytics.category_sales AS
SELECT g.month, g.category, g.subcategory,
	g.revenue::numeric(16, 2) AS revenue,
	g.units,
	g.orders,
	g.customers,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * 10000000
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	(SELECT (CASE WHEN pg_catalog.sum(t.sales_revenue) > 0 AND g.revenue <= pg_catalog.sum(t.sales_revenue)
			AND g.revenue >= 0
		THEN 100 * g.revenue / pg_catalog.sum(t.sales_revenue) END)::numeric(7, 2)
		FROM analytics.retail_daily_totals t
		WHERE t.day >= g.month AND t.day < (g.month + '1 month'::interval)::date) AS revenue_share_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month, p.category, p.subcategory,
		pg_catalog.sum(f.total_amount) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(f.cost_amount) END AS cost,
		pg_catalog.sum(f.quantity) AS units,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.count(DISTINCT c.customer_id) AS customers
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	JOIN analytics.dim_product p ON p.product_key = f.product_key
	LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month, p.category, p.subcategory
) g;
COMMENT ON VIEW analytics.category_sales IS 'Completed sales per UTC month, category and subcategory: revenue, units, orders, customers, gross profit, margin, and the share of the month''s revenue in percent';

-- Payment methods of sales per month (dim_payment via fact_sales; NULL for
-- lines without one). revenue_share_pct as in category_sales.
CREATE VIEW analytics.payment_methods AS
SELECT g.month, g.payment_method,
	g.orders,
	g.revenue::numeric(16, 2) AS revenue,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	g.customers,
	(SELECT (CASE WHEN pg_catalog.sum(t.sales_revenue) > 0 AND g.revenue <= pg_catalog.sum(t.sales_revenue)
			AND g.revenue >= 0
		THEN 100 * g.revenue / pg_catalog.sum(t.sales_revenue) END)::numeric(7, 2)
		FROM analytics.retail_daily_totals t
		WHERE t.day >= g.month AND t.day < (g.month + '1 month'::interval)::date) AS revenue_share_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month, pm.payment_method,
		pg_catalog.sum(f.total_amount) AS revenue,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.count(DISTINCT c.customer_id) AS customers
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
	LEFT JOIN analytics.dim_payment pm ON pm.payment_key = f.payment_key
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month, pm.payment_method
) g;
COMMENT ON VIEW analytics.payment_methods IS 'Completed sales per UTC month and payment method: orders, revenue, average order value, customers, and the share of the month''s revenue in percent';

-- Geography of sales per month: where the customer was when buying (city,
-- state, region and country of the customer version valid at the sale, so a
-- customer who moved counts in both places).
CREATE VIEW analytics.sales_geography AS
SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
	c.country,
	c.region,
	c.state,
	c.city,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT f.order_id))::numeric(16, 2) AS avg_order_value
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
WHERE f.status = 'completed'
GROUP BY d.year, d.month, c.country, c.region, c.state, c.city;
COMMENT ON VIEW analytics.sales_geography IS 'Completed sales per UTC month and customer location at the time of sale (country, region, state, city of the SCD2 version): revenue, orders, units, customers, average order value';

-- Customer segments per month: the segment of the customer version valid at
-- the sale (a customer whose segment changed counts in both).
-- revenue_per_customer = revenue / customers; orders_per_customer = orders /
-- customers.
CREATE VIEW analytics.customer_segments AS
SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
	c.segment,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT f.order_id))::numeric(16, 2) AS avg_order_value,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT c.customer_id))::numeric(16, 2) AS revenue_per_customer,
	(pg_catalog.count(DISTINCT f.order_id)::numeric / pg_catalog.count(DISTINCT c.customer_id))::numeric(12, 2) AS orders_per_customer
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
WHERE f.status = 'completed'
GROUP BY d.year, d.month, c.segment;
COMMENT ON VIEW analytics.customer_segments IS 'Completed sales per UTC month and customer segment at the time of sale: customers, orders, units, revenue, average order value, revenue and orders per customer';

-- Product performance per month, over all lines of the product (any
-- status): units, revenue, cost, gross_profit, margin and discount over
-- completed lines (revenue 0 when there are none); lines, returned_lines and
-- cancelled_lines count lines; return_rate = 100 x returned / (completed +
-- returned) lines (lines delivered and kept or sent back; NULL without
-- any); cancellation_rate = 100 x cancelled / all lines.
CREATE VIEW analytics.product_performance AS
SELECT g.month, g.product_id, g.product_name, g.category, g.subcategory,
	g.units,
	g.revenue::numeric(16, 2) AS revenue,
	g.cost::numeric(16, 2) AS cost,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * 10000000
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	g.discount::numeric(16, 2) AS discount,
	g.lines,
	g.returned_lines,
	g.cancelled_lines,
	(CASE WHEN g.completed_lines + g.returned_lines > 0
		THEN 100.0 * g.returned_lines / (g.completed_lines + g.returned_lines) END)::numeric(7, 2) AS return_rate,
	(100.0 * g.cancelled_lines / g.lines)::numeric(7, 2) AS cancellation_rate
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
		p.product_id, p.product_name, p.category, p.subcategory,
		COALESCE(pg_catalog.sum(f.quantity) FILTER (WHERE f.status = 'completed'), 0) AS units,
		COALESCE(pg_catalog.sum(f.total_amount) FILTER (WHERE f.status = 'completed'), 0) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) FILTER (WHERE f.status = 'completed')
				= pg_catalog.count(*) FILTER (WHERE f.status = 'completed')
			THEN COALESCE(pg_catalog.sum(f.cost_amount) FILTER (WHERE f.status = 'completed'), 0) END AS cost,
		COALESCE(pg_catalog.sum(f.discount) FILTER (WHERE f.status = 'completed'), 0) AS discount,
		pg_catalog.count(*) AS lines,
		pg_catalog.count(*) FILTER (WHERE f.status = 'completed') AS completed_lines,
		pg_catalog.count(*) FILTER (WHERE f.status = 'returned') AS returned_lines,
		pg_catalog.count(*) FILTER (WHERE f.status = 'cancelled') AS cancelled_lines
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	JOIN analytics.dim_product p ON p.product_key = f.product_key
	GROUP BY d.year, d.month, p.product_key
) g;
COMMENT ON VIEW analytics.product_performance IS 'Per UTC month and product, over all its order lines: units, revenue, cost, gross profit, margin and discount of completed lines; lines, returned and cancelled lines, return rate (of completed + returned lines) and cancellation rate (of all lines) in percent';

-- Discounts per month, by the line's discount band: discount = 0 'none';
-- below 10% of the line's list price (quantity x unit_price) '0-10%'; below
-- 20% '10-20%'; below 30% '20-30%'; else '30%+' (band_order 1-5 sorts them).
-- Completed lines only. gross_sales = sum of quantity x unit_price; discount =
-- sum of discount; revenue = gross_sales - discount; avg_discount_pct = 100 x
-- discount / gross_sales (NULL when gross_sales is 0); avg_units_per_line =
-- units / lines.
CREATE VIEW analytics.discount_analysis AS
SELECT g.month, g.discount_band, g.band_order,
	g.lines,
	g.orders,
	g.units,
	g.gross_sales::numeric(16, 2) AS gross_sales,
	g.discount::numeric(16, 2) AS discount,
	g.revenue::numeric(16, 2) AS revenue,
	(CASE WHEN g.gross_sales > 0 AND g.discount <= g.gross_sales
		THEN 100 * g.discount / g.gross_sales END)::numeric(7, 2) AS avg_discount_pct,
	(g.units::numeric / g.lines)::numeric(12, 2) AS avg_units_per_line,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * 10000000
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month, b.discount_band, b.band_order,
		pg_catalog.count(*) AS lines,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.sum(f.quantity) AS units,
		pg_catalog.sum(f.quantity * f.unit_price) AS gross_sales,
		pg_catalog.sum(f.discount) AS discount,
		pg_catalog.sum(f.total_amount) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(f.cost_amount) END AS cost
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	CROSS JOIN LATERAL (
		SELECT CASE WHEN f.discount = 0 THEN 'none'
				WHEN f.discount < 0.10 * f.quantity * f.unit_price THEN '0-10%'
				WHEN f.discount < 0.20 * f.quantity * f.unit_price THEN '10-20%'
				WHEN f.discount < 0.30 * f.quantity * f.unit_price THEN '20-30%'
				ELSE '30%+' END AS discount_band,
			CASE WHEN f.discount = 0 THEN 1
				WHEN f.discount < 0.10 * f.quantity * f.unit_price THEN 2
				WHEN f.discount < 0.20 * f.quantity * f.unit_price THEN 3
				WHEN f.discount < 0.30 * f.quantity * f.unit_price THEN 4
				ELSE 5 END::smallint AS band_order
	) b
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month, b.discount_band, b.band_order
) g;
COMMENT ON VIEW analytics.discount_analysis IS 'Completed sales per UTC month and discount band of the line (none, 0-10%, 10-20%, 20-30%, 30%+ of its list price; band_order sorts them): lines, orders, units, list-price sales, discount, revenue, average discount in percent, units per line, gross profit, margin';

-- Customer lifetime value, one row per customer_id with a completed
-- purchase (all SCD2 versions together; name, segment and location from the
-- current version, NULL without one). as_of = the last day with any order
-- line in fact_sales (the end of the data, so that results do not move with
-- the clock).
--   * avg_order_value = revenue / orders over the customer's completed lines.
--   * tenure_years = (as_of - first_purchase + 1) / 365.25: the customer's
--     observed time since the first completed purchase, both days counted.
--   * purchase_frequency = orders / greatest(tenure_years, 90 / 365.25):
--     orders per year, a tenure under 90 days counting as 90 days, so that a
--     customer seen for a few days is not extrapolated to hundreds of orders.
--   * expected_lifespan_years = the average tenure_years (the same measure)
--     of all customers whose current segment is the customer's (NULL segment
--     a group of its own), from customer_first_purchase. Customers are still
--     active at as_of, so this is a lower bound while the data is young.
--   * clv = avg_order_value x purchase_frequency x expected_lifespan_years,
--     from the unrounded factors.
CREATE VIEW analytics.customer_value AS
SELECT g.customer_id, g.customer_name, g.segment, g.city, g.state, g.region, g.country,
	g.first_purchase,
	g.last_purchase,
	g.orders,
	g.revenue::numeric(16, 2) AS revenue,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	((a.as_of - g.first_purchase + 1) / 365.25)::numeric(10, 4) AS tenure_years,
	(g.orders * 365.25 / GREATEST(a.as_of - g.first_purchase + 1, 90))::numeric(12, 4) AS purchase_frequency,
	l.lifespan_years::numeric(10, 4) AS expected_lifespan_years,
	(g.revenue / g.orders * (g.orders * 365.25 / GREATEST(a.as_of - g.first_purchase + 1, 90))
		* l.lifespan_years)::numeric(16, 2) AS clv
FROM (
	SELECT v.customer_id,
		cur.full_name AS customer_name, cur.segment, cur.city, cur.state, cur.region, cur.country,
		pg_catalog.min(d.full_date) AS first_purchase,
		pg_catalog.max(d.full_date) AS last_purchase,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.sum(f.total_amount) AS revenue
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	JOIN analytics.dim_customer v ON v.customer_key = f.customer_key
	LEFT JOIN analytics.dim_customer cur ON cur.customer_id = v.customer_id AND cur.is_current
	WHERE f.status = 'completed'
	GROUP BY v.customer_id, cur.customer_key
) g
CROSS JOIN (
	SELECT x.full_date AS as_of
	FROM analytics.dim_date x
	WHERE x.date_key = (SELECT pg_catalog.max(y.date_key) FROM analytics.fact_sales y)
) a
LEFT JOIN (
	SELECT cur.segment,
		pg_catalog.avg((a2.as_of - p.first_day + 1) / 365.25) AS lifespan_years
	FROM analytics.customer_first_purchase p
	CROSS JOIN (
		SELECT x.full_date AS as_of
		FROM analytics.dim_date x
		WHERE x.date_key = (SELECT pg_catalog.max(y.date_key) FROM analytics.fact_sales y)
	) a2
	LEFT JOIN analytics.dim_customer cur ON cur.customer_id = p.customer_id AND cur.is_current
	GROUP BY cur.segment
) l ON l.segment IS NOT DISTINCT FROM g.segment;
COMMENT ON VIEW analytics.customer_value IS 'Customer lifetime value per customer_id: CLV = average order value x purchase frequency (orders per year since the first purchase, at least 90 days counted) x expected lifespan (the average years since first purchase of the customers of the same current segment), as of the last day of sales data';

-- Payments
--
-- Per UTC day, payment channel (channel_name of fact_payments.channel_key),
-- city (dim_city: city, state, region) and customer segment (of the customer
-- version the payment points to; NULL without customer or city).
--   * revenue = sum of fact_payments.revenue (amount x fee_percent / 100 for
--     successful payments, 0 for failed ones), four decimals.
--   * transactions = payments; failed = payments with status failed;
--     failure_rate = 100 x failed / transactions.
--   * avg_processing_time = average processing_time in seconds over the
--     payments that have one (NULL when none).
-- To add these rows up, sum revenue, transactions and failed, and recompute
-- the rate; weight avg_processing_time by transactions.
CREATE VIEW analytics.payment_kpis AS
SELECT d.full_date AS day,
	ch.channel_name AS channel,
	ci.city,
	ci.state,
	ci.region,
	c.segment,
	pg_catalog.sum(f.revenue)::numeric(16, 4) AS revenue,
	pg_catalog.count(*) AS transactions,
	pg_catalog.count(*) FILTER (WHERE f.status = 'failed') AS failed,
	(100.0 * pg_catalog.count(*) FILTER (WHERE f.status = 'failed') / pg_catalog.count(*))::numeric(7, 2) AS failure_rate,
	pg_catalog.avg(f.processing_time)::numeric(10, 3) AS avg_processing_time
FROM analytics.fact_payments f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_channel ch ON ch.channel_key = f.channel_key
LEFT JOIN analytics.dim_city ci ON ci.city_key = f.city_key
LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
GROUP BY d.full_date, ch.channel_name, ci.city, ci.state, ci.region, c.segment;
COMMENT ON VIEW analytics.payment_kpis IS 'Payments per UTC day, channel, city (state, region) and customer segment: fee revenue, transactions, failed, failure rate in percent, average processing time in seconds';

-- Per UTC day with a payment: the columns of payment_kpis over all payments
-- of the day, and over the 7 days ending that day (from retail_daily_totals):
--   * revenue_7d_avg = the window's revenue / its days (days without
--     payments count 0);
--   * failure_rate_7d = 100 x the window's failed / its transactions
--     (pooled: a busy day weighs more than a quiet one);
--   * avg_processing_time_7d = the window's processing seconds / its timed
--     payments.
-- At the start of the data the window is cut at the first day with any
-- payment, as in kpi_daily.
CREATE VIEW analytics.payment_kpis_daily AS
SELECT g.day,
	g.revenue::numeric(16, 4) AS revenue,
	g.transactions,
	g.failed,
	(100.0 * g.failed / g.transactions)::numeric(7, 2) AS failure_rate,
	g.avg_processing_time::numeric(10, 3) AS avg_processing_time,
	(w.revenue / LEAST(7, g.day - (SELECT x.full_date FROM analytics.dim_date x
		WHERE x.date_key = (SELECT pg_catalog.min(y.date_key) FROM analytics.fact_payments y)) + 1))::numeric(16, 4)
		AS revenue_7d_avg,
	(CASE WHEN w.transactions > 0 THEN 100.0 * w.failed / w.transactions END)::numeric(7, 2) AS failure_rate_7d,
	(CASE WHEN w.timed > 0 THEN w.seconds / w.timed END)::numeric(10, 3) AS avg_processing_time_7d
FROM (
	SELECT d.full_date AS day,
		pg_catalog.sum(f.revenue) AS revenue,
		pg_catalog.count(*) AS transactions,
		pg_catalog.count(*) FILTER (WHERE f.status = 'failed') AS failed,
		pg_catalog.avg(f.processing_time) AS avg_processing_time
	FROM analytics.fact_payments f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	GROUP BY d.full_date
) g
CROSS JOIN LATERAL (
	SELECT COALESCE(pg_catalog.sum(t.payment_revenue), 0) AS revenue,
		pg_catalog.sum(t.payments) AS transactions,
		pg_catalog.sum(t.failed_payments) AS failed,
		pg_catalog.sum(t.processing_seconds) AS seconds,
		pg_catalog.sum(t.timed_payments) AS timed
	FROM analytics.retail_daily_totals t
	WHERE t.day > g.day - 7 AND t.day <= g.day
) w;
COMMENT ON VIEW analytics.payment_kpis_daily IS 'Payments per UTC day: fee revenue, transactions, failed, failure rate, average processing time, and over the 7 days ending that day: average daily revenue, pooled failure rate and average processing time (window cut at the first payment day)';

-- Customer service interactions per UTC day, channel (NULL without one) and
-- interaction_type: interactions; resolved = status resolved;
-- resolution_rate = 100 x resolved / interactions (unresolved and abandoned
-- count as not resolved); avg_duration_seconds over interactions with a
-- duration.
CREATE VIEW analytics.interaction_summary AS
SELECT d.full_date AS day,
	ch.channel_name AS channel,
	f.interaction_type,
	pg_catalog.count(*) AS interactions,
	pg_catalog.count(*) FILTER (WHERE f.status = 'resolved') AS resolved,
	pg_catalog.avg(f.duration_seconds)::numeric(12, 2) AS avg_duration_seconds,
	(100.0 * pg_catalog.count(*) FILTER (WHERE f.status = 'resolved') / pg_catalog.count(*))::numeric(7, 2) AS resolution_rate
FROM analytics.fact_interactions f
JOIN analytics.dim_date d ON d.date_key = f.date_key
LEFT JOIN analytics.dim_channel ch ON ch.channel_key = f.channel_key
GROUP BY d.full_date, ch.channel_name, f.interaction_type;
COMMENT ON VIEW analytics.interaction_summary IS 'Customer service interactions per UTC day, channel and type: interactions, resolved, average duration in seconds, resolution rate in percent (resolved / all)';

SELECT pg_catalog.pg_extension_config_dump('analytics.retail_daily_totals', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.customer_first_purchase', '');

REVOKE ALL ON FUNCTION analytics.refresh_retail_summaries(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.refresh_retail_summaries(date, date) TO analytics_admin;
GRANT INSERT, UPDATE, DELETE ON analytics.retail_daily_totals, analytics.customer_first_purchase TO analytics_admin;
GRANT SELECT ON analytics.retail_daily_totals, analytics.customer_first_purchase,
	analytics.kpi_daily, analytics.sales_daily, analytics.sales_monthly, analytics.top_products,
	analytics.category_sales, analytics.payment_methods, analytics.sales_geography,
	analytics.customer_segments, analytics.product_performance, analytics.discount_analysis,
	analytics.customer_value, analytics.payment_kpis, analytics.payment_kpis_daily,
	analytics.interaction_summary
	TO analytics_reader, analytics_admin;

-- src/retail_demo.sql: analytics.generate_demo_sales, deterministic synthetic
-- data for the retail warehouse's staging tables (an Indian retailer: cities,
-- stores, products, customers, order lines, payments and service
-- interactions), with a small known share of bad rows for the loader's
-- quarantine.
--
-- Every pseudo-random number is a hash of (seed, stream, n): stream names what
-- is drawn (a customer's city, an order's channel, line 3's quantity, ...) and
-- n whose it is (customer, product, order, payment or interaction number).
-- Nothing depends on the session (no random(), now(), time zone, DateStyle or
-- locale): timestamps are formatted from `timestamp` values, numbers from
-- numeric and integer values, so the same arguments give the same text.
--
-- The hash is PostgreSQL's hashint8extended (lookup3), with n and stream in
-- its 64-bit seed argument, which goes through lookup3's full mix() and then
-- final(), and only the low 32 bits of the result (final()'s best mixed
-- word, c). Checked on 1M draws: 100-bucket chi-square 83-114 (df 99) over
-- seeds and streams; pairs (n, n + lag) for lags 1 to 2^22, neighbouring
-- streams and neighbouring seeds all 76-113 on a 10 x 10 grid (df 99);
-- consecutive triples 139 on 5 x 5 x 5 (df 124). The plainer
-- hashint8extended(n, seed) fails: its high 32 bits give chi-square up to
-- 212, and its low 32 bits relate n and n + 1024 (chi-square 1,573).

-- A uniform number in [0, 1) (32 random bits) for stream (0..1023) of seed,
-- item n (0 <= n < 2^53). SQL-standard body: inlined into the calling
-- query, names bound at creation.
CREATE FUNCTION analytics._demo_u(seed int, stream int, n bigint)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (pg_catalog.hashint8extended(seed, n OPERATOR(pg_catalog.*) 1024 OPERATOR(pg_catalog.+) stream)
	OPERATOR(pg_catalog.&) 4294967295)::float8 OPERATOR(pg_catalog./) 4294967296::float8;
COMMENT ON FUNCTION analytics._demo_u(int, int, bigint) IS 'Internal to analytics.generate_demo_sales: a uniform pseudo-random number in [0, 1) hashed from seed, stream and n';

-- A uniform integer in [0, k) from the same 32 bits (k at most a million:
-- the modulo's bias stays below 0.03%).
CREATE FUNCTION analytics._demo_i(seed int, stream int, n bigint, k bigint)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (pg_catalog.hashint8extended(seed, n OPERATOR(pg_catalog.*) 1024 OPERATOR(pg_catalog.+) stream)
	OPERATOR(pg_catalog.&) 4294967295) OPERATOR(pg_catalog.%) k;
COMMENT ON FUNCTION analytics._demo_i(int, int, bigint, bigint) IS 'Internal to analytics.generate_demo_sales: a uniform pseudo-random integer in [0, k) hashed from seed, stream and n';

-- The list of 100 choices of a weights array summing to 100: each index as
-- often as its weight, in order.
CREATE FUNCTION analytics._demo_pick(weights int[])
RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.array_agg(k ORDER BY k)
	FROM pg_catalog.generate_subscripts(weights, 1) k, pg_catalog.generate_series(1, weights[k]);
END;
COMMENT ON FUNCTION analytics._demo_pick(int[]) IS 'Internal to analytics.generate_demo_sales: a list in which each index of weights appears weights[index] times';

-- What one call appends (C = customers, P = products, O = days x
-- orders_per_day, T = days x payments_per_day; count(r, m, N) = the numbers
-- 1..N that are r modulo m = floor((N + m - r) / m)):
--
--   channels      4: CH1 Credit Card (card, fee 2.00%), CH2 Debit Card (card,
--                 1.00%), CH3 UPI (upi, 0.00%), CH4 Net Banking (net_banking,
--                 1.50%).
--   stores        15: S001..S015 in 12 of the 25 cities.
--   products      P valid (P0001..), count(37, 100, P) exact duplicates, and
--                 ceil(P / 100) bad new products numbered after them, the
--                 odd ones with unit_price 'n/a', the even ones with a
--                 negative unit_price. No sale refers to a bad product.
--   customers     C first versions (C000001..) updated 1-730 days before
--                 start_date; a second version (segment and/or city changed,
--                 updated 10-50% into the period) for every customer number
--                 that is a multiple of 50, a third (60-90% into it) for
--                 multiples of 500; count(7, 1000, C) exact duplicates of
--                 first versions,
--                 and ceil(C / 1000) bad new customers numbered after them
--                 with an unparseable updated_at ('YYYY-02-30 hh:mi:ss' for
--                 the odd ones, 'yesterday-ish' for the even ones). No sale or
--                 payment refers to a bad customer.
--   sales         O orders, numbered 1..O in day order, spread over the days
--                 by weight (weekday x linear growth) so that the total is
--                 exact, 1-5 lines each; line 1 of order o is bad when o mod
--                 1000 is 200 (negative unit_price), 300 (quantity 0), 400
--                 (product id that exists nowhere), 500 (sale_ts
--                 'YYYY-02-30 hh:mi:ss', 'yesterday-ish' or '', in turn) or
--                 600 (status 'shipped'); orders with o mod 1000 = 100 send
--                 line 1 twice (an exact duplicate). Rows: the lines plus
--                 count(100, 1000, O).
--   payments      T transactions, payments_per_day a day; transaction t is
--                 bad when t mod 1000 is 350 (amount '0.00' or negative, in
--                 turn), 550 (txn_ts unparseable as above) or 750 (status
--                 'pending'), and sent twice when t mod 1000 = 150. Rows: T +
--                 count(150, 1000, T).
--   interactions  days x ceil(orders_per_day x 4 / 100), no bad rows.
CREATE FUNCTION analytics.generate_demo_sales(days int DEFAULT 365, orders_per_day int DEFAULT 100,
	seed int DEFAULT 1, start_date date DEFAULT '2025-01-01', customers int DEFAULT 2000,
	products int DEFAULT 200, payments_per_day int DEFAULT 500)
RETURNS TABLE (entity text, rows bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- Cities, with their state or union territory and region; weight: the
	-- percentage of customers living there; store1, store2: the stores they
	-- shop at (the city's own, else the nearest).
	city_name CONSTANT text[] := ARRAY['Mumbai', 'Delhi', 'Bengaluru', 'Hyderabad', 'Chennai',
		'Kolkata', 'Pune', 'Ahmedabad', 'Jaipur', 'Lucknow', 'Surat', 'Kanpur', 'Nagpur', 'Indore',
		'Bhopal', 'Patna', 'Vadodara', 'Ludhiana', 'Coimbatore', 'Kochi', 'Visakhapatnam',
		'Bhubaneswar', 'Chandigarh', 'Guwahati', 'Raipur'];
	city_state CONSTANT text[] := ARRAY['Maharashtra', 'Delhi', 'Karnataka', 'Telangana', 'Tamil Nadu',
		'West Bengal', 'Maharashtra', 'Gujarat', 'Rajasthan', 'Uttar Pradesh', 'Gujarat',
		'Uttar Pradesh', 'Maharashtra', 'Madhya Pradesh', 'Madhya Pradesh', 'Bihar', 'Gujarat',
		'Punjab', 'Tamil Nadu', 'Kerala', 'Andhra Pradesh', 'Odisha', 'Chandigarh', 'Assam',
		'Chhattisgarh'];
	city_region CONSTANT text[] := ARRAY['West', 'North', 'South', 'South', 'South', 'East', 'West',
		'West', 'North', 'North', 'West', 'North', 'West', 'Central', 'Central', 'East', 'West',
		'North', 'South', 'South', 'South', 'East', 'North', 'Northeast', 'Central'];
	city_weight CONSTANT int[] := ARRAY[10, 10, 9, 7, 7, 7, 5, 5, 4, 4, 3, 2, 2, 3, 2, 2, 2, 2, 2, 3,
		2, 2, 2, 2, 1];
	city_store1 CONSTANT int[] := ARRAY[1, 3, 5, 7, 8, 9, 10, 11, 12, 13, 11, 13, 15, 15, 15, 9, 11,
		3, 14, 14, 7, 9, 4, 9, 15];
	city_store2 CONSTANT int[] := ARRAY[2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 11, 13, 15, 15, 15, 9, 11,
		3, 14, 14, 7, 9, 4, 9, 15];
	-- Stores: name, city, manager, opened this many days before start_date.
	store_name CONSTANT text[] := ARRAY['Mumbai Andheri', 'Mumbai Lower Parel',
		'Delhi Connaught Place', 'Delhi Saket', 'Bengaluru Indiranagar', 'Bengaluru Whitefield',
		'Hyderabad Banjara Hills', 'Chennai T. Nagar', 'Kolkata Park Street', 'Pune Koregaon Park',
		'Ahmedabad Navrangpura', 'Jaipur MI Road', 'Lucknow Hazratganj', 'Kochi Marine Drive',
		'Indore Vijay Nagar'];
	store_city CONSTANT int[] := ARRAY[1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 20, 14];
	store_manager CONSTANT text[] := ARRAY['Rakesh Kulkarni', 'Nisha Shetty', 'Harpreet Kaur',
		'Amit Malhotra', 'Deepa Rao', 'Kiran Hegde', 'Srinivas Reddy', 'Lakshmi Subramanian',
		'Sourav Ghosh', 'Manasi Deshpande', 'Hardik Patel', 'Ritu Rathore', 'Faisal Siddiqui',
		'Anjali Menon', 'Vivek Jain'];
	store_age CONSTANT int[] := ARRAY[3650, 2210, 3400, 1460, 2900, 940, 2500, 3100, 3900, 1800,
		2050, 1300, 1100, 760, 610];
	channel_name CONSTANT text[] := ARRAY['Credit Card', 'Debit Card', 'UPI', 'Net Banking'];
	channel_type CONSTANT text[] := ARRAY['card', 'card', 'upi', 'net_banking'];
	channel_fee CONSTANT text[] := ARRAY['2.00', '1.00', '0.00', '1.50'];
	segment_name CONSTANT text[] := ARRAY['consumer', 'corporate', 'vip'];
	first_names CONSTANT text[] := ARRAY['Aarav', 'Vivaan', 'Aditya', 'Arjun', 'Sai', 'Reyansh',
		'Krishna', 'Ishaan', 'Rohan', 'Kabir', 'Rahul', 'Vikram', 'Anil', 'Sanjay', 'Amit', 'Rajesh',
		'Suresh', 'Karthik', 'Imran', 'Farhan', 'Joseph', 'Gurpreet', 'Ananya', 'Diya', 'Aadhya',
		'Saanvi', 'Priya', 'Kavya', 'Isha', 'Meera', 'Pooja', 'Neha', 'Sneha', 'Lakshmi', 'Divya',
		'Fatima', 'Ayesha', 'Maria', 'Simran', 'Riya'];
	last_names CONSTANT text[] := ARRAY['Sharma', 'Verma', 'Gupta', 'Singh', 'Kumar', 'Patel', 'Shah',
		'Mehta', 'Joshi', 'Desai', 'Reddy', 'Rao', 'Naidu', 'Iyer', 'Nair', 'Menon', 'Pillai', 'Das',
		'Banerjee', 'Chatterjee', 'Mukherjee', 'Bose', 'Ghosh', 'Sen', 'Khan', 'Ahmed', 'Qureshi',
		'Fernandes', 'Pereira', 'Gill', 'Sandhu', 'Yadav', 'Mishra', 'Pandey', 'Tiwari', 'Chauhan',
		'Kulkarni', 'Jain', 'Agarwal', 'Bhat'];
	-- Product subcategories: category, item, list price range in rupees,
	-- margin range in percent of the price, weight (percentage of products).
	sub_name CONSTANT text[] := ARRAY['Mobiles', 'Laptops', 'Audio', 'Accessories', 'Cookware',
		'Appliances', 'Furniture', 'Decor', 'Men''s Clothing', 'Women''s Clothing', 'Footwear',
		'Watches', 'Staples', 'Beverages', 'Snacks', 'Personal Care', 'Books', 'Stationery',
		'Fitness', 'Outdoor'];
	sub_category CONSTANT text[] := ARRAY['Electronics', 'Electronics', 'Electronics', 'Electronics',
		'Home & Kitchen', 'Home & Kitchen', 'Home & Kitchen', 'Home & Kitchen', 'Fashion', 'Fashion',
		'Fashion', 'Fashion', 'Grocery', 'Grocery', 'Grocery', 'Grocery', 'Books & Stationery',
		'Books & Stationery', 'Sports & Fitness', 'Sports & Fitness'];
	sub_item CONSTANT text[] := ARRAY['Smartphone', 'Laptop', 'Headphones', 'Power Bank',
		'Pressure Cooker', 'Mixer Grinder', 'Study Table', 'Wall Clock', 'Cotton Shirt', 'Silk Saree',
		'Running Shoes', 'Analog Watch', 'Basmati Rice', 'Assam Tea', 'Namkeen', 'Herbal Shampoo',
		'Novel', 'Notebook Pack', 'Yoga Mat', 'Cricket Bat'];
	sub_low CONSTANT float8[] := ARRAY[7999, 29999, 499, 299, 499, 1499, 2999, 199, 399, 599, 499,
		999, 60, 40, 20, 50, 149, 20, 299, 499];
	sub_high CONSTANT float8[] := ARRAY[79999, 149999, 24999, 4999, 4999, 24999, 39999, 2999, 3999,
		9999, 7999, 19999, 1200, 800, 400, 900, 1499, 799, 19999, 9999];
	sub_margin_low CONSTANT float8[] := ARRAY[6, 5, 15, 25, 25, 15, 30, 40, 45, 45, 40, 30, 8, 10, 15,
		20, 20, 30, 25, 25];
	sub_margin_high CONSTANT float8[] := ARRAY[12, 10, 30, 45, 40, 25, 45, 60, 60, 60, 55, 50, 15, 20,
		25, 35, 35, 50, 40, 40];
	sub_weight CONSTANT int[] := ARRAY[5, 3, 5, 5, 5, 5, 3, 4, 6, 6, 5, 4, 7, 5, 6, 6, 5, 5, 5, 5];
	brands CONSTANT text[] := ARRAY['Aarohi', 'Nova', 'Zenith', 'Kiran', 'Vega', 'Tara', 'Orion',
		'Lotus', 'Sagar', 'Indus', 'Meru', 'Prism'];
	-- Orders by ISO weekday (Monday first), in percent of an average day.
	dow_weight CONSTANT int[] := ARRAY[92, 88, 90, 95, 105, 125, 115];
	-- Percentage of orders, payments and interactions in each hour (UTC) 0..23.
	hour_weight CONSTANT int[] := ARRAY[1, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 5, 6, 8, 9,
		9, 7, 5, 2];
	-- Shares in percent (weights summing to 100) of: segments; channels of
	-- orders, of payments; lines per order (1-5); units per line (1-5).
	segment_weight CONSTANT int[] := ARRAY[70, 22, 8];
	sales_channel_weight CONSTANT int[] := ARRAY[30, 20, 40, 10];
	payment_channel_weight CONSTANT int[] := ARRAY[25, 20, 45, 10];
	lines_weight CONSTANT int[] := ARRAY[35, 25, 20, 12, 8];
	quantity_weight CONSTANT int[] := ARRAY[60, 22, 10, 5, 3];
	-- Interactions: types, their share, their handling time range in seconds;
	-- statuses and their share.
	interaction_type CONSTANT text[] := ARRAY['support_call', 'chat', 'email', 'social_media'];
	interaction_weight CONSTANT int[] := ARRAY[30, 35, 25, 10];
	interaction_low CONSTANT int[] := ARRAY[60, 120, 60, 30];
	interaction_high CONSTANT int[] := ARRAY[1800, 2400, 900, 600];
	interaction_status CONSTANT text[] := ARRAY['resolved', 'unresolved', 'abandoned'];
	status_weight CONSTANT int[] := ARRAY[75, 15, 10];
	-- The same as lists of 100 choices, each as often as its weight: the
	-- choice is list[1 + a uniform integer in 0..99].
	city_pick int[] := analytics._demo_pick(city_weight);
	hour_pick int[] := analytics._demo_pick(hour_weight);	-- hour + 1
	sub_pick int[] := analytics._demo_pick(sub_weight);
	segment_pick int[] := analytics._demo_pick(segment_weight);
	sales_channel_pick int[] := analytics._demo_pick(sales_channel_weight);
	payment_channel_pick int[] := analytics._demo_pick(payment_channel_weight);
	lines_pick int[] := analytics._demo_pick(lines_weight);
	quantity_pick int[] := analytics._demo_pick(quantity_weight);
	type_pick int[] := analytics._demo_pick(interaction_weight);
	status_pick int[] := analytics._demo_pick(status_weight);
	customer_city int[];	-- home city of each customer number
	product_sub int[];	-- subcategory of each product number
	product_price numeric[];	-- list price of each product number
	product_cost numeric[];	-- unit cost of each product number
	n_orders bigint;
	n_bad_customers int;
	n_bad_products int;
	n_interactions int;	-- a day
	added bigint;
BEGIN
	-- Arguments
	IF days IS NULL OR orders_per_day IS NULL OR seed IS NULL OR start_date IS NULL
		OR customers IS NULL OR products IS NULL OR payments_per_day IS NULL THEN
		RAISE EXCEPTION '% must not be null',
			CASE WHEN days IS NULL THEN 'days' WHEN orders_per_day IS NULL THEN 'orders_per_day'
				WHEN seed IS NULL THEN 'seed' WHEN start_date IS NULL THEN 'start_date'
				WHEN customers IS NULL THEN 'customers' WHEN products IS NULL THEN 'products'
				ELSE 'payments_per_day' END
			USING ERRCODE = 'null_value_not_allowed',
				HINT = 'Leave the argument out to use its default.';
	END IF;
	IF days < 1 OR days > 3660 THEN
		RAISE EXCEPTION 'days must be between 1 and 3660'
			USING ERRCODE = 'invalid_parameter_value', DETAIL = format('days is %s.', days),
				HINT = 'One call generates at most ten years of data.';
	END IF;
	IF orders_per_day < 0 OR orders_per_day > 1000000 THEN
		RAISE EXCEPTION 'orders_per_day must be between 0 and 1000000'
			USING ERRCODE = 'invalid_parameter_value', DETAIL = format('orders_per_day is %s.', orders_per_day);
	END IF;
	IF payments_per_day < 0 OR payments_per_day > 1000000 THEN
		RAISE EXCEPTION 'payments_per_day must be between 0 and 1000000'
			USING ERRCODE = 'invalid_parameter_value', DETAIL = format('payments_per_day is %s.', payments_per_day);
	END IF;
	IF customers < 1 OR customers > 999000 THEN
		RAISE EXCEPTION 'customers must be between 1 and 999000'
			USING ERRCODE = 'invalid_parameter_value', DETAIL = format('customers is %s.', customers),
				HINT = 'Customer ids have six digits, and the bad customers are numbered after the others.';
	END IF;
	IF products < 1 OR products > 9900 THEN
		RAISE EXCEPTION 'products must be between 1 and 9900'
			USING ERRCODE = 'invalid_parameter_value', DETAIL = format('products is %s.', products),
				HINT = 'Product ids have four digits, and the bad products are numbered after the others.';
	END IF;
	IF NOT (start_date BETWEEN '1900-01-01'::date AND '2999-12-31'::date) THEN
		RAISE EXCEPTION 'start_date must be between 1900-01-01 and 2999-12-31'
			USING ERRCODE = 'invalid_parameter_value', DETAIL = format('start_date is %s.', start_date);
	END IF;

	-- can't happen: every list of weights sums to 100
	IF EXISTS (SELECT FROM unnest(ARRAY[cardinality(city_pick), cardinality(hour_pick),
			cardinality(sub_pick), cardinality(segment_pick), cardinality(sales_channel_pick),
			cardinality(payment_channel_pick), cardinality(lines_pick), cardinality(quantity_pick),
			cardinality(type_pick), cardinality(status_pick)]) c WHERE c <> 100) THEN
		RAISE EXCEPTION 'generate_demo_sales has weights that do not sum to 100'
			USING ERRCODE = 'internal_error';
	END IF;

	n_orders := days::bigint * orders_per_day;
	n_bad_customers := (customers + 999) / 1000;
	n_bad_products := (products + 99) / 100;
	n_interactions := (orders_per_day * 4 + 99) / 100;
	customer_city := ARRAY(SELECT city_pick[1 + analytics._demo_i(seed, 2, c, 100)]
		FROM generate_series(1, customers + n_bad_customers) c ORDER BY c);

	-- Customers: first versions updated 1-730 days before start_date; a
	-- second version for customer numbers that are multiples of 50, a third
	-- for multiples of 500, each changing the segment (40%), the city (40%)
	-- or both (20%).
	INSERT INTO analytics.stg_customers (customer_id, first_name, last_name, email, phone, city,
		state, region, country, segment, updated_at)
	WITH v1 AS MATERIALIZED (
		SELECT c, first_names[1 + analytics._demo_i(seed, 3, c, 40)] AS first_name,
			last_names[1 + analytics._demo_i(seed, 4, c, 40)] AS last_name,
			'+91 ' || (6 + analytics._demo_i(seed, 5, c, 4)) || lpad(analytics._demo_i(seed, 16, c, 100000)::text, 5, '0')
				|| lpad(analytics._demo_i(seed, 17, c, 10000)::text, 4, '0') AS phone,
			customer_city[c] AS city, segment_pick[1 + analytics._demo_i(seed, 1, c, 100)] AS segment,
			(start_date - 1 - analytics._demo_i(seed, 6, c, 730)::int)::timestamp
				+ analytics._demo_i(seed, 7, c, 86400) * interval '1 second' AS ts
		FROM generate_series(1, customers + n_bad_customers) c
	), v2 AS MATERIALIZED (
		SELECT c, first_name, last_name, phone,
			CASE WHEN k < 0.4 THEN city ELSE 1 + (city + analytics._demo_i(seed, 10, c, 24)::int) % 25 END AS city,
			CASE WHEN k >= 0.4 AND k < 0.8 THEN segment ELSE 1 + (segment + analytics._demo_i(seed, 9, c, 2)::int) % 3 END AS segment,
			start_date + floor((0.1 + 0.4 * analytics._demo_u(seed, 11, c)) * days * 86400) * interval '1 second' AS ts
		FROM (SELECT v1.*, analytics._demo_u(seed, 8, c) AS k FROM v1 WHERE c % 50 = 0 AND c <= customers OFFSET 0) x
	), v3 AS (
		SELECT c, first_name, last_name, phone,
			CASE WHEN k < 0.4 THEN city ELSE 1 + (city + analytics._demo_i(seed, 14, c, 24)::int) % 25 END AS city,
			CASE WHEN k >= 0.4 AND k < 0.8 THEN segment ELSE 1 + (segment + analytics._demo_i(seed, 13, c, 2)::int) % 3 END AS segment,
			start_date + floor((0.6 + 0.3 * analytics._demo_u(seed, 15, c)) * days * 86400) * interval '1 second' AS ts
		FROM (SELECT v2.*, analytics._demo_u(seed, 12, c) AS k FROM v2 WHERE c % 500 = 0 OFFSET 0) x
	)
	SELECT 'C' || lpad(c::text, 6, '0'), first_name, last_name,
		lower((first_name || '.' || last_name) COLLATE "C") || c || '@example.com', phone,
		city_name[city], city_state[city], city_region[city], 'India', segment_name[segment],
		CASE WHEN c <= customers THEN to_char(ts, 'YYYY-MM-DD HH24:MI:SS')
			WHEN (c - customers) % 2 = 1 THEN to_char(ts, 'YYYY') || '-02-30 ' || to_char(ts, 'HH24:MI:SS')
			ELSE 'yesterday-ish' END
	FROM (
		SELECT 1 AS version, * FROM v1
		UNION ALL SELECT 1, * FROM v1 WHERE c % 1000 = 7 AND c <= customers
		UNION ALL SELECT 2, * FROM v2
		UNION ALL SELECT 3, * FROM v3
	) x
	ORDER BY c, version;
	GET DIAGNOSTICS added = ROW_COUNT;
	entity := 'customers'; rows := added; RETURN NEXT;

	-- Products: the list price log-uniform in the subcategory's range,
	-- rounded to whole rupees (ending in 9 from 100 up); the cost = price x
	-- (1 - margin), the margin uniform in the subcategory's range.
	SELECT array_agg(s ORDER BY p), array_agg(price ORDER BY p),
		array_agg(round(price * (1 - margin / 100)::numeric, 2) ORDER BY p)
	INTO product_sub, product_price, product_cost
	FROM (
		SELECT p, s, sub_margin_low[s] + (sub_margin_high[s] - sub_margin_low[s]) * analytics._demo_u(seed, 23, p) AS margin,
			(CASE WHEN x < 100 THEN round(x) ELSE round(x / 10) * 10 - 1 END)::numeric(12, 2) AS price
		FROM (
			SELECT p, s, exp(ln(sub_low[s]) + ln(sub_high[s] / sub_low[s]) * analytics._demo_u(seed, 22, p)) AS x
			FROM (SELECT p, sub_pick[1 + analytics._demo_i(seed, 21, p, 100)] AS s
				FROM generate_series(1, products + n_bad_products) p OFFSET 0) a
		) b
	) c;
	INSERT INTO analytics.stg_products (product_id, product_name, category, subcategory, unit_cost,
		unit_price, supplier_id, active)
	SELECT 'P' || lpad(p::text, 4, '0'),
		brands[1 + analytics._demo_i(seed, 24, p, 12)] || ' ' || sub_item[s] || ' '
			|| chr(65 + analytics._demo_i(seed, 25, p, 26)::int) || (10 + analytics._demo_i(seed, 26, p, 90)),
		sub_category[s], sub_name[s], product_cost[p]::text,
		CASE WHEN p <= products THEN product_price[p]::text
			WHEN (p - products) % 2 = 1 THEN 'n/a'
			ELSE (-product_price[p])::text END,
		-- two suppliers per subcategory
		'SUP' || lpad((2 * s - 1 + analytics._demo_i(seed, 27, p, 2))::text, 3, '0'),
		CASE WHEN analytics._demo_u(seed, 28, p) < 0.97 THEN 'true' ELSE 'false' END
	FROM (SELECT p, product_sub[p] AS s FROM generate_series(1, products + n_bad_products) p) x,
		generate_series(1, CASE WHEN p % 100 = 37 AND p <= products THEN 2 ELSE 1 END)
	ORDER BY p;
	GET DIAGNOSTICS added = ROW_COUNT;
	entity := 'products'; rows := added; RETURN NEXT;

	-- Stores
	INSERT INTO analytics.stg_stores (store_id, store_name, city, state, region, country, manager,
		open_date, active)
	SELECT 'S' || lpad(k::text, 3, '0'), store_name[k], city_name[store_city[k]],
		city_state[store_city[k]], city_region[store_city[k]], 'India', store_manager[k],
		to_char(start_date - store_age[k], 'YYYY-MM-DD'), 'true'
	FROM generate_series(1, 15) k ORDER BY k;
	GET DIAGNOSTICS added = ROW_COUNT;
	entity := 'stores'; rows := added; RETURN NEXT;

	-- Channels
	INSERT INTO analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active)
	SELECT 'CH' || k, channel_name[k], channel_type[k], channel_fee[k], 'true'
	FROM generate_series(1, 4) k ORDER BY k;
	GET DIAGNOSTICS added = ROW_COUNT;
	entity := 'channels'; rows := added; RETURN NEXT;

	-- Sales: order o's day is the one whose share of the cumulated weights
	-- (weekday x linear growth, +15% a year) reaches o / n_orders, so orders
	-- are numbered in day order and the total is exact. Each order has a
	-- customer, a time, a channel (its payment method), a store (85% the one
	-- of the customer's home city, else any), 4% are cancelled, and 1-5 lines
	-- (35/25/20/12/8%) of a product (popular ones more often), 1-5 units, 25%
	-- discounted by 5-25%, 6% of the others returned.
	INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id,
		channel_id, payment_method, quantity, unit_price, discount, status)
	SELECT order_id || '-' || line_no, order_id,
		CASE WHEN j = 1 AND bad = 5 THEN bad_ts ELSE ts END,
		customer_id,
		CASE WHEN j = 1 AND bad = 4 THEN 'P' || CASE WHEN unknown < 10000 THEN lpad(unknown::text, 4, '0') ELSE unknown::text END
			ELSE 'P' || lpad(product::text, 4, '0') END,
		store_id, 'CH' || channel, channel_name[channel],
		CASE WHEN j = 1 AND bad = 3 THEN '0' ELSE quantity::text END,
		CASE WHEN j = 1 AND bad = 2 THEN (-price)::text ELSE price::text END,
		CASE WHEN pct = 0 OR (j = 1 AND bad IN (2, 3)) THEN '0.00'
			ELSE round(quantity * price * pct / 100, 2)::text END,
		CASE WHEN j = 1 AND bad = 6 THEN 'shipped' WHEN cancelled THEN 'cancelled'
			WHEN returned THEN 'returned' ELSE 'completed' END
	FROM (
		SELECT o.*, l.j, l.line_no, product_price[l.product] AS price,
			l.product, l.quantity, l.pct, l.returned
		FROM (
			SELECT ono, 'O' || lpad(ono::text, 10, '0') AS order_id, to_char(t, 'YYYY-MM-DD HH24:MI:SS') AS ts,
				CASE WHEN bad = 5 THEN
					CASE ono / 1000 % 3 WHEN 0 THEN to_char(t, 'YYYY') || '-02-30 ' || to_char(t, 'HH24:MI:SS')
						WHEN 1 THEN 'yesterday-ish' ELSE '' END END AS bad_ts,
				bad, 'C' || lpad(cust::text, 6, '0') AS customer_id,
				'S' || lpad((CASE WHEN home AND cust % 2 = 0 THEN city_store1[customer_city[cust]]
					WHEN home THEN city_store2[customer_city[cust]]
					ELSE 1 + analytics._demo_i(seed, 33, ono, 15)::int END)::text, 3, '0') AS store_id,
				channel, cancelled, n_lines,
				-- a product id that exists nowhere (beyond the bad products)
				products + n_bad_products + 1 + ono / 1000 % 10 AS unknown
			FROM (
				SELECT ono, 1 + analytics._demo_i(seed, 31, ono, customers)::int AS cust,
					(start_date + d)::timestamp + ((hour_pick[1 + analytics._demo_i(seed, 36, ono, 100)] - 1) * 3600
						+ analytics._demo_i(seed, 37, ono, 3600)) * interval '1 second' AS t,
					analytics._demo_u(seed, 32, ono) < 0.85 AS home,
					sales_channel_pick[1 + analytics._demo_i(seed, 34, ono, 100)] AS channel,
					analytics._demo_u(seed, 35, ono) < 0.04 AS cancelled,
					lines_pick[1 + analytics._demo_i(seed, 38, ono, 100)] AS n_lines,
					CASE WHEN ono % 100 = 0 AND ono % 1000 BETWEEN 100 AND 600 THEN (ono % 1000 / 100)::int ELSE 0 END AS bad
				FROM (
					SELECT d, floor(n_orders::numeric * (cum - wt) / total)::bigint AS o_before,
						floor(n_orders::numeric * cum / total)::bigint AS o_last
					FROM (
						SELECT d, wt, sum(wt) OVER (ORDER BY d) AS cum, sum(wt) OVER () AS total
						FROM (SELECT d, dow_weight[extract(isodow FROM start_date + d)::int] * (7300 + 3 * d) AS wt
							FROM generate_series(0, days - 1) d) w
					) c
				) b, generate_series(b.o_before + 1, b.o_last) ono
				OFFSET 0
			) r
			OFFSET 0
		) o,
		LATERAL (
			SELECT j, line_no,
				1 + least(products - 1, floor(products * power(analytics._demo_u(seed, 100 + 10 * line_no, ono), 1.5))::int) AS product,
				quantity_pick[1 + analytics._demo_i(seed, 101 + 10 * line_no, ono, 100)] AS quantity,
				CASE WHEN analytics._demo_u(seed, 102 + 10 * line_no, ono) < 0.25
					THEN 5 * (1 + analytics._demo_i(seed, 103 + 10 * line_no, ono, 5)::int) ELSE 0 END AS pct,
				analytics._demo_u(seed, 104 + 10 * line_no, ono) < 0.06 AS returned
			FROM generate_series(1, o.n_lines + CASE WHEN o.bad = 1 THEN 1 ELSE 0 END) j,
				LATERAL (SELECT CASE WHEN j > o.n_lines THEN 1 ELSE j END AS line_no) n
		) l
		OFFSET 0
	) x;
	GET DIAGNOSTICS added = ROW_COUNT;
	entity := 'sales'; rows := added; RETURN NEXT;

	-- Payments: payments_per_day a day, 90% successful, by customer (90% in
	-- their home city), amounts log-spread from 50 to 50,000 rupees (median
	-- about 500), processing 0.2-1.9 s (75%), 2.0-4.9 s (20%), 5.5-30 s (5%).
	INSERT INTO analytics.stg_payments (transaction_id, txn_ts, customer_id, channel_id, city,
		amount, status, processing_time)
	SELECT 'T' || lpad(t::text, 10, '0'),
		CASE WHEN t % 1000 <> 550 THEN to_char(ts, 'YYYY-MM-DD HH24:MI:SS')
			WHEN t / 1000 % 3 = 0 THEN to_char(ts, 'YYYY') || '-02-30 ' || to_char(ts, 'HH24:MI:SS')
			WHEN t / 1000 % 3 = 1 THEN 'yesterday-ish' ELSE '' END,
		'C' || lpad(cust::text, 6, '0'), 'CH' || channel,
		city_name[CASE WHEN analytics._demo_u(seed, 203, t) < 0.9 THEN customer_city[cust]
			ELSE 1 + analytics._demo_i(seed, 204, t, 25)::int END],
		CASE WHEN t % 1000 <> 350 THEN amount::text WHEN t / 1000 % 2 = 0 THEN '0.00' ELSE (-amount)::text END,
		CASE WHEN t % 1000 = 750 THEN 'pending' WHEN analytics._demo_u(seed, 206, t) < 0.9 THEN 'success'
			ELSE 'failed' END,
		round((CASE WHEN v < 0.75 THEN 0.2 + 1.7 * w WHEN v < 0.95 THEN 2 + 2.9 * w
			ELSE 5.5 + 24.5 * w * w END)::numeric, 3)::text
	FROM (
		SELECT t, 1 + analytics._demo_i(seed, 201, t, customers)::int AS cust,
			payment_channel_pick[1 + analytics._demo_i(seed, 202, t, 100)] AS channel,
			round(exp(ln(50) + ln(1000) * power(analytics._demo_u(seed, 205, t), 1.6))::numeric, 2) AS amount,
			analytics._demo_u(seed, 207, t) AS v, analytics._demo_u(seed, 208, t) AS w,
			(start_date + ((t - 1) / payments_per_day)::int)::timestamp
				+ ((hour_pick[1 + analytics._demo_i(seed, 209, t, 100)] - 1) * 3600
					+ analytics._demo_i(seed, 210, t, 3600)) * interval '1 second' AS ts
		FROM generate_series(1, days::bigint * payments_per_day) t
		OFFSET 0
	) p, generate_series(1, CASE WHEN t % 1000 = 150 THEN 2 ELSE 1 END);
	GET DIAGNOSTICS added = ROW_COUNT;
	entity := 'payments'; rows := added; RETURN NEXT;

	-- Interactions: 4 a day per 100 orders a day (rounded up), about a
	-- customer and a channel: support calls, chats, emails and social media
	-- messages of a type-dependent handling time in seconds, 75% resolved,
	-- 15% unresolved, 10% abandoned.
	INSERT INTO analytics.stg_interactions (interaction_id, customer_id, channel_id,
		interaction_type, interaction_ts, duration, status)
	SELECT 'I' || lpad(n::text, 10, '0'),
		'C' || lpad((1 + analytics._demo_i(seed, 301, n, customers))::text, 6, '0'),
		'CH' || sales_channel_pick[1 + analytics._demo_i(seed, 302, n, 100)],
		interaction_type[ty],
		to_char((start_date + ((n - 1) / n_interactions)::int)::timestamp
			+ ((hour_pick[1 + analytics._demo_i(seed, 304, n, 100)] - 1) * 3600
				+ analytics._demo_i(seed, 305, n, 3600)) * interval '1 second', 'YYYY-MM-DD HH24:MI:SS'),
		(interaction_low[ty] + floor((interaction_high[ty] - interaction_low[ty])
			* power(analytics._demo_u(seed, 306, n), 2))::int)::text,
		interaction_status[status_pick[1 + analytics._demo_i(seed, 307, n, 100)]]
	FROM (
		SELECT n, type_pick[1 + analytics._demo_i(seed, 303, n, 100)] AS ty
		FROM generate_series(1, days::bigint * n_interactions) n
		OFFSET 0
	) x;
	GET DIAGNOSTICS added = ROW_COUNT;
	entity := 'interactions'; rows := added; RETURN NEXT;

	RETURN;
END
$$;
COMMENT ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) IS 'Appends deterministic synthetic retail data (customers with segment and city changes, products, stores, the four payment channels, order lines, payments, service interactions, and a documented share of bad rows) to the staging tables; returns the rows added per entity';

-- Admins load staging; the helpers are called (and inlined) in its queries.
REVOKE ALL ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) TO analytics_admin;
REVOKE ALL ON FUNCTION analytics._demo_u(int, int, bigint), analytics._demo_i(int, int, bigint, bigint),
	analytics._demo_pick(int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics._demo_u(int, int, bigint), analytics._demo_i(int, int, bigint, bigint),
	analytics._demo_pick(int[]) TO analytics_admin;
-- src/dashboards.sql: the views behind the app's dashboards.
--
-- Every view exposes plain scalar columns only (text, int, bigint, float8):
-- no arrays, json/jsonb, composites, intervals or timestamptz, so that Power
-- BI in DirectQuery mode can read them. Durations are in seconds (float8).
-- Each view reads analytics.events through a filter on event_name where its
-- definition allows, so the (event_name, occurred_at) index of each partition
-- serves it.
--
-- Properties are read defensively: a property is used only when it has the
-- JSON type the definition expects (jsonb_typeof guards, no casts that can
-- fail), so odd or hand-written events never make a view raise an error.
-- Names (filters, tags, buildings, time windows) are JSON strings; the empty
-- string is not a name.
--
-- analytics.event_counts_daily, the fifth dashboard view, is in
-- src/events.sql.

-- Screen time
--
-- Per screen, over all sessions (events with a session_id; events without one
-- belong to no session and are left out). Within a session, events are taken
-- in order of occurred_at (then event_id, a tie-break only: events at the
-- same instant are 0 seconds apart). A screen view is an event with a
-- non-NULL screen (open_screen in the app).
--   * The time from one event to the next event of its session counts
--     toward the screen last shown (the latest screen view at or before the
--     earlier event); time before the first screen view of a session counts
--     toward nothing.
--   * A gap longer than analytics.session_idle_timeout seconds counts zero
--     (a gap of exactly the timeout counts in full); the screen shown stays
--     the same after the gap.
--   * The last event of a session ends it: nothing counts after it.
--   * A screen view with a non-NULL duration_ms counts duration_ms / 1000
--     seconds instead of the gap-based time up to the next screen view (the
--     app measured it; the idle timeout does not apply to it).
-- total_seconds sums all views of the screen; views counts them; sessions
-- and users count the distinct session_id and user_id of those views (a view
-- without user_id counts in views, not in users); avg_seconds_per_session =
-- total_seconds / sessions.
--
-- The timeout is the analytics.session_idle_timeout setting (seconds,
-- default 1800), read once per query; when the module is not loaded in the
-- session and the setting was never set, the default applies.
--
-- Every event of a session matters (the gaps between all of them count), so
-- this view reads all events with a session_id, not one event_name; the
-- (session_id, occurred_at) index of each partition can supply the order. A
-- filter on screen applies after the per-session pass.
--
-- This body is plain SQL (LEAD over each session). It is to be replaced by the
-- C aggregate analytics.screen_seconds(occurred_at, screen, duration_ms,
-- idle_timeout) per session, read back with analytics.screen_time_rows(), with
-- the same rules and the same columns.
CREATE VIEW analytics.screen_time_stats AS
-- one analytics.screen_seconds state per session (the rules live in the C
-- aggregate; a NULL idle_timeout means analytics.session_idle_timeout)
WITH sessions AS (
	SELECT e.session_id,
		analytics.screen_seconds(e.occurred_at, e.screen, e.duration_ms, NULL::pg_catalog.interval) AS st
	FROM analytics.events e
	WHERE e.session_id IS NOT NULL
	GROUP BY e.session_id
),
per_screen AS (
	SELECT r.screen, pg_catalog.sum(r.seconds) AS total_seconds, pg_catalog.sum(r.views)::bigint AS views,
		pg_catalog.count(*) AS sessions
	FROM sessions s, analytics.screen_time_rows(s.st) r
	GROUP BY r.screen
),
-- users who viewed each screen (a state keeps no users)
viewers AS (
	SELECT e.screen, pg_catalog.count(DISTINCT e.user_id) AS users
	FROM analytics.events e
	WHERE e.session_id IS NOT NULL AND e.screen IS NOT NULL
	GROUP BY e.screen
)
SELECT p.screen, p.total_seconds, p.views, p.sessions, COALESCE(v.users, 0) AS users,
	p.total_seconds / p.sessions AS avg_seconds_per_session
FROM per_screen p
LEFT JOIN viewers v ON v.screen OPERATOR(pg_catalog.=) p.screen;
COMMENT ON VIEW analytics.screen_time_stats IS 'Time spent per screen over all sessions (seconds): time between consecutive events of a session counts toward the screen last shown, gaps over analytics.session_idle_timeout count zero, the last event ends the session, a view with duration_ms counts that instead; events without session_id are left out';

-- Home filters
--
-- One row per filter name applied in home_filters_opened events. props.filters
-- is either an array (each string element is a filter applied) or an object
-- (each key whose value is JSON true is a filter applied; false, null and
-- non-boolean values are not). Anything else (missing, a scalar, non-string
-- array elements, the empty string) applies nothing. A filter named twice in
-- one event is one use. uses = events that applied the filter; users =
-- distinct user_id among them (events without user_id count in uses only).
CREATE VIEW analytics.filter_usage AS
SELECT f.filter,
	pg_catalog.count(*) AS uses,
	pg_catalog.count(DISTINCT e.user_id) AS users
FROM analytics.events e
CROSS JOIN LATERAL (
	SELECT DISTINCT x.filter
	FROM (
		SELECT a.value #>> '{}' AS filter
		FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'filters') = 'array'
			THEN e.props -> 'filters' END) AS a
		WHERE pg_catalog.jsonb_typeof(a.value) = 'string'
		UNION ALL
		SELECT o.key
		FROM pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'filters') = 'object'
			THEN e.props -> 'filters' END) AS o
		WHERE o.value = 'true'::jsonb
	) x
	WHERE x.filter <> ''
) f
WHERE e.event_name = 'home_filters_opened'
GROUP BY f.filter;
COMMENT ON VIEW analytics.filter_usage IS 'Home filters applied, from home_filters_opened events: props.filters as an array of names or an object of booleans (true = applied); uses = events, users = distinct users';

-- Bookings by tag
--
-- One row per (building, time_window, tag) of booking_created events, with
-- bookings = events carrying that tag. building and time_window are the
-- string props of those names; a missing, null, non-string or empty value
-- shows as '(unknown)'. Tags are the distinct non-empty strings of the
-- props.tags array; a booking with none (tags missing, not an array, empty,
-- or without a string) appears once with tag '(none)'. Labels rather than
-- NULLs, so that BI slicers and filters can select these groups like any
-- other (a real building named '(unknown)' would share its row).
CREATE VIEW analytics.booking_tags AS
SELECT
	CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'building') = 'string' AND e.props ->> 'building' <> ''
		THEN e.props ->> 'building' ELSE '(unknown)' END AS building,
	CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'time_window') = 'string' AND e.props ->> 'time_window' <> ''
		THEN e.props ->> 'time_window' ELSE '(unknown)' END AS time_window,
	COALESCE(t.tag, '(none)') AS tag,
	pg_catalog.count(*) AS bookings
FROM analytics.events e
LEFT JOIN LATERAL (
	SELECT DISTINCT a.value #>> '{}' AS tag
	FROM pg_catalog.jsonb_array_elements(CASE WHEN pg_catalog.jsonb_typeof(e.props -> 'tags') = 'array'
		THEN e.props -> 'tags' END) AS a
	WHERE pg_catalog.jsonb_typeof(a.value) = 'string' AND a.value #>> '{}' <> ''
) t ON true
WHERE e.event_name = 'booking_created'
GROUP BY 1, 2, 3;
COMMENT ON VIEW analytics.booking_tags IS 'Bookings per building, time window and tag, from booking_created events; a booking without tags counts under tag ''(none)'', a missing building or time window shows as ''(unknown)''';

-- Schedule import funnel
--
-- From schedule_import_step events with a user_id and string props.method
-- and props.step; steps other than the three below (failed, abandoned, ...)
-- are ignored. Per method, per user, over all time:
--   step 1 started:       the user has a started event; t1 = the first one
--   step 2 file_selected: a file_selected event at or after t1; t2 = the first
--   step 3 completed:     a completed event at or after t2
-- (taking the earliest time at each step finds every user who reached the
-- steps in order). users = distinct users who reached the step.
-- A method appears when at least one user started it. dropoff_from_previous =
-- users(step - 1) - users(step), 0 for step 1; dropoff_pct = 100 *
-- dropoff_from_previous / users(step - 1), NULL for step 1 (there is no
-- previous step: NULL, not 0, so averages over steps ignore it) and when
-- users(step - 1) is 0.
--
-- Plain SQL; the C funnel aggregates (analytics.funnel_level) may replace the
-- body later with the same columns.
CREATE VIEW analytics.schedule_import_funnel AS
WITH steps AS (
	SELECT e.props ->> 'method' AS method, e.user_id, e.occurred_at,
		CASE e.props ->> 'step' WHEN 'started' THEN 1 WHEN 'file_selected' THEN 2 ELSE 3 END AS step
	FROM analytics.events e
	WHERE e.event_name = 'schedule_import_step'
		AND e.user_id IS NOT NULL
		AND pg_catalog.jsonb_typeof(e.props -> 'method') = 'string'
		AND pg_catalog.jsonb_typeof(e.props -> 'step') = 'string'
		AND e.props ->> 'step' IN ('started', 'file_selected', 'completed')
),
with_t1 AS (
	SELECT s.*,
		pg_catalog.min(s.occurred_at) FILTER (WHERE s.step = 1) OVER (PARTITION BY s.method, s.user_id) AS t1
	FROM steps s
),
with_t2 AS (
	SELECT s.*,
		pg_catalog.min(s.occurred_at) FILTER (WHERE s.step = 2 AND s.occurred_at >= s.t1)
			OVER (PARTITION BY s.method, s.user_id) AS t2
	FROM with_t1 s
),
per_user AS (
	SELECT s.method, s.user_id,
		pg_catalog.max(s.t1) IS NOT NULL AS reached1,
		pg_catalog.max(s.t2) IS NOT NULL AS reached2,
		COALESCE(pg_catalog.bool_or(s.step = 3 AND s.occurred_at >= s.t2), false) AS reached3
	FROM with_t2 s
	GROUP BY s.method, s.user_id
),
per_method AS (
	SELECT u.method,
		pg_catalog.count(*) FILTER (WHERE u.reached1) AS users1,
		pg_catalog.count(*) FILTER (WHERE u.reached2) AS users2,
		pg_catalog.count(*) FILTER (WHERE u.reached3) AS users3
	FROM per_user u
	GROUP BY u.method
	HAVING pg_catalog.count(*) FILTER (WHERE u.reached1) > 0
)
SELECT m.method, k.step, k.step_name, k.users,
	COALESCE(k.previous - k.users, 0) AS dropoff_from_previous,
	CASE WHEN k.previous > 0
		THEN 100 * (k.previous - k.users)::pg_catalog.float8 / k.previous::pg_catalog.float8
	END AS dropoff_pct
FROM per_method m
CROSS JOIN LATERAL (VALUES
	(1, 'started', m.users1, NULL::pg_catalog.int8),
	(2, 'file_selected', m.users2, m.users1),
	(3, 'completed', m.users3, m.users2)
) AS k(step, step_name, users, previous);
COMMENT ON VIEW analytics.schedule_import_funnel IS 'Schedule import funnel per method (started -> file_selected -> completed): users who reached each step in order, drop-off from the previous step in users and percent (NULL for step 1)';

-- One row: most_common_method = the method with the most users at step 1;
-- highest_dropoff_method and highest_dropoff_step = the method and step_name
-- with the highest dropoff_pct among steps 2 and 3. Ties go to the first in
-- alphabetical (C collation) order of method, then step_name. Equal ratios
-- give equal float8 percentages (one correctly rounded division of exact
-- integers), so ties are exact. NULLs when there is no funnel data.
CREATE VIEW analytics.schedule_import_summary AS
WITH f AS MATERIALIZED (
	SELECT * FROM analytics.schedule_import_funnel
)
SELECT c.method AS most_common_method,
	d.method AS highest_dropoff_method,
	d.step_name AS highest_dropoff_step
FROM (VALUES (1)) AS one (x)
LEFT JOIN (
	SELECT f.method FROM f
	WHERE f.step = 1
	ORDER BY f.users DESC, f.method COLLATE pg_catalog."C"
	LIMIT 1
) c ON true
LEFT JOIN (
	SELECT f.method, f.step_name FROM f
	WHERE f.step > 1 AND f.dropoff_pct IS NOT NULL
	ORDER BY f.dropoff_pct DESC, f.method COLLATE pg_catalog."C", f.step_name COLLATE pg_catalog."C"
	LIMIT 1
) d ON true;
COMMENT ON VIEW analytics.schedule_import_summary IS 'One row: the import method most users started, and the method and step with the highest drop-off percentage (ties: alphabetical)';

GRANT SELECT ON analytics.screen_time_stats, analytics.filter_usage, analytics.booking_tags,
	analytics.schedule_import_funnel, analytics.schedule_import_summary TO analytics_reader;

-- src/demo.sql: deterministic demo data for the seed's student app.

-- The demo events of users x days ending on until (UTC, default yesterday: the
-- last complete day), as rows of
-- analytics.events. Deterministic: identical arguments give identical rows.
CREATE FUNCTION analytics.demo_events(users int, days int, seed int, until date DEFAULT CURRENT_DATE - 1)
RETURNS SETOF analytics.events
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	screens CONSTANT text[] := ARRAY['home', 'search', 'booking', 'schedule', 'profile'];
	-- mean seconds on each screen
	dwell CONSTANT float8[] := ARRAY[25, 40, 55, 70, 15];
	filters CONSTANT text[] := ARRAY['place', 'time', 'utilities', 'close_to_me'];
	filter_p CONSTANT float8[] := ARRAY[0.6, 0.45, 0.2, 0.35];
	buildings CONSTANT text[] := ARRAY['Library', 'Main', 'Science', 'Engineering'];
	windows CONSTANT text[] := ARRAY['morning', 'afternoon', 'evening'];
	tags CONSTANT text[] := ARRAY['quiet', 'group', 'projector', 'whiteboard', 'outlet'];
	tag_p CONSTANT float8[] := ARRAY[0.5, 0.35, 0.15, 0.25, 0.3];
	methods CONSTANT text[] := ARRAY['ics', 'pdf', 'manual'];
	-- chance to reach file_selected, then completed, by method
	p_select CONSTANT float8[] := ARRAY[0.9, 0.75, 0.6];
	p_complete CONSTANT float8[] := ARRAY[0.9, 0.5, 0.8];
	u int;
	d int;
	s int;
	k int;
	n int;
	day date;
	t timestamptz;
	scr int;
	sid text;
	seq int;
	ev analytics.events;
	pick text[];
	meth int;
	secs float8;
BEGIN
	IF users IS NULL OR users < 1 OR days IS NULL OR days < 1 OR seed IS NULL OR until IS NULL THEN
		RAISE EXCEPTION 'users and days must be at least 1, seed and until not null'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM pg_catalog.setseed((seed % 1000003)::float8 / 1000003);
	FOR u IN 1..users LOOP
		FOR d IN 0..days - 1 LOOP
			CONTINUE WHEN pg_catalog.random() > 0.55;	-- active on about half the days
			day := until - (days - 1) + d;
			FOR s IN 1..(1 + (pg_catalog.random() * 2)::int) LOOP
				sid := pg_catalog.format('s-%s-%s-%s', u, day, s);
				t := pg_catalog.timezone('UTC', day + pg_catalog.make_interval(
					hours => 7 + (pg_catalog.random() * 14)::int, mins => (pg_catalog.random() * 59)::int,
					secs => (pg_catalog.random() * 59)::int));
				seq := 0;
				scr := 1;
				FOR k IN 1..(2 + (pg_catalog.random() * 6)::int) LOOP
					secs := pg_catalog.round((dwell[scr] * (0.3 + 1.4 * pg_catalog.random()))::numeric, 3);
					seq := seq + 1;
					ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'v'))::uuid,
						t, t + interval '1 second', 'open_screen', sid, 'device-' || u, 'user-' || u,
						screens[scr], (secs * 1000)::bigint, pg_catalog.jsonb_build_object('screen', screens[scr]));
					RETURN NEXT ev;
					IF screens[scr] = 'home' AND pg_catalog.random() < 0.35 THEN
						pick := ARRAY[]::text[];
						FOR n IN 1..4 LOOP
							IF pg_catalog.random() < filter_p[n] THEN
								pick := pick || filters[n];
							END IF;
						END LOOP;
						IF pg_catalog.cardinality(pick) > 0 THEN
							seq := seq + 1;
							ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'f'))::uuid,
								t + interval '3 seconds', t + interval '4 seconds', 'home_filters_opened', sid,
								'device-' || u, 'user-' || u, NULL, NULL,
								pg_catalog.jsonb_build_object('filters', pg_catalog.to_jsonb(pick)));
							RETURN NEXT ev;
						END IF;
					ELSIF screens[scr] = 'booking' AND pg_catalog.random() < 0.45 THEN
						pick := ARRAY[]::text[];
						FOR n IN 1..5 LOOP
							IF pg_catalog.random() < tag_p[n] THEN
								pick := pick || tags[n];
							END IF;
						END LOOP;
						seq := seq + 1;
						ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'b'))::uuid,
							t + pg_catalog.make_interval(secs => secs * 0.8), t + pg_catalog.make_interval(secs => secs),
							'booking_created', sid, 'device-' || u, 'user-' || u, NULL, NULL,
							pg_catalog.jsonb_build_object(
								'building', buildings[1 + (pg_catalog.random() * 3)::int],
								'time_window', windows[1 + (pg_catalog.random() * 2)::int],
								'tags', pg_catalog.to_jsonb(pick)));
						RETURN NEXT ev;
					ELSIF screens[scr] = 'schedule' AND pg_catalog.random() < 0.3 THEN
						-- the import funnel: started -> file_selected -> completed,
						-- ending in failed or abandoned when a step is not reached
						meth := CASE WHEN pg_catalog.random() < 0.5 THEN 1
									 WHEN pg_catalog.random() < 0.6 THEN 2 ELSE 3 END;
						pick := ARRAY['started'];
						IF pg_catalog.random() < p_select[meth] THEN
							pick := pick || 'file_selected'::text;
							pick := pick || CASE WHEN pg_catalog.random() < p_complete[meth] THEN 'completed'
												 ELSE 'failed' END;
						ELSE
							pick := pick || 'abandoned'::text;
						END IF;
						FOR n IN 1..pg_catalog.cardinality(pick) LOOP
							seq := seq + 1;
							ev := (pg_catalog.md5(pg_catalog.format('%s/%s/%s/%s', seed, sid, seq, 'i'))::uuid,
								t + pg_catalog.make_interval(secs => 2 + n * secs / 4),
								t + pg_catalog.make_interval(secs => 3 + n * secs / 4),
								'schedule_import_step', sid, 'device-' || u, 'user-' || u, NULL, NULL,
								pg_catalog.jsonb_build_object('method', methods[meth], 'step', pick[n]));
							RETURN NEXT ev;
						END LOOP;
					END IF;
					t := t + pg_catalog.make_interval(secs => secs + 1 + (pg_catalog.random() * 4)::int);
					-- next screen: anywhere but here, home most often
					scr := CASE WHEN pg_catalog.random() < 0.3 THEN 1
								ELSE 2 + (pg_catalog.random() * 3.999)::int % 4 END;
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics.demo_events(int, int, int, date) IS 'The deterministic demo events of analytics.generate_demo_events, as rows';
REVOKE ALL ON FUNCTION analytics.demo_events(int, int, int, date) FROM PUBLIC;

CREATE FUNCTION analytics.generate_demo_events(users int, days int, seed int, until date DEFAULT CURRENT_DATE - 1)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	INSERT INTO analytics.events SELECT * FROM analytics.demo_events(users, days, seed, until)
	ON CONFLICT DO NOTHING;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION analytics.generate_demo_events(int, int, int, date) IS 'Loads deterministic demo events of the student app; returns how many were new';
REVOKE ALL ON FUNCTION analytics.generate_demo_events(int, int, int, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.generate_demo_events(int, int, int, date) TO analytics_admin;
