-- Data quality: analytics.data_quality_checks() over a small clean warehouse
-- (every check ok), then each problem seeded in a transaction that is rolled
-- back, with whatever constraint would refuse it dropped or disabled inside
-- that transaction. Every expected count is worked out by hand in the
-- comments, from the rows inserted here.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never
-- Now (future_timestamp) is 2026-11-20, whatever the date of the run: every
-- row is dated 2025 or before but the one made future on purpose.
SET analytics.mock_now = '2026-11-20 12:00Z';

-- An empty warehouse: every check, once, in a fixed order, all ok.
SELECT count(*) AS checks, count(DISTINCT (check_name, entity)) AS distinct_checks,
	count(*) FILTER (WHERE status = 'ok' AND failing_rows = 0) AS ok
FROM analytics.data_quality_checks();

-- The clean warehouse.
--   Calendar: 2024-02-25 .. 2024-03-10 (15 days).
--   Customer c1 has 3 versions that chain: key 1 [02-01, 03-01), key 2
--   [03-01, 03-05 12:00), key 3 [03-05 12:00, infinity) current; c2 has one,
--   key 4 [02-28, infinity) current.
SELECT analytics.fill_dim_date('2024-02-25', '2024-03-10') AS days;
INSERT INTO analytics.dim_customer (customer_key, customer_id, segment, valid_from, valid_to, is_current) VALUES
	(1, 'c1', 'consumer', '2024-02-01 00:00+00', '2024-03-01 00:00+00', false),
	(2, 'c1', 'corporate', '2024-03-01 00:00+00', '2024-03-05 12:00+00', false),
	(3, 'c1', 'vip', '2024-03-05 12:00+00', 'infinity', true),
	(4, 'c2', 'consumer', '2024-02-28 00:00+00', 'infinity', true);
INSERT INTO analytics.dim_product (product_key, product_id, unit_cost, unit_price) VALUES
	(1, 'p1', 2.00, 5.00), (2, 'p2', 10.00, 25.00);
INSERT INTO analytics.dim_store (store_key, store_id) VALUES (1, 's1');
INSERT INTO analytics.dim_channel (channel_key, channel_id, fee_percent) VALUES
	(1, 'ch1', 2.50), (2, 'ch2', 0), (3, 'ch3', 1.00);
INSERT INTO analytics.dim_payment (payment_key, payment_method) VALUES (1, 'card'), (2, 'cash');
INSERT INTO analytics.dim_city (city_key, city) VALUES (1, 'Pune'), (2, 'Delhi');
-- Sales. s1 and s2 precede c2's only version: they belong to it (the
-- earliest). s3 is one second before midnight UTC, s4 exactly at the start
-- of c1's second version, s6 a microsecond before the third. s3's discount
-- equals its gross amount (allowed). Totals: s1 2 x 5 - 1 = 9, s4 3 x 25 -
-- 2.50 = 72.50.
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, store_key,
	channel_key, payment_key, quantity, unit_price, discount, total_amount, cost_amount, status) VALUES
	('s1', 'o1', 20240227, '2024-02-27 10:00+00', 4, 1, 1, 1, 1, 2, 5.00, 1.00, 9.00, 4.00, 'completed'),
	('s2', 'o1', 20240227, '2024-02-27 10:00+00', 4, 2, 1, 1, 1, 1, 25.00, 0, 25.00, 10.00, 'completed'),
	('s3', 'o2', 20240229, '2024-02-29 23:59:59+00', 1, 1, 1, 2, 2, 1, 5.00, 5.00, 0.00, 2.00, 'returned'),
	('s4', 'o3', 20240301, '2024-03-01 00:00+00', 2, 2, NULL, NULL, NULL, 3, 25.00, 2.50, 72.50, NULL, 'cancelled'),
	('s5', 'o4', 20240305, '2024-03-05 12:00+00', 3, 2, 1, 1, 1, 1, 25.00, 0, 25.00, 10.00, 'completed'),
	('s6', 'o5', 20240305, '2024-03-05 11:59:59.999999+00', 2, 1, 1, 2, 2, 2, 5.00, 0, 10.00, 4.00, 'completed');
