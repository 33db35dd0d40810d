-- Retail demo data: analytics.generate_demo_sales appends deterministic
-- synthetic rows, with a documented share of bad rows, to the staging tables.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

-- Each staging table's rows after from_row (source_row excluded) as a count
-- and an md5 of the sorted rows.
CREATE FUNCTION pg_temp.staging_sums(after jsonb DEFAULT '{}')
RETURNS TABLE (entity text, n bigint, md5 text) LANGUAGE sql AS $$
	SELECT e, count(r), md5(string_agg(r, E'\n' ORDER BY r COLLATE "C"))
	FROM (VALUES ('customers'), ('products'), ('stores'), ('channels'), ('sales'), ('payments'),
		('interactions')) v(e)
	LEFT JOIN (
		SELECT 'customers' AS k, (to_jsonb(t) - 'source_row')::text AS r, t.source_row FROM analytics.stg_customers t
		UNION ALL SELECT 'products', (to_jsonb(t) - 'source_row')::text, t.source_row FROM analytics.stg_products t
		UNION ALL SELECT 'stores', (to_jsonb(t) - 'source_row')::text, t.source_row FROM analytics.stg_stores t
		UNION ALL SELECT 'channels', (to_jsonb(t) - 'source_row')::text, t.source_row FROM analytics.stg_channels t
		UNION ALL SELECT 'sales', (to_jsonb(t) - 'source_row')::text, t.source_row FROM analytics.stg_sales t
		UNION ALL SELECT 'payments', (to_jsonb(t) - 'source_row')::text, t.source_row FROM analytics.stg_payments t
		UNION ALL SELECT 'interactions', (to_jsonb(t) - 'source_row')::text, t.source_row FROM analytics.stg_interactions t
	) x ON x.k = v.e AND x.source_row > coalesce((after ->> v.e)::bigint, 0)
	GROUP BY e
$$;
-- The last source_row of each staging table.
CREATE FUNCTION pg_temp.last_rows() RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'customers', (SELECT max(source_row) FROM analytics.stg_customers),
		'products', (SELECT max(source_row) FROM analytics.stg_products),
		'stores', (SELECT max(source_row) FROM analytics.stg_stores),
		'channels', (SELECT max(source_row) FROM analytics.stg_channels),
		'sales', (SELECT max(source_row) FROM analytics.stg_sales),
		'payments', (SELECT max(source_row) FROM analytics.stg_payments),
		'interactions', (SELECT max(source_row) FROM analytics.stg_interactions))
$$;
CREATE FUNCTION pg_temp.empty_staging() RETURNS void LANGUAGE sql AS $$
	DELETE FROM analytics.stg_customers; DELETE FROM analytics.stg_products;
	DELETE FROM analytics.stg_stores; DELETE FROM analytics.stg_channels;
	DELETE FROM analytics.stg_sales; DELETE FROM analytics.stg_payments;
	DELETE FROM analytics.stg_interactions;
