-- Retail warehouse: staging tables, the calendar dimension (fill_dim_date),
-- the dimension and fact tables and their constraints.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql

-- Staging tables replicate the CSV files: every column text, plus source_row
-- numbering the rows in load order.
SELECT c.relname, string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS columns
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'analytics'::regnamespace AND c.relname LIKE 'stg\_%' AND c.relkind = 'r'
GROUP BY c.relname ORDER BY c.relname;
INSERT INTO analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active)
VALUES ('1', 'Credit Card', 'card', '2.0', 'true'), ('2', 'UPI', 'upi', 'x', NULL);
SELECT source_row, channel_id, fee_percent FROM analytics.stg_channels ORDER BY source_row;

-- The calendar. Worked by hand:
--   2024-02-29: Thursday (ISO 4), ISO week 9 (2024-01-01 is a Monday: day 60
--     of the year is in week ceil(60 / 7) = 9), Q1, the last day of February.
--   2026-12-31: Thursday, ISO week 53 (2026 starts on a Thursday, so it has
--     53 ISO weeks), Q4, month end.
--   2027-01-01 (Friday) and 2027-01-03 (Sunday) still belong to ISO week 53
--     of ISO year 2026; 2027-01-04 (Monday) starts week 1 of 2027.
SELECT analytics.fill_dim_date('2024-02-27', '2024-03-02') AS added;
SELECT analytics.fill_dim_date('2026-12-30', '2027-01-04') AS added;
-- overlapping ranges add only the missing days
SELECT analytics.fill_dim_date('2024-03-01', '2024-03-03') AS added;
SELECT * FROM analytics.dim_date
WHERE full_date IN ('2024-02-29', '2024-03-01', '2026-12-31', '2027-01-01', '2027-01-03', '2027-01-04')
ORDER BY date_key;
SELECT count(*) AS days, min(full_date), max(full_date), count(*) FILTER (WHERE is_weekend) AS weekend_days,
	count(*) FILTER (WHERE is_month_end) AS month_ends
FROM analytics.dim_date;
-- errors
SELECT analytics.fill_dim_date('2024-03-02', '2024-03-01');
SELECT analytics.fill_dim_date(NULL, '2024-03-01');
SELECT analytics.fill_dim_date('1800-01-01', '2024-03-01');
-- a date_key that does not match its date is refused
INSERT INTO analytics.dim_date VALUES (20240101, '2024-01-02', 2, 1, 'January', 1, 2024, 2024, 1, 2, 'Tuesday', false, false);

-- Privileges: readers read the calendar, not staging; admins load staging.
SELECT r.rolname,
	has_table_privilege(r.rolname, 'analytics.dim_date', 'SELECT') AS read_dim_date,
	has_table_privilege(r.rolname, 'analytics.stg_sales', 'SELECT') AS read_staging,
	has_table_privilege(r.rolname, 'analytics.stg_sales', 'INSERT') AS load_staging,
	has_function_privilege(r.rolname, 'analytics.fill_dim_date(date, date)', 'EXECUTE') AS fill_calendar
FROM pg_roles r WHERE r.rolname IN ('analytics_reader', 'analytics_writer', 'analytics_admin')
ORDER BY r.rolname;

-- Every foreign key of a fact table, and every time column, leads an index.
SELECT c.conrelid::regclass AS fact, a.attname AS foreign_key
FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
WHERE c.contype = 'f' AND c.conrelid::regclass::text LIKE 'analytics.fact\_%'
	AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
UNION ALL
SELECT a.attrelid::regclass, a.attname
FROM pg_attribute a
WHERE a.attrelid::regclass::text LIKE 'analytics.fact\_%' AND a.atttypid = 'timestamptz'::regtype
	AND (SELECT c.relkind FROM pg_class c WHERE c.oid = a.attrelid) = 'r'
	AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indkey[0] = a.attnum);
SELECT c.conrelid::regclass AS fact, count(*) AS foreign_keys
FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text LIKE 'analytics.fact\_%'
GROUP BY 1 ORDER BY 1;

-- Customer versions: never two current versions, validity forward in time,
-- is_current exactly when valid_to is infinity.
INSERT INTO analytics.dim_customer (customer_id, segment, valid_from, valid_to, is_current)
VALUES ('c1', 'consumer', '2026-01-01', '2026-03-01', false), ('c1', 'vip', '2026-03-01', 'infinity', true);
INSERT INTO analytics.dim_customer (customer_id, segment, valid_from) VALUES ('c1', 'corporate', '2026-05-01');
INSERT INTO analytics.dim_customer (customer_id, segment, valid_from, valid_to, is_current)
VALUES ('c2', 'vip', '2026-03-01', '2026-03-01', false);
INSERT INTO analytics.dim_customer (customer_id, segment, valid_from, valid_to, is_current)
VALUES ('c2', 'vip', '2026-03-01', '2026-04-01', true);
-- facts refuse what the loader must quarantine
INSERT INTO analytics.dim_product (product_id, unit_cost, unit_price) VALUES ('p1', 2, 5);
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, quantity,
	unit_price, total_amount, status)
SELECT 's1', 'o1', 20240301, '2024-03-01 10:00+00', (SELECT min(customer_key) FROM analytics.dim_customer),
	(SELECT product_key FROM analytics.dim_product), 0, 5, 0, 'completed';
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, quantity,
	unit_price, total_amount, status)
SELECT 's1', 'o1', 20240301, '2024-03-01 10:00+00', (SELECT min(customer_key) FROM analytics.dim_customer),
	(SELECT product_key FROM analytics.dim_product), 1, 5, 5, 'shipped';
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, quantity,
	unit_price, total_amount, status)
SELECT 's1', 'o1', 20990101, '2099-01-01 10:00+00', (SELECT min(customer_key) FROM analytics.dim_customer),
	(SELECT product_key FROM analytics.dim_product), 1, 5, 5, 'completed';
INSERT INTO analytics.dim_channel (channel_id, fee_percent) VALUES ('ch', 101);

-- Readers read dimensions and facts, not the load log or its rejects.
SELECT has_table_privilege('analytics_reader', 'analytics.fact_sales', 'SELECT') AS reader_reads_facts,
	has_table_privilege('analytics_reader', 'analytics.dim_customer', 'SELECT') AS reader_reads_customers,
	has_table_privilege('analytics_reader', 'analytics.fact_sales', 'INSERT') AS reader_writes_facts,
	has_table_privilege('analytics_reader', 'analytics.load_rejects', 'SELECT') AS reader_reads_rejects,
	has_table_privilege('analytics_admin', 'analytics.load_rejects', 'SELECT') AS admin_reads_rejects;

