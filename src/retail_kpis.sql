
-- src/retail_kpis.sql: the retail KPI views over the star schema of
-- src/warehouse.sql, and the two small summary tables some of them read.
--
-- Shape, for Power BI in DirectQuery mode (Npgsql 4) and for psql:
--   * plain scalar columns only: date, text, boolean, smallint, bigint and
--     numeric with a declared precision: money numeric(16, 2) (payment fees,
--     which carry four decimals, numeric(16, 4)), bounded percentages (0-100)
--     numeric(7, 2), margins numeric(12, 2), seconds numeric(10, 3) or
--     numeric(12, 2), years numeric(10, 4). Values are rounded (half away from
--     zero) only in the view's output, from exact numeric sums.
--   * no timestamptz (Npgsql 4 shifts it to local time), arrays, json or
--     intervals; days are UTC calendar days (dim_date.full_date, which the
--     loader derives from the fact's UTC timestamp), months are the first day
--     of the month as a date.
--   * every view is one GROUP BY whose day, month and dimension columns are
--     grouping columns (or columns of a grouped dimension row), so that
--     PostgreSQL pushes a WHERE on them down into the view: a filter on day
--     becomes a filter on dim_date.full_date (unique index), joined to the
--     fact's indexed date_key. No view uses a window function: one would stop
--     that push-down. Moving averages, month-over-month growth, shares of a
--     month and "new customer" read instead the summary tables below, through
--     subqueries on their indexes, evaluated once per row of the view.
--
-- Definitions shared by the sales views (fact_sales, one row per order line):
--   * revenue = sum of total_amount (quantity x unit_price - discount) over
--     completed lines; returned and cancelled lines are left out.
--   * orders = distinct order_id among those lines (an order counts when one
--     of its lines is completed); customers = distinct customer_id (not
--     customer_key: a customer has a key per SCD2 version).
--   * cost = sum of cost_amount over the same lines; NULL when one of them
--     has no cost (a product without unit cost), and so are gross_profit =
--     revenue - cost and profit_margin_pct = 100 x (revenue - cost) /
--     revenue. The margin is also NULL when revenue <= 0, and when the cost
--     is over analytics_internal._max_ratio() = 10^7 times the revenue (a margin
--     below -999,999,900%).
--   * avg_order_value = revenue / orders.
-- Where a view reads customer_id only to count customers, it joins
-- dim_customer with LEFT JOIN: every line has its customer (customer_key is
-- NOT NULL and a foreign key), so this is the inner join, but PostgreSQL
-- drops a LEFT JOIN on a primary key when a query reads nothing from it, so
-- that a query that does not ask for customers does not pay for the join.

-- Summaries. The daily ones are built-in materialized aggregates
-- (src/matagg.sql), exact per UTC day of the fact's timestamp (the day the
-- loader gives dim_date.full_date), refreshed by
-- analytics.refresh_retail_summaries (or when scheduled); their _live views
-- are exact between refreshes. customer_first_purchase, a row per customer
-- who ever completed a purchase, depends on every day of a customer and is
-- a table of its own, maintained by analytics.refresh_retail_summaries.
--
-- A source customer's id for a fact's customer_key (a key never changes
-- customer: an SCD2 change adds a key).
CREATE FUNCTION analytics_internal._customer_id(customer_key bigint)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT c.customer_id FROM analytics.dim_customer c WHERE c.customer_key OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION analytics_internal._customer_id(bigint) IS 'Internal: the source customer_id of a dim_customer key (the distinct customers of the daily summaries)';

-- sales_days: per UTC day with a completed order line: revenue (sum of
-- total_amount), cost (sum of cost_amount, NULL when a line has none),
-- orders (distinct order_id), units (sum of quantity) and customers
-- (distinct customer_id).
SELECT analytics_internal._matagg_builtin('sales_days', 'analytics.fact_sales', 'sale_ts', '1 day', '{}',
	ARRAY['pg_catalog.sum(total_amount) AS revenue',
		'CASE WHEN pg_catalog.count(cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(cost_amount) END AS cost',
		'pg_catalog.count(DISTINCT order_id) AS orders',
		'pg_catalog.sum(quantity) AS units',
		'pg_catalog.count(DISTINCT analytics_internal._customer_id(customer_key)) AS customers'],
	'status = ''completed''');

-- payment_days: per UTC day with a payment: fee revenue, amount, payments,
-- failed payments, and the sum and count of processing times.
SELECT analytics_internal._matagg_builtin('payment_days', 'analytics.fact_payments', 'txn_ts', '1 day', '{}',
	ARRAY['pg_catalog.sum(revenue) AS revenue', 'pg_catalog.sum(amount) AS amount',
		'pg_catalog.count(*) AS payments',
		'pg_catalog.count(*) FILTER (WHERE status = ''failed'') AS failed_payments',
		'pg_catalog.sum(processing_time) AS processing_seconds',
		'pg_catalog.count(processing_time) AS timed_payments']);

-- metrics_products: per UTC day and product with a completed line: units
-- sold, revenue, and profit (revenue - cost; NULL when a line has no cost).
-- The warehouse holds no stock levels, so there is no stock column.
SELECT analytics_internal._matagg_builtin('metrics_products', 'analytics.fact_sales', 'sale_ts', '1 day',
	ARRAY['product_key'],
	ARRAY['pg_catalog.sum(quantity) AS units_sold', 'pg_catalog.sum(total_amount) AS revenue',
		'CASE WHEN pg_catalog.count(cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(total_amount) - pg_catalog.sum(cost_amount) END AS profit'],
	'status = ''completed''');

-- The daily totals the 7-day averages, month-over-month growth and shares
-- read: the two materialized tables (as refreshed) side by side, a row per
-- day with a completed sale or a payment. A filter on day reaches both
-- tables' day index.
CREATE VIEW analytics.retail_daily_totals AS
SELECT u.day,
	pg_catalog.sum(u.sales_revenue)::numeric(16, 2) AS sales_revenue,
	pg_catalog.sum(u.payment_revenue)::numeric(18, 4) AS payment_revenue,
	pg_catalog.sum(u.payments)::bigint AS payments,
	pg_catalog.sum(u.failed_payments)::bigint AS failed_payments,
	pg_catalog.sum(u.processing_seconds)::numeric(18, 3) AS processing_seconds,
	pg_catalog.sum(u.timed_payments)::bigint AS timed_payments
FROM (
	SELECT s.day, s.revenue AS sales_revenue, 0::numeric AS payment_revenue, 0::bigint AS payments,
		0::bigint AS failed_payments, 0::numeric AS processing_seconds, 0::bigint AS timed_payments
	FROM analytics.sales_days s
	UNION ALL
	SELECT p.day, 0, p.revenue, p.payments, p.failed_payments, COALESCE(p.processing_seconds, 0), p.timed_payments
	FROM analytics.payment_days p
) u
GROUP BY u.day;
COMMENT ON VIEW analytics.retail_daily_totals IS 'Per UTC day with data (a completed sale or a payment): completed sales revenue, payment fee revenue, payments, failed payments, and the sum and count of processing times, from the materialized analytics.sales_days and analytics.payment_days as last refreshed (analytics.refresh_retail_summaries); read by the 7-day averages, month-over-month growth and shares';
COMMENT ON COLUMN analytics.retail_daily_totals.day IS 'UTC calendar day with a completed sale or a payment';
COMMENT ON COLUMN analytics.retail_daily_totals.sales_revenue IS 'Sum of total_amount of the day''s completed order lines, 0 when none; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.retail_daily_totals.payment_revenue IS 'Sum of fact_payments.revenue of the day''s payments, 0 when none; currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.retail_daily_totals.payments IS 'Payments that day';
COMMENT ON COLUMN analytics.retail_daily_totals.failed_payments IS 'Payments with status failed that day';
COMMENT ON COLUMN analytics.retail_daily_totals.processing_seconds IS 'Sum of processing_time of the day''s payments that have one, in seconds; 0 when none';
COMMENT ON COLUMN analytics.retail_daily_totals.timed_payments IS 'Payments of the day with a processing_time';

