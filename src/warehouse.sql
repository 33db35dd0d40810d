
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
COMMENT ON TABLE analytics.stg_products IS 'Staging replica of the products CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON COLUMN analytics.stg_products.product_id IS 'Column product_id of the products CSV as text: the product''s natural key (required)';
COMMENT ON COLUMN analytics.stg_products.product_name IS 'Column product_name of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.category IS 'Column category of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.subcategory IS 'Column subcategory of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.unit_cost IS 'Column unit_cost of the products CSV as text: a number >= 0 with up to 2 decimals (required)';
COMMENT ON COLUMN analytics.stg_products.unit_price IS 'Column unit_price of the products CSV as text: list price, a number >= 0 with up to 2 decimals (required)';
COMMENT ON COLUMN analytics.stg_products.supplier_id IS 'Column supplier_id of the products CSV as text';
COMMENT ON COLUMN analytics.stg_products.active IS 'Column active of the products CSV as text: a boolean';
COMMENT ON COLUMN analytics.stg_products.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON TABLE analytics.stg_stores IS 'Staging replica of the stores CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
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
COMMENT ON TABLE analytics.stg_channels IS 'Staging replica of the channels CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON COLUMN analytics.stg_channels.channel_id IS 'Column channel_id of the channels CSV as text: the channel''s natural key (required)';
COMMENT ON COLUMN analytics.stg_channels.channel_name IS 'Column channel_name of the channels CSV as text';
COMMENT ON COLUMN analytics.stg_channels.channel_type IS 'Column channel_type of the channels CSV as text';
COMMENT ON COLUMN analytics.stg_channels.fee_percent IS 'Column fee_percent of the channels CSV as text: the fee in percent, 0 to 100 (required)';
COMMENT ON COLUMN analytics.stg_channels.active IS 'Column active of the channels CSV as text: a boolean';
COMMENT ON COLUMN analytics.stg_channels.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON TABLE analytics.stg_sales IS 'Staging replica of the sales CSV, one row per order line (all text; source_row in load order); emptied by analytics.load_warehouse';
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
COMMENT ON TABLE analytics.stg_payments IS 'Staging replica of the payments CSV, one row per transaction (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON COLUMN analytics.stg_payments.transaction_id IS 'Column transaction_id of the payments CSV as text: the payment''s natural key (required)';
COMMENT ON COLUMN analytics.stg_payments.txn_ts IS 'Column txn_ts of the payments CSV as text: a timestamp in ISO 8601 (an offset, else UTC) (required)';
COMMENT ON COLUMN analytics.stg_payments.customer_id IS 'Column customer_id of the payments CSV as text: a customer in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_payments.channel_id IS 'Column channel_id of the payments CSV as text: a channel in the warehouse or this load (required)';
COMMENT ON COLUMN analytics.stg_payments.city IS 'Column city of the payments CSV as text';
COMMENT ON COLUMN analytics.stg_payments.amount IS 'Column amount of the payments CSV as text: a number > 0 with up to 2 decimals (required)';
COMMENT ON COLUMN analytics.stg_payments.status IS 'Column status of the payments CSV as text: success or failed (required)';
COMMENT ON COLUMN analytics.stg_payments.processing_time IS 'Column processing_time of the payments CSV as text: seconds, a number >= 0, or empty';
COMMENT ON COLUMN analytics.stg_payments.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';
COMMENT ON TABLE analytics.stg_interactions IS 'Staging replica of the interactions CSV (all text; source_row in load order); emptied by analytics.load_warehouse';
COMMENT ON COLUMN analytics.stg_interactions.interaction_id IS 'Column interaction_id of the interactions CSV as text: the interaction''s natural key (required)';
COMMENT ON COLUMN analytics.stg_interactions.customer_id IS 'Column customer_id of the interactions CSV as text: a customer in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_interactions.channel_id IS 'Column channel_id of the interactions CSV as text: a channel in the warehouse or this load, or empty';
COMMENT ON COLUMN analytics.stg_interactions.interaction_type IS 'Column interaction_type of the interactions CSV as text';
COMMENT ON COLUMN analytics.stg_interactions.interaction_ts IS 'Column interaction_ts of the interactions CSV as text: a timestamp in ISO 8601 (an offset, else UTC) (required)';
COMMENT ON COLUMN analytics.stg_interactions.duration IS 'Column duration of the interactions CSV as text: seconds, a number >= 0, or empty';
COMMENT ON COLUMN analytics.stg_interactions.status IS 'Column status of the interactions CSV as text: resolved, unresolved or abandoned (required)';
COMMENT ON COLUMN analytics.stg_interactions.source_row IS 'Row number in load order, from 1 again after each analytics.load_warehouse (which empties the table); what analytics.load_rejects.source_row names';

