
-- src/events.sql: event collection.
--
-- analytics.events is partitioned by month on occurred_at. The partitions
-- carry their own indexes (none on the parent): partitions are created at run
-- time, outside the extension, and pg_dump recreates them and their indexes
-- as ordinary tables; a partitioned index on the extension-owned parent would
-- make the restore create every partition index twice.

-- The event contract, in C (EventProblem in src/events.c): analytics.track,
-- analytics.track_batch and analytics.retry_rejected refuse an event that
-- breaks it. Its rules that do not depend on now also guard every row of
-- analytics.events, however written (the CHECK constraint below): a name,
-- finite times, durations the aggregates take, identifiers an index entry
-- holds (props, which the views read whatever JSON they hold, only at
-- ingestion must be an object of at most 64 kB). The rules relative to now
-- (analytics.max_event_age, analytics.max_clock_skew) are ingestion's only:
-- a constraint that read the clock would refuse, in a restore years later,
-- the old events it once took, and the restore would lose them.
CREATE FUNCTION analytics_internal._event_contract(occurred_at timestamptz, received_at timestamptz,
	event_name text, session_id text, device_id text, user_id text, screen text, duration_ms bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'event_contract'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._event_contract(timestamptz, timestamptz, text, text, text, text, text, bigint) IS 'Internal: the CHECK constraint of analytics.events; raises the first rule of the event contract a row breaks (none that depends on now), else true';

CREATE FUNCTION analytics_internal._event_problem(occurred_at timestamptz, received_at timestamptz,
	event_name text, session_id text, device_id text, user_id text, screen text, duration_ms bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'event_problem'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._event_problem(timestamptz, timestamptz, text, text, text, text, text, bigint) IS 'Internal: the first rule of the event contract a stored row breaks (none that depends on now), as a sentence; NULL when it keeps them all';

CREATE TABLE analytics.events (
	event_id uuid NOT NULL,
	occurred_at timestamptz NOT NULL,
	received_at timestamptz NOT NULL DEFAULT analytics_internal._now(),
	event_name text NOT NULL,
	session_id text,
	device_id text,
	user_id text,
	screen text,
	duration_ms bigint,
	props jsonb NOT NULL DEFAULT '{}'::jsonb,
	CONSTRAINT events_contract CHECK (analytics_internal._event_contract(occurred_at, received_at, event_name,
		session_id, device_id, user_id, screen, duration_ms))
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE analytics.events IS 'Collected app events, partitioned by month of occurred_at; written through analytics.track and analytics.track_batch';
COMMENT ON COLUMN analytics.events.event_id IS 'Event identifier (UUID), sent by the app or generated; with occurred_at the idempotency key: the same (event_id, occurred_at) is stored once';
COMMENT ON COLUMN analytics.events.occurred_at IS 'When the event happened, as stamped by the app (default: the time of receipt); at most analytics.max_clock_skew after received_at; the monthly partition key (UTC months)';
COMMENT ON COLUMN analytics.events.received_at IS 'When the database received the event (analytics_internal._now() at ingestion; an event stored by analytics.retry_rejected keeps its original receipt time)';
COMMENT ON COLUMN analytics.events.event_name IS 'Event name, 1 to 200 characters, not blank';
COMMENT ON COLUMN analytics.events.session_id IS 'App session the event belongs to (at most 1000 characters); NULL when the app sent none';
COMMENT ON COLUMN analytics.events.device_id IS 'Device that sent the event (at most 1000 characters); NULL when the app sent none';
COMMENT ON COLUMN analytics.events.user_id IS 'User the event belongs to (at most 1000 characters; a JSON number is stored as its text); NULL when anonymous';
COMMENT ON COLUMN analytics.events.screen IS 'Screen shown, for a screen view (open_screen); NULL for other events';
COMMENT ON COLUMN analytics.events.duration_ms IS 'Time the app measured on the screen, in milliseconds (0 or more); NULL when not measured';
COMMENT ON COLUMN analytics.events.props IS 'Event properties: a JSON object of at most 64 kB, {} when none were sent';

CREATE TABLE analytics.events_default PARTITION OF analytics.events DEFAULT;
COMMENT ON TABLE analytics.events_default IS 'Events whose month has no partition yet; analytics.ensure_partitions moves them out';

CREATE TABLE analytics.rejected_events (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	received_at timestamptz NOT NULL DEFAULT analytics_internal._now(),
	payload jsonb NOT NULL,
	reason text NOT NULL
);
-- A hash index: it holds a rejected event's user_id of any length (a btree
-- entry holds 2704 bytes) and serves analytics.forget_user's equality.
CREATE INDEX rejected_events_user_idx ON analytics.rejected_events USING hash ((payload OPERATOR(pg_catalog.->>) 'user_id'));
COMMENT ON TABLE analytics.rejected_events IS 'Events refused by analytics.track_batch, kept whole with the reason; analytics.retry_rejected tries them again';
COMMENT ON COLUMN analytics.rejected_events.id IS 'Identity, in order of rejection';
COMMENT ON COLUMN analytics.rejected_events.received_at IS 'When the database received the event (analytics_internal._now() at ingestion); kept when analytics.retry_rejected stores it';
COMMENT ON COLUMN analytics.rejected_events.payload IS 'The event object exactly as sent to analytics.track_batch';
COMMENT ON COLUMN analytics.rejected_events.reason IS 'Why the event was refused: its first problem (for example: event_name is empty)';

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
CREATE FUNCTION analytics_internal._index_event_partition(part text)
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
REVOKE ALL ON FUNCTION analytics_internal._index_event_partition(text) FROM PUBLIC;

SELECT analytics_internal._index_event_partition('events_default');

-- First instant of the UTC month holding ts
CREATE FUNCTION analytics_internal._month_start(ts timestamptz)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.timezone('UTC', pg_catalog.date_trunc('month', pg_catalog.timezone('UTC', ts)));

-- Start of the month an events_pYYYYMM partition holds
CREATE FUNCTION analytics_internal._partition_start(part name)
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
	next_month timestamptz;
	part text;
	missing bigint;
	allowed int;
BEGIN
	IF ahead IS NULL OR ahead < interval '0' THEN
		RAISE EXCEPTION 'ahead must be a non-negative interval'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- No event may land in the default partition while months are carved out.
	-- The parent first (ONLY: not every partition), in the order an INSERT
	-- takes them: an insert that had already chosen the default partition
	-- when a month is attached would fail its changed partition constraint
	-- (the event lost); waiting for the parent, it routes by the new
	-- partitions (test/isolation/specs/partitions_vs_track.spec).
	LOCK TABLE ONLY analytics.events IN SHARE ROW EXCLUSIVE MODE;
	LOCK TABLE analytics.events_default IN SHARE ROW EXCLUSIVE MODE;

	SELECT LEAST(
			(SELECT analytics_internal._month_start(pg_catalog.min(d.occurred_at)) FROM analytics.events_default d),
			(SELECT pg_catalog.min(analytics_internal._partition_start(c.relname))
			 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
			 WHERE i.inhparent = 'analytics.events'::regclass AND c.relname ~ '^events_p[0-9]{6}$'),
			analytics_internal._month_start(analytics_internal._now()))
	INTO first_month;
	first_month := analytics_internal._month_start(first_month);
	last_month := analytics_internal._month_start(analytics_internal._now() + ahead);

	-- A wrong date far back must not make thousands of tables: count the
	-- months without a partition first.
	allowed := pg_catalog.current_setting('analytics.max_new_partitions')::int;
	SELECT (pg_catalog.date_part('year', pg_catalog.timezone('UTC', last_month))
			- pg_catalog.date_part('year', pg_catalog.timezone('UTC', first_month))) * 12
		+ pg_catalog.date_part('month', pg_catalog.timezone('UTC', last_month))
		- pg_catalog.date_part('month', pg_catalog.timezone('UTC', first_month)) + 1
		- (SELECT pg_catalog.count(*)
		   FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
		   WHERE i.inhparent = 'analytics.events'::regclass AND c.relname ~ '^events_p[0-9]{6}$'
			   AND analytics_internal._partition_start(c.relname) BETWEEN first_month AND last_month)
	INTO missing;
	IF missing > allowed THEN
		RAISE EXCEPTION 'ensure_partitions would create % partitions, more than analytics.max_new_partitions (%)',
				missing, allowed
			USING ERRCODE = 'program_limit_exceeded',
				DETAIL = pg_catalog.format('The months from %s through %s lack %s partitions; no partition was created.',
					pg_catalog.to_char(pg_catalog.timezone('UTC', first_month), 'YYYY-MM'),
					pg_catalog.to_char(pg_catalog.timezone('UTC', last_month), 'YYYY-MM'), missing),
				HINT = 'The first month is that of the oldest event in analytics.events_default or of the oldest partition: '
					'if those events carry a wrong date, move or delete them; if they are right, '
					'raise analytics.max_new_partitions for this call.';
	END IF;

	m := first_month;
	WHILE m <= last_month LOOP
		part := 'events_p' || pg_catalog.to_char(pg_catalog.timezone('UTC', m), 'YYYYMM');
		next_month := analytics_internal._month_start(m + interval '32 days');
		IF pg_catalog.to_regclass('analytics.' || part) IS NULL THEN
			-- The month's table is made apart with its indexes, filled with its parked
			-- events, then attached. No temporary table: this runs
			-- as the extension's owner, and the caller could have made one
			-- first (with a trigger of theirs on it).
			EXECUTE pg_catalog.format(
				'CREATE TABLE analytics.%I (LIKE analytics.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
			PERFORM analytics_internal._index_event_partition(part);
			EXECUTE pg_catalog.format(
				'WITH moved AS (DELETE FROM analytics.events_default d
					WHERE d.occurred_at >= $1 AND d.occurred_at < $2 RETURNING d.*)
				INSERT INTO analytics.%I SELECT * FROM moved', part)
				USING m, next_month;
			GET DIAGNOSTICS moved_events = ROW_COUNT;
			EXECUTE pg_catalog.format(
				'ALTER TABLE analytics.events ATTACH PARTITION analytics.%I FOR VALUES FROM (%L) TO (%L)',
				part, m, next_month);
			partition_name := part;
			RETURN NEXT;
		END IF;
		m := next_month;
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics.ensure_partitions(interval) IS 'Creates monthly event partitions from the earliest month present through now() + ahead and moves parked events into them; refuses to create more than analytics.max_new_partitions in one call';

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
	cutoff := analytics_internal._month_start(analytics_internal._now() - older_than);
	FOR p IN
		SELECT c.relname::text AS name
		FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'analytics.events'::regclass AND c.relname ~ '^events_p[0-9]{6}$'
			AND analytics_internal._partition_start(c.relname) < cutoff
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
	occurred_at timestamptz DEFAULT analytics_internal._now(),
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
CREATE FUNCTION analytics_internal._ingest(events jsonb, received timestamptz[] DEFAULT NULL,
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
		CROSS JOIN LATERAL (SELECT coalesce(received[e.ord], analytics_internal._now()) AS received_at) r
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
REVOKE ALL ON FUNCTION analytics_internal._ingest(jsonb, timestamptz[]) FROM PUBLIC;

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
	RETURN QUERY SELECT i.accepted, i.duplicates, i.rejected FROM analytics_internal._ingest(events) i;
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
	-- rejected events taken per round, validated again by one _ingest call:
	-- bounds the JSON array a round builds and the rows one statement moves
	batch_size CONSTANT int := 10000;
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
						   WHERE y.id > last_id AND y.id <= max_id ORDER BY y.id LIMIT batch_size)
			RETURNING x.id, x.received_at, x.payload
		)
		SELECT pg_catalog.jsonb_agg(t.payload ORDER BY t.id), pg_catalog.array_agg(t.received_at ORDER BY t.id),
			pg_catalog.max(t.id)
		INTO batch, recv, last_id
		FROM taken t;
		EXIT WHEN batch IS NULL;
		SELECT * INTO r FROM analytics_internal._ingest(batch, recv);
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

CREATE FUNCTION analytics_internal._require_pg_cron()
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
REVOKE ALL ON FUNCTION analytics_internal._require_pg_cron() FROM PUBLIC;


CREATE FUNCTION analytics.schedule_maintenance(schedule text DEFAULT '7 0 * * *')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	PERFORM analytics_internal._require_pg_cron();
	-- The registry's job "ensure_partitions" (pg_cron's analytics_ensure_partitions,
	-- the name 0.1.0 used): scheduling again changes its schedule. One that
	-- another role created under that name is replaced.
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) 'ensure_partitions';
	IF FOUND AND (j.owner OPERATOR(pg_catalog.<>) CURRENT_USER
		OR j.command OPERATOR(pg_catalog.<>) 'SELECT analytics_internal._maintenance()') THEN
		PERFORM analytics.drop_job('ensure_partitions');
		j := NULL;
	END IF;
	IF j.job_id IS NULL THEN
		RETURN analytics.create_job('ensure_partitions', 'maintenance', schedule, 'SELECT analytics_internal._maintenance()');
	END IF;
	PERFORM analytics.alter_job('ensure_partitions', schedule => schedule, is_active => true);
	RETURN (SELECT x.cron_job_id FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id);