-- Payments, each with the fee of its channel when loaded. Revenue = amount
-- x fee / 100 rounded to 4 places for success: t1 100 x 2.5% = 2.5000; t2
-- 33.33 x 2.5% = 0.83325 -> 0.8333; t4 on the 0% channel 0.0000; t5 0.01 x
-- 2.5% = 0.00025 -> 0.0003; t3 failed: 0.
-- Buckets: 1.999 fast, 2.000 and 5.000 medium, 5.001 slow, no time no bucket.
INSERT INTO analytics.fact_payments (transaction_id, date_key, txn_ts, customer_key, channel_key, city_key,
	amount, status, processing_time, processing_delay_bucket, fee_percent, revenue) VALUES
	('t1', 20240228, '2024-02-28 09:00+00', 4, 1, 1, 100.00, 'success', 1.999, 'fast', 2.50, 2.5000),
	('t2', 20240301, '2024-03-01 15:30+00', 2, 1, 2, 33.33, 'success', 2.000, 'medium', 2.50, 0.8333),
	('t3', 20240303, '2024-03-03 08:00+00', 2, 1, 1, 10.00, 'failed', 5.000, 'medium', 2.50, 0),
	('t4', 20240306, '2024-03-06 23:59:59.5+00', NULL, 2, NULL, 5.00, 'success', 5.001, 'slow', 0, 0.0000),
	('t5', 20240310, '2024-03-10 00:00+00', 3, 1, 2, 0.01, 'success', NULL, NULL, 2.50, 0.0003);
INSERT INTO analytics.fact_interactions (interaction_id, date_key, interaction_ts, customer_key, channel_key,
	interaction_type, duration_seconds, status) VALUES
	('i1', 20240302, '2024-03-02 08:00+00', 2, 1, 'chat', 120.500, 'resolved'),
	('i2', 20240310, '2024-03-10 23:59:59+00', NULL, NULL, NULL, NULL, 'abandoned');

-- Every check, ok.
SELECT * FROM analytics.data_quality_checks();

-- The checks do not depend on the session's time zone (date keys are UTC
-- days; at UTC+14 s3 falls on 2024-03-01 locally).
SET TimeZone = 'Pacific/Kiritimati';
SELECT count(*) FILTER (WHERE status <> 'ok') AS not_ok FROM analytics.data_quality_checks();
SET TimeZone = 'UTC';

-- From here on, only what is not ok.
CREATE TEMP VIEW problems AS
SELECT * FROM analytics.data_quality_checks() WHERE status <> 'ok';

-- null_required: s1 without order_id and status, s2 without order_id: 2
-- rows (rows, not values); ch3 without channel_id: 1.
BEGIN;
ALTER TABLE analytics.fact_sales ALTER order_id DROP NOT NULL, ALTER status DROP NOT NULL;
ALTER TABLE analytics.dim_channel ALTER channel_id DROP NOT NULL;
UPDATE analytics.fact_sales SET order_id = NULL, status = NULL WHERE sale_id = 's1';
UPDATE analytics.fact_sales SET order_id = NULL WHERE sale_id = 's2';
UPDATE analytics.dim_channel SET channel_id = NULL WHERE channel_key = 3;
SELECT * FROM problems;
ROLLBACK;

-- duplicate_key on natural keys: a second product 'p1' (2 rows share it);
-- s1 loaded twice (2 rows).
BEGIN;
ALTER TABLE analytics.dim_product DROP CONSTRAINT dim_product_product_id_key;
ALTER TABLE analytics.fact_sales DROP CONSTRAINT fact_sales_pkey;
INSERT INTO analytics.dim_product (product_key, product_id, unit_cost, unit_price) VALUES (3, 'p1', 2.00, 5.00);
INSERT INTO analytics.fact_sales SELECT * FROM analytics.fact_sales WHERE sale_id = 's1';
SELECT * FROM problems;
ROLLBACK;

-- duplicate_key on surrogate keys: a payment method 'voucher' with key 1,
-- which is card's: 2 rows. Sales join each key once, so s1 (key 1) with a
-- wrong total 8.00 is counted once. (The primary keys of customers,
-- products, stores and channels cannot be dropped alone: KPI views group by
-- them.)
BEGIN;
SET LOCAL client_min_messages = warning;
ALTER TABLE analytics.dim_payment DROP CONSTRAINT dim_payment_pkey CASCADE;
INSERT INTO analytics.dim_payment (payment_key, payment_method) VALUES (1, 'voucher');
UPDATE analytics.fact_sales SET total_amount = 8.00 WHERE sale_id = 's1';
SELECT * FROM problems;
ROLLBACK;