CREATE TABLE analytics.customer_first_purchase (
	customer_id text PRIMARY KEY,
	first_day date NOT NULL
);
CREATE INDEX customer_first_purchase_day ON analytics.customer_first_purchase (first_day);
COMMENT ON TABLE analytics.customer_first_purchase IS 'Per customer_id (all SCD2 versions together): the UTC day of the first completed purchase; read by new_customers and the customer lifespan of CLV; maintained by analytics.refresh_retail_summaries';
COMMENT ON COLUMN analytics.customer_first_purchase.customer_id IS 'Source customer id (all SCD2 versions together) with at least one completed order line';
COMMENT ON COLUMN analytics.customer_first_purchase.first_day IS 'UTC day of the customer''s first completed order line';

-- Recomputes both summary tables for the UTC days from from_date to to_date
-- (inclusive), from the facts as they are now:
--   * retail_daily_totals: the rows of those days are replaced;
--   * customer_first_purchase: every customer with a completed sale in the
--     range (unless their recorded first day is before the range) and every
--     customer whose recorded first day is in the range get their first day
--     recomputed over all their completed sales, of any day and any version;
--     a customer with none left loses the row.
-- So the summaries are exact once every day whose facts changed has been
-- refreshed since the change. Every row a call writes is recomputed from the
-- facts as they are, so any range may be refreshed at any time, and again;
-- '-infinity' to 'infinity' rebuilds everything. The form without
-- arguments (below) calls it for the days the loads changed.
-- One refresh at a time (a SHARE ROW EXCLUSIVE lock); readers never wait.
-- It runs with the caller's rights (admins may write the summaries, as they
-- may fill the calendar).
CREATE FUNCTION analytics.refresh_retail_summaries(from_date date, to_date date)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- the range as date_keys (YYYYMMDD, for the years 1 to 9999)
	lo_key int := CASE WHEN from_date < '0001-01-01' THEN -2147483648 WHEN from_date > '9999-12-31' THEN 2147483647
		ELSE to_char(from_date, 'YYYYMMDD')::int END;
	hi_key int := CASE WHEN to_date < '0001-01-01' THEN -2147483648 WHEN to_date > '9999-12-31' THEN 2147483647
		ELSE to_char(to_date, 'YYYYMMDD')::int END;
BEGIN
	PERFORM analytics_internal._require_day_range('refresh_retail_summaries', from_date, to_date);
	LOCK TABLE analytics.customer_first_purchase IN SHARE ROW EXCLUSIVE MODE;

	-- wait for a refresh of them in another session rather than skip it
	-- (taken in the same order everywhere; the refresh takes its lock again,
	-- which this session then holds already)
	PERFORM pg_catalog.pg_advisory_xact_lock(1634627937, pg_catalog.hashtext(m.name))
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);
	-- the daily tables: every day of the range recomputed
	PERFORM analytics.refresh_materialized_aggregate(m.name,
		pg_catalog.timezone('UTC', GREATEST(from_date, '0001-01-01')::timestamp),
		pg_catalog.timezone('UTC', (LEAST(to_date, '9999-12-30') + 1)::timestamp))
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);

	-- First purchases change for the customers with a completed line in the
	-- range (unless an earlier first purchase stands) and for those whose
	-- first purchase lies in it: their first day is the earliest of their
	-- completed lines, found in the range by the same pass (inside) and out
	-- of it by another (outside), which the date index answers at once when
	-- the range holds all the data. The range is taken on date_key
	-- (YYYYMMDD, in the order of days), lines are grouped by customer_key
	-- before meeting dim_customer, and the summary rows are inserted plainly
	-- (the lock keeps other writers out): one pass over the range's lines
	-- instead of two, each joining every line to its customer and grouping
	-- by customer_id, and no speculative insert per customer.
	WITH inside AS MATERIALIZED (
		SELECT c.customer_id, min(k.first_key) AS first_key
		FROM (SELECT f.customer_key, min(f.date_key) AS first_key
			FROM analytics.fact_sales f
			WHERE f.date_key >= lo_key AND f.date_key <= hi_key AND f.status = 'completed'
			GROUP BY f.customer_key) k
		JOIN analytics.dim_customer c ON c.customer_key = k.customer_key
		GROUP BY c.customer_id
	),
	affected AS MATERIALIZED (
		SELECT i.customer_id
		FROM inside i
		WHERE NOT EXISTS (SELECT FROM analytics.customer_first_purchase p
			WHERE p.customer_id = i.customer_id AND p.first_day < from_date)
		UNION
		SELECT p.customer_id
		FROM analytics.customer_first_purchase p
		WHERE p.first_day >= from_date AND p.first_day <= to_date
	),
	outside AS MATERIALIZED (
		SELECT c.customer_id, min(f.date_key) AS first_key
		FROM analytics.dim_customer c
		JOIN analytics.fact_sales f ON f.customer_key = c.customer_key
		WHERE c.customer_id IN (SELECT a.customer_id FROM affected a) AND f.status = 'completed'
			AND (f.date_key < lo_key OR f.date_key > hi_key)
		GROUP BY c.customer_id
	),
	firsts AS MATERIALIZED (
		SELECT a.customer_id, least(i.first_key, o.first_key) AS first_key
		FROM affected a
		LEFT JOIN inside i ON i.customer_id = a.customer_id
		LEFT JOIN outside o ON o.customer_id = a.customer_id
		WHERE i.first_key IS NOT NULL OR o.first_key IS NOT NULL
	),
	gone AS (
		DELETE FROM analytics.customer_first_purchase p
		WHERE p.customer_id IN (SELECT a.customer_id FROM affected a)
			AND NOT EXISTS (SELECT FROM firsts x WHERE x.customer_id = p.customer_id)
	),
	changed AS (
		UPDATE analytics.customer_first_purchase p SET first_day = d.full_date
		FROM firsts x JOIN analytics.dim_date d ON d.date_key = x.first_key
		WHERE p.customer_id = x.customer_id AND p.first_day IS DISTINCT FROM d.full_date
	)
	INSERT INTO analytics.customer_first_purchase (customer_id, first_day)
	SELECT x.customer_id, d.full_date
	FROM firsts x JOIN analytics.dim_date d ON d.date_key = x.first_key
	WHERE NOT EXISTS (SELECT FROM analytics.customer_first_purchase p WHERE p.customer_id = x.customer_id);
END
$$;
COMMENT ON FUNCTION analytics.refresh_retail_summaries(date, date) IS 'Recomputes the daily summaries (sales_days, payment_days, metrics_products, read by analytics.retail_daily_totals) and analytics.customer_first_purchase for the UTC days from from_date to to_date (inclusive) from the facts; call it after changing the facts of those days by hand (''-infinity'', ''infinity'' rebuilds all)';

-- How far the summaries follow the loads: the last load run whose days
-- analytics.refresh_retail_summaries() has refreshed. One row, made by the
-- first such refresh (none before: nothing refreshed yet, run 0).
CREATE TABLE analytics_internal.retail_summaries_watermark (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	last_run_id bigint NOT NULL,
	refreshed_at timestamptz
);
COMMENT ON TABLE analytics_internal.retail_summaries_watermark IS 'One row: the last load run (analytics.load_runs.run_id) whose days (analytics.load_run_days) analytics.refresh_retail_summaries() has refreshed, and when; no row before the first such refresh';
COMMENT ON COLUMN analytics_internal.retail_summaries_watermark.singleton IS 'Always true: the table holds one row';
COMMENT ON COLUMN analytics_internal.retail_summaries_watermark.last_run_id IS 'The summaries hold the days of every load run up to this run_id';
COMMENT ON COLUMN analytics_internal.retail_summaries_watermark.refreshed_at IS 'When a refresh last moved last_run_id (clock time, at the end of its work); NULL before any did';

