-- Reports: chart_data (Vega-Lite), templates, generate_report (json, csv),
-- periods, failures, retention, scheduling and the email outbox (retries,
-- backoff, interrupted sends; the real mail server is in
-- test/integration/report_email.sh), privileges. Values by hand.
SET DateStyle = ISO;
SET TimeZone = 'UTC';
SET client_min_messages = warning;
CREATE EXTENSION analytics;
\set SHOW_CONTEXT never

-- A small table of one's own: 6 sales on 4 days in two channels.
--   2026-02-23 (Mon) 09:30  web 10   units 1
--   2026-02-23 (Mon) 14:10  app 30   units 2
--   2026-02-25 (Wed) 09:05  web 20   units 1
--   2026-03-02 (Mon) 09:45  web 40   units 4
--   2026-03-03 (Tue) 23:59  app 50   units 5
--   2026-03-03 (Tue) 23:00  web "a, ""b""" note, 0   units 0
CREATE TABLE public.sales (at timestamptz NOT NULL, day date NOT NULL, channel text, amount numeric, units int, note text);
GRANT SELECT ON public.sales TO PUBLIC;
INSERT INTO public.sales VALUES
	('2026-02-23 09:30Z', '2026-02-23', 'web', 10, 1, NULL),
	('2026-02-23 14:10Z', '2026-02-23', 'app', 30, 2, NULL),
	('2026-02-25 09:05Z', '2026-02-25', 'web', 20, 1, NULL),
	('2026-03-02 09:45Z', '2026-03-02', 'web', 40, 4, NULL),
	('2026-03-03 23:59Z', '2026-03-03', 'app', 50, 5, NULL),
	('2026-03-03 23:00Z', '2026-03-03', 'web', 0, 0, 'a, "b"');

-- chart_data. By day over 02-23 .. 03-02: 40, 20, 40 (03-03 is outside)
SELECT jsonb_pretty(analytics.chart_data('line', 'public.sales', 'day', ARRAY['amount'],
	from_date => '2026-02-23', to_date => '2026-03-02'));
-- by ISO week (weeks of 02-23 and 03-02), two measures: amount 60 and 90,
-- units 4 and 9
SELECT d ->> 'x' AS week, d ->> 'series' AS series, (d ->> 'value')::numeric AS value
FROM jsonb_array_elements(analytics.chart_data('bar', 'public.sales', 'day', ARRAY['amount', 'units'], bucket => 'week')
	-> 'data' -> 'values') d;
-- by channel (a series) and month: February web 30, app 30; March web 40, app 50
SELECT d ->> 'x' AS month, d ->> 'series' AS channel, (d ->> 'value')::numeric AS amount
FROM jsonb_array_elements(analytics.chart_data('area', 'public.sales', 'at', ARRAY['amount'], 'channel', 'month')
	-> 'data' -> 'values') d;
-- a pie: web 70 of 150 = 46.67%, app 80 = 53.33%; encoding theta and color
SELECT d ->> 'x' AS channel, (d ->> 'value')::numeric AS amount, round((d ->> 'percent')::numeric, 2) AS percent
FROM jsonb_array_elements(analytics.chart_data('pie', 'public.sales', 'channel', ARRAY['amount']) -> 'data' -> 'values') d;
SELECT s -> 'mark' ->> 'type' AS mark, s -> 'encoding' -> 'theta' ->> 'field' AS theta, s -> 'encoding' -> 'color' ->> 'field' AS color
FROM analytics.chart_data('pie', 'public.sales', 'channel', ARRAY['amount']) s;
-- a heatmap of rows by day of week and hour (UTC): Mon 9 (2), Mon 14, Wed 9, Tue 23 (2)
SELECT d ->> 'dow' AS dow, d ->> 'hour' AS hour, d ->> 'value' AS sales
FROM jsonb_array_elements(analytics.chart_data('heatmap', 'public.sales', 'at', '{}') -> 'data' -> 'values') d;
-- a view by month and a period inside February: the months that overlap
-- it (February only: web 5, app 7)
CREATE TABLE public.monthly (month date, channel text, amount numeric);
INSERT INTO public.monthly VALUES ('2026-01-01', 'web', 1), ('2026-02-01', 'web', 2), ('2026-02-01', 'web', 3),
	('2026-02-01', 'app', 7), ('2026-03-01', 'app', 11);