-- duplicate_key in the calendar: 2024-03-01 twice: 2 rows share its date_key
-- and 2 its full_date (in a calendar without other errors a duplicated key
-- is a duplicated date); t2, dated that day, with revenue 0.8334 instead of
-- 0.8333 is counted once.
BEGIN;
SET LOCAL client_min_messages = warning;
ALTER TABLE analytics.dim_date DROP CONSTRAINT dim_date_pkey CASCADE;
ALTER TABLE analytics.dim_date DROP CONSTRAINT dim_date_full_date_key;
INSERT INTO analytics.dim_date SELECT * FROM analytics.dim_date WHERE date_key = 20240301;
UPDATE analytics.fact_payments SET revenue = 0.8334 WHERE transaction_id = 't2';
SELECT * FROM problems;
ROLLBACK;

-- duplicate_key (customer_id, valid_from): a second c2 version from
-- 2024-02-28 (key 5, to 03-03). Both rows share the key; ordered by
-- (valid_from, customer_key) key 4 is followed by key 5, so key 4 is current
-- but not last and does not end where key 5 starts, and key 5, last, is not
-- open-ended: the chain breaks on 2 rows too.
BEGIN;
ALTER TABLE analytics.dim_customer DROP CONSTRAINT dim_customer_customer_id_valid_from_key;
INSERT INTO analytics.dim_customer (customer_key, customer_id, valid_from, valid_to, is_current)
VALUES (5, 'c2', '2024-02-28 00:00+00', '2024-03-03 00:00+00', false);
SELECT * FROM problems;
ROLLBACK;

-- invalid_calendar: 2024-03-02 (a Saturday) marked a weekday, 2024-02-29
-- named March: 2 rows.
BEGIN;
UPDATE analytics.dim_date SET is_weekend = false WHERE date_key = 20240302;
UPDATE analytics.dim_date SET month_name = 'March' WHERE date_key = 20240229;
SELECT * FROM problems;
ROLLBACK;

-- multiple_current_versions: c1's key 2 reopened as current (valid_to
-- infinity, which its CHECK accepts; only the unique index refuses it): keys
-- 2 and 3 are current, 2 rows; key 2 also breaks the chain (current but not
-- last, overlapping key 3): 1 row. s4 and s6 (key 2) are still covered.
BEGIN;
DROP INDEX analytics.dim_customer_current;
UPDATE analytics.dim_customer SET valid_to = 'infinity', is_current = true WHERE customer_key = 2;
SELECT * FROM problems;
ROLLBACK;

-- broken_validity_chain, no constraint bypassed: a one-microsecond gap
-- after c1's key 1 (s3, at 23:59:59, is still inside it), and c2's only
-- version closed on 2024-04-01, leaving c2 without a current version: 2 rows.
BEGIN;
UPDATE analytics.dim_customer SET valid_to = '2024-02-29 23:59:59.999999+00' WHERE customer_key = 1;
UPDATE analytics.dim_customer SET valid_to = '2024-04-01 00:00+00', is_current = false WHERE customer_key = 4;
SELECT * FROM problems;
ROLLBACK;

-- broken_validity_chain: key 2 starting on 02-20 overlaps key 1, which then
-- does not end where its successor starts: 1 row (key 2 still ends where key
-- 3 starts; s3 is still in key 1, s4 and s6 in key 2).
BEGIN;
UPDATE analytics.dim_customer SET valid_from = '2024-02-20 00:00+00' WHERE customer_key = 2;
SELECT * FROM problems;
ROLLBACK;