-- Refreshes the days the loads changed since the last such refresh: the
-- days analytics.load_run_days holds for the runs after the watermark, as
-- runs of consecutive days, each one call of the form above; then moves
-- the watermark to the last of those runs. Returns the ranges refreshed
-- (none when no load came since). The loader records the days and leaves
-- the summaries alone, so a load does not wait for them, and this runs
-- when convenient: after the loads, or every few minutes with pg_cron
-- (analytics.schedule_kpi_refresh). Until then the views read summaries of
-- before the load (see README, KPI views).
--
-- Concurrency: the watermark's row is locked (FOR UPDATE) first, so a
-- second call waits for the first and then finds nothing left. Load runs
-- draw their run_id once they hold the staging lock, so they commit in
-- run_id order: when this call sees a run, every earlier one has
-- committed or failed, and a run committing later has a higher run_id.
-- Runs without sales or payments have no days and are passed over.
CREATE FUNCTION analytics.refresh_retail_summaries()
RETURNS TABLE (from_date date, to_date date)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	done bigint;
	newest bigint;
	r record;
BEGIN
	INSERT INTO analytics_internal.retail_summaries_watermark (singleton, last_run_id, refreshed_at)
	VALUES (true, 0, NULL)
	ON CONFLICT (singleton) DO NOTHING;
	SELECT w.last_run_id INTO done FROM analytics_internal.retail_summaries_watermark w FOR UPDATE;
	SELECT max(d.run_id) INTO newest FROM analytics.load_run_days d WHERE d.run_id > done;
	FOR r IN
		SELECT min(x.day) AS lo, max(x.day) AS hi
		FROM (SELECT k.day, k.day - (row_number() OVER (ORDER BY k.day))::int AS island
			FROM (SELECT DISTINCT d.day FROM analytics.load_run_days d
				WHERE d.run_id > done AND d.run_id <= newest) k) x
		GROUP BY x.island
		ORDER BY 1
	LOOP
		PERFORM analytics.refresh_retail_summaries(r.lo, r.hi);
		from_date := r.lo;
		to_date := r.hi;
		RETURN NEXT;
	END LOOP;
	IF newest IS NOT NULL THEN
		UPDATE analytics_internal.retail_summaries_watermark w SET last_run_id = newest, refreshed_at = clock_timestamp();
	END IF;
	-- wait for a refresh of them in another session rather than skip it
	-- (taken in the same order everywhere; the refresh takes its lock again,
	-- which this session then holds already)
	PERFORM pg_catalog.pg_advisory_xact_lock(1634627937, pg_catalog.hashtext(m.name))
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);
	-- facts changed outside the loads: the daily tables' change logs hold
	-- their days
	PERFORM analytics.refresh_materialized_aggregate(m.name)
	FROM unnest(ARRAY['sales_days', 'payment_days', 'metrics_products']) m(name);
END
$$;
COMMENT ON FUNCTION analytics.refresh_retail_summaries() IS 'Refreshes the daily summaries (sales_days, payment_days, metrics_products: every changed day) and analytics.customer_first_purchase for the days the loads changed since its last call (analytics.load_run_days after analytics_internal.retail_summaries_watermark), as runs of consecutive days; returns the load ranges refreshed, none when no load came since';

-- The refresh above every few minutes (pg_cron needed in this database).
CREATE FUNCTION analytics.schedule_kpi_refresh(schedule text DEFAULT '*/5 * * * *')
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM analytics_internal._require_pg_cron();
	-- The registry's job "refresh_retail_summaries": scheduling again
	-- changes its schedule instead of adding another.
	RETURN analytics_internal._job_register('refresh_retail_summaries', 'refresh', schedule,
		'SELECT pg_catalog.count(*) FROM analytics.refresh_retail_summaries()');
END
$$;
COMMENT ON FUNCTION analytics.schedule_kpi_refresh(text) IS 'Schedules analytics.refresh_retail_summaries() as the registry job "refresh_retail_summaries" (pg_cron''s analytics_refresh_retail_summaries; default every 5 minutes); returns the pg_cron job id';

-- The largest ratio a margin or a growth may stand for: a margin is NULL
-- when the cost is over _max_ratio() times the revenue, a month-over-month
-- growth when the change is over _max_ratio() times the previous month's
-- revenue. Both are numeric(12, 2), 10 digits before the point: with 10^7
-- a margin is at least 100 x (1 - 10^7) = -999,999,900% and a growth at
-- most 100 x 10^7 = 10^9% either way, which fit; 10^8 would let a growth
-- reach 10^10%, which does not. SQL-standard body: inlined into the views
-- as a constant.
CREATE FUNCTION analytics_internal._max_ratio()
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 10000000;
COMMENT ON FUNCTION analytics_internal._max_ratio() IS 'Internal to the KPI views: 10^7, the largest cost / revenue ratio a profit margin and the largest change / previous revenue ratio a growth percentage is computed for (beyond it the numeric(12, 2) percentage would not fit, and it is NULL)';

-- Daily KPIs
--
-- One row per UTC day with a completed sale. Besides the shared definitions:
--   * units = sum of quantity over completed lines.
--   * new_customers = customers whose first-ever completed purchase (any
--     version of the customer) is that day (customer_first_purchase).
--   * revenue_7d_avg = the average daily revenue over the 7 days ending that
--     day, days without completed sales counting 0. At the start of the data
--     the window is cut at the first day with any order line in fact_sales
--     (any status): the sum is divided by the number of days of the window on
--     or after that day, so the first day's average is its revenue and the
--     third day's is the average of three days. From daily totals.
-- The day's own figures come from the materialized sales_days (its _live
-- view: exact between refreshes), a row a day instead of every line.
CREATE VIEW analytics.kpi_daily AS
SELECT g.day,
	g.revenue::numeric(16, 2) AS revenue,
	g.orders,
	g.units,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	g.customers,
	(SELECT pg_catalog.count(*) FROM analytics.customer_first_purchase p
		WHERE p.first_day = g.day) AS new_customers,
	(SELECT (COALESCE(pg_catalog.sum(t.sales_revenue), 0)
			/ LEAST(7, g.day - (SELECT x.full_date FROM analytics.dim_date x
				WHERE x.date_key = (SELECT pg_catalog.min(y.date_key) FROM analytics.fact_sales y)) + 1)
		)::numeric(16, 2)
		FROM analytics.retail_daily_totals t
		WHERE t.day > g.day - 7 AND t.day <= g.day) AS revenue_7d_avg
FROM analytics.sales_days_live g;
COMMENT ON VIEW analytics.kpi_daily IS 'Sales KPIs per UTC day over completed order lines: revenue, orders, units, average order value, gross profit, margin, distinct customers, new customers (first completed purchase that day) and the 7-day average daily revenue (empty days as 0, window cut at the start of the data)';
COMMENT ON COLUMN analytics.kpi_daily.day IS 'UTC calendar day with at least one completed order line (dim_date.full_date)';
COMMENT ON COLUMN analytics.kpi_daily.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.kpi_daily.orders IS 'Distinct order_id with a completed line that day';
COMMENT ON COLUMN analytics.kpi_daily.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.kpi_daily.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.kpi_daily.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.kpi_daily.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.kpi_daily.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line that day';
COMMENT ON COLUMN analytics.kpi_daily.new_customers IS 'Customers whose first-ever completed purchase (over all their versions) is that day, from analytics.customer_first_purchase';
COMMENT ON COLUMN analytics.kpi_daily.revenue_7d_avg IS 'Average daily revenue of the 7 days ending that day, days without completed sales counting 0: their sales revenue (analytics.retail_daily_totals) / the number of those days on or after the first day with any order line (7 once the data is a week old); currency of the data, 2 decimals';

-- The seed warehouse's daily metrics: per UTC day with a completed order
-- line, from sales_days_live (exact between refreshes) and
-- customer_first_purchase (as last refreshed). total_transactions counts
-- orders (distinct order_id); avg_transaction_value = total_sales / orders.
CREATE VIEW analytics.metrics_daily AS
SELECT s.day,
	s.revenue::numeric(16, 2) AS total_sales,
	s.orders AS total_transactions,
	(s.revenue / s.orders)::numeric(16, 2) AS avg_transaction_value,
	s.customers AS total_customers,
	(SELECT pg_catalog.count(*) FROM analytics.customer_first_purchase p
		WHERE p.first_day = s.day) AS new_customers