SELECT d ->> 'x' AS channel, (d ->> 'value')::numeric AS amount
FROM jsonb_array_elements(analytics.chart_data('bar', 'public.monthly', 'channel', ARRAY['amount'],
	from_date => '2026-02-10', to_date => '2026-02-20') -> 'data' -> 'values') d;
-- February to March 10: February and March (app 18, web 5)
SELECT d ->> 'x' AS channel, (d ->> 'value')::numeric AS amount
FROM jsonb_array_elements(analytics.chart_data('bar', 'public.monthly', 'channel', ARRAY['amount'],
	from_date => '2026-02-01', to_date => '2026-03-10') -> 'data' -> 'values') d;
DROP TABLE public.monthly;
-- bad input
SELECT analytics.chart_data('donut', 'public.sales', 'day', ARRAY['amount']);
SELECT analytics.chart_data('line', 'sales', 'day', ARRAY['amount']);
SELECT analytics.chart_data('line', 'pg_temp.sales', 'day', ARRAY['amount']);
SELECT analytics.chart_data('line', 'public.nope', 'day', ARRAY['amount']);
SELECT analytics.chart_data('line', 'public.sales', 'day', ARRAY['amount; DROP TABLE public.sales']);
SELECT analytics.chart_data('line', 'public.sales', 'day"; DROP TABLE public.sales; --', ARRAY['amount']);
SELECT analytics.chart_data('line', 'public.sales', 'day', ARRAY['channel']);
SELECT analytics.chart_data('line', 'public.sales', 'channel', ARRAY['amount'], bucket => 'week');
SELECT analytics.chart_data('heatmap', 'public.sales', 'day', ARRAY['amount']);
SELECT analytics.chart_data('pie', 'public.sales', 'channel', ARRAY['amount', 'units']);
SELECT analytics.chart_data('line', 'public.sales', 'day', ARRAY['amount'], bucket => 'fortnight');
SELECT count(*) AS sales_still_there FROM public.sales;

-- Templates
SELECT analytics.create_report_template('sales_report', 'Sales', $j$[
	{"kind": "text", "text": "Sales of {from} to {to}."},
	{"kind": "table", "name": "by_day", "title": "By day", "main": true,
	 "query": "SELECT s.day, s.channel, s.amount, s.units, s.note FROM public.sales s WHERE s.day BETWEEN $1 AND $2 ORDER BY s.day, s.at",
	 "columns": {"day": {"label": "Day", "format": "yyyy-mm-dd"}, "amount": {"label": "Amount", "format": "#,##0.00"}}},
	{"kind": "table", "name": "by_channel", "title": "By channel",
	 "query": "SELECT s.channel, sum(s.amount) AS amount FROM public.sales s WHERE s.day BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 1"},
	{"kind": "chart", "title": "Amount", "chart": "bar", "source": "public.sales", "x": "day", "y": ["amount"]}
	]$j$);
SELECT name, title, builtin FROM analytics.report_templates ORDER BY builtin, name;
-- bad templates: each error names what is wrong
SELECT analytics.create_report_template('Bad Name', 'x', '[{"kind": "text", "text": "x"}]');
SELECT analytics.create_report_template('bad', 'x', '[]');
SELECT analytics.create_report_template('bad', 'x', '[{"kind": "poem"}]');
SELECT analytics.create_report_template('bad', 'x', '[{"kind": "table"}]');
SELECT analytics.create_report_template('bad', 'x', '[{"kind": "table", "query": "SELECT nope FROM public.sales"}]');
SELECT analytics.create_report_template('bad', 'x', '[{"kind": "table", "query": "DELETE FROM public.sales RETURNING 1"}]');
SELECT analytics.create_report_template('bad', 'x', '[{"kind": "chart", "chart": "line", "source": "public.sales", "x": "nope", "y": ["amount"]}]');
SELECT analytics.create_report_template('bad', 'x', '[{"kind": "kpis", "metrics": ["no_such_metric"]}]');
SELECT analytics.create_report_template('sales_report', 'x', '[{"kind": "text", "text": "x"}]');