$$;
-- Whether text is a timestamp written 'YYYY-MM-DD HH24:MI:SS' that exists.
CREATE FUNCTION pg_temp.is_ts(t text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	RETURN t ~ '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$' AND t::timestamp IS NOT NULL;
EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
	RETURN false;
END
$$;
-- The SQLSTATE, message and hint of a statement's error.
CREATE FUNCTION pg_temp.error_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	hint text;
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
	RETURN st || ' ' || msg || CASE WHEN hint <> '' THEN ' / ' || hint ELSE '' END;
END
$$;

-- The small call of this test: 30 days from Wednesday 2025-01-01, 100 orders
-- and 100 payments a day, seed 1, 2000 customers, 200 products. By the
-- definition (O = 30 x 100 = 3000 orders, T = 30 x 100 = 3000 payments,
-- count(r, m, N) = floor((N + m - r) / m) numbers in 1..N are r modulo m):
--   customers    2000 + 2000 / 50 (second versions) + 2000 / 500 (third)
--                + count(7, 1000, 2000) = 2 duplicates
--                + ceil(2000 / 1000) = 2 bad                      = 2048
--   products     200 + count(37, 100, 200) = 2 duplicates
--                + ceil(200 / 100) = 2 bad                        = 204
--   stores 15, channels 4
--   sales        the lines of 3000 orders (1-5 each)
--                + count(100, 1000, 3000) = 3 duplicates
--   payments     3000 + count(150, 1000, 3000) = 3 duplicates     = 3003
--   interactions 30 x ceil(100 x 4 / 100) = 30 x 4                = 120
CREATE TEMP TABLE run1 AS
SELECT * FROM analytics.generate_demo_sales(days => 30, orders_per_day => 100, payments_per_day => 100);
SELECT r.entity, e.expected, r.rows = coalesce(e.expected,
		(SELECT count(DISTINCT sale_id) + 3 FROM analytics.stg_sales)) AS as_expected,
	r.rows = s.n AS rows_in_staging
FROM run1 r
JOIN (VALUES ('customers', 2048), ('products', 204), ('stores', 15), ('channels', 4),
	('sales', NULL), ('payments', 3003), ('interactions', 120)) e(entity, expected) USING (entity)
JOIN pg_temp.staging_sums() s USING (entity)
ORDER BY r.entity;
-- the sales rows (expected: the distinct lines plus 3 duplicates): 3000
-- orders of 1-5 lines (35/25/20/12/8%: 2.33 on average)
SELECT count(DISTINCT order_id) AS orders,
	count(DISTINCT sale_id)::numeric / count(DISTINCT order_id) BETWEEN 2.23 AND 2.43 AS lines_per_order_near_2_33,
	min(substr(sale_id, 13)::int) AS min_line, max(substr(sale_id, 13)::int) AS max_line,
	bool_and(sale_id LIKE order_id || '-_') AS sale_id_is_order_line
FROM analytics.stg_sales;
CREATE TEMP TABLE sums1 AS SELECT * FROM pg_temp.staging_sums();

-- Determinism: the same call again appends the same rows.
CREATE TEMP TABLE mark AS SELECT pg_temp.last_rows() AS after;
SELECT entity, rows FROM analytics.generate_demo_sales(days => 30, orders_per_day => 100, payments_per_day => 100)
EXCEPT SELECT entity, rows FROM run1;
SELECT s.entity, s.n = s1.n AS same_count, s.md5 = s1.md5 AS same_rows
FROM pg_temp.staging_sums((SELECT after FROM mark)) s JOIN sums1 s1 USING (entity) ORDER BY 1;

-- ... under any time zone, DateStyle, IntervalStyle and float output, and
-- with functions and operators planted in public to shadow the builtins.
SELECT pg_temp.empty_staging();
CREATE FUNCTION public.to_char(timestamp, text) RETURNS text LANGUAGE sql AS $$ SELECT 'shadow' $$;
CREATE FUNCTION public.lpad(text, int, text) RETURNS text LANGUAGE sql AS $$ SELECT 'shadow' $$;
CREATE FUNCTION public.hashint8extended(int, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$;
CREATE FUNCTION public.int8_never_mod(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$;
CREATE OPERATOR public.% (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.int8_never_mod);
SET search_path = public, pg_catalog;
SET TimeZone = 'America/St_Johns';
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = -10;
SELECT count(*) AS entities FROM analytics.generate_demo_sales(days => 30, orders_per_day => 100, payments_per_day => 100);
RESET extra_float_digits;
RESET IntervalStyle;
SET DateStyle = ISO;
SET TimeZone = 'UTC';
RESET search_path;
DROP OPERATOR public.% (bigint, bigint);
DROP FUNCTION public.to_char(timestamp, text), public.lpad(text, int, text),
	public.hashint8extended(int, bigint), public.int8_never_mod(bigint, bigint);
SELECT s.entity, s.n = s1.n AS same_count, s.md5 = s1.md5 AS same_rows
FROM pg_temp.staging_sums() s JOIN sums1 s1 USING (entity) ORDER BY 1;

-- Another seed gives other rows, except the fixed stores and channels.
SELECT pg_temp.empty_staging();
SELECT count(*) AS entities FROM analytics.generate_demo_sales(days => 30, orders_per_day => 100, payments_per_day => 100, seed => 2);
SELECT s.entity, s.md5 = s1.md5 AS same_rows
FROM pg_temp.staging_sums() s JOIN sums1 s1 USING (entity) ORDER BY 1;

-- Back to the rows of the first call for the checks below.
SELECT pg_temp.empty_staging();
SELECT count(*) AS entities FROM analytics.generate_demo_sales(days => 30, orders_per_day => 100, payments_per_day => 100);

-- Channels: exactly the four of the seed, with their fees.
SELECT channel_id, channel_name, channel_type, fee_percent, active FROM analytics.stg_channels ORDER BY 1;

-- Stores: 15, ids S001..S015, each in a city customers live in, opened
-- before the first day.
SELECT count(*) AS stores, min(store_id), max(store_id), count(DISTINCT city) AS cities,
	bool_and(open_date::date < '2025-01-01') AS opened_before,
	bool_and(city IN (SELECT city FROM analytics.stg_customers)) AS in_customer_cities,
	bool_and(country = 'India') AS india
FROM analytics.stg_stores;

-- Cities: 20-25 of them, each always with the same state and region, all in
-- India; the regions.
SELECT count(DISTINCT city) BETWEEN 20 AND 25 AS cities_20_to_25,
	count(DISTINCT (city, state, region)) = count(DISTINCT city) AS one_state_and_region_a_city,
	bool_and(country = 'India') AS india,
	string_agg(DISTINCT region, ', ') AS regions
FROM (SELECT city, state, region, country FROM analytics.stg_customers
	UNION ALL SELECT city, state, region, country FROM analytics.stg_stores) c;
SELECT city, state, region FROM analytics.stg_customers
WHERE city IN ('Mumbai', 'Bengaluru', 'Kolkata', 'Chandigarh', 'Guwahati', 'Indore')
GROUP BY 1, 2, 3 ORDER BY 1;

-- (the customer rows whose updated_at is a timestamp)
CREATE TEMP TABLE valid_customers AS
SELECT * FROM analytics.stg_customers WHERE pg_temp.is_ts(updated_at);
-- Customers: ids C000001..C002000 (and the bad C002001, C002002); segments
-- consumer 70%, corporate 22%, vip 8% (2000 draws: within 5 points);
-- every first version updated before the first day.
SELECT min(customer_id), (SELECT max(customer_id) FROM valid_customers) AS max_valid,
	count(DISTINCT customer_id) AS customers,
	bool_and(email = lower(first_name || '.' || last_name) || substr(customer_id, 2)::int || '@example.com') AS emails,
	bool_and(phone ~ '^\+91 [6-9]\d{9}$') AS phones
FROM analytics.stg_customers;
SELECT segment, abs(count(*) / 2000.0 - CASE segment WHEN 'consumer' THEN 0.70 WHEN 'corporate' THEN 0.22 ELSE 0.08 END) < 0.05 AS share_as_designed
FROM (SELECT DISTINCT ON (customer_id) customer_id, segment FROM analytics.stg_customers
	WHERE customer_id <= 'C002000' ORDER BY customer_id, updated_at) first_versions
GROUP BY 1 ORDER BY 1;
-- Versions: 40 customers (multiples of 50) have 2 or more, 4 (multiples of
-- 500) have 3; each later version is updated within the period (10-50% and
-- 60-90% into it) and changes the segment or the city.
WITH v AS (
	SELECT DISTINCT customer_id, segment, city, updated_at::timestamp AS t FROM valid_customers
), numbered AS (
	SELECT v.*, row_number() OVER w AS version, lag(segment) OVER w AS prev_segment, lag(city) OVER w AS prev_city
	FROM v WINDOW w AS (PARTITION BY customer_id ORDER BY t)
)
SELECT version, count(*) AS customers,
	bool_and(CASE version WHEN 1 THEN t < '2025-01-01'
		WHEN 2 THEN t >= '2025-01-01'::timestamp + 0.1 * interval '30 days' AND t < '2025-01-01'::timestamp + 0.5 * interval '30 days'
		ELSE t >= '2025-01-01'::timestamp + 0.6 * interval '30 days' AND t < '2025-01-01'::timestamp + 0.9 * interval '30 days' END) AS when_as_designed,
	bool_and(version = 1 OR segment <> prev_segment OR city <> prev_city) AS changed,
	bool_and(version = 1 OR substr(customer_id, 2)::int % CASE version WHEN 2 THEN 50 ELSE 500 END = 0) AS numbers_as_designed
FROM numbered GROUP BY 1 ORDER BY 1;
-- of the 44 changes, 40% change the segment only, 40% the city only, 20%
-- both: each kind occurs
SELECT count(*) FILTER (WHERE segment <> prev_segment AND city = prev_city) > 0 AS segment_only,
	count(*) FILTER (WHERE segment = prev_segment AND city <> prev_city) > 0 AS city_only,
	count(*) FILTER (WHERE segment <> prev_segment AND city <> prev_city) > 0 AS both
FROM (SELECT segment, city, lag(segment) OVER w AS prev_segment, lag(city) OVER w AS prev_city
	FROM (SELECT DISTINCT customer_id, segment, city, updated_at FROM valid_customers) v
	WINDOW w AS (PARTITION BY customer_id ORDER BY updated_at)) x
WHERE prev_segment IS NOT NULL;

-- Products: ids P0001..P0200 valid (and the bad P0201, P0202); cost below
-- price for every valid product, margins 5-60% of the price, per category
-- within its subcategories' ranges; all 20 subcategories (the rarest, 3% of
-- products, is absent from 202 draws with probability 0.97^202 = 0.2%).
SELECT count(DISTINCT product_id) AS products, min(product_id), max(product_id),
	count(*) FILTER (WHERE unit_price ~ '^\d+\.\d\d$' AND unit_cost::numeric >= unit_price::numeric) AS cost_not_below_price,
	min(1 - unit_cost::numeric / unit_price::numeric) FILTER (WHERE unit_price ~ '^\d+\.\d\d$') >= 0.049 AS margins_from_5,
	max(1 - unit_cost::numeric / unit_price::numeric) FILTER (WHERE unit_price ~ '^\d+\.\d\d$') <= 0.601 AS margins_to_60,
	count(DISTINCT category) AS categories, count(DISTINCT subcategory) AS subcategories
FROM analytics.stg_products;
SELECT category, min(1 - unit_cost::numeric / unit_price::numeric) >= lo - 0.001 AND max(1 - unit_cost::numeric / unit_price::numeric) <= hi + 0.001 AS margins_in_range
FROM analytics.stg_products
JOIN (VALUES ('Electronics', 0.05, 0.45), ('Home & Kitchen', 0.15, 0.60), ('Fashion', 0.30, 0.60),
	('Grocery', 0.08, 0.35), ('Books & Stationery', 0.20, 0.50), ('Sports & Fitness', 0.25, 0.40)) r(category, lo, hi) USING (category)
WHERE unit_price ~ '^\d+\.\d\d$'
GROUP BY category, lo, hi ORDER BY 1;

-- Sales, valid lines (neither of the bad kinds below): the product's list
-- price, quantity 1-5, 0 <= discount <= quantity x price, payment_method =
-- the name of channel_id, a known customer and store, one customer, time,
-- store and channel an order; about 25% discounted, completed 90%.
CREATE TEMP TABLE valid_sales AS
SELECT s.* FROM analytics.stg_sales s
WHERE pg_temp.is_ts(sale_ts) AND status IN ('completed', 'returned', 'cancelled') AND quantity <> '0'
	AND unit_price NOT LIKE '-%' AND product_id IN (SELECT product_id FROM analytics.stg_products);
SELECT count(*) FILTER (WHERE s.unit_price <> p.unit_price) AS not_list_price,
	count(*) FILTER (WHERE s.quantity NOT IN ('1', '2', '3', '4', '5')) AS quantity_out_of_1_5,
	count(*) FILTER (WHERE s.discount::numeric < 0 OR s.discount::numeric > s.quantity::int * s.unit_price::numeric) AS discount_out_of_bounds,
	count(*) FILTER (WHERE s.payment_method IS DISTINCT FROM c.channel_name) AS method_not_channel,
	count(*) FILTER (WHERE s.customer_id NOT IN (SELECT customer_id FROM valid_customers)) AS unknown_customers,
	count(*) FILTER (WHERE s.store_id NOT IN (SELECT store_id FROM analytics.stg_stores)) AS unknown_stores,
	avg((s.discount::numeric > 0)::int) BETWEEN 0.20 AND 0.30 AS discounted_near_25_percent,
	count(DISTINCT s.payment_method) AS methods
FROM valid_sales s
LEFT JOIN (SELECT DISTINCT product_id, unit_price FROM analytics.stg_products) p USING (product_id)
LEFT JOIN analytics.stg_channels c USING (channel_id);
SELECT count(*) AS orders_with_two_customers_times_stores_or_channels
FROM (SELECT order_id FROM valid_sales GROUP BY 1
	HAVING count(DISTINCT (customer_id, sale_ts, store_id, channel_id)) > 1) x;
SELECT status, abs(count(*)::numeric / sum(count(*)) OVER () - CASE status WHEN 'completed' THEN 0.90 WHEN 'returned' THEN 0.058 ELSE 0.04 END) < 0.02 AS share_as_designed
FROM valid_sales GROUP BY 1 ORDER BY 1;
-- Orders by day: order o falls on the first day whose cumulated weight
-- (ISO weekday weight Mon 92, Tue 88, Wed 90, Thu 95, Fri 105, Sat 125,
-- Sun 115, times 7300 + 3 x day number) reaches o / 3000 of the total.
WITH w AS (
	SELECT d, (ARRAY[92, 88, 90, 95, 105, 125, 115])[extract(isodow FROM date '2025-01-01' + d)::int] * (7300 + 3 * d) AS wt
	FROM generate_series(0, 29) d
), c AS (
	SELECT d, floor(3000 * sum(wt) OVER (ORDER BY d) / sum(wt) OVER ()::numeric) AS last_order FROM w
)
SELECT count(*) > 0 AS lines_checked,
	count(*) FILTER (WHERE s.sale_ts::date <> date '2025-01-01' + (SELECT min(d) FROM c WHERE last_order >= substr(s.order_id, 2)::bigint)) AS on_another_day
FROM valid_sales s;
-- so Saturdays have about 125 / 88 = 1.42 times the orders of Tuesdays
SELECT (count(DISTINCT order_id) FILTER (WHERE extract(isodow FROM sale_ts::date) = 6)::numeric
		/ count(DISTINCT sale_ts::date) FILTER (WHERE extract(isodow FROM sale_ts::date) = 6))
	/ (count(DISTINCT order_id) FILTER (WHERE extract(isodow FROM sale_ts::date) = 2)::numeric
		/ count(DISTINCT sale_ts::date) FILTER (WHERE extract(isodow FROM sale_ts::date) = 2))
	BETWEEN 1.35 AND 1.50 AS saturday_over_tuesday_near_1_42
FROM valid_sales;

-- Payments, valid ones: 90% success (0.85-0.95), processing mostly under
-- 2 s (75%), some 2-5 s (20%), a few over 5 s (5%), amounts 50-50,000, each
-- customer known, 90% paying in their home city.
CREATE TEMP TABLE valid_payments AS
SELECT * FROM analytics.stg_payments
WHERE pg_temp.is_ts(txn_ts) AND status IN ('success', 'failed') AND amount::numeric > 0;
SELECT avg((status = 'success')::int) BETWEEN 0.85 AND 0.95 AS success_near_90_percent,
	avg((processing_time::numeric < 2)::int) BETWEEN 0.70 AND 0.80 AS under_2s_near_75_percent,
	avg((processing_time::numeric BETWEEN 2 AND 5)::int) BETWEEN 0.16 AND 0.24 AS from_2_to_5s_near_20_percent,
	avg((processing_time::numeric > 5)::int) BETWEEN 0.03 AND 0.07 AS over_5s_near_5_percent,
	min(processing_time::numeric) >= 0.2 AND max(processing_time::numeric) <= 30 AS processing_in_range,
	min(amount::numeric) >= 50 AND max(amount::numeric) <= 50000 AS amounts_in_range,
	count(DISTINCT channel_id) AS channels,
	count(*) FILTER (WHERE customer_id NOT IN (SELECT customer_id FROM analytics.stg_customers)) AS unknown_customers,
	avg((city = (SELECT c.city FROM valid_customers c WHERE c.customer_id = p.customer_id ORDER BY c.updated_at LIMIT 1))::int)
		BETWEEN 0.85 AND 0.95 AS home_city_near_90_percent
FROM valid_payments p;
SELECT txn_ts::date AS day, count(DISTINCT transaction_id) AS payments FROM analytics.stg_payments
WHERE pg_temp.is_ts(txn_ts) GROUP BY 1 HAVING count(DISTINCT transaction_id) NOT BETWEEN 99 AND 100;

-- Interactions: 4 a day; types, statuses and durations.
SELECT interaction_type, count(*) > 0 AS present, min(duration::int) >= lo AND max(duration::int) <= hi AS duration_in_range
FROM analytics.stg_interactions
JOIN (VALUES ('support_call', 60, 1800), ('chat', 120, 2400), ('email', 60, 900), ('social_media', 30, 600)) r(interaction_type, lo, hi) USING (interaction_type)
GROUP BY 1, lo, hi ORDER BY 1;
SELECT count(*) FILTER (WHERE status NOT IN ('resolved', 'unresolved', 'abandoned')) AS bad_status,
	count(*) FILTER (WHERE NOT pg_temp.is_ts(interaction_ts)) AS bad_ts,
	count(DISTINCT interaction_ts::date) AS days, max(n) AS most_a_day, min(n) AS least_a_day
FROM analytics.stg_interactions
JOIN (SELECT interaction_ts::date AS day, count(*) AS n FROM analytics.stg_interactions GROUP BY 1) d ON d.day = interaction_ts::date;

-- The bad rows, in the documented numbers for O = T = 3000, C = 2000,
-- P = 200: sales: line 1 of orders 200, 1200, 2200 with a negative price,
-- of 300, 1300, 2300 quantity 0, of 400, 1400, 2400 an unknown product, of
-- 500, 1500, 2500 the timestamps 'YYYY-02-30 ...', 'yesterday-ish', '', of
-- 600, 1600, 2600 status 'shipped'; line 1 of 100, 1100, 2100 twice.
SELECT 'negative price' AS kind, string_agg(sale_id || CASE WHEN s.unit_price = '-' || p.unit_price THEN ' -list price' ELSE ' ' || s.unit_price END || ' ' || discount, ', ' ORDER BY sale_id)
FROM analytics.stg_sales s LEFT JOIN (SELECT DISTINCT product_id, unit_price FROM analytics.stg_products) p USING (product_id) WHERE s.unit_price::numeric < 0
UNION ALL
SELECT 'quantity 0', string_agg(sale_id || ' ' || discount, ', ' ORDER BY sale_id) FROM analytics.stg_sales WHERE quantity::int <= 0
UNION ALL
SELECT 'unknown product', string_agg(sale_id, ', ' ORDER BY sale_id) FROM analytics.stg_sales WHERE product_id NOT IN (SELECT product_id FROM analytics.stg_products)
UNION ALL
SELECT 'bad sale_ts', string_agg(sale_id || ' ' || regexp_replace(sale_ts, '^\d{4}-02-30 \d\d:\d\d:\d\d$', 'YYYY-02-30 hh:mi:ss') || '.', ', ' ORDER BY sale_id) FROM analytics.stg_sales WHERE NOT pg_temp.is_ts(sale_ts)
UNION ALL
SELECT 'bad status', string_agg(sale_id || ' ' || status, ', ' ORDER BY sale_id) FROM analytics.stg_sales WHERE status NOT IN ('completed', 'returned', 'cancelled')
UNION ALL
SELECT 'duplicate', string_agg(sale_id || ' x' || n, ', ' ORDER BY sale_id)
FROM (SELECT sale_id, count(*) AS n FROM analytics.stg_sales s GROUP BY sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id, payment_method, quantity, unit_price, discount, status HAVING count(*) > 1) d
UNION ALL
SELECT 'same sale_id, other content', count(*)::text FROM (SELECT sale_id FROM analytics.stg_sales GROUP BY 1 HAVING count(DISTINCT (to_jsonb(stg_sales) - 'source_row')) > 1) x;
-- The unknown product ids come after the bad products (P0203 and on).
SELECT DISTINCT product_id FROM analytics.stg_sales WHERE product_id NOT IN (SELECT product_id FROM analytics.stg_products) ORDER BY 1;
-- payments: transactions 350, 1350, 2350 with amount 0.00, negative, 0.00;
-- 550, 1550, 2550 a bad txn_ts; 750, 1750, 2750 status 'pending'; 150,
-- 1150, 2150 sent twice.
SELECT 'amount <= 0' AS kind, string_agg(transaction_id || ' ' || CASE WHEN amount::numeric = 0 THEN amount ELSE 'negative' END, ', ' ORDER BY transaction_id) FROM analytics.stg_payments WHERE amount::numeric <= 0
UNION ALL
SELECT 'bad txn_ts', string_agg(transaction_id || ' ' || regexp_replace(txn_ts, '^\d{4}-02-30 \d\d:\d\d:\d\d$', 'YYYY-02-30 hh:mi:ss') || '.', ', ' ORDER BY transaction_id) FROM analytics.stg_payments WHERE NOT pg_temp.is_ts(txn_ts)
UNION ALL
SELECT 'bad status', string_agg(transaction_id || ' ' || status, ', ' ORDER BY transaction_id) FROM analytics.stg_payments WHERE status NOT IN ('success', 'failed')
UNION ALL
SELECT 'duplicate', string_agg(transaction_id || ' x' || n, ', ' ORDER BY transaction_id)
FROM (SELECT transaction_id, count(*) AS n FROM analytics.stg_payments GROUP BY transaction_id, txn_ts, customer_id, channel_id, city, amount, status, processing_time HAVING count(*) > 1) d
UNION ALL
SELECT 'same transaction_id, other content', count(*)::text FROM (SELECT transaction_id FROM analytics.stg_payments GROUP BY 1 HAVING count(DISTINCT (to_jsonb(stg_payments) - 'source_row')) > 1) x;
-- customers: 7 and 1007 sent twice; the bad customers 2001 (February 30)
-- and 2002 ('yesterday-ish'), referred to by no sale, payment or
-- interaction; products: 37 and 137 sent twice, the bad products 201
-- ('n/a') and 202 (negative price), sold nowhere.
SELECT 'customer duplicate' AS kind, string_agg(customer_id || ' x' || n, ', ' ORDER BY customer_id)
FROM (SELECT customer_id, count(*) AS n FROM analytics.stg_customers c GROUP BY customer_id, first_name, last_name, email, phone, city, state, region, country, segment, updated_at HAVING count(*) > 1) d
UNION ALL
SELECT 'customer bad updated_at', string_agg(customer_id || ' ' || regexp_replace(updated_at, '^\d{4}-02-30 \d\d:\d\d:\d\d$', 'YYYY-02-30 hh:mi:ss'), ', ' ORDER BY customer_id) FROM analytics.stg_customers WHERE NOT pg_temp.is_ts(updated_at)
UNION ALL
SELECT 'bad customers referred to', count(*)::text FROM (SELECT customer_id FROM analytics.stg_sales UNION ALL SELECT customer_id FROM analytics.stg_payments UNION ALL SELECT customer_id FROM analytics.stg_interactions) r WHERE customer_id > 'C002000'
UNION ALL
SELECT 'product duplicate', string_agg(product_id || ' x' || n, ', ' ORDER BY product_id)
FROM (SELECT product_id, count(*) AS n FROM analytics.stg_products p GROUP BY product_id, product_name, category, subcategory, unit_cost, unit_price, supplier_id, active HAVING count(*) > 1) d
UNION ALL
SELECT 'product bad price', string_agg(product_id || ' ' || CASE WHEN unit_price LIKE '-%' THEN 'negative' ELSE unit_price END, ', ' ORDER BY product_id) FROM analytics.stg_products WHERE unit_price !~ '^\d+\.\d\d$'
UNION ALL
SELECT 'bad products sold', count(*)::text FROM analytics.stg_sales WHERE product_id > 'P0200' AND product_id IN (SELECT product_id FROM analytics.stg_products);

-- Edge: one day, no orders or payments, one customer, one product: 1 + 1 bad
-- customer, 1 + 1 bad product, the stores and channels, nothing else.
SELECT pg_temp.empty_staging();
SELECT * FROM analytics.generate_demo_sales(days => 1, orders_per_day => 0, customers => 1, products => 1, payments_per_day => 0);
-- one order a day: 1 interaction a day (ceil(4 / 100))
SELECT * FROM analytics.generate_demo_sales(days => 2, orders_per_day => 1, customers => 1, products => 1, payments_per_day => 1)
WHERE entity IN ('payments', 'interactions');
SELECT count(DISTINCT order_id) AS orders, count(*) FILTER (WHERE product_id <> 'P0001') AS other_products FROM analytics.stg_sales;
-- The largest catalog: 9900 products + count(37, 100, 9900) = 99 duplicates
-- + ceil(9900 / 100) = 99 bad ones (P9901..P9999) = 10098 rows; of orders
-- 1..400 only order 400 has an unknown product, 9900 + 99 + 1 + 0 = 10000:
-- P10000 (five digits, not cut to a real P1000).
SELECT pg_temp.empty_staging();
SELECT entity, rows FROM analytics.generate_demo_sales(days => 1, orders_per_day => 400, customers => 1, products => 9900, payments_per_day => 0)
WHERE entity = 'products';
SELECT sale_id, product_id FROM analytics.stg_sales WHERE product_id NOT IN (SELECT product_id FROM analytics.stg_products);

-- Arguments.
SELECT analytics.generate_demo_sales(days => 0);
SELECT stmt, pg_temp.error_of('SELECT analytics.generate_demo_sales(' || stmt || ')') AS error
FROM (VALUES ('days => NULL'), ('orders_per_day => NULL'), ('seed => NULL'), ('start_date => NULL'),
	('customers => NULL'), ('products => NULL'), ('payments_per_day => NULL'),
	('days => 0'), ('days => 3661'), ('orders_per_day => -1'), ('orders_per_day => 1000001'),
	('payments_per_day => -1'), ('customers => 0'), ('customers => 999001'), ('products => 0'),
	('products => 9901'), ('start_date => ''infinity'''), ('start_date => ''1899-12-31''')) v(stmt);

-- Privileges: admins may call it (it only inserts into staging), others not;
-- not SECURITY DEFINER; search_path pinned.
SELECT p.oid::regprocedure, p.prosecdef, p.proconfig, p.provolatile, p.proparallel,
	has_function_privilege('public', p.oid, 'EXECUTE') AS public_executes,
	has_function_privilege('analytics_admin', p.oid, 'EXECUTE') AS admin_executes,
	has_function_privilege('analytics_reader', p.oid, 'EXECUTE') AS reader_executes
FROM pg_proc p WHERE p.pronamespace IN ('analytics'::regnamespace, 'analytics_internal'::regnamespace)
	AND p.proname ~ '^(generate_demo_sales|_demo_)'
ORDER BY p.proname;
-- Its vocabulary: tables of fixed data, filled by the install script (so
-- pg_dump leaves them out), readable by admins, who run the generator:
-- 4 channels, 25 cities, 4 interaction types, 15 stores, 20 subcategories,
-- and 40 + 40 + 12 names, 3 + 7 + 24 + 5 + 5 + 3 weighted choices = 139
-- vocabulary rows.
SELECT c.relname, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass),
		false, true, '')))[1]::text::int AS rows,
	c.oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'analytics')::oid[]) AS dumped,
	has_table_privilege('analytics_admin', c.oid, 'SELECT') AS admin_reads,
	has_table_privilege('analytics_reader', c.oid, 'SELECT') AS reader_reads
