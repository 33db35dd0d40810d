
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
	iso_week smallint NOT NULL,
	day_of_week smallint NOT NULL,
	day_name text NOT NULL,
	is_weekend boolean NOT NULL,
	is_month_end boolean NOT NULL,
	CHECK (date_key OPERATOR(pg_catalog.=) pg_catalog.to_char(full_date, 'YYYYMMDD')::int)
);
COMMENT ON TABLE analytics.dim_date IS 'Calendar dimension, one row per day, date_key = YYYYMMDD; day_of_week is ISO (Monday 1 .. Sunday 7); filled by analytics.fill_dim_date';

CREATE FUNCTION analytics.fill_dim_date(from_date date, to_date date)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	added int;
BEGIN
	IF from_date IS NULL OR to_date IS NULL THEN
		RAISE EXCEPTION 'fill_dim_date needs both from_date and to_date'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF from_date > to_date THEN
		RAISE EXCEPTION 'fill_dim_date needs a range with from_date <= to_date, got % to %', from_date, to_date
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF to_date - from_date > 366 * 200 THEN
		RAISE EXCEPTION 'fill_dim_date range of % days is too long', to_date - from_date
			USING ERRCODE = 'invalid_parameter_value',
				HINT = 'Fill at most 200 years at a time.';
	END IF;
	INSERT INTO analytics.dim_date (date_key, full_date, day, month, month_name, quarter, year,
		iso_week, day_of_week, day_name, is_weekend, is_month_end)
	SELECT to_char(d, 'YYYYMMDD')::int, d, extract(day FROM d), extract(month FROM d),
		to_char(d, 'FMMonth'), extract(quarter FROM d), extract(year FROM d),
		extract(week FROM d), extract(isodow FROM d), to_char(d, 'FMDay'),
		extract(isodow FROM d) >= 6, (d + 1)::date = date_trunc('month', d + 1)::date
	FROM generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') AS g(t),
		LATERAL (SELECT g.t::date AS d) x
	ON CONFLICT (date_key) DO NOTHING;
	GET DIAGNOSTICS added = ROW_COUNT;
	RETURN added;
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
	CHECK (valid_to OPERATOR(pg_catalog.>) valid_from),
	CHECK (is_current OPERATOR(pg_catalog.=) (valid_to OPERATOR(pg_catalog.=) 'infinity'::timestamptz)),
	UNIQUE (customer_id, valid_from)
);
CREATE UNIQUE INDEX dim_customer_current ON analytics.dim_customer (customer_id) WHERE is_current;
COMMENT ON TABLE analytics.dim_customer IS 'Customer dimension, SCD type 2 on segment, city, state, region and country (one version per change, valid_from inclusive to valid_to exclusive, the current one open-ended); name, email and phone change in place';

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
	fee_percent numeric(5, 2) CHECK (fee_percent OPERATOR(pg_catalog.>=) 0 AND fee_percent OPERATOR(pg_catalog.<=) 100),
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
	revenue numeric(14, 4) NOT NULL DEFAULT 0
);
CREATE INDEX fact_payments_date ON analytics.fact_payments (date_key);
CREATE INDEX fact_payments_ts ON analytics.fact_payments (txn_ts);
CREATE INDEX fact_payments_customer ON analytics.fact_payments (customer_key);
CREATE INDEX fact_payments_channel ON analytics.fact_payments (channel_key);
CREATE INDEX fact_payments_city ON analytics.fact_payments (city_key);
COMMENT ON TABLE analytics.fact_payments IS 'Payment transactions: processing_delay_bucket fast (< 2 s), medium (2-5 s), slow (> 5 s); revenue = amount x the channel''s fee_percent / 100 for successful transactions, else 0';

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
GRANT SELECT ON analytics.load_runs, analytics.load_rejects TO analytics_admin;