-- Every warehouse table keeps its rows through pg_dump (config tables).
SELECT c.relname
FROM pg_class c
WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind IN ('r', 'S')
	AND c.relname ~ '^(stg|dim|fact|load)_'
	AND c.oid <> ALL ((SELECT extconfig FROM pg_extension WHERE extname = 'analytics')::oid[])
ORDER BY 1;

-- ---------------------------------------------------------------------------
-- load_warehouse on the fixture files in test/data/warehouse (dirty rows
-- marked below; every count worked out from the files by hand).
DROP EXTENSION analytics;
CREATE EXTENSION analytics;
\set fixtures :abs_srcdir '/test/data/warehouse/'
CREATE FUNCTION pg_temp.stage_fixtures(dir text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('COPY analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active) FROM %L CSV HEADER', dir || 'channels.csv');
	EXECUTE format('COPY analytics.stg_products (product_id, product_name, category, subcategory, unit_cost, unit_price, supplier_id, active) FROM %L CSV HEADER', dir || 'products.csv');
	EXECUTE format('COPY analytics.stg_stores (store_id, store_name, city, state, region, country, manager, open_date, active) FROM %L CSV HEADER', dir || 'stores.csv');
	EXECUTE format('COPY analytics.stg_customers (customer_id, first_name, last_name, email, phone, city, state, region, country, segment, updated_at) FROM %L CSV HEADER', dir || 'customers.csv');
	EXECUTE format('COPY analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id, payment_method, quantity, unit_price, discount, status) FROM %L CSV HEADER', dir || 'sales.csv');
	EXECUTE format('COPY analytics.stg_payments (transaction_id, txn_ts, customer_id, channel_id, city, amount, status, processing_time) FROM %L CSV HEADER', dir || 'payments.csv');
	EXECUTE format('COPY analytics.stg_interactions (interaction_id, customer_id, channel_id, interaction_type, interaction_ts, duration, status) FROM %L CSV HEADER', dir || 'interactions.csv');
END
$$;
SELECT pg_temp.stage_fixtures(:'fixtures');
-- Expected, from the files:
--   customers 7 rows: C1 in 3 versions (consumer, corporate, vip) and C2 = 4
--     inserted; C2's second row repeats (C2, 2025-01-01) = 1 duplicate; C3's
--     2025-02-30 and the row without an id = 2 rejected.
--   products 6: P1, P2 (last row: price 160), P3 = 3 inserted, 1 duplicate
--     (P2), P4 (cost 'abc') and the row without an id = 2 rejected.
--   stores 2 inserted. channels 5: CH1-CH4 inserted, CH5 (fee 120) rejected.
--   sales 16: L1-L6 = 6 inserted; the second L2 = 1 duplicate; L7 (customer
--     C9), L8 (product P9), L9 (2025-02-30), L10 (quantity 0), L11 (discount
--     3 > 1 x 2.50), L12 (price -2.50), L13 (status pending), L14 (C3, refused
--     in this load), L15 (P4, refused in this load) = 9 rejected.
--   payments 8: T1-T4 = 4 inserted, the second T1 = 1 duplicate, T5 (amount
--     -5), T6 (channel CH9), T7 (status refunded) = 3 rejected.
--   interactions 4: I1, I2 inserted; I3 (duration abc), I4 (status closed)
--     rejected.
SELECT * FROM analytics.load_warehouse();
SELECT entity, source_row, reason FROM analytics.load_rejects ORDER BY entity, source_row;
-- a reject keeps its row whole
SELECT payload FROM analytics.load_rejects WHERE entity = 'sales' AND source_row = 9;
-- the run: 48 rows in = 25 inserted + 4 duplicates + 19 rejected
SELECT run_id, status, rows_in, inserted, updated, unchanged, duplicates, rejected, error,
	finished_at >= started_at AS timed
FROM analytics.load_runs;
-- staging is empty
SELECT (SELECT count(*) FROM analytics.stg_customers) + (SELECT count(*) FROM analytics.stg_products)
	+ (SELECT count(*) FROM analytics.stg_stores) + (SELECT count(*) FROM analytics.stg_channels)
	+ (SELECT count(*) FROM analytics.stg_sales) + (SELECT count(*) FROM analytics.stg_payments)
	+ (SELECT count(*) FROM analytics.stg_interactions) AS staged;

-- C1 changed segment twice: three versions, each valid up to the next; the
-- newest email (a type 1 change) holds on all of them.
SELECT customer_key, customer_id, full_name, email, segment, city, valid_from, valid_to, is_current
FROM analytics.dim_customer ORDER BY customer_id, valid_from;
-- Each sale joins the version valid at its time: L1, L2 (Jan 15) consumer,
-- L3 (Feb 10) corporate, L4 (Mar 5) vip; L5 (2024-12-20) precedes C2's first
-- version and takes it. L6 at 23:30 -05:00 is 04:30 UTC on Jan 21.
-- total = quantity x unit_price - discount; cost = quantity x unit_cost:
--   L1 2 x 2.50 - 0 = 5.00, cost 2 x 1.00; L2 25.00 - 5.00 = 20.00, cost
--   10.00; L3 160.00 (the duplicate's price), cost 100.00; L4 4 x 2.50 - 1 =
--   9.00, cost 4.00; L5 2.50 (empty discount = 0), cost 1.00; L6 50.00, 20.00.
SELECT f.sale_id, f.order_id, f.date_key, f.sale_ts, c.customer_id, c.segment, p.product_id,
	s.store_id, ch.channel_id, pm.payment_method, f.quantity, f.unit_price, f.discount,
	f.total_amount, f.cost_amount, f.status
FROM analytics.fact_sales f
JOIN analytics.dim_customer c USING (customer_key) JOIN analytics.dim_product p USING (product_key)
LEFT JOIN analytics.dim_store s USING (store_key) LEFT JOIN analytics.dim_channel ch USING (channel_key)
LEFT JOIN analytics.dim_payment pm USING (payment_key)
ORDER BY f.sale_id;
-- Payments: buckets fast < 2 s, medium 2-5 s (2 and 5 included), slow > 5 s;
-- revenue = amount x fee / 100 when successful: T1 27.50 x 2 % = 0.5500,
-- T2 failed = 0, T3 UPI 0 % = 0, T4 9.00 x 1.5 % = 0.1350.
SELECT f.transaction_id, f.date_key, c.customer_id, ch.channel_id, ci.city, ci.state, f.amount, f.status,
	f.processing_time, f.processing_delay_bucket, f.revenue
FROM analytics.fact_payments f LEFT JOIN analytics.dim_customer c USING (customer_key)
JOIN analytics.dim_channel ch USING (channel_key) LEFT JOIN analytics.dim_city ci USING (city_key)
ORDER BY f.transaction_id;
SELECT f.interaction_id, f.date_key, c.customer_id, ch.channel_id, f.interaction_type, f.duration_seconds, f.status
FROM analytics.fact_interactions f LEFT JOIN analytics.dim_customer c USING (customer_key)
LEFT JOIN analytics.dim_channel ch USING (channel_key) ORDER BY 1;
SELECT product_id, product_name, unit_cost, unit_price, active FROM analytics.dim_product ORDER BY 1;
SELECT channel_id, channel_name, fee_percent FROM analytics.dim_channel ORDER BY 1;
-- The loader leaves the KPI summaries alone: it records the UTC days whose
-- sales or payments the run loaded. Run 1's valid sales are on 2024-12-20
-- (L5), 2025-01-15 (L1, L2), 2025-01-21 (L6, 04:30 UTC), 2025-02-10 (L3)
-- and 2025-03-05 (L4), its valid payments on Jan 15, Feb 10 and Mar 5.
SELECT run_id, day FROM analytics.load_run_days ORDER BY run_id, day;
SELECT * FROM analytics_internal.retail_summaries_watermark;
-- Until the refresh the summaries know nothing of the load: kpi_daily's
-- revenue comes from the facts, but nobody is new and the 7-day averages
-- see no sales (0.00).
SELECT day, revenue, new_customers, revenue_7d_avg FROM analytics.kpi_daily ORDER BY day;
SELECT count(*) AS summary_days FROM analytics.retail_daily_totals;
-- The refresh takes the days of the runs since its last call, as runs of
-- consecutive days: these five are apart, so five ranges of a day each;
-- the watermark moves to run 1.
SELECT * FROM analytics.refresh_retail_summaries();
SELECT last_run_id, refreshed_at IS NOT NULL AS refreshed FROM analytics_internal.retail_summaries_watermark;
-- Now C1's first completed purchase is Jan 15 (1 new customer that day),
-- and the 7-day averages divide by 7 (the data starts on 2024-12-20 with
-- L5, more than 6 days before): Jan 15 25.00 / 7 = 3.57, Feb 10 160.00 / 7
-- = 22.86, Mar 5 9.00 / 7 = 1.29 (each window holds its own day's sales
-- only).
SELECT day, revenue, new_customers, revenue_7d_avg FROM analytics.kpi_daily ORDER BY day;
-- The summaries: completed sales Jan 15 L1 5.00 + L2 20.00 = 25.00, Feb 10
-- 160.00, Mar 5 9.00 (L5 returned and L6 cancelled count nothing: their
-- days have no payment either, so no row). Payments: Jan 15 T1 (0.5500)
-- and T2 (failed), Feb 10 T3 (UPI, 0), Mar 5 T4 (0.1350). C1's first
-- completed purchase: Jan 15; C2 has none.
SELECT day, sales_revenue, payment_revenue, payments, failed_payments FROM analytics.retail_daily_totals ORDER BY day;
SELECT * FROM analytics.customer_first_purchase ORDER BY customer_id;
-- A second call finds no run since: it refreshes nothing.
SELECT * FROM analytics.refresh_retail_summaries();
SELECT last_run_id FROM analytics_internal.retail_summaries_watermark;
-- every fact's day is in the calendar, and only those days were added
SELECT count(*) AS calendar_days, string_agg(date_key::text, ' ' ORDER BY date_key) FROM analytics.dim_date;

-- Loading the same files again changes nothing: every valid row unchanged,
-- the same duplicates and rejects.
SELECT pg_temp.stage_fixtures(:'fixtures');
CREATE FUNCTION pg_temp.warehouse_rows() RETURNS TABLE (t text, r jsonb) LANGUAGE sql AS $$
	SELECT 'customer', to_jsonb(c) FROM analytics.dim_customer c
	UNION ALL SELECT 'product', to_jsonb(p) FROM analytics.dim_product p
	UNION ALL SELECT 'store', to_jsonb(s) FROM analytics.dim_store s
	UNION ALL SELECT 'channel', to_jsonb(c) FROM analytics.dim_channel c
	UNION ALL SELECT 'city', to_jsonb(c) FROM analytics.dim_city c
	UNION ALL SELECT 'payment', to_jsonb(p) FROM analytics.dim_payment p
	UNION ALL SELECT 'date', to_jsonb(d) FROM analytics.dim_date d
	UNION ALL SELECT 'sale', to_jsonb(f) FROM analytics.fact_sales f
	UNION ALL SELECT 'payment', to_jsonb(f) FROM analytics.fact_payments f
	UNION ALL SELECT 'interaction', to_jsonb(f) FROM analytics.fact_interactions f
$$;
CREATE TEMP TABLE before_reload AS SELECT * FROM pg_temp.warehouse_rows();
SELECT * FROM analytics.load_warehouse();
SELECT (SELECT count(*) FROM before_reload) AS warehouse_rows,
	(SELECT count(*) FROM (SELECT * FROM before_reload EXCEPT ALL SELECT * FROM pg_temp.warehouse_rows()) gone) AS rows_gone_or_changed,
	(SELECT count(*) FROM (SELECT * FROM pg_temp.warehouse_rows() EXCEPT ALL SELECT * FROM before_reload) new) AS rows_new_or_changed;

-- Late corrections. L1's quantity becomes 3 (total 7.50, cost 3.00 at P1's
-- unit cost); P1's price changes (type 1: in place; facts keep their
-- amounts); C2 has an older history: corporate from 2024-12-01, before the
-- first known version, so L5 (2024-12-20) moves to that new version; C2's
-- phone changes at 2025-04-01 (type 1, newest: on every version), and a
-- row with the same values as C1's version at 2025-02-01 counts unchanged.
INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id, payment_method, quantity, unit_price, discount, status)
VALUES ('L1', 'O1', '2025-01-15 10:00:00', 'C1', 'P1', 'S1', 'CH1', 'Credit Card', '3', '2.50', '0', 'completed');
INSERT INTO analytics.stg_products (product_id, product_name, category, subcategory, unit_cost, unit_price, supplier_id, active)
VALUES ('P1', 'Pen', 'Office', 'Writing', '1.00', '2.75', 'SUP1', 'true');
INSERT INTO analytics.stg_customers (customer_id, first_name, last_name, email, phone, city, state, region, country, segment, updated_at)
VALUES ('C2', 'Bob', 'Roy', 'bob@example.com', '222', 'Delhi', 'Delhi', 'North', 'India', 'corporate', '2024-12-01'),
	('C2', 'Bob', 'Roy', 'bob@example.com', '999', 'Delhi', 'Delhi', 'North', 'India', 'consumer', '2025-04-01'),
	('C1', 'Ann', 'Lee', 'ann@example.com', '111', 'Pune', 'Maharashtra', 'West', 'India', 'corporate', '2025-02-01');