-- The calendar: one row per day, keyed YYYYMMDD.
CREATE TABLE analytics.dim_date (
	date_key int PRIMARY KEY,
	full_date date NOT NULL UNIQUE,
	day smallint NOT NULL,
	month smallint NOT NULL,
	month_name text NOT NULL,
	quarter smallint NOT NULL,
	year smallint NOT NULL,
	iso_year smallint NOT NULL,
	iso_week smallint NOT NULL,
	day_of_week smallint NOT NULL,
	day_name text NOT NULL,
	is_weekend boolean NOT NULL,
	is_month_end boolean NOT NULL,
	CHECK (date_key OPERATOR(pg_catalog.=) pg_catalog.to_char(full_date, 'YYYYMMDD')::int)
);
COMMENT ON TABLE analytics.dim_date IS 'Calendar dimension, one row per day, date_key = YYYYMMDD; iso_week is the ISO 8601 week of iso_year (the days from Monday December 29 on can be week 1 of the next year, from January 1 to 3 week 52 or 53 of the last); day_of_week is ISO (Monday 1 .. Sunday 7); filled by analytics.fill_dim_date';
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

-- The calendar rows of the given days that are missing (used by
-- fill_dim_date and the loader).
CREATE FUNCTION analytics_internal._dim_date_add(days date[])
RETURNS int
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	WITH added AS (
		INSERT INTO analytics.dim_date (date_key, full_date, day, month, month_name, quarter, year,
			iso_year, iso_week, day_of_week, day_name, is_weekend, is_month_end)
		SELECT to_char(d, 'YYYYMMDD')::int, d, extract(day FROM d), extract(month FROM d),
			to_char(d, 'FMMonth'), extract(quarter FROM d), extract(year FROM d),
			extract(isoyear FROM d), extract(week FROM d), extract(isodow FROM d), to_char(d, 'FMDay'),
			extract(isodow FROM d) OPERATOR(pg_catalog.>=) 6,
			(d OPERATOR(pg_catalog.+) 1) OPERATOR(pg_catalog.=) date_trunc('month', d OPERATOR(pg_catalog.+) 1)::date
		FROM (SELECT DISTINCT d FROM unnest(days) AS u(d) WHERE d IS NOT NULL) x
		ON CONFLICT (date_key) DO NOTHING
		RETURNING 1
	)
	SELECT count(*)::int FROM added
$$;
COMMENT ON FUNCTION analytics_internal._dim_date_add(date[]) IS 'Internal: adds the given days missing from analytics.dim_date; returns how many were added';

-- Refuses a missing or reversed range of days on behalf of caller.
CREATE FUNCTION analytics_internal._require_day_range(caller text, from_date date, to_date date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF from_date IS NULL OR to_date IS NULL THEN
		RAISE EXCEPTION '% needs both from_date and to_date', caller
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF from_date > to_date THEN
		RAISE EXCEPTION '% needs a range with from_date <= to_date, got % to %', caller, from_date, to_date
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
END
$$;
COMMENT ON FUNCTION analytics_internal._require_day_range(text, date, date) IS 'Internal: raises an error naming caller when a range of days is missing or reversed';

CREATE FUNCTION analytics.fill_dim_date(from_date date, to_date date)
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
	updated_at timestamptz,
	CHECK (valid_to OPERATOR(pg_catalog.>) valid_from),
	CHECK (is_current OPERATOR(pg_catalog.=) (valid_to OPERATOR(pg_catalog.=) 'infinity'::timestamptz)),
	UNIQUE (customer_id, valid_from)
);
CREATE UNIQUE INDEX dim_customer_current ON analytics.dim_customer (customer_id) WHERE is_current;
COMMENT ON TABLE analytics.dim_customer IS 'Customer dimension, SCD type 2 on segment, city, state, region and country (one version per change, valid_from inclusive to valid_to exclusive, the current one open-ended); name, email and phone change in place; updated_at is the newest source updated_at applied to the customer';
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

