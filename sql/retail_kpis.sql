-- Retail KPI views over the star schema, their summary tables and
-- analytics.refresh_retail_summaries: values on a hand-made fixture, worked
-- out by hand below; Power BI shaped queries; index use of a one-month
-- filter; column types; privileges.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/test/regress_helpers.sql

-- The fixture, inserted directly (the loader's guarantees kept by hand:
-- date_key = the UTC day of the timestamp, total_amount = quantity x
-- unit_price - discount, cost_amount = quantity x unit cost, customer_key =
-- the version valid at the time, payment revenue = amount x fee_percent / 100
-- when successful).
SELECT analytics.fill_dim_date('2025-02-01', '2025-04-30') AS days;
-- c1 moved from Pune (segment consumer) to Mumbai (vip) on 2025-03-04 at
-- noon: keys 1 and 2. c2: Delhi, corporate. c3: Pune, consumer. c4: Delhi,
-- consumer.
INSERT INTO analytics.dim_customer (customer_key, customer_id, full_name, city, state, region, country, segment,
	valid_from, valid_to, is_current) VALUES
	(1, 'c1', 'Asha Rao', 'Pune', 'Maharashtra', 'West', 'India', 'consumer', '2025-01-01 00:00Z', '2025-03-04 12:00Z', false),
	(2, 'c1', 'Asha Rao', 'Mumbai', 'Maharashtra', 'West', 'India', 'vip', '2025-03-04 12:00Z', 'infinity', true),
	(3, 'c2', 'Bilal Khan', 'Delhi', 'Delhi', 'North', 'India', 'corporate', '2025-01-01 00:00Z', 'infinity', true),
	(4, 'c3', 'Chen Li', 'Pune', 'Maharashtra', 'West', 'India', 'consumer', '2025-01-01 00:00Z', 'infinity', true),
	(5, 'c4', 'Dev Patel', 'Delhi', 'Delhi', 'North', 'India', 'consumer', '2025-01-01 00:00Z', 'infinity', true);
-- p3 has no unit cost: its lines have no cost_amount.
INSERT INTO analytics.dim_product (product_key, product_id, product_name, category, subcategory, unit_cost, unit_price, active) VALUES
	(1, 'p1', 'Widget', 'Electronics', 'Gadgets', 6.00, 10.00, true),
	(2, 'p2', 'Kettle', 'Home', 'Kitchen', 12.00, 20.00, true),
	(3, 'p3', 'Mystery box', 'Home', 'Misc', NULL, 5.00, true);
INSERT INTO analytics.dim_store (store_key, store_id, store_name, city, state, region, country) VALUES
	(1, 's1', 'Pune Central', 'Pune', 'Maharashtra', 'West', 'India');
INSERT INTO analytics.dim_channel (channel_key, channel_id, channel_name, channel_type, fee_percent, active) VALUES
	(1, 'ch1', 'Credit Card', 'card', 2.00, true),
	(2, 'ch2', 'UPI', 'upi', 1.00, true),
	(3, 'ch3', 'Web', 'online', 0, true),
	(4, 'ch4', 'Phone', 'support', 0, true);
INSERT INTO analytics.dim_payment (payment_key, payment_method) VALUES (1, 'card'), (2, 'upi'), (3, 'cash');
INSERT INTO analytics.dim_city (city_key, city, state, region, country) VALUES
	(1, 'Pune', 'Maharashtra', 'West', 'India'), (2, 'Delhi', 'Delhi', 'North', 'India'),
	(3, 'Mumbai', 'Maharashtra', 'West', 'India');

-- Order lines. Discount bands: s05 1.50 of 30 = 5% (0-10%); s02 2 of 20 and
-- s07 4 of 40 = 10% (10-20%, the lower bound is in); s09 2.50 of 10 = 25%
-- (20-30%); s12 10 of 50 = 20% (20-30%); s10 6 of 20 = 30% (30%+).
-- s04 is cancelled and s06 returned: in no revenue. Nothing on 2025-03-03.
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, store_key,
	channel_key, payment_key, quantity, unit_price, discount, total_amount, cost_amount, status) VALUES
	('s01', 'o1', 20250301, '2025-03-01 09:00Z', 1, 1, 1, NULL, 1, 2, 10.00, 0.00, 20.00, 12.00, 'completed'),
	('s02', 'o1', 20250301, '2025-03-01 09:00Z', 1, 2, 1, NULL, 1, 1, 20.00, 2.00, 18.00, 12.00, 'completed'),
	('s03', 'o2', 20250301, '2025-03-01 11:00Z', 3, 1, NULL, 3, 2, 1, 10.00, 0.00, 10.00, 6.00, 'completed'),
	('s04', 'o3', 20250301, '2025-03-01 15:00Z', 4, 2, NULL, 3, 2, 1, 20.00, 0.00, 20.00, 12.00, 'cancelled'),
	('s05', 'o4', 20250302, '2025-03-02 10:00Z', 4, 1, 1, NULL, 3, 3, 10.00, 1.50, 28.50, 18.00, 'completed'),
	('s06', 'o4', 20250302, '2025-03-02 10:00Z', 4, 2, 1, NULL, 3, 1, 20.00, 0.00, 20.00, 12.00, 'returned'),
	('s07', 'o5', 20250304, '2025-03-04 09:00Z', 1, 2, NULL, 3, 1, 2, 20.00, 4.00, 36.00, 24.00, 'completed'),
	('s08', 'o6', 20250304, '2025-03-04 15:00Z', 2, 1, NULL, 3, 1, 1, 10.00, 0.00, 10.00, 6.00, 'completed'),
	('s09', 'o7', 20250304, '2025-03-04 16:00Z', 3, 1, 1, NULL, 2, 1, 10.00, 2.50, 7.50, 6.00, 'completed'),
	('s10', 'o8', 20250310, '2025-03-10 12:00Z', 4, 2, 1, NULL, 1, 1, 20.00, 6.00, 14.00, 12.00, 'completed'),
	('s11', 'o9', 20250402, '2025-04-02 10:00Z', 5, 3, NULL, 3, 1, 2, 5.00, 0.00, 10.00, NULL, 'completed'),
	('s12', 'o10', 20250402, '2025-04-02 11:00Z', 2, 1, 1, NULL, 1, 5, 10.00, 10.00, 40.00, 30.00, 'completed');