-- customers: the 2024-12-01 row inserts a version, the 2025-04-01 row
-- changes the phone in place (updated), C1's row is as stored (its older
-- email is not applied: a newer row set the email) = 1 inserted, 1 updated,
-- 1 unchanged; products 1 updated; sales 1 updated.
SELECT * FROM analytics.load_warehouse();
SELECT customer_id, segment, phone, valid_from, valid_to, is_current FROM analytics.dim_customer
WHERE customer_id = 'C2' ORDER BY valid_from;
SELECT f.sale_id, c.segment, c.valid_from, f.quantity, f.total_amount, f.cost_amount
FROM analytics.fact_sales f JOIN analytics.dim_customer c USING (customer_key)
WHERE f.sale_id IN ('L1', 'L5', 'L6') ORDER BY 1;
SELECT email FROM analytics.dim_customer WHERE customer_id = 'C1' GROUP BY email;
-- L1 is now 7.50, so Jan 15's revenue is 7.50 + 20.00 = 27.50 in
-- kpi_daily at once (from the facts); the summaries still say 25.00 until
-- the refresh, and so does the 7-day average (25.00 / 7 = 3.57).
SELECT day, sales_revenue FROM analytics.retail_daily_totals WHERE day = '2025-01-15';
SELECT day, revenue, revenue_7d_avg FROM analytics.kpi_daily WHERE day = '2025-01-15';
-- The refresh takes runs 2 (the reload: run 1's five days) and 3 (Jan 15,
-- L1's day): the same five ranges; then Jan 15 is 27.50 in the summaries
-- and its average 27.50 / 7 = 3.93; the others are as they were.
SELECT * FROM analytics.refresh_retail_summaries();
SELECT last_run_id FROM analytics_internal.retail_summaries_watermark;
SELECT day, sales_revenue FROM analytics.retail_daily_totals WHERE day = '2025-01-15';
SELECT day, revenue, new_customers, revenue_7d_avg FROM analytics.kpi_daily ORDER BY day;
SELECT * FROM analytics.refresh_retail_summaries();

-- Every run: rows_in = inserted + updated + unchanged + duplicates + rejected
SELECT run_id, status, rows_in, inserted, updated, unchanged, duplicates, rejected,
	rows_in = inserted + updated + unchanged + duplicates + rejected AS balanced
FROM analytics.load_runs ORDER BY run_id;

-- A load that fails unexpectedly (here a constraint added for the test)
-- fails for its caller, leaves warehouse and staging as they were, and
-- records the failed run (committed apart: it survives the rollback).
ALTER TABLE analytics.fact_sales ADD CONSTRAINT test_small_orders CHECK (quantity < 100);
INSERT INTO analytics.stg_products (product_id, product_name, unit_cost, unit_price) VALUES ('P7', 'Crate', '1', '2');
INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, quantity, unit_price, status)
VALUES ('L90', 'O90', '2025-03-10', 'C1', 'P7', '500', '2', 'completed');
CREATE TEMP TABLE before_failure AS
SELECT (SELECT count(*) FROM analytics.dim_product) AS products, (SELECT count(*) FROM analytics.fact_sales) AS sales,
	(SELECT count(*) FROM analytics.load_rejects) AS rejects, (SELECT count(*) FROM analytics.dim_date) AS days;