FROM pg_class c WHERE c.relnamespace = 'analytics_internal'::regnamespace AND c.relkind = 'r' AND c.relname LIKE 'demo\_%'
ORDER BY 1;
-- each list of choices sums to 100 but the weekdays' (in percent of an
-- average day: 92 + 88 + 90 + 95 + 105 + 125 + 115 = 710); names have none
SELECT kind, count(*) AS items, sum(weight) AS weights FROM analytics_internal.demo_vocabulary GROUP BY kind ORDER BY kind;
-- a list of weights that does not sum to 100 is refused (the fixed data
-- changed by a superuser)
BEGIN;
UPDATE analytics_internal.demo_vocabulary SET weight = 71 WHERE kind = 'segment' AND n = 1;
SELECT pg_temp.error_of('SELECT analytics.generate_demo_sales(days => 1)') AS error;
ROLLBACK;
CREATE ROLE retail_demo_ops IN ROLE analytics_admin;
CREATE ROLE retail_demo_bi IN ROLE analytics_reader;
SET ROLE retail_demo_ops;
SELECT entity, rows FROM analytics.generate_demo_sales(days => 1, orders_per_day => 0, customers => 1, products => 1, payments_per_day => 0)
WHERE entity IN ('customers', 'channels');
RESET ROLE;
SET ROLE retail_demo_bi;
SELECT analytics.generate_demo_sales(days => 1);
RESET ROLE;
DROP ROLE retail_demo_ops, retail_demo_bi;

DROP EXTENSION analytics;