-- Payments: fast (< 2 s) t1, t4; medium (2-5 s) t1b (2 s exactly), t3, t5,
-- t7; slow (> 5 s) t2. Revenue 2% (Credit Card) or 1% (UPI) of successful
-- amounts: t1 100 -> 2, t3 200 -> 2, t4 80 -> 1.6, t6 40 -> 0.4, t7 120 ->
-- 1.2; failed t1b, t2, t5 -> 0. t6 has no customer, city or time.
INSERT INTO analytics.fact_payments (transaction_id, date_key, txn_ts, customer_key, channel_key, city_key, amount,
	status, processing_time, processing_delay_bucket, fee_percent, revenue) VALUES
	('t1', 20250301, '2025-03-01 10:00Z', 1, 1, 1, 100.00, 'success', 1.500, 'fast', 2.00, 2.0000),
	('t1b', 20250301, '2025-03-01 16:00Z', 1, 1, 1, 60.00, 'failed', 2.000, 'medium', 2.00, 0),
	('t2', 20250301, '2025-03-01 12:00Z', 3, 1, 2, 50.00, 'failed', 6.000, 'slow', 2.00, 0),
	('t3', 20250301, '2025-03-01 13:00Z', 4, 2, 1, 200.00, 'success', 3.000, 'medium', 1.00, 2.0000),
	('t4', 20250303, '2025-03-03 09:00Z', 1, 1, 1, 80.00, 'success', 1.000, 'fast', 2.00, 1.6000),
	('t5', 20250304, '2025-03-04 14:00Z', 2, 1, 3, 30.00, 'failed', 2.500, 'medium', 2.00, 0),
	('t6', 20250304, '2025-03-04 18:00Z', NULL, 2, NULL, 40.00, 'success', NULL, NULL, 1.00, 0.4000),
	('t7', 20250312, '2025-03-12 10:00Z', 3, 2, 2, 120.00, 'success', 4.000, 'medium', 1.00, 1.2000);

INSERT INTO analytics.fact_interactions (interaction_id, date_key, interaction_ts, customer_key, channel_key,
	interaction_type, duration_seconds, status) VALUES
	('i1', 20250301, '2025-03-01 09:30Z', 1, 4, 'complaint', 300.000, 'resolved'),
	('i2', 20250301, '2025-03-01 10:00Z', 3, 4, 'complaint', 120.500, 'unresolved'),
	('i3', 20250301, '2025-03-01 11:00Z', 4, 4, 'complaint', NULL, 'abandoned'),
	('i4', 20250301, '2025-03-01 12:00Z', 4, 3, 'inquiry', 60.000, 'resolved'),
	('i5', 20250302, '2025-03-02 08:00Z', NULL, NULL, 'inquiry', 45.000, 'resolved');

-- Before any refresh the summaries are empty: no new customers, and the
-- 7-day averages read nothing (0).
SELECT day, new_customers, revenue_7d_avg FROM analytics.kpi_daily ORDER BY day;

-- The loader refreshes the days it touched; here in two ranges.
SELECT analytics.refresh_retail_summaries('2025-03-01', '2025-03-31');
SELECT analytics.refresh_retail_summaries('2025-04-01', '2025-04-30');
-- Daily totals, by hand: sales revenue 03-01 20 + 18 + 10 = 48, 03-02 28.50,
-- 03-04 36 + 10 + 7.50 = 53.50, 03-10 14, 04-02 10 + 40 = 50; payments 03-01
-- t1 t1b t2 t3: revenue 4, 4 payments, 2 failed, 1.5 + 2 + 6 + 3 = 12.5 s over
-- 4 timed; 03-03 t4; 03-04 t5 t6: 0.4, 2 payments, 1 failed, 2.5 s over 1
-- timed; 03-12 t7. Days with neither (03-05 ...) have no row.
SELECT * FROM analytics.retail_daily_totals ORDER BY day;
-- First completed purchases: c1 and c2 03-01; c3 03-02 (its 03-01 line was
-- cancelled); c4 04-02.
SELECT * FROM analytics.customer_first_purchase ORDER BY customer_id;