SELECT * FROM analytics.load_warehouse();
SELECT run_id, status, rows_in, inserted, error FROM analytics.load_runs WHERE status = 'failed';
-- inside a transaction too (rolled back: the record stays); the error
-- keeps its SQLSTATE, 23514 check_violation: run 5
BEGIN;
DO $$
BEGIN
	PERFORM analytics.load_warehouse();
EXCEPTION WHEN check_violation THEN
	RAISE NOTICE 'check_violation caught';
END
$$;
ROLLBACK;
SELECT run_id, status, finished_at >= started_at AS timed FROM analytics.load_runs WHERE status = 'failed' ORDER BY run_id;
-- When the run cannot be recorded, the error says so: here the caller's
-- transaction locks load_runs (a worker would wait for it forever: none
-- is started; run 6), then the worker's insert fails (run 7). Neither run
-- is recorded.
BEGIN;
LOCK TABLE analytics.load_runs IN SHARE MODE;
SELECT * FROM analytics.load_warehouse();
ROLLBACK;
ALTER TABLE analytics.load_runs ADD CONSTRAINT test_short_errors CHECK (length(error) < 5) NOT VALID;
SELECT * FROM analytics.load_warehouse();
ALTER TABLE analytics.load_runs DROP CONSTRAINT test_short_errors;
-- A load cancelled by statement_timeout (pg_cancel_backend: the isolation
-- spec load_cancelled) fails with SQLSTATE 57014 naming the run, and is
-- recorded as cancelled (run 8), though PL/pgSQL's WHEN OTHERS does not
-- catch a cancellation. The load stalls in a trigger added for the test (a
-- sleep of ten minutes that the 100 ms timeout ends; wherever the timeout
-- strikes, the outcome is the same): nothing depends on speed.
CREATE FUNCTION public.test_stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(600); RETURN NEW; END $$;
CREATE TRIGGER test_stall BEFORE INSERT ON analytics.dim_product FOR EACH ROW EXECUTE FUNCTION public.test_stall();
SET statement_timeout = '100ms';
SELECT * FROM analytics.load_warehouse();
RESET statement_timeout;
DROP TRIGGER test_stall ON analytics.dim_product;
DROP FUNCTION public.test_stall();
SELECT run_id, status, rows_in, finished_at >= started_at AS timed, error FROM analytics.load_runs WHERE status = 'cancelled';
SELECT count(*) AS failed_runs FROM analytics.load_runs WHERE status = 'failed';
SELECT (SELECT count(*) FROM analytics.dim_product) AS products, (SELECT count(*) FROM analytics.fact_sales) AS sales,
	(SELECT count(*) FROM analytics.load_rejects) AS rejects, (SELECT count(*) FROM analytics.dim_date) AS days
EXCEPT SELECT * FROM before_failure;
SELECT (SELECT count(*) FROM analytics.stg_products) AS staged_products, (SELECT count(*) FROM analytics.stg_sales) AS staged_sales;
ALTER TABLE analytics.fact_sales DROP CONSTRAINT test_small_orders;
SELECT entity, rows_in, inserted FROM analytics.load_warehouse() WHERE rows_in > 0;