-- Periods (UTC), now Wednesday 2026-03-04 10:00: daily 03-03; weekly the
-- ISO week 02-23 .. 03-01; monthly 02-01 .. 02-28; annual 2025
SET analytics.mock_now = '2026-03-04 10:00:00+00';
SELECT t, (analytics_internal._report_period(t, '{}', '2026-03-04')).*
FROM unnest(ARRAY['daily', 'weekly', 'monthly', 'annual']) t;
SELECT analytics_internal._report_period('custom', '{"from": "2026-01-05", "to": "2026-01-01"}', '2026-03-04');
SELECT analytics_internal._report_period('custom', '{"from": "yesterday-ish"}', '2026-03-04');
SELECT analytics_internal._report_period('hourly', '{}', '2026-03-04');

-- CSV (RFC 4180) of the main table for the ISO week 02-23 .. 03-01: 3 sales
-- (03-02 and 03-03 are outside); the header from the labels
SELECT analytics.generate_report('sales_report', 'weekly', 'csv') AS weekly_csv \gset
SELECT status, report_type, period_from, period_to, media_type, file_size, name FROM analytics.reports WHERE id = :'weekly_csv';
SELECT convert_from(analytics.report_file(:'weekly_csv'), 'UTF8') = E'Day,channel,Amount,units,note\r\n'
	'2026-02-23,web,10,1,\r\n2026-02-23,app,30,2,\r\n2026-02-25,web,20,1,\r\n' AS csv_exact;
-- a custom period with a quoted field (a comma and quotes): "a, ""b"""
SELECT analytics.generate_report('sales_report', 'custom', 'csv', '{"from": "2026-03-03", "to": "2026-03-03"}') AS custom_csv \gset
SELECT convert_from(analytics.report_file(:'custom_csv'), 'UTF8') = E'Day,channel,Amount,units,note\r\n'
	'2026-03-03,web,0,0,"a, ""b"""\r\n2026-03-03,app,50,5,\r\n' AS csv_quoted;
-- another table by its name
SELECT analytics.generate_report('sales_report', 'monthly', 'csv', '{"section": "by_channel"}') AS channel_csv \gset
SELECT convert_from(analytics.report_file(:'channel_csv'), 'UTF8') = E'channel,amount\r\napp,30\r\nweb,30\r\n' AS csv_section;
SELECT analytics.generate_report('sales_report', 'monthly', 'csv', '{"section": "nope"}') AS failed_csv \gset
SELECT status, error, file IS NULL AS no_file FROM analytics.reports WHERE id = :'failed_csv';
SELECT analytics.report_file(:'failed_csv');

-- JSON: the document, typed values
SELECT analytics.generate_report('sales_report', 'monthly', 'json', name => 'February') AS feb \gset
SELECT d -> 'report' ->> 'name' AS name, d -> 'report' -> 'period' AS period, d -> 'report' ->> 'template' AS template,
	d -> 'report' ->> 'generated_at' AS generated_at, jsonb_array_length(d -> 'sections') AS sections
FROM (SELECT convert_from(analytics.report_file(:'feb'), 'UTF8')::jsonb AS d) x;
SELECT s ->> 'kind' AS kind, s ->> 'text' AS text, s -> 'columns' AS columns
FROM (SELECT convert_from(analytics.report_file(:'feb'), 'UTF8')::jsonb AS d) x, jsonb_array_elements(d -> 'sections') s
WHERE s ->> 'kind' IN ('text', 'table') AND coalesce(s ->> 'name', '') <> 'by_channel';
SELECT r AS row, jsonb_typeof(r -> 2) AS amount_type
FROM (SELECT convert_from(analytics.report_file(:'feb'), 'UTF8')::jsonb AS d) x, jsonb_array_elements(d -> 'sections') s,
	jsonb_array_elements(s -> 'rows') r
WHERE s ->> 'name' = 'by_day';
-- the chart in the report is chart_data over the report's period
SELECT (s -> 'spec') = analytics.chart_data('bar', 'public.sales', 'day', ARRAY['amount'], NULL, NULL, '2026-02-01', '2026-02-28')
	|| '{"title": "Amount"}' AS chart_equals_chart_data
