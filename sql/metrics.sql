-- The metric catalog: the shipped metrics on a small fixture, each value
-- worked out by hand below; grains; dimensions; ratios over periods (never
-- an average of daily ratios); validation; privileges.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

-- The warehouse, inserted directly (the loader's guarantees kept by hand).
-- c1 has two versions (keys 1 and 2), c2 one (key 3); p2 has no unit cost.
SELECT analytics.fill_dim_date('2026-01-01', '2026-03-31') AS days;
INSERT INTO analytics.dim_customer (customer_key, customer_id, full_name, segment, valid_from, valid_to, is_current) VALUES
	(1, 'c1', 'A', 'consumer', '2025-01-01 00:00Z', '2026-02-01 00:00Z', false),
	(2, 'c1', 'A', 'vip', '2026-02-01 00:00Z', 'infinity', true),
	(3, 'c2', 'B', 'consumer', '2025-01-01 00:00Z', 'infinity', true);
INSERT INTO analytics.dim_product (product_key, product_id, product_name, unit_cost, unit_price, active) VALUES
	(1, 'p1', 'Widget', 6.00, 10.00, true), (2, 'p2', 'Box', NULL, 5.00, true);
INSERT INTO analytics.dim_channel (channel_key, channel_id, channel_name, channel_type, fee_percent, active) VALUES
	(1, 'ch1', 'Card', 'card', 2.00, true);
-- Sales: 01-05 o1 (c1: p1 2 x 10 = 20, cost 12; p2 5, no cost); 01-06 o2
-- (c2: p1 10, cost 6) and o5 (c2: p1 10, cost 6); 02-10 o3 (c1's second
-- version: p1 3 x 10 = 30, cost 18) and o4 (returned: left out).
INSERT INTO analytics.fact_sales (sale_id, order_id, date_key, sale_ts, customer_key, product_key, channel_key,
	quantity, unit_price, discount, total_amount, cost_amount, status) VALUES
	('s1', 'o1', 20260105, '2026-01-05 10:00Z', 1, 1, 1, 2, 10.00, 0, 20.00, 12.00, 'completed'),
	('s2', 'o1', 20260105, '2026-01-05 10:00Z', 1, 2, 1, 1, 5.00, 0, 5.00, NULL, 'completed'),
	('s3', 'o2', 20260106, '2026-01-06 09:00Z', 3, 1, 1, 1, 10.00, 0, 10.00, 6.00, 'completed'),
	('s6', 'o5', 20260106, '2026-01-06 15:00Z', 3, 1, 1, 1, 10.00, 0, 10.00, 6.00, 'completed'),
	('s4', 'o3', 20260210, '2026-02-10 12:00Z', 2, 1, 1, 3, 10.00, 0, 30.00, 18.00, 'completed'),
	('s5', 'o4', 20260210, '2026-02-10 13:00Z', 3, 1, 1, 1, 10.00, 0, 10.00, 6.00, 'returned');
-- Payments: 01-05 t1 success 2.0 s, t2 failed 4.0 s; 01-06 t3 success (no
-- time); 02-10 t4 failed 1.0 s.
INSERT INTO analytics.fact_payments (transaction_id, date_key, txn_ts, channel_key, amount, status, processing_time,
	fee_percent, revenue) VALUES
	('t1', 20260105, '2026-01-05 10:00Z', 1, 25.00, 'success', 2.000, 2.00, 0.5),
	('t2', 20260105, '2026-01-05 10:05Z', 1, 25.00, 'failed', 4.000, 2.00, 0),
	('t3', 20260106, '2026-01-06 09:00Z', 1, 20.00, 'success', NULL, 2.00, 0.4),
	('t4', 20260210, '2026-02-10 12:00Z', 1, 30.00, 'failed', 1.000, 2.00, 0);
SELECT analytics.refresh_retail_summaries('2026-01-01', '2026-03-31');
-- Events: u1 s1 01-05 10:00 home, 10:01 tap; u2 s2 01-05 11:00 home; u1 s3
-- 01-06 09:00 map, 09:02 tap; import steps (no session): u1 csv started
-- 01-05 09:00 and completed 09:30, u2 csv started 01-05 12:00, u2 ics
-- started 01-05 12:05, u1 ics started 01-06 10:00.
INSERT INTO analytics.events (event_id, occurred_at, received_at, event_name, session_id, user_id, screen, props)
SELECT gen_random_uuid(), v.ts, v.ts, v.name, v.sid, v.uid, v.screen, v.props::jsonb
FROM (VALUES
	('2026-01-05 10:00Z'::timestamptz, 'open_screen', 's1', 'u1', 'home', '{}'),
	('2026-01-05 10:01Z', 'tap', 's1', 'u1', NULL, '{}'),
	('2026-01-05 11:00Z', 'open_screen', 's2', 'u2', 'home', '{}'),
	('2026-01-06 09:00Z', 'open_screen', 's3', 'u1', 'map', '{}'),
	('2026-01-06 09:02Z', 'tap', 's3', 'u1', NULL, '{}'),
	('2026-01-05 09:00Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "csv", "step": "started"}'),
	('2026-01-05 09:30Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "csv", "step": "completed"}'),
	('2026-01-05 12:00Z', 'schedule_import_step', NULL, 'u2', NULL, '{"method": "csv", "step": "started"}'),
	('2026-01-05 12:05Z', 'schedule_import_step', NULL, 'u2', NULL, '{"method": "ics", "step": "started"}'),
	('2026-01-06 10:00Z', 'schedule_import_step', NULL, 'u1', NULL, '{"method": "ics", "step": "started"}')
) v(ts, name, sid, uid, screen, props);

SELECT name, aggregation, unit, coalesce(aggregate, '(query)') AS reads, dimension
FROM analytics.metrics ORDER BY name;

-- revenue: 01-05 25, 01-06 20, 02-10 30; the week of Monday 01-05 45, of
-- 02-09 30; January 45, February 30; Q1 and 2026 75.
SELECT * FROM analytics.metric_values('revenue', '2026-01-01', '2026-03-31');
SELECT g.grain, v.* FROM unnest(ARRAY['week', 'month', 'quarter', 'year']) g(grain),
	analytics.metric_values('revenue', '2026-01-01', '2026-03-31', g.grain) v ORDER BY g.grain, v.period_start;
-- the range cuts days: from 01-06 to 02-09, January is 20
SELECT * FROM analytics.metric_values('revenue', '2026-01-06', '2026-02-09', 'month');
-- transactions (orders): January 1 + 2 = 3, February 1; units: 2 + 1 + 1 +
-- 1 = 5, 3. average_transaction_value: January 45 / 3 = 15 (not the mean of
-- the daily averages, (25 + 10) / 2 = 17.5), February 30.
SELECT m.name, v.period_start, v.value FROM unnest(ARRAY['transactions', 'units_sold', 'average_transaction_value']) m(name),
	analytics.metric_values(m.name, '2026-01-01', '2026-03-31', 'month') v ORDER BY 1, 2;
-- new_customers: c1 on 01-05, c2 on 01-06 (c1's second version is not new):
-- January 2, nothing in February.
SELECT * FROM analytics.metric_values('new_customers', '2026-01-01', '2026-03-31', 'month');
-- profit per product-day: 01-05 p1 20 - 12 = 8, p2 unknown (no cost);
-- 01-06 p1 20 - 12 = 8; 02-10 p1 30 - 18 = 12. Months: 16 and 12 (the
-- unknown one left out); per product: p1 (key 1) 16 and 12, p2 (key 2)
-- unknown.
SELECT * FROM analytics.metric_values('profit', '2026-01-01', '2026-03-31', 'month');
SELECT * FROM analytics.metric_values('profit', '2026-01-01', '2026-03-31', 'month', '*');
SELECT * FROM analytics.metric_values('profit', '2026-01-01', '2026-03-31', 'month', '2');
-- payment_failure_rate: January 1 failed of 3 = 33.33..%, February 1 of 1 =
-- 100%; the year 2 of 4 = 50% (not the mean of the months, 66.67%).
-- average_processing_time: January (2 + 4) / 2 = 3 s, February 1 s, the
-- year 7 / 3 = 2.333.. s (the payment without a time left out).
SELECT m.name, v.period_start, round(v.value::numeric, 6) AS value
FROM unnest(ARRAY['payment_failure_rate', 'average_processing_time']) m(name),
	unnest(ARRAY['month', 'year']) g(grain),
	analytics.metric_values(m.name, '2026-01-01', '2026-03-31', g.grain) v ORDER BY 1, g.grain, 2;
-- daily_active_users: 01-05 u1, u2 = 2; 01-06 u1 = 1; January's mean 1.5.
-- sessions: 01-05 s1, s2; 01-06 s3: January 3.
SELECT m.name, v.period_start, v.value FROM unnest(ARRAY['daily_active_users', 'sessions']) m(name),
	unnest(ARRAY['day', 'month']) g(grain),
	analytics.metric_values(m.name, '2026-01-01', '2026-01-31', g.grain) v ORDER BY 1, g.grain, 2;
-- events per name in January: open_screen 3, schedule_import_step 5, tap 2;
-- of one name: open_screen 3; all names 10.
SELECT * FROM analytics.metric_values('events', '2026-01-01', '2026-01-31', 'month', '*');
SELECT * FROM analytics.metric_values('events', '2026-01-01', '2026-01-31', 'month', 'open_screen');
SELECT * FROM analytics.metric_values('events', '2026-01-01', '2026-01-31', 'month');
-- screen_time_seconds: s1 home 10:00 to 10:01 = 60 s, s2 home alone = 0 s,
-- s3 map 09:00 to 09:02 = 120 s: January home 60, map 120, all 180.
SELECT * FROM analytics.metric_values('screen_time_seconds', '2026-01-01', '2026-01-31', 'month', '*');
SELECT * FROM analytics.metric_values('screen_time_seconds', '2026-01-01', '2026-01-31', 'month');
-- import_funnel_completion_rate: csv 1 completed of 2 started = 50%, ics 0
-- of 2 = 0%, all 1 of 4 = 25%.
SELECT * FROM analytics.metric_values('import_funnel_completion_rate', '2026-01-01', '2026-01-31', 'month', '*');
SELECT * FROM analytics.metric_values('import_funnel_completion_rate', '2026-01-01', '2026-01-31', 'month');

-- A metric of one's own: a measure with a dimension filter (open_screen
-- events: 01-05 2, 01-06 1), and a query (payments' amount: 01-05 50, 01-06
-- 20, 02-10 30; last value per month: January 20, February 30).
SELECT analytics.create_metric('screen_opens', 'sum', 'event_days', measure => 'events',
	filters => '{"event_name": "open_screen"}', description => 'Screens opened');
SELECT * FROM analytics.metric_values('screen_opens', '2026-01-01', '2026-01-31');
SELECT analytics.create_metric('last_amount', 'last',
	query => 'SELECT d.day, d.amount::pg_catalog.float8 FROM analytics.payment_days d WHERE d.day BETWEEN $1 AND $2');
SELECT * FROM analytics.metric_values('last_amount', '2026-01-01', '2026-03-31', 'month');

-- Validation: each error names what is wrong.
SELECT analytics.create_metric('x; drop table y', 'sum', 'event_days', measure => 'events');
SELECT analytics.create_metric('revenue', 'sum', 'sales_days', measure => 'revenue');
SELECT analytics.create_metric('m1', 'median', 'sales_days', measure => 'revenue');
SELECT analytics.create_metric('m1', 'sum', 'sales_days', measure => 'no_such_column');
SELECT analytics.create_metric('m1', 'sum', 'no_such_aggregate', measure => 'revenue');
SELECT analytics.create_metric('m1', 'sum', 'event_days', measure => 'events', dimension => 'screen');
SELECT analytics.create_metric('m1', 'ratio', 'payment_days', numerator => 'failed_payments');
SELECT analytics.create_metric('m1', 'sum', query => 'SELECT day, count(*) FROM analytics.sales_days WHERE day BETWEEN $1 AND $2 GROUP BY 1');
SELECT analytics.create_metric('m1', 'sum', query => 'SELECT day FROM analytics.sales_days WHERE day BETWEEN $1 AND $2');
SELECT analytics.create_metric('m1', 'sum', query => 'SELECT day, no_such_column FROM analytics.sales_days');
SELECT analytics.create_metric('m1', 'sum', query => 'DELETE FROM analytics.metrics RETURNING created_at::date, 1::float8');
SELECT analytics.create_metric('m1', 'sum', 'sales_days', measure => 'revenue', query => 'SELECT 1');
SELECT count(*) AS m1_made FROM analytics.metrics WHERE name = 'm1';
SELECT * FROM analytics.metric_values('no_such_metric', '2026-01-01', '2026-01-31');
SELECT * FROM analytics.metric_values('revenue', '2026-02-01', '2026-01-31');
SELECT * FROM analytics.metric_values('revenue', '2026-01-01', '2026-01-31', 'fortnight');
SELECT * FROM analytics.metric_values('revenue', '2026-01-01', '2026-01-31', 'day', 'web');
SELECT analytics.drop_metric('revenue');
SELECT analytics.drop_metric('screen_opens');
SELECT count(*) AS screen_opens_left FROM analytics.metrics WHERE name = 'screen_opens';

-- Privileges: readers read values, admins define metrics; a metric's query
-- runs as the role that defined it, as a view's does (the reader sees what
-- the owner may read, the owner's metric never runs as someone else).
CREATE ROLE metric_admin IN ROLE analytics_admin;
CREATE ROLE metric_reader IN ROLE analytics_reader;
CREATE TABLE public.secret_amounts (day date, amount float8);
INSERT INTO public.secret_amounts VALUES ('2026-01-05', 7);
GRANT SELECT ON public.secret_amounts TO metric_admin;
SET ROLE metric_admin;
SELECT analytics.create_metric('secret', 'sum',
	query => 'SELECT s.day, s.amount FROM public.secret_amounts s WHERE s.day BETWEEN $1 AND $2');
SELECT analytics.create_metric('whoami', 'sum',
	query => 'SELECT $1::date, 1::pg_catalog.float8, current_user::text', dimension => 'role');
RESET ROLE;
SET ROLE metric_reader;
SELECT * FROM analytics.metric_values('secret', '2026-01-01', '2026-01-31');
SELECT * FROM analytics.metric_values('whoami', '2026-01-01', '2026-01-01', 'day', '*');
SELECT analytics.create_metric('m2', 'sum', 'sales_days', measure => 'revenue');
SELECT count(*) > 0 AS reader_reads_catalog FROM analytics.metrics;
RESET ROLE;
SELECT * FROM analytics.metric_values('whoami', '2026-01-01', '2026-01-01', 'day', '*');
-- readers may not drop metrics (nor define them); the defining admin (or a
-- superuser) may
SET ROLE metric_reader;
SELECT analytics.drop_metric('secret');
RESET ROLE;
SELECT analytics.drop_metric('secret'), analytics.drop_metric('whoami');
DROP TABLE public.secret_amounts;
DROP ROLE metric_admin, metric_reader;

-- pg_dump keeps the metrics defined by users, not the shipped ones (made
-- again by CREATE EXTENSION).
SELECT c.oid = ANY ((SELECT extconfig FROM pg_extension WHERE extname = 'analytics')::oid[]) AS dumped,
	(SELECT extcondition[array_position(extconfig, 'analytics.metrics'::regclass)] FROM pg_extension
	 WHERE extname = 'analytics') AS filter
FROM pg_class c WHERE c.oid = 'analytics.metrics'::regclass;

DROP EXTENSION analytics;