-- kpi_daily, by hand (completed lines only; data starts 03-01):
--   03-01: s01 s02 s03: revenue 48.00, orders o1 o2 = 2, units 2+1+1 = 4,
--     AOV 48/2 = 24.00, cost 12+12+6 = 30, profit 18.00, margin 18/48 =
--     37.50%, customers c1 c2 = 2, new 2 (c1, c2); 7-day: 1 day, 48/1 = 48.00
--   03-02: s05: 28.50, 1, 3, 28.50, cost 18, profit 10.50, margin 10.5/28.5 =
--     36.842% -> 36.84, customers 1, new 1 (c3); 7-day: 2 days, (48 +
--     28.5)/2 = 38.25
--   03-04: s07 s08 s09: 36 + 10 + 7.5 = 53.50, orders 3, units 4, AOV
--     53.5/3 = 17.833 -> 17.83, cost 24+6+6 = 36, profit 17.50, margin
--     17.5/53.5 = 32.710% -> 32.71, customers c1 (keys 1 and 2) and c2 = 2
--     (3 keys), new 0; 7-day: 4 days (03-01..03-04, 03-03 empty counts 0),
--     (48 + 28.5 + 0 + 53.5)/4 = 130/4 = 32.50
--   03-10: s10: 14.00, 1, 1, 14.00, cost 12, profit 2.00, margin 2/14 =
--     14.286% -> 14.29, customers 1, new 0; 7-day: 03-04..03-10, 7 days,
--     (53.5 + 14)/7 = 9.643 -> 9.64
--   04-02: s11 s12: 10 + 40 = 50.00, orders 2, units 2+5 = 7, AOV 25.00; s11
--     has no cost: profit and margin NULL; customers c4 c1 = 2, new 1 (c4);
--     7-day: 03-27..04-02, 50/7 = 7.143 -> 7.14
SELECT * FROM analytics.kpi_daily ORDER BY day;

-- sales_daily, by hand: 03-01 (Saturday): store s1 without channel: s01 s02
-- = 38.00, 1 order, 3 units, 1 customer; Web without store: s03 = 10.00.
-- 03-02 (Sunday): s1 s05 28.50, 3 units. 03-04 (Tuesday): s1 s09 7.50; Web
-- s07 s08 = 46.00, orders o5 o6 = 2, 3 units, customers 1 (c1 under keys 1
-- and 2), AOV 23.00. 03-10 (Monday): s1 s10 14.00. 04-02 (Wednesday): s1 s12
-- 40.00, 5 units; Web s11 10.00, 2 units.
SELECT * FROM analytics.sales_daily ORDER BY day, store_id NULLS LAST;

-- sales_monthly, by hand:
--   March: revenue 48 + 28.5 + 53.5 + 14 = 144.00, orders o1 o2 o4 o5 o6 o7
--     o8 = 7, units 4+3+4+1 = 12, customers c1 c2 c3 = 3, new 3, AOV 144/7 =
--     20.571 -> 20.57, cost 30+18+36+12 = 96, profit 48.00, margin 33.33;
--     February had no sales: previous 0.00, growth NULL
--   April: 50.00, 2 orders, 7 units, 2 customers, new 1 (c4), AOV 25.00,
--     profit and margin NULL (s11), previous 144.00, growth (50 - 144)/144 =
--     -65.278% -> -65.28
SELECT * FROM analytics.sales_monthly ORDER BY month;

-- top_products, by hand:
--   March p1: s01 s03 s05 s08 s09 = 20 + 10 + 28.5 + 10 + 7.5 = 76.00, units
--     2+1+3+1+1 = 8, orders o1 o2 o4 o6 o7 = 5, customers c1 c2 c3 = 3,
--     price 76/8 = 9.50
--   March p2: s02 s07 s10 = 18 + 36 + 14 = 68.00, units 4, orders o1 o5 o8 =
--     3, customers c1 c3 = 2, price 17.00
--   April p1: s12 40.00, 5 units, price 8.00; April p3: s11 10.00, 2 units,
--     price 5.00
SELECT * FROM analytics.top_products ORDER BY month, revenue DESC;

-- category_sales, by hand (shares of 144 in March, 50 in April):
--   March Electronics/Gadgets: 76.00, 8 units, 5 orders, 3 customers, cost
--     12+6+18+6+6 = 48, profit 28.00, margin 28/76 = 36.84, share 52.78
--   March Home/Kitchen: 68.00, 4, 3, 2, cost 12+24+12 = 48, profit 20.00,
--     margin 20/68 = 29.41, share 47.22
--   April Electronics/Gadgets: 40.00, 5, 1, 1, profit 10.00, margin 25.00,
--     share 80.00; April Home/Misc: 10.00, 2, 1, 1, profit NULL, share 20.00
SELECT * FROM analytics.category_sales ORDER BY month, category, subcategory;

-- payment_methods, by hand:
--   March card: s01 s02 s07 s08 s10 = 20+18+36+10+14 = 98.00, orders o1 o5 o6
--     o8 = 4, AOV 24.50, customers c1 c3 = 2, share 98/144 = 68.06
--   March cash: s05 28.50, 1 order, share 19.79; upi: s03 s09 = 17.50, 2
--     orders, AOV 8.75, 1 customer (c2), share 12.15
--   April card: 50.00, 2 orders, AOV 25.00, 2 customers, share 100.00
SELECT * FROM analytics.payment_methods ORDER BY month, payment_method;

