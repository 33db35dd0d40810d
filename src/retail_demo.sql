
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
CREATE FUNCTION analytics_internal._demo_u(seed int, stream int, n bigint)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (pg_catalog.hashint8extended(seed, n OPERATOR(pg_catalog.*) 1024 OPERATOR(pg_catalog.+) stream)
	OPERATOR(pg_catalog.&) 4294967295)::float8 OPERATOR(pg_catalog./) 4294967296::float8;
COMMENT ON FUNCTION analytics_internal._demo_u(int, int, bigint) IS 'Internal to analytics.generate_demo_sales: a uniform pseudo-random number in [0, 1) hashed from seed, stream and n';

-- A uniform integer in [0, k) from the same 32 bits (k at most a million:
-- the modulo's bias stays below 0.03%).
CREATE FUNCTION analytics_internal._demo_i(seed int, stream int, n bigint, k bigint)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (pg_catalog.hashint8extended(seed, n OPERATOR(pg_catalog.*) 1024 OPERATOR(pg_catalog.+) stream)
	OPERATOR(pg_catalog.&) 4294967295) OPERATOR(pg_catalog.%) k;
COMMENT ON FUNCTION analytics_internal._demo_i(int, int, bigint, bigint) IS 'Internal to analytics.generate_demo_sales: a uniform pseudo-random integer in [0, k) hashed from seed, stream and n';

-- The list of 100 choices of a weights array summing to 100: each index as
-- often as its weight, in order.
CREATE FUNCTION analytics_internal._demo_pick(weights int[])
RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.array_agg(k ORDER BY k)
	FROM pg_catalog.generate_subscripts(weights, 1) k, pg_catalog.generate_series(1, weights[k]);
END;
COMMENT ON FUNCTION analytics_internal._demo_pick(int[]) IS 'Internal to analytics.generate_demo_sales: a list in which each index of weights appears weights[index] times';

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
	city_pick int[] := analytics_internal._demo_pick(city_weight);
	hour_pick int[] := analytics_internal._demo_pick(hour_weight);	-- hour + 1
	sub_pick int[] := analytics_internal._demo_pick(sub_weight);
	segment_pick int[] := analytics_internal._demo_pick(segment_weight);
	sales_channel_pick int[] := analytics_internal._demo_pick(sales_channel_weight);
	payment_channel_pick int[] := analytics_internal._demo_pick(payment_channel_weight);
	lines_pick int[] := analytics_internal._demo_pick(lines_weight);
	quantity_pick int[] := analytics_internal._demo_pick(quantity_weight);
	type_pick int[] := analytics_internal._demo_pick(interaction_weight);
	status_pick int[] := analytics_internal._demo_pick(status_weight);
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
	customer_city := ARRAY(SELECT city_pick[1 + analytics_internal._demo_i(seed, 2, c, 100)]
		FROM generate_series(1, customers + n_bad_customers) c ORDER BY c);

	-- Customers: first versions updated 1-730 days before start_date; a
	-- second version for customer numbers that are multiples of 50, a third
	-- for multiples of 500, each changing the segment (40%), the city (40%)
	-- or both (20%).
	INSERT INTO analytics.stg_customers (customer_id, first_name, last_name, email, phone, city,
		state, region, country, segment, updated_at)
	WITH v1 AS MATERIALIZED (
		SELECT c, first_names[1 + analytics_internal._demo_i(seed, 3, c, 40)] AS first_name,
			last_names[1 + analytics_internal._demo_i(seed, 4, c, 40)] AS last_name,
			'+91 ' || (6 + analytics_internal._demo_i(seed, 5, c, 4)) || lpad(analytics_internal._demo_i(seed, 16, c, 100000)::text, 5, '0')
				|| lpad(analytics_internal._demo_i(seed, 17, c, 10000)::text, 4, '0') AS phone,
			customer_city[c] AS city, segment_pick[1 + analytics_internal._demo_i(seed, 1, c, 100)] AS segment,
			(start_date - 1 - analytics_internal._demo_i(seed, 6, c, 730)::int)::timestamp
				+ analytics_internal._demo_i(seed, 7, c, 86400) * interval '1 second' AS ts
		FROM generate_series(1, customers + n_bad_customers) c
	), v2 AS MATERIALIZED (
		SELECT c, first_name, last_name, phone,
			CASE WHEN k < 0.4 THEN city ELSE 1 + (city + analytics_internal._demo_i(seed, 10, c, 24)::int) % 25 END AS city,
			CASE WHEN k >= 0.4 AND k < 0.8 THEN segment ELSE 1 + (segment + analytics_internal._demo_i(seed, 9, c, 2)::int) % 3 END AS segment,
			start_date + floor((0.1 + 0.4 * analytics_internal._demo_u(seed, 11, c)) * days * 86400) * interval '1 second' AS ts
		FROM (SELECT v1.*, analytics_internal._demo_u(seed, 8, c) AS k FROM v1 WHERE c % 50 = 0 AND c <= customers OFFSET 0) x
	), v3 AS (
		SELECT c, first_name, last_name, phone,
			CASE WHEN k < 0.4 THEN city ELSE 1 + (city + analytics_internal._demo_i(seed, 14, c, 24)::int) % 25 END AS city,
			CASE WHEN k >= 0.4 AND k < 0.8 THEN segment ELSE 1 + (segment + analytics_internal._demo_i(seed, 13, c, 2)::int) % 3 END AS segment,
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
	entity := 'customers'; rows := added; RETURN NEXT;

	-- Products: the list price log-uniform in the subcategory's range,
	-- rounded to whole rupees (ending in 9 from 100 up); the cost = price x
	-- (1 - margin), the margin uniform in the subcategory's range.
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
		brands[1 + analytics_internal._demo_i(seed, 24, p, 12)] || ' ' || sub_item[s] || ' '
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
					ELSE 1 + analytics_internal._demo_i(seed, 33, ono, 15)::int END)::text, 3, '0') AS store_id,
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
		city_name[CASE WHEN analytics_internal._demo_u(seed, 203, t) < 0.9 THEN customer_city[cust]
			ELSE 1 + analytics_internal._demo_i(seed, 204, t, 25)::int END],
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
	entity := 'payments'; rows := added; RETURN NEXT;

	-- Interactions: 4 a day per 100 orders a day (rounded up), about a
	-- customer and a channel: support calls, chats, emails and social media
	-- messages of a type-dependent handling time in seconds, 75% resolved,
	-- 15% unresolved, 10% abandoned.
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
	entity := 'interactions'; rows := added; RETURN NEXT;

	RETURN;
END
$$;
COMMENT ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) IS 'Appends deterministic synthetic retail data (customers with segment and city changes, products, stores, the four payment channels, order lines, payments, service interactions, and a documented share of bad rows) to the staging tables; returns the rows added per entity';

-- Admins load staging; the helpers are called (and inlined) in its queries.
REVOKE ALL ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) TO analytics_admin;
REVOKE ALL ON FUNCTION analytics_internal._demo_u(int, int, bigint), analytics_internal._demo_i(int, int, bigint, bigint),
	analytics_internal._demo_pick(int[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._demo_u(int, int, bigint), analytics_internal._demo_i(int, int, bigint, bigint),
	analytics_internal._demo_pick(int[]) TO analytics_admin;