FROM analytics.sales_days_live s;
COMMENT ON VIEW analytics.metrics_daily IS 'Sales metrics per UTC day with a completed order line (analytics.sales_days_live): total sales, transactions (orders), average transaction value, customers, new customers';
COMMENT ON COLUMN analytics.metrics_daily.day IS 'UTC calendar day of the sales';
COMMENT ON COLUMN analytics.metrics_daily.total_sales IS 'Sum of total_amount over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.metrics_daily.total_transactions IS 'Distinct order_id with a completed line that day';
COMMENT ON COLUMN analytics.metrics_daily.avg_transaction_value IS 'total_sales / total_transactions; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.metrics_daily.total_customers IS 'Distinct customer_id (all SCD2 versions of a customer count once) with a completed line that day';
COMMENT ON COLUMN analytics.metrics_daily.new_customers IS 'Customers whose first-ever completed purchase is that day (analytics.customer_first_purchase, as last refreshed)';

-- Daily sales by store and sales channel, with calendar attributes (UTC
-- day). store and channel are NULL for lines without them (online sales have
-- no store).
CREATE VIEW analytics.sales_daily AS
SELECT d.full_date AS day,
	d.day_of_week,
	d.day_name,
	d.is_weekend,
	s.store_id,
	s.store_name,
	ch.channel_name AS channel,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT f.order_id))::numeric(16, 2) AS avg_order_value
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
LEFT JOIN analytics.dim_store s ON s.store_key = f.store_key
LEFT JOIN analytics.dim_channel ch ON ch.channel_key = f.channel_key
WHERE f.status = 'completed'
GROUP BY d.full_date, d.day_of_week, d.day_name, d.is_weekend, s.store_key, ch.channel_key;
COMMENT ON VIEW analytics.sales_daily IS 'Completed sales per UTC day, store and sales channel (NULL store or channel: the lines had none), with ISO day_of_week (Monday 1), day_name and is_weekend: revenue, orders, units, customers, average order value';
COMMENT ON COLUMN analytics.sales_daily.day IS 'UTC calendar day of the sale (dim_date.full_date)';
COMMENT ON COLUMN analytics.sales_daily.day_of_week IS 'ISO day of the week of day: Monday 1 .. Sunday 7';
COMMENT ON COLUMN analytics.sales_daily.day_name IS 'English name of the day of the week (Monday .. Sunday)';
COMMENT ON COLUMN analytics.sales_daily.is_weekend IS 'true on Saturday and Sunday';
COMMENT ON COLUMN analytics.sales_daily.store_id IS 'Source store id of the lines (dim_store.store_id); NULL for lines without a store (online sales)';
COMMENT ON COLUMN analytics.sales_daily.store_name IS 'Store name (dim_store); NULL for lines without a store or a store without a name';
COMMENT ON COLUMN analytics.sales_daily.channel IS 'Sales channel name (dim_channel.channel_name); NULL for lines without a channel or a channel without a name';
COMMENT ON COLUMN analytics.sales_daily.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_daily.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.sales_daily.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.sales_daily.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.sales_daily.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';

-- Monthly sales with month-over-month growth. month = the first day of the
-- UTC calendar month. new_customers = customers whose first-ever completed
-- purchase is in the month. prev_month_revenue = the completed revenue of
-- the calendar month before (0 when it had none, also before the data
-- starts); mom_growth_pct = 100 x (revenue - prev_month_revenue) /
-- prev_month_revenue, NULL when prev_month_revenue is 0. Both previous-month
-- figures come from retail_daily_totals.
CREATE VIEW analytics.sales_monthly AS
SELECT g.month,
	g.revenue::numeric(16, 2) AS revenue,
	g.orders,
	g.units,
	g.customers,
	(SELECT pg_catalog.count(*) FROM analytics.customer_first_purchase p
		WHERE p.first_day >= g.month AND p.first_day < (g.month + '1 month'::interval)::date) AS new_customers,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	pm.revenue::numeric(16, 2) AS prev_month_revenue,
	(CASE WHEN pm.revenue <> 0 AND pg_catalog.abs(g.revenue - pm.revenue) <= pg_catalog.abs(pm.revenue) * analytics_internal._max_ratio()
		THEN 100 * (g.revenue - pm.revenue) / pm.revenue END)::numeric(12, 2) AS mom_growth_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
		pg_catalog.sum(f.total_amount) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(f.cost_amount) END AS cost,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.sum(f.quantity) AS units,
		pg_catalog.count(DISTINCT c.customer_id) AS customers
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month
) g
CROSS JOIN LATERAL (
	SELECT COALESCE(pg_catalog.sum(t.sales_revenue), 0) AS revenue
	FROM analytics.retail_daily_totals t
	WHERE t.day >= (g.month - '1 month'::interval)::date AND t.day < g.month
) pm;
COMMENT ON VIEW analytics.sales_monthly IS 'Completed sales per UTC calendar month (month = its first day): revenue, orders, units, customers, new customers, average order value, gross profit, margin, the previous month''s revenue and month-over-month growth in percent';
COMMENT ON COLUMN analytics.sales_monthly.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.sales_monthly.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_monthly.orders IS 'Distinct order_id with a completed line in the month';
COMMENT ON COLUMN analytics.sales_monthly.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.sales_monthly.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line in the month';
COMMENT ON COLUMN analytics.sales_monthly.new_customers IS 'Customers whose first-ever completed purchase (over all their versions) is in the month, from analytics.customer_first_purchase';
COMMENT ON COLUMN analytics.sales_monthly.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_monthly.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.sales_monthly.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.sales_monthly.prev_month_revenue IS 'Completed sales revenue of the previous calendar month (analytics.retail_daily_totals); 0 when it had none, also before the data starts; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_monthly.mom_growth_pct IS 'Month-over-month growth: 100 x (revenue - prev_month_revenue) / prev_month_revenue, in percent; NULL when prev_month_revenue is 0 and when the change is over 10^7 times prev_month_revenue';

-- Products per month: what sells. revenue, units (sum of quantity), orders
-- and customers over completed lines; avg_selling_price = revenue / units
-- (after discounts). No rank column (a rank would stop filters from reaching
-- the indexes): order by revenue, or use the BI tool's Top N filter.
CREATE VIEW analytics.top_products AS
SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
	p.product_id,
	p.product_name,
	p.category,
	p.subcategory,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	(pg_catalog.sum(f.total_amount) / pg_catalog.sum(f.quantity))::numeric(16, 2) AS avg_selling_price
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_product p ON p.product_key = f.product_key
LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
WHERE f.status = 'completed'
GROUP BY d.year, d.month, p.product_key;
COMMENT ON VIEW analytics.top_products IS 'Completed sales per UTC month and product: revenue, units, orders, customers, average selling price (revenue / units); rank by ordering on revenue';
COMMENT ON COLUMN analytics.top_products.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.top_products.product_id IS 'Source product id (dim_product.product_id)';
COMMENT ON COLUMN analytics.top_products.product_name IS 'Product name (dim_product, current value)';
COMMENT ON COLUMN analytics.top_products.category IS 'Product category (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.top_products.subcategory IS 'Product subcategory (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.top_products.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.top_products.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.top_products.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.top_products.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.top_products.avg_selling_price IS 'Average selling price per unit after discounts: revenue / units; currency of the data, 2 decimals';

-- Categories per month. revenue_share_pct = 100 x revenue / the month's
-- completed revenue (from retail_daily_totals), NULL when that is 0.
CREATE VIEW analytics.category_sales AS
SELECT g.month, g.category, g.subcategory,
	g.revenue::numeric(16, 2) AS revenue,
	g.units,
	g.orders,
	g.customers,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	(SELECT (CASE WHEN pg_catalog.sum(t.sales_revenue) > 0 AND g.revenue <= pg_catalog.sum(t.sales_revenue)
			AND g.revenue >= 0
		THEN 100 * g.revenue / pg_catalog.sum(t.sales_revenue) END)::numeric(7, 2)
		FROM analytics.retail_daily_totals t
		WHERE t.day >= g.month AND t.day < (g.month + '1 month'::interval)::date) AS revenue_share_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month, p.category, p.subcategory,
		pg_catalog.sum(f.total_amount) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(f.cost_amount) END AS cost,
		pg_catalog.sum(f.quantity) AS units,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.count(DISTINCT c.customer_id) AS customers
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	JOIN analytics.dim_product p ON p.product_key = f.product_key
	LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month, p.category, p.subcategory
) g;
COMMENT ON VIEW analytics.category_sales IS 'Completed sales per UTC month, category and subcategory: revenue, units, orders, customers, gross profit, margin, and the share of the month''s revenue in percent';
COMMENT ON COLUMN analytics.category_sales.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.category_sales.category IS 'Product category (dim_product); NULL for products without one';
COMMENT ON COLUMN analytics.category_sales.subcategory IS 'Product subcategory (dim_product); NULL for products without one';
COMMENT ON COLUMN analytics.category_sales.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.category_sales.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.category_sales.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.category_sales.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.category_sales.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.category_sales.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.category_sales.revenue_share_pct IS '100 x revenue / the month''s completed sales revenue (analytics.retail_daily_totals), in percent (0-100); NULL when that total is not positive or the row''s revenue is negative or above it (summaries not refreshed)';