-- sales_geography (the customer's location at the sale), by hand:
--   March Pune: c1 before moving (s01 s02 s07) and c3 (s05 s10): 20 + 18 +
--     36 + 28.5 + 14 = 116.50, orders o1 o5 o4 o8 = 4, units 2+1+2+3+1 = 9,
--     2 customers, AOV 116.5/4 = 29.125 -> 29.13
--   March Mumbai: c1 after moving (s08) 10.00; March Delhi: c2 (s03 s09)
--     17.50, 2 orders, 2 units, AOV 8.75
--   April Mumbai: s12 40.00; April Delhi: c4 s11 10.00
SELECT * FROM analytics.sales_geography ORDER BY month, region, state, city;

-- customer_segments (segment at the sale), by hand:
--   March consumer: c1 as consumer (s01 s02 s07) and c3 (s05 s10): 2
--     customers, 4 orders, 9 units, 116.50, AOV 29.13, 58.25 a customer, 2.00
--     orders a customer
--   March corporate: c2: 1, 2 orders, 2 units, 17.50, AOV 8.75, 17.50, 2.00
--   March vip: c1 after the change (s08): 1, 1, 1, 10.00
--   April consumer: c4 (s11) 10.00, 2 units; April vip: c1 (s12) 40.00
SELECT * FROM analytics.customer_segments ORDER BY month, segment;

-- product_performance (all lines), by hand:
--   March p1: 5 completed lines, units 8, revenue 76.00, cost 48.00, profit
--     28.00, margin 36.84, discount 1.50 + 2.50 = 4.00, no returns or
--     cancellations: rates 0.00
--   March p2: lines s02 s04 (cancelled) s06 (returned) s07 s10 = 5, units
--     1+2+1 = 4, revenue 68.00, cost 48.00, profit 20.00, margin 29.41,
--     discount 2+4+6 = 12.00, return rate 1/(3 + 1) = 25.00, cancellation
--     rate 1/5 = 20.00
--   April p1: s12: 5 units, 40.00, cost 30.00, profit 10.00, margin 25.00,
--     discount 10.00; April p3: s11: 2 units, 10.00, cost/profit/margin NULL
SELECT * FROM analytics.product_performance ORDER BY month, product_id;

-- discount_analysis, by hand:
--   March none: s01 s03 s08: 3 lines, orders o1 o2 o6 = 3, units 4, list 40,
--     discount 0, revenue 40.00, 0.00%, 4/3 = 1.33 units a line, cost 24,
--     profit 16.00, margin 40.00
--   March 0-10%: s05: 1, 1, 3, list 30, discount 1.50, 28.50, 5.00%, 3.00,
--     profit 10.50, margin 36.84
--   March 10-20%: s02 s07: 2 lines, orders o1 o5, units 3, list 20 + 40 =
--     60, discount 6, revenue 54.00, 10.00%, 1.50, cost 36, profit 18.00,
--     margin 33.33
--   March 20-30%: s09: 1, 1, 1, list 10, discount 2.50, 7.50, 25.00%, 1.00,
--     profit 1.50, margin 20.00
--   March 30%+: s10: 1, 1, 1, list 20, discount 6, 14.00, 30.00%, profit
--     2.00, margin 14.29
--   April none: s11: 1, 1, 2, list 10, 10.00, 0.00%, 2.00, profit NULL
--   April 20-30%: s12: 1, 1, 5, list 50, discount 10, 40.00, 20.00%, 5.00,
--     profit 10.00, margin 25.00
SELECT * FROM analytics.discount_analysis ORDER BY month, band_order;

-- customer_value, by hand. as_of = 2025-04-02 (the last day with an order
-- line). Tenure days = as_of - first purchase + 1; frequency = orders x
-- 365.25 / greatest(days, 90); lifespan = the average tenure of the current
-- segment; clv = revenue / orders x frequency x lifespan.
--   c1 (current: vip, Mumbai): s01 s02 s07 s08 s12, orders o1 o5 o6 o10 = 4,
--     revenue 20+18+36+10+40 = 124.00, AOV 31.00, first 03-01, last 04-02,
--     33 days: tenure 33/365.25 = 0.0903, frequency 4 x 365.25/90 = 16.2333;
--     lifespan (vip: c1 only) 0.0903; clv = 124 x 365.25/90 x 33/365.25 =
--     124 x 33/90 = 45.467 -> 45.47
--   c2 (corporate): s03 s09, 2 orders, 17.50, AOV 8.75, 03-01..03-04, 33
--     days, tenure 0.0903, frequency 2 x 365.25/90 = 8.1167, lifespan 0.0903,
--     clv = 17.5 x 33/90 = 6.417 -> 6.42
--   c3 (consumer): s05 s10, 2 orders, 42.50, AOV 21.25, 03-02..03-10, 32
--     days, tenure 32/365.25 = 0.0876, frequency 8.1167; lifespan (consumer:
--     c3 32 days, c4 1 day) 16.5/365.25 = 0.0452; clv = 42.5 x 16.5/90 =
--     7.792 -> 7.79
--   c4 (consumer): s11, 1 order, 10.00, 04-02 only, 1 day: tenure 0.0027,
--     frequency 365.25/90 = 4.0583 (the 90-day floor), lifespan 0.0452, clv =
--     10 x 16.5/90 = 1.833 -> 1.83
SELECT * FROM analytics.customer_value ORDER BY customer_id;

-- payment_kpis, by hand:
--   03-01 Credit Card Pune consumer (c1 before moving): t1 t1b: revenue 2, 2
--     transactions, 1 failed, 50.00%, (1.5 + 2)/2 = 1.750 s
--   03-01 Credit Card Delhi corporate: t2: 0, 1, 1 failed, 100.00%, 6.000
--   03-01 UPI Pune consumer: t3: 2, 1, 0, 0.00%, 3.000
--   03-03 Credit Card Pune consumer: t4: 1.6, 3-04 Credit Card Mumbai vip
--   (c1 after moving): t5 failed, 100.00%, 2.500; 03-04 UPI without city or
--   customer: t6 0.4, no time (NULL); 03-12 UPI Delhi corporate: t7 1.2, 4.000
SELECT * FROM analytics.payment_kpis ORDER BY day, channel, city NULLS LAST;

-- payment_kpis_daily, by hand (payments start 03-01):
--   03-01: revenue 4, 4 transactions, 2 failed, 50.00%, 12.5/4 = 3.125 s;
--     7 days (1 day): 4.0000, 50.00, 3.125
--   03-03: 1.6, 1, 0, 0.00, 1.000; 3 days: (4 + 0 + 1.6)/3 = 1.8667, failed
--     2/5 = 40.00, (12.5 + 1)/5 = 2.700
--   03-04: 0.4, 2, 1, 50.00, 2.500 (t6 has no time); 4 days: (4 + 1.6 +
--     0.4)/4 = 1.5000, 3/7 = 42.86, (12.5 + 1 + 2.5)/6 = 2.667
--   03-12: 1.2, 1, 0, 0.00, 4.000; 03-06..03-12: 1.2/7 = 0.1714, 0.00, 4.000
SELECT * FROM analytics.payment_kpis_daily ORDER BY day;

-- interaction_summary, by hand: 03-01 Phone complaint: i1 i2 i3, 1 resolved
-- (i2 unresolved, i3 abandoned), (300 + 120.5)/2 = 210.25 s (i3 has no
-- duration), 1/3 = 33.33%; 03-01 Web inquiry: i4, 60.00, 100.00%; 03-02
-- without channel: i5, 45.00, 100.00%.
SELECT * FROM analytics.interaction_summary ORDER BY day, channel NULLS LAST;

-- Refresh: one call for everything gives the same summaries; so does a
-- repeated call.
CREATE TEMP TABLE totals_before AS SELECT * FROM analytics.retail_daily_totals;
CREATE TEMP TABLE firsts_before AS SELECT * FROM analytics.customer_first_purchase;
SELECT analytics.refresh_retail_summaries('-infinity', 'infinity');
SELECT analytics.refresh_retail_summaries('2025-03-01', '2025-03-01');
SELECT (SELECT count(*) FROM (TABLE totals_before EXCEPT TABLE analytics.retail_daily_totals) x)
	+ (SELECT count(*) FROM (TABLE analytics.retail_daily_totals EXCEPT TABLE totals_before) x) AS totals_differ,
	(SELECT count(*) FROM (TABLE firsts_before EXCEPT TABLE analytics.customer_first_purchase) x)
	+ (SELECT count(*) FROM (TABLE analytics.customer_first_purchase EXCEPT TABLE firsts_before) x) AS firsts_differ;

-- Facts change; refreshing the days changed follows them.
BEGIN;
-- c3's only 03-02 line is returned after all: c3's first purchase moves to
-- 03-10, 03-02 has no completed sale and no payment (its row goes), and
-- 03-10 gains a new customer.
UPDATE analytics.fact_sales SET status = 'returned' WHERE sale_id = 's05';
SELECT analytics.refresh_retail_summaries('2025-03-02', '2025-03-02');
SELECT * FROM analytics.customer_first_purchase WHERE customer_id = 'c3';
SELECT day, sales_revenue FROM analytics.retail_daily_totals WHERE day BETWEEN '2025-03-01' AND '2025-03-04' ORDER BY day;
-- 7-day average of 03-04: (48 + 0 + 0 + 53.5)/4 = 25.375 -> 25.38
SELECT day, revenue, new_customers, revenue_7d_avg FROM analytics.kpi_daily WHERE day < '2025-04-01' ORDER BY day;
-- c4 buys on 03-05, before its first purchase so far (04-02): refreshing
-- 03-05 alone moves it.
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, quantity,
	unit_price, discount, total_amount, cost_amount, status)