-- Every accepted customer row, one per (customer_id, updated_at), the last
-- loaded winning: the history analytics.dim_customer's versions are built
-- from, so that a row arriving late lands where its time puts it.
CREATE TABLE analytics.customer_source_rows (
	customer_id text NOT NULL,
	updated_at timestamptz NOT NULL,
	full_name text,
	email text,
	phone text,
	city text,
	state text,
	region text,
	country text,
	segment text,
	run_id bigint NOT NULL,
	PRIMARY KEY (customer_id, updated_at)
);
COMMENT ON TABLE analytics.customer_source_rows IS 'Every customer row analytics.load_warehouse accepted, one per (customer_id, updated_at), the latest load''s winning (run_id): the history the SCD type 2 versions of analytics.dim_customer are rebuilt from';
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
COMMENT ON COLUMN analytics.dim_product.product_key IS 'Surrogate key of the product';
COMMENT ON COLUMN analytics.dim_product.product_id IS 'Source product id (natural key)';
COMMENT ON COLUMN analytics.dim_product.product_name IS 'Product name; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.category IS 'Product category; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.subcategory IS 'Product subcategory; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.unit_cost IS 'Cost of one unit, >= 0; currency of the data, 2 decimals; fact_sales.cost_amount takes it at load time';
COMMENT ON COLUMN analytics.dim_product.unit_price IS 'List price of one unit, >= 0; currency of the data, 2 decimals (a sale carries its own unit_price)';
COMMENT ON COLUMN analytics.dim_product.supplier_id IS 'Source supplier id; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_product.active IS 'Whether the product is active; NULL when empty in the source';

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

CREATE TABLE analytics.dim_channel (
	channel_key serial PRIMARY KEY,
	channel_id text NOT NULL UNIQUE,
	channel_name text,
	channel_type text,
	fee_percent numeric(5, 2) NOT NULL CHECK (fee_percent OPERATOR(pg_catalog.>=) 0 AND fee_percent OPERATOR(pg_catalog.<=) 100),
	active boolean
);
COMMENT ON TABLE analytics.dim_channel IS 'Sales and payment channel dimension (type 1), with the fee the channel charges, in percent';
COMMENT ON COLUMN analytics.dim_channel.channel_key IS 'Surrogate key of the channel';
COMMENT ON COLUMN analytics.dim_channel.channel_id IS 'Source channel id (natural key)';
COMMENT ON COLUMN analytics.dim_channel.channel_name IS 'Channel name; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_channel.channel_type IS 'Channel type; NULL when empty in the source';
COMMENT ON COLUMN analytics.dim_channel.fee_percent IS 'Fee the channel charges on successful payments, in percent (0-100), 2 decimals';
COMMENT ON COLUMN analytics.dim_channel.active IS 'Whether the channel is active; NULL when empty in the source';

CREATE TABLE analytics.dim_payment (
	payment_key serial PRIMARY KEY,
	payment_method text NOT NULL UNIQUE
);
COMMENT ON TABLE analytics.dim_payment IS 'Payment method dimension (type 1)';
COMMENT ON COLUMN analytics.dim_payment.payment_key IS 'Surrogate key of the payment method';
COMMENT ON COLUMN analytics.dim_payment.payment_method IS 'Payment method as named in the sales CSV (natural key)';