-- orphan_key, foreign key triggers disabled (as by a restore): sales s1 and
-- s2 to product 99 (2), s3 to store 98, s5 to channel 97, s6 to payment 96
-- and customer 95, s2 dated 2024-04-01 (not in the calendar); payments t1 to
-- city 99, t2 to channel 99 (its revenue, from its own fee, still checks),
-- t3 to customer 99, t4 dated 2023-01-01; interaction i1 to channel 99 and
-- dated 2024-03-11, i2 to customer 99. One row each, except sales'
-- product_key.
BEGIN;
ALTER TABLE analytics.fact_sales DISABLE TRIGGER ALL;
ALTER TABLE analytics.fact_payments DISABLE TRIGGER ALL;
ALTER TABLE analytics.fact_interactions DISABLE TRIGGER ALL;
UPDATE analytics.fact_sales SET product_key = 99 WHERE sale_id IN ('s1', 's2');
UPDATE analytics.fact_sales SET store_key = 98 WHERE sale_id = 's3';
UPDATE analytics.fact_sales SET channel_key = 97 WHERE sale_id = 's5';
UPDATE analytics.fact_sales SET payment_key = 96, customer_key = 95 WHERE sale_id = 's6';
UPDATE analytics.fact_sales SET date_key = 20240401 WHERE sale_id = 's2';
UPDATE analytics.fact_payments SET city_key = 99 WHERE transaction_id = 't1';
UPDATE analytics.fact_payments SET channel_key = 99 WHERE transaction_id = 't2';
UPDATE analytics.fact_payments SET customer_key = 99 WHERE transaction_id = 't3';
UPDATE analytics.fact_payments SET date_key = 20230101 WHERE transaction_id = 't4';
UPDATE analytics.fact_interactions SET channel_key = 99, date_key = 20240311 WHERE interaction_id = 'i1';
UPDATE analytics.fact_interactions SET customer_key = 99 WHERE interaction_id = 'i2';
SELECT * FROM problems;
ROLLBACK;

-- orphan_key: product p1 deleted from under its sales s1, s3 and s6: 3 rows.
BEGIN;
ALTER TABLE analytics.dim_product DISABLE TRIGGER ALL;
DELETE FROM analytics.dim_product WHERE product_key = 1;
SELECT * FROM problems;
ROLLBACK;

-- invalid_value: s2 with quantity 0 (and total 0 x 25 - 0 = 0, consistent),
-- s4 'shipped' (2 sales); t3 'pending', t4 with processing time -1 (bucket
-- fast, consistent) (2 payments); i1 lasting -5 s (1); ch3 charging 101%
-- (1; no successful payment uses it).
BEGIN;
ALTER TABLE analytics.fact_sales DROP CONSTRAINT fact_sales_quantity_check, DROP CONSTRAINT fact_sales_status_check;
ALTER TABLE analytics.fact_payments DROP CONSTRAINT fact_payments_status_check,
	DROP CONSTRAINT fact_payments_processing_time_check;
ALTER TABLE analytics.fact_interactions DROP CONSTRAINT fact_interactions_duration_seconds_check;
ALTER TABLE analytics.dim_channel DROP CONSTRAINT dim_channel_fee_percent_check;
UPDATE analytics.fact_sales SET quantity = 0, total_amount = 0 WHERE sale_id = 's2';
UPDATE analytics.fact_sales SET status = 'shipped' WHERE sale_id = 's4';
UPDATE analytics.fact_payments SET status = 'pending' WHERE transaction_id = 't3';
UPDATE analytics.fact_payments SET processing_time = -1, processing_delay_bucket = 'fast' WHERE transaction_id = 't4';
UPDATE analytics.fact_interactions SET duration_seconds = -5 WHERE interaction_id = 'i1';
UPDATE analytics.dim_channel SET fee_percent = 101 WHERE channel_key = 3;
SELECT * FROM problems;
ROLLBACK;

-- negative_amount: s1 costing -4.00 (no constraint prevents it), s5 with
-- discount -1.00 and total 25 + 1 = 26 (consistent) (2 sales); t3 (failed)
-- of -10.00 and t5 of 0.00 with revenue 0 (2 payments: an amount must be
-- above zero); p2 costing -1.00 (1).
BEGIN;
ALTER TABLE analytics.fact_sales DROP CONSTRAINT fact_sales_discount_check;
ALTER TABLE analytics.fact_payments DROP CONSTRAINT fact_payments_amount_check;
ALTER TABLE analytics.dim_product DROP CONSTRAINT dim_product_unit_cost_check;
UPDATE analytics.fact_sales SET cost_amount = -4.00 WHERE sale_id = 's1';
UPDATE analytics.fact_sales SET discount = -1.00, total_amount = 26.00 WHERE sale_id = 's5';
UPDATE analytics.fact_payments SET amount = -10.00 WHERE transaction_id = 't3';
UPDATE analytics.fact_payments SET amount = 0, revenue = 0 WHERE transaction_id = 't5';
UPDATE analytics.dim_product SET unit_cost = -1.00 WHERE product_key = 2;
SELECT * FROM problems;
ROLLBACK;

