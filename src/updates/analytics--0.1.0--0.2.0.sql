-- analytics 0.1.0 -> 0.2.0
--
-- Every change to the SQL surface since 0.1.0, in the order it was made.
-- test/integration/upgrade.sh proves that 0.1.0 updated with this script
-- equals a fresh 0.2.0 install and keeps every row.

\echo Use "ALTER EXTENSION analytics UPDATE TO '0.2.0'" to load this file. \quit

-- Internal objects (helpers named _*, aggregates' support functions, type I/O
-- functions) move to the schema analytics_internal; the rest of this script
-- names them there. Views, aggregates, types and defaults refer to them by
-- OID and follow; the functions whose bodies name them are replaced below.
CREATE SCHEMA analytics_internal;
COMMENT ON SCHEMA analytics_internal IS 'Internal objects of the analytics extension (helpers, aggregate support functions); not an interface, names may change between versions';
GRANT USAGE ON SCHEMA analytics_internal TO analytics_writer, analytics_reader, analytics_admin;
ALTER FUNCTION analytics._cron_schedule(text,text,text) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._demo_i(integer,integer,bigint,bigint) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._demo_pick(integer[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._demo_u(integer,integer,bigint) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._dim_date_add(date[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._index_event_partition(text) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._ingest(jsonb,timestamp with time zone[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._load_customers(bigint) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._load_merge(text,regclass,text,text[],text[],boolean) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._load_stage(bigint,text,text[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._month_start(timestamp with time zone) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._partition_start(name) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._record_failed_run(bigint,timestamp with time zone,text) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._repeated_rows_combine(internal,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._repeated_rows_deserialize(bytea,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._repeated_rows_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._repeated_rows_serialize(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._repeated_rows_trans(internal,bigint,tid) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._require_day_range(text,date,date) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._require_pg_cron() SET SCHEMA analytics_internal;
ALTER FUNCTION analytics._trim_or_null(text) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.detect_season_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.detect_season_trans(internal,timestamp with time zone,double precision,interval) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.forecast_combine(internal,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.forecast_deserialize(bytea,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.forecast_serialize(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_combine(internal,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_deserialize(bytea,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_dropoff_combine(bigint[],bigint[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_dropoff_trans(bigint[],integer,integer) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_level_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_serialize(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_times_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_trans(internal,timestamp with time zone,integer,interval) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.funnel_trans(internal,timestamp with time zone,integer,interval,text) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.linear_forecast_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.linear_forecast_trans(internal,timestamp with time zone,double precision,integer,interval) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.linear_forecast_trans(internal,timestamp with time zone,double precision,integer,interval,double precision,integer) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.ols_combine(double precision[],double precision[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.ols_final(double precision[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.ols_trans(double precision[],double precision,double precision[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.ols_trans(double precision[],double precision,double precision[],boolean) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.robust_zscore_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.robust_zscore_inv(internal,double precision) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.robust_zscore_trans(internal,double precision) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_seconds_combine(internal,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_seconds_deserialize(bytea,internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_seconds_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_seconds_serialize(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_seconds_trans(internal,timestamp with time zone,text) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_seconds_trans(internal,timestamp with time zone,text,bigint,interval) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_seconds_trans(internal,timestamp with time zone,text,interval) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_time_in(cstring) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.screen_time_out(analytics.screen_time) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.trend_summary_combine(double precision[],double precision[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.trend_summary_final(double precision[]) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.trend_summary_trans(double precision[],timestamp with time zone,double precision,interval) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.zscore_anomaly_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.zscore_final(internal) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.zscore_inv(internal,double precision) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.zscore_inv(internal,double precision,double precision) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.zscore_trans(internal,double precision) SET SCHEMA analytics_internal;
ALTER FUNCTION analytics.zscore_trans(internal,double precision,double precision) SET SCHEMA analytics_internal;
ALTER AGGREGATE analytics._repeated_rows(bigint,tid) SET SCHEMA analytics_internal;
ALTER VIEW analytics._customer_validity SET SCHEMA analytics_internal;

-- analytics_internal._now(): the time every time-dependent function takes as now (the
-- setting analytics.mock_now when a test sets it).
CREATE FUNCTION analytics_internal._now()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'analytics_now'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._now() IS 'now(), or the setting analytics.mock_now when set (for tests)';

ALTER TABLE analytics.events ALTER COLUMN received_at SET DEFAULT analytics_internal._now();
ALTER TABLE analytics.events_default ALTER COLUMN received_at SET DEFAULT analytics_internal._now();
ALTER TABLE analytics.rejected_events ALTER COLUMN received_at SET DEFAULT analytics_internal._now();

CREATE OR REPLACE FUNCTION analytics.drop_partitions(older_than interval)
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

CREATE OR REPLACE FUNCTION analytics.track(
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

CREATE OR REPLACE FUNCTION analytics_internal._ingest(events jsonb, received timestamptz[] DEFAULT NULL,
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

COMMENT ON VIEW analytics.event_anomalies IS 'Events per event_name and UTC day (days without events count 0), with the z-score of each day against the 28 days before it and is_anomaly = |zscore| > analytics.anomaly_threshold; complete days only (the current UTC day is left out)';

CREATE OR REPLACE VIEW analytics.event_forecast AS
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


-- The loader's internal aggregate and its support functions: not for PUBLIC.
REVOKE ALL ON FUNCTION analytics_internal._repeated_rows_trans(internal, bigint, tid),
	analytics_internal._repeated_rows_combine(internal, internal), analytics_internal._repeated_rows_serialize(internal),
	analytics_internal._repeated_rows_deserialize(bytea, internal), analytics_internal._repeated_rows_final(internal),
	analytics_internal._repeated_rows(bigint, tid) FROM PUBLIC;

-- data_quality_checks in named steps; the loader's _customer_validity without a window
-- function, and used by the checks instead of a copy of it.
CREATE OR REPLACE VIEW analytics_internal._customer_validity AS
SELECT d.customer_id, d.customer_key,
	CASE WHEN d.valid_from OPERATOR(pg_catalog.=) e.first_from
		THEN '-infinity'::timestamptz ELSE d.valid_from END AS lo,
	d.valid_to AS hi
FROM analytics.dim_customer d
	LEFT JOIN (SELECT c.customer_id, pg_catalog.min(c.valid_from) AS first_from
		FROM analytics.dim_customer c GROUP BY c.customer_id) e ON e.customer_id OPERATOR(pg_catalog.=) d.customer_id;
COMMENT ON VIEW analytics_internal._customer_validity IS 'Internal: the time range [lo, hi) in which each customer version applies to facts, the first version reaching back to -infinity';

-- The UTC day each date_key covers (day_start inclusive, day_end
-- exclusive), one row per key; a date outside years 1-214747 has no int
-- YYYYMMDD key (and after 294276 no timestamp), so it covers nothing.
CREATE VIEW analytics_internal._dq_day_bounds AS
SELECT days.date_key, pg_catalog.min(days.day_start) AS day_start, pg_catalog.max(days.day_end) AS day_end
FROM (SELECT d.date_key,
		CASE WHEN d.full_date OPERATOR(pg_catalog.>=) '0001-01-01' AND d.full_date OPERATOR(pg_catalog.<) '214748-01-01'
			THEN pg_catalog.timezone('UTC', d.full_date::timestamp) END AS day_start,
		CASE WHEN d.full_date OPERATOR(pg_catalog.>=) '0001-01-01' AND d.full_date OPERATOR(pg_catalog.<) '214748-01-01'
			THEN pg_catalog.timezone('UTC', d.full_date::timestamp OPERATOR(pg_catalog.+) interval '1 day') END AS day_end
	FROM analytics.dim_date d) days
GROUP BY days.date_key;
COMMENT ON VIEW analytics_internal._dq_day_bounds IS 'Internal to analytics.data_quality_checks: the UTC day [day_start, day_end) each date_key covers, one row per key';

-- The times each customer key covers: the validity the loader gives its
-- version (analytics_internal._customer_validity), one row per key, so that a
-- duplicated key cannot count a fact twice.
CREATE VIEW analytics_internal._dq_customer_coverage AS
SELECT v.customer_key, pg_catalog.min(v.lo) AS covers_from, pg_catalog.max(v.hi) AS covers_to
FROM analytics_internal._customer_validity v
GROUP BY v.customer_key;
COMMENT ON VIEW analytics_internal._dq_customer_coverage IS 'Internal to analytics.data_quality_checks: the time range [covers_from, covers_to) each customer key covers, one row per key';

-- The dimensions' checks (the calendar, customer versions, the type 1
-- dimensions), in order.
CREATE FUNCTION analytics_internal._dq_dimensions()
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
END
$$;
COMMENT ON FUNCTION analytics_internal._dq_dimensions() IS 'Internal step of analytics.data_quality_checks: the checks of the dimensions, in order';

-- Facts: one pass each, joining every dimension by hash, returned as
-- soon as counted. A dimension joins as one row per key (DISTINCT, GROUP
-- BY), so that a duplicated key cannot count a fact twice. The calendar
-- joins with the UTC day each date_key covers (day_start inclusive,
-- day_end exclusive): a fact whose timestamp falls outside is dated
-- wrongly (this equals comparing date_key with the timestamp's UTC date
-- as YYYYMMDD when invalid_calendar is ok, and is much cheaper than
-- formatting every timestamp); a date without a YYYYMMDD key covers
-- nothing (analytics_internal._dq_day_bounds). Customers join with the times each
-- version covers: its validity, from -infinity for its customer's earliest
-- version (which covers the facts before any version), as the loader
-- assigns versions to sales, payments and interactions alike
-- (analytics_internal._dq_customer_coverage over the loader's
-- analytics_internal._customer_validity). Both views are built by join and
-- aggregate, not window functions, so that the passes may run in parallel.
CREATE FUNCTION analytics_internal._dq_sales()
RETURNS TABLE (check_name text, entity text, failing_rows bigint, status text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
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
		pg_catalog.count(*) FILTER (WHERE f.sale_ts > analytics_internal._now()) AS future
	FROM analytics.fact_sales f
		LEFT JOIN analytics_internal._dq_day_bounds d ON d.date_key = f.date_key
		LEFT JOIN analytics_internal._dq_customer_coverage c ON c.customer_key = f.customer_key
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
END;
COMMENT ON FUNCTION analytics_internal._dq_sales() IS 'Internal step of analytics.data_quality_checks: the checks of fact_sales, in order';

-- Revenue is stored in numeric(14, 4), which rounds amount x fee / 100
-- to 4 places, with the fee the payment was loaded with (the channel's
-- may have changed since). A successful payment without a fee has no
-- revenue that could be right.
CREATE FUNCTION analytics_internal._dq_payments()
RETURNS TABLE (check_name text, entity text, failing_rows bigint, status text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
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
		pg_catalog.count(*) FILTER (WHERE f.txn_ts > analytics_internal._now()) AS future
	FROM analytics.fact_payments f
		LEFT JOIN analytics_internal._dq_day_bounds d ON d.date_key = f.date_key
		LEFT JOIN analytics_internal._dq_customer_coverage c ON c.customer_key = f.customer_key
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
END;
COMMENT ON FUNCTION analytics_internal._dq_payments() IS 'Internal step of analytics.data_quality_checks: the checks of fact_payments, in order';

CREATE FUNCTION analytics_internal._dq_interactions()
RETURNS TABLE (check_name text, entity text, failing_rows bigint, status text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
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
		pg_catalog.count(*) FILTER (WHERE f.interaction_ts > analytics_internal._now()) AS future
	FROM analytics.fact_interactions f
		LEFT JOIN analytics_internal._dq_day_bounds d ON d.date_key = f.date_key
		LEFT JOIN analytics_internal._dq_customer_coverage c ON c.customer_key = f.customer_key
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
END;
COMMENT ON FUNCTION analytics_internal._dq_interactions() IS 'Internal step of analytics.data_quality_checks: the checks of fact_interactions, in order';

CREATE OR REPLACE FUNCTION analytics.data_quality_checks()
RETURNS TABLE (check_name text, entity text, failing_rows bigint, status text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- A STABLE function's statements all see the calling query's snapshot,
	-- so the passes below check one state of the warehouse. Each pass is
	-- its own RETURN QUERY (which may run in parallel, unlike SELECT INTO)
	-- and frees its hash tables before the next.

	RETURN QUERY SELECT * FROM analytics_internal._dq_dimensions();
	RETURN QUERY SELECT * FROM analytics_internal._dq_sales();
	RETURN QUERY SELECT * FROM analytics_internal._dq_payments();
	RETURN QUERY SELECT * FROM analytics_internal._dq_interactions();
END
$$;
COMMENT ON FUNCTION analytics.data_quality_checks() IS 'Checks the warehouse''s invariants over its rows (nulls, duplicate and orphan keys, the calendar, customer versions, amounts, revenue, delay buckets, date keys): one row per check and entity with the failing rows and ok, warn or fail';

REVOKE ALL ON FUNCTION analytics_internal._dq_dimensions(), analytics_internal._dq_sales(), analytics_internal._dq_payments(),
	analytics_internal._dq_interactions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._dq_dimensions(), analytics_internal._dq_sales(), analytics_internal._dq_payments(),
	analytics_internal._dq_interactions() TO analytics_admin, analytics_reader;
GRANT SELECT ON analytics_internal._dq_day_bounds, analytics_internal._dq_customer_coverage TO analytics_admin, analytics_reader;
-- Column comments of every view (issue 13, section 5)
COMMENT ON COLUMN analytics.event_counts_daily.day IS 'UTC calendar day of occurred_at';
COMMENT ON COLUMN analytics.event_counts_daily.event_name IS 'Event name as tracked';
COMMENT ON COLUMN analytics.event_counts_daily.events IS 'Events that occurred that UTC day';
COMMENT ON COLUMN analytics.event_counts_daily.users IS 'Distinct non-NULL user_id among those events (0 when none has one)';
COMMENT ON COLUMN analytics.event_counts_daily.sessions IS 'Distinct non-NULL session_id among those events (0 when none has one)';
COMMENT ON COLUMN analytics.event_counts_filled.day IS 'UTC calendar day, every day from the event name''s first to its last day with events';
COMMENT ON COLUMN analytics.event_counts_filled.event_name IS 'Event name as tracked';
COMMENT ON COLUMN analytics.event_counts_filled.events IS 'Events that occurred that UTC day; 0 on a day without events';
COMMENT ON COLUMN analytics.event_forecast.day IS 'UTC calendar day forecast: the 1st to 14th day after the event name''s last complete day (its last day with events before the current UTC day)';
COMMENT ON COLUMN analytics.event_forecast.event_name IS 'Event name as tracked; only names with at least 3 complete days (empty days included) are forecast';
COMMENT ON COLUMN analytics.event_forecast.forecast IS 'Forecast events that day: linear trend plus the detected seasonal terms (analytics.linear_forecast, season -1) over the complete days of event_counts_filled, clamped at 0';
COMMENT ON COLUMN analytics.event_forecast.lower IS 'Lower bound of the 95% prediction interval of the forecast, clamped at 0';
COMMENT ON COLUMN analytics.event_forecast.upper IS 'Upper bound of the 95% prediction interval of the forecast, clamped at 0';
COMMENT ON COLUMN analytics.event_anomalies.day IS 'UTC calendar day, every day from the event name''s first day with events to its last day with events before the current UTC day (analytics_internal._now()); the current day is left out';
COMMENT ON COLUMN analytics.event_anomalies.event_name IS 'Event name as tracked';
COMMENT ON COLUMN analytics.event_anomalies.events IS 'Events that occurred that UTC day; 0 on a day without events';
COMMENT ON COLUMN analytics.event_anomalies.zscore IS 'analytics.zscore of the day''s count against the event name''s up to 28 days before it (ROWS 28 PRECEDING): (events - their mean) / their sample standard deviation; NULL with fewer than 2 days before it or when those days all have the same count';
COMMENT ON COLUMN analytics.event_anomalies.is_anomaly IS '|zscore| > the analytics.anomaly_threshold setting (default 3), read when the query runs; NULL when zscore is NULL';
COMMENT ON COLUMN analytics_internal._customer_validity.customer_id IS 'Source customer id (dim_customer.customer_id)';
COMMENT ON COLUMN analytics_internal._customer_validity.customer_key IS 'Surrogate key of the customer version (dim_customer.customer_key)';
COMMENT ON COLUMN analytics_internal._customer_validity.lo IS 'Start of the range the version applies to facts (inclusive): valid_from, -infinity for the customer''s first version';
COMMENT ON COLUMN analytics_internal._customer_validity.hi IS 'End of that range (exclusive): valid_to, infinity for the current version';
COMMENT ON COLUMN analytics.kpi_daily.day IS 'UTC calendar day with at least one completed order line (dim_date.full_date)';
COMMENT ON COLUMN analytics.kpi_daily.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.kpi_daily.orders IS 'Distinct order_id with a completed line that day';
COMMENT ON COLUMN analytics.kpi_daily.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.kpi_daily.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.kpi_daily.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.kpi_daily.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.kpi_daily.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line that day';
COMMENT ON COLUMN analytics.kpi_daily.new_customers IS 'Customers whose first-ever completed purchase (over all their versions) is that day, from analytics.customer_first_purchase';
COMMENT ON COLUMN analytics.kpi_daily.revenue_7d_avg IS 'Average daily revenue of the 7 days ending that day, days without completed sales counting 0: their sales revenue (analytics.retail_daily_totals) / the number of those days on or after the first day with any order line (7 once the data is a week old); currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_daily.day IS 'UTC calendar day of the sale (dim_date.full_date)';
COMMENT ON COLUMN analytics.sales_daily.day_of_week IS 'ISO day of the week of day: Monday 1 .. Sunday 7';
COMMENT ON COLUMN analytics.sales_daily.day_name IS 'English name of the day of the week (Monday .. Sunday)';
COMMENT ON COLUMN analytics.sales_daily.is_weekend IS 'true on Saturday and Sunday';
COMMENT ON COLUMN analytics.sales_daily.store_id IS 'Source store id of the lines (dim_store.store_id); NULL for lines without a store (online sales)';
COMMENT ON COLUMN analytics.sales_daily.store_name IS 'Store name (dim_store); NULL for lines without a store or a store without a name';
COMMENT ON COLUMN analytics.sales_daily.channel IS 'Sales channel name (dim_channel.channel_name); NULL for lines without a channel or a channel without a name';
COMMENT ON COLUMN analytics.sales_daily.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_daily.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.sales_daily.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.sales_daily.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.sales_daily.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_monthly.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.sales_monthly.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_monthly.orders IS 'Distinct order_id with a completed line in the month';
COMMENT ON COLUMN analytics.sales_monthly.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.sales_monthly.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line in the month';
COMMENT ON COLUMN analytics.sales_monthly.new_customers IS 'Customers whose first-ever completed purchase (over all their versions) is in the month, from analytics.customer_first_purchase';
COMMENT ON COLUMN analytics.sales_monthly.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_monthly.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.sales_monthly.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.sales_monthly.prev_month_revenue IS 'Completed sales revenue of the previous calendar month (analytics.retail_daily_totals); 0 when it had none, also before the data starts; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_monthly.mom_growth_pct IS 'Month-over-month growth: 100 x (revenue - prev_month_revenue) / prev_month_revenue, in percent; NULL when prev_month_revenue is 0 and when the change is over 10^7 times prev_month_revenue';
COMMENT ON COLUMN analytics.top_products.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.top_products.product_id IS 'Source product id (dim_product.product_id)';
COMMENT ON COLUMN analytics.top_products.product_name IS 'Product name (dim_product, current value)';
COMMENT ON COLUMN analytics.top_products.category IS 'Product category (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.top_products.subcategory IS 'Product subcategory (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.top_products.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.top_products.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.top_products.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.top_products.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.top_products.avg_selling_price IS 'Average selling price per unit after discounts: revenue / units; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.category_sales.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.category_sales.category IS 'Product category (dim_product); NULL for products without one';
COMMENT ON COLUMN analytics.category_sales.subcategory IS 'Product subcategory (dim_product); NULL for products without one';
COMMENT ON COLUMN analytics.category_sales.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.category_sales.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.category_sales.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.category_sales.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.category_sales.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.category_sales.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.category_sales.revenue_share_pct IS '100 x revenue / the month''s completed sales revenue (analytics.retail_daily_totals), in percent (0-100); NULL when that total is not positive or the row''s revenue is negative or above it (summaries not refreshed)';
COMMENT ON COLUMN analytics.payment_methods.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.payment_methods.payment_method IS 'Payment method of the sale (dim_payment.payment_method); NULL for lines without one';
COMMENT ON COLUMN analytics.payment_methods.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.payment_methods.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.payment_methods.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.payment_methods.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.payment_methods.revenue_share_pct IS '100 x revenue / the month''s completed sales revenue (analytics.retail_daily_totals), in percent (0-100); NULL when that total is not positive or the row''s revenue is negative or above it (summaries not refreshed)';
COMMENT ON COLUMN analytics.sales_geography.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.sales_geography.country IS 'Country of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.region IS 'Region of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.state IS 'State of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.city IS 'City of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_geography.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.sales_geography.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.sales_geography.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.sales_geography.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_segments.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.customer_segments.segment IS 'Customer segment of the customer version valid at the sale (a customer whose segment changed counts in both); NULL when that version has none';
COMMENT ON COLUMN analytics.customer_segments.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.customer_segments.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.customer_segments.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.customer_segments.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_segments.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_segments.revenue_per_customer IS 'revenue / customers; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_segments.orders_per_customer IS 'orders / customers, 2 decimals';
COMMENT ON COLUMN analytics.product_performance.month IS 'First day of the UTC calendar month of the order lines (any status)';
COMMENT ON COLUMN analytics.product_performance.product_id IS 'Source product id (dim_product.product_id)';
COMMENT ON COLUMN analytics.product_performance.product_name IS 'Product name (dim_product, current value)';
COMMENT ON COLUMN analytics.product_performance.category IS 'Product category (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.product_performance.subcategory IS 'Product subcategory (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.product_performance.units IS 'Sum of quantity over the completed lines; 0 when there are none';
COMMENT ON COLUMN analytics.product_performance.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; 0 when there are none; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.product_performance.cost IS 'Sum of cost_amount (quantity x unit cost) over the completed lines; 0 when there are none, NULL when one of them has no cost; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.product_performance.gross_profit IS 'revenue - cost; currency of the data, 2 decimals; NULL when cost is';
COMMENT ON COLUMN analytics.product_performance.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.product_performance.discount IS 'Sum of discount over the completed lines; 0 when there are none; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.product_performance.lines IS 'Order lines of the product in the month, any status';
COMMENT ON COLUMN analytics.product_performance.returned_lines IS 'Order lines with status returned';
COMMENT ON COLUMN analytics.product_performance.cancelled_lines IS 'Order lines with status cancelled';
COMMENT ON COLUMN analytics.product_performance.return_rate IS '100 x returned_lines / (completed + returned lines), in percent (0-100); NULL when there are neither';
COMMENT ON COLUMN analytics.product_performance.cancellation_rate IS '100 x cancelled_lines / lines, in percent (0-100)';
COMMENT ON COLUMN analytics.discount_analysis.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.discount_analysis.discount_band IS 'Discount of the line as a share of its list price quantity x unit_price: ''none'' (0), ''0-10%'' (below 10%), ''10-20%'' (below 20%), ''20-30%'' (below 30%) or ''30%+''';
COMMENT ON COLUMN analytics.discount_analysis.band_order IS 'Sort key of discount_band: 1 none .. 5 30%+';
COMMENT ON COLUMN analytics.discount_analysis.lines IS 'Completed order lines in the band';
COMMENT ON COLUMN analytics.discount_analysis.orders IS 'Distinct order_id with a completed line in the band';
COMMENT ON COLUMN analytics.discount_analysis.units IS 'Sum of quantity over the completed lines in the band';
COMMENT ON COLUMN analytics.discount_analysis.gross_sales IS 'Sum of quantity x unit_price (list price, before discount) of those lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.discount IS 'Sum of discount of those lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.revenue IS 'Sum of total_amount (gross_sales - discount) of those lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.avg_discount_pct IS '100 x discount / gross_sales, in percent (0-100); NULL when gross_sales is 0 or the discount exceeds it';
COMMENT ON COLUMN analytics.discount_analysis.avg_units_per_line IS 'units / lines, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.discount_analysis.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.customer_value.customer_id IS 'Source customer id (all SCD2 versions together), one row per customer with a completed line';
COMMENT ON COLUMN analytics.customer_value.customer_name IS 'Full name of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.segment IS 'Segment of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.city IS 'City of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.state IS 'State of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.region IS 'Region of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.country IS 'Country of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.first_purchase IS 'UTC day of the customer''s first completed line';
COMMENT ON COLUMN analytics.customer_value.last_purchase IS 'UTC day of the customer''s last completed line';
COMMENT ON COLUMN analytics.customer_value.orders IS 'Distinct order_id with a completed line of the customer, over all versions';
COMMENT ON COLUMN analytics.customer_value.revenue IS 'Sum of total_amount over the customer''s completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_value.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_value.tenure_years IS '(as_of - first_purchase + 1 day) / 365.25, in years, both days counted; as_of = the last UTC day with any order line in fact_sales';
COMMENT ON COLUMN analytics.customer_value.purchase_frequency IS 'Orders per year: orders / greatest(tenure_years, 90 / 365.25) (a tenure under 90 days counts as 90 days)';
COMMENT ON COLUMN analytics.customer_value.expected_lifespan_years IS 'Average tenure (same measure, first day from analytics.customer_first_purchase) of all customers whose current segment is this customer''s (NULL segment a group of its own), in years; NULL when the summaries hold none of them';
COMMENT ON COLUMN analytics.customer_value.clv IS 'Customer lifetime value: avg_order_value x purchase_frequency x expected_lifespan_years, from the unrounded factors; currency of the data, 2 decimals; NULL when expected_lifespan_years is';
COMMENT ON COLUMN analytics.payment_kpis.day IS 'UTC calendar day of the payment (dim_date.full_date)';
COMMENT ON COLUMN analytics.payment_kpis.channel IS 'Payment channel name (dim_channel.channel_name); NULL for a channel without a name';
COMMENT ON COLUMN analytics.payment_kpis.city IS 'City the payment carries (dim_city.city); NULL for payments without one';
COMMENT ON COLUMN analytics.payment_kpis.state IS 'State of that city (dim_city); NULL without city or when it has none';
COMMENT ON COLUMN analytics.payment_kpis.region IS 'Region of that city (dim_city); NULL without city or when it has none';
COMMENT ON COLUMN analytics.payment_kpis.segment IS 'Segment of the customer version the payment points to; NULL for payments without customer or when it has none';
COMMENT ON COLUMN analytics.payment_kpis.revenue IS 'Payment fee revenue: sum of fact_payments.revenue (amount x fee_percent / 100 for successful payments, 0 for failed ones); currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.payment_kpis.transactions IS 'Payments';
COMMENT ON COLUMN analytics.payment_kpis.failed IS 'Payments with status failed';
COMMENT ON COLUMN analytics.payment_kpis.failure_rate IS '100 x failed / transactions, in percent (0-100)';
COMMENT ON COLUMN analytics.payment_kpis.avg_processing_time IS 'Average processing_time over the payments that have one, in seconds, 3 decimals; NULL when none has one';
COMMENT ON COLUMN analytics.payment_kpis_daily.day IS 'UTC calendar day with at least one payment (dim_date.full_date)';
COMMENT ON COLUMN analytics.payment_kpis_daily.revenue IS 'Payment fee revenue: sum of fact_payments.revenue (amount x fee_percent / 100 for successful payments, 0 for failed ones); currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.payment_kpis_daily.transactions IS 'Payments that day';
COMMENT ON COLUMN analytics.payment_kpis_daily.failed IS 'Payments with status failed that day';
COMMENT ON COLUMN analytics.payment_kpis_daily.failure_rate IS '100 x failed / transactions, in percent (0-100)';
COMMENT ON COLUMN analytics.payment_kpis_daily.avg_processing_time IS 'Average processing_time over the payments that have one, in seconds, 3 decimals; NULL when none has one';
COMMENT ON COLUMN analytics.payment_kpis_daily.revenue_7d_avg IS 'Average daily fee revenue of the 7 days ending that day, days without payments counting 0: their payment revenue (analytics.retail_daily_totals) / the number of those days on or after the first payment day; currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.payment_kpis_daily.failure_rate_7d IS 'Pooled failure rate of the 7 days ending that day: 100 x their failed / their payments (analytics.retail_daily_totals), in percent (0-100); NULL when the summaries hold no payment in them';
COMMENT ON COLUMN analytics.payment_kpis_daily.avg_processing_time_7d IS 'Processing seconds / timed payments of the 7 days ending that day (analytics.retail_daily_totals), in seconds, 3 decimals; NULL when none of them is timed';
COMMENT ON COLUMN analytics.interaction_summary.day IS 'UTC calendar day of the interaction (dim_date.full_date)';
COMMENT ON COLUMN analytics.interaction_summary.channel IS 'Channel name (dim_channel.channel_name); NULL for interactions without a channel';
COMMENT ON COLUMN analytics.interaction_summary.interaction_type IS 'Interaction type as loaded; NULL when the interaction has none';
COMMENT ON COLUMN analytics.interaction_summary.interactions IS 'Interactions';
COMMENT ON COLUMN analytics.interaction_summary.resolved IS 'Interactions with status resolved';
COMMENT ON COLUMN analytics.interaction_summary.avg_duration_seconds IS 'Average duration_seconds over the interactions that have one, in seconds, 2 decimals; NULL when none has one';
COMMENT ON COLUMN analytics.interaction_summary.resolution_rate IS '100 x resolved / interactions, in percent (0-100); unresolved and abandoned count as not resolved';
COMMENT ON COLUMN analytics.screen_time_stats.screen IS 'Screen name (events.screen) of the screen views';
COMMENT ON COLUMN analytics.screen_time_stats.total_seconds IS 'Seconds spent on the screen over all sessions (microsecond precision): the time to the next event of the session while the screen was the last shown, a gap over analytics.session_idle_timeout counting 0, or duration_ms / 1000 for a view that has duration_ms';
COMMENT ON COLUMN analytics.screen_time_stats.views IS 'Screen views: events with this screen and a session_id';
COMMENT ON COLUMN analytics.screen_time_stats.sessions IS 'Sessions (distinct session_id) with at least one view of the screen';
COMMENT ON COLUMN analytics.screen_time_stats.users IS 'Distinct non-NULL user_id among the views of the screen (0 when none has one)';
COMMENT ON COLUMN analytics.screen_time_stats.avg_seconds_per_session IS 'total_seconds / sessions, in seconds';
COMMENT ON COLUMN analytics.filter_usage.filter IS 'Filter name: a non-empty string element of props.filters (array form) or a key of props.filters whose value is true (object form), in home_filters_opened events';
COMMENT ON COLUMN analytics.filter_usage.uses IS 'home_filters_opened events that applied the filter (named twice in one event: one use)';
COMMENT ON COLUMN analytics.filter_usage.users IS 'Distinct non-NULL user_id among those events (0 when none has one)';
COMMENT ON COLUMN analytics.booking_tags.building IS 'props.building of the booking_created event; ''(unknown)'' when missing, null, not a string or empty';
COMMENT ON COLUMN analytics.booking_tags.time_window IS 'props.time_window of the booking_created event; ''(unknown)'' when missing, null, not a string or empty';
COMMENT ON COLUMN analytics.booking_tags.tag IS 'A distinct non-empty string of the props.tags array; ''(none)'' for a booking without one';
COMMENT ON COLUMN analytics.booking_tags.bookings IS 'booking_created events with that building, time window and tag (a booking with n tags counts in n rows)';
COMMENT ON COLUMN analytics.schedule_import_funnel.method IS 'props.method of schedule_import_step events (a string); a method appears once a user has started it';
COMMENT ON COLUMN analytics.schedule_import_funnel.step IS 'Step number: 1 started, 2 file_selected, 3 completed';
COMMENT ON COLUMN analytics.schedule_import_funnel.step_name IS 'Step name: started, file_selected or completed (props.step)';
COMMENT ON COLUMN analytics.schedule_import_funnel.users IS 'Distinct user_id who reached the step in order: a started event; then a file_selected at or after their first start; then a completed at or after that first file selection';
COMMENT ON COLUMN analytics.schedule_import_funnel.dropoff_from_previous IS 'users of the previous step - users of this step; 0 for step 1';
COMMENT ON COLUMN analytics.schedule_import_funnel.dropoff_pct IS '100 x dropoff_from_previous / users of the previous step, in percent (0-100); NULL for step 1 and when the previous step has no users';
COMMENT ON COLUMN analytics.schedule_import_summary.most_common_method IS 'The method with the most users at step 1 of analytics.schedule_import_funnel (ties: first in C collation order); NULL without funnel data';
COMMENT ON COLUMN analytics.schedule_import_summary.highest_dropoff_method IS 'The method of the step 2 or 3 row with the highest dropoff_pct (ties: first method, then step_name, in C collation order); NULL when no such row has a dropoff_pct';
COMMENT ON COLUMN analytics.schedule_import_summary.highest_dropoff_step IS 'The step_name (file_selected or completed) of that row; NULL when highest_dropoff_method is';

-- Column comments of every table (issue 13, section 5)
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
COMMENT ON COLUMN analytics.rejected_events.id IS 'Identity, in order of rejection';
COMMENT ON COLUMN analytics.rejected_events.received_at IS 'When the database received the event (analytics_internal._now() at ingestion); kept when analytics.retry_rejected stores it';
COMMENT ON COLUMN analytics.rejected_events.payload IS 'The event object exactly as sent to analytics.track_batch';
COMMENT ON COLUMN analytics.rejected_events.reason IS 'Why the event was refused: its first problem (for example: event_name is empty)';
COMMENT ON COLUMN analytics.stg_customers.customer_id IS 'Column customer_id of the customers CSV as text: the customer''s natural key (required)';
COMMENT ON COLUMN analytics.stg_customers.first_name IS 'Column first_name of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.last_name IS 'Column last_name of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.email IS 'Column email of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.phone IS 'Column phone of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.city IS 'Column city of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.state IS 'Column state of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.region IS 'Column region of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.country IS 'Column country of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.segment IS 'Column segment of the customers CSV as text';
COMMENT ON COLUMN analytics.stg_customers.updated_at IS 'Column updated_at of the customers CSV as text: when the row was valid from, a timestamp in ISO 8601 (an offset, else UTC) (required)';
COMMENT ON COLUMN analytics.stg_customers.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON COLUMN analytics.stg_products.product_id IS 'Column product_id of the products CSV as text: the product''s natural key (required)';
COMMENT ON COLUMN analytics.stg_products.product_name IS 'Column product_name of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.category IS 'Column category of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.subcategory IS 'Column subcategory of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.unit_cost IS 'Column unit_cost of the products CSV as text: a number >= 0 with up to 2 decimals (required)';
COMMENT ON COLUMN analytics.stg_products.unit_price IS 'Column unit_price of the products CSV as text: list price, a number >= 0 with up to 2 decimals (required)';
COMMENT ON COLUMN analytics.stg_products.supplier_id IS 'Column supplier_id of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.active IS 'Column active of the products CSV as text: a boolean';
COMMENT ON COLUMN analytics.stg_products.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON COLUMN analytics.stg_stores.store_id IS 'Column store_id of the stores CSV as text: the store''s natural key (required)';
COMMENT ON COLUMN analytics.stg_stores.store_name IS 'Column store_name of the stores CSV as text';
COMMENT ON COLUMN analytics.stg_stores.city IS 'Column city of the stores CSV as text';
COMMENT ON COLUMN analytics.stg_stores.state IS 'Column state of the stores CSV as text';
COMMENT ON COLUMN analytics.stg_stores.region IS 'Column region of the stores CSV as text';
COMMENT ON COLUMN analytics.stg_stores.country IS 'Column country of the stores CSV as text';
COMMENT ON COLUMN analytics.stg_stores.manager IS 'Column manager of the stores CSV as text';
COMMENT ON COLUMN analytics.stg_stores.open_date IS 'Column open_date of the stores CSV as text: a date in ISO 8601';
COMMENT ON COLUMN analytics.stg_stores.active IS 'Column active of the stores CSV as text: a boolean';
COMMENT ON COLUMN analytics.stg_stores.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON COLUMN analytics.stg_channels.channel_id IS 'Column channel_id of the channels CSV as text: the channel''s natural key (required)';
COMMENT ON COLUMN analytics.stg_channels.channel_name IS 'Column channel_name of the channels CSV as text';
COMMENT ON COLUMN analytics.stg_channels.channel_type IS 'Column channel_type of the channels CSV as text';
COMMENT ON COLUMN analytics.stg_channels.fee_percent IS 'Column fee_percent of the channels CSV as text: the fee in percent, 0 to 100 (required)';
COMMENT ON COLUMN analytics.stg_channels.active IS 'Column active of the channels CSV as text: a boolean';
COMMENT ON COLUMN analytics.stg_channels.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON COLUMN analytics.stg_sales.sale_id IS 'Column sale_id of the sales CSV as text: the order line''s natural key (required)';
COMMENT ON COLUMN analytics.stg_sales.order_id IS 'Column order_id of the sales CSV as text: required';
COMMENT ON COLUMN analytics.stg_sales.sale_ts IS 'Column sale_ts of the sales CSV as text: a timestamp in ISO 8601 (an offset, else UTC) (required)';
COMMENT ON COLUMN analytics.stg_sales.customer_id IS 'Column customer_id of the sales CSV as text: a customer in the warehouse or this load (required)';
COMMENT ON COLUMN analytics.stg_sales.product_id IS 'Column product_id of the sales CSV as text: a product in the warehouse or this load (required)';
COMMENT ON COLUMN analytics.stg_sales.store_id IS 'Column store_id of the sales CSV as text: a store in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_sales.channel_id IS 'Column channel_id of the sales CSV as text: a channel in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_sales.payment_method IS 'Column payment_method of the sales CSV as text';
COMMENT ON COLUMN analytics.stg_sales.quantity IS 'Column quantity of the sales CSV as text: a whole number > 0 (required)';
COMMENT ON COLUMN analytics.stg_sales.unit_price IS 'Column unit_price of the sales CSV as text: a number >= 0 with up to 2 decimals (required)';
COMMENT ON COLUMN analytics.stg_sales.discount IS 'Column discount of the sales CSV as text: an amount >= 0 up to quantity x unit_price, empty for 0';
COMMENT ON COLUMN analytics.stg_sales.status IS 'Column status of the sales CSV as text: completed, returned or cancelled (required)';
COMMENT ON COLUMN analytics.stg_sales.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON COLUMN analytics.stg_payments.transaction_id IS 'Column transaction_id of the payments CSV as text: the payment''s natural key (required)';
COMMENT ON COLUMN analytics.stg_payments.txn_ts IS 'Column txn_ts of the payments CSV as text: a timestamp in ISO 8601 (an offset, else UTC) (required)';
COMMENT ON COLUMN analytics.stg_payments.customer_id IS 'Column customer_id of the payments CSV as text: a customer in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_payments.channel_id IS 'Column channel_id of the payments CSV as text: a channel in the warehouse or this load (required)';
COMMENT ON COLUMN analytics.stg_payments.city IS 'Column city of the payments CSV as text';
COMMENT ON COLUMN analytics.stg_payments.amount IS 'Column amount of the payments CSV as text: a number > 0 with up to 2 decimals (required)';
COMMENT ON COLUMN analytics.stg_payments.status IS 'Column status of the payments CSV as text: success or failed (required)';
COMMENT ON COLUMN analytics.stg_payments.processing_time IS 'Column processing_time of the payments CSV as text: seconds, a number >= 0, or empty';
COMMENT ON COLUMN analytics.stg_payments.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON COLUMN analytics.stg_interactions.interaction_id IS 'Column interaction_id of the interactions CSV as text: the interaction''s natural key (required)';
COMMENT ON COLUMN analytics.stg_interactions.customer_id IS 'Column customer_id of the interactions CSV as text: a customer in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_interactions.channel_id IS 'Column channel_id of the interactions CSV as text: a channel in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_interactions.interaction_type IS 'Column interaction_type of the interactions CSV as text';
COMMENT ON COLUMN analytics.stg_interactions.interaction_ts IS 'Column interaction_ts of the interactions CSV as text: a timestamp in ISO 8601 (an offset, else UTC) (required)';
COMMENT ON COLUMN analytics.stg_interactions.duration IS 'Column duration of the interactions CSV as text: seconds, a number >= 0, or empty';
COMMENT ON COLUMN analytics.stg_interactions.status IS 'Column status of the interactions CSV as text: resolved, unresolved or abandoned (required)';
COMMENT ON COLUMN analytics.stg_interactions.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON COLUMN analytics.dim_date.date_key IS 'Surrogate key YYYYMMDD of full_date (20250301 for 2025-03-01)';
COMMENT ON COLUMN analytics.dim_date.full_date IS 'The calendar day; facts fall on the UTC day of their timestamp';
COMMENT ON COLUMN analytics.dim_date.day IS 'Day of the month, 1-31';
COMMENT ON COLUMN analytics.dim_date.month IS 'Month, 1-12';
COMMENT ON COLUMN analytics.dim_date.month_name IS 'English month name (January .. December)';
COMMENT ON COLUMN analytics.dim_date.quarter IS 'Quarter, 1-4';
COMMENT ON COLUMN analytics.dim_date.year IS 'Calendar year';
COMMENT ON COLUMN analytics.dim_date.iso_year IS 'ISO 8601 week-numbering year (differs from year in the days around January 1 that belong to a week of the other year)';
COMMENT ON COLUMN analytics.dim_date.iso_week IS 'ISO 8601 week of iso_year, 1-53 (weeks start on Monday; week 1 holds the year''s first Thursday)';
COMMENT ON COLUMN analytics.dim_date.day_of_week IS 'ISO day of the week: Monday 1 .. Sunday 7';
COMMENT ON COLUMN analytics.dim_date.day_name IS 'English name of the day of the week (Monday .. Sunday)';
COMMENT ON COLUMN analytics.dim_date.is_weekend IS 'true on Saturday and Sunday';
COMMENT ON COLUMN analytics.dim_date.is_month_end IS 'true on the last day of the month';
COMMENT ON COLUMN analytics.dim_customer.customer_key IS 'Surrogate key of this customer version';
COMMENT ON COLUMN analytics.dim_customer.customer_id IS 'Source customer id (natural key, shared by all versions of the customer)';
COMMENT ON COLUMN analytics.dim_customer.full_name IS 'first_name and last_name of the source, joined by a space; NULL when both are empty (changed in place)';
COMMENT ON COLUMN analytics.dim_customer.email IS 'Email address (changed in place); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_customer.phone IS 'Phone number (changed in place); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_customer.city IS 'City of this version (a change makes a new version); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_customer.state IS 'State of this version (a change makes a new version); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_customer.region IS 'Region of this version (a change makes a new version); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_customer.country IS 'Country of this version (a change makes a new version); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_customer.segment IS 'Customer segment of this version (a change makes a new version); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_customer.valid_from IS 'Start of the version''s validity (inclusive): the source updated_at of the row that made it';
COMMENT ON COLUMN analytics.dim_customer.valid_to IS 'End of the version''s validity (exclusive): the next version''s valid_from, infinity for the current version';
COMMENT ON COLUMN analytics.dim_customer.is_current IS 'true for the current version (valid_to = infinity), exactly one per customer_id';
COMMENT ON COLUMN analytics.dim_customer.updated_at IS 'The newest source updated_at applied to the customer';
COMMENT ON COLUMN analytics.customer_source_rows.customer_id IS 'Source customer id';
COMMENT ON COLUMN analytics.customer_source_rows.updated_at IS 'Source updated_at of the row: the time from which its values hold';
COMMENT ON COLUMN analytics.customer_source_rows.full_name IS 'first_name and last_name of the row, joined by a space; NULL when both are empty';
COMMENT ON COLUMN analytics.customer_source_rows.email IS 'Email address of the row; NULL when empty';
COMMENT ON COLUMN analytics.customer_source_rows.phone IS 'Phone number of the row; NULL when empty';
COMMENT ON COLUMN analytics.customer_source_rows.city IS 'City of the row; NULL when empty';
COMMENT ON COLUMN analytics.customer_source_rows.state IS 'State of the row; NULL when empty';
COMMENT ON COLUMN analytics.customer_source_rows.region IS 'Region of the row; NULL when empty';
COMMENT ON COLUMN analytics.customer_source_rows.country IS 'Country of the row; NULL when empty';
COMMENT ON COLUMN analytics.customer_source_rows.segment IS 'Customer segment of the row; NULL when empty';
COMMENT ON COLUMN analytics.customer_source_rows.run_id IS 'The load run (analytics.load_runs.run_id) that last wrote the row';
COMMENT ON COLUMN analytics.dim_product.product_key IS 'Surrogate key of the product';
COMMENT ON COLUMN analytics.dim_product.product_id IS 'Source product id (natural key)';
COMMENT ON COLUMN analytics.dim_product.product_name IS 'Product name; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.category IS 'Product category; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.subcategory IS 'Product subcategory; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.unit_cost IS 'Cost of one unit, >= 0; currency of the data, 2 decimals; fact_sales.cost_amount takes it at load time';
COMMENT ON COLUMN analytics.dim_product.unit_price IS 'List price of one unit, >= 0; currency of the data, 2 decimals (a sale carries its own unit_price)';
COMMENT ON COLUMN analytics.dim_product.supplier_id IS 'Source supplier id; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.active IS 'Whether the product is active; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.store_key IS 'Surrogate key of the store';
COMMENT ON COLUMN analytics.dim_store.store_id IS 'Source store id (natural key)';
COMMENT ON COLUMN analytics.dim_store.store_name IS 'Store name; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.city IS 'City of the store; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.state IS 'State of the store; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.region IS 'Region of the store; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.country IS 'Country of the store; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.manager IS 'Store manager; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.open_date IS 'Opening day (the UTC day of the source open_date); NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_store.active IS 'Whether the store is active; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_channel.channel_key IS 'Surrogate key of the channel';
COMMENT ON COLUMN analytics.dim_channel.channel_id IS 'Source channel id (natural key)';
COMMENT ON COLUMN analytics.dim_channel.channel_name IS 'Channel name; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_channel.channel_type IS 'Channel type; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_channel.fee_percent IS 'Fee the channel charges on successful payments, in percent (0-100), 2 decimals';
COMMENT ON COLUMN analytics.dim_channel.active IS 'Whether the channel is active; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_payment.payment_key IS 'Surrogate key of the payment method';
COMMENT ON COLUMN analytics.dim_payment.payment_method IS 'Payment method as named in the sales CSV (natural key)';
COMMENT ON COLUMN analytics.dim_city.city_key IS 'Surrogate key of the city';
COMMENT ON COLUMN analytics.dim_city.city IS 'City name (natural key), as customers, stores and payments carry it';
COMMENT ON COLUMN analytics.dim_city.state IS 'State of the city: of the newest customer version in it, else of a store in it; NULL when unknown';
COMMENT ON COLUMN analytics.dim_city.region IS 'Region of the city, taken like state; NULL when unknown';
COMMENT ON COLUMN analytics.dim_city.country IS 'Country of the city, taken like state; NULL when unknown';
COMMENT ON COLUMN analytics.fact_sales.sale_id IS 'Source sale id: one order line (natural key)';
COMMENT ON COLUMN analytics.fact_sales.order_id IS 'Source order id; an order has one or more lines';
COMMENT ON COLUMN analytics.fact_sales.date_key IS 'dim_date.date_key of the UTC day of sale_ts';
COMMENT ON COLUMN analytics.fact_sales.sale_ts IS 'When the sale happened';
COMMENT ON COLUMN analytics.fact_sales.customer_key IS 'The customer version (dim_customer) valid at sale_ts (the first version for a sale before all versions)';
COMMENT ON COLUMN analytics.fact_sales.product_key IS 'The product (dim_product)';
COMMENT ON COLUMN analytics.fact_sales.store_key IS 'The store (dim_store); NULL for a line without a store (online)';
COMMENT ON COLUMN analytics.fact_sales.channel_key IS 'The sales channel (dim_channel); NULL for a line without a channel';
COMMENT ON COLUMN analytics.fact_sales.payment_key IS 'The payment method (dim_payment); NULL for a line without one';
COMMENT ON COLUMN analytics.fact_sales.quantity IS 'Units sold, > 0';
COMMENT ON COLUMN analytics.fact_sales.unit_price IS 'Price of one unit on this line, >= 0; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.fact_sales.discount IS 'Discount on the whole line, 0 up to quantity x unit_price; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.fact_sales.total_amount IS 'quantity x unit_price - discount; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.fact_sales.cost_amount IS 'quantity x the product''s unit_cost at load time; currency of the data, 2 decimals; NULL when the product has no unit cost';
COMMENT ON COLUMN analytics.fact_sales.status IS 'completed, returned or cancelled; only completed lines count as sales';
COMMENT ON COLUMN analytics.fact_payments.transaction_id IS 'Source transaction id (natural key)';
COMMENT ON COLUMN analytics.fact_payments.date_key IS 'dim_date.date_key of the UTC day of txn_ts';
COMMENT ON COLUMN analytics.fact_payments.txn_ts IS 'When the payment happened';
COMMENT ON COLUMN analytics.fact_payments.customer_key IS 'The customer version (dim_customer) valid at txn_ts; NULL for a payment without customer';
COMMENT ON COLUMN analytics.fact_payments.channel_key IS 'The payment channel (dim_channel)';
COMMENT ON COLUMN analytics.fact_payments.city_key IS 'The city the payment carries (dim_city); NULL without one';
COMMENT ON COLUMN analytics.fact_payments.amount IS 'Amount paid, > 0; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.fact_payments.status IS 'success or failed';
COMMENT ON COLUMN analytics.fact_payments.processing_time IS 'Processing time in seconds (>= 0, 3 decimals); NULL when not recorded';
COMMENT ON COLUMN analytics.fact_payments.processing_delay_bucket IS 'fast (processing_time < 2 s), medium (2-5 s, 5 included), slow (> 5 s); NULL when processing_time is';
COMMENT ON COLUMN analytics.fact_payments.fee_percent IS 'The channel''s fee_percent when the payment was loaded, in percent (0-100)';
COMMENT ON COLUMN analytics.fact_payments.revenue IS 'Fee revenue: round(amount x fee_percent / 100, 4) for a successful payment, 0 for a failed one; currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.fact_interactions.interaction_id IS 'Source interaction id (natural key)';
COMMENT ON COLUMN analytics.fact_interactions.date_key IS 'dim_date.date_key of the UTC day of interaction_ts';
COMMENT ON COLUMN analytics.fact_interactions.interaction_ts IS 'When the interaction happened';
COMMENT ON COLUMN analytics.fact_interactions.customer_key IS 'The customer version (dim_customer) valid at interaction_ts; NULL without customer';
COMMENT ON COLUMN analytics.fact_interactions.channel_key IS 'The channel (dim_channel); NULL without one';
COMMENT ON COLUMN analytics.fact_interactions.interaction_type IS 'Interaction type as in the source; NULL when empty';
COMMENT ON COLUMN analytics.fact_interactions.duration_seconds IS 'Duration in seconds (>= 0, 3 decimals), the source duration; NULL when not recorded';
COMMENT ON COLUMN analytics.fact_interactions.status IS 'resolved, unresolved or abandoned';
COMMENT ON COLUMN analytics.load_runs.run_id IS 'Identity of the run, in order of calls';
COMMENT ON COLUMN analytics.load_runs.started_at IS 'When the run started (clock time)';
COMMENT ON COLUMN analytics.load_runs.finished_at IS 'When the run finished or failed (clock time); NULL while it runs';
COMMENT ON COLUMN analytics.load_runs.status IS 'running, succeeded or failed';
COMMENT ON COLUMN analytics.load_runs.rows_in IS 'Staging rows read, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.inserted IS 'Warehouse rows inserted, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.updated IS 'Warehouse rows updated, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.unchanged IS 'Valid staging rows that changed nothing, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.duplicates IS 'Staging rows dropped because a later valid row repeats their natural key, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.rejected IS 'Staging rows refused (in analytics.load_rejects), all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.error IS 'For a failed run, the error message with its SQLSTATE and detail; NULL otherwise';
COMMENT ON COLUMN analytics.load_rejects.run_id IS 'The load run (analytics.load_runs.run_id) that refused the row';
COMMENT ON COLUMN analytics.load_rejects.entity IS 'The staging table''s entity: customers, products, stores, channels, sales, payments or interactions';
COMMENT ON COLUMN analytics.load_rejects.source_row IS 'The row''s source_row in its staging table (load order)';
COMMENT ON COLUMN analytics.load_rejects.payload IS 'The whole staging row as a JSON object';
COMMENT ON COLUMN analytics.load_rejects.reason IS 'Why the row was refused, for a person (for example: missing sale_id)';
COMMENT ON COLUMN analytics.retail_daily_totals.day IS 'UTC calendar day with a completed sale or a payment';
COMMENT ON COLUMN analytics.retail_daily_totals.sales_revenue IS 'Sum of total_amount of the day''s completed order lines, 0 when none; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.retail_daily_totals.payment_revenue IS 'Sum of fact_payments.revenue of the day''s payments, 0 when none; currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.retail_daily_totals.payments IS 'Payments that day';
COMMENT ON COLUMN analytics.retail_daily_totals.failed_payments IS 'Payments with status failed that day';
COMMENT ON COLUMN analytics.retail_daily_totals.processing_seconds IS 'Sum of processing_time of the day''s payments that have one, in seconds; 0 when none';
COMMENT ON COLUMN analytics.retail_daily_totals.timed_payments IS 'Payments of the day with a processing_time';
COMMENT ON COLUMN analytics.customer_first_purchase.customer_id IS 'Source customer id (all SCD2 versions together) with at least one completed order line';
COMMENT ON COLUMN analytics.customer_first_purchase.first_day IS 'UTC day of the customer''s first completed order line';
-- analytics.screen_time: binary send and receive (binary COPY, clients that
-- read binary results, binary logical replication).
CREATE FUNCTION analytics_internal.screen_time_recv(internal)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_time_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_time_recv(internal) IS 'Binary input of analytics.screen_time (binary COPY, clients reading binary results, binary logical replication): version word, screen count, then per screen its name, microseconds and views; every length and count checked';

CREATE FUNCTION analytics_internal.screen_time_send(analytics.screen_time)
RETURNS bytea
AS 'MODULE_PATHNAME', 'screen_time_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.screen_time_send(analytics.screen_time) IS 'Binary output of analytics.screen_time, screens in byte order of their names';

ALTER TYPE analytics.screen_time SET (SEND = analytics_internal.screen_time_send, RECEIVE = analytics_internal.screen_time_recv);
-- Issue 13 (aggregate correctness). The C changes need no SQL: funnel
-- timestamps must be finite; screen_seconds' final function sorts a copy
-- (the aggregates were and stay FINALFUNC_MODIFY = READ_ONLY, now spelled
-- out in src/screen_time.sql: the same catalog entry); rollup keeps large
-- states expanded; ols gives NULL t and p for 0 / 0 and clamps R^2.

-- funnel_report refuses counts that no funnel_dropoff could give.
CREATE OR REPLACE FUNCTION analytics.funnel_report(counts bigint[], step_names text[] DEFAULT NULL)
RETURNS TABLE (step int, step_name text, entities bigint, conversion_from_previous float8,
	dropoff_from_previous bigint, dropoff_pct float8, conversion_from_first float8)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n int := pg_catalog.cardinality(counts);
BEGIN
	-- Counts come from analytics.funnel_dropoff: entities reaching at least
	-- step k, so they never increase. Others would give conversions above 1
	-- and negative drop-offs: refused, as are NULL and negative counts.
	IF pg_catalog.array_ndims(counts) > 1 THEN
		RAISE EXCEPTION 'funnel_report counts must be a one-dimensional array'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF counts IS NULL OR pg_catalog.array_position(counts, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'funnel_report counts must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF step_names IS NOT NULL AND
		pg_catalog.cardinality(step_names) <> pg_catalog.cardinality(counts) THEN
		RAISE EXCEPTION 'funnel_report needs one step name per count'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = pg_catalog.format('There are %s counts and %s step names.',
					pg_catalog.cardinality(counts), pg_catalog.cardinality(step_names));
	END IF;
	IF n > 1024 THEN
		RAISE EXCEPTION 'too many funnel steps'
			USING ERRCODE = 'program_limit_exceeded',
				DETAIL = pg_catalog.format('There are %s counts; a funnel has 1 to 1024 steps.', n);
	END IF;
	FOR k IN 1 .. n LOOP
		IF counts[k] < 0 THEN
			RAISE EXCEPTION 'funnel_report count % is negative', counts[k]
				USING ERRCODE = 'invalid_parameter_value',
					DETAIL = pg_catalog.format('Step %s has %s entities.', k, counts[k]);
		END IF;
		IF k > 1 AND counts[k] > counts[k - 1] THEN
			RAISE EXCEPTION 'funnel_report counts must not increase from one step to the next'
				USING ERRCODE = 'invalid_parameter_value',
					DETAIL = pg_catalog.format('Step %s has %s entities, more than the %s of step %s.',
						k, counts[k], counts[k - 1], k - 1),
					HINT = 'The counts are those of analytics.funnel_dropoff: the entities that reached at least each step.';
		END IF;
	END LOOP;
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


-- funnel(): repeated steps and more than 1,024 steps refused up front; a
-- NOTICE for each step (or event) that does not occur in the range.
CREATE OR REPLACE FUNCTION analytics.funnel(steps text[], "window" interval, since timestamptz, until timestamptz,
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
	dup record;
	missing record;
BEGIN
	IF steps IS NULL OR nsteps < 1 OR pg_catalog.array_position(steps, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'steps must be a non-empty array without NULLs'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- the limit of funnel_level, checked before any row is read
	IF nsteps > 1024 THEN
		RAISE EXCEPTION 'too many funnel steps'
			USING ERRCODE = 'program_limit_exceeded',
				DETAIL = pg_catalog.format('There are %s steps; a funnel has 1 to 1024.', nsteps);
	END IF;
	-- Each event is matched to one step (its name's position in steps), so
	-- a repeated name could never reach its second position: refused.
	SELECT s.name, pg_catalog.array_agg(s.k ORDER BY s.k) AS positions INTO dup
	FROM pg_catalog.unnest(steps) WITH ORDINALITY AS s(name, k)
	GROUP BY s.name HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1
	ORDER BY pg_catalog.min(s.k) LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'funnel step "%" is repeated', dup.name
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = pg_catalog.format('Steps %s are all "%s"; each event is matched to one step, so the later ones could never be reached.',
					pg_catalog.array_to_string(dup.positions, ', '), dup.name),
				HINT = 'Give each step its own event name, or tell the occurrences apart by a property with event_name and step_property.';
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
	-- A name that never occurs in the range makes its step and every later
	-- one count 0: say which, rather than leave a silent 0 (a typo, or a
	-- name the app does not send).
	IF event_name IS NOT NULL AND NOT EXISTS (
		SELECT FROM analytics.events e
		WHERE e.event_name OPERATOR(pg_catalog.=) funnel.event_name
			AND e.occurred_at OPERATOR(pg_catalog.>=) since AND e.occurred_at OPERATOR(pg_catalog.<) until) THEN
		RAISE NOTICE 'event "%" does not occur in the range', event_name
			USING DETAIL = pg_catalog.format('No event named "%s" occurred from %s to %s (excluded): every step counts 0.',
				event_name, since, until);
	ELSE
		-- one index probe (event_name, occurred_at) a step; with event_name,
		-- a scan of that event's rows that stops at the first match
		FOR missing IN
			SELECT s.name, s.k FROM pg_catalog.unnest(steps) WITH ORDINALITY AS s(name, k)
			WHERE funnel.event_name IS NULL AND NOT EXISTS (
				SELECT FROM analytics.events e
				WHERE e.event_name OPERATOR(pg_catalog.=) s.name
					AND e.occurred_at OPERATOR(pg_catalog.>=) since AND e.occurred_at OPERATOR(pg_catalog.<) until)
			UNION ALL
			SELECT s.name, s.k FROM pg_catalog.unnest(steps) WITH ORDINALITY AS s(name, k)
			WHERE funnel.event_name IS NOT NULL AND NOT EXISTS (
				SELECT FROM analytics.events e
				WHERE e.event_name OPERATOR(pg_catalog.=) funnel.event_name
					AND e.occurred_at OPERATOR(pg_catalog.>=) since AND e.occurred_at OPERATOR(pg_catalog.<) until
					AND e.props OPERATOR(pg_catalog.->>) step_property OPERATOR(pg_catalog.=) s.name)
			ORDER BY 2
		LOOP
			IF funnel.event_name IS NULL THEN
				RAISE NOTICE 'funnel step % "%" does not occur in the range', missing.k, missing.name
					USING DETAIL = pg_catalog.format('No event named "%s" occurred from %s to %s (excluded): this step and every later one count 0.',
						missing.name, since, until);
			ELSE
				RAISE NOTICE 'funnel step % "%" does not occur in the range', missing.k, missing.name
					USING DETAIL = pg_catalog.format('No "%s" event with %s "%s" occurred from %s to %s (excluded): this step and every later one count 0.',
						funnel.event_name, step_property, missing.name, since, until);
			END IF;
		END LOOP;
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


-- event_anomalies reads the threshold through a C function, which loads the
-- library (and so defines the setting) in a session that has not loaded it.
CREATE FUNCTION analytics.anomaly_threshold()
RETURNS float8
AS 'MODULE_PATHNAME', 'analytics_anomaly_threshold_setting'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics.anomaly_threshold() IS 'The setting analytics.anomaly_threshold (loads the library, which defines it)';


COMMENT ON VIEW analytics.event_anomalies IS 'Events per event_name and UTC day (days without events count 0), with the z-score of each day against the 28 days before it and is_anomaly = |zscore| > analytics.anomaly_threshold; complete days only (the current UTC day is left out)';

COMMENT ON COLUMN analytics_internal._dq_day_bounds.date_key IS 'A date_key of analytics.dim_date (YYYYMMDD)';
COMMENT ON COLUMN analytics_internal._dq_day_bounds.day_start IS 'Start of the UTC day the key covers, inclusive; NULL for a date outside years 1-214747';
COMMENT ON COLUMN analytics_internal._dq_day_bounds.day_end IS 'End of the UTC day the key covers, exclusive; NULL for a date outside years 1-214747';
COMMENT ON COLUMN analytics_internal._dq_customer_coverage.customer_key IS 'A customer_key of analytics.dim_customer';
COMMENT ON COLUMN analytics_internal._dq_customer_coverage.covers_from IS 'Earliest time a fact may have to belong to this key, inclusive: -infinity for the customer''s first version';
COMMENT ON COLUMN analytics_internal._dq_customer_coverage.covers_to IS 'Time from which facts belong to a later version, exclusive (infinity for the current version)';
-- The event contract (issue 13): one definition in C, enforced by track,
-- track_batch and retry_rejected, its rules that do not depend on now also
-- by a CHECK constraint on analytics.events.
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


-- Events 0.1.0 stored against the contract (a time of -infinity, a
-- duration_ms no aggregate takes, an identifier no index entry holds) move
-- to analytics.rejected_events with the reason, whole: none is lost, and
-- the constraint can be added.
WITH moved AS (
	DELETE FROM analytics.events e
	WHERE analytics_internal._event_problem(e.occurred_at, e.received_at, e.event_name, e.session_id, e.device_id,
		e.user_id, e.screen, e.duration_ms) IS NOT NULL
	RETURNING e.*
)
INSERT INTO analytics.rejected_events (received_at, payload, reason)
SELECT CASE WHEN pg_catalog.isfinite(m.received_at) THEN m.received_at ELSE analytics_internal._now() END,
	pg_catalog.to_jsonb(m) OPERATOR(pg_catalog.-) 'received_at',
	'stored before 0.2.0, against the event contract: ' OPERATOR(pg_catalog.||)
		analytics_internal._event_problem(m.occurred_at, m.received_at, m.event_name, m.session_id, m.device_id,
			m.user_id, m.screen, m.duration_ms)
FROM moved m
ORDER BY m.received_at, m.event_id;

ALTER TABLE analytics.events ADD CONSTRAINT events_contract CHECK (analytics_internal._event_contract(occurred_at, received_at, event_name,
	session_id, device_id, user_id, screen, duration_ms));

-- A hash index holds a rejected user_id of any length.
DROP INDEX analytics.rejected_events_user_idx;
CREATE INDEX rejected_events_user_idx ON analytics.rejected_events USING hash ((payload OPERATOR(pg_catalog.->>) 'user_id'));

-- ensure_partitions: at most analytics.max_new_partitions a call; new
-- months copy the contract constraint (ATTACH requires it).
-- tests branch: ensure_partitions locks the parent (ONLY) before the default
-- partition, so that a concurrent track routes by the new partitions.
CREATE OR REPLACE FUNCTION analytics.ensure_partitions(ahead interval DEFAULT '3 months')
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


-- The warehouse loader refuses a key or name longer than an index entry
-- holds, as a reject with the reason.
CREATE FUNCTION analytics_internal._too_long(field text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'too_long'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._too_long(text, text) IS 'Internal: NULL when value (a key or name the warehouse indexes) fits an index entry, else the loader''s reason naming field';


-- tests branch: a load cancelled (statement_timeout, pg_cancel_backend) is
-- recorded as cancelled: the status, _record_failed_run's fourth argument,
-- load_warehouse's handler (and its staging lock inside the block).
ALTER TABLE analytics.load_runs DROP CONSTRAINT load_runs_status_check,
	ADD CONSTRAINT load_runs_status_check CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'succeeded', 'failed', 'cancelled']));
COMMENT ON TABLE analytics.load_runs IS 'One row per analytics.load_warehouse call: its status, counts and, for a failed or cancelled run, the error';
DROP FUNCTION analytics_internal._record_failed_run(bigint, timestamptz, text);
CREATE OR REPLACE FUNCTION analytics_internal._record_failed_run(run_id bigint, started_at timestamptz, error text, cancelled boolean DEFAULT false)
RETURNS boolean
AS 'MODULE_PATHNAME', 'record_failed_run'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics_internal._record_failed_run(bigint, timestamptz, text, boolean) IS 'Internal step of analytics.load_warehouse: records the run as failed (cancelled when the last argument is true) in analytics.load_runs, committed by a background worker whatever becomes of the caller''s transaction; false when no worker could';
REVOKE ALL ON FUNCTION analytics_internal._record_failed_run(bigint, timestamptz, text, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION analytics.load_warehouse()
RETURNS TABLE (entity text, rows_in int, inserted int, updated int, unchanged int, duplicates int, rejected int)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET default_tablespace = ''
SET temp_tablespaces = ''
AS $$
DECLARE
	run bigint;
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
	started timestamptz;
	recorded boolean;
BEGIN
	started := clock_timestamp();

	BEGIN
		-- One load at a time, and no rows added to staging while it runs (they
		-- would be emptied unread). Inside the block: a load cancelled while it
		-- waits here is recorded too.
		LOCK TABLE analytics.stg_customers, analytics.stg_products, analytics.stg_stores, analytics.stg_channels,
			analytics.stg_sales, analytics.stg_payments, analytics.stg_interactions IN SHARE ROW EXCLUSIVE MODE;
		-- The run's id once the lock is held: loads commit in the order of
		-- their ids, so a run the KPI refresh has seen has every earlier
		-- run's days behind it (its watermark is a run_id).
		run := nextval('analytics.load_runs_run_id_seq');
		INSERT INTO analytics.load_runs (run_id, started_at, status) VALUES (run, started, 'running');
		counts := counts || jsonb_build_object('products', analytics_internal._load_products(run));
		counts := counts || jsonb_build_object('stores', analytics_internal._load_stores(run));
		counts := counts || jsonb_build_object('channels', analytics_internal._load_channels(run));
		counts := counts || jsonb_build_object('customers', analytics_internal._load_customers(run));
		PERFORM analytics_internal._load_cities();
		PERFORM analytics_internal._load_versions();
		counts := counts || jsonb_build_object('sales', analytics_internal._load_sales(run));
		counts := counts || jsonb_build_object('payments', analytics_internal._load_payments(run));
		counts := counts || jsonb_build_object('interactions', analytics_internal._load_interactions(run));
		PERFORM analytics_internal._load_days(run);
		PERFORM analytics_internal._load_finish(run, counts);
	EXCEPTION WHEN OTHERS OR query_canceled THEN
		-- Everything since BEGIN is rolled back, locks included: warehouse and
		-- staging are as they were, and the run's row is gone. A background
		-- worker records the run as failed in a transaction of its own, then
		-- the error goes on to the caller, with its SQLSTATE. OTHERS leaves
		-- out query_canceled (statement_timeout, pg_cancel_backend): such a
		-- run is recorded as cancelled. (The cancellation has been taken: the
		-- worker is waited for, unless the call is cancelled again.)
		GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT, err_detail = PG_EXCEPTION_DETAIL,
			err_hint = PG_EXCEPTION_HINT, err_state = RETURNED_SQLSTATE, err_schema = SCHEMA_NAME,
			err_table = TABLE_NAME, err_column = COLUMN_NAME, err_constraint = CONSTRAINT_NAME,
			err_datatype = PG_DATATYPE_NAME;
		-- a run that failed or was cancelled before it held the lock
		run := coalesce(run, nextval('analytics.load_runs_run_id_seq'));
		recorded := analytics_internal._record_failed_run(run, started,
			format('%s (SQLSTATE %s)', err_message, err_state) || coalesce(': ' || nullif(err_detail, ''), ''),
			err_state = '57014');
		-- the error as it was (fields included), naming the run
		RAISE EXCEPTION USING ERRCODE = err_state,
			MESSAGE = format('load run %s %s, nothing was loaded: %s', run,
				CASE WHEN err_state = '57014' THEN 'was cancelled' ELSE 'failed' END, err_message),
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
REVOKE ALL ON FUNCTION analytics_internal._load_stage(bigint, text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_merge(text, regclass, text, text[], text[], boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_customers(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._dim_date_add(date[]) TO analytics_admin;

-- tests branch: demo data's default until is the UTC day before analytics_internal._now().
CREATE OR REPLACE FUNCTION analytics.demo_events(users int, days int, seed int, until date DEFAULT pg_catalog.timezone('UTC', analytics_internal._now())::date - 1)
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

CREATE OR REPLACE FUNCTION analytics.generate_demo_events(users int, days int, seed int, until date DEFAULT pg_catalog.timezone('UTC', analytics_internal._now())::date - 1)
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


-- load_runs: cancelled runs too
COMMENT ON COLUMN analytics.load_runs.finished_at IS 'When the run finished, failed or was cancelled (clock time); NULL while it runs';
COMMENT ON COLUMN analytics.load_runs.status IS 'running, succeeded, failed or cancelled';
COMMENT ON COLUMN analytics.load_runs.error IS 'For a failed or cancelled run, the error message with its SQLSTATE and detail; NULL otherwise';

-- Issue 13, point 5 (the house): magic numbers named, the long functions
-- in named steps, the loader no longer refreshing the KPI summaries.

-- Named constants: retry_rejected's batch size.
CREATE OR REPLACE FUNCTION analytics.retry_rejected()
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

-- _load_merge: the thresholds of the index rebuild named.
CREATE OR REPLACE FUNCTION analytics_internal._load_merge(source text, target regclass, natural_key text, columns text[],
	compared text[], bulk boolean DEFAULT false)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- a bulk load rebuilds the table's non-unique indexes when it adds at
	-- least rebuild_min_rows rows and more than rebuild_min_share of the rows
	-- the table had: below that, updating them row by row costs less than
	-- building them again from the whole table
	rebuild_min_rows CONSTANT bigint := 10000;
	rebuild_min_share CONSTANT real := 0.25;
	-- and its primary key and unique constraints too when it adds more than
	-- rebuild_unique_share times the rows the table had
	rebuild_unique_share CONSTANT real := 2;
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
		large := total >= rebuild_min_rows AND total > rebuild_min_share * had;
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
				AND (NOT i.indisunique OR (con.oid IS NOT NULL AND total > rebuild_unique_share * had))
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

-- The KPI views' ratio cap, one function instead of six literals.
CREATE FUNCTION analytics_internal._max_ratio()
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000000;
COMMENT ON FUNCTION analytics_internal._max_ratio() IS 'Internal to the KPI views: 10^7, the largest cost / revenue ratio a profit margin and the largest change / previous revenue ratio a growth percentage is computed for (beyond it the numeric(12, 2) percentage would not fit, and it is NULL)';
CREATE OR REPLACE VIEW analytics.product_performance AS
SELECT g.month, g.product_id, g.product_name, g.category, g.subcategory,
	g.units,
	g.revenue::numeric(16, 2) AS revenue,
	g.cost::numeric(16, 2) AS cost,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
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
CREATE OR REPLACE VIEW analytics.discount_analysis AS
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
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
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

-- The loader no longer refreshes the KPI summaries: it records the days
-- each run changed, and refresh_retail_summaries() (no arguments) refreshes
-- those of the runs since its last call; a run's id is drawn once it holds
-- the staging lock.
CREATE TABLE analytics.load_run_days (
	run_id bigint NOT NULL REFERENCES analytics.load_runs,
	day date NOT NULL,
	PRIMARY KEY (run_id, day)
);
COMMENT ON TABLE analytics.load_run_days IS 'The UTC days whose sales or payments each successful analytics.load_warehouse run loaded (new, corrected or unchanged lines) or moved a corrected one from: the days analytics.refresh_retail_summaries() refreshes after the run';
COMMENT ON COLUMN analytics.load_run_days.run_id IS 'The load run (analytics.load_runs.run_id)';
COMMENT ON COLUMN analytics.load_run_days.day IS 'A UTC day with a sale or payment of the run, or the day a corrected one was on before';
SELECT pg_catalog.pg_extension_config_dump('analytics.load_run_days', '');
GRANT SELECT ON analytics.load_runs, analytics.load_rejects, analytics.load_run_days, analytics.customer_source_rows TO analytics_admin;
COMMENT ON COLUMN analytics.load_runs.run_id IS 'Identity of the run, drawn once the run holds the staging lock (so successful runs commit in run_id order), or when it fails or is cancelled before';
CREATE TABLE analytics_internal.retail_summaries_watermark (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	last_run_id bigint NOT NULL,
	refreshed_at timestamptz
);
COMMENT ON TABLE analytics_internal.retail_summaries_watermark IS 'One row: the last load run (analytics.load_runs.run_id) whose days (analytics.load_run_days) analytics.refresh_retail_summaries() has refreshed, and when; no row before the first such refresh';
COMMENT ON COLUMN analytics_internal.retail_summaries_watermark.singleton IS 'Always true: the table holds one row';
COMMENT ON COLUMN analytics_internal.retail_summaries_watermark.last_run_id IS 'The summaries hold the days of every load run up to this run_id';
COMMENT ON COLUMN analytics_internal.retail_summaries_watermark.refreshed_at IS 'When a refresh last moved last_run_id (clock time, at the end of its work); NULL before any did';
SELECT pg_catalog.pg_extension_config_dump('analytics_internal.retail_summaries_watermark', '');
GRANT SELECT, INSERT, UPDATE ON analytics_internal.retail_summaries_watermark TO analytics_admin;
CREATE OR REPLACE FUNCTION analytics.refresh_retail_summaries(from_date date, to_date date)
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
	PERFORM analytics_internal._require_day_range('refresh_retail_summaries', from_date, to_date);
	LOCK TABLE analytics.customer_first_purchase IN SHARE ROW EXCLUSIVE MODE;

	-- wait for a refresh of them in another session rather than skip it
	-- (taken in the same order everywhere; the refresh takes its lock again,
	-- which this session then holds already)
	PERFORM pg_catalog.pg_advisory_xact_lock(1634627937, pg_catalog.hashtext(m.name))
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);
	-- the daily tables: every day of the range recomputed
	PERFORM analytics.refresh_materialized_aggregate(m.name,
		pg_catalog.timezone('UTC', GREATEST(from_date, '0001-01-01')::timestamp),
		pg_catalog.timezone('UTC', (LEAST(to_date, '9999-12-30') + 1)::timestamp))
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);

	-- First purchases change for the customers with a completed line in the
	-- range (unless an earlier first purchase stands) and for those whose
	-- first purchase lies in it: their first day is the earliest of their
	-- completed lines, found in the range by the same pass (inside) and out
	-- of it by another (outside), which the date index answers at once when
	-- the range holds all the data. The range is taken on date_key
	-- (YYYYMMDD, in the order of days), lines are grouped by customer_key
	-- before meeting dim_customer, and the summary rows are inserted plainly
	-- (the lock keeps other writers out): one pass over the range's lines
	-- instead of two, each joining every line to its customer and grouping
	-- by customer_id, and no speculative insert per customer.
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
COMMENT ON FUNCTION analytics.refresh_retail_summaries(date, date) IS 'Recomputes the daily summaries (sales_days, payment_days, metrics_products, read by analytics.retail_daily_totals) and analytics.customer_first_purchase for the UTC days from from_date to to_date (inclusive) from the facts; call it after changing the facts of those days by hand (''-infinity'', ''infinity'' rebuilds all)';
CREATE FUNCTION analytics.refresh_retail_summaries()
RETURNS TABLE (from_date date, to_date date)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	done bigint;
	newest bigint;
	r record;
BEGIN
	INSERT INTO analytics_internal.retail_summaries_watermark (singleton, last_run_id, refreshed_at)
	VALUES (true, 0, NULL)
	ON CONFLICT (singleton) DO NOTHING;
	SELECT w.last_run_id INTO done FROM analytics_internal.retail_summaries_watermark w FOR UPDATE;
	SELECT max(d.run_id) INTO newest FROM analytics.load_run_days d WHERE d.run_id > done;
	FOR r IN
		SELECT min(x.day) AS lo, max(x.day) AS hi
		FROM (SELECT k.day, k.day - (row_number() OVER (ORDER BY k.day))::int AS island
			FROM (SELECT DISTINCT d.day FROM analytics.load_run_days d
				WHERE d.run_id > done AND d.run_id <= newest) k) x
		GROUP BY x.island
		ORDER BY 1
	LOOP
		PERFORM analytics.refresh_retail_summaries(r.lo, r.hi);
		from_date := r.lo;
		to_date := r.hi;
		RETURN NEXT;
	END LOOP;
	IF newest IS NOT NULL THEN
		UPDATE analytics_internal.retail_summaries_watermark w SET last_run_id = newest, refreshed_at = clock_timestamp();
	END IF;
	-- wait for a refresh of them in another session rather than skip it
	-- (taken in the same order everywhere; the refresh takes its lock again,
	-- which this session then holds already)
	PERFORM pg_catalog.pg_advisory_xact_lock(1634627937, pg_catalog.hashtext(m.name))
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);
	-- facts changed outside the loads: the daily tables' change logs hold
	-- their days
	PERFORM analytics.refresh_materialized_aggregate(m.name)
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);
END
$$;
COMMENT ON FUNCTION analytics.refresh_retail_summaries() IS 'Refreshes the daily summaries (sales_days, payment_days, metrics_products: every changed day) and analytics.customer_first_purchase for the days the loads changed since its last call (analytics.load_run_days after analytics_internal.retail_summaries_watermark), as runs of consecutive days; returns the load ranges refreshed, none when no load came since';
REVOKE ALL ON FUNCTION analytics.refresh_retail_summaries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.refresh_retail_summaries() TO analytics_admin;
CREATE FUNCTION analytics.schedule_kpi_refresh(schedule text DEFAULT '*/5 * * * *')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM analytics_internal._require_pg_cron();
	-- The registry's job "refresh_retail_summaries": scheduling again
	-- changes its schedule instead of adding another.
	RETURN analytics_internal._job_register('refresh_retail_summaries', 'refresh', schedule,
		'SELECT pg_catalog.count(*) FROM analytics.refresh_retail_summaries()');
END
$$;
COMMENT ON FUNCTION analytics.schedule_kpi_refresh(text) IS 'Schedules analytics.refresh_retail_summaries() with pg_cron as the job "analytics_refresh_retail_summaries" (default every 5 minutes)';
REVOKE ALL ON FUNCTION analytics.schedule_kpi_refresh(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.schedule_kpi_refresh(text) TO analytics_admin;

-- load_warehouse in named steps (one function per entity, the customers'
-- SCD type 2 rebuild in four, the parsing of each fact table apart).
CREATE FUNCTION analytics_internal._iso8601_example()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ' (ISO 8601, for example 2025-03-01 or 2025-03-01 14:30:00)';
COMMENT ON FUNCTION analytics_internal._iso8601_example() IS 'Internal to analytics.load_warehouse: the ISO 8601 example that ends a reason about a date or timestamp that does not parse';
CREATE FUNCTION analytics_internal._load_products(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st bigint[];
	mg bigint[];
BEGIN
	CREATE TEMP TABLE load_products ON COMMIT DROP AS
	SELECT x.*, CASE
			WHEN x.product_id IS NULL THEN 'missing product_id'
			WHEN analytics_internal._too_long('product_id', x.product_id) IS NOT NULL THEN analytics_internal._too_long('product_id', x.product_id)
			WHEN x.unit_cost IS NULL THEN CASE WHEN analytics_internal._trim_or_null(s.unit_cost) IS NULL THEN 'missing unit_cost'
				ELSE format('unit_cost %L is not a number up to 9999999999.99', s.unit_cost) END
			WHEN x.unit_price IS NULL THEN CASE WHEN analytics_internal._trim_or_null(s.unit_price) IS NULL THEN 'missing unit_price'
				ELSE format('unit_price %L is not a number up to 9999999999.99', s.unit_price) END
			WHEN x.unit_cost < 0 THEN format('unit_cost %s is negative', x.unit_cost)
			WHEN x.unit_price < 0 THEN format('unit_price %s is negative', x.unit_price)
			WHEN x.active IS NULL AND analytics_internal._trim_or_null(s.active) IS NOT NULL THEN format('active %L is not a boolean', s.active)
		END AS reason
	FROM analytics.stg_products s,
		LATERAL (SELECT s.source_row, analytics_internal._trim_or_null(s.product_id) AS product_id,
			analytics_internal._trim_or_null(s.product_name) AS product_name, analytics_internal._trim_or_null(s.category) AS category,
			analytics_internal._trim_or_null(s.subcategory) AS subcategory, analytics.try_numeric(s.unit_cost, 12, 2) AS unit_cost,
			analytics.try_numeric(s.unit_price, 12, 2) AS unit_price, analytics_internal._trim_or_null(s.supplier_id) AS supplier_id,
			analytics.try_bool(s.active) AS active) x
	ORDER BY s.source_row;
	st := analytics_internal._load_stage(run_id, 'products', '{product_id}');
	mg := analytics_internal._load_merge('pg_temp.load_products', 'analytics.dim_product', 'product_id',
		'{product_name,category,subcategory,unit_cost,unit_price,supplier_id,active}',
		'{product_name,category,subcategory,unit_cost,unit_price,supplier_id,active}');
	DROP TABLE pg_temp.load_products;
	RETURN st || mg;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_products(bigint) IS 'Internal step of analytics.load_warehouse: parses and checks the staged products into pg_temp.load_products, files the rejects, applies the rest to analytics.dim_product (type 1); returns {rows_in, rejected, duplicates, inserted, updated, unchanged}';
CREATE FUNCTION analytics_internal._load_stores(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st bigint[];
	mg bigint[];
BEGIN
	CREATE TEMP TABLE load_stores ON COMMIT DROP AS
	SELECT x.*, CASE
			WHEN x.store_id IS NULL THEN 'missing store_id'
			WHEN analytics_internal._too_long('store_id', x.store_id) IS NOT NULL THEN analytics_internal._too_long('store_id', x.store_id)
			WHEN analytics_internal._too_long('city', x.city) IS NOT NULL THEN analytics_internal._too_long('city', x.city)
			WHEN x.open_date IS NULL AND analytics_internal._trim_or_null(s.open_date) IS NOT NULL
				THEN format('open_date %L is not a date', s.open_date) || analytics_internal._iso8601_example()
			WHEN x.active IS NULL AND analytics_internal._trim_or_null(s.active) IS NOT NULL THEN format('active %L is not a boolean', s.active)
		END AS reason
	FROM analytics.stg_stores s,
		LATERAL (SELECT s.source_row, analytics_internal._trim_or_null(s.store_id) AS store_id,
			analytics_internal._trim_or_null(s.store_name) AS store_name, analytics_internal._trim_or_null(s.city) AS city,
			analytics_internal._trim_or_null(s.state) AS state, analytics_internal._trim_or_null(s.region) AS region,
			analytics_internal._trim_or_null(s.country) AS country, analytics_internal._trim_or_null(s.manager) AS manager,
			(analytics.try_timestamptz(s.open_date) AT TIME ZONE 'UTC')::date AS open_date,
			analytics.try_bool(s.active) AS active) x
	ORDER BY s.source_row;
	st := analytics_internal._load_stage(run_id, 'stores', '{store_id}');
	mg := analytics_internal._load_merge('pg_temp.load_stores', 'analytics.dim_store', 'store_id',
		'{store_name,city,state,region,country,manager,open_date,active}',
		'{store_name,city,state,region,country,manager,open_date,active}');
	DROP TABLE pg_temp.load_stores;
	RETURN st || mg;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_stores(bigint) IS 'Internal step of analytics.load_warehouse: parses and checks the staged stores into pg_temp.load_stores, files the rejects, applies the rest to analytics.dim_store (type 1); returns {rows_in, rejected, duplicates, inserted, updated, unchanged}';
CREATE FUNCTION analytics_internal._load_channels(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st bigint[];
	mg bigint[];
BEGIN
	CREATE TEMP TABLE load_channels ON COMMIT DROP AS
	SELECT x.*, CASE
			WHEN x.channel_id IS NULL THEN 'missing channel_id'
			WHEN analytics_internal._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics_internal._too_long('channel_id', x.channel_id)
			WHEN x.fee_percent IS NULL AND analytics_internal._trim_or_null(s.fee_percent) IS NULL THEN 'missing fee_percent'
			WHEN x.fee_percent IS NULL OR x.fee_percent < 0 OR x.fee_percent > 100
				THEN format('fee_percent %L is not a number from 0 to 100', s.fee_percent)
			WHEN x.active IS NULL AND analytics_internal._trim_or_null(s.active) IS NOT NULL THEN format('active %L is not a boolean', s.active)
		END AS reason
	FROM analytics.stg_channels s,
		LATERAL (SELECT s.source_row, analytics_internal._trim_or_null(s.channel_id) AS channel_id,
			analytics_internal._trim_or_null(s.channel_name) AS channel_name, analytics_internal._trim_or_null(s.channel_type) AS channel_type,
			analytics.try_numeric(s.fee_percent, 5, 2) AS fee_percent, analytics.try_bool(s.active) AS active) x
	ORDER BY s.source_row;
	st := analytics_internal._load_stage(run_id, 'channels', '{channel_id}');
	mg := analytics_internal._load_merge('pg_temp.load_channels', 'analytics.dim_channel', 'channel_id',
		'{channel_name,channel_type,fee_percent,active}', '{channel_name,channel_type,fee_percent,active}');
	DROP TABLE pg_temp.load_channels;
	RETURN st || mg;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_channels(bigint) IS 'Internal step of analytics.load_warehouse: parses and checks the staged channels into pg_temp.load_channels, files the rejects, applies the rest to analytics.dim_channel (type 1); returns {rows_in, rejected, duplicates, inserted, updated, unchanged}';
CREATE FUNCTION analytics_internal._load_customer_rows(run_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	total bigint;
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
		d.segment, _load_customer_rows.run_id
	FROM analytics.dim_customer d
	WHERE d.customer_id IN (SELECT r.customer_id FROM pg_temp.load_customer_rows r)
		AND NOT EXISTS (SELECT FROM analytics.customer_source_rows s
			WHERE s.customer_id = d.customer_id AND s.updated_at = d.valid_from);

	INSERT INTO analytics.customer_source_rows AS s (customer_id, updated_at, full_name, email, phone, city, state,
		region, country, segment, run_id)
	SELECT t.customer_id, t.updated_at, t.full_name, t.email, t.phone, t.city, t.state, t.region, t.country,
		t.segment, _load_customer_rows.run_id
	FROM pg_temp.load_customers t
	ON CONFLICT (customer_id, updated_at) DO UPDATE SET full_name = excluded.full_name, email = excluded.email,
		phone = excluded.phone, city = excluded.city, state = excluded.state, region = excluded.region,
		country = excluded.country, segment = excluded.segment, run_id = excluded.run_id;
	RETURN total;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_customer_rows(bigint) IS 'Internal step of analytics.load_warehouse (customers): keeps the valid rows of pg_temp.load_customers that change something in analytics.customer_source_rows, listing them in pg_temp.load_customer_rows; returns how many valid rows there were';
CREATE FUNCTION analytics_internal._load_customer_history()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
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
END
$$;
COMMENT ON FUNCTION analytics_internal._load_customer_history() IS 'Internal step of analytics.load_warehouse (customers): every stored row of the customers in pg_temp.load_customer_rows in time order (pg_temp.load_customer_history) and the SCD type 2 versions rebuilt from them, each with the old version whose key it keeps (pg_temp.load_customer_versions)';
CREATE FUNCTION analytics_internal._load_customer_counts()
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	inserted bigint;
	updated bigint;
BEGIN
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
	RETURN ARRAY[inserted, updated];
END
$$;
COMMENT ON FUNCTION analytics_internal._load_customer_counts() IS 'Internal step of analytics.load_warehouse (customers): of the rows in pg_temp.load_customer_rows, {inserted, updated} (the rest are unchanged), counted against the dimension as it is before the rebuild';
CREATE FUNCTION analytics_internal._load_customer_replace()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	fact text;
	role text := current_setting('session_replication_role');
BEGIN
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
		SELECT cv.* FROM analytics_internal._customer_validity cv
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
END
$$;
COMMENT ON FUNCTION analytics_internal._load_customer_replace() IS 'Internal step of analytics.load_warehouse (customers): applies pg_temp.load_customer_versions to analytics.dim_customer (in place, or replacing the old versions of the customer) and moves the facts of replaced versions to the version valid at their time';
CREATE FUNCTION analytics_internal._load_cities()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO analytics.dim_city AS c (city, state, region, country)
	SELECT DISTINCT ON (city) city, state, region, country
	FROM (SELECT d.city, d.state, d.region, d.country, 1 AS pref, d.valid_from AS at
			FROM analytics.dim_customer d WHERE d.city IS NOT NULL
		UNION ALL
		SELECT st.city, st.state, st.region, st.country, 0, '-infinity' FROM analytics.dim_store st WHERE st.city IS NOT NULL) x
	ORDER BY city, pref DESC, at DESC
	ON CONFLICT (city) DO UPDATE SET state = excluded.state, region = excluded.region, country = excluded.country
	WHERE (c.state, c.region, c.country) IS DISTINCT FROM (excluded.state, excluded.region, excluded.country);
END
$$;
COMMENT ON FUNCTION analytics_internal._load_cities() IS 'Internal step of analytics.load_warehouse: adds the cities of customers and stores to analytics.dim_city, or updates their state, region and country (of the newest customer version there, else of a store)';
CREATE FUNCTION analytics_internal._load_versions()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	CREATE TEMP TABLE load_versions ON COMMIT DROP AS SELECT * FROM analytics_internal._customer_validity;
	ANALYZE pg_temp.load_versions;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_versions() IS 'Internal step of analytics.load_warehouse: copies analytics_internal._customer_validity into pg_temp.load_versions (analyzed), which the fact steps key the facts by';
CREATE FUNCTION analytics_internal._load_parse_sales()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET parallel_tuple_cost = 0.01
AS $$
BEGIN
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
				AND (x.quantity < 100 OR x.quantity * x.unit_cost < 1e12)
				AND analytics_internal._too_long(NULL, x.sale_id) IS NULL AND analytics_internal._too_long(NULL, x.order_id) IS NULL
				AND analytics_internal._too_long(NULL, x.payment_method) IS NULL THEN NULL
			WHEN x.sale_id IS NULL THEN 'missing sale_id'
			WHEN x.order_id IS NULL THEN 'missing order_id'
			WHEN x.customer_id IS NULL THEN 'missing customer_id'
			WHEN x.product_id IS NULL THEN 'missing product_id'
			WHEN analytics_internal._too_long('sale_id', x.sale_id) IS NOT NULL THEN analytics_internal._too_long('sale_id', x.sale_id)
			WHEN analytics_internal._too_long('order_id', x.order_id) IS NOT NULL THEN analytics_internal._too_long('order_id', x.order_id)
			WHEN analytics_internal._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics_internal._too_long('customer_id', x.customer_id)
			WHEN analytics_internal._too_long('product_id', x.product_id) IS NOT NULL THEN analytics_internal._too_long('product_id', x.product_id)
			WHEN analytics_internal._too_long('store_id', x.store_id) IS NOT NULL THEN analytics_internal._too_long('store_id', x.store_id)
			WHEN analytics_internal._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics_internal._too_long('channel_id', x.channel_id)
			WHEN analytics_internal._too_long('payment_method', x.payment_method) IS NOT NULL THEN analytics_internal._too_long('payment_method', x.payment_method)
			WHEN analytics_internal._trim_or_null(x.raw_sale_ts) IS NULL THEN 'missing sale_ts'
			WHEN x.sale_ts IS NULL THEN format('sale_ts %L is not a date or timestamp', x.raw_sale_ts) || analytics_internal._iso8601_example()
			WHEN analytics_internal._trim_or_null(x.raw_quantity) IS NULL THEN 'missing quantity'
			WHEN x.quantity IS NULL THEN format('quantity %L is not a whole number', x.raw_quantity)
			WHEN x.quantity <= 0 THEN format('quantity %s is not above 0', x.quantity)
			WHEN analytics_internal._trim_or_null(x.raw_unit_price) IS NULL THEN 'missing unit_price'
			WHEN x.unit_price IS NULL THEN format('unit_price %L is not a number up to 9999999999.99', x.raw_unit_price)
			WHEN x.unit_price < 0 THEN format('unit_price %s is negative', x.unit_price)
			WHEN x.discount IS NULL THEN format('discount %L is not a number up to 9999999999.99', x.raw_discount)
			WHEN x.discount < 0 THEN format('discount %s is negative', x.discount)
			WHEN x.discount > x.gross
				THEN format('discount %s exceeds quantity x unit_price (%s)', x.discount, x.gross)
			WHEN x.gross >= 1e12
				THEN format('quantity x unit_price (%s) is too large: amounts go up to 999999999999.99', x.gross)
			WHEN analytics_internal._trim_or_null(x.raw_status) IS NULL THEN 'missing status'
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
		FROM (SELECT s.sale_ts AS raw_sale_ts, s.quantity AS raw_quantity, s.unit_price AS raw_unit_price, s.discount AS raw_discount, s.status AS raw_status, s.source_row, analytics_internal._trim_or_null(s.sale_id) AS sale_id, analytics_internal._trim_or_null(s.order_id) AS order_id,
			analytics.try_timestamptz(s.sale_ts) AS sale_ts, analytics_internal._trim_or_null(s.customer_id) AS customer_id,
			analytics_internal._trim_or_null(s.product_id) AS product_id, analytics_internal._trim_or_null(s.store_id) AS store_id,
			analytics_internal._trim_or_null(s.channel_id) AS channel_id, analytics_internal._trim_or_null(s.payment_method) AS payment_method,
			analytics.try_int(s.quantity) AS quantity, analytics.try_numeric(s.unit_price, 12, 2) AS unit_price,
			CASE WHEN analytics_internal._trim_or_null(s.discount) IS NULL THEN 0 ELSE analytics.try_numeric(s.discount, 12, 2) END AS discount,
			-- lower() only for a status not in shape already (few are)
			CASE WHEN s.status IN ('completed', 'returned', 'cancelled') THEN s.status
				ELSE lower(analytics_internal._trim_or_null(s.status)) END AS status,
			p.product_key, p.unit_cost, sto.store_key, ch.channel_key
			FROM analytics.stg_sales s
			LEFT JOIN analytics.dim_product p ON p.product_id = analytics_internal._trim_or_null(s.product_id)
			LEFT JOIN analytics.dim_store sto ON sto.store_id = analytics_internal._trim_or_null(s.store_id)
			LEFT JOIN analytics.dim_channel ch ON ch.channel_id = analytics_internal._trim_or_null(s.channel_id)
			OFFSET 0) y
		OFFSET 0) x
	LEFT JOIN pg_temp.load_versions v ON v.customer_id = x.customer_id AND x.sale_ts >= v.lo AND x.sale_ts < v.hi;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_parse_sales() IS 'Internal step of analytics.load_warehouse: parses and checks the staged sales into pg_temp.load_sales (in parallel workers), each with its keys and amounts, or the reason it is rejected';
CREATE FUNCTION analytics_internal._load_sales(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st bigint[];
	mg bigint[];
	methods text[];
	days date[];
BEGIN
	PERFORM analytics_internal._load_parse_sales();
	st := analytics_internal._load_stage(run_id, 'sales', '{sale_id}');
	-- payment methods and days in one pass (date_key is the UTC day of
	-- sale_ts), grouped by both at once: one hash lookup per line instead
	-- of one per grouping set
	SELECT array_agg(DISTINCT k.payment_method) FILTER (WHERE k.payment_method IS NOT NULL),
		array_agg(DISTINCT make_date(k.date_key / 10000, k.date_key / 100 % 100, k.date_key % 100))
			FILTER (WHERE k.date_key IS NOT NULL)
	INTO methods, days
	FROM (SELECT l.payment_method, l.date_key FROM pg_temp.load_sales l
		GROUP BY l.payment_method, l.date_key) k;
	INSERT INTO analytics.dim_payment (payment_method)
	SELECT m FROM unnest(methods) AS u(m)
	ON CONFLICT (payment_method) DO NOTHING;
	PERFORM analytics_internal._dim_date_add(days);
	-- the days whose sales change (recorded for the KPI refresh by
	-- _load_days): the new days and, for corrected sales, the old ones
	CREATE TEMP TABLE load_days ON COMMIT DROP AS
	SELECT f.date_key FROM analytics.fact_sales f JOIN pg_temp.load_sales l ON l.sale_id = f.sale_id
	WHERE f.date_key <> l.date_key;
	INSERT INTO pg_temp.load_days SELECT to_char(d, 'YYYYMMDD')::int FROM unnest(days) AS u(d);
	mg := analytics_internal._load_merge('(SELECT l.*, d.payment_key FROM pg_temp.load_sales l
		LEFT JOIN analytics.dim_payment d ON d.payment_method = l.payment_method)', 'analytics.fact_sales', 'sale_id',
		'{order_id,date_key,sale_ts,customer_key,product_key,store_key,channel_key,payment_key,quantity,unit_price,discount,total_amount,cost_amount,status}',
		'{order_id,date_key,sale_ts,customer_key,product_key,store_key,channel_key,payment_key,quantity,unit_price,discount,total_amount,status}',
		true);
	DROP TABLE pg_temp.load_sales;
	RETURN st || mg;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_sales(bigint) IS 'Internal step of analytics.load_warehouse: parses the staged sales, files the rejects, adds payment methods and days to their dimensions, notes the days whose sales change in pg_temp.load_days and applies the lines to analytics.fact_sales; returns {rows_in, rejected, duplicates, inserted, updated, unchanged}';
CREATE FUNCTION analytics_internal._load_parse_payments()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET parallel_tuple_cost = 0.01
AS $$
BEGIN
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
			WHEN analytics_internal._too_long('transaction_id', x.transaction_id) IS NOT NULL THEN analytics_internal._too_long('transaction_id', x.transaction_id)
			WHEN analytics_internal._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics_internal._too_long('customer_id', x.customer_id)
			WHEN analytics_internal._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics_internal._too_long('channel_id', x.channel_id)
			WHEN analytics_internal._too_long('city', x.city) IS NOT NULL THEN analytics_internal._too_long('city', x.city)
			WHEN analytics_internal._trim_or_null(x.raw_txn_ts) IS NULL THEN 'missing txn_ts'
			WHEN x.txn_ts IS NULL THEN format('txn_ts %L is not a date or timestamp', x.raw_txn_ts) || analytics_internal._iso8601_example()
			WHEN analytics_internal._trim_or_null(x.raw_amount) IS NULL THEN 'missing amount'
			WHEN x.amount IS NULL THEN format('amount %L is not a number up to 999999999999.99', x.raw_amount)
			WHEN x.amount <= 0 THEN format('amount %s is not above 0', x.amount)
			WHEN analytics_internal._trim_or_null(x.raw_status) IS NULL THEN 'missing status'
			WHEN x.status NOT IN ('success', 'failed') THEN format('status %L is not one of success, failed', x.raw_status)
			WHEN x.processing_time IS NULL AND analytics_internal._trim_or_null(x.raw_processing_time) IS NOT NULL
				THEN format('processing_time %L is not a number of seconds up to 9999999.999', x.raw_processing_time)
			WHEN x.processing_time < 0 THEN format('processing_time %s is negative', x.processing_time)
			WHEN x.customer_id IS NOT NULL AND v.customer_key IS NULL
				THEN format('unknown customer_id %L: not in the warehouse nor among the valid rows of this load', x.customer_id)
			WHEN ch.channel_key IS NULL THEN format('unknown channel_id %L: not in the warehouse nor among the valid rows of this load', x.channel_id)
		END AS reason
	FROM (SELECT s.txn_ts AS raw_txn_ts, s.amount AS raw_amount, s.status AS raw_status, s.processing_time AS raw_processing_time, s.source_row, analytics_internal._trim_or_null(s.transaction_id) AS transaction_id,
			analytics.try_timestamptz(s.txn_ts) AS txn_ts, analytics_internal._trim_or_null(s.customer_id) AS customer_id,
			analytics_internal._trim_or_null(s.channel_id) AS channel_id, analytics_internal._trim_or_null(s.city) AS city,
			analytics.try_numeric(s.amount, 14, 2) AS amount, lower(analytics_internal._trim_or_null(s.status)) AS status,
			analytics.try_numeric(s.processing_time, 10, 3) AS processing_time
			FROM analytics.stg_payments s
			OFFSET 0) x
	LEFT JOIN pg_temp.load_versions v ON v.customer_id = x.customer_id AND x.txn_ts >= v.lo AND x.txn_ts < v.hi
	LEFT JOIN analytics.dim_channel ch ON ch.channel_id = x.channel_id;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_parse_payments() IS 'Internal step of analytics.load_warehouse: parses and checks the staged payments into pg_temp.load_payments (in parallel workers), each with its keys, delay bucket, fee and revenue, or the reason it is rejected';
CREATE FUNCTION analytics_internal._load_payments(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st bigint[];
	mg bigint[];
BEGIN
	PERFORM analytics_internal._load_parse_payments();
	st := analytics_internal._load_stage(run_id, 'payments', '{transaction_id}');
	INSERT INTO analytics.dim_city (city)
	SELECT DISTINCT city FROM pg_temp.load_payments WHERE city IS NOT NULL
	ON CONFLICT (city) DO NOTHING;
	PERFORM analytics_internal._dim_date_add(ARRAY(SELECT DISTINCT (txn_ts AT TIME ZONE 'UTC')::date FROM pg_temp.load_payments));
	INSERT INTO pg_temp.load_days
	SELECT f.date_key FROM analytics.fact_payments f JOIN pg_temp.load_payments l ON l.transaction_id = f.transaction_id
	WHERE f.date_key <> l.date_key
	UNION SELECT date_key FROM pg_temp.load_payments;
	mg := analytics_internal._load_merge('(SELECT l.*, d.city_key FROM pg_temp.load_payments l
		LEFT JOIN analytics.dim_city d ON d.city = l.city)', 'analytics.fact_payments', 'transaction_id',
		'{date_key,txn_ts,customer_key,channel_key,city_key,amount,status,processing_time,processing_delay_bucket,fee_percent,revenue}',
		'{date_key,txn_ts,customer_key,channel_key,city_key,amount,status,processing_time,processing_delay_bucket}', true);
	DROP TABLE pg_temp.load_payments;
	RETURN st || mg;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_payments(bigint) IS 'Internal step of analytics.load_warehouse: parses the staged payments, files the rejects, adds cities and days to their dimensions, notes the days whose payments change in pg_temp.load_days and applies the payments to analytics.fact_payments; returns {rows_in, rejected, duplicates, inserted, updated, unchanged}';
CREATE FUNCTION analytics_internal._load_parse_interactions()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET parallel_tuple_cost = 0.01
AS $$
BEGIN
	CREATE TEMP TABLE load_interactions ON COMMIT DROP AS
	SELECT x.source_row, x.interaction_id, x.interaction_ts,
		analytics.date_key(x.interaction_ts) AS date_key,
		v.customer_key, ch.channel_key, x.interaction_type, x.duration_seconds, x.status,
		CASE
			WHEN x.interaction_id IS NULL THEN 'missing interaction_id'
			WHEN analytics_internal._too_long('interaction_id', x.interaction_id) IS NOT NULL THEN analytics_internal._too_long('interaction_id', x.interaction_id)
			WHEN analytics_internal._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics_internal._too_long('customer_id', x.customer_id)
			WHEN analytics_internal._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics_internal._too_long('channel_id', x.channel_id)
			WHEN analytics_internal._trim_or_null(x.raw_interaction_ts) IS NULL THEN 'missing interaction_ts'
			WHEN x.interaction_ts IS NULL THEN format('interaction_ts %L is not a date or timestamp', x.raw_interaction_ts) || analytics_internal._iso8601_example()
			WHEN x.duration_seconds IS NULL AND analytics_internal._trim_or_null(x.raw_duration) IS NOT NULL
				THEN format('duration %L is not a number of seconds up to 999999999.999', x.raw_duration)
			WHEN x.duration_seconds < 0 THEN format('duration %s is negative', x.duration_seconds)
			WHEN analytics_internal._trim_or_null(x.raw_status) IS NULL THEN 'missing status'
			WHEN x.status NOT IN ('resolved', 'unresolved', 'abandoned')
				THEN format('status %L is not one of resolved, unresolved, abandoned', x.raw_status)
			WHEN x.customer_id IS NOT NULL AND v.customer_key IS NULL
				THEN format('unknown customer_id %L: not in the warehouse nor among the valid rows of this load', x.customer_id)
			WHEN x.channel_id IS NOT NULL AND ch.channel_key IS NULL
				THEN format('unknown channel_id %L: not in the warehouse nor among the valid rows of this load', x.channel_id)
		END AS reason
	FROM (SELECT s.interaction_ts AS raw_interaction_ts, s.duration AS raw_duration, s.status AS raw_status, s.source_row, analytics_internal._trim_or_null(s.interaction_id) AS interaction_id,
			analytics.try_timestamptz(s.interaction_ts) AS interaction_ts, analytics_internal._trim_or_null(s.customer_id) AS customer_id,
			analytics_internal._trim_or_null(s.channel_id) AS channel_id, analytics_internal._trim_or_null(s.interaction_type) AS interaction_type,
			analytics.try_numeric(s.duration, 12, 3) AS duration_seconds, lower(analytics_internal._trim_or_null(s.status)) AS status
			FROM analytics.stg_interactions s
			OFFSET 0) x
	LEFT JOIN pg_temp.load_versions v ON v.customer_id = x.customer_id AND x.interaction_ts >= v.lo AND x.interaction_ts < v.hi
	LEFT JOIN analytics.dim_channel ch ON ch.channel_id = x.channel_id;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_parse_interactions() IS 'Internal step of analytics.load_warehouse: parses and checks the staged interactions into pg_temp.load_interactions (in parallel workers), each with its keys, or the reason it is rejected';
CREATE FUNCTION analytics_internal._load_interactions(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st bigint[];
	mg bigint[];
BEGIN
	PERFORM analytics_internal._load_parse_interactions();
	st := analytics_internal._load_stage(run_id, 'interactions', '{interaction_id}');
	PERFORM analytics_internal._dim_date_add(ARRAY(SELECT DISTINCT (interaction_ts AT TIME ZONE 'UTC')::date FROM pg_temp.load_interactions));
	mg := analytics_internal._load_merge('pg_temp.load_interactions', 'analytics.fact_interactions', 'interaction_id',
		'{date_key,interaction_ts,customer_key,channel_key,interaction_type,duration_seconds,status}',
		'{date_key,interaction_ts,customer_key,channel_key,interaction_type,duration_seconds,status}', true);
	DROP TABLE pg_temp.load_interactions;
	RETURN st || mg;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_interactions(bigint) IS 'Internal step of analytics.load_warehouse: parses the staged interactions, files the rejects, adds their days to the calendar and applies them to analytics.fact_interactions; returns {rows_in, rejected, duplicates, inserted, updated, unchanged}';
CREATE FUNCTION analytics_internal._load_days(run_id bigint)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO analytics.load_run_days (run_id, day)
	SELECT _load_days.run_id, d.full_date
	FROM analytics.dim_date d WHERE d.date_key IN (SELECT k.date_key FROM pg_temp.load_days k);
	ANALYZE analytics.dim_date;
	DROP TABLE pg_temp.load_days, pg_temp.load_versions;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_days(bigint) IS 'Internal step of analytics.load_warehouse: records the days in pg_temp.load_days in analytics.load_run_days for the KPI refresh, and analyzes the calendar';
CREATE FUNCTION analytics_internal._load_finish(run_id bigint, counts jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	TRUNCATE analytics.stg_customers, analytics.stg_products, analytics.stg_stores, analytics.stg_channels,
		analytics.stg_sales, analytics.stg_payments, analytics.stg_interactions RESTART IDENTITY;

	UPDATE analytics.load_runs r SET finished_at = clock_timestamp(), status = 'succeeded',
		rows_in = t.rows_in, inserted = t.inserted, updated = t.updated, unchanged = t.unchanged,
		duplicates = t.duplicates, rejected = t.rejected
	FROM (SELECT sum((c.value->>0)::bigint) AS rows_in, sum((c.value->>1)::bigint) AS rejected,
			sum((c.value->>2)::bigint) AS duplicates, sum((c.value->>3)::bigint) AS inserted,
			sum((c.value->>4)::bigint) AS updated, sum((c.value->>5)::bigint) AS unchanged
		FROM jsonb_each(counts) c) t
	WHERE r.run_id = _load_finish.run_id;
END
$$;
COMMENT ON FUNCTION analytics_internal._load_finish(bigint, jsonb) IS 'Internal step of analytics.load_warehouse: empties staging and records the run as succeeded in analytics.load_runs with the totals of counts';
REVOKE ALL ON FUNCTION analytics_internal._load_products(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_stores(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_channels(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_customer_rows(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_customer_history() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_customer_counts() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_customer_replace() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_cities() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_versions() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_parse_sales() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_sales(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_parse_payments() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_payments(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_parse_interactions() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_interactions(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_days(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_finish(bigint, jsonb) FROM PUBLIC;
CREATE OR REPLACE FUNCTION analytics_internal._load_customers(run_id bigint)
RETURNS bigint[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	st bigint[];
	total bigint;
	changed bigint[];
BEGIN
	CREATE TEMP TABLE load_customers ON COMMIT DROP AS
	SELECT x.*, CASE
			WHEN x.customer_id IS NULL THEN 'missing customer_id'
			WHEN analytics_internal._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics_internal._too_long('customer_id', x.customer_id)
			WHEN analytics_internal._too_long('city', x.city) IS NOT NULL THEN analytics_internal._too_long('city', x.city)
			WHEN analytics_internal._trim_or_null(s.updated_at) IS NULL THEN 'missing updated_at'
			WHEN x.updated_at IS NULL THEN format('updated_at %L is not a date or timestamp', s.updated_at) || analytics_internal._iso8601_example()
		END AS reason
	FROM analytics.stg_customers s,
		LATERAL (SELECT s.source_row, analytics_internal._trim_or_null(s.customer_id) AS customer_id,
			nullif(concat_ws(' ', analytics_internal._trim_or_null(s.first_name), analytics_internal._trim_or_null(s.last_name)), '') AS full_name,
			analytics_internal._trim_or_null(s.email) AS email, analytics_internal._trim_or_null(s.phone) AS phone,
			analytics_internal._trim_or_null(s.city) AS city, analytics_internal._trim_or_null(s.state) AS state,
			analytics_internal._trim_or_null(s.region) AS region, analytics_internal._trim_or_null(s.country) AS country,
			analytics_internal._trim_or_null(s.segment) AS segment, analytics.try_timestamptz(s.updated_at) AS updated_at) x
	ORDER BY s.source_row;
	st := analytics_internal._load_stage(_load_customers.run_id, 'customers', '{customer_id,updated_at}');
	total := analytics_internal._load_customer_rows(_load_customers.run_id);
	PERFORM analytics_internal._load_customer_history();
	changed := analytics_internal._load_customer_counts();
	PERFORM analytics_internal._load_customer_replace();
	DROP TABLE pg_temp.load_customers;
	RETURN st || changed || total - changed[1] - changed[2];
END
$$;
COMMENT ON FUNCTION analytics_internal._load_customers(bigint) IS 'Internal step of analytics.load_warehouse: parses and checks the staged customers into pg_temp.load_customers, files the rejects, keeps the rest in analytics.customer_source_rows, rebuilds the SCD type 2 versions of the customers it touches from all their rows and moves their facts to the version valid at their time; returns {rows_in, rejected, duplicates, inserted, updated, unchanged}';


-- generate_demo_sales in named steps; its vocabulary (cities, stores,
-- channels, subcategories, interaction types, names and weights) in tables
-- of fixed data, filled here as by the install script.
CREATE TABLE analytics_internal.demo_cities (
	city_no int PRIMARY KEY,
	city text NOT NULL,
	state text NOT NULL,
	region text NOT NULL,
	weight int NOT NULL,
	store1 int NOT NULL,
	store2 int NOT NULL
);
COMMENT ON TABLE analytics_internal.demo_cities IS 'Fixed data of analytics.generate_demo_sales: the 25 cities of its customers, with state, region, share of customers and the stores their customers shop at';
COMMENT ON COLUMN analytics_internal.demo_cities.city_no IS 'Number of the city, 1..25';
COMMENT ON COLUMN analytics_internal.demo_cities.city IS 'City name';
COMMENT ON COLUMN analytics_internal.demo_cities.state IS 'State or union territory of the city';
COMMENT ON COLUMN analytics_internal.demo_cities.region IS 'Region of the city: North, South, East, West, Central or Northeast';
COMMENT ON COLUMN analytics_internal.demo_cities.weight IS 'Percentage of the customers living there (the weights sum to 100)';
COMMENT ON COLUMN analytics_internal.demo_cities.store1 IS 'analytics_internal.demo_stores.store_no where its customers with an even number shop: the city''s own store, else the nearest';
COMMENT ON COLUMN analytics_internal.demo_cities.store2 IS 'analytics_internal.demo_stores.store_no where its customers with an odd number shop';
INSERT INTO analytics_internal.demo_cities (city_no, city, state, region, weight, store1, store2) VALUES
	(1, 'Mumbai', 'Maharashtra', 'West', 10, 1, 2),
	(2, 'Delhi', 'Delhi', 'North', 10, 3, 4),
	(3, 'Bengaluru', 'Karnataka', 'South', 9, 5, 6),
	(4, 'Hyderabad', 'Telangana', 'South', 7, 7, 7),
	(5, 'Chennai', 'Tamil Nadu', 'South', 7, 8, 8),
	(6, 'Kolkata', 'West Bengal', 'East', 7, 9, 9),
	(7, 'Pune', 'Maharashtra', 'West', 5, 10, 10),
	(8, 'Ahmedabad', 'Gujarat', 'West', 5, 11, 11),
	(9, 'Jaipur', 'Rajasthan', 'North', 4, 12, 12),
	(10, 'Lucknow', 'Uttar Pradesh', 'North', 4, 13, 13),
	(11, 'Surat', 'Gujarat', 'West', 3, 11, 11),
	(12, 'Kanpur', 'Uttar Pradesh', 'North', 2, 13, 13),
	(13, 'Nagpur', 'Maharashtra', 'West', 2, 15, 15),
	(14, 'Indore', 'Madhya Pradesh', 'Central', 3, 15, 15),
	(15, 'Bhopal', 'Madhya Pradesh', 'Central', 2, 15, 15),
	(16, 'Patna', 'Bihar', 'East', 2, 9, 9),
	(17, 'Vadodara', 'Gujarat', 'West', 2, 11, 11),
	(18, 'Ludhiana', 'Punjab', 'North', 2, 3, 3),
	(19, 'Coimbatore', 'Tamil Nadu', 'South', 2, 14, 14),
	(20, 'Kochi', 'Kerala', 'South', 3, 14, 14),
	(21, 'Visakhapatnam', 'Andhra Pradesh', 'South', 2, 7, 7),
	(22, 'Bhubaneswar', 'Odisha', 'East', 2, 9, 9),
	(23, 'Chandigarh', 'Chandigarh', 'North', 2, 4, 4),
	(24, 'Guwahati', 'Assam', 'Northeast', 2, 9, 9),
	(25, 'Raipur', 'Chhattisgarh', 'Central', 1, 15, 15);
CREATE TABLE analytics_internal.demo_stores (
	store_no int PRIMARY KEY,
	store_name text NOT NULL,
	city_no int NOT NULL REFERENCES analytics_internal.demo_cities,
	manager text NOT NULL,
	age_days int NOT NULL
);
COMMENT ON TABLE analytics_internal.demo_stores IS 'Fixed data of analytics.generate_demo_sales: its 15 stores (S001..S015)';
COMMENT ON COLUMN analytics_internal.demo_stores.store_no IS 'Number of the store, 1..15 (store_id S001..S015)';
COMMENT ON COLUMN analytics_internal.demo_stores.store_name IS 'Store name';
COMMENT ON COLUMN analytics_internal.demo_stores.city_no IS 'The store''s city (analytics_internal.demo_cities)';
COMMENT ON COLUMN analytics_internal.demo_stores.manager IS 'Store manager';
COMMENT ON COLUMN analytics_internal.demo_stores.age_days IS 'Days between the opening and start_date';
INSERT INTO analytics_internal.demo_stores (store_no, store_name, city_no, manager, age_days) VALUES
	(1, 'Mumbai Andheri', 1, 'Rakesh Kulkarni', 3650),
	(2, 'Mumbai Lower Parel', 1, 'Nisha Shetty', 2210),
	(3, 'Delhi Connaught Place', 2, 'Harpreet Kaur', 3400),
	(4, 'Delhi Saket', 2, 'Amit Malhotra', 1460),
	(5, 'Bengaluru Indiranagar', 3, 'Deepa Rao', 2900),
	(6, 'Bengaluru Whitefield', 3, 'Kiran Hegde', 940),
	(7, 'Hyderabad Banjara Hills', 4, 'Srinivas Reddy', 2500),
	(8, 'Chennai T. Nagar', 5, 'Lakshmi Subramanian', 3100),
	(9, 'Kolkata Park Street', 6, 'Sourav Ghosh', 3900),
	(10, 'Pune Koregaon Park', 7, 'Manasi Deshpande', 1800),
	(11, 'Ahmedabad Navrangpura', 8, 'Hardik Patel', 2050),
	(12, 'Jaipur MI Road', 9, 'Ritu Rathore', 1300),
	(13, 'Lucknow Hazratganj', 10, 'Faisal Siddiqui', 1100),
	(14, 'Kochi Marine Drive', 20, 'Anjali Menon', 760),
	(15, 'Indore Vijay Nagar', 14, 'Vivek Jain', 610);
CREATE TABLE analytics_internal.demo_channels (
	channel_no int PRIMARY KEY,
	channel_name text NOT NULL,
	channel_type text NOT NULL,
	fee_percent numeric(5, 2) NOT NULL,
	sales_weight int NOT NULL,
	payment_weight int NOT NULL
);
COMMENT ON TABLE analytics_internal.demo_channels IS 'Fixed data of analytics.generate_demo_sales: the four payment channels (CH1..CH4), with their fees and shares of orders and payments';
COMMENT ON COLUMN analytics_internal.demo_channels.channel_no IS 'Number of the channel, 1..4 (channel_id CH1..CH4)';
COMMENT ON COLUMN analytics_internal.demo_channels.channel_name IS 'Channel name, also the payment method of the orders paid through it';
COMMENT ON COLUMN analytics_internal.demo_channels.channel_type IS 'Channel type: card, upi or net_banking';
COMMENT ON COLUMN analytics_internal.demo_channels.fee_percent IS 'Fee the channel charges, in percent';
COMMENT ON COLUMN analytics_internal.demo_channels.sales_weight IS 'Percentage of orders (and interactions) through the channel (the weights sum to 100)';
COMMENT ON COLUMN analytics_internal.demo_channels.payment_weight IS 'Percentage of payments through the channel (the weights sum to 100)';
INSERT INTO analytics_internal.demo_channels (channel_no, channel_name, channel_type, fee_percent, sales_weight, payment_weight) VALUES
	(1, 'Credit Card', 'card', 2.00, 30, 25),
	(2, 'Debit Card', 'card', 1.00, 20, 20),
	(3, 'UPI', 'upi', 0.00, 40, 45),
	(4, 'Net Banking', 'net_banking', 1.50, 10, 10);
CREATE TABLE analytics_internal.demo_subcategories (
	subcategory_no int PRIMARY KEY,
	subcategory text NOT NULL,
	category text NOT NULL,
	item text NOT NULL,
	price_low float8 NOT NULL,
	price_high float8 NOT NULL,
	margin_low float8 NOT NULL,
	margin_high float8 NOT NULL,
	weight int NOT NULL
);
COMMENT ON TABLE analytics_internal.demo_subcategories IS 'Fixed data of analytics.generate_demo_sales: the 20 product subcategories, with their category, item, list price and margin ranges and share of products';
COMMENT ON COLUMN analytics_internal.demo_subcategories.subcategory_no IS 'Number of the subcategory, 1..20';
COMMENT ON COLUMN analytics_internal.demo_subcategories.subcategory IS 'Subcategory name';
COMMENT ON COLUMN analytics_internal.demo_subcategories.category IS 'Category of the subcategory';
COMMENT ON COLUMN analytics_internal.demo_subcategories.item IS 'What its products are (the middle of their names)';
COMMENT ON COLUMN analytics_internal.demo_subcategories.price_low IS 'Lowest list price, in rupees (prices are log-uniform between price_low and price_high)';
COMMENT ON COLUMN analytics_internal.demo_subcategories.price_high IS 'Highest list price, in rupees';
COMMENT ON COLUMN analytics_internal.demo_subcategories.margin_low IS 'Lowest margin, in percent of the list price (margins are uniform between margin_low and margin_high)';
COMMENT ON COLUMN analytics_internal.demo_subcategories.margin_high IS 'Highest margin, in percent of the list price';
COMMENT ON COLUMN analytics_internal.demo_subcategories.weight IS 'Percentage of the products in the subcategory (the weights sum to 100)';
INSERT INTO analytics_internal.demo_subcategories (subcategory_no, subcategory, category, item, price_low, price_high,
	margin_low, margin_high, weight) VALUES
	(1, 'Mobiles', 'Electronics', 'Smartphone', 7999, 79999, 6, 12, 5),
	(2, 'Laptops', 'Electronics', 'Laptop', 29999, 149999, 5, 10, 3),
	(3, 'Audio', 'Electronics', 'Headphones', 499, 24999, 15, 30, 5),
	(4, 'Accessories', 'Electronics', 'Power Bank', 299, 4999, 25, 45, 5),
	(5, 'Cookware', 'Home & Kitchen', 'Pressure Cooker', 499, 4999, 25, 40, 5),
	(6, 'Appliances', 'Home & Kitchen', 'Mixer Grinder', 1499, 24999, 15, 25, 5),
	(7, 'Furniture', 'Home & Kitchen', 'Study Table', 2999, 39999, 30, 45, 3),
	(8, 'Decor', 'Home & Kitchen', 'Wall Clock', 199, 2999, 40, 60, 4),
	(9, 'Men''s Clothing', 'Fashion', 'Cotton Shirt', 399, 3999, 45, 60, 6),
	(10, 'Women''s Clothing', 'Fashion', 'Silk Saree', 599, 9999, 45, 60, 6),
	(11, 'Footwear', 'Fashion', 'Running Shoes', 499, 7999, 40, 55, 5),
	(12, 'Watches', 'Fashion', 'Analog Watch', 999, 19999, 30, 50, 4),
	(13, 'Staples', 'Grocery', 'Basmati Rice', 60, 1200, 8, 15, 7),
	(14, 'Beverages', 'Grocery', 'Assam Tea', 40, 800, 10, 20, 5),
	(15, 'Snacks', 'Grocery', 'Namkeen', 20, 400, 15, 25, 6),
	(16, 'Personal Care', 'Grocery', 'Herbal Shampoo', 50, 900, 20, 35, 6),
	(17, 'Books', 'Books & Stationery', 'Novel', 149, 1499, 20, 35, 5),
	(18, 'Stationery', 'Books & Stationery', 'Notebook Pack', 20, 799, 30, 50, 5),
	(19, 'Fitness', 'Sports & Fitness', 'Yoga Mat', 299, 19999, 25, 40, 5),
	(20, 'Outdoor', 'Sports & Fitness', 'Cricket Bat', 499, 9999, 25, 40, 5);
CREATE TABLE analytics_internal.demo_interaction_types (
	type_no int PRIMARY KEY,
	interaction_type text NOT NULL,
	weight int NOT NULL,
	seconds_low int NOT NULL,
	seconds_high int NOT NULL
);
COMMENT ON TABLE analytics_internal.demo_interaction_types IS 'Fixed data of analytics.generate_demo_sales: the kinds of service interactions, their shares and handling times';
COMMENT ON COLUMN analytics_internal.demo_interaction_types.type_no IS 'Number of the type, 1..4';
COMMENT ON COLUMN analytics_internal.demo_interaction_types.interaction_type IS 'Interaction type as staged';
COMMENT ON COLUMN analytics_internal.demo_interaction_types.weight IS 'Percentage of the interactions of the type (the weights sum to 100)';
COMMENT ON COLUMN analytics_internal.demo_interaction_types.seconds_low IS 'Shortest handling time, in seconds';
COMMENT ON COLUMN analytics_internal.demo_interaction_types.seconds_high IS 'Handling times stay below this, in seconds (skewed towards seconds_low)';
INSERT INTO analytics_internal.demo_interaction_types (type_no, interaction_type, weight, seconds_low, seconds_high) VALUES
	(1, 'support_call', 30, 60, 1800),
	(2, 'chat', 35, 120, 2400),
	(3, 'email', 25, 60, 900),
	(4, 'social_media', 10, 30, 600);
CREATE TABLE analytics_internal.demo_vocabulary (
	kind text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['first_name', 'last_name', 'brand', 'segment',
		'weekday', 'hour', 'lines_per_order', 'units_per_line', 'interaction_status'])),
	n int NOT NULL,
	value text NOT NULL,
	weight int,
	PRIMARY KEY (kind, n)
);
COMMENT ON TABLE analytics_internal.demo_vocabulary IS 'Fixed data of analytics.generate_demo_sales: its lists of names (first_name, last_name, brand) and of weighted choices (segment, weekday, hour, lines_per_order, units_per_line, interaction_status), each numbered from 1';
COMMENT ON COLUMN analytics_internal.demo_vocabulary.kind IS 'The list: first_name, last_name, brand, segment, weekday, hour, lines_per_order, units_per_line or interaction_status';
COMMENT ON COLUMN analytics_internal.demo_vocabulary.n IS 'Position in the list, from 1';
COMMENT ON COLUMN analytics_internal.demo_vocabulary.value IS 'The name or choice (weekday: ISO, Monday first; hour: 0..23 UTC; lines_per_order, units_per_line: the number)';
COMMENT ON COLUMN analytics_internal.demo_vocabulary.weight IS 'Share of the choice, in percent (summing to 100 over the list), the weekday''s orders in percent of an average day; NULL for names';
INSERT INTO analytics_internal.demo_vocabulary (kind, n, value)
SELECT k, n, v
FROM (VALUES
	('first_name', ARRAY['Aarav', 'Vivaan', 'Aditya', 'Arjun', 'Sai', 'Reyansh', 'Krishna', 'Ishaan', 'Rohan',
		'Kabir', 'Rahul', 'Vikram', 'Anil', 'Sanjay', 'Amit', 'Rajesh', 'Suresh', 'Karthik', 'Imran', 'Farhan',
		'Joseph', 'Gurpreet', 'Ananya', 'Diya', 'Aadhya', 'Saanvi', 'Priya', 'Kavya', 'Isha', 'Meera', 'Pooja',
		'Neha', 'Sneha', 'Lakshmi', 'Divya', 'Fatima', 'Ayesha', 'Maria', 'Simran', 'Riya']),
	('last_name', ARRAY['Sharma', 'Verma', 'Gupta', 'Singh', 'Kumar', 'Patel', 'Shah', 'Mehta', 'Joshi', 'Desai',
		'Reddy', 'Rao', 'Naidu', 'Iyer', 'Nair', 'Menon', 'Pillai', 'Das', 'Banerjee', 'Chatterjee', 'Mukherjee',
		'Bose', 'Ghosh', 'Sen', 'Khan', 'Ahmed', 'Qureshi', 'Fernandes', 'Pereira', 'Gill', 'Sandhu', 'Yadav',
		'Mishra', 'Pandey', 'Tiwari', 'Chauhan', 'Kulkarni', 'Jain', 'Agarwal', 'Bhat']),
	('brand', ARRAY['Aarohi', 'Nova', 'Zenith', 'Kiran', 'Vega', 'Tara', 'Orion', 'Lotus', 'Sagar', 'Indus', 'Meru',
		'Prism'])) l(k, a),
	pg_catalog.unnest(l.a) WITH ORDINALITY AS u(v, n);
INSERT INTO analytics_internal.demo_vocabulary (kind, n, value, weight)
SELECT k, n, v, w
FROM (VALUES
	('segment', ARRAY['consumer', 'corporate', 'vip'], ARRAY[70, 22, 8]),
	('weekday', ARRAY['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
		ARRAY[92, 88, 90, 95, 105, 125, 115]),
	('hour', ARRAY(SELECT h::text FROM pg_catalog.generate_series(0, 23) h ORDER BY h),
		ARRAY[1, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 5, 6, 8, 9, 9, 7, 5, 2]),
	('lines_per_order', ARRAY['1', '2', '3', '4', '5'], ARRAY[35, 25, 20, 12, 8]),
	('units_per_line', ARRAY['1', '2', '3', '4', '5'], ARRAY[60, 22, 10, 5, 3]),
	('interaction_status', ARRAY['resolved', 'unresolved', 'abandoned'], ARRAY[75, 15, 10])) l(k, a, ws),
	ROWS FROM (pg_catalog.unnest(l.a), pg_catalog.unnest(l.ws)) WITH ORDINALITY AS u(v, w, n);
CREATE FUNCTION analytics_internal._demo_words(kind text)
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.array_agg(v.value ORDER BY v.n) FROM analytics_internal.demo_vocabulary v
	WHERE v.kind OPERATOR(pg_catalog.=) _demo_words.kind;
END;
COMMENT ON FUNCTION analytics_internal._demo_words(text) IS 'Internal to analytics.generate_demo_sales: the values of a list of analytics_internal.demo_vocabulary, in order';
CREATE FUNCTION analytics_internal._demo_weights(kind text)
RETURNS int[]
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.array_agg(v.weight ORDER BY v.n) FROM analytics_internal.demo_vocabulary v
	WHERE v.kind OPERATOR(pg_catalog.=) _demo_weights.kind;
END;
COMMENT ON FUNCTION analytics_internal._demo_weights(text) IS 'Internal to analytics.generate_demo_sales: the weights of a list of analytics_internal.demo_vocabulary, in order';
CREATE FUNCTION analytics_internal._demo_check_args(days int, orders_per_day int, seed int, start_date date,
	customers int, products int, payments_per_day int)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
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
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_check_args(int, int, int, date, int, int, int) IS 'Internal step of analytics.generate_demo_sales: refuses NULL and out-of-range arguments';
CREATE FUNCTION analytics_internal._demo_check_weights()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF EXISTS (SELECT FROM unnest(ARRAY[
			cardinality(analytics_internal._demo_pick(ARRAY(SELECT c.weight FROM analytics_internal.demo_cities c ORDER BY c.city_no))),
			cardinality(analytics_internal._demo_pick(analytics_internal._demo_weights('hour'))),
			cardinality(analytics_internal._demo_pick(ARRAY(SELECT s.weight FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no))),
			cardinality(analytics_internal._demo_pick(analytics_internal._demo_weights('segment'))),
			cardinality(analytics_internal._demo_pick(ARRAY(SELECT c.sales_weight FROM analytics_internal.demo_channels c ORDER BY c.channel_no))),
			cardinality(analytics_internal._demo_pick(ARRAY(SELECT c.payment_weight FROM analytics_internal.demo_channels c ORDER BY c.channel_no))),
			cardinality(analytics_internal._demo_pick(analytics_internal._demo_weights('lines_per_order'))),
			cardinality(analytics_internal._demo_pick(analytics_internal._demo_weights('units_per_line'))),
			cardinality(analytics_internal._demo_pick(ARRAY(SELECT t.weight FROM analytics_internal.demo_interaction_types t ORDER BY t.type_no))),
			cardinality(analytics_internal._demo_pick(analytics_internal._demo_weights('interaction_status')))]) c
			WHERE c IS DISTINCT FROM 100) THEN
		RAISE EXCEPTION 'generate_demo_sales has weights that do not sum to 100'
			USING ERRCODE = 'internal_error',
				DETAIL = 'The tables analytics_internal.demo_cities, demo_subcategories, demo_channels, demo_interaction_types and demo_vocabulary hold them.';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_check_weights() IS 'Internal step of analytics.generate_demo_sales: raises an error when a list of weights of its vocabulary does not sum to 100';
CREATE FUNCTION analytics_internal._demo_customer_cities(seed int, n int)
RETURNS int[]
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	city_pick int[] := analytics_internal._demo_pick(ARRAY(SELECT c.weight FROM analytics_internal.demo_cities c ORDER BY c.city_no));
BEGIN
	RETURN ARRAY(SELECT city_pick[1 + analytics_internal._demo_i(seed, 2, c, 100)]
		FROM generate_series(1, n) c ORDER BY c);
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_customer_cities(int, int) IS 'Internal step of analytics.generate_demo_sales: the home city (analytics_internal.demo_cities.city_no) of each customer number from 1 to n';
CREATE FUNCTION analytics_internal._demo_customers(seed int, days int, start_date date, customers int,
	n_bad_customers int, customer_city int[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	city_name CONSTANT text[] := ARRAY(SELECT c.city FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	city_state CONSTANT text[] := ARRAY(SELECT c.state FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	city_region CONSTANT text[] := ARRAY(SELECT c.region FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	n_cities CONSTANT int := cardinality(city_name);
	segment_name CONSTANT text[] := analytics_internal._demo_words('segment');
	n_segments CONSTANT int := cardinality(segment_name);
	segment_pick CONSTANT int[] := analytics_internal._demo_pick(analytics_internal._demo_weights('segment'));
	first_names CONSTANT text[] := analytics_internal._demo_words('first_name');
	last_names CONSTANT text[] := analytics_internal._demo_words('last_name');
	added bigint;
BEGIN
	INSERT INTO analytics.stg_customers (customer_id, first_name, last_name, email, phone, city,
		state, region, country, segment, updated_at)
	WITH v1 AS MATERIALIZED (
		SELECT c, first_names[1 + analytics_internal._demo_i(seed, 3, c, cardinality(first_names))] AS first_name,
			last_names[1 + analytics_internal._demo_i(seed, 4, c, cardinality(last_names))] AS last_name,
			'+91 ' || (6 + analytics_internal._demo_i(seed, 5, c, 4)) || lpad(analytics_internal._demo_i(seed, 16, c, 100000)::text, 5, '0')
				|| lpad(analytics_internal._demo_i(seed, 17, c, 10000)::text, 4, '0') AS phone,
			customer_city[c] AS city, segment_pick[1 + analytics_internal._demo_i(seed, 1, c, 100)] AS segment,
			(start_date - 1 - analytics_internal._demo_i(seed, 6, c, 730)::int)::timestamp
				+ analytics_internal._demo_i(seed, 7, c, 86400) * interval '1 second' AS ts
		FROM generate_series(1, customers + n_bad_customers) c
	), v2 AS MATERIALIZED (
		SELECT c, first_name, last_name, phone,
			CASE WHEN k < 0.4 THEN city ELSE 1 + (city + analytics_internal._demo_i(seed, 10, c, n_cities - 1)::int) % n_cities END AS city,
			CASE WHEN k >= 0.4 AND k < 0.8 THEN segment ELSE 1 + (segment + analytics_internal._demo_i(seed, 9, c, n_segments - 1)::int) % n_segments END AS segment,
			start_date + floor((0.1 + 0.4 * analytics_internal._demo_u(seed, 11, c)) * days * 86400) * interval '1 second' AS ts
		FROM (SELECT v1.*, analytics_internal._demo_u(seed, 8, c) AS k FROM v1 WHERE c % 50 = 0 AND c <= customers OFFSET 0) x
	), v3 AS (
		SELECT c, first_name, last_name, phone,
			CASE WHEN k < 0.4 THEN city ELSE 1 + (city + analytics_internal._demo_i(seed, 14, c, n_cities - 1)::int) % n_cities END AS city,
			CASE WHEN k >= 0.4 AND k < 0.8 THEN segment ELSE 1 + (segment + analytics_internal._demo_i(seed, 13, c, n_segments - 1)::int) % n_segments END AS segment,
			start_date + floor((0.6 + 0.3 * analytics_internal._demo_u(seed, 15, c)) * days * 86400) * interval '1 second' AS ts
		FROM (SELECT v2.*, analytics_internal._demo_u(seed, 12, c) AS k FROM v2 WHERE c % 500 = 0 OFFSET 0) x
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
	RETURN added;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_customers(int, int, date, int, int, int[]) IS 'Internal step of analytics.generate_demo_sales: appends the customers (first versions, changes, exact duplicates, bad rows) to analytics.stg_customers; returns the rows added';
CREATE FUNCTION analytics_internal._demo_products(seed int, products int, n_bad_products int,
	OUT added bigint, OUT product_price numeric[])
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sub_name CONSTANT text[] := ARRAY(SELECT s.subcategory FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no);
	sub_category CONSTANT text[] := ARRAY(SELECT s.category FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no);
	sub_item CONSTANT text[] := ARRAY(SELECT s.item FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no);
	sub_low CONSTANT float8[] := ARRAY(SELECT s.price_low FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no);
	sub_high CONSTANT float8[] := ARRAY(SELECT s.price_high FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no);
	sub_margin_low CONSTANT float8[] := ARRAY(SELECT s.margin_low FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no);
	sub_margin_high CONSTANT float8[] := ARRAY(SELECT s.margin_high FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no);
	sub_pick CONSTANT int[] := analytics_internal._demo_pick(ARRAY(SELECT s.weight FROM analytics_internal.demo_subcategories s ORDER BY s.subcategory_no));
	brands CONSTANT text[] := analytics_internal._demo_words('brand');
	product_sub int[];	-- subcategory of each product number
	product_cost numeric[];	-- unit cost of each product number
BEGIN
	SELECT array_agg(s ORDER BY p), array_agg(price ORDER BY p),
		array_agg(round(price * (1 - margin / 100)::numeric, 2) ORDER BY p)
	INTO product_sub, product_price, product_cost
	FROM (
		SELECT p, s, sub_margin_low[s] + (sub_margin_high[s] - sub_margin_low[s]) * analytics_internal._demo_u(seed, 23, p) AS margin,
			(CASE WHEN x < 100 THEN round(x) ELSE round(x / 10) * 10 - 1 END)::numeric(12, 2) AS price
		FROM (
			SELECT p, s, exp(ln(sub_low[s]) + ln(sub_high[s] / sub_low[s]) * analytics_internal._demo_u(seed, 22, p)) AS x
			FROM (SELECT p, sub_pick[1 + analytics_internal._demo_i(seed, 21, p, 100)] AS s
				FROM generate_series(1, products + n_bad_products) p OFFSET 0) a
		) b
	) c;
	INSERT INTO analytics.stg_products (product_id, product_name, category, subcategory, unit_cost,
		unit_price, supplier_id, active)
	SELECT 'P' || lpad(p::text, 4, '0'),
		brands[1 + analytics_internal._demo_i(seed, 24, p, cardinality(brands))] || ' ' || sub_item[s] || ' '
			|| chr(65 + analytics_internal._demo_i(seed, 25, p, 26)::int) || (10 + analytics_internal._demo_i(seed, 26, p, 90)),
		sub_category[s], sub_name[s], product_cost[p]::text,
		CASE WHEN p <= products THEN product_price[p]::text
			WHEN (p - products) % 2 = 1 THEN 'n/a'
			ELSE (-product_price[p])::text END,
		-- two suppliers per subcategory
		'SUP' || lpad((2 * s - 1 + analytics_internal._demo_i(seed, 27, p, 2))::text, 3, '0'),
		CASE WHEN analytics_internal._demo_u(seed, 28, p) < 0.97 THEN 'true' ELSE 'false' END
	FROM (SELECT p, product_sub[p] AS s FROM generate_series(1, products + n_bad_products) p) x,
		generate_series(1, CASE WHEN p % 100 = 37 AND p <= products THEN 2 ELSE 1 END)
	ORDER BY p;
	GET DIAGNOSTICS added = ROW_COUNT;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_products(int, int, int) IS 'Internal step of analytics.generate_demo_sales: appends the products (valid ones, exact duplicates, bad rows) to analytics.stg_products; returns the rows added and the list price of each product number';
CREATE FUNCTION analytics_internal._demo_stores(start_date date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	city_name CONSTANT text[] := ARRAY(SELECT c.city FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	city_state CONSTANT text[] := ARRAY(SELECT c.state FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	city_region CONSTANT text[] := ARRAY(SELECT c.region FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	store_name CONSTANT text[] := ARRAY(SELECT s.store_name FROM analytics_internal.demo_stores s ORDER BY s.store_no);
	store_city CONSTANT int[] := ARRAY(SELECT s.city_no FROM analytics_internal.demo_stores s ORDER BY s.store_no);
	store_manager CONSTANT text[] := ARRAY(SELECT s.manager FROM analytics_internal.demo_stores s ORDER BY s.store_no);
	store_age CONSTANT int[] := ARRAY(SELECT s.age_days FROM analytics_internal.demo_stores s ORDER BY s.store_no);
	added bigint;
BEGIN
	INSERT INTO analytics.stg_stores (store_id, store_name, city, state, region, country, manager,
		open_date, active)
	SELECT 'S' || lpad(k::text, 3, '0'), store_name[k], city_name[store_city[k]],
		city_state[store_city[k]], city_region[store_city[k]], 'India', store_manager[k],
		to_char(start_date - store_age[k], 'YYYY-MM-DD'), 'true'
	FROM generate_series(1, cardinality(store_name)) k ORDER BY k;
	GET DIAGNOSTICS added = ROW_COUNT;
	RETURN added;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_stores(date) IS 'Internal step of analytics.generate_demo_sales: appends the stores of analytics_internal.demo_stores to analytics.stg_stores; returns the rows added';
CREATE FUNCTION analytics_internal._demo_channels()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	channel_name CONSTANT text[] := ARRAY(SELECT c.channel_name FROM analytics_internal.demo_channels c ORDER BY c.channel_no);
	channel_type CONSTANT text[] := ARRAY(SELECT c.channel_type FROM analytics_internal.demo_channels c ORDER BY c.channel_no);
	channel_fee CONSTANT text[] := ARRAY(SELECT c.fee_percent::text FROM analytics_internal.demo_channels c ORDER BY c.channel_no);
	added bigint;
BEGIN
	INSERT INTO analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active)
	SELECT 'CH' || k, channel_name[k], channel_type[k], channel_fee[k], 'true'
	FROM generate_series(1, cardinality(channel_name)) k ORDER BY k;
	GET DIAGNOSTICS added = ROW_COUNT;
	RETURN added;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_channels() IS 'Internal step of analytics.generate_demo_sales: appends the channels of analytics_internal.demo_channels to analytics.stg_channels; returns the rows added';
CREATE FUNCTION analytics_internal._demo_sales(seed int, days int, orders_per_day int, start_date date, customers int,
	products int, n_bad_products int, customer_city int[], product_price numeric[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	city_store1 CONSTANT int[] := ARRAY(SELECT c.store1 FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	city_store2 CONSTANT int[] := ARRAY(SELECT c.store2 FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	n_stores CONSTANT int := (SELECT count(*) FROM analytics_internal.demo_stores);
	channel_name CONSTANT text[] := ARRAY(SELECT c.channel_name FROM analytics_internal.demo_channels c ORDER BY c.channel_no);
	sales_channel_pick CONSTANT int[] := analytics_internal._demo_pick(ARRAY(SELECT c.sales_weight FROM analytics_internal.demo_channels c ORDER BY c.channel_no));
	-- orders by ISO weekday (Monday first), in percent of an average day
	dow_weight CONSTANT int[] := analytics_internal._demo_weights('weekday');
	hour_pick CONSTANT int[] := analytics_internal._demo_pick(analytics_internal._demo_weights('hour'));	-- hour + 1
	lines_pick CONSTANT int[] := analytics_internal._demo_pick(analytics_internal._demo_weights('lines_per_order'));
	quantity_pick CONSTANT int[] := analytics_internal._demo_pick(analytics_internal._demo_weights('units_per_line'));
	n_orders CONSTANT bigint := days::bigint * orders_per_day;
	added bigint;
BEGIN
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
					ELSE 1 + analytics_internal._demo_i(seed, 33, ono, n_stores)::int END)::text, 3, '0') AS store_id,
				channel, cancelled, n_lines,
				-- a product id that exists nowhere (beyond the bad products)
				products + n_bad_products + 1 + ono / 1000 % 10 AS unknown
			FROM (
				SELECT ono, 1 + analytics_internal._demo_i(seed, 31, ono, customers)::int AS cust,
					(start_date + d)::timestamp + ((hour_pick[1 + analytics_internal._demo_i(seed, 36, ono, 100)] - 1) * 3600
						+ analytics_internal._demo_i(seed, 37, ono, 3600)) * interval '1 second' AS t,
					analytics_internal._demo_u(seed, 32, ono) < 0.85 AS home,
					sales_channel_pick[1 + analytics_internal._demo_i(seed, 34, ono, 100)] AS channel,
					analytics_internal._demo_u(seed, 35, ono) < 0.04 AS cancelled,
					lines_pick[1 + analytics_internal._demo_i(seed, 38, ono, 100)] AS n_lines,
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
				1 + least(products - 1, floor(products * power(analytics_internal._demo_u(seed, 100 + 10 * line_no, ono), 1.5))::int) AS product,
				quantity_pick[1 + analytics_internal._demo_i(seed, 101 + 10 * line_no, ono, 100)] AS quantity,
				CASE WHEN analytics_internal._demo_u(seed, 102 + 10 * line_no, ono) < 0.25
					THEN 5 * (1 + analytics_internal._demo_i(seed, 103 + 10 * line_no, ono, 5)::int) ELSE 0 END AS pct,
				analytics_internal._demo_u(seed, 104 + 10 * line_no, ono) < 0.06 AS returned
			FROM generate_series(1, o.n_lines + CASE WHEN o.bad = 1 THEN 1 ELSE 0 END) j,
				LATERAL (SELECT CASE WHEN j > o.n_lines THEN 1 ELSE j END AS line_no) n
		) l
		OFFSET 0
	) x;
	GET DIAGNOSTICS added = ROW_COUNT;
	RETURN added;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_sales(int, int, int, date, int, int, int, int[], numeric[]) IS 'Internal step of analytics.generate_demo_sales: appends the order lines (valid ones, exact duplicates, bad rows) to analytics.stg_sales; returns the rows added';
CREATE FUNCTION analytics_internal._demo_payments(seed int, days int, payments_per_day int, start_date date, customers int,
	customer_city int[])
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	city_name CONSTANT text[] := ARRAY(SELECT c.city FROM analytics_internal.demo_cities c ORDER BY c.city_no);
	payment_channel_pick CONSTANT int[] := analytics_internal._demo_pick(ARRAY(SELECT c.payment_weight FROM analytics_internal.demo_channels c ORDER BY c.channel_no));
	hour_pick CONSTANT int[] := analytics_internal._demo_pick(analytics_internal._demo_weights('hour'));	-- hour + 1
	added bigint;
BEGIN
	INSERT INTO analytics.stg_payments (transaction_id, txn_ts, customer_id, channel_id, city,
		amount, status, processing_time)
	SELECT 'T' || lpad(t::text, 10, '0'),
		CASE WHEN t % 1000 <> 550 THEN to_char(ts, 'YYYY-MM-DD HH24:MI:SS')
			WHEN t / 1000 % 3 = 0 THEN to_char(ts, 'YYYY') || '-02-30 ' || to_char(ts, 'HH24:MI:SS')
			WHEN t / 1000 % 3 = 1 THEN 'yesterday-ish' ELSE '' END,
		'C' || lpad(cust::text, 6, '0'), 'CH' || channel,
		city_name[CASE WHEN analytics_internal._demo_u(seed, 203, t) < 0.9 THEN customer_city[cust]
			ELSE 1 + analytics_internal._demo_i(seed, 204, t, cardinality(city_name))::int END],
		CASE WHEN t % 1000 <> 350 THEN amount::text WHEN t / 1000 % 2 = 0 THEN '0.00' ELSE (-amount)::text END,
		CASE WHEN t % 1000 = 750 THEN 'pending' WHEN analytics_internal._demo_u(seed, 206, t) < 0.9 THEN 'success'
			ELSE 'failed' END,
		round((CASE WHEN v < 0.75 THEN 0.2 + 1.7 * w WHEN v < 0.95 THEN 2 + 2.9 * w
			ELSE 5.5 + 24.5 * w * w END)::numeric, 3)::text
	FROM (
		SELECT t, 1 + analytics_internal._demo_i(seed, 201, t, customers)::int AS cust,
			payment_channel_pick[1 + analytics_internal._demo_i(seed, 202, t, 100)] AS channel,
			round(exp(ln(50) + ln(1000) * power(analytics_internal._demo_u(seed, 205, t), 1.6))::numeric, 2) AS amount,
			analytics_internal._demo_u(seed, 207, t) AS v, analytics_internal._demo_u(seed, 208, t) AS w,
			(start_date + ((t - 1) / payments_per_day)::int)::timestamp
				+ ((hour_pick[1 + analytics_internal._demo_i(seed, 209, t, 100)] - 1) * 3600
					+ analytics_internal._demo_i(seed, 210, t, 3600)) * interval '1 second' AS ts
		FROM generate_series(1, days::bigint * payments_per_day) t
		OFFSET 0
	) p, generate_series(1, CASE WHEN t % 1000 = 150 THEN 2 ELSE 1 END);
	GET DIAGNOSTICS added = ROW_COUNT;
	RETURN added;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_payments(int, int, int, date, int, int[]) IS 'Internal step of analytics.generate_demo_sales: appends the payments (valid ones, exact duplicates, bad rows) to analytics.stg_payments; returns the rows added';
CREATE FUNCTION analytics_internal._demo_interactions(seed int, days int, orders_per_day int, start_date date, customers int)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	sales_channel_pick CONSTANT int[] := analytics_internal._demo_pick(ARRAY(SELECT c.sales_weight FROM analytics_internal.demo_channels c ORDER BY c.channel_no));
	hour_pick CONSTANT int[] := analytics_internal._demo_pick(analytics_internal._demo_weights('hour'));	-- hour + 1
	interaction_type CONSTANT text[] := ARRAY(SELECT t.interaction_type FROM analytics_internal.demo_interaction_types t ORDER BY t.type_no);
	interaction_low CONSTANT int[] := ARRAY(SELECT t.seconds_low FROM analytics_internal.demo_interaction_types t ORDER BY t.type_no);
	interaction_high CONSTANT int[] := ARRAY(SELECT t.seconds_high FROM analytics_internal.demo_interaction_types t ORDER BY t.type_no);
	type_pick CONSTANT int[] := analytics_internal._demo_pick(ARRAY(SELECT t.weight FROM analytics_internal.demo_interaction_types t ORDER BY t.type_no));
	interaction_status CONSTANT text[] := analytics_internal._demo_words('interaction_status');
	status_pick CONSTANT int[] := analytics_internal._demo_pick(analytics_internal._demo_weights('interaction_status'));
	n_interactions CONSTANT int := (orders_per_day * 4 + 99) / 100;	-- a day
	added bigint;
BEGIN
	INSERT INTO analytics.stg_interactions (interaction_id, customer_id, channel_id,
		interaction_type, interaction_ts, duration, status)
	SELECT 'I' || lpad(n::text, 10, '0'),
		'C' || lpad((1 + analytics_internal._demo_i(seed, 301, n, customers))::text, 6, '0'),
		'CH' || sales_channel_pick[1 + analytics_internal._demo_i(seed, 302, n, 100)],
		interaction_type[ty],
		to_char((start_date + ((n - 1) / n_interactions)::int)::timestamp
			+ ((hour_pick[1 + analytics_internal._demo_i(seed, 304, n, 100)] - 1) * 3600
				+ analytics_internal._demo_i(seed, 305, n, 3600)) * interval '1 second', 'YYYY-MM-DD HH24:MI:SS'),
		(interaction_low[ty] + floor((interaction_high[ty] - interaction_low[ty])
			* power(analytics_internal._demo_u(seed, 306, n), 2))::int)::text,
		interaction_status[status_pick[1 + analytics_internal._demo_i(seed, 307, n, 100)]]
	FROM (
		SELECT n, type_pick[1 + analytics_internal._demo_i(seed, 303, n, 100)] AS ty
		FROM generate_series(1, days::bigint * n_interactions) n
		OFFSET 0
	) x;
	GET DIAGNOSTICS added = ROW_COUNT;
	RETURN added;
END
$$;
COMMENT ON FUNCTION analytics_internal._demo_interactions(int, int, int, date, int) IS 'Internal step of analytics.generate_demo_sales: appends the service interactions to analytics.stg_interactions; returns the rows added';
CREATE OR REPLACE FUNCTION analytics.generate_demo_sales(days int DEFAULT 365, orders_per_day int DEFAULT 100,
	seed int DEFAULT 1, start_date date DEFAULT '2025-01-01', customers int DEFAULT 2000,
	products int DEFAULT 200, payments_per_day int DEFAULT 500)
RETURNS TABLE (entity text, rows bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	customer_city int[];	-- home city of each customer number
	product_price numeric[];	-- list price of each product number
	n_bad_customers int;
	n_bad_products int;
BEGIN
	PERFORM analytics_internal._demo_check_args(days, orders_per_day, seed, start_date, customers, products, payments_per_day);
	PERFORM analytics_internal._demo_check_weights();
	n_bad_customers := (customers + 999) / 1000;
	n_bad_products := (products + 99) / 100;
	customer_city := analytics_internal._demo_customer_cities(seed, customers + n_bad_customers);

	entity := 'customers';
	rows := analytics_internal._demo_customers(seed, days, start_date, customers, n_bad_customers, customer_city);
	RETURN NEXT;
	entity := 'products';
	SELECT p.added, p.product_price INTO rows, product_price FROM analytics_internal._demo_products(seed, products, n_bad_products) p;
	RETURN NEXT;
	entity := 'stores';
	rows := analytics_internal._demo_stores(start_date);
	RETURN NEXT;
	entity := 'channels';
	rows := analytics_internal._demo_channels();
	RETURN NEXT;
	entity := 'sales';
	rows := analytics_internal._demo_sales(seed, days, orders_per_day, start_date, customers, products, n_bad_products,
		customer_city, product_price);
	RETURN NEXT;
	entity := 'payments';
	rows := analytics_internal._demo_payments(seed, days, payments_per_day, start_date, customers, customer_city);
	RETURN NEXT;
	entity := 'interactions';
	rows := analytics_internal._demo_interactions(seed, days, orders_per_day, start_date, customers);
	RETURN NEXT;
	RETURN;
END
$$;
REVOKE ALL ON FUNCTION analytics_internal._demo_u(int, int, bigint), analytics_internal._demo_i(int, int, bigint, bigint),
	analytics_internal._demo_pick(int[]), analytics_internal._demo_words(text), analytics_internal._demo_weights(text),
	analytics_internal._demo_check_args(int, int, int, date, int, int, int), analytics_internal._demo_check_weights(),
	analytics_internal._demo_customer_cities(int, int), analytics_internal._demo_customers(int, int, date, int, int, int[]),
	analytics_internal._demo_products(int, int, int), analytics_internal._demo_stores(date), analytics_internal._demo_channels(),
	analytics_internal._demo_sales(int, int, int, date, int, int, int, int[], numeric[]),
	analytics_internal._demo_payments(int, int, int, date, int, int[]), analytics_internal._demo_interactions(int, int, int, date, int)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._demo_u(int, int, bigint), analytics_internal._demo_i(int, int, bigint, bigint),
	analytics_internal._demo_pick(int[]), analytics_internal._demo_words(text), analytics_internal._demo_weights(text),
	analytics_internal._demo_check_args(int, int, int, date, int, int, int), analytics_internal._demo_check_weights(),
	analytics_internal._demo_customer_cities(int, int), analytics_internal._demo_customers(int, int, date, int, int, int[]),
	analytics_internal._demo_products(int, int, int), analytics_internal._demo_stores(date), analytics_internal._demo_channels(),
	analytics_internal._demo_sales(int, int, int, date, int, int, int, int[], numeric[]),
	analytics_internal._demo_payments(int, int, int, date, int, int[]), analytics_internal._demo_interactions(int, int, int, date, int)
	TO analytics_admin;
GRANT SELECT ON analytics_internal.demo_cities, analytics_internal.demo_stores, analytics_internal.demo_channels, analytics_internal.demo_subcategories,
	analytics_internal.demo_interaction_types, analytics_internal.demo_vocabulary TO analytics_admin;

-- Functions of 0.1.0 not replaced above whose bodies name objects that moved
-- to analytics_internal: their bodies as they are now.
CREATE OR REPLACE FUNCTION analytics.fill_dim_date(from_date date, to_date date)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM analytics_internal._require_day_range('fill_dim_date', from_date, to_date);
	IF to_date - from_date > 366 * 200 THEN
		RAISE EXCEPTION 'fill_dim_date range of % days is too long', to_date - from_date
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Fill at most 200 years at a time.';
	END IF;
	RETURN analytics_internal._dim_date_add(ARRAY(SELECT g.t::date
		FROM generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') AS g(t)));
END
$$;

CREATE OR REPLACE FUNCTION analytics.schedule_maintenance(schedule text DEFAULT '7 0 * * *')
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

CREATE OR REPLACE FUNCTION analytics.track_batch(events jsonb)
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

CREATE OR REPLACE FUNCTION analytics_internal._load_stage(run_id bigint, entity text, natural_key text[])
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
			analytics_internal._repeated_rows(%s, t.ctid) FILTER (WHERE t.reason IS NULL)
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

-- The scheduled-job registry (issue 14, section 2): pg_cron 1.4 schedules
-- in C, the registry, and schedule_maintenance registering through it.

-- src/cron.sql: pg_cron 1.4 schedules, read in C (src/cron.c).

CREATE FUNCTION analytics.cron_validate(schedule text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'cron_validate'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.cron_validate(text) IS 'Raises an error naming the bad field when schedule is not a pg_cron 1.4 schedule (five fields or a macro such as @daily), else true';

CREATE FUNCTION analytics.cron_next(schedule text, after timestamptz)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'cron_next'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.cron_next(text, timestamptz) IS 'The first minute strictly after "after" at which pg_cron 1.4 runs schedule (UTC); NULL for @reboot and for a schedule that never matches, such as 0 0 30 2 *';

-- src/jobs.sql: the scheduled-job registry. Every job the extension
-- schedules is a row of analytics.jobs; pg_cron runs it through one wrapper
-- (analytics_internal._job_tick), which records each run in analytics.job_runs, so
-- the figures hold whether cron.log_run is on or off.
--
-- Who runs what: a job's command runs as the role that created it (like any
-- pg_cron job), and only that role may run it by hand; alter_job and
-- drop_job take that role or a superuser. The functions are SECURITY
-- INVOKER: analytics_admin holds the column privileges they need, and a
-- command written by one role is never run as another (a run checks that its
-- role owns the job; pg_cron's command names the registry id, so a job
-- dropped and re-created under the same name is not run by the old pg_cron
-- job).

CREATE TABLE analytics.jobs (
	job_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL UNIQUE
		CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,47}$'),
	job_type text NOT NULL
		CHECK (job_type OPERATOR(pg_catalog.=) ANY (ARRAY['refresh', 'goal_update', 'report', 'data_sync', 'maintenance', 'custom'])),
	schedule text NOT NULL CHECK (analytics.cron_validate(schedule)),
	command text NOT NULL CHECK (pg_catalog.btrim(command, E' \t\r\n') OPERATOR(pg_catalog.<>) ''),
	config jsonb NOT NULL DEFAULT '{}'
		CHECK (pg_catalog.jsonb_typeof(config) OPERATOR(pg_catalog.=) 'object'),
	is_active boolean NOT NULL DEFAULT true,
	owner name NOT NULL DEFAULT CURRENT_USER,
	cron_job_id bigint,
	created_at timestamptz NOT NULL DEFAULT analytics_internal._now(),
	updated_at timestamptz NOT NULL DEFAULT analytics_internal._now()
);
COMMENT ON TABLE analytics.jobs IS 'The scheduled-job registry: one row per job the extension schedules with pg_cron (see analytics.create_job)';
COMMENT ON COLUMN analytics.jobs.job_id IS 'Registry id, named in the job''s pg_cron command';
COMMENT ON COLUMN analytics.jobs.name IS 'Job name: 1 to 48 lowercase letters, digits or underscores, starting with a letter; the pg_cron job is named analytics_<name>';
COMMENT ON COLUMN analytics.jobs.job_type IS 'What the job does: refresh, goal_update, report, data_sync, maintenance or custom';
COMMENT ON COLUMN analytics.jobs.schedule IS 'pg_cron 1.4 schedule, in UTC (five fields or a macro such as @daily)';
COMMENT ON COLUMN analytics.jobs.command IS 'The SQL statement a run executes (it reads its configuration with analytics.job_config())';
COMMENT ON COLUMN analytics.jobs.config IS 'JSON object the command sees through analytics.job_config(); run_job merges its override into it';
COMMENT ON COLUMN analytics.jobs.is_active IS 'Whether pg_cron fires the job (false: paused; analytics.run_job still runs it)';
COMMENT ON COLUMN analytics.jobs.owner IS 'The role that created the job: its command runs as this role, and only this role runs it';
COMMENT ON COLUMN analytics.jobs.cron_job_id IS 'The job''s id in cron.job, NULL while it is not scheduled (pg_cron was not installed)';
COMMENT ON COLUMN analytics.jobs.created_at IS 'When the job was created';
COMMENT ON COLUMN analytics.jobs.updated_at IS 'When the job was last changed by analytics.alter_job';

CREATE TABLE analytics.job_runs (
	run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	job_id bigint NOT NULL REFERENCES analytics.jobs ON DELETE CASCADE,
	job_name text NOT NULL,
	started_at timestamptz NOT NULL,
	finished_at timestamptz,
	status text NOT NULL
		CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'success', 'failed', 'skipped', 'pending'])),
	error text,
	rows_affected bigint,
	manual boolean NOT NULL DEFAULT false,
	config jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX job_runs_job_started ON analytics.job_runs (job_id, started_at);
COMMENT ON TABLE analytics.job_runs IS 'One row per run of a job of analytics.jobs, scheduled or manual; finished runs older than analytics.job_run_retention are deleted by the maintenance job';
COMMENT ON COLUMN analytics.job_runs.run_id IS 'Run id, in the order runs started';
COMMENT ON COLUMN analytics.job_runs.job_id IS 'The job (analytics.jobs.job_id); its runs go when the job is dropped';
COMMENT ON COLUMN analytics.job_runs.job_name IS 'The job''s name';
COMMENT ON COLUMN analytics.job_runs.started_at IS 'When the run started (the wall clock, or analytics.mock_now in tests)';
COMMENT ON COLUMN analytics.job_runs.finished_at IS 'When the run ended; NULL while it runs, and for a run that ended without recording its outcome';
COMMENT ON COLUMN analytics.job_runs.status IS 'running (committed at the start, visible to other sessions), success, failed, skipped (a run of the job was still going) or pending';
COMMENT ON COLUMN analytics.job_runs.error IS 'Error message of a failed run; why a run was skipped; NULL otherwise';
COMMENT ON COLUMN analytics.job_runs.rows_affected IS 'Rows the command processed (ROW_COUNT: rows written by INSERT, UPDATE, DELETE, rows returned by SELECT) when it succeeded';
COMMENT ON COLUMN analytics.job_runs.manual IS 'true for a run by analytics.run_job, false for one fired by pg_cron';
COMMENT ON COLUMN analytics.job_runs.config IS 'The configuration the command saw: the job''s config with run_job''s override merged in';

SELECT pg_catalog.pg_extension_config_dump('analytics.jobs', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.jobs_job_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.job_runs', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.job_runs_run_id_seq', '');

-- The records a run writes in a transaction of its own (src/jobs.c).
CREATE FUNCTION analytics_internal._job_run_begin(job_id bigint, started_at timestamptz, manual boolean, config text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'job_run_begin'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics_internal._job_run_begin(bigint, timestamptz, boolean, text) IS 'Internal step of a job run: inserts its running row, committed by a background worker at once; the run id, or NULL when no worker could';

CREATE FUNCTION analytics_internal._job_run_failed(run_id bigint, finished_at timestamptz, error text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'job_run_failed'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics_internal._job_run_failed(bigint, timestamptz, text) IS 'Internal step of a job run: marks the run failed, committed by a background worker whatever becomes of the caller''s transaction; false when no worker could';

CREATE FUNCTION analytics_internal._job_clock()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'job_clock'
LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._job_clock() IS 'Internal: the time a job run starts or ends: analytics.mock_now when set, else clock_timestamp()';

CREATE FUNCTION analytics_internal._job_run_retention()
RETURNS interval
AS 'MODULE_PATHNAME', 'job_run_retention'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._job_run_retention() IS 'Internal: the setting analytics.job_run_retention as an interval, NULL when 0 (keep every run)';

CREATE FUNCTION analytics.job_config()
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(NULLIF(pg_catalog.current_setting('analytics.job_config', true), ''), '{}')::pg_catalog.jsonb
$$;
COMMENT ON FUNCTION analytics.job_config() IS 'Inside a run of a job: its configuration (the job''s config merged with run_job''s override); {} outside a run';

CREATE FUNCTION analytics_internal._has_pg_cron()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'pg_cron')
$$;
COMMENT ON FUNCTION analytics_internal._has_pg_cron() IS 'Internal: whether pg_cron is installed in this database';

-- Checks shared by create_job and alter_job; raises invalid_parameter_value.
CREATE FUNCTION analytics_internal._job_check(name text, job_type text, schedule text, command text, config jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF name IS NULL OR name OPERATOR(pg_catalog.!~) '^[a-z][a-z0-9_]{0,47}$' THEN
		RAISE EXCEPTION 'invalid job name %', COALESCE('"' OPERATOR(pg_catalog.||) name OPERATOR(pg_catalog.||) '"', 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'A job name is 1 to 48 lowercase letters, digits or underscores, starting with a letter.';
	END IF;
	IF job_type IS NULL OR NOT job_type OPERATOR(pg_catalog.=) ANY (ARRAY['refresh', 'goal_update', 'report', 'data_sync', 'maintenance', 'custom']) THEN
		RAISE EXCEPTION 'invalid job type %', COALESCE('"' OPERATOR(pg_catalog.||) job_type OPERATOR(pg_catalog.||) '"', 'NULL')
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'A job type is one of refresh, goal_update, report, data_sync, maintenance and custom.';
	END IF;
	IF schedule IS NULL THEN
		RAISE EXCEPTION 'job schedule must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	PERFORM analytics.cron_validate(schedule);
	IF schedule OPERATOR(pg_catalog.!~) '^[ \t]*@re(boot|start)[ \t]*$'
		AND analytics.cron_next(schedule, analytics_internal._now()) IS NULL THEN
		RAISE EXCEPTION 'schedule "%" never fires', schedule
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'No day matches its day-of-month, month and day-of-week fields (the calendar repeats every 400 years).';
	END IF;
	IF command IS NULL OR pg_catalog.btrim(command, E' \t\r\n') OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'job command is empty' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF config IS NULL OR pg_catalog.jsonb_typeof(config) OPERATOR(pg_catalog.<>) 'object' THEN
		RAISE EXCEPTION 'job config must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value',
				DETAIL = 'The command reads it with analytics.job_config(), as in (analytics.job_config() ->> ''days'')::int.';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_check(text, text, text, text, jsonb) IS 'Internal: raises invalid_parameter_value when a job''s name, type, schedule, command or config is not valid';

-- The job of that name, locked, that the current role may change.
CREATE FUNCTION analytics_internal._job_for_change(job_name text)
RETURNS analytics.jobs
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	-- read first (row security shows every job), lock once it is ours
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) job_name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job "%" does not exist', job_name
			USING ERRCODE = 'undefined_object',
				HINT = 'analytics.scheduled_jobs lists the jobs.';
	END IF;
	IF j.owner OPERATOR(pg_catalog.<>) CURRENT_USER
		AND NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER) THEN
		RAISE EXCEPTION 'job "%" belongs to role "%"', job_name, j.owner
			USING ERRCODE = 'insufficient_privilege',
				DETAIL = 'A job is changed or dropped by the role that created it, or by a superuser.';
	END IF;
	SELECT * INTO j FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id FOR UPDATE;
	RETURN j;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_for_change(text) IS 'Internal: the job of that name, locked, when the current role created it or is a superuser; else an error';

-- pg_cron through dynamic SQL: the extension installs without it.
CREATE FUNCTION analytics_internal._job_cron_schedule(j analytics.jobs)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cron_id bigint;
BEGIN
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO cron_id
		USING 'analytics_' OPERATOR(pg_catalog.||) j.name, j.schedule,
			pg_catalog.format('SELECT analytics_internal._job_tick(%L, %s)', j.name, j.job_id);
	IF NOT j.is_active THEN
		EXECUTE 'SELECT cron.alter_job($1, active => false)' USING cron_id;
	END IF;
	UPDATE analytics.jobs x SET cron_job_id = cron_id WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id;
	RETURN cron_id;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_cron_schedule(analytics.jobs) IS 'Internal: schedules the job with pg_cron as analytics_<name>, its command the wrapper analytics_internal._job_tick; the pg_cron job id';

CREATE FUNCTION analytics_internal._job_cron_exists(cron_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	found boolean;
BEGIN
	IF cron_id IS NULL OR NOT analytics_internal._has_pg_cron() THEN
		RETURN false;
	END IF;
	EXECUTE 'SELECT EXISTS (SELECT FROM cron.job c WHERE c.jobid OPERATOR(pg_catalog.=) $1)' INTO found USING cron_id;
	RETURN found;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_cron_exists(bigint) IS 'Internal: whether pg_cron has a job of that id that the current role sees';

CREATE FUNCTION analytics.create_job(name text, job_type text, schedule text, command text, config jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	PERFORM analytics_internal._job_check(name, job_type, schedule, command, config);
	IF EXISTS (SELECT FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) create_job.name) THEN
		RAISE EXCEPTION 'job "%" already exists', name
			USING ERRCODE = 'duplicate_object',
				HINT = 'Change it with analytics.alter_job, or drop it first with analytics.drop_job.';
	END IF;
	INSERT INTO analytics.jobs (name, job_type, schedule, command, config)
	VALUES (name, job_type, schedule, command, config)
	RETURNING * INTO j;
	IF NOT analytics_internal._has_pg_cron() THEN
		RAISE NOTICE 'job "%" is registered but not scheduled: pg_cron is not installed in this database', name
			USING HINT = 'analytics.run_job runs it meanwhile; once pg_cron is installed, analytics.alter_job(''' || name || ''') schedules it.';
		RETURN NULL;
	END IF;
	RETURN analytics_internal._job_cron_schedule(j);
END
$$;
COMMENT ON FUNCTION analytics.create_job(text, text, text, text, jsonb) IS 'Registers a job and schedules it with pg_cron (as analytics_<name>, run as the calling role); the pg_cron job id, NULL when pg_cron is not installed (the job is registered, not scheduled)';

CREATE FUNCTION analytics.alter_job(name text, schedule text DEFAULT NULL, is_active boolean DEFAULT NULL, config jsonb DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	j := analytics_internal._job_for_change(name);
	PERFORM analytics_internal._job_check(j.name, j.job_type, COALESCE(schedule, j.schedule), j.command, COALESCE(config, j.config));
	UPDATE analytics.jobs x
	SET schedule = COALESCE(alter_job.schedule, x.schedule),
		is_active = COALESCE(alter_job.is_active, x.is_active),
		config = COALESCE(alter_job.config, x.config),
		updated_at = analytics_internal._now()
	WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id
	RETURNING * INTO j;
	IF analytics_internal._job_cron_exists(j.cron_job_id) THEN
		EXECUTE 'SELECT cron.alter_job($1, schedule => $2, active => $3)' USING j.cron_job_id, j.schedule, j.is_active;
	ELSIF analytics_internal._has_pg_cron() THEN
		-- never scheduled (no pg_cron then), or its pg_cron job was removed
		PERFORM analytics_internal._job_cron_schedule(j);
	END IF;
END
$$;
COMMENT ON FUNCTION analytics.alter_job(text, text, boolean, jsonb) IS 'Changes a job''s schedule, whether it is active, or its config (NULL keeps each); schedules it with pg_cron when it was not scheduled';

CREATE FUNCTION analytics.drop_job(name text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	j := analytics_internal._job_for_change(name);
	IF analytics_internal._job_cron_exists(j.cron_job_id) THEN
		EXECUTE 'SELECT cron.unschedule($1)' USING j.cron_job_id;
	END IF;
	DELETE FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id;
END
$$;
COMMENT ON FUNCTION analytics.drop_job(text) IS 'Unschedules a job from pg_cron and removes it and its runs from the registry';

-- One run of a job, scheduled or manual: the only place a command runs.
CREATE FUNCTION analytics_internal._job_execute(job_id bigint, manual boolean, config_override jsonb)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
	cfg jsonb;
	run bigint;
	started timestamptz;
	n bigint;
	prev text;
	running text;
	recorded boolean;
	err_message text;
	err_detail text;
	err_hint text;
	err_state text;
BEGIN
	SELECT * INTO STRICT j FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) _job_execute.job_id;
	IF j.owner OPERATOR(pg_catalog.<>) CURRENT_USER THEN
		RAISE EXCEPTION 'job "%" belongs to role "%"', j.name, j.owner
			USING ERRCODE = 'insufficient_privilege',
				DETAIL = 'A job''s command runs as the role that created it.',
				HINT = pg_catalog.format('Run it as that role: SET ROLE %I.', j.owner);
	END IF;
	cfg := j.config OPERATOR(pg_catalog.||) COALESCE(config_override, '{}');
	started := analytics_internal._job_clock();

	-- A command that runs its own job (directly or through another job)
	-- would recurse until the stack gives out: the jobs running in this
	-- session are listed in a setting of the run's own.
	running := pg_catalog.current_setting('analytics_internal.running_jobs', true);
	IF pg_catalog.strpos(COALESCE(running, ''), ',' OPERATOR(pg_catalog.||) j.job_id OPERATOR(pg_catalog.||) ',') OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'job "%" is already running in this session', j.name
			USING ERRCODE = 'object_in_use',
				DETAIL = 'A job''s command ran the job itself.';
	END IF;
	-- One run of a job at a time: a run holds this lock until its
	-- transaction ends; a run that finds it taken is recorded as skipped.
	IF NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('analytics.jobs'), j.job_id::int) THEN
		INSERT INTO analytics.job_runs (job_id, job_name, started_at, finished_at, status, error, manual, config)
		VALUES (j.job_id, j.name, started, started, 'skipped', 'a run of this job was still going', manual, cfg)
		RETURNING run_id INTO run;
		RAISE NOTICE 'job "%" is still running: this run is skipped', j.name;
		RETURN run;
	END IF;

	-- the running row, visible to other sessions at once when a worker can
	-- commit it (else with this transaction)
	run := analytics_internal._job_run_begin(j.job_id, started, manual, cfg::text);
	IF run IS NULL THEN
		INSERT INTO analytics.job_runs (job_id, job_name, started_at, status, manual, config)
		VALUES (j.job_id, j.name, started, 'running', manual, cfg)
		RETURNING run_id INTO run;
	END IF;
	-- We hold the lock, so any other running row of this job is a run whose
	-- transaction was rolled back after its row was committed, or a session
	-- that ended.
	UPDATE analytics.job_runs r
	SET status = 'failed', error = 'the run ended without recording its outcome (its transaction was rolled back or its session ended)'
	WHERE r.job_id OPERATOR(pg_catalog.=) j.job_id AND r.status OPERATOR(pg_catalog.=) 'running'
		AND r.run_id OPERATOR(pg_catalog.<>) run;

	prev := pg_catalog.current_setting('analytics.job_config', true);
	PERFORM pg_catalog.set_config('analytics.job_config', cfg::text, true);
	PERFORM pg_catalog.set_config('analytics_internal.running_jobs',
		COALESCE(NULLIF(running, ''), ',') OPERATOR(pg_catalog.||) j.job_id OPERATOR(pg_catalog.||) ',', true);
	BEGIN
		EXECUTE j.command;
		GET DIAGNOSTICS n = ROW_COUNT;
	EXCEPTION WHEN OTHERS OR query_canceled THEN
		-- the command's work is rolled back; the failure is committed by a
		-- worker, then the error goes on to pg_cron or the caller
		GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT, err_detail = PG_EXCEPTION_DETAIL,
			err_hint = PG_EXCEPTION_HINT, err_state = RETURNED_SQLSTATE;
		PERFORM pg_catalog.set_config('analytics.job_config', COALESCE(prev, ''), true);
		PERFORM pg_catalog.set_config('analytics_internal.running_jobs', COALESCE(running, ''), true);
		recorded := analytics_internal._job_run_failed(run, analytics_internal._job_clock(), err_message);
		err_hint := COALESCE(NULLIF(err_hint, '') OPERATOR(pg_catalog.||) ' ', '') OPERATOR(pg_catalog.||) CASE WHEN recorded
			THEN pg_catalog.format('Run %s is recorded as failed in analytics.job_runs.', run)
			ELSE 'The run could not be recorded as failed (the job was created in this transaction, this transaction locks analytics.job_runs, or no background worker was free; the server log says why).' END;
		IF COALESCE(err_detail, '') OPERATOR(pg_catalog.=) '' THEN
			RAISE EXCEPTION USING ERRCODE = err_state, HINT = err_hint,
				MESSAGE = pg_catalog.format('job "%s" failed: %s', j.name, err_message);
		END IF;
		RAISE EXCEPTION USING ERRCODE = err_state, HINT = err_hint, DETAIL = err_detail,
			MESSAGE = pg_catalog.format('job "%s" failed: %s', j.name, err_message);
	END;
	PERFORM pg_catalog.set_config('analytics.job_config', COALESCE(prev, ''), true);
	PERFORM pg_catalog.set_config('analytics_internal.running_jobs', COALESCE(running, ''), true);
	UPDATE analytics.job_runs r
	SET status = 'success', finished_at = analytics_internal._job_clock(), rows_affected = n
	WHERE r.run_id OPERATOR(pg_catalog.=) run;
	RETURN run;
END
$$;
COMMENT ON FUNCTION analytics_internal._job_execute(bigint, boolean, jsonb) IS 'Internal: one run of a job: records it running, runs its command with its config in analytics.job_config, records success or failure (then raises the error); a run that finds one going is recorded as skipped';

-- What every job's pg_cron command calls.
CREATE FUNCTION analytics_internal._job_tick(name text, job_id bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	active boolean;
BEGIN
	SELECT j.is_active INTO active FROM analytics.jobs j
	WHERE j.job_id OPERATOR(pg_catalog.=) _job_tick.job_id AND j.name OPERATOR(pg_catalog.=) _job_tick.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job "%" (registry id %) is not in analytics.jobs', name, job_id
			USING ERRCODE = 'undefined_object',
				HINT = 'Its pg_cron job outlived it: remove that with cron.unschedule.';
	END IF;
	IF NOT active THEN
		RETURN NULL;
	END IF;
	RETURN analytics_internal._job_execute(job_id, false, NULL);
END
$$;
COMMENT ON FUNCTION analytics_internal._job_tick(text, bigint) IS 'Internal: the command of every job''s pg_cron entry: runs the job (the registry id must still carry that name) and records the run';

CREATE FUNCTION analytics.run_job(name text, config_override jsonb DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	id bigint;
BEGIN
	IF config_override IS NOT NULL AND pg_catalog.jsonb_typeof(config_override) OPERATOR(pg_catalog.<>) 'object' THEN
		RAISE EXCEPTION 'config_override must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT j.job_id INTO id FROM analytics.jobs j WHERE j.name OPERATOR(pg_catalog.=) run_job.name;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'job "%" does not exist', name
			USING ERRCODE = 'undefined_object',
				HINT = 'analytics.scheduled_jobs lists the jobs.';
	END IF;
	RETURN analytics_internal._job_execute(id, true, config_override);
END
$$;
COMMENT ON FUNCTION analytics.run_job(text, jsonb) IS 'Runs a job now, recorded like a scheduled run (manual = true), its command seeing the job''s config with config_override merged in; the run id; raises the command''s error after recording the failure';

-- The maintenance job's command (see analytics.schedule_maintenance).
CREATE FUNCTION analytics_internal._maintenance()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	made bigint;
	pruned bigint := 0;
	keep interval := analytics_internal._job_run_retention();
BEGIN
	SELECT pg_catalog.count(*) INTO made FROM analytics.ensure_partitions();
	IF keep IS NOT NULL THEN
		DELETE FROM analytics.job_runs r
		WHERE r.status OPERATOR(pg_catalog.<>) 'running'
			AND COALESCE(r.finished_at, r.started_at) OPERATOR(pg_catalog.<) (analytics_internal._now() OPERATOR(pg_catalog.-) keep);
		GET DIAGNOSTICS pruned = ROW_COUNT;
	END IF;
	RETURN made OPERATOR(pg_catalog.+) pruned;
END
$$;
COMMENT ON FUNCTION analytics_internal._maintenance() IS 'Internal: the maintenance job''s command: analytics.ensure_partitions(), then deletes job runs that finished longer ago than analytics.job_run_retention; partitions created plus runs deleted';

CREATE VIEW analytics.scheduled_jobs AS
SELECT j.name,
	j.job_type,
	j.schedule,
	j.is_active,
	j.cron_job_id IS NOT NULL AS is_scheduled,
	l.started_at AS last_run_at,
	CASE WHEN j.is_active AND j.cron_job_id IS NOT NULL
		THEN analytics.cron_next(j.schedule, analytics_internal._now()) END AS next_run_at,
	COALESCE(l.status, 'pending') AS last_status,
	l.error AS last_error,
	s.success_count OPERATOR(pg_catalog.+) s.failure_count AS run_count,
	s.success_count,
	s.failure_count,
	s.success_count::float8 OPERATOR(pg_catalog./)
		NULLIF(s.success_count OPERATOR(pg_catalog.+) s.failure_count, 0) AS success_rate,
	s.avg_seconds,
	j.config,
	j.config::text AS config_text
FROM analytics.jobs j
LEFT JOIN LATERAL (
	SELECT r.started_at, r.status, r.error
	FROM analytics.job_runs r
	WHERE r.job_id OPERATOR(pg_catalog.=) j.job_id AND r.status OPERATOR(pg_catalog.<>) 'skipped'
	ORDER BY r.started_at DESC, r.run_id DESC
	LIMIT 1
) l ON true
CROSS JOIN LATERAL (
	SELECT pg_catalog.count(*) FILTER (WHERE r.status OPERATOR(pg_catalog.=) 'success') AS success_count,
		pg_catalog.count(*) FILTER (WHERE r.status OPERATOR(pg_catalog.=) 'failed') AS failure_count,
		pg_catalog.avg(pg_catalog.date_part('epoch', r.finished_at OPERATOR(pg_catalog.-) r.started_at))
			FILTER (WHERE r.status OPERATOR(pg_catalog.=) ANY (ARRAY['success', 'failed']) AND r.finished_at IS NOT NULL) AS avg_seconds
	FROM analytics.job_runs r
	WHERE r.job_id OPERATOR(pg_catalog.=) j.job_id
) s;
COMMENT ON VIEW analytics.scheduled_jobs IS 'Every job of the registry with its next run and the health of its runs';
COMMENT ON COLUMN analytics.scheduled_jobs.name IS 'Job name';
COMMENT ON COLUMN analytics.scheduled_jobs.job_type IS 'refresh, goal_update, report, data_sync, maintenance or custom';
COMMENT ON COLUMN analytics.scheduled_jobs.schedule IS 'pg_cron 1.4 schedule, in UTC';
COMMENT ON COLUMN analytics.scheduled_jobs.is_active IS 'Whether pg_cron fires the job';
COMMENT ON COLUMN analytics.scheduled_jobs.is_scheduled IS 'Whether the job has a pg_cron entry (false when pg_cron was not installed when it was created)';
COMMENT ON COLUMN analytics.scheduled_jobs.last_run_at IS 'Start of the latest run that was not skipped (running included); NULL before the first';
COMMENT ON COLUMN analytics.scheduled_jobs.next_run_at IS 'Next time pg_cron fires the job after now (analytics_internal._now()), computed from the schedule in UTC; NULL when inactive, not scheduled or @reboot';
COMMENT ON COLUMN analytics.scheduled_jobs.last_status IS 'Status of that run: running, success or failed; pending before the first run';
COMMENT ON COLUMN analytics.scheduled_jobs.last_error IS 'Error message of that run when it failed, else NULL';
COMMENT ON COLUMN analytics.scheduled_jobs.run_count IS 'Finished runs kept in analytics.job_runs (success and failed; not running or skipped)';
COMMENT ON COLUMN analytics.scheduled_jobs.success_count IS 'Runs that succeeded';
COMMENT ON COLUMN analytics.scheduled_jobs.failure_count IS 'Runs that failed';
COMMENT ON COLUMN analytics.scheduled_jobs.success_rate IS 'success_count / run_count, from 0 to 1; NULL before the first finished run';
COMMENT ON COLUMN analytics.scheduled_jobs.avg_seconds IS 'Mean duration of the finished runs, in seconds';
COMMENT ON COLUMN analytics.scheduled_jobs.config IS 'The job''s config (a JSON object)';
COMMENT ON COLUMN analytics.scheduled_jobs.config_text IS 'The job''s config as text, for tools that do not read jsonb';

-- Privileges: analytics_admin creates and runs jobs through the functions
-- (SECURITY INVOKER, with the column privileges below); readers read the view.
REVOKE ALL ON FUNCTION analytics_internal._job_run_begin(bigint, timestamptz, boolean, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_run_failed(bigint, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_check(text, text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_for_change(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_cron_schedule(analytics.jobs) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_cron_exists(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.create_job(text, text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.alter_job(text, text, boolean, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.drop_job(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_execute(bigint, boolean, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._job_tick(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.run_job(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._maintenance() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._job_run_begin(bigint, timestamptz, boolean, text),
	analytics_internal._job_run_failed(bigint, timestamptz, text),
	analytics_internal._job_check(text, text, text, text, jsonb),
	analytics_internal._job_for_change(text),
	analytics_internal._job_cron_schedule(analytics.jobs),
	analytics_internal._job_cron_exists(bigint),
	analytics.create_job(text, text, text, text, jsonb),
	analytics.alter_job(text, text, boolean, jsonb),
	analytics.drop_job(text),
	analytics_internal._job_execute(bigint, boolean, jsonb),
	analytics_internal._job_tick(text, bigint),
	analytics.run_job(text, jsonb)
	TO analytics_admin;
GRANT SELECT, DELETE ON analytics.jobs TO analytics_admin;
GRANT INSERT (name, job_type, schedule, command, config) ON analytics.jobs TO analytics_admin;
GRANT UPDATE (schedule, is_active, config, cron_job_id, updated_at) ON analytics.jobs TO analytics_admin;
GRANT SELECT ON analytics.job_runs TO analytics_admin;
GRANT INSERT (job_id, job_name, started_at, finished_at, status, error, manual, config) ON analytics.job_runs TO analytics_admin;
GRANT UPDATE (status, finished_at, error, rows_affected) ON analytics.job_runs TO analytics_admin;
GRANT SELECT ON analytics.scheduled_jobs TO analytics_reader, analytics_admin;


COMMENT ON FUNCTION analytics.schedule_maintenance(text) IS 'Registers the maintenance job "ensure_partitions" (analytics.ensure_partitions, then pruning analytics.job_runs after analytics.job_run_retention) and schedules it with pg_cron as "analytics_ensure_partitions"; the pg_cron job id';

-- A maintenance job scheduled by 0.1.0 (pg_cron's analytics_ensure_partitions
-- running ensure_partitions directly) moves into the registry, same schedule.
DO $upgrade$
DECLARE
	old_schedule text;
BEGIN
	IF analytics_internal._has_pg_cron() THEN
		EXECUTE 'SELECT c.schedule FROM cron.job c WHERE c.jobname OPERATOR(pg_catalog.=) ''analytics_ensure_partitions''
			AND c.command OPERATOR(pg_catalog.=) ''SELECT pg_catalog.count(*) FROM analytics.ensure_partitions()'''
			INTO old_schedule;
		IF old_schedule IS NOT NULL THEN
			PERFORM analytics.schedule_maintenance(old_schedule);
		END IF;
	END IF;
END
$upgrade$;

-- The extension's own jobs through the registry: the KPI refresh, and
-- (below) the materialized aggregates' refreshes.
-- The extension's own scheduled work (materialized aggregate refreshes, the
-- KPI summary refresh): a registry job of a fixed command, owned by the
-- calling role (the extension's owner, from a SECURITY DEFINER function);
-- scheduling again changes its schedule, NULL drops it. One of that name
-- with another command or owner is replaced. The pg_cron job id.
CREATE FUNCTION analytics_internal._job_register(name text, job_type text, schedule text, command text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) _job_register.name;
	IF FOUND AND (schedule IS NULL OR j.owner OPERATOR(pg_catalog.<>) CURRENT_USER
		OR j.command OPERATOR(pg_catalog.<>) _job_register.command) THEN
		PERFORM analytics.drop_job(j.name);
		j := NULL;
	END IF;
	IF schedule IS NULL THEN
		RETURN NULL;
	END IF;
	IF j.job_id IS NULL THEN
		RETURN analytics.create_job(name, job_type, schedule, command);
	END IF;
	PERFORM analytics.alter_job(j.name, schedule => schedule, is_active => true);
	RETURN (SELECT x.cron_job_id FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id);
END
$$;
COMMENT ON FUNCTION analytics_internal._job_register(text, text, text, text) IS 'Registers (or reschedules, or with a NULL schedule drops) a job of the extension''s own with a fixed command; the pg_cron job id';
REVOKE ALL ON FUNCTION analytics_internal._job_register(text, text, text, text) FROM PUBLIC;


COMMENT ON FUNCTION analytics.schedule_kpi_refresh(text) IS 'Schedules analytics.refresh_retail_summaries() as the registry job "refresh_retail_summaries" (pg_cron''s analytics_refresh_retail_summaries; default every 5 minutes); returns the pg_cron job id';
DROP FUNCTION analytics_internal._cron_schedule(text, text, text);

-- Materialized aggregates (src/matagg.sql), new in 0.2.0.
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

-- The job registry: row security (each admin changes only their own jobs and runs).
-- Row security: every admin reads the whole registry, but changes only the
-- jobs of their own role and the runs of those jobs (the column privileges
-- alone would let one admin retune or forge the runs of another's job, or
-- of a superuser's). Superusers and the extension's owner bypass it.
ALTER TABLE analytics.jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY jobs_read ON analytics.jobs FOR SELECT USING (true);
CREATE POLICY jobs_own ON analytics.jobs
	USING (owner OPERATOR(pg_catalog.=) CURRENT_USER) WITH CHECK (owner OPERATOR(pg_catalog.=) CURRENT_USER);
ALTER TABLE analytics.job_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY job_runs_read ON analytics.job_runs FOR SELECT USING (true);
CREATE POLICY job_runs_own ON analytics.job_runs
	USING (EXISTS (SELECT FROM analytics.jobs j WHERE j.job_id OPERATOR(pg_catalog.=) job_runs.job_id
		AND j.owner OPERATOR(pg_catalog.=) CURRENT_USER))
	WITH CHECK (EXISTS (SELECT FROM analytics.jobs j WHERE j.job_id OPERATOR(pg_catalog.=) job_runs.job_id
		AND j.owner OPERATOR(pg_catalog.=) CURRENT_USER));


-- Daily views (issue 14): event_counts_daily and event_counts_filled read
-- the built-in materialized aggregate event_days (same columns),
-- event_anomalies a window over event_counts_filled (same columns and
-- values), and each dashboard view gets a daily form analytics.<view>_daily.

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
CREATE OR REPLACE VIEW analytics.event_counts_daily AS
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
CREATE OR REPLACE VIEW analytics.event_counts_filled AS
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

-- The z-score is a window per event name over event_counts_filled (a row
-- per name and day, read from the materialized daily counts), ROWS 28
-- PRECEDING over the dense days of the event name, as in the 0.1.0
-- definition. A filter on day applies after the window (each day's z-score
-- needs the 28 days before it); the window reads the daily counts, a few
-- rows a day, not the events.
CREATE OR REPLACE VIEW analytics.event_anomalies AS
SELECT w.day, w.event_name, w.events, w.zscore,
	pg_catalog.abs(w.zscore) OPERATOR(pg_catalog.>)
		analytics.anomaly_threshold() AS is_anomaly
FROM (
	SELECT f.day, f.event_name, f.events,
		analytics.zscore(f.events::pg_catalog.float8) OVER (PARTITION BY f.event_name ORDER BY f.day
			ROWS BETWEEN 28 PRECEDING AND CURRENT ROW) AS zscore
	FROM analytics.event_counts_filled f
	WHERE f.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', analytics_internal._now()))::date
) w;
COMMENT ON VIEW analytics.event_anomalies IS 'Events per event_name and UTC day (days without events count 0), with the z-score of each day against the 28 days before it and is_anomaly = |zscore| > analytics.anomaly_threshold; complete days only (the current UTC day is left out)';

-- Daily forms
--
-- Power BI filters every page by date, so each dashboard view has a daily
-- form with a UTC day column first: analytics.<view>_daily. The views above
-- stay as they were, the all-time figures, since most of their figures do
-- not add up across days (distinct users and sessions, medians, ratios,
-- one-row summaries). In each daily view, the counts and sums that do add up
-- (summed over all days they equal the all-time view's figure) say so in
-- their comments; the others are that day's own figure.
--
-- filter_usage_daily and booking_tags_daily count the events of each day:
-- like analytics.event_counts_daily, a series of days (the filter on day
-- applies to it) with a LATERAL scan of each day's occurred_at range, so a
-- filter on day reads only the partitions of those days.
--
-- screen_time_stats_daily counts each session on the UTC day of its first
-- event (its start day), with all of its events: a session crossing midnight
-- stays whole, and total_seconds, views and sessions add up across days to
-- screen_time_stats. A filter on day reads the partitions from the first
-- day kept on (the sessions started that day and their later events) and
-- probes the (session_id, occurred_at) index of earlier partitions once per
-- session (whether it started before).
--
-- schedule_import_funnel_daily counts each user and method on the UTC day
-- of the user's first start (a cohort), with the steps reached at any time
-- after it: users and dropoff_from_previous add up across days to
-- schedule_import_funnel. A cohort's first start can only be known from all
-- earlier events, and its later steps come from any later day, so this view
-- and schedule_import_summary_daily read every schedule_import_step event
-- (through the (event_name, occurred_at) index of each partition) whatever
-- the filter on day.

CREATE VIEW analytics.filter_usage_daily AS
SELECT d.day, u.filter, u.uses, u.users
FROM analytics_internal._event_days() AS d(day)
CROSS JOIN LATERAL (
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
		AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
		AND e.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', (d.day OPERATOR(pg_catalog.+) 1)::timestamp)
	GROUP BY f.filter
) u;
COMMENT ON VIEW analytics.filter_usage_daily IS 'analytics.filter_usage per UTC day of the home_filters_opened events: uses add up across days to filter_usage.uses, users are that day''s distinct users; a filter on day reads only the partitions of those days';
COMMENT ON COLUMN analytics.filter_usage_daily.day IS 'UTC calendar day of the events'' occurred_at';
COMMENT ON COLUMN analytics.filter_usage_daily.filter IS 'Filter name, as in analytics.filter_usage';
COMMENT ON COLUMN analytics.filter_usage_daily.uses IS 'home_filters_opened events that day that applied the filter; summed over all days: filter_usage.uses';
COMMENT ON COLUMN analytics.filter_usage_daily.users IS 'Distinct non-NULL user_id among those events of the day (0 when none has one); does not add up across days';

CREATE VIEW analytics.booking_tags_daily AS
SELECT d.day, b.building, b.time_window, b.tag, b.bookings
FROM analytics_internal._event_days() AS d(day)
CROSS JOIN LATERAL (
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
		AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
		AND e.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', (d.day OPERATOR(pg_catalog.+) 1)::timestamp)
	GROUP BY 1, 2, 3
) b;
COMMENT ON VIEW analytics.booking_tags_daily IS 'analytics.booking_tags per UTC day of the booking_created events; bookings add up across days to booking_tags.bookings; a filter on day reads only the partitions of those days';
COMMENT ON COLUMN analytics.booking_tags_daily.day IS 'UTC calendar day of the events'' occurred_at';
COMMENT ON COLUMN analytics.booking_tags_daily.building IS 'props.building, as in analytics.booking_tags';
COMMENT ON COLUMN analytics.booking_tags_daily.time_window IS 'props.time_window, as in analytics.booking_tags';
COMMENT ON COLUMN analytics.booking_tags_daily.tag IS 'A tag, or ''(none)'', as in analytics.booking_tags';
COMMENT ON COLUMN analytics.booking_tags_daily.bookings IS 'booking_created events that day with that building, time window and tag; summed over all days: booking_tags.bookings';

-- The sessions whose first event is on the given UTC day: those with an
-- event that day and none before it (a probe of the (session_id,
-- occurred_at) index of the earlier partitions per session).
CREATE FUNCTION analytics_internal._sessions_started(day date)
RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT s.session_id
FROM (SELECT DISTINCT e.session_id
	FROM analytics.events e
	WHERE e.session_id IS NOT NULL
		AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', day::timestamp)
		AND e.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', (day OPERATOR(pg_catalog.+) 1)::timestamp)) s
-- a scalar subquery with LIMIT stays a probe per session (NOT EXISTS could
-- become an anti join reading every earlier event)
WHERE (SELECT 1 FROM analytics.events p
		WHERE p.session_id OPERATOR(pg_catalog.=) s.session_id
			AND p.occurred_at OPERATOR(pg_catalog.<) pg_catalog.timezone('UTC', day::timestamp)
		LIMIT 1) IS NULL
$$;
COMMENT ON FUNCTION analytics_internal._sessions_started(date) IS 'Internal: the session_id of the sessions whose first event is on the given UTC day';

CREATE VIEW analytics.screen_time_stats_daily AS
SELECT d.day, x.screen, x.total_seconds, x.views, x.sessions, x.users, x.avg_seconds_per_session
FROM analytics_internal._event_days() AS d(day)
CROSS JOIN LATERAL (
	SELECT p.screen, p.total_seconds, p.views, p.sessions, COALESCE(v.users, 0) AS users,
		p.total_seconds / p.sessions AS avg_seconds_per_session
	FROM (
		SELECT r.screen, pg_catalog.sum(r.seconds) AS total_seconds, pg_catalog.sum(r.views)::bigint AS views,
			pg_catalog.count(*) AS sessions
		FROM (
			-- one analytics.screen_seconds state per session started that day,
			-- over all of its events
			SELECT e.session_id,
				analytics.screen_seconds(e.occurred_at, e.screen, e.duration_ms, NULL::pg_catalog.interval) AS st
			FROM analytics.events e
			WHERE e.session_id IN (SELECT z.session_id FROM analytics_internal._sessions_started(d.day) AS z(session_id))
				AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
			GROUP BY e.session_id
		) s, analytics.screen_time_rows(s.st) r
		GROUP BY r.screen
	) p
	LEFT JOIN (
		SELECT e.screen, pg_catalog.count(DISTINCT e.user_id) AS users
		FROM analytics.events e
		WHERE e.session_id IN (SELECT z.session_id FROM analytics_internal._sessions_started(d.day) AS z(session_id))
			AND e.occurred_at OPERATOR(pg_catalog.>=) pg_catalog.timezone('UTC', d.day::timestamp)
			AND e.screen IS NOT NULL
		GROUP BY e.screen
	) v ON v.screen OPERATOR(pg_catalog.=) p.screen
) x;
COMMENT ON VIEW analytics.screen_time_stats_daily IS 'analytics.screen_time_stats per UTC day a session started (the day of its first event), each session whole: total_seconds, views and sessions add up across days to screen_time_stats, users and avg_seconds_per_session are the day''s own';
COMMENT ON COLUMN analytics.screen_time_stats_daily.day IS 'UTC calendar day of the first event of the sessions counted';
COMMENT ON COLUMN analytics.screen_time_stats_daily.screen IS 'Screen name (events.screen) of the screen views';
COMMENT ON COLUMN analytics.screen_time_stats_daily.total_seconds IS 'Seconds spent on the screen in the sessions started that day (all of their events, rules as in screen_time_stats); summed over all days: screen_time_stats.total_seconds';
COMMENT ON COLUMN analytics.screen_time_stats_daily.views IS 'Screen views in the sessions started that day; summed over all days: screen_time_stats.views';
COMMENT ON COLUMN analytics.screen_time_stats_daily.sessions IS 'Sessions started that day with at least one view of the screen; summed over all days: screen_time_stats.sessions';
COMMENT ON COLUMN analytics.screen_time_stats_daily.users IS 'Distinct non-NULL user_id among the views of the screen in those sessions (0 when none has one); does not add up across days';
COMMENT ON COLUMN analytics.screen_time_stats_daily.avg_seconds_per_session IS 'total_seconds / sessions of the day, in seconds';

CREATE VIEW analytics.schedule_import_funnel_daily AS
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
		(pg_catalog.timezone('UTC', pg_catalog.max(s.t1)))::date AS day,
		pg_catalog.max(s.t2) IS NOT NULL AS reached2,
		COALESCE(pg_catalog.bool_or(s.step = 3 AND s.occurred_at >= s.t2), false) AS reached3
	FROM with_t2 s
	GROUP BY s.method, s.user_id
	HAVING pg_catalog.max(s.t1) IS NOT NULL
),
per_method AS (
	SELECT u.day, u.method,
		pg_catalog.count(*) AS users1,
		pg_catalog.count(*) FILTER (WHERE u.reached2) AS users2,
		pg_catalog.count(*) FILTER (WHERE u.reached3) AS users3
	FROM per_user u
	GROUP BY u.day, u.method
)
SELECT m.day, m.method, k.step, k.step_name, k.users,
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
COMMENT ON VIEW analytics.schedule_import_funnel_daily IS 'analytics.schedule_import_funnel per cohort: the UTC day of each user''s first start of the method, with the steps the user reached at any time after it; users and dropoff_from_previous add up across days to schedule_import_funnel';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.day IS 'UTC calendar day of the user''s first started event for the method (the cohort)';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.method IS 'props.method of schedule_import_step events (a string); a method appears on the days a user first started it';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.step IS 'Step number: 1 started, 2 file_selected, 3 completed';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.step_name IS 'Step name: started, file_selected or completed (props.step)';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.users IS 'Users of the cohort who reached the step in order (rules as in schedule_import_funnel, at any time after the first start); summed over all days: schedule_import_funnel.users';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.dropoff_from_previous IS 'users of the previous step - users of this step, in the cohort; 0 for step 1; summed over all days: schedule_import_funnel.dropoff_from_previous';
COMMENT ON COLUMN analytics.schedule_import_funnel_daily.dropoff_pct IS '100 x dropoff_from_previous / users of the previous step in the cohort, in percent (0-100); NULL for step 1 and when the previous step has no users; does not add up across days';

-- Per cohort day, the summary of that day's funnel rows, with the rules of
-- analytics.schedule_import_summary; a day appears when a cohort started.
CREATE VIEW analytics.schedule_import_summary_daily AS
WITH f AS MATERIALIZED (
	SELECT * FROM analytics.schedule_import_funnel_daily
)
SELECT d.day, c.method AS most_common_method,
	x.method AS highest_dropoff_method,
	x.step_name AS highest_dropoff_step
FROM (SELECT DISTINCT f.day FROM f) d
LEFT JOIN LATERAL (
	SELECT f.method FROM f
	WHERE f.day OPERATOR(pg_catalog.=) d.day AND f.step = 1
	ORDER BY f.users DESC, f.method COLLATE pg_catalog."C"
	LIMIT 1
) c ON true
LEFT JOIN LATERAL (
	SELECT f.method, f.step_name FROM f
	WHERE f.day OPERATOR(pg_catalog.=) d.day AND f.step > 1 AND f.dropoff_pct IS NOT NULL
	ORDER BY f.dropoff_pct DESC, f.method COLLATE pg_catalog."C", f.step_name COLLATE pg_catalog."C"
	LIMIT 1
) x ON true;
COMMENT ON VIEW analytics.schedule_import_summary_daily IS 'analytics.schedule_import_summary per cohort day of analytics.schedule_import_funnel_daily: the method most users first started that day, and the method and step with the highest drop-off percentage in that day''s cohort (ties: alphabetical)';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.day IS 'UTC calendar day of the cohort (users'' first start), a day of schedule_import_funnel_daily';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.most_common_method IS 'The method with the most users at step 1 that day (ties: first in C collation order)';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.highest_dropoff_method IS 'The method of the day''s step 2 or 3 row with the highest dropoff_pct (ties: first method, then step_name, in C collation order); NULL when no such row has a dropoff_pct';
COMMENT ON COLUMN analytics.schedule_import_summary_daily.highest_dropoff_step IS 'The step_name (file_selected or completed) of that row; NULL when highest_dropoff_method is';

GRANT SELECT ON analytics.screen_time_stats_daily, analytics.filter_usage_daily, analytics.booking_tags_daily,
	analytics.schedule_import_funnel_daily, analytics.schedule_import_summary_daily TO analytics_reader;

-- Built-in materialized aggregates (issue 14): the dashboards' (screen time
-- per session and day, the import funnel per day) and the warehouse's
-- (sales_days, payment_days, metrics_products); retail_daily_totals, a table
-- in 0.1.0, becomes a view over the latter two, and the KPI views that read
-- it or the facts' daily figures read them.
-- Built-in materialized aggregates (src/matagg.sql) for the app's
-- dashboards; refreshed when scheduled, exact through their _live views.
--
-- screen_time_session_days: per UTC day and session, the
-- analytics.screen_seconds state of that day's events of the session (rules
-- as in screen_time_stats, the timeout being analytics.session_idle_timeout
-- when the state is computed). A session's day is cut at UTC midnight: the
-- gap from its last event before midnight to its first event after counts
-- toward neither day. Merged with analytics.rollup, the states of any range
-- of days give that range's screen time exactly (screen_time_by_day).
SELECT analytics_internal._matagg_builtin('screen_time_session_days', 'analytics.events', 'occurred_at', '1 day',
	ARRAY['session_id'],
	ARRAY['analytics.screen_seconds(occurred_at, screen, duration_ms, NULL::pg_catalog.interval) AS st'],
	'session_id IS NOT NULL');

-- screen_time_days: per UTC day, those states merged (analytics.rollup)
-- and the sessions counted: a chained aggregate over the table above (its
-- refresh refreshes that one first; its _live view reads that one's).
SELECT analytics_internal._matagg_builtin('screen_time_days', 'analytics.screen_time_session_days', 'bucket', '1 day',
	'{}', ARRAY['analytics.rollup(st) AS st', 'pg_catalog.count(*) AS sessions']);

CREATE VIEW analytics.screen_time_by_day AS
SELECT d.day, r.screen, r.seconds, r.views, d.sessions
FROM analytics.screen_time_days_live d, analytics.screen_time_rows(d.st) r;
COMMENT ON VIEW analytics.screen_time_by_day IS 'Screen time per UTC day and screen, from the materialized daily states (analytics.screen_time_days_live, a rollup of the per-session ones): each day''s events of each session, cut at UTC midnight; seconds and views add up over any range of days';
COMMENT ON COLUMN analytics.screen_time_by_day.day IS 'UTC calendar day of the events';
COMMENT ON COLUMN analytics.screen_time_by_day.screen IS 'Screen name (events.screen)';
COMMENT ON COLUMN analytics.screen_time_by_day.seconds IS 'Seconds on the screen that day (rules of screen_time_stats within each session''s events of the day; a gap across UTC midnight counts toward neither day)';
COMMENT ON COLUMN analytics.screen_time_by_day.views IS 'Views of the screen that day';
COMMENT ON COLUMN analytics.screen_time_by_day.sessions IS 'Sessions with events that day (any screen), the same on every row of the day';

-- import_funnel_days: per UTC day and props.method, the schedule_import_step
-- events of each step (started, file_selected, completed) and the distinct
-- users who started or completed that day. Per day of the events, not per
-- cohort (schedule_import_funnel_daily follows each user from the first
-- start, which no per-day aggregate can).
SELECT analytics_internal._matagg_builtin('import_funnel_days', 'analytics.events', 'occurred_at', '1 day',
	ARRAY['props ->> ''method'' AS method'],
	ARRAY['pg_catalog.count(*) FILTER (WHERE props ->> ''step'' = ''started'') AS started',
		'pg_catalog.count(*) FILTER (WHERE props ->> ''step'' = ''file_selected'') AS file_selected',
		'pg_catalog.count(*) FILTER (WHERE props ->> ''step'' = ''completed'') AS completed',
		'pg_catalog.count(DISTINCT user_id) FILTER (WHERE props ->> ''step'' = ''started'') AS users_started',
		'pg_catalog.count(DISTINCT user_id) FILTER (WHERE props ->> ''step'' = ''completed'') AS users_completed'],
	'event_name = ''schedule_import_step'' AND pg_catalog.jsonb_typeof(props -> ''method'') = ''string''');

GRANT SELECT ON analytics.screen_time_by_day TO analytics_reader;

-- Summaries. The daily ones are built-in materialized aggregates
-- (src/matagg.sql), exact per UTC day of the fact's timestamp (the day the
-- loader gives dim_date.full_date), refreshed by
-- analytics.refresh_retail_summaries (or when scheduled); their _live views
-- are exact between refreshes. customer_first_purchase, a row per customer
-- who ever completed a purchase, depends on every day of a customer and is
-- a table of its own, maintained by analytics.refresh_retail_summaries.
--
-- A source customer's id for a fact's customer_key (a key never changes
-- customer: an SCD2 change adds a key).
CREATE FUNCTION analytics_internal._customer_id(customer_key bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT c.customer_id FROM analytics.dim_customer c WHERE c.customer_key OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION analytics_internal._customer_id(bigint) IS 'Internal: the source customer_id of a dim_customer key (the distinct customers of the daily summaries)';

-- sales_days: per UTC day with a completed order line: revenue (sum of
-- total_amount), cost (sum of cost_amount, NULL when a line has none),
-- orders (distinct order_id), units (sum of quantity) and customers
-- (distinct customer_id).
SELECT analytics_internal._matagg_builtin('sales_days', 'analytics.fact_sales', 'sale_ts', '1 day', '{}',
	ARRAY['pg_catalog.sum(total_amount) AS revenue',
		'CASE WHEN pg_catalog.count(cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(cost_amount) END AS cost',
		'pg_catalog.count(DISTINCT order_id) AS orders',
		'pg_catalog.sum(quantity) AS units',
		'pg_catalog.count(DISTINCT analytics_internal._customer_id(customer_key)) AS customers'],
	'status = ''completed''');

-- payment_days: per UTC day with a payment: fee revenue, amount, payments,
-- failed payments, and the sum and count of processing times.
SELECT analytics_internal._matagg_builtin('payment_days', 'analytics.fact_payments', 'txn_ts', '1 day', '{}',
	ARRAY['pg_catalog.sum(revenue) AS revenue', 'pg_catalog.sum(amount) AS amount',
		'pg_catalog.count(*) AS payments',
		'pg_catalog.count(*) FILTER (WHERE status = ''failed'') AS failed_payments',
		'pg_catalog.sum(processing_time) AS processing_seconds',
		'pg_catalog.count(processing_time) AS timed_payments']);

-- metrics_products: per UTC day and product with a completed line: units
-- sold, revenue, and profit (revenue - cost; NULL when a line has no cost).
-- The warehouse holds no stock levels, so there is no stock column.
SELECT analytics_internal._matagg_builtin('metrics_products', 'analytics.fact_sales', 'sale_ts', '1 day',
	ARRAY['product_key'],
	ARRAY['pg_catalog.sum(quantity) AS units_sold', 'pg_catalog.sum(total_amount) AS revenue',
		'CASE WHEN pg_catalog.count(cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(total_amount) - pg_catalog.sum(cost_amount) END AS profit'],
	'status = ''completed''');

-- The daily totals the 7-day averages, month-over-month growth and shares
-- read: the two materialized tables (as refreshed) side by side, a row per
-- day with a completed sale or a payment. A filter on day reaches both
-- tables' day index.
ALTER EXTENSION analytics DROP TABLE analytics.retail_daily_totals;
ALTER TABLE analytics.retail_daily_totals RENAME TO retail_daily_totals_0_1;
CREATE VIEW analytics.retail_daily_totals AS
SELECT u.day,
	pg_catalog.sum(u.sales_revenue)::numeric(16, 2) AS sales_revenue,
	pg_catalog.sum(u.payment_revenue)::numeric(18, 4) AS payment_revenue,
	pg_catalog.sum(u.payments)::bigint AS payments,
	pg_catalog.sum(u.failed_payments)::bigint AS failed_payments,
	pg_catalog.sum(u.processing_seconds)::numeric(18, 3) AS processing_seconds,
	pg_catalog.sum(u.timed_payments)::bigint AS timed_payments
FROM (
	SELECT s.day, s.revenue AS sales_revenue, 0::numeric AS payment_revenue, 0::bigint AS payments,
		0::bigint AS failed_payments, 0::numeric AS processing_seconds, 0::bigint AS timed_payments
	FROM analytics.sales_days s
	UNION ALL
	SELECT p.day, 0, p.revenue, p.payments, p.failed_payments, COALESCE(p.processing_seconds, 0), p.timed_payments
	FROM analytics.payment_days p
) u
GROUP BY u.day;
COMMENT ON VIEW analytics.retail_daily_totals IS 'Per UTC day with data (a completed sale or a payment): completed sales revenue, payment fee revenue, payments, failed payments, and the sum and count of processing times, from the materialized analytics.sales_days and analytics.payment_days as last refreshed (analytics.refresh_retail_summaries); read by the 7-day averages, month-over-month growth and shares';
COMMENT ON COLUMN analytics.retail_daily_totals.day IS 'UTC calendar day with a completed sale or a payment';
COMMENT ON COLUMN analytics.retail_daily_totals.sales_revenue IS 'Sum of total_amount of the day''s completed order lines, 0 when none; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.retail_daily_totals.payment_revenue IS 'Sum of fact_payments.revenue of the day''s payments, 0 when none; currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.retail_daily_totals.payments IS 'Payments that day';
COMMENT ON COLUMN analytics.retail_daily_totals.failed_payments IS 'Payments with status failed that day';
COMMENT ON COLUMN analytics.retail_daily_totals.processing_seconds IS 'Sum of processing_time of the day''s payments that have one, in seconds; 0 when none';
COMMENT ON COLUMN analytics.retail_daily_totals.timed_payments IS 'Payments of the day with a processing_time';

GRANT SELECT ON analytics.retail_daily_totals TO analytics_reader, analytics_admin;

-- The seed warehouse's daily metrics: per UTC day with a completed order
-- line, from sales_days_live (exact between refreshes) and
-- customer_first_purchase (as last refreshed). total_transactions counts
-- orders (distinct order_id); avg_transaction_value = total_sales / orders.
CREATE VIEW analytics.metrics_daily AS
SELECT s.day,
	s.revenue::numeric(16, 2) AS total_sales,
	s.orders AS total_transactions,
	(s.revenue / s.orders)::numeric(16, 2) AS avg_transaction_value,
	s.customers AS total_customers,
	(SELECT pg_catalog.count(*) FROM analytics.customer_first_purchase p
		WHERE p.first_day = s.day) AS new_customers
FROM analytics.sales_days_live s;
COMMENT ON VIEW analytics.metrics_daily IS 'Sales metrics per UTC day with a completed order line (analytics.sales_days_live): total sales, transactions (orders), average transaction value, customers, new customers';
COMMENT ON COLUMN analytics.metrics_daily.day IS 'UTC calendar day of the sales';
COMMENT ON COLUMN analytics.metrics_daily.total_sales IS 'Sum of total_amount over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.metrics_daily.total_transactions IS 'Distinct order_id with a completed line that day';
COMMENT ON COLUMN analytics.metrics_daily.avg_transaction_value IS 'total_sales / total_transactions; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.metrics_daily.total_customers IS 'Distinct customer_id (all SCD2 versions of a customer count once) with a completed line that day';
COMMENT ON COLUMN analytics.metrics_daily.new_customers IS 'Customers whose first-ever completed purchase is that day (analytics.customer_first_purchase, as last refreshed)';

GRANT SELECT ON analytics.metrics_daily TO analytics_reader, analytics_admin;

CREATE OR REPLACE VIEW analytics.kpi_daily AS
SELECT g.day,
	g.revenue::numeric(16, 2) AS revenue,
	g.orders,
	g.units,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
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
FROM analytics.sales_days_live g;

CREATE OR REPLACE VIEW analytics.sales_monthly AS
SELECT g.month,
	g.revenue::numeric(16, 2) AS revenue,
	g.orders,
	g.units,
	g.customers,
	(SELECT pg_catalog.count(*) FROM analytics.customer_first_purchase p
		WHERE p.first_day >= g.month AND p.first_day < (g.month + '1 month'::interval)::date) AS new_customers,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	pm.revenue::numeric(16, 2) AS prev_month_revenue,
	(CASE WHEN pm.revenue <> 0 AND pg_catalog.abs(g.revenue - pm.revenue) <= pg_catalog.abs(pm.revenue) * analytics_internal._max_ratio()
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

CREATE OR REPLACE VIEW analytics.category_sales AS
SELECT g.month, g.category, g.subcategory,
	g.revenue::numeric(16, 2) AS revenue,
	g.units,
	g.orders,
	g.customers,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
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

CREATE OR REPLACE VIEW analytics.payment_methods AS
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

CREATE OR REPLACE VIEW analytics.payment_kpis_daily AS
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
	SELECT p.day, p.revenue, p.payments AS transactions, p.failed_payments AS failed,
		p.processing_seconds / NULLIF(p.timed_payments, 0) AS avg_processing_time
	FROM analytics.payment_days_live p
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

COMMENT ON VIEW analytics.kpi_daily IS 'Sales KPIs per UTC day over completed order lines: revenue, orders, units, average order value, gross profit, margin, distinct customers, new customers (first completed purchase that day) and the 7-day average daily revenue (empty days as 0, window cut at the start of the data)';
DROP TABLE analytics.retail_daily_totals_0_1;

-- The metric catalog (src/metrics.sql), new in 0.2.0.
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

-- forecast_total (src/forecast.sql), new in 0.2.0.
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


-- KPI goals (src/goals.sql), new in 0.2.0.
-- src/goals.sql: KPI goals over the metric catalog (src/metrics.sql). A goal
-- holds a target for a metric between two UTC days; analytics.update_goals
-- (the registry's job goal_update) computes each active goal's current
-- value, progress, forecast at the end day, status and alerts.
--
-- The semantics (README, Goals, has a worked example):
--   * current_value: the metric over [start_date, min(today, end_date)]
--     (UTC days): a running total for a sum, the period's ratio for a ratio
--     or an average, the last value for last; progress_percentage = 100 x
--     current / target. A goal without a metric takes record_progress's value.
--   * forecast: the metric at end_date. The fit uses the complete days so far
--     (start_date to yesterday; days without a value count 0 for a sum) with
--     a weekly season when detect_season finds one (7) and none otherwise;
--     for a sum, forecast = the complete days' total + analytics.forecast_total
--     of the days from today to end_date, whose interval is the interval of
--     that total (not a sum of daily intervals); for a ratio or an average,
--     the numerator and the denominator are forecast so, and the forecast is
--     their ratio (its bounds: the numerator's bounds over the forecast
--     denominator); for last, linear_forecast's value at end_date. At least 3
--     complete days are needed, else no forecast.
--   * on_track: the forecast meets the target (at_least: >=, at_most: <=).
--   * projected_completion_date (sums, at_least): the first day from today on
--     when the projected running total (the complete days' total, then the
--     daily forecasts) reaches the target; NULL if not within 365 days.
--   * daily_required_progress = (target - current) / days left, the days
--     left being today to end_date (today is not over).
--   * status: an at_least goal is achieved as soon as its current value
--     reaches the target, failed once end_date has passed without it; an
--     at_most goal is judged once end_date has passed (achieved when current
--     <= target); cancelled only by cancel_goal; finished goals are frozen.
--   * alerts: crossing alert_threshold (a progress percentage), becoming
--     achieved, failed or off track each add one row to
--     analytics.goal_alerts and NOTIFY analytics_goal_alerts (a JSON
--     payload), once per crossing: a goal is evaluated under its row lock, the
--     alert is keyed by (goal, kind, episode), and both commit or roll back
--     with the goal's new values. Changing the target re-arms the threshold
--     alert; getting back on track re-arms the off-track one.

CREATE TABLE analytics.goals (
	id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	name text NOT NULL,
	description text,
	metric text REFERENCES analytics.metrics (name),
	target_value float8 NOT NULL,
	unit text,
	start_date date NOT NULL,
	end_date date NOT NULL,
	direction text NOT NULL DEFAULT 'at_least'
		CHECK (direction OPERATOR(pg_catalog.=) ANY (ARRAY['at_least', 'at_most'])),
	status text NOT NULL DEFAULT 'active'
		CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['active', 'achieved', 'failed', 'cancelled'])),
	current_value float8,
	progress_percentage float8,
	alert_threshold float8,
	alert_sent boolean NOT NULL DEFAULT false,
	confidence float8 NOT NULL DEFAULT 0.95,
	forecast_value float8,
	forecast_lower float8,
	forecast_upper float8,
	forecast_updated_at timestamptz,
	on_track boolean,
	projected_completion_date date,
	daily_required_progress float8,
	created_by text NOT NULL DEFAULT current_user,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	threshold_episode int NOT NULL DEFAULT 0,
	off_track_episode int NOT NULL DEFAULT 0,
	CHECK (end_date OPERATOR(pg_catalog.>=) start_date)
);
COMMENT ON TABLE analytics.goals IS 'KPI goals: a target for a metric of analytics.metrics (or for values entered by hand) between two UTC days, with its progress, forecast, status and alert state, kept by analytics.update_goals';
COMMENT ON COLUMN analytics.goals.id IS 'Goal id';
COMMENT ON COLUMN analytics.goals.name IS 'Name';
COMMENT ON COLUMN analytics.goals.description IS 'What it is for';
COMMENT ON COLUMN analytics.goals.metric IS 'The metric it follows (analytics.metrics.name); NULL for a goal whose value is entered with analytics.record_progress';
COMMENT ON COLUMN analytics.goals.target_value IS 'The target, in the metric''s unit';
COMMENT ON COLUMN analytics.goals.unit IS 'Unit (the metric''s when not given)';
COMMENT ON COLUMN analytics.goals.start_date IS 'First UTC day counted';
COMMENT ON COLUMN analytics.goals.end_date IS 'Last UTC day counted';
COMMENT ON COLUMN analytics.goals.direction IS 'at_least: reach the target; at_most: stay at or under it (judged at end_date)';
COMMENT ON COLUMN analytics.goals.status IS 'active, achieved, failed or cancelled; finished goals are frozen';
COMMENT ON COLUMN analytics.goals.current_value IS 'The metric over start_date to min(today, end_date): running total of a sum, period ratio of a ratio';
COMMENT ON COLUMN analytics.goals.progress_percentage IS '100 x current_value / target_value';
COMMENT ON COLUMN analytics.goals.alert_threshold IS 'A progress percentage whose crossing raises one alert (re-armed when the target changes); NULL for none';
COMMENT ON COLUMN analytics.goals.alert_sent IS 'Whether the threshold alert was raised for the current target';
COMMENT ON COLUMN analytics.goals.confidence IS 'Confidence level of the forecast interval (0.5 to 0.99)';
COMMENT ON COLUMN analytics.goals.forecast_value IS 'Forecast of the metric at end_date (see README, Goals)';
COMMENT ON COLUMN analytics.goals.forecast_lower IS 'Lower bound of the forecast''s prediction interval';
COMMENT ON COLUMN analytics.goals.forecast_upper IS 'Upper bound of the forecast''s prediction interval';
COMMENT ON COLUMN analytics.goals.forecast_updated_at IS 'When the forecast was last computed';
COMMENT ON COLUMN analytics.goals.on_track IS 'Whether the forecast meets the target (at_least: >=, at_most: <=); NULL without a forecast';
COMMENT ON COLUMN analytics.goals.projected_completion_date IS 'For an at_least sum: the first day the projected running total reaches the target; NULL if not within 365 days';
COMMENT ON COLUMN analytics.goals.daily_required_progress IS '(target - current) / the days left (today to end_date)';
COMMENT ON COLUMN analytics.goals.created_by IS 'Role that created it (it may change or cancel it)';
COMMENT ON COLUMN analytics.goals.created_at IS 'When it was created';
COMMENT ON COLUMN analytics.goals.updated_at IS 'When it last changed';
COMMENT ON COLUMN analytics.goals.threshold_episode IS 'Internal: how many times the threshold alert was re-armed (target changes)';
COMMENT ON COLUMN analytics.goals.off_track_episode IS 'Internal: how many times the goal got back on track (re-arming the off-track alert)';
SELECT pg_catalog.pg_extension_config_dump('analytics.goals', '');

CREATE TABLE analytics.goal_alerts (
	id bigserial PRIMARY KEY,
	goal_id uuid NOT NULL REFERENCES analytics.goals (id) ON DELETE CASCADE,
	kind text NOT NULL CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['threshold', 'achieved', 'failed', 'off_track'])),
	episode int NOT NULL,
	raised_at timestamptz NOT NULL,
	payload jsonb NOT NULL,
	UNIQUE (goal_id, kind, episode)
);
COMMENT ON TABLE analytics.goal_alerts IS 'One row per goal alert (threshold crossed, achieved, failed, off track), also sent as NOTIFY analytics_goal_alerts with the payload';
COMMENT ON COLUMN analytics.goal_alerts.id IS 'Alert number';
COMMENT ON COLUMN analytics.goal_alerts.goal_id IS 'The goal';
COMMENT ON COLUMN analytics.goal_alerts.kind IS 'threshold, achieved, failed or off_track';
COMMENT ON COLUMN analytics.goal_alerts.episode IS 'Which arming of the alert it is (0 first; a target change re-arms threshold, getting back on track re-arms off_track)';
COMMENT ON COLUMN analytics.goal_alerts.raised_at IS 'When it was raised';
COMMENT ON COLUMN analytics.goal_alerts.payload IS 'The NOTIFY payload: goal id and name, kind, metric, current value, target, progress, forecast, on_track';
SELECT pg_catalog.pg_extension_config_dump('analytics.goal_alerts', '');
SELECT pg_catalog.pg_extension_config_dump('analytics.goal_alerts_id_seq', '');

-- The checks shared by create_goal and update_goal.
CREATE FUNCTION analytics_internal._goal_check(g analytics.goals)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF g.name IS NULL OR g.name = '' THEN
		RAISE EXCEPTION 'a goal needs a name' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.target_value IS NULL OR g.target_value IN ('NaN', 'Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'target_value must be a finite number, not %', coalesce(g.target_value::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.start_date IS NULL OR g.end_date IS NULL OR g.end_date < g.start_date
		OR NOT isfinite(g.start_date) OR NOT isfinite(g.end_date) THEN
		RAISE EXCEPTION 'a goal needs finite start_date <= end_date, not % and %',
			coalesce(g.start_date::text, 'NULL'), coalesce(g.end_date::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.direction IS NULL OR g.direction NOT IN ('at_least', 'at_most') THEN
		RAISE EXCEPTION 'invalid direction "%"', g.direction
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Use at_least or at_most.';
	END IF;
	IF g.confidence IS NULL OR NOT (g.confidence >= 0.5 AND g.confidence <= 0.99) THEN
		RAISE EXCEPTION 'confidence must be between 0.5 and 0.99, not %', coalesce(g.confidence::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.alert_threshold IS NOT NULL AND NOT (g.alert_threshold >= 0 AND g.alert_threshold <= 1000) THEN
		RAISE EXCEPTION 'alert_threshold must be a progress percentage from 0 to 1000, not %', g.alert_threshold
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF g.metric IS NOT NULL AND NOT EXISTS (SELECT FROM analytics.metrics m WHERE m.name = g.metric) THEN
		RAISE EXCEPTION 'metric "%" does not exist', g.metric
			USING ERRCODE = 'undefined_object', HINT = 'SELECT name FROM analytics.metrics lists them.';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_check(analytics.goals) IS 'Internal: raises invalid_parameter_value (or undefined_object for the metric) unless a goal''s fields are valid';

CREATE FUNCTION analytics.create_goal(name text, metric text, target_value float8, start_date date, end_date date,
	direction text DEFAULT 'at_least', alert_threshold float8 DEFAULT NULL, confidence float8 DEFAULT 0.95,
	description text DEFAULT NULL, unit text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals;
BEGIN
	g.id := gen_random_uuid();
	g.name := name;
	g.description := description;
	g.metric := metric;
	g.target_value := target_value;
	g.unit := coalesce(unit, (SELECT m.unit FROM analytics.metrics m WHERE m.name = create_goal.metric));
	g.start_date := start_date;
	g.end_date := end_date;
	g.direction := direction;
	g.status := 'active';
	g.alert_threshold := alert_threshold;
	g.alert_sent := false;
	g.confidence := confidence;
	g.created_by := pg_get_userbyid(analytics_internal._matagg_caller());
	g.created_at := analytics_internal._now();
	g.updated_at := g.created_at;
	g.threshold_episode := 0;
	g.off_track_episode := 0;
	PERFORM analytics_internal._goal_check(g);
	INSERT INTO analytics.goals SELECT g.*;
	RETURN g.id;
END
$$;
COMMENT ON FUNCTION analytics.create_goal(text, text, float8, date, date, text, float8, float8, text, text) IS 'Creates a goal for a metric of analytics.metrics (NULL: values entered with record_progress) from start_date to end_date (UTC days); returns its id; analytics.update_goals computes it';

-- A goal by id, locked, for the role that created it (or a member).
CREATE FUNCTION analytics_internal._goal_for_change(goal uuid)
RETURNS analytics.goals
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals;
BEGIN
	SELECT * INTO g FROM analytics.goals x WHERE x.id = goal FOR UPDATE;
	IF g.id IS NULL THEN
		RAISE EXCEPTION 'goal % does not exist', coalesce(goal::text, 'NULL') USING ERRCODE = 'undefined_object';
	END IF;
	IF NOT pg_has_role(analytics_internal._matagg_caller(), g.created_by, 'USAGE') THEN
		RAISE EXCEPTION 'must be a member of role "%" to change goal "%"', g.created_by, g.name
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF g.status <> 'active' THEN
		RAISE EXCEPTION 'goal "%" is %', g.name, g.status
			USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = 'A finished goal is frozen.';
	END IF;
	RETURN g;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_for_change(uuid) IS 'Internal: an active goal, locked, after checking that the caller acts as (a member of) the role that created it';

CREATE FUNCTION analytics.update_goal(goal uuid, name text DEFAULT NULL, target_value float8 DEFAULT NULL,
	end_date date DEFAULT NULL, alert_threshold float8 DEFAULT NULL, description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals := analytics_internal._goal_for_change(goal);
	old_target float8 := g.target_value;
BEGIN
	g.name := coalesce(update_goal.name, g.name);
	g.target_value := coalesce(update_goal.target_value, g.target_value);
	g.end_date := coalesce(update_goal.end_date, g.end_date);
	g.alert_threshold := coalesce(update_goal.alert_threshold, g.alert_threshold);
	g.description := coalesce(update_goal.description, g.description);
	PERFORM analytics_internal._goal_check(g);
	IF g.target_value <> old_target THEN
		-- a new target re-arms the threshold alert
		g.threshold_episode := g.threshold_episode + 1;
		g.alert_sent := false;
		g.progress_percentage := CASE WHEN g.target_value <> 0 THEN 100 * g.current_value / g.target_value END;
	END IF;
	UPDATE analytics.goals x SET name = g.name, target_value = g.target_value, end_date = g.end_date,
		alert_threshold = g.alert_threshold, description = g.description, threshold_episode = g.threshold_episode,
		alert_sent = g.alert_sent, progress_percentage = g.progress_percentage, updated_at = analytics_internal._now()
	WHERE x.id = g.id;
END
$$;
COMMENT ON FUNCTION analytics.update_goal(uuid, text, float8, date, float8, text) IS 'Changes an active goal''s name, target, end date, alert threshold or description (NULL keeps it); a new target re-arms the threshold alert';

CREATE FUNCTION analytics.cancel_goal(goal uuid)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals := analytics_internal._goal_for_change(goal);
BEGIN
	UPDATE analytics.goals x SET status = 'cancelled', updated_at = analytics_internal._now() WHERE x.id = g.id;
END
$$;
COMMENT ON FUNCTION analytics.cancel_goal(uuid) IS 'Cancels an active goal (it is frozen from then on)';

-- Raises one alert of a goal: a row (once per goal, kind and episode) and
-- a NOTIFY, both in the caller's transaction.
CREATE FUNCTION analytics_internal._goal_alert(g analytics.goals, alert_kind text, alert_episode int)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	payload jsonb := jsonb_build_object('goal_id', g.id, 'name', g.name, 'kind', alert_kind, 'metric', g.metric,
		'current_value', g.current_value, 'target_value', g.target_value,
		'progress_percentage', g.progress_percentage, 'forecast_value', g.forecast_value, 'on_track', g.on_track);
	made bigint;
BEGIN
	INSERT INTO analytics.goal_alerts (goal_id, kind, episode, raised_at, payload)
	VALUES (g.id, alert_kind, alert_episode, analytics_internal._now(), payload)
	ON CONFLICT (goal_id, kind, episode) DO NOTHING
	RETURNING id INTO made;
	IF made IS NOT NULL THEN
		PERFORM pg_notify('analytics_goal_alerts', payload::text);
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_alert(analytics.goals, text, int) IS 'Internal: records and notifies one goal alert, once per goal, kind and episode';

-- A metric's daily values for the goals (C, src/goals.c, reads them).
CREATE FUNCTION analytics_internal._metric_days(m analytics.metrics, lo date, hi date, OUT a float8[], OUT b float8[])
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- the members of a dimension added up each day; the days lo..hi in order,
	-- NULL on a day without a value
	WITH r AS (
		SELECT x.day, sum(x.a) AS a, sum(x.b) AS b
		FROM analytics_internal._metric_rows(m.owner, analytics_internal._metric_sql(m), lo, hi,
			CASE WHEN m.aggregation IN ('sum', 'last') THEN 1 ELSE 2 END, m.dimension IS NOT NULL) x
		WHERE x.day >= lo AND x.day <= hi
		GROUP BY x.day
	)
	SELECT array_agg(r.a ORDER BY d.d), array_agg(r.b ORDER BY d.d)
	FROM generate_series(lo::timestamp, hi::timestamp, '1 day') d(d)
	LEFT JOIN r ON r.day = (d.d)::date
$$;
COMMENT ON FUNCTION analytics_internal._metric_days(analytics.metrics, date, date) IS 'Internal: a metric''s daily values from lo to hi as arrays (element 1 is lo; NULL on a day without a value): a the value or numerator, b the denominator';

CREATE FUNCTION analytics_internal._goal_numbers(aggregation text, scale float8, direction text, target float8,
	confidence float8, start_date date, end_date date, today date, lo date, a float8[], b float8[],
	OUT current_value float8, OUT forecast_value float8, OUT forecast_lower float8, OUT forecast_upper float8,
	OUT projected_completion_date date)
AS 'MODULE_PATHNAME', 'goal_numbers'
LANGUAGE C STABLE;
COMMENT ON FUNCTION analytics_internal._goal_numbers(text, float8, text, float8, float8, date, date, date, date, float8[], float8[]) IS 'Internal: a metric goal''s current value, forecast at end_date with its interval and projected completion day (README, Goals) from its metric''s daily values a (and b, the denominators) from day lo on';
REVOKE ALL ON FUNCTION analytics_internal._goal_numbers(text, float8, text, float8, float8, date, date, date, date, float8[], float8[]) FROM PUBLIC;

-- Settles one active goal, locked by the caller, whose current value and
-- forecast g holds (was: the goal as stored): progress, on-track status,
-- daily required progress, status and alerts (see the top), then stores it.
CREATE FUNCTION analytics_internal._goal_settle(g analytics.goals, was analytics.goals, today date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	g.progress_percentage := CASE WHEN g.target_value <> 0 THEN 100 * g.current_value / g.target_value END;
	g.on_track := CASE g.direction WHEN 'at_least' THEN g.forecast_value >= g.target_value
		ELSE g.forecast_value <= g.target_value END;
	g.daily_required_progress := CASE WHEN today <= g.end_date
		THEN (g.target_value - g.current_value) / (g.end_date - today + 1) END;
	-- status
	IF g.direction = 'at_least' AND g.current_value >= g.target_value THEN
		g.status := 'achieved';
	ELSIF today > g.end_date THEN
		g.status := CASE WHEN g.direction = 'at_most' AND g.current_value <= g.target_value THEN 'achieved' ELSE 'failed' END;
	END IF;
	-- alerts, each once per episode
	IF g.alert_threshold IS NOT NULL AND NOT g.alert_sent AND g.progress_percentage >= g.alert_threshold THEN
		g.alert_sent := true;
		PERFORM analytics_internal._goal_alert(g, 'threshold', g.threshold_episode);
	END IF;
	IF g.status <> was.status THEN
		PERFORM analytics_internal._goal_alert(g, g.status, 0);
	ELSIF g.on_track IS FALSE AND was.on_track IS DISTINCT FROM false THEN
		PERFORM analytics_internal._goal_alert(g, 'off_track', g.off_track_episode);
	ELSIF g.on_track AND was.on_track IS FALSE THEN
		g.off_track_episode := g.off_track_episode + 1;
	END IF;
	UPDATE analytics.goals x SET current_value = g.current_value, progress_percentage = g.progress_percentage,
		forecast_value = g.forecast_value, forecast_lower = g.forecast_lower, forecast_upper = g.forecast_upper,
		forecast_updated_at = g.forecast_updated_at, on_track = g.on_track,
		projected_completion_date = g.projected_completion_date, daily_required_progress = g.daily_required_progress,
		status = g.status, alert_sent = g.alert_sent, off_track_episode = g.off_track_episode,
		updated_at = analytics_internal._now()
	WHERE x.id = g.id;
END
$$;
COMMENT ON FUNCTION analytics_internal._goal_settle(analytics.goals, analytics.goals, date) IS 'Internal: stores an active goal''s new current value and forecast with its progress, on-track status, daily required progress and status, and raises its alerts';

-- The goals are computed metric by metric (in name order, each metric's
-- goals in id order, locked as they are reached: two runs at once take the
-- locks in one order). A metric's daily values are read once, over the days
-- its active goals need, and each goal's numbers are computed from them.
CREATE FUNCTION analytics.update_goals()
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	now_ts timestamptz := analytics_internal._now();
	today date := (timezone('UTC', now_ts))::date;
	n bigint := 0;
	m analytics.metrics;
	g analytics.goals;
	was analytics.goals;
	lo date;
	hi date;
	days record;
	f record;
BEGIN
	FOR m IN SELECT x.* FROM analytics.metrics x
		WHERE EXISTS (SELECT FROM analytics.goals y WHERE y.metric = x.name AND y.status = 'active')
		ORDER BY x.name
	LOOP
		SELECT min(y.start_date), max(LEAST(today, y.end_date)) INTO lo, hi
		FROM analytics.goals y WHERE y.metric = m.name AND y.status = 'active' AND y.start_date <= today;
		days := NULL;
		IF lo IS NOT NULL AND lo <= hi THEN
			days := analytics_internal._metric_days(m, lo, hi);
		END IF;
		FOR g IN SELECT y.* FROM analytics.goals y WHERE y.metric = m.name AND y.status = 'active'
			ORDER BY y.id FOR UPDATE
		LOOP
			was := g;
			f := analytics_internal._goal_numbers(m.aggregation, m.scale, g.direction, g.target_value, g.confidence,
				g.start_date, g.end_date, today, lo, days.a, days.b);
			IF today >= g.start_date THEN
				g.current_value := f.current_value;
			END IF;
			g.forecast_value := f.forecast_value;
			g.forecast_lower := f.forecast_lower;
			g.forecast_upper := f.forecast_upper;
			g.projected_completion_date := f.projected_completion_date;
			g.forecast_updated_at := now_ts;
			PERFORM analytics_internal._goal_settle(g, was, today);
			n := n + 1;
		END LOOP;
	END LOOP;
	-- goals without a metric: their value is record_progress's
	FOR g IN SELECT y.* FROM analytics.goals y WHERE y.metric IS NULL AND y.status = 'active' ORDER BY y.id FOR UPDATE
	LOOP
		PERFORM analytics_internal._goal_settle(g, g, today);
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION analytics.update_goals() IS 'The goal-update job: computes every active goal (current value, progress, forecast, on-track status, projected completion, daily required progress, status) and raises their alerts; each metric''s daily values are read once for all its goals; returns the goals computed';

CREATE FUNCTION analytics.record_progress(goal uuid, value float8)
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	g analytics.goals := analytics_internal._goal_for_change(goal);
	was analytics.goals := g;
BEGIN
	IF g.metric IS NOT NULL THEN
		RAISE EXCEPTION 'goal "%" follows metric "%"', g.name, g.metric
			USING ERRCODE = 'object_not_in_prerequisite_state',
				DETAIL = 'record_progress is for goals without a metric; analytics.update_goals computes this one.';
	END IF;
	IF value IS NULL OR value IN ('NaN', 'Infinity', '-Infinity') THEN
		RAISE EXCEPTION 'progress must be a finite number, not %', coalesce(value::text, 'NULL')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	g.current_value := value;
	PERFORM analytics_internal._goal_settle(g, was, (timezone('UTC', analytics_internal._now()))::date);
END
$$;
COMMENT ON FUNCTION analytics.record_progress(uuid, float8) IS 'Sets the current value of a goal without a metric (a value entered by hand) and computes its progress, status and alerts';

CREATE FUNCTION analytics.schedule_goal_updates(schedule text DEFAULT '*/15 * * * *')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF schedule IS NOT NULL THEN
		PERFORM analytics_internal._require_pg_cron();
	END IF;
	RETURN analytics_internal._job_register('goal_update', 'goal_update', schedule, 'SELECT analytics.update_goals()');
END
$$;
COMMENT ON FUNCTION analytics.schedule_goal_updates(text) IS 'Schedules analytics.update_goals() as the registry job "goal_update" (default every 15 minutes; NULL unschedules); returns the pg_cron job id';

-- For BI tools: plain scalar columns (no uuid, no timestamptz).
CREATE VIEW analytics.goal_progress AS
SELECT g.id::text AS goal_id, g.name, g.metric, g.unit, g.direction, g.status, g.start_date, g.end_date,
	g.target_value, g.current_value, g.progress_percentage, g.forecast_value, g.forecast_lower, g.forecast_upper,
	g.on_track, g.projected_completion_date, g.daily_required_progress, g.alert_threshold, g.alert_sent,
	(timezone('UTC', g.forecast_updated_at)) AS forecast_updated_utc
FROM analytics.goals g;
COMMENT ON VIEW analytics.goal_progress IS 'Goals with their progress and forecast, plain scalar columns for BI tools (ids as text, times as UTC timestamps)';
COMMENT ON COLUMN analytics.goal_progress.goal_id IS 'Goal id (analytics.goals.id) as text';
COMMENT ON COLUMN analytics.goal_progress.name IS 'Name';
COMMENT ON COLUMN analytics.goal_progress.metric IS 'The metric followed; NULL for values entered by hand';
COMMENT ON COLUMN analytics.goal_progress.unit IS 'Unit';
COMMENT ON COLUMN analytics.goal_progress.direction IS 'at_least or at_most';
COMMENT ON COLUMN analytics.goal_progress.status IS 'active, achieved, failed or cancelled';
COMMENT ON COLUMN analytics.goal_progress.start_date IS 'First UTC day counted';
COMMENT ON COLUMN analytics.goal_progress.end_date IS 'Last UTC day counted';
COMMENT ON COLUMN analytics.goal_progress.target_value IS 'The target';
COMMENT ON COLUMN analytics.goal_progress.current_value IS 'The metric from start_date to min(today, end_date)';
COMMENT ON COLUMN analytics.goal_progress.progress_percentage IS '100 x current_value / target_value';
COMMENT ON COLUMN analytics.goal_progress.forecast_value IS 'Forecast of the metric at end_date';
COMMENT ON COLUMN analytics.goal_progress.forecast_lower IS 'Lower bound of the forecast interval';
COMMENT ON COLUMN analytics.goal_progress.forecast_upper IS 'Upper bound of the forecast interval';
COMMENT ON COLUMN analytics.goal_progress.on_track IS 'Whether the forecast meets the target';
COMMENT ON COLUMN analytics.goal_progress.projected_completion_date IS 'First day the projected running total reaches the target (at_least sums)';
COMMENT ON COLUMN analytics.goal_progress.daily_required_progress IS '(target - current) / days left, today included';
COMMENT ON COLUMN analytics.goal_progress.alert_threshold IS 'Progress percentage that raises an alert';
COMMENT ON COLUMN analytics.goal_progress.alert_sent IS 'Whether that alert was raised for the current target';
COMMENT ON COLUMN analytics.goal_progress.forecast_updated_utc IS 'When the forecast was last computed (UTC)';

REVOKE ALL ON FUNCTION analytics.create_goal(text, text, float8, date, date, text, float8, float8, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.update_goal(uuid, text, float8, date, float8, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.cancel_goal(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.record_progress(uuid, float8) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.update_goals() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.schedule_goal_updates(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.create_goal(text, text, float8, date, date, text, float8, float8, text, text),
	analytics.update_goal(uuid, text, float8, date, float8, text), analytics.cancel_goal(uuid),
	analytics.record_progress(uuid, float8), analytics.update_goals(), analytics.schedule_goal_updates(text)
	TO analytics_admin;
GRANT SELECT ON analytics.goals, analytics.goal_alerts, analytics.goal_progress TO analytics_reader, analytics_admin;

-- Predictions of metrics (src/predictions.sql), new in 0.2.0.
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

-- Comparisons and calculations over metrics (src/comparisons.sql), new in 0.2.0.
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

-- k-means (src/kmeans.sql), new in 0.2.0.
-- src/kmeans.sql: k-means clustering (C, src/kmeans.c), and the customers'
-- RFM features of the warehouse it is shown on.

CREATE FUNCTION analytics_internal.kmeans_trans(internal, float8[], int, int, int)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_from_trans(internal, float8[], float8[], int)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_from_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'kmeans_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'kmeans_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal.kmeans_final(internal)
RETURNS float8[] AS 'MODULE_PATHNAME', 'kmeans_final' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal.kmeans_trans(internal, float8[], int, int, int) IS 'Transition function of kmeans (k-means++ seeding)';
COMMENT ON FUNCTION analytics_internal.kmeans_from_trans(internal, float8[], float8[], int) IS 'Transition function of kmeans from initial centroids';
COMMENT ON FUNCTION analytics_internal.kmeans_combine(internal, internal) IS 'Combine function of kmeans (appends the points)';
COMMENT ON FUNCTION analytics_internal.kmeans_serialize(internal) IS 'Serialize function of kmeans';
COMMENT ON FUNCTION analytics_internal.kmeans_deserialize(bytea, internal) IS 'Deserialize function of kmeans';
COMMENT ON FUNCTION analytics_internal.kmeans_final(internal) IS 'Final function of kmeans: seeding (or the initial centroids), then Lloyd''s iterations';

-- The final function sorts the points in place: the state stays valid, so
-- it may be shared (FINALFUNC_MODIFY = SHAREABLE).
CREATE AGGREGATE analytics.kmeans(features float8[], k int, seed int, max_iterations int) (
	SFUNC = analytics_internal.kmeans_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.kmeans_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.kmeans_combine,
	SERIALFUNC = analytics_internal.kmeans_serialize,
	DESERIALFUNC = analytics_internal.kmeans_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.kmeans(float8[], int, int, int) IS 'k-means clustering of the feature vectors: k-means++ seeding from the seed, then Lloyd''s iterations (at most max_iterations); the k centroids as a k x dim array';

CREATE AGGREGATE analytics.kmeans(features float8[], initial_centroids float8[], max_iterations int) (
	SFUNC = analytics_internal.kmeans_from_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal.kmeans_final,
	FINALFUNC_MODIFY = SHAREABLE,
	COMBINEFUNC = analytics_internal.kmeans_combine,
	SERIALFUNC = analytics_internal.kmeans_serialize,
	DESERIALFUNC = analytics_internal.kmeans_deserialize,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE analytics.kmeans(float8[], float8[], int) IS 'k-means clustering from the initial centroids given (k x dim): Lloyd''s iterations, as R''s kmeans(x, centers, algorithm = "Lloyd")';

CREATE FUNCTION analytics.kmeans_assign(features float8[], centroids float8[])
RETURNS int AS 'MODULE_PATHNAME', 'kmeans_assign' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.kmeans_assign(float8[], float8[]) IS 'The 1-based index of the centroid (a row of a k x dim array) nearest to the vector (squared Euclidean distance; ties: the lowest index)';

-- Support functions of internal-state aggregates are not for direct calls.
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_trans(internal, float8[], int, int, int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_from_trans(internal, float8[], float8[], int) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_combine(internal, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_serialize(internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_deserialize(bytea, internal) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION analytics_internal.kmeans_final(internal) FROM PUBLIC;

-- Recency, frequency and monetary value per customer (all SCD2 versions
-- together), over completed order lines, as of today (UTC): the features
-- of a customer segmentation with kmeans.
CREATE VIEW analytics.customer_rfm AS
SELECT c.customer_id,
	(pg_catalog.timezone('UTC', analytics_internal._now()))::date - max(d.full_date) AS recency_days,
	pg_catalog.count(DISTINCT f.order_id) AS frequency,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS monetary
FROM analytics.fact_sales f
JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
JOIN analytics.dim_date d ON d.date_key = f.date_key
WHERE f.status = 'completed'
GROUP BY c.customer_id;
COMMENT ON VIEW analytics.customer_rfm IS 'Per customer: days since the last completed purchase (UTC, as of today), distinct orders, and revenue of completed lines: the RFM features of a segmentation';
COMMENT ON COLUMN analytics.customer_rfm.customer_id IS 'Source customer id (all SCD2 versions together)';
COMMENT ON COLUMN analytics.customer_rfm.recency_days IS 'Days from the last completed purchase to today (UTC)';
COMMENT ON COLUMN analytics.customer_rfm.frequency IS 'Distinct orders with a completed line';
COMMENT ON COLUMN analytics.customer_rfm.monetary IS 'Revenue of the completed lines; currency of the data, 2 decimals';
GRANT SELECT ON analytics.customer_rfm TO analytics_reader, analytics_admin;

-- Reports (src/reports.sql), new in 0.2.0.
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