-- SCD type 2 rows arriving out of order, across loads. Every accepted row
-- is kept, and a touched customer's versions are rebuilt from all of its
-- rows, so the order of arrival does not matter.
CREATE FUNCTION pg_temp.stage_customer(id text, segment text, at text, phone text DEFAULT '700') RETURNS void
LANGUAGE sql AS $$
INSERT INTO analytics.stg_customers (customer_id, first_name, last_name, email, phone, city, state, region, country, segment, updated_at)
VALUES (id, 'Gil', 'Sen', 'gil@example.com', phone, 'Pune', 'Maharashtra', 'West', 'India', segment, at) $$;
CREATE FUNCTION pg_temp.stage_sale(id text, at text, customer text) RETURNS void
LANGUAGE sql AS $$
INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, quantity, unit_price, status)
VALUES (id, id, at, customer, 'P1', '1', '2', 'completed') $$;
CREATE FUNCTION pg_temp.versions(id text)
RETURNS TABLE (segment text, phone text, valid_from date, valid_to timestamptz, is_current boolean, facts text)
LANGUAGE sql AS $$
SELECT c.segment, c.phone, (c.valid_from AT TIME ZONE 'UTC')::date, c.valid_to, c.is_current,
	(SELECT string_agg(id, ',' ORDER BY id) FROM (SELECT f.sale_id FROM analytics.fact_sales f WHERE f.customer_key = c.customer_key
		UNION ALL SELECT f.transaction_id FROM analytics.fact_payments f WHERE f.customer_key = c.customer_key) x(id))
FROM analytics.dim_customer c WHERE c.customer_id = id ORDER BY c.valid_from $$;
-- C7: consumer rows at Jan 1 and Mar 1 are one version (the Mar 1 row
-- repeats it: unchanged); sales K1 on Feb 15 and K2 on Mar 15 and payment
-- T9 on Feb 20 join it.
SELECT pg_temp.stage_customer('C7', 'consumer', '2025-01-01'), pg_temp.stage_customer('C7', 'consumer', '2025-03-01'),
	pg_temp.stage_sale('K1', '2025-02-15', 'C7'), pg_temp.stage_sale('K2', '2025-03-15', 'C7');
INSERT INTO analytics.stg_payments (transaction_id, txn_ts, customer_id, channel_id, city, amount, status, processing_time)
VALUES ('T9', '2025-02-20', 'C7', 'CH2', 'Pune', '10.00', 'success', '1');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT * FROM pg_temp.versions('C7');
CREATE TEMP TABLE c7_first AS SELECT customer_key FROM analytics.dim_customer WHERE customer_id = 'C7';
-- A vip row at Feb 1 arrives late, inside that run: consumer [Jan 1, Feb
-- 1), vip [Feb 1, Mar 1), consumer again from Mar 1 (the Mar 1 row begins a
-- version now); K1 and T9 move to vip, K2 to the second consumer version;
-- the first version keeps its key. 1 inserted (the row that begins a new
-- version).
SELECT pg_temp.stage_customer('C7', 'vip', '2025-02-01');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT * FROM pg_temp.versions('C7');
SELECT customer_key = (SELECT customer_key FROM c7_first) AS first_key_kept
FROM analytics.dim_customer WHERE customer_id = 'C7' ORDER BY valid_from LIMIT 1;
-- The Feb 1 row corrected back to consumer: one version again, under its
-- first key, with all three facts; the two others are gone. 1 updated.
SELECT pg_temp.stage_customer('C7', 'consumer', '2025-02-01');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT * FROM pg_temp.versions('C7');
SELECT customer_key = (SELECT customer_key FROM c7_first) AS first_key_kept FROM analytics.dim_customer WHERE customer_id = 'C7';
-- the rows kept: three, the Feb 1 one from the latest run
SELECT s.updated_at::date, s.segment, s.run_id = (SELECT max(r.run_id) FROM analytics.load_runs r) AS latest_run
FROM analytics.customer_source_rows s WHERE s.customer_id = 'C7' ORDER BY s.updated_at;

-- C8's five rows in three loads, newest first, against C9's same rows in
-- one load. Rows: consumer Jan 1 (phone 801), consumer Feb 1 (802), vip
-- Mar 1, vip Apr 1, consumer May 1 (805). Versions by hand: consumer [Jan
-- 1, Mar 1), vip [Mar 1, May 1), consumer [May 1, infinity), all with the
-- newest row's phone, 805. Load A (May 1, Mar 1, Jan 1 rows; sale K3 on Apr
-- 15): the three versions, 3 inserted, K3 on vip. Load B (Apr 1, Feb 1):
-- inside versions, older than the newest row: 2 unchanged, nothing moves.
SELECT pg_temp.stage_customer(id, 'consumer', '2025-05-01', '805'), pg_temp.stage_customer(id, 'vip', '2025-03-01'),
	pg_temp.stage_customer(id, 'consumer', '2025-01-01', '801')
FROM (VALUES ('C8')) t(id);
SELECT pg_temp.stage_sale('K3', '2025-04-15', 'C8');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT pg_temp.stage_customer('C8', 'vip', '2025-04-01'), pg_temp.stage_customer('C8', 'consumer', '2025-02-01', '802');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT * FROM pg_temp.versions('C8');
SELECT pg_temp.stage_customer('C9', 'consumer', '2025-01-01', '801'), pg_temp.stage_customer('C9', 'consumer', '2025-02-01', '802'),
	pg_temp.stage_customer('C9', 'vip', '2025-03-01'), pg_temp.stage_customer('C9', 'vip', '2025-04-01'),
	pg_temp.stage_customer('C9', 'consumer', '2025-05-01', '805');
-- 3 inserted (the rows that begin versions), 2 unchanged (Feb 1 and Apr
-- 1: inside a version, and not the newest row)
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
-- the same versions either way
SELECT count(*) AS differences FROM (
	(SELECT segment, phone, valid_from, valid_to, is_current FROM pg_temp.versions('C8')
	 EXCEPT SELECT segment, phone, valid_from, valid_to, is_current FROM pg_temp.versions('C9'))
	UNION ALL
	(SELECT segment, phone, valid_from, valid_to, is_current FROM pg_temp.versions('C9')
	 EXCEPT SELECT segment, phone, valid_from, valid_to, is_current FROM pg_temp.versions('C8'))) d;
-- Load C corrects C8's Apr 1 row to consumer: vip ends Apr 1 and the last
-- version begins there (the May 1 version's key, its start moved: 1
-- updated); K3 moves to it.
SELECT pg_temp.stage_customer('C8', 'consumer', '2025-04-01');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT * FROM pg_temp.versions('C8');

-- Name, email and phone (type 1) counted against what the dimension holds.
-- C10 at Jan 1 with phone 111 (1 inserted); then Mar 1 and Apr 1 rows with
-- phone 222: Apr 1 is the newest and changes the phone (1 updated), Mar 1
-- repeats the version (1 unchanged); then Feb 1 with 333 and May 1 with
-- 222: the newest, May 1, leaves the phone as it is: 2 unchanged.
SELECT pg_temp.stage_customer('C10', 'consumer', '2025-01-01', '111');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT pg_temp.stage_customer('C10', 'consumer', '2025-03-01', '222'), pg_temp.stage_customer('C10', 'consumer', '2025-04-01', '222');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT pg_temp.stage_customer('C10', 'consumer', '2025-02-01', '333'), pg_temp.stage_customer('C10', 'consumer', '2025-05-01', '222');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT * FROM pg_temp.versions('C10');