FROM (SELECT convert_from(analytics.report_file(:'feb'), 'UTF8')::jsonb AS d) x, jsonb_array_elements(d -> 'sections') s
WHERE s ->> 'kind' = 'chart';
SELECT encode(sha256(analytics.report_file(:'feb')), 'hex') = sha256 AS sha256_matches,
	length(analytics.report_file(:'feb')) = file_size AS size_matches
FROM analytics.reports WHERE id = :'feb';

-- A failure records failed with the error and leaves no file.
SELECT analytics.create_report_template('broken', 'Broken', $j$[
	{"kind": "table", "query": "SELECT s.day, 1 / (s.units - s.units) AS boom FROM public.sales s WHERE s.day BETWEEN $1 AND $2"}]$j$);
SELECT analytics.generate_report('broken', 'monthly', 'csv') AS broken \gset
SELECT status, error, file IS NULL AS no_file, media_type FROM analytics.reports WHERE id = :'broken';
-- bad requests are errors, recorded nowhere
SELECT analytics.generate_report('nope', 'monthly', 'csv');
SELECT analytics.generate_report('sales_report', 'monthly', 'docx');
SELECT analytics.generate_report('sales_report', 'custom', 'csv');
SELECT analytics.report_file('00000000-0000-4000-8000-000000000000');

-- The shipped templates, on empty data: every section runs.
SELECT name, analytics.generate_report(name, 'monthly', 'json') IS NOT NULL AS made
FROM analytics.report_templates WHERE builtin ORDER BY name;
SELECT template, status, error FROM analytics.reports WHERE template IN (SELECT name FROM analytics.report_templates WHERE builtin)
ORDER BY template;

-- Retention: analytics.report_retention (default 90 days); generating a
-- report deletes the older ones. Two days later with 1 day: all but the new one go.
SELECT count(*) AS reports FROM analytics.reports;
SET analytics.report_retention = '1d';
SET analytics.mock_now = '2026-03-06 10:00:00+00';
SELECT analytics.generate_report('sales_report', 'daily', 'json') IS NOT NULL AS made;
SELECT count(*) AS reports, min(created_at) FROM analytics.reports;
RESET analytics.report_retention;

-- Scheduling. The period a schedule implies: fixed days of a month and year
-- annual, of the month monthly, fixed weekdays weekly, else daily.
SELECT s, analytics_internal._report_schedule_type(s) AS report_type
FROM unnest(ARRAY['0 6 * * *', '*/10 * * * *', '0 6 * * 1', '30 7 * * 1-5', '0 6 1 * *', '0 6 1 1 *',
	'@daily', '@weekly', '@monthly', '@yearly', '@hourly']) s;
-- a monthly report on the 1st at 06:00 to two addresses (one given twice),
-- and the sender of every scheduled report, every minute
SELECT analytics.schedule_report('sales_monthly', 'sales_report', 'csv', '0 6 1 * *',
	ARRAY['b@example.com', 'a@example.com', 'a@example.com'], subject => 'Sales') IS NOT NULL AS scheduled;
SELECT name, job_type, schedule, command, jsonb_pretty(config) FROM analytics.jobs ORDER BY name;
-- scheduling again under one name replaces it: weekly on Mondays
SELECT analytics.schedule_report('sales_monthly', 'sales_report', 'csv', '0 6 * * 1',
	ARRAY['a@example.com', 'b@example.com'], subject => 'Sales') IS NOT NULL AS rescheduled;
SELECT name, schedule, config ->> 'report_type' AS report_type FROM analytics.jobs ORDER BY name;
SELECT analytics.schedule_report('sales_monthly', 'sales_report', 'csv', '0 6 1 * *',
	ARRAY['a@example.com', 'b@example.com'], subject => 'Sales') IS NOT NULL AS monthly_again;