CREATE TABLE analytics.dim_city (
	city_key serial PRIMARY KEY,
	city text NOT NULL UNIQUE,
	state text,
	region text,
	country text
);
COMMENT ON TABLE analytics.dim_city IS 'City dimension (type 1), keyed by the city name payments carry';
COMMENT ON COLUMN analytics.dim_city.city_key IS 'Surrogate key of the city';
COMMENT ON COLUMN analytics.dim_city.city IS 'City name (natural key), as customers, stores and payments carry it';
COMMENT ON COLUMN analytics.dim_city.state IS 'State of the city: of the newest customer version in it, else of a store in it; NULL when unknown';
COMMENT ON COLUMN analytics.dim_city.region IS 'Region of the city, taken like state; NULL when unknown';
COMMENT ON COLUMN analytics.dim_city.country IS 'Country of the city, taken like state; NULL when unknown';

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
	fee_percent numeric(5, 2) NOT NULL CHECK (fee_percent OPERATOR(pg_catalog.>=) 0 AND fee_percent OPERATOR(pg_catalog.<=) 100),
	revenue numeric(14, 4) NOT NULL DEFAULT 0
);
CREATE INDEX fact_payments_date ON analytics.fact_payments (date_key);
CREATE INDEX fact_payments_ts ON analytics.fact_payments (txn_ts);
CREATE INDEX fact_payments_customer ON analytics.fact_payments (customer_key);
CREATE INDEX fact_payments_channel ON analytics.fact_payments (channel_key);
CREATE INDEX fact_payments_city ON analytics.fact_payments (city_key);
COMMENT ON TABLE analytics.fact_payments IS 'Payment transactions: processing_delay_bucket fast (< 2 s), medium (2-5 s), slow (> 5 s); fee_percent is the channel''s fee when the payment was loaded (a later fee change leaves it, like revenue, alone); revenue = amount x fee_percent / 100 for successful transactions, else 0';
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
COMMENT ON COLUMN analytics.fact_interactions.interaction_id IS 'Source interaction id (natural key)';
COMMENT ON COLUMN analytics.fact_interactions.date_key IS 'dim_date.date_key of the UTC day of interaction_ts';
COMMENT ON COLUMN analytics.fact_interactions.interaction_ts IS 'When the interaction happened';
COMMENT ON COLUMN analytics.fact_interactions.customer_key IS 'The customer version (dim_customer) valid at interaction_ts; NULL without customer';
COMMENT ON COLUMN analytics.fact_interactions.channel_key IS 'The channel (dim_channel); NULL without one';
COMMENT ON COLUMN analytics.fact_interactions.interaction_type IS 'Interaction type as in the source; NULL when empty';
COMMENT ON COLUMN analytics.fact_interactions.duration_seconds IS 'Duration in seconds (>= 0, 3 decimals), the source duration; NULL when not recorded';
COMMENT ON COLUMN analytics.fact_interactions.status IS 'resolved, unresolved or abandoned';

-- Load bookkeeping: one row per analytics.load_warehouse call, and every
-- row it refused, whole, with the reason.
CREATE TABLE analytics.load_runs (
	run_id bigserial PRIMARY KEY,
	started_at timestamptz NOT NULL,
	finished_at timestamptz,
	status text NOT NULL CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'succeeded', 'failed', 'cancelled'])),
	rows_in int,
	inserted int,
	updated int,
	unchanged int,
	duplicates int,
	rejected int,
	error text
);
COMMENT ON TABLE analytics.load_runs IS 'One row per analytics.load_warehouse call: its status, counts and, for a failed or cancelled run, the error';
COMMENT ON COLUMN analytics.load_runs.run_id IS 'Identity of the run, drawn once the run holds the staging lock (so successful runs commit in run_id order), or when it fails or is cancelled before';
COMMENT ON COLUMN analytics.load_runs.started_at IS 'When the run started (clock time)';
COMMENT ON COLUMN analytics.load_runs.finished_at IS 'When the run finished, failed or was cancelled (clock time); NULL while it runs';
COMMENT ON COLUMN analytics.load_runs.status IS 'running, succeeded, failed or cancelled';
COMMENT ON COLUMN analytics.load_runs.rows_in IS 'Staging rows read, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.inserted IS 'Warehouse rows inserted, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.updated IS 'Warehouse rows updated, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.unchanged IS 'Valid staging rows that changed nothing, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.duplicates IS 'Staging rows dropped because a later valid row repeats their natural key, all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.rejected IS 'Staging rows refused (in analytics.load_rejects), all entities; NULL unless succeeded';
COMMENT ON COLUMN analytics.load_runs.error IS 'For a failed or cancelled run, the error message with its SQLSTATE and detail; NULL otherwise';

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
COMMENT ON COLUMN analytics.load_rejects.run_id IS 'The load run (analytics.load_runs.run_id) that refused the row';
COMMENT ON COLUMN analytics.load_rejects.entity IS 'The staging table''s entity: customers, products, stores, channels, sales, payments or interactions';
COMMENT ON COLUMN analytics.load_rejects.source_row IS 'The row''s source_row in its staging table (load order)';
COMMENT ON COLUMN analytics.load_rejects.payload IS 'The whole staging row as a JSON object';
COMMENT ON COLUMN analytics.load_rejects.reason IS 'Why the row was refused, for a person (for example: missing sale_id)';

-- The UTC days whose sales or payments each successful run changed: what
-- analytics.refresh_retail_summaries() refreshes, the loader itself no
-- longer touching the KPI summaries. Written in the run's transaction, so
-- a failed run has none.
CREATE TABLE analytics.load_run_days (
	run_id bigint NOT NULL REFERENCES analytics.load_runs,
	day date NOT NULL,
	PRIMARY KEY (run_id, day)
);
COMMENT ON TABLE analytics.load_run_days IS 'The UTC days whose sales or payments each successful analytics.load_warehouse run loaded (new, corrected or unchanged lines) or moved a corrected one from: the days analytics.refresh_retail_summaries() refreshes after the run';
COMMENT ON COLUMN analytics.load_run_days.run_id IS 'The load run (analytics.load_runs.run_id)';
COMMENT ON COLUMN analytics.load_run_days.day IS 'A UTC day with a sale or payment of the run, or the day a corrected one was on before';

