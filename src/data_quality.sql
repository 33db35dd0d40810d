
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
COMMENT ON COLUMN analytics_internal._dq_day_bounds.date_key IS 'A date_key of analytics.dim_date (YYYYMMDD)';
COMMENT ON COLUMN analytics_internal._dq_day_bounds.day_start IS 'Start of the UTC day the key covers, inclusive; NULL for a date outside years 1-214747';
COMMENT ON COLUMN analytics_internal._dq_day_bounds.day_end IS 'End of the UTC day the key covers, exclusive; NULL for a date outside years 1-214747';

-- The times each customer key covers: the validity the loader gives its
-- version (analytics_internal._customer_validity), one row per key, so that a
-- duplicated key cannot count a fact twice.
CREATE VIEW analytics_internal._dq_customer_coverage AS
SELECT v.customer_key, pg_catalog.min(v.lo) AS covers_from, pg_catalog.max(v.hi) AS covers_to
FROM analytics_internal._customer_validity v
GROUP BY v.customer_key;
COMMENT ON VIEW analytics_internal._dq_customer_coverage IS 'Internal to analytics.data_quality_checks: the time range [covers_from, covers_to) each customer key covers, one row per key';
COMMENT ON COLUMN analytics_internal._dq_customer_coverage.customer_key IS 'A customer_key of analytics.dim_customer';
COMMENT ON COLUMN analytics_internal._dq_customer_coverage.covers_from IS 'Earliest time a fact may have to belong to this key, inclusive: -infinity for the customer''s first version';
COMMENT ON COLUMN analytics_internal._dq_customer_coverage.covers_to IS 'Time from which facts belong to a later version, exclusive (infinity for the current version)';

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

CREATE FUNCTION analytics.data_quality_checks()
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

REVOKE ALL ON FUNCTION analytics.data_quality_checks() FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._dq_dimensions(), analytics_internal._dq_sales(), analytics_internal._dq_payments(),
	analytics_internal._dq_interactions() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._dq_dimensions(), analytics_internal._dq_sales(), analytics_internal._dq_payments(),
	analytics_internal._dq_interactions() TO analytics_admin, analytics_reader;
GRANT EXECUTE ON FUNCTION analytics.data_quality_checks() TO analytics_admin, analytics_reader;
GRANT SELECT ON analytics_internal._dq_day_bounds, analytics_internal._dq_customer_coverage TO analytics_admin, analytics_reader;