END
$$;
COMMENT ON FUNCTION analytics.schedule_maintenance(text) IS 'Registers the maintenance job "ensure_partitions" (analytics.ensure_partitions, then pruning analytics.job_runs after analytics.job_run_retention) and schedules it with pg_cron as "analytics_ensure_partitions"; the pg_cron job id';


-- Views
--
-- Power BI filters every page by date, so the daily views are built to turn
-- a filter on their day column into a range on occurred_at: each is a series
-- of UTC days (analytics_internal._event_days()), and for each day a LATERAL
-- subquery reads the events of that day, occurred_at >= the day's midnight
-- and < the next one. A filter on day (day >= date '...') applies to the
-- series; each remaining day's subquery is a parameterized scan of
-- analytics.events, and run-time partition pruning leaves only the partition
-- holding that day (EXPLAIN ANALYZE shows the others as never executed). A
-- filter on a day computed from occurred_at (the 0.1.0 definitions) prunes
-- nothing: PostgreSQL cannot invert timezone()::date.
--
-- The series runs from the first to the last day with events, taken from
-- analytics_internal._event_name_spans(): the event names and each one's
-- first and last UTC day, found with a few probes of the (event_name,
-- occurred_at) index of every partition per event name (no heap reads), so
-- the series costs the same whatever the filter.