-- total_mismatch, no constraint bypassed: s2 totalling 24.99 instead of 25,
-- s4 72.49 instead of 72.50: 2 rows.
BEGIN;
UPDATE analytics.fact_sales SET total_amount = 24.99 WHERE sale_id = 's2';
UPDATE analytics.fact_sales SET total_amount = 72.49 WHERE sale_id = 's4';
SELECT * FROM problems;
ROLLBACK;

-- discount_exceeds_gross, no constraint bypassed: s1 with discount 10.01 on
-- 2 x 5.00 and s3 with 5.01 on 1 x 5.00, totals -0.01 (consistent): 2 rows.
BEGIN;
UPDATE analytics.fact_sales SET discount = 10.01, total_amount = -0.01 WHERE sale_id = 's1';
UPDATE analytics.fact_sales SET discount = 5.01, total_amount = -0.01 WHERE sale_id = 's3';
SELECT * FROM problems;
ROLLBACK;

-- A discount of 0.01 on quantity 0 exceeds the gross amount 0 though not the
-- unit price: discount_exceeds_gross 1 and invalid_value 1.
BEGIN;
ALTER TABLE analytics.fact_sales DROP CONSTRAINT fact_sales_quantity_check;
UPDATE analytics.fact_sales SET quantity = 0, discount = 0.01, total_amount = -0.01 WHERE sale_id = 's2';
SELECT * FROM problems;
ROLLBACK;

-- revenue_mismatch, no constraint bypassed: t1 with 2.4999 instead of
-- 2.5000, t3 (failed) with 0.0100 instead of 0: 2 rows.
BEGIN;
UPDATE analytics.fact_payments SET revenue = 2.4999 WHERE transaction_id = 't1';
UPDATE analytics.fact_payments SET revenue = 0.0100 WHERE transaction_id = 't3';
SELECT * FROM problems;
ROLLBACK;

-- Payments without a fee (the constraint dropped): t2 (success) cannot
-- have a right revenue, t3 (failed: 0) can: null_required 2 rows,
-- revenue_mismatch 1. A fee of 100.01 on t5: invalid_value 1, and its
-- revenue 0.0003 is not 0.01 x 100.01% = 0.010001 -> 0.0100: revenue_mismatch
-- 1 more.
BEGIN;
ALTER TABLE analytics.fact_payments ALTER COLUMN fee_percent DROP NOT NULL,
	DROP CONSTRAINT fact_payments_fee_percent_check;
UPDATE analytics.fact_payments SET fee_percent = NULL WHERE transaction_id IN ('t2', 't3');
UPDATE analytics.fact_payments SET fee_percent = 100.01 WHERE transaction_id = 't5';
SELECT * FROM problems;
ROLLBACK;

-- A channel's fee changed in place (type 1) is no problem: payments keep
-- the fee they were loaded with, and their revenue. 0 rows.
BEGIN;
UPDATE analytics.dim_channel SET fee_percent = 3.00 WHERE channel_key = 1;
SELECT * FROM problems;
ROLLBACK;

-- bucket_mismatch: t1 (1.999 s) medium, t2 (2.000 s) an unknown 'quick', t4
-- (5.001 s) without a bucket, t5 (no time) fast: 4 rows.
BEGIN;
ALTER TABLE analytics.fact_payments DROP CONSTRAINT fact_payments_processing_delay_bucket_check;
UPDATE analytics.fact_payments SET processing_delay_bucket = 'medium' WHERE transaction_id = 't1';
UPDATE analytics.fact_payments SET processing_delay_bucket = 'quick' WHERE transaction_id = 't2';
UPDATE analytics.fact_payments SET processing_delay_bucket = NULL WHERE transaction_id = 't4';
UPDATE analytics.fact_payments SET processing_delay_bucket = 'fast' WHERE transaction_id = 't5';
SELECT * FROM problems;
ROLLBACK;

-- date_key_mismatch, no constraint bypassed (every key is in the calendar):
-- s3 (2024-02-29 23:59:59 UTC) keyed 20240301, s4 (2024-03-01 00:00 UTC)
-- keyed 20240229 (2 sales); t1 (02-28) keyed 20240227 (1); i2 (03-10 23:59:59)
-- keyed 20240309 (1).
BEGIN;
UPDATE analytics.fact_sales SET date_key = 20240301 WHERE sale_id = 's3';
UPDATE analytics.fact_sales SET date_key = 20240229 WHERE sale_id = 's4';
UPDATE analytics.fact_payments SET date_key = 20240227 WHERE transaction_id = 't1';
UPDATE analytics.fact_interactions SET date_key = 20240309 WHERE interaction_id = 'i2';
SELECT * FROM problems;
ROLLBACK;

