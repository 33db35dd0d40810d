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
			analytics._month_start(analytics._now()))
	INTO first_month;
	first_month := analytics._month_start(first_month);
	last_month := analytics._month_start(analytics._now() + ahead);

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
				'CREATE TABLE analytics.%I (LIKE analytics.events INCLUDING DEFAULTS)', part);
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
COMMENT ON FUNCTION analytics.ensure_partitions(interval) IS 'Creates monthly event partitions from the earliest month present through now() + ahead and moves parked events into them';

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

CREATE OR REPLACE FUNCTION analytics.data_quality_checks()
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
			pg_catalog.count(*) FILTER (WHERE f.sale_ts > analytics._now()) AS future
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
			pg_catalog.count(*) FILTER (WHERE f.txn_ts > analytics._now()) AS future
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
			pg_catalog.count(*) FILTER (WHERE f.interaction_ts > analytics._now()) AS future
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

