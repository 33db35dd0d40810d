-- Retail warehouse: staging tables, the calendar dimension (fill_dim_date),
-- the dimension and fact tables and their constraints.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

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
--   2027-01-01 (Friday) and 2027-01-03 (Sunday) still belong to ISO week 53;
--     2027-01-04 (Monday) starts week 1.
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
INSERT INTO analytics.dim_date VALUES (20240101, '2024-01-02', 2, 1, 'January', 1, 2024, 1, 2, 'Tuesday', false, false);

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

DROP EXTENSION analytics;