-- The event names and the first and last UTC day each has events: a skip
-- scan over the (event_name, occurred_at) indexes (each step the next name
-- after the last, then its earliest and latest occurred_at), O(names x
-- partitions) index probes. Invoker's rights: the caller reads the events.
CREATE FUNCTION analytics_internal._event_name_spans()
RETURNS TABLE (event_name text, first_day date, last_day date)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n text;
BEGIN
	n := (SELECT pg_catalog.min(e.event_name) FROM analytics.events e);
	WHILE n IS NOT NULL LOOP
		event_name := n;
		first_day := (SELECT (pg_catalog.timezone('UTC', pg_catalog.min(e.occurred_at)))::date
			FROM analytics.events e WHERE e.event_name OPERATOR(pg_catalog.=) n);
		last_day := (SELECT (pg_catalog.timezone('UTC', pg_catalog.max(e.occurred_at)))::date
			FROM analytics.events e WHERE e.event_name OPERATOR(pg_catalog.=) n);
		RETURN NEXT;
		n := (SELECT pg_catalog.min(e.event_name) FROM analytics.events e
			WHERE e.event_name OPERATOR(pg_catalog.>) n);
	END LOOP;
END
$$;
COMMENT ON FUNCTION analytics_internal._event_name_spans() IS 'Internal: every event name with the first and last UTC day it has events, from index probes (a skip scan over the (event_name, occurred_at) indexes)';