-- Payment methods of sales per month (dim_payment via fact_sales; NULL for
-- lines without one). revenue_share_pct as in category_sales.
CREATE VIEW analytics.payment_methods AS
SELECT g.month, g.payment_method,
	g.orders,
	g.revenue::numeric(16, 2) AS revenue,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	g.customers,
	(SELECT (CASE WHEN pg_catalog.sum(t.sales_revenue) > 0 AND g.revenue <= pg_catalog.sum(t.sales_revenue)
			AND g.revenue >= 0
		THEN 100 * g.revenue / pg_catalog.sum(t.sales_revenue) END)::numeric(7, 2)
		FROM analytics.retail_daily_totals t
		WHERE t.day >= g.month AND t.day < (g.month + '1 month'::interval)::date) AS revenue_share_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month, pm.payment_method,
		pg_catalog.sum(f.total_amount) AS revenue,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.count(DISTINCT c.customer_id) AS customers
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
	LEFT JOIN analytics.dim_payment pm ON pm.payment_key = f.payment_key
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month, pm.payment_method
) g;
COMMENT ON VIEW analytics.payment_methods IS 'Completed sales per UTC month and payment method: orders, revenue, average order value, customers, and the share of the month''s revenue in percent';
COMMENT ON COLUMN analytics.payment_methods.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.payment_methods.payment_method IS 'Payment method of the sale (dim_payment.payment_method); NULL for lines without one';
COMMENT ON COLUMN analytics.payment_methods.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.payment_methods.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.payment_methods.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.payment_methods.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.payment_methods.revenue_share_pct IS '100 x revenue / the month''s completed sales revenue (analytics.retail_daily_totals), in percent (0-100); NULL when that total is not positive or the row''s revenue is negative or above it (summaries not refreshed)';

-- Geography of sales per month: where the customer was when buying (city,
-- state, region and country of the customer version valid at the sale, so a
-- customer who moved counts in both places).
CREATE VIEW analytics.sales_geography AS
SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
	c.country,
	c.region,
	c.state,
	c.city,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT f.order_id))::numeric(16, 2) AS avg_order_value
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
WHERE f.status = 'completed'
GROUP BY d.year, d.month, c.country, c.region, c.state, c.city;
COMMENT ON VIEW analytics.sales_geography IS 'Completed sales per UTC month and customer location at the time of sale (country, region, state, city of the SCD2 version): revenue, orders, units, customers, average order value';
COMMENT ON COLUMN analytics.sales_geography.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.sales_geography.country IS 'Country of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.region IS 'Region of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.state IS 'State of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.city IS 'City of the customer version valid at the sale (SCD2: a customer who moved counts in both places); NULL when that version has none';
COMMENT ON COLUMN analytics.sales_geography.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.sales_geography.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.sales_geography.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.sales_geography.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.sales_geography.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';

-- Customer segments per month: the segment of the customer version valid at
-- the sale (a customer whose segment changed counts in both).
-- revenue_per_customer = revenue / customers; orders_per_customer = orders /
-- customers.
CREATE VIEW analytics.customer_segments AS
SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
	c.segment,
	pg_catalog.count(DISTINCT c.customer_id) AS customers,
	pg_catalog.count(DISTINCT f.order_id) AS orders,
	pg_catalog.sum(f.quantity) AS units,
	pg_catalog.sum(f.total_amount)::numeric(16, 2) AS revenue,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT f.order_id))::numeric(16, 2) AS avg_order_value,
	(pg_catalog.sum(f.total_amount) / pg_catalog.count(DISTINCT c.customer_id))::numeric(16, 2) AS revenue_per_customer,
	(pg_catalog.count(DISTINCT f.order_id)::numeric / pg_catalog.count(DISTINCT c.customer_id))::numeric(12, 2) AS orders_per_customer
FROM analytics.fact_sales f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
WHERE f.status = 'completed'
GROUP BY d.year, d.month, c.segment;
COMMENT ON VIEW analytics.customer_segments IS 'Completed sales per UTC month and customer segment at the time of sale: customers, orders, units, revenue, average order value, revenue and orders per customer';
COMMENT ON COLUMN analytics.customer_segments.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.customer_segments.segment IS 'Customer segment of the customer version valid at the sale (a customer whose segment changed counts in both); NULL when that version has none';
COMMENT ON COLUMN analytics.customer_segments.customers IS 'Distinct customer_id (not customer_key: all SCD2 versions of a customer count once) with a completed line';
COMMENT ON COLUMN analytics.customer_segments.orders IS 'Distinct order_id with a completed line';
COMMENT ON COLUMN analytics.customer_segments.units IS 'Sum of quantity over the completed lines';
COMMENT ON COLUMN analytics.customer_segments.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_segments.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_segments.revenue_per_customer IS 'revenue / customers; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_segments.orders_per_customer IS 'orders / customers, 2 decimals';