VALUES ('s13', 'o11', 20250305, '2025-03-05 08:00Z', 5, 1, 1, 10.00, 0, 10.00, 6.00, 'completed');
SELECT analytics.refresh_retail_summaries('2025-03-05', '2025-03-05');
SELECT * FROM analytics.customer_first_purchase WHERE customer_id = 'c4';
-- c4's lines go away: refreshing their days drops c4.
DELETE FROM analytics.fact_sales WHERE customer_key = 5;
SELECT analytics.refresh_retail_summaries('2025-03-05', '2025-04-02');
SELECT count(*) AS c4_rows FROM analytics.customer_first_purchase WHERE customer_id = 'c4';
ROLLBACK;

-- Errors.
SELECT analytics.refresh_retail_summaries(NULL, '2025-03-01');
SELECT analytics.refresh_retail_summaries('2025-03-02', '2025-03-01');

-- Power BI DirectQuery shape: the view in two subselects, a filter, a group
-- by and LIMIT 1000001. Same rows as the direct queries.
SELECT "_"."day", SUM("_"."revenue") AS "a0", SUM("_"."orders") AS "a1"
FROM (SELECT "day", "revenue", "orders" FROM (SELECT * FROM analytics.kpi_daily) "$Table") "_"
WHERE "_"."day" >= DATE '2025-03-01' AND "_"."day" < DATE '2025-04-01'
GROUP BY "_"."day"
ORDER BY 1
LIMIT 1000001;
SELECT count(*) AS rows_differ FROM (
	(SELECT "_"."day", SUM("_"."revenue"), SUM("_"."revenue_7d_avg"), SUM("_"."new_customers")
	FROM (SELECT * FROM analytics.kpi_daily) "_"
	WHERE "_"."day" >= DATE '2025-03-01' AND "_"."day" < DATE '2025-04-01'
	GROUP BY "_"."day" LIMIT 1000001)
	EXCEPT
	SELECT day, revenue, revenue_7d_avg, new_customers FROM analytics.kpi_daily
	WHERE day >= '2025-03-01' AND day < '2025-04-01'
) x;
SELECT count(*) AS rows_differ FROM (
	SELECT day, revenue, revenue_7d_avg, new_customers FROM analytics.kpi_daily
	WHERE day >= '2025-03-01' AND day < '2025-04-01'
	EXCEPT
	(SELECT "_"."day", SUM("_"."revenue"), SUM("_"."revenue_7d_avg"), SUM("_"."new_customers")
	FROM (SELECT * FROM analytics.kpi_daily) "_"
	WHERE "_"."day" >= DATE '2025-03-01' AND "_"."day" < DATE '2025-04-01'
	GROUP BY "_"."day" LIMIT 1000001)
) x;
-- Measures summed by a dimension column.
SELECT "_"."channel", SUM("_"."revenue") AS "a0", SUM("_"."transactions") AS "a1", SUM("_"."failed") AS "a2"
FROM (SELECT "channel", "revenue", "transactions", "failed", "day" FROM (SELECT * FROM analytics.payment_kpis) "$Table") "_"
WHERE "_"."day" >= DATE '2025-03-01' AND "_"."day" < DATE '2025-03-05'
GROUP BY "_"."channel"
ORDER BY 1
LIMIT 1000001;
SELECT channel, sum(revenue), sum(transactions), sum(failed) FROM analytics.payment_kpis
WHERE day >= '2025-03-01' AND day < '2025-03-05' GROUP BY channel ORDER BY 1;
SELECT "_"."region", SUM("_"."revenue") AS "a0"
FROM (SELECT "region", "revenue", "month" FROM (SELECT * FROM analytics.sales_geography) "$Table") "_"
WHERE "_"."month" = DATE '2025-03-01'
GROUP BY "_"."region"
ORDER BY 1
LIMIT 1000001;
SELECT "_"."category", SUM("_"."revenue") AS "a0", SUM("_"."units") AS "a1"
FROM (SELECT * FROM analytics.top_products) "_"
WHERE "_"."month" >= DATE '2025-03-01' AND "_"."month" < DATE '2025-05-01' AND "_"."category" = 'Home'
GROUP BY "_"."category"
LIMIT 1000001;
SELECT "_"."interaction_type", SUM("_"."interactions") AS "a0", SUM("_"."resolved") AS "a1"
FROM (SELECT * FROM analytics.interaction_summary) "_"
WHERE "_"."day" = DATE '2025-03-01'
GROUP BY "_"."interaction_type"
ORDER BY 1
LIMIT 1000001;
-- A customer filter on customer_value and a segment filter give that
-- customer's row as above.
SELECT customer_id, orders, revenue, clv FROM (SELECT * FROM analytics.customer_value) "_"
WHERE "_"."customer_id" = 'c3' LIMIT 1000001;
SELECT customer_id, clv FROM (SELECT * FROM analytics.customer_value) "_"
WHERE "_"."segment" = 'consumer' ORDER BY 1 LIMIT 1000001;