-- Every UTC day from the first to the last day with events (none without
-- events). Plain SQL, so that the planner inlines it and a filter on the day
-- applies to the series.
CREATE FUNCTION analytics_internal._event_days()
RETURNS SETOF date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT (g.g)::date
FROM (SELECT pg_catalog.min(s.first_day) AS lo, pg_catalog.max(s.last_day) AS hi
	FROM analytics_internal._event_name_spans() s) b,
	pg_catalog.generate_series(b.lo::timestamp, b.hi::timestamp, '1 day'::pg_catalog.interval) AS g(g)
$$;
COMMENT ON FUNCTION analytics_internal._event_days() IS 'Internal: every UTC day from the first to the last day with events, the day series of the daily views';

-- The built-in materialized aggregate event_days (src/matagg.sql): per UTC
-- day and event name, the events, distinct users and distinct sessions.
-- Refreshed when scheduled (analytics.schedule_refresh('event_days', ...));
-- its _live view is exact whatever the last refresh.
SELECT analytics_internal._matagg_builtin('event_days', 'analytics.events', 'occurred_at', '1 day',
	ARRAY['event_name'],
	ARRAY['pg_catalog.count(*) AS events', 'pg_catalog.count(DISTINCT user_id) AS users',
		'pg_catalog.count(DISTINCT session_id) AS sessions']);