-- A history entered by hand, without rows behind it, stays: H consumer
-- [2024-01-01, 2024-06-01) and vip from 2024-06-01, with sales HS1 (Feb
-- 2024, consumer) and HS2 (Jul 2024, vip) loaded. A vip row at 2025-01-01
-- repeats the current version (1 unchanged); both versions get a row made
-- from them, and nothing moves.
INSERT INTO analytics.dim_customer (customer_id, full_name, email, phone, city, state, region, country, segment,
	valid_from, valid_to, is_current)
VALUES ('H', 'Gil Sen', 'gil@example.com', '700', 'Pune', 'Maharashtra', 'West', 'India', 'consumer',
		'2024-01-01', '2024-06-01', false),
	('H', 'Gil Sen', 'gil@example.com', '700', 'Pune', 'Maharashtra', 'West', 'India', 'vip',
		'2024-06-01', 'infinity', true);
SELECT pg_temp.stage_sale('HS1', '2024-02-15', 'H'), pg_temp.stage_sale('HS2', '2024-07-15', 'H');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT pg_temp.stage_customer('H', 'vip', '2025-01-01');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT * FROM pg_temp.versions('H');
SELECT updated_at::date, segment FROM analytics.customer_source_rows WHERE customer_id = 'H' ORDER BY updated_at;

-- A channel's fee changes in place (type 1); payments keep the fee they
-- were loaded with. T1 (CH1 at 2.00%: 27.50 x 2% = 0.5500) staged again as
-- it was: unchanged, still 0.5500; T8, new on CH1, takes 3.00%: 10.00 x 3%
-- = 0.3000. Channels 1 updated, payments 1 inserted and 1 unchanged.
INSERT INTO analytics.stg_channels (channel_id, channel_name, channel_type, fee_percent, active)
VALUES ('CH1', 'Credit Card', 'card', '3.00', 'true');
INSERT INTO analytics.stg_payments (transaction_id, txn_ts, customer_id, channel_id, city, amount, status, processing_time)
VALUES ('T1', '2025-01-15 10:01:00', 'C1', 'CH1', 'Pune', '27.50', 'success', '1.2'),
	('T8', '2025-03-20 10:00:00', 'C1', 'CH1', 'Pune', '10.00', 'success', '1');
SELECT entity, rows_in, inserted, updated, unchanged FROM analytics.load_warehouse() WHERE rows_in > 0;
SELECT transaction_id, fee_percent, revenue FROM analytics.fact_payments WHERE transaction_id IN ('T1', 'T8') ORDER BY 1;

-- the customers' histories, the facts' versions and revenue hold
SELECT check_name, entity, failing_rows, status FROM analytics.data_quality_checks()
WHERE entity LIKE 'dim_customer%' OR check_name IN ('customer_version_mismatch', 'revenue_mismatch') ORDER BY 1, 2;

-- Parsing helpers: ISO 8601 only, no offset = UTC; NULL instead of errors.
SELECT v, analytics.try_timestamptz(v) FROM (VALUES ('2025-03-01'), (' 2025-03-01 14:30 '), ('2025-03-01T14:30:15.5Z'),
	('2025-03-01 14:30:00+05:30'), ('2024-02-29'), ('2025-02-29'), ('2025-13-01'), ('03/01/2025'), ('yesterday'),
	('2025-03-01 24:00'), (''), ('2025-03-01 14:30:00 Europe/Paris'), ('2025-03-01 14:30+05:'),
	-- offsets that move the instant out of the years 1 to 9999 in UTC
	('9999-12-31T23:00:00-05'), ('0001-01-01T00:30:00+01'), ('9999-12-31T23:00:00+05')) t(v);
SELECT v, analytics.try_int(v) FROM (VALUES ('42'), (' -7 '), ('+3'), ('2147483647'), ('2147483648'),
	('-2147483648'), ('-2147483649'), ('1.0'), ('1e3'), (''), ('-')) t(v);
-- numeric(5, 2) holds up to 999.99: 999.994 rounds to 999.99, 999.995 to
-- 1000.00, which does not fit
SELECT v, analytics.try_numeric(v, 5, 2) FROM (VALUES ('12.345'), ('-0.5'), ('.5'), ('5.'), ('999.994'),
	('999.995'), ('1000'), ('00999.99'), ('1e2'), ('NaN'), ('Infinity'), ('1,5'), ('.'), ('')) t(v);
SELECT analytics.try_numeric('1', 5, 6);
-- up to 18 digits take a 64-bit path, more the general one; both round
-- half away from zero: -0.005 -> -0.01, 0.004 -> 0.00, .78 -> .8;
-- -99.995 -> -100.00 does not fit numeric(4, 2)
SELECT v, p, s, analytics.try_numeric(v, p, s) FROM (VALUES ('-0.005', 5, 2), ('0.004', 5, 2),
	('123456789012345678', 18, 0), ('1234567890123456789', 19, 0), ('1234567890123456.78', 18, 1),
	('12345678901234567.89', 19, 1), ('-99.995', 4, 2), ('-0000000000000000000000012.5', 3, 1)) t(v, p, s);
-- The loader's search for repeated keys, _repeated_rows(hash, row): the
-- rows whose hash occurs more than once. Keys i % 90000 of i = 0 .. 99999:
-- keys 0 .. 9999 twice = 20000 rows; the same in a parallel plan (over a
-- plain table: temporary ones are not scanned in parallel).
CREATE TABLE repeat_keys AS SELECT i % 90000 AS k FROM generate_series(0, 99999) i;
ANALYZE repeat_keys;
SELECT cardinality(analytics_internal._repeated_rows(hashint4extended(k, 0), ctid)) AS repeated FROM repeat_keys;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT pg_temp.plan_mentions('SELECT analytics_internal._repeated_rows(hashint4extended(k, 0), ctid) FROM repeat_keys',
	'Partial Aggregate') AS partial;
CREATE TEMP TABLE repeated_parallel AS
SELECT unnest(analytics_internal._repeated_rows(hashint4extended(k, 0), ctid)) AS row_address FROM repeat_keys;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT count(*) AS repeated, count(DISTINCT r.k) AS keys, min(r.k), max(r.k)
FROM repeated_parallel p JOIN repeat_keys r ON r.ctid = p.row_address;
DROP TABLE repeat_keys;
-- date_key: the UTC day; 23:30 at -05:00 is 04:30 UTC the next day
SELECT analytics.date_key('2025-01-20 23:30:00-05:00') AS next_day, analytics.date_key('2024-02-29 00:00:00+00') AS leap_day,
	analytics.date_key('0001-01-01 00:00:00+00') AS first_year;