-- bad requests
SELECT analytics.schedule_report('x', 'sales_report', 'csv', '0 6 * * *', ARRAY['not an address']);
SELECT analytics.schedule_report('x', 'sales_report', 'csv', '0 6 * * *', ARRAY['a@example.com', NULL]);
SELECT analytics.schedule_report('x', 'nope', 'csv', '0 6 * * *');
SELECT analytics.schedule_report('x', 'sales_report', 'doc', '0 6 * * *');
SELECT analytics.schedule_report('x', 'sales_report', 'csv', '@hourly');
SELECT analytics.schedule_report('x', 'sales_report', 'csv', '61 6 * * *');
SELECT analytics.schedule_report('report_delivery', 'sales_report', 'csv', '0 6 * * *');
SELECT analytics.create_job('not_a_report', 'custom', '0 6 * * *', 'SELECT 1') IS NOT NULL AS custom_job;
SELECT analytics.schedule_report('not_a_report', 'sales_report', 'csv', '0 6 * * *');
SELECT analytics.drop_job('not_a_report');

-- A run on 2026-03-01 06:00 makes February's report and queues it for a
-- and b: due at once, nothing tried yet.
SET analytics.mock_now = '2026-03-01 06:00:00+00';
SELECT analytics.run_job('sales_monthly') IS NOT NULL AS ran;
SELECT job_name, status, manual FROM analytics.job_runs ORDER BY run_id;
SELECT name, report_type, format, status, period_from, period_to, scheduled, email_recipients,
	schedule_config ->> 'name' AS schedule
FROM analytics.reports WHERE scheduled;
SELECT recipient, subject, message, status, attempts, next_attempt_at, last_error
FROM analytics.report_deliveries ORDER BY recipient;

-- Delivery with no mail server set: each attempt fails, and is retried 1,
-- then 2 minutes after it (not before); after analytics.report_delivery_attempts
-- attempts (here 3) it is failed.
SET client_min_messages = error;
SELECT analytics.deliver_reports() AS sent;
SELECT recipient, status, attempts, last_attempt_at, next_attempt_at, last_error
FROM analytics.report_deliveries ORDER BY recipient;
SET analytics.mock_now = '2026-03-01 06:00:59+00';
SELECT analytics.deliver_reports() AS sent_too_early;
SELECT count(*) AS untouched FROM analytics.report_deliveries WHERE attempts = 1;
SET analytics.mock_now = '2026-03-01 06:01:00+00';
SELECT analytics.deliver_reports() AS sent;
SELECT recipient, status, attempts, next_attempt_at FROM analytics.report_deliveries ORDER BY recipient;
-- an unreachable server: curl's error is recorded
SET analytics.smtp_server = 'smtp://127.0.0.1:1';
SET analytics.smtp_sender = 'Analytics <reports@example.com>';
SET analytics.report_delivery_attempts = 3;
SET analytics.mock_now = '2026-03-01 06:03:00+00';
SELECT analytics.deliver_reports(max_messages => 1) AS sent;
SELECT recipient, status, attempts, next_attempt_at, last_error ~ 'connect' AS refused
FROM analytics.report_deliveries ORDER BY recipient;
SELECT analytics.deliver_reports() AS sent;
SELECT recipient, status, attempts, next_attempt_at FROM analytics.report_deliveries ORDER BY recipient;
-- a URL of another protocol is not followed
SET analytics.smtp_server = 'file:///etc/passwd';
SELECT analytics.resend_delivery(id) FROM analytics.report_deliveries WHERE recipient = 'a@example.com';
SELECT analytics.deliver_reports() AS sent;
SELECT recipient, status, attempts, last_error FROM analytics.report_deliveries WHERE recipient = 'a@example.com';
RESET analytics.smtp_server;
RESET analytics.report_delivery_attempts;
SET client_min_messages = warning;
SELECT analytics.resend_delivery(id) FROM analytics.report_deliveries WHERE recipient = 'b@example.com';
SELECT recipient, status, attempts, next_attempt_at, last_error FROM analytics.report_deliveries ORDER BY recipient;
SELECT analytics.resend_delivery(id) FROM analytics.report_deliveries WHERE recipient = 'b@example.com';
SELECT analytics.deliver_reports(0);
-- A run that ended while sending left the delivery sending: the next run
-- fails it (the server may have accepted it) and sends nothing again.
UPDATE analytics.report_deliveries SET status = 'sending' WHERE recipient = 'b@example.com';
SELECT analytics.deliver_reports() AS sent;
SELECT recipient, status, attempts, last_error FROM analytics.report_deliveries ORDER BY recipient;
-- A failed report is recorded, and nothing is queued for it.
SELECT analytics.schedule_report('broken_csv', 'sales_report', 'csv', '0 6 1 * *', ARRAY['a@example.com'],
	'{"section": "nope"}') IS NOT NULL AS scheduled;
