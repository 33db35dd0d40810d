
-- src/warehouse.sql: the retail warehouse's tables (issue 5, first part):
-- staging tables that replicate the source CSV files, the calendar
-- dimension, the other dimensions, the facts, and the load bookkeeping.
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
GRANT SELECT ON analytics.dim_date TO analytics_reader, analytics_admin;
GRANT INSERT ON analytics.dim_date TO analytics_admin;