SELECT analytics.date_key('infinity');
-- the loader's missing value: whitespace around (the same the parsers skip)
-- dropped, nothing left = NULL, inner spaces kept
SELECT analytics_internal._trim_or_null(E'\t P1 \n') = 'P1' AS trimmed, analytics_internal._trim_or_null(E' \t ') IS NULL AS blank,
	analytics_internal._trim_or_null('a b') = 'a b' AS inner_kept, analytics_internal._trim_or_null('') IS NULL AS empty;
SELECT v, analytics.try_bool(v) FROM (VALUES ('true'), ('F'), ('yes'), ('off'), ('1'), (' t '), ('maybe'), ('')) t(v);

-- Roles: admins load; readers cannot read staging or rejects, nor load.
SELECT r.rolname,
	has_function_privilege(r.rolname, 'analytics.load_warehouse()', 'EXECUTE') AS load,
	has_table_privilege(r.rolname, 'analytics.load_runs', 'SELECT') AS read_runs,
	has_table_privilege(r.rolname, 'analytics.load_run_days', 'SELECT') AS read_run_days,
	has_table_privilege(r.rolname, 'analytics.customer_source_rows', 'SELECT') AS read_customer_rows,
	has_table_privilege(r.rolname, 'analytics.fact_sales', 'INSERT') AS write_facts
FROM pg_roles r WHERE r.rolname IN ('analytics_reader', 'analytics_writer', 'analytics_admin')
ORDER BY r.rolname;
SET ROLE analytics_reader;
SELECT count(*) FROM analytics.fact_sales;
SELECT count(*) FROM analytics.stg_sales;
SELECT count(*) FROM analytics.load_rejects;
SELECT * FROM analytics.load_warehouse();
RESET ROLE;
SET ROLE analytics_admin;
INSERT INTO analytics.stg_channels (channel_id, channel_name, fee_percent) VALUES ('CH6', 'Wallet', '0.50');
SELECT entity, rows_in, inserted FROM analytics.load_warehouse() WHERE rows_in > 0;
RESET ROLE;

-- Large loads. A load of at least 10,000 lines that adds more than a
-- quarter of a fact table drops the table's non-unique indexes and
-- rebuilds them after inserting; one that more than doubles the table
-- rebuilds its primary key too, unless something depends on the key (here
-- a view grouping by it). Each index comes back as it was (definition,
-- comment, CLUSTER mark), the key as a constraint.
CREATE FUNCTION pg_temp.stage_sales(first int, last int) RETURNS void LANGUAGE sql AS $$
	INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id,
		payment_method, quantity, unit_price, discount, status)
	SELECT 'B' || lpad(i::text, 5, '0'), 'OB' || i / 3, '2025-03-10 10:00:00', 'C1', 'P1', 'S1', 'CH1', 'Credit Card',
		CASE WHEN i % 10000 = 7 THEN '0' ELSE '1' END, '2.75', '0', 'completed'
	FROM generate_series(first, last) i
$$;
COMMENT ON INDEX analytics.fact_sales_order IS 'orders';
ALTER TABLE analytics.fact_sales CLUSTER ON fact_sales_date;
CREATE TEMP TABLE indexes_before AS
SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, obj_description(i.indexrelid, 'pg_class') AS comment,
	i.indisclustered, i.indexrelid AS oid
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'analytics.fact_sales'::regclass;
CREATE FUNCTION pg_temp.indexes_changed() RETURNS TABLE (relname name, state text) LANGUAGE sql AS $$
	SELECT coalesce(a.relname, b.relname),
		CASE WHEN a.relname IS NULL THEN 'new' WHEN b.relname IS NULL THEN 'gone'
			WHEN (a.def, a.comment, a.indisclustered) IS DISTINCT FROM (b.def, b.comment, b.indisclustered) THEN 'changed'
			WHEN a.oid <> b.oid THEN 'rebuilt' ELSE 'kept' END
	FROM indexes_before a
	FULL JOIN (SELECT c.relname, pg_get_indexdef(i.indexrelid) AS def, obj_description(i.indexrelid, 'pg_class') AS comment,
			i.indisclustered, i.indexrelid AS oid
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = 'analytics.fact_sales'::regclass AND i.indisvalid) b ON b.relname = a.relname
	ORDER BY 1
$$;
-- Lines B00001 to B35001 at 2.75, quantity 1 but 0 (refused) for B00007,
-- B10007, B20007 and B30007. First 10,001 lines (10,000 valid), with a
-- view on the key: the 8 non-unique indexes rebuilt, the primary key kept.
CREATE VIEW pg_temp.sale_orders AS SELECT f.sale_id, f.order_id FROM analytics.fact_sales f GROUP BY f.sale_id;
SELECT pg_temp.stage_sales(1, 10001);
SELECT entity, rows_in, inserted, updated, unchanged, duplicates, rejected FROM analytics.load_warehouse() WHERE entity = 'sales';
SELECT * FROM pg_temp.indexes_changed();
DROP VIEW pg_temp.sale_orders;
-- 25,000 more (24,997 valid; the table holds 10,007 rows): the primary key
-- rebuilt too. B10005 comes twice, the last with quantity 9, which wins.
-- In all, 34,997 lines, 35,005 units (34,996 + 9), 96,263.75 (x 2.75).
TRUNCATE indexes_before;
INSERT INTO indexes_before
SELECT c.relname, pg_get_indexdef(i.indexrelid), obj_description(i.indexrelid, 'pg_class'), i.indisclustered, i.indexrelid
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'analytics.fact_sales'::regclass;
SELECT pg_temp.stage_sales(10002, 35001);
INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id,
	payment_method, quantity, unit_price, discount, status)
VALUES ('B10005', 'OB3335', '2025-03-10 10:00:00', 'C1', 'P1', 'S1', 'CH1', 'Credit Card', '9', '2.75', '0', 'completed');
SELECT entity, rows_in, inserted, updated, unchanged, duplicates, rejected FROM analytics.load_warehouse() WHERE entity = 'sales';
SELECT * FROM pg_temp.indexes_changed();
SELECT conname, contype, convalidated FROM pg_constraint
WHERE conrelid = 'analytics.fact_sales'::regclass AND contype IN ('p', 'u');
SELECT count(*) AS sales, sum(quantity) AS units, sum(total_amount) AS total FROM analytics.fact_sales WHERE sale_id LIKE 'B%';
SELECT sale_id, quantity, total_amount FROM analytics.fact_sales WHERE sale_id IN ('B10005', 'B10006') ORDER BY 1;
SELECT source_row, reason FROM analytics.load_rejects WHERE run_id = (SELECT max(run_id) FROM analytics.load_runs) ORDER BY 1;
-- the settings the load changed for itself are back
SELECT current_setting('session_replication_role') AS replication_role, current_setting('default_tablespace') AS tablespace;