-- Parsing staging text: NULL, never an error, for text that does not parse
-- (or is empty), so the loader can give a reason instead of failing.
CREATE FUNCTION analytics.try_timestamptz(value text)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'try_timestamptz'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_timestamptz(text) IS 'An ISO 8601 date or timestamp (YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]][Z|+HH[:MM]|-HH[:MM]]; no offset means UTC) as timestamptz, or NULL when the text is not one';

CREATE FUNCTION analytics.try_int(value text)
RETURNS int
AS 'MODULE_PATHNAME', 'try_int'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_int(text) IS 'A whole decimal number in the range of int, or NULL when the text is not one';

CREATE FUNCTION analytics.try_numeric(value text, "precision" int, scale int)
RETURNS numeric
AS 'MODULE_PATHNAME', 'try_numeric'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_numeric(text, int, int) IS 'A plain decimal number (no exponent, NaN or infinity) as numeric(precision, scale), rounded to scale decimals, or NULL when the text is not one or does not fit';

CREATE FUNCTION analytics.try_bool(value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'try_bool'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.try_bool(text) IS 'What boolean input accepts (true, false, t, f, yes, no, on, off, 1, 0), or NULL otherwise';

-- Records a load run as failed (or cancelled) in a transaction of its own
-- (a background worker's), so the record survives the rollback of the load.
CREATE FUNCTION analytics_internal._record_failed_run(run_id bigint, started_at timestamptz, error text, cancelled boolean DEFAULT false)
RETURNS boolean
AS 'MODULE_PATHNAME', 'record_failed_run'
LANGUAGE C STRICT;
COMMENT ON FUNCTION analytics_internal._record_failed_run(bigint, timestamptz, text, boolean) IS 'Internal step of analytics.load_warehouse: records the run as failed (cancelled when the last argument is true) in analytics.load_runs, committed by a background worker whatever becomes of the caller''s transaction; false when no worker could';
REVOKE ALL ON FUNCTION analytics_internal._record_failed_run(bigint, timestamptz, text, boolean) FROM PUBLIC;

-- Texts that land in an index (natural keys, order ids, payment methods,
-- cities) go up to the bytes an index entry holds: a longer one is a
-- reject with this reason, not a failed load.
CREATE FUNCTION analytics_internal._too_long(field text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'too_long'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._too_long(text, text) IS 'Internal: NULL when value (a key or name the warehouse indexes) fits an index entry, else the loader''s reason naming field';

CREATE FUNCTION analytics.date_key(ts timestamptz)
RETURNS int
AS 'MODULE_PATHNAME', 'date_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics.date_key(timestamptz) IS 'The UTC calendar day of a timestamp as YYYYMMDD, the key of analytics.dim_date';

CREATE FUNCTION analytics_internal._trim_or_null(value text)
RETURNS text
AS 'MODULE_PATHNAME', 'trim_or_null'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION analytics_internal._trim_or_null(text) IS 'Internal: the text without surrounding whitespace, NULL when nothing is left (the loader''s notion of a missing value)';

-- The loader's search for repeated natural keys (see _load_stage): the
-- addresses of the rows whose 64-bit key hash another row shares.
CREATE FUNCTION analytics_internal._repeated_rows_trans(internal, bigint, tid)
RETURNS internal AS 'MODULE_PATHNAME', 'repeated_rows_trans' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal._repeated_rows_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'repeated_rows_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION analytics_internal._repeated_rows_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'repeated_rows_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal._repeated_rows_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'repeated_rows_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION analytics_internal._repeated_rows_final(internal)
RETURNS tid[] AS 'MODULE_PATHNAME', 'repeated_rows_final' LANGUAGE C PARALLEL SAFE;
CREATE AGGREGATE analytics_internal._repeated_rows(hash bigint, row_address tid) (
	SFUNC = analytics_internal._repeated_rows_trans,
	STYPE = internal,
	FINALFUNC = analytics_internal._repeated_rows_final,
	FINALFUNC_MODIFY = READ_WRITE,
	COMBINEFUNC = analytics_internal._repeated_rows_combine,
	SERIALFUNC = analytics_internal._repeated_rows_serialize,
	DESERIALFUNC = analytics_internal._repeated_rows_deserialize,
	PARALLEL = SAFE
);
COMMENT ON FUNCTION analytics_internal._repeated_rows_trans(internal, bigint, tid) IS 'Transition function of _repeated_rows';
COMMENT ON FUNCTION analytics_internal._repeated_rows_combine(internal, internal) IS 'Combine function of _repeated_rows';
COMMENT ON FUNCTION analytics_internal._repeated_rows_serialize(internal) IS 'Serialize function of _repeated_rows';
COMMENT ON FUNCTION analytics_internal._repeated_rows_deserialize(bytea, internal) IS 'Deserialize function of _repeated_rows; checks the header and every address';
COMMENT ON FUNCTION analytics_internal._repeated_rows_final(internal) IS 'Final function of _repeated_rows (sorts its state in place)';
COMMENT ON AGGREGATE analytics_internal._repeated_rows(bigint, tid) IS 'Internal: the addresses of the rows whose hash another row shares, ordered by hash and address (empty when none); rows with a NULL are left out';
-- Internal: only the loader, running as the extension's owner, calls it.
REVOKE ALL ON FUNCTION analytics_internal._repeated_rows_trans(internal, bigint, tid),
	analytics_internal._repeated_rows_combine(internal, internal), analytics_internal._repeated_rows_serialize(internal),
	analytics_internal._repeated_rows_deserialize(bytea, internal), analytics_internal._repeated_rows_final(internal),
	analytics_internal._repeated_rows(bigint, tid) FROM PUBLIC;

-- Loading, in steps shared by the entities. Each entity is first parsed
-- into a temporary table pg_temp.load_<entity> (source_row, reason, payload
-- and the typed columns); load_stage files its rejected rows and keeps,
-- per natural key, the last valid row; load_merge applies what is left to
-- a type 1 table. These run inside analytics.load_warehouse only.

-- Files the rows with a reason as rejects, drops them and the duplicates
-- (rows whose natural key a later valid row repeats). Returns {rows_in,
-- rejected, duplicates}.
--
-- One pass over pg_temp.load_<entity> counts its rows, notes the address
-- (ctid) of each rejected row and hashes the key of each valid row into
-- _repeated_rows: only the rows whose 64-bit hash repeats can repeat a key,
-- and only their keys are compared. Rejects and earlier rows are then
-- deleted by address, instead of grouping every valid row by its key (a
-- sort or hash of every key) over three passes.
--
-- ANALYZE samples 300 x default_statistics_target rows: 3,000 here, enough
-- to plan the few statements that read these tables (by their size,
-- mostly); the default 30,000 would cost ten times the sampling for no
-- better plan.
CREATE FUNCTION analytics_internal._load_stage(run_id bigint, entity text, natural_key text[])
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
COMMENT ON FUNCTION analytics_internal._load_stage(bigint, text, text[]) IS 'Internal step of analytics.load_warehouse: files rejected rows and drops them and the duplicates from pg_temp.load_<entity>; returns {rows_in, rejected, duplicates}';

-- Applies source (a relation expression over pg_temp.load_<entity>) to a
-- table keyed by natural_key: new keys are inserted; existing keys whose
-- compared columns differ are updated (all of columns); the rest are
-- unchanged. Returns {inserted, updated, unchanged}.
--
-- For facts (bulk), shortcuts keep large loads fast. The loader took every
-- key from the dimensions in this same transaction, so the foreign key
-- triggers, one query per row and key, are skipped (session_replication_role
-- = replica, for these statements only); data_quality_checks() still looks
-- for orphans. When the load adds more than a quarter of the table (at
-- least 10,000 rows: rebuild_min_share, rebuild_min_rows), the table's
-- non-unique indexes are dropped and rebuilt after the insert: one sorted
-- build of each index instead of an insertion per row into it at a random
-- place; when it adds more than twice the rows the table had
-- (rebuild_unique_share), so are its primary key and unique constraints
-- (after the update, which finds its rows by them; the insert's NOT EXISTS
-- becomes a hash anti join; a duplicate would fail the rebuild and the
-- whole load). Only what nothing else depends on (a foreign key, a view
-- grouping by the primary key) is dropped; each is rebuilt as it was:
-- definition, tablespace, comment, clustering, replica identity. The table
-- is then analyzed, so that what reads it next (the rest of the load, the
-- KPI refresh, dashboards) is planned for the rows it now holds, not for
-- the table as it was (nested loops over millions of rows).
CREATE FUNCTION analytics_internal._load_merge(source text, target regclass, natural_key text, columns text[],
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
COMMENT ON FUNCTION analytics_internal._load_merge(text, regclass, text, text[], text[], boolean) IS 'Internal step of analytics.load_warehouse: inserts the new keys of source into target and updates those whose compared columns differ (bulk: facts, with the shortcuts described in the source); returns {inserted, updated, unchanged}';

-- The customer version valid at a time t: the row with lo <= t < hi, the
-- first version of a customer reaching back to -infinity (so that a fact
-- before all versions takes the earliest). Used by the loader to key facts
-- and to move them when a history gains a version.
-- (A join with each customer's first valid_from rather than a window
-- function, so that the queries reading it may run in parallel.)
CREATE VIEW analytics_internal._customer_validity AS
SELECT d.customer_id, d.customer_key,
	CASE WHEN d.valid_from OPERATOR(pg_catalog.=) e.first_from
		THEN '-infinity'::timestamptz ELSE d.valid_from END AS lo,
	d.valid_to AS hi
FROM analytics.dim_customer d
	LEFT JOIN (SELECT c.customer_id, pg_catalog.min(c.valid_from) AS first_from
		FROM analytics.dim_customer c GROUP BY c.customer_id) e ON e.customer_id OPERATOR(pg_catalog.=) d.customer_id;
COMMENT ON VIEW analytics_internal._customer_validity IS 'Internal: the time range [lo, hi) in which each customer version applies to facts, the first version reaching back to -infinity';
COMMENT ON COLUMN analytics_internal._customer_validity.customer_id IS 'Source customer id (dim_customer.customer_id)';
COMMENT ON COLUMN analytics_internal._customer_validity.customer_key IS 'Surrogate key of the customer version (dim_customer.customer_key)';
COMMENT ON COLUMN analytics_internal._customer_validity.lo IS 'Start of the range the version applies to facts (inclusive): valid_from, -infinity for the customer''s first version';
COMMENT ON COLUMN analytics_internal._customer_validity.hi IS 'End of that range (exclusive): valid_to, infinity for the current version';

-- The example every reason about an unparseable date or timestamp ends
-- with, one text for all the loader's steps.
CREATE FUNCTION analytics_internal._iso8601_example()
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ' (ISO 8601, for example 2025-03-01 or 2025-03-01 14:30:00)';
COMMENT ON FUNCTION analytics_internal._iso8601_example() IS 'Internal to analytics.load_warehouse: the ISO 8601 example that ends a reason about a date or timestamp that does not parse';

-- The loader's steps. analytics.load_warehouse calls them in this order, in
-- its own transaction, holding the staging lock; each runs as the
-- extension's owner (load_warehouse is SECURITY DEFINER) and nobody else may
-- call them. A step that parses an entity creates its temporary table
-- pg_temp.load_<entity> with CREATE TEMP TABLE (which fails when the caller
-- planted a table or view of that name first, so a privileged step never
-- uses an object the caller made) and drops it when done; the steps after
-- it that read a table another step made (load_versions, load_days, the
-- customer steps' tables) assume it was made so, earlier in the same call.
-- Each entity step returns {rows_in, rejected, duplicates, inserted,
-- updated, unchanged}.

-- Products: a type 1 dimension.
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

-- Stores: a type 1 dimension.
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

-- Channels: a type 1 dimension.
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

-- Customers: SCD type 2, versions keyed by (customer_id, updated_at). The
-- valid rows, one per (customer_id, updated_at), are applied to the
-- dimension in the steps below. Every accepted row is kept in
-- analytics.customer_source_rows (a row with a stored key replaces it: a
-- correction), and the versions of each customer the load touched are
-- rebuilt from all of that customer's rows, in time order: each run of rows
-- with the same segment, city, state, region and country is one version,
-- valid from its first row's updated_at to the next version's; name, email
-- and phone are type 1, the newest row's on every version. So the
-- dimension is the same whatever order the rows arrive in, across loads. A
-- version with no row behind it (entered by hand, say) first gets one, made
-- from the version, so that its history stays.
--
-- A rebuilt version keeps the key of the old version that began earliest
-- within its validity (so versions that only end elsewhere, or begin a
-- little earlier, keep their keys). One whose validity is unchanged is
-- updated in place; the others are replaced, old versions left without a
-- match are removed, and the facts of those customers move to the version
-- valid at their time (the earliest for facts before all versions).
--
-- Counts, per row: unchanged when stored exactly so already; inserted when
-- it begins a version the dimension did not have; updated when it corrects
-- a stored row, begins an existing version whose start or versioned values
-- change, or is its customer's newest row and changes the name, email or
-- phone (from the current version's, or for a new customer from the row
-- before it); otherwise unchanged (it repeats the version in effect at its
-- time).
CREATE FUNCTION analytics_internal._load_customers(run_id bigint)
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

-- The valid customer rows into analytics.customer_source_rows: those stored
-- exactly so already leave pg_temp.load_customers (they change nothing);
-- the others are kept (a stored key replaced: a correction), after giving
-- the touched customers' versions without a row at their start one. Makes
-- pg_temp.load_customer_rows, the rows left and whether each corrects a
-- stored one. Returns the number of valid rows it was given.
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

-- The touched customers' history and the versions rebuilt from it, with
-- the old version whose key each keeps (pg_temp.load_customer_history,
-- pg_temp.load_customer_versions).
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

-- The load's rows counted (see above), before the dimension changes:
-- {inserted, updated}; the others are unchanged.
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

-- The rebuilt versions into analytics.dim_customer: in place when their
-- validity stays, else replacing the old versions of their customer, whose
-- facts then move to the version valid at their time. Drops the customer
-- steps' tables.
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

-- Cities: from customers and stores (type 1: the newest customer version,
-- else a store, gives state, region and country).
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

-- The customer version valid at a time, for keying the facts: a copy of
-- analytics_internal._customer_validity as the dimensions now are
-- (pg_temp.load_versions, read by the three fact steps).
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

-- Sales, parsed. Each value is parsed once, in the scan of staging (y), and
-- the gross amount quantity x unit_price computed once (x) for the checks
-- and total_amount: on millions of lines every numeric operation counts.
--
-- The scan of staging, the parsing and the joins with products, stores and
-- channels (y) run in parallel workers; the join with the temporary
-- load_versions, which workers cannot read, and the writing stay in the
-- leader. The planner does not see the parsing's cost and finds the default
-- cost of passing each row to the leader (parallel_tuple_cost 0.1) too high;
-- with 0.01, for this step only, it passes them, so that the parsing, most
-- of the work, is shared by the cores.
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

-- Sales, loaded: rejects filed, payment methods and days added to their
-- dimensions, the days noted (pg_temp.load_days), the lines applied to
-- analytics.fact_sales.
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

-- Payments, parsed in parallel as sales are.
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

-- Payments, loaded: rejects filed, cities and days added to their
-- dimensions, the days noted (pg_temp.load_days, made by _load_sales), the
-- payments applied to analytics.fact_payments.
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

-- Interactions, parsed in parallel as sales are.
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

-- Interactions, loaded: rejects filed, days added to the calendar, the
-- interactions applied to analytics.fact_interactions (the KPI summaries do
-- not read them: their days are not noted).
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

-- The days the run changed, recorded for the KPI refresh (see
-- analytics.refresh_retail_summaries()): those in pg_temp.load_days, made
-- by _load_sales. The calendar is analyzed here, by its owner (admins, who
-- run the refresh, may not), so that what joins it next, the refresh above
-- all, is planned with its new days counted: planned for a calendar a few
-- days long, a refresh of a year of new sales would run nested loops over
-- every one of them.
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

-- The end of a successful load: staging emptied, the run recorded with its
-- counts (entity -> {rows_in, rejected, duplicates, inserted, updated,
-- unchanged}).
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

-- The loader: the steps above, in order, in one transaction.
CREATE FUNCTION analytics.load_warehouse()
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
REVOKE ALL ON FUNCTION analytics_internal._load_products(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_stores(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_channels(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._load_customers(bigint) FROM PUBLIC;
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
GRANT EXECUTE ON FUNCTION analytics_internal._dim_date_add(date[]) TO analytics_admin;

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
SELECT pg_catalog.pg_extension_config_dump('analytics.customer_source_rows', '');
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
SELECT pg_catalog.pg_extension_config_dump('analytics.load_run_days', '');

-- Staging is written by loaders (admins), the calendar read by BI.
REVOKE ALL ON FUNCTION analytics.fill_dim_date(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._dim_date_add(date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION analytics_internal._require_day_range(text, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics_internal._require_day_range(text, date, date) TO analytics_admin;
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
GRANT SELECT ON analytics.load_runs, analytics.load_rejects, analytics.load_run_days, analytics.customer_source_rows TO analytics_admin;