-- customer_version_mismatch, no constraint bypassed: s4 (03-01 00:00) on key
-- 1, which ended then; s3 (02-29 23:59:59) on key 2, which starts later and
-- is not c1's earliest (2 sales); t2 (03-01 15:30) on key 1 (1 payment); i1
-- (03-02 08:00) on key 3, which starts on 03-05 (1 interaction).
BEGIN;
UPDATE analytics.fact_sales SET customer_key = 1 WHERE sale_id = 's4';
UPDATE analytics.fact_sales SET customer_key = 2 WHERE sale_id = 's3';
UPDATE analytics.fact_payments SET customer_key = 1 WHERE transaction_id = 't2';
UPDATE analytics.fact_interactions SET customer_key = 3 WHERE interaction_id = 'i1';
SELECT * FROM problems;
ROLLBACK;

-- future_timestamp, a warning: s5 dated 2999-12-31 (in the calendar, on c1's
-- current version): 1 row, status warn.
BEGIN;
SELECT analytics.fill_dim_date('2999-12-31', '2999-12-31') AS days;
UPDATE analytics.fact_sales SET sale_ts = '2999-12-31 12:00+00', date_key = 29991231 WHERE sale_id = 's5';
SELECT * FROM problems;
ROLLBACK;

-- Nothing above stayed.
SELECT count(*) AS not_ok FROM problems;

-- Readers and admins may run the checks (with their own rights: they read
-- dimensions and facts); others may not, even when they reach the schema.
CREATE ROLE dq_reader LOGIN IN ROLE analytics_reader;
CREATE ROLE dq_admin LOGIN IN ROLE analytics_admin;
CREATE ROLE dq_nobody LOGIN;
GRANT USAGE ON SCHEMA analytics TO dq_nobody;
SELECT r.rolname, has_function_privilege(r.rolname, 'analytics.data_quality_checks()', 'EXECUTE') AS can_run
FROM pg_roles r WHERE r.rolname IN ('dq_reader', 'dq_admin', 'dq_nobody', 'analytics_writer') ORDER BY 1;
SELECT p.prosecdef AS security_definer, p.provolatile AS volatility, p.proconfig
FROM pg_proc p WHERE p.oid = 'analytics.data_quality_checks()'::regprocedure;
SET ROLE dq_reader;
SELECT count(*) AS checks, count(*) FILTER (WHERE status = 'ok') AS ok FROM analytics.data_quality_checks();
RESET ROLE;
SET ROLE dq_admin;
SELECT count(*) AS checks, count(*) FILTER (WHERE status = 'ok') AS ok FROM analytics.data_quality_checks();
RESET ROLE;
SET ROLE dq_nobody;
SELECT count(*) FROM analytics.data_quality_checks();
RESET ROLE;

-- Planted shadows of the functions and operators the checks use change
-- nothing: the total of s2 made wrong is still found, and nothing else.
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT '2000-01-01 00:00Z'::timestamptz $$;
CREATE FUNCTION public.round(numeric, int) RETURNS numeric LANGUAGE sql AS $$ SELECT 0::numeric $$;
CREATE FUNCTION public.count(bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 0::bigint $$;
CREATE FUNCTION public.numeric_never_different(numeric, numeric) RETURNS boolean LANGUAGE sql AS $$ SELECT false $$;
CREATE OPERATOR public.<> (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = public.numeric_never_different);
SET search_path = public, pg_catalog;
BEGIN;
UPDATE analytics.fact_sales SET total_amount = 24.99 WHERE sale_id OPERATOR(pg_catalog.=) 's2';
SELECT * FROM pg_temp.problems;
ROLLBACK;
RESET search_path;
DROP OPERATOR public.<> (numeric, numeric);
DROP FUNCTION public.now(), public.round(numeric, int), public.count(bigint),
	public.numeric_never_different(numeric, numeric);

DROP VIEW problems;
DROP EXTENSION analytics;
DROP ROLE dq_reader, dq_admin, dq_nobody;