-- Texts that land in an index (keys, order ids, payment methods, cities) go
-- up to 1000 bytes: a longer one is a reject with its reason, and the rest
-- loads (0.1.0 failed the whole load on a 3000-byte product_id, "index row
-- size exceeds btree version 4 maximum 2704"). U+5B57 takes 3 bytes in
-- UTF-8: 400 of it, 1200 bytes. Per entity, worked out from the rows below:
-- products 2 in (the 3000-byte id refused, P9 inserted); stores 1 refused
-- (city); channels 1 refused; customers 1 refused; sales 5 in, 4 refused
-- (sale_id, order_id, payment_method, the 3000-byte product_id: too long,
-- not unknown), LX1 inserted (with P9 of this load); payments 3 in, 2
-- refused (transaction_id, city), 1 inserted; interactions 2 in, 1 refused.
INSERT INTO analytics.stg_products (product_id, product_name, unit_cost, unit_price)
VALUES (repeat('p', 3000), 'Too long', '1', '2'), ('P9', 'Fits', '1', '2');
INSERT INTO analytics.stg_stores (store_id, city) VALUES ('S9', repeat('c', 1001));
INSERT INTO analytics.stg_channels (channel_id, fee_percent) VALUES (repeat('h', 1001), '1');
INSERT INTO analytics.stg_customers (customer_id, updated_at) VALUES (repeat('字', 400), '2025-01-01');
INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id,
	payment_method, quantity, unit_price, discount, status)
VALUES (repeat('s', 1001), 'OL1', '2025-03-10 10:00:00', 'C1', 'P1', 'S1', 'CH1', 'Credit Card', '1', '2.75', '0', 'completed'),
	('LX2', repeat('o', 1001), '2025-03-10 10:00:00', 'C1', 'P1', 'S1', 'CH1', 'Credit Card', '1', '2.75', '0', 'completed'),
	('LX3', 'OL1', '2025-03-10 10:00:00', 'C1', 'P1', 'S1', 'CH1', repeat('m', 1001), '1', '2.75', '0', 'completed'),
	('LX4', 'OL1', '2025-03-10 10:00:00', 'C1', repeat('p', 3000), 'S1', 'CH1', 'Credit Card', '1', '2.75', '0', 'completed'),
	('LX1', 'OL1', '2025-03-10 10:00:00', 'C1', 'P9', 'S1', 'CH1', 'Credit Card', '1', '2.75', '0', 'completed');
INSERT INTO analytics.stg_payments (transaction_id, txn_ts, channel_id, city, amount, status)
VALUES (repeat('t', 1001), '2025-03-10 10:00:00', 'CH1', NULL, '10', 'success'),
	('TX8', '2025-03-10 10:00:00', 'CH1', repeat('c', 1001), '10', 'success'),
	('TX9', '2025-03-10 10:00:00', 'CH1', NULL, '10', 'success');
INSERT INTO analytics.stg_interactions (interaction_id, interaction_ts, status)
VALUES (repeat('i', 1001), '2025-03-10 10:00:00', 'resolved'), ('IX9', '2025-03-10 10:00:00', 'resolved');
SELECT entity, rows_in, inserted, updated, unchanged, duplicates, rejected FROM analytics.load_warehouse() ORDER BY entity;
SELECT entity, source_row, reason FROM analytics.load_rejects
WHERE run_id = (SELECT max(run_id) FROM analytics.load_runs) ORDER BY entity, source_row;
SELECT (SELECT status FROM analytics.load_runs ORDER BY run_id DESC LIMIT 1) AS run,
	(SELECT count(*) FROM analytics.fact_sales WHERE sale_id = 'LX1') AS sales,
	(SELECT count(*) FROM analytics.fact_payments WHERE transaction_id = 'TX9') AS payments,
	(SELECT count(*) FROM analytics.fact_interactions WHERE interaction_id = 'IX9') AS interactions;

-- A materialized aggregate of the facts follows the loader, whose bulk path
-- runs with session_replication_role = replica: a reload that moves sale
-- B10005 from 2025-03-10 to 2025-03-12 is logged in both days, the live view
-- is exact at once, and the refresh recomputes just those two days. Checked
-- against the defining query written out (EXCEPT both ways).
SELECT analytics.create_materialized_aggregate('daily_fact_sales', 'analytics.fact_sales', 'sale_ts', '1 day',
	'{}', ARRAY['count(*) AS sales', 'sum(total_amount) AS total']) > 0 AS built;
CREATE TEMP VIEW daily_fact_sales_scratch AS
SELECT date_trunc('day', sale_ts AT TIME ZONE 'UTC') AS bucket, (sale_ts AT TIME ZONE 'UTC')::date AS day,
	count(*) AS sales, sum(total_amount) AS total
FROM analytics.fact_sales GROUP BY 1, 2;
SELECT day, sales FROM analytics.daily_fact_sales WHERE day IN ('2025-03-10', '2025-03-12') ORDER BY day;
INSERT INTO analytics.stg_sales (sale_id, order_id, sale_ts, customer_id, product_id, store_id, channel_id, payment_method, quantity, unit_price, discount, status)
VALUES ('B10005', 'OB3335', '2025-03-12 10:00:00', 'C1', 'P1', 'S1', 'CH1', 'Credit Card', '9', '2.75', '0', 'completed');
SELECT entity, inserted, updated FROM analytics.load_warehouse() WHERE entity = 'sales';
SELECT DISTINCT bucket::date FROM analytics_internal.materialized_aggregate_changes WHERE aggregate = 'daily_fact_sales' ORDER BY 1;
SELECT count(*) AS live_differs FROM ((SELECT * FROM analytics.daily_fact_sales_live EXCEPT SELECT * FROM daily_fact_sales_scratch)
	UNION ALL (SELECT * FROM daily_fact_sales_scratch EXCEPT SELECT * FROM analytics.daily_fact_sales_live)) x;
SELECT * FROM analytics.refresh_materialized_aggregate('daily_fact_sales');
SELECT count(*) AS table_differs FROM ((SELECT * FROM analytics.daily_fact_sales EXCEPT SELECT * FROM daily_fact_sales_scratch)
	UNION ALL (SELECT * FROM daily_fact_sales_scratch EXCEPT SELECT * FROM analytics.daily_fact_sales)) x;
-- one sale fewer on the 10th, one more on the 12th
SELECT day, sales FROM analytics.daily_fact_sales WHERE day IN ('2025-03-10', '2025-03-12') ORDER BY day;
SELECT analytics.drop_materialized_aggregate('daily_fact_sales');
DROP VIEW daily_fact_sales_scratch;

DROP EXTENSION analytics;
