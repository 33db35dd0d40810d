
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

-- The vocabulary of the demo data: cities, stores, channels, product
-- subcategories, interaction types, and the lists of names and weights in
-- analytics_internal.demo_vocabulary. Fixed data of the extension, filled here by
-- its install script (pg_dump leaves them out: they are not user data);
-- each list is numbered from 1 (its items' order, which the pseudo-random
-- choices index). A weight is a percentage: the weights of a list sum to
-- 100 (generate_demo_sales checks), but the weekdays', relative to an
-- average day.
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

-- A list of analytics_internal.demo_vocabulary, in order: its values, its weights.
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

-- generate_demo_sales in steps. Each step reads the vocabulary it needs
-- from the tables above; the pseudo-random streams and every query are as
-- they were in one function, so the same arguments give the same rows.

-- The arguments, checked.
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

-- Every list of weights sums to 100 (what the lists of 100 choices need).
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

-- The home city of each customer number 1..n (city_no), by the cities'
-- weights.
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

-- Customers: first versions updated 1-730 days before start_date; a second
-- version for customer numbers that are multiples of 50, a third for
-- multiples of 500, each changing the segment (40%), the city (40%) or both
-- (20%) to another one; the n_bad_customers numbered after the others with
-- an updated_at that does not parse. Returns the rows added.
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

-- Products: the list price log-uniform in the subcategory's range, rounded
-- to whole rupees (ending in 9 from 100 up); the cost = price x (1 -
-- margin), the margin uniform in the subcategory's range; the
-- n_bad_products numbered after the others with a unit_price that is not
-- one. Returns the rows added and the list price of each product number
-- (the sales' unit_price).
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

-- Stores, in the cities of analytics_internal.demo_stores, opened before start_date.
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

-- Channels: those of analytics_internal.demo_channels.
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

-- Sales: order o's day is the one whose share of the cumulated weights
-- (weekday x linear growth, +15% a year) reaches o / n_orders, so orders
-- are numbered in day order and the total is exact. Each order has a
-- customer, a time, a channel (its payment method), a store (85% the one
-- of the customer's home city, else any), 4% are cancelled, and 1-5 lines
-- (35/25/20/12/8%) of a product (popular ones more often), 1-5 units, 25%
-- discounted by 5-25%, 6% of the others returned.
-- Returns the rows added.
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

-- Payments: payments_per_day a day, 90% successful, by customer (90% in
-- their home city), amounts log-spread from 50 to 50,000 rupees (median
-- about 500), processing 0.2-1.9 s (75%), 2.0-4.9 s (20%), 5.5-30 s (5%).
-- Returns the rows added.
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

-- Interactions: 4 a day per 100 orders a day (rounded up), about a
-- customer and a channel: support calls, chats, emails and social media
-- messages of a type-dependent handling time in seconds, 75% resolved,
-- 15% unresolved, 10% abandoned.
-- Returns the rows added.
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
COMMENT ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) IS 'Appends deterministic synthetic retail data (customers with segment and city changes, products, stores, the four payment channels, order lines, payments, service interactions, and a documented share of bad rows) to the staging tables; returns the rows added per entity';

-- Admins load staging; the helpers are called (and inlined) in its queries.
REVOKE ALL ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.generate_demo_sales(int, int, int, date, int, int, int) TO analytics_admin;
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
