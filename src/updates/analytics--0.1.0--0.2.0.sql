-- analytics 0.1.0 -> 0.2.0
--
-- Every change to the SQL surface since 0.1.0, in the order it was made.
-- test/integration/upgrade.sh proves that 0.1.0 updated with this script
-- equals a fresh 0.2.0 install and keeps every row.

\echo Use "ALTER EXTENSION analytics UPDATE TO '0.2.0'" to load this file. \quit

-- analytics._now(): the time every time-dependent function takes as now (the
-- setting analytics.mock_now when a test sets it).
CREATE FUNCTION analytics._now()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'analytics_now'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics._now() IS 'now(), or the setting analytics.mock_now when set (for tests)';

ALTER TABLE analytics.events ALTER COLUMN received_at SET DEFAULT analytics._now();
ALTER TABLE analytics.events_default ALTER COLUMN received_at SET DEFAULT analytics._now();
ALTER TABLE analytics.rejected_events ALTER COLUMN received_at SET DEFAULT analytics._now();

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
	cutoff := analytics._month_start(analytics._now() - older_than);
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

CREATE OR REPLACE FUNCTION analytics.track(
	event_name text,
	props jsonb DEFAULT '{}',
	occurred_at timestamptz DEFAULT analytics._now(),
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

CREATE OR REPLACE FUNCTION analytics._ingest(events jsonb, received timestamptz[] DEFAULT NULL,
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
		CROSS JOIN LATERAL (SELECT coalesce(received[e.ord], analytics._now()) AS received_at) r
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

CREATE OR REPLACE VIEW analytics.event_anomalies AS
WITH scored AS (
	SELECT x.day, x.event_name, x.events,
		analytics.zscore(x.events::pg_catalog.float8) OVER (PARTITION BY x.event_name ORDER BY x.day
			ROWS BETWEEN 28 PRECEDING AND CURRENT ROW) AS zscore
	FROM analytics.event_counts_filled x
	WHERE x.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', analytics._now()))::date
)
SELECT s.day, s.event_name, s.events, s.zscore,
	pg_catalog.abs(s.zscore) OPERATOR(pg_catalog.>)
		pg_catalog.current_setting('analytics.anomaly_threshold')::pg_catalog.float8 AS is_anomaly
FROM scored s;
COMMENT ON VIEW analytics.event_anomalies IS 'Events per event_name and UTC day (days without events count 0), with the z-score of each day against the 28 days before it and is_anomaly = |zscore| > analytics.anomaly_threshold; complete days only (the current UTC day is left out)';

CREATE OR REPLACE VIEW analytics.event_forecast AS
WITH complete AS (
	SELECT c.event_name, c.day, c.events
	FROM analytics.event_counts_filled c
	WHERE c.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', analytics._now()))::date
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
REVOKE ALL ON FUNCTION analytics._repeated_rows_trans(internal, bigint, tid),
	analytics._repeated_rows_combine(internal, internal), analytics._repeated_rows_serialize(internal),
	analytics._repeated_rows_deserialize(bytea, internal), analytics._repeated_rows_final(internal),
	analytics._repeated_rows(bigint, tid) FROM PUBLIC;

-- data_quality_checks in named steps; the loader's _customer_validity without a window
-- function, and used by the checks instead of a copy of it.
CREATE OR REPLACE VIEW analytics._customer_validity AS
SELECT d.customer_id, d.customer_key,
	CASE WHEN d.valid_from OPERATOR(pg_catalog.=) e.first_from
		THEN '-infinity'::timestamptz ELSE d.valid_from END AS lo,
	d.valid_to AS hi
FROM analytics.dim_customer d
	LEFT JOIN (SELECT c.customer_id, pg_catalog.min(c.valid_from) AS first_from
		FROM analytics.dim_customer c GROUP BY c.customer_id) e ON e.customer_id OPERATOR(pg_catalog.=) d.customer_id;
COMMENT ON VIEW analytics._customer_validity IS 'Internal: the time range [lo, hi) in which each customer version applies to facts, the first version reaching back to -infinity';

-- The UTC day each date_key covers (day_start inclusive, day_end
-- exclusive), one row per key; a date outside years 1-214747 has no int
-- YYYYMMDD key (and after 294276 no timestamp), so it covers nothing.
CREATE VIEW analytics._dq_day_bounds AS
SELECT days.date_key, pg_catalog.min(days.day_start) AS day_start, pg_catalog.max(days.day_end) AS day_end
FROM (SELECT d.date_key,
		CASE WHEN d.full_date OPERATOR(pg_catalog.>=) '0001-01-01' AND d.full_date OPERATOR(pg_catalog.<) '214748-01-01'
			THEN pg_catalog.timezone('UTC', d.full_date::timestamp) END AS day_start,
		CASE WHEN d.full_date OPERATOR(pg_catalog.>=) '0001-01-01' AND d.full_date OPERATOR(pg_catalog.<) '214748-01-01'
			THEN pg_catalog.timezone('UTC', d.full_date::timestamp OPERATOR(pg_catalog.+) interval '1 day') END AS day_end
	FROM analytics.dim_date d) days
GROUP BY days.date_key;
COMMENT ON VIEW analytics._dq_day_bounds IS 'Internal to analytics.data_quality_checks: the UTC day [day_start, day_end) each date_key covers, one row per key';

-- The times each customer key covers: the validity the loader gives its
-- version (analytics._customer_validity), one row per key, so that a
-- duplicated key cannot count a fact twice.
CREATE VIEW analytics._dq_customer_coverage AS
SELECT v.customer_key, pg_catalog.min(v.lo) AS covers_from, pg_catalog.max(v.hi) AS covers_to
FROM analytics._customer_validity v
GROUP BY v.customer_key;
COMMENT ON VIEW analytics._dq_customer_coverage IS 'Internal to analytics.data_quality_checks: the time range [covers_from, covers_to) each customer key covers, one row per key';

-- The dimensions' checks (the calendar, customer versions, the type 1
-- dimensions), in order.
CREATE FUNCTION analytics._dq_dimensions()
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
COMMENT ON FUNCTION analytics._dq_dimensions() IS 'Internal step of analytics.data_quality_checks: the checks of the dimensions, in order';

-- Facts: one pass each, joining every dimension by hash, returned as
-- soon as counted. A dimension joins as one row per key (DISTINCT, GROUP
-- BY), so that a duplicated key cannot count a fact twice. The calendar
-- joins with the UTC day each date_key covers (day_start inclusive,
-- day_end exclusive): a fact whose timestamp falls outside is dated
-- wrongly (this equals comparing date_key with the timestamp's UTC date
-- as YYYYMMDD when invalid_calendar is ok, and is much cheaper than
-- formatting every timestamp); a date without a YYYYMMDD key covers
-- nothing (analytics._dq_day_bounds). Customers join with the times each
-- version covers: its validity, from -infinity for its customer's earliest
-- version (which covers the facts before any version), as the loader
-- assigns versions to sales, payments and interactions alike
-- (analytics._dq_customer_coverage over the loader's
-- analytics._customer_validity). Both views are built by join and
-- aggregate, not window functions, so that the passes may run in parallel.
CREATE FUNCTION analytics._dq_sales()
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
		pg_catalog.count(*) FILTER (WHERE f.sale_ts > analytics._now()) AS future
	FROM analytics.fact_sales f
		LEFT JOIN analytics._dq_day_bounds d ON d.date_key = f.date_key
		LEFT JOIN analytics._dq_customer_coverage c ON c.customer_key = f.customer_key
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
COMMENT ON FUNCTION analytics._dq_sales() IS 'Internal step of analytics.data_quality_checks: the checks of fact_sales, in order';

-- Revenue is stored in numeric(14, 4), which rounds amount x fee / 100
-- to 4 places, with the fee the payment was loaded with (the channel's
-- may have changed since). A successful payment without a fee has no
-- revenue that could be right.
CREATE FUNCTION analytics._dq_payments()
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
		pg_catalog.count(*) FILTER (WHERE f.txn_ts > analytics._now()) AS future
	FROM analytics.fact_payments f
		LEFT JOIN analytics._dq_day_bounds d ON d.date_key = f.date_key
		LEFT JOIN analytics._dq_customer_coverage c ON c.customer_key = f.customer_key
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
COMMENT ON FUNCTION analytics._dq_payments() IS 'Internal step of analytics.data_quality_checks: the checks of fact_payments, in order';

CREATE FUNCTION analytics._dq_interactions()
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
		pg_catalog.count(*) FILTER (WHERE f.interaction_ts > analytics._now()) AS future
	FROM analytics.fact_interactions f
		LEFT JOIN analytics._dq_day_bounds d ON d.date_key = f.date_key
		LEFT JOIN analytics._dq_customer_coverage c ON c.customer_key = f.customer_key
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
COMMENT ON FUNCTION analytics._dq_interactions() IS 'Internal step of analytics.data_quality_checks: the checks of fact_interactions, in order';

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

	RETURN QUERY SELECT * FROM analytics._dq_dimensions();
	RETURN QUERY SELECT * FROM analytics._dq_sales();
	RETURN QUERY SELECT * FROM analytics._dq_payments();
	RETURN QUERY SELECT * FROM analytics._dq_interactions();
END
$$;
COMMENT ON FUNCTION analytics.data_quality_checks() IS 'Checks the warehouse''s invariants over its rows (nulls, duplicate and orphan keys, the calendar, customer versions, amounts, revenue, delay buckets, date keys): one row per check and entity with the failing rows and ok, warn or fail';

REVOKE ALL ON FUNCTION analytics._dq_dimensions(), analytics._dq_sales(), analytics._dq_payments(),
	analytics._dq_interactions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics._dq_dimensions(), analytics._dq_sales(), analytics._dq_payments(),
	analytics._dq_interactions() TO analytics_admin, analytics_reader;
GRANT SELECT ON analytics._dq_day_bounds, analytics._dq_customer_coverage TO analytics_admin, analytics_reader;
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
COMMENT ON COLUMN analytics.event_anomalies.day IS 'UTC calendar day, every day from the event name''s first day with events to its last day with events before the current UTC day (analytics._now()); the current day is left out';
COMMENT ON COLUMN analytics.event_anomalies.event_name IS 'Event name as tracked';
COMMENT ON COLUMN analytics.event_anomalies.events IS 'Events that occurred that UTC day; 0 on a day without events';
COMMENT ON COLUMN analytics.event_anomalies.zscore IS 'analytics.zscore of the day''s count against the event name''s up to 28 days before it (ROWS 28 PRECEDING): (events - their mean) / their sample standard deviation; NULL with fewer than 2 days before it or when those days all have the same count';
COMMENT ON COLUMN analytics.event_anomalies.is_anomaly IS '|zscore| > the analytics.anomaly_threshold setting (default 3), read when the query runs; NULL when zscore is NULL';
COMMENT ON COLUMN analytics._customer_validity.customer_id IS 'Source customer id (dim_customer.customer_id)';
COMMENT ON COLUMN analytics._customer_validity.customer_key IS 'Surrogate key of the customer version (dim_customer.customer_key)';
COMMENT ON COLUMN analytics._customer_validity.lo IS 'Start of the range the version applies to facts (inclusive): valid_from, -infinity for the customer''s first version';
COMMENT ON COLUMN analytics._customer_validity.hi IS 'End of that range (exclusive): valid_to, infinity for the current version';
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
COMMENT ON COLUMN analytics.events.received_at IS 'When the database received the event (analytics._now() at ingestion; an event stored by analytics.retry_rejected keeps its original receipt time)';
COMMENT ON COLUMN analytics.events.event_name IS 'Event name, 1 to 200 characters, not blank';
COMMENT ON COLUMN analytics.events.session_id IS 'App session the event belongs to (at most 1000 characters); NULL when the app sent none';
COMMENT ON COLUMN analytics.events.device_id IS 'Device that sent the event (at most 1000 characters); NULL when the app sent none';
COMMENT ON COLUMN analytics.events.user_id IS 'User the event belongs to (at most 1000 characters; a JSON number is stored as its text); NULL when anonymous';
COMMENT ON COLUMN analytics.events.screen IS 'Screen shown, for a screen view (open_screen); NULL for other events';
COMMENT ON COLUMN analytics.events.duration_ms IS 'Time the app measured on the screen, in milliseconds (0 or more); NULL when not measured';
COMMENT ON COLUMN analytics.events.props IS 'Event properties: a JSON object of at most 64 kB, {} when none were sent';
COMMENT ON COLUMN analytics.rejected_events.id IS 'Identity, in order of rejection';
COMMENT ON COLUMN analytics.rejected_events.received_at IS 'When the database received the event (analytics._now() at ingestion); kept when analytics.retry_rejected stores it';
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
CREATE FUNCTION analytics.screen_time_recv(internal)
RETURNS analytics.screen_time
AS 'MODULE_PATHNAME', 'screen_time_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_time_recv(internal) IS 'Binary input of analytics.screen_time (binary COPY, clients reading binary results, binary logical replication): version word, screen count, then per screen its name, microseconds and views; every length and count checked';

CREATE FUNCTION analytics.screen_time_send(analytics.screen_time)
RETURNS bytea
AS 'MODULE_PATHNAME', 'screen_time_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.screen_time_send(analytics.screen_time) IS 'Binary output of analytics.screen_time, screens in byte order of their names';

ALTER TYPE analytics.screen_time SET (SEND = analytics.screen_time_send, RECEIVE = analytics.screen_time_recv);
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


CREATE OR REPLACE VIEW analytics.event_anomalies AS
WITH scored AS (
	SELECT x.day, x.event_name, x.events,
		analytics.zscore(x.events::pg_catalog.float8) OVER (PARTITION BY x.event_name ORDER BY x.day
			ROWS BETWEEN 28 PRECEDING AND CURRENT ROW) AS zscore
	FROM analytics.event_counts_filled x
	WHERE x.day OPERATOR(pg_catalog.<) (pg_catalog.timezone('UTC', analytics._now()))::date
)
SELECT s.day, s.event_name, s.events, s.zscore,
	pg_catalog.abs(s.zscore) OPERATOR(pg_catalog.>)
		analytics.anomaly_threshold() AS is_anomaly
FROM scored s;
COMMENT ON VIEW analytics.event_anomalies IS 'Events per event_name and UTC day (days without events count 0), with the z-score of each day against the 28 days before it and is_anomaly = |zscore| > analytics.anomaly_threshold; complete days only (the current UTC day is left out)';

COMMENT ON COLUMN analytics._dq_day_bounds.date_key IS 'A date_key of analytics.dim_date (YYYYMMDD)';
COMMENT ON COLUMN analytics._dq_day_bounds.day_start IS 'Start of the UTC day the key covers, inclusive; NULL for a date outside years 1-214747';
COMMENT ON COLUMN analytics._dq_day_bounds.day_end IS 'End of the UTC day the key covers, exclusive; NULL for a date outside years 1-214747';
COMMENT ON COLUMN analytics._dq_customer_coverage.customer_key IS 'A customer_key of analytics.dim_customer';
COMMENT ON COLUMN analytics._dq_customer_coverage.covers_from IS 'Earliest time a fact may have to belong to this key, inclusive: -infinity for the customer''s first version';
COMMENT ON COLUMN analytics._dq_customer_coverage.covers_to IS 'Time from which facts belong to a later version, exclusive (infinity for the current version)';
-- The event contract (issue 13): one definition in C, enforced by track,
-- track_batch and retry_rejected, its rules that do not depend on now also
-- by a CHECK constraint on analytics.events.
CREATE FUNCTION analytics._event_contract(occurred_at timestamptz, received_at timestamptz,
	event_name text, session_id text, device_id text, user_id text, screen text, duration_ms bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'event_contract'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics._event_contract(timestamptz, timestamptz, text, text, text, text, text, bigint) IS 'Internal: the CHECK constraint of analytics.events; raises the first rule of the event contract a row breaks (none that depends on now), else true';


CREATE FUNCTION analytics._event_problem(occurred_at timestamptz, received_at timestamptz,
	event_name text, session_id text, device_id text, user_id text, screen text, duration_ms bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'event_problem'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics._event_problem(timestamptz, timestamptz, text, text, text, text, text, bigint) IS 'Internal: the first rule of the event contract a stored row breaks (none that depends on now), as a sentence; NULL when it keeps them all';


-- Events 0.1.0 stored against the contract (a time of -infinity, a
-- duration_ms no aggregate takes, an identifier no index entry holds) move
-- to analytics.rejected_events with the reason, whole: none is lost, and
-- the constraint can be added.
WITH moved AS (
	DELETE FROM analytics.events e
	WHERE analytics._event_problem(e.occurred_at, e.received_at, e.event_name, e.session_id, e.device_id,
		e.user_id, e.screen, e.duration_ms) IS NOT NULL
	RETURNING e.*
)
INSERT INTO analytics.rejected_events (received_at, payload, reason)
SELECT CASE WHEN pg_catalog.isfinite(m.received_at) THEN m.received_at ELSE analytics._now() END,
	pg_catalog.to_jsonb(m) OPERATOR(pg_catalog.-) 'received_at',
	'stored before 0.2.0, against the event contract: ' OPERATOR(pg_catalog.||)
		analytics._event_problem(m.occurred_at, m.received_at, m.event_name, m.session_id, m.device_id,
			m.user_id, m.screen, m.duration_ms)
FROM moved m
ORDER BY m.received_at, m.event_id;

ALTER TABLE analytics.events ADD CONSTRAINT events_contract CHECK (analytics._event_contract(occurred_at, received_at, event_name,
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
			(SELECT analytics._month_start(pg_catalog.min(d.occurred_at)) FROM analytics.events_default d),
			(SELECT pg_catalog.min(analytics._partition_start(c.relname))
			 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
			 WHERE i.inhparent = 'analytics.events'::regclass AND c.relname ~ '^events_p[0-9]{6}$'),
			analytics._month_start(analytics._now()))
	INTO first_month;
	first_month := analytics._month_start(first_month);
	last_month := analytics._month_start(analytics._now() + ahead);

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
			   AND analytics._partition_start(c.relname) BETWEEN first_month AND last_month)
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
		next_month := analytics._month_start(m + interval '32 days');
		IF pg_catalog.to_regclass('analytics.' || part) IS NULL THEN
			-- The month's table is made apart with its indexes, filled with its parked
			-- events, then attached. No temporary table: this runs
			-- as the extension's owner, and the caller could have made one
			-- first (with a trigger of theirs on it).
			EXECUTE pg_catalog.format(
				'CREATE TABLE analytics.%I (LIKE analytics.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
			PERFORM analytics._index_event_partition(part);
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
CREATE FUNCTION analytics._too_long(field text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'too_long'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics._too_long(text, text) IS 'Internal: NULL when value (a key or name the warehouse indexes) fits an index entry, else the loader''s reason naming field';


-- tests branch: a load cancelled (statement_timeout, pg_cancel_backend) is
-- recorded as cancelled: the status, _record_failed_run's fourth argument,
-- load_warehouse's handler (and its staging lock inside the block).
ALTER TABLE analytics.load_runs DROP CONSTRAINT load_runs_status_check,
	ADD CONSTRAINT load_runs_status_check CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'succeeded', 'failed', 'cancelled']));
COMMENT ON TABLE analytics.load_runs IS 'One row per analytics.load_warehouse call: its status, counts and, for a failed or cancelled run, the error';
DROP FUNCTION analytics._record_failed_run(bigint, timestamptz, text);
CREATE OR REPLACE FUNCTION analytics._record_failed_run(run_id bigint, started_at timestamptz, error text, cancelled boolean DEFAULT false)
RETURNS boolean
AS 'MODULE_PATHNAME', 'record_failed_run'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics._record_failed_run(bigint, timestamptz, text, boolean) IS 'Internal step of analytics.load_warehouse: records the run as failed (cancelled when the last argument is true) in analytics.load_runs, committed by a background worker whatever becomes of the caller''s transaction; false when no worker could';
REVOKE ALL ON FUNCTION analytics._record_failed_run(bigint, timestamptz, text, boolean) FROM PUBLIC;

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
	run := nextval('analytics.load_runs_run_id_seq');
	started := clock_timestamp();

	BEGIN
		-- One load at a time, and no rows added to staging while it runs (they
		-- would be emptied unread). Inside the block: a load cancelled while it
		-- waits here is recorded too.
		LOCK TABLE analytics.stg_customers, analytics.stg_products, analytics.stg_stores, analytics.stg_channels,
			analytics.stg_sales, analytics.stg_payments, analytics.stg_interactions IN SHARE ROW EXCLUSIVE MODE;
		INSERT INTO analytics.load_runs (run_id, started_at, status) VALUES (run, started, 'running');
		-- Products, stores, channels: type 1 dimensions.
		CREATE TEMP TABLE load_products ON COMMIT DROP AS
		SELECT x.*, CASE
				WHEN x.product_id IS NULL THEN 'missing product_id'
				WHEN analytics._too_long('product_id', x.product_id) IS NOT NULL THEN analytics._too_long('product_id', x.product_id)
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
				WHEN analytics._too_long('store_id', x.store_id) IS NOT NULL THEN analytics._too_long('store_id', x.store_id)
				WHEN analytics._too_long('city', x.city) IS NOT NULL THEN analytics._too_long('city', x.city)
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
				WHEN analytics._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics._too_long('channel_id', x.channel_id)
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
				WHEN analytics._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics._too_long('customer_id', x.customer_id)
				WHEN analytics._too_long('city', x.city) IS NOT NULL THEN analytics._too_long('city', x.city)
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
					AND (x.quantity < 100 OR x.quantity * x.unit_cost < 1e12)
					AND analytics._too_long(NULL, x.sale_id) IS NULL AND analytics._too_long(NULL, x.order_id) IS NULL
					AND analytics._too_long(NULL, x.payment_method) IS NULL THEN NULL
				WHEN x.sale_id IS NULL THEN 'missing sale_id'
				WHEN x.order_id IS NULL THEN 'missing order_id'
				WHEN x.customer_id IS NULL THEN 'missing customer_id'
				WHEN x.product_id IS NULL THEN 'missing product_id'
				WHEN analytics._too_long('sale_id', x.sale_id) IS NOT NULL THEN analytics._too_long('sale_id', x.sale_id)
				WHEN analytics._too_long('order_id', x.order_id) IS NOT NULL THEN analytics._too_long('order_id', x.order_id)
				WHEN analytics._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics._too_long('customer_id', x.customer_id)
				WHEN analytics._too_long('product_id', x.product_id) IS NOT NULL THEN analytics._too_long('product_id', x.product_id)
				WHEN analytics._too_long('store_id', x.store_id) IS NOT NULL THEN analytics._too_long('store_id', x.store_id)
				WHEN analytics._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics._too_long('channel_id', x.channel_id)
				WHEN analytics._too_long('payment_method', x.payment_method) IS NOT NULL THEN analytics._too_long('payment_method', x.payment_method)
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
				WHEN analytics._too_long('transaction_id', x.transaction_id) IS NOT NULL THEN analytics._too_long('transaction_id', x.transaction_id)
				WHEN analytics._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics._too_long('customer_id', x.customer_id)
				WHEN analytics._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics._too_long('channel_id', x.channel_id)
				WHEN analytics._too_long('city', x.city) IS NOT NULL THEN analytics._too_long('city', x.city)
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
				WHEN analytics._too_long('interaction_id', x.interaction_id) IS NOT NULL THEN analytics._too_long('interaction_id', x.interaction_id)
				WHEN analytics._too_long('customer_id', x.customer_id) IS NOT NULL THEN analytics._too_long('customer_id', x.customer_id)
				WHEN analytics._too_long('channel_id', x.channel_id) IS NOT NULL THEN analytics._too_long('channel_id', x.channel_id)
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
		recorded := analytics._record_failed_run(run, started,
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
REVOKE ALL ON FUNCTION analytics._load_stage(bigint, text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._load_merge(text, regclass, text, text[], text[], boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._load_customers(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics._dim_date_add(date[]) TO analytics_admin;

-- tests branch: demo data's default until is the UTC day before analytics._now().
CREATE OR REPLACE FUNCTION analytics.demo_events(users int, days int, seed int, until date DEFAULT pg_catalog.timezone('UTC', analytics._now())::date - 1)
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

CREATE OR REPLACE FUNCTION analytics.generate_demo_events(users int, days int, seed int, until date DEFAULT pg_catalog.timezone('UTC', analytics._now())::date - 1)
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
-- (analytics._job_tick), which records each run in analytics.job_runs, so
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
	created_at timestamptz NOT NULL DEFAULT analytics._now(),
	updated_at timestamptz NOT NULL DEFAULT analytics._now()
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
CREATE FUNCTION analytics._job_run_begin(job_id bigint, started_at timestamptz, manual boolean, config text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'job_run_begin'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics._job_run_begin(bigint, timestamptz, boolean, text) IS 'Internal step of a job run: inserts its running row, committed by a background worker at once; the run id, or NULL when no worker could';

CREATE FUNCTION analytics._job_run_failed(run_id bigint, finished_at timestamptz, error text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'job_run_failed'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics._job_run_failed(bigint, timestamptz, text) IS 'Internal step of a job run: marks the run failed, committed by a background worker whatever becomes of the caller''s transaction; false when no worker could';

CREATE FUNCTION analytics._job_clock()
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'job_clock'
LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION analytics._job_clock() IS 'Internal: the time a job run starts or ends: analytics.mock_now when set, else clock_timestamp()';

CREATE FUNCTION analytics._job_run_retention()
RETURNS interval
AS 'MODULE_PATHNAME', 'job_run_retention'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics._job_run_retention() IS 'Internal: the setting analytics.job_run_retention as an interval, NULL when 0 (keep every run)';

CREATE FUNCTION analytics.job_config()
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT COALESCE(NULLIF(pg_catalog.current_setting('analytics.job_config', true), ''), '{}')::pg_catalog.jsonb
$$;
COMMENT ON FUNCTION analytics.job_config() IS 'Inside a run of a job: its configuration (the job''s config merged with run_job''s override); {} outside a run';

CREATE FUNCTION analytics._has_pg_cron()
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT EXISTS (SELECT FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'pg_cron')
$$;
COMMENT ON FUNCTION analytics._has_pg_cron() IS 'Internal: whether pg_cron is installed in this database';

-- Checks shared by create_job and alter_job; raises invalid_parameter_value.
CREATE FUNCTION analytics._job_check(name text, job_type text, schedule text, command text, config jsonb)
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
		AND analytics.cron_next(schedule, analytics._now()) IS NULL THEN
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
COMMENT ON FUNCTION analytics._job_check(text, text, text, text, jsonb) IS 'Internal: raises invalid_parameter_value when a job''s name, type, schedule, command or config is not valid';

-- The job of that name, locked, that the current role may change.
CREATE FUNCTION analytics._job_for_change(job_name text)
RETURNS analytics.jobs
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) job_name FOR UPDATE;
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
	RETURN j;
END
$$;
COMMENT ON FUNCTION analytics._job_for_change(text) IS 'Internal: the job of that name, locked, when the current role created it or is a superuser; else an error';

-- pg_cron through dynamic SQL: the extension installs without it.
CREATE FUNCTION analytics._job_cron_schedule(j analytics.jobs)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	cron_id bigint;
BEGIN
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO cron_id
		USING 'analytics_' OPERATOR(pg_catalog.||) j.name, j.schedule,
			pg_catalog.format('SELECT analytics._job_tick(%L, %s)', j.name, j.job_id);
	IF NOT j.is_active THEN
		EXECUTE 'SELECT cron.alter_job($1, active => false)' USING cron_id;
	END IF;
	UPDATE analytics.jobs x SET cron_job_id = cron_id WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id;
	RETURN cron_id;
END
$$;
COMMENT ON FUNCTION analytics._job_cron_schedule(analytics.jobs) IS 'Internal: schedules the job with pg_cron as analytics_<name>, its command the wrapper analytics._job_tick; the pg_cron job id';

CREATE FUNCTION analytics._job_cron_exists(cron_id bigint)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	found boolean;
BEGIN
	IF cron_id IS NULL OR NOT analytics._has_pg_cron() THEN
		RETURN false;
	END IF;
	EXECUTE 'SELECT EXISTS (SELECT FROM cron.job c WHERE c.jobid OPERATOR(pg_catalog.=) $1)' INTO found USING cron_id;
	RETURN found;
END
$$;
COMMENT ON FUNCTION analytics._job_cron_exists(bigint) IS 'Internal: whether pg_cron has a job of that id that the current role sees';

CREATE FUNCTION analytics.create_job(name text, job_type text, schedule text, command text, config jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	PERFORM analytics._job_check(name, job_type, schedule, command, config);
	IF EXISTS (SELECT FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) create_job.name) THEN
		RAISE EXCEPTION 'job "%" already exists', name
			USING ERRCODE = 'duplicate_object',
				HINT = 'Change it with analytics.alter_job, or drop it first with analytics.drop_job.';
	END IF;
	INSERT INTO analytics.jobs (name, job_type, schedule, command, config)
	VALUES (name, job_type, schedule, command, config)
	RETURNING * INTO j;
	IF NOT analytics._has_pg_cron() THEN
		RAISE NOTICE 'job "%" is registered but not scheduled: pg_cron is not installed in this database', name
			USING HINT = 'analytics.run_job runs it meanwhile; once pg_cron is installed, analytics.alter_job(''' || name || ''') schedules it.';
		RETURN NULL;
	END IF;
	RETURN analytics._job_cron_schedule(j);
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
	j := analytics._job_for_change(name);
	PERFORM analytics._job_check(j.name, j.job_type, COALESCE(schedule, j.schedule), j.command, COALESCE(config, j.config));
	UPDATE analytics.jobs x
	SET schedule = COALESCE(alter_job.schedule, x.schedule),
		is_active = COALESCE(alter_job.is_active, x.is_active),
		config = COALESCE(alter_job.config, x.config),
		updated_at = analytics._now()
	WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id
	RETURNING * INTO j;
	IF analytics._job_cron_exists(j.cron_job_id) THEN
		EXECUTE 'SELECT cron.alter_job($1, schedule => $2, active => $3)' USING j.cron_job_id, j.schedule, j.is_active;
	ELSIF analytics._has_pg_cron() THEN
		-- never scheduled (no pg_cron then), or its pg_cron job was removed
		PERFORM analytics._job_cron_schedule(j);
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
	j := analytics._job_for_change(name);
	IF analytics._job_cron_exists(j.cron_job_id) THEN
		EXECUTE 'SELECT cron.unschedule($1)' USING j.cron_job_id;
	END IF;
	DELETE FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id;
END
$$;
COMMENT ON FUNCTION analytics.drop_job(text) IS 'Unschedules a job from pg_cron and removes it and its runs from the registry';

-- One run of a job, scheduled or manual: the only place a command runs.
CREATE FUNCTION analytics._job_execute(job_id bigint, manual boolean, config_override jsonb)
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
	started := analytics._job_clock();

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
	run := analytics._job_run_begin(j.job_id, started, manual, cfg::text);
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
	BEGIN
		EXECUTE j.command;
		GET DIAGNOSTICS n = ROW_COUNT;
	EXCEPTION WHEN OTHERS OR query_canceled THEN
		-- the command's work is rolled back; the failure is committed by a
		-- worker, then the error goes on to pg_cron or the caller
		GET STACKED DIAGNOSTICS err_message = MESSAGE_TEXT, err_detail = PG_EXCEPTION_DETAIL,
			err_hint = PG_EXCEPTION_HINT, err_state = RETURNED_SQLSTATE;
		PERFORM pg_catalog.set_config('analytics.job_config', COALESCE(prev, ''), true);
		recorded := analytics._job_run_failed(run, analytics._job_clock(), err_message);
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
	UPDATE analytics.job_runs r
	SET status = 'success', finished_at = analytics._job_clock(), rows_affected = n
	WHERE r.run_id OPERATOR(pg_catalog.=) run;
	RETURN run;
END
$$;
COMMENT ON FUNCTION analytics._job_execute(bigint, boolean, jsonb) IS 'Internal: one run of a job: records it running, runs its command with its config in analytics.job_config, records success or failure (then raises the error); a run that finds one going is recorded as skipped';

-- What every job's pg_cron command calls.
CREATE FUNCTION analytics._job_tick(name text, job_id bigint)
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
	RETURN analytics._job_execute(job_id, false, NULL);
END
$$;
COMMENT ON FUNCTION analytics._job_tick(text, bigint) IS 'Internal: the command of every job''s pg_cron entry: runs the job (the registry id must still carry that name) and records the run';

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
	RETURN analytics._job_execute(id, true, config_override);
END
$$;
COMMENT ON FUNCTION analytics.run_job(text, jsonb) IS 'Runs a job now, recorded like a scheduled run (manual = true), its command seeing the job''s config with config_override merged in; the run id; raises the command''s error after recording the failure';

-- The maintenance job's command (see analytics.schedule_maintenance).
CREATE FUNCTION analytics._maintenance()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	made bigint;
	pruned bigint := 0;
	keep interval := analytics._job_run_retention();
BEGIN
	SELECT pg_catalog.count(*) INTO made FROM analytics.ensure_partitions();
	IF keep IS NOT NULL THEN
		DELETE FROM analytics.job_runs r
		WHERE r.status OPERATOR(pg_catalog.<>) 'running'
			AND COALESCE(r.finished_at, r.started_at) OPERATOR(pg_catalog.<) (analytics._now() OPERATOR(pg_catalog.-) keep);
		GET DIAGNOSTICS pruned = ROW_COUNT;
	END IF;
	RETURN made OPERATOR(pg_catalog.+) pruned;
END
$$;
COMMENT ON FUNCTION analytics._maintenance() IS 'Internal: the maintenance job''s command: analytics.ensure_partitions(), then deletes job runs that finished longer ago than analytics.job_run_retention; partitions created plus runs deleted';

CREATE VIEW analytics.scheduled_jobs AS
SELECT j.name,
	j.job_type,
	j.schedule,
	j.is_active,
	j.cron_job_id IS NOT NULL AS is_scheduled,
	l.started_at AS last_run_at,
	CASE WHEN j.is_active AND j.cron_job_id IS NOT NULL
		THEN analytics.cron_next(j.schedule, analytics._now()) END AS next_run_at,
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
COMMENT ON COLUMN analytics.scheduled_jobs.next_run_at IS 'Next time pg_cron fires the job after now (analytics._now()), computed from the schedule in UTC; NULL when inactive, not scheduled or @reboot';
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
REVOKE ALL ON FUNCTION analytics._job_run_begin(bigint, timestamptz, boolean, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._job_run_failed(bigint, timestamptz, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._job_check(text, text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._job_for_change(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._job_cron_schedule(analytics.jobs) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._job_cron_exists(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.create_job(text, text, text, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.alter_job(text, text, boolean, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.drop_job(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._job_execute(bigint, boolean, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._job_tick(text, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics.run_job(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics._maintenance() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics._job_run_begin(bigint, timestamptz, boolean, text),
	analytics._job_run_failed(bigint, timestamptz, text),
	analytics._job_check(text, text, text, text, jsonb),
	analytics._job_for_change(text),
	analytics._job_cron_schedule(analytics.jobs),
	analytics._job_cron_exists(bigint),
	analytics.create_job(text, text, text, text, jsonb),
	analytics.alter_job(text, text, boolean, jsonb),
	analytics.drop_job(text),
	analytics._job_execute(bigint, boolean, jsonb),
	analytics._job_tick(text, bigint),
	analytics.run_job(text, jsonb)
	TO analytics_admin;
GRANT SELECT, DELETE ON analytics.jobs TO analytics_admin;
GRANT INSERT (name, job_type, schedule, command, config) ON analytics.jobs TO analytics_admin;
GRANT UPDATE (schedule, is_active, config, cron_job_id, updated_at) ON analytics.jobs TO analytics_admin;
GRANT SELECT ON analytics.job_runs TO analytics_admin;
GRANT INSERT (job_id, job_name, started_at, finished_at, status, error, manual, config) ON analytics.job_runs TO analytics_admin;
GRANT UPDATE (status, finished_at, error, rows_affected) ON analytics.job_runs TO analytics_admin;
GRANT SELECT ON analytics.scheduled_jobs TO analytics_reader, analytics_admin;

CREATE OR REPLACE FUNCTION analytics.schedule_maintenance(schedule text DEFAULT '7 0 * * *')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j analytics.jobs;
BEGIN
	PERFORM analytics._require_pg_cron();
	-- The registry's job "ensure_partitions" (pg_cron's analytics_ensure_partitions,
	-- the name 0.1.0 used): scheduling again changes its schedule. One that
	-- another role created under that name is replaced.
	SELECT * INTO j FROM analytics.jobs x WHERE x.name OPERATOR(pg_catalog.=) 'ensure_partitions';
	IF FOUND AND (j.owner OPERATOR(pg_catalog.<>) CURRENT_USER
		OR j.command OPERATOR(pg_catalog.<>) 'SELECT analytics._maintenance()') THEN
		PERFORM analytics.drop_job('ensure_partitions');
		j := NULL;
	END IF;
	IF j.job_id IS NULL THEN
		RETURN analytics.create_job('ensure_partitions', 'maintenance', schedule, 'SELECT analytics._maintenance()');
	END IF;
	PERFORM analytics.alter_job('ensure_partitions', schedule => schedule, is_active => true);
	RETURN (SELECT x.cron_job_id FROM analytics.jobs x WHERE x.job_id OPERATOR(pg_catalog.=) j.job_id);
END
$$;
COMMENT ON FUNCTION analytics.schedule_maintenance(text) IS 'Registers the maintenance job "ensure_partitions" (analytics.ensure_partitions, then pruning analytics.job_runs after analytics.job_run_retention) and schedules it with pg_cron as "analytics_ensure_partitions"; the pg_cron job id';

-- A maintenance job scheduled by 0.1.0 (pg_cron's analytics_ensure_partitions
-- running ensure_partitions directly) moves into the registry, same schedule.
DO $upgrade$
DECLARE
	old_schedule text;
BEGIN
	IF analytics._has_pg_cron() THEN
		EXECUTE 'SELECT c.schedule FROM cron.job c WHERE c.jobname OPERATOR(pg_catalog.=) ''analytics_ensure_partitions''
			AND c.command OPERATOR(pg_catalog.=) ''SELECT pg_catalog.count(*) FROM analytics.ensure_partitions()'''
			INTO old_schedule;
		IF old_schedule IS NOT NULL THEN
			PERFORM analytics.schedule_maintenance(old_schedule);
		END IF;
	END IF;
END
$upgrade$;