-- Product performance per month, over all lines of the product (any
-- status): units, revenue, cost, gross_profit, margin and discount over
-- completed lines (revenue 0 when there are none); lines, returned_lines and
-- cancelled_lines count lines; return_rate = 100 x returned / (completed +
-- returned) lines (lines delivered and kept or sent back; NULL without
-- any); cancellation_rate = 100 x cancelled / all lines.
CREATE VIEW analytics.product_performance AS
SELECT g.month, g.product_id, g.product_name, g.category, g.subcategory,
	g.units,
	g.revenue::numeric(16, 2) AS revenue,
	g.cost::numeric(16, 2) AS cost,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct,
	g.discount::numeric(16, 2) AS discount,
	g.lines,
	g.returned_lines,
	g.cancelled_lines,
	(CASE WHEN g.completed_lines + g.returned_lines > 0
		THEN 100.0 * g.returned_lines / (g.completed_lines + g.returned_lines) END)::numeric(7, 2) AS return_rate,
	(100.0 * g.cancelled_lines / g.lines)::numeric(7, 2) AS cancellation_rate
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month,
		p.product_id, p.product_name, p.category, p.subcategory,
		COALESCE(pg_catalog.sum(f.quantity) FILTER (WHERE f.status = 'completed'), 0) AS units,
		COALESCE(pg_catalog.sum(f.total_amount) FILTER (WHERE f.status = 'completed'), 0) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) FILTER (WHERE f.status = 'completed')
				= pg_catalog.count(*) FILTER (WHERE f.status = 'completed')
			THEN COALESCE(pg_catalog.sum(f.cost_amount) FILTER (WHERE f.status = 'completed'), 0) END AS cost,
		COALESCE(pg_catalog.sum(f.discount) FILTER (WHERE f.status = 'completed'), 0) AS discount,
		pg_catalog.count(*) AS lines,
		pg_catalog.count(*) FILTER (WHERE f.status = 'completed') AS completed_lines,
		pg_catalog.count(*) FILTER (WHERE f.status = 'returned') AS returned_lines,
		pg_catalog.count(*) FILTER (WHERE f.status = 'cancelled') AS cancelled_lines
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	JOIN analytics.dim_product p ON p.product_key = f.product_key
	GROUP BY d.year, d.month, p.product_key
) g;
COMMENT ON VIEW analytics.product_performance IS 'Per UTC month and product, over all its order lines: units, revenue, cost, gross profit, margin and discount of completed lines; lines, returned and cancelled lines, return rate (of completed + returned lines) and cancellation rate (of all lines) in percent';
COMMENT ON COLUMN analytics.product_performance.month IS 'First day of the UTC calendar month of the order lines (any status)';
COMMENT ON COLUMN analytics.product_performance.product_id IS 'Source product id (dim_product.product_id)';
COMMENT ON COLUMN analytics.product_performance.product_name IS 'Product name (dim_product, current value)';
COMMENT ON COLUMN analytics.product_performance.category IS 'Product category (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.product_performance.subcategory IS 'Product subcategory (dim_product); NULL when the product has none';
COMMENT ON COLUMN analytics.product_performance.units IS 'Sum of quantity over the completed lines; 0 when there are none';
COMMENT ON COLUMN analytics.product_performance.revenue IS 'Sum of total_amount (quantity x unit_price - discount) over the completed lines; 0 when there are none; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.product_performance.cost IS 'Sum of cost_amount (quantity x unit cost) over the completed lines; 0 when there are none, NULL when one of them has no cost; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.product_performance.gross_profit IS 'revenue - cost; currency of the data, 2 decimals; NULL when cost is';
COMMENT ON COLUMN analytics.product_performance.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';
COMMENT ON COLUMN analytics.product_performance.discount IS 'Sum of discount over the completed lines; 0 when there are none; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.product_performance.lines IS 'Order lines of the product in the month, any status';
COMMENT ON COLUMN analytics.product_performance.returned_lines IS 'Order lines with status returned';
COMMENT ON COLUMN analytics.product_performance.cancelled_lines IS 'Order lines with status cancelled';
COMMENT ON COLUMN analytics.product_performance.return_rate IS '100 x returned_lines / (completed + returned lines), in percent (0-100); NULL when there are neither';
COMMENT ON COLUMN analytics.product_performance.cancellation_rate IS '100 x cancelled_lines / lines, in percent (0-100)';

-- Discounts per month, by the line's discount band: discount = 0 'none';
-- below 10% of the line's list price (quantity x unit_price) '0-10%'; below
-- 20% '10-20%'; below 30% '20-30%'; else '30%+' (band_order 1-5 sorts them).
-- Completed lines only. gross_sales = sum of quantity x unit_price; discount =
-- sum of discount; revenue = gross_sales - discount; avg_discount_pct = 100 x
-- discount / gross_sales (NULL when gross_sales is 0); avg_units_per_line =
-- units / lines.
CREATE VIEW analytics.discount_analysis AS
SELECT g.month, g.discount_band, g.band_order,
	g.lines,
	g.orders,
	g.units,
	g.gross_sales::numeric(16, 2) AS gross_sales,
	g.discount::numeric(16, 2) AS discount,
	g.revenue::numeric(16, 2) AS revenue,
	(CASE WHEN g.gross_sales > 0 AND g.discount <= g.gross_sales
		THEN 100 * g.discount / g.gross_sales END)::numeric(7, 2) AS avg_discount_pct,
	(g.units::numeric / g.lines)::numeric(12, 2) AS avg_units_per_line,
	(g.revenue - g.cost)::numeric(16, 2) AS gross_profit,
	(CASE WHEN g.revenue > 0 AND g.cost <= g.revenue * analytics_internal._max_ratio()
		THEN 100 * (g.revenue - g.cost) / g.revenue END)::numeric(12, 2) AS profit_margin_pct
FROM (
	SELECT pg_catalog.make_date(d.year, d.month, 1) AS month, b.discount_band, b.band_order,
		pg_catalog.count(*) AS lines,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.sum(f.quantity) AS units,
		pg_catalog.sum(f.quantity * f.unit_price) AS gross_sales,
		pg_catalog.sum(f.discount) AS discount,
		pg_catalog.sum(f.total_amount) AS revenue,
		CASE WHEN pg_catalog.count(f.cost_amount) = pg_catalog.count(*) THEN pg_catalog.sum(f.cost_amount) END AS cost
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	CROSS JOIN LATERAL (
		SELECT CASE WHEN f.discount = 0 THEN 'none'
				WHEN f.discount < 0.10 * f.quantity * f.unit_price THEN '0-10%'
				WHEN f.discount < 0.20 * f.quantity * f.unit_price THEN '10-20%'
				WHEN f.discount < 0.30 * f.quantity * f.unit_price THEN '20-30%'
				ELSE '30%+' END AS discount_band,
			CASE WHEN f.discount = 0 THEN 1
				WHEN f.discount < 0.10 * f.quantity * f.unit_price THEN 2
				WHEN f.discount < 0.20 * f.quantity * f.unit_price THEN 3
				WHEN f.discount < 0.30 * f.quantity * f.unit_price THEN 4
				ELSE 5 END::smallint AS band_order
	) b
	WHERE f.status = 'completed'
	GROUP BY d.year, d.month, b.discount_band, b.band_order
) g;
COMMENT ON VIEW analytics.discount_analysis IS 'Completed sales per UTC month and discount band of the line (none, 0-10%, 10-20%, 20-30%, 30%+ of its list price; band_order sorts them): lines, orders, units, list-price sales, discount, revenue, average discount in percent, units per line, gross profit, margin';
COMMENT ON COLUMN analytics.discount_analysis.month IS 'First day of the UTC calendar month of the sale';
COMMENT ON COLUMN analytics.discount_analysis.discount_band IS 'Discount of the line as a share of its list price quantity x unit_price: ''none'' (0), ''0-10%'' (below 10%), ''10-20%'' (below 20%), ''20-30%'' (below 30%) or ''30%+''';
COMMENT ON COLUMN analytics.discount_analysis.band_order IS 'Sort key of discount_band: 1 none .. 5 30%+';
COMMENT ON COLUMN analytics.discount_analysis.lines IS 'Completed order lines in the band';
COMMENT ON COLUMN analytics.discount_analysis.orders IS 'Distinct order_id with a completed line in the band';
COMMENT ON COLUMN analytics.discount_analysis.units IS 'Sum of quantity over the completed lines in the band';
COMMENT ON COLUMN analytics.discount_analysis.gross_sales IS 'Sum of quantity x unit_price (list price, before discount) of those lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.discount IS 'Sum of discount of those lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.revenue IS 'Sum of total_amount (gross_sales - discount) of those lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.avg_discount_pct IS '100 x discount / gross_sales, in percent (0-100); NULL when gross_sales is 0 or the discount exceeds it';
COMMENT ON COLUMN analytics.discount_analysis.avg_units_per_line IS 'units / lines, 2 decimals';
COMMENT ON COLUMN analytics.discount_analysis.gross_profit IS 'revenue - cost, cost = sum of cost_amount (quantity x unit cost) of the same lines; currency of the data, 2 decimals; NULL when one of them has no cost';
COMMENT ON COLUMN analytics.discount_analysis.profit_margin_pct IS 'Profit margin: 100 x (revenue - cost) / revenue, in percent (negative for a loss); NULL when cost is unknown, when revenue <= 0 and when cost > 10^7 x revenue';