-- Every column is a plain scalar (no timestamptz, arrays, json, intervals,
-- composites); every numeric column has a declared precision.
SELECT c.relname AS view, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS columns
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind = 'v'
	AND c.relname IN ('kpi_daily', 'sales_daily', 'sales_monthly', 'top_products', 'category_sales',
		'payment_methods', 'sales_geography', 'customer_segments', 'product_performance', 'discount_analysis',
		'customer_value', 'payment_kpis', 'payment_kpis_daily', 'interaction_summary')
GROUP BY c.relname ORDER BY c.relname;
SELECT c.relname AS view, a.attname AS bad_column, format_type(a.atttypid, a.atttypmod) AS type
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relnamespace = 'analytics'::regnamespace AND c.relkind = 'v'
	AND c.relname IN ('kpi_daily', 'sales_daily', 'sales_monthly', 'top_products', 'category_sales',
		'payment_methods', 'sales_geography', 'customer_segments', 'product_performance', 'discount_analysis',
		'customer_value', 'payment_kpis', 'payment_kpis_daily', 'interaction_summary')
	AND (t.typtype <> 'b' OR t.typcategory = 'A'
		OR t.oid IN ('json'::regtype, 'jsonb'::regtype, 'interval'::regtype, 'timestamptz'::regtype)
		OR (t.oid = 'numeric'::regtype AND a.atttypmod = -1));

-- Readers read every view and the summaries, not staging or the rejects;
-- only admins refresh.
SET ROLE analytics_reader;
SELECT (SELECT count(*) FROM analytics.kpi_daily) AS kpi_daily,
	(SELECT count(*) FROM analytics.sales_daily) AS sales_daily,
	(SELECT count(*) FROM analytics.sales_monthly) AS sales_monthly,
	(SELECT count(*) FROM analytics.top_products) AS top_products,
	(SELECT count(*) FROM analytics.category_sales) AS category_sales,
	(SELECT count(*) FROM analytics.payment_methods) AS payment_methods,
	(SELECT count(*) FROM analytics.sales_geography) AS sales_geography;
SELECT (SELECT count(*) FROM analytics.customer_segments) AS customer_segments,
	(SELECT count(*) FROM analytics.product_performance) AS product_performance,
	(SELECT count(*) FROM analytics.discount_analysis) AS discount_analysis,
	(SELECT count(*) FROM analytics.customer_value) AS customer_value,
	(SELECT count(*) FROM analytics.payment_kpis) AS payment_kpis,
	(SELECT count(*) FROM analytics.payment_kpis_daily) AS payment_kpis_daily,
	(SELECT count(*) FROM analytics.interaction_summary) AS interaction_summary,
	(SELECT count(*) FROM analytics.retail_daily_totals) AS retail_daily_totals,
	(SELECT count(*) FROM analytics.customer_first_purchase) AS customer_first_purchase;