-- Daily counts, from event_days_live: the materialized days where current,
-- the days changed since the last refresh from the events; a filter on day
-- applies to the table's day index and to the changed days before their
-- events are read. Days whose partitions retention dropped stay.
CREATE VIEW analytics.event_counts_daily AS
SELECT c.day, c.event_name, c.events, c.users, c.sessions
FROM analytics.event_days_live c;
COMMENT ON VIEW analytics.event_counts_daily IS 'Events collected per UTC day and event name, with distinct users and sessions (analytics.event_days_live: exact between refreshes; days whose raw events retention dropped stay); a filter on day reads only those days';
COMMENT ON COLUMN analytics.event_counts_daily.day IS 'UTC calendar day of occurred_at';
COMMENT ON COLUMN analytics.event_counts_daily.event_name IS 'Event name as tracked';
COMMENT ON COLUMN analytics.event_counts_daily.events IS 'Events that occurred that UTC day';
COMMENT ON COLUMN analytics.event_counts_daily.users IS 'Distinct non-NULL user_id among those events (0 when none has one)';
COMMENT ON COLUMN analytics.event_counts_daily.sessions IS 'Distinct non-NULL session_id among those events (0 when none has one)';

-- Daily counts as a series: for each event name, every UTC day from its
-- first to its last day in event_counts_daily, days without events counting
-- 0 (what time-series models need: one value per step). The spans come
-- from the daily counts themselves (a few rows a day), so the series covers
-- the days retention dropped as event_counts_daily does.
CREATE VIEW analytics.event_counts_filled AS
WITH c AS MATERIALIZED (
	SELECT x.day, x.event_name, x.events FROM analytics.event_days_live x
)
SELECT (g.g)::date AS day, s.event_name, COALESCE(n.events, 0::pg_catalog.int8) AS events
FROM (SELECT c.event_name, pg_catalog.min(c.day) AS first_day, pg_catalog.max(c.day) AS last_day
	FROM c GROUP BY c.event_name) s
CROSS JOIN LATERAL pg_catalog.generate_series(s.first_day::timestamp, s.last_day::timestamp, '1 day'::pg_catalog.interval) AS g(g)
LEFT JOIN c n ON n.event_name OPERATOR(pg_catalog.=) s.event_name AND n.day OPERATOR(pg_catalog.=) (g.g)::date;
COMMENT ON VIEW analytics.event_counts_filled IS 'Events per UTC day and event name from each name''s first to its last day in analytics.event_counts_daily, days without events counting 0';
COMMENT ON COLUMN analytics.event_counts_filled.day IS 'UTC calendar day, every day from the event name''s first to its last day with events';
COMMENT ON COLUMN analytics.event_counts_filled.event_name IS 'Event name as tracked';
COMMENT ON COLUMN analytics.event_counts_filled.events IS 'Events that occurred that UTC day; 0 on a day without events';

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