-- Customer lifetime value, one row per customer_id with a completed
-- purchase (all SCD2 versions together; name, segment and location from the
-- current version, NULL without one). as_of = the last day with any order
-- line in fact_sales (the end of the data, so that results do not move with
-- the clock).
--   * avg_order_value = revenue / orders over the customer's completed lines.
--   * tenure_years = (as_of - first_purchase + 1) / 365.25: the customer's
--     observed time since the first completed purchase, both days counted.
--   * purchase_frequency = orders / greatest(tenure_years, 90 / 365.25):
--     orders per year, a tenure under 90 days counting as 90 days, so that a
--     customer seen for a few days is not extrapolated to hundreds of orders.
--   * expected_lifespan_years = the average tenure_years (the same measure)
--     of all customers whose current segment is the customer's (NULL segment
--     a group of its own), from customer_first_purchase. Customers are still
--     active at as_of, so this is a lower bound while the data is young.
--   * clv = avg_order_value x purchase_frequency x expected_lifespan_years,
--     from the unrounded factors.
CREATE VIEW analytics.customer_value AS
SELECT g.customer_id, g.customer_name, g.segment, g.city, g.state, g.region, g.country,
	g.first_purchase,
	g.last_purchase,
	g.orders,
	g.revenue::numeric(16, 2) AS revenue,
	(g.revenue / g.orders)::numeric(16, 2) AS avg_order_value,
	((a.as_of - g.first_purchase + 1) / 365.25)::numeric(10, 4) AS tenure_years,
	(g.orders * 365.25 / GREATEST(a.as_of - g.first_purchase + 1, 90))::numeric(12, 4) AS purchase_frequency,
	l.lifespan_years::numeric(10, 4) AS expected_lifespan_years,
	(g.revenue / g.orders * (g.orders * 365.25 / GREATEST(a.as_of - g.first_purchase + 1, 90))
		* l.lifespan_years)::numeric(16, 2) AS clv
FROM (
	SELECT v.customer_id,
		cur.full_name AS customer_name, cur.segment, cur.city, cur.state, cur.region, cur.country,
		pg_catalog.min(d.full_date) AS first_purchase,
		pg_catalog.max(d.full_date) AS last_purchase,
		pg_catalog.count(DISTINCT f.order_id) AS orders,
		pg_catalog.sum(f.total_amount) AS revenue
	FROM analytics.fact_sales f
	JOIN analytics.dim_date d ON d.date_key = f.date_key
	JOIN analytics.dim_customer v ON v.customer_key = f.customer_key
	LEFT JOIN analytics.dim_customer cur ON cur.customer_id = v.customer_id AND cur.is_current
	WHERE f.status = 'completed'
	GROUP BY v.customer_id, cur.customer_key
) g
CROSS JOIN (
	SELECT x.full_date AS as_of
	FROM analytics.dim_date x
	WHERE x.date_key = (SELECT pg_catalog.max(y.date_key) FROM analytics.fact_sales y)
) a
LEFT JOIN (
	SELECT cur.segment,
		pg_catalog.avg((a2.as_of - p.first_day + 1) / 365.25) AS lifespan_years
	FROM analytics.customer_first_purchase p
	CROSS JOIN (
		SELECT x.full_date AS as_of
		FROM analytics.dim_date x
		WHERE x.date_key = (SELECT pg_catalog.max(y.date_key) FROM analytics.fact_sales y)
	) a2
	LEFT JOIN analytics.dim_customer cur ON cur.customer_id = p.customer_id AND cur.is_current
	GROUP BY cur.segment
) l ON l.segment IS NOT DISTINCT FROM g.segment;
COMMENT ON VIEW analytics.customer_value IS 'Customer lifetime value per customer_id: CLV = average order value x purchase frequency (orders per year since the first purchase, at least 90 days counted) x expected lifespan (the average years since first purchase of the customers of the same current segment), as of the last day of sales data';
COMMENT ON COLUMN analytics.customer_value.customer_id IS 'Source customer id (all SCD2 versions together), one row per customer with a completed line';
COMMENT ON COLUMN analytics.customer_value.customer_name IS 'Full name of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.segment IS 'Segment of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.city IS 'City of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.state IS 'State of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.region IS 'Region of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.country IS 'Country of the customer''s current version; NULL without a current version or when it has none';
COMMENT ON COLUMN analytics.customer_value.first_purchase IS 'UTC day of the customer''s first completed line';
COMMENT ON COLUMN analytics.customer_value.last_purchase IS 'UTC day of the customer''s last completed line';
COMMENT ON COLUMN analytics.customer_value.orders IS 'Distinct order_id with a completed line of the customer, over all versions';
COMMENT ON COLUMN analytics.customer_value.revenue IS 'Sum of total_amount over the customer''s completed lines; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_value.avg_order_value IS 'Average order value: revenue / orders; currency of the data, 2 decimals';
COMMENT ON COLUMN analytics.customer_value.tenure_years IS '(as_of - first_purchase + 1 day) / 365.25, in years, both days counted; as_of = the last UTC day with any order line in fact_sales';
COMMENT ON COLUMN analytics.customer_value.purchase_frequency IS 'Orders per year: orders / greatest(tenure_years, 90 / 365.25) (a tenure under 90 days counts as 90 days)';
COMMENT ON COLUMN analytics.customer_value.expected_lifespan_years IS 'Average tenure (same measure, first day from analytics.customer_first_purchase) of all customers whose current segment is this customer''s (NULL segment a group of its own), in years; NULL when the summaries hold none of them';
COMMENT ON COLUMN analytics.customer_value.clv IS 'Customer lifetime value: avg_order_value x purchase_frequency x expected_lifespan_years, from the unrounded factors; currency of the data, 2 decimals; NULL when expected_lifespan_years is';

-- Payments
--
-- Per UTC day, payment channel (channel_name of fact_payments.channel_key),
-- city (dim_city: city, state, region) and customer segment (of the customer
-- version the payment points to; NULL without customer or city).
--   * revenue = sum of fact_payments.revenue (amount x fee_percent / 100 for
--     successful payments, 0 for failed ones), four decimals.
--   * transactions = payments; failed = payments with status failed;
--     failure_rate = 100 x failed / transactions.
--   * avg_processing_time = average processing_time in seconds over the
--     payments that have one (NULL when none).
-- To add these rows up, sum revenue, transactions and failed, and recompute
-- the rate; weight avg_processing_time by transactions.
CREATE VIEW analytics.payment_kpis AS
SELECT d.full_date AS day,
	ch.channel_name AS channel,
	ci.city,
	ci.state,
	ci.region,
	c.segment,
	pg_catalog.sum(f.revenue)::numeric(16, 4) AS revenue,
	pg_catalog.count(*) AS transactions,
	pg_catalog.count(*) FILTER (WHERE f.status = 'failed') AS failed,
	(100.0 * pg_catalog.count(*) FILTER (WHERE f.status = 'failed') / pg_catalog.count(*))::numeric(7, 2) AS failure_rate,
	pg_catalog.avg(f.processing_time)::numeric(10, 3) AS avg_processing_time
FROM analytics.fact_payments f
JOIN analytics.dim_date d ON d.date_key = f.date_key
JOIN analytics.dim_channel ch ON ch.channel_key = f.channel_key
LEFT JOIN analytics.dim_city ci ON ci.city_key = f.city_key
LEFT JOIN analytics.dim_customer c ON c.customer_key = f.customer_key
GROUP BY d.full_date, ch.channel_name, ci.city, ci.state, ci.region, c.segment;
COMMENT ON VIEW analytics.payment_kpis IS 'Payments per UTC day, channel, city (state, region) and customer segment: fee revenue, transactions, failed, failure rate in percent, average processing time in seconds';
COMMENT ON COLUMN analytics.payment_kpis.day IS 'UTC calendar day of the payment (dim_date.full_date)';
COMMENT ON COLUMN analytics.payment_kpis.channel IS 'Payment channel name (dim_channel.channel_name); NULL for a channel without a name';
COMMENT ON COLUMN analytics.payment_kpis.city IS 'City the payment carries (dim_city.city); NULL for payments without one';
COMMENT ON COLUMN analytics.payment_kpis.state IS 'State of that city (dim_city); NULL without city or when it has none';
COMMENT ON COLUMN analytics.payment_kpis.region IS 'Region of that city (dim_city); NULL without city or when it has none';
COMMENT ON COLUMN analytics.payment_kpis.segment IS 'Segment of the customer version the payment points to; NULL for payments without customer or when it has none';
COMMENT ON COLUMN analytics.payment_kpis.revenue IS 'Payment fee revenue: sum of fact_payments.revenue (amount x fee_percent / 100 for successful payments, 0 for failed ones); currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.payment_kpis.transactions IS 'Payments';
COMMENT ON COLUMN analytics.payment_kpis.failed IS 'Payments with status failed';
COMMENT ON COLUMN analytics.payment_kpis.failure_rate IS '100 x failed / transactions, in percent (0-100)';
COMMENT ON COLUMN analytics.payment_kpis.avg_processing_time IS 'Average processing_time over the payments that have one, in seconds, 3 decimals; NULL when none has one';