SELECT count(*) FROM analytics.stg_sales;
SELECT count(*) FROM analytics.load_rejects;
SELECT analytics.refresh_retail_summaries('2025-03-01', '2025-03-01');
RESET ROLE;
SET ROLE analytics_admin;
SELECT analytics.refresh_retail_summaries('2025-03-01', '2025-03-01');
SELECT count(*) AS kpi_days FROM analytics.kpi_daily;
-- the refresh of the loads' days: no load ran here (the facts were
-- inserted by hand), so it refreshes nothing, and the watermark stays at 0
SELECT * FROM analytics.refresh_retail_summaries();
SELECT last_run_id, refreshed_at FROM analytics_internal.retail_summaries_watermark;
SELECT analytics.schedule_kpi_refresh();
RESET ROLE;
SELECT r.rolname, has_function_privilege(r.rolname, 'analytics.refresh_retail_summaries(date, date)', 'EXECUTE') AS refresh,
	has_function_privilege(r.rolname, 'analytics.refresh_retail_summaries()', 'EXECUTE') AS refresh_loads,
	has_function_privilege(r.rolname, 'analytics.schedule_kpi_refresh(text)', 'EXECUTE') AS schedule
FROM pg_roles r WHERE r.rolname IN ('analytics_reader', 'analytics_writer', 'analytics_admin')
ORDER BY r.rolname;
-- Scheduling the refresh: needs pg_cron; a named job, so scheduling twice
-- keeps one job.
CREATE EXTENSION pg_cron;
SET ROLE analytics_admin;
SELECT analytics.schedule_kpi_refresh() > 0 AS scheduled;
SELECT analytics.schedule_kpi_refresh('*/15 * * * *') > 0 AS rescheduled;
RESET ROLE;
SELECT jobname, schedule, command, username = current_user AS as_owner FROM cron.job;
SELECT analytics.schedule_kpi_refresh('not a schedule');
DROP EXTENSION pg_cron;
-- The summary tables (the daily ones materialized aggregates) and the
-- watermark keep their rows through pg_dump; retail_daily_totals is a view
-- of two of them.
SELECT c.relname, c.relkind, c.oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'analytics')::oid[]) AS dumped
FROM pg_class c WHERE c.oid IN ('analytics.retail_daily_totals'::regclass, 'analytics.customer_first_purchase'::regclass,
	'analytics_internal.retail_summaries_watermark'::regclass, 'analytics.sales_days'::regclass,
	'analytics.payment_days'::regclass, 'analytics.metrics_products'::regclass)
ORDER BY 1;

-- Index use: a year of generated order lines (2024, 80 a day, in time
-- order as the loader writes them), payments and interactions (30 a day),
-- analyzed. A one-month filter on a view reaches the fact table's date_key
-- index through dim_date; no sequential scan of the facts.
SELECT analytics.fill_dim_date('2024-01-01', '2024-12-31') AS days;
INSERT INTO analytics.dim_customer (customer_key, customer_id, segment, city, valid_from)
SELECT 100 + i, 'g' || i, (ARRAY['consumer', 'corporate', 'vip'])[1 + i % 3], 'City ' || i % 20, '2023-01-01'
FROM generate_series(1, 500) i;
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, store_key,
	channel_key, payment_key, quantity, unit_price, discount, total_amount, cost_amount, status)
SELECT 'g' || n, 'go' || n / 3, to_char(ts, 'YYYYMMDD')::int, ts, 101 + n % 500, 1 + n % 2, 1, 3, 1 + n % 3,
	1 + n % 4, 10.00, 0, 10.00 * (1 + n % 4), 6.00 * (1 + n % 4),
	CASE WHEN n % 20 = 0 THEN 'returned' WHEN n % 25 = 0 THEN 'cancelled' ELSE 'completed' END
FROM generate_series(0, 366 * 80 - 1) n, LATERAL (SELECT '2024-01-01'::timestamptz + n * interval '18 minutes' AS ts) t;
INSERT INTO analytics.fact_payments (transaction_id, date_key, txn_ts, customer_key, channel_key, city_key, amount,
	status, processing_time, processing_delay_bucket, fee_percent, revenue)
SELECT 'gp' || n, to_char(ts, 'YYYYMMDD')::int, ts, 101 + n % 500, 1 + n % 2, 1 + n % 3, 50.00,
	CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'success' END, 1.000, 'fast', 1.00, CASE WHEN n % 10 = 0 THEN 0 ELSE 0.5 END
FROM generate_series(0, 366 * 30 - 1) n, LATERAL (SELECT '2024-01-01'::timestamptz + n * interval '48 minutes' AS ts) t;
INSERT INTO analytics.fact_interactions (interaction_id, date_key, interaction_ts, customer_key, channel_key,
	interaction_type, duration_seconds, status)
SELECT 'gi' || n, to_char(ts, 'YYYYMMDD')::int, ts, 101 + n % 500, 4, 'inquiry', 60, 'resolved'
FROM generate_series(0, 366 * 30 - 1) n, LATERAL (SELECT '2024-01-01'::timestamptz + n * interval '48 minutes' AS ts) t;
SELECT analytics.refresh_retail_summaries('2024-01-01', '2024-12-31');
ANALYZE analytics.dim_date, analytics.dim_customer, analytics.fact_sales, analytics.fact_payments,
	analytics.fact_interactions, analytics.customer_first_purchase, analytics.sales_days, analytics.payment_days;
SET max_parallel_workers_per_gather = 0;
-- kpi_daily reads the day's figures from the materialized sales_days (its
-- _live view, refreshed above): the relations read are that table and the
-- refresh state, no fact
SELECT pg_temp.partitions_read($q$SELECT "_"."day", SUM("_"."revenue") AS "a0"
FROM (SELECT "day", "revenue" FROM (SELECT * FROM analytics.kpi_daily) "$Table") "_"
WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01'
GROUP BY "_"."day"
LIMIT 1000001$q$) AS relations_read;
-- (dim_customer is not joined: customers are counted in sales_days.)
SELECT pg_temp.plan_mentions($q$SELECT "_"."day", SUM("_"."revenue") AS "a0" FROM (SELECT "day", "revenue" FROM (SELECT * FROM analytics.kpi_daily) "$Table") "_" WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01' GROUP BY "_"."day" LIMIT 1000001$q$,
		'dim_customer') AS joins_customers,
	pg_temp.plan_mentions($q$SELECT "_"."day", SUM("_"."customers") AS "a0" FROM (SELECT "day", "customers" FROM (SELECT * FROM analytics.kpi_daily) "$Table") "_" WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01' GROUP BY "_"."day" LIMIT 1000001$q$,
		'dim_customer') AS joins_customers_for_customers;