SELECT analytics.run_job('broken_csv') IS NOT NULL AS ran;
SELECT job_name, status FROM analytics.job_runs ORDER BY run_id;
SELECT r.status, r.error, count(d.id) AS deliveries
FROM analytics.reports r LEFT JOIN analytics.report_deliveries d ON d.report = r.id
WHERE r.schedule_config ->> 'name' = 'broken_csv' GROUP BY 1, 2;
SELECT analytics.email_report(id, ARRAY['a@example.com']) FROM analytics.reports WHERE schedule_config ->> 'name' = 'broken_csv';
-- email_report queues a report made by hand; deleting a report deletes its deliveries
SELECT analytics.email_report(analytics.generate_report('sales_report', 'daily', 'json'), ARRAY['c@example.com'],
	message => 'Yesterday.') AS queued;
SELECT recipient, subject, message, status FROM analytics.report_deliveries WHERE recipient = 'c@example.com';
DELETE FROM analytics.reports WHERE id IN (SELECT report FROM analytics.report_deliveries WHERE recipient = 'c@example.com');
SELECT count(*) AS c_deliveries FROM analytics.report_deliveries WHERE recipient = 'c@example.com';
SELECT analytics.unschedule_report('broken_csv');
SELECT analytics.unschedule_report('report_delivery');
SELECT name FROM analytics.jobs ORDER BY name;

-- Privileges: readers read reports and chart data; admins make them. A
-- template's queries run as its owner: a role that cannot read a table
-- cannot make a template of it, and readers of a report see only what its
-- owner could.
CREATE ROLE rep_admin IN ROLE analytics_admin;
CREATE ROLE rep_reader IN ROLE analytics_reader;
CREATE TABLE public.secret (day date, amount numeric);
INSERT INTO public.secret VALUES ('2026-03-05', 42);
SET ROLE rep_admin;
SELECT analytics.create_report_template('peek', 'Peek', '[{"kind": "table", "query": "SELECT * FROM public.secret"}]');
SELECT analytics.chart_data('bar', 'public.secret', 'day', ARRAY['amount']);
SELECT analytics.drop_report_template('sales_report');
SELECT analytics.drop_report_template('daily_kpi_summary');
SELECT analytics.schedule_report('mine', 'sales_report', 'csv', '@daily', ARRAY['a@example.com']) IS NOT NULL AS admin_schedules;
SELECT analytics.unschedule_report('mine');
-- the mail server's credentials are for superusers' eyes only
SHOW analytics.smtp_server;
SHOW analytics.smtp_password;
SELECT name FROM pg_settings WHERE name LIKE 'analytics.smtp%' ORDER BY 1;
RESET ROLE;
SET ROLE rep_reader;
SELECT count(*) > 0 AS reads_reports FROM analytics.reports;
SELECT analytics.generate_report('sales_report', 'daily', 'json');
SELECT jsonb_array_length(analytics.chart_data('bar', 'public.sales', 'day', ARRAY['amount']) -> 'data' -> 'values') AS days;
SELECT count(*) AS deliveries FROM analytics.report_deliveries;
SELECT analytics.schedule_report('mine', 'sales_report', 'csv', '@daily', ARRAY['a@example.com']);
SELECT analytics.deliver_reports();
SELECT analytics.email_report(id, ARRAY['a@example.com']) FROM analytics.reports LIMIT 1;
RESET ROLE;
SELECT analytics.drop_report_template('broken');
SELECT count(*) AS templates FROM analytics.report_templates;
DROP TABLE public.secret;
DROP ROLE rep_admin, rep_reader;

RESET analytics.mock_now;
DROP EXTENSION analytics CASCADE;
DROP TABLE public.sales;