-- Per UTC day with a payment: the columns of payment_kpis over all payments
-- of the day, and over the 7 days ending that day (from retail_daily_totals):
--   * revenue_7d_avg = the window's revenue / its days (days without
--     payments count 0);
--   * failure_rate_7d = 100 x the window's failed / its transactions
--     (pooled: a busy day weighs more than a quiet one);
--   * avg_processing_time_7d = the window's processing seconds / its timed
--     payments.
-- At the start of the data the window is cut at the first day with any
-- payment, as in kpi_daily.
CREATE VIEW analytics.payment_kpis_daily AS
SELECT g.day,
	g.revenue::numeric(16, 4) AS revenue,
	g.transactions,
	g.failed,
	(100.0 * g.failed / g.transactions)::numeric(7, 2) AS failure_rate,
	g.avg_processing_time::numeric(10, 3) AS avg_processing_time,
	(w.revenue / LEAST(7, g.day - (SELECT x.full_date FROM analytics.dim_date x
		WHERE x.date_key = (SELECT pg_catalog.min(y.date_key) FROM analytics.fact_payments y)) + 1))::numeric(16, 4)
		AS revenue_7d_avg,
	(CASE WHEN w.transactions > 0 THEN 100.0 * w.failed / w.transactions END)::numeric(7, 2) AS failure_rate_7d,
	(CASE WHEN w.timed > 0 THEN w.seconds / w.timed END)::numeric(10, 3) AS avg_processing_time_7d
FROM (
	SELECT p.day, p.revenue, p.payments AS transactions, p.failed_payments AS failed,
		p.processing_seconds / NULLIF(p.timed_payments, 0) AS avg_processing_time
	FROM analytics.payment_days_live p
) g
CROSS JOIN LATERAL (
	SELECT COALESCE(pg_catalog.sum(t.payment_revenue), 0) AS revenue,
		pg_catalog.sum(t.payments) AS transactions,
		pg_catalog.sum(t.failed_payments) AS failed,
		pg_catalog.sum(t.processing_seconds) AS seconds,
		pg_catalog.sum(t.timed_payments) AS timed
	FROM analytics.retail_daily_totals t
	WHERE t.day > g.day - 7 AND t.day <= g.day
) w;
COMMENT ON VIEW analytics.payment_kpis_daily IS 'Payments per UTC day: fee revenue, transactions, failed, failure rate, average processing time, and over the 7 days ending that day: average daily revenue, pooled failure rate and average processing time (window cut at the first payment day)';
COMMENT ON COLUMN analytics.payment_kpis_daily.day IS 'UTC calendar day with at least one payment (dim_date.full_date)';
COMMENT ON COLUMN analytics.payment_kpis_daily.revenue IS 'Payment fee revenue: sum of fact_payments.revenue (amount x fee_percent / 100 for successful payments, 0 for failed ones); currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.payment_kpis_daily.transactions IS 'Payments that day';
COMMENT ON COLUMN analytics.payment_kpis_daily.failed IS 'Payments with status failed that day';
COMMENT ON COLUMN analytics.payment_kpis_daily.failure_rate IS '100 x failed / transactions, in percent (0-100)';
COMMENT ON COLUMN analytics.payment_kpis_daily.avg_processing_time IS 'Average processing_time over the payments that have one, in seconds, 3 decimals; NULL when none has one';
COMMENT ON COLUMN analytics.payment_kpis_daily.revenue_7d_avg IS 'Average daily fee revenue of the 7 days ending that day, days without payments counting 0: their payment revenue (analytics.retail_daily_totals) / the number of those days on or after the first payment day; currency of the data, 4 decimals';
COMMENT ON COLUMN analytics.payment_kpis_daily.failure_rate_7d IS 'Pooled failure rate of the 7 days ending that day: 100 x their failed / their payments (analytics.retail_daily_totals), in percent (0-100); NULL when the summaries hold no payment in them';
COMMENT ON COLUMN analytics.payment_kpis_daily.avg_processing_time_7d IS 'Processing seconds / timed payments of the 7 days ending that day (analytics.retail_daily_totals), in seconds, 3 decimals; NULL when none of them is timed';

-- Customer service interactions per UTC day, channel (NULL without one) and
-- interaction_type: interactions; resolved = status resolved;
-- resolution_rate = 100 x resolved / interactions (unresolved and abandoned
-- count as not resolved); avg_duration_seconds over interactions with a
-- duration.
CREATE VIEW analytics.interaction_summary AS
SELECT d.full_date AS day,
	ch.channel_name AS channel,
	f.interaction_type,
	pg_catalog.count(*) AS interactions,
	pg_catalog.count(*) FILTER (WHERE f.status = 'resolved') AS resolved,
	pg_catalog.avg(f.duration_seconds)::numeric(12, 2) AS avg_duration_seconds,
	(100.0 * pg_catalog.count(*) FILTER (WHERE f.status = 'resolved') / pg_catalog.count(*))::numeric(7, 2) AS resolution_rate
FROM analytics.fact_interactions f
JOIN analytics.dim_date d ON d.date_key = f.date_key
LEFT JOIN analytics.dim_channel ch ON ch.channel_key = f.channel_key
GROUP BY d.full_date, ch.channel_name, f.interaction_type;
COMMENT ON VIEW analytics.interaction_summary IS 'Customer service interactions per UTC day, channel and type: interactions, resolved, average duration in seconds, resolution rate in percent (resolved / all)';
COMMENT ON COLUMN analytics.interaction_summary.day IS 'UTC calendar day of the interaction (dim_date.full_date)';
COMMENT ON COLUMN analytics.interaction_summary.channel IS 'Channel name (dim_channel.channel_name); NULL for interactions without a channel';
COMMENT ON COLUMN analytics.interaction_summary.interaction_type IS 'Interaction type as loaded; NULL when the interaction has none';
COMMENT ON COLUMN analytics.interaction_summary.interactions IS 'Interactions';
COMMENT ON COLUMN analytics.interaction_summary.resolved IS 'Interactions with status resolved';
COMMENT ON COLUMN analytics.interaction_summary.avg_duration_seconds IS 'Average duration_seconds over the interactions that have one, in seconds, 2 decimals; NULL when none has one';
COMMENT ON COLUMN analytics.interaction_summary.resolution_rate IS '100 x resolved / interactions, in percent (0-100); unresolved and abandoned count as not resolved';

SELECT pg_catalog.pg_extension_config_dump('analytics.customer_first_purchase', '');
SELECT pg_catalog.pg_extension_config_dump('analytics_internal.retail_summaries_watermark', '');

REVOKE ALL ON FUNCTION analytics.refresh_retail_summaries(date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.refresh_retail_summaries(date, date) TO analytics_admin;
REVOKE ALL ON FUNCTION analytics.refresh_retail_summaries() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.refresh_retail_summaries() TO analytics_admin;
REVOKE ALL ON FUNCTION analytics.schedule_kpi_refresh(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analytics.schedule_kpi_refresh(text) TO analytics_admin;
GRANT INSERT, UPDATE, DELETE ON analytics.customer_first_purchase TO analytics_admin;
GRANT SELECT, INSERT, UPDATE ON analytics_internal.retail_summaries_watermark TO analytics_admin;
GRANT SELECT ON analytics.retail_daily_totals, analytics.customer_first_purchase, analytics.metrics_daily,
	analytics.kpi_daily, analytics.sales_daily, analytics.sales_monthly, analytics.top_products,
	analytics.category_sales, analytics.payment_methods, analytics.sales_geography,
	analytics.customer_segments, analytics.product_performance, analytics.discount_analysis,
	analytics.customer_value, analytics.payment_kpis, analytics.payment_kpis_daily,
	analytics.interaction_summary
	TO analytics_reader, analytics_admin;