CREATE TEMP TABLE month_queries (view text, query text);
INSERT INTO month_queries VALUES
	('kpi_daily', $q$SELECT "_"."day", SUM("_"."revenue"), SUM("_"."revenue_7d_avg"), SUM("_"."new_customers") FROM (SELECT * FROM analytics.kpi_daily) "_" WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01' GROUP BY "_"."day" LIMIT 1000001$q$),
	('sales_daily', $q$SELECT "_"."store_name", SUM("_"."revenue") FROM (SELECT * FROM analytics.sales_daily) "_" WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01' GROUP BY "_"."store_name" LIMIT 1000001$q$),
	('sales_monthly', $q$SELECT "_"."month", SUM("_"."revenue"), SUM("_"."mom_growth_pct") FROM (SELECT * FROM analytics.sales_monthly) "_" WHERE "_"."month" >= DATE '2024-03-01' AND "_"."month" < DATE '2024-04-01' GROUP BY "_"."month" LIMIT 1000001$q$),
	('top_products', $q$SELECT "_"."product_name", SUM("_"."revenue") FROM (SELECT * FROM analytics.top_products) "_" WHERE "_"."month" = DATE '2024-03-01' GROUP BY "_"."product_name" LIMIT 1000001$q$),
	('category_sales', $q$SELECT "_"."category", SUM("_"."revenue") FROM (SELECT * FROM analytics.category_sales) "_" WHERE "_"."month" = DATE '2024-03-01' GROUP BY "_"."category" LIMIT 1000001$q$),
	('payment_methods', $q$SELECT "_"."payment_method", SUM("_"."revenue") FROM (SELECT * FROM analytics.payment_methods) "_" WHERE "_"."month" = DATE '2024-03-01' GROUP BY "_"."payment_method" LIMIT 1000001$q$),
	('sales_geography', $q$SELECT "_"."city", SUM("_"."revenue") FROM (SELECT * FROM analytics.sales_geography) "_" WHERE "_"."month" = DATE '2024-03-01' GROUP BY "_"."city" LIMIT 1000001$q$),
	('customer_segments', $q$SELECT "_"."segment", SUM("_"."revenue") FROM (SELECT * FROM analytics.customer_segments) "_" WHERE "_"."month" = DATE '2024-03-01' GROUP BY "_"."segment" LIMIT 1000001$q$),
	('product_performance', $q$SELECT "_"."product_name", SUM("_"."gross_profit") FROM (SELECT * FROM analytics.product_performance) "_" WHERE "_"."month" = DATE '2024-03-01' GROUP BY "_"."product_name" LIMIT 1000001$q$),
	('discount_analysis', $q$SELECT "_"."discount_band", SUM("_"."revenue") FROM (SELECT * FROM analytics.discount_analysis) "_" WHERE "_"."month" = DATE '2024-03-01' GROUP BY "_"."discount_band" LIMIT 1000001$q$),
	('payment_kpis', $q$SELECT "_"."channel", SUM("_"."revenue") FROM (SELECT * FROM analytics.payment_kpis) "_" WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01' GROUP BY "_"."channel" LIMIT 1000001$q$),
	('payment_kpis_daily', $q$SELECT "_"."day", SUM("_"."failure_rate_7d") FROM (SELECT * FROM analytics.payment_kpis_daily) "_" WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01' GROUP BY "_"."day" LIMIT 1000001$q$),
	('interaction_summary', $q$SELECT "_"."channel", SUM("_"."interactions") FROM (SELECT * FROM analytics.interaction_summary) "_" WHERE "_"."day" >= DATE '2024-03-01' AND "_"."day" < DATE '2024-04-01' GROUP BY "_"."channel" LIMIT 1000001$q$);
-- the date index of the facts, or the day index of a materialized table;
-- no sequential scan of a fact that runs (EXPLAIN ANALYZE: a _live view's
-- branch for a pending full rebuild is planned, not run)
CREATE FUNCTION pg_temp.seq_scans_facts(query text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	plan jsonb;
BEGIN
	EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query INTO plan;
	RETURN EXISTS (SELECT FROM jsonb_path_query(plan, 'strict $.**') AS n
		WHERE jsonb_typeof(n) = 'object' AND n ->> 'Node Type' = 'Seq Scan'
			AND n ->> 'Relation Name' LIKE 'fact\_%' AND (n ->> 'Actual Loops')::int > 0);
END
$$;
SELECT view,
	pg_temp.plan_mentions(query, 'Scan using fact_%_date on fact_')
		OR pg_temp.plan_mentions(query, 'Bitmap Index Scan on fact_%_date')
		OR pg_temp.plan_mentions(query, 'Index Scan on %_days_day_idx') AS date_index,
	pg_temp.seq_scans_facts(query) AS seq_scan_of_facts
FROM month_queries ORDER BY view;
-- A customer filter on customer_value reaches the customer index of the facts.
SELECT pg_temp.plan_mentions($q$SELECT * FROM (SELECT * FROM analytics.customer_value) "_" WHERE "_"."customer_id" = 'g7' LIMIT 1000001$q$,
		'fact_sales_customer') AS customer_index;
RESET max_parallel_workers_per_gather;

DROP EXTENSION analytics;
